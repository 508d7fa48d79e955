"""Score arithmetic: normalise over a reference group, flip by direction, weight, decompose.

Two steps, because a weight slider must feel instant:

* `prepare(values, definition)` does everything that does not depend on weights: pick the year and
  level, turn counts into rates, leave out regions with too few inhabitants, and normalise every
  indicator over its reference group (z-score or rank), flipped so that higher is better.
* `combine(prepared, definition)` applies the weights: a few matrix operations.

The index is 100 + 10 × (weighted mean of normalised values). Each indicator's **contribution** is
10 × its effective weight × its normalised value, and the score is *defined* as 100 + the sum of the
contributions, so "contributions add up to score − 100" holds by construction (as the Leefbaarometer's
dimensions add up to its deviation). A missing value is never 0: the weights of the indicators that
are present are re-normalised, and a theme (or the total) without at least `min_share` of its weight
present says "onvoldoende gegevens" instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from wijkkompas.scores.definitions import ScoreDefinition

POINTS_PER_SD = 10.0
BASE = 100.0
TOTAL = "totaal"
INSUFFICIENT = "onvoldoende gegevens"
TOO_SMALL = "te weinig inwoners"
BANDS = (
    ("ver onder gemiddeld", -math.inf, 70.0),
    ("onder gemiddeld", 70.0, 90.0),
    ("rond gemiddeld", 90.0, 110.0),
    ("boven gemiddeld", 110.0, 130.0),
    ("ver boven gemiddeld", 130.0, math.inf),
)
BAND_ORDER = [b[0] for b in BANDS]
_EPS = 1e-12


def bands(index: np.ndarray | pd.Series | float) -> np.ndarray:
    """Rotterdam-style bands, symmetric around 100: [90, 110] is 'rond gemiddeld', 70 and 130 are the outer edges.

    Values exactly on an edge belong to the band nearer to 100, so the bands mirror exactly.
    """
    x = np.asarray(index, dtype=float)
    out = np.full(x.shape, "", dtype=object)
    out[x < 70] = BAND_ORDER[0]
    out[(x >= 70) & (x < 90)] = BAND_ORDER[1]
    out[(x >= 90) & (x <= 110)] = BAND_ORDER[2]
    out[(x > 110) & (x <= 130)] = BAND_ORDER[3]
    out[x > 130] = BAND_ORDER[4]
    return out


def band(index: float) -> str:
    return str(bands(np.array([index]))[0]) if index == index else ""


# --------------------------------------------------------------------------- prepare


@dataclass(frozen=True)
class Prepared:
    """Everything that does not depend on the weights, as aligned matrices (regions × indicator columns)."""

    definition: ScoreDefinition
    regions: pd.DataFrame  # region_code, region_name, gemeente_code, inwoners, excluded (bool), in row order
    column_theme: tuple[str, ...]
    column_indicator: tuple[str, ...]
    raw: np.ndarray  # value as used (after per_inwoners), NaN when missing
    status: np.ndarray  # object: why a value is missing ("" when present)
    normalised: np.ndarray  # flipped: higher = better; NaN when missing or region excluded
    year: int | None = None
    level: str | None = None
    method: str = "z"
    reference: str = "gemeente"
    pool_size: np.ndarray = field(
        default_factory=lambda: np.zeros(0)
    )  # per column: regions in the reference with a value

    @property
    def n_regions(self) -> int:
        return len(self.regions)

    def column_of(self, theme_id: str, indicator_id: str) -> int:
        for k, (t, i) in enumerate(zip(self.column_theme, self.column_indicator, strict=True)):
            if t == theme_id and i == indicator_id:
                return k
        raise KeyError((theme_id, indicator_id))


def _pick(values: pd.DataFrame, year: int | None, level: str | None) -> pd.DataFrame:
    mask = np.ones(len(values), dtype=bool)
    if year is not None and "year" in values.columns:
        mask &= values["year"].to_numpy() == year
    if level is not None and "level" in values.columns:
        mask &= (values["level"] == level).to_numpy(dtype=bool, na_value=False)
    return values if mask.all() else values[mask]


def _last_per_key(keys: np.ndarray) -> np.ndarray:
    """Positions of the last occurrence of each key (a later row for the same region and indicator wins)."""
    _, first_in_reversed = np.unique(keys[::-1], return_index=True)
    return len(keys) - 1 - first_in_reversed


def _normalise(pool: np.ndarray, groups: np.ndarray, n_groups: int, method: str) -> np.ndarray:
    """Normalise every column within every reference group; NaN stays NaN (it is not in the reference).

    z: population standard deviation (ddof=0), because the reference is all regions, not a sample of
    them; a group without spread makes everybody average (0). percentiel: average rank of ties,
    p = (rank − ½) / n, mapped onto the z scale with the inverse normal (so both give the same index scale).
    """
    out = np.full(pool.shape, np.nan)
    if pool.size == 0:
        return out
    if method == "percentiel":
        frame = pd.DataFrame(pool)
        grouped = frame.groupby(groups, sort=False)
        rank = grouped.rank(method="average").to_numpy(dtype=float)
        count = grouped.transform("count").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return ndtri((rank - 0.5) / count)
    for k in range(pool.shape[1]):
        x = pool[:, k]
        present = ~np.isnan(x)
        if not present.any():
            continue
        xs = np.where(present, x, 0.0)
        count = np.bincount(groups, weights=present.astype(float), minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(groups, weights=xs, minlength=n_groups) / count
            dev = np.where(present, x - mean[groups], 0.0)
            std = np.sqrt(np.bincount(groups, weights=dev * dev, minlength=n_groups) / count)
            sd = std[groups]
            z = np.where(sd > _EPS * np.maximum(1.0, np.abs(mean[groups])), dev / sd, 0.0)
        out[:, k] = np.where(present, z, np.nan)
    return out


def prepare(
    values: pd.DataFrame,
    definition: ScoreDefinition,
    *,
    year: int | None = None,
    level: str | None = None,
    method: str | None = None,
    reference: str | None = None,
) -> Prepared:
    """Normalise the definition's indicators for every region in `values` (one year, one level).

    `values` is the store's long table. The reference group is each region's own gemeente
    (`reference="gemeente"`) or all regions in `values` together ("selectie"/"alles": the caller decides
    which gemeenten are loaded). Regions with fewer than `min_inwoners` inhabitants keep their values for
    display but are left out of the reference and get no score. Plain numpy: this runs for every
    buurt in the country in well under a second.
    """
    method = method or definition.method
    reference = reference or definition.reference
    picked = _pick(values, year, level)
    cols = definition.columns()

    # Regions: every region of that year and level, even one without any of the score's indicators.
    # Hash-based factorising (not Python loops): this runs for every buurt of the country in well under a second.
    region_index, uniques = pd.factorize(picked["region_code"], sort=True)
    region_codes = np.asarray(uniques, dtype=object)
    n = len(region_codes)
    last = _last_per_key(region_index) if n else np.array([], dtype=int)

    def column(name: str) -> np.ndarray:
        if name in picked.columns:
            return picked[name].iloc[last].to_numpy(dtype=object)
        return region_codes.copy() if name == "region_name" else np.full(n, "", dtype=object)

    regions = pd.DataFrame(
        {"region_code": region_codes, "region_name": column("region_name"), "gemeente_code": column("gemeente_code")}
    )

    # Values: (region × indicator) in numpy; a later row for the same pair wins.
    ids = list(dict.fromkeys([i.id for _t, i in cols] + ["inwoners"]))
    ind_pos = {ident: j for j, ident in enumerate(ids)}
    codes, kinds = pd.factorize(picked["indicator"])  # few distinct indicators: map those, not every row
    ind_index = pd.Index(ids).get_indexer(np.asarray(kinds, dtype=object))[codes] if len(codes) else codes
    sel_pos = np.nonzero(ind_index >= 0)[0]
    v_ind = ind_index[sel_pos]
    v_reg = region_index[sel_pos]
    v_val = picked["value"].to_numpy(dtype=float)[sel_pos]
    v_status = np.full(len(v_val), "", dtype=object)
    if "status" in picked.columns:  # only the missing values need a reason; convert just those
        miss = np.nonzero(np.isnan(v_val))[0]
        v_status[miss] = picked["status"].iloc[sel_pos[miss]].to_numpy(dtype=object)
    wide = np.full((n, len(ids)), np.nan)
    wide_status = np.full((n, len(ids)), "niet in de gegevens", dtype=object)
    if len(v_val):
        keep = _last_per_key(v_reg.astype(np.int64) * len(ids) + v_ind)
        wide[v_reg[keep], v_ind[keep]] = v_val[keep]
        wide_status[v_reg[keep], v_ind[keep]] = np.where(pd.isna(v_status[keep]), "geen cijfer", v_status[keep])
    inwoners = wide[:, ind_pos["inwoners"]]

    raw = np.full((n, len(cols)), np.nan)
    status = np.full((n, len(cols)), "", dtype=object)
    for k, (_tid, ind) in enumerate(cols):
        j = ind_pos[ind.id]
        col = wide[:, j]
        if ind.per_inwoners:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(inwoners > 0, col / inwoners * ind.per_inwoners, np.nan)
            no_pop = ~np.isnan(col) & np.isnan(rate)
            col = rate
            status[no_pop, k] = "geen inwoners bekend"
        raw[:, k] = col
        missing = np.isnan(col) & (status[:, k] == "")
        status[missing, k] = wide_status[missing, j]

    excluded = np.zeros(n, dtype=bool)
    if definition.min_inwoners > 0:
        excluded = ~np.isnan(inwoners) & (inwoners < definition.min_inwoners)
    pool = raw.copy()
    pool[excluded, :] = np.nan
    if reference == "gemeente":
        groups, uniques = pd.factorize(regions["gemeente_code"].astype(str).to_numpy())
        n_groups = len(uniques)
    else:
        groups, n_groups = np.zeros(n, dtype=int), 1
    signs = np.array([ind.sign for _t, ind in cols], dtype=float)
    normal = _normalise(pool, np.asarray(groups, dtype=int), max(n_groups, 1), method) * signs
    normal[np.isnan(pool)] = np.nan
    regions = regions.assign(inwoners=inwoners, excluded=excluded)
    return Prepared(
        definition=definition,
        regions=regions,
        column_theme=tuple(t for t, _i in cols),
        column_indicator=tuple(i.id for _t, i in cols),
        raw=raw,
        status=status,
        normalised=normal,
        year=year,
        level=level,
        method=method,
        reference=reference,
        pool_size=(~np.isnan(pool)).sum(axis=0),
    )


# --------------------------------------------------------------------------- combine


@dataclass(frozen=True)
class ScoreResult:
    """Scores and their exact decomposition for every region of a Prepared."""

    prepared: Prepared
    definition: ScoreDefinition
    theme_ids: tuple[str, ...]
    set_weight: np.ndarray  # K: the indicator weights as set
    theme_set_weight: np.ndarray  # T
    theme_share_present: np.ndarray  # R × T: share of the theme's weight with a value
    theme_ok: np.ndarray  # R × T bool
    theme_index: np.ndarray  # R × T (NaN = onvoldoende gegevens)
    within_weight: np.ndarray  # R × K: effective weight inside its theme (sums to 1 per sufficient theme)
    theme_contribution: np.ndarray  # R × K: contribution to the theme index (sums to theme index − 100)
    total_share_present: np.ndarray  # R
    total_ok: np.ndarray  # R bool
    effective_weight: np.ndarray  # R × K: effective weight in the total (sums to 1 per region with a total)
    contribution: np.ndarray  # R × K: contribution to the total (sums exactly to total − 100)
    total: np.ndarray  # R (NaN = onvoldoende gegevens)

    # ------------------------------------------------------------------ views

    def index_of(self, view: str = TOTAL) -> np.ndarray:
        if view == TOTAL:
            return self.total
        return self.theme_index[:, self.theme_ids.index(view)]

    def contributions_of(self, view: str = TOTAL) -> np.ndarray:
        """R × K contributions to the chosen view (total or one theme); zero outside that theme."""
        if view == TOTAL:
            return self.contribution
        mask = np.array([t == view for t in self.prepared.column_theme])
        return np.where(mask[None, :], self.theme_contribution, 0.0)

    def reason(self, view: str = TOTAL) -> np.ndarray:
        """Why a region has no score in this view ('' when it has one)."""
        idx = self.index_of(view)
        out = np.where(np.isnan(idx), INSUFFICIENT, "").astype(object)
        out[self.prepared.regions["excluded"].to_numpy() & np.isnan(idx)] = TOO_SMALL
        return out

    def table(self, view: str = TOTAL, gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per region: score for the view, band, rank (1 = highest), theme indices, why missing.

        `gemeenten` limits the rows (and the ranking) to those gemeenten, e.g. when the reference group is
        larger than what is shown.
        """
        reg = self.prepared.regions
        idx = self.index_of(view)
        out = pd.DataFrame(
            {
                "region_code": reg["region_code"].to_numpy(),
                "region_name": reg["region_name"].to_numpy(),
                "gemeente_code": reg["gemeente_code"].to_numpy(),
                "score": idx,
                "band": bands(idx),
                "reason": self.reason(view),
                "share_present": self.total_share_present
                if view == TOTAL
                else self.theme_share_present[:, self.theme_ids.index(view)],
                "missing": self.missing_text(view),
            }
        )
        for j, tid in enumerate(self.theme_ids):
            out[f"thema_{tid}"] = self.theme_index[:, j]
        if gemeenten:
            out = out[out["gemeente_code"].isin(list(gemeenten))]
        out.insert(4, "rank", out["score"].rank(ascending=False, method="min"))
        return out.reset_index(drop=True)

    def missing_text(self, view: str = TOTAL) -> np.ndarray:
        """Per region: which indicators (with weight) have no value, e.g. 'Bijstand (geheim)'."""
        from wijkkompas.formatting import missing_text

        p = self.prepared
        # Indicators without any value in the whole reference are reported once per theme (theme_coverage),
        # not on every row; here only what is missing for *this* region while others have it.
        anywhere = np.isfinite(p.raw).any(axis=0)
        cols = [
            k
            for k, t in enumerate(p.column_theme)
            if (view == TOTAL or t == view) and self.set_weight[k] > 0 and anywhere[k]
        ]
        out = np.full(p.n_regions, "", dtype=object)
        if not cols:
            return out
        labels = _labels(p.column_indicator)
        miss = np.isnan(p.raw[:, cols])
        for r in np.nonzero(miss.any(axis=1))[0]:
            parts = [f"{labels[cols[c]]} ({missing_text(p.status[r, cols[c]])})" for c in np.nonzero(miss[r])[0]]
            out[r] = "; ".join(parts)
        return out

    def breakdown(self, region_code: str, view: str = TOTAL) -> pd.DataFrame:
        """The table behind one region's score: every indicator, its value, normalised value, weight, contribution."""
        p = self.prepared
        rows = np.nonzero(p.regions["region_code"].to_numpy() == region_code)[0]
        if len(rows) == 0:
            raise KeyError(region_code)
        r = int(rows[0])
        contrib = self.contributions_of(view)[r]
        weight = self.effective_weight[r] if view == TOTAL else self.within_weight[r]
        theme_of = {t.id: t for t in self.definition.themes}
        records = []
        for k, (tid, iid) in enumerate(zip(p.column_theme, p.column_indicator, strict=True)):
            if view != TOTAL and tid != view:
                continue
            j = self.theme_ids.index(tid)
            records.append(
                {
                    "theme": tid,
                    "theme_label": theme_of[tid].label,
                    "indicator": iid,
                    "direction": self.definition.columns()[k][1].direction,
                    "value": p.raw[r, k],
                    "status": p.status[r, k],
                    "normalised": p.normalised[r, k],
                    "set_weight": self.set_weight[k],
                    "weight": weight[k],
                    "contribution": contrib[k] if not np.isnan(self.index_of(view)[r]) else np.nan,
                    "counts": bool(weight[k] > 0),
                    "theme_ok": bool(self.theme_ok[r, j]),
                }
            )
        return pd.DataFrame.from_records(records)

    def long(self, view: str = TOTAL) -> pd.DataFrame:
        """One row per region × indicator: the CLI's CSV, so anyone can redo the sum in a spreadsheet."""
        p = self.prepared
        n, k = p.raw.shape
        idx = self.index_of(view)
        contrib = self.contributions_of(view)
        weight = self.effective_weight if view == TOTAL else self.within_weight
        contrib = np.where(np.isnan(idx)[:, None], np.nan, contrib)
        weight = np.where(np.isnan(idx)[:, None], 0.0, weight)
        keep = np.array([view == TOTAL or t == view for t in p.column_theme])
        frame = pd.DataFrame(
            {
                "region_code": np.repeat(p.regions["region_code"].to_numpy(), k),
                "score": self.definition.id,
                "theme": np.tile(np.array(p.column_theme, dtype=object), n),
                "indicator": np.tile(np.array(p.column_indicator, dtype=object), n),
                "value": p.raw.reshape(-1),
                "normalised": p.normalised.reshape(-1),
                "weight": weight.reshape(-1),
                "contribution": contrib.reshape(-1),
                "score_value": np.repeat(idx, k),
            }
        )
        return frame[np.tile(keep, n)].reset_index(drop=True)

    def strongest(self, view: str = TOTAL, n: int = 1) -> list[tuple[list[tuple[str, float]], list[tuple[str, float]]]]:
        """Per region: the `n` largest upward and downward contributions (indicator id, points), for tooltips."""
        contrib = self.contributions_of(view)
        idx = self.index_of(view)
        ids = self.prepared.column_indicator
        out: list[tuple[list[tuple[str, float]], list[tuple[str, float]]]] = []
        for r in range(contrib.shape[0]):
            if np.isnan(idx[r]):
                out.append(([], []))
                continue
            row = contrib[r]
            order = np.argsort(row)
            ups = [(ids[k], float(row[k])) for k in order[::-1][:n] if row[k] > 0.05]
            downs = [(ids[k], float(row[k])) for k in order[:n] if row[k] < -0.05]
            out.append((ups, downs))
        return out

    def theme_coverage(self) -> pd.DataFrame:
        """Per theme: regions with a score, indicators with any data, and a Dutch status line."""
        p = self.prepared
        rows = []
        eligible = ~p.regions["excluded"].to_numpy()
        for j, t in enumerate(self.definition.themes):
            cols = [k for k, tid in enumerate(p.column_theme) if tid == t.id]
            with_data = [p.column_indicator[k] for k in cols if np.isfinite(p.raw[eligible][:, k]).any()]
            n_ok = int(self.theme_ok[:, j].sum())
            rows.append(
                {
                    "theme": t.id,
                    "label": t.label,
                    "weight": t.weight,
                    "indicators": len(cols),
                    "indicators_with_data": len(with_data),
                    "regions_with_score": n_ok,
                    "regions": int(eligible.sum()),
                    "status": "ok" if n_ok else INSUFFICIENT,
                    "present": with_data,
                    "absent": [p.column_indicator[k] for k in cols if p.column_indicator[k] not in with_data],
                }
            )
        return pd.DataFrame.from_records(rows)


def _labels(ids: Sequence[str]) -> list[str]:
    from wijkkompas.catalogue.catalogue import load_catalogue

    cat = load_catalogue()
    return [ind.label if (ind := cat.get(i)) else i for i in ids]


def combine(prepared: Prepared, definition: ScoreDefinition | None = None) -> ScoreResult:
    """Apply the weights of `definition` (default: the prepared one) to the normalised matrix.

    Only weights may differ from the prepared definition (same themes, indicators and directions);
    that is what the sliders change.
    """
    d = definition or prepared.definition
    cols = d.columns()
    if tuple(i.id for _t, i in cols) != prepared.column_indicator or any(
        i.sign * p_i.sign < 0 for (_t, i), (_u, p_i) in zip(cols, prepared.definition.columns(), strict=True)
    ):
        raise ValueError("combine(): the definition's indicators differ from the prepared ones; call prepare() again")
    theme_ids = tuple(t.id for t in d.themes)
    col_theme = np.array([theme_ids.index(t) for t, _i in cols], dtype=int)
    w = np.array([i.weight for _t, i in cols], dtype=float)
    tw = np.array([t.weight for t in d.themes], dtype=float)
    z = prepared.normalised
    present = ~np.isnan(z)
    n, k = z.shape
    t_count = len(theme_ids)
    onehot = np.zeros((k, t_count))
    onehot[np.arange(k), col_theme] = 1.0

    wp = present * w[None, :]  # R × K weight that is present
    theme_total = onehot.T @ w  # T
    theme_present = wp @ onehot  # R × T
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(theme_total[None, :] > 0, theme_present / theme_total[None, :], 0.0)
    theme_ok = (theme_total[None, :] > 0) & (share >= d.min_share - _EPS) & (theme_present > 0)
    denom = theme_present[:, col_theme]  # R × K
    ok_k = theme_ok[:, col_theme]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(ok_k & (denom > 0), wp / denom, 0.0)
    zf = np.where(present, z, 0.0)
    theme_contrib = POINTS_PER_SD * within * zf + 0.0  # + 0.0 turns -0.0 into 0.0 (a spreadsheet shows "-0")
    theme_index = np.where(theme_ok, BASE + theme_contrib @ onehot, np.nan)

    twp = theme_ok * tw[None, :]  # R × T theme weight that counts
    tw_total = tw.sum()
    tw_present = twp.sum(axis=1)
    total_share = tw_present / tw_total if tw_total > 0 else np.zeros(n)
    total_ok = (tw_total > 0) & (total_share >= d.min_share - _EPS) & (tw_present > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        theme_eff = np.where(total_ok[:, None], twp / tw_present[:, None], 0.0)  # R × T
    effective = theme_eff[:, col_theme] * within
    contribution = POINTS_PER_SD * effective * zf + 0.0
    total = np.where(total_ok, BASE + contribution.sum(axis=1), np.nan)
    excluded = prepared.regions["excluded"].to_numpy()
    if excluded.any():
        theme_index[excluded] = np.nan
        total[excluded] = np.nan
    return ScoreResult(
        prepared=prepared,
        definition=d,
        theme_ids=theme_ids,
        set_weight=w,
        theme_set_weight=tw,
        theme_share_present=share,
        theme_ok=theme_ok,
        theme_index=theme_index,
        within_weight=within,
        theme_contribution=theme_contrib,
        total_share_present=total_share,
        total_ok=total_ok,
        effective_weight=effective,
        contribution=contribution,
        total=total,
    )


def compute(
    values: pd.DataFrame,
    definition: ScoreDefinition,
    *,
    year: int | None = None,
    level: str | None = None,
    method: str | None = None,
    reference: str | None = None,
) -> ScoreResult:
    """prepare + combine in one call (the CLI and the tests)."""
    return combine(prepare(values, definition, year=year, level=level, method=method, reference=reference), definition)


# --------------------------------------------------------------------------- display helpers


def rounded_contributions(contributions: Sequence[float], score: float, decimals: int = 1) -> list[float]:
    """Round contributions so that they add up *exactly* to the rounded score − 100 (largest remainder).

    Rounding each part on its own can leave the displayed parts 0,1 off from the displayed total, and a
    user checking the sum by hand would then rightly distrust the whole table.
    """
    vals = np.asarray(contributions, dtype=float)
    mask = np.isfinite(vals)
    if not mask.any() or not math.isfinite(score):
        return [float("nan")] * len(vals)
    scale = 10**decimals
    target = round(round(score, decimals) * scale) - round(BASE * scale)
    scaled = vals[mask] * scale
    floor = np.floor(scaled)
    deficit = int(target - floor.sum())
    order = np.argsort(-(scaled - floor), kind="stable")
    units = floor.copy()
    if deficit >= 0:
        units[order[: min(deficit, len(units))]] += 1
        extra = deficit - len(units)
        if extra > 0:  # cannot happen with consistent input; keep the sum exact anyway
            units[order[0]] += extra
    else:
        units[order[::-1][:-deficit]] -= 1
    out = np.full(len(vals), np.nan)
    out[mask] = units / scale
    return [float(x) for x in out]
