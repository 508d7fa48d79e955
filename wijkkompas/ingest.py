"""Raw wire tables → the store's tidy long table.

Harmonising happens here and only here: CBS keys are matched to catalogue indicators by stem,
shares are derived from counts, missing wijk/gemeente figures are added up from buurten when (and
only when) every buurt of that wijk has a value, and every value keeps the CBS table and key it
came from. A missing value stays missing, with the reason in `status`; it never becomes 0.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from wijkkompas.catalogue.catalogue import (
    COUNT_UNITS,
    Catalogue,
    Indicator,
    KeyInfo,
    Match,
    key_stem,
    load_catalogue,
    match_year,
)
from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.geo import prepare_for_map, split_levels
from wijkkompas.sources.folder import FolderContents, FolderSource, RawTable
from wijkkompas.store import STATUS_OK, Snapshot, Store
from wijkkompas.store.files import file_sha256
from wijkkompas.store.snapshot import CBS_COLUMNS

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
STATUS_SECRET = "geheim"
STATUS_COMPUTED = "berekend uit buurten"
STATUS_NOT_COMPUTABLE = "niet te berekenen"
STATUS_LABELS = {
    STATUS_OK: "",
    STATUS_SECRET: "onbekend (geheim bij CBS)",
    "niet gepubliceerd": "niet gepubliceerd",
    STATUS_COMPUTED: "berekend uit de buurten",
    STATUS_NOT_COMPUTABLE: "niet te berekenen (geen noemer of deling door nul)",
}
TOP_GROUP_THEMES = {
    "bevolking": "bevolking",
    "wonen en vastgoed": "wonen",
    "wonen": "wonen",
    "energie": "energie",
    "onderwijs": "onderwijs",
    "arbeid": "arbeid",
    "inkomen": "inkomen",
    "sociale zekerheid": "sociale_zekerheid",
    "zorg": "zorg",
    "motorvoertuigen": "motorvoertuigen",
    "nabijheid voorzieningen": "voorzieningen",
    "oppervlakte": "oppervlakte",
    "stedelijkheid": "stedelijkheid",
}


@dataclass
class IngestReport:
    """What an ingest did, in Dutch where a user reads it."""

    loaded: list[dict] = field(default_factory=list)  # one per (table, year)
    geometry: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.loaded) or bool(self.geometry)

    def lines(self) -> list[str]:
        out = []
        for item in self.loaded:
            out.append(
                f"{item['year']} ({item['table']}): {item['regions']} gebieden, {item['values']} cijfers, "
                f"{item['matched']} indicatoren uit de catalogus"
            )
        for g in self.geometry:
            out.append(f"kaartgrenzen {g['year']} {g['level']}: {g['shapes']} vormen")
        out += [f"Let op: {p}" for p in self.problems]
        out += [f"Overgeslagen: {s}" for s in self.skipped]
        return out


# --------------------------------------------------------------------------- region helpers


def region_frame(codes: pd.Series) -> pd.DataFrame:
    codes = pd.Series(codes, dtype="string").str.strip()
    prefix = codes.str[:2]
    level = prefix.map({"NL": "nederland", "GM": "gemeente", "WK": "wijk", "BU": "buurt"})
    gemeente = ("GM" + codes.str[2:6]).where(prefix != "NL")
    wijk = ("WK" + codes.str[2:8]).where(prefix.isin(["WK", "BU"]))
    return pd.DataFrame({"region_code": codes, "level": level, "gemeente_code": gemeente, "wijk_code": wijk})


def in_gemeenten(codes: pd.Series, gemeenten: Sequence[str] | None, keep_nederland: bool = True) -> pd.Series:
    codes = codes.astype("string")
    if not gemeenten:
        return pd.Series(True, index=codes.index)
    numbers = {g[2:6] for g in gemeenten}
    mask = codes.str[2:6].isin(numbers) & codes.str[:2].isin(["GM", "WK", "BU"])
    if keep_nederland:
        mask |= codes.str.startswith("NL")
    return mask.fillna(False)


# --------------------------------------------------------------------------- key metadata


def column_keyinfos(columns: Sequence[str], meta: Sequence[KeyInfo]) -> list[KeyInfo]:
    """Metadata for the keys the data actually has.

    A data file and the metadata can come from different CBS deliveries of the same year (the first
    2024 release had no income columns, so later keys shifted): fall back to the stem when the exact
    key is not in the metadata and the stem is unambiguous there.
    """
    exact = {k.key: k for k in meta}
    by_stem: dict[str, list[KeyInfo]] = {}
    for k in meta:
        by_stem.setdefault(k.stem, []).append(k)
    out = []
    for col in columns:
        if col in exact:
            out.append(exact[col])
            continue
        candidates = by_stem.get(key_stem(col), [])
        if len(candidates) == 1:
            k = candidates[0]
            out.append(KeyInfo(col, k.title, k.unit, k.decimals, k.groups, k.stem_hint))
        else:
            out.append(KeyInfo(col))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def raw_indicator_ids(infos: Sequence[KeyInfo]) -> dict[str, str]:
    """An indicator id for every CBS column: `cbs.<stem>`, plus its group where a stem repeats."""
    counts: dict[str, int] = {}
    for k in infos:
        counts[k.stem] = counts.get(k.stem, 0) + 1
    out = {}
    for k in infos:
        ident = f"cbs.{k.stem.lower()}"
        if counts[k.stem] > 1:
            ident += "." + (_slug(k.groups[0]) if k.groups else str(k.key.rsplit("_", 1)[-1]))
        out[k.key] = ident
    return out


def raw_indicator_meta(info: KeyInfo, ident: str, table_id: str) -> Indicator:
    top = info.groups[-1].lower() if info.groups else ""
    label = info.title or info.stem
    if info.groups and ident.count(".") > 1:
        label = f"{label} ({info.groups[0].lower()})"
    return Indicator(
        id=ident,
        label=label,
        unit=info.unit or "",
        theme=TOP_GROUP_THEMES.get(top, "overig"),
        better="neutral",
        definition=f"Zoals gepubliceerd door CBS in tabel {table_id} onder '{info.title or info.key}'.",
        key=(info.stem,),
        decimals=info.decimals if info.decimals is not None else 1,
        origin="cbs",
    )


# --------------------------------------------------------------------------- aggregation
#
# How a wijk or gemeente value CBS did not publish is made from its buurten. The kind comes from the
# catalogue (`aggregate`, validated against the unit there) and is checked once more against the
# units in the table's own metadata, because a key that is a count one year can be a percentage the
# next (herkomst in 2013-2014): a percentage is never summed and a weight must be a count.


@dataclass(frozen=True)
class AggRule:
    """How one CBS column is filled for a wijk or gemeente from its buurten.

    kind: "sum" (counts), "mean" (a published percentage or average, weighted by its own
    denominator `weight`), "density" (sum of `count` over sum of `area`, times `scale`) or
    "not_computable" (the right denominator is not in the table: say so instead of guessing).
    """

    kind: str
    weight: str | None = None
    count: str | None = None
    area: str | None = None
    scale: float = 1.0
    why: str = ""


def _is_count(unit: str | None) -> bool:
    """A unit that adds up. Unknown (a CSV without metadata) trusts the validated catalogue."""
    unit = (unit or "").strip()
    return unit == "" or unit in COUNT_UNITS


def aggregation_rules(matches: dict[str, Match], units: dict[str, str] | None = None) -> dict[str, AggRule]:
    """Per CBS column: how it is computed for a wijk or gemeente (columns without a rule are not)."""
    units = units or {}
    rules: dict[str, AggRule] = {}

    def put(key: str | None, rule: AggRule) -> None:
        if not key:
            return
        old = rules.get(key)
        # A column that must not be summed stays so, whatever another indicator asks of it.
        if old is None or old.kind == "sum":
            rules[key] = rule

    def count_or_refuse(key: str | None, why: str) -> bool:
        if key and _is_count(units.get(key)):
            put(key, AggRule("sum"))
            return True
        return False

    for m in matches.values():
        ind, agg = m.indicator, m.indicator.aggregate
        if agg == "sum" and m.key:
            if not count_or_refuse(m.key, ""):
                put(m.key, AggRule("not_computable", why=f"eenheid {units.get(m.key)} is geen aantal"))
        elif agg == "ratio" and ind.derived:
            assert m.numerator and m.denominator  # match_year only keeps a share with both parts
            if not _is_count(units.get(m.denominator)):
                continue  # the share cannot be recomputed; it stays as CBS published it
            put(m.denominator, AggRule("sum"))
            if _is_count(units.get(m.numerator)):
                put(m.numerator, AggRule("sum"))
            elif units.get(m.numerator, "").strip() == "%" and ind.scale == 100:
                # The numerator is itself the published share (herkomst 2013-2014): weight it by its
                # denominator. Two buurten at 10 % of 1 000 and 30 % of 3 000 make 25 %, not 40 %.
                put(m.numerator, AggRule("mean", weight=m.denominator))
            else:
                put(m.numerator, AggRule("not_computable", why=f"eenheid {units.get(m.numerator)}"))
        elif agg == "weighted_mean" and m.key:
            if m.weight and _is_count(units.get(m.weight)):
                put(m.weight, AggRule("sum"))
                put(m.key, AggRule("mean", weight=m.weight))
            else:
                put(m.key, AggRule("not_computable", why="de noemer (het gewicht) staat niet in de tabel"))
        elif agg == "density" and m.key:
            if m.count and m.area and _is_count(units.get(m.count)) and _is_count(units.get(m.area)):
                put(m.count, AggRule("sum"))
                put(m.area, AggRule("sum"))
                put(m.key, AggRule("density", count=m.count, area=m.area, scale=ind.scale))
            else:
                put(m.key, AggRule("not_computable", why="aantal of oppervlakte staat niet in de tabel"))
    return rules


def aggregation_note(rule: AggRule, key: str, n: int) -> str:
    """The `source_key` of a computed cell: how it came about, in words a user can check."""
    buurten = f"{n} buurt" if n == 1 else f"{n} buurten"
    if rule.kind == "sum":
        return f"som van {buurten}: {key}"
    if rule.kind == "mean":
        return f"gewogen gemiddelde van {buurten} (gewicht {rule.weight}): {key}"
    if rule.kind == "density":
        return f"dichtheid uit {buurten} ({rule.count} / {rule.area}): {key}"
    return f"niet te berekenen uit buurten ({rule.why}): {key}"


def aggregate_buurten(
    bu: pd.DataFrame, groups: np.ndarray, expected: pd.Series, rules: dict[str, AggRule]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate buurt rows `bu` (columns = CBS keys) to the parents in `groups`.

    Returns (values, status) per parent and key; status is "computed", "not_computable" (every buurt
    has a figure, but the rule lacks its denominator) or "" (no value: some buurt lacks a figure). A parent is computed only when *every* buurt CBS lists for it
    has what the rule needs (`expected` buurten per parent): a sum over part of a wijk would be a
    wrong number that looks right. In a weighted mean a buurt whose weight is 0 adds nothing, so it
    may lack the value (CBS publishes no household size for a buurt without households).
    """
    index = pd.Index(sorted(pd.unique(groups)))
    values, status = {}, {}

    def complete(ok: pd.Series) -> pd.Series:
        return ok.groupby(groups).sum().reindex(index).fillna(0) == expected.reindex(index)

    for key, rule in rules.items():
        if key not in bu:
            continue
        vals = bu[key]
        if rule.kind == "sum":
            value = vals.groupby(groups).sum(min_count=1).reindex(index)
            ok = complete(vals.notna())
        elif rule.kind == "mean":
            w = bu[rule.weight] if rule.weight in bu else pd.Series(np.nan, index=bu.index)
            usable = vals.notna() & w.notna()
            num = (vals * w).where(usable).groupby(groups).sum(min_count=1).reindex(index)
            den = w.where(usable).groupby(groups).sum(min_count=1).reindex(index)
            value = (num / den).where(den > 0)
            ok = complete(usable | (w == 0))
        elif rule.kind == "density":
            c = bu[rule.count] if rule.count in bu else pd.Series(np.nan, index=bu.index)
            a = bu[rule.area] if rule.area in bu else pd.Series(np.nan, index=bu.index)
            usable = c.notna() & a.notna()
            num = c.groupby(groups).sum(min_count=1).reindex(index)
            den = a.groupby(groups).sum(min_count=1).reindex(index)
            value = (num / den * rule.scale).where(den > 0)
            ok = complete(usable)
        else:  # not computable: mark the parents that *would* be computed (every buurt has a value)
            has = complete(vals.notna()).to_numpy()
            values[key] = pd.Series(np.nan, index=index)
            status[key] = pd.Series(np.where(has, "not_computable", ""), index=index)
            continue
        ok = ok.to_numpy() & value.notna().to_numpy()
        values[key] = value.where(ok)
        status[key] = pd.Series(np.where(ok, "computed", ""), index=index)
    return pd.DataFrame(values, index=index), pd.DataFrame(status, index=index)


def add_missing_aggregates(
    wide: pd.DataFrame,
    present: pd.DataFrame,
    all_buurten: pd.Index,
    matches: dict[str, Match],
    units: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, AggRule], pd.Series]:
    """Fill wijk and gemeente cells CBS did not publish, from complete sets of buurten.

    Returns the augmented wide table, a frame marking each cell "computed" / "not_computable" / "",
    the rules used, and the number of buurten per parent (for the note on a computed value).
    """
    rules = aggregation_rules(matches, units)
    rules = {k: r for k, r in rules.items() if k in wide.columns and k != "region_code"}
    computed = pd.DataFrame("", index=wide.index, columns=wide.columns)
    computed["region_code"] = wide["region_code"]
    if not rules or len(all_buurten) == 0:
        return wide, computed, rules, pd.Series(dtype="int64")
    buurt_regions = region_frame(pd.Series(all_buurten))
    wide_idx = wide.set_index("region_code")
    bu = wide_idx.reindex(buurt_regions["region_code"].to_numpy())
    bu.index = pd.RangeIndex(len(bu))
    vals, stats, sizes = [], [], []
    for parent in ("wijk_code", "gemeente_code"):
        groups = buurt_regions[parent].to_numpy()
        expected = pd.Series(1, index=bu.index).groupby(groups).sum()
        v, s_ = aggregate_buurten(bu, groups, expected, rules)
        vals.append(v)
        stats.append(s_)
        sizes.append(expected)
    computed_values = pd.concat(vals)
    computed_status = pd.concat(stats)
    n_buurten = pd.concat(sizes)
    keep = ~computed_values.index.duplicated()
    computed_values, computed_status = computed_values[keep], computed_status[keep]
    n_buurten = n_buurten[~n_buurten.index.duplicated()]
    # Only where the source published nothing for that cell.
    all_codes = wide_idx.index.union(computed_values.index)
    out = wide_idx.reindex(all_codes)
    pres = present.set_index("region_code").reindex(all_codes).fillna(False).astype(bool)
    fill = computed_values.reindex(all_codes)
    fill_status = computed_status.reindex(all_codes).fillna("")
    comp = pd.DataFrame("", index=all_codes, columns=out.columns)
    for key in rules:
        free = ~pres[key] if key in pres else pd.Series(True, index=all_codes)
        mask = free & (fill_status[key] == "computed")
        out.loc[mask, key] = fill.loc[mask, key]
        comp.loc[mask, key] = "computed"
        comp.loc[free & (fill_status[key] == "not_computable"), key] = "not_computable"
    out = out.reset_index(names="region_code")
    comp = comp.reset_index(names="region_code")
    return out, comp, rules, n_buurten


# --------------------------------------------------------------------------- harmonise one table


def harmonise(
    raw: RawTable,
    year: int,
    catalogue: Catalogue,
    *,
    table_kind: str = "kwb",
    present: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Match], dict[str, Indicator]]:
    """One year's wide CBS table → long rows (without names) + the matches + metadata of raw columns."""
    wide = raw.rows
    key_cols = [c for c in wide.columns if c != "region_code"]
    if raw.keys:
        # Columns the table's own metadata does not know were added by whoever made the file.
        known_stems = {k.stem for k in raw.keys} | {key_stem(k.key) for k in raw.keys}
        foreign = [c for c in key_cols if key_stem(c) not in known_stems]
        if foreign:
            key_cols = [c for c in key_cols if c not in foreign]
            wide = wide[["region_code", *key_cols]]
            present = present[["region_code", *key_cols]] if present is not None else None
            raw.notes.append(
                f"Kolommen {', '.join(foreign)} staan niet in de CBS-metadata van {raw.table_id}; niet ingelezen."
            )
    infos = column_keyinfos(key_cols, raw.keys)
    matches = match_year(catalogue, infos, table=table_kind)
    if present is None:
        present = wide.notna()
        present["region_code"] = wide["region_code"]
    # Only CBS's own list of regions (the WijkenEnBuurten dimension or a name list) says which buurten
    # a wijk has; the rows of a file may be a subset, and a sum over a subset would be wrong.
    numbers = set(wide["region_code"].str[2:6])
    listed = {c for c in raw.names if c.startswith("BU") and c[2:6] in numbers}
    all_buurten = pd.Index(sorted(listed | set(wide.loc[wide["region_code"].str.startswith("BU"), "region_code"])))
    if not listed:
        all_buurten = pd.Index([])
    unit_of = {k.key: k.unit.strip() for k in infos}
    aug, how, rules, n_buurten = add_missing_aggregates(wide, present, all_buurten, matches, unit_of)
    pres = present.set_index("region_code").reindex(aug["region_code"]).fillna(False).astype(bool)
    pres = pres.reset_index(drop=True)
    how = how.drop(columns="region_code")
    computed = how == "computed"
    not_computable = how == "not_computable"
    n_of = aug["region_code"].map(n_buurten).fillna(0).astype(int).to_numpy()

    # 1) every CBS column, as published, under a catalogue id or cbs.<stem>
    published = {m.key: m.indicator.id for m in matches.values() if m.key}
    raw_ids = raw_indicator_ids(infos)
    extra_meta = {
        raw_ids[k.key]: raw_indicator_meta(k, raw_ids[k.key], raw.table_id) for k in infos if k.key not in published
    }
    values = aug[key_cols].to_numpy(dtype="float64")
    is_present = pres[key_cols].to_numpy(dtype=bool)
    is_computed = computed[key_cols].to_numpy(dtype=bool)
    is_not_computable = not_computable[key_cols].to_numpy(dtype=bool)
    n_rows, n_keys = values.shape
    # Categorical columns: 3 M rows of a national year would otherwise be 3 M Python strings each.
    region_codes = pd.Index(aug["region_code"].astype(str))
    row_idx = np.repeat(np.arange(n_rows, dtype=np.int32), n_keys)
    key_idx = np.tile(np.arange(n_keys, dtype=np.int32), n_rows)
    flat_val = values.ravel()
    flat_present = is_present.ravel()
    flat_comp = is_computed.ravel()
    flat_nc = is_not_computable.ravel()
    keep = flat_present | flat_comp | flat_nc
    status_codes = np.where(flat_comp, 2, np.where(flat_nc, 3, np.where(np.isnan(flat_val), 1, 0))).astype(np.int8)
    long = pd.DataFrame(
        {
            "region_code": pd.Categorical.from_codes(row_idx[keep], categories=region_codes),
            "source_key": pd.Categorical.from_codes(key_idx[keep], categories=pd.Index(key_cols)),
            "value": flat_val[keep],
            "status": pd.Categorical.from_codes(
                status_codes[keep], categories=[STATUS_OK, STATUS_SECRET, STATUS_COMPUTED, STATUS_NOT_COMPUTABLE]
            ),
        }
    )
    made = (flat_comp | flat_nc)[keep]
    made_key, made_n = key_idx[keep][made], n_of[row_idx[keep][made]]
    if raw.status is not None and not raw.status.empty:
        st = raw.status.melt(id_vars="region_code", var_name="source_key", value_name="why").dropna()
        st = st[st["why"].astype(str).str.len() > 0]
        long = long.astype({"region_code": str, "source_key": str, "status": str})
        long = long.merge(st, on=["region_code", "source_key"], how="left")
        long["status"] = long["why"].where(long["why"].notna() & long["value"].isna(), long["status"])
        long = long.drop(columns="why")
    ids = {k: published.get(k, raw_ids[k]) for k in key_cols}
    long["indicator"] = long["source_key"].map(ids).astype("category")
    if made.any():
        # How each computed value came about ("som van 4 buurten: AantalInwoners_5"): one text per
        # (key, number of buurten), not one Python string per cell.
        notes = {
            (k, n): aggregation_note(rules[key_cols[k]], key_cols[k], int(n))
            for k, n in set(zip(made_key.tolist(), made_n.tolist(), strict=True))
        }
        long["source_key"] = long["source_key"].astype(str)
        long.loc[made, "source_key"] = [notes[(k, n)] for k, n in zip(made_key.tolist(), made_n.tolist(), strict=True)]

    # 2) derived shares, from the (augmented) counts
    derived = []
    for m in matches.values():
        if not m.indicator.derived:
            continue
        assert m.numerator and m.denominator  # match_year only keeps a share with both parts
        num = aug[m.numerator].to_numpy(dtype="float64")
        den = aug[m.denominator].to_numpy(dtype="float64")
        # Both parts must be in the source for this region (published, suppressed or computed);
        # a share whose numerator the file simply lacks is not published, not "geheim".
        has_num = pres[m.numerator].to_numpy() | computed[m.numerator].to_numpy()
        has_den = pres[m.denominator].to_numpy() | computed[m.denominator].to_numpy()
        any_present = has_num & has_den
        any_comp = computed[m.numerator].to_numpy() | computed[m.denominator].to_numpy()
        any_nc = not_computable[m.numerator].to_numpy() | not_computable[m.denominator].to_numpy()
        published_share = unit_of.get(m.numerator, "") == "%" and m.indicator.scale == 100
        if published_share:
            # Some older years publish the share itself (e.g. herkomst 2013-2014): take it as published.
            # For a wijk from buurten that numerator is already the mean weighted by the denominator.
            den = np.where(np.isnan(num), np.nan, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where(den > 0, num if published_share else num / den * m.indicator.scale, np.nan)
        st = np.where(
            any_nc,
            STATUS_NOT_COMPUTABLE,
            np.where(
                np.isnan(num) | np.isnan(den),
                STATUS_SECRET,
                np.where(den > 0, np.where(any_comp, STATUS_COMPUTED, STATUS_OK), STATUS_NOT_COMPUTABLE),
            ),
        )
        keep = any_present | any_comp | any_nc
        plain = m.numerator if published_share else m.source_key
        src = np.where(
            any_comp & (st == STATUS_COMPUTED),
            np.array([f"uit {n} buurten: " if n != 1 else "uit 1 buurt: " for n in n_of], dtype=object) + plain,
            plain,
        )
        derived.append(
            pd.DataFrame(
                {
                    "region_code": aug["region_code"].to_numpy()[keep],
                    "source_key": src[keep],
                    "value": val[keep],
                    "status": st[keep],
                    "indicator": m.indicator.id,
                }
            )
        )
    frames = [long, *derived]
    out = pd.DataFrame(
        {
            col: union_categoricals([pd.Categorical(f[col]) for f in frames], ignore_order=True)
            for col in ("region_code", "source_key", "status", "indicator")
        }
    )
    out["value"] = np.concatenate([f["value"].to_numpy(dtype="float64") for f in frames])
    out["year"] = year
    out["source_table"] = raw.table_id
    return out, matches, extra_meta


# --------------------------------------------------------------------------- names and regions


def build_regions(year: int, codes: pd.Series, names_sources: Sequence[dict[str, str]]) -> pd.DataFrame:
    regions = region_frame(codes.drop_duplicates())
    name = pd.Series(pd.NA, index=regions.index, dtype="string")
    for names in names_sources:
        if not names:
            continue
        name = name.fillna(regions["region_code"].map(names).astype("string"))
    name = name.fillna(regions["region_code"].where(regions["level"] != "nederland")).fillna("Nederland")
    regions["region_name"] = name.str.strip()
    regions["year"] = year
    return regions


# --------------------------------------------------------------------------- the ingest


def _validate_gemeenten(gemeenten: Sequence[str] | None) -> list[str] | None:
    if gemeenten is None:
        return None
    out = []
    for g in gemeenten:
        g = g.strip().upper()
        if not GEMEENTE_CODE.match(g):
            raise SourceError(
                f"'{g}' is geen gemeentecode. Een gemeentecode is GM met vier cijfers, bijvoorbeeld GM0164 (Hengelo)."
            )
        out.append(g)
    return out


def ingest(
    source: Path | str | FolderContents,
    store: Store,
    gemeenten: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    catalogue: Catalogue | None = None,
    progress: Callable[[str, float], None] | None = None,
    log_source: str | None = None,
    record_log: bool = True,
    keep_copy: bool = True,
) -> IngestReport:
    """Read a folder of wire files and put the chosen gemeenten and years in the store.

    Each table is harmonised on its own (one bad year does not stop the others), and everything is
    committed as one new store version: a crash half-way leaves the previous version untouched.
    A folder outside the data directory is first copied into `raw/` (`keep_copy`), so the store can
    always be rebuilt from what it was built from, even after the folder was moved or deleted.
    """
    catalogue = catalogue or load_catalogue()
    gemeenten = _validate_gemeenten(gemeenten)
    report = IngestReport()
    say = progress or (lambda msg, frac: None)
    say("Bestanden lezen", 0.0)
    if isinstance(source, FolderContents):
        contents = source
        origin = log_source or "onbekend"
    else:
        table_years = {t.id: t.year for t in catalogue.kwb_years.values()}
        folder = FolderSource(source, table_years)
        contents = folder.read()
        origin = log_source or (keep_raw_copy(folder, store) if keep_copy else str(Path(source).resolve()))
    report.problems += contents.problems
    report.skipped += contents.skipped

    all_codes = pd.concat(
        [t.rows["region_code"] for t in contents.tables.values()] + [t.rows["region_code"] for t in contents.mapped]
        or [pd.Series([], dtype="string")]
    )
    if gemeenten:
        known = set(all_codes.str[2:6])
        for g in gemeenten:
            if g[2:6] not in known:
                report.problems.append(
                    f"Gemeente {g} komt in geen enkele tabel in {source if not isinstance(source, FolderContents) else 'de bron'} voor. "
                    "Controleer de code (bijvoorbeeld GM0164 voor Hengelo) of kies een andere bron."
                )
    geometry_names = _geometry_names(contents, gemeenten)
    tables = sorted(contents.tables.values(), key=lambda t: t.table_id)
    with store.transaction():
        for i, raw in enumerate(tables):
            kind = "crime" if raw.table_id.upper() == catalogue.crime_table.upper() else "kwb"
            year = catalogue.year_of_table(raw.table_id) if kind == "kwb" else (raw.year or _year_from_files(raw))
            if year is None:
                report.skipped.append(
                    f"Tabel {raw.table_id} is geen bekende tabel van Kerncijfers wijken en buurten; niet ingelezen."
                )
                continue
            if years and year not in years:
                continue
            say(f"{year}: tabel {raw.table_id} verwerken", 0.1 + 0.6 * i / max(len(tables), 1))
            try:
                report.loaded.append(_ingest_table(raw, year, kind, store, catalogue, gemeenten, geometry_names))
                report.skipped.extend(dict.fromkeys(raw.notes))
            except SourceError as exc:
                report.problems.append(str(exc))
        if contents.mapped:
            from wijkkompas.ingest_mapped import ingest_mapped

            say("Wijk- en buurtkaart en Leefbaarometer verwerken", 0.7)
            loaded, problems, skipped = ingest_mapped(contents, store, gemeenten, years, catalogue, geometry_names)
            report.loaded += loaded
            report.problems += problems
            report.skipped += skipped
        if report.loaded:
            from wijkkompas.ingest_mapped import overlap_years, resolve_overlaps

            resolve_overlaps(store, overlap_years(store, report.loaded), gemeenten)
        if not report.loaded and not contents.tables and not contents.geometries and not contents.mapped:
            report.problems.append(
                f"In {source} zijn geen CBS-bestanden gevonden. Verwacht: KWB-tabellen (CSV of OData-JSON) en/of "
                "kaartbestanden (GeoJSON/TopoJSON)."
            )
        say("Kaartgrenzen voorbereiden", 0.75)
        report.geometry += _ingest_geometries(contents, store, gemeenten, years)
        entries = [
            {
                "source": origin,
                "kind": "map",
                **({"original_source": str(Path(source).resolve())} if not isinstance(source, FolderContents) else {}),
                "gemeenten": gemeenten,
                "year": item["year"],
                "table": item["table"],
                "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "values": item["values"],
            }
            for item in report.loaded
        ]
        if entries and record_log:
            store.append_log(entries)
    say("Klaar", 1.0)
    return report


def keep_raw_copy(folder: FolderSource, store: Store) -> str:
    """Copy the wire files of a folder into `raw/bronnen/` once; return the copy's path relative to the data dir.

    Why: the ingest log must name something the store can rebuild from. A folder on a USB stick or
    in Downloads is gone tomorrow; the copy is not. Files already in the store's raw folder are not
    copied. The copy's name holds a hash of its contents, so loading the same folder twice makes one copy.
    """
    raw_root = store.raw_root.resolve()
    root = folder.root.resolve()
    if root == raw_root or raw_root in root.parents:
        rel = "raw/" + root.relative_to(raw_root).as_posix()
        if store.backend.remote:  # a download into the local cache of a bucket store: keep it in the bucket
            for path in folder.files():
                store.write_raw("raw/" + path.resolve().relative_to(raw_root).as_posix(), path.read_bytes())
        return rel
    files = [path.resolve() for path in folder.files()]  # a relative --source (../shared/data) is normal on the CLI
    base = root if root.is_dir() else root.parent
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0" + file_sha256(path).encode("ascii"))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", root.name)[:40] or "map"
    rel = f"raw/bronnen/{name}-{digest.hexdigest()[:12]}"
    if not store.raw_exists(f"{rel}/.compleet"):
        for path in files:
            store.write_raw(f"{rel}/{path.relative_to(base).as_posix()}", path.read_bytes())
        store.write_raw(f"{rel}/.compleet", b"")
    return rel if root.is_dir() else f"{rel}/{root.name}"


def _year_from_files(raw: RawTable) -> int | None:
    from wijkkompas.sources.folder import YEAR

    for path in raw.files:
        for part in reversed(path.parts):
            m = YEAR.search(part)
            if m:
                return int(m.group(1))
    return raw.year


def _geometry_names(contents: FolderContents, gemeenten: Sequence[str] | None) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for g in contents.geometries:
        frame = g.frame
        named = frame[frame["region_name"].notna()]
        out.setdefault(g.year, {}).update(dict(zip(named["region_code"], named["region_name"], strict=True)))
    return out


def _present_mask(raw: RawTable) -> pd.DataFrame:
    if raw.present is not None:
        return raw.present
    mask = raw.rows.notna()
    mask["region_code"] = raw.rows["region_code"]
    return mask


def _ingest_table(
    raw: RawTable,
    year: int,
    kind: str,
    store: Store,
    catalogue: Catalogue,
    gemeenten: Sequence[str] | None,
    geometry_names: dict[int, dict[str, str]],
) -> dict:
    mask = in_gemeenten(raw.rows["region_code"], gemeenten)
    rows = raw.rows[mask.to_numpy()].reset_index(drop=True)
    present = _present_mask(raw)[mask.to_numpy()].reset_index(drop=True)
    if rows.empty or rows["region_code"].str.startswith("NL").all():
        raise SourceError(
            f"Tabel {raw.table_id} ({year}) bevat geen rijen voor {', '.join(gemeenten or [])}; niets ingelezen."
        )
    name_codes = pd.Series(list(raw.names), dtype="string")
    name_mask = in_gemeenten(name_codes, gemeenten).to_numpy()
    names = {k: raw.names[k] for k in name_codes[name_mask]}
    sub = RawTable(
        raw.table_id, rows, raw.keys, raw.info, names, raw.status, present=present, files=raw.files, year=year
    )
    long, matches, extra = harmonise(sub, year, catalogue, table_kind=kind, present=present)
    # Names: this table's own, then the map of the same year, then the nearest other map year.
    from wijkkompas.mapdata import map_years_by_preference

    geo_years = map_years_by_preference(year, list(geometry_names))
    regions = build_regions(
        year,
        pd.concat([long["region_code"], pd.Series([c for c in names if c.startswith(("BU", "WK", "GM"))])]),
        [names] + [geometry_names[y] for y in geo_years],
    )
    info = regions.drop(columns="year").drop_duplicates("region_code").set_index("region_code")
    for col in ("region_name", "level", "gemeente_code", "wijk_code"):
        long[col] = long["region_code"].map(info[col].astype(object).to_dict())
        long[col] = long[col].astype("category")
    store.replace(long, regions, source_tables=[raw.table_id], gemeenten=gemeenten)
    _save_extra_indicators(store, extra)
    raw.notes.extend(sub.notes)
    return {
        "year": year,
        "table": raw.table_id,
        "regions": int(long["region_code"].nunique()),
        "values": len(long),
        "matched": len(matches),
    }


def _save_extra_indicators(store: Store, extra: dict[str, Indicator]) -> None:
    """Metadata of CBS columns without a catalogue entry, so every column is usable under its CBS title."""
    if not extra:
        return
    with store.transaction() as tx:
        stored = tx.view().read_json(CBS_COLUMNS, {})
        current: dict[str, object] = dict(stored) if isinstance(stored, dict) else {}
        for ident, ind in extra.items():
            current[ident] = {
                "label": ind.label,
                "unit": ind.unit,
                "theme": ind.theme,
                "decimals": ind.decimals,
                "definition": ind.definition,
                "key": list(ind.key),
            }
        tx.put_json(CBS_COLUMNS, current)


def load_extra_indicators(store: Store | Snapshot) -> list[Indicator]:
    snap = store.snapshot() if isinstance(store, Store) else store
    try:
        data = snap.read_json(CBS_COLUMNS, {})
    except StoreCorrupt:
        return []
    if not isinstance(data, dict):
        return []
    return [
        Indicator(
            id=k,
            label=v["label"],
            unit=v.get("unit", ""),
            theme=v.get("theme", "overig"),
            better="neutral",
            definition=v.get("definition", ""),
            key=tuple(v.get("key", ())),
            decimals=int(v.get("decimals", 1)),
            origin="cbs",
        )
        for k, v in data.items()
    ]


def _ingest_geometries(
    contents: FolderContents, store: Store, gemeenten: Sequence[str] | None, years: Sequence[int] | None
) -> list[dict]:
    """Per (year, level): filter, dedupe across files, simplify once, store as GeoParquet."""
    out = []
    by_year: dict[int, list[gpd.GeoDataFrame]] = {}
    for g in contents.geometries:
        if years and g.year not in years and not _nearest_needed(g.year, years, contents):
            continue
        frame = g.frame[in_gemeenten(g.frame["region_code"], gemeenten, keep_nederland=False).to_numpy()]
        if not frame.empty:
            by_year.setdefault(g.year, []).append(frame.to_crs("EPSG:4326"))
    for year, frames in sorted(by_year.items()):
        merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
        merged = merged.drop_duplicates("region_code")
        for level, part in split_levels(merged).items():
            prepared = prepare_for_map(part, level)
            prepared["gemeente_code"] = "GM" + prepared["region_code"].str[2:6]
            prepared = prepared[["region_code", "region_name", "gemeente_code", "geometry"]]
            store.replace_geometry(year, level, prepared, gemeenten)
            out.append({"year": year, "level": level, "shapes": len(prepared)})
    return out


def _nearest_needed(year: int, years: Sequence[int], contents: FolderContents) -> bool:
    """Keep a map year outside `years` when it is the closest map to a requested year."""
    map_years = sorted({g.year for g in contents.geometries})
    from wijkkompas.mapdata import nearest_year

    return any(nearest_year(want, map_years) == year for want in years)
