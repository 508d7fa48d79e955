"""Wat valt op ("what stands out"): a few plain Dutch sentences about one wijk or buurt, computed from the figures.

No sentence is written by hand or by a language model: each is a fixed template filled by a rule, so
the same figures always give the same sentences and a test can check every one. Two rules:

* **Afwijking** – the region's value against the gemeente, standardised by the spread over the
  gemeente's regions of the same level (wijken for a wijk, buurten for a buurt):
  ``z = (value − gemeente value) / standard deviation``. Without a gemeente value the middle (median)
  region is the reference, and the sentence says so.
* **Verandering** – the change since the earliest year in which the region has a figure *under the
  same code*, counting back over consecutive loaded years in which the code exists (a recoded buurt has
  no earlier years). Standardised by the same spread, so a change and a deviation are comparable.

Ties are broken by the catalogue order of the indicator, then its id: deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkkompas.catalogue.catalogue import Catalogue, Indicator
from wijkkompas.formatting import format_value, nl_number, source_label

MIN_SENTENCES = 3
MAX_SENTENCES = 7
MAX_CHANGES = 3
MIN_PEERS = 3  # a spread over fewer regions says nothing
DEVIATION_THRESHOLD = 0.5  # |z| from which a deviation "stands out"
CHANGE_THRESHOLD = 0.25
LEVEL_PLURAL = {"wijk": "wijken", "buurt": "buurten"}


@dataclass(frozen=True)
class Sentence:
    """One sentence; `label` is the indicator's name (shown bold), `body` the rest."""

    kind: str  # "afwijking" | "verandering"
    indicator: str
    label: str
    body: str
    years: tuple[int, ...]
    source_tables: tuple[str, ...]
    score: float

    @property
    def text(self) -> str:
        return f"{self.label}: {self.body}"


def eligible(ind: Indicator) -> bool:
    """Shares, rates, averages and distances; not counts (they follow the size of the area) or codes."""
    return ind.origin == "catalogue" and ind.unit not in ("aantal", "code", "") and ind.theme != "oppervlakte"


def strength(z: float) -> str:
    a = abs(z)
    return "veel" if a >= 2 else "duidelijk" if a >= 1 else "iets"


def _verdict(ind: Indicator, higher: bool) -> str:
    if ind.better == "neutral":
        return ""
    good = higher == (ind.better == "higher_is_better")
    return " Dat is gunstig." if good else " Dat is ongunstig."


def _cat_order(catalogue: Catalogue) -> dict[str, int]:
    return {ident: i for i, ident in enumerate(catalogue.all())}


def _name_of(values: pd.DataFrame, regions: pd.DataFrame, code: str, year: int) -> str:
    rows = regions[(regions["region_code"] == code)].sort_values("year")
    here = rows[rows["year"] == year]
    row = here if not here.empty else rows
    if row.empty:
        return code
    name = row["region_name"].iloc[-1]
    return code if pd.isna(name) else str(name)


def _spread(values: pd.DataFrame, level: str, gemeente: str, year: int, ids: Sequence[str]) -> pd.DataFrame:
    """Per indicator over the gemeente's regions of `level` in `year`: n, std (population), median, max, min."""
    peers = values[
        (values["year"] == year)
        & (values["level"] == level)
        & (values["gemeente_code"] == gemeente)
        & values["indicator"].isin(list(ids))
        & values["value"].notna()
    ]
    if peers.empty:
        return pd.DataFrame(columns=["n", "std", "median", "max", "min"])
    grouped = peers.groupby("indicator")["value"]
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "std": grouped.std(ddof=0),
            "median": grouped.median(),
            "max": grouped.max(),
            "min": grouped.min(),
        }
    )


def _usable_spread(values: pd.DataFrame, level: str, gemeente: str, year: int, ids: Sequence[str]) -> pd.DataFrame:
    """The spread over the region's own level; over the gemeente's buurten when it has too few wijken.

    A gemeente with two wijken has no meaningful spread between wijken; the buurten show how much a
    figure varies inside the gemeente, which is the yardstick the sentence needs. Column `over` says
    which level was used (a "highest of the wijken" remark only makes sense over the own level).
    """
    own = _spread(values, level, gemeente, year, ids)
    own = own[(own["n"] >= MIN_PEERS) & (own["std"] > 0)].assign(over=level)
    if level == "buurt":
        return own
    wide = _spread(values, "buurt", gemeente, year, ids)
    wide = wide[(wide["n"] >= MIN_PEERS) & (wide["std"] > 0) & ~wide.index.isin(own.index)].assign(over="buurt")
    return pd.concat([own, wide]) if not wide.empty else own


def deviations(
    values: pd.DataFrame, catalogue: Catalogue, code: str, level: str, gemeente: str, year: int
) -> pd.DataFrame:
    """Candidates: indicator, value, ref, ref_kind (gemeente|mediaan), z, n, rank (hoogste|laagste|""), table."""
    ids = [i.id for i in catalogue.all().values() if eligible(i)]
    spread = _usable_spread(values, level, gemeente, year, ids)
    this = values[(values["year"] == year) & values["indicator"].isin(ids)]
    own = this[(this["region_code"] == code) & this["value"].notna()].set_index("indicator")
    gem = this[(this["region_code"] == gemeente) & (this["level"] == "gemeente") & this["value"].notna()]
    gem = gem.set_index("indicator")["value"]
    out = own[["value", "source_table"]].join(spread, how="inner")
    if out.empty:
        return pd.DataFrame(columns=["value", "ref", "ref_kind", "z", "n", "total", "rank", "source_table"])
    out["ref"] = gem.reindex(out.index)
    out["ref_kind"] = np.where(out["ref"].notna(), "gemeente", "mediaan")
    out["ref"] = out["ref"].fillna(out["median"])
    out["z"] = (out["value"] - out["ref"]) / out["std"]
    high = np.isclose(out["value"], out["max"]) & ~np.isclose(out["max"], out["min"])
    low = np.isclose(out["value"], out["min"]) & ~np.isclose(out["max"], out["min"])
    out["rank"] = np.where((high | low) & (out["over"] == level), np.where(high, "hoogste", "laagste"), "")
    level_rows = values[(values["year"] == year) & (values["level"] == level) & (values["gemeente_code"] == gemeente)]
    out["total"] = level_rows["region_code"].nunique()
    return out[["value", "ref", "ref_kind", "z", "n", "total", "rank", "source_table"]]


def comparable_years(regions: pd.DataFrame, code: str, year: int, loaded_years: Sequence[int]) -> list[int]:
    """Loaded years up to `year` in which the region existed with this code without interruption."""
    exists = set(regions.loc[regions["region_code"] == code, "year"].astype(int))
    run = []
    for y in sorted((y for y in loaded_years if y <= year), reverse=True):
        if y not in exists:
            break
        run.append(y)
    return sorted(run)


def changes(
    values: pd.DataFrame, regions: pd.DataFrame, catalogue: Catalogue, code: str, level: str, gemeente: str, year: int
) -> pd.DataFrame:
    """Candidates: indicator, y0, v0, v1, delta, score, g0, g1 (gemeente, NaN when unknown), t0, t1."""
    loaded = sorted({int(y) for y in values["year"].unique()})
    years = comparable_years(regions, code, year, loaded)
    cols = ["y0", "v0", "v1", "delta", "score", "g0", "g1", "t0", "t1"]
    if len(years) < 2:
        return pd.DataFrame(columns=cols)
    ids = [i.id for i in catalogue.all().values() if eligible(i)]
    own = values[
        (values["region_code"] == code)
        & values["year"].isin(years)
        & values["indicator"].isin(ids)
        & values["value"].notna()
    ]
    if own.empty:
        return pd.DataFrame(columns=cols)
    last = own[own["year"] == year].set_index("indicator")
    earlier = (
        own[own["year"] < year].sort_values("year").drop_duplicates("indicator", keep="first").set_index("indicator")
    )
    out = pd.DataFrame({"v1": last["value"], "t1": last["source_table"]}).join(
        earlier[["year", "value", "source_table"]].rename(columns={"year": "y0", "value": "v0", "source_table": "t0"}),
        how="inner",
    )
    if out.empty:
        return pd.DataFrame(columns=cols)
    spread = _usable_spread(values, level, gemeente, year, ids)
    out = out.join(spread[["n", "std"]], how="inner")
    out["delta"] = out["v1"] - out["v0"]
    out["score"] = out["delta"].abs() / out["std"]
    gem = values[(values["region_code"] == gemeente) & (values["level"] == "gemeente") & values["value"].notna()]
    gem = gem.set_index(["indicator", "year"])["value"]
    out["g1"] = [gem.get((i, year), np.nan) for i in out.index]
    out["g0"] = [gem.get((i, int(y0)), np.nan) for i, y0 in zip(out.index, out["y0"], strict=True)]
    out["y0"] = out["y0"].astype(int)
    return out[cols]


def _has_pairs(values: pd.DataFrame, catalogue: Catalogue, code: str, years: Sequence[int]) -> bool:
    ids = [i.id for i in catalogue.all().values() if eligible(i)]
    own = values[
        (values["region_code"] == code)
        & values["year"].isin(list(years))
        & values["indicator"].isin(ids)
        & values["value"].notna()
    ]
    return bool((own.groupby("indicator")["year"].nunique() >= 2).any())


def _shown_equal(a: float, b: float, ind: Indicator) -> bool:
    d = max(ind.decimals, 0)
    return round(a, d) == round(b, d)


def _deviation_sentence(
    ind: Indicator | None, row, name: str, gemeente_name: str, level: str, year: int
) -> Sentence | None:
    if ind is None or _shown_equal(row.value, row.ref, ind):
        return None
    higher = row.value > row.ref
    word = "hoger" if higher else "lager"
    ref = format_value(row.ref, ind)
    where = (
        f"gemiddeld in {gemeente_name}"
        if row.ref_kind == "gemeente"
        else f"in de middelste {level} van {gemeente_name}"
    )
    rank = ""
    if row.rank:
        some = " met een cijfer" if int(row.n) < int(row.total) else ""
        rank = f"; het {row.rank} van de {int(row.n)} {LEVEL_PLURAL.get(level, level)}{some}"
    body = (
        f"{format_value(row.value, ind)}, {strength(row.z)} {word} dan {where} ({ref}){rank}."
        f"{_verdict(ind, higher)} ({year}, {source_label(row.source_table)})"
    )
    return Sentence("afwijking", ind.id, ind.label, body, (year,), (str(row.source_table),), float(abs(row.z)))


def _change_sentence(ind: Indicator | None, row, name: str, gemeente_name: str, year: int) -> Sentence | None:
    if ind is None or _shown_equal(row.v0, row.v1, ind):
        return None
    up = row.delta > 0
    d = max(ind.decimals, 0)
    step = f" ({'+' if up else '−'}{nl_number(abs(row.delta), d)} %-punt)" if ind.unit == "%" else ""
    gem = ""
    if not (math.isnan(row.g0) or math.isnan(row.g1)):
        gem = f"; in heel {gemeente_name} van {format_value(row.g0, ind)} naar {format_value(row.g1, ind)}"
    tables = (str(row.t0), str(row.t1))
    if row.t0 == row.t1:
        src = source_label(row.t1)
    elif " " in f"{row.t0}{row.t1}":  # a named source on one side: say each in full
        src = f"{source_label(row.t0)} en {source_label(row.t1)}"
    else:
        src = f"CBS {row.t0} en {row.t1}"
    body = (
        f"{'gestegen' if up else 'gedaald'} van {format_value(row.v0, ind)} in {row.y0} naar "
        f"{format_value(row.v1, ind)} in {year}{step}{gem}.{_verdict(ind, up)} ({src})"
    )
    return Sentence("verandering", ind.id, ind.label, body, (int(row.y0), year), tables, float(row.score))


def _ordered(frame: pd.DataFrame, score: str, order: dict[str, int]) -> pd.DataFrame:
    if frame.empty:
        return frame
    f = frame.assign(
        _s=frame[score].abs().round(9), _o=[order.get(i, len(order)) for i in frame.index], _id=frame.index
    )
    return f.sort_values(["_s", "_o", "_id"], ascending=[False, True, True])


def what_stands_out(
    values: pd.DataFrame, regions: pd.DataFrame, catalogue: Catalogue, code: str, year: int
) -> tuple[list[Sentence], list[str]]:
    """3–7 sentences (fewer only when the data has no more to say) and notes on what could not be said."""
    level = "buurt" if code.startswith("BU") else "wijk"
    gemeente = "GM" + code[2:6]
    name = _name_of(values, regions, code, year)
    gemeente_name = _name_of(values, regions, gemeente, year)
    order = _cat_order(catalogue)
    notes: list[str] = []

    dev = _ordered(deviations(values, catalogue, code, level, gemeente, year), "z", order)
    chg = _ordered(changes(values, regions, catalogue, code, level, gemeente, year), "score", order)
    dev_s = [
        s
        for s in (
            _deviation_sentence(catalogue.get(i), r, name, gemeente_name, level, year)
            for i, r in zip(dev.index, dev.itertuples(), strict=True)
        )
        if s
    ]
    chg_s = [
        s
        for s in (
            _change_sentence(catalogue.get(i), r, name, gemeente_name, year)
            for i, r in zip(chg.index, chg.itertuples(), strict=True)
        )
        if s
    ]

    strong_dev = [s for s in dev_s if s.score >= DEVIATION_THRESHOLD]
    strong_chg = [s for s in chg_s if s.score >= CHANGE_THRESHOLD]
    take_chg = strong_chg[:MAX_CHANGES]
    take_dev = strong_dev[: MAX_SENTENCES - len(take_chg)]  # changes are rarer; they keep their places
    chosen = take_dev + take_chg
    if len(chosen) < MIN_SENTENCES:  # quieter facts, still computed by the same rules, best first
        rest = sorted(
            [s for s in dev_s + chg_s if s not in chosen],
            key=lambda s: (-round(s.score, 9), s.kind != "afwijking", order.get(s.indicator, len(order)), s.indicator),
        )
        chosen += rest[: MIN_SENTENCES - len(chosen)]
    chosen = [s for s in chosen if s.kind == "afwijking"] + [s for s in chosen if s.kind == "verandering"]

    loaded = sorted({int(y) for y in values["year"].unique()})
    same_code = comparable_years(regions, code, year, loaded)
    if len(loaded) < 2:
        notes.append(f"Er zijn alleen cijfers over {year} geladen: veranderingen over de jaren zijn niet te zien.")
    elif len(same_code) < 2:
        notes.append(
            f"{name} heeft in de geladen gegevens alleen in {year} deze code; met eerdere jaren wordt daarom niet vergeleken."
        )
    elif not _has_pairs(values, catalogue, code, same_code):
        notes.append(
            f"Voor {name} zijn er geen cijfers die in twee jaren bekend zijn: veranderingen zijn niet te zien."
        )
    if not chosen:
        notes.append(
            f"Er valt niets te vergelijken: te weinig cijfers voor {name} of voor de andere {LEVEL_PLURAL.get(level, level)} in {year}."
        )
    return chosen, notes
