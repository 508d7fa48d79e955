"""Presenting in a real browser at 1024×768 (a low-resolution projector), with all network failing.

The app process gets proxies that lead nowhere (http_proxy=127.0.0.1:9) and Chromium is started with
the same dead proxy for everything except 127.0.0.1: anything that tried to reach the internet
would fail. The test walks through a saved three-slide presentation with the keyboard (as a clicker
does), checks that every slide switch happens in the page without asking the server, measures the
time from key press to the next slide on screen, and checks that text is at least 24 px.

Screenshots (git-ignored): tests/screenshots/presentatie_1.png … _3.png, presentatie_compose.png.
Measured numbers are printed and written to tests/screenshots/presentatie_timing.txt.
"""

from __future__ import annotations

import statistics
import time

import pytest

from tests.conftest import CHROMIUM, SCREENSHOTS, assert_no_exception, screenshot, wait_for_app
from wijkkompas.presentation.model import Presentation, make_slide, save_presentation

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1024, "height": 768}
DEAD_PROXY = "http://127.0.0.1:9"
OFFLINE_ENV = {
    "http_proxy": DEAD_PROXY,
    "https_proxy": DEAD_PROXY,
    "HTTP_PROXY": DEAD_PROXY,
    "HTTPS_PROXY": DEAD_PROXY,
    "no_proxy": "127.0.0.1",
    "NO_PROXY": "127.0.0.1",
}
IFRAME = 'iframe[data-testid="stIFrame"]'
FAVICON = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"

# In the page around the deck and in the deck (whichever has the focus): remember when a key went down. In the deck: when the shown slide
# changes, wait for two animation frames (the slide is painted) and record the time since that key.
TIMER_PARENT = "() => { window.__wkKeys = []; document.addEventListener('keydown', () => window.__wkKeys.push(performance.now()), true); }"
TIMER_FRAME = """() => {
  window.parent.__wkSwitch = [];
  document.addEventListener('keydown', () => window.parent.__wkKeys.push(window.parent.performance.now()), true);
  new MutationObserver(() => requestAnimationFrame(() => requestAnimationFrame(() => {
    const keys = window.parent.__wkKeys; const now = window.parent.performance.now();
    window.parent.__wkSwitch.push(now - keys[keys.length - 1]);
  }))).observe(document.body, {attributes: true, attributeFilter: ['data-slide']});
}"""
# The smallest text on the current slide, in screen pixels (CSS size × the stage's scale; SVG text × its CTM).
MIN_FONT = """() => {
  const slide = document.querySelector('.slide:not([hidden])');
  const stage = new DOMMatrix(getComputedStyle(document.getElementById('stage')).transform).a || 1;
  let min = 1e9, what = '';
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; if (!node.textContent.trim()) continue;
    const el = node.parentElement; const r = el.getBoundingClientRect(); if (!r.width || !r.height) continue;
    let px = parseFloat(getComputedStyle(el).fontSize);
    px = (el instanceof SVGElement) ? px * el.getScreenCTM().a : px * stage;
    if (px < min) { min = px; what = node.textContent.trim().slice(0, 40); }
  }
  return [min, what];
}"""


@pytest.fixture
def offline_browser(browser):
    """Chromium whose every request outside 127.0.0.1 goes to a proxy that does not exist."""
    b = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    )
    yield b
    b.close()


@pytest.fixture
def presented(tiny_store):
    slides = (
        make_slide(
            "kaart",
            "Ouderen wonen vooral in het centrum",
            "In Stationsbuurt is bijna een derde 65 jaar of ouder.",
            gemeenten=["GM0999"],
            jaar=2024,
            niveau="buurt",
            indicator="aandeel_65plus",
        ),
        make_slide(
            "vergelijking",
            "Centrum en Noord & Oost naast elkaar",
            "Noord & Oost is jonger.",
            regios=["WK099901", "WK099902"],
            jaar=2024,
        ),
        make_slide(
            "trend",
            "Het aantal inwoners groeit",
            "In vijf jaar een paar procent erbij.",
            regios=["WK099901", "WK099902"],
            indicator="inwoners",
        ),
    )
    save_presentation(tiny_store.data_dir, Presentation("Politieke markt", slides))
    return tiny_store.data_dir


def _deck(page):
    frame = page.frame_locator(IFRAME)
    frame.locator("body[data-ready='1']").wait_for(state="attached", timeout=60_000)
    return frame


def test_present_three_slides_with_the_keyboard_offline(running_app, offline_browser, presented):
    app = running_app(presented, extra_env=OFFLINE_ENV)
    page = offline_browser.new_page(viewport=VIEWPORT)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(app.url + "/presentatie?presentatie=politieke-markt&modus=presenteren")
    deck = _deck(page)
    page.wait_for_timeout(500)

    # Full screen: the deck covers the window; no sidebar, no header, no widgets.
    box = page.locator(IFRAME).bounding_box()
    assert box == {"x": 0, "y": 0, "width": 1024, "height": 768}
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert deck.locator(".slide:not([hidden]) .count").inner_text() == "1 / 3"
    assert_no_exception(page)

    page.evaluate(TIMER_PARENT)
    frame = page.frame(url="about:srcdoc")
    frame.evaluate(TIMER_FRAME)
    fonts = [frame.evaluate(MIN_FONT)]
    screenshot(page, "presentatie_1")
    wall = []
    served_before = len(requests)
    for key, expected in (("ArrowRight", 2), (" ", 3)):
        t0 = time.perf_counter()
        page.keyboard.press(key)
        deck.locator(f"body[data-slide='{expected}']").wait_for(state="attached")
        deck.locator(".slide:not([hidden]) h1").wait_for()
        wall.append((time.perf_counter() - t0) * 1000)
        assert deck.locator(".slide:not([hidden]) .count").inner_text() == f"{expected} / 3"
        fonts.append(frame.evaluate(MIN_FONT))
        screenshot(page, f"presentatie_{expected}")
    page.keyboard.press("ArrowRight")  # past the last slide: stays on the last one
    page.wait_for_timeout(100)
    assert deck.locator(".slide:not([hidden]) .count").inner_text() == "3 / 3"
    for key, expected in (("ArrowLeft", 2), ("PageUp", 1), ("PageDown", 2), ("Home", 1), ("End", 3)):
        page.keyboard.press(key)
        deck.locator(f"body[data-slide='{expected}']").wait_for(state="attached")
    page.wait_for_timeout(200)
    in_page = page.evaluate("() => window.__wkSwitch")
    assert len(requests) == served_before, requests[served_before:]  # switching slides asked nothing of the server

    lines = [
        f"Dia wisselen (toets → volgende dia getekend, in de browser): mediaan {statistics.median(in_page):.1f} ms, "
        f"max {max(in_page):.1f} ms over {len(in_page)} wissels",
        f"Dia wisselen (Playwright, toets → dia zichtbaar, inclusief de aansturing): {', '.join(f'{w:.0f}' for w in wall)} ms",
        f"Kleinste tekst per dia (px bij 1024×768): {', '.join(f'{m:.1f} ({w!r})' for m, w in fonts)}",
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "presentatie_timing.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))
    assert max(in_page) < 1000  # generous: the target (< 200 ms) is reported, not asserted
    assert all(m >= 23.5 for m, _ in fonts), fonts

    # Offline: everything the browser needed came from the app itself. The one known outside request is
    # the tab icon (app.py's page_icon ":material/explore:" makes Streamlit point the favicon at
    # fonts.gstatic.com); it fails here, harmlessly. Anything else would be a bug.
    outside = [u for u in requests if not u.startswith((app.url, "about:", "data:", "blob:"))]
    assert [u for u in outside if not u.startswith(FAVICON)] == [], outside

    # Esc leaves the presentation for the page where it is composed.
    page.keyboard.press("Escape")
    page.wait_for_url("**/presentatie?presentatie=politieke-markt", timeout=30_000)
    # A link into a fresh session first runs the page alone, then again through app.py (with the sidebar).
    page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=60_000)
    page.get_by_role("heading", name="Presentatie").first.wait_for(timeout=60_000)
    wait_for_app(page, timeout=60_000)
    assert_no_exception(page)
    assert page.get_by_text("1. Kaart").first.is_visible()
    screenshot(page, "presentatie_compose")
    page.close()
