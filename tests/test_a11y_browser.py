"""WCAG 2.1 AA in a real browser: axe-core on every page (ten, default state and with a region chosen), on
the exported HTML profile and on the presentation document, plus the Kaart page by keyboard alone.

One app server for the whole module (the browser suite is slow on two cores), over the real
Hengelo/Enschede/Almelo data (`twente_store_dir`: skips without ../shared/data). axe-core comes with
`axe-playwright-python` (nothing is downloaded at test time). A check fails on any violation of
impact "serious" or "critical" under the rules tagged wcag2a, wcag2aa, wcag21a and wcag21aa; the
report names rule, element and message so the failure says what to fix.

Screenshots (git-ignored): tests/screenshots/a11y_*.png.
"""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import RunningApp, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")
HENGELO = "gemeente=GM0164&jaar=2024"

# (name, path): every page in its default state, and the pages that show more once a region is chosen.
PAGES = [
    ("start", f"/start?{HENGELO}"),
    ("kompas", f"/kompas?{HENGELO}"),
    ("kaart", f"/kaart?{HENGELO}&niveau=buurt&indicator=aandeel_65plus"),
    ("wijkprofiel", f"/wijkprofiel?{HENGELO}"),
    ("trends", f"/trends?{HENGELO}"),
    ("vergelijken", f"/vergelijken?{HENGELO}"),
    ("scores", f"/scores?{HENGELO}"),
    ("eigen-gegevens", f"/eigen-gegevens?{HENGELO}"),
    ("presentatie", f"/presentatie?{HENGELO}"),
    ("over", f"/over?{HENGELO}"),
    ("kompas-gekozen", f"/kompas?{HENGELO}&regio=WK016400"),
    ("kaart-gekozen", f"/kaart?{HENGELO}&niveau=buurt&indicator=aandeel_65plus&regio=BU01640000"),
    (
        "kaart-score-drie-gemeenten",
        "/kaart?gemeente=GM0164,GM0153,GM0141&jaar=2024&niveau=wijk&indicator=score.leefbaarheid&regio=WK016400",
    ),
    ("wijkprofiel-buurt", f"/wijkprofiel?{HENGELO}&regio=BU01640101"),
    ("trends-gekozen", "/trends?gemeente=GM0164&regio=WK016400,BU01640000,GM0164&indicator=inwoners,aandeel_65plus"),
    ("vergelijken-gekozen", f"/vergelijken?{HENGELO}&regio=WK016400,WK016401,GM0164"),
    ("scores-gekozen", f"/scores?{HENGELO}&regio=BU01640000"),
]


# Heading levels in the main area, in document order (axe's heading-order is a best-practice rule, not in the tags).
HEADINGS = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')]
  .filter(h => h.offsetParent !== null && h.textContent.trim()).map(h => Number(h.tagName[1]))"""


def heading_skips(page) -> list[tuple[int, int]]:
    levels = page.evaluate(HEADINGS)
    return [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]


def axe_problems(page) -> list[str]:
    """Serious and critical axe violations on what the page shows now, one readable line per element."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=AXE_OPTIONS)
    lines = []
    for v in result.response["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            checks = node.get("any") or node.get("all") or node.get("none") or [{}]
            lines.append(f"{v['id']} ({v['impact']}): {node['html'][:140]} → {checks[0].get('message', '')[:160]}")
    return lines


@pytest.fixture(scope="module")
def app(twente_store_dir):
    running = RunningApp(twente_store_dir)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def page(browser, app):
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    # A deep link into a fresh server is first served as a legacy 'pages/' page; open the root first.
    page.goto(app.url + "/")
    page.wait_for_selector('[data-testid="stSidebar"] >> text="Gemeente(n)"', timeout=90_000)
    yield page
    page.close()


def _open(page, app, path: str) -> None:
    page.goto(app.url + path)
    wait_for_app(page, timeout=90_000)
    if "/kaart" in path:
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    if page.locator("[data-testid='stVegaLiteChart']").count():  # check the charts once Vega drew them
        page.wait_for_selector("[data-testid='stVegaLiteChart'] svg", state="attached", timeout=60_000)
    page.wait_for_timeout(1200)  # Vega and deck.gl finish drawing
    assert_no_exception(page)


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_axe_violations(page, app, name, path):
    _open(page, app, path)
    problems = axe_problems(page)
    assert heading_skips(page) == [], f"{name}: een kopniveau overgeslagen"
    if name == "eigen-gegevens":  # Streamlit's English uploader texts are replaced (ui/styles.py)
        main = page.inner_text('[data-testid="stMain"]')
        assert "200MB per file" not in main and "Upload" not in main.split()
        assert "Hoogstens 200 MB per bestand • CSV" in main
        assert "Bestand kiezen" in page.locator('[data-testid="stFileUploaderDropzone"] button').inner_text()
        assert page.get_by_role("button", name="Bestand kiezen").count() >= 1  # the button (and the file input)
        assert page.locator('button[aria-label^="Help for"]').count() == 0
    if name.startswith("kaart"):  # the map names what it shows and where the same figures are as text
        figure = '[data-testid="stDeckGlJsonChart"][role="figure"], [data-testid="stDeckGlJsonChart"] [role="figure"]'
        label = page.locator(figure).first.get_attribute("aria-label")
        assert label.startswith("Kaart: ") and "tabel" in label, label
    if problems or name == "kaart":
        screenshot(page, f"a11y_{name}")
    assert not problems, f"{name}: {len(problems)} ernstige toegankelijkheidsfouten:\n" + "\n".join(problems)


def test_exported_html_profile_has_no_serious_axe_violations(browser, twente_store_dir):
    from wijkkompas.export import export_profile
    from wijkkompas.store import Store

    _, html = export_profile(Store(twente_store_dir), "WK016400", 2024, "html")
    doc = browser.new_page(viewport={"width": 1280, "height": 900})
    doc.set_content(html.decode("utf-8"))
    assert doc.evaluate("document.documentElement.lang") == "nl"
    assert doc.locator("img:not([alt])").count() == 0
    problems = axe_problems(doc)
    doc.close()
    assert not problems, "HTML-profiel:\n" + "\n".join(problems)


def test_presentation_document_has_no_serious_axe_violations_on_any_slide(browser, twente_store_dir):
    from wijkkompas.presentation import deck, slides
    from wijkkompas.presentation.model import Presentation, make_slide
    from wijkkompas.store import Store

    pres = Presentation(
        "Raad",
        (
            make_slide(
                "kaart",
                "Ouderen per buurt",
                "Veel ouderen in het centrum",
                gemeenten=["GM0164"],
                jaar=2024,
                niveau="buurt",
                indicator="aandeel_65plus",
            ),
            make_slide("profiel", "Binnenstad", regios=["WK016400"], jaar=2024),
            make_slide("vergelijking", "Twee wijken", regios=["WK016400", "WK016401"], jaar=2024),
            make_slide("trend", "Inwoners door de jaren", regios=["WK016400", "GM0164"], indicator="inwoners"),
        ),
    )
    html = deck.deck_html(slides.render_slides(Store(twente_store_dir), pres), title=pres.name, deck_id="a11y")
    doc = browser.new_page(viewport={"width": 1280, "height": 800})
    doc.set_content(html)
    problems = []
    for n in range(1, 5):  # hidden slides are not checked by axe: walk through them
        assert doc.evaluate("document.body.dataset.slide") == str(n)
        problems += [f"dia {n}: {p}" for p in axe_problems(doc)]
        doc.keyboard.press("ArrowRight")
        doc.wait_for_timeout(200)
    doc.close()
    assert not problems, "Presentatie:\n" + "\n".join(problems)


def test_kaart_by_keyboard_alone_selects_a_buurt(page, app):
    """No mouse: Tab to the region picker, type a name, Enter; the buurt is chosen and its profile link is
    reachable with Tab too."""
    _open(page, app, f"/kaart?{HENGELO}&niveau=buurt&indicator=aandeel_65plus")
    page.locator("body").focus()
    reached = False
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.getAttribute('aria-label')") == "Kies een buurt":
            reached = True
            break
    assert reached, "het veld 'Kies een buurt' is niet met Tab te bereiken"
    page.keyboard.type("Tichelwerk")
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('regio=BU01640101')", timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert "Tichelwerk" in page.inner_text('[data-testid="stMain"]')
    for _ in range(20):  # the profile link comes next in the tab order
        page.keyboard.press("Tab")
        if "Open het profiel van Tichelwerk" in (page.evaluate("document.activeElement?.innerText") or ""):
            break
    else:
        pytest.fail("de link naar het profiel is niet met Tab te bereiken")
    screenshot(page, "a11y_kaart_toetsenbord")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.pathname.endsWith('/wijkprofiel')", timeout=30_000)
    assert "regio=BU01640101" in page.url
