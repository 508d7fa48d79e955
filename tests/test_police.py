"""Police-registered crime (47018NED) online from dataderden.cbs.nl: total and main groups per year."""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from tests.test_sources_network import fixture
from wijkkompas.fetch import FETCHED, fetch_online
from wijkkompas.ingest import ingest
from wijkkompas.sources.cbs_odata import CbsODataSource
from wijkkompas.sources.folder import FolderSource
from wijkkompas.sources.police import PoliceSource
from wijkkompas.store import Store

BASE = "https://dataderden.cbs.nl/ODataFeed/odata/47018NED"
GROUP_CODES = {
    "misdrijven_woninginbraak": ["1.1.1"],
    "misdrijven_geweld": ["1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5", "1.4.6", "1.4.7"],
    "misdrijven_diefstal": ["1.1.2", "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "2.5.1", "2.5.2"],
    "misdrijven_vernieling": ["2.2.1"],
}


def no_sleep(_s: float) -> None:
    pass


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def register(rsps) -> list[dict]:
    folder = "odata_v3/47018NED"
    rsps.add(responses.GET, f"{BASE}/", json=fixture(f"{folder}/service.json"))
    for name in ("TableInfos", "DataProperties", "CategoryGroups", "SoortMisdrijf", "WijkenEnBuurten", "Perioden"):
        rsps.add(responses.GET, f"{BASE}/{name}", json=fixture(f"{folder}/{name}.json"))
    asked: list[dict] = []

    def typed(request):
        q = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        asked.append(q)
        if "Perioden eq '2024JJ00'" not in q.get("$filter", ""):
            return (
                200,
                {},
                json.dumps({"odata.metadata": f"{BASE}/$metadata#Cbs.OData.WebAPI.TypedDataSet", "value": []}),
            )
        page = "TypedDataSet_2024_page2.json" if "$skip" in q else "TypedDataSet_2024_page1.json"
        return 200, {}, json.dumps(fixture(f"{folder}/{page}"))

    rsps.add_callback(responses.GET, f"{BASE}/TypedDataSet", callback=typed)
    return asked


def source_rows() -> list[dict]:
    return (
        fixture("odata_v3/47018NED/TypedDataSet_2024_page1.json")["value"]
        + fixture("odata_v3/47018NED/TypedDataSet_2024_page2.json")["value"]
    )


def expected(code: str, codes: list[str]) -> float:
    vals = {
        r["SoortMisdrijf"].strip(): r["GeregistreerdeMisdrijven_1"]
        for r in source_rows()
        if r["WijkenEnBuurten"].strip() == code
    }
    parts = [vals[c] for c in codes]
    return math.nan if any(v is None for v in parts) else float(sum(parts))


def police() -> PoliceSource:
    return PoliceSource(CbsODataSource(catalog_url="dataderden.cbs.nl", sleep=no_sleep))


def test_one_year_is_asked_from_dataderden_with_region_and_period_filter(mocked, tmp_path):
    asked = register(mocked)
    paths = police().fetch(2024, ["GM0164"], tmp_path)
    assert paths[-1] == tmp_path / "47018NED" / "2024" / "TypedDataSet.json"
    flt = asked[0]["$filter"]
    assert flt.startswith("(startswith(WijkenEnBuurten,'GM0164')") and flt.endswith("and (Perioden eq '2024JJ00')")
    rows = json.loads(paths[-1].read_text())
    assert len(rows) == len(source_rows())  # both pages: every crime type, for the folder parser
    assert all(c.request.url.startswith("https://dataderden.cbs.nl/") for c in mocked.calls)


def test_total_and_main_groups_per_buurt_reach_the_store(mocked, tmp_path):
    register(mocked)
    store = Store(tmp_path / "d")
    report = fetch_online(store, ["GM0164"], [2024], police=police(), parts=("crime",))
    assert [r.state for r in report.results] == [FETCHED]
    ingest(report.raw, store, ["GM0164"], [2024])
    v = store.load_values(["GM0164"], [2024])
    veiligheid = v[v["indicator"].str.startswith("misdrijven")]
    assert set(veiligheid["indicator"]) == {"misdrijven", *GROUP_CODES}  # veiligheid is no longer empty
    assert set(veiligheid["source_table"]) == {"47018NED"}
    total = veiligheid[veiligheid["indicator"] == "misdrijven"].set_index("region_code")["value"]
    assert total["GM0164"] == expected("GM0164", ["0.0.0"]) and total["BU01640101"] == expected("BU01640101", ["0.0.0"])
    for indicator, codes in GROUP_CODES.items():
        got = veiligheid[veiligheid["indicator"] == indicator].set_index("region_code")["value"]
        assert got["GM0164"] == expected("GM0164", codes), indicator
    geweld = veiligheid[veiligheid["indicator"] == "misdrijven_geweld"].set_index("region_code")
    assert math.isnan(geweld.loc["BU01640101", "value"])  # one category unknown: the group stays unknown
    assert geweld.loc["BU01640101", "status"] != "ok"


def test_a_year_the_police_has_not_published_is_not_a_failure(mocked, tmp_path):
    register(mocked)
    report = fetch_online(Store(tmp_path / "d"), ["GM0164"], [2023, 2024], police=police(), parts=("crime",))
    states = {r.task.year: r.state for r in report.results}
    assert states == {2023: "niet beschikbaar", 2024: FETCHED}
    assert any("2023" in line and "misdrijven" in line for line in report.lines())


def test_one_file_with_several_years_is_split_per_year(tmp_path):
    rows = source_rows()
    older = [{**r, "Perioden": "2023JJ00", "GeregistreerdeMisdrijven_1": 1.0} for r in rows]
    (tmp_path / "47018NED").mkdir()
    (tmp_path / "47018NED" / "TypedDataSet.json").write_text(json.dumps(rows + older))
    contents = FolderSource(tmp_path).read()
    years = sorted(t.year for t in contents.tables.values() if t.table_id == "47018NED")
    assert years == [2023, 2024]
    store = Store(tmp_path / "d")
    ingest(contents, store, ["GM0164"])
    v = store.load_values(["GM0164"], None, indicators=["misdrijven_woninginbraak"])
    got = v.set_index(["year", "region_code"])["value"]
    assert got[(2023, "GM0164")] == 1.0 and got[(2024, "GM0164")] == expected("GM0164", ["1.1.1"])
