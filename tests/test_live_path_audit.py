"""The six mismatches of ../shared/research/live-path-audit.md, each against a fixture in the real shape.

Every test here failed on the code before issue 16 (P6 guards the fixtures themselves: it makes the
other tests see the real padding, Nederland code and measure ids). All HTTP is answered by
`responses`; an unexpected request fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from tests.test_sources_network import HENGELO_FILTER, fixture, register_v4
from wijkkompas.errors import SourceError
from wijkkompas.fetch import FETCHED, UNAVAILABLE, fetch_online
from wijkkompas.ingest import ingest
from wijkkompas.sources.cbs_odata import CbsODataSource
from wijkkompas.sources.cbs_odata4 import CbsODataV4Source
from wijkkompas.sources.pdok import RD_NEW, PdokSource
from wijkkompas.store import Store

FEED = "https://opendata.cbs.nl/ODataFeed/odata/{}"
GI = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/{}"
W23 = "https://api.pdok.nl/cbs/wijken-en-buurten-2023/ogc/v1/collections/{}"
W24 = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/{}"


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def _query(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}


def register_v3_table(rsps, table_id: str) -> list[str]:
    """A v3 Feed table from tests/fixtures/odata_v3/<id>; the data set answers 400 to an unknown column.

    Returns the list the data-set callback appends every $filter to.
    """
    base = FEED.format(table_id)
    folder = f"odata_v3/{table_id}"
    filters: list[str] = []
    rsps.add(responses.GET, f"{base}/", json=fixture(f"{folder}/service.json"))
    for name in ("TableInfos", "DataProperties", "CategoryGroups", "WijkenEnBuurten"):
        rsps.add(responses.GET, f"{base}/{name}", json=fixture(f"{folder}/{name}.json"))
    known = {e["Key"] for e in fixture(f"{folder}/DataProperties.json")["value"] if e["Key"]}

    def typed(request):
        q = _query(request)
        flt = q.get("$filter", "")
        filters.append(flt)
        columns = set(re.findall(r"startswith\((\w+),", flt))
        if columns - known:  # CBS refuses a filter on a column the table does not have
            error = {"odata.error": {"code": "", "message": {"lang": "nl-NL", "value": "Invalid filter"}}}
            return 400, {}, json.dumps(error)
        page = "TypedDataSet_page2.json" if "$skip" in q else "TypedDataSet_page1.json"
        return 200, {}, json.dumps(fixture(f"{folder}/{page}"))

    rsps.add_callback(responses.GET, f"{base}/TypedDataSet", callback=typed)
    return filters


def v4_calls(rsps) -> list[str]:
    return [c.request.url for c in rsps.calls if "datasets.cbs.nl" in c.request.url]


def forbid_v4(rsps) -> None:
    rsps.add(responses.GET, re.compile(r"https://datasets\.cbs\.nl/.*"), status=404)


# ----------------------------------------------------------------------------------------------- P1
def test_p1_kwb_2014_is_fetched_on_v3_with_the_region_key_its_dataproperties_name(mocked, tmp_path):
    """82931NED's region dimension is WijkenEnBuurten (GeoDetail), not RegioS: v3 must succeed."""
    filters = register_v3_table(mocked, "82931NED")
    forbid_v4(mocked)
    store = Store(tmp_path / "d")
    report = fetch_online(
        store,
        ["GM0164"],
        [2014],
        v3=CbsODataSource(sleep=no_sleep),
        v4=CbsODataV4Source(sleep=no_sleep),
        parts=("kwb",),
    )
    assert [r.state for r in report.results] == [FETCHED]
    assert v4_calls(mocked) == []  # no silent detour through the lossy v4 converter
    assert filters[0] == HENGELO_FILTER
    rows = json.loads((report.raw / "82931NED" / "TypedDataSet.json").read_text())
    assert [r["WijkenEnBuurten"].strip() for r in rows] == ["NL00", "GM0164", "WK016401", "BU01640101"]

    loaded = ingest(report.raw, store, ["GM0164"], [2014])
    assert [(x["year"], x["table"]) for x in loaded.loaded] == [(2014, "82931NED")]
    v = store.load_values(["GM0164"], [2014], indicators=["inwoners"])
    assert dict(zip(v["region_code"], v["value"], strict=True)) == {
        "GM0164": 80953,
        "WK016401": 2230,
        "BU01640101": 1270,
    }
    assert set(v["source_key"]) == {"AantalInwoners_5"}


# ----------------------------------------------------------------------------------------------- P2
def test_p2_kwb_2025_comes_from_v3_with_real_v3_keys(mocked, tmp_path):
    register_v3_table(mocked, "86165NED")
    forbid_v4(mocked)
    store = Store(tmp_path / "d")
    report = fetch_online(
        store,
        ["GM0164"],
        [2025],
        v3=CbsODataSource(sleep=no_sleep),
        v4=CbsODataV4Source(sleep=no_sleep),
        parts=("kwb",),
    )
    assert [r.state for r in report.results] == [FETCHED]
    assert v4_calls(mocked) == []
    assert (report.raw / "86165NED" / "TypedDataSet.json").exists() and not (report.raw / "86165NED" / "v4").exists()
    ingest(report.raw, store, ["GM0164"], [2025])
    v = store.load_values(["GM0164"], [2025], indicators=["inwoners", "aandeel_65plus"])
    inw = v[v["indicator"] == "inwoners"].set_index("region_code")
    assert inw.loc["GM0164", "value"] == 82790 and inw.loc["GM0164", "source_key"] == "AantalInwoners_5"
    share = v[v["indicator"] == "aandeel_65plus"].set_index("region_code")
    assert share.loc["GM0164", "value"] == pytest.approx(19135 / 82790 * 100)
    assert share.loc["GM0164", "source_key"] == "k_65JaarOfOuder_12 / AantalInwoners_5"


def test_p2_a_v4_only_table_still_goes_to_v4(mocked, tmp_path, monkeypatch):
    """The fallback stays: a table marked v4_only in tables.toml is asked on datasets.cbs.nl."""
    import dataclasses

    from wijkkompas.catalogue import catalogue as cat

    real = cat.load_catalogue()
    years = dict(real.kwb_years)
    years[2025] = dataclasses.replace(years[2025], v4_only=True)
    monkeypatch.setattr("wijkkompas.fetch.load_catalogue", lambda: dataclasses.replace(real, kwb_years=years))
    register_v4(mocked)
    mocked.add(responses.GET, re.compile(r"https://opendata\.cbs\.nl/.*"), status=500)
    report = fetch_online(
        Store(tmp_path / "d"),
        ["GM0164"],
        [2025],
        v3=CbsODataSource(sleep=no_sleep),
        v4=CbsODataV4Source(sleep=no_sleep),
        parts=("kwb",),
    )
    assert [r.state for r in report.results] == [FETCHED]
    assert not any("opendata.cbs.nl" in c.request.url for c in mocked.calls)


# ----------------------------------------------------------------------------------------------- P3
def _register_outlines(rsps, year: int) -> None:
    rsps.add(
        responses.GET,
        GI.format("gemeente_gegeneraliseerd") + "/queryables",
        json=fixture("pdok/gebiedsindelingen/queryables_gemeente_gegeneraliseerd.json"),
    )
    rsps.add(
        responses.GET,
        GI.format("gemeente_gegeneraliseerd") + "/items",
        json=fixture(f"pdok/gebiedsindelingen/gemeente_gegeneraliseerd_{year}.json"),
        match=[responses.matchers.query_param_matcher({"jaarcode": str(year)}, strict_match=False)],
    )


def test_p3_without_a_gemeentecode_queryable_pdok_is_asked_by_bbox(mocked, tmp_path):
    mocked.add(responses.GET, W23.format("buurten") + "/queryables", json=fixture("pdok/2023/queryables_buurten.json"))
    _register_outlines(mocked, 2023)
    mocked.add(responses.GET, W23.format("buurten") + "/items", json=fixture("pdok/2023/buurten_bbox.json"))
    [path] = PdokSource(sleep=no_sleep).fetch(2023, "buurt", ["GM0164"], tmp_path)

    items = [c.request for c in mocked.calls if c.request.url.startswith(W23.format("buurten") + "/items")]
    assert len(items) == 1
    q = _query(items[0])
    assert "gemeentecode" not in q  # never a parameter PDOK did not list
    assert q["bbox"] == "249500,473500,256500,480500" and q["bbox-crs"] == RD_NEW and q["crs"] == RD_NEW
    codes = [f["properties"]["buurtcode"] for f in json.loads(path.read_text())["features"]]
    assert codes == ["BU01640101", "BU01640102"]  # the neighbour's buurt in the box is not ours


def test_p3_a_400_for_an_unknown_parameter_falls_back_to_bbox_not_to_an_internal_error(mocked, tmp_path):
    mocked.add(responses.GET, W23.format("buurten") + "/queryables", status=404)  # PDOK does not say
    _register_outlines(mocked, 2023)
    mocked.add(
        responses.GET,
        W23.format("buurten") + "/items",
        json=fixture("pdok/problem_400_unknown_parameter.json"),
        status=400,
        content_type="application/problem+json",
        match=[responses.matchers.query_param_matcher({"gemeentecode": "GM0164"}, strict_match=False)],
    )
    mocked.add(responses.GET, W23.format("buurten") + "/items", json=fixture("pdok/2023/buurten_bbox.json"))
    [path] = PdokSource(sleep=no_sleep).fetch(2023, "buurt", ["GM0164"], tmp_path)
    assert len(json.loads(path.read_text())["features"]) == 2


def test_p3_a_400_is_never_reported_as_a_fault_of_wijkkompas_in_the_fetch_summary(mocked, tmp_path):
    mocked.add(responses.GET, W23.format("buurten") + "/queryables", status=404)
    mocked.add(
        responses.GET,
        W23.format("buurten") + "/items",
        json=fixture("pdok/problem_400_unknown_parameter.json"),
        status=400,
    )
    mocked.add(responses.GET, re.compile(r"https://api\.pdok\.nl/cbs/gebiedsindelingen/.*"), status=404)
    with pytest.raises(SourceError) as err:
        PdokSource(sleep=no_sleep).fetch(2023, "buurt", ["GM0164"], tmp_path)
    assert "fout in Wijkkompas" not in str(err.value)
    assert "GM0164" in str(err.value)


# ----------------------------------------------------------------------------------------------- P4
def test_p4_maps_before_2022_come_from_the_generalised_divisions_per_year(mocked, tmp_path):
    for level in ("wijk", "buurt"):
        mocked.add(
            responses.GET,
            GI.format(f"{level}_gegeneraliseerd") + "/queryables",
            json=fixture(f"pdok/gebiedsindelingen/queryables_{level}_gegeneraliseerd.json"),
        )
    mocked.add(
        responses.GET,
        GI.format("wijk_gegeneraliseerd") + "/items",
        json=fixture("pdok/gebiedsindelingen/wijk_gegeneraliseerd_2016_GM0164.json"),
        match=[responses.matchers.query_param_matcher({"gm_code": "GM0164", "jaarcode": "2016"}, strict_match=False)],
    )
    _register_outlines(mocked, 2016)
    mocked.add(
        responses.GET,
        GI.format("buurt_gegeneraliseerd") + "/items",
        json=fixture("pdok/gebiedsindelingen/buurt_gegeneraliseerd_2016_bbox.json"),
        match=[responses.matchers.query_param_matcher({"jaarcode": "2016", "bbox-crs": RD_NEW}, strict_match=False)],
    )
    source = PdokSource(sleep=no_sleep)
    [wijk] = source.fetch(2016, "wijk", ["GM0164"], tmp_path)
    [buurt] = source.fetch(2016, "buurt", ["GM0164"], tmp_path)
    assert json.loads(wijk.read_text())["source"]["url"] == GI.format("wijk_gegeneraliseerd") + "/items"
    assert not any("wijken-en-buurten-2016" in c.request.url for c in mocked.calls)  # that API does not exist
    assert [f["properties"]["statcode"] for f in json.loads(buurt.read_text())["features"]] == ["BU01640101"]

    store = Store(tmp_path / "d")
    ingest(tmp_path, store, ["GM0164"], [2016])
    assert store.geometry_years("wijk") == [2016] and store.geometry_years("buurt") == [2016]
    shapes = store.geometry(2016, "wijk", ["GM0164"])
    assert dict(zip(shapes["region_code"], shapes["region_name"], strict=True)) == {
        "WK016401": "Wijk 01 Fixture-Noord",
        "WK016402": "Wijk 02 Fixture-Zuid",
    }


def test_p4_a_year_without_any_map_is_said_once_in_the_summary(mocked, tmp_path):
    mocked.add(responses.GET, re.compile(r"https://api\.pdok\.nl/cbs/gebiedsindelingen/.*/queryables.*"), status=404)
    mocked.add(
        responses.GET,
        re.compile(r"https://api\.pdok\.nl/cbs/gebiedsindelingen/.*/items.*"),
        json=fixture("pdok/gebiedsindelingen/empty_2012.json"),
    )
    register_v3_table(mocked, "82931NED")
    report = fetch_online(
        Store(tmp_path / "d"),
        ["GM0164"],
        [2014],
        v3=CbsODataSource(sleep=no_sleep),
        pdok=PdokSource(sleep=no_sleep),
        parts=("kwb", "maps"),
    )
    assert report.failed == []
    assert {r.state for r in report.results if r.task.kind == "map"} == {UNAVAILABLE}
    assert sum("Geen kaart beschikbaar bij PDOK voor 2014" in line for line in report.lines()) == 1


# ----------------------------------------------------------------------------------------------- P5
def test_p5_a_coastal_gemeente_keeps_its_land_outline_not_its_water(mocked, tmp_path):
    mocked.add(
        responses.GET, W24.format("gemeenten") + "/queryables", json=fixture("pdok/2024/queryables_gemeenten.json")
    )
    mocked.add(responses.GET, W24.format("gemeenten") + "/items", json=fixture("pdok/2024/gemeenten_GM0400_coast.json"))
    PdokSource(sleep=no_sleep).fetch(2024, "gemeente", ["GM0400"], tmp_path / "raw")
    store = Store(tmp_path / "d")
    ingest(tmp_path / "raw", store, ["GM0400"], [2024])
    shape = store.geometry(2024, "gemeente", ["GM0400"])
    assert list(shape["region_code"]) == ["GM0400"]
    area = float(shape.to_crs("EPSG:28992").area.iloc[0])
    assert area == pytest.approx(4500 * 5000, rel=0.05)  # the land polygon, not the 10 x 12 km of sea


# ----------------------------------------------------------------------------------------------- P6
def test_p6_v4_padded_codes_and_numeric_measure_ids_ingest_cleanly(mocked, tmp_path):
    register_v4(mocked)
    CbsODataV4Source(sleep=no_sleep).fetch("86165NED", ["GM0164"], tmp_path / "raw")
    raw_obs = json.loads((tmp_path / "raw" / "86165NED" / "v4" / "Observations.json").read_text())
    assert {o["WijkenEnBuurten"] for o in raw_obs} >= {"NL00      ", "GM0164    "}  # kept as CBS sent them
    store = Store(tmp_path / "d")
    ingest(tmp_path / "raw", store, ["GM0164"], [2025])
    v = store.load_values(["GM0164"], [2025], include_nederland=True)
    assert set(v["region_code"]) == {"NL00", "GM0164", "WK016401", "BU01640101"}
    inw = v[v["indicator"] == "inwoners"].set_index("region_code")["value"]
    assert inw["NL00"] == 18044027 and inw["GM0164"] == 82790
    assert "3000" in set(v["source_key"])  # a purely numeric v4 measure id is a column of its own


def test_p6_fixture_next_links_repeat_the_filter():
    v3 = fixture("odata_v3/85984NED/TypedDataSet_page1.json")["odata.nextLink"]
    v4 = fixture("odata_v4/86165NED/Observations_page1.json")["@odata.nextLink"]
    for link in (v3, v4):
        assert parse_qs(urlparse(link).query)["$filter"] == [HENGELO_FILTER]


def test_p6_fixtures_are_in_the_shapes_of_the_audit():
    root = Path(__file__).parent / "fixtures"
    codes = json.loads((root / "odata_v4/86165NED/WijkenEnBuurtenCodes.json").read_text())["value"]
    assert codes[0]["Identifier"] == "NL00      " and all(len(c["Identifier"]) == 10 and "Status" in c for c in codes)
    measures = {
        m["Identifier"] for m in json.loads((root / "odata_v4/86165NED/MeasureCodes.json").read_text())["value"]
    }
    assert {"T001036", "3000", "10680", "1014800_1"} <= measures
