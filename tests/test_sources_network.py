"""Network sources (CBS OData v3/v4, PDOK) against recorded-style wire fixtures, fully offline.

Every HTTP call is answered by `responses` from the JSON in tests/fixtures/{odata_v3,odata_v4,
pdok}; an unexpected request fails the test (responses raises ConnectionError for unregistered
URLs), so these tests also prove *which* requests are made: the server-side filter, the paging,
and that no national download happens.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from wijkkompas.errors import SourceError
from wijkkompas.sources.cbs_odata import (
    CbsODataSource,
    detect_region_key,
    normalise_gemeenten,
    region_filter,
)
from wijkkompas.sources.cbs_odata4 import (
    STATUS_FIELD,
    CbsODataV4Source,
    stem_from_title,
    v4_to_v3,
)
from wijkkompas.sources.http import get_json, write_json_atomic
from wijkkompas.sources.pdok import LEGACY_CRS, RD_NEW, MapUnavailable, PdokSource, geojson_path

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_META = Path(__file__).resolve().parents[2] / "shared" / "data" / "kwb" / "2024" / "85984NED_DataProperties.json"
V3 = "https://opendata.cbs.nl/ODataFeed/odata/85984NED"
V4 = "https://datasets.cbs.nl/odata/v1/CBS/86165NED"
PDOK_ITEMS = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/{}/items"
UNREACHABLE_CBS = (
    "Geen verbinding met CBS (opendata.cbs.nl). Controleer de internetverbinding of probeer het "
    "later opnieuw; Wijkkompas werkt verder met de gegevens die al geladen zijn."
)
HENGELO_FILTER = (
    "startswith(WijkenEnBuurten,'GM0164') or startswith(WijkenEnBuurten,'WK0164') or "
    "startswith(WijkenEnBuurten,'BU0164') or startswith(WijkenEnBuurten,'NL')"
)


def fixture(rel: str) -> dict:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


class Sleeps(list):
    """Injectable `sleep` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


# ------------------------------------------------------------------------------------------------
# http.get_json and write_json_atomic
# ------------------------------------------------------------------------------------------------
URL = "https://opendata.cbs.nl/ODataApi/odata/85984NED/TableInfos"


def test_get_json_retries_5xx_with_exponential_backoff_then_succeeds(mocked, sleeps):
    mocked.add(responses.GET, URL, status=503)
    mocked.add(responses.GET, URL, status=502)
    mocked.add(responses.GET, URL, json={"value": [{"ID": 0}]})
    assert get_json(URL, sleep=sleeps, backoff=1.0) == {"value": [{"ID": 0}]}
    assert len(mocked.calls) == 3
    assert sleeps == [1.0, 2.0]


def test_get_json_honours_retry_after_on_429(mocked, sleeps):
    mocked.add(responses.GET, URL, status=429, headers={"Retry-After": "7"})
    mocked.add(responses.GET, URL, json={"ok": True})
    assert get_json(URL, sleep=sleeps) == {"ok": True}
    assert sleeps == [7.0]


def test_get_json_unreachable_gives_the_dutch_message_after_all_retries(mocked, sleeps):
    mocked.add(responses.GET, URL, body=requests.ConnectionError("no route to host"))
    with pytest.raises(SourceError) as err:
        get_json(URL, retries=3, sleep=sleeps)
    assert str(err.value) == UNREACHABLE_CBS
    assert len(mocked.calls) == 4  # first try + 3 retries
    assert sleeps == [1.0, 2.0, 4.0]


def test_get_json_timeout_is_retried(mocked, sleeps):
    mocked.add(responses.GET, URL, body=requests.ReadTimeout("slow"))
    mocked.add(responses.GET, URL, json=[1, 2])
    assert get_json(URL, sleep=sleeps) == [1, 2]
    assert sleeps == [1.0]


def test_get_json_garbage_is_a_source_error_without_retry(mocked, sleeps):
    mocked.add(responses.GET, URL, body="<html><body>Onderhoud</body></html>", status=200)
    with pytest.raises(SourceError, match="onleesbaar antwoord"):
        get_json(URL, sleep=sleeps)
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_get_json_404_says_the_table_is_unknown(mocked, sleeps):
    mocked.add(responses.GET, URL, status=404)
    with pytest.raises(SourceError, match="404") as err:
        get_json(URL, sleep=sleeps)
    assert "opendata.cbs.nl" in str(err.value)
    assert len(mocked.calls) == 1


def test_get_json_other_4xx_is_not_retried(mocked, sleeps):
    mocked.add(responses.GET, URL, status=400)
    with pytest.raises(SourceError, match="weigerde"):
        get_json(URL, sleep=sleeps)
    assert sleeps == []


def test_write_json_atomic_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "x" / "TypedDataSet.json"
    write_json_atomic(target, [{"a": 1}])
    with pytest.raises(TypeError):
        write_json_atomic(target, [{"a": object()}])  # not serialisable halfway through
    assert json.loads(target.read_text()) == [{"a": 1}]
    assert [p.name for p in target.parent.iterdir()] == ["TypedDataSet.json"]  # no temp left


# ------------------------------------------------------------------------------------------------
# CBS OData v3 via cbsodata
# ------------------------------------------------------------------------------------------------
def register_v3(rsps) -> None:
    base = "odata_v3/85984NED"
    fmt = {"$format": "json"}
    rsps.add(responses.GET, f"{V3}/", json=fixture(f"{base}/service.json"))
    for name in ("TableInfos", "DataProperties", "CategoryGroups", "WijkenEnBuurten"):
        rsps.add(responses.GET, f"{V3}/{name}", json=fixture(f"{base}/{name}.json"))
    rsps.add(
        responses.GET,
        f"{V3}/TypedDataSet",
        json=fixture(f"{base}/TypedDataSet_page1.json"),
        match=[matchers.query_param_matcher({**fmt, "$filter": HENGELO_FILTER})],
    )
    rsps.add(
        responses.GET,
        f"{V3}/TypedDataSet",
        json=fixture(f"{base}/TypedDataSet_page2.json"),
        # The next link repeats the filter (as CBS writes it), and cbsodata follows it verbatim.
        match=[matchers.query_param_matcher({**fmt, "$filter": HENGELO_FILTER, "$skip": "2"})],
    )


def test_v3_fetch_writes_cbsodata_layout_filtered_server_side(mocked, tmp_path, sleeps):
    register_v3(mocked)
    paths = CbsODataSource(sleep=sleeps).fetch("85984NED", ["GM0164"], tmp_path)

    folder = tmp_path / "85984NED"
    assert {p.name for p in paths} == {
        "TableInfos.json",
        "DataProperties.json",
        "CategoryGroups.json",
        "WijkenEnBuurten.json",
        "TypedDataSet.json",
    }
    assert all(p.parent == folder for p in paths)
    assert paths[-1].name == "TypedDataSet.json"  # data last: a half download never looks complete
    assert not list(folder.glob(".*"))  # no temp files left behind

    rows = json.loads((folder / "TypedDataSet.json").read_text())
    assert [r["WijkenEnBuurten"].strip() for r in rows] == [
        "NL00",
        "GM0164",
        "WK016401",
        "BU01640101",
        "BU01640102",
    ]  # both pages, padding kept as CBS sends it
    assert rows[4]["k_65JaarOfOuder_12"] is None  # unknown stays null, never 0

    # The data set was asked for with the filter, never without; UntypedDataSet never asked for.
    data_urls = [c.request.url for c in mocked.calls if "DataSet" in c.request.url]
    assert all("Untyped" not in u for u in data_urls)
    assert "%24filter=" in data_urls[0] and "startswith" in requests.utils.unquote(data_urls[0])

    # The national region list is trimmed to the same codes as the data.
    regions = json.loads((folder / "WijkenEnBuurten.json").read_text())
    assert {r["Key"].strip() for r in regions} == {"NL00", "GM0164", "WK016401", "BU01640101", "BU01640102"}

    # Written the way cbsodata writes: indent 2, ASCII-escaped.
    text = (folder / "DataProperties.json").read_text()
    assert text.startswith('[\n  {\n    "odata.type"')
    assert json.loads(text)[0]["Type"] == "GeoDetail"


def test_v3_region_filter_uses_regios_for_the_oldest_tables():
    props = [
        {"Type": "TopicGroup", "Key": ""},
        {"Type": "GeoDimension", "Key": "RegioS", "Title": "Regio's"},
    ]
    assert detect_region_key(props) == "RegioS"
    flt = region_filter("RegioS", ["GM0164", "GM0153"])
    assert "startswith(RegioS,'BU0153')" in flt and "startswith(RegioS,'NL')" in flt
    assert flt.count(" or ") == 6


def test_v3_fetch_with_regios_table_filters_on_regios(mocked, tmp_path, sleeps):
    base = "https://opendata.cbs.nl/ODataFeed/odata/82339NED"
    mocked.add(responses.GET, f"{base}/DataProperties", json={"value": [{"Type": "GeoDimension", "Key": "RegioS"}]})
    mocked.add(
        responses.GET,
        f"{base}/",
        json={"value": [{"name": n, "url": f"{base}/{n}"} for n in ("TypedDataSet", "UntypedDataSet", "RegioS")]},
    )
    mocked.add(responses.GET, f"{base}/RegioS", json={"value": [{"Key": "GM0164    "}, {"Key": "GM0003    "}]})
    mocked.add(
        responses.GET,
        f"{base}/TypedDataSet",
        json={"value": [{"ID": 1, "RegioS": "GM0164    "}]},
        match=[matchers.query_param_matcher({"$format": "json", "$filter": region_filter("RegioS", ["GM0164"])})],
    )
    CbsODataSource(sleep=sleeps).fetch("82339NED", ["gm0164 "], tmp_path)
    assert json.loads((tmp_path / "82339NED" / "RegioS.json").read_text()) == [{"Key": "GM0164    "}]


def test_v3_transient_failure_is_retried_then_succeeds(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, f"{V3}/DataProperties", status=503)
    register_v3(mocked)
    CbsODataSource(sleep=sleeps).fetch("85984NED", ["GM0164"], tmp_path)
    assert sleeps == [1.0]
    assert (tmp_path / "85984NED" / "TypedDataSet.json").exists()


def test_v3_unreachable_is_the_dutch_message_and_writes_nothing(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, re.compile(r"https://opendata\.cbs\.nl/.*"), body=requests.ConnectionError("dns"))
    with pytest.raises(SourceError) as err:
        CbsODataSource(sleep=sleeps, retries=2).fetch("85984NED", ["GM0164"], tmp_path)
    assert str(err.value) == UNREACHABLE_CBS
    assert sleeps == [1.0, 2.0]
    assert not (tmp_path / "85984NED").exists()


def test_v3_unknown_table_404(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, "https://opendata.cbs.nl/ODataFeed/odata/12345NED/DataProperties", status=404)
    with pytest.raises(SourceError, match="12345NED") as err:
        CbsODataSource(sleep=sleeps).fetch("12345NED", ["GM0164"], tmp_path)
    assert "404" in str(err.value)
    assert sleeps == []


def test_v3_garbage_answer_is_a_source_error(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, f"{V3}/DataProperties", body="Service Unavailable<br>", status=200)
    with pytest.raises(SourceError, match="onleesbaar"):
        CbsODataSource(sleep=sleeps).fetch("85984NED", ["GM0164"], tmp_path)


def test_v3_passes_timeout_to_cbsodata_and_copes_with_the_typed_flag(monkeypatch, tmp_path):
    """cbsodata 1.3.5 downloads TypedDataSet for typed=False; a fixed later version gets a 2nd try."""
    import cbsodata

    calls = []

    def fake_download(table_id, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return {"TableInfos": [{"ID": 0}], "UntypedDataSet": [{"ID": 0, "WijkenEnBuurten": "GM0164    "}]}
        return {"TableInfos": [{"ID": 0}], "TypedDataSet": [{"ID": 0, "WijkenEnBuurten": "GM0164    "}]}

    monkeypatch.setattr(cbsodata, "download_data", fake_download)
    paths = CbsODataSource(timeout=(3, 30)).fetch("85984NED", ["GM0164"], tmp_path, region_key="WijkenEnBuurten")
    assert [c["typed"] for c in calls] == [False, True]
    assert all(c["timeout"] == (3, 30) and c["filters"] == HENGELO_FILTER for c in calls)
    assert [p.name for p in paths] == ["TableInfos.json", "TypedDataSet.json"]


@pytest.mark.parametrize("bad", [["0164"], ["GM164"], ["GM0164'"], [], ["Hengelo"]])
def test_invalid_gemeente_codes_are_refused_before_any_request(mocked, tmp_path, bad):
    with pytest.raises(SourceError, match="gemeente"):
        CbsODataSource().fetch("85984NED", bad, tmp_path)
    assert len(mocked.calls) == 0


def test_gemeente_codes_are_normalised():
    assert normalise_gemeenten([" gm0164", "GM0164", "GM0153"]) == ["GM0164", "GM0153"]


def test_invalid_table_id_is_refused(tmp_path):
    with pytest.raises(SourceError, match="tabelcode"):
        CbsODataSource().fetch("85984NED;drop", ["GM0164"], tmp_path)


# ------------------------------------------------------------------------------------------------
# CBS OData v4
# ------------------------------------------------------------------------------------------------
V4_ID_FILTER = (
    "startswith(Identifier,'GM0164') or startswith(Identifier,'WK0164') or "
    "startswith(Identifier,'BU0164') or startswith(Identifier,'NL')"
)


def register_v4(rsps) -> None:
    base = "odata_v4/86165NED"
    rsps.add(responses.GET, V4, json=fixture(f"{base}/service.json"))
    for name in ("Properties", "MeasureGroups", "MeasureCodes"):
        rsps.add(responses.GET, f"{V4}/{name}", json=fixture(f"{base}/{name}.json"))
    rsps.add(
        responses.GET,
        f"{V4}/WijkenEnBuurtenCodes",
        json=fixture(f"{base}/WijkenEnBuurtenCodes.json"),
        match=[matchers.query_param_matcher({"$filter": V4_ID_FILTER})],
    )
    rsps.add(
        responses.GET,
        f"{V4}/Observations",
        json=fixture(f"{base}/Observations_page1.json"),
        match=[matchers.query_param_matcher({"$filter": HENGELO_FILTER})],
    )
    rsps.add(
        responses.GET,
        f"{V4}/Observations",
        json=fixture(f"{base}/Observations_page2.json"),
        match=[matchers.query_param_matcher({"$filter": HENGELO_FILTER, "$skip": "11"})],
    )


def test_v4_fetch_writes_value_lists_following_next_links(mocked, tmp_path, sleeps):
    register_v4(mocked)
    paths = CbsODataV4Source(sleep=sleeps).fetch("86165NED", ["GM0164"], tmp_path)
    folder = tmp_path / "86165NED" / "v4"
    assert [p.name for p in paths] == [
        "Properties.json",
        "MeasureGroups.json",
        "MeasureCodes.json",
        "WijkenEnBuurtenCodes.json",
        "Observations.json",
    ]
    observations = json.loads((folder / "Observations.json").read_text())
    assert len(observations) == 23  # 11 + 12 over two pages
    assert all("@odata.context" not in o for o in observations)
    props = json.loads((folder / "Properties.json").read_text())
    assert props == [{k: v for k, v in fixture("odata_v4/86165NED/Properties.json").items() if k[0] != "@"}]
    measures = json.loads((folder / "MeasureCodes.json").read_text())
    assert measures[0]["Identifier"] == "M008345"
    assert sleeps == []


def test_v4_unknown_table_is_a_dutch_404(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, "https://datasets.cbs.nl/odata/v1/CBS/12345NED", status=404)
    with pytest.raises(SourceError, match=r"datasets\.cbs\.nl") as err:
        CbsODataV4Source(sleep=sleeps).fetch("12345NED", ["GM0164"], tmp_path)
    assert "12345NED" in str(err.value)


def test_v4_to_v3_converts_fixture_to_v3_shapes():
    """The fixture is in the real v4 shape: codes padded to 10, Nederland NL00, measure ids such as
    3000, 10680 and 1014800_1 next to T001036, Status in the code rows (audit 2.5, 2.8, 2.9)."""
    obs = fixture("odata_v4/86165NED/Observations_page1.json")["value"]
    obs += fixture("odata_v4/86165NED/Observations_page2.json")["value"]
    codes = fixture("odata_v4/86165NED/WijkenEnBuurtenCodes.json")["value"]
    assert {len(c["Identifier"]) for c in codes} == {10} and all("Status" in c for c in codes)
    rows, data_properties, table_infos = v4_to_v3(
        obs,
        fixture("odata_v4/86165NED/MeasureCodes.json")["value"],
        codes,
        fixture("odata_v4/86165NED/MeasureGroups.json")["value"],
        fixture("odata_v4/86165NED/Properties.json"),
    )
    assert [r["WijkenEnBuurten"] for r in rows] == ["NL00", "GM0164", "WK016401", "BU01640101"]  # stripped
    assert [r["ID"] for r in rows] == [0, 1, 2, 3]
    gm = rows[1]
    assert gm["T001036"] == 82790 and isinstance(gm["T001036"], int)  # Decimals 0 → whole number
    assert gm["3000"] == 41210 and isinstance(gm["3000"], int)  # a purely numeric measure id
    assert gm["1014800_1"] == 58.1  # a suffixed numeric id is a key of its own, not a v3 key number
    assert gm["M008345"] == "Hengelo"  # text measures come from StringValue
    assert gm[STATUS_FIELD] == {}
    bu = rows[3]
    assert bu["10680"] is None and bu["M004594"] is None
    assert bu["1014800_1"] is None  # no observation at all: still a column
    assert bu[STATUS_FIELD] == {"10680": "geheim", "M004594": "kan niet voorkomen"}
    assert rows[2][STATUS_FIELD] == {"1014800_1": "geheim"}
    measure_keys = {"M008345", "T001036", "3000", "10680", "M004594", "1014800_1"}
    assert all(set(r) == {"ID", "WijkenEnBuurten", STATUS_FIELD} | measure_keys for r in rows)

    by_type: dict[str, list[dict]] = {}
    for entry in data_properties:
        by_type.setdefault(entry["Type"], []).append(entry)
    assert [e["Key"] for e in by_type["GeoDetail"]] == ["WijkenEnBuurten"]
    assert by_type["GeoDetail"][0]["MapYear"] == 2025
    assert [e["ID"] for e in data_properties] == list(range(len(data_properties)))
    topics = {e["Key"]: e for e in by_type["Topic"]}
    assert topics["10680"]["Stem"] == "k_65JaarOfOuder"
    assert topics["3000"]["Stem"] == "Mannen"
    assert topics["1014800_1"]["Stem"] == "Koopwoningen"
    assert topics["M004594"]["Stem"] == "PersonenautoSTotaal"
    assert topics["T001036"]["Unit"] == "aantal" and topics["1014800_1"]["Decimals"] == 1
    assert topics["10680"]["ValueAttributes"] == {"Confidential": 1}
    ids = {e["ID"]: e for e in data_properties}
    leeftijd = ids[topics["10680"]["ParentID"]]
    assert leeftijd["Type"] == "TopicGroup" and leeftijd["Title"] == "Leeftijdsgroepen"
    assert ids[leeftijd["ParentID"]]["Title"] == "Bevolking"  # group tree kept
    assert {g["Title"] for g in by_type["TopicGroup"]} == {"Regioaanduiding", "Bevolking", "Leeftijdsgroepen", "Wonen"}

    assert len(table_infos) == 1
    info = table_infos[0]
    assert info["Identifier"] == "86165NED" and info["Title"] == "Kerncijfers wijken en buurten 2025"
    assert info["Modified"] == "2025-07-01T02:00:00+02:00" and info["Period"] == "2025"
    assert "@odata.context" not in info


def test_v4_to_v3_strips_padded_codes_and_reports_unknown_reason():
    obs = [
        {"Id": 0, "Measure": "X1", "ValueAttribute": "None", "Value": None, "WijkenEnBuurten": "GM0164    "},
        {"Id": 1, "Measure": "X1", "ValueAttribute": "NotAvailable", "Value": None, "WijkenEnBuurten": "NL00      "},
    ]
    rows, props, _ = v4_to_v3(obs, [{"Identifier": "X1", "Index": 1, "Title": "Iets", "Decimals": 0}], [])
    assert [r["WijkenEnBuurten"] for r in rows] == ["GM0164", "NL00"]
    assert rows[0][STATUS_FIELD] == {"X1": "onbekend"}
    assert rows[1][STATUS_FIELD] == {"X1": "niet beschikbaar"}
    assert props[1]["ParentID"] is None


def test_v4_to_v3_refuses_a_second_dimension():
    obs = [
        {"Measure": "X1", "Value": 1.0, "WijkenEnBuurten": "GM0164", "Perioden": "2023JJ00"},
        {"Measure": "X1", "Value": 2.0, "WijkenEnBuurten": "GM0164", "Perioden": "2024JJ00"},
    ]
    with pytest.raises(SourceError, match="GM0164"):
        v4_to_v3(obs, [], [])


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Aantal inwoners", "AantalInwoners"),
        ("65 jaar of ouder", "k_65JaarOfOuder"),
        ("Personenauto's totaal", "PersonenautoSTotaal"),
        ("Huish. onder of rond sociaal minimum", "HuishOnderOfRondSociaalMinimum"),
        ("Wmo-cliënten", "WmoClienten"),
        ("Gemiddelde WOZ-waarde van woningen", "GemiddeldeWOZWaardeVanWoningen"),
        ("G+I Handel en horeca", "GIHandelEnHoreca"),
        ("Percentage twee-onder-één-kap-woning (eengezins)", "PercentageTweeOnderEenKapWoningEe"),
    ],
)
def test_stem_from_title(title, stem):
    assert stem_from_title(title) == stem


def test_stem_from_title_matches_real_2024_v3_keys():
    if not SHARED_META.exists():
        pytest.skip("../shared/data ontbreekt: kwb/2024/85984NED_DataProperties.json niet gevonden")
    topics = [e for e in json.loads(SHARED_META.read_text(encoding="utf-8")) if e.get("Type") == "Topic"]
    hits = sum(stem_from_title(t["Title"]) == re.sub(r"_\d+$", "", t["Key"]) for t in topics)
    rate = hits / len(topics)
    print(f"stem_from_title: {hits}/{len(topics)} = {rate:.1%} of the 2024 v3 Topic keys")
    assert len(topics) > 100
    assert rate >= 0.85


# ------------------------------------------------------------------------------------------------
# PDOK OGC API Features
# ------------------------------------------------------------------------------------------------
PDOK_2024 = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/{}"


@pytest.fixture
def pdok24(mocked):
    """The 2024 collections' queryables, which list gemeentecode (evidence: audit 3.3)."""
    for collection in ("buurten", "wijken", "gemeenten"):
        mocked.add(
            responses.GET,
            PDOK_2024.format(collection) + "/queryables",
            json=fixture(f"pdok/2024/queryables_{collection}.json"),
        )
    return mocked


def test_pdok_fetch_follows_next_links_and_writes_rd_geojson(pdok24, tmp_path, sleeps):
    mocked = pdok24
    url = PDOK_ITEMS.format("buurten")
    first = {"f": "json", "limit": "2", "crs": RD_NEW, "gemeentecode": "GM0164"}
    mocked.add(
        responses.GET,
        url,
        json=fixture("pdok/2024/buurten_GM0164_page1.json"),
        match=[matchers.query_param_matcher(first)],
    )
    mocked.add(
        responses.GET,
        url,
        json=fixture("pdok/2024/buurten_GM0164_page2.json"),
        match=[matchers.query_param_matcher({**first, "cursor": "Ag|BAHBwA"})],
    )
    paths = PdokSource(sleep=sleeps, page_limit=2).fetch(2024, "buurten", ["GM0164"], tmp_path)

    assert paths == [tmp_path / "pdok" / "2024" / "buurt_GM0164.geojson"]
    assert paths[0] == geojson_path(tmp_path, 2024, "buurt", "GM0164")
    fc = json.loads(paths[0].read_text())
    assert fc["type"] == "FeatureCollection" and fc["crs"] == LEGACY_CRS
    assert [f["properties"]["buurtcode"] for f in fc["features"]] == ["BU01640101", "BU01640102", "BU01640201"]
    # Properties exactly as PDOK gives them (sentinels included; cleaning is the ingest's job).
    assert (
        fc["features"][0]["properties"] == fixture("pdok/2024/buurten_GM0164_page1.json")["features"][0]["properties"]
    )
    assert [c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in mocked.calls] == ["queryables", "items", "items"]


def test_pdok_geojson_crs_is_read_by_gdal(pdok24, tmp_path):
    mocked = pdok24
    gpd = pytest.importorskip("geopandas")
    mocked.add(responses.GET, PDOK_ITEMS.format("gemeenten"), json=fixture("pdok/2024/gemeenten_GM0164.json"))
    [path] = PdokSource().fetch("2024", "gemeente", ["GM0164"], tmp_path)
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 28992
    assert list(frame["gemeentecode"]) == ["GM0164"]
    assert frame.total_bounds[0] == pytest.approx(250000)


def test_pdok_drops_features_of_other_gemeenten(pdok24, tmp_path):
    mocked = pdok24
    page = fixture("pdok/2024/gemeenten_GM0164.json")
    other = json.loads(json.dumps(page["features"][0]))
    other["properties"]["gemeentecode"] = "GM0153"
    page["features"].append(other)
    mocked.add(responses.GET, PDOK_ITEMS.format("wijken"), json=page)
    [path] = PdokSource().fetch(2024, "wijken", ["GM0164"], tmp_path)
    assert path.name == "wijk_GM0164.geojson"
    assert len(json.loads(path.read_text())["features"]) == 1


def test_pdok_unknown_gemeente_is_a_dutch_error_and_writes_nothing(pdok24, tmp_path):
    mocked = pdok24
    mocked.add(responses.GET, PDOK_ITEMS.format("buurten"), json=fixture("pdok/2024/empty.json"))
    with pytest.raises(SourceError, match="GM9999"):
        PdokSource().fetch(2024, "buurt", ["GM9999"], tmp_path)
    assert not (tmp_path / "pdok").exists()


def test_pdok_year_without_any_map_is_a_dutch_map_unavailable(mocked, tmp_path, sleeps):
    """2011 has no wijken-en-buurten API (those start in 2022) and the generalised divisions have no
    features for it: one plain message, no call to the per-year API, no retries."""
    gi = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/buurt_gegeneraliseerd"
    mocked.add(
        responses.GET, gi + "/queryables", json=fixture("pdok/gebiedsindelingen/queryables_buurt_gegeneraliseerd.json")
    )
    gm = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd"
    mocked.add(
        responses.GET,
        gm + "/queryables",
        json=fixture("pdok/gebiedsindelingen/queryables_gemeente_gegeneraliseerd.json"),
    )
    mocked.add(responses.GET, gm + "/items", json=fixture("pdok/gebiedsindelingen/empty_2012.json"))
    with pytest.raises(MapUnavailable, match="2011"):
        PdokSource(sleep=sleeps).fetch(2011, "buurt", ["GM0164"], tmp_path)
    assert sleeps == []
    assert not any("wijken-en-buurten-2011" in c.request.url for c in mocked.calls)
    assert not (tmp_path / "pdok").exists()


def test_pdok_unreachable_names_pdok(mocked, tmp_path, sleeps):
    mocked.add(responses.GET, re.compile(r"https://api\.pdok\.nl/.*"), body=requests.ConnectionError("offline"))
    with pytest.raises(SourceError, match=r"Geen verbinding met PDOK \(api\.pdok\.nl\)"):
        PdokSource(sleep=sleeps, retries=1).fetch(2024, "buurt", ["GM0164"], tmp_path)
    assert sleeps == [1.0]  # the first request (queryables) already fails; nothing is written


@pytest.mark.parametrize(("year", "level"), [(2024, "provincie"), ("twintig", "buurt"), (1850, "wijk")])
def test_pdok_bad_input_is_refused(mocked, tmp_path, year, level):
    with pytest.raises(SourceError):
        PdokSource().fetch(year, level, ["GM0164"], tmp_path)
    assert len(mocked.calls) == 0


def test_pdok_keeps_asking_for_rd_when_a_next_link_drops_crs(pdok24, tmp_path):
    mocked = pdok24
    url = PDOK_ITEMS.format("buurten")
    page1 = fixture("pdok/2024/buurten_GM0164_page1.json")
    page1["links"][-1]["href"] = f"{url}?cursor=abc&f=json&limit=2"  # a next link without crs
    mocked.add(
        responses.GET,
        url,
        json=page1,
        match=[matchers.query_param_matcher({"gemeentecode": "GM0164"}, strict_match=False)],
    )
    mocked.add(
        responses.GET,
        url,
        json=fixture("pdok/2024/buurten_GM0164_page2.json"),
        match=[matchers.query_param_matcher({"cursor": "abc", "f": "json", "limit": "2", "crs": RD_NEW})],
    )
    [path] = PdokSource(page_limit=2).fetch(2024, "buurt", ["GM0164"], tmp_path)
    assert len(json.loads(path.read_text())["features"]) == 3


def test_pdok_refuses_wgs84_coordinates_labelled_as_rd(pdok24, tmp_path):
    mocked = pdok24
    page = fixture("pdok/2024/gemeenten_GM0164.json")
    page["features"][0]["geometry"] = {"type": "Point", "coordinates": [6.79, 52.26]}
    mocked.add(responses.GET, PDOK_ITEMS.format("gemeenten"), json=page)
    with pytest.raises(SourceError, match="RD"):
        PdokSource().fetch(2024, "gemeente", ["GM0164"], tmp_path)
    assert not (tmp_path / "pdok").exists()
