"""Signalen (the "rookmelder"): wijken and buurten that got worse on one theme between two chosen years.

Two rules, both data (`[kompas.signalen]` in kompas.toml), both reproducible from the same figures:

* **verslechterd** – at least `min_worse` indicators of one theme each got worse by more than `factor` × their
  usual change. The usual change of an indicator is the median of |value(tot) − value(van)| over the regions of
  the same level in the chosen gemeenten that have both values: "worse than most regions moved".
* **naar urgent** – the theme's band was not "urgent" in `van` and is "urgent" in `tot` (same reference).

Only regions that exist with the same code and parent in every loaded year from van to tot are compared (a series
break is never a signal). Every signal carries its evidence: the indicators, before → after, the usual change and
the source tables of both years.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.errors import SourceError
from wijkkompas.kompas.compute import compute_kompas
from wijkkompas.kompas.definitions import URGENT, KompasDefinition, default_definition

KIND_WORSE = "verslechterd"
KIND_URGENT = "naar urgent"


@dataclass(frozen=True)
class SignalEvidence:
    indicator: str
    label: str
    direction: str
    before: float
    after: float
    change: float  # after − before
    usual: float  # the usual absolute change over the same years
    worse: bool  # counted for the rule
    source_before: str
    source_after: str


@dataclass(frozen=True)
class Signal:
    region_code: str
    region_name: str
    gemeente_code: str
    level: str
    theme: str
    theme_label: str
    kinds: tuple[str, ...]
    van: int
    tot: int
    band_before: str
    band_after: str
    n_worse: int
    evidence: tuple[SignalEvidence, ...]

    @property
    def summary(self) -> str:
        parts = []
        if KIND_WORSE in self.kinds:
            parts.append(f"{self.n_worse} cijfers duidelijk slechter")
        if KIND_URGENT in self.kinds:
            parts.append(f"van '{self.band_before or 'geen klasse'}' naar 'urgent'")
        return f"{self.theme_label}: " + "; ".join(parts)


def signalen(
    values: pd.DataFrame,
    regions: pd.DataFrame,
    catalogue: Catalogue,
    gemeenten: Sequence[str],
    van: int,
    tot: int,
    levels: Sequence[str] = ("wijk", "buurt"),
    *,
    reference: str | None = None,
    definition: KompasDefinition | None = None,
) -> list[Signal]:
    """Every signal for the chosen gemeenten between `van` and `tot`, sorted (most worse indicators first)."""
    return signalen_report(
        values, regions, catalogue, gemeenten, van, tot, levels, reference=reference, definition=definition
    )[0]


def signalen_report(
    values: pd.DataFrame,
    regions: pd.DataFrame,
    catalogue: Catalogue,
    gemeenten: Sequence[str],
    van: int,
    tot: int,
    levels: Sequence[str] = ("wijk", "buurt"),
    *,
    reference: str | None = None,
    definition: KompasDefinition | None = None,
) -> tuple[list[Signal], list[str], list[str]]:
    """The signals, and which themes could be compared at all (some indicator known in both years for a region
    that kept its code) and which not: "no signal" only means something for the first list."""
    d = definition or default_definition()
    if van >= tot:
        raise SourceError(f"Het beginjaar ({van}) moet vóór het eindjaar ({tot}) liggen.")
    loaded = sorted({int(y) for y in values["year"].unique()})
    for y in (van, tot):
        if y not in loaded:
            raise SourceError(f"Er zijn geen cijfers van {y} geladen (wel: {', '.join(map(str, loaded)) or 'geen'}).")
    rules = d.signalen
    out: list[Signal] = []
    covered: dict[str, str] = {}
    uncovered: dict[str, str] = {}
    for level in levels:
        if not ((values["level"] == level) & (values["year"] == tot)).any():
            continue
        after = compute_kompas(
            values, regions, catalogue, gemeenten, tot, level, reference=reference, definition=d, compare_year=van
        )
        before = compute_kompas(
            values, regions, catalogue, gemeenten, van, level, reference=reference, definition=d, trend=False
        )
        codes = after.regions["region_code"].to_numpy(dtype=object)
        b_row = pd.Index(before.regions["region_code"].to_numpy(dtype=object)).get_indexer(codes)
        x0 = after.previous  # NaN where the region is not comparable (series break)
        x1 = np.where(np.isfinite(x0), after.value, np.nan)
        delta = x1 - x0
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # an indicator nobody has in both years: NaN, fine
            usual = (
                np.nanmedian(np.where(np.isfinite(delta), np.abs(delta), np.nan), axis=0) if len(delta) else np.zeros(0)
            )
        usual = np.asarray(usual, dtype=float)
        prev_table = _tables(values, van, level, gemeenten, after)
        for t, theme in enumerate(after.themes):
            if not theme.indicators:
                continue
            cols = np.array([after.column_keys.index((i.id, i.per_inwoners)) for i in theme.indicators])
            signs = np.array([i.sign for i in theme.indicators])
            signed = delta[:, cols] * signs
            (covered if np.isfinite(signed).any() else uncovered)[theme.id] = theme.label
            limit = np.maximum(rules.factor * usual[cols], 1e-9)
            worse = np.isfinite(signed) & (signed < -limit)
            n_worse = worse.sum(axis=1)
            band_after = after.band[:, t]
            band_before = np.where(b_row >= 0, before.band[np.maximum(b_row, 0), t], "")
            comparable = np.isfinite(x0[:, cols]).any(axis=1)
            into = rules.into_urgent & (band_after == URGENT) & (band_before != URGENT) & (band_before != "")
            hit_worse = n_worse >= rules.min_worse
            for r in np.nonzero((hit_worse | into) & comparable)[0]:
                ev = []
                for j, ind in enumerate(theme.indicators):
                    u = cols[j]
                    ev.append(
                        SignalEvidence(
                            indicator=ind.id,
                            label=after.labels[(ind.id, ind.per_inwoners)],
                            direction=ind.direction,
                            before=float(x0[r, u]),
                            after=float(x1[r, u]),
                            change=float(delta[r, u]),
                            usual=float(usual[u]),
                            worse=bool(worse[r, j]),
                            source_before=str(prev_table[r, u] or ""),
                            source_after=str(after.source_table[r, u] or ""),
                        )
                    )
                kinds = tuple(k for k, on in ((KIND_WORSE, hit_worse[r]), (KIND_URGENT, into[r])) if on)
                out.append(
                    Signal(
                        region_code=str(codes[r]),
                        region_name=str(after.regions["region_name"].iloc[r]),
                        gemeente_code=str(after.regions["gemeente_code"].iloc[r]),
                        level=level,
                        theme=theme.id,
                        theme_label=theme.label,
                        kinds=kinds,
                        van=int(van),
                        tot=int(tot),
                        band_before=str(band_before[r]),
                        band_after=str(band_after[r]),
                        n_worse=int(n_worse[r]),
                        evidence=tuple(ev),
                    )
                )
    out.sort(key=lambda s: (-s.n_worse, -len(s.kinds), s.level != "wijk", s.region_code, s.theme))
    for spec in d.themes:
        if spec.id not in covered:
            uncovered.setdefault(spec.id, spec.label)
    return out, list(covered.values()), [v for k, v in uncovered.items() if k not in covered]


def _tables(values: pd.DataFrame, year: int, level: str, gemeenten: Sequence[str], view) -> np.ndarray:
    """The source table of every (region, indicator column) in `year`, aligned with the view's matrix."""
    from wijkkompas.kompas.compute import _Matrix

    ids = list(dict.fromkeys([i for i, _p in view.column_keys] + ["inwoners"]))
    rows = values[
        (values["year"] == year)
        & (values["level"] == level)
        & values["gemeente_code"].isin(list(gemeenten))
        & values["indicator"].isin(ids)
    ]
    m = _Matrix(rows, ids, view.regions["region_code"].to_numpy(dtype=object))
    _v, _s, table, _k, _i = m.keyed(view.column_keys, ids)
    return table


def signal_frame(found: Sequence[Signal]) -> pd.DataFrame:
    """One row per signal × indicator: the evidence as a table (CSV of the CLI, download on the page)."""
    rows = []
    for s in found:
        for e in s.evidence:
            rows.append(
                {
                    "region_code": s.region_code,
                    "region_name": s.region_name,
                    "gemeente_code": s.gemeente_code,
                    "level": s.level,
                    "theme": s.theme,
                    "signal": " + ".join(s.kinds),
                    "van": s.van,
                    "tot": s.tot,
                    "band_van": s.band_before,
                    "band_tot": s.band_after,
                    "indicator": e.indicator,
                    "label": e.label,
                    "direction": e.direction,
                    "value_van": e.before,
                    "value_tot": e.after,
                    "change": e.change,
                    "usual_change": e.usual,
                    "counted_worse": e.worse,
                    "source_van": e.source_before,
                    "source_tot": e.source_after,
                }
            )
    return pd.DataFrame.from_records(
        rows,
        columns=[
            "region_code",
            "region_name",
            "gemeente_code",
            "level",
            "theme",
            "signal",
            "van",
            "tot",
            "band_van",
            "band_tot",
            "indicator",
            "label",
            "direction",
            "value_van",
            "value_tot",
            "change",
            "usual_change",
            "counted_worse",
            "source_van",
            "source_tot",
        ],
    )


def signalen_from_store(
    store,
    gemeenten: Sequence[str],
    van: int,
    tot: int,
    levels: Sequence[str] = ("wijk", "buurt"),
    *,
    reference: str | None = None,
    catalogue: Catalogue | None = None,
    report: bool = False,
):
    """The signals from a (pinned) store; with `report=True` also the themes that could (not) be compared."""
    from wijkkompas.exporting import indicator_catalogue

    gemeenten = [g.strip().upper() for g in gemeenten if g.strip()]
    years = store.years()
    for y in (van, tot):
        if y not in years:
            raise SourceError(f"Er zijn geen cijfers van {y} geladen (wel: {', '.join(map(str, years)) or 'geen'}).")
    catalogue = catalogue or indicator_catalogue(store)
    span = [y for y in years if van <= y <= tot]
    values = store.load_values(gemeenten, span, [*levels, "gemeente"], include_nederland=True)
    regions = store.regions(gemeenten=gemeenten)
    out = signalen_report(values, regions, catalogue, gemeenten, van, tot, levels, reference=reference)
    return out if report else out[0]
