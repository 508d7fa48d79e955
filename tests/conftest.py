"""Shared fixtures: the Teststad store (always), the real Twente store (when ../shared/data is there),
an AppTest factory, and a running app + headless Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.fixtures.tiny import write_tiny_source
from wijkkompas.ingest import ingest
from wijkkompas.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
TWENTE = ["GM0164", "GM0153", "GM0141"]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "screenshots"


def shared_data_or_skip() -> Path:
    if not (SHARED_DATA / "MANIFEST.json").exists():
        pytest.skip(
            "../shared/data ontbreekt: de echte CBS-bestanden zijn hier niet; deze test draait alleen waar ze zijn"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_source(tmp_path_factory) -> Path:
    return write_tiny_source(tmp_path_factory.mktemp("tiny_source"))


@pytest.fixture(scope="session")
def tiny_store_dir(tmp_path_factory, tiny_source) -> Path:
    """A store with Teststad (GM0999), built once per session through the real ingest. Treat as read-only."""
    data_dir = tmp_path_factory.mktemp("tiny_store")
    report = ingest(tiny_source, Store(data_dir), ["GM0999"])
    assert report.loaded, report.lines()
    return data_dir


@pytest.fixture
def tiny_store(tiny_store_dir, tmp_path) -> Store:
    """A private, writable copy of the Teststad store."""
    copy = tmp_path / "store"
    shutil.copytree(tiny_store_dir, copy)
    return Store(copy)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_or_skip()


@pytest.fixture(scope="session")
def twente_store_dir(tmp_path_factory) -> Path:
    """Hengelo, Enschede and Almelo from ../shared/data, ingested once per session. Treat as read-only."""
    source = shared_data_or_skip()
    data_dir = tmp_path_factory.mktemp("twente_store")
    report = ingest(source, Store(data_dir), TWENTE)
    assert report.loaded, report.lines()
    return data_dir


@pytest.fixture
def use_data_dir(monkeypatch):
    """Point the app (in-process AppTest) at a data dir."""

    def _use(path: Path) -> Path:
        monkeypatch.setenv("WIJKKOMPAS_DATA_DIR", str(path))
        return path

    return _use


@pytest.fixture
def app_test(use_data_dir, monkeypatch):
    """AppTest of the whole app (navigation + sidebar), optionally switched to a page.

    Usage: at = app_test(data_dir, page="pages/kaart.py", query={"gemeente": "GM0999"})

    AppTest resets Streamlit's legacy `pages/` flag before every run, so each rerun would run the page
    script alone (no app.py, no sidebar). The real server leaves that mode after its first run
    (wijkkompas/ui/guard.py); keep AppTest in the same, modern mode so tests see what users see.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original_init = PagesManager.__init__

    def modern_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", modern_init)

    def _make(data_dir: Path, page: str | None = None, query: dict | None = None, timeout: float = 60):
        use_data_dir(data_dir)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        if page:
            at.switch_page(str(ROOT / page))
            at.run()
        return at

    return _make


# --------------------------------------------------------------------------- real browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningApp:
    """`streamlit run app.py` on a free port. Its output goes to a file, not a pipe nobody reads: the JSON line
    per page run would fill a pipe after a few hundred pages and block the server mid-test."""

    def __init__(self, data_dir: Path, extra_env: dict | None = None) -> None:
        from tests.topology import streamlit_command, wait_http

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "WIJKKOMPAS_DATA_DIR": str(data_dir), **(extra_env or {})}
        self.log = Path(tempfile.mkstemp(prefix="wijkkompas-app-", suffix=".log")[1])
        self.proc = subprocess.Popen(
            streamlit_command("app.py", self.port),
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(self.url + "/_stcore/health", timeout=60, proc=self.proc, log=self.log)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium ontbreekt (make test installeert het)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def running_app():
    """Start the app on a free port for a data dir: `app = running_app(data_dir)`; stopped after the test."""
    apps: list[RunningApp] = []

    def _start(data_dir: Path, extra_env: dict | None = None) -> RunningApp:
        app = RunningApp(data_dir, extra_env)
        apps.append(app)
        return app

    yield _start
    for app in apps:
        app.stop()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit finished running the script (no 'running' status widget, no skeleton)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
        timeout=timeout,
    )
    page.wait_for_timeout(300)


def assert_no_exception(page, *, expect_error: str | None = None) -> None:
    """Fail on a Python exception box *and* on a red error box (unless the test expects that message).

    `page_guard` turns every exception into `st.error`, which Streamlit 1.67 renders as
    `[data-testid="stAlertContentError"]` (the kind is part of the test id), not as `stException`.
    """
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
    boxes = page.locator('[data-testid="stAlertContentError"]')
    texts = [boxes.nth(i).inner_text() for i in range(boxes.count())]
    if expect_error is None:
        assert not texts, texts
    else:
        assert texts and all(expect_error in t for t in texts), texts


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --------------------------------------------------------------------------- markers by what a test needs

_MARK_BY_FIXTURE = {
    "browser": "browser",
    "running_app": "browser",
    "twente_store_dir": "shared_data",
    "shared_data": "shared_data",
    "s3_server": "slow",
}


def pytest_collection_modifyitems(items):
    """Mark tests by the fixtures they use, so `make test-fast` (`-m "not browser and not shared_data and not
    slow"`) needs no marker discipline from whoever writes the next test."""
    for item in items:
        for fixture, marker in _MARK_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
