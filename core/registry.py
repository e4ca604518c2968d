"""A small name → object registry with "did you mean ...?" errors.

One mechanism serves tasks, models, featurizer families and probe backends. An entry is
an object, or a lazy ``"module:attr"`` target imported the first time it is asked for (so
that, say, naming the ``hf`` featurizer family does not import torch). A name is
registered once: a duplicate is an error.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


def close_matches(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates closest to ``name``, best first (at most ``n``; may be empty).

    Matching is case-insensitive. Substring matches come first, then candidates whose
    whole text is close (``difflib`` ratio >= 0.6) or whose beginning is close to the whole
    name (ratio >= 0.8 against the candidate cut to the name's length, so a typo in the
    first part of a long id, ``mini.uci_splise``, still finds ``mini.uci_splice.split70-30``).
    """
    lower = {c.lower(): c for c in candidates}
    key = name.lower()
    if not key:
        return []
    hits = [c for lc, c in lower.items() if key in lc or lc in key]
    scored = []
    for lc, c in lower.items():
        if c in hits:
            continue
        whole = difflib.SequenceMatcher(None, key, lc).ratio()
        head = (difflib.SequenceMatcher(None, key, lc[:len(key)]).ratio()
                if len(key) >= 4 and len(lc) > len(key) else 0.0)
        if whole >= 0.6 or head >= 0.8:
            scored.append((max(whole, head), c))
    scored.sort(key=lambda sc: -sc[0])
    return (hits + [c for _, c in scored])[:n]


def did_you_mean(name: str, candidates: list[str], n: int = 3) -> str:
    """Return a ``" Did you mean 'a', 'b'?"`` suffix, or ``""`` when nothing is close
    (see :func:`close_matches`)."""
    hits = close_matches(name, candidates, n)
    if not hits:
        return ""
    return " Did you mean " + ", ".join(repr(h) for h in hits) + "?"


@dataclass(frozen=True)
class _Lazy:
    """A registry entry not imported yet: ``"module:attr"``."""

    target: str

    def load(self):
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


class Registry(Generic[T]):
    """Ordered mapping of unique names to objects of one kind.

    Parameters
    ----------
    kind : str
        What the registry holds ("task", "model", "probe backend"); used in errors.
    hint : str, optional
        The command that lists valid names, appended to unknown-name errors.
    """

    def __init__(self, kind: str, hint: str = "") -> None:
        self.kind = kind
        self.hint = hint
        self._items: dict[str, T] = {}

    def register(self, name: str, obj: T, *, replace: bool = False) -> T:
        """Add ``obj`` under ``name``; refuse a duplicate unless ``replace``."""
        if name in self._items and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._items[name] = obj
        return obj

    def register_lazy(self, name: str, target: str, *, replace: bool = False) -> None:
        """Add the object at ``target`` (``"package.module:attr"``) under ``name``, imported
        when first asked for; refuse a duplicate unless ``replace``."""
        module, sep, attr = target.partition(":")
        if not (module and sep and attr):
            raise ValueError(f"lazy target of {self.kind} {name!r} must be 'module:attr', "
                             f"not {target!r}")
        self.register(name, _Lazy(target), replace=replace)  # type: ignore[arg-type]

    def get(self, name: str) -> T:
        """Return the object registered as ``name``.

        Raises
        ------
        UnknownNameError
            With close matches and the listing command when ``name`` is unknown.
        """
        try:
            obj = self._items[name]
        except KeyError:
            pass
        else:
            if isinstance(obj, _Lazy):
                obj = self._items[name] = obj.load()
            return obj
        msg = f"unknown {self.kind} {name!r}.{did_you_mean(name, list(self._items))}"
        if self.hint:
            msg += f" List them with `{self.hint}`."
        raise UnknownNameError(msg) from None

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)

    def values(self) -> list[T]:
        """Registered objects in registration order (lazy ones imported now)."""
        return [self.get(name) for name in list(self._items)]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
