"""Start page: empty store explains how to get data; loaded store shows what is there and how fresh."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import assert_no_exception, screenshot, wait_for_app


def test_empty_store_explains_two_ways_to_get_data(app_test, tmp_path):
    at = app_test(tmp_path / "leeg")
    assert_clean(at)
    assert any("nog geen gegevens" in i.value for i in at.info)
    labels = [t.label for t in at.tabs]
    assert "Online ophalen bij CBS en PDOK" in labels and "Uit een map met bestanden" in labels


def test_loaded_store_shows_overview(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir)
    assert_clean(at)
    table = at.dataframe[0].value
    assert set(table["Code"]) == {"GM0999"} and sorted(table["Jaar"]) == [2023, 2024]
    assert at.sidebar.multiselect[0].value == ["GM0999"]
    assert at.sidebar.selectbox[0].value == 2024


def test_query_string_restores_year(app_test, tiny_store_dir):
    at = app_test(tiny_store_dir, query={"gemeente": "GM0999", "jaar": "2023"})
    assert at.sidebar.selectbox[0].value == 2023


def test_folder_form_loads_data_into_an_empty_store(app_test, tmp_path, tiny_source):
    at = app_test(tmp_path / "leeg")
    at.text_input(key="folder_path").input(str(tiny_source))
    at.text_input(key="folder_codes").input("GM0999")
    next(b for b in at.button if b.label == "Inlezen").click().run()
    assert_clean(at)
    assert any("Gegevens geladen" in s.value for s in at.success)


def test_folder_form_with_wrong_folder_gives_dutch_error(app_test, tmp_path):
    at = app_test(tmp_path / "leeg")
    at.text_input(key="folder_path").input(str(tmp_path / "bestaat-niet"))
    next(b for b in at.button if b.label == "Inlezen").click().run()
    assert_clean(at, expect_error="bestaat niet")


@pytest.mark.browser
def test_start_page_in_a_real_browser(running_app, browser, twente_store_dir):
    app = running_app(twente_store_dir)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(app.url)
    wait_for_app(page)
    assert_no_exception(page)
    screenshot(page, "start")
    assert page.locator("h1").filter(has_text="Wijkkompas").is_visible()
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "3"  # three gemeenten loaded
    screenshot(page, "start")
    page.close()
