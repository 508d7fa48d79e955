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
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import stat
import tomllib
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wijkkompas import STORE_VERSION, __version__
from wijkkompas.formatting import nl_number
from wijkkompas.sources.errors import SourceError
from wijkkompas.store import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    Snapshot,
    Store,
    StoreCorrupt,
    StoreWriteError,
    atomic_write_bytes,
)
from wijkkompas.store.core import geometry_bytes
from wijkkompas.store.snapshot import CBS_COLUMNS, INGEST_LOG, REGIONS, values_name
from wijkkompas.store.tables import parquet_bytes, plain, sort_dictionary_table

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
    return dt.astimezone().strftime("%d-%m-%Y %H:%M") if dt else "onbekend"


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


@dataclass(frozen=True)
class Pack:
    """A pack that passed every check: its manifest and the verified bytes of every file."""

    manifest: Mapping
    files: Mapping[str, bytes]
    source: str = "het pakket"
    raw: bytes | None = field(default=None, repr=False, compare=False)  # the zip itself, kept on install

    @property
    def gemeenten(self) -> tuple[str, ...]:
        return tuple(self.manifest["gemeenten"])

    @property
    def names(self) -> dict[str, str]:
        return dict(self.manifest.get("gemeente_names") or {})

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(int(y) for y in self.manifest.get("years") or [])

    @property
    def created(self) -> str:
        return str(self.manifest.get("created") or "")

    def lines(self) -> list[str]:
        gm = ", ".join(f"{self.names.get(g, g)} ({g})" for g in self.gemeenten)
        kinds = {"presentaties/": "presentatie(s)", "scores/": "bewaarde score(s)", "notities/": "notitie(s)"}
        extra = [f"{sum(1 for p in self.files if p.startswith(k))} {w}" for k, w in kinds.items()]
        if "eigen/uploads.json" in self.files:
            n = len(json.loads(self.files["eigen/uploads.json"]).get("uploads", {}))
            extra.append(f"{n} bestand(en) met eigen gegevens")
        return [
            f"Pakket gemaakt op {nl_time(self.created)} met Wijkkompas {self.manifest.get('app_version', '?')}.",
            f"Gemeenten: {gm}. Jaren: {', '.join(map(str, self.years))}.",
            "Ook in het pakket: " + ", ".join(extra) + ".",
        ]


def _open_zip(source: bytes | Path | str, label: str) -> zipfile.ZipFile:
    try:
        if isinstance(source, (bytes, bytearray)):
            return zipfile.ZipFile(io.BytesIO(source))
        return zipfile.ZipFile(Path(source))
    except FileNotFoundError as exc:
        raise SourceError(f"Het bestand {label} bestaat niet. Controleer de naam en de map.") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise _refuse(
            f"{label} is geen compleet gegevenspakket: het bestand is beschadigd of niet helemaal gedownload of gekopieerd "
            f"({exc}). Kopieer of download het pakket opnieuw."
        ) from exc


def _check_manifest(manifest: object, label: str) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(f"{label} is geen gegevenspakket van Wijkkompas (de inhoudsopgave manifest.json klopt niet).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(f"{label}: het formaatnummer in manifest.json ontbreekt of klopt niet.")
    if version > FORMAT_VERSION:
        raise _refuse(
            f"{label} is gemaakt met een nieuwere versie van Wijkkompas ({manifest.get('app_version', '?')}, pakketformaat "
            f"{version}); deze versie ({__version__}) kan pakketten tot en met formaat {FORMAT_VERSION} lezen. "
            "Werk Wijkkompas op deze computer bij, of maak het pakket met dezelfde versie."
        )
    sv = manifest.get("store_version", 1)
    if not isinstance(sv, int) or sv > STORE_VERSION:
        raise _refuse(f"{label} bevat gegevens in een nieuwer opslagformaat ({sv}); werk Wijkkompas bij.")
    gms = manifest.get("gemeenten")
    if not isinstance(gms, list) or not gms or not all(isinstance(g, str) and GEMEENTE_CODE.match(g) for g in gms):
        raise _refuse(f"{label}: de lijst met gemeenten in manifest.json ontbreekt of klopt niet.")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise _refuse(f"{label}: de lijst met bestanden in manifest.json ontbreekt.")
    seen = set()
    total = 0
    for entry in files:
        if not isinstance(entry, dict):
            raise _refuse(f"{label}: een regel in de bestandslijst van manifest.json klopt niet.")
        path, sha, size = entry.get("path"), entry.get("sha256"), entry.get("bytes")
        if not isinstance(path, str):
            raise _refuse(f"{label}: een bestand in manifest.json heeft geen naam.")
        reason = unsafe_name_reason(path)
        if reason:
            raise _refuse(
                f"{label} wil een bestand schrijven met {reason}: '{path}'. Dat zou buiten de gegevensmap kunnen komen."
            )
        if not _allowed(path):
            raise _refuse(f"{label} bevat een bestand dat niet in een gegevenspakket hoort: '{path}'.")
        if path in seen:
            raise _refuse(f"{label}: '{path}' staat twee keer in manifest.json.")
        if (
            not isinstance(sha, str)
            or not _SHA.match(sha)
            or not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
        ):
            raise _refuse(f"{label}: het controlegetal of de grootte van '{path}' in manifest.json klopt niet.")
        seen.add(path)
        total += size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(
            f"{label} zegt {total / 1024**3:.1f} GB aan bestanden te bevatten; dat is te groot voor een gegevenspakket."
        )
    for y in manifest.get("years") or []:
        if not isinstance(y, int):
            raise _refuse(f"{label}: de jaren in manifest.json kloppen niet.")
    if not isinstance(manifest.get("log", []), list):
        raise _refuse(f"{label}: het laadlogboek in manifest.json klopt niet.")
    return manifest


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, label: str) -> bytes:
    """Read at most `limit` + 1 bytes: a lying header cannot make us inflate gigabytes."""
    try:
        with zf.open(info) as fh:
            return fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(
            f"'{info.filename}' in {label} is beschadigd ({exc}). Kopieer of download het pakket opnieuw."
        ) from exc


def read_pack(source: bytes | Path | str, *, label: str | None = None) -> Pack:
    """Open and check a pack completely (names, manifest, checksums, contents); nothing is written.

    Raises SourceError (Dutch) naming the first problem.
    """
    label = label or (f"'{Path(source).name}'" if isinstance(source, (str, Path)) else "het pakket")
    zf = _open_zip(source, label)
    with zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        # 1. Names first: a dangerous entry is refused even when the manifest does not mention it.
        for info in infos:
            reason = unsafe_name_reason(info.filename.rstrip("/") if info.is_dir() else info.filename)
            if reason:
                raise _refuse(
                    f"{label} bevat een bestand met {reason}: '{info.filename}'. Zo'n bestand zou buiten de "
                    "gegevensmap terecht kunnen komen. Gebruik alleen pakketten die met Wijkkompas zijn gemaakt."
                )
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise _refuse(
                    f"{label} bevat een snelkoppeling (link): '{info.filename}'. Dat hoort niet in een gegevenspakket."
                )
        if len(set(names)) != len(names):
            raise _refuse(f"{label} bevat een bestandsnaam twee keer.")
        if MANIFEST not in names:
            raise _refuse(
                f"{label} heeft geen inhoudsopgave (manifest.json): het is geen gegevenspakket van Wijkkompas."
            )
        by_name = {i.filename: i for i in infos}
        raw_manifest = _read_entry(zf, by_name[MANIFEST], 64 * 1024**2, label)
        try:
            manifest = json.loads(raw_manifest.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _refuse(f"De inhoudsopgave (manifest.json) van {label} is beschadigd ({exc}).") from exc
        manifest = _check_manifest(manifest, label)
        listed = {e["path"]: e for e in manifest["files"]}
        present = {n for n, i in by_name.items() if n != MANIFEST and not i.is_dir()}
        extra = sorted(present - set(listed))
        if extra:
            raise _refuse(
                f"{label} bevat '{extra[0]}', dat niet in de inhoudsopgave staat. Het pakket is veranderd of beschadigd."
            )
        absent = sorted(set(listed) - present)
        if absent:
            raise _refuse(
                f"In {label} ontbreekt '{absent[0]}'. Het pakket is niet compleet; maak of kopieer het opnieuw."
            )
        # 2. Every checksum before anything else happens.
        files: dict[str, bytes] = {}
        for path, entry in sorted(listed.items()):
            data = _read_entry(zf, by_name[path], entry["bytes"], label)
            if len(data) != entry["bytes"] or _sha(data) != entry["sha256"]:
                raise _refuse(
                    f"Het controlegetal van '{path}' in {label} klopt niet: het bestand is beschadigd of veranderd. "
                    "Maak het pakket opnieuw of kopieer het nog een keer."
                )
            files[path] = data
    pack = Pack(manifest, files, label, _pack_bytes(source))
    _check_contents(pack)
    return pack


def _parquet(data: bytes, path: str, label: str) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _refuse(f"'{path}' in {label} is geen leesbaar Parquet-bestand ({exc}).") from exc


def _check_contents(pack: Pack) -> None:
    """The files say what the manifest says: readable, right columns, only the pack's gemeenten."""
    label = pack.source
    gms = set(pack.gemeenten)
    for path, data in pack.files.items():
        if path.startswith("store/values/"):
            table = _parquet(data, path, label)
            missing = [c for c in VALUE_COLUMNS if c not in table.column_names]
            if missing:
                raise _refuse(f"'{path}' in {label} mist de kolom(men) {', '.join(missing)}.")
            year = int(PurePosixPath(path).stem)
            years = set(pc.unique(table["year"].cast(pa.int64())).to_pylist())
            if years - {year}:
                raise _refuse(f"'{path}' in {label} bevat cijfers van een ander jaar ({sorted(years - {year})}).")
            frame = table.select(["gemeente_code", "level"]).to_pandas()
            outside = frame[(frame["level"] != "nederland") & ~frame["gemeente_code"].isin(gms)]
            if not outside.empty:
                raise _refuse(
                    f"'{path}' in {label} bevat cijfers van gemeente {outside['gemeente_code'].iloc[0]}, die niet in de inhoudsopgave staat."
                )
        elif path == "store/regions.parquet":
            table = _parquet(data, path, label)
            missing = [c for c in REGION_COLUMNS if c not in table.column_names]
            if missing:
                raise _refuse(f"'{path}' in {label} mist de kolom(men) {', '.join(missing)}.")
        elif path.startswith("geo/"):
            # Plain Arrow, not geopandas: checking needs the codes, not the shapes (and no CRS parsing).
            table = _parquet(data, path, label)
            if not {"region_code", "gemeente_code", "geometry"} <= set(table.column_names) or b"geo" not in (
                table.schema.metadata or {}
            ):
                raise _refuse(
                    f"'{path}' in {label} is geen kaartbestand van Wijkkompas (kolommen of kaartgegevens ontbreken)."
                )
            outside = set(pc.unique(table["gemeente_code"]).drop_null().to_pylist()) - gms
            if outside:
                raise _refuse(
                    f"'{path}' in {label} bevat kaartgrenzen van gemeente {sorted(outside)[0]}, die niet in de inhoudsopgave staat."
                )
        elif path.endswith(".json"):
            try:
                payload = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise _refuse(f"'{path}' in {label} is geen geldige JSON ({exc}).") from exc
            if path.startswith("notities/"):
                from wijkkompas.notes.model import note_from_json

                try:
                    note = note_from_json(payload, where=f"'{path}' in {label}")
                except SourceError as exc:
                    raise _refuse(str(exc)) from exc
                if note.gemeente_code not in gms or PurePosixPath(path).stem != note.id:
                    raise _refuse(
                        f"'{path}' in {label} is een notitie over {note.region_code}, die niet bij de gemeenten "
                        "van het pakket hoort (of een andere naam heeft dan haar nummer)."
                    )
            if path.startswith("presentaties/"):
                from wijkkompas.presentation.model import from_json_bytes

                try:
                    from_json_bytes(data, source=f"'{path}' in {label}")
                except SourceError as exc:
                    raise _refuse(str(exc)) from exc
            if path == "eigen/uploads.json":
                ups = payload.get("uploads") if isinstance(payload, dict) else None
                if not isinstance(ups, dict):
                    raise _refuse(f"'{path}' in {label} is geen lijst met eigen gegevens.")
                for uid, up in ups.items():
                    raw_rel = str((up or {}).get("raw_path") or "") if isinstance(up, dict) else ""
                    if not isinstance(up, dict) or (raw_rel and (unsafe_name_reason(raw_rel) or not _allowed(raw_rel))):
                        raise _refuse(
                            f"De eigen gegevens '{uid}' in {label} verwijzen naar een ongeldig bestand ('{raw_rel}')."
                        )
        elif path.endswith(".toml"):
            try:
                tomllib.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise _refuse(f"'{path}' in {label} is geen geldig scorebestand ({exc}).") from exc


# =========================================================================== conflicts


@dataclass(frozen=True)
class Conflict:
    """Something on this computer that is newer than (or cannot be compared with) the pack's version."""

    kind: str  # cijfers | eigen | score | presentatie
    key: str
    text: str


def _log_times(log: Iterable[Mapping], gemeente: str, year: int) -> datetime | None:
    times = [
        _when(e.get("loaded_at"))
        for e in log
        if isinstance(e, Mapping)
        and e.get("year") == year
        and (e.get("gemeenten") is None or gemeente in (e.get("gemeenten") or []))
    ]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _toml_saved(data: bytes) -> datetime | None:
    try:
        payload = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("saved"), str):
                return _when(item["saved"])
            stack.extend(item.values())
    return None


def _json_field(data: bytes, name: str) -> datetime | None:
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return _when(payload.get(name)) if isinstance(payload, dict) else None


def _newer_here(local: datetime | None, packed: datetime | None) -> bool:
    """Ask when this computer's (different) copy is newer, as old (times are in seconds), or of unknown age."""
    return local is None or packed is None or local >= packed


def find_conflicts(pack: Pack, data_dir: Path | str | Store) -> list[Conflict]:
    """What installing `pack` would overwrite that is newer here (or of unknown age)."""
    store = data_dir if isinstance(data_dir, Store) else Store(data_dir)
    out: list[Conflict] = []
    try:
        snap = store.snapshot()
        here = snap.regions(gemeenten=list(pack.gemeenten)) if not snap.is_empty() else None
    except StoreCorrupt as exc:
        raise SourceError(
            f"De opslag op deze computer is beschadigd ({exc.path.name}: {exc.reason}). Open eerst de app (die herstelt de "
            "opslag) en installeer het pakket daarna opnieuw."
        ) from exc
    log_here = snap.ingest_log()
    log_pack = pack.manifest.get("log") or []
    if here is not None and not here.empty:
        present = here[here["level"] == "gemeente"][["region_code", "year"]].drop_duplicates()
        present_set = {(str(g), int(y)) for g, y in zip(present["region_code"], present["year"], strict=True)}
        for g in pack.gemeenten:
            for y in pack.years:
                if (g, y) not in present_set:
                    continue
                t_here, t_pack = _log_times(log_here, g, y), _log_times(log_pack, g, y)
                if t_here is not None and t_pack is not None and t_here == t_pack:
                    continue
                if _newer_here(t_here, t_pack):
                    name = pack.names.get(g, g)
                    out.append(
                        Conflict(
                            "cijfers",
                            f"{g}/{y}",
                            f"Cijfers van {name} ({g}) over {y}: op deze computer geladen op "
                            f"{nl_time(t_here.isoformat()) if t_here else 'onbekend'}, in het pakket van "
                            f"{nl_time(t_pack.isoformat()) if t_pack else 'onbekend'}.",
                        )
                    )
    if "eigen/uploads.json" in pack.files:
        payload = _read_doc(snap, REGISTRY)
        local_ups = payload.get("uploads", {}) if isinstance(payload, dict) else {}
        for uid, up in json.loads(pack.files["eigen/uploads.json"])["uploads"].items():
            mine = local_ups.get(uid)
            if not isinstance(mine, dict) or mine.get("sha256") == up.get("sha256"):
                continue
            if _newer_here(_when(mine.get("uploaded")), _when(up.get("uploaded"))):
                out.append(
                    Conflict(
                        "eigen",
                        uid,
                        f"Eigen gegevens '{mine.get('file_name', uid)}': op deze computer van "
                        f"{nl_time(mine.get('uploaded'))}, in het pakket van {nl_time(up.get('uploaded'))}.",
                    )
                )
    for path, data in sorted(pack.files.items()):
        if not (path.startswith(("scores/", "presentaties/")) and snap.has(path)):
            continue
        mine = snap.read_bytes(path)
        if mine == data:
            continue
        if path.startswith("scores/"):
            t_here, t_pack, kind, word = _toml_saved(mine), _toml_saved(data), "score", "Bewaarde score"
        else:
            t_here, t_pack, kind, word = (
                _json_field(mine, "changed"),
                _json_field(data, "changed"),
                "presentatie",
                "Presentatie",
            )
        if _newer_here(t_here, t_pack):
            out.append(
                Conflict(
                    kind,
                    path,
                    f"{word} '{PurePosixPath(path).stem}': op deze computer gewijzigd op "
                    f"{nl_time(t_here.isoformat()) if t_here else 'onbekend'}, in het pakket op "
                    f"{nl_time(t_pack.isoformat()) if t_pack else 'onbekend'}.",
                )
            )
    return out


# =========================================================================== installing


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


def _pack_bytes(source: bytes | Path | str | Pack) -> bytes | None:
    if isinstance(source, Pack):
        return source.raw
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        with contextlib.suppress(OSError):
            return Path(source).read_bytes()
    return None


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
