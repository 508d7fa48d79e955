"""The one place we lean on Streamlit internals: leaving the legacy `pages/` mode (ui/guard.py,
`_leave_legacy_navigation`, and the AppTest fixture in conftest.py). The product's agreed layout names the
folder `pages/`; Streamlit has no setting to start in `st.navigation` mode while it exists. This test fails
the day Streamlit renames or drops the flag, so the workaround is revisited instead of silently ignored
(the browser tests that open a deep link as the first request show whether it still works)."""

from __future__ import annotations

import inspect

from streamlit.runtime.pages_manager import PagesManager

from wijkkompas.ui import guard


def test_the_private_flag_we_flip_still_exists():
    assert hasattr(PagesManager, "uses_pages_directory")
    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None)))


def test_the_workaround_lives_in_one_place_in_the_package():
    from tests.conftest import ROOT

    users = [p for p in (ROOT / "wijkkompas").rglob("*.py") if "uses_pages_directory" in p.read_text(encoding="utf-8")]
    assert users == [ROOT / "wijkkompas" / "ui" / "guard.py"]
    assert "uses_pages_directory" in inspect.getsource(guard._leave_legacy_navigation)
