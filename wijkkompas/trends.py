"""Series over the years per region × indicator, with honest breaks (pure; no Streamlit).

Buurt and wijk codes change between KWB years (herindeling, new neighbourhoods). A line drawn from
an old code to a new one, or across a year in which a buurt belonged to another wijk, suggests a
development that did not happen. So a series here is split into *segments*: a line is only drawn
between years in which the region exists with the same code, level and parent, and has a known
value. Every place where a region's code appears, disappears or is re-assigned is returned as a
*break* with a plain Dutch explanation, so the page can mark it instead of papering over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkkompas.errors import SourceError
from wijkkompas.formatting import missing_text

LEVEL_WORDS = {"nederland": "land", "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}
LEVEL_ORDER = {"nederland": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
BREAK_KINDS = ("opgeheven", "nieuw", "niveau", "indeling")
SERIES_KEY = ["region_code", "indicator"]

_POINT_COLUMNS = [
    "region_code",
    "region_name",
    "level",
    "gemeente_code",
    "wijk_code",
    "indicator",
    "year",
    "value",
    "status",
    "source_table",
    "source_key",
    "exists",
    "drawn",
    "segment",
    "gap_before",
    "note",
]
_BREAK_COLUMNS = [
    "region_code",
    "region_name",
    "indicator",
    "kind",
    "year_before",
    "year_after",
    "year",
    "value",
    "text",
]


@dataclass(frozen=True)
class TrendSeries:
    """The points of every (region, indicator) over the indicator's years, and where lines break.

    points: one row per region × indicator × year in which the indicator was published. `drawn` says
    whether the point has a value that may be drawn; `segment` (1, 2, …) numbers the unbroken pieces
    of the line, NA where nothing is drawn; `gap_before` is the number of years since the previous
    drawn point of the same segment (1 = consecutive years), so a line over missing years can be
    shown differently; `note` says in Dutch why a point has no value.
    breaks: one row per place where the line is broken by a change of code, level or parent; `year`
    and `value` are where a marker belongs (the last point before or the first point after).
    """

    points: pd.DataFrame
    breaks: pd.DataFrame
    years: tuple[int, ...]

    def for_indicator(self, indicator: str) -> TrendSeries:
        p = self.points[self.points["indicator"] == indicator]
        b = self.breaks[self.breaks["indicator"] == indicator]
        return TrendSeries(
            p.reset_index(drop=True), b.reset_index(drop=True), tuple(sorted(p["year"].unique().tolist()))
        )

    def drawn_years(self, indicator: str | None = None) -> list[int]:
        p = self.points if indicator is None else self.points[self.points["indicator"] == indicator]
        return sorted(p.loc[p["drawn"], "year"].unique().tolist())


# --------------------------------------------------------------------------- regions


def region_catalog(regions: pd.DataFrame, gemeente_names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per region code ever loaded, with its latest name and the years it exists.

    Used to offer regions in pickers (also codes that no longer exist, so an old buurt can still be
    followed) and to check codes that arrive in a URL.
    """
    cols = [
        "region_code",
        "region_name",
        "level",
        "gemeente_code",
        "wijk_code",
        "first_year",
        "last_year",
        "years",
        "label",
    ]
    if regions.empty:
        return pd.DataFrame(columns=cols)
    reg = regions.sort_values(["region_code", "year"])
    last = reg.groupby("region_code", sort=False).tail(1).set_index("region_code")
    years = reg.groupby("region_code", sort=False)["year"].agg(lambda s: tuple(int(y) for y in s))
    out = last[["region_name", "level", "gemeente_code", "wijk_code"]].copy()
    out["first_year"] = reg.groupby("region_code", sort=False)["year"].min().astype(int)
    out["last_year"] = last["year"].astype(int)
    out["years"] = years
    out = out.reset_index()
    if gemeente_names is None:
        gm = reg[reg["level"] == "gemeente"].groupby("region_code")["region_name"].last().to_dict()
    else:
        gm = dict(gemeente_names)
    latest = int(reg["year"].max())
    out["label"] = region_labels(out, gm, latest)
    out["_order"] = out["level"].map(LEVEL_ORDER).fillna(9)
    return (
        out.sort_values(["_order", "gemeente_code", "region_code"], na_position="first")
        .drop(columns="_order")[cols]
        .reset_index(drop=True)
    )


def region_labels(catalog: pd.DataFrame, gemeente_names: dict[str, str], latest_year: int) -> pd.Series:
    """'Oude Markt · buurt in Teststad', and '(tot 2023)' for a code that no longer exists."""
    level = catalog["level"].map(LEVEL_WORDS).fillna(catalog["level"])
    gm = catalog["gemeente_code"].map(gemeente_names).fillna(catalog["gemeente_code"]).fillna("")
    label = catalog["region_name"].astype(str) + " · " + level
    below = catalog["level"].isin(["wijk", "buurt"])
    label = label.where(~below, label + " in " + gm)
    label = label.where(catalog["level"] != "nederland", catalog["region_name"].astype(str))
    old = catalog["last_year"].astype(int) < latest_year
    label = label.where(~old, label + " (tot " + catalog["last_year"].astype(str) + ")")
    new = catalog["first_year"].astype(int) > catalog["first_year"].min()
    label = label.where(~new | old, label + " (vanaf " + catalog["first_year"].astype(str) + ")")
    return label


@dataclass(frozen=True)
class ResolvedCodes:
    """Codes from a URL or a link, checked: the usable ones, the unknown ones, and those over the limit."""

    codes: tuple[str, ...]
    unknown: tuple[str, ...]
    dropped: tuple[str, ...]

    def messages(self, limit: int) -> list[str]:
        out = []
        if self.unknown:
            listed = ", ".join(self.unknown)
            out.append(
                f"Deze code(s) uit de link zijn niet bekend in de geladen gegevens: {listed}. "
                "Controleer de link, of laad de gemeente op de pagina Start. De andere gebieden worden wel getoond."
            )
        if self.dropped:
            out.append(
                f"De link vraagt om {len(self.codes) + len(self.dropped)} gebieden; er passen er {limit} naast elkaar. "
                f"De eerste {limit} worden getoond; weggelaten: {', '.join(self.dropped)}."
            )
        return out


def resolve_codes(requested: Iterable[str], known: Iterable[str], limit: int) -> ResolvedCodes:
    """Keep known codes in the order asked (without duplicates), at most `limit`."""
    known_set = set(known)
    seen: list[str] = []
    unknown: list[str] = []
    for raw in requested:
        code = str(raw).strip().upper()
        if not code or code in seen or code in unknown:
            continue
        (seen if code in known_set else unknown).append(code)
    return ResolvedCodes(tuple(seen[:limit]), tuple(unknown), tuple(seen[limit:]))


def display_names(catalog: pd.DataFrame, codes: Sequence[str]) -> dict[str, str]:
    """Short names for legends; a code is added only where two chosen regions share a name."""
    sub = catalog.set_index("region_code").reindex(list(codes))
    names = sub["region_name"].astype(object).where(sub["region_name"].notna(), pd.Series(list(codes), index=sub.index))
    dup = names.duplicated(keep=False)
    names = names.where(~dup, names.astype(str) + " (" + names.index.to_series().astype(str) + ")")
    return {str(k): str(v) for k, v in names.items()}


# --------------------------------------------------------------------------- series


def build_series(
    values: pd.DataFrame,
    regions: pd.DataFrame,
    codes: Sequence[str],
    indicators: Sequence[str],
    years: Sequence[int] | None = None,
) -> TrendSeries:
    """Points and breaks for `codes` × `indicators` over every year the indicator was published.

    `values` is the store's long table (at least the rows of these indicators for the loaded
    gemeenten; the years an indicator appears in are taken from it). `regions` is the regions table
    for those years; it decides in which years a code exists and under which parent. Pass the regions
    of all loaded gemeenten (not only the chosen codes) so a recoded buurt's successor can be named.
    """
    codes = list(dict.fromkeys(codes))
    indicators = list(dict.fromkeys(indicators))
    # Masks first, then take only the few rows needed: the page's cached table can hold millions of rows.
    ind_mask = values["indicator"].isin(indicators)
    if years is not None:
        ind_mask &= values["year"].isin(list(years))
    ind_years = values.loc[ind_mask, ["indicator", "year"]].drop_duplicates()
    if not codes or ind_years.empty:
        return TrendSeries(pd.DataFrame(columns=_POINT_COLUMNS), pd.DataFrame(columns=_BREAK_COLUMNS), ())

    grid = ind_years.merge(pd.DataFrame({"region_code": codes}), how="cross")
    pres = regions.loc[
        regions["region_code"].isin(codes),
        ["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"],
    ]
    pres = pres.drop_duplicates(["year", "region_code"])
    grid = grid.merge(pres, on=["year", "region_code"], how="left")
    grid["exists"] = grid["level"].notna()
    v = values.loc[
        ind_mask & values["region_code"].isin(codes),
        ["year", "region_code", "indicator", "value", "status", "source_table", "source_key", "region_name", "level"],
    ]
    v = v.drop_duplicates(["year", "region_code", "indicator"]).rename(
        columns={"region_name": "_vname", "level": "_vlevel"}
    )
    grid = grid.merge(v, on=["year", "region_code", "indicator"], how="left")
    # A value row for a code the regions table does not list (e.g. Nederland) still proves the region exists.
    grid["exists"] = grid["exists"] | grid["_vlevel"].notna()
    grid["region_name"] = grid["region_name"].fillna(grid["_vname"])
    grid["level"] = grid["level"].fillna(grid["_vlevel"])
    grid = grid.drop(columns=["_vname", "_vlevel"])
    grid["value"] = grid["value"].astype(float)

    # Names come from the year shown; years without the region get its latest name.
    latest_name = pres.sort_values("year").groupby("region_code")["region_name"].last()
    grid["region_name"] = grid["region_name"].fillna(grid["region_code"].map(latest_name)).fillna(grid["region_code"])

    grid = grid.sort_values([*SERIES_KEY, "year"], kind="stable").reset_index(drop=True)
    # "The previous year of the same series" with plain numpy on the sorted grid (one comparison of
    # keys) instead of a groupby per column: this runs on every rerun of the Trends page.
    n = len(grid)
    rc = grid["region_code"].to_numpy(dtype=object)
    ic = grid["indicator"].to_numpy(dtype=object)
    first = np.ones(n, dtype=bool)
    first[1:] = (rc[1:] != rc[:-1]) | (ic[1:] != ic[:-1])

    def prev(values: np.ndarray, fill) -> np.ndarray:
        out = np.empty_like(values)
        out[0:1] = fill
        out[1:] = values[:-1]
        out[first] = fill
        return out

    exists = grid["exists"].to_numpy(dtype=bool)
    level = grid["level"].astype(object).fillna("").to_numpy(dtype=object)
    parent = (
        grid["gemeente_code"].astype(object).fillna("") + "/" + grid["wijk_code"].astype(object).fillna("")
    ).to_numpy(dtype=object)
    prev_exists = prev(exists, False)
    both = exists & prev_exists
    kind = np.full(n, None, dtype=object)
    kind[exists & ~prev_exists & ~first] = "nieuw"
    kind[~exists & prev_exists] = "opgeheven"
    kind[both & (parent != prev(parent, ""))] = "indeling"
    kind[both & (level != prev(level, ""))] = "niveau"
    grid["brk"] = pd.Series(kind, index=grid.index, dtype="string")

    value = grid["value"].to_numpy(dtype=float)
    drawn = exists & np.isfinite(value)
    grid["drawn"] = drawn
    new_segment = drawn & (first | ~prev(drawn, False) | np.isin(kind, ["indeling", "niveau"]))
    total = np.cumsum(new_segment)
    group = np.cumsum(first) - 1
    before_group = (total - new_segment)[first]  # segments counted before each series starts
    seg = total - before_group[group]
    grid["segment"] = pd.array(np.where(drawn, seg, 0), dtype="Int64")
    grid.loc[~drawn, "segment"] = pd.NA
    grid_years = grid["year"].to_numpy(dtype=float)
    prev_year = prev(grid_years, np.nan)
    grid["gap_before"] = pd.array(
        np.where(drawn & ~new_segment, grid_years - prev_year, np.nan), dtype="Float64"
    ).astype("Int64")

    grid["note"] = _notes(grid)
    names = grid["region_name"].to_numpy(dtype=object)
    breaks = _breaks(grid, regions, prev_year, prev(value, np.nan), prev(names, None))
    points = grid[_POINT_COLUMNS].reset_index(drop=True)
    return TrendSeries(points, breaks, tuple(sorted(int(y) for y in ind_years["year"].unique())))


def _notes(grid: pd.DataFrame) -> pd.Series:
    """Why a point has no value, in the words the page uses."""
    note = pd.Series("", index=grid.index, dtype="string")
    no_value = grid["exists"] & grid["value"].isna()
    has_status = grid["status"].notna() & (grid["status"] != "ok")
    statuses = grid["status"].dropna().unique()
    texts = grid["status"].map({s: missing_text(s) for s in statuses})
    note = note.mask(no_value & has_status, texts)
    note = note.mask(no_value & ~has_status, "niet in de geladen CBS-bestanden")
    note = note.mask(~grid["exists"], "bestaat niet in " + grid["year"].astype(str) + " (andere indeling)")
    computed = grid["drawn"] & (grid["status"] == "berekend uit buurten")
    return note.mask(computed.fillna(False).astype(bool), "berekend uit buurten")


def _breaks(
    grid: pd.DataFrame, regions: pd.DataFrame, prev_year: np.ndarray, prev_value: np.ndarray, prev_name: np.ndarray
) -> pd.DataFrame:
    at = grid["brk"].notna().to_numpy()
    events = grid[at].copy()
    if events.empty:
        return pd.DataFrame(columns=_BREAK_COLUMNS)
    events["year_after"] = events["year"].astype(int)
    events["year_before"] = prev_year[at].astype(int)
    value_before = pd.Series(prev_value[at], index=events.index)
    name_before = pd.Series(prev_name[at], index=events.index)
    gone = events["brk"] == "opgeheven"
    # Marker: on the last point before a disappearance, on the first point after anything else.
    events["marker_year"] = events["year_before"].where(gone, events["year_after"])
    events["marker_value"] = value_before.where(gone, events["value"])
    events["name"] = name_before.where(gone, events["region_name"]).fillna(events["region_name"])
    hint = _successors(events, regions)
    text = []
    for row, h in zip(events.itertuples(index=False), hint, strict=True):
        text.append(_break_text(row, h))
    out = pd.DataFrame(
        {
            "region_code": events["region_code"].to_numpy(),
            "region_name": events["name"].to_numpy(),
            "indicator": events["indicator"].to_numpy(),
            "kind": events["brk"].astype(str).to_numpy(),
            "year_before": events["year_before"].to_numpy(),
            "year_after": events["year_after"].to_numpy(),
            "year": events["marker_year"].to_numpy(),
            "value": events["marker_value"].astype(float).to_numpy(),
            "text": text,
        }
    )
    return out.reset_index(drop=True)


def _norm(names: pd.Series) -> pd.Series:
    return names.astype(str).str.strip().str.casefold()


def _successors(events: pd.DataFrame, regions: pd.DataFrame) -> list[str]:
    """For a vanished code: a new code of the same name in the same gemeente (and the reverse).

    Only a *hint* ("waarschijnlijk"): CBS publishes no official succession in the KWB, and a same
    name after a recoding is the usual case, not a guarantee. Vectorised: the regions table of a
    national store has ~150 000 rows, and this runs on every rerun of the Trends page.
    """
    out = pd.Series("", index=events.index, dtype=object)
    ev = events[events["brk"].isin(["opgeheven", "nieuw"])]
    if ev.empty:
        return out.tolist()
    gone = ev["brk"] == "opgeheven"
    gm_rows = regions.loc[regions["region_code"].isin(ev["region_code"].unique()) & regions["gemeente_code"].notna()]
    gemeente_of = gm_rows.groupby("region_code")["gemeente_code"].last()
    keys = pd.DataFrame(
        {
            "event": ev.index,
            "own": ev["region_code"].to_numpy(),
            "look": ev["year_after"].where(gone, ev["year_before"]).astype(int).to_numpy(),
            "other": ev["year_before"].where(gone, ev["year_after"]).astype(int).to_numpy(),
            "gm": ev["region_code"].map(gemeente_of).to_numpy(),
            "_n": _norm(ev["name"]).to_numpy(),
        }
    )
    reg = regions.loc[
        regions["gemeente_code"].isin(keys["gm"].dropna().unique()),
        ["year", "region_code", "region_name", "gemeente_code"],
    ]
    reg = reg.assign(_n=_norm(reg["region_name"]), year=reg["year"].astype(int))
    cands = keys.merge(reg, left_on=["look", "gm", "_n"], right_on=["year", "gemeente_code", "_n"])
    cands = cands[cands["region_code"] != cands["own"]]
    existed = reg[["year", "region_code"]].rename(columns={"year": "other"}).assign(_was=True)
    cands = cands.merge(existed, on=["other", "region_code"], how="left")
    cands = cands[cands["_was"].isna()]
    unique = cands.groupby("event")["region_code"].agg(["first", "count"])
    hits = unique.loc[unique["count"] == 1, "first"]
    out.loc[hits.index] = hits.to_numpy()
    return out.tolist()


def _break_text(row, hint: str) -> str:
    name, code = row.name, row.region_code
    y0, y1 = row.year_before, row.year_after
    if row.brk == "opgeheven":
        text = f"{name} ({code}) bestaat niet meer in {y1}: de code is opgeheven of het gebied is opnieuw ingedeeld."
        if hint:
            text += f" Waarschijnlijk gaat het verder als {hint} (zelfde naam); kies die code om de lijn te volgen."
        return text
    if row.brk == "nieuw":
        text = f"{name} ({code}) bestaat pas vanaf {y1}; in {y0} had het gebied deze code niet."
        if hint:
            text += f" Waarschijnlijk heette het daarvoor {hint} (zelfde naam)."
        return text
    if row.brk == "niveau":
        return (
            f"{name} ({code}) is in {y1} van een ander soort gebied dan in {y0}; de cijfers zijn niet te vergelijken."
        )
    return (
        f"{name} ({code}) hoort in {y1} bij een andere wijk of gemeente dan in {y0}; "
        "de grenzen kunnen veranderd zijn, dus de lijn is onderbroken."
    )


# --------------------------------------------------------------------------- rebasing


def rebase(points: pd.DataFrame, index_year: int) -> pd.DataFrame:
    """Add `index` (100 = the value in `index_year`) and `index_note` to the points.

    Only points in the same unbroken segment as the index year get an index: across a recoding the
    base is another area, so an index would compare two different things. A base of 0, a negative
    base or a base without a value gives no index, with the reason in `index_note`.
    """
    out = points.copy()
    if out.empty:
        out["index"] = pd.Series(dtype=float)
        out["index_note"] = pd.Series(dtype="string")
        return out
    base = out.loc[out["drawn"].astype(bool) & (out["year"] == index_year), [*SERIES_KEY, "segment", "value"]]
    base = base.rename(columns={"segment": "_base_segment", "value": "_base"})
    out = out.merge(base, on=SERIES_KEY, how="left")
    same = out["drawn"].astype(bool) & (out["segment"] == out["_base_segment"]).fillna(False).astype(bool)
    ok_base = out["_base"] > 0
    out["index"] = (out["value"] / out["_base"] * 100.0).where(same & ok_base)
    note = pd.Series("", index=out.index, dtype="string")
    note = note.mask(out["_base"].isna(), f"geen cijfer in {index_year}, dus geen index")
    note = note.mask(out["_base"].notna() & ~ok_base, f"waarde in {index_year} is 0 of negatief, dus geen index")
    note = note.mask(
        out["_base"].notna() & ok_base & out["drawn"].astype(bool) & ~same,
        f"andere code of indeling dan in {index_year}, dus geen index",
    )
    out["index_note"] = note
    return out.drop(columns=["_base_segment", "_base"])


def check_index_year(index_year: object, years: Sequence[int]) -> int | None:
    """A usable index year or None; raise a Dutch SourceError for a year that is not loaded."""
    if index_year in (None, "", 0, "0"):
        return None
    try:
        year = int(str(index_year))
    except ValueError as exc:
        raise SourceError(
            f"Indexjaar '{index_year}' is geen jaartal. Kies een jaar uit: {', '.join(map(str, years))}."
        ) from exc
    if year not in set(years):
        raise SourceError(f"Indexjaar {year} is niet geladen. Kies een jaar uit: {', '.join(map(str, years))}.")
    return year


# --------------------------------------------------------------------------- latest year


def latest_years(
    values: pd.DataFrame, indicators: Sequence[str], codes: Sequence[str] | None = None
) -> dict[str, int | None]:
    """Per indicator, the latest year with a known value (for the chosen regions, when given).

    CBS publishes some figures (income, benefits) a year or more later than the rest, so the newest
    loaded year often has no value yet; the page says so rather than showing an empty end of a line.
    """
    v = values[values["indicator"].isin(list(indicators)) & values["value"].notna()]
    if codes is not None:
        v = v[v["region_code"].isin(list(codes))]
    latest = v.groupby("indicator")["year"].max()
    return {ind: (int(latest[ind]) if ind in latest.index else None) for ind in indicators}


def source_years(points: pd.DataFrame) -> list[tuple[int, str]]:
    """(year, CBS table) pairs behind the drawn points, for the caption under a chart."""
    p = points[points["drawn"].astype(bool) & points["source_table"].notna()]
    pairs = p[["year", "source_table"]].drop_duplicates().sort_values("year")
    return [(int(y), str(t)) for y, t in pairs.itertuples(index=False)]
