"""AppTest of the Vergelijken page: the side-by-side table, small multiples, peers, and bad input."""

from __future__ import annotations

import functools
import html
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.apptest_helpers import assert_clean, goto, texts
from wijkkompas.store import Store
from wijkkompas.ui.navigation import page_url

PAGE = "pages/vergelijken.py"
OLD, NEW = "BU09990202", "BU09990203"


@pytest.fixture
def app_test(app_test):
    """The conftest AppTest factory with this page as default; `goto` then changes the URL of the same
    session, as a link from another page would, so one session covers several cases quickly."""
    return functools.partial(app_test, page=PAGE)


def html_bodies(at) -> list[str]:
    from wijkkompas.ui import styles

    # Without the app-wide stylesheet and script of ui/styles.py (no content of this page).
    return [e.proto.body for e in at.get("html") if e.proto.body not in (styles.CSS, styles.DUTCH_JS)]


def test_side_by_side(tiny_store_dir, app_test):
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "regio": f"BU09990101,{NEW},WK099902"})
    assert_clean(at)
    table, peers = html_bodies(at)
    for theme in ("Bevolking", "Wonen", "Inkomen"):
        assert f">{theme}</th>" in table
    assert "Oude Markt" in table and "Noord &amp; Oost" in table
    # A name with HTML in it is shown as text, never as markup.
    assert html.escape("<b>Bloemwijk</b>") in table and "<b>Bloemwijk</b>" not in table
    assert "procentpunt" in table and "Teststad: " in table
    assert "gemiddelde buurt in Teststad" in table  # counts: compared with the average buurt
    assert "wkc-bar" in table
    assert "Lijkt op Oude Markt door:" in peers
    assert len(at.get("vega_lite_chart")) == 1  # small multiples
    assert "Bron: CBS, Kerncijfers wijken en buurten 2024" in texts(at, "caption")
    assert at.query_params["regio"] == f"BU09990101,{NEW},WK099902"
    assert at.query_params["lijkt_op"] == "BU09990101"

    # Missing values are explained, not shown as 0.
    goto(at, regio="BU09990103,GM0999")
    assert_clean(at)
    assert "onbekend (geheim bij CBS)" in html_bodies(at)[0]

    # Small multiples follow ?indicator=; raw CBS columns only on request.
    goto(at, regio="WK099901,WK099902", indicator="woz_waarde")
    assert_clean(at)
    assert at.selectbox(key="vg_indicator").value == "woz_waarde"
    assert ">65 jaar of ouder<" not in html_bodies(at)[0]
    at.toggle(key="vg_extra").set_value(True).run()
    assert_clean(at)
    assert ">65 jaar of ouder<" in html_bodies(at)[0]


def test_link_from_map_or_profile(tiny_store_dir, app_test):
    """page_url('vergelijken', regio=...) is how other pages link here; a single code asks for a second one."""
    url = page_url("vergelijken", regio="WK099901")
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", **parse_qs(urlsplit(url).query)})
    assert_clean(at)
    assert at.multiselect(key="vg_regio").value == ["WK099901"]
    assert "Kies minstens twee gebieden" in texts(at, "info")
    goto(at, **parse_qs(urlsplit(page_url("vergelijken", regio=["WK099901", "WK099902"])).query))
    assert_clean(at)
    assert at.multiselect(key="vg_regio").value == ["WK099901", "WK099902"]
    assert html_bodies(at)


def test_bad_input_from_the_url(tiny_store_dir, app_test):
    codes = ["GM0999", "WK099901", "WK099902", "BU09990101", "BU09990102", "BU09990103", "BU09990201"]
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "regio": ",".join(["WK000000", *codes])})
    assert_clean(at)
    warnings = texts(at, "warning")
    assert "WK000000" in warnings and "niet bekend" in warnings
    assert "er passen er 6" in warnings and "BU09990201" in warnings
    assert at.multiselect(key="vg_regio").value == codes[:6]
    assert html_bodies(at)  # the table is still there

    # A region that does not exist in the chosen year: said plainly; its peers come from its last year.
    goto(at, regio=f"{OLD},BU09990101", lijkt_op=OLD)
    assert_clean(at)
    assert "geen cijfers in 2024" in texts(at, "warning")
    assert "bestaat niet in 2024; gezocht met de cijfers van 2023" in texts(at, "caption")
    assert "Lijkt op" in html_bodies(at)[-1]


def test_peers_button_and_other_gemeenten(tiny_store_dir, app_test):
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "regio": "BU09990101,WK099901"})
    button = next(b for b in at.button if b.label.startswith("Zet Oude Markt naast"))
    button.click().run()
    assert_clean(at)
    chosen = at.multiselect(key="vg_regio").value
    assert chosen[0] == "BU09990101" and len(chosen) >= 3
    assert all(c.startswith("BU") for c in chosen)
    assert at.query_params["regio"] == ",".join(chosen)
    at.toggle(key="vg_ander").set_value(True).run()
    assert_clean(at)
    assert "geen andere buurten met genoeg cijfers" in texts(at, "info")


def test_one_year_only(tiny_store, app_test):
    tiny_store.remove_years([2023])
    at = app_test(
        tiny_store.data_dir, query={"gemeente": "GM0999", "regio": "WK099901,WK099902", "indicator": "inwoners"}
    )
    assert_clean(at)
    assert "maar één jaar met cijfers (2024)" in texts(at, "info")
    assert html_bodies(at)


def test_empty_store(tmp_path, app_test):
    Store(tmp_path)
    at = app_test(tmp_path)
    assert_clean(at)
    assert "nog geen gegevens geladen" in texts(at, "warning")


def test_small_multiples_spec_is_valid(tiny_store_dir, use_data_dir):
    """The page skips Altair's schema validation for speed; the facet spec is validated here."""
    from wijkkompas.exporting import indicator_catalogue
    from wijkkompas.ui import compare as uc

    use_data_dir(tiny_store_dir)
    cat = indicator_catalogue(Store(tiny_store_dir))
    chart, _series = uc.small_multiples_chart(["BU09990101", NEW, "GM0999"], "aandeel_65plus", cat)
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    panels = {r["paneel"] for r in rows}
    assert panels == {"Oude Markt", "<b>Bloemwijk</b>", "Teststad"}
    # Every buurt panel carries its gemeente as a grey reference; the gemeente panel carries Nederland.
    assert {r["gebied"] for r in rows if r["laag"] == "refpunt" and r["paneel"] == "Teststad"} == {"Nederland"}
    assert {r["gebied"] for r in rows if r["laag"] == "refpunt" and r["paneel"] == "Oude Markt"} == {"Teststad"}
    assert not [r for r in rows if r["paneel"] == "<b>Bloemwijk</b>" and r["laag"] == "lijn"]  # one point, no line


@pytest.mark.shared_data
def test_real_twente_peers_across_gemeenten(twente_store_dir, app_test):
    at = app_test(twente_store_dir, query={"gemeente": "GM0164", "regio": "WK016400,GM0164", "jaar": "2024"})
    assert_clean(at)
    at.toggle(key="vg_ander").set_value(True).run()
    assert_clean(at)
    peers = html_bodies(at)[-1]
    assert "Lijkt op Wijk 00 Binnenstad door:" in peers
    assert "in Hengelo" not in peers  # only other gemeenten
    assert "in Enschede" in peers or "in Almelo" in peers
