"""Benchmark: validate and import a 15,000-row CSV of the gemeente's own figures (issue 8 target < 3 s).

Not a test: prints measured numbers against the target. The CSV is written by `generate.py usercsv`
(Dutch Excel CSV: `;`, decimal comma, BOM, codes without BU / without leading zeros, `n.b.`, `<5`,
unknown codes); the store is the national synthetic store of `bench_store.py` (same region tree),
so the import rewrites a realistic national year file.

    python benchmarks/bench_userdata.py [--rows 15000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
sys.path.insert(0, str(REPO))

TARGET_S = 3.0


def national_store(buurten: int) -> Path:
    """The national synthetic store (built once, like bench_store.py does)."""
    data_dir = OUT / "store_national"
    if (data_dir / "store" / "manifest.json").exists():
        return data_dir
    source = OUT / f"kwb_national_{buurten}"
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
                str(buurten),
                "--stems",
                "builtin",
            ],
            check=True,
        )
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    print("Nationale opslag opbouwen (eenmalig) …", file=sys.stderr)
    ingest(source, Store(data_dir), None, [2024])
    return data_dir


def light_store(national: Path, target: Path) -> Path:
    """The national regions and inhabitants only: what an upload needs, without the CBS year to rewrite."""
    import pandas as pd

    from wijkkompas.store import Store

    src = Store(national)
    inw = src.load_values(years=2024, indicators=["inwoners"])
    Store(target).replace(
        inw, src.regions(), source_tables=[str(s) for s in pd.unique(inw["source_table"])], gemeenten=None
    )
    return target


def measure(label: str, base: Path, data: bytes, name: str, tmp: Path, repeat: int) -> None:
    from wijkkompas.store import Store
    from wijkkompas.userdata import check_table, import_analysis, read_file
    from wijkkompas.userdata.report import nl_int
    from wijkkompas.userdata.service import inhabitants

    runs: dict[str, list[float]] = {"read": [], "check": [], "import": [], "total": [], "cpu": []}
    for i in range(repeat):
        data_dir = tmp / f"store_{i}"
        shutil.copytree(base, data_dir)
        store = Store(data_dir)
        store_rows = len(store.load_values(years=2024))
        c0 = time.process_time()
        t0 = time.perf_counter()
        table = read_file(data, name)
        t1 = time.perf_counter()
        analysis = check_table(table, store, year=2024, data=data)
        t2 = time.perf_counter()
        upload = import_analysis(store, analysis, data, partial=True, inwoners=inhabitants(store))
        t3 = time.perf_counter()
        runs["cpu"].append(time.process_time() - c0)
        runs["read"].append(t1 - t0)
        runs["check"].append(t2 - t1)
        runs["import"].append(t3 - t2)
        runs["total"].append(t3 - t0)
        shutil.rmtree(data_dir)
    r = analysis.report
    n = nl_int
    print(f"\nOpslag {label}: {n(store_rows)} cijfers in 2024")
    print(
        f"Bestand: {name}, {len(data) / 1e6:.1f} MB, {n(r.n_rows)} rijen; {n(r.n_matched)} gekoppeld, "
        f"{n(r.n_problem_rows)} niet (onbekende codes, dubbele buurten); opgeslagen: {n(upload.imported_rows)} rijen × "
        f"{len(upload.indicators)} cijfers (gedeeltelijk, zoals gekozen)"
    )
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"{'stap (mediaan van ' + str(repeat) + ')':<44}{'gemeten (s)':>12}{'doel (s)':>10}")
    print(f"{'lezen (scheidingsteken, tekenset, kop)':<44}{med['read']:>12.2f}{'':>10}")
    print(f"{'controleren (koppelen, getallen, rapport)':<44}{med['check']:>12.2f}{'':>10}")
    print(f"{'opslaan (jaarbestand herschrijven)':<44}{med['import']:>12.2f}{'':>10}")
    print(f"{'totaal: lezen + controleren + opslaan':<44}{med['total']:>12.2f}{'< ' + str(TARGET_S):>10}")
    print(f"{'  processortijd van dit proces':<44}{med['cpu']:>12.2f}{'':>10}")
    print("OK" if med["total"] < TARGET_S else "TE LANGZAAM")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=15_000)
    p.add_argument("--buurten", type=int, default=14_500)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    from benchmarks.generate import generate_usercsv

    base = national_store(args.buurten)
    tmp = Path(tempfile.mkdtemp(prefix="bench_userdata_"))
    try:
        csv_path = generate_usercsv(tmp / "eigen_15000.csv", rows=args.rows, n_buurten=args.buurten)
        data = csv_path.read_bytes()
        light = light_store(base, tmp / "light")
        for label, source in (("A: alleen gebieden + inwoners", light), ("B: volledig nationaal KWB-jaar", base)):
            measure(label, source, data, csv_path.name, tmp, args.repeat)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
