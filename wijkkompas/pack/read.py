"""Reading a pack paranoidly: manifest, names, checksums, sizes and contents, all before anything is written."""

from __future__ import annotations

import contextlib
import io
import json
import stat
import tomllib
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wijkkompas import STORE_VERSION, __version__
from wijkkompas.errors import SourceError
from wijkkompas.pack.build import _allowed
from wijkkompas.pack.format import (
    _SHA,
    FORMAT,
    FORMAT_VERSION,
    GEMEENTE_CODE,
    MANIFEST,
    MAX_TOTAL_BYTES,
    _refuse,
    _sha,
    nl_time,
    unsafe_name_reason,
)
from wijkkompas.store import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
)


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


def _pack_bytes(source: bytes | Path | str | Pack) -> bytes | None:
    if isinstance(source, Pack):
        return source.raw
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        with contextlib.suppress(OSError):
            return Path(source).read_bytes()
    return None
