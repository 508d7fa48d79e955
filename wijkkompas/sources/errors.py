"""Kept for older imports: the user-facing errors live in `wijkkompas.errors`."""

from wijkkompas.errors import SourceError

__all__ = ["SourceError"]
