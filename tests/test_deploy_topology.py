"""The documented deployment, as plain processes: nginx (the shipped config) → 3 replicas of
`serve.py` → one S3-compatible bucket (moto on loopback), login through a real OpenID Connect provider
on loopback. A viewer cannot write (not in the UI, not by a direct call); pages on two replicas show one
consistent store while a writer job commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT, wait_for_app
from tests.test_store_s3 import BUCKET, s3_server  # noqa: F401  (fixture)
from tests.topology import Nginx, Replica, free_port, nginx_binary, oidc_env, oidc_provider, stop
from wijkkompas.ingest import ingest
from wijkkompas.store import Store

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx ontbreekt (make test installeert Debian's nginx)")

BEHEER = ("bea@teststad.nl", {"name": "Bea Beheer", "email": "bea@teststad.nl", "groups": ["wijkkompas-beheer"]})
KIJKER = ("kees@teststad.nl", {"name": "Kees Kijker", "email": "kees@teststad.nl", "groups": ["medewerkers"]})


def _cli(location: str, *args: str, role: str = "beheer") -> subprocess.CompletedProcess:
    env = {**os.environ, "WIJKKOMPAS_DATA_DIR": location, "WIJKKOMPAS_ROLE": role, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "wijkkompas", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _upload_csv(tmp_path, label_value: int) -> str:
    path = tmp_path / f"meldingen_{label_value}.csv"
    path.write_text(
        "Buurtcode;Meldingen\n"
        + "".join(f"{code};{label_value + i}\n" for i, code in enumerate(["BU09990101", "BU09990102", "BU09990201"]))
    )
    return str(path)


@pytest.fixture(scope="module")
def topology(s3_server, tiny_source, tmp_path_factory):  # noqa: F811
    work = tmp_path_factory.mktemp("topology")
    location = f"s3://{BUCKET}/topology"
    report = ingest(tiny_source, Store(location), ["GM0999"])  # the writer job's first run
    assert report.loaded, report.lines()
    with oidc_provider([BEHEER, KIJKER]) as provider_port:
        proxy_port = free_port()
        env = {**oidc_env(provider_port, proxy_port), **s3_server["env"]}
        replicas = [Replica(f"replica-{i}", location, env, work) for i in (1, 2, 3)]
        try:
            for r in replicas:
                r.wait()
            proxy = Nginx([r.port for r in replicas], work / "nginx", port=proxy_port)
            try:
                yield {"location": location, "replicas": replicas, "proxy": proxy, "work": work}
            finally:
                proxy.stop()
        finally:
            for r in replicas:
                r.stop()


def _get(url: str, cookie: str | None = None):
    req = urllib.request.Request(url, headers={"Cookie": f"wk_replica={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def _keys_on_distinct_replicas(proxy: Nginx, wanted: int = 2) -> dict[str, str]:
    """Route keys (the sticky cookie) that nginx sends to different replicas."""
    found: dict[str, str] = {}
    for i in range(200):
        key = f"sessie{i}"
        _, headers, _ = _get(proxy.url + "/_stcore/health", key)
        upstream = headers.get("X-Wijkkompas-Upstream")
        if upstream and upstream not in found.values():
            found[key] = upstream
        if len(found) == wanted:
            return found
    raise AssertionError(f"nginx sent every key to {set(found.values())}")


def _login(browser, proxy: Nginx, route_key: str, who: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "wk_replica", "value": route_key, "url": proxy.url}])
    page = context.new_page()
    page.goto(proxy.url + "/")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name=who).click()  # the provider's one-click user
    page.wait_for_url(proxy.url + "/**")
    wait_for_app(page)
    return context, page


def _assert_no_error_box(page) -> None:
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def test_every_replica_is_ready_and_serves_one_store_version(topology):
    versions = set()
    for r in topology["replicas"]:
        status, _, body = _get(r.url + "/healthz")
        details = json.loads(body)
        assert status == 200 and details["status"] == "ok", details
        assert details["years"] == [2023, 2024]
        versions.add(details["version"])
    assert len(versions) == 1, versions


def test_a_visitor_must_log_in_and_the_login_sets_the_role(topology, browser):
    proxy = topology["proxy"]
    (k1, up1), (k2, up2) = _keys_on_distinct_replicas(proxy).items()
    assert up1 != up2

    anonymous = browser.new_context()
    page = anonymous.new_page()
    page.goto(proxy.url + "/wijkprofiel?gemeente=GM0999")
    wait_for_app(page)
    assert "Log in met uw account" in page.inner_text("body")
    assert "Centrum" not in page.inner_text("body")  # no figures before login
    anonymous.close()

    kijker, kpage = _login(browser, proxy, k1, KIJKER[0])
    beheer, bpage = _login(browser, proxy, k2, BEHEER[0])
    try:
        assert "Ingelogd als Kees Kijker (kijker)" in kpage.inner_text('[data-testid="stSidebar"]')
        assert "Ingelogd als Bea Beheer (beheerder)" in bpage.inner_text('[data-testid="stSidebar"]')
        for page in (kpage, bpage):
            page.goto(proxy.url + "/eigen-gegevens?gemeente=GM0999")
            wait_for_app(page)
            _assert_no_error_box(page)
        assert kpage.locator('[data-testid="stFileUploader"]').count() == 0
        assert "Alleen beheerders kunnen" in kpage.inner_text("body")
        assert bpage.locator('[data-testid="stFileUploader"]').count() == 1
    finally:
        kijker.close()
        beheer.close()


def test_a_viewer_cannot_write_by_a_direct_call(topology, tmp_path):
    location = topology["location"]
    before = Store(location).version()
    result = _cli(
        location,
        "import",
        _upload_csv(tmp_path, 10),
        "--year",
        "2024",
        "--label",
        "Meldingen",
        "--gemeente",
        "GM0999",
        "--show-small",
        role="viewer",
    )
    assert result.returncode != 0
    assert "Alleen beheerders" in result.stdout + result.stderr
    assert Store(location).version() == before


def test_two_replicas_show_one_consistent_store_while_the_writer_commits(topology, browser, tmp_path):
    proxy, location = topology["proxy"], topology["location"]
    (k1, _), (k2, _) = _keys_on_distinct_replicas(proxy).items()
    sessions = [_login(browser, proxy, k1, KIJKER[0]), _login(browser, proxy, k2, BEHEER[0])]
    try:
        result = _cli(
            location,
            "import",
            _upload_csv(tmp_path, 500),
            "--year",
            "2024",
            "--label",
            "Meldingen openbare ruimte",
            "--gemeente",
            "GM0999",
            "--show-small",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        version = Store(location).version()
        seen = []
        for _context, page in sessions:
            for path in ("/start", "/kaart", "/wijkprofiel", "/vergelijken"):
                page.goto(proxy.url + path + "?gemeente=GM0999")
                wait_for_app(page)
                _assert_no_error_box(page)
            response = page.goto(proxy.url + "/eigen-gegevens?gemeente=GM0999")
            wait_for_app(page)
            _assert_no_error_box(page)
            assert "Meldingen openbare ruimte" in page.inner_text("body")
            seen.append(response.headers.get("x-wijkkompas-upstream"))
        assert seen[0] != seen[1], seen  # two replicas, one store
        for r in topology["replicas"]:
            assert json.loads(_get(r.url + "/healthz")[2])["version"] == version
    finally:
        for context, _ in sessions:
            context.close()


def test_a_replica_that_dies_is_skipped_and_its_visitors_carry_on_elsewhere(topology, browser):
    """Kill the replica a logged-in visitor is on: the browser reconnects through nginx to another replica, the
    login (a cookie signed with the shared secret) and the page (its URL) come along, nothing is lost."""
    proxy, replicas = topology["proxy"], topology["replicas"]
    victim = replicas[2]
    key = next(
        k
        for k, up in (
            (f"dood{i}", _get(proxy.url + "/_stcore/health", f"dood{i}")[1].get("X-Wijkkompas-Upstream"))
            for i in range(300)
        )
        if up and up.endswith(f":{victim.port}")
    )
    context, page = _login(browser, proxy, key, BEHEER[0])
    try:
        page.goto(proxy.url + "/wijkprofiel?gemeente=GM0999")
        wait_for_app(page)
        assert "Wijkprofiel" in page.inner_text("h1")
        stop(victim.proc)
        page.wait_for_timeout(3000)  # the browser notices the closed websocket and reconnects
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stConnectionStatus\"]') && document.querySelector('h1')",
            timeout=60_000,
        )
        wait_for_app(page)
        _assert_no_error_box(page)
        assert "Wijkprofiel" in page.inner_text("h1") and "wijkprofiel" in page.url
        assert "Ingelogd als Bea Beheer (beheerder)" in page.inner_text('[data-testid="stSidebar"]')
        response = page.goto(proxy.url + "/kaart?gemeente=GM0999")
        assert not response.headers.get("x-wijkkompas-upstream", "").endswith(f":{victim.port}")
        wait_for_app(page)
        _assert_no_error_box(page)
    finally:
        context.close()
    statuses = [_get(proxy.url + "/healthz", f"k{i}")[0] for i in range(12)]
    assert statuses == [200] * 12
