"""AppTest of the Trends page: URL state, the recoded buurt, and bad input that must not crash."""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.apptest_helpers import assert_clean, goto, shown, texts
from wijkkompas.store import Store
from wijkkompas.ui.navigation import page_url

PAGE = "pages/trends.py"
OLD, NEW = "BU09990202", "BU09990203"


@pytest.fixture
def app_test(app_test):
    """The conftest AppTest factory with this page as default; `goto` then changes the URL of the same
    session, as a link from another page would, so one session covers several cases quickly."""
    return functools.partial(app_test, page=PAGE)


def charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def test_default_view_and_url_state(tiny_store_dir, app_test):
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999"})
    assert_clean(at)
    regions = at.multiselect(key="tr_regio").value
    assert regions and regions[0] == "GM0999"
    assert at.multiselect(key="tr_indicator").value == ["aandeel_65plus"]
    assert charts(at) == 1
    assert "Laatste jaar met cijfers: 2024" in texts(at, "markdown")
    assert "85618NED (2023); 85984NED (2024)" in texts(at, "caption")
    # The state is in the URL, so the view can be shared …
    assert at.query_params["regio"] == ",".join(regions)
    assert at.query_params["indicator"] == "aandeel_65plus"
    # … and follows every change.
    at.multiselect(key="tr_regio").set_value(["GM0999", "WK099902"]).run()
    assert_clean(at)
    assert at.query_params["regio"] == "GM0999,WK099902"
    at.selectbox(key="tr_indexjaar").select(2023).run()
    assert at.query_params["indexjaar"] == "2023"
    assert at.multiselect(key="tr_regio").value == ["GM0999", "WK099902"]


def test_recoded_buurt_links_index_and_table(tiny_store_dir, app_test):
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "regio": f"{OLD},{NEW}", "indicator": "inwoners"})
    assert_clean(at)
    info = shown(at, "info")
    assert "Onderbroken lijnen" in info
    assert f"({OLD}) bestaat niet meer in 2024" in info and NEW in info
    assert charts(at) == 1

    # A link made by page_url (repeated parameters), as the map and the profile write it.
    url = page_url("trends", regio=["WK099901", "WK099902"], indicator=["inwoners", "woz_waarde"])
    assert url.startswith("/trends?")
    goto(at, **parse_qs(urlsplit(url).query))
    assert_clean(at)
    assert at.multiselect(key="tr_regio").value == ["WK099901", "WK099902"]
    assert at.multiselect(key="tr_indicator").value == ["inwoners", "woz_waarde"]
    assert charts(at) == 2
    table = at.dataframe[0].value
    woz = table[table["Cijfer"].str.startswith("Gemiddelde WOZ")]
    assert set(woz["CBS-tabel"]) == {"85618NED", "85984NED"}
    assert woz["CBS-kolom"].str.startswith("GemiddeldeWOZWaardeVanWoningen_").all()
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]

    # Index: 100 in the index year, never across the recoding.
    goto(at, regio=f"GM0999,{OLD}", indicator="inwoners", indexjaar="2023")
    assert_clean(at)
    assert at.selectbox(key="tr_indexjaar").value == 2023
    table = at.dataframe[0].value
    assert (table.loc[table["Jaar"] == 2023, "Index (2023 = 100)"] == "100,0").all()
    assert at.query_params["indexjaar"] == "2023"


def test_bad_input_from_the_url(tiny_store_dir, app_test):
    at = app_test(
        tiny_store_dir, query={"gemeente": "GM0999", "regio": "BU09990101,BU12345678", "indicator": "inwoners,onzin"}
    )
    assert_clean(at)
    warnings = texts(at, "warning")
    assert "BU12345678" in warnings and "niet bekend" in warnings and "onzin" in warnings
    assert at.multiselect(key="tr_regio").value == ["BU09990101"]
    assert charts(at) == 1  # the rest keeps working
    assert at.query_params["regio"] == "BU09990101"

    codes = ["GM0999", "WK099901", "WK099902", "BU09990101", "BU09990102", "BU09990103", "BU09990201", NEW]
    goto(at, regio=",".join(codes))
    assert_clean(at)
    assert "er passen er 6" in texts(at, "warning")
    assert at.multiselect(key="tr_regio").value == codes[:6]
    assert charts(at) == 1

    goto(at, regio="GM0999", indexjaar="1999")
    assert_clean(at)
    assert "Indexjaar 1999 is niet geladen" in texts(at, "warning")
    assert at.selectbox(key="tr_indexjaar").value == 0


def test_region_without_data_for_the_indicator(tiny_store_dir, app_test):
    # Teststad's bijstand is suppressed in both years: no line, a plain reason.
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "regio": "GM0999", "indicator": "bijstand"})
    assert_clean(at)
    assert "geen cijfers over 'Mensen met een bijstandsuitkering'" in shown(at, "warning")
    assert "onbekend (geheim bij CBS)" in shown(at, "caption")
    assert charts(at) == 0
    # Together with a region that has figures, the chart is drawn and the missing one is explained.
    goto(at, regio="GM0999,BU09990101", indicator="bijstand")
    assert_clean(at)
    assert charts(at) == 1
    assert "Geen cijfer voor Teststad in 2023 en 2024: onbekend (geheim bij CBS)" in shown(at, "caption")


def test_one_year_only(tiny_store, app_test):
    tiny_store.remove_years([2023])
    at = app_test(
        tiny_store.data_dir, query={"gemeente": "GM0999", "regio": "GM0999,WK099901", "indicator": "inwoners"}
    )
    assert_clean(at)
    info = texts(at, "info")
    assert "maar één jaar geladen (2024)" in info
    assert "maar één jaar met cijfers (2024)" in info
    assert charts(at) == 1
    assert at.selectbox(key="tr_indexjaar").disabled


def test_empty_store(tmp_path, app_test):
    Store(tmp_path)  # nothing ingested
    at = app_test(tmp_path)
    assert_clean(at)
    assert "nog geen gegevens geladen" in texts(at, "warning")


def test_chart_specs_are_valid_vega_lite(tiny_store_dir):
    """The page skips Altair's schema validation for speed; the specs are validated here instead."""
    import io

    import pandas as pd

    from wijkkompas import trends
    from wijkkompas.catalogue.catalogue import load_catalogue
    from wijkkompas.exporting import to_xlsx_bytes
    from wijkkompas.ui import trends as ut

    store = Store(tiny_store_dir)
    values, regions = store.load_values(include_nederland=True), store.regions()
    codes = [OLD, NEW, "GM0999", "NL01"]
    series = trends.build_series(values, regions, codes, ["inwoners"])
    names = trends.display_names(trends.region_catalog(regions), codes)
    ind = load_catalogue().get("inwoners")
    for index_year in (None, 2023):
        chart = ut.trend_chart(series, names, ind, index_year=index_year, years=series.years)
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        data = next(iter(spec["datasets"].values()))
        recoded = [r for r in data if r["region_code"] in (OLD, NEW)]
        assert {r["laag"] for r in recoded} == {"punt", "breuk"}  # no line across the recoding
        assert any(r["laag"] == "lijn" for r in data if r["region_code"] == "GM0999")
        assert spec["config"]["locale"]["number"]["decimal"] == ","
        assert "continuousWidth" not in ut.chart_spec(chart).get("config", {}).get("view", {})
    # The table behind the charts, as downloaded: every figure with its CBS table and column.
    frame = ut.table_frame(series, names, load_catalogue(), 2023)
    back = pd.read_excel(io.BytesIO(to_xlsx_bytes(frame, "Trends")))
    assert {"CBS-tabel", "CBS-kolom", "Index (2023 = 100)", "Toelichting"} <= set(back.columns)
    gm = back[back["Code"] == "GM0999"].set_index("Jaar")
    assert gm.loc[2023, "CBS-tabel"] == "85618NED" and gm.loc[2023, "Index (2023 = 100)"] == 100
    assert back.loc[back["Code"] == NEW, "Toelichting"].str.contains("bestaat niet in 2023").any()


@pytest.mark.shared_data
def test_real_twente_two_years(twente_store_dir, app_test):
    """Real data: 2017 and 2024. A line over two points must say that the years between are unknown."""
    store = Store(twente_store_dir)
    reg = store.regions()
    both = reg[reg["level"] == "buurt"].groupby("region_code")["year"].nunique()
    code = both[both == 2].index[0]
    at = app_test(twente_store_dir, query={"gemeente": "GM0164", "regio": code, "indicator": "aandeel_65plus"})
    assert_clean(at)
    assert charts(at) == 1
    assert "twee jaren: 2017 en 2024" in texts(at, "caption")
    assert "83765NED (2017); 85984NED (2024)" in texts(at, "caption")
