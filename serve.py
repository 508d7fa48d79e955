"""The server entry point: the Streamlit app plus `/healthz` (readiness for the proxy) and login
secrets from the environment. Start with `streamlit run serve.py` (or `uvicorn serve:app`); the
laptop keeps using `streamlit run app.py`, which is the same app without these extras."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from streamlit.starlette import App

from wijkkompas.health import readiness
from wijkkompas.serving import oidc_secrets


async def healthz(request: Request) -> JSONResponse:
    ok, details = readiness()
    return JSONResponse(details, status_code=200 if ok else 503)


app = App("app.py", secrets=oidc_secrets() or None, routes=[Route("/healthz", healthz)])
