"""What a server replica needs beyond the app itself: login secrets from the environment and a
readiness answer for the proxy.

Why from the environment: a container platform (compose, Kubernetes) hands configuration to
processes as variables and secrets, not as a `secrets.toml` baked into the image; the same image
then runs as a laptop app (no login) or behind the gemeente's Entra ID (login on).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from wijkkompas.errors import SourceError

OIDC_ENV = {
    "server_metadata_url": "WIJKKOMPAS_OIDC_METADATA_URL",
    "client_id": "WIJKKOMPAS_OIDC_CLIENT_ID",
    "client_secret": "WIJKKOMPAS_OIDC_CLIENT_SECRET",
    "redirect_uri": "WIJKKOMPAS_OIDC_REDIRECT_URI",
    "cookie_secret": "WIJKKOMPAS_OIDC_COOKIE_SECRET",
}
SCOPE_ENV = "WIJKKOMPAS_OIDC_SCOPE"


class LoginConfigError(SourceError):
    """Login is switched on but a setting is missing; the replica must not start half-configured."""


def oidc_secrets(environ: Mapping[str, str] | None = None) -> dict:
    """Streamlit's `[auth]` secrets built from `WIJKKOMPAS_OIDC_*`, or {} when none is set (then a
    mounted `.streamlit/secrets.toml` may still provide them). Some but not all set is refused: a
    typo must not produce a login that fails for every visitor at the first click."""
    env = os.environ if environ is None else environ
    values = {key: (env.get(var) or "").strip() for key, var in OIDC_ENV.items()}
    if not any(values.values()):
        return {}
    missing = [OIDC_ENV[key] for key, value in values.items() if not value]
    if missing:
        raise LoginConfigError(
            "Inloggen is maar half ingesteld: " + ", ".join(missing) + " ontbreekt. "
            "Zet alle WIJKKOMPAS_OIDC_-instellingen (zie docs/deployment.md) en start opnieuw."
        )
    auth: dict = dict(values)
    scope = (env.get(SCOPE_ENV) or "openid profile email").strip()
    auth["client_kwargs"] = {"scope": scope}
    return {"auth": auth}
