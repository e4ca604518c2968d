"""One root exception for geneb; subclasses also subclass the matching builtin.

A :class:`GenebError` is a *user* error: the CLI prints its message on one line and
exits with code 2, without a traceback. Messages name the offending value, what was
expected, and the next thing to try.
"""

from __future__ import annotations


class GenebError(Exception):
    """Root of every error geneb raises on purpose."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else self.__class__.__name__


class UnknownNameError(GenebError, KeyError):
    """A task, model, backend or other registered name that does not exist."""


class InputError(GenebError, ValueError):
    """Malformed user input: a bad task file, option value or sequence."""


class MissingDataError(GenebError, FileNotFoundError):
    """Something geneb needs (a file, an embedding array, a store) is not there."""


class StoreFormatError(GenebError, ValueError):
    """A path or URL that is not a readable geneb store, or an incomplete array."""
