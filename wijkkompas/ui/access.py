"""The role of this session in the UI: login when the server asks for it, hide what a viewer may not do.

Hiding is a courtesy; the refusal itself is in `Store.transaction` (see `wijkkompas.access`).
"""

from __future__ import annotations

import os

import streamlit as st

from wijkkompas.access import Role, configured_role, current_role, role_from_claims, set_role

LOGIN_ENV = "WIJKKOMPAS_LOGIN"


def login_required() -> bool:
    """`WIJKKOMPAS_LOGIN=oidc` on a server: every visitor logs in (Streamlit's `st.login`, OpenID Connect)."""
    return (os.environ.get(LOGIN_ENV) or "").strip().lower() == "oidc"


def _claims() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no auth configured: no claims
        return {}


def session_role() -> Role:
    """Beheer by the login's group claim when login is on, else the configured role."""
    if login_required():
        claims = _claims()
        return role_from_claims(claims) if claims.get("is_logged_in") else Role.VIEWER
    return configured_role()


def begin() -> Role:
    """Set this run's role (before anything reads or writes); show the login page when needed."""
    role = session_role()
    set_role(role)
    if login_required() and not _claims().get("is_logged_in"):
        _login_page()
    return role


def _login_page() -> None:
    st.title("Wijkkompas")
    st.write(
        "Log in met uw account van de gemeente om Wijkkompas te gebruiken. "
        "Na het inloggen ziet u alle kaarten, profielen en trends."
    )
    st.button("Inloggen", type="primary", icon=":material/login:", on_click=st.login)
    st.stop()


def sidebar_badge() -> None:
    """Who is logged in and with which role, with a way out."""
    role = current_role()
    if login_required():
        claims = _claims()
        who = str(claims.get("name") or claims.get("email") or "u")
        st.sidebar.caption(f"Ingelogd als {who} ({role.label}).")
        st.sidebar.button("Uitloggen", on_click=st.logout, key="wk_logout", icon=":material/logout:")
    elif role is Role.VIEWER:
        st.sidebar.caption("U kijkt als kijker: bekijken, downloaden en presenteren; wijzigen kan alleen de beheerder.")


def beheer_only(action: str) -> bool:
    """True for beheer; for a viewer a short note instead of the widgets that would change the store."""
    if current_role() is Role.BEHEER:
        return True
    st.info(
        f"Alleen beheerders kunnen {action}. U kunt wel alles bekijken, downloaden en presenteren.",
        icon=":material/lock:",
    )
    return False
