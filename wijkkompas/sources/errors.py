"""Kept for older imports: the user-facing errors live in `wijkkompas.errors`."""

from wijkkompas.errors import NotAvailable, SourceError

__all__ = ["NotAvailable", "SourceError"]
