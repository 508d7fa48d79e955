"""Online: download CBS tables and PDOK maps into `data/raw/`, then ingest reads them like any folder.

Downloads land in the raw folder and stay there, so every figure can be traced to the file CBS
sent, and a damaged store can be rebuilt without the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.sources.errors import SourceError
from wijkkompas.store import Store

LEVELS = ("buurt", "wijk", "gemeente")


def fetch_online(
    store: Store,
    gemeenten: Sequence[str],
    years: Sequence[int] | None,
    progress: Callable[[str, float], None] | None = None,
    *,
    v3=None,
    v4=None,
    pdok=None,
) -> Path:
    """Download KWB tables (v3, or v4 where a year is only there) and maps; return the raw folder.

    One failing year does not stop the others; if nothing at all could be downloaded the Dutch
    error of the first failure is raised, so the user learns what to do.
    """
    from wijkkompas.sources.cbs_odata import CbsODataSource
    from wijkkompas.sources.cbs_odata4 import CbsODataV4Source
    from wijkkompas.sources.pdok import PdokSource

    if not gemeenten:
        raise SourceError("Kies eerst minstens één gemeente om op te halen.")
    catalogue = load_catalogue()
    v3 = v3 or CbsODataSource()
    v4 = v4 or CbsODataV4Source()
    pdok = pdok or PdokSource()
    say = progress or (lambda msg, frac: None)
    years = sorted(years or [max(catalogue.kwb_years)])
    dest = store.raw_root
    dest.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    done = 0
    steps = len(years) * (1 + len(LEVELS))
    for year in years:
        table = catalogue.kwb_years.get(year)
        if table is None:
            errors.append(f"Voor {year} kent Wijkkompas geen CBS-tabel (zie catalogue/tables.toml).")
            done += 1 + len(LEVELS)
            continue
        say(f"{year}: cijfers ophalen bij CBS ({table.id})", done / steps)
        try:
            if table.v4_only:
                v4.fetch(table.id, list(gemeenten), dest)
            else:
                try:
                    v3.fetch(table.id, list(gemeenten), dest, region_key=table.region_key)
                except SourceError:
                    v4.fetch(table.id, list(gemeenten), dest)
        except SourceError as exc:
            errors.append(str(exc))
        done += 1
        for level in LEVELS:
            say(f"{year}: kaart van de {level}en ophalen bij PDOK", done / steps)
            try:
                pdok.fetch(year, level, list(gemeenten), dest)
            except SourceError as exc:
                errors.append(str(exc))
            done += 1
    say("Downloads klaar", 1.0)
    if errors and len(errors) >= steps:
        raise SourceError(errors[0])
    return dest
