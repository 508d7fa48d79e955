"""The deployment of compose.yaml as plain processes: an OIDC provider, replicas (`streamlit run
serve.py`), nginx with the shipped config, all on loopback. Used by the login and topology tests and
by the load benchmark, so what is tested is what is shipped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "wijkkompas.conf.template"
COOKIE_SECRET = "topology-test-cookie-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process ended\n{log.read_text()[-3000:] if log else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s\n{log.read_text()[-3000:] if log else ''}")


def streamlit_command(script: str, port: int) -> list[str]:
    """`streamlit run <script>` on loopback, headless, as every test server and replica starts."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def oidc_env(provider_port: int, app_port: int) -> dict:
    """The login settings a replica gets in compose.yaml, pointed at the loopback provider."""
    return {
        "WIJKKOMPAS_LOGIN": "oidc",
        "WIJKKOMPAS_OIDC_METADATA_URL": f"http://localhost:{provider_port}/.well-known/openid-configuration",
        "WIJKKOMPAS_OIDC_CLIENT_ID": "wijkkompas",
        "WIJKKOMPAS_OIDC_CLIENT_SECRET": "geheim",
        "WIJKKOMPAS_OIDC_REDIRECT_URI": f"http://localhost:{app_port}/oauth2callback",
        "WIJKKOMPAS_OIDC_COOKIE_SECRET": COOKIE_SECRET,
    }


class Replica:
    def __init__(self, name: str, data_dir: str, env: dict, log_dir: Path, port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        full = {**os.environ, "WIJKKOMPAS_DATA_DIR": data_dir, "WIJKKOMPAS_REPLICA": name, **env}
        self.proc = subprocess.Popen(
            streamlit_command("serve.py", self.port),
            cwd=ROOT,
            env=full,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> None:
        wait_http(self.url + "/_stcore/health", proc=self.proc, log=self.log)

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def render_nginx(listen: int, upstream_ports: list[int]) -> str:
    """The shipped template with the two values compose.yaml sets (nginx's own `$variables` untouched,
    as the nginx image's envsubst leaves them)."""
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstream_ports)
    text = NGINX_TEMPLATE.read_text()
    return text.replace("${WIJKKOMPAS_UPSTREAM_SERVERS}", servers).replace(
        "${WIJKKOMPAS_LISTEN}", f"127.0.0.1:{listen}"
    )


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


class Nginx:
    def __init__(self, upstream_ports: list[int], work: Path, port: int | None = None) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx ontbreekt (make test installeert Debian's nginx)")
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        work.mkdir(parents=True, exist_ok=True)
        (work / "wijkkompas.conf").write_text(render_nginx(self.port, upstream_ports))
        (work / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n access_log {work}/access.log;\n client_body_temp_path {work}/body;\n"
            f" proxy_temp_path {work}/proxy;\n fastcgi_temp_path {work}/fcgi;\n uwsgi_temp_path {work}/uwsgi;\n"
            f" scgi_temp_path {work}/scgi;\n include {work}/wijkkompas.conf;\n}}\n"
        )
        self.log = work / "stdout.log"
        self.proc = subprocess.Popen(
            [binary, "-p", str(work), "-c", str(work / "nginx.conf")],
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_http(self.url + "/_stcore/health", proc=self.proc, log=work / "error.log")

    def stop(self) -> None:
        stop(self.proc)


@contextmanager
def oidc_provider(users: list[tuple[str, dict]]):
    """A real OpenID Connect provider (Authlib-based) on loopback, with one-click users."""
    from oidc_provider_mock import User, run_server_in_thread

    with run_server_in_thread(port=0, user_claims=[User(sub=sub, claims=claims) for sub, claims in users]) as server:
        yield server.server_port
