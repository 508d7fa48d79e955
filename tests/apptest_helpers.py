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


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
