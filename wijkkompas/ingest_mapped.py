"""Ingest of the sources whose columns map straight to indicators (wijk- en buurtkaart, Leefbaarometer).

Their rows arrive long and harmonised (sources/mapped.py); this module adds the region columns, writes
them to the store under their own source table, and settles the overlap with the CBS OData tables:

* a figure of a CBS OData table (published, or suppressed as "geheim") always **wins** over the same
  region, year and indicator from the wijk- en buurtkaart — the OData table is CBS's reference, the
  kaart a derived product with rounded percentages;
* a kaart figure wins over a wijk or gemeente figure Wijkkompas only *computed* from its buurten
  ("berekend uit buurten"): a number CBS published beats a sum we made.

The rule is applied to the store after every ingest, whichever came first, so the store never holds
two values for one region, year and indicator.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from wijkkompas.sources.folder import FolderContents
from wijkkompas.sources.leefbaarometer import SOURCE as LBM_SOURCE
from wijkkompas.sources.mapped import MappedTable
from wijkkompas.sources.wijkbuurtkaart import SOURCE as KAART_SOURCE
from wijkkompas.store import Store

MAPPED_SOURCES = (KAART_SOURCE, LBM_SOURCE)
STATUS_COMPUTED = "berekend uit buurten"


def _gemeente_filter(codes: pd.Series, gemeenten: Sequence[str] | None) -> pd.Series:
    from wijkkompas.ingest import in_gemeenten

    return in_gemeenten(codes, gemeenten, keep_nederland=False)


def merge_tables(tables: Sequence[MappedTable]) -> list[MappedTable]:
    """One table per (source, year): a national file and an extract of it hold the same rows once."""
    by_key: dict[tuple[str, int], list[MappedTable]] = {}
    for t in tables:
        by_key.setdefault((t.source, t.year), []).append(t)
    out = []
    for (source, year), parts in sorted(by_key.items()):
        rows = pd.concat([p.rows for p in parts], ignore_index=True)
        # Keep the first value per region × indicator; a real number beats a sentinel of another file.
        rows = rows.assign(_has=rows["value"].notna()).sort_values("_has", ascending=False, kind="stable")
        rows = rows.drop_duplicates(["region_code", "indicator"]).drop(columns="_has")
        names: dict[str, str] = {}
        for p in parts:
            names.update({k: v for k, v in p.names.items() if k not in names})
        files = [f for p in parts for f in p.files]
        notes = list(dict.fromkeys(n for p in parts for n in p.notes))
        out.append(MappedTable(source, year, rows.reset_index(drop=True), names, files, notes))
    return out


def wanted_years(contents: FolderContents, store: Store, years: Sequence[int] | None, catalogue) -> set[int] | None:
    """Years a Leefbaarometer measurement may be stored for (None = any).

    Why: the Leefbaarometer file holds every measurement year since 2002. Storing 2002 because it
    is in the file would add years to the app that have no other figure at all; so it is kept for
    the years asked for, or else for the years that have CBS figures (in this source or the store).
    """
    if years:
        return set(years)
    have = set(store.years())
    for raw in contents.tables.values():
        y = catalogue.year_of_table(raw.table_id) or raw.year
        if y:
            have.add(int(y))
    have |= {t.year for t in contents.mapped if t.source == KAART_SOURCE}
    return have or None


def ingest_mapped(
    contents: FolderContents,
    store: Store,
    gemeenten: Sequence[str] | None,
    years: Sequence[int] | None,
    catalogue,
    geometry_names: dict[int, dict[str, str]],
) -> tuple[list[dict], list[str], list[str]]:
    """Write every mapped table; returns (loaded entries, problems, skipped) for the ingest report."""
    from wijkkompas.ingest import build_regions, region_frame

    loaded: list[dict] = []
    problems: list[str] = []
    skipped: list[str] = []
    lbm_years = wanted_years(contents, store, years, catalogue)
    for table in merge_tables(contents.mapped):
        if years and table.year not in years:
            continue
        if table.source == LBM_SOURCE and lbm_years is not None and table.year not in lbm_years:
            skipped.append(
                f"Leefbaarometer-meting {table.year} niet ingelezen: voor {table.year} zijn geen andere cijfers geladen "
                "of gevraagd. Laad de kerncijfers van dat jaar, of kies het jaar bij het inlezen."
            )
            continue
        rows = table.rows[_gemeente_filter(table.rows["region_code"], gemeenten).to_numpy()]
        if rows.empty:
            if gemeenten:
                skipped.append(f"{table.source} {table.year}: geen rijen voor {', '.join(gemeenten)}.")
            continue
        regions = build_regions(
            table.year,
            rows["region_code"],
            [table.names] + [geometry_names[y] for y in sorted(geometry_names, key=lambda y: abs(y - table.year))],
        )
        # A region the store already knows for that year keeps its name (from the CBS table): a source
        # without names (the Leefbaarometer CSV) must not turn "Hengelo" into "GM0164".
        known = store.regions(table.year, sorted({c for c in regions["gemeente_code"].dropna()}))
        if not known.empty:
            named = known.drop_duplicates("region_code").set_index("region_code")["region_name"]
            regions["region_name"] = regions["region_code"].map(named).fillna(regions["region_name"])
            regions = regions[~regions["region_code"].isin(named.index)]
            info = (
                pd.concat([regions, known]).drop(columns="year").drop_duplicates("region_code").set_index("region_code")
            )
        else:
            info = regions.drop(columns="year").drop_duplicates("region_code").set_index("region_code")
        frame = region_frame(rows["region_code"])
        long = pd.DataFrame(
            {
                "year": table.year,
                "region_code": rows["region_code"].to_numpy(),
                "region_name": rows["region_code"].map(info["region_name"].astype(object).to_dict()).to_numpy(),
                "level": frame["level"].to_numpy(),
                "gemeente_code": frame["gemeente_code"].to_numpy(),
                "wijk_code": frame["wijk_code"].to_numpy(),
                "indicator": rows["indicator"].to_numpy(),
                "value": rows["value"].to_numpy(dtype="float64"),
                "status": rows["status"].to_numpy(),
                "source_table": table.source,
                "source_key": rows["source_key"].to_numpy(),
            }
        )
        store.replace(long, regions, source_tables=[table.source], gemeenten=gemeenten)
        skipped.extend(table.notes)
        loaded.append(
            {
                "year": table.year,
                "table": table.source,
                "regions": int(long["region_code"].nunique()),
                "values": len(long),
                "matched": int(long["indicator"].nunique()),
            }
        )
    return loaded, problems, skipped


def overlap_years(store: Store, loaded: Sequence[dict]) -> list[int]:
    """Years just loaded that can hold kaart rows next to OData rows (kaart loaded now or before)."""
    kaart = {int(e["year"]) for e in store.ingest_log() if e.get("table") == KAART_SOURCE}
    kaart |= {int(e["year"]) for e in loaded if e.get("table") == KAART_SOURCE}
    return sorted({int(e["year"]) for e in loaded} & kaart)


def resolve_overlaps(store: Store, years: Sequence[int], gemeenten: Sequence[str] | None) -> int:
    """Apply the precedence rule to the stored rows of `years`; returns the number of rows removed.

    Only the wijk- en buurtkaart overlaps with CBS OData tables (the Leefbaarometer has indicators of
    its own). Rows are removed through `Store.replace` of the source that yields.
    """
    removed = 0
    for year in sorted(set(years)):
        values = store.load_values(gemeenten, [year])
        if values.empty:
            continue
        kaart = values[values["source_table"] == KAART_SOURCE]
        if kaart.empty:
            continue
        others = values[
            ~values["source_table"].isin(MAPPED_SOURCES) & ~values["source_table"].astype(str).str.startswith("eigen:")
        ]
        if others.empty:
            continue
        key = ["region_code", "indicator"]
        published = others[others["status"] != STATUS_COMPUTED]
        computed = others[others["status"] == STATUS_COMPUTED]
        kaart_keys = pd.MultiIndex.from_frame(kaart[key])
        lose_kaart = kaart_keys.isin(pd.MultiIndex.from_frame(published[key]))
        if lose_kaart.any():
            keep = kaart[~lose_kaart]
            _rewrite(store, year, KAART_SOURCE, keep, _scope(kaart, gemeenten))
            removed += int(lose_kaart.sum())
            kaart = keep
        if computed.empty or kaart.empty:
            continue
        with_value = kaart[kaart["value"].notna()]
        lose_computed = pd.MultiIndex.from_frame(computed[key]).isin(pd.MultiIndex.from_frame(with_value[key]))
        if not lose_computed.any():
            continue
        for table_id in computed.loc[lose_computed, "source_table"].unique():
            own = values[values["source_table"] == table_id]
            drop = (own["status"] == STATUS_COMPUTED).to_numpy() & pd.MultiIndex.from_frame(own[key]).isin(
                pd.MultiIndex.from_frame(with_value[key])
            )
            _rewrite(store, year, str(table_id), own[~drop], _scope(own, gemeenten))
            removed += int(drop.sum())
    return removed


def _scope(rows: pd.DataFrame, gemeenten: Sequence[str] | None) -> list[str]:
    """The gemeenten whose rows are rewritten: those asked for, or every gemeente in the rows."""
    if gemeenten:
        return list(gemeenten)
    return sorted(rows["gemeente_code"].dropna().astype(str).unique())


def _rewrite(store: Store, year: int, source: str, keep: pd.DataFrame, scope: list[str]) -> None:
    """Replace `source`'s rows of `year` in the `scope` gemeenten by `keep` (which may be empty)."""
    if not keep.empty:
        store.replace(keep, pd.DataFrame(), source_tables=[source], gemeenten=scope)
        return
    # Store.replace cannot write "nothing": drop the source's year and put the other gemeenten back.
    rest = store.load_values(None, [year])
    rest = rest[(rest["source_table"] == source) & ~rest["gemeente_code"].isin(scope)]
    store.delete_source(source, [year])
    if not rest.empty:
        store.replace(
            rest, pd.DataFrame(), source_tables=[source], gemeenten=sorted(rest["gemeente_code"].dropna().unique())
        )
