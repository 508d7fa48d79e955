"""Tables for download: the store's long rows, or one column per indicator with Dutch labels."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd

from wijkkompas.catalogue.catalogue import Catalogue, load_catalogue
from wijkkompas.store import VALUE_COLUMNS, Store

ID_COLUMNS = ["region_code", "region_name", "level", "gemeente_code", "wijk_code"]


def indicator_catalogue(store: Store) -> Catalogue:
    """The shipped catalogue plus the CBS columns no catalogue entry uses, plus uploaded indicators (`eigen.*`)."""
    from wijkkompas.ingest import load_extra_indicators
    from wijkkompas.userdata.persist import load_upload_indicators

    return load_catalogue().with_extra([*load_extra_indicators(store), *load_upload_indicators(store)])


def export_table(store: Store, gemeenten: Sequence[str], year: int, level: str, *, shape: str = "long") -> pd.DataFrame:
    values = store.load_values(gemeenten, year, level)
    values = values[VALUE_COLUMNS].sort_values(["region_code", "indicator"]).reset_index(drop=True)
    if shape == "long":
        return values
    return to_wide(values, indicator_catalogue(store))


def column_label(catalogue: Catalogue, indicator_id: str) -> str:
    ind = catalogue.get(indicator_id)
    if ind is None:
        return indicator_id
    return f"{ind.label} ({ind.unit})" if ind.unit else ind.label


def to_wide(values: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """One row per region, one column per indicator, in catalogue order, headed by Dutch labels."""
    if values.empty:
        return pd.DataFrame(columns=ID_COLUMNS)
    wide = values.pivot_table(index="region_code", columns="indicator", values="value", aggfunc="first", dropna=False)
    ids = values.drop_duplicates("region_code").set_index("region_code")[ID_COLUMNS[1:]]
    order = {ident: i for i, ident in enumerate(catalogue.all())}
    cols = sorted(wide.columns, key=lambda c: (order.get(c, len(order)), c))
    wide = wide[cols]
    labels = [column_label(catalogue, c) for c in cols]
    # Two CBS columns may share a title; keep headers unique so spreadsheets don't merge them.
    seen: dict[str, int] = {}
    unique = []
    for lab, ident in zip(labels, cols, strict=True):
        unique.append(lab if lab not in seen else f"{lab} [{ident}]")
        seen[lab] = 1
    wide.columns = unique
    return ids.join(wide).reset_index()


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel opens accents correctly; ',' separator and '.' decimals (machine-readable)."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "Wijkkompas") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
