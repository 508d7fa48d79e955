"""Data packs: everything a presentation needs for some gemeenten, in ONE zip file, to carry to a
laptop without internet ("prepare at the office, present at the politieke markt").

A pack holds `manifest.json` (format version, app version, created, gemeenten, years, the ingest log
of what it holds, and every file with its sha256 and size) and, under the same relative paths as in
a data directory: the store slice (values rows of the gemeenten plus the Nederland rows, their
regions, their map shapes, `store/cbs_columns.json`), uploaded indicators (`eigen/uploads.json` and
their kept files under `raw/eigen/`), saved score definitions (`scores/`) and presentations
(`presentaties/`) and the notes about their wijken and buurten (`notities/`; on install the copy with
the newest `updated` wins, so nobody is asked about a note).

Importing is paranoid because a pack comes from somewhere else:
* every check runs before anything is written: format version, entry names (no absolute paths, no
  `..`, no links: a pack can never write outside the data directory), every checksum and size, and
  the contents (Parquet readable, rows only of the gemeenten the manifest names);
* newer data on this computer is never overwritten without asking: per gemeente and year the
  load times are compared, and conflicts come back as a list the caller confirms with
  `overwrite=True`;
* installing is all or nothing: the store files are merged in a staging folder next to the data
  directory (through `Store.replace`, so the merge is the same as an ingest), then copied in with
  the store manifest last; if anything fails, every touched file is put back byte for byte.

The package is split by job: `format` (names, limits, name safety), `build`, `read` (verify),
`conflicts` and `install`. Import from here.
"""

from wijkkompas.pack.build import PackSummary, build_pack, export_pack
from wijkkompas.pack.conflicts import Conflict, find_conflicts
from wijkkompas.pack.format import (
    ALLOWED,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_TOTAL_BYTES,
    nl_time,
    unsafe_name_reason,
)
from wijkkompas.pack.install import PACKS_DIR, ImportResult, import_pack, keep_pack
from wijkkompas.pack.read import Pack, read_pack

__all__ = [
    "ALLOWED",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_TOTAL_BYTES",
    "PACKS_DIR",
    "Conflict",
    "ImportResult",
    "Pack",
    "PackSummary",
    "build_pack",
    "export_pack",
    "find_conflicts",
    "import_pack",
    "keep_pack",
    "nl_time",
    "read_pack",
    "unsafe_name_reason",
]
