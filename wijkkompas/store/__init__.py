"""The store: one tidy long table of figures, a regions table, map geometries and the user's saved
documents, as immutable files named by one manifest (see `core.py` and docs/architecture.md)."""

from wijkkompas.errors import StoreCorrupt
from wijkkompas.store.core import Store, StoreWriteError, Transaction, default_data_dir, geometry_bytes
from wijkkompas.store.files import atomic_write_bytes, atomic_write_json, atomic_write_text
from wijkkompas.store.lock import StoreBusy, wait_notifier
from wijkkompas.store.snapshot import Snapshot
from wijkkompas.store.tables import (
    LEVELS,
    REGION_COLUMNS,
    REGION_SCHEMA,
    STATUS_OK,
    VALUE_COLUMNS,
    VALUE_SCHEMA,
    VALUE_SCHEMA_STORED,
)

__all__ = [
    "LEVELS",
    "REGION_COLUMNS",
    "REGION_SCHEMA",
    "STATUS_OK",
    "VALUE_COLUMNS",
    "VALUE_SCHEMA",
    "VALUE_SCHEMA_STORED",
    "Snapshot",
    "Store",
    "StoreBusy",
    "StoreCorrupt",
    "StoreWriteError",
    "Transaction",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "default_data_dir",
    "geometry_bytes",
    "wait_notifier",
]
