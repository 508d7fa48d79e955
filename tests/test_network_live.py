"""Live smoke test against the real CBS, police, Leefbaarometer and PDOK services.

Skipped unless WIJKKOMPAS_NETWORK_TESTS=1 (these machines have no internet). A municipality checks its
own connection and the live services with one command:

    WIJKKOMPAS_NETWORK_TESTS=1 WIJKKOMPAS_GEMEENTE=GM0164 .venv/bin/python -m pytest -m network -s

It downloads one gemeente for one year into a temporary folder (nothing in your data folder changes),
prints the Dutch summary of the online fetch and checks what ../shared/research/live-path-audit.md
could not verify offline (P7).
"""

from __future__ import annotations

import os

import pytest

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.fetch import FAILED, FETCHED, fetch_online
from wijkkompas.ingest import ingest
from wijkkompas.sources.cbs_odata import CbsODataSource, detect_region_key
from wijkkompas.sources.cbs_odata4 import STATUS_LABELS, CbsODataV4Source
from wijkkompas.sources.pdok import PdokSource
from wijkkompas.store import Store

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(
        os.environ.get("WIJKKOMPAS_NETWORK_TESTS") != "1",
        reason="live CBS/PDOK: zet WIJKKOMPAS_NETWORK_TESTS=1 om deze test met internet te draaien",
    ),
]
GEMEENTE = os.environ.get("WIJKKOMPAS_GEMEENTE", "GM0164")
YEAR = int(os.environ.get("WIJKKOMPAS_JAAR", "2024"))


def test_live_fetch_of_one_gemeente_for_one_year(tmp_path):
    store = Store(tmp_path / "data")
    report = fetch_online(store, [GEMEENTE], [YEAR], progress=lambda msg, frac: print(f"{frac:4.0%} {msg}"))
    print("\n".join(report.lines()))
    states = {r.task.key: r.state for r in report.results}
    assert states[f"kwb:{YEAR}"] == FETCHED, report.lines()
    maps = [s for k, s in states.items() if k.startswith("map:")]
    assert FAILED not in maps, report.lines()
    loaded = ingest(report.raw, store, [GEMEENTE], [YEAR])
    print("\n".join(loaded.lines()))
    inwoners = store.load_values([GEMEENTE], [YEAR], ["gemeente"], indicators=["inwoners"])
    assert len(inwoners) == 1 and inwoners["value"].iloc[0] > 0
    assert store.geometry_years("buurt") == [YEAR]


@pytest.mark.parametrize("year", sorted(load_catalogue().kwb_years))
def test_every_kwb_table_names_its_region_dimension(year):
    """P1: the region key of every year, as the table's own DataProperties say (2013 may be RegioS)."""
    table = load_catalogue().kwb_years[year]
    key = detect_region_key(CbsODataSource().data_properties(table.id))
    print(f"{year} {table.id}: {key}")
    assert key in ("WijkenEnBuurten", "RegioS")


def test_v4_value_attributes_are_ones_wijkkompas_knows():
    """P7: the literal ValueAttribute values of a KWB table on datasets.cbs.nl."""
    data = CbsODataV4Source().download(load_catalogue().kwb_years[max(load_catalogue().kwb_years)].id, [GEMEENTE])
    seen = {o.get("ValueAttribute") for o in data["Observations"]}
    print("ValueAttribute:", sorted(map(str, seen)))
    assert seen <= {"None", None, *STATUS_LABELS}


def test_pdok_says_which_filters_it_accepts():
    """P3: whether `gemeentecode` is a configured filter of the year's buurten collection."""
    source = PdokSource()
    q = source.queryables(source.items_url(YEAR, "buurt"), YEAR)
    print(f"wijken-en-buurten-{YEAR} buurten queryables: {sorted(q) if q is not None else 'niet opgegeven'}")
    features = source.features(YEAR, "buurt", GEMEENTE)
    assert features and all(f["properties"].get("gemeentecode") == GEMEENTE for f in features)
