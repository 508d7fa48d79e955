"""The Rijk's Leefbaarometer beside Wijkkompas's own leefbaarheid score: pure summaries for profile, scores page and export.

Why it is shown and never mixed in: the Leefbaarometer is an independent, national model (about 100
characteristics, calibrated on what residents think of their neighbourhood); Wijkkompas's own score
compares regions within one gemeente with public CBS figures. Next to each other they check each
other; added together they would mean nothing. The Leefbaarometer is measured every two years, so
a profile of 2023 shows the 2022 measurement and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from wijkkompas.formatting import signed

TOTAL = "lbm_afwijking"
SCORE = "lbm_score"
CLASS = "lbm_klasse"
DIMENSIONS = (
    ("lbm_woningvoorraad", "Woningvoorraad"),
    ("lbm_fysieke_omgeving", "Fysieke omgeving"),
    ("lbm_voorzieningen", "Voorzieningen"),
    ("lbm_sociale_samenhang", "Sociale samenhang"),
    ("lbm_overlast_onveiligheid", "Overlast en onveiligheid"),
)
INDICATORS = (TOTAL, SCORE, CLASS, *(d for d, _ in DIMENSIONS))
# The instrument is biennial: a year without a measurement shows the one before, at most this far back.
MAX_YEARS_BACK = 2
COLUMNS = ["Dimensie", "Bijdrage aan de afwijking"]


@dataclass(frozen=True)
class LbmSummary:
    code: str
    year: int  # the measurement year shown
    asked_year: int
    deviation: float
    klasse: float | None
    dimensions: tuple[tuple[str, float], ...]  # (label, contribution), NaN when not published

    @property
    def class_label(self) -> str:
        from wijkkompas.sources.leefbaarometer import class_label

        return class_label(self.klasse)

    def headline(self) -> str:
        """ "+0,016 t.o.v. Nederland · klasse 6 (ruim voldoende)", in Dutch number style."""
        text = f"{signed(self.deviation, 3)} t.o.v. het landelijk gemiddelde"
        if self.klasse is not None and math.isfinite(self.klasse):
            text += f" · klasse {int(self.klasse)} ({self.class_label})"
        return text

    def note(self) -> str:
        when = f"meting {self.year}" + (
            f", de laatste meting vóór {self.asked_year}" if self.year != self.asked_year else ""
        )
        return (
            f"Leefbaarometer 3.0 van het Rijk ({when}): boven 0 leefbaarder, onder 0 minder leefbaar dan gemiddeld in "
            "Nederland. De vijf dimensies tellen op tot die afwijking. Een eigen model van het Rijk, los van de "
            "leefbaarheidsscore van Wijkkompas; niet bij elkaar optellen."
        )


def summary(values: pd.DataFrame, code: str, year: int) -> LbmSummary | None:
    """The Leefbaarometer of `code` for `year` (or the measurement up to two years before); None without one."""
    if values is None or values.empty:
        return None
    mine = values[(values["region_code"] == code) & values["indicator"].isin(INDICATORS)]
    mine = mine[(mine["year"] <= year) & (mine["year"] >= year - MAX_YEARS_BACK)]
    totals = mine[(mine["indicator"] == TOTAL) & mine["value"].notna()]
    if totals.empty:
        return None
    shown = int(totals["year"].max())
    at = mine[mine["year"] == shown].drop_duplicates("indicator").set_index("indicator")["value"]
    klasse = at.get(CLASS)
    return LbmSummary(
        code=code,
        year=shown,
        asked_year=int(year),
        deviation=float(at[TOTAL]),
        klasse=float(klasse) if klasse is not None and pd.notna(klasse) else None,
        dimensions=tuple((label, float(at.get(ind, math.nan))) for ind, label in DIMENSIONS),
    )


def block(s: LbmSummary) -> dict:
    """A score block (the shape of export/scoreblocks.py) for the profile page and its PDF/HTML."""
    rows = [[label, signed(v, 3) if math.isfinite(v) else "niet gepubliceerd"] for label, v in s.dimensions]
    return {
        "title": f"Leefbaarometer (Rijk, meting {s.year})",
        "value": s.headline(),
        "explain": s.note(),
        "columns": COLUMNS,
        "rows": rows,
    }
