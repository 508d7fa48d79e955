"""One exception for every source, carrying a Dutch message a user can act on."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not deliver. `str(err)` is Dutch: what went wrong, with which file/key/code, and what to do."""

    def __init__(
        self, message: str, *, path: str | None = None, status: int | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        # The HTTP status behind a network failure (404, 400, …), so a caller can choose a fallback.
        self.status = status
        # No connection at all (after the retries): asking the same host again in this run is pointless.
        self.unreachable = unreachable

    def __str__(self) -> str:
        return self.message


class NotAvailable(SourceError):
    """The source simply has nothing for this year or area (not published, not measured): a fact to
    report once and plainly, not a failure to retry."""
