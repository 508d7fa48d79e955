"""Server glue without a server: login secrets from the environment, readiness of the store."""

from __future__ import annotations

import pytest

from wijkkompas.health import readiness
from wijkkompas.serving import OIDC_ENV, LoginConfigError, oidc_secrets

FULL = {
    "WIJKKOMPAS_OIDC_METADATA_URL": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
    "WIJKKOMPAS_OIDC_CLIENT_ID": "id",
    "WIJKKOMPAS_OIDC_CLIENT_SECRET": "secret",
    "WIJKKOMPAS_OIDC_REDIRECT_URI": "https://wijkkompas.gemeente.nl/oauth2callback",
    "WIJKKOMPAS_OIDC_COOKIE_SECRET": "cookie",
}


def test_login_secrets_come_from_the_environment():
    auth = oidc_secrets(FULL)["auth"]
    assert auth["client_id"] == "id" and auth["redirect_uri"].endswith("/oauth2callback")
    assert auth["server_metadata_url"].endswith("openid-configuration")
    assert auth["client_kwargs"] == {"scope": "openid profile email"}
    assert oidc_secrets({**FULL, "WIJKKOMPAS_OIDC_SCOPE": "openid profile email GroupMember.Read.All"})["auth"][
        "client_kwargs"
    ]["scope"].endswith("GroupMember.Read.All")


def test_no_login_settings_means_no_secrets():
    assert oidc_secrets({}) == {}


@pytest.mark.parametrize("missing", sorted(OIDC_ENV.values()))
def test_a_half_configured_login_is_refused_naming_what_is_missing(missing):
    env = {k: v for k, v in FULL.items() if k != missing}
    with pytest.raises(LoginConfigError, match=missing):
        oidc_secrets(env)


def test_a_loaded_store_is_ready(tiny_store):
    ok, details = readiness(tiny_store)
    assert ok and details["status"] == "ok"
    assert details["years"] == [2023, 2024] and details["files"] > 0 and details["missing"] == []


def test_an_empty_store_is_ready_so_start_can_explain_what_to_do(tmp_path):
    from wijkkompas.store import Store

    ok, details = readiness(Store(tmp_path / "leeg"))
    assert ok and details["files"] == 0


def test_a_store_missing_a_file_is_not_ready(tiny_store):
    snap = tiny_store.current()
    name = next(n for n in snap.names() if n.startswith("store/values/"))
    tiny_store.path_of(name).unlink()
    ok, details = readiness(tiny_store)
    assert not ok and details["status"] == "unavailable"
    assert name in details["missing"]
