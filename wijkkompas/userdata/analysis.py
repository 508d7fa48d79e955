"""From a read `UserTable` to checked figures: which column is what, which row is which region,
which cells are numbers, and the report that says all of it in Dutch. Nothing is stored here.

The steps are pure functions of the table, the store's regions and inhabitants, and the user's
choices (column roles, year, mapping fixes), so the page can rerun them on every click, and the
command line and the page give the same answer for the same file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkkompas.errors import SourceError
from wijkkompas.sources.user_file import STATUS_FORMULA, UserTable, parse_numbers, sniff_decimal
from wijkkompas.userdata.codes import looks_like_codes, parse_codes
from wijkkompas.userdata.matching import (
    HOW_CODE_FIXED,
    HOW_MANUAL,
    HOW_NAME,
    HOW_NAME_LOOSE,
    PROBLEM_AMBIGUOUS,
    PROBLEM_BAD_YEAR,
    PROBLEM_DUPLICATE,
    PROBLEM_EMPTY,
    PROBLEM_NOT_LOADED,
    PROBLEM_OTHER_YEAR,
    RegionIndex,
    add_suggestions,
    level_hint,
    majority_level,
    match_regions,
)
from wijkkompas.userdata.metadata import IndicatorMeta, default_meta
from wijkkompas.userdata.report import PROBLEM_COLUMNS, ValidationReport, nl_int

DEFAULT_PRIVACY_THRESHOLD = 50
SKIP = ""  # an override that means "do not store this row"
_YEAR_HEADER = re.compile(r"^(jaar|year|peiljaar|jaartal|periode|perioden|verslagjaar|meetjaar)\b", re.I)
_YEAR_VALUE = re.compile(r"^\s*((?:19|20)\d\d)(?:\.0+|JJ00)?\s*$", re.I)
_GEMEENTE_HEADER = re.compile(r"gemeente", re.I)
_CODE_HEADER = re.compile(r"code|gwb|cbs|wijkenenbuurten|regio|^id$", re.I)
_NAME_HEADER = re.compile(r"naam|buurt|wijk|gebied|regio|locatie|kern|dorp", re.I)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@dataclass
class Columns:
    """The role of each column. `name` is a second region column (names) used when a code fails."""

    region: str
    values: list[str]
    year: str | None = None
    gemeente: str | None = None
    name: str | None = None
    ignored: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    table: UserTable
    columns: Columns
    index: RegionIndex
    rows: pd.DataFrame  # per table row: row, text, region_code, how, problem, suggestions, year, keep
    values: dict[str, pd.DataFrame]  # per value column: value, status (aligned with rows)
    year: int | None  # the year for rows without a year column
    report: ValidationReport
    metas: dict[str, IndicatorMeta]
    privacy: pd.DataFrame  # region_code, region_name, inwoners: regions below the threshold
    privacy_threshold: int
    scope: list[str]
    indexes: dict = field(default_factory=dict)  # year → RegionIndex, when rows have their own years

    def index_for(self, year: int | None) -> RegionIndex:
        return self.indexes.get(year, self.index) if self.indexes else self.index

    @property
    def names(self) -> dict[str, str]:
        """Region names over every year involved; the reference year's names win."""
        out: dict[str, str] = {}
        for idx in [*self.indexes.values(), self.index]:
            out.update(idx.names)
        return out

    @property
    def years(self) -> list[int]:
        kept = self.rows.loc[self.rows["keep"], "year"].dropna().unique()
        return sorted(int(y) for y in kept)

    def problem_rows(self) -> pd.DataFrame:
        """The rows still to fix, one per file row (for the mapping editor)."""
        return self.report.problems.drop_duplicates("rij").reset_index(drop=True)


# --------------------------------------------------------------------------- columns


def _melt_year_columns(table: UserTable) -> UserTable:
    """`buurt;2022;2023;2024` (years as column heads) → a long table with a year column."""
    years = [c for c in table.columns if re.fullmatch(r"(19|20)\d\d", c)]
    if len(years) < 2 or any(_YEAR_HEADER.match(c) for c in table.columns):
        return table
    others = [c for c in table.columns if c not in years]
    if not others:
        return table
    cells = table.cells.melt(id_vars=others, value_vars=years, var_name="jaar", value_name="waarde", ignore_index=False)
    numbers = table.numbers[others + years].melt(
        id_vars=others, value_vars=years, var_name="jaar", value_name="waarde", ignore_index=False
    )
    order = np.argsort(cells.index.to_numpy(), kind="stable")
    cells, numbers = cells.iloc[order], numbers.iloc[order]
    rows = [table.row_numbers[i] for i in cells.index]
    formulas = {(r, "waarde"): f for (r, c), f in table.formulas.items() if c in years}
    label = re.sub(r"[_\-]+", " ", Path(table.file_name).stem)
    label = re.sub(r"\s*(19|20)\d\d\s*", " ", label).strip() or "waarde"
    cells = cells.rename(columns={"waarde": label}).reset_index(drop=True)
    numbers = numbers.rename(columns={"waarde": label}).reset_index(drop=True)
    numbers["jaar"] = np.nan
    return UserTable(
        file_name=table.file_name,
        kind=table.kind,
        columns=[*others, "jaar", label],
        cells=cells.astype("string"),
        numbers=numbers[[*others, "jaar", label]].astype("float64"),
        row_numbers=rows,
        sheet=table.sheet,
        sheets=table.sheets,
        encoding=table.encoding,
        delimiter=table.delimiter,
        decimal_default=table.decimal_default,
        notes=[
            *table.notes,
            f"De jaren staan als kolommen ({', '.join(years)}); ze zijn gelezen als één cijfer '{label}' per jaar.",
        ],
        dropped=table.dropped,
        formulas=formulas,
    )


def _numeric_share(table: UserTable, col: str) -> tuple[float, int]:
    """Share of filled cells that are numbers (on a sample: this only decides a column's role)."""
    sample = table.cells.index if table.n_rows <= 2000 else table.cells.sample(2000, random_state=0).index
    native = table.numbers[col].loc[sample].notna()
    text = table.cells[col].loc[sample]
    _values, status = parse_numbers(text, table.decimal_default)
    ok = native | (status == "ok")
    markers = ~native & (status != "ok") & (status != "geen getal in het bestand")
    filled = (~markers).sum()
    return (float(ok.sum() / filled) if filled else 0.0), int(ok.sum())


def detect_columns(table: UserTable) -> Columns:
    """Guess which column holds the regions, the year, the gemeente and the figures."""
    cols = list(table.columns)
    if not cols or table.n_rows == 0:
        raise SourceError(f"In '{table.file_name}' staan geen rijen onder de kolomkoppen.", path=table.file_name)
    code_share = {c: looks_like_codes(table.cells[c], c) for c in cols}
    year_col = None
    for c in cols:
        vals = table.cells[c][table.cells[c] != ""]
        if _YEAR_HEADER.match(c) and len(vals) and vals.str.match(_YEAR_VALUE.pattern).mean() >= 0.8:
            year_col = c
            break
    numeric = {c: _numeric_share(table, c) for c in cols if c != year_col}
    code_cols = [c for c in cols if c != year_col and code_share[c] >= 0.6]
    code_cols.sort(key=lambda c: (not _CODE_HEADER.search(c), -code_share[c]))
    text_cols = [c for c in cols if c != year_col and c not in code_cols and numeric[c][0] < 0.5]
    name_cols = [c for c in text_cols if _NAME_HEADER.search(c) and not _GEMEENTE_HEADER.search(c)]
    gemeente_col = next(
        (c for c in cols if _GEMEENTE_HEADER.search(c) and c not in code_cols[:1] and c not in name_cols[:1]), None
    )
    if code_cols:
        region, name = code_cols[0], (name_cols[0] if name_cols else None)
    elif name_cols:
        region, name = name_cols[0], None
    elif text_cols:
        region, name = next((c for c in text_cols if c != gemeente_col), text_cols[0]), None
    else:
        raise SourceError(
            f"In '{table.file_name}' is geen kolom met buurt- of wijkcodes of -namen gevonden. Zet in de eerste kolom "
            "de CBS-code (bijvoorbeeld BU01640101 of WK016401) of de naam van de buurt of wijk.",
            path=table.file_name,
        )
    if gemeente_col == region:
        gemeente_col = None
    used = {region, name, year_col, gemeente_col}
    values = [c for c in cols if c not in used and numeric.get(c, (0, 0))[0] >= 0.5 and numeric[c][1] > 0]
    ignored = [c for c in cols if c not in used and c not in values]
    return Columns(region=region, values=values, year=year_col, gemeente=gemeente_col, name=name, ignored=ignored)


def _check_columns(table: UserTable, columns: Columns) -> None:
    missing = [
        c
        for c in [columns.region, *columns.values, columns.year, columns.gemeente, columns.name]
        if c and c not in table.columns
    ]
    if missing:
        raise SourceError(
            f"De kolom(men) {', '.join(repr(c) for c in missing)} staan niet in '{table.file_name}'. "
            f"Kolommen in het bestand: {', '.join(table.columns)}.",
            path=table.file_name,
        )


# --------------------------------------------------------------------------- values


def parse_value_column(table: UserTable, col: str) -> tuple[pd.DataFrame, str]:
    """Values and statuses of one column; Excel's own numbers first, typed text second."""
    decimal = sniff_decimal(table.cells[col][table.numbers[col].isna()], table.decimal_default)
    values, status = parse_numbers(table.cells[col], decimal)
    native = table.numbers[col]
    values = native.where(native.notna(), values)
    status = status.where(native.isna(), "ok")
    if table.formulas:
        for (row, c), _f in table.formulas.items():
            if c == col:
                pos = [i for i, r in enumerate(table.row_numbers) if r == row]
                for p in pos:
                    status.iloc[p] = STATUS_FORMULA
                    values.iloc[p] = np.nan
    return pd.DataFrame({"value": values.astype("float64"), "status": status.astype("string")}), decimal


def _decimals(values: pd.Series) -> tuple[bool, int]:
    v = values.dropna().to_numpy(dtype="float64")
    if not len(v):
        return True, 0
    for d in range(0, 3):
        if np.all(np.abs(v * 10**d - np.round(v * 10**d)) < 1e-6 * np.maximum(1, np.abs(v * 10**d))):
            return d == 0, d
    return False, 2


# --------------------------------------------------------------------------- analyse


def _parse_years(text: pd.Series) -> pd.Series:
    m = text.astype("string").fillna("").str.extract(_YEAR_VALUE)[0]
    return pd.to_numeric(m, errors="coerce").astype("Int64")


def _year_from_text(*texts: str) -> int | None:
    for t in texts:
        found = _YEAR_IN_TEXT.findall(t or "")
        if found:
            return int(found[-1])
    return None


def analyse_table(
    table: UserTable,
    regions: pd.DataFrame,
    inwoners: pd.DataFrame | None = None,
    *,
    loaded_years: Sequence[int] | None = None,
    columns: Columns | None = None,
    year: int | None = None,
    scope: Sequence[str] | None = None,
    overrides: Mapping[int, str] | None = None,
    privacy_threshold: int = DEFAULT_PRIVACY_THRESHOLD,
    existing: Mapping[tuple[str, int], str] | None = None,
) -> Analysis:
    """Check a table against the store's regions. Pure: the same inputs give the same report.

    `regions` = `Store.regions()`; `inwoners` = long rows (year, region_code, value) of the
    inhabitants indicator; `overrides` = the user's fixes, file row number → region code or "" (skip);
    `existing` = (indicator id, year) → file name of another upload that already has it.
    """
    table = _melt_year_columns(table)
    columns = columns or detect_columns(table)
    _check_columns(table, columns)
    loaded_years = sorted(
        loaded_years
        if loaded_years is not None
        else {int(y) for y in regions["year"].unique()}
        if not regions.empty
        else []
    )
    report = ValidationReport(file_name=table.file_name, sheet=table.sheet, n_rows=table.n_rows)
    report.reading = list(table.notes)

    # Years.
    row_year = _parse_years(table.cells[columns.year]) if columns.year else None
    year_note = ""
    if row_year is not None:
        file_years = sorted({int(y) for y in row_year.dropna()})
        ref_year = max([y for y in file_years if y in loaded_years] or file_years) if file_years else None
        chosen = None
    else:
        chosen = year
        if chosen is None:
            chosen = _year_from_text(table.file_name, *table.notes, table.sheet or "")
            if chosen is not None:
                year_note = f"Jaar {chosen} gevonden in de bestandsnaam of de titel."
        if chosen is None and loaded_years:
            chosen = loaded_years[-1]
            year_note = f"Geen jaar in het bestand gevonden; gekozen: {chosen} (het laatste geladen jaar). Klopt dat niet, kies dan een ander jaar."
        ref_year = chosen
    index = RegionIndex.from_frames(regions, ref_year)
    indexes = {ref_year: index}
    if row_year is not None:
        for y in sorted({int(v) for v in row_year.dropna()}):
            indexes.setdefault(y, RegionIndex.from_frames(regions, y))
    if regions.empty:
        report.errors.append(
            "Er zijn nog geen CBS-gegevens geladen, dus er zijn geen buurten of wijken om mee te koppelen. Laad eerst gegevens op de startpagina."
        )

    # Regions.
    text = table.cells[columns.region]
    hint = level_hint(columns.region)
    gem = table.cells[columns.gemeente] if columns.gemeente else None

    def match(texts: pd.Series, level: str | None, gemeente: pd.Series | None) -> pd.DataFrame:
        """Each row against the regions of its own year (codes change between years)."""
        if row_year is None:
            return match_regions(texts, index, level=level, gemeente=gemeente, scope=scope)
        ys = row_year.loc[texts.index]
        parts = []
        for y, idx in indexes.items():
            sub = texts[(ys == y).fillna(False).to_numpy()] if y is not None else texts[ys.isna().to_numpy()]
            if len(sub):
                parts.append(
                    match_regions(
                        sub, idx, level=level, gemeente=None if gemeente is None else gemeente[sub.index], scope=scope
                    )
                )
        rest = texts[~texts.index.isin([i for p in parts for i in p.index])]
        if len(rest):
            parts.append(
                match_regions(
                    rest, index, level=level, gemeente=None if gemeente is None else gemeente[rest.index], scope=scope
                )
            )
        return pd.concat(parts).reindex(texts.index)

    matched = match(text, hint, gem)
    if hint is None:  # equal names at two levels: prefer the level most rows have
        lvl = majority_level(matched["region_code"])
        if lvl and (matched["problem"] == PROBLEM_AMBIGUOUS).any():
            matched = match(text, lvl, gem)
            hint = lvl
    used_name = pd.Series(False, index=text.index)
    shown = text.copy()
    query = text.copy()  # what suggestions are searched for: the name when there is one
    if columns.name:
        names = table.cells[columns.name]
        fallback = matched["region_code"].isna() & (names != "")
        if fallback.any():
            by_name = match(names[fallback], hint, None if gem is None else gem[fallback])
            got = by_name["region_code"].notna()
            idx = by_name.index[got]
            matched.loc[idx, ["region_code", "how", "problem"]] = by_name.loc[
                idx, ["region_code", "how", "problem"]
            ].to_numpy()
            used_name[idx] = text[idx] != ""
            # No code at all: the name is what the row says, with the name's problem and candidates.
            no_code = by_name.index[~got & (text[by_name.index] == "")]
            for i in no_code:
                matched.at[i, "problem"] = by_name.at[i, "problem"]
                matched.at[i, "candidates"] = by_name.at[i, "candidates"]
            query[fallback] = names[fallback]
            shown[fallback & (text == "")] = names[fallback & (text == "")]
            both = fallback & (text != "")
            shown[both] = text[both] + " (" + names[both] + ")"
    rows = pd.DataFrame(
        {
            "row": table.row_numbers,
            "text": shown.to_numpy(),
            "query": query.to_numpy(),
            "parsed": matched["parsed"].to_numpy(),
            "region_code": matched["region_code"].to_numpy(),
            "how": matched["how"].to_numpy(),
            "problem": matched["problem"].to_numpy(),
            "candidates": matched["candidates"].to_numpy(),
        }
    )
    rows["region_code"] = rows["region_code"].astype("string")
    rows["problem"] = rows["problem"].astype("string")
    rows["how"] = rows["how"].astype("string")
    rows["year"] = row_year.to_numpy() if row_year is not None else pd.array([chosen] * len(rows), dtype="Int64")
    if row_year is not None:
        bad_year = rows["year"].isna()
        rows.loc[bad_year, "problem"] = PROBLEM_BAD_YEAR
    # The user's fixes.
    skipped_by_user = pd.Series(False, index=rows.index)
    for row_no, target in (overrides or {}).items():
        hit = rows["row"] == int(row_no)
        if not hit.any():
            continue
        if target == SKIP or target is None:
            skipped_by_user |= hit
            continue
        code = parse_codes(pd.Series([target], dtype="string")).iloc[0]
        if pd.notna(code) and any(code in idx.codes for idx in indexes.values()):
            rows.loc[hit, ["region_code", "how", "problem"]] = [code, HOW_MANUAL, ""]
    if row_year is not None:
        rows.loc[rows["year"].isna(), "problem"] = PROBLEM_BAD_YEAR
        rows.loc[rows["year"].isna(), "region_code"] = pd.NA

    # Values.
    values: dict[str, pd.DataFrame] = {}
    decimals_of: dict[str, str] = {}
    for col in columns.values:
        values[col], decimals_of[col] = parse_value_column(table, col)
        values[col].index = rows.index

    # Duplicates: same region and year in several rows.
    ok = rows["region_code"].notna() & ~skipped_by_user
    key = rows["region_code"].astype("string") + "|" + rows["year"].astype("string")
    dup = ok & key.duplicated(keep=False)
    same_dup = pd.Series(False, index=rows.index)
    if dup.any():
        sig = pd.Series("", index=rows.index, dtype="string")
        for col in columns.values:
            sig = sig + "|" + values[col]["value"].astype("string").fillna("") + values[col]["status"]
        grp = pd.DataFrame({"key": key[dup], "sig": sig[dup]})
        consistent = grp.groupby("key")["sig"].transform("nunique") == 1
        first = ~grp["key"].duplicated()
        same_dup[grp.index[consistent & ~first]] = True
        conflict = grp.index[~consistent]
        rows.loc[conflict, "problem"] = PROBLEM_DUPLICATE
    rows["keep"] = rows["region_code"].notna() & (rows["problem"] == "") & ~skipped_by_user & ~same_dup
    rows["skipped_by_user"] = skipped_by_user

    # Suggestions for what is left.
    gm_scope = list(scope or []) or sorted("GM" + rows.loc[rows["keep"], "region_code"].str[2:6].dropna().unique())
    frame = rows[["region_code", "problem", "candidates"]].copy()
    frame.loc[skipped_by_user, "problem"] = ""
    sugg, skipped = add_suggestions(
        frame, rows["query"], index, level=hint, gemeenten=gm_scope or None, codes=rows["parsed"]
    )
    rows["suggestions"] = sugg
    report.suggestions_skipped = skipped

    # Privacy: regions with few inhabitants.
    privacy = _small_regions(rows.loc[rows["keep"], "region_code"], index, inwoners, privacy_threshold)

    # Report.
    metas = _default_metas(table, columns, values, chosen, rows, index)
    _write_report(
        report,
        table,
        columns,
        rows,
        values,
        decimals_of,
        index,
        indexes,
        scope,
        chosen,
        year_note,
        loaded_years,
        privacy,
        privacy_threshold,
        used_name,
        same_dup,
        skipped_by_user,
        hint,
        inwoners,
        existing,
        metas,
    )
    return Analysis(
        table,
        columns,
        index,
        rows,
        values,
        chosen,
        report,
        metas,
        privacy,
        privacy_threshold,
        list(scope or []),
        indexes,
    )


def _small_regions(codes: pd.Series, index: RegionIndex, inwoners: pd.DataFrame | None, threshold: int) -> pd.DataFrame:
    out = pd.DataFrame(columns=["region_code", "region_name", "inwoners"])
    if inwoners is None or inwoners.empty or codes.empty or threshold <= 0:
        return out
    inw = inwoners.dropna(subset=["value"])
    if index.year is not None:
        inw = inw.assign(dist=(inw["year"].astype(int) - index.year).abs()).sort_values(
            ["dist", "year"], ascending=[True, False]
        )
    inw = inw.drop_duplicates("region_code").set_index("region_code")["value"]
    have = pd.Series(codes.unique(), dtype="string")
    n = have.map(inw)
    small = have[(n < threshold).fillna(False)]
    if small.empty:
        return out
    return pd.DataFrame(
        {
            "region_code": small.to_numpy(),
            "region_name": [index.names.get(c, c) for c in small],
            "inwoners": n[small.index].to_numpy(),
        }
    ).sort_values("region_code", ignore_index=True)


def _default_metas(table, columns, values, year, rows, index) -> dict[str, IndicatorMeta]:
    gemeenten = rows.loc[rows["keep"], "region_code"].str[2:6].value_counts()
    source = ""
    if len(gemeenten):
        gm = f"GM{gemeenten.index[0]}"
        name = index.names.get(gm, "")
        source = f"Gemeente {name.split(' (')[0]}" if name else ""
    out = {}
    for col in columns.values:
        integers, decimals = _decimals(values[col]["value"])
        out[col] = default_meta(col, year=year, source=source, all_integers=integers, decimals=decimals)
    return out


def _fmt_codes(codes: Sequence[str], index: RegionIndex) -> str:
    return " of ".join(f"'{index.names.get(c, c)}' ({c})" for c in codes[:3])


def _write_report(
    report,
    table,
    columns,
    rows,
    values,
    decimals_of,
    index,
    indexes,
    scope,
    chosen,
    year_note,
    loaded_years,
    privacy,
    threshold,
    used_name,
    same_dup,
    skipped_by_user,
    hint,
    inwoners,
    existing,
    metas,
) -> None:
    # Columns.
    kind = "codes" if looks_like_codes(table.cells[columns.region], columns.region) >= 0.6 else "namen"
    lvl = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}.get(
        hint or "", "buurten, wijken of gemeenten"
    )
    report.columns.append(f"Gebied: kolom '{columns.region}' ({kind} van {lvl})")
    if columns.name:
        report.columns.append(f"Namen als reserve: kolom '{columns.name}'")
    if columns.gemeente:
        report.columns.append(f"Gemeente: kolom '{columns.gemeente}'")
    if columns.year:
        report.columns.append(f"Jaar: kolom '{columns.year}'")
    elif chosen is not None:
        report.columns.append(f"Jaar: {chosen} (voor alle rijen)")
    for col in columns.values:
        dec = "decimale komma" if decimals_of[col] == "," else "decimale punt"
        report.columns.append(f"Cijfer: kolom '{col}' ({dec})")
    if columns.ignored:
        report.columns.append(f"Niet ingelezen (geen getallen): {', '.join(repr(c) for c in columns.ignored)}")
    if not columns.values:
        report.errors.append(
            "Er is geen kolom met getallen gevonden. Zet elk cijfer in een eigen kolom met een kolomkop, bijvoorbeeld "
            "'buurtcode;meldingen'."
        )
    if year_note:
        report.info.append(year_note)

    keep = rows["keep"]
    report.n_matched = int(keep.sum())
    report.n_regions = int(rows.loc[keep, "region_code"].nunique())
    report.years = sorted(int(y) for y in rows.loc[keep, "year"].dropna().unique())
    fixed = rows["how"].isin([HOW_CODE_FIXED]) & keep
    if fixed.any():
        report.info.append(
            f"{nl_int(fixed.sum())} codes aangevuld (BU/WK ervoor gezet of voorloopnullen teruggezet, zoals Excel ze weghaalt)."
        )
    loose = rows["how"].isin([HOW_NAME_LOOSE]) & keep
    if loose.any():
        ex = rows[loose].iloc[0]
        report.info.append(
            f"{nl_int(loose.sum())} namen gekoppeld met een andere schrijfwijze (hoofdletters, accenten, spaties, 't), "
            f"bijvoorbeeld '{ex['text']}' → '{index.names.get(ex['region_code'])}'."
        )
    if used_name.any():
        report.info.append(f"{nl_int(used_name.sum())} rijen gekoppeld op hun naam omdat de code niet klopte.")
    manual = (rows["how"] == HOW_MANUAL) & keep
    if manual.any():
        report.info.append(f"{nl_int(manual.sum())} rijen door u gekoppeld.")
    if same_dup.any():
        report.warnings.append(
            f"{nl_int(same_dup.sum())} rijen staan er dubbel in met dezelfde cijfers; ze worden één keer opgeslagen."
        )
    if skipped_by_user.any():
        report.info.append(f"{nl_int(skipped_by_user.sum())} rijen slaat u over.")

    # Problems per row.
    bad = rows[(rows["problem"] != "") & ~skipped_by_user & ~rows["keep"]]
    if not bad.empty:
        problems = pd.DataFrame(
            {
                "rij": bad["row"].astype(int).to_numpy(),
                "in het bestand": bad["text"].to_numpy(),
                "probleem": [
                    _problem_text(r, indexes.get(None if pd.isna(r.year) else int(r.year), index))
                    for r in bad.itertuples()
                ],
                "bedoelt u": [_fmt_codes(list(s), index) if s else "" for s in bad["suggestions"]],
                "suggestie": [s[0] if s else "" for s in bad["suggestions"]],
            }
        )
        report.problems = problems[PROBLEM_COLUMNS].reset_index(drop=True)
        empty = (bad["problem"] == PROBLEM_EMPTY).sum()
        if empty == len(bad) and report.n_matched:
            report.problems = report.problems.iloc[0:0]
            report.warnings.append(f"{nl_int(empty)} rijen zonder buurt of wijk worden overgeslagen.")
    if report.n_rows and report.n_matched == 0 and not report.errors:
        report.errors.append(
            f"Geen enkele rij kon aan een buurt, wijk of gemeente worden gekoppeld (geladen jaar {index.year}). Staan er CBS-codes "
            f"of buurtnamen in kolom '{columns.region}'? Is de gemeente geladen? Geladen gemeenten: "
            f"{', '.join(f'{n} ({c})' for c, n in index.loaded_gemeenten.items()) or 'geen'}."
        )

    # Other gemeenten, years.
    if scope:
        other = rows.loc[keep & ~rows["region_code"].str[2:6].isin([g[2:] for g in scope]), "region_code"]
        if not other.empty:
            gms = other.str[2:6].map(lambda n: f"GM{n}").value_counts()
            names = ", ".join(f"{index.loaded_gemeenten.get(g, g)} ({nl_int(k)})" for g, k in gms.items())
            report.warnings.append(
                f"{nl_int(len(other))} rijen horen bij een andere gemeente dan u koos: {names}. Ze worden ook opgeslagen."
            )
    not_loaded = [y for y in report.years if y not in loaded_years]
    if not_loaded and loaded_years:
        report.warnings.append(
            f"Jaar {', '.join(map(str, not_loaded))} is niet geladen (geladen: {', '.join(map(str, loaded_years))}). "
            f"De gebieden zijn gecontroleerd met de indeling van {index.year}; de cijfers worden opgeslagen als "
            f"{', '.join(map(str, not_loaded))}. Kies een ander jaar als dat niet klopt."
        )

    # Cells that are not numbers, and missing markers.
    for col in columns.values:
        st = values[col]["status"][keep]
        counts = st[st != "ok"].value_counts()
        if counts.empty:
            continue
        bad_cells = counts.get("geen getal in het bestand", 0)
        if bad_cells:
            examples = table.cells[col][keep & (values[col]["status"] == "geen getal in het bestand")]
            rows_ex = rows.loc[examples.index, "row"].astype(int)
            ex = ", ".join(f"rij {r}: '{t}'" for r, t in zip(rows_ex.head(3), examples.head(3), strict=True))
            report.warnings.append(
                f"Kolom '{col}': {nl_int(bad_cells)} cellen zijn geen getal ({ex}). Ze worden opgeslagen als 'onbekend', niet als 0."
            )
        formula = counts.get(STATUS_FORMULA, 0)
        if formula:
            report.warnings.append(
                f"Kolom '{col}': {nl_int(formula)} cellen hebben een formule zonder opgeslagen uitkomst. Open het bestand in "
                "Excel, sla het op en lees het opnieuw in (of plak de waarden als getallen)."
            )
        rest = counts.drop(labels=["geen getal in het bestand", STATUS_FORMULA], errors="ignore")
        if not rest.empty:
            report.info.append(
                f"Kolom '{col}': {', '.join(f'{nl_int(k)}× {s}' for s, k in rest.items())} — opgeslagen als onbekend met die reden, niet als 0."
            )

    # Privacy.
    if inwoners is None or inwoners.empty:
        report.info.append("Het aantal inwoners is niet geladen, dus kleine gebieden kunnen niet worden herkend.")
    elif not privacy.empty:
        names = ", ".join(f"'{r.region_name}' ({nl_int(r.inwoners)})" for r in privacy.head(5).itertuples())
        more = f" en nog {nl_int(len(privacy) - 5)}" if len(privacy) > 5 else ""
        report.warnings.append(
            f"{nl_int(len(privacy))} gebieden hebben minder dan {nl_int(threshold)} inwoners: {names}{more}. "
            "Cijfers over zo weinig mensen kunnen herleidbaar zijn; u kunt ze verbergen op kaarten en in downloads."
        )

    # Indicators that another upload already has for the same year.
    if existing:
        from wijkkompas.userdata.metadata import slug

        for meta in metas.values():
            for y in report.years:
                other = existing.get((f"eigen.{slug(meta.label)}", y))
                if other:
                    report.warnings.append(
                        f"'{meta.label}' voor {y} staat al in Wijkkompas (uit '{other}'). Vervang dat bestand, of geef deze "
                        "cijfers een andere naam."
                    )


def _problem_text(r, index: RegionIndex) -> str:
    p = r.problem
    if p == PROBLEM_OTHER_YEAR:
        years = index.other_years.get(str(r.parsed), [])
        return f"code bestaat niet in {index.year} (wel in {', '.join(map(str, years))}): de indeling is veranderd"
    if p == PROBLEM_NOT_LOADED:
        return f"gemeente GM{str(r.parsed)[2:6]} is niet geladen; laad die eerst op de startpagina"
    if p == PROBLEM_AMBIGUOUS:
        return "deze naam past bij meer gebieden; kies het goede"
    if p == PROBLEM_DUPLICATE:
        return f"dubbel: {index.label(r.region_code)} staat er vaker in, met andere cijfers"
    if p == PROBLEM_BAD_YEAR:
        return "het jaar is geen jaartal (zoals 2024)"
    if p == PROBLEM_EMPTY:
        return "geen buurt of wijk ingevuld"
    if p == "onbekende code":
        return "deze code bestaat niet"
    if p == "onbekende naam":
        return "deze naam is onbekend"
    return str(p)


def is_name_match(how: str) -> bool:
    return how in (HOW_NAME, HOW_NAME_LOOSE)


# --------------------------------------------------------------------------- for the page


def preview(analysis: Analysis, limit: int = 200) -> pd.DataFrame:
    """The first rows as they will be stored: file row, what the file says, the region, each figure."""
    rows = analysis.rows.head(limit)
    names = analysis.index.names
    out = pd.DataFrame(
        {
            "Rij": rows["row"].astype(int).to_numpy(),
            "In het bestand": rows["text"].astype(str).to_numpy(),
            "Gebied": [
                f"{names.get(c, c)} ({c})" if isinstance(c, str) else "—"
                for c in rows["region_code"].astype(object).where(rows["region_code"].notna(), None)
            ],
            "Gekoppeld via": rows["how"].astype(str).where(rows["keep"], "niet opgeslagen").to_numpy(),
            "Jaar": rows["year"].astype("Int64").to_numpy(),
        }
    )
    from wijkkompas.formatting import nl_number

    for col in analysis.columns.values:
        v = analysis.values[col].loc[rows.index]
        meta = analysis.metas.get(col)
        dec = meta.decimals if meta else 1
        out[col] = [
            nl_number(x, dec) if s == "ok" else f"onbekend: {s}"
            for x, s in zip(v["value"], v["status"].astype(str), strict=True)
        ]
    return out


def region_options(analysis: Analysis, gemeenten: Sequence[str] | None = None) -> list[str]:
    """Labels 'Naam (CODE)' of the regions a row can be linked to: the file's gemeenten first."""
    regs = analysis.index.regions
    kept = analysis.rows.loc[analysis.rows["keep"], "region_code"].dropna().str[2:6]
    want = set(gemeenten or []) | {f"GM{n}" for n in kept.unique()}
    if want:
        sub = regs[regs["gemeente_code"].isin(want)]
        regs = sub if not sub.empty else regs
    order = {"gemeente": 0, "wijk": 1, "buurt": 2}
    regs = regs.assign(o=regs["level"].map(order)).sort_values(["gemeente_code", "o", "region_code"])
    return [f"{n} ({c})" for c, n in zip(regs["region_code"], regs["region_name"], strict=True)]


def code_from_label(label: str | None) -> str | None:
    if not label:
        return None
    m = re.search(r"\((GM\d{4}|WK\d{6}|BU\d{8})\)\s*$", str(label))
    return m.group(1) if m else None
