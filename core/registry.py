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


def did_you_mean(name: str, candidates: list[str], n: int = 3) -> str:
    """Return a ``" Did you mean 'a', 'b'?"`` suffix, or ``""`` when nothing is close.

    Matching is case-insensitive; substring matches are offered before fuzzy ones.
    """
    lower = {c.lower(): c for c in candidates}
    key = name.lower()
    hits = [c for lc, c in lower.items() if key and (key in lc or lc in key)]
    fuzzy = difflib.get_close_matches(key, list(lower), n=n, cutoff=0.6)
    for lc in fuzzy:
        if lower[lc] not in hits:
            hits.append(lower[lc])
    hits = hits[:n]
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
