"""The argument parser of every geneb command, with errors in the house format.

argparse prints the usage block and ``PROG: error: ...`` then exits; a
:class:`GenebParser` raises :class:`UsageError` instead, and :func:`error_line` turns it
into one line (``geneb: error: extract: ...``) that names the command, offers the
closest flag, command or choice, and points to the command's ``--help``.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from geneb.core.registry import close_matches

#: Parsers that started parsing during the current command line, outermost first.
_STARTED: list["GenebParser"] = []


class UsageError(Exception):
    """An argparse error of ``parser``: ``message`` as argparse words it."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class GenebParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises :class:`UsageError` rather than exiting."""

    def parse_known_args(self, args=None, namespace=None):
        _STARTED.append(self)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def seconds(text: str) -> float:
    """argparse ``type`` for a duration: a number of seconds, 0 or more (--lock-timeout)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not allowed; give 0 or more seconds "
                                         f"(leave the option out to wait without a limit)")
    return value


def parse(parser: GenebParser, argv: list[str] | None) -> argparse.Namespace:
    """``parser.parse_args(argv)``; a usage error raises :class:`UsageError` whose parser
    is the (sub)command parser it concerns."""
    _STARTED.clear()
    try:
        return parser.parse_args(argv)
    except UsageError as exc:
        if exc.message.startswith("unrecognized arguments") and _STARTED:
            raise UsageError(_STARTED[-1], exc.message) from None  # the deepest command's
        raise


def _command(parser: argparse.ArgumentParser) -> str:
    return parser.prog.removeprefix("geneb").strip()


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [s for action in parser._actions for s in action.option_strings if s.startswith("--")]


def _choices(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    flags = [e for e in extras if e.startswith("-")]
    if not flags:
        return f"unexpected argument(s) {' '.join(map(repr, extras))}"
    flag = flags[0].split("=", 1)[0]
    near = close_matches(flag, _flags(parser), 1)
    hint = f"; did you mean {_or(near)}?" if near else ""
    return f"unknown option {flag}{hint}"


def _invalid_choice(message: str) -> str:
    m = re.match(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)$", message)
    if not m:
        return message
    what, value, listed = m.groups()
    choices = re.findall(r"'([^']*)'", listed)
    near = close_matches(value, choices, 2)
    if what in ("COMMAND", "ACTION"):
        head = f"unknown {what.lower()} {value!r}"
    else:
        head = f"{what} {value!r} is not one of {', '.join(choices)}"
    return head + (f"; did you mean {_or(near)}?" if near else "")


def error_line(exc: UsageError) -> str:
    """One line (without ``geneb: error:``) for an argparse error."""
    parser, message = exc.parser, exc.message
    command = _command(parser)
    if message.startswith("unrecognized arguments: "):
        text = _unrecognized(parser, message.split(": ", 1)[1].split())
    elif message.startswith("ambiguous option: "):
        m = re.match(r"ambiguous option: (\S+?)(=\S*)? could match (.*)$", message)
        options = m.group(3).split(", ") if m else []
        near = close_matches(m.group(1), options, 1) if m else []
        text = (f"option {m.group(1)} is ambiguous ({', '.join(options)})"
                + (f"; did you mean {near[0]}?" if near else "")) if m else message
    elif message.startswith("the following arguments are required: "):
        missing = message.split(": ", 1)[1]
        if missing in ("COMMAND", "ACTION"):
            article = "an" if missing == "ACTION" else "a"
            text = f"give {article} {missing.lower()}: {', '.join(_choices(parser))}"
        else:
            text = f"missing {missing}"
    else:
        text = _invalid_choice(message)
    where = f"geneb {command} --help" if command else "geneb --help"
    return f"{command + ': ' if command else ''}{text} (see `{where}`)"
