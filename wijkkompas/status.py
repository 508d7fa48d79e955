"""What is loaded, and how fresh: for the Start page and `python -m wijkkompas status`.

Built from the manifest (file summaries written at commit time) and the regions table only, so the
Start page costs the same for three gemeenten as for a national store of 13 years. The full checksum
check of every file is separate (`verify`): on demand, never on every visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wijkkompas.errors import StoreCorrupt
from wijkkompas.repair import describe
from wijkkompas.store import Snapshot, Store

LEVEL_ORDER = ["gemeente", "wijk", "buurt"]
OVERVIEW_COLUMNS = ["gemeente_code", "gemeente_name", "year", "levels", "regions", "indicators"]


@dataclass
class StoreStatus:
    data_dir: Path | str  # a folder, or the s3:// URL of a bucket
    version: str
    overview: pd.DataFrame  # per gemeente × year: levels, regions, indicators
    geometry_years: dict[str, list[int]]
    last_loaded: str | None
    sources: list[str]
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # Dutch: damaged files that could not be restored

    @property
    def empty(self) -> bool:
        return self.overview.empty

    def text(self) -> str:
        lines = [f"Gegevensmap: {self.data_dir}", f"Versie van de opslag: {self.version}"]
        lines += [f"Probleem: {p}" for p in self.problems]
        lines += [f"Ontbreekt: {m}" for m in self.missing]
        if self.empty:
            lines.append("Er zijn nog geen gegevens geladen. Gebruik 'python -m wijkkompas ingest' of 'make run'.")
            return "\n".join(lines)
        lines.append(f"Laatst geladen: {self.last_loaded or 'onbekend'}")
        lines.append("Gemeente  naam                  jaar  niveaus                 gebieden  indicatoren")
        for r in self.overview.itertuples():
            lines.append(
                f"{r.gemeente_code:<9} {str(r.gemeente_name)[:21]:<21} {r.year:<5} {r.levels:<23} {r.regions:>8}  {r.indicators:>11}"
            )
        for level, years in self.geometry_years.items():
            lines.append(f"Kaartgrenzen {level}: {', '.join(map(str, years)) or 'geen'}")
        lines.append("Bronnen: " + "; ".join(self.sources))
        return "\n".join(lines)


def overview(snap: Snapshot) -> pd.DataFrame:
    """Per gemeente × year: which levels, how many regions, how many indicators (from file summaries)."""
    counts: dict[tuple[str, int], int] = {}
    for logical, summary in snap.summaries().items():
        year = int(Path(logical).stem) if logical.startswith("store/values/") else int(Path(logical).parts[2])
        for g, n in (summary.get("indicators") or {}).items():
            counts[(g, year)] = counts.get((g, year), 0) + int(n)
    if not counts:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS)
    reg = snap.regions()
    reg = reg[reg["level"].isin(LEVEL_ORDER)]
    names = reg[reg["level"] == "gemeente"].sort_values("year").groupby("region_code")["region_name"].last()
    g = reg.groupby(["gemeente_code", "year"])
    regions = pd.DataFrame(
        {
            "levels": g["level"].agg(lambda s: ", ".join(sorted(set(s), key=LEVEL_ORDER.index))),
            "regions": g["region_code"].nunique(),
        }
    )
    frame = pd.DataFrame(
        [{"gemeente_code": gm, "year": y, "indicators": n} for (gm, y), n in sorted(counts.items())]
    ).merge(regions.reset_index(), on=["gemeente_code", "year"], how="left")
    frame["levels"] = frame["levels"].fillna("")
    frame["regions"] = frame["regions"].fillna(0).astype(int)
    frame.insert(1, "gemeente_name", frame["gemeente_code"].map(names).fillna(frame["gemeente_code"]))
    return frame[OVERVIEW_COLUMNS]


def store_status(
    data_dir: Path | str | None = None, store: Store | None = None, *, verify: bool = False
) -> StoreStatus:
    store = store or Store(data_dir)
    problems: list[str] = []
    try:
        snap = store.snapshot()
        ov = overview(snap)
        geo = {lvl: snap.geometry_years(lvl) for lvl in ("buurt", "wijk", "gemeente")}
        log = snap.ingest_log()
        missing = [f"{describe(k)}: {v.get('advice', '')}".strip() for k, v in snap.damaged().items()]
        if verify:
            problems += [f"{p.path.name}: {p.reason}" for p in snap.verify()]
        version = snap.version
    except StoreCorrupt as exc:
        problems.append(f"{exc.path.name}: {exc.reason}")
        ov, geo, log, missing, version = pd.DataFrame(columns=OVERVIEW_COLUMNS), {}, [], [], "onbekend"
    return StoreStatus(
        data_dir=store.data_dir,
        version=version,
        overview=ov,
        geometry_years=geo,
        last_loaded=max((e.get("loaded_at", "") for e in log if isinstance(e, dict)), default=None),
        sources=sorted({str(e.get("original_source") or e.get("source")) for e in log if isinstance(e, dict)}),
        problems=problems,
        missing=missing,
    )
