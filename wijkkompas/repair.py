"""Heal, never wipe: what happens when a stored file turns out to be damaged.

A read error is not yet damage. Under the write lock (so two sessions never repair at once) the
file is checked again against the *current* manifest: size and sha256. Only a confirmed damaged file
counts; a file that is fine again (or no longer part of the store, because a writer committed a
newer version meanwhile) means the reader should simply read again.

A confirmed damaged file is moved to `beschadigd/` — only that file — and rebuilt inside one store
transaction from what the store was built from: the ingest log names the kept raw copies of folders
(`raw/bronnen/…`), online downloads (`raw/…`) and installed data packs (`raw/packs/<sha256>.zip`);
uploads are re-read from their kept files (`raw/eigen/…`); a saved document (score, presentation,
note, the uploads list, the log) is restored from the newest intact earlier version. New files are
written under new names and the manifest is swapped at the end, so readers see the old version
until the repaired one is complete, and the store never holds less than before. What cannot be
rebuilt is named in the manifest (`damaged`), so pages can say which figures are missing and what
to do, while everything intact keeps working.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.store import Store, Transaction
from wijkkompas.store.core import MANIFEST
from wijkkompas.store.files import json_bytes
from wijkkompas.store.snapshot import CBS_COLUMNS, EIGEN_PREFIX, GEO_PREFIX, REGIONS, VALUES_PREFIX

QUARANTINE = "beschadigd"
REBUILT_FROM_SOURCES = (VALUES_PREFIX, GEO_PREFIX, REGIONS, CBS_COLUMNS)


@dataclass
class RepairReport:
    """What a repair found and did, with Dutch lines for the page and the CLI."""

    damaged: list[str] = field(default_factory=list)  # logical names confirmed damaged
    restored: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # could not be restored: listed in the manifest
    quarantined: list[str] = field(default_factory=list)  # where the damaged files were put
    problems: list[str] = field(default_factory=list)  # Dutch
    stale: bool = False  # the read error came from an older version, nothing is damaged

    @property
    def healthy(self) -> bool:
        return not self.damaged

    def lines(self) -> list[str]:
        if self.stale or not self.damaged:
            return ["Alle opgeslagen bestanden zijn in orde."]
        out = [f"Beschadigd gevonden: {describe(k)}." for k in self.damaged]
        out += [f"Hersteld: {describe(k)}." for k in self.restored]
        out += [f"Niet te herstellen: {describe(k)}." for k in self.lost]
        out += self.problems
        if self.quarantined:
            out.append(f"De beschadigde bestanden zijn bewaard in de map {QUARANTINE}/ van de gegevensmap.")
        return out


def describe(logical: str) -> str:
    """A stored file's name as a user understands it."""
    parts = PurePosixPath(logical).parts
    if logical.startswith(VALUES_PREFIX):
        return f"de CBS-cijfers van {PurePosixPath(logical).stem}"
    if logical.startswith(EIGEN_PREFIX):
        return f"eigen gegevens '{PurePosixPath(logical).stem}' ({parts[2]})"
    if logical.startswith(GEO_PREFIX):
        return f"de kaartgrenzen ({parts[2].split('.')[0]}) van {parts[1]}"
    if logical.startswith("notities/"):
        return f"notitie {PurePosixPath(logical).stem}"
    return {
        REGIONS: "de lijst met gebieden en namen",
        CBS_COLUMNS: "de namen van CBS-kolommen zonder catalogus",
        "store/ingest_log.json": "het laadlogboek",
        "eigen/uploads.json": "de lijst met eigen gegevens",
    }.get(logical, logical)


def heal(
    store: Store, error: StoreCorrupt | None = None, progress: Callable[[str, float], None] | None = None
) -> RepairReport:
    """Confirm, quarantine and rebuild damaged files (all of them, not only the one that failed)."""
    report = RepairReport()
    with store.transaction() as tx:
        _rewrite_unreadable_manifest(store, tx.base)
        view = tx.view()
        if (
            error is not None
            and error.logical is not None
            and (not view.has(error.logical) or view.path(error.logical) != Path(error.path))
        ):
            report.stale = True  # a newer version replaced or removed it: read again
            return report
        problems = view.verify()
        if not problems:
            if error is not None:
                report.stale = True
            return report
        damaged = sorted({p.logical for p in problems if p.logical})
        report.damaged = damaged
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for logical in damaged:
            report.quarantined += _quarantine(store, view.object(logical), stamp)
            tx.mark_damaged(
                logical,
                {
                    "reason": next(p.reason for p in problems if p.logical == logical),
                    "found": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )
        _rebuild(store, tx, view, damaged, report, progress)
        for logical in damaged:
            if tx.view().has(logical):
                report.restored.append(logical)
            else:
                report.lost.append(logical)
                tx.damaged[logical] = {**tx.damaged.get(logical, {}), "advice": advice(logical)}
    return report


def _rewrite_unreadable_manifest(store: Store, base: dict) -> None:
    """`manifest.json` is a copy of the newest version file; put it back when it cannot be read."""
    try:
        json.loads(store.backend.read_bytes(MANIFEST).decode("utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError, UnicodeDecodeError):
        if base.get("files"):
            store.backend.write(MANIFEST, json_bytes(base))


def advice(logical: str) -> str:
    if logical.startswith(EIGEN_PREFIX) or logical == "eigen/uploads.json":
        return "Lees het bestand opnieuw in op de pagina Eigen gegevens."
    if logical.startswith(("scores/", "presentaties/", "notities/")):
        return "Maak het opnieuw, of installeer een gegevenspakket waarin het zit."
    return "Lees de gegevens opnieuw in op de startpagina (online of uit een map), of installeer het pakket opnieuw."


def _quarantine(store: Store, obj: str, stamp: str) -> list[str]:
    if not store.backend.exists(obj):
        return []
    target = f"{QUARANTINE}/{stamp}/{obj}"
    with contextlib.suppress(OSError):
        store.backend.move_aside(obj, target)
    return [target]


def _rebuild(store, tx: Transaction, view, damaged: list[str], report: RepairReport, progress) -> None:
    from_sources = [k for k in damaged if k.startswith(REBUILT_FROM_SOURCES)]
    if from_sources:
        _rebuild_from_log(store, view, from_sources, report, progress)
    uploads = [k for k in damaged if k.startswith(EIGEN_PREFIX)]
    if uploads:
        _reimport_uploads(store, uploads, report)
    for logical in damaged:
        if not logical.startswith((*REBUILT_FROM_SOURCES, EIGEN_PREFIX)) and _restore_earlier(store, tx, logical):
            report.problems.append(
                f"{describe(logical).capitalize()} is teruggezet naar de laatste onbeschadigde versie."
            )


def _rebuild_from_log(store: Store, view, damaged: list[str], report: RepairReport, progress) -> None:
    """Re-read every logged source that fed the damaged files, in the order they were loaded."""
    from wijkkompas.ingest import ingest
    from wijkkompas.pack import import_pack

    years = {int(PurePosixPath(k).stem) for k in damaged if k.startswith(VALUES_PREFIX)}
    years |= {int(PurePosixPath(k).parts[1]) for k in damaged if k.startswith(GEO_PREFIX)}
    everything = any(k in (REGIONS, CBS_COLUMNS) for k in damaged) or any(k.startswith(GEO_PREFIX) for k in damaged)
    seen = set()
    log = view.ingest_log()
    for entry in log:
        if not isinstance(entry, dict):
            continue
        if not everything and entry.get("year") not in years:
            continue
        source = str(entry.get("source") or "")
        key = (source, tuple(entry.get("gemeenten") or ()))
        if key in seen:
            continue
        seen.add(key)
        path = _resolve(store, source)
        if path is None:
            report.problems.append(
                f"De bron '{entry.get('original_source') or source}' is er niet meer; de cijfers daaruit "
                f"({', '.join(entry.get('gemeenten') or ['alle gemeenten'])}) kunnen niet opnieuw worden opgebouwd."
            )
            continue
        try:
            if entry.get("kind") == "pack" or path.suffix == ".zip":
                import_pack(path, store, overwrite=True, only=set(damaged))
            else:
                sub = ingest(
                    path,
                    store,
                    entry.get("gemeenten"),
                    years=None if everything else sorted(years),
                    progress=progress,
                    log_source=source,
                    record_log=False,
                )
                report.problems += [p for p in sub.problems if "komt in geen enkele tabel" not in p]
        except SourceError as exc:
            report.problems.append(f"Opnieuw inlezen uit '{source}' lukte niet: {exc}")


def _resolve(store: Store, source: str) -> Path | None:
    """The logged source as a local path (fetched from the bucket for a remote store), or None when gone."""
    if not source or source.startswith("pakket "):
        return None
    path = Path(source)
    if path.is_absolute():
        return path if path.exists() else None
    return store.local_raw(source) if source.startswith("raw/") else None


def _reimport_uploads(store: Store, damaged: list[str], report: RepairReport) -> None:
    from wijkkompas.userdata import reimport_all
    from wijkkompas.userdata.persist import list_uploads

    slugs = {PurePosixPath(k).stem for k in damaged}
    try:
        chosen = [u for u in list_uploads(store) if PurePosixPath(store.source_name(0, u.source_table)).stem in slugs]
    except SourceError as exc:
        report.problems.append(str(exc))
        return
    report.problems += reimport_all(store, only={u.id for u in chosen})


def _restore_earlier(store: Store, tx: Transaction, logical: str) -> bool:
    """Put back the newest intact earlier version of a document (scores, presentations, notes, lists)."""
    backend = store.backend
    for key in reversed(store.version_files()):
        entry = (store.read_version_file(key) or {}).get("files", {}).get(logical)
        if not entry:
            continue
        obj = entry.get("object", logical)
        with contextlib.suppress(OSError):
            if backend.size(obj) == entry["bytes"] and backend.sha256(obj) == entry["sha256"]:
                tx.put(logical, backend.read_bytes(obj))
                return True
    return False
