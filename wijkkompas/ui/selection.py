"""The shared choice of gemeente(n) and year: in the sidebar, in session state and in the URL.

A regisseur sends a colleague a link; opening it must show the same gemeente and year.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from wijkkompas.ui import context

KEY_GEMEENTEN = "wk_gemeenten"
KEY_JAAR = "wk_jaar"


def _from_query(name: str) -> list[str]:
    raw = st.query_params.get_all(name)
    out: list[str] = []
    for item in raw:
        out += [p.strip().upper() for p in str(item).split(",") if p.strip()]
    return out


def query_list(name: str) -> list[str]:
    return _from_query(name)


def available() -> tuple[list[str], dict[str, str], list[int]]:
    gm = context.gemeenten()
    codes = list(gm["gemeente_code"]) if not gm.empty else []
    names = dict(zip(gm["gemeente_code"], gm["gemeente_name"], strict=True)) if not gm.empty else {}
    years = context.get_store().years()
    return codes, names, years


def sidebar() -> None:
    """Render the gemeente and year pickers once, in app.py, for every page."""
    codes, names, years = available()
    if not codes or not years:
        return
    if KEY_GEMEENTEN not in st.session_state:
        wanted = [c for c in _from_query("gemeente") if c in codes]
        st.session_state[KEY_GEMEENTEN] = wanted or codes[:1]
    else:
        st.session_state[KEY_GEMEENTEN] = [c for c in st.session_state[KEY_GEMEENTEN] if c in codes] or codes[:1]
    if KEY_JAAR not in st.session_state:
        q = _from_query("jaar")
        st.session_state[KEY_JAAR] = int(q[0]) if q and q[0].isdigit() and int(q[0]) in years else years[-1]
    elif st.session_state[KEY_JAAR] not in years:
        st.session_state[KEY_JAAR] = years[-1]
    with st.sidebar:
        st.multiselect(
            "Gemeente(n)",
            codes,
            key=KEY_GEMEENTEN,
            format_func=lambda c: f"{names.get(c, c)} ({c})",
            max_selections=3,
            help="Kies één tot drie gemeenten. Ze worden samen getoond.",
            placeholder="Kies een gemeente",
        )
        st.selectbox("Jaar", years, key=KEY_JAAR, help="Het jaar van de CBS-cijfers.")


def chosen_gemeenten() -> list[str]:
    return list(st.session_state.get(KEY_GEMEENTEN) or [])


def chosen_year() -> int | None:
    return st.session_state.get(KEY_JAAR)


def chosen_or_url() -> tuple[list[str], int]:
    """The sidebar's gemeenten and year; the URL (then the first loaded) when the sidebar did not run.

    The pages write their state to the URL, so a rerun without the sidebar (Streamlit's AppTest reruns a page
    on its own) still knows what was chosen. Nothing loaded or nothing chosen: a Dutch message, not a guess.
    """
    from wijkkompas.ui.guard import UserMessage

    loaded = context.gemeenten()
    codes = list(loaded["gemeente_code"]) if not loaded.empty else []
    gemeenten = chosen_gemeenten() or [c for c in query_list("gemeente") if c in codes] or codes[:1]
    year = chosen_year()
    if year is None:
        years = context.get_store().years()
        q = query_list("jaar")
        year = int(q[0]) if q and q[0].isdigit() and int(q[0]) in years else (years[-1] if years else None)
    if not gemeenten or year is None:
        raise UserMessage(
            "Er zijn nog geen gegevens geladen, of er is geen gemeente gekozen. Ga naar Start om gegevens te laden."
        )
    return gemeenten, int(year)


def gemeente_names() -> dict[str, str]:
    return available()[1]


def sync_query(**extra: object) -> None:
    """Write the shared choice plus a page's own state into the URL (shareable)."""
    params: dict[str, object] = {"gemeente": ",".join(chosen_gemeenten()), "jaar": chosen_year()}
    params.update(extra)
    clean = {
        k: (",".join(map(str, v)) if isinstance(v, Sequence) and not isinstance(v, str) else str(v))
        for k, v in params.items()
        if v not in (None, "", [])
    }
    if dict(st.query_params) != clean:
        st.query_params.from_dict(clean)
