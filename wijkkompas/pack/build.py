"""Building a pack: the store slice of some gemeenten plus their documents, into one zip."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wijkkompas import STORE_VERSION, __version__
from wijkkompas.errors import SourceError
from wijkkompas.formatting import nl_number
from wijkkompas.pack.format import (
    ALLOWED,
    FORMAT,
    FORMAT_VERSION,
    GEMEENTE_CODE,
    GEO_LEVELS,
    MANIFEST,
    REGISTRY,
    _now,
    _sha,
    unsafe_name_reason,
)
from wijkkompas.store import (
    REGION_COLUMNS,
    Snapshot,
    Store,
    StoreCorrupt,
    atomic_write_bytes,
)
from wijkkompas.store.core import geometry_bytes
from wijkkompas.store.snapshot import CBS_COLUMNS, values_name
from wijkkompas.store.tables import parquet_bytes, sort_dictionary_table


@dataclass(frozen=True)
class PackSummary:
    """What `export_pack` put in the pack, for the CLI and the page to report."""

    gemeenten: tuple[str, ...]
    names: Mapping[str, str]
    years: tuple[int, ...]
    files: int
    bytes: int
    values: int
    geometry: tuple[str, ...]  # "2014 buurt", …
    uploads: int
    scores: int
    presentations: int
    notes: tuple[str, ...] = ()
    notities: int = 0  # notes about the wijken and buurten (what people said; not figures)

    def lines(self) -> list[str]:
        gm = ", ".join(f"{self.names.get(g, g)} ({g})" for g in self.gemeenten)
        out = [
            f"Gemeenten: {gm}",
            f"Jaren: {', '.join(map(str, self.years)) or 'geen'} ({nl_number(self.values)} cijfers)",
            f"Kaartgrenzen: {', '.join(self.geometry) or 'geen'}",
            f"Eigen gegevens: {self.uploads} bestand(en); bewaarde scores: {self.scores}; presentaties: {self.presentations}",
        ]
        if self.notities:
            out.append(f"Notities bij wijken en buurten: {self.notities}")
        return out + list(self.notes)


def _values_slice(snap: Snapshot, year: int, gemeenten: Sequence[str]) -> pa.Table | None:
    """The stored rows of these gemeenten plus Nederland for one year (None when the gemeenten have none)."""
    files = snap.year_files(year)
    parts = [snap.read_table(p, filters=[("gemeente_code", "in", list(gemeenten))]) for p in files]
    parts = [t.cast(parts[0].schema) for t in parts if t.num_rows]
    if not parts:
        return None
    own = pa.concat_tables(parts).unify_dictionaries() if len(parts) > 1 else parts[0]
    main = values_name(year)
    nl = _nederland_rows(snap, main) if main in files else own.schema.empty_table()
    table = pa.concat_tables([own, nl.cast(own.schema)]).unify_dictionaries() if nl.num_rows else own
    return sort_dictionary_table(table.combine_chunks(), ["gemeente_code", "level", "region_code", "indicator"])


def _nederland_rows(snap: Snapshot, logical: str) -> pa.Table:
    """The Nederland rows of a year file, reading only the row groups that can hold them (see Snapshot.read_table)."""
    table = snap.read_table(logical, gemeente_null=True)
    return table.filter(pc.equal(table["level"].cast(pa.string()), "nederland"))


def _relevant_log(log: Iterable[Mapping], gemeenten: Sequence[str], years: Sequence[int]) -> list[dict]:
    wanted = set(gemeenten)
    out = []
    for entry in log:
        if not isinstance(entry, Mapping) or entry.get("year") not in set(years):
            continue
        gms = entry.get("gemeenten")
        covered = sorted(wanted) if gms is None else sorted(wanted & set(gms or []))
        if not covered:
            continue
        out.append({**{k: v for k, v in entry.items() if k != "gemeenten"}, "gemeenten": covered})
    return out


def _read_doc(snap: Snapshot, logical: str) -> object:
    try:
        return snap.read_json(logical)
    except StoreCorrupt as exc:
        raise SourceError(
            f"{logical} kan niet worden gelezen ({exc.reason}). Open de startpagina (die herstelt de opslag) en probeer "
            "het opnieuw."
        ) from exc


def _presentation_gemeenten(data: bytes) -> tuple[str, ...] | None:
    from wijkkompas.presentation.model import from_json_bytes

    try:
        return from_json_bytes(data).gemeenten()
    except SourceError:
        return None


def build_pack(
    data_dir: Path | str | Store, gemeenten: Sequence[str], *, created: str | None = None
) -> tuple[bytes, PackSummary]:
    """The pack for `gemeenten` as zip bytes, and a summary. Raises SourceError (Dutch) when it cannot."""
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    snap = store.snapshot()
    gms = list(dict.fromkeys(g.strip().upper() for g in gemeenten if g and g.strip()))
    if not gms:
        raise SourceError("Kies minstens één gemeente voor het pakket, bijvoorbeeld --gemeente GM0164.")
    for g in gms:
        if not GEMEENTE_CODE.match(g):
            raise SourceError(
                f"'{g}' is geen gemeentecode. Een gemeentecode is GM met vier cijfers, bijvoorbeeld GM0164 (Hengelo)."
            )
    try:
        loaded = snap.gemeenten()
        problems = [p for p in snap.verify()]
    except StoreCorrupt as exc:
        raise SourceError(
            f"De opslag is beschadigd ({exc.path.name}: {exc.reason}). Herstel die eerst (python -m wijkkompas status)."
        ) from exc
    names = dict(zip(loaded["gemeente_code"], loaded["gemeente_name"], strict=True)) if not loaded.empty else {}
    missing = [g for g in gms if g not in names]
    if missing:
        have = ", ".join(f"{n} ({c})" for c, n in names.items()) or "nog geen"
        raise SourceError(
            f"Gemeente {', '.join(missing)} is niet geladen; er is niets ingepakt. Geladen gemeenten: {have}."
        )
    if problems:
        first = problems[0]
        raise SourceError(
            f"Een opgeslagen bestand is beschadigd ({first.path.name}: {first.reason}); er is niets ingepakt. "
            "Open de startpagina (die herstelt de opslag) of lees de gegevens opnieuw in."
        )

    files: dict[str, bytes] = {}
    years: list[int] = []
    n_values = 0
    for year in snap.years():
        table = _values_slice(snap, year, gms)
        if table is None:
            continue
        files[f"store/values/{year}.parquet"] = parquet_bytes(table)
        years.append(year)
        n_values += table.num_rows
    if not years:
        raise SourceError(f"Voor {', '.join(gms)} zijn geen cijfers geladen; er is niets ingepakt.")
    regions = snap.regions(gemeenten=gms)
    all_regions = snap.regions()
    nl_regions = all_regions[all_regions["level"] == "nederland"]
    regions = pd.concat([regions, nl_regions], ignore_index=True) if not nl_regions.empty else regions
    regions = regions[regions["year"].isin(years)]
    table = pa.Table.from_pandas(regions[REGION_COLUMNS], preserve_index=False)
    files["store/regions.parquet"] = parquet_bytes(table)
    geometry = []
    for level in GEO_LEVELS:
        for year in snap.geometry_years(level):
            frame = snap.geometry(year, level, gms)
            if frame.empty:
                continue
            frame = frame.sort_values(["gemeente_code", "region_code"])
            files[f"geo/{year}/{level}.parquet"] = geometry_bytes(frame)
            geometry.append(f"{year} {level}")
    if snap.has(CBS_COLUMNS):
        _read_doc(snap, CBS_COLUMNS)
        files[CBS_COLUMNS] = snap.read_bytes(CBS_COLUMNS)

    notes: list[str] = []
    uploads = 0
    if snap.has(REGISTRY):
        payload = _read_doc(snap, REGISTRY)
        registry = payload if isinstance(payload, Mapping) else {}
        all_up = registry.get("uploads", {})
        chosen = {}
        for uid, up in (all_up or {}).items():
            if not isinstance(up, Mapping) or not set(up.get("gemeenten") or []) & set(gms):
                continue
            chosen[uid] = up
            raw_rel = str(up.get("raw_path") or "")
            raw = (
                store.read_raw(raw_rel)
                if raw_rel and unsafe_name_reason(raw_rel) is None and _allowed(raw_rel)
                else None
            )
            if raw is not None:
                files[raw_rel] = raw
            else:
                notes.append(
                    f"Het bronbestand van '{up.get('file_name', uid)}' ontbreekt; de cijfers zijn wel ingepakt."
                )
        if chosen:
            files[REGISTRY] = json.dumps(
                {"version": registry.get("version", 1), "uploads": chosen}, ensure_ascii=False, indent=1
            ).encode("utf-8")
            uploads = len(chosen)
    scores = 0
    for rel in snap.names("scores/"):
        if _allowed(rel):
            files[rel] = snap.read_bytes(rel)
            scores += 1
    presentations = 0
    for rel in snap.names("presentaties/"):
        data = snap.read_bytes(rel)
        used = _presentation_gemeenten(data)
        if used is None:
            notes.append(f"Presentatie {PurePosixPath(rel).name} is niet te lezen en is niet ingepakt.")
            continue
        if _allowed(rel) and (not used or set(used) & set(gms)):
            files[rel] = data
            presentations += 1

    notities = 0
    for rel in snap.names("notities/"):
        note = _note_of(snap.read_bytes(rel), rel)
        if note is None:
            notes.append(f"Notitie {PurePosixPath(rel).name} is niet te lezen en is niet ingepakt.")
        elif _allowed(rel) and note.gemeente_code in gms:
            files[rel] = snap.read_bytes(rel)
            notities += 1

    gemeente_names = {g: names.get(g, g) for g in gms}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "store_version": STORE_VERSION,
        "created": created or _now(),
        "gemeenten": gms,
        "gemeente_names": gemeente_names,
        "years": years,
        "log": _relevant_log(snap.ingest_log(), gms, years),
        "files": [{"path": p, "sha256": _sha(d), "bytes": len(d)} for p, d in sorted(files.items())],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            _info(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1), compress_type=zipfile.ZIP_DEFLATED
        )
        for path, data in sorted(files.items()):
            # Parquet is already zstd-compressed: storing it is faster and no bigger.
            kind = zipfile.ZIP_STORED if path.endswith(".parquet") else zipfile.ZIP_DEFLATED
            zf.writestr(_info(path), data, compress_type=kind)
    out = buf.getvalue()
    summary = PackSummary(
        tuple(gms),
        gemeente_names,
        tuple(years),
        len(files),
        len(out),
        n_values,
        tuple(geometry),
        uploads,
        scores,
        presentations,
        tuple(notes),
        notities,
    )
    return out, summary


def _note_of(data: bytes, where: str):
    """The note in a stored or packed document, or None when it is not a valid note."""
    from wijkkompas.notes.model import note_from_json

    try:
        return note_from_json(json.loads(data.decode("utf-8")), where=f"'{where}'")
    except (UnicodeDecodeError, ValueError, SourceError):
        return None


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def _allowed(path: str) -> bool:
    return any(p.match(path) for p in ALLOWED)


def export_pack(data_dir: Path | str, gemeenten: Sequence[str], out: Path | str) -> PackSummary:
    """Write the pack to `out` atomically (a half-written pack never exists under that name)."""
    data, summary = build_pack(data_dir, gemeenten)
    try:
        atomic_write_bytes(Path(out), data)
    except OSError as exc:
        raise SourceError(
            f"Het pakket kan niet worden geschreven naar {out} ({exc.strerror}). Kies een andere map."
        ) from exc
    return summary


# =========================================================================== reading and checking
