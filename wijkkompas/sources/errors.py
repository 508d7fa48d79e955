"""One exception for every source, carrying a Dutch message a user can act on."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not deliver. `str(err)` is Dutch: what went wrong, with which file/key/code, and what to do."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message
