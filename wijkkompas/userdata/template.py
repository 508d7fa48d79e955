"""An empty template with the gemeente's buurten, so a partner fills in numbers instead of typing codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pandas as pd


def template_csv(
    regions: pd.DataFrame, gemeenten: Sequence[str], year: int | None, value_header: str = "uw cijfer"
) -> bytes:
    """`buurtcode;buurtnaam;wijk;<value_header>` for every buurt, as Dutch Excel opens it (`;`, UTF-8 BOM)."""
    r = regions
    if year is not None and not r.empty:
        years = sorted(int(y) for y in r["year"].unique())
        use = year if year in years else years[-1]
        r = r[r["year"] == use]
    r = r[r["gemeente_code"].isin(list(gemeenten)) & (r["level"] == "buurt")]
    wijk_names = dict(zip(regions["region_code"], regions["region_name"], strict=True))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["buurtcode", "buurtnaam", "wijk", value_header])
    for row in r.sort_values("region_code").itertuples(index=False):
        w.writerow([row.region_code, row.region_name, wijk_names.get(row.wijk_code, row.wijk_code or ""), ""])
    return buf.getvalue().encode("utf-8-sig")
