"""Benchmark: national KWB ingest, loading one gemeente-year, peak memory (issue 3 targets).

Not a test: prints measured numbers against the targets. Uses the synthetic national generator
(benchmarks/generate.py) in the exact OData v3 wire format; the real data is never used for scale.

    python benchmarks/bench_store.py [--buurten 14500] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
sys.path.insert(0, str(REPO))

TARGETS = {"ingest_s": 20.0, "load_ms": 50.0, "peak_rss_mb": 1500.0}


def _child_ingest(source: str, data_dir: str) -> None:
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    t0 = time.perf_counter()
    report = ingest(Path(source), Store(data_dir), None, [2024])
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "ingest_s": seconds,
                "peak_rss_mb": peak,
                "rows": report.loaded[0]["values"],
                "regions": report.loaded[0]["regions"],
            }
        )
    )


def _child_load(data_dir: str) -> None:
    from wijkkompas.store import Store

    store = Store(data_dir)
    gms = sorted(store.load_values(years=2024, levels="gemeente")["gemeente_code"].unique())
    big = max(gms, key=lambda g: len(store.regions(2024, [g])))
    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        v = store.load_values([big], 2024)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"load_ms": statistics.median(times[5:]), "load_rows": len(v), "gemeente": big}))


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--buurten", type=int, default=14_500)
    p.add_argument("--keep", action="store_true", help="keep the generated store")
    p.add_argument("--child", nargs="*")
    args = p.parse_args()
    if args.child:
        {"ingest": _child_ingest, "load": _child_load}[args.child[0]](*args.child[1:])
        return 0
    source = OUT / f"kwb_national_{args.buurten}"
    if not (source / "85984NED" / "TypedDataSet.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "generate.py"),
                "kwb",
                "--out",
                str(source),
                "--years",
                "2024",
                "--buurten",
                str(args.buurten),
                "--stems",
                "builtin",
            ],
            check=True,
        )
    data_dir = OUT / "store_national"
    shutil.rmtree(data_dir, ignore_errors=True)
    result = run_child("--child", "ingest", str(source), str(data_dir))
    result |= run_child("--child", "load", str(data_dir))
    size = sum(f.stat().st_size for f in (data_dir / "store").rglob("*.parquet")) / 1e6
    print(f"National KWB 2024: {result['regions']} regions, {result['rows']:,} values, store {size:.1f} MB")
    print(f"{'measure':<38}{'measured':>12}{'target':>12}")
    print(f"{'ingest one national year (s)':<38}{result['ingest_s']:>12.1f}{'< ' + str(TARGETS['ingest_s']):>12}")
    print(f"{'load one gemeente-year (ms, median)':<38}{result['load_ms']:>12.1f}{'< ' + str(TARGETS['load_ms']):>12}")
    print(f"{'peak RSS during ingest (MB)':<38}{result['peak_rss_mb']:>12.0f}{'< ' + str(TARGETS['peak_rss_mb']):>12}")
    print(f"(largest gemeente {result['gemeente']}: {result['load_rows']:,} rows)")
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
