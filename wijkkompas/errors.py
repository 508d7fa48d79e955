"""The errors a user may see: each carries a Dutch message that says what is wrong and what to do.

They live here, below every other module, because sources, the store, scores, trends and packs all
raise them and the UI turns them into messages; `sources/errors.py` re-exports `SourceError` for
older imports.
"""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """Something could not be read, fetched or stored. `str(err)` is Dutch: what went wrong, with which
    file/key/code, and what to do."""

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


class StoreCorrupt(Exception):
    """A stored file is missing, truncated, damaged or changed behind the store's back.

    `path` is the file on disk, `logical` the name the manifest knows it by (`store/values/2024.parquet`).
    """

    def __init__(self, path: Path, reason: str, *, logical: str | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
        self.logical = logical
