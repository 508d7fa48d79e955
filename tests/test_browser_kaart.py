"""The Kaart page in a real browser: Hengelo from the real CBS files, indicator and level switches,
the map actually drawn, the tooltip, and the time from changing the indicator to the new map."""

from __future__ import annotations

import math
import time

import pytest

from tests.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

DECK = '[data-testid="stDeckGlJsonChart"]'


def _open(browser, app, path: str):
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    # A deep link into a page of a fresh server is first served as a legacy 'pages/' page
    # (no sidebar, no navigation) until the entry script has run once; open the root first.
    page.goto(app.url + "/")
    page.wait_for_selector('[data-testid="stSidebar"] >> text="Gemeente(n)"', timeout=60_000)  # app.py has run
    page.goto(app.url + path)
    wait_for_app(page, timeout=60_000)
    page.wait_for_selector(f"{DECK} canvas", timeout=60_000)
    page.wait_for_timeout(800)
    assert_no_exception(page)
    return page


def _canvas_png(page) -> bytes:
    return page.locator(f"{DECK} canvas").first.screenshot()


def _wait_for_new_picture(page, before: bytes, timeout: float = 30.0) -> float:
    """Poll the map canvas until its pixels differ from `before`; returns the moment (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if _canvas_png(page) != before:
            return time.perf_counter()
        page.wait_for_timeout(30)
    raise AssertionError("de kaart is niet opnieuw getekend")


def _legend_title(page) -> str:
    return page.locator(".wk-legend h2").first.inner_text()


def test_kaart_hengelo_switch_indicator_and_level(browser, running_app, twente_store_dir):
    app = running_app(twente_store_dir)
    page = _open(browser, app, "/kaart?gemeente=GM0164&jaar=2024&niveau=buurt&indicator=aandeel_65plus")
    assert "Inwoners van 65 jaar of ouder" in _legend_title(page)
    assert "Kaartgrenzen 2014, cijfers 2024" in page.inner_text("body")
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    screenshot(page, "kaart_hengelo_buurt_65plus")

    # Switch the indicator through the searchable select box and time it until the map is redrawn.
    before = _canvas_png(page)
    select = page.locator('[data-testid="stSelectbox"]').filter(has_text="Cijfer").first
    select.click()
    page.keyboard.type("Kinderen tot 15")
    t0 = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('.wk-legend h2')?.textContent || '').includes('Kinderen tot 15 jaar')",
        timeout=30_000,
    )
    t_legend = time.perf_counter()
    t_drawn = _wait_for_new_picture(page, before)
    print(
        f"\nKaart Hengelo (buurten): indicator gewisseld → nieuwe kaart getekend in {1000 * (t_drawn - t0):.0f} ms "
        f"(legenda na {1000 * (t_legend - t0):.0f} ms)"
    )
    wait_for_app(page)
    assert_no_exception(page)
    assert "indicator=aandeel_0_15" in page.url
    screenshot(page, "kaart_hengelo_buurt_0_15")

    # Switch the level.
    before = _canvas_png(page)
    page.get_by_role("radio", name="Wijken").click()
    page.wait_for_function("() => window.location.search.includes('niveau=wijk')", timeout=30_000)
    wait_for_app(page)
    _wait_for_new_picture(page, before)
    assert_no_exception(page)
    assert "Kies een wijk" in page.inner_text("body")
    screenshot(page, "kaart_hengelo_wijk_0_15")

    # Natural breaks, 7 classes, from the controls.
    before = _canvas_png(page)
    method = page.locator('[data-testid="stSelectbox"]').filter(has_text="Indeling in klassen").first
    method.click()
    page.keyboard.type("Afwijking")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('classificatie=z_bands')", timeout=30_000)
    wait_for_app(page)
    _wait_for_new_picture(page, before)
    assert "rond het gemiddelde" in page.locator(".wk-legend").first.inner_text()
    assert_no_exception(page)
    screenshot(page, "kaart_hengelo_wijk_zbands")


def _pixel(lon: float, lat: float, view: dict, box: dict) -> tuple[float, float]:
    """Screen position of a lon/lat in a deck.gl MapView (Web Mercator, 512-px tiles)."""
    scale = 512 * 2 ** view["zoom"]

    def merc(lo, la):
        return (lo + 180) / 360 * scale, (
            1 - math.log(math.tan(math.pi / 4 + math.radians(la) / 2)) / math.pi
        ) / 2 * scale

    x, y = merc(lon, lat)
    x0, y0 = merc(view["longitude"], view["latitude"])
    return box["x"] + box["width"] / 2 + (x - x0), box["y"] + box["height"] / 2 + (y - y0)


def test_tooltip_shows_names_as_text_and_click_selects(browser, running_app, tiny_store_dir):
    import shapely

    from wijkkompas.mapdata import view_state
    from wijkkompas.store import Store

    shapes = Store(tiny_store_dir).geometry(2024, "buurt", ["GM0999"])
    view = view_state(shapes.total_bounds)
    target = shapes[shapes["region_code"] == "BU09990203"].geometry.iloc[0]
    point = shapely.point_on_surface(target)

    app = running_app(tiny_store_dir)
    page = _open(browser, app, "/kaart?gemeente=GM0999&jaar=2024&indicator=sociaal_minimum")
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    x, y = _pixel(point.x, point.y, view, box)
    page.mouse.move(x, y)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert "<b>Bloemwijk</b>" in text, text  # shown literally: the name is escaped, not markup
    assert tooltip.locator("b", has_text="Bloemwijk").count() == 0
    assert "BU09990203" in text and "Plaats in de gemeente" in text
    screenshot(page, "kaart_teststad_tooltip")

    # Hover a CBS-secret buurt ('t Hofje): its value is named, not coloured.
    secret = shapely.point_on_surface(shapes[shapes["region_code"] == "BU09990103"].geometry.iloc[0])
    page.mouse.move(*_pixel(secret.x, secret.y, view, box))
    page.wait_for_function("() => (document.querySelector('.deck-tooltip')?.innerText || '').includes('Hofje')")
    assert "onbekend (geheim bij CBS)" in tooltip.inner_text()

    # Clicking the map selects the buurt: the profile link appears and the URL remembers it.
    page.mouse.click(x, y)
    page.wait_for_function("() => window.location.search.includes('regio=BU09990203')", timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("Open het profiel van <b>Bloemwijk</b>").count() == 1
    assert_no_exception(page)
    screenshot(page, "kaart_teststad_selected")
