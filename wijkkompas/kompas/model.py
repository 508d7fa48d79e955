"""What the kompas shows, as frozen values: one `KompasView` per (gemeenten, year, level, reference), cells built
on demand from its matrices (a national buurt view has 200.000 cells; objects for each would cost more than the
arithmetic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkkompas.kompas.definitions import BAND_ORDER, INSUFFICIENT, KompasDefinition, KompasTheme

TREND_BETTER = "beter"
TREND_WORSE = "slechter"
TREND_SAME = "gelijk"
TREND_BREAK = "breuk"
TREND_NONE = "geen eerder jaar"
TREND_THIN = "onvoldoende"
TREND_SYMBOL = {TREND_BETTER: "↑", TREND_WORSE: "↓", TREND_SAME: "→", TREND_BREAK: "⇆", TREND_NONE: "", TREND_THIN: "·"}
TREND_TEXT = {
    TREND_BETTER: "beter dan in {y0}",
    TREND_WORSE: "slechter dan in {y0}",
    TREND_SAME: "ongeveer gelijk aan {y0}",
    TREND_BREAK: "niet te vergelijken met {y0}: de indeling is veranderd",
    TREND_NONE: "geen eerder jaar geladen",
    TREND_THIN: "te weinig cijfers in {y0} en {y1} om te vergelijken",
}
BAND_SHORT = {"urgent": "urgent", "aandacht": "aandacht", "rond het gemiddelde": "rond gem.", "gunstig": "gunstig"}
TOO_SMALL = "te weinig inwoners"
NO_PEERS = "te weinig gebieden om mee te vergelijken"


@dataclass(frozen=True)
class Evidence:
    """One indicator of one cell: what the band is made of."""

    indicator: str
    label: str
    direction: str
    weight: float
    value: float
    reference: float
    reference_kind: str  # "gemeente" | "gemiddelde van de gemeente" | "selectie" | "nederland" | ""
    spread: float
    z: float  # signed and clipped: > 0 is better than the reference; NaN when it does not count
    status: str  # why it does not count ("" when it does)
    source_table: str
    source_key: str
    previous: float  # the value in the previous comparable year (NaN when unknown)
    per_inwoners: int = 0

    @property
    def counts(self) -> bool:
        return self.z == self.z


@dataclass(frozen=True)
class Cell:
    region_code: str
    region_name: str
    theme: str
    band: str  # "" when there is no band (see reason)
    deviation: float
    trend: str
    trend_value: float
    n_used: int
    n_available: int
    n_defined: int
    reason: str  # "" or why there is no band

    @property
    def symbol(self) -> str:
        return TREND_SYMBOL.get(self.trend, "")

    @property
    def text(self) -> str:
        """Short cell text for tables: 'urgent ↓ (3/4)' or 'onvoldoende gegevens (1/4)'."""
        count = f"({self.n_used}/{self.n_available})" if self.n_available else "(geen cijfers)"
        if not self.band:
            return f"{self.reason or INSUFFICIENT} {count}".strip()
        arrow = f" {self.symbol}" if self.symbol else ""
        return f"{self.band}{arrow} {count}"


@dataclass(frozen=True, eq=False)
class KompasView:
    """The matrix: regions × themes, with everything behind each cell.

    Arrays (R regions, T themes, U distinct indicator columns):
      deviation R×T (NaN = no band), band R×T (object, "" = none), reason R×T, n_used R×T, n_available T,
      trend R×T (object), trend_value R×T;
      per column: value/reference/spread/z_raw R×U, status R×U, source_table/source_key R×U, previous R×U.
    """

    definition: KompasDefinition
    themes: tuple[KompasTheme, ...]
    gemeenten: tuple[str, ...]
    year: int
    level: str
    reference: str
    previous_year: int | None
    regions: pd.DataFrame  # region_code, region_name, gemeente_code, wijk_code, inwoners, excluded
    deviation: np.ndarray
    band: np.ndarray
    reason: np.ndarray
    n_used: np.ndarray
    n_available: np.ndarray
    n_defined: np.ndarray
    trend: np.ndarray
    trend_value: np.ndarray
    column_keys: tuple[tuple[str, int], ...]  # (indicator id, per_inwoners)
    value: np.ndarray
    reference_value: np.ndarray
    reference_kind: np.ndarray
    spread: np.ndarray
    z_raw: np.ndarray
    status: np.ndarray
    source_table: np.ndarray
    source_key: np.ndarray
    previous: np.ndarray
    labels: dict
    sources: tuple[tuple[int, str], ...] = ()

    # ------------------------------------------------------------------ lookups

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> KompasTheme:
        return self.themes[self.theme_ids.index(theme_id)]

    def row_of(self, region_code: str) -> int:
        rows = np.nonzero(self.regions["region_code"].to_numpy() == region_code)[0]
        if len(rows) == 0:
            raise KeyError(region_code)
        return int(rows[0])

    def cell(self, region_code: str, theme_id: str) -> Cell:
        r, t = self.row_of(region_code), self.theme_ids.index(theme_id)
        return Cell(
            region_code=region_code,
            region_name=str(self.regions["region_name"].iloc[r]),
            theme=theme_id,
            band=str(self.band[r, t]),
            deviation=float(self.deviation[r, t]),
            trend=str(self.trend[r, t]),
            trend_value=float(self.trend_value[r, t]),
            n_used=int(self.n_used[r, t]),
            n_available=int(self.n_available[t]),
            n_defined=int(self.n_defined[t]),
            reason=str(self.reason[r, t]),
        )

    def evidence(self, region_code: str, theme_id: str) -> list[Evidence]:
        """Every indicator of the theme for this region, in definition order (also those that do not count)."""
        r = self.row_of(region_code)
        theme = self.theme(theme_id)
        clip = self.definition.clip
        out = []
        for ind in theme.indicators:
            u = self.column_keys.index((ind.id, ind.per_inwoners))
            z = self.z_raw[r, u]
            status = str(self.status[r, u])
            counts = z == z and not status
            out.append(
                Evidence(
                    indicator=ind.id,
                    label=self.labels.get((ind.id, ind.per_inwoners), ind.id),
                    direction=ind.direction,
                    weight=ind.weight,
                    value=float(self.value[r, u]),
                    reference=float(self.reference_value[r, u]),
                    reference_kind=str(self.reference_kind[r, u]),
                    spread=float(self.spread[r, u]),
                    z=float(np.clip(ind.sign * z, -clip, clip)) if counts else float("nan"),
                    status=status,
                    source_table=str(self.source_table[r, u] or ""),
                    source_key=str(self.source_key[r, u] or ""),
                    previous=float(self.previous[r, u]),
                    per_inwoners=ind.per_inwoners,
                )
            )
        return out

    def urgent_count(self) -> np.ndarray:
        return (self.band == "urgent").sum(axis=1)

    def frame(self) -> pd.DataFrame:
        """One row per region, one column per theme (band) and its trend: the CSV/Excel of the CLI."""
        reg = self.regions
        out = pd.DataFrame(
            {
                "region_code": reg["region_code"].to_numpy(),
                "region_name": reg["region_name"].to_numpy(),
                "gemeente_code": reg["gemeente_code"].to_numpy(),
                "urgente_themas": self.urgent_count(),
            }
        )
        for t, theme in enumerate(self.themes):
            band = np.where(self.band[:, t] != "", self.band[:, t], self.reason[:, t])
            out[f"{theme.id}_band"] = band
            out[f"{theme.id}_trend"] = self.trend[:, t]
            out[f"{theme.id}_afwijking"] = np.round(self.deviation[:, t], 3)
            out[f"{theme.id}_cijfers"] = [f"{n}/{self.n_available[t]}" for n in self.n_used[:, t]]
        return out

    def theme_summary(self) -> pd.DataFrame:
        """Per theme: how many regions have a band, per band; and which indicators had no figures at all."""
        rows = []
        for t, theme in enumerate(self.themes):
            counts = {b: int((self.band[:, t] == b).sum()) for b in BAND_ORDER}
            missing = []
            for ind in theme.indicators:
                u = self.column_keys.index((ind.id, ind.per_inwoners))
                if not np.isfinite(self.value[:, u]).any():
                    missing.append(self.labels.get((ind.id, ind.per_inwoners), ind.id))
            rows.append(
                {
                    "theme": theme.id,
                    "label": theme.label,
                    "defined": int(self.n_defined[t]),
                    "available": int(self.n_available[t]),
                    "with_band": int((self.band[:, t] != "").sum()),
                    **counts,
                    "missing": missing,
                }
            )
        return pd.DataFrame.from_records(rows)
