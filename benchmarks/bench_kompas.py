"""Kompas speed: the matrix (bands, trends, evidence arrays) server-side, warm.

Targets (issue 17): three gemeenten < 300 ms; every buurt of the country (≈ 14 500, synthetic) < 2 s. Also the
signalen between two years for three gemeenten, and the real Twente store when ../shared/data is there.

    python benchmarks/bench_kompas.py [--repeat 5]

"Warm" = the store's values are already in memory (the page caches them per store version); what is timed is
`compute_kompas` on them, i.e. what a change of reference, level or year costs. The synthetic long table has every
kompas indicator for two years (5 % missing), in the shape of the store's table; its regions table recodes 2 % of
the buurten between the years, so the series-break path is exercised too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wijkkompas.catalogue.catalogue import load_catalogue  # noqa: E402
from wijkkompas.kompas import compute_kompas, default_definition  # noqa: E402
from wijkkompas.kompas.signalen import signalen  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
TWENTE = ["GM0164", "GM0153", "GM0141"]


def synthetic(n_buurten: int, n_gemeenten: int, years=(2023, 2024), seed: int = 1, missing: float = 0.05):
    rng = np.random.default_rng(seed)
    cat = load_catalogue()
    ids = sorted({i.id for t in default_definition().resolve(cat) for i in t.indicators} | {"inwoners"})
    gm = np.sort(rng.integers(0, n_gemeenten, n_buurten))
    codes = np.array([f"BU{g:04d}{b % 10000:04d}" for b, g in enumerate(gm)], dtype=object)
    gm_codes = np.array([f"GM{g:04d}" for g in gm], dtype=object)
    wijk = np.array([f"WK{g:04d}{(b // 8) % 100:02d}" for b, g in enumerate(gm)], dtype=object)
    k = len(ids)
    frames, regs = [], []
    base = rng.gamma(2.0, 20.0, size=(n_buurten, k))
    for y, year in enumerate(years):
        values = base * (1 + 0.05 * rng.standard_normal((n_buurten, k)) * y)
        values[:, ids.index("inwoners")] = rng.integers(20, 8000, n_buurten)
        values[rng.random((n_buurten, k)) < missing] = np.nan
        year_codes = codes.copy()
        if y:  # 2 % of the buurten get a new code: a series break
            moved = rng.random(n_buurten) < 0.02
            year_codes[moved] = [c[:-2] + "99" for c in year_codes[moved]]
        frames.append(
            pd.DataFrame(
                {
                    "year": np.int16(year),
                    "region_code": np.repeat(year_codes, k),
                    "region_name": np.repeat(year_codes, k),
                    "level": "buurt",
                    "gemeente_code": np.repeat(gm_codes, k),
                    "wijk_code": np.repeat(wijk, k),
                    "indicator": np.tile(np.array(ids, dtype=object), n_buurten),
                    "value": values.reshape(-1),
                    "status": "ok",
                    "source_table": "SYNTH",
                    "source_key": "",
                }
            )
        )
        regs.append(
            pd.DataFrame(
                {
                    "year": np.int16(year),
                    "region_code": year_codes,
                    "region_name": year_codes,
                    "level": "buurt",
                    "gemeente_code": gm_codes,
                    "wijk_code": wijk,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), pd.concat(regs, ignore_index=True), sorted(set(gm_codes))


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cat = load_catalogue()
    rows = []
    three, three_regions, three_gm = synthetic(600, 3, seed=3)
    for ref in ("gemeente", "selectie"):
        ms = timed(
            lambda ref=ref: compute_kompas(three, three_regions, cat, three_gm, 2024, "buurt", reference=ref),
            args.repeat,
        )
        rows.append(("3 gemeenten (synthetisch, 600 buurten)", f"kompas, {ref}", ms, 300))
    ms = timed(lambda: signalen(three, three_regions, cat, three_gm, 2023, 2024, ["buurt"]), args.repeat)
    rows.append(("3 gemeenten (synthetisch, 600 buurten)", "signalen 2023→2024", ms, None))
    national, nat_regions, nat_gm = synthetic(14_500, 342, seed=1)
    for ref in ("gemeente", "selectie"):
        ms = timed(
            lambda ref=ref: compute_kompas(national, nat_regions, cat, nat_gm, 2024, "buurt", reference=ref),
            max(3, args.repeat // 2),
        )
        rows.append(("Nederland (synthetisch, 14.500 buurten)", f"kompas, {ref}", ms, 2000))
    if (SHARED / "MANIFEST.json").exists():
        from wijkkompas.ingest import ingest
        from wijkkompas.store import Store

        store = Store(Path(tempfile.mkdtemp(prefix="bench_kompas_")))
        ingest(SHARED, store, TWENTE)
        store.pin()
        values = store.load_values(TWENTE, None, ["wijk", "buurt", "gemeente"], include_nederland=True)
        regions = store.regions(gemeenten=TWENTE)
        for level in ("wijk", "buurt"):
            ms = timed(lambda level=level: compute_kompas(values, regions, cat, TWENTE, 2024, level), args.repeat)
            rows.append(("Twente (echt, 2024 met trend t.o.v. 2017)", f"kompas, {level}", ms, 300))
    else:
        print("../shared/data ontbreekt: de echte Twente-meting wordt overgeslagen.")
    print(f"{'geval':45} {'wat':28} {'mediaan ms':>11} {'doel ms':>8}  ok")
    for name, what, ms, target in rows:
        ok = "" if target is None else ("ja" if ms < target else "NEE")
        print(f"{name:45} {what:28} {ms:11.1f} {target or '':>8}  {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
