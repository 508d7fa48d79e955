"""A snapshot: one version of the store, read consistently.

A reader resolves the manifest once (one page run, one CLI command) and reads only the files that
version names. Those files are immutable (content-addressed names), so a writer committing a new
version at the same moment can never make this read fail or mix two versions. Nothing here holds
an open file between calls: row-group statistics are cached per file *content* (sha256) as plain
Python values, and every read opens its own `ParquetFile` — pyarrow file readers are not safe to
share between Streamlit's session threads.
"""

from __future__ import annotations

import builtins
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wijkkompas.errors import StoreCorrupt
from wijkkompas.store.backend import LocalBackend, S3Backend, backend_for
from wijkkompas.store.files import sha256
from wijkkompas.store.tables import (
    REGION_SCHEMA,
    VALUE_SCHEMA,
    empty_frame,
    plain,
    row_group_stats,
    row_groups_for,
)

VALUES_PREFIX = "store/values/"
EIGEN_PREFIX = "store/eigen_values/"
REGIONS = "store/regions.parquet"
CBS_COLUMNS = "store/cbs_columns.json"
INGEST_LOG = "store/ingest_log.json"
GEO_PREFIX = "geo/"

_STATS_MAX = 512
_STATS: OrderedDict[str, tuple[dict, pq.FileMetaData]] = OrderedDict()
_STATS_GUARD = threading.Lock()


def _file_stats(backend, obj: str, digest: str) -> tuple[dict, pq.FileMetaData]:
    with _STATS_GUARD:
        hit = _STATS.get(digest)
        if hit is not None:
            _STATS.move_to_end(digest)
            return hit
    meta = backend.parquet_metadata(obj)
    value = (row_group_stats(meta), meta)
    with _STATS_GUARD:
        _STATS[digest] = value
        while len(_STATS) > _STATS_MAX:
            _STATS.popitem(last=False)
    return value


# Small files (a few gemeenten) are decoded once per content hash and kept as immutable Arrow
# tables: every page run reads regions and values several times, and decoding costs ~1 ms a time.
# Large files (a national year) are read per request with row-group pruning instead.
SMALL_FILE_BYTES = 4 * 1024**2
_TABLES_MAX_BYTES = 128 * 1024**2
_TABLES: OrderedDict[str, pa.Table] = OrderedDict()
_TABLES_GUARD = threading.Lock()


def _decoded(backend, obj: str, digest: str) -> pa.Table:
    with _TABLES_GUARD:
        hit = _TABLES.get(digest)
        if hit is not None:
            _TABLES.move_to_end(digest)
            return hit
    table = backend.read_parquet(obj)
    with _TABLES_GUARD:
        _TABLES[digest] = table
        total = sum(t.nbytes for t in _TABLES.values())
        while total > _TABLES_MAX_BYTES and len(_TABLES) > 1:
            _, old = _TABLES.popitem(last=False)
            total -= old.nbytes
    return table


def values_name(year: int) -> str:
    return f"{VALUES_PREFIX}{int(year)}.parquet"


def geometry_name(year: int, level: str) -> str:
    return f"{GEO_PREFIX}{int(year)}/{level}.parquet"


def source_name(year: int, source_table: str) -> str:
    """The file that holds one source's rows of one year.

    Uploaded figures (`eigen:<id>`) get a file of their own: importing or deleting an upload then
    rewrites a few thousand rows, not a national year of CBS figures (millions of rows).
    """
    if source_table.startswith("eigen:"):
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", source_table.split(":", 1)[1]) or "upload"
        return f"{EIGEN_PREFIX}{int(year)}/{slug}.parquet"
    return values_name(year)


def pc_in(column: str, values: list) -> tuple:
    return (column, "in", values)


def _filtered(table: pa.Table, filters: list | None, columns: list[str] | None, gemeente_null: bool) -> pa.Table:
    if gemeente_null and "gemeente_code" in table.column_names:
        table = table.filter(pc.is_null(table["gemeente_code"]))
    for column, _op, values in filters or []:
        if column in table.column_names:
            table = table.filter(pc.is_in(table[column], value_set=pa.array(values)))
    return table.select(columns) if columns is not None else table


class Snapshot:
    """Read-only view of one manifest version. Cheap to create; holds no open files."""

    def __init__(self, backend: LocalBackend | S3Backend | Path | str, manifest: dict) -> None:
        self.backend = backend if isinstance(backend, (LocalBackend, S3Backend)) else backend_for(backend)
        self.data_dir = self.backend.location
        self.manifest = manifest
        self.files: dict[str, dict] = manifest.get("files", {})
        self.version: str = str(manifest.get("version") or "leeg")

    # ------------------------------------------------------------------ names and files

    def has(self, logical: str) -> bool:
        return logical in self.files

    def names(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self.files if k.startswith(prefix))

    def object(self, logical: str) -> str:
        """The key (relative to the store's location) of the file that holds `logical` in this version."""
        entry = self.files.get(logical)
        if entry is None:
            raise StoreCorrupt(self.backend.display(logical), "staat niet in het manifest", logical=logical)
        return entry.get("object", logical)

    def path(self, logical: str) -> Path:
        """Where that file is (on disk; for a bucket, `bucket/prefix/key` as a name to show)."""
        return self.backend.display(self.object(logical))

    def damaged(self) -> dict[str, dict]:
        """Files that were found damaged and could not be restored: logical name → what happened."""
        return dict(self.manifest.get("damaged") or {})

    def _checked(self, logical: str) -> tuple[Path, dict]:
        path = self.path(logical)
        entry = self.files[logical]
        try:
            size = self.backend.size(entry.get("object", logical))
        except FileNotFoundError:
            raise StoreCorrupt(path, "ontbreekt", logical=logical) from None
        except OSError as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})", logical=logical) from exc
        if size != entry["bytes"]:
            raise StoreCorrupt(
                path, "heeft een andere grootte dan geschreven (afgebroken of beschadigd)", logical=logical
            )
        return path, entry

    def check(self, logical: str, *, full: bool = True) -> None:
        """Raise StoreCorrupt unless the file is there with its recorded size (and checksum when `full`)."""
        path, entry = self._checked(logical)
        if full:
            try:
                digest = self.backend.sha256(entry.get("object", logical))
            except OSError as exc:
                raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})", logical=logical) from exc
            if digest != entry["sha256"]:
                raise StoreCorrupt(path, "controlegetal klopt niet (beschadigd)", logical=logical)

    def verify(self) -> list[StoreCorrupt]:
        """Full checksum check of every file: on demand (Start page button, `status`), not on every read."""
        problems = []
        for logical in self.files:
            try:
                self.check(logical, full=True)
            except StoreCorrupt as exc:
                problems.append(exc)
        return problems

    def read_bytes(self, logical: str) -> bytes:
        """Small documents (JSON, TOML): read whole and checked against their checksum."""
        path, entry = self._checked(logical)
        try:
            data = self.backend.read_bytes(entry.get("object", logical))
        except OSError as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})", logical=logical) from exc
        if sha256(data) != entry["sha256"]:
            raise StoreCorrupt(path, "controlegetal klopt niet (beschadigd)", logical=logical)
        return data

    def read_json(self, logical: str, default: builtins.object = None) -> builtins.object:  # `object` is a method here
        if logical not in self.files:
            return default
        data = self.read_bytes(logical)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise StoreCorrupt(self.path(logical), f"is geen geldige JSON ({exc})", logical=logical) from exc

    def read_table(
        self,
        logical: str,
        filters: list | None = None,
        columns: list[str] | None = None,
        *,
        gemeente_null: bool = False,
    ) -> pa.Table:
        """Read with row-group pruning on cached min/max statistics, then filter rows.

        Files are sorted by gemeente, so one gemeente is a few row groups; choosing them from cached
        footer statistics is several times faster than the generic dataset scan (benchmarks/bench_store.py).
        """
        path, entry = self._checked(logical)
        obj = entry.get("object", logical)
        try:
            if entry["bytes"] <= SMALL_FILE_BYTES:
                return _filtered(_decoded(self.backend, obj, entry["sha256"]), filters, columns, gemeente_null)
            stats, meta = _file_stats(self.backend, obj, entry["sha256"])
            groups = row_groups_for(stats, filters, gemeente_null=gemeente_null)
            with self.backend.parquet_file(obj, meta) as pf:
                if groups:
                    table = pf.read_row_groups(groups, columns=columns)
                else:
                    table = pf.schema_arrow.empty_table()
                    if columns is not None:
                        table = table.select(columns)
            for column, _op, values in filters or []:
                if column in table.column_names:
                    table = table.filter(pc.is_in(table[column], value_set=pa.array(values)))
            return table
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})", logical=logical) from exc

    # ------------------------------------------------------------------ what is there

    def is_empty(self) -> bool:
        return not any(k.startswith((VALUES_PREFIX, EIGEN_PREFIX)) for k in self.files)

    def years(self) -> list[int]:
        years = {int(PurePosixPath(k).stem) for k in self.files if k.startswith(VALUES_PREFIX)}
        years |= {int(PurePosixPath(k).parts[2]) for k in self.files if k.startswith(EIGEN_PREFIX)}
        return sorted(years)

    def geometry_years(self, level: str | None = None) -> list[int]:
        out = set()
        for k in self.files:
            parts = PurePosixPath(k).parts
            if parts[0] == "geo" and (level is None or PurePosixPath(k).stem == level):
                out.add(int(parts[1]))
        return sorted(out)

    def year_files(self, year: int) -> list[str]:
        """Every values file of one year (logical names): the CBS file first, then one per upload."""
        main = values_name(year)
        out = [main] if main in self.files else []
        return out + self.names(f"{EIGEN_PREFIX}{int(year)}/")

    def ingest_log(self) -> list[dict]:
        data = self.read_json(INGEST_LOG, [])
        return data if isinstance(data, list) else []

    def summaries(self) -> dict[str, dict]:
        """logical values file → its summary (see tables.values_summary)."""
        return {k: v.get("summary") or {} for k, v in self.files.items() if k.startswith((VALUES_PREFIX, EIGEN_PREFIX))}

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
            filters.append(pc_in("gemeente_code", list(gemeenten)))
        if levels:
            filters.append(pc_in("level", list(levels)))
        if indicators is not None:
            filters.append(pc_in("indicator", list(indicators)))
        tables = []
        for year in wanted:
            for logical in self.year_files(year):
                tables.append(self.read_table(logical, filters=filters or None))
                if include_nederland and gemeenten:
                    nl = [pc_in("level", ["nederland"])]
                    if indicators is not None:
                        nl.append(pc_in("indicator", list(indicators)))
                    tables.append(self.read_table(logical, filters=nl, gemeente_null=True))
        if not tables:
            return empty_frame(VALUE_SCHEMA)
        return pa.concat_tables([plain(t) for t in tables]).to_pandas()

    def indicator_values(self, indicator: str, years: Sequence[int] | None = None) -> pd.DataFrame:
        """year, region_code, value of one indicator in every gemeente, reading only those columns.

        Why: privacy flags and weighted means of an upload need the inhabitants of every region it
        covers; reading whole rows of a national year for one indicator costs seconds, this a fraction.
        """
        tables = []
        for year in self.years():
            if years is not None and year not in set(years):
                continue
            for logical in self.year_files(year):
                t = self.read_table(
                    logical,
                    filters=[("indicator", "in", [indicator])],
                    columns=["year", "region_code", "indicator", "value"],
                )
                tables.append(plain(t.select(["year", "region_code", "value"])))
        if not tables:
            return pd.DataFrame(
                {
                    "year": pd.Series(dtype="int16"),
                    "region_code": pd.Series(dtype="string"),
                    "value": pd.Series(dtype="float64"),
                }
            )
        return pa.concat_tables(tables).to_pandas()

    def source_years(self, source_table: str) -> list[int]:
        """Years that hold rows of one source (e.g. an uploaded file `eigen:<id>`)."""
        out = []
        for year in self.years():
            logical = source_name(year, source_table)
            if logical not in self.files:
                continue
            hits = self.read_table(logical, filters=[("source_table", "in", [source_table])], columns=["source_table"])
            if hits.num_rows:
                out.append(year)
        return out

    def regions(self, years: int | Sequence[int] | None = None, gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
        if REGIONS not in self.files:
            return empty_frame(REGION_SCHEMA)
        filters = []
        if years is not None:
            filters.append(pc_in("year", [years] if isinstance(years, int) else list(years)))
        if gemeenten:
            filters.append(pc_in("gemeente_code", list(gemeenten)))
        return self.read_table(REGIONS, filters=filters or None).to_pandas()

    def gemeenten(self) -> pd.DataFrame:
        """Loaded gemeenten with their latest name and the years they have figures for."""
        reg = self.regions()
        gm = reg[reg["level"] == "gemeente"].sort_values("year")
        if gm.empty:
            return pd.DataFrame(columns=["gemeente_code", "gemeente_name", "years"])
        years = gm.groupby("region_code")["year"].apply(lambda s: sorted(set(s)))
        names = gm.groupby("region_code")["region_name"].last()
        return pd.DataFrame(
            {"gemeente_code": names.index, "gemeente_name": names.to_numpy(), "years": years.to_numpy()}
        )

    def geometry(self, year: int, level: str, gemeenten: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        logical = geometry_name(year, level)
        if logical not in self.files:
            return gpd.GeoDataFrame(
                {"region_code": [], "region_name": [], "gemeente_code": []}, geometry=[], crs="EPSG:4326"
            )
        path, entry = self._checked(logical)
        try:
            filters = [("gemeente_code", "in", list(gemeenten))] if gemeenten else None
            return self.backend.read_geoparquet(entry.get("object", logical), filters)
        except Exception as exc:
            raise StoreCorrupt(path, f"kan niet worden gelezen ({exc})", logical=logical) from exc
