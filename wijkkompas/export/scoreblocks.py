"""The region's scores (leefbaarheid, veerkracht) with their parts, for the profile page and its export.

Uses the shipped score definitions and the pure arithmetic of `wijkkompas.scores`: index 100 = the
average of the gemeente's regions of the same level, 10 points per standard deviation, and the
contributions of the parts add up exactly to score − 100. A score the data cannot carry says
"onvoldoende gegevens" and which themes lack figures, instead of showing a number.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wijkkompas.export.html import row_label, table_value
from wijkkompas.formatting import missing_text, nl_number, signed
from wijkkompas.profile import Profile

COLUMNS = ["Thema", "Cijfer", "Waarde", "Genormaliseerd", "Gewicht", "Bijdrage"]
PLURAL = {"wijk": "wijken", "buurt": "buurten"}


def score_blocks_from_values(
    values: pd.DataFrame, profile: Profile, catalogue, lbm_values: pd.DataFrame | None = None
) -> tuple[dict, ...]:
    """One block per shipped score: title, value, explain, columns, rows (all display strings).

    After Wijkkompas's own scores comes the Rijk's Leefbaarometer, when it is loaded (`lbm_values`:
    its rows over the last measurement years; default: whatever `values` holds).
    """
    from wijkkompas import lbm

    h = profile.header
    beside = lbm.summary(lbm_values if lbm_values is not None else values, h.code, h.year)
    lbm_blocks = (lbm.block(beside),) if beside else ()
    try:
        from wijkkompas.scores import band, compute, default_definitions, rounded_contributions
    except ImportError:  # scores not available in this installation: no section at all
        return lbm_blocks
    picked = values[
        (values["year"] == h.year) & (values["level"] == h.level) & (values["gemeente_code"] == h.gemeente_code)
    ]
    if picked.empty:
        return lbm_blocks
    blocks: list[dict] = []
    for d in default_definitions().values():
        result = compute(picked, d, year=h.year, level=h.level)
        codes = result.prepared.regions["region_code"].to_numpy()
        where = np.nonzero(codes == h.code)[0]
        if len(where) == 0:
            continue
        r = int(where[0])
        total = float(result.total[r])
        reference = f"100 = gemiddelde van de {PLURAL.get(h.level, h.level)} van {h.gemeente_name}; 10 punten = één standaardafwijking."
        if not math.isfinite(total):
            coverage = result.theme_coverage()
            empty = [row["label"] for _, row in coverage.iterrows() if row["indicators_with_data"] == 0]
            why = result.reason()[r] or "onvoldoende gegevens"
            explain = f"Geen score: {why}."
            if empty:
                explain += " Zonder cijfers in de geladen gegevens: " + ", ".join(empty) + "."
            blocks.append({"title": d.label, "value": why, "explain": explain, "columns": [], "rows": []})
            continue
        table = result.breakdown(h.code)
        counted = table[table["counts"]]
        rounded = rounded_contributions(counted["contribution"].to_numpy(), total, 1)
        rows = []
        for (_, row), part in zip(counted.iterrows(), rounded, strict=True):
            ind = catalogue.get(row["indicator"])
            label = row_label(ind) if ind else row["indicator"]
            if not math.isfinite(row["value"]):
                value = missing_text(row["status"])
            else:
                value = table_value(row["value"], ind) if ind else nl_number(row["value"], 1)
            rows.append(
                [
                    row["theme_label"],
                    label,
                    value,
                    signed(row["normalised"], 2),
                    f"{row['weight'] * 100:.0f}%".replace(".", ","),
                    signed(part, 1),
                ]
            )
        missing = table[~table["counts"] & (table["set_weight"] > 0)]
        themes = "; ".join(
            f"{result.definition.theme(t).short_label} {nl_number(result.theme_index[r, j], 1)}"
            for j, t in enumerate(result.theme_ids)
            if math.isfinite(result.theme_index[r, j])
        )
        explain = f"{band(total).capitalize()}. {reference} De bijdragen tellen op tot score − 100."
        if themes:
            explain += f" Thema's: {themes}."
        if not missing.empty:
            names = [catalogue.get(i).label if catalogue.get(i) else i for i in missing["indicator"]]
            explain += " Zonder cijfer (telt niet mee): " + ", ".join(names) + "."
        blocks.append(
            {"title": d.label, "value": nl_number(total, 1), "explain": explain, "columns": COLUMNS, "rows": rows}
        )
    return (*blocks, *lbm_blocks)


def lbm_values(store, profile: Profile) -> pd.DataFrame:
    """The Leefbaarometer rows of the region's gemeente over the years a profile may show (small read)."""
    from wijkkompas import lbm

    h = profile.header
    years = [y for y in store.years() if h.year - lbm.MAX_YEARS_BACK <= y <= h.year]
    if not years:
        return pd.DataFrame()
    return store.load_values([h.gemeente_code], years, h.level, indicators=list(lbm.INDICATORS))


def score_blocks(store, profile: Profile) -> tuple[dict, ...]:
    from wijkkompas.exporting import indicator_catalogue

    values = store.load_values([profile.header.gemeente_code], profile.header.year, profile.header.level)
    return score_blocks_from_values(values, profile, indicator_catalogue(store), lbm_values(store, profile))
