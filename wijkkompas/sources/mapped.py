"""Sources whose columns map straight to catalogue indicators: the CBS wijk- en buurtkaart and the Leefbaarometer.

Why a second shape next to `RawTable`: an OData table is matched to the catalogue by CBS key
*stems*, year by year. These files have their own, stable column names (``AANT_INW``, ``lbm``), so
a mapping table (TOML) says which column is which indicator and the rows come out long and ready:
one row per region × indicator with a value or — for a sentinel such as ``-99999999`` — no value and
the reason in `status`. A sentinel never becomes a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Values at or below this are codes (CBS uses -99995 … -99999999), never figures.
SENTINEL_FLOOR = -99990.0
UNKNOWN_CODE = "onbekend"
STATUS_OK = "ok"


@dataclass
class MappedTable:
    """One year of one mapped source, long: region_code, indicator, value, status, source_key."""

    source: str  # the store's source_table, e.g. "CBS wijk- en buurtkaart"
    year: int
    rows: pd.DataFrame
    names: dict[str, str] = field(default_factory=dict)  # region code -> name
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Dutch remarks for the ingest report


def long_from_wide(
    frame: pd.DataFrame,
    codes: pd.Series,
    columns: Mapping[str, tuple[str, float]],
    sentinels: Mapping[float, str],
) -> pd.DataFrame:
    """Wide source rows → long rows for the mapped columns; sentinels become NaN with their reason.

    `columns` maps a column of `frame` to (indicator id, factor). Text that is not a number (an empty
    cell, ".") is "onbekend"; a value in `sentinels` gets that reason; any other value at or below
    `SENTINEL_FLOOR` is an unknown code.
    """
    parts = []
    codes = pd.Series(codes, dtype="string").str.strip().reset_index(drop=True)
    for col, (indicator, factor) in columns.items():
        raw = frame[col].reset_index(drop=True)
        values = pd.to_numeric(raw.astype("string").str.strip().str.replace(",", ".", regex=False), errors="coerce")
        values = values.astype("float64")
        status = pd.Series(STATUS_OK, index=values.index, dtype=object)
        status[values.isna()] = UNKNOWN_CODE
        coded = values <= SENTINEL_FLOOR
        if coded.any():
            reasons = values[coded].map(lambda v: sentinels.get(float(v), UNKNOWN_CODE))
            status[coded] = reasons
            values[coded] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "region_code": codes,
                    "indicator": indicator,
                    "value": values * factor,
                    "status": status,
                    "source_key": col,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["region_code", "indicator", "value", "status", "source_key"])
    out = pd.concat(parts, ignore_index=True)
    return out[out["region_code"].notna()].reset_index(drop=True)
