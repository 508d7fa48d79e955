"""The kompas in a real browser: matrix → a cell → its evidence → the wijkprofiel.

Screenshots land in tests/screenshots/ (git-ignored): kompas.png, kompas_cel.png, kompas_profiel.png.
"""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1500, "height": 2400}
GRID = "[data-testid='stDataFrame']"


def test_kompas_cell_profile_walk(running_app, browser, tiny_store_dir):
    app = running_app(tiny_store_dir)
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app.url + "/kompas?gemeente=GM0999&jaar=2024&niveau=buurt")
    page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=60_000)
    page.wait_for_selector(f"{GRID} canvas", timeout=60_000)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    body = page.inner_text("body")
    assert "Kompas 2024" in body and "Klassen:" in body
    screenshot(page, "kompas")

    # Click a cell in the grid (glide-data-grid draws on a canvas: by position; the Sociaal cell of the first row,
    # Stationsbuurt, which has the most urgent themes): its evidence opens and the cell is in the link.
    box = page.locator(GRID).first.bounding_box()
    page.mouse.click(box["x"] + 375, box["y"] + 35 + 17)
    page.wait_for_selector("text=Stationsbuurt · Sociale woonomgeving", timeout=30_000)
    wait_for_app(page, timeout=60_000)
    assert "regio=BU09990102" in page.url and "thema=sociaal" in page.url
    # The pickers below the matrix open another cell (keyboard users; a grid selection does not block them).
    page.locator("[data-testid='stSelectbox']").filter(has_text="Gebied").first.click()
    page.get_by_role("option", name="Oude Markt (BU09990101)").click()
    page.wait_for_selector("text=Oude Markt · Sociale woonomgeving", timeout=30_000)
    page.wait_for_selector("text=Wijkprofiel van", timeout=30_000)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    body = page.inner_text("body")
    assert "De cijfers achter een cel" in body and "Oude Markt · Sociale woonomgeving" in body
    assert page.locator(GRID).count() == 2  # the matrix and the evidence table
    assert "regio=" in page.url  # the open cell is in the link
    screenshot(page, "kompas_cel")

    link = page.locator("[data-testid='stPageLink'] a").filter(has_text="Wijkprofiel van")
    name = link.first.inner_text().split("Wijkprofiel van", 1)[1].replace("openen", "").strip()
    link.first.click()
    page.wait_for_url("**/wijkprofiel**", timeout=60_000)
    wait_for_app(page, timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    assert_no_exception(page)
    assert name in page.inner_text("[data-testid='stMain']")
    screenshot(page, "kompas_profiel")
