"""Every error a user can cause, in one place. Each renders as one line naming the input."""
from __future__ import annotations

__all__ = ["FramingError", "InputError", "LexiconError", "ConfigError", "OutputError"]


class FramingError(Exception):
    """Base class: `str(error)` is the one-line message the CLI prints."""

    exit_code = 2


class InputError(FramingError):
    """An article input that cannot be read; the batch goes on without it."""

    def __init__(self, source: str, message: str, *, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class LexiconError(FramingError):
    """A lexicon file that cannot be used; scoring stops, naming the file and line."""

    def __init__(self, path: str, message: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ConfigError(FramingError):
    """A usage or configuration error (bad option, missing path)."""


class OutputError(FramingError):
    """An output that cannot be written (e.g. a directory that is not writable)."""
