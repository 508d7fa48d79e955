"""The shipped deployment files agree with each other and with what `make run` starts, so the image and
the compose file do not drift from the app the tests exercise."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.conftest import ROOT
from tests.topology import free_port, nginx_binary, render_nginx

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def test_the_image_installs_the_pinned_requirements_and_the_libraries_of_make_run():
    assert "pip install -r requirements.txt" in DOCKERFILE
    run_debs = re.search(r"^RUN_DEBS\s*:=\s*(.+)$", MAKEFILE, re.M).group(1).split()
    for deb in run_debs:
        assert deb in DOCKERFILE, f"{deb} (Makefile RUN_DEBS) ontbreekt in de Dockerfile"


def test_the_image_starts_the_same_app_as_make_run():
    assert re.search(r'CMD \["streamlit", "run", "serve.py"', DOCKERFILE)
    assert 'App("app.py"' in (ROOT / "serve.py").read_text()
    assert "streamlit run app.py" in MAKEFILE


def test_compose_has_a_proxy_three_replicas_and_a_writer_job():
    services = COMPOSE["services"]
    replicas = sorted(name for name in services if name.startswith("replica-"))
    assert replicas == ["replica-1", "replica-2", "replica-3"]
    upstreams = services["proxy"]["environment"]["WIJKKOMPAS_UPSTREAM_SERVERS"]
    for name in replicas:
        assert f"server {name}:8501" in upstreams
        env = services[name]["environment"]
        assert env["WIJKKOMPAS_REPLICA"] == name
        assert services[name]["volumes"] == services["writer"]["volumes"][:1]  # one shared store
    template = services["proxy"]["volumes"][0].split(":")[0]
    assert (ROOT / template).resolve() == (ROOT / "deploy/nginx/wijkkompas.conf.template").resolve()
    writer = services["writer"]
    assert writer["environment"]["WIJKKOMPAS_ROLE"] == "beheer" and writer["profiles"] == ["writer"]


@pytest.mark.skipif(nginx_binary() is None, reason="nginx ontbreekt (make test installeert Debian's nginx)")
def test_the_shipped_nginx_config_is_valid(tmp_path):
    (tmp_path / "site.conf").write_text(render_nginx(free_port(), [free_port(), free_port(), free_port()]))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
