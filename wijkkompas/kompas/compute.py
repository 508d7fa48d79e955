"""The kompas arithmetic: per region and theme a band against a reference, a trend, and the evidence.

For each indicator column u and region r of the chosen level:

    z[r, u] = (value − reference) / spread        (unsigned; the theme applies its own direction)

* reference "gemeente": the region's own gemeente value (for a count per 1.000 inwoners: the gemeente's count per
  1.000 of its inwoners); when the gemeente has no value, the mean of its regions of this level (said as such).
  Spread: the population standard deviation over the regions of that gemeente.
* "selectie": the mean and spread over the regions of all chosen gemeenten together (the Twente-selectie).
* "nederland": Nederland's own value; spread over the regions of the chosen gemeenten. Without a value for
  Nederland the indicator does not count (never a guess).

A spread needs at least MIN_PEERS regions with a value and some variation. A theme's deviation is the weighted
mean of direction × clip(z) over the indicators that count; it gets a band only with enough of them
(`min_indicators`, `min_share` of the theme's indicators that have figures in that year). Regions below
`min_inwoners` keep their figures but get no band.

The trend compares with the previous loaded year in which this level has figures: per indicator the change
(value now − value then) in spreads of the current year, direction applied, averaged like the deviation. It is an
absolute trend ("is it getting better?"), not a change of rank. A region whose code did not exist then, or that
belonged to another wijk or gemeente, gets "breuk": a series break is shown as such, never as a trend.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.errors import SourceError
from wijkkompas.kompas.definitions import (
    INSUFFICIENT,
    KompasDefinition,
    default_definition,
)
from wijkkompas.kompas.model import (
    NO_PEERS,
    TOO_SMALL,
    TREND_BETTER,
    TREND_BREAK,
    TREND_NONE,
    TREND_SAME,
    TREND_THIN,
    TREND_WORSE,
    KompasView,
)

MIN_PEERS = 3
_EPS = 1e-12
NOT_LOADED = "niet in de geladen gegevens"
_NOW_COLUMNS = ["region_code", "region_name", "indicator", "value", "status", "source_table", "source_key"]


def _label(catalogue: Catalogue, ident: str, per: int) -> str:
    ind = catalogue.get(ident)
    label = ind.label if ind else ident
    return f"{label} (per {per:,} inwoners)".replace(",", ".") if per else label


def _positions(column: pd.Series, targets) -> np.ndarray:
    """Position of each row's value in `targets` (−1 when absent), hashing only the distinct values."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    where = pd.Index(list(targets)).get_indexer(np.asarray(uniques, dtype=object))
    out = np.where(codes >= 0, where[np.maximum(codes, 0)], -1) if len(codes) else codes
    return np.asarray(out, dtype=np.int64)


def _member(column: pd.Series, allowed) -> np.ndarray:
    """column.isin(allowed) via the distinct values (a national table has millions of rows, few distinct values)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    ok = pd.Index(np.asarray(uniques, dtype=object)).isin(list(allowed))
    return np.where(codes >= 0, ok[np.maximum(codes, 0)], False) if len(codes) else np.zeros(0, dtype=bool)


def _decoded(column: pd.Series, keep: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    u = np.append(np.asarray(uniques, dtype=object), [None])
    return u[codes[keep]]


class _Matrix:
    """region × indicator for one year and level, as plain numpy (a later row for the same pair wins)."""

    def __init__(self, rows: pd.DataFrame, ids: Sequence[str], codes: np.ndarray | None = None) -> None:
        if codes is None:
            codes = np.asarray(pd.unique(rows["region_code"]), dtype=object) if len(rows) else np.array([], object)
        self.codes = codes
        n, k = len(codes), len(ids)
        self.value = np.full((n, k), np.nan)
        self.status = np.full((n, k), NOT_LOADED, dtype=object)
        self.table = np.full((n, k), "", dtype=object)
        self.key = np.full((n, k), "", dtype=object)
        if not len(rows) or not n:
            return
        # Factorise first and map only the uniques: converting millions of Arrow strings to Python objects was
        # most of the time for a national year.
        r = _positions(rows["region_code"], codes)
        c = _positions(rows["indicator"], list(ids))
        ok = (r >= 0) & (c >= 0)
        r, c = r[ok], c[ok]
        v = rows["value"].to_numpy(dtype=float)[ok]
        self.value[r, c] = v
        miss = np.isnan(v)
        if "status" in rows and miss.any():
            st = _decoded(rows["status"], ok)[miss]
            self.status[r[miss], c[miss]] = np.where(pd.isna(st), "geen cijfer", st)
        else:
            self.status[r[miss], c[miss]] = "geen cijfer"
        self.status[r[~miss], c[~miss]] = ""
        if "source_table" in rows:
            self.table[r, c] = _decoded(rows["source_table"], ok)
        if "source_key" in rows:
            self.key[r, c] = _decoded(rows["source_key"], ok)

    def keyed(self, keys: Sequence[tuple[str, int]], ids: Sequence[str]) -> tuple[np.ndarray, ...]:
        """Columns per (indicator, per_inwoners): counts become rates per `per` inwoners."""
        pos = {ident: j for j, ident in enumerate(ids)}
        inw = self.value[:, pos["inwoners"]] if "inwoners" in pos else np.full(len(self.codes), np.nan)
        cols = [pos[i] for i, _p in keys]
        value = self.value[:, cols].copy()
        status = self.status[:, cols].copy()
        for u, (_i, per) in enumerate(keys):
            if per:
                with np.errstate(divide="ignore", invalid="ignore"):
                    rate = np.where(inw > 0, value[:, u] / inw * per, np.nan)
                lost = np.isfinite(value[:, u]) & np.isnan(rate)
                status[lost, u] = "geen inwoners bekend"
                value[:, u] = rate
        return value, status, self.table[:, cols], self.key[:, cols], inw


def _group_stats(x: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group and column: count, mean, population std of the non-NaN values."""
    present = np.isfinite(x)
    xs = np.where(present, x, 0.0)
    count = np.zeros((n_groups, x.shape[1]))
    total = np.zeros((n_groups, x.shape[1]))
    np.add.at(count, groups, present.astype(float))
    np.add.at(total, groups, xs)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        dev = np.where(present, x - mean[groups], 0.0)
        sq = np.zeros((n_groups, x.shape[1]))
        np.add.at(sq, groups, dev * dev)
        std = np.sqrt(sq / count)
    return count, mean, std


def _weighted(signed: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean over columns of the non-NaN values; also how many counted."""
    present = np.isfinite(signed)
    w = np.where(present, weights[None, :], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(w.sum(axis=1) > 0, (np.where(present, signed, 0.0) * w).sum(axis=1) / w.sum(axis=1), np.nan)
    return mean, present.sum(axis=1)


def previous_year(values: pd.DataFrame, year: int, level: str) -> int | None:
    years = sorted({int(y) for y in values.loc[values["level"] == level, "year"].unique()})
    earlier = [y for y in years if y < year]
    return earlier[-1] if earlier else None


def comparable(
    regions: pd.DataFrame, codes: np.ndarray, level: str, y0: int, y1: int, loaded: Sequence[int]
) -> np.ndarray:
    """Per code: True when it exists with the same parent (gemeente, and wijk for a buurt) in every loaded year
    from y0 to y1. False = a series break (new code, re-assigned, or gone in between)."""
    span = [y for y in loaded if y0 <= y <= y1]
    reg = regions[(regions["level"] == level) & regions["year"].isin(span)]
    parent = reg["gemeente_code"].astype(str)
    if level == "buurt":
        parent = parent + "/" + reg["wijk_code"].astype(str)
    frame = pd.DataFrame({"code": reg["region_code"].to_numpy(), "parent": parent.to_numpy(), "year": reg["year"]})
    frame = frame.drop_duplicates(["code", "year"])
    stats = frame.groupby("code").agg(years=("year", "nunique"), parents=("parent", "nunique"))
    good = set(stats.index[(stats["years"] == len(span)) & (stats["parents"] == 1)])
    return np.array([c in good for c in codes], dtype=bool)


def compute_kompas(
    values: pd.DataFrame,
    regions: pd.DataFrame,
    catalogue: Catalogue,
    gemeenten: Sequence[str],
    year: int,
    level: str = "wijk",
    *,
    reference: str | None = None,
    definition: KompasDefinition | None = None,
    compare_year: int | None = None,
    trend: bool = True,
) -> KompasView:
    """The kompas for the regions of `level` in `gemeenten` in `year`.

    `values`: the store's long table with at least `year` (and the previous year, for the trend) at `level` and
    at level gemeente for these gemeenten, plus Nederland's rows for reference "nederland". `regions`: the regions
    table for those years (it decides where a series breaks). `compare_year` overrides the year the trend
    compares with (the signalen use it).
    """
    d = definition or default_definition()
    reference = reference or d.reference
    if reference not in ("gemeente", "selectie", "nederland"):
        raise SourceError(f"Onbekende referentie '{reference}'. Kies gemeente, selectie of nederland.")
    if level not in ("wijk", "buurt"):
        raise SourceError(f"Het kompas werkt per wijk of per buurt, niet per '{level}'.")
    gemeenten = tuple(dict.fromkeys(gemeenten))
    themes = d.resolve(catalogue)
    keys = tuple(dict.fromkeys((i.id, i.per_inwoners) for t in themes for i in t.indicators))
    ids = list(dict.fromkeys([i for i, _p in keys] + ["inwoners"]))
    labels = {(i, p): _label(catalogue, i, p) for i, p in keys}

    in_ids = _member(values["indicator"], ids)
    yr = values["year"].to_numpy()
    lv_codes, lv_uniques = pd.factorize(values["level"])
    lv_names = np.asarray(lv_uniques, dtype=object)

    def at_level(name: str) -> np.ndarray:
        hit = np.nonzero(lv_names == name)[0]
        return lv_codes == hit[0] if len(hit) else np.zeros(len(values), dtype=bool)

    lv_level, lv_gemeente, lv_nl = at_level(level), at_level("gemeente"), at_level("nederland")
    gm = _member(values["gemeente_code"], gemeenten)
    # Take only the columns each step reads: masking a national table costs per column.
    now = values.loc[in_ids & (yr == year) & lv_level & gm, _NOW_COLUMNS]
    region_rows = regions[
        (regions["year"] == year) & (regions["level"] == level) & regions["gemeente_code"].isin(gemeenten)
    ]
    region_rows = region_rows.drop_duplicates("region_code").sort_values(["gemeente_code", "region_code"])
    codes = region_rows["region_code"].to_numpy(dtype=object)
    # A value row for a code the regions table does not list still shows (hash-based: np.setdiff1d on objects
    # sorts and took seconds for the country).
    extra = pd.Index(pd.unique(now["region_code"])).difference(pd.Index(codes))
    if len(extra):
        codes = np.concatenate([codes, np.asarray(extra, dtype=object)])
    m_now = _Matrix(now, ids, codes)
    value, status, table, skey, inwoners = m_now.keyed(keys, ids)
    n, k = value.shape

    names = pd.Series(
        region_rows["region_name"].to_numpy(dtype=object), index=region_rows["region_code"].to_numpy(dtype=object)
    )
    if len(extra):
        more = now[now["region_code"].isin(list(extra))].drop_duplicates("region_code")
        names = pd.concat(
            [
                names,
                pd.Series(more["region_name"].to_numpy(dtype=object), index=more["region_code"].to_numpy(dtype=object)),
            ]
        )
    reg_gm = pd.Series(
        region_rows["gemeente_code"].to_numpy(dtype=object), index=region_rows["region_code"].to_numpy(dtype=object)
    )
    gm_of = reg_gm.reindex(codes).to_numpy(dtype=object)
    missing_gm = pd.isna(gm_of)
    if missing_gm.any():
        gm_of[missing_gm] = ["GM" + str(c)[2:6] for c in codes[missing_gm]]
    name_of = names.reindex(codes).to_numpy(dtype=object)
    name_of = np.where(pd.isna(name_of), codes, name_of)
    reg = pd.DataFrame(
        {
            "region_code": codes,
            "region_name": name_of,
            "gemeente_code": gm_of,
            "wijk_code": region_rows.set_index("region_code")["wijk_code"].reindex(codes).to_numpy(dtype=object),
        }
    )
    excluded = np.isfinite(inwoners) & (inwoners < d.min_inwoners) if d.min_inwoners else np.zeros(n, bool)
    reg["inwoners"] = inwoners
    reg["excluded"] = excluded

    pool = np.where(excluded[:, None], np.nan, value)
    ref = np.full((n, k), np.nan)
    ref_kind = np.full((n, k), "", dtype=object)
    if reference == "gemeente":
        groups, uniq = pd.factorize(reg["gemeente_code"].to_numpy(dtype=object))
        count, mean, std = _group_stats(pool, groups, max(len(uniq), 1))
        gm_rows = values[in_ids & (yr == year) & lv_gemeente & gm]
        gval, *_ = _Matrix(gm_rows, ids, np.asarray(uniq, dtype=object)).keyed(keys, ids)
        own = gval[groups]
        ref = np.where(np.isfinite(own), own, mean[groups])
        ref_kind = np.where(np.isfinite(own), "gemeente", np.where(np.isfinite(mean[groups]), "gemiddelde", ""))
        count, std = count[groups], std[groups]
    else:
        groups = np.zeros(n, dtype=int)
        count, mean, std = _group_stats(pool, groups, 1)
        count, std = count[groups], std[groups]
        if reference == "selectie":
            ref, ref_kind = mean[groups], np.where(np.isfinite(mean[groups]), "selectie", "")
        else:
            nl_rows = values[in_ids & (yr == year) & lv_nl]
            nl_codes = np.asarray(pd.unique(nl_rows["region_code"])[:1], dtype=object)
            if len(nl_codes):
                nval, *_ = _Matrix(nl_rows, ids, nl_codes).keyed(keys, ids)
                ref = np.repeat(nval, n, axis=0)
            ref_kind = np.where(np.isfinite(ref), "nederland", "")
    spread_ok = (count >= MIN_PEERS) & (std > _EPS * np.maximum(1.0, np.abs(np.nan_to_num(ref))))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread_ok, (value - ref) / std, np.nan)
    status = status.copy()
    has = np.isfinite(value)
    status[has & ~np.isfinite(ref)] = "geen cijfer voor de referentie"
    status[has & np.isfinite(ref) & ~spread_ok] = "te weinig gebieden of spreiding om mee te vergelijken"
    status[has & excluded[:, None]] = TOO_SMALL
    z[excluded, :] = np.nan

    # Previous comparable year, for the trend.
    loaded = sorted({int(y) for y in np.unique(yr[lv_level])})
    y0 = compare_year if compare_year is not None else (previous_year(values, year, level) if trend else None)
    prev = np.full((n, k), np.nan)
    same = np.zeros(n, dtype=bool)
    if y0 is not None:
        before = values.loc[in_ids & (yr == y0) & lv_level & gm, ["region_code", "indicator", "value"]]
        prev, *_ = _Matrix(before, ids, codes).keyed(keys, ids)
        same = comparable(regions, codes, level, y0, year, sorted(set(loaded) | {y0, year}))
        prev[~same, :] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(spread_ok, (value - prev) / std, np.nan)
    change[excluded, :] = np.nan

    t_count = len(themes)
    deviation = np.full((n, t_count), np.nan)
    band = np.full((n, t_count), "", dtype=object)
    reason = np.full((n, t_count), "", dtype=object)
    n_used = np.zeros((n, t_count), dtype=int)
    n_available = np.zeros(t_count, dtype=int)
    n_defined = np.zeros(t_count, dtype=int)
    trend_code = np.full((n, t_count), TREND_NONE if y0 is None else TREND_THIN, dtype=object)
    trend_value = np.full((n, t_count), np.nan)
    b = d.bands
    for t, theme in enumerate(themes):
        if not theme.indicators:
            reason[:, t] = INSUFFICIENT
            continue
        cols = np.array([keys.index((i.id, i.per_inwoners)) for i in theme.indicators])
        signs = np.array([i.sign for i in theme.indicators])
        weights = np.array([i.weight for i in theme.indicators])
        n_defined[t] = len(cols)
        available = np.isfinite(pool[:, cols]).any(axis=0)
        n_available[t] = int(available.sum())
        need = max(min(d.min_indicators, len(cols)), int(np.ceil(d.min_share * n_available[t] - 1e-9)), 1)
        signed = np.clip(z[:, cols] * signs, -d.clip, d.clip)
        dev, used = _weighted(signed, weights)
        n_used[:, t] = used
        ok = (used >= need) & np.isfinite(dev)
        deviation[:, t] = np.where(ok, dev, np.nan)
        x = deviation[:, t]
        band[:, t] = np.select(
            [~ok, x <= b.urgent, x <= b.aandacht, x >= b.gunstig],
            ["", "urgent", "aandacht", "gunstig"],
            default="rond het gemiddelde",
        )
        # Figures there, but nothing to compare them with (fewer than MIN_PEERS regions or no spread): say so.
        spread_fail = (np.isfinite(value[:, cols]) & np.isfinite(ref[:, cols]) & ~spread_ok[:, cols]).sum(axis=1)
        no_peers = (used < need) & (used + spread_fail >= need)
        reason[:, t] = np.where(ok, "", np.where(excluded, TOO_SMALL, np.where(no_peers, NO_PEERS, INSUFFICIENT)))
        if y0 is not None:
            sc = np.clip(change[:, cols] * signs, -d.clip, d.clip)
            tv, both = _weighted(sc, weights)
            tok = (both >= need) & np.isfinite(tv)
            code = np.where(
                tv >= d.trend_threshold, TREND_BETTER, np.where(tv <= -d.trend_threshold, TREND_WORSE, TREND_SAME)
            )
            trend_code[:, t] = np.where(tok, code, np.where(~same & ~excluded, TREND_BREAK, TREND_THIN))
            trend_value[:, t] = np.where(tok, tv, np.nan)

    src = pd.unique(values.loc[in_ids & (yr == year) & gm, "source_table"].dropna())
    sources = tuple((year, str(s)) for s in sorted({str(x) for x in src} - {""}))
    return KompasView(
        definition=d,
        themes=themes,
        gemeenten=gemeenten,
        year=int(year),
        level=level,
        reference=reference,
        previous_year=y0,
        regions=reg,
        deviation=deviation,
        band=band,
        reason=reason,
        n_used=n_used,
        n_available=n_available,
        n_defined=n_defined,
        trend=trend_code,
        trend_value=trend_value,
        column_keys=keys,
        value=value,
        reference_value=ref,
        reference_kind=ref_kind,
        spread=np.where(spread_ok, std, np.nan),
        z_raw=z,
        status=status,
        source_table=table,
        source_key=skey,
        previous=prev,
        labels=labels,
        sources=sources,
    )


def kompas_from_store(
    store,
    gemeenten: Sequence[str],
    year: int,
    level: str = "wijk",
    *,
    reference: str | None = None,
    catalogue: Catalogue | None = None,
) -> KompasView:
    """Read what the kompas needs from a (pinned) store and compute it: the CLI and the exports."""
    from wijkkompas.exporting import indicator_catalogue

    gemeenten = [g.strip().upper() for g in gemeenten if g.strip()]
    years = store.years()
    if year not in years:
        loaded = ", ".join(map(str, years)) or "geen"
        raise SourceError(f"Er zijn geen cijfers van {year} geladen (wel: {loaded}). Laad ze eerst met 'ingest'.")
    catalogue = catalogue or indicator_catalogue(store)
    wanted = [y for y in years if y <= year]
    values = store.load_values(gemeenten, wanted, [level, "gemeente"], include_nederland=True)
    found = set(values.loc[(values["year"] == year) & (values["level"] == level), "gemeente_code"].dropna())
    unknown = [g for g in gemeenten if g not in found]
    if unknown:
        raise SourceError(
            f"Geen cijfers op {level}niveau in {year} voor {', '.join(unknown)}. Kijk met "
            "'python -m wijkkompas status' welke gemeenten geladen zijn."
        )
    regions = store.regions(gemeenten=gemeenten)
    return compute_kompas(values, regions, catalogue, gemeenten, year, level, reference=reference)
