"""The store: one tidy long table of figures, a regions table and map geometries, as Parquet.

Every page reads only this. Writes are atomic (temp file in the same folder, fsync, os.replace) and
recorded with a checksum in a manifest, so a half-written or damaged file is *detected* on read and
rebuilt from the raw files instead of being shown.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wijkkompas import STORE_VERSION

VALUE_COLUMNS = [
    "year", "region_code", "region_name", "level", "gemeente_code", "wijk_code",
    "indicator", "value", "status", "source_table", "source_key",
]  # fmt: skip
REGION_COLUMNS = ["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"]
LEVELS = ("nederland", "gemeente", "wijk", "buurt")
STATUS_OK = "ok"
REPO_ROOT = Path(__file__).resolve().parents[1]


class StoreCorrupt(Exception):
    """A stored file is truncated, damaged or changed behind the store's back."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def default_data_dir() -> Path:
    return Path(os.environ.get("WIJKKOMPAS_DATA_DIR") or REPO_ROOT / "data")


# --------------------------------------------------------------------------- atomic writes


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write all of `data` or nothing: readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, payload: object) -> None:
    atomic_write_text(path, json.dumps(payload, ensure_ascii=False, indent=1, default=str))


def _parquet_bytes(table: pa.Table, row_group_size: int = 16_384) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=row_group_size, write_statistics=True)
    return sink.getvalue().to_pybytes()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- schema helpers

VALUE_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("region_code", pa.string()),
        ("region_name", pa.string()),
        ("level", pa.string()),
        ("gemeente_code", pa.string()),
        ("wijk_code", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
        ("status", pa.string()),
        ("source_table", pa.string()),
        ("source_key", pa.string()),
    ]
)
REGION_SCHEMA = pa.schema([f for f in VALUE_SCHEMA if f.name in REGION_COLUMNS])
# On disk the text columns stay dictionary-encoded (a national year is ~3 M rows of a few thousand
# distinct strings); readers get plain strings back.
VALUE_SCHEMA_STORED = pa.schema(
    [pa.field(f.name, pa.dictionary(pa.int32(), pa.string())) if f.type == pa.string() else f for f in VALUE_SCHEMA]
)


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """pandas (strings or categoricals) → Arrow with the store's exact schema."""
    missing = [f.name for f in schema if f.name not in frame.columns]
    if missing:
        raise ValueError(f"columns missing for the store: {missing}")
    table = pa.Table.from_pandas(frame[[f.name for f in schema]], preserve_index=False)
    columns = []
    for f in schema:
        col = table[f.name]
        if pa.types.is_dictionary(f.type) and not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col.cast(pa.string()))
        columns.append(col.cast(f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _sort_dictionary_table(table: pa.Table, keys: list[str]) -> pa.Table:
    """Sort by dictionary-encoded columns (Arrow cannot): rank each dictionary once, lexsort the ranks."""
    ranks = []
    for name in reversed(keys):  # np.lexsort: last key is primary
        col = table[name]
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if pa.types.is_dictionary(col.type):
            order = np.argsort(np.asarray(col.dictionary.to_pylist(), dtype=object).astype(str), kind="stable")
            rank_of = np.empty(len(order), dtype=np.int64)
            rank_of[order] = np.arange(len(order))
            valid = col.is_valid().to_numpy(zero_copy_only=False)
            if len(rank_of) == 0:
                ranks.append(np.full(len(col), -1, dtype=np.int64))
                continue
            idx = pc.fill_null(col.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
            ranks.append(np.where(valid, rank_of[idx], -1))
        else:
            ranks.append(np.asarray(col.to_numpy(zero_copy_only=False)))
    return table.take(pa.array(np.lexsort(ranks)))


def _plain(table: pa.Table) -> pa.Table:
    """Stored (dictionary) columns back to plain strings for readers."""
    target = pa.schema([VALUE_SCHEMA.field(n) if n in VALUE_SCHEMA.names else table.schema.field(n) for n in table.column_names])
    return table.cast(target)


SORT_KEYS = [("gemeente_code", "ascending"), ("level", "ascending"), ("region_code", "ascending"), ("indicator", "ascending")]


# --------------------------------------------------------------------------- the store


class Store:
    """Parquet files under `data_dir`; see docs/architecture.md for the layout."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.root = self.data_dir / "store"
        self.geo_root = self.data_dir / "geo"
        self.raw_root = self.data_dir / "raw"
        self.manifest_path = self.root / "manifest.json"
        self.log_path = self.root / "ingest_log.json"

    # ------------------------------------------------------------------ paths, manifest, lock

    def values_path(self, year: int) -> Path:
        """The CBS figures of one year (all CBS tables of that year share this file)."""
        return self.root / "values" / f"{int(year)}.parquet"

    def source_path(self, year: int, source_table: str) -> Path:
        """The file that holds one source's rows of one year.

        Uploaded figures (`eigen:<id>`) get a file of their own: importing or deleting an upload then
        rewrites a few thousand rows, not a national year of CBS figures (millions of rows).
        """
        if source_table.startswith("eigen:"):
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", source_table.split(":", 1)[1]) or "upload"
            return self.root / "eigen_values" / str(int(year)) / f"{slug}.parquet"
        return self.values_path(year)

    def year_files(self, year: int) -> list[Path]:
        """Every values file of one year: the CBS file first, then one per upload."""
        files = self.manifest()["files"]
        main = self.values_path(year)
        out = [main] if str(main.relative_to(self.data_dir)) in files else []
        prefix = f"store/eigen_values/{int(year)}/"
        out += [self.data_dir / k for k in sorted(files) if k.startswith(prefix)]
        return out

    @property
    def regions_path(self) -> Path:
        return self.root / "regions.parquet"

    def geometry_path(self, year: int, level: str) -> Path:
        return self.geo_root / str(int(year)) / f"{level}.parquet"

    @contextlib.contextmanager
    def lock(self):
        """One writer at a time (the app and a CLI ingest may run together)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def manifest(self) -> dict:
        if not self.manifest_path.exists():
            return {"store_version": STORE_VERSION, "files": {}}
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
                raise ValueError("no files")
            return data
        except (OSError, ValueError) as exc:
            raise StoreCorrupt(self.manifest_path, f"manifest kan niet worden gelezen ({exc})") from exc

    def _record(self, path: Path, data: bytes, manifest: dict) -> None:
        rel = str(path.relative_to(self.data_dir))
        manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "written": _now()}

    def _write_files(self, files: dict[Path, bytes], drop: Iterable[Path] = ()) -> None:
        """Write several store files and then the manifest; the manifest is the commit point."""
        manifest = self.manifest()
        for path, data in files.items():
            atomic_write_bytes(path, data)
            self._record(path, data, manifest)
        for path in drop:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            manifest["files"].pop(str(path.relative_to(self.data_dir)), None)
        manifest["store_version"] = STORE_VERSION
        manifest["changed"] = _now()
        atomic_write_json(self.manifest_path, manifest)

    def version(self) -> str:
        """Changes whenever anything in the store changes: the key for every cache above the store."""
        try:
            st = self.manifest_path.stat()
            return f"{STORE_VERSION}-{st.st_mtime_ns}-{st.st_size}"
        except FileNotFoundError:
            return f"{STORE_VERSION}-empty"

    # ------------------------------------------------------------------ verified reads

    def _check(self, path: Path, *, full: bool = False) -> None:
        rel = str(path.relative_to(self.data_dir))
        entry = self.manifest()["files"].get(rel)
        if entry is None:
            raise StoreCorrupt(path, "staat niet in het manifest")
        if not path.exists():
            raise StoreCorrupt(path, "ontbreekt")
        if path.stat().st_size != entry["bytes"]:
            raise StoreCorrupt(path, "heeft een andere grootte dan geschreven (afgebroken of beschadigd)")
        if full and hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            raise StoreCorrupt(path, "controlegetal klopt niet (beschadigd)")

    def verify(self) -> list[StoreCorrupt]:
        """Full checksum check of every file; run at start-up and by `status`, not on every read."""
        problems = []
        for rel in self.manifest()["files"]:
            try:
                self._check(self.data_dir / rel, full=True)
            except StoreCorrupt as exc:
                problems.append(exc)
        return problems

    def _read_parquet(self, path: Path, filters=None, columns=None, gemeente_null: bool = False) -> pa.Table:
        """Read with row-group pruning on min/max statistics, then filter rows.

        Files are sorted by gemeente, so one gemeente is a few row groups; choosing them from cached
        footer statistics is several times faster than the generic dataset scan (benchmarks/bench_store.py).
        """
        self._check(path)
        try:
            pf = self._parquet_file(path)
            groups = _row_groups_for(pf.metadata, filters or [])
            if gemeente_null:
                # Nederland rows have no gemeente; files are sorted by gemeente, so a level filter alone
                # would read every row group. Only groups that count null gemeente codes can hold them.
                groups = [g for g in groups if _null_count(pf.metadata, g, "gemeente_code") != 0]
            table = pf.read_row_groups(groups, columns=columns) if groups else pf.schema_arrow.empty_table()
            for column, _op, values in filters or []:
                table = table.filter(pc.is_in(table[column], value_set=pa.array(values)))
            return table
        except (pa.ArrowException, OSError) as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})") from exc

    def _parquet_file(self, path: Path) -> pq.ParquetFile:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        cached = _PARQUET_FILES.get(key)
        if cached is None:
            cached = pq.ParquetFile(path, memory_map=True)
            for old in [k for k in _PARQUET_FILES if k[0] == key[0]]:
                _PARQUET_FILES.pop(old, None)
            _PARQUET_FILES[key] = cached
        return cached

    # ------------------------------------------------------------------ what is there

    def is_empty(self) -> bool:
        try:
            return not any(k.startswith("store/values/") for k in self.manifest()["files"])
        except StoreCorrupt:
            return False

    def years(self) -> list[int]:
        files = self.manifest()["files"]
        years = {int(Path(k).stem) for k in files if k.startswith("store/values/")}
        years |= {int(Path(k).parts[2]) for k in files if k.startswith("store/eigen_values/")}
        return sorted(years)

    def geometry_years(self, level: str | None = None) -> list[int]:
        files = self.manifest()["files"]
        out = set()
        for k in files:
            parts = Path(k).parts
            if parts[0] == "geo" and (level is None or Path(k).stem == level):
                out.add(int(parts[1]))
        return sorted(out)

    def ingest_log(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        try:
            data = json.loads(self.log_path.read_text(encoding="utf-8"))
            return data if isinstance(data, list) else []
        except (OSError, ValueError):
            return []

    # ------------------------------------------------------------------ reads

    def load_values(
        self,
        gemeenten: Sequence[str] | None = None,
        years: int | Sequence[int] | None = None,
        levels: str | Sequence[str] | None = None,
        indicators: Sequence[str] | None = None,
        include_nederland: bool = False,
    ) -> pd.DataFrame:
        """The long table, filtered while reading (row-group statistics skip other gemeenten)."""
        if isinstance(years, int):
            years = [years]
        if isinstance(levels, str):
            levels = [levels]
        wanted = [y for y in self.years() if years is None or y in set(years)]
        filters = []
        if gemeenten:
            gm = pc_in("gemeente_code", list(gemeenten))
            filters.append(gm)
        if levels:
            filters.append(pc_in("level", list(levels)))
        if indicators is not None:
            filters.append(pc_in("indicator", list(indicators)))
        tables = []
        for year in wanted:
            for path in self.year_files(year):
                tables.append(self._read_parquet(path, filters=_and(filters)))
                if include_nederland and gemeenten:
                    nl = [pc_in("level", ["nederland"])]
                    if indicators is not None:
                        nl.append(pc_in("indicator", list(indicators)))
                    tables.append(self._read_parquet(path, filters=_and(nl), gemeente_null=True))
        if not tables:
            return _empty(VALUE_SCHEMA)
        out = pa.concat_tables([_plain(t) for t in tables]).to_pandas()
        return out

    def regions(self, years: int | Sequence[int] | None = None, gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
        if not self.regions_path.exists():
            return _empty(REGION_SCHEMA)
        filters = []
        if years is not None:
            filters.append(pc_in("year", [years] if isinstance(years, int) else list(years)))
        if gemeenten:
            filters.append(pc_in("gemeente_code", list(gemeenten)))
        return self._read_parquet(self.regions_path, filters=_and(filters)).to_pandas()

    def gemeenten(self) -> pd.DataFrame:
        """Loaded gemeenten with their latest name and the years they have figures for."""
        reg = self.regions()
        gm = reg[reg["level"] == "gemeente"].sort_values("year")
        if gm.empty:
            return pd.DataFrame(columns=["gemeente_code", "gemeente_name", "years"])
        years = gm.groupby("region_code")["year"].apply(lambda s: sorted(set(s)))
        names = gm.groupby("region_code")["region_name"].last()
        return pd.DataFrame({"gemeente_code": names.index, "gemeente_name": names.to_numpy(), "years": years.to_numpy()})

    def geometry(self, year: int, level: str, gemeenten: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        path = self.geometry_path(year, level)
        if not path.exists() and str(path.relative_to(self.data_dir)) not in self.manifest()["files"]:
            return gpd.GeoDataFrame({"region_code": [], "region_name": [], "gemeente_code": []}, geometry=[], crs="EPSG:4326")
        self._check(path)
        try:
            filters = [("gemeente_code", "in", list(gemeenten))] if gemeenten else None
            return gpd.read_parquet(path, filters=filters)
        except Exception as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})") from exc

    # ------------------------------------------------------------------ writes

    def replace(
        self,
        values: pd.DataFrame,
        regions: pd.DataFrame,
        *,
        source_tables: Sequence[str],
        gemeenten: Sequence[str] | None,
    ) -> None:
        """Swap in new figures for (years × gemeenten × source tables); everything else stays.

        All new files are fully written before the manifest changes, so a failure half-way leaves
        the previous store intact and readable.
        """
        with self.lock():
            files: dict[Path, bytes] = {}
            new = _to_arrow(values, VALUE_SCHEMA_STORED)
            nl_in_new = pc.any(pc.equal(new["level"], "nederland")).as_py() or False
            targets: dict[Path, list] = {}
            for year in sorted(set(new["year"].to_pylist())):
                for table_id in source_tables:
                    targets.setdefault(self.source_path(int(year), table_id), []).append(year)
            for path, path_years in targets.items():
                part = new.filter(pc.is_in(new["year"], value_set=pa.array(path_years, pa.int16())))
                if path != self.values_path(path_years[0]):
                    own = [self._source_of(path, source_tables)]
                else:
                    own = [t for t in source_tables if not t.startswith("eigen:")]
                part = part.filter(pc.is_in(part["source_table"], value_set=pa.array(own)))
                if str(path.relative_to(self.data_dir)) in self.manifest()["files"]:
                    old = self._read_parquet(path)
                    keep = pc.invert(pc.is_in(old["source_table"], value_set=pa.array(list(source_tables))))
                    if gemeenten is not None:
                        scope = pc.fill_null(pc.is_in(old["gemeente_code"], value_set=pa.array(list(gemeenten))), False)
                        if nl_in_new:
                            scope = pc.or_(scope, pc.equal(old["level"], "nederland"))
                        keep = pc.or_(keep, pc.invert(scope))
                    part = pa.concat_tables([old.filter(keep).cast(VALUE_SCHEMA_STORED), part]).unify_dictionaries()
                part = _sort_dictionary_table(part.combine_chunks(), [k for k, _ in SORT_KEYS])
                files[path] = _parquet_bytes(part)
            if not regions.empty:
                old_regions = self.regions() if self.regions_path.exists() else None
                if old_regions is not None and not old_regions.empty:
                    key = ["year", "region_code"]
                    new_keys = pd.MultiIndex.from_frame(regions[key].astype({"year": "int64", "region_code": "string"}))
                    old_keys = pd.MultiIndex.from_frame(old_regions[key].astype({"year": "int64", "region_code": "string"}))
                    regions = pd.concat([old_regions[~old_keys.isin(new_keys)], regions], ignore_index=True)
                table = _to_arrow(regions, REGION_SCHEMA).sort_by(
                    [("year", "ascending"), ("gemeente_code", "ascending"), ("level", "ascending"), ("region_code", "ascending")]
                )
                files[self.regions_path] = _parquet_bytes(table)
            self._write_files(files)

    def _source_of(self, path: Path, source_tables: Sequence[str]) -> str:
        return next(t for t in source_tables if self.source_path(0, t).name == path.name)

    def _existing_values(self, year: int) -> pd.DataFrame | None:
        path = self.values_path(year)
        if str(path.relative_to(self.data_dir)) not in self.manifest()["files"]:
            return None
        return _plain(self._read_parquet(path)).to_pandas()

    def replace_geometry(self, year: int, level: str, frame: gpd.GeoDataFrame, gemeenten: Sequence[str] | None) -> None:
        with self.lock():
            path = self.geometry_path(year, level)
            old = None
            if str(path.relative_to(self.data_dir)) in self.manifest()["files"]:
                old = self.geometry(year, level)
            if old is not None and not old.empty:
                keep = ~old["region_code"].isin(frame["region_code"])
                if gemeenten is not None:
                    keep &= ~old["gemeente_code"].isin(list(gemeenten))
                else:
                    keep[:] = False
                frame = pd.concat([old[keep], frame], ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326").sort_values(["gemeente_code", "region_code"])
            sink = pa.BufferOutputStream()
            frame.to_parquet(sink, geometry_encoding="geoarrow", compression="zstd", index=False, write_covering_bbox=False)
            self._write_files({path: sink.getvalue().to_pybytes()})

    def append_log(self, entries: Sequence[dict]) -> None:
        with self.lock():
            log = self.ingest_log() + list(entries)
            atomic_write_json(self.log_path, log)

    def remove_years(self, years: Sequence[int]) -> None:
        with self.lock():
            self._write_files({}, drop=[p for y in years for p in self.year_files(y)])

    def source_years(self, source_table: str) -> list[int]:
        """Years that hold rows of one source (e.g. an uploaded file `eigen:<id>`)."""
        out = []
        for year in self.years():
            path = self.source_path(year, source_table)
            if path not in self.year_files(year):
                continue
            hits = self._read_parquet(path, filters=[("source_table", "in", [source_table])], columns=["source_table"])
            if hits.num_rows:
                out.append(year)
        return out

    def delete_source(self, source_table: str, years: Sequence[int] | None = None) -> int:
        """Remove every row of one source from `years` (default: all); returns the number of rows removed.

        Why: an upload can be deleted, or replaced by one with other years, and `replace` only touches
        the years it is given. Filtering keeps the file's order (no re-sort); a year file left without
        rows is dropped, so the year disappears too.
        """
        removed = 0
        with self.lock():
            files: dict[Path, bytes] = {}
            drop: list[Path] = []
            wanted = None if years is None else {int(y) for y in years}
            for year in self.source_years(source_table):
                if wanted is not None and year not in wanted:
                    continue
                path = self.source_path(year, source_table)
                old = self._read_parquet(path)
                hit = pc.fill_null(pc.is_in(old["source_table"], value_set=pa.array([source_table])), False)
                n = int(pc.sum(hit).as_py() or 0)
                removed += n
                if n == old.num_rows:
                    drop.append(path)
                else:
                    files[path] = _parquet_bytes(old.filter(pc.invert(hit)).cast(VALUE_SCHEMA_STORED).combine_chunks())
            if files or drop:
                self._write_files(files, drop)
        return removed

    def indicator_values(self, indicator: str, years: Sequence[int] | None = None) -> pd.DataFrame:
        """year, region_code, value of one indicator in every gemeente, reading only those columns.

        Why: privacy flags and weighted means of an upload need the inhabitants of every region it
        covers; reading whole rows of a national year for one indicator costs seconds, this a fraction.
        """
        tables = []
        for year in self.years():
            if years is not None and year not in set(years):
                continue
            for path in self.year_files(year):
                t = self._read_parquet(path, filters=[("indicator", "in", [indicator])], columns=["year", "region_code", "indicator", "value"])
                tables.append(_plain(t.select(["year", "region_code", "value"])))
        if not tables:
            return pd.DataFrame({"year": pd.Series(dtype="int16"), "region_code": pd.Series(dtype="string"), "value": pd.Series(dtype="float64")})
        return pa.concat_tables(tables).to_pandas()


# --------------------------------------------------------------------------- small helpers

_PARQUET_FILES: dict[tuple[str, int, int], pq.ParquetFile] = {}


def _null_count(meta: pq.FileMetaData, group: int, column: str) -> int | None:
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if column not in names:
        return None
    stats = meta.row_group(group).column(names.index(column)).statistics
    return None if stats is None or not stats.has_null_count else stats.null_count


def _row_groups_for(meta: pq.FileMetaData, filters: list) -> list[int]:
    """Row groups whose min/max statistics can contain one of the wanted values of every filter."""
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    keep = []
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        ok = True
        for column, _op, values in filters:
            if column not in names or not values:
                ok = ok and bool(values)
                continue
            stats = rg.column(names.index(column)).statistics
            if stats is None or not stats.has_min_max:
                if stats is not None and stats.null_count == rg.num_rows:
                    ok = False
                continue
            lo, hi = stats.min, stats.max
            if not any(lo <= v <= hi for v in values):
                ok = False
        if ok:
            keep.append(g)
    return keep



def pc_in(column: str, values: list) -> tuple:
    return (column, "in", values)


def _and(filters: list) -> list | None:
    return filters or None


def _empty(schema: pa.Schema) -> pd.DataFrame:
    return schema.empty_table().to_pandas()
