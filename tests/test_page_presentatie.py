"""AppTest of the Presentatie page: composing, reordering, saving, opening by URL, and present mode."""

from __future__ import annotations

import json

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import ROOT
from wijkkompas.presentation.model import Presentation, make_slide, save_presentation

PAGE = "pages/presentatie.py"


@pytest.fixture
def page(use_data_dir):
    from streamlit.testing.v1 import AppTest

    def _make(data_dir, query: dict | None = None):
        use_data_dir(data_dir)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        at.switch_page(str(ROOT / PAGE))
        return at.run()

    return _make


def clean(at) -> None:
    assert_clean(at)


def slide_lines(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**") and ". " in m.value[:8]]


def iframe_html(at) -> str:
    frames = [e for e in at.main if type(e).__name__ == "UnknownElement" and "srcdoc" in str(getattr(e, "proto", ""))]
    assert len(frames) == 1, [type(e).__name__ for e in at.main]
    return frames[0].proto.srcdoc


def test_compose_reorder_edit_and_save(tiny_store, page):
    at = page(tiny_store.data_dir, {"gemeente": "GM0999"})
    clean(at)
    assert any("nog geen dia's" in i.value for i in at.info)
    # 1. A map slide with the suggested title.
    at.button(key="pr_add").click().run()
    clean(at)
    assert len(slide_lines(at)) == 1 and slide_lines(at)[0].startswith("**1. Kaart**")
    # 2. A wijkprofiel with its own title and message.
    at.session_state["pr_kind"] = "profiel"
    at.run()
    at.selectbox(key="pr_p_regio").set_value("WK099902").run()
    at.text_input(key="pr_new_title").input("Noord & Oost in cijfers").run()
    at.text_input(key="pr_new_msg").input("Hier wonen de meeste gezinnen.").run()
    at.button(key="pr_add").click().run()
    clean(at)
    lines = slide_lines(at)
    assert len(lines) == 2 and lines[1].startswith("**2. Wijkprofiel**")
    assert at.text_input(key="pr_new_title").value == ""  # ready for the next slide
    # 3. Move the profile up, then edit the map slide's title in the list.
    next(b for b in at.button if b.label == "↓").click().run()
    assert slide_lines(at)[0].startswith("**1. Wijkprofiel**")
    title_inputs = [t for t in at.text_input if t.label == "Titel" and t.key.startswith("pr_t_")]
    title_inputs[1].input("Ouderen per buurt").run()
    clean(at)
    # 4. Save under a name: one JSON file, in this order, with these titles.
    at.text_input(key="pr_name").input("Politieke markt maart").run()
    at.button(key="pr_save").click().run()
    clean(at)
    assert any("opgeslagen (2 dia's)" in s.value for s in at.success)
    saved = json.loads(tiny_store.snapshot().read_bytes("presentaties/politieke-markt-maart.json"))
    assert [s["kind"] for s in saved["slides"]] == ["profiel", "kaart"]
    assert [s["title"] for s in saved["slides"]] == ["Noord & Oost in cijfers", "Ouderen per buurt"]
    assert (
        saved["slides"][0]["params"]["regio"] == "WK099902"
        and saved["slides"][0]["message"] == "Hier wonen de meeste gezinnen."
    )
    assert at.query_params["presentatie"] in ("politieke-markt-maart", ["politieke-markt-maart"])
    # 5. Remove a slide: the draft changes, the saved file does not until saved again.
    [b for b in at.button if b.label == "✕"][1].click().run()
    assert len(slide_lines(at)) == 1
    assert len(json.loads(tiny_store.snapshot().read_bytes("presentaties/politieke-markt-maart.json"))["slides"]) == 2


def test_an_invalid_slide_gives_a_dutch_message_not_a_crash(tiny_store, page):
    at = page(tiny_store.data_dir, {"gemeente": "GM0999"})
    at.session_state["pr_kind"] = "vergelijking"
    at.run()
    at.multiselect(key="pr_v_regios").set_value(["WK099901"]).run()
    at.button(key="pr_add").click().run()
    assert_clean(at, expect_error="2 tot 4")
    assert slide_lines(at) == []


def test_open_by_url_and_warn_about_slides_that_cannot_be_shown(tiny_store, page):
    slides = (
        make_slide("profiel", "Centrum", regios=["WK099901"], jaar=2024),
        make_slide("kaart", "Hengelo", gemeenten=["GM0164"], jaar=2024, indicator="inwoners"),
    )
    save_presentation(tiny_store.data_dir, Presentation("Raad", slides))
    at = page(tiny_store.data_dir, {"presentatie": "raad"})
    clean(at)
    assert len(slide_lines(at)) == 2
    assert any("1 van de 2 dia's kunnen met de geladen gegevens niet worden getoond" in w.value for w in at.warning)
    assert any("GM0164 is op deze computer niet geladen" in c.value for c in at.caption)


def test_present_mode_shows_only_the_deck(tiny_store, page):
    slides = (
        make_slide(
            "kaart",
            "Ouderen",
            "Veel ouderen in het centrum.",
            gemeenten=["GM0999"],
            jaar=2024,
            indicator="aandeel_65plus",
        ),
        make_slide("trend", "Onbekend cijfer", regios=["WK099901"], indicator="bestaat_niet"),
        make_slide("vergelijking", "Twee wijken", regios=["WK099901", "WK099902"], jaar=2024),
    )
    save_presentation(tiny_store.data_dir, Presentation("Raad", slides))
    at = page(tiny_store.data_dir, {"presentatie": "raad", "modus": "presenteren"})
    clean(at)
    assert len(at.main.button) == 0 and len(at.main.selectbox) == 0 and len(at.main.text_input) == 0
    assert not at.title  # no page chrome, only the slides
    html = iframe_html(at)
    assert html.count('<section class="slide') == 3 and "3 / 3" in html
    assert "Deze dia kan hier niet worden getoond" in html and "Twee wijken" in html
    assert '"exit": "/presentatie?presentatie=raad"' in html
    css = "".join(str(getattr(e, "proto", "")) for e in at.get("html"))
    assert "stSidebar" in css and "display:none" in css


def test_present_mode_with_an_unknown_name_is_a_dutch_message(tiny_store, page):
    at = page(tiny_store.data_dir, {"presentatie": "bestaat-niet", "modus": "presenteren"})
    assert_clean(at, expect_error="Er is geen presentatie met de naam 'bestaat-niet'")
