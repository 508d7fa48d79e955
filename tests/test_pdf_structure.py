"""The PDF profile as an accessible document (PDF/UA-1 via WeasyPrint): tagged, with title and language,
headings in order, and a text alternative on every figure (the trend charts and the map)."""

from __future__ import annotations

import io
import itertools
import re

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject

from wijkkompas.export import export_profile
from wijkkompas.store import Store


def _structure(pdf: bytes) -> tuple[pypdf.PdfReader, list[DictionaryObject]]:
    """The reader and every structure element, depth first (= the reading order of the tags)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "geen gelabelde PDF: StructTreeRoot ontbreekt"
    out: list[DictionaryObject] = []

    def walk(node) -> None:
        node = node.get_object()
        if not isinstance(node, DictionaryObject):
            return  # a marked-content id: leaf
        if "/S" in node:
            out.append(node)
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            walk(kid)

    walk(root["/StructTreeRoot"])
    return reader, out


def _check(pdf: bytes, *, title: str, charts: int, with_map: bool) -> None:
    reader, elements = _structure(pdf)
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == "nl"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # the title, not the file name, in the window
    assert reader.metadata.title == title
    kinds = [str(e["/S"]) for e in elements]
    assert kinds[0] == "/Document"
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert len(figures) == charts + (1 if with_map else 0)
    for f in figures:
        assert str(f.get("/Alt", "")).strip(), "een figuur zonder /Alt"
    alts = [str(f["/Alt"]) for f in figures]
    assert sum(a.startswith("Lijngrafiek ") for a in alts) == charts
    if with_map:
        assert any(a.startswith("Kaart van ") and "tabel" in a for a in alts), alts
    # Headings in order: one H1 first, then H2/H3 without skipping a level.
    headings = [int(k[2:]) for k in kinds if k[:2] == "/H" and k[2:].isdigit()]
    assert headings[0] == 1 and headings.count(1) == 1
    for before, after in itertools.pairwise(headings):
        assert after <= before + 1, headings
    assert {"/Table", "/TH", "/TD"} <= set(kinds)  # tables are tables, not drawn text


def test_teststad_profile_pdf_is_tagged_pdf_ua(tiny_store_dir):
    profile, pdf = export_profile(Store(tiny_store_dir), "WK099901", 2024, "pdf")
    _check(pdf, title=f"Wijkprofiel {profile.header.name} (WK099901)", charts=len(profile.trends), with_map=True)


def test_hengelo_profile_pdf_is_tagged_pdf_ua(twente_store_dir):
    profile, pdf = export_profile(Store(twente_store_dir), "BU01640101", 2024, "pdf")
    assert profile.trends, "Tichelwerk heeft trends in de echte gegevens"
    _check(pdf, title="Wijkprofiel Tichelwerk (BU01640101)", charts=len(profile.trends), with_map=True)


def test_a_name_with_markup_stays_text_in_the_pdf_title(tiny_store_dir):
    """Names from data reach the title and /Alt as text (the Teststad data has a buurt called <b>Bloemwijk</b>)."""
    _profile, pdf = export_profile(Store(tiny_store_dir), "BU09990203", 2024, "pdf")
    reader, elements = _structure(pdf)
    assert reader.metadata.title == "Wijkprofiel <b>Bloemwijk</b> (BU09990203)"
    alts = [str(e["/Alt"]) for e in elements if e["/S"] == "/Figure"]
    assert any("<b>Bloemwijk</b> is oranje" in a for a in alts), alts


def test_pdf_map_has_a_scale_bar_and_a_north_arrow(tiny_store_dir):
    from wijkkompas.export import render_assets
    from wijkkompas.export.maps import scale_bar_length, scale_label
    from wijkkompas.profile import load_profile

    store = Store(tiny_store_dir)
    profile = load_profile(store, "WK099901", 2024)
    svg = render_assets(
        profile, store.geometry(2024, "buurt", ["GM0999"]), store.geometry(2024, "wijk", ["GM0999"])
    ).map_svg
    assert svg is not None
    assert 'id="noordpijl"' in svg
    assert re.search(r'id="schaalbalk-\d+m"', svg)
    assert "Geodetic" not in svg  # no CRS axis titles
    assert scale_bar_length(3_000) == 500 and scale_bar_length(150) == 50 and scale_label(2500) == "2,5 km"
