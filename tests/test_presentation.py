"""Presentations: slides as checked references, files on disk, checks against what is loaded, drawn slides, the deck."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from wijkkompas.errors import SourceError
from wijkkompas.presentation import deck, model, slides
from wijkkompas.presentation.model import Loaded, Presentation, make_slide
from wijkkompas.store import Store

GM = "GM0999"


def kaart(**kw) -> model.Slide:
    params = {"gemeenten": [GM], "jaar": 2024, "niveau": "buurt", "indicator": "aandeel_65plus"} | kw
    return make_slide("kaart", "Ouderen per buurt", "Veel ouderen in het centrum.", **params)


def four_kinds() -> tuple[model.Slide, ...]:
    return (
        kaart(),
        make_slide("profiel", "Centrum in cijfers", "Een oude wijk", regios=["WK099901"], jaar=2024),
        make_slide("vergelijking", "Twee wijken", regios=["WK099901", "WK099902"], jaar=2024),
        make_slide("trend", "Inwoners door de jaren", regios=["BU09990101", "WK099902"], indicator="inwoners"),
    )


# --------------------------------------------------------------------------- slides and presentations


def test_a_slide_is_checked_when_it_is_made():
    with pytest.raises(SourceError, match="één cijfer óf één score"):
        make_slide("kaart", "x", gemeenten=[GM], indicator="inwoners", score="leefbaarheid")
    with pytest.raises(SourceError, match="kies een gemeente"):
        make_slide("kaart", "x", indicator="inwoners")
    with pytest.raises(SourceError, match="2 tot 4"):
        make_slide("vergelijking", "x", regios=["WK099901"])
    with pytest.raises(SourceError, match="geen code van een wijk"):
        make_slide("trend", "x", regios=["Centrum"], indicator="inwoners")
    with pytest.raises(SourceError, match="titel ontbreekt"):
        make_slide("profiel", "  ", regios=["WK099901"])
    with pytest.raises(SourceError, match="te lang"):
        make_slide("profiel", "x", "y" * (model.MAX_MESSAGE + 1), regios=["WK099901"])
    s = make_slide("profiel", "  Centrum   in cijfers ", regios=["wk099901"])
    assert s.title == "Centrum in cijfers" and s.regios == ("WK099901",) and s.referenced_gemeenten() == (GM,)


def test_json_round_trip_and_editing():
    pres = Presentation("Politieke markt", four_kinds(), "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00")
    back = model.from_json_bytes(model.to_json_bytes(pres))
    assert back == pres
    payload = json.loads(model.to_json_bytes(pres))
    assert payload["slides"][0]["params"] == {
        "gemeente": [GM],
        "jaar": 2024,
        "niveau": "buurt",
        "indicator": "aandeel_65plus",
    }
    moved = pres.move(0, 1)
    assert [s.kind for s in moved.slides] == ["profiel", "kaart", "vergelijking", "trend"]
    assert pres.move(0, -1) == pres  # cannot move before the first
    assert [s.kind for s in pres.remove(2).slides] == ["kaart", "profiel", "trend"]
    edited = pres.update(1, title="Nieuw", message="Eén zin.")
    assert (
        edited.slides[1].title == "Nieuw"
        and edited.slides[1].message == "Eén zin."
        and edited.slides[0] == pres.slides[0]
    )
    with pytest.raises(SourceError):
        pres.update(0, title="")


def test_a_bad_file_is_refused_but_a_bad_slide_only_becomes_a_notice():
    with pytest.raises(SourceError, match="geen geldige JSON"):
        model.from_json_bytes(b"{niet json")
    with pytest.raises(SourceError, match="geen presentatie van Wijkkompas"):
        model.from_json_bytes(json.dumps({"slides": []}))
    newer = {"format": model.FORMAT, "version": model.FORMAT_VERSION + 1, "name": "x", "slides": []}
    with pytest.raises(SourceError, match="nieuwere versie"):
        model.from_json_bytes(json.dumps(newer))
    payload = json.loads(model.to_json_bytes(Presentation("Raad", four_kinds()[:2])))
    payload["slides"].insert(1, {"kind": "taart", "title": "Onbekend", "params": {}})
    pres = model.from_json_bytes(json.dumps(payload))
    assert [bool(s.problem) for s in pres.slides] == [False, True, False]
    assert "onbekende soort dia 'taart'" in pres.slides[1].problem
    # Saving again keeps the slide exactly as it was, so nothing is lost.
    assert json.loads(model.to_json_bytes(pres))["slides"][1] == payload["slides"][1]


def test_save_list_load_delete(tmp_path):
    pres = Presentation("Politieke markt maart", four_kinds())
    saved = model.save_presentation(tmp_path, pres)
    assert Store(tmp_path).snapshot().has("presentaties/politieke-markt-maart.json")
    assert saved.created and saved.changed
    assert model.load_presentation(tmp_path, "Politieke markt maart").slides == pres.slides
    assert model.load_presentation(tmp_path, "politieke-markt-maart").name == "Politieke markt maart"
    with pytest.raises(SourceError, match="Overschrijven"):
        model.save_presentation(tmp_path, Presentation("politieke markt MAART!", ()))
    model.save_presentation(tmp_path, Presentation("Politieke markt maart", four_kinds()[:1]), overwrite=True)
    Store(tmp_path).write_document("presentaties/kapot.json", b"{")  # e.g. from an old pack
    listed = model.list_presentations(tmp_path)
    assert (
        list(listed.presentations) == ["politieke-markt-maart"]
        and len(listed.presentations["politieke-markt-maart"].slides) == 1
    )
    assert len(listed.problems) == 1 and "kapot.json" in listed.problems[0]
    assert Store(tmp_path).snapshot().read_bytes("presentaties/kapot.json") == b"{"  # reading never changes it
    with pytest.raises(SourceError, match="Er is geen presentatie met de naam 'bestaat niet'"):
        model.load_presentation(tmp_path, "bestaat niet")
    model.delete_presentation(tmp_path, "Politieke markt maart")
    assert not Store(tmp_path).snapshot().has("presentaties/politieke-markt-maart.json")
    assert not [p for p in (tmp_path / "presentaties").iterdir() if p.name.startswith(".")]  # no temp files left


# --------------------------------------------------------------------------- against what is loaded


def loaded(**kw) -> Loaded:
    base = dict(
        years=(2023, 2024),
        gemeenten=frozenset({GM}),
        region_years={
            "WK099901": frozenset({2023, 2024}),
            "WK099902": frozenset({2023, 2024}),
            "BU09990101": frozenset({2023, 2024}),
            "BU09990202": frozenset({2023}),
            GM: frozenset({2023, 2024}),
        },
        names={GM: "Teststad", "WK099901": "Centrum"},
        indicator_years={(GM, "aandeel_65plus"): frozenset({2023, 2024}), (GM, "inwoners"): frozenset({2023, 2024})},
        scores=frozenset({"leefbaarheid"}),
        labels={"aandeel_65plus": "Inwoners van 65 jaar of ouder"},
    )
    return Loaded(**(base | kw))


def test_slides_that_refer_to_something_not_loaded_say_what_is_missing():
    L = loaded()
    assert model.check_slide(kaart(), L) is None
    assert "'Inwoners van 65 jaar of ouder'" in model.check_slide(kaart(), loaded(indicator_years={}))
    assert "niet over 2024" in model.check_slide(
        kaart(), loaded(indicator_years={(GM, "aandeel_65plus"): frozenset({2023})})
    )
    assert "GM0164 is op deze computer niet geladen" in model.check_slide(kaart(gemeenten=["GM0164"]), L)
    wijk = make_slide("profiel", "x", regios=["WK099903"])
    assert "wijk met code WK099903 staat niet in de geladen gegevens" in model.check_slide(wijk, L)
    gone = make_slide("profiel", "x", regios=["BU09990202"], jaar=2024)
    assert "bestaat niet in 2024" in model.check_slide(gone, L)
    assert "geen cijfers over 2019" in model.check_slide(kaart(jaar=2019), L)
    assert "niet bekend" in model.check_slide(kaart(indicator=None, score="onbekend"), L)
    pres = Presentation("x", (kaart(), wijk, kaart(gemeenten=["GM0164"])))
    assert set(model.check_presentation(pres, L)) == {1, 2}


def test_loaded_from_store(tiny_store_dir):
    from wijkkompas.store import Store

    L = model.loaded_from_store(Store(tiny_store_dir), [GM])
    assert L.years == (2023, 2024) and GM in L.gemeenten
    assert L.region_years["BU09990202"] == frozenset({2023}) and L.region_years["BU09990203"] == frozenset({2024})
    assert 2024 in L.indicator_years[(GM, "aandeel_65plus")]
    assert {"leefbaarheid", "veerkracht"} <= L.scores


# --------------------------------------------------------------------------- drawn slides and the deck


@pytest.fixture(scope="module")
def drawn(tiny_store_dir):
    from wijkkompas.store import Store

    pres = Presentation(
        "Raad <script>alert(1)</script>",
        (
            *four_kinds(),
            kaart(indicator="bestaat_niet"),
            kaart(indicator=None, score="veerkracht"),
            make_slide("profiel", "Bloemwijk", regios=["BU09990203"], jaar=2024),
            kaart(indicator="sociaal_minimum"),
        ),
    )
    return pres, slides.render_slides(Store(tiny_store_dir), pres)


def test_every_kind_is_drawn_and_a_missing_indicator_becomes_a_notice(drawn):
    _pres, contents = drawn
    assert [bool(c.notice) for c in contents] == [False, False, False, False, True, False, False, False]
    kaart_html = contents[0].body
    assert kaart_html.count("<path d=") >= 5 and "<h3>Inwoners van 65 jaar of ouder (%)</h3>" in kaart_html
    assert "url(#hs0)" not in kaart_html
    assert 'fill="url(#hs7)"' in contents[7].body  # 't Hofje's income figure is secret at CBS: hatched, not coloured
    assert "geheim bij CBS" in contents[7].body
    assert "Centrum" in contents[1].body and "inwoners" in contents[1].body
    assert contents[2].body.count("<tr>") == 1 + len(re.findall(r'<td class="nm">', contents[2].body))
    assert "<polyline" in contents[3].body or "<circle" in contents[3].body
    assert "bestaat_niet" in contents[4].notice and "Deze dia kan hier niet worden getoond" in contents[4].body
    assert "rond gemiddeld (90–110)" in contents[5].body  # a score map is coloured by its bands
    for c in contents:
        if not c.notice:
            assert c.source.startswith("Bron: CBS Kerncijfers wijken en buurten"), c.source


def test_deck_is_one_self_contained_document_with_escaped_names(drawn):
    pres, contents = drawn
    html = deck.deck_html(contents, title=pres.name, deck_id="test", exit_url="/presentatie?presentatie=raad")
    assert html.count('<section class="slide') == len(contents)
    assert "1 / 8" in html and "8 / 8" in html
    assert len(re.findall(r"<section [^>]*hidden", html)) == len(contents) - 1  # only the first is shown before JS runs
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>Bloemwijk</b>" not in html and "&lt;b&gt;Bloemwijk&lt;/b&gt;" in html
    # Nothing is fetched from anywhere: no URLs, no external scripts, fonts or images.
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    for key in ("ArrowRight", "ArrowLeft", "PageDown", "' '", "Escape"):
        assert key in html


def test_smallest_font_sizes_are_at_least_24px(drawn):
    _pres, contents = drawn
    html = deck.deck_html(contents, title="x", deck_id="t")
    css_sizes = [int(x) for x in re.findall(r"font-size:(\d+)px", html)]
    svg_sizes = [int(x) for x in re.findall(r'font-size="(\d+)"', html)]
    assert min(css_sizes) >= 24 and min(svg_sizes) >= slides.SVG_FONT >= 24


def test_labels_never_overlap():
    labels = [
        {"p": [x, y], "t": f"Buurt {i}", "area": float(i)}
        for i, (x, y) in enumerate(np.random.default_rng(1).uniform(0, 1, (40, 2)))
    ]
    placed = slides.place_labels(labels, lambda xy: xy * 500, 500, 500)
    assert 0 < len(placed) < 40
    boxes = [(x - len(t) * 27 * 0.31, y - 17, x + len(t) * 27 * 0.31, y + 17) for x, y, t in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_a_share_starts_at_zero_on_the_trend_axis():
    from wijkkompas.catalogue.catalogue import load_catalogue

    ind = load_catalogue().get("aandeel_65plus")
    svg = slides.trend_svg(
        [{"colour": "#000", "segments": [[{"year": 2017, "value": 19.7}, {"year": 2024, "value": 21.4}]]}],
        [2017, 2024],
        ind,
    )
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert ticks[0] == "0" and "21,4%" in svg
