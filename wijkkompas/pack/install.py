"""Installing a pack: all or nothing, through one store transaction; the pack itself is kept for repairs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd

from wijkkompas.errors import SourceError
from wijkkompas.pack.build import _note_of, _read_doc
from wijkkompas.pack.conflicts import Conflict, find_conflicts
from wijkkompas.pack.format import REGISTRY, _now, _refuse, _sha, _when
from wijkkompas.pack.read import Pack, _pack_bytes, _parquet, read_pack
from wijkkompas.store import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    Snapshot,
    Store,
    StoreCorrupt,
    StoreWriteError,
)
from wijkkompas.store.snapshot import CBS_COLUMNS, INGEST_LOG, REGIONS
from wijkkompas.store.tables import plain


@dataclass(frozen=True)
class ImportResult:
    pack: Pack
    conflicts: tuple[Conflict, ...]
    installed: bool
    written: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        if not self.installed:
            return [
                "Op deze computer staan nieuwere gegevens (of gegevens waarvan de leeftijd onbekend is). Er is niets geïnstalleerd.",
                *[f"- {c.text}" for c in self.conflicts],
                "Wilt u ze toch vervangen door die uit het pakket? Bevestig dan het overschrijven.",
            ]
        return [*self.pack.lines(), f"Geïnstalleerd: {len(self.written)} bestand(en) bijgewerkt."]


PACKS_DIR = "raw/packs"
STORE_PARTS = ("store/values/", "store/regions.parquet", "geo/", CBS_COLUMNS)


def _install_store_slice(pack: Pack, store: Store, only: set[str] | None) -> None:
    """Merge the pack's figures, regions and maps into the store, exactly as an ingest would (`Store.replace`)."""
    frames = [
        plain(_parquet(d, p, pack.source)).to_pandas()
        for p, d in sorted(pack.files.items())
        if p.startswith("store/values/") and (only is None or p in only or REGIONS in only)
    ]
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)
    regions = (
        _parquet(pack.files[REGIONS], REGIONS, pack.source).to_pandas()
        if REGIONS in pack.files and (only is None or REGIONS in only or frames)
        else pd.DataFrame(columns=REGION_COLUMNS)
    )
    if not values.empty:
        tables = sorted({str(t) for t in values["source_table"].dropna().unique()})
        store.replace(
            values[VALUE_COLUMNS], regions[REGION_COLUMNS], source_tables=tables, gemeenten=list(pack.gemeenten)
        )
    for path, data in sorted(pack.files.items()):
        if path.startswith("geo/") and (only is None or path in only or REGIONS in only):
            _, year, name = path.split("/")
            frame = gpd.read_parquet(io.BytesIO(data))
            store.replace_geometry(int(year), PurePosixPath(name).stem, frame, list(pack.gemeenten))


def _merge_documents(pack: Pack, tx, label: str, kept: str | None) -> None:
    """CBS column labels, the log, uploads, saved scores and presentations of the pack, merged into `tx`."""
    view = tx.view()
    if CBS_COLUMNS in pack.files:
        incoming = json.loads(pack.files[CBS_COLUMNS])
        current = _read_doc(view, CBS_COLUMNS)
        base = dict(current) if isinstance(current, dict) else {}
        extra = {k: v for k, v in (incoming or {}).items() if k not in base} if isinstance(incoming, dict) else {}
        if extra or not isinstance(current, dict):
            tx.put_json(CBS_COLUMNS, {**base, **extra})
    log = view.ingest_log()
    have = {
        (e.get("year"), tuple(e.get("gemeenten") or ()), e.get("table"), e.get("loaded_at"))
        for e in log
        if isinstance(e, dict)
    }
    added = []
    for e in pack.manifest.get("log") or []:
        if not isinstance(e, dict):
            continue
        key = (e.get("year"), tuple(e.get("gemeenten") or ()), e.get("table"), e.get("loaded_at"))
        if key in have:
            continue
        added.append(
            {
                **e,
                "source": kept or f"pakket {label}",
                "kind": "pack",
                "original_source": e.get("source"),
                "pack_label": label,
                "installed_at": _now(),
            }
        )
    if added:
        tx.put_json(INGEST_LOG, log + added)
    if REGISTRY in pack.files:
        incoming = json.loads(pack.files[REGISTRY])
        current = _read_doc(view, REGISTRY)
        base = dict(current) if isinstance(current, dict) else {"version": incoming.get("version", 1)}
        ups = dict(base.get("uploads") or {})
        ups.update(incoming["uploads"])
        tx.put_json(REGISTRY, {**base, "uploads": ups})
    for path, data in pack.files.items():
        if path.startswith("notities/"):
            if _pack_note_is_newer(view, path, data):
                tx.put(path, data)
        elif path.startswith(("scores/", "presentaties/")) and (not view.has(path) or view.read_bytes(path) != data):
            tx.put(path, data)


def _pack_note_is_newer(view: Snapshot, path: str, data: bytes) -> bool:
    """A note is merged, never asked about: the copy changed last (`updated`) wins; a tie keeps this one."""
    if not view.has(path):
        return True
    try:
        mine = view.read_bytes(path)
    except StoreCorrupt:
        return True  # a damaged local copy: the pack's intact one is better
    if mine == data:
        return False
    here, packed = _note_of(mine, path), _note_of(data, path)
    if here is None:
        return True
    t_here, t_pack = _when(here.updated), _when(packed.updated) if packed else None
    return t_pack is not None and (t_here is None or t_pack > t_here)


def keep_pack(data: bytes, store: Store) -> tuple[str, str | None]:
    """Keep an installed pack under `raw/packs/<sha256>.zip` (once), so a damaged store can re-install it.

    Returns its name relative to the data dir, and that name again when this call created it (to remove
    it again when the install fails).
    """
    rel = f"{PACKS_DIR}/{_sha(data)}.zip"
    if store.raw_exists(rel):
        return rel, None
    store.write_raw(rel, data)
    return rel, rel


def import_pack(
    source: bytes | Path | str | Pack,
    data_dir: Path | str | Store,
    *,
    overwrite: bool = False,
    label: str | None = None,
    only: set[str] | None = None,
) -> ImportResult:
    """Check a pack and install it, all or nothing (one store version).

    Returns `installed=False` with the conflicts when this computer has newer data and `overwrite`
    is False (nothing is written then). Raises SourceError (Dutch) for a bad pack or a failed install;
    in both cases the store is exactly as it was. The pack itself is kept in `raw/packs/` and the log
    names it, so a damaged store re-installs itself from it. `only` (a set of store file names)
    installs just those figures and maps from the pack: how a repair uses a kept pack.
    """
    raw = _pack_bytes(source)
    pack = source if isinstance(source, Pack) else read_pack(source, label=label)
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    conflicts = tuple(find_conflicts(pack, store)) if only is None else ()
    if conflicts and not overwrite:
        return ImportResult(pack, conflicts, installed=False)
    name = pack.source.strip("'")
    kept: str | None = None
    written_raw: list[str] = []  # raw keys this install created
    try:
        if not store.backend.remote:
            Path(store.data_dir).mkdir(parents=True, exist_ok=True)
        if raw is not None and only is None:
            kept, new_file = keep_pack(raw, store)
            written_raw += [new_file] if new_file else []
    except OSError as exc:
        _remove(store, written_raw)
        raise SourceError(
            f"Er kan niet worden geschreven in {store.data_dir} ({exc.strerror}). Er is niets geïnstalleerd."
        ) from exc
    try:
        with store.transaction() as tx:
            before = dict(tx.files)
            _install_store_slice(pack, store, only)
            if only is None:
                _merge_documents(pack, tx, name, kept)
                for path, data in sorted(pack.files.items()):
                    if path.startswith("raw/eigen/"):
                        _inside(store.raw_root.parent, path)
                        if store.read_raw(path) != data:
                            if not store.raw_exists(path):
                                written_raw.append(path)
                            store.write_raw(path, data)
            written = tuple(sorted(k for k, v in tx.files.items() if before.get(k) != v))
    except StoreWriteError as exc:
        _remove(store, written_raw)
        raise SourceError(f"Het pakket is niet geïnstalleerd. {exc}") from exc
    except SourceError:
        _remove(store, written_raw)
        raise
    except Exception as exc:
        _remove(store, written_raw)
        raise SourceError(
            f"Installeren is mislukt ({type(exc).__name__}: {exc}). Alles is teruggezet zoals het was; er is niets veranderd."
        ) from exc
    return ImportResult(pack, conflicts, installed=True, written=written)


def _remove(store: Store, keys: Iterable[str]) -> None:
    for key in keys:
        store.delete_raw(key)


def _inside(data_dir: Path, rel: str) -> Path:
    """The target path, proven to lie inside the data directory (also through symlinked folders)."""
    root = data_dir.resolve()
    target = (data_dir / rel).resolve()
    if target != root and root not in target.parents:
        raise _refuse(f"'{rel}' zou buiten de gegevensmap terechtkomen.")
    return data_dir / rel
