"""Trends and Vergelijken in a real browser: charts render, the table is there, screenshots to look at.

Screenshots land in tests/screenshots/ (git-ignored): trends.png, vergelijken.png and, when
../shared/data is present, trends_twente.png and vergelijken_twente.png.
"""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser
# Streamlit scrolls inside its own container, so a full-page screenshot only shows the viewport:
# make the viewport as tall as the page.
VIEWPORT = {"width": 1400, "height": 3200}


def _open(browser, url: str, ready: str, charts: int = 0):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    # A deep link on a fresh server first runs the page alone and then reruns through app.py
    # (ui/guard.py leaves the legacy pages/ mode): wait for the sidebar that only app.py draws, then for the content.
    page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=60_000)
    page.wait_for_selector(ready, timeout=60_000)
    wait_for_app(page, timeout=60_000)
    if charts:
        page.wait_for_function(
            f"() => document.querySelectorAll(\"[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg\").length >= {charts}",
            timeout=60_000,
        )
    page.wait_for_timeout(800)  # let Vega finish drawing
    assert_no_exception(page)
    return page


def test_trends_and_vergelijken_in_a_browser(running_app, browser, tiny_store_dir):
    app = running_app(tiny_store_dir)
    page = _open(
        browser,
        app.url
        + "/trends?gemeente=GM0999&regio=BU09990202,BU09990203,GM0999,WK099901&indicator=sociaal_minimum,inwoners",
        "[data-testid='stVegaLiteChart']",
        charts=2,
    )
    assert page.get_by_text("Onderbroken lijnen").is_visible()
    assert page.get_by_text("Laatste jaar met cijfers: 2024").first.is_visible()
    assert "regio=BU09990202" in page.url  # the state stays in the URL
    screenshot(page, "trends")
    page.close()

    page = _open(
        browser,
        app.url + "/vergelijken?gemeente=GM0999&regio=BU09990101,BU09990203,WK099902,GM0999",
        "table.wkc-peers",
        charts=1,
    )
    table = page.locator("table.wkc").first
    assert "Bevolking" in table.inner_text()
    assert "<b>Bloemwijk</b>" in table.inner_text()  # shown as text, not as bold markup
    assert page.locator("table.wkc-peers tbody tr").count() >= 3
    screenshot(page, "vergelijken")
    page.close()


def test_real_twente_in_a_browser(running_app, browser, twente_store_dir):
    app = running_app(twente_store_dir)
    page = _open(
        browser,
        app.url + "/trends?gemeente=GM0164&indicator=aandeel_65plus",
        "[data-testid='stVegaLiteChart']",
        charts=1,
    )
    assert page.get_by_text("twee jaren: 2017 en 2024").is_visible()
    screenshot(page, "trends_twente")
    page.close()
    page = _open(
        browser,
        app.url + "/vergelijken?gemeente=GM0164&regio=WK016400,WK016401,BU01530101,GM0164",
        "table.wkc-peers",
        charts=1,
    )
    screenshot(page, "vergelijken_twente")
    page.close()
