"""Load test of the documented deployment: N browser-like sessions through nginx to 3 (and 1) replicas
sharing one store, while a writer job commits an upload every minute.

A session speaks Streamlit's own websocket protocol (the protobuf `BackMsg`/`ForwardMsg` a browser
sends and receives): it asks for a page with a query string and waits for `script_finished`, so the
time measured is the server's time to a settled page, and a page run that ends with an error box or
an exception counts as failed. Browsers are not used because 30 Chromiums do not fit on the 2 cores
of this machine next to the replicas they would measure. Loopback only; bounded in sessions and time.

    .venv/bin/python benchmarks/bench_load.py [--sessions 30] [--minutes 5] [--replicas 3 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.topology import Nginx, Replica, free_port  # noqa: E402
from wijkkompas.store import Store  # noqa: E402
from wijkkompas.ui.navigation import PAGES  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
GEMEENTEN = ["GM0164", "GM0153", "GM0141"]
WANTED_PAGES = ["start", "kaart", "wijkprofiel", "vergelijken", "kompas"]
PAGE_TIMEOUT = 60.0


def _pages() -> list[str]:
    known = {url for path, _, _, url in PAGES if (ROOT / path).exists()}
    return [p for p in WANTED_PAGES if p in known]


def build_store(folder: Path) -> tuple[Path, list[str]]:
    """The real Twente data (../shared/data, three gemeenten) when it is there, else Teststad."""
    env = {**os.environ, "WIJKKOMPAS_DATA_DIR": str(folder), "WIJKKOMPAS_ROLE": "beheer"}
    if (SHARED / "MANIFEST.json").exists():
        env |= {"WIJKKOMPAS_SEED_DIR": str(SHARED), "WIJKKOMPAS_SEED_GEMEENTEN": ",".join(GEMEENTEN)}
        subprocess.run([sys.executable, "-m", "wijkkompas", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
        return folder, GEMEENTEN
    from tests.fixtures.tiny import write_tiny_source
    from wijkkompas.ingest import ingest

    ingest(write_tiny_source(folder.parent / "tiny_source"), Store(folder), ["GM0999"])
    return folder, ["GM0999"]


def _is_error(msg: ForwardMsg) -> str | None:
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return element.exception.message[:200]
    if kind == "alert" and element.alert.format == 1:  # ERROR
        return element.alert.body[:200]
    return None


async def session(url: str, pages: list[str], gemeenten: list[str], deadline: float, results: list, seed: int):
    rng = random.Random(seed)
    cookie = f"wk_replica=last{seed}"
    while time.time() < deadline:
        try:
            async with websockets.connect(
                url, subprotocols=["streamlit"], max_size=None, additional_headers={"Cookie": cookie}, open_timeout=30
            ) as ws:
                while time.time() < deadline:
                    page, gemeente = rng.choice(pages), rng.choice(gemeenten)
                    msg = BackMsg()
                    msg.rerun_script.query_string = f"gemeente={gemeente}"
                    msg.rerun_script.page_name = page
                    started = time.perf_counter()
                    await ws.send(msg.SerializeToString())
                    error = None
                    while True:
                        raw = await asyncio.wait_for(ws.recv(), PAGE_TIMEOUT)
                        fwd = ForwardMsg()
                        fwd.ParseFromString(raw)
                        error = error or _is_error(fwd)
                        if fwd.WhichOneof("type") == "script_finished":
                            ok = fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY and error is None
                            break
                    results.append((page, (time.perf_counter() - started) * 1000, ok, error))
                    await asyncio.sleep(rng.uniform(1.0, 3.0))  # a person reads the page
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            results.append(("verbinding", PAGE_TIMEOUT * 1000, False, repr(exc)[:200]))
            await asyncio.sleep(1)


def writer(location: Path, gemeente: str, stop: threading.Event, commits: list) -> None:
    """The writer job: one upload per minute, as beheer, through the CLI (what compose's writer runs)."""
    buurten = Store(location).regions(gemeenten=[gemeente])
    codes = sorted(buurten.loc[buurten["level"] == "buurt", "region_code"].unique())[:40]
    env = {**os.environ, "WIJKKOMPAS_DATA_DIR": str(location), "WIJKKOMPAS_ROLE": "beheer"}
    n = 0
    while not stop.wait(60 if n else 20):
        n += 1
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("Buurtcode;Meldingen\n" + "".join(f"{c};{(i * 7 + n) % 90 + 10}\n" for i, c in enumerate(codes)))
        started = time.perf_counter()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "wijkkompas",
                "import",
                f.name,
                "--year",
                "2024",
                "--label",
                f"Meldingen ronde {n}",
                "--gemeente",
                gemeente,
                "--show-small",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        commits.append((r.returncode == 0, (time.perf_counter() - started) * 1000, r.stderr[-300:]))


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(n_replicas: int, sessions: int, minutes: float, location: Path, gemeenten: list[str], work: Path) -> dict:
    env = {"WIJKKOMPAS_ROLE": "viewer", "WIJKKOMPAS_RUN_LOG": "on"}
    replicas = [Replica(f"replica-{i + 1}", str(location), env, work) for i in range(n_replicas)]
    for r in replicas:
        r.wait()
    proxy = Nginx([r.port for r in replicas], work / f"nginx-{n_replicas}", port=free_port())
    pages = _pages()
    results: list = []
    commits: list = []
    peak = {r.name: 0.0 for r in replicas}
    stop = threading.Event()
    w = threading.Thread(target=writer, args=(location, gemeenten[0], stop, commits), daemon=True)

    def sample():
        while not stop.wait(2):
            for r in replicas:
                peak[r.name] = max(peak[r.name], rss_mb(r.proc.pid))

    s = threading.Thread(target=sample, daemon=True)
    try:
        # warm every replica once (the first run of each page loads caches)
        async def warm():
            for r in replicas:
                await session(
                    r.url.replace("http", "ws") + "/_stcore/stream", pages, gemeenten, time.time() + 20, [], 0
                )

        asyncio.run(warm())
        w.start()
        s.start()
        deadline = time.time() + minutes * 60
        started = time.time()
        ws_url = proxy.url.replace("http", "ws") + "/_stcore/stream"

        async def main():
            await asyncio.gather(
                *(session(ws_url, pages, gemeenten, deadline, results, i + 1) for i in range(sessions))
            )

        asyncio.run(main())
        elapsed = time.time() - started
    finally:
        stop.set()
        w.join(timeout=120)
        proxy.stop()
        for r in replicas:
            r.stop()
    ms = np.array([m for _, m, ok, _ in results if ok])
    per_page = {
        p: np.percentile([m for q, m, ok, _ in results if q == p and ok], 95)
        for p in pages
        if any(q == p and ok for q, _, ok, _ in results)
    }
    return {
        "replicas": n_replicas,
        "sessions": sessions,
        "seconds": round(elapsed),
        "page_runs": len(results),
        "failed": sum(1 for r in results if not r[2]),
        "failures": [r[3] for r in results if not r[2]][:5],
        "rps": round(len(results) / elapsed, 2),
        "p50": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
        "p95": round(float(np.percentile(ms, 95)), 1) if len(ms) else None,
        "max": round(float(ms.max()), 1) if len(ms) else None,
        "p95_per_page": {p: round(float(v), 1) for p, v in per_page.items()},
        "rss_peak_mb": {k: round(v) for k, v in peak.items()},
        "writer_commits": f"{sum(ok for ok, _, _ in commits)}/{len(commits)}",
        "writer_ms": [round(m) for _, m, _ in commits],
        "writer_errors": [e for ok, _, e in commits if not ok][:2],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--replicas", type=int, nargs="+", default=[3, 1])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wk-load-") as tmp:
        work = Path(tmp)
        location, gemeenten = build_store(work / "store")
        print(f"opslag: {location} ({', '.join(gemeenten)}); pagina's: {', '.join(_pages())}", flush=True)
        rows = []
        for n in args.replicas:
            row = run(n, args.sessions, args.minutes, location, gemeenten, work)
            print(row, flush=True)
            rows.append(row)
    print("\nreplica's | sessies | paginaruns | mislukt | runs/s | p50 ms | p95 ms | max ms | RSS piek MB per replica")
    for r in rows:
        print(
            f"{r['replicas']:>9} | {r['sessions']:>7} | {r['page_runs']:>10} | {r['failed']:>7} | {r['rps']:>6} | "
            f"{r['p50']:>6} | {r['p95']:>6} | {r['max']:>6} | {r['rss_peak_mb']}"
        )
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
