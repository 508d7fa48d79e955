"""Who may change the store: the *viewer* looks, downloads and presents; *beheer* also writes.

Why the check sits here and in `Store.transaction` (not only in the pages): hiding a button is a
courtesy, refusing the write is the rule. Every change to the store — an ingest, an upload, a pack,
a saved score definition, a presentation, a note, a repair — goes through one transaction, so one
check there refuses a viewer's write however it was attempted (a widget, a crafted request, a bug).

The role of the current request lives in a ContextVar, set once per page run (from configuration
or from the login's claims) — like the store pin — so sessions served by one process never see each
other's role. Outside a page run (the CLI, a writer job) the configured role applies.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum

from wijkkompas.errors import SourceError


class Role(StrEnum):
    VIEWER = "viewer"
    BEHEER = "beheer"

    @property
    def label(self) -> str:
        return "kijker" if self is Role.VIEWER else "beheerder"


ROLE_ENV = "WIJKKOMPAS_ROLE"
BEHEER_GROUP_ENV = "WIJKKOMPAS_BEHEER_GROUP"
ROLE_CLAIM_ENV = "WIJKKOMPAS_ROLE_CLAIM"
DEFAULT_BEHEER_GROUP = "wijkkompas-beheer"
DEFAULT_ROLE_CLAIMS = ("groups", "roles")


class WriteRefused(SourceError):
    """A write was attempted without the beheer role. The message says who may do it and how."""


class ConfigError(SourceError):
    """The role configuration itself is wrong (a typo in WIJKKOMPAS_ROLE must not silently grant beheer)."""


def configured_role(environ: Mapping[str, str] | None = None) -> Role:
    """The role from `WIJKKOMPAS_ROLE`; beheer when unset, because the laptop of the data team is the
    common case and has nobody else to ask. An unknown value is refused rather than guessed."""
    env = os.environ if environ is None else environ
    raw = (env.get(ROLE_ENV) or "").strip().lower()
    if not raw:
        return Role.BEHEER
    try:
        return Role(raw)
    except ValueError:
        raise ConfigError(
            f"De instelling {ROLE_ENV}={raw!r} is onbekend. Kies 'viewer' (alleen kijken) of 'beheer' (ook gegevens "
            "laden en wijzigen) en start Wijkkompas opnieuw."
        ) from None


def role_from_claims(claims: Mapping[str, object], environ: Mapping[str, str] | None = None) -> Role:
    """Beheer when the login's group/role claim names the beheer group (Entra ID sends `groups` with
    object ids or `roles` with app-role names; both are accepted, the claim name is configurable)."""
    env = os.environ if environ is None else environ
    wanted = (env.get(BEHEER_GROUP_ENV) or DEFAULT_BEHEER_GROUP).strip()
    claim_names = [c.strip() for c in (env.get(ROLE_CLAIM_ENV) or "").split(",") if c.strip()] or list(
        DEFAULT_ROLE_CLAIMS
    )
    for name in claim_names:
        value = claims.get(name)
        members: Iterable[object]
        if isinstance(value, str):
            members = value.replace(",", " ").split()
        elif isinstance(value, (list, tuple, set)):
            members = value
        else:
            continue
        if wanted in {str(m) for m in members}:
            return Role.BEHEER
    return Role.VIEWER


_ROLE: contextvars.ContextVar[Role | None] = contextvars.ContextVar("wijkkompas_role", default=None)


def current_role() -> Role:
    role = _ROLE.get()
    return role if role is not None else configured_role()


def set_role(role: Role) -> contextvars.Token:
    """Set the role of this request (one page run); returns the token for `reset_role`."""
    return _ROLE.set(Role(role))


def reset_role(token: contextvars.Token) -> None:
    _ROLE.reset(token)


@contextlib.contextmanager
def acting_as(role: Role) -> Iterator[None]:
    token = set_role(role)
    try:
        yield
    finally:
        reset_role(token)


def can_write() -> bool:
    return current_role() is Role.BEHEER


def require_write(action: str = "gegevens wijzigen") -> None:
    """Refuse a write without beheer; the Dutch message names the action and the way to get the role."""
    if can_write():
        return
    raise WriteRefused(
        f"Alleen beheerders kunnen {action}. U kijkt nu als kijker: u kunt alles bekijken, downloaden en "
        "presenteren, maar niets wijzigen. Vraag de beheerder van Wijkkompas als er iets moet veranderen."
    )
