"""Readiness: can this replica read the store it serves? (Streamlit's own `/_stcore/health` only says
the process is up; a replica whose bucket is unreachable or whose manifest is unreadable must be taken
out of the proxy's rotation instead.)"""

from __future__ import annotations

import posixpath
import time

from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.store import Store, default_data_dir


def readiness(store: Store | None = None) -> tuple[bool, dict]:
    """(ready, details). Reads the manifest and checks that every file it names exists (a listing, no
    checksums: this runs every few seconds). An empty store is ready: Start explains how to load data."""
    started = time.perf_counter()
    try:
        store = store or Store(default_data_dir())
        snap = store.current()
        objects = {name: snap.object(name) for name in snap.names()}
        present = {
            key
            for folder in {posixpath.dirname(o) for o in objects.values()}
            for key, _, _ in store.backend.list(folder)
        }  # one listing per folder: on a bucket that is a few requests, not one per file
        missing = [name for name, obj in objects.items() if obj not in present]
        details = {
            "version": snap.version,
            "files": len(snap.names()),
            "years": snap.years(),
            "missing": missing[:10],
        }
        ok = not missing
    except (OSError, SourceError, StoreCorrupt, ValueError) as exc:
        ok, details = False, {"error": type(exc).__name__, "message": str(exc)[:300]}
    details["status"] = "ok" if ok else "unavailable"
    details["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return ok, details
