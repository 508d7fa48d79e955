"""The pack format: names, version, limits and the name-safety rule every entry must pass."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from wijkkompas.errors import SourceError
from wijkkompas.formatting import nl_datetime

FORMAT = "wijkkompas-pakket"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REGISTRY = "eigen/uploads.json"
MAX_TOTAL_BYTES = 4 * 1024**3  # refuse packs that claim more (a zip bomb would)
GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
GEO_LEVELS = ("buurt", "wijk", "gemeente")
# The only paths a pack may hold: anything else is refused, so a pack cannot place a file anywhere else.
ALLOWED = [
    re.compile(r"^store/values/(19|20|21)\d\d\.parquet$"),
    re.compile(r"^store/regions\.parquet$"),
    re.compile(r"^store/cbs_columns\.json$"),
    re.compile(r"^geo/(19|20|21)\d\d/(buurt|wijk|gemeente)\.parquet$"),
    re.compile(r"^eigen/uploads\.json$"),
    re.compile(r"^raw/eigen/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9][A-Za-z0-9 ._()-]{0,199}$"),
    re.compile(r"^scores/[a-z0-9][a-z0-9-]{0,79}\.toml$"),
    re.compile(r"^presentaties/[a-z0-9][a-z0-9-]{0,79}\.json$"),
    re.compile(r"^notities/[0-9a-f]{16}\.json$"),
]
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_SHA = re.compile(r"^[0-9a-f]{64}$")


# =========================================================================== small helpers


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _when(text: object) -> datetime | None:
    """ISO time → aware datetime (naive taken as UTC); None when absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def nl_time(text: object) -> str:
    dt = _when(text)
    return nl_datetime(dt) if dt else "onbekend"


def unsafe_name_reason(name: str) -> str | None:
    """Why an entry name could write outside the data directory (None when it is safe)."""
    if not name or "\x00" in name:
        return "een lege naam of een ongeldig teken"
    if "\\" in name:
        return "een backslash in de naam"
    if name.startswith("/") or _WINDOWS_DRIVE.match(name):
        return "een absoluut pad"
    parts = name.split("/")
    if any(p == ".." for p in parts):
        return "'..' in het pad (dat wijst naar een map hogerop)"
    if any(p in ("", ".") for p in parts[:-1]) or parts[-1] in ("", "."):
        return "een lege of '.'-map in het pad"
    return None


def _refuse(text: str) -> SourceError:
    return SourceError(text[:1].upper() + text[1:] + " Er is niets geïnstalleerd.")


# =========================================================================== export
