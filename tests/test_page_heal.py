"""A page that trips over a damaged file heals the store and shows itself, with a plain message and no error box."""

from __future__ import annotations

from tests.apptest_helpers import assert_clean, texts

V2024 = "store/values/2024.parquet"


def test_a_damaged_year_is_repaired_while_the_page_opens(app_test, tiny_store):
    tiny_store.path_of(V2024).write_bytes(b"kapot")
    at = app_test(tiny_store.data_dir, page="pages/kaart.py", query={"gemeente": "GM0999", "jaar": "2024"})
    assert_clean(at)
    assert "hersteld" in texts(at, "success")
    assert tiny_store.verify() == []
    assert tiny_store.years() == [2023, 2024]


def test_figures_that_cannot_be_repaired_are_named_on_the_start_page(app_test, tiny_store):
    import shutil

    for entry in tiny_store.ingest_log():
        shutil.rmtree(tiny_store.raw_file(entry["source"]), ignore_errors=True)
    tiny_store.path_of(V2024).write_bytes(b"kapot")
    at = app_test(tiny_store.data_dir, page="pages/kaart.py", query={"gemeente": "GM0999"})
    assert_clean(at)
    assert "beschadigd" in texts(at, "warning")
    at.switch_page("pages/start.py").run()
    assert_clean(at)
    warning = texts(at, "warning")
    assert "de CBS-cijfers van 2024" in warning and "Lees de gegevens opnieuw in" in warning
