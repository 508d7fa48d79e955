"""What is loaded, and how fresh: for the Start page and `python -m wijkkompas status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wijkkompas.store import Store, StoreCorrupt


@dataclass
class StoreStatus:
    data_dir: Path
    overview: pd.DataFrame  # per gemeente × year: levels, regions, indicators
    geometry_years: dict[str, list[int]]
    last_loaded: str | None
    sources: list[str]
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.overview.empty

    def text(self) -> str:
        lines = [f"Gegevensmap: {self.data_dir}"]
        if self.problems:
            lines += [f"Probleem: {p}" for p in self.problems]
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


def store_status(data_dir: Path | str | None = None, store: Store | None = None) -> StoreStatus:
    store = store or Store(data_dir)
    problems = [f"{p.path.name}: {p.reason}" for p in _safe_verify(store)]
    try:
        values = store.load_values() if not store.is_empty() else None
    except StoreCorrupt as exc:
        problems.append(f"{exc.path.name}: {exc.reason}")
        values = None
    if values is None or values.empty:
        overview = pd.DataFrame(columns=["gemeente_code", "gemeente_name", "year", "levels", "regions", "indicators"])
    else:
        v = values[values["level"] != "nederland"]
        names = v[v["level"] == "gemeente"].groupby("gemeente_code")["region_name"].last()
        g = v.groupby(["gemeente_code", "year"])
        overview = pd.DataFrame(
            {
                "levels": g["level"].agg(lambda s: ", ".join(sorted(set(s), key=["gemeente", "wijk", "buurt"].index))),
                "regions": g["region_code"].nunique(),
                "indicators": g["indicator"].nunique(),
            }
        ).reset_index()
        overview.insert(1, "gemeente_name", overview["gemeente_code"].map(names).fillna(overview["gemeente_code"]))
    log = store.ingest_log()
    geo = {lvl: store.geometry_years(lvl) for lvl in ("buurt", "wijk", "gemeente")} if not problems else {}
    return StoreStatus(
        data_dir=store.data_dir,
        overview=overview,
        geometry_years=geo,
        last_loaded=max((e.get("loaded_at", "") for e in log), default=None),
        sources=sorted({str(e.get("source")) for e in log}),
        problems=problems,
    )


def _safe_verify(store: Store):
    try:
        return store.verify()
    except StoreCorrupt as exc:
        return [exc]
