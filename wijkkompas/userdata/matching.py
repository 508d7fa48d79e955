"""Match the region column of an uploaded file to the store's buurten, wijken and gemeenten.

Every row gets a region code or a reason why not, plus the closest known regions as suggestions
("'Hengelose Ess' — bedoelt u 'Hengelose Es' (WK016401)?"). Nothing is matched on a guess: a code
is matched only when it exists, a name only when exactly one region (in the level and gemeente the
file is about) carries it. Everything else goes to the report, and the user decides.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wijkkompas.userdata.codes import code_candidates, normalise_name, normalise_names, parse_codes

MAX_SUGGESTION_ROWS = 500  # suggestions cost a fuzzy search each; beyond this the report says so
MAX_COMPARISONS = 400_000  # and all suggestions together compare at most this many names or codes
HOW_CODE = "code"
HOW_CODE_FIXED = "code aangevuld"  # BU/WK/GM added or leading zeros restored
HOW_NAME = "naam"
HOW_NAME_LOOSE = "naam (andere schrijfwijze)"
HOW_MANUAL = "door u gekoppeld"

PROBLEM_EMPTY = "geen gebied ingevuld"
PROBLEM_UNKNOWN_CODE = "onbekende code"
PROBLEM_UNKNOWN_NAME = "onbekende naam"
PROBLEM_AMBIGUOUS = "naam past bij meer gebieden"
PROBLEM_OTHER_YEAR = "code bestaat niet in dit jaar"
PROBLEM_NOT_LOADED = "gemeente niet geladen"
PROBLEM_DUPLICATE = "gebied staat er vaker in"
PROBLEM_BAD_YEAR = "jaar onleesbaar"


@dataclass
class RegionIndex:
    """The regions a file can be matched to: one reference year, all loaded gemeenten."""

    regions: pd.DataFrame  # region_code, region_name, level, gemeente_code, wijk_code (reference year)
    year: int | None
    other_years: dict[str, list[int]] = field(default_factory=dict)  # code → years it exists in (not `year`)
    loaded_gemeenten: dict[str, str] = field(default_factory=dict)  # code → name

    def __post_init__(self) -> None:
        r = self.regions.reset_index(drop=True)
        self.regions = r
        # .tolist() first: iterating an Arrow-backed Series element by element is ~50× slower.
        codes = r["region_code"].astype(str).tolist()
        self.codes = set(codes)
        self.names = dict(zip(codes, r["region_name"].astype(str).tolist(), strict=True))
        self.level_of = dict(zip(codes, r["level"].astype(str).tolist(), strict=True))
        self.gemeente_of = dict(zip(codes, r["gemeente_code"].astype(str).tolist(), strict=True))
        self._by_key: dict[str, list[str]] | None = None
        self._key_of: dict[str, str] | None = None

    def _build_keys(self) -> None:
        """Name keys, built only when a row has to be matched or suggested by name (codes are the usual case)."""
        r = self.regions
        strict = normalise_names(r["region_name"], strip_wijk=False)
        # Only CBS wijk names ("Wijk 01 …") differ without their prefix; the rest keep the strict key.
        wijk_like = r["region_name"].astype("string").str.match(r"(?i)\s*wijk\s*\d").fillna(False).to_numpy()
        loose = strict.copy()
        if wijk_like.any():
            loose[wijk_like] = normalise_names(r["region_name"][wijk_like], strip_wijk=True).to_numpy()
        keys = pd.concat(
            [
                pd.DataFrame({"key": strict, "code": r["region_code"]}),
                pd.DataFrame({"key": loose, "code": r["region_code"]}),
            ]
        )
        keys = keys[keys["key"] != ""].drop_duplicates()
        by_key: dict[str, list[str]] = {}
        for key, code in zip(keys["key"].tolist(), keys["code"].astype(str).tolist(), strict=True):
            by_key.setdefault(key, []).append(code)
        self._by_key = by_key
        self._key_of = dict(zip(r["region_code"].astype(str).tolist(), loose.tolist(), strict=True))

    @property
    def by_key(self) -> dict[str, list[str]]:
        if self._by_key is None:
            self._build_keys()
        return self._by_key  # type: ignore[return-value]

    @property
    def key_of(self) -> dict[str, str]:
        if self._key_of is None:
            self._build_keys()
        return self._key_of  # type: ignore[return-value]

    @classmethod
    def from_frames(cls, regions: pd.DataFrame, year: int | None) -> RegionIndex:
        """`regions` = store.regions() (all years); the index uses `year` or the nearest loaded year."""
        if regions.empty:
            return cls(regions.iloc[0:0][["region_code", "region_name", "level", "gemeente_code", "wijk_code"]], year)
        years = sorted(int(y) for y in regions["year"].unique())
        ref = year if year in years else (min(years, key=lambda y: (abs(y - year), -y)) if year else years[-1])
        cur = regions[(regions["year"] == ref) & regions["level"].isin(["gemeente", "wijk", "buurt"])]
        other = regions[regions["year"] != ref]
        cur_codes = set(cur["region_code"].astype(str).tolist())
        other_years: dict[str, list[int]] = {}
        for code, y in zip(other["region_code"].astype(str).tolist(), other["year"].astype(int).tolist(), strict=True):
            if code not in cur_codes:
                other_years.setdefault(code, []).append(y)
        other_years = {k: sorted(set(v)) for k, v in other_years.items()}
        gm = regions[regions["level"] == "gemeente"].sort_values("year")
        loaded = dict(zip(gm["region_code"].astype(str).tolist(), gm["region_name"].astype(str).tolist(), strict=True))
        cols = ["region_code", "region_name", "level", "gemeente_code", "wijk_code"]
        return cls(cur[cols].copy(), ref, other_years, loaded)

    def label(self, code: str) -> str:
        return f"{self.names.get(code, code)} ({code})"


def isin(values: pd.Series, members: set[str]) -> pd.Series:
    """Membership in a Python set; pandas' `isin` on Arrow strings is slow for large sets."""
    arr = values.to_numpy(dtype=object, na_value=None)
    return pd.Series(np.fromiter((v in members for v in arr), dtype=bool, count=len(arr)), index=values.index)


def level_hint(header: str) -> str | None:
    h = header.casefold()
    if "buurt" in h:
        return "buurt"
    if "wijk" in h:
        return "wijk"
    if "gemeente" in h:
        return "gemeente"
    return None


# --------------------------------------------------------------------------- matching


def _gemeente_hint(values: pd.Series | None, index: RegionIndex) -> pd.Series | None:
    """A gemeente column (code or name) as GM codes, to tell apart equal names in two gemeenten."""
    if values is None:
        return None
    codes = parse_codes(values, "gemeente")
    codes = codes.where(codes.str.startswith("GM", na=False))
    by_name = {normalise_name(n): c for c, n in index.loaded_gemeenten.items()}
    # CBS names like "Hengelo (O.)": also the name without what is between brackets.
    by_name.update({normalise_name(n.split("(")[0]): c for c, n in index.loaded_gemeenten.items()})
    names = normalise_names(values.str.replace(r"^gemeente\s+", "", regex=True, case=False)).map(by_name)
    return codes.fillna(names.astype("string"))


def match_regions(
    text: pd.Series,
    index: RegionIndex,
    *,
    level: str | None = None,
    gemeente: pd.Series | None = None,
    scope: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per input row: `region_code`, `how`, `problem`, `candidates` (codes when ambiguous).

    `level` narrows names and prefix-less codes to buurten/wijken/gemeenten (from the column header);
    `gemeente` is an optional gemeente column; `scope` the gemeenten the user works on.
    """
    text = text.astype("string").fillna("").str.strip()
    n = len(text)
    code = pd.Series(pd.NA, index=text.index, dtype="string")
    how = pd.Series("", index=text.index, dtype="string")
    problem = pd.Series("", index=text.index, dtype="string")
    candidates = pd.Series([()] * n, index=text.index, dtype="object")
    problem[text == ""] = PROBLEM_EMPTY

    # 1. Codes, exactly as written or completed (prefix, leading zeros), checked against real regions.
    upper = text.str.upper().str.replace(r"\s+", "", regex=True)
    exact = isin(upper, index.codes) & (text != "")
    code[exact] = upper[exact]
    how[exact] = HOW_CODE
    parsed = parse_codes(text, level)
    order = [level] if level else []
    order += [lv for lv in ("buurt", "wijk", "gemeente") if lv not in order]
    todo = code.isna() & (text != "")
    fixed = parsed.where(isin(parsed, index.codes))
    rest = todo & fixed.isna()
    if rest.any():  # a prefix-less number: the level whose completion exists
        cands = code_candidates(text[rest])
        for lv in order:
            fixed[rest] = fixed[rest].fillna(cands[lv].where(isin(cands[lv], index.codes)))
    hit = todo & fixed.notna()
    code[hit] = fixed[hit]
    how[hit] = HOW_CODE_FIXED
    is_code = parsed.notna() & todo & ~hit
    not_loaded = is_code & ~isin(parsed.str[2:6], {g[2:] for g in index.loaded_gemeenten})
    other_year = is_code & isin(parsed, set(index.other_years))
    problem[is_code] = PROBLEM_UNKNOWN_CODE
    problem[not_loaded] = PROBLEM_NOT_LOADED
    problem[other_year] = PROBLEM_OTHER_YEAR

    # 2. Names, for what is not a code.
    names = code.isna() & (text != "") & ~is_code
    if names.any():
        gm_hint = _gemeente_hint(gemeente, index)
        strict = normalise_names(text[names], strip_wijk=False)
        loose = normalise_names(text[names], strip_wijk=True)
        scope_set = set(scope or [])
        for i in text[names].index:
            found = None
            options: list[str] = []
            for key, kind in ((strict[i], HOW_NAME), (loose[i], HOW_NAME_LOOSE)):
                options = list(dict.fromkeys(index.by_key.get(key, [])))
                if not options:
                    continue
                options = _narrow(options, index, level, None if gm_hint is None else gm_hint.get(i), scope_set)
                if len(options) == 1:
                    found = (options[0], HOW_NAME if text[i] == index.names[options[0]] else kind)
                break
            if found:
                code[i], how[i] = found
            elif len(options) > 1:
                problem[i] = PROBLEM_AMBIGUOUS
                candidates[i] = tuple(options)
            else:
                problem[i] = PROBLEM_UNKNOWN_NAME
    problem[code.notna()] = ""
    return pd.DataFrame(
        {"region_code": code, "how": how, "problem": problem, "candidates": candidates, "parsed": parsed}
    )


def _narrow(options: list[str], index: RegionIndex, level: str | None, gemeente: object, scope: set[str]) -> list[str]:
    """Equal names: keep the level of the column, the gemeente of the row, the user's gemeenten."""
    for keep in (
        lambda c: level is not None and index.level_of.get(c) == level,
        lambda c: isinstance(gemeente, str) and index.gemeente_of.get(c) == gemeente,
        lambda c: bool(scope) and index.gemeente_of.get(c) in scope,
        lambda c: index.level_of.get(c) != "gemeente",
    ):
        narrowed = [c for c in options if keep(c)]
        if narrowed:
            options = narrowed
        if len(options) == 1:
            break
    return options


def majority_level(matched_codes: pd.Series) -> str | None:
    levels = matched_codes.dropna().str[:2].map({"BU": "buurt", "WK": "wijk", "GM": "gemeente"}).dropna()
    return None if levels.empty else str(levels.value_counts().idxmax())


# --------------------------------------------------------------------------- suggestions


def _best(query: str, keys: list[str], codes: list[str], cutoff: float, limit: int, contain: bool) -> list[str]:
    """Closest keys by difflib ratio, with its cheap upper bounds first (as `get_close_matches` does)."""
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(query)
    scored = []
    for key, code in zip(keys, codes, strict=True):
        if not key:
            continue
        score = 0.0
        if contain and len(query) >= 4 and (query in key or key in query):
            score = 0.85 + 0.1 * min(len(query), len(key)) / max(len(query), len(key))
        else:
            sm.set_seq1(key)
            if sm.real_quick_ratio() < cutoff or sm.quick_ratio() < cutoff:
                continue
            score = sm.ratio()
        if score >= cutoff:
            scored.append((score, code))
    scored.sort(key=lambda p: (-p[0], p[1]))
    return [c for _s, c in scored[:limit]]


def suggest(
    text: str,
    index: RegionIndex,
    *,
    level: str | None = None,
    gemeenten: Sequence[str] | None = None,
    limit: int = 3,
    cutoff: float = 0.6,
    budget: list[int] | None = None,
) -> list[str]:
    """The closest known regions (codes) for a name or code that did not match, best first.

    A code is compared with the codes of its own gemeente (when that is loaded); a name with the
    names in the gemeenten the file is about.
    """
    regions = index.regions
    parsed = parse_codes(pd.Series([text], dtype="string"), level).iloc[0]
    if pd.notna(parsed) and f"GM{str(parsed)[2:6]}" in index.loaded_gemeenten:
        gemeenten = [f"GM{str(parsed)[2:6]}"]
    if gemeenten:
        sub = regions[regions["gemeente_code"].isin(list(gemeenten))]
        regions = sub if not sub.empty else regions
    if level:
        sub = regions[regions["level"] == level]
        regions = sub if not sub.empty else regions
    if regions.empty:
        return []
    codes = regions["region_code"].astype(str).tolist()
    if budget is not None:
        budget[0] -= len(codes)
    if pd.notna(parsed):
        same = [c for c in codes if c[:2] == str(parsed)[:2]] or codes
        return _best(str(parsed), same, same, cutoff, limit, contain=False)
    keys = [index.key_of.get(c, "") for c in codes]
    return _best(normalise_name(text), keys, codes, cutoff, limit, contain=True)


def add_suggestions(
    frame: pd.DataFrame,
    text: pd.Series,
    index: RegionIndex,
    *,
    level: str | None,
    gemeenten: Sequence[str] | None,
    codes: pd.Series | None = None,
) -> tuple[pd.Series, int]:
    """Suggestions for unmatched rows (ambiguous rows get their candidates); returns (series, rows skipped)."""
    out = pd.Series([()] * len(frame), index=frame.index, dtype="object")
    todo = frame.index[frame["region_code"].isna() & (frame["problem"] != "")]
    done = 0
    skipped = 0
    budget = [MAX_COMPARISONS]
    for i in todo:
        if frame.at[i, "candidates"]:
            out[i] = tuple(frame.at[i, "candidates"])[:5]
            continue
        if frame.at[i, "problem"] in ("", PROBLEM_EMPTY, PROBLEM_NOT_LOADED, PROBLEM_DUPLICATE):
            continue
        if done >= MAX_SUGGESTION_ROWS or budget[0] <= 0:
            skipped += 1
            continue
        own = None if codes is None or pd.isna(codes[i]) else f"GM{str(codes[i])[2:6]}"
        where = [own] if own in index.loaded_gemeenten else gemeenten  # a row's own code names its gemeente
        out[i] = tuple(suggest(str(text[i]), index, level=level, gemeenten=where, budget=budget))
        done += 1
    return out, skipped
