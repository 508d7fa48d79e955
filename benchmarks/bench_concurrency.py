"""Benchmark: many sessions reading one store while a writer commits every second (issue 12 targets).

Not a test: prints measured numbers against the targets. Uses the synthetic national generator in
the exact OData v3 wire format.

1. A national KWB year in a store. 1, 4 and 8 reader threads (what Streamlit's session threads are)
   each load one random gemeente-year, again and again, for `--seconds`; meanwhile a *separate
   process* commits a new store version every second (an upload imported, then deleted). Measured:
   reads per second, p50/p95 read latency, failed reads (target 0), peak RSS of the reader process.
2. The Start page's server time on a national store of 13 years (2013–2025), cold and warm
   (target < 200 ms warm), through AppTest of the real app.

    python benchmarks/bench_concurrency.py [--buurten 14500] [--seconds 10] [--skip-start]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
sys.path.insert(0, str(REPO))

TARGETS = {"failed": 0, "start_warm_ms": 200.0}

WRITER = """
import sys, time
from wijkkompas.store import Store
from wijkkompas.userdata import import_file
from wijkkompas.userdata.persist import delete_upload
store = Store(sys.argv[1])
rows = ["buurtcode;meldingen"] + [f"{c};{i % 97}" for i, c in enumerate(sys.argv[2].split(","))]
data = ("\\n".join(rows) + "\\n").encode()
commits = 0
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    t = time.monotonic()
    _a, up = import_file(store, data, "meldingen_2024.csv", year=2024)
    commits += 1
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t)))
    t = time.monotonic()
    delete_upload(store, up.id)
    commits += 1
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t)))
print(commits)
"""


def _generate(years: str, buurten: int) -> Path:
    source = OUT / f"kwb_national_{buurten}_{years.replace(',', '_')}"
    if not (source / ".complete").exists():
        shutil.rmtree(source, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "generate.py"),
                "kwb",
                "--out",
                str(source),
                "--years",
                years,
                "--buurten",
                str(buurten),
                "--stems",
                "builtin",
            ],
            check=True,
        )
        (source / ".complete").write_text("")
    return source


def _store(source: Path, name: str):
    """Ingested in a child process, so the reader process's peak RSS is the readers' own."""
    from wijkkompas.store import Store

    data_dir = OUT / name
    marker = data_dir / ".complete"
    if not marker.exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        t0 = time.perf_counter()
        code = (
            "import sys; from wijkkompas.ingest import ingest; from wijkkompas.store import Store; "
            "ingest(sys.argv[1], Store(sys.argv[2]), None, keep_copy=False)"
        )
        subprocess.run([sys.executable, "-c", code, str(source), str(data_dir)], cwd=REPO, check=True)
        print(f"  ingest {name}: {time.perf_counter() - t0:.1f} s", flush=True)
        marker.write_text("")
    return Store(data_dir)


def readers(store, threads: int, seconds: float, writer_buurten: list[str]) -> dict:
    gemeenten = sorted(store.regions(2024).query("level == 'gemeente'")["region_code"])
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.data_dir), ",".join(writer_buurten), str(seconds)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        mine, bad = [], []
        while time.monotonic() < stop:
            g = rng.choice(gemeenten)
            t0 = time.perf_counter()
            try:
                store.snapshot().load_values([g], 2024, include_nederland=True)
            except Exception as exc:
                bad.append(f"{type(exc).__name__}: {exc}")
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out, err = writer.communicate(timeout=120)
    commits = int(out.strip() or 0) if writer.returncode == 0 else f"writer failed: {err[-300:]}"
    latencies.sort()
    return {
        "threads": threads,
        "reads_per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
        "commits": commits,
    }


START_CHILD = """
import json, os, sys, time
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
os.environ["WIJKKOMPAS_DATA_DIR"] = sys.argv[1]
orig = PagesManager.__init__
def modern(self, *a, **k):
    orig(self, *a, **k)
    PagesManager.uses_pages_directory = False
PagesManager.__init__ = modern
at = AppTest.from_file("app.py", default_timeout=300)
t = time.perf_counter(); at.run(); cold = (time.perf_counter() - t) * 1000
warm = []
for _ in range(5):
    t = time.perf_counter(); at.run(); warm.append((time.perf_counter() - t) * 1000)
assert not at.exception and not at.error, [e.value for e in at.error]
print(json.dumps({"cold_ms": cold, "warm_ms": sorted(warm)[2], "gemeenten": len(at.sidebar.multiselect[0].options)}))
"""


def start_page(data_dir: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", START_CHILD, str(data_dir)], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--buurten", type=int, default=14_500)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--skip-start", action="store_true", help="skip the many-year Start page measurement")
    p.add_argument("--years", default="2013-2025", help="years of the national store for the Start page")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    store = _store(_generate("2024", args.buurten), f"store_concurrency_{args.buurten}")
    some = store.regions(2024).query("level == 'buurt'")["region_code"].head(500).tolist()
    print(f"National store: {len(store.regions(2024))} regions in 2024; writer commits every second (separate process)")
    print(f"{'threads':>8}{'reads/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}{'commits':>9}")
    worst = 0
    for threads in (1, 4, 8):
        r = readers(store, threads, args.seconds, some)
        worst = max(worst, r["failed"])
        print(
            f"{r['threads']:>8}{r['reads_per_s']:>10.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['failed']:>8}{r['commits']!s:>9}"
        )
        if r["first_failure"]:
            print(f"   first failure: {r['first_failure']}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"failed reads: {worst} (target {TARGETS['failed']}); peak RSS of the reading process: {peak:.0f} MB")

    if not args.skip_start:
        big = _store(_generate(args.years, args.buurten), f"store_many_years_{args.buurten}")
        r = start_page(big.data_dir)
        print(f"Start page, national store of {len(big.years())} years ({r['gemeenten']} gemeenten):")
        print(
            f"  cold {r['cold_ms']:.0f} ms, warm {r['warm_ms']:.0f} ms (target < {TARGETS['start_warm_ms']:.0f} ms warm)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
