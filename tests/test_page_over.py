"""'Over de gegevens' is generated from the catalogue and score definitions: nothing can be missing from it."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import assert_no_exception, screenshot, wait_for_app
from wijkkompas import methodology as m
from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.scores import default_definitions

PAGE = "pages/over.py"


def _all_text(at) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.header]
    return "\n".join(str(p) for p in parts)


def test_every_indicator_source_score_caveat_and_the_licence_are_on_the_page(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, page=PAGE, query={"gemeente": "GM0999"})
    assert_clean(at)
    catalogue = load_catalogue()
    table = next(d.value for d in at.dataframe if "Wat het is" in d.value.columns)
    assert len(table) == len(catalogue)
    assert set(table["id"]) == set(catalogue.indicators)
    assert set(table["Cijfer"]) == {i.label for i in catalogue}
    for ind in catalogue:
        row = table[table["id"] == ind.id].iloc[0]
        assert row["Wat het is"] == ind.definition
        for stem in ind.key or ind.numerator:
            assert stem in row["CBS-sleutel (stam)"]
    # The readable list has every indicator too (labels are escaped Markdown).
    text = _all_text(at).replace("\\", "")
    for ind in catalogue:
        assert ind.label in text, ind.id
    # Keys per year come from the loaded data: Teststad has 2023 (85618NED) and 2024 (85984NED).
    inwoners = table[table["id"] == "inwoners"].iloc[0]["Sleutel per jaar (geladen)"]
    assert "2023 (85618NED): AantalInwoners_5" in inwoners and "2024 (85984NED): AantalInwoners_6" in inwoners

    # Sources with table ids, score methods, caveats and licence.
    sources = at.dataframe[0].value
    catalogue = load_catalogue()
    assert {t.id for t in catalogue.kwb_years.values()} <= set(sources["Tabel"])
    assert "47018NED" in set(sources["Tabel"])
    loaded = sources.set_index("Jaar")["Geladen"]
    assert loaded["2024"].startswith("ja") and loaded["2013"] == "nee"
    text = _all_text(at)
    assert "CC BY 4.0" in text and "CBS, Kadaster" in text
    for caveat in m.CAVEATS:
        assert caveat.title in text
    for d in default_definitions().values():
        assert d.label in text
        score_tables = [x.value for x in at.dataframe if "Aandeel in totaal" in x.value.columns]
        shown = {c for t in score_tables for c in t["Cijfer"]}
        for ident in d.indicator_ids():
            assert catalogue.get(ident).label in " ".join(shown)
    assert "benadering (proxy)" in text


def test_search_filters_the_catalogue(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, page=PAGE, query={"gemeente": "GM0999"})
    at.text_input[0].set_value("woz").run()
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "Wat het is" in d.value.columns)
    assert list(table["id"]) == ["woz_waarde"]
    at.text_input[0].set_value("bestaat niet xyz").run()
    table = next(d.value for d in at.dataframe if "Wat het is" in d.value.columns)
    assert table.empty and not at.exception


def test_page_works_without_any_data(app_test, tmp_path):
    at = app_test(tmp_path / "leeg", page=PAGE)
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "Wat het is" in d.value.columns)
    assert len(table) == len(load_catalogue())


def test_filter_is_pure_and_case_insensitive():
    table = m.indicator_table(load_catalogue())
    assert set(m.filter_indicators(table, "WOZ")["id"]) == {"woz_waarde"}
    assert len(m.filter_indicators(table, "", "Inkomen")) == (table["Thema"] == "Inkomen").sum()
    assert m.themes_in(table)[0] == "Bevolking"


@pytest.mark.browser
def test_over_page_in_a_browser(running_app, browser, tiny_store_dir):
    app = running_app(tiny_store_dir)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app.url)  # not a deep link first: see test_page_scores
    page.get_by_role("link", name="Over de gegevens").wait_for(timeout=60_000)
    page.goto(app.url + "/over?gemeente=GM0999")
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_role("tab", name="Cijfers").click()
    page.get_by_text("Alle cijfers").wait_for(timeout=60_000)
    assert page.get_by_text("Bronnen").count() >= 1
    screenshot(page, "over_cijfers")
    page.close()
