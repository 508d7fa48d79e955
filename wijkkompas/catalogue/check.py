"""`catalogue check`: which catalogue indicators each year's CBS table has, and which CBS keys none uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from wijkkompas.catalogue.catalogue import COUNT_UNITS, Catalogue, KeyInfo, Match, key_stem, match_year
from wijkkompas.sources.folder import FolderSource

IDENTIFYING = {"Gemeentenaam", "SoortRegio", "Codering", "IndelingswijzigingGemeenteWijkBuurt"}


@dataclass
class YearCheck:
    year: int
    table_id: str
    from_metadata: bool
    matched: list[str]
    unmatched: list[str]
    unused_keys: list[str]
    aggregation: list[str] = field(default_factory=list)  # Dutch: aggregations this year's units do not allow


def check_keys(catalogue: Catalogue, year: int, table_id: str, keys: list[KeyInfo], from_metadata: bool) -> YearCheck:
    kwb = [i for i in catalogue if i.table == "kwb"]
    matches = match_year(kwb, keys)
    used = {k for m in matches.values() for k in m.used_keys}
    unused = [k.key for k in keys if k.key not in used and key_stem(k.key) not in IDENTIFYING]
    return YearCheck(
        year=year,
        table_id=table_id,
        from_metadata=from_metadata,
        matched=sorted(matches),
        unmatched=sorted(i.id for i in kwb if i.id not in matches),
        unused_keys=unused,
        aggregation=aggregation_unit_problems(matches, keys),
    )


def aggregation_unit_problems(matches: dict[str, Match], keys: list[KeyInfo]) -> list[str]:
    """What this year's CBS units make impossible: a sum of a non-count, or a weight, denominator,
    count or area that is not a count. The ingest then stores 'niet te berekenen' for those wijken;
    the check says so up front, with the key, so the catalogue can be corrected."""
    unit = {k.key: (k.unit or "").strip() for k in keys}

    def bad(key: str | None) -> TypeGuard[str]:
        return key is not None and unit.get(key, "") not in ("", *COUNT_UNITS)

    out = []
    for ident, m in sorted(matches.items()):
        agg = m.indicator.aggregate
        parts = {
            "sum": [("sleutel", m.key)],
            "weighted_mean": [("gewicht", m.weight)],
            "density": [("aantal", m.count), ("oppervlakte", m.area)],
            "ratio": [("noemer", m.denominator)],
        }.get(agg, [])
        for role, key in parts:
            if bad(key):
                out.append(f"{ident}: {role} {key} heeft eenheid '{unit[key]}', geen aantal")
        if agg == "ratio" and bad(m.numerator) and unit.get(m.numerator) != "%":
            out.append(f"{ident}: teller {m.numerator} heeft eenheid '{unit[m.numerator]}'")
    return out


def check_source(catalogue: Catalogue, source: Path) -> list[YearCheck]:
    """Per KWB year found under `source`: prefer its DataProperties, else the columns of its data files."""
    years = {t.id: t.year for t in catalogue.kwb_years.values()}
    contents = FolderSource(source, years).read(want_geometry=False)
    out = []
    for table_id, raw in sorted(contents.tables.items()):
        year = catalogue.year_of_table(table_id)
        if year is None:
            continue
        if raw.keys:
            keys, meta = raw.keys, True
        else:
            keys, meta = [KeyInfo(c) for c in raw.rows.columns if c != "region_code"], False
        out.append(check_keys(catalogue, year, table_id, keys, meta))
    return sorted(out, key=lambda c: c.year)


def format_check(checks: list[YearCheck], total: int) -> str:
    lines = []
    for c in checks:
        bron = "metadata (DataProperties)" if c.from_metadata else "kolommen van de databestanden"
        lines.append(f"== {c.year} ({c.table_id}), volgens {bron}")
        lines.append(f"   gevonden: {len(c.matched)} van {total} indicatoren")
        if c.unmatched:
            lines.append(f"   niet gevonden ({len(c.unmatched)}): {', '.join(c.unmatched)}")
        if c.aggregation:
            lines.append(f"   niet uit buurten op te tellen ({len(c.aggregation)}): {'; '.join(c.aggregation)}")
        if c.unused_keys:
            lines.append(f"   CBS-kolommen zonder indicator ({len(c.unused_keys)}): {', '.join(c.unused_keys)}")
    if not checks:
        lines.append("Geen KWB-tabellen gevonden om te controleren.")
    return "\n".join(lines)
