"""How much does the picture depend on the exact weights? Move each weight ±10 % and count what changes.

Weights are choices, not facts. If a buurt drops from 'rond gemiddeld' to 'onder gemiddeld' when one
weight moves by a tenth, the table should say so; if nothing moves, that is worth saying too.
One weight at a time, up and down, keeps the answer explainable ("the weight of X matters most").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkkompas.scores.compute import TOTAL, Prepared, ScoreResult, bands, combine
from wijkkompas.scores.definitions import ScoreDefinition


@dataclass(frozen=True)
class Stability:
    view: str
    step: float
    regions: int  # regions with a score in the base case
    changed_band: int  # regions whose band differs in at least one variant
    max_rank_shift: int  # largest move in the ranking over all variants
    variants: int
    per_weight: pd.DataFrame  # what, kind (thema|indicator), theme, indicator, changed_band, max_rank_shift
    changed_regions: tuple[str, ...]  # region codes that change band in some variant


def _ranks(index: np.ndarray) -> np.ndarray:
    return pd.Series(index).rank(ascending=False, method="min").to_numpy()


def stability(
    prepared: Prepared,
    definition: ScoreDefinition,
    view: str = TOTAL,
    step: float = 0.10,
    gemeenten: Sequence[str] | None = None,
) -> Stability:
    """Move every weight that matters for `view` up and down by `step`, one at a time, and count band changes.

    `gemeenten` limits the counting (and the ranking) to the regions shown; the reference stays as prepared.
    """
    base: ScoreResult = combine(prepared, definition)
    shown = (
        prepared.regions["gemeente_code"].isin(list(gemeenten)).to_numpy()
        if gemeenten
        else np.ones(prepared.n_regions, dtype=bool)
    )
    base_index = np.where(shown, base.index_of(view), np.nan)
    has = ~np.isnan(base_index)
    base_band = bands(base_index)
    base_rank = _ranks(base_index)
    changed = np.zeros(len(base_index), dtype=bool)
    max_shift = 0
    rows = []
    variants = 0
    data_cols = ~np.all(np.isnan(prepared.normalised), axis=0)
    targets: list[tuple[str, str, str | None]] = []
    if view == TOTAL:
        targets += [
            ("thema", t.id, None) for j, t in enumerate(definition.themes) if t.weight > 0 and base.theme_ok[:, j].any()
        ]
    theme_with_scores = {t.id for j, t in enumerate(definition.themes) if base.theme_ok[:, j].any()}
    for k, (tid, ind) in enumerate(definition.columns()):
        counts_in_view = tid in theme_with_scores and (
            tid == view or (view == TOTAL and definition.theme(tid).weight > 0)
        )
        if counts_in_view and ind.weight > 0 and data_cols[k]:
            targets.append(("indicator", tid, ind.id))
    for kind, tid, iid in targets:
        changed_here = np.zeros(len(base_index), dtype=bool)
        shift_here = 0
        for factor in (1 + step, 1 - step):
            if kind == "thema":
                d = definition.with_weights({tid: definition.theme(tid).weight * factor})
            else:
                assert iid is not None  # an "indicator" target always names its indicator
                w = next(i.weight for i in definition.theme(tid).indicators if i.id == iid)
                d = definition.with_weights(indicator_weights={(tid, iid): w * factor})
            idx = np.where(shown, combine(prepared, d).index_of(view), np.nan)
            variants += 1
            both = has & ~np.isnan(idx)
            diff = both & (bands(idx) != base_band)
            changed_here |= diff
            if both.any():
                shift_here = max(shift_here, int(np.nanmax(np.abs(_ranks(idx)[both] - base_rank[both]))))
        changed |= changed_here
        max_shift = max(max_shift, shift_here)
        rows.append(
            {
                "kind": kind,
                "theme": tid,
                "indicator": iid or "",
                "changed_band": int(changed_here.sum()),
                "max_rank_shift": shift_here,
            }
        )
    per_weight = pd.DataFrame.from_records(
        rows, columns=["kind", "theme", "indicator", "changed_band", "max_rank_shift"]
    ).sort_values(["changed_band", "max_rank_shift"], ascending=False, kind="stable")
    codes = prepared.regions["region_code"].to_numpy()
    return Stability(
        view=view,
        step=step,
        regions=int(has.sum()),
        changed_band=int(changed.sum()),
        max_rank_shift=int(max_shift),
        variants=variants,
        per_weight=per_weight.reset_index(drop=True),
        changed_regions=tuple(str(c) for c in codes[changed]),
    )
