"""The Kompas page in AppTest: matrix, an opened cell (from the URL), signalen, thin real data."""

from __future__ import annotations

from tests.apptest_helpers import assert_clean, texts

PAGE = "pages/kompas.py"


def test_matrix_and_cell_from_url(app_test, tiny_store_dir):
    at = app_test(
        tiny_store_dir,
        page=PAGE,
        query={"gemeente": "GM0999", "jaar": "2024", "niveau": "buurt", "regio": "BU09990102", "thema": "sociaal"},
    )
    assert_clean(at)
    frames = [d.value for d in at.dataframe]
    matrix = frames[0].data if hasattr(frames[0], "data") else frames[0]
    assert "Oude Markt" in list(matrix["Gebied"])
    assert "<b>Bloemwijk</b>" in list(matrix["Gebied"])  # a name from data, shown as text
    assert any(str(v).startswith(("urgent", "aandacht", "rond gem.", "gunstig")) for v in matrix["Sociaal"])
    md = texts(at, "markdown") + texts(at, "subheader")
    assert "Stationsbuurt · Sociale woonomgeving" in md
    assert any(link.label == "Wijkprofiel van Stationsbuurt openen" for link in at.get("page_link"))
    evidence = frames[1]
    assert "Cijfer" in evidence.columns and "Bron" in evidence.columns
    assert at.query_params["regio"] == ["BU09990102"] or at.query_params["regio"] == "BU09990102"
    # default sort: most urgent themes first (Stationsbuurt has two)
    assert matrix["Gebied"].iloc[0] == "Stationsbuurt" and matrix["Urgent"].iloc[0] == matrix["Urgent"].max()
    # the raad's PDF from the page
    at.button(key="kp_pdf").click().run()
    assert_clean(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download PDF" in labels


def test_sort_filter_reference(app_test, tiny_store_dir):
    at = app_test(
        tiny_store_dir,
        page=PAGE,
        query={"gemeente": "GM0999", "jaar": "2024", "niveau": "buurt", "sorteer": "fysiek", "referentie": "selectie"},
    )
    assert_clean(at)
    at.toggle(key="kp_urgent").set_value(True).run()
    assert_clean(at)
    at.text_input(key="kp_search").set_value("zzzz").run()
    assert_clean(at)
    assert "Geen gebieden" in texts(at, "warning")
    at.selectbox(key="kp_ref").set_value("nederland").run()
    assert_clean(at)


def test_signalen(app_test, tiny_store_dir):
    at = app_test(
        tiny_store_dir,
        page=PAGE,
        query={
            "gemeente": "GM0999",
            "jaar": "2024",
            "weergave": "signalen",
            "van": "2023",
            "tot": "2024",
            "niveau": "buurt",
        },
    )
    assert_clean(at)
    body = texts(at, "caption") + texts(at, "success") + texts(at, "markdown")
    assert "Een signaal" in body
    # a shared link to one signal opens it
    at = app_test(
        tiny_store_dir,
        page=PAGE,
        query={
            "gemeente": "GM0999",
            "jaar": "2024",
            "weergave": "signalen",
            "van": "2023",
            "tot": "2024",
            "niveau": "buurt",
            "regio": "BU09990102",
            "thema": "veerkracht",
        },
    )
    assert_clean(at)
    opened = [e for e in at.expander if "Stationsbuurt" in e.label and "Veerkracht" in e.label]
    assert opened and opened[0].proto.expanded
    assert "Link naar dit signaal" in texts(at, "markdown")


def test_twente_thin_data(app_test, twente_store_dir):
    at = app_test(twente_store_dir, page=PAGE, query={"gemeente": "GM0164,GM0153,GM0141", "jaar": "2024"})
    assert_clean(at)
    assert "Onvoldoende gegevens" in texts(at, "info")
    at = app_test(
        twente_store_dir, page=PAGE, query={"gemeente": "GM0164,GM0153,GM0141", "jaar": "2017", "niveau": "buurt"}
    )
    assert_clean(at)
    at = app_test(
        twente_store_dir,
        page=PAGE,
        query={"gemeente": "GM0164", "jaar": "2024", "weergave": "signalen", "van": "2017", "tot": "2024"},
    )
    assert_clean(at)
    # 2024 has no theme figures: 'no signal' must not read as 'all is well'
    assert "Niet te vergelijken" in texts(at, "info")
    assert not texts(at, "success")


def test_cell_shows_its_notes_panel(app_test, tiny_store_dir):
    at = app_test(
        tiny_store_dir,
        page=PAGE,
        query={"gemeente": "GM0999", "jaar": "2024", "niveau": "buurt", "regio": "BU09990102", "thema": "sociaal"},
    )
    assert_clean(at)
    assert "Notities bij dit thema" in texts(at, "markdown")
