"""Facts for one wijk or buurt: header, key figures against gemeente and Nederland, trends, its buurten.

Everything here is a pure function of the store's long table (`Store.load_values`) and regions table,
so the page, the HTML/PDF export and the batch command show exactly the same numbers. A missing value
stays missing with its reason (``status``); it is never turned into 0 and never compared.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from wijkkompas.catalogue.catalogue import THEMES, Catalogue, Indicator
from wijkkompas.errors import SourceError
from wijkkompas.formatting import format_value, missing_text, nl_number
from wijkkompas.standout import Sentence, what_stands_out

CODE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")
LEVEL_OF_PREFIX = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
# Enough rows for a useful first page; fewer profile indicators with data → topped up (see `_figure_indicators`).
MIN_FIGURES = 10
MAX_BUURT_COLUMNS = 5
HEADER_IDS = ("inwoners", "oppervlakte_totaal", "oppervlakte_land")
KWB_TITLE = "Kerncijfers wijken en buurten"
STATUS_COMPUTED = "berekend uit buurten"


# --------------------------------------------------------------------------- small value objects


@dataclass(frozen=True)
class Figure:
    """One value of one region in one year, with why it is missing when it is."""

    value: float
    status: str
    year: int
    source_table: str = ""

    @property
    def known(self) -> bool:
        return not math.isnan(self.value)

    @property
    def computed(self) -> bool:
        """Added up from the buurten by Wijkkompas (CBS gave no value for the wijk itself)."""
        return self.known and self.status == STATUS_COMPUTED

    def text(self, indicator: Indicator | None) -> str:
        if self.known:
            return format_value(self.value, indicator)
        return missing_text(self.status)


def _missing(year: int) -> Figure:
    return Figure(float("nan"), "", year, "")


@dataclass(frozen=True)
class KeyFigure:
    """A key figure: the region's value next to the gemeente (and its wijk, and Nederland)."""

    indicator: Indicator
    region: Figure
    gemeente: Figure
    nederland: Figure
    wijk: Figure | None = None  # only for a buurt: the wijk it lies in
    earlier: Figure | None = None  # region value missing this year: its latest known earlier value

    @property
    def comparable(self) -> bool:
        """Counts (inwoners, woningen) of a part are not compared with the whole; shares and averages are."""
        return self.indicator.unit not in ("aantal", "code", "")

    @property
    def difference(self) -> float | None:
        if not (self.comparable and self.region.known and self.gemeente.known):
            return None
        return self.region.value - self.gemeente.value

    @property
    def judgement(self) -> str | None:
        """`gunstiger` / `ongunstiger` by the catalogue's `better`; `hoger` / `lager` when neutral; `gelijk`."""
        diff = self.difference
        if diff is None:
            return None
        shown = round(diff, max(self.indicator.decimals, 0))
        if shown == 0:
            return "gelijk"
        higher = shown > 0
        if self.indicator.better == "higher_is_better":
            return "gunstiger" if higher else "ongunstiger"
        if self.indicator.better == "lower_is_better":
            return "ongunstiger" if higher else "gunstiger"
        return "hoger" if higher else "lager"

    def difference_text(self) -> str:
        diff = self.difference
        if diff is None:
            return "–"
        return signed(diff, self.indicator)


def signed(diff: float, indicator: Indicator) -> str:
    """+3,2 %-punt for shares; +0,4 or −12 otherwise (the table's row label carries the unit)."""
    decimals = max(indicator.decimals, 0)
    if round(diff, decimals) == 0:
        return "gelijk"
    sign = "+" if diff > 0 else "−"
    number = nl_number(abs(diff), decimals)
    unit = indicator.unit
    if unit == "%":
        return f"{sign}{number} %-punt"
    return f"{sign}{number}"  # other units: the row label names the unit


@dataclass(frozen=True)
class Header:
    code: str
    name: str
    level: str  # wijk | buurt
    gemeente_code: str
    gemeente_name: str
    wijk_code: str | None
    wijk_name: str | None
    year: int
    inwoners: Figure
    oppervlakte: Figure
    n_buurten: int | None  # wijk: number of buurten in `year`
    data_years: tuple[int, ...]  # years in which this code has figures

    @property
    def level_word(self) -> str:
        return self.level


@dataclass(frozen=True)
class BuurtRow:
    code: str
    name: str
    chosen: bool
    figures: dict[str, Figure]


@dataclass(frozen=True)
class Trend:
    """One indicator over the years: region, gemeente and Nederland series, with the breaks marked.

    `points` has columns series, role (regio|gemeente|nederland), year, value, segment: a new segment
    starts after every break, so a line is never drawn across a year in which the region had another
    code or no figure.
    """

    indicator: Indicator
    points: pd.DataFrame
    breaks: tuple[tuple[int, str], ...]  # (year, reason in Dutch)
    source_tables: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Profile:
    header: Header
    figures: tuple[KeyFigure, ...]
    not_loaded: tuple[Indicator, ...]  # key figures without any value in the loaded tables
    standout: tuple[Sentence, ...]
    standout_notes: tuple[str, ...]
    trends: tuple[Trend, ...]
    trend_note: str
    buurten: tuple[BuurtRow, ...]
    buurt_indicators: tuple[Indicator, ...]
    notes: tuple[str, ...]
    source_tables: tuple[tuple[int, str], ...]  # (year, CBS table) of every figure shown
    store_version: str = ""
    generated: date = field(default_factory=date.today)

    def themes(self) -> list[tuple[str, list[KeyFigure]]]:
        """Key figures grouped by theme, in the catalogue's theme order."""
        order = list(THEMES)
        groups: dict[str, list[KeyFigure]] = {}
        for kf in self.figures:
            groups.setdefault(kf.indicator.theme, []).append(kf)
        keys = sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))
        return [(groups[k][0].indicator.theme_label, groups[k]) for k in keys]

    @property
    def has_nederland(self) -> bool:
        return any(kf.nederland.known for kf in self.figures)

    @property
    def has_wijk_column(self) -> bool:
        return self.header.level == "buurt"

    def figure_sources(self) -> list[tuple[int, str]]:
        """(year, table) of every value in the key-figure table, including earlier-year fallbacks."""
        out = set()
        for kf in self.figures:
            for f in (kf.region, kf.gemeente, kf.nederland, kf.wijk, kf.earlier):
                if f is not None and f.source_table and (f.known or f.status):
                    out.add((f.year, f.source_table))
        return sorted(out)


# --------------------------------------------------------------------------- sources


def source_line(tables: Iterable[tuple[int, str]], catalogue: Catalogue | None = None) -> str:
    """The source line for the (year, table) pairs given: "Bron: CBS, Kerncijfers wijken en buurten 2024 (85984NED)"."""
    pairs = sorted({(int(y), str(t)) for y, t in tables if t})
    if not pairs:
        return "Bron: CBS, Kerncijfers wijken en buurten."
    kwb_ids = {ty.id.upper() for ty in catalogue.kwb_years.values()} if catalogue else None
    kwb = [(y, t) for y, t in pairs if kwb_ids is None or t.upper() in kwb_ids or t.upper().endswith("NED")]
    other = [(y, t) for y, t in pairs if (y, t) not in kwb]
    parts = []
    if kwb:
        years = (
            " en ".join(f"{y} ({t})" for y, t in kwb)
            if len(kwb) <= 2
            else (", ".join(f"{y} ({t})" for y, t in kwb[:-1]) + f" en {kwb[-1][0]} ({kwb[-1][1]})")
        )
        parts.append(f"CBS, {KWB_TITLE} {years}")
    parts += [f"{t} ({y})" for y, t in other]
    return "Bron: " + "; ".join(parts) + "."


# --------------------------------------------------------------------------- region lookup


def gemeente_of(code: str) -> str:
    """The gemeente a WK/BU code belongs to (CBS puts the gemeente number in every code)."""
    code = code.strip().upper()
    if not CODE.match(code):
        raise SourceError(
            f"'{code}' is geen geldige code van een wijk of buurt. Een wijkcode ziet eruit als WK016401, "
            "een buurtcode als BU01640101. Controleer de link of kies de wijk opnieuw."
        )
    return "GM" + code[2:6]


def region_years(regions: pd.DataFrame, code: str) -> list[int]:
    return sorted({int(y) for y in regions.loc[regions["region_code"] == code, "year"]})


def choose_year(
    available: Sequence[int], wanted: int | None, *, name: str = "", strict: bool = False
) -> tuple[int, str]:
    """The year to show and, when it is not the one asked for, a Dutch note saying why.

    A region that was recoded does not exist in every year; rather than showing an empty profile the
    latest year in which it does exist is taken (the page says so). `strict` (the command line) refuses.
    """
    if not available:
        raise SourceError(f"Voor {name or 'dit gebied'} zijn geen cijfers geladen.")
    if wanted is None or wanted in available:
        return (wanted if wanted is not None else max(available)), ""
    years = ", ".join(map(str, available))
    if strict:
        raise SourceError(
            f"{name or 'Dit gebied'} heeft geen cijfers over {wanted}; wel over {years}. Kies een van die jaren."
        )
    earlier = [y for y in available if y < wanted]
    year = max(earlier) if earlier else min(available)
    return year, (f"{name} bestaat in {wanted} niet met deze code (wel in {years}). Het profiel toont daarom {year}.")


# --------------------------------------------------------------------------- building


class _Lookup:
    """Fast (region, indicator, year) → Figure over the long table of one gemeente."""

    def __init__(self, values: pd.DataFrame) -> None:
        frame = values[["region_code", "indicator", "year", "value", "status", "source_table", "level"]]
        self.frame = frame
        self._index = {
            (r, i, int(y)): (v, s, t)
            for r, i, y, v, s, t in zip(
                frame["region_code"],
                frame["indicator"],
                frame["year"],
                frame["value"],
                frame["status"],
                frame["source_table"],
                strict=True,
            )
        }
        nl = frame[frame["level"] == "nederland"]
        self.nederland_code = str(nl["region_code"].iloc[0]) if not nl.empty else None

    def get(self, region: str | None, indicator: str, year: int) -> Figure:
        if region is None:
            return _missing(year)
        hit = self._index.get((region, indicator, int(year)))
        if hit is None:
            return _missing(year)
        v, s, t = hit
        return Figure(
            float(v) if v is not None and not pd.isna(v) else float("nan"), str(s or ""), int(year), str(t or "")
        )

    def years_with_value(self, region: str, indicator: str, years: Sequence[int]) -> list[int]:
        return [y for y in years if self.get(region, indicator, y).known]


def _name(regions: pd.DataFrame, code: str, year: int) -> str:
    rows = regions[regions["region_code"] == code]
    if rows.empty:
        return code
    here = rows[rows["year"] == year]
    row = (here if not here.empty else rows.sort_values("year")).iloc[-1]
    name = row["region_name"]
    return str(name) if not pd.isna(name) else code


def _figure_indicators(
    catalogue: Catalogue, look: _Lookup, code: str, gemeente: str, year: int, years: Sequence[int]
) -> tuple[list[Indicator], list[Indicator]]:
    """Key figures (profile flag) with any value for this region or its gemeente in a loaded year.

    When the loaded tables lack most of them (a first KWB release without income, a subset), the list
    is topped up with other catalogue indicators that do have a value for the region this year, so the
    first page is never nearly empty. Returns (shown, profile indicators without any loaded value).
    """
    present = set(look.frame["indicator"].unique())
    shown: list[Indicator] = []
    absent: list[Indicator] = []
    for ind in catalogue.profile_indicators():
        if ind.id in HEADER_IDS[1:]:
            continue
        has_any = ind.id in present and any(
            look.get(r, ind.id, y).known or look.get(r, ind.id, y).status for r in (code, gemeente) for y in years
        )
        (shown if has_any else absent).append(ind)
    if len(shown) < MIN_FIGURES:
        for ind in catalogue:
            if len(shown) >= MIN_FIGURES:
                break
            if (
                ind in shown
                or ind.profile
                or ind.id in HEADER_IDS
                or ind.theme == "oppervlakte"
                or ind.origin != "catalogue"
            ):
                continue
            if ind.unit == "code" or ind.id not in present:
                continue
            if look.get(code, ind.id, year).known:
                shown.append(ind)
    return shown, absent


def _key_figure(
    ind: Indicator, look: _Lookup, code: str, gemeente: str, wijk: str | None, year: int, years: Sequence[int]
) -> KeyFigure:
    region = look.get(code, ind.id, year)
    earlier = None
    if not region.known:
        for y in sorted((y for y in years if y < year), reverse=True):
            f = look.get(code, ind.id, y)
            if f.known:
                earlier = f
                break
    return KeyFigure(
        indicator=ind,
        region=region,
        gemeente=look.get(gemeente, ind.id, year),
        nederland=look.get(look.nederland_code, ind.id, year),
        wijk=look.get(wijk, ind.id, year) if wijk else None,
        earlier=earlier,
    )


def _trend(
    ind: Indicator,
    look: _Lookup,
    code: str,
    name: str,
    gemeente: str,
    gemeente_name: str,
    years: Sequence[int],
    exists: set[int],
) -> Trend | None:
    """Series for one indicator; None when there is nothing to draw (fewer than two points anywhere)."""
    rows = []
    region_years = [y for y in years if look.get(code, ind.id, y).known]
    if not region_years:
        return None
    breaks: list[tuple[int, str]] = []
    segment = 0
    for y in years:
        f = look.get(code, ind.id, y)
        if f.known:
            rows.append(("regio", name, y, f.value, segment, f.source_table))
            continue
        if y not in exists:
            reason = "code bestond nog niet" if y < min(region_years) else "andere code"
        else:
            reason = missing_text(f.status) if f.status else "geen cijfer"
        breaks.append((y, reason))
        segment += 1  # never draw the region's line across this year
    comparable = ind.unit not in ("aantal", "code", "")  # a wijk's count next to the gemeente's says nothing
    others = (
        (("gemeente", gemeente, gemeente_name), ("nederland", look.nederland_code, "Nederland")) if comparable else ()
    )
    for role, region, label in others:
        seg = 0
        for y in years:
            f = look.get(region, ind.id, y)
            if f.known:
                rows.append((role, label, y, f.value, seg, f.source_table))
            else:
                seg += 1
    points = pd.DataFrame(rows, columns=["role", "series", "year", "value", "segment", "source_table"])
    counts = points.groupby("role")["year"].nunique()
    if int(counts.get("regio", 0)) < 2 and int(counts.max() if not counts.empty else 0) < 2:
        return None
    # Only breaks inside the span that is drawn matter: a year before any series starts is no break.
    span = (int(points["year"].min()), int(points["year"].max()))
    breaks = [(y, r) for y, r in breaks if span[0] <= y <= span[1]]
    tables = tuple(sorted({(int(y), str(t)) for y, t in zip(points["year"], points["source_table"], strict=True) if t}))
    return Trend(ind, points.drop(columns="source_table"), tuple(breaks), tables)


def _earlier_namesakes(
    regions: pd.DataFrame, code: str, name: str, level: str, years_here: Sequence[int]
) -> list[tuple[int, str]]:
    """Same name, same level, another code in a year this code did not exist: probably a recoding."""
    other = regions[(regions["level"] == level) & (regions["region_name"] == name) & (regions["region_code"] != code)]
    other = other[~other["year"].isin(list(years_here))]
    return sorted({(int(y), str(c)) for y, c in zip(other["year"], other["region_code"], strict=True)})


def build_profile(
    values: pd.DataFrame,
    regions: pd.DataFrame,
    catalogue: Catalogue,
    code: str,
    year: int | None = None,
    *,
    strict_year: bool = False,
    store_version: str = "",
    today: date | None = None,
) -> Profile:
    """The profile of one wijk or buurt.

    `values` is the long table of the region's gemeente (all loaded years; Nederland rows when loaded),
    `regions` the regions table of that gemeente. Raises SourceError (Dutch) for a code that is not there.
    """
    code = code.strip().upper()
    gemeente = gemeente_of(code)
    level = LEVEL_OF_PREFIX[code[:2]]
    if level == "gemeente":
        raise SourceError(
            f"{code} is een gemeente. Het wijkprofiel is er voor een wijk (WK…) of een buurt (BU…): kies een wijk."
        )
    available = region_years(regions, code)
    if not available:
        raise SourceError(
            f"De {level} met code {code} staat niet in de geladen gegevens. Controleer de code in de link, "
            f"of laad gemeente {gemeente} eerst in via de startpagina."
        )
    name_any = _name(regions, code, max(available))
    year, note = choose_year(available, year, name=name_any, strict=strict_year)
    name = _name(regions, code, year)
    gemeente_name = _name(regions, gemeente, year)
    all_years = sorted({int(y) for y in values["year"].unique()} | {int(y) for y in regions["year"].unique()})
    look = _Lookup(values)
    reg_row = regions[(regions["region_code"] == code) & (regions["year"] == year)].iloc[0]
    wijk_code = (
        None
        if level == "wijk"
        else (str(reg_row["wijk_code"]) if not pd.isna(reg_row["wijk_code"]) else "WK" + code[2:8])
    )
    wijk_name = _name(regions, wijk_code, year) if wijk_code else None
    this_year = regions[regions["year"] == year]
    buurten_here = this_year[(this_year["level"] == "buurt") & (this_year["wijk_code"] == (wijk_code or code))]
    data_years = tuple(sorted({int(y) for y in values.loc[values["region_code"] == code, "year"]} or set(available)))

    oppervlakte = look.get(code, "oppervlakte_totaal", year)
    if not oppervlakte.known:
        land = look.get(code, "oppervlakte_land", year)
        oppervlakte = land if land.known else oppervlakte
    header = Header(
        code=code,
        name=name,
        level=level,
        gemeente_code=gemeente,
        gemeente_name=gemeente_name,
        wijk_code=wijk_code,
        wijk_name=wijk_name,
        year=year,
        inwoners=look.get(code, "inwoners", year),
        oppervlakte=oppervlakte,
        n_buurten=len(buurten_here) if level == "wijk" else None,
        data_years=data_years,
    )

    shown, absent = _figure_indicators(catalogue, look, code, gemeente, year, all_years)
    figures = tuple(_key_figure(ind, look, code, gemeente, wijk_code, year, all_years) for ind in shown)

    # Buurten: of the wijk, or the buurten next to the chosen buurt (same wijk).
    inwoners = catalogue.get("inwoners")
    buurt_inds = [inwoners] if inwoners else []
    for kf in figures:
        if len(buurt_inds) >= MAX_BUURT_COLUMNS + 1:
            break
        if kf.indicator.id == "inwoners" or not kf.comparable:
            continue
        if any(look.get(c, kf.indicator.id, year).known for c in buurten_here["region_code"]):
            buurt_inds.append(kf.indicator)
    buurt_rows = tuple(
        BuurtRow(
            str(c),
            str(n) if not pd.isna(n) else str(c),
            str(c) == code,
            {ind.id: look.get(str(c), ind.id, year) for ind in buurt_inds},
        )
        for c, n in sorted(zip(buurten_here["region_code"], buurten_here["region_name"], strict=True))
    )

    exists = set(available)
    trends = tuple(
        t
        for t in (_trend(kf.indicator, look, code, name, gemeente, gemeente_name, all_years, exists) for kf in figures)
        if t is not None
    )
    trend_note = ""
    if len(all_years) < 2:
        trend_note = (
            f"Er zijn alleen cijfers over {all_years[0]} geladen: een ontwikkeling over de jaren is nog niet te zien."
        )
    elif not trends:
        trend_note = (
            f"Voor {name} zijn alleen cijfers over {', '.join(map(str, data_years))} geladen"
            f" (geladen jaren: {', '.join(map(str, all_years))}): een ontwikkeling is nog niet te zien."
        )
    namesakes = _earlier_namesakes(regions, code, name, level, available)
    if namesakes:
        old = "; ".join(f"{y}: {c}" for y, c in namesakes)
        trend_note = (trend_note + " " if trend_note else "") + (
            f"Let op: in eerdere jaren had een {level} met dezelfde naam een andere code ({old}). "
            "Die cijfers worden niet doorgetrokken, omdat de grenzen veranderd kunnen zijn."
        )

    sentences, standout_notes = what_stands_out(values, regions, catalogue, code, year)
    tables = {(f.region.year, f.region.source_table) for f in figures if f.region.source_table}
    tables |= {(f.gemeente.year, f.gemeente.source_table) for f in figures if f.gemeente.source_table}
    tables |= {
        (f.earlier.year, f.earlier.source_table) for f in figures if f.earlier is not None and f.earlier.source_table
    }
    tables |= {(f.year, f.source_table) for b in buurt_rows for f in b.figures.values() if f.source_table}
    tables |= {p for s in sentences for p in zip(s.years, s.source_tables, strict=True)}
    for t in trends:
        tables |= set(t.source_tables)
    return Profile(
        header=header,
        figures=figures,
        not_loaded=tuple(absent),
        standout=tuple(sentences),
        standout_notes=tuple(standout_notes),
        trends=trends,
        trend_note=trend_note,
        buurten=buurt_rows,
        buurt_indicators=tuple(buurt_inds),
        notes=(note,) if note else (),
        source_tables=tuple(sorted(tables)),
        store_version=store_version,
        generated=today or date.today(),
    )


def load_profile(
    store, code: str, year: int | None = None, *, strict_year: bool = False, catalogue: Catalogue | None = None
) -> Profile:
    """Read what one profile needs from the store (one gemeente, all years, Nederland) and build it."""
    from wijkkompas.exporting import indicator_catalogue

    gemeente = gemeente_of(code)
    regions = store.regions(gemeenten=[gemeente])
    if regions.empty:
        raise SourceError(
            f"Gemeente {gemeente} is niet geladen, dus {code} ook niet. Laad de gemeente eerst in "
            f"(startpagina, of: python -m wijkkompas ingest --source cbs --gemeente {gemeente})."
        )
    values = store.load_values([gemeente], include_nederland=True)
    return build_profile(
        values,
        regions,
        catalogue or indicator_catalogue(store),
        code,
        year,
        strict_year=strict_year,
        store_version=version_label(store),
    )


def version_label(store) -> str:
    """Short, human-traceable data version for footers: date of the last change + 8 hex of the token."""
    import hashlib
    from datetime import datetime

    token = store.version()
    short = hashlib.sha1(token.encode()).hexdigest()[:8]
    try:
        changed = store.manifest().get("changed")
        when = datetime.fromisoformat(changed).astimezone().strftime("%d-%m-%Y") if changed else ""
    except (ValueError, TypeError, OSError):
        when = ""
    return f"{short} van {when}" if when else short


def wijken_of(regions: pd.DataFrame, gemeente: str, year: int | None = None) -> pd.DataFrame:
    """Wijken of a gemeente (latest name per code), for pickers and the batch command."""
    w = regions[(regions["level"] == "wijk") & (regions["gemeente_code"] == gemeente)]
    if year is not None:
        w = w[w["year"] == year]
    w = w.sort_values("year").drop_duplicates("region_code", keep="last")
    return w.sort_values("region_code")[["region_code", "region_name", "year"]].reset_index(drop=True)
