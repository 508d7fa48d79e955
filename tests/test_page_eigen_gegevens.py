"""The Eigen gegevens page: upload → report → fix a mapping → import → delete (AppTest), and a real
browser that uploads a messy file and then finds the new indicator on the map."""

from __future__ import annotations

import math
import re

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import assert_no_exception, screenshot, wait_for_app
from tests.fixtures import messy_files as mf
from wijkkompas.store import Store
from wijkkompas.ui.navigation import ROOT
from wijkkompas.userdata import list_uploads

PAGE = "pages/eigen_gegevens.py"
QUERY = {"gemeente": "GM0999"}


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _eigen(store: Store):
    v = store.load_values()
    return v[v["source_table"].str.startswith("eigen:")]


def test_page_without_a_file_explains_and_lists(app_test, tiny_store):
    at = app_test(tiny_store.data_dir, page=PAGE, query=QUERY)
    assert_clean(at)
    assert at.title[0].value == "Eigen gegevens"
    assert len(at.file_uploader) == 1
    assert any("nog geen eigen gegevens" in c.value for c in at.caption)


def test_upload_report_fix_and_import(app_test, tiny_store):
    name, data = mf.names_only_csv()
    at = app_test(tiny_store.data_dir, page=PAGE, query=QUERY)
    at.file_uploader[0].upload(name, data, "text/csv")
    at.run()
    assert_clean(at)
    assert _metric(at, "Rijen gelezen") == "5"
    assert _metric(at, "Gekoppeld") == "3"
    assert _metric(at, "Nog niet gekoppeld") == "2"
    editor = at.data_editor[0].value
    assert list(editor["In het bestand"]) == ["Stationsbuur", "<script>alert('x')</script>"]
    assert "Stationsbuurt" in editor["Bedoelt u"].iloc[0]
    # A name from the file never reaches Markdown as HTML.
    assert not any("<script>" in m.value for m in [*at.markdown, *at.warning, *at.error, *at.success])

    # Fix the mapping in the page: the typo to its buurt, the script row not stored.
    at.session_state[at.data_editor[0].key] = {
        "edited_rows": {0: {"Koppelen aan": "Stationsbuurt (BU09990102)"}, 1: {"Koppelen aan": "— niet opslaan —"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert_clean(at)
    assert _metric(at, "Gekoppeld") == "4" and _metric(at, "Nog niet gekoppeld") == "0"
    assert any("Alle 4 rijen zijn gekoppeld" in s.value for s in at.success)

    label = next(t for t in at.text_input if t.label == "Naam van het cijfer")
    assert label.value == "Jongeren met jeugdhulp"  # default from the column header
    label.set_value("Jongeren in de jeugdhulp")
    next(b for b in at.button if b.label == "Opslaan in Wijkkompas").click()
    at.run()
    assert_clean(at)
    assert any("Opgeslagen: 'Jongeren in de jeugdhulp'" in s.value for s in at.success)
    v = _eigen(tiny_store)
    assert set(v["region_code"]) == {"BU09990101", "BU09990102", "BU09990103", "BU09990201"}
    assert float(v.loc[v["region_code"] == "BU09990102", "value"].iloc[0]) == 9.0
    assert v["indicator"].unique().tolist() == ["eigen.jongeren_in_de_jeugdhulp"]
    assert [u.file_name for u in list_uploads(tiny_store)] == [name]
    assert len(at.file_uploader) == 1 and at.file_uploader[0].value is None  # ready for the next file

    # Delete it again from the list.
    next(b for b in at.button if b.label == "Verwijderen").click()
    at.run()
    next(b for b in at.button if b.label == "Ja, verwijderen").click()
    at.run()
    assert_clean(at)
    assert _eigen(tiny_store).empty and list_uploads(tiny_store) == []


def test_a_fix_that_makes_a_duplicate_shows_the_other_row_too(app_test, tiny_store):
    data = mf._csv(["buurt;meldingen", "Stationsbuurt;5", "Stationsbuur;9"], "utf-8")
    at = app_test(tiny_store.data_dir, page=PAGE, query=QUERY)
    at.file_uploader[0].upload("meldingen_2024.csv", data, "text/csv")
    at.run()
    assert list(at.data_editor[0].value["Rij"]) == [3]
    next(b for b in at.button if b.label == "De suggestie overnemen").click()
    at.run()
    # Both rows now name the same buurt, so none can be linked yet: that error is right here.
    assert_clean(at, expect_error="Geen enkele rij kon")
    editor = at.data_editor[0].value
    assert list(editor["Rij"]) == [2, 3]  # the row it now clashes with is listed as well
    assert editor["Probleem"].str.contains("staat er vaker in").all()
    assert editor["Koppelen aan"].tolist()[1] == "Stationsbuurt (BU09990102)"  # the accepted fix is kept
    at.session_state[at.data_editor[0].key] = {
        "edited_rows": {0: {"Koppelen aan": "— niet opslaan —"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert _metric(at, "Nog niet gekoppeld") == "0" and _metric(at, "Gekoppeld") == "1"
    assert at.data_editor[0].value["Probleem"].tolist() == ["wordt niet opgeslagen", "gekoppeld"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (mf.binary_as_csv, "afbeelding"),  # refused while reading (every refusal: test_userdata_files.py)
        (mf.other_gemeente_csv, "Geen enkele rij kon"),  # read, but nothing matches
    ],
)
def test_bad_files_give_a_dutch_message_not_a_crash(app_test, tiny_store, make, message):
    name, data = make()
    at = app_test(tiny_store.data_dir, page=PAGE, query=QUERY)
    at.file_uploader[0].upload(name, data, "text/csv")
    at.run()
    assert_clean(at, expect_error=message)
    assert not any(b.label == "Opslaan in Wijkkompas" for b in at.button)
    assert _eigen(tiny_store).empty


def test_partial_import_only_when_chosen(app_test, tiny_store):
    name, data = mf.duplicates_csv()
    at = app_test(tiny_store.data_dir, page=PAGE, query=QUERY)
    at.file_uploader[0].upload(name, data, "text/csv")
    at.run()
    next(b for b in at.button if b.label == "Opslaan in Wijkkompas").click()
    at.run()
    assert any("Niets opgeslagen" in e.value for e in at.error)
    assert _eigen(tiny_store).empty
    next(c for c in at.checkbox if c.label.startswith("Alleen de 2 rijen opslaan")).check()
    next(b for b in at.button if b.label == "Opslaan in Wijkkompas").click()
    at.run()
    assert_clean(at)
    assert set(_eigen(tiny_store)["region_code"]) == {"BU09990102", "BU09990201"}


# --------------------------------------------------------------------------- real browser


def _dismiss_page_not_found(page) -> None:
    """Close Streamlit's 'Page not found' dialog that a fresh server shows for a deep link (it blocks input)."""
    dialog = page.get_by_text("Page not found")
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=5_000)


def _settle(page) -> None:
    wait_for_app(page)
    _dismiss_page_not_found(page)


@pytest.mark.browser
def test_browser_upload_messy_file_then_find_it_on_the_map(running_app, browser, tiny_store, tmp_path):
    name, data = mf.dutch_excel_csv()
    path = tmp_path / name
    path.write_bytes(data)
    app = running_app(tiny_store.data_dir)
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(f"{app.url}/eigen-gegevens?gemeente=GM0999")
    _settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("Alle 5 rijen zijn gekoppeld").wait_for(timeout=30_000)
    _settle(page)
    assert_no_exception(page)
    screenshot(page, "eigen_gegevens_rapport")
    page.get_by_label("Naam van het cijfer").first.fill("Meldingen openbare ruimte")  # inside the form: sent on submit
    page.get_by_role("button", name="Opslaan in Wijkkompas").click()
    page.get_by_text("Opgeslagen:").wait_for(timeout=30_000)
    _settle(page)
    assert_no_exception(page)
    screenshot(page, "eigen_gegevens_opgeslagen")
    v = _eigen(tiny_store)
    assert (
        float(
            v.loc[
                (v["region_code"] == "BU09990101") & (v["indicator"] == "eigen.meldingen_openbare_ruimte"), "value"
            ].iloc[0]
        )
        == 1234.0
    )
    assert math.isnan(
        float(
            v.loc[
                (v["region_code"] == "BU09990103") & (v["indicator"] == "eigen.meldingen_openbare_ruimte"), "value"
            ].iloc[0]
        )
    )

    if (ROOT / "pages/kaart.py").exists():
        page.goto(f"{app.url}/kaart?gemeente=GM0999&jaar=2024&indicator=eigen.meldingen_openbare_ruimte")
        target = "kaart"
    else:  # the map page is not there yet: the indicator must at least be selectable in Trends
        page.goto(f"{app.url}/trends?gemeente=GM0999&regio=BU09990101&indicator=eigen.meldingen_openbare_ruimte")
        target = "trends"
    _settle(page)
    assert_no_exception(page)
    page.get_by_text(re.compile("Meldingen openbare ruimte")).first.wait_for(timeout=30_000)
    screenshot(page, f"eigen_gegevens_op_{target}")
