"""The page-test helpers must see a broken page: page_guard turns every exception into st.error."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import assert_clean
from tests.conftest import assert_no_exception


def test_a_page_that_breaks_has_no_exception_but_assert_clean_fails(app_test, tiny_store_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("kapot")

    monkeypatch.setattr("wijkkompas.methodology.indicator_table", broken)
    at = app_test(tiny_store_dir, page="pages/over.py", query={"gemeente": "GM0999"})
    assert not at.exception  # what 48 assertions relied on: blind to this broken page
    assert any("Er ging iets mis" in e.value for e in at.error)
    with pytest.raises(AssertionError):
        assert_clean(at)
    assert_clean(at, expect_error="Er ging iets mis")  # a test that expects the message says so
    with pytest.raises(AssertionError):
        assert_clean(at, expect_error="een andere melding")


@pytest.mark.browser
def test_browser_helper_fails_on_an_error_box_as_streamlit_draws_it(browser):
    page = browser.new_page()
    # The markup Streamlit 1.67 renders for st.error (AlertContainer: data-testid `stAlertContent${Kind}`).
    page.set_content(
        '<div data-testid="stAlertContainer" role="alert"><div data-testid="stAlertContentError">'
        "Er ging iets mis in de kaart.</div></div>"
    )
    with pytest.raises(AssertionError):
        assert_no_exception(page)
    assert_no_exception(page, expect_error="Er ging iets mis")
    page.set_content('<div data-testid="stAlertContainer"><div data-testid="stAlertContentWarning">Let op</div></div>')
    assert_no_exception(page)  # a warning is not an error
    page.close()
