"""The store's table schemas and the Arrow helpers that read and write them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

VALUE_COLUMNS = [
    "year",
    "region_code",
    "region_name",
    "level",
    "gemeente_code",
    "wijk_code",
    "indicator",
    "value",
    "status",
    "source_table",
    "source_key",
]
REGION_COLUMNS = ["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"]
LEVELS = ("nederland", "gemeente", "wijk", "buurt")
STATUS_OK = "ok"

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
SORT_KEYS = ["gemeente_code", "level", "region_code", "indicator"]


def parquet_bytes(table: pa.Table, row_group_size: int = 16_384) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=row_group_size, write_statistics=True)
    return sink.getvalue().to_pybytes()


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
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


def sort_dictionary_table(table: pa.Table, keys: list[str]) -> pa.Table:
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


def plain(table: pa.Table) -> pa.Table:
    """Stored (dictionary) columns back to plain strings for readers."""
    target = pa.schema(
        [VALUE_SCHEMA.field(n) if n in VALUE_SCHEMA.names else table.schema.field(n) for n in table.column_names]
    )
    return table.cast(target)


def empty_frame(schema: pa.Schema) -> pd.DataFrame:
    return schema.empty_table().to_pandas()


def values_summary(table: pa.Table) -> dict:
    """What the Start page needs to know about a values file without reading it again.

    Stored in the manifest next to the file: per gemeente the number of distinct indicators, and
    whether the file holds Nederland rows. Why: counting indicators of a national 13-year store
    from the files themselves costs seconds on every visit to the Start page.
    """
    if table.num_rows == 0:
        return {"indicators": {}, "nederland": False}
    frame = pa.table(
        {
            "g": table["gemeente_code"].cast(pa.string()),
            "i": table["indicator"].cast(pa.string()),
        }
    )
    pairs = frame.group_by(["g", "i"]).aggregate([])
    counts = pairs.group_by("g").aggregate([("i", "count")])
    out: dict[str, int] = {}
    nederland = False
    for g, n in zip(counts["g"].to_pylist(), counts["i_count"].to_pylist(), strict=True):
        if g is None:
            nederland = True
        else:
            out[str(g)] = int(n)
    return {"indicators": out, "nederland": nederland}


# --------------------------------------------------------------------------- row-group pruning


def row_group_stats(meta: pq.FileMetaData) -> dict:
    """Min/max/null counts per row group and column as plain Python values.

    Why plain values: they are cached per file *content* (sha256) and shared by every session
    thread; pyarrow objects that hold file state are not safe to share between threads.
    """
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    groups = []
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        cols: dict[str, tuple[object, object, int | None] | None] = {}  # (min, max, nulls); None: no statistics
        for j, name in enumerate(names):
            s = rg.column(j).statistics
            if s is None:
                cols[name] = None
                continue
            lo, hi = (s.min, s.max) if s.has_min_max else (None, None)
            cols[name] = (lo, hi, s.null_count if s.has_null_count else None)
        groups.append((rg.num_rows, cols))
    return {"names": names, "groups": groups}


def row_groups_for(stats: dict, filters: list | None, *, gemeente_null: bool = False) -> list[int]:
    """Row groups whose min/max statistics can contain one of the wanted values of every filter."""
    keep = []
    for g, (num_rows, cols) in enumerate(stats["groups"]):
        ok = True
        for column, _op, values in filters or []:
            if column not in cols or not values:
                ok = ok and bool(values)
                continue
            s = cols[column]
            if s is None or s[0] is None:
                if s is not None and s[2] == num_rows:
                    ok = False
                continue
            lo, hi = s[0], s[1]
            if not any(lo <= v <= hi for v in values):
                ok = False
        if ok and gemeente_null:
            # Nederland rows have no gemeente; files are sorted by gemeente, so a level filter alone
            # would read every row group. Only groups that count null gemeente codes can hold them.
            s = cols.get("gemeente_code")
            ok = s is None or s[2] is None or s[2] > 0
        if ok:
            keep.append(g)
    return keep
