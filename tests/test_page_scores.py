"""The Scores page: ranking and breakdown, a weight change that recomputes, save/reset, bad input."""

from __future__ import annotations

import shutil

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import assert_no_exception, screenshot, wait_for_app
from wijkkompas.store import Store

PAGE = "pages/scores.py"


def _nl(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").replace("−", "-").replace("+", ""))


def _ranking(at):
    return at.dataframe[0].value


def _breakdown(at):
    frames = [d.value for d in at.dataframe if "Bijdrage" in d.value.columns]
    assert frames, "geen tabel met bijdragen"
    return frames[0]


def _assert_parts_add_up(at):
    """The shown contributions add up exactly to the shown score − 100."""
    heading = next(m.value for m in at.markdown if m.value.startswith("### "))
    score = _nl(heading.split(": ")[1].split(" · ")[0])
    table = _breakdown(at)
    rows = table[(table["Thema"] != "Totaal") & (table["Bijdrage"] != "–")]
    parts = [_nl(b) for b in rows["Bijdrage"]]
    assert round(sum(parts), 1) == round(score - 100, 1)
    assert _nl(table.loc[table["Thema"] == "Totaal", "Bijdrage"].iloc[0]) == round(score - 100, 1)


@pytest.fixture
def store_copy(tiny_store_dir, tmp_path):
    """A writable copy: the page may save definitions into the data dir."""
    return shutil.copytree(tiny_store_dir, tmp_path / "data")


def test_veerkracht_ranking_breakdown_and_a_live_weight_change(app_test, store_copy):
    at = app_test(store_copy, page=PAGE, query={"score": "veerkracht", "gemeente": "GM0999"})
    assert_clean(at)
    assert any("benadering (proxy)" in i.value for i in at.info)
    ranking = _ranking(at)
    assert len(ranking) == 5 and list(ranking["Plaats"]) == [1, 2, 3, 4, 5]
    assert "<b>Bloemwijk</b>" in set(ranking["Buurt"])  # names are data, shown as text
    # Themes without enough data say so instead of guessing.
    assert any("onvoldoende gegevens" in w.value and "Inkomen" in w.value for w in at.warning)
    _assert_parts_add_up(at)
    # 't Hofje has a geheim bijstand: reported as such, and it does not count.
    assert "geheim bij CBS" in ranking.set_index("Code").loc["BU09990103", "Ontbreekt"]

    # A slider move recomputes the ranking; the breakdown still adds up.
    before = ranking.set_index("Code")["Score"].to_dict()
    at.select_slider(key="sc_iw_veerkracht_wonen_corporatiewoningen").set_value(3.0).run()
    assert_clean(at)
    assert _ranking(at).set_index("Code")["Score"].to_dict() != before
    _assert_parts_add_up(at)
    # Theme 'wonen' to 0: only 'zorg' is left, one theme of four (< half of the weight) → no total.
    at.select_slider(key="sc_tw_veerkracht_wonen").set_value(0.0).run()
    assert_clean(at)
    assert any("geen totaalscore" in w.value for w in at.warning)
    # Every theme to 0: a Dutch message, no crash.
    for s in at.select_slider:
        if s.key.startswith("sc_tw_veerkracht_"):
            s.set_value(0.0)
    at.run()
    assert_clean(at)
    assert any("niets te berekenen" in w.value for w in at.warning)


def test_save_load_reset_and_a_broken_saved_file(app_test, store_copy):
    store = Store(store_copy)
    store.write_document("scores/kapot.toml", b"[scores.veerkracht\nlabel = ")  # e.g. from an old pack
    at = app_test(store_copy, page=PAGE, query={"score": "veerkracht", "gemeente": "GM0999"})
    assert_clean(at)
    assert any("kapot.toml" in w.value for w in at.warning)  # reported, page works, file untouched
    assert len(_ranking(at)) == 5

    at.select_slider(key="sc_tw_veerkracht_zorg").set_value(2.0).run()
    at.text_input[0].set_value("Zorg telt dubbel")
    at.button[0].click().run()  # the form's 'Bewaren'
    assert_clean(at)
    assert any("Bewaard" in s.value for s in at.success)
    saved = lambda: store.snapshot().read_bytes("scores/zorg-telt-dubbel.toml").decode("utf-8")  # noqa: E731
    assert "weight = 2.0" in saved()
    assert next(s for s in at.selectbox if s.label == "Gewichten").value == "zorg-telt-dubbel"  # now selected
    # Saving again under the same name is refused without 'Overschrijven'; the file stays as it was.
    before = saved()
    at.text_input[0].set_value("zorg telt DUBBEL")
    at.button[0].click().run()
    assert any("al een opgeslagen score" in e.value for e in at.error)
    assert saved() == before

    reset = next(b for b in at.button if b.key == "sc_reset_veerkracht")
    reset.click().run()
    assert at.select_slider(key="sc_tw_veerkracht_zorg").value == 1.0

    picker = next(s for s in at.selectbox if s.label == "Gewichten")
    picker.set_value("zorg-telt-dubbel").run()
    assert_clean(at)
    assert at.select_slider(key="sc_tw_veerkracht_zorg").value == 2.0
    assert saved() == before  # loading never touches the file
    assert store.snapshot().read_bytes("scores/kapot.toml") == b"[scores.veerkracht\nlabel = "


def test_leefbaarheid_view_method_from_the_url_level_and_reference(app_test, store_copy):
    at = app_test(store_copy, page=PAGE, query={"gemeente": "GM0999", "methode": "percentiel"})
    assert_clean(at)
    view = next(s for s in at.selectbox if s.label == "Bekijk")
    assert view.value == "fysiek"  # the total has too little data in Teststad, fysiek has enough
    assert any("Overlast" in w.value and "onvoldoende gegevens" in w.value for w in at.warning)
    assert at.radio(key="sc_method_leefbaarheid").value == "percentiel"
    at.radio(key="sc_ref_leefbaarheid").set_value("alles").run()
    assert_clean(at)
    assert len(_ranking(at)) == 5
    at.radio(key="sc_niveau").set_value("wijk").run()
    assert_clean(at)


def test_real_twente_data_says_onvoldoende_gegevens(app_test, twente_store_dir):
    at = app_test(twente_store_dir, page=PAGE, query={"gemeente": "GM0164", "jaar": "2024"})
    assert_clean(at)
    assert any("onvoldoende gegevens" in w.value for w in at.warning)
    at = app_test(
        twente_store_dir, page=PAGE, query={"score": "veerkracht", "gemeente": "GM0164,GM0153,GM0141", "jaar": "2017"}
    )
    assert_clean(at)
    assert len(_ranking(at)) > 100


@pytest.mark.browser
def test_scores_page_in_a_browser(running_app, browser, store_copy):
    app = running_app(store_copy)
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(app.url)  # a deep link as the very first request runs the page without app.py (see report)
    page.get_by_role("link", name="Over de gegevens").wait_for(timeout=60_000)
    page.goto(app.url + "/scores?score=veerkracht&gemeente=GM0999")
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Hoe is de score opgebouwd?").wait_for(timeout=60_000)
    page.get_by_text("Ranglijst: totaalscore").wait_for()
    assert page.get_by_text("Over de gegevens").count() >= 1  # app.py's navigation ran, not the bare page
    # A weight change in the real browser: the 'Wonen' theme slider to its maximum.
    page.get_by_text("Gewichten en rekenmethode aanpassen").click()
    slider = page.get_by_role("slider", name="Gewicht van het thema").nth(3)
    slider.focus()
    page.keyboard.press("End")
    wait_for_app(page)
    assert_no_exception(page)
    screenshot(page, "scores_veerkracht")
    page.close()
