"""Small helpers shared by the AppTest page tests that drive one session through several URLs."""

from __future__ import annotations


def goto(at, **query):
    """Change the URL of a running session (a new link) and rerun."""
    for k in [k for k in at.query_params if k not in ("gemeente", "jaar")]:
        del at.query_params[k]
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def texts(at, kind: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, kind))


def assert_clean(at, *, expect_error: str | None = None) -> None:
    """Fail on an exception *and* on any st.error.

    Why both: `page_guard` turns every exception into a Dutch `st.error`, so a broken page has no
    `at.exception` at all. A test that expects an error message names (part of) its text; then that
    error must be there, and no other.
    """
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value) for e in at.error]
    if expect_error is None:
        assert not errors, errors
    else:
        assert errors, f"verwacht een foutmelding met {expect_error!r}, maar er is geen"
        assert all(expect_error in e for e in errors), errors


def shown(at, kind: str) -> str:
    """What the user reads in these elements: `texts` with Markdown's backslash escapes (data names are escaped
    character by character, `\\(`, `\\.`) removed, as the browser renders them."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", texts(at, kind))
