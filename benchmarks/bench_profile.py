"""Wijkprofiel speed: page build (warm) for every wijk of Hengelo, Enschede and Almelo, and the PDF.

Targets (issue 5): profile page build < 1 s warm for any wijk of the three gemeenten; PDF < 5 s.

* page build warm: the Wijkprofiel page script rerun in Streamlit's AppTest with its caches filled
  (the wijk was shown once before), i.e. what a regisseur waits for on every interaction;
* page build cold: the first time a wijk is shown in a running app (profile + map + scores built);
* PDF / HTML: `export_profile` from the store (profile, charts via vl-convert, map via matplotlib,
  WeasyPrint), in this process after one warm-up (vl-convert's engine start is paid once per process).

Wall-clock and CPU time are both printed: on a shared, busy machine the CPU time is the steadier number.

    python benchmarks/bench_profile.py [--pdf-all]

Uses ../shared/data (ingested into a temporary store); without it, prints why and exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data"
TWENTE = ["GM0164", "GM0153", "GM0141"]
PAGE_TARGET, PDF_TARGET = 1.0, 5.0


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf-all", action="store_true", help="a PDF for every wijk (default: three per gemeente)")
    args = ap.parse_args()
    if not (SHARED / "MANIFEST.json").exists():
        print("../shared/data ontbreekt: deze benchmark meet de echte Twentse wijken en slaat nu over.")
        return 0

    from wijkkompas.ingest import ingest
    from wijkkompas.profile import wijken_of
    from wijkkompas.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench_profile_"))
    store = Store(tmp)
    ingest(SHARED, store, TWENTE)
    os.environ["WIJKKOMPAS_DATA_DIR"] = str(tmp)
    regions = store.regions(gemeenten=TWENTE)
    wijken = {gm: list(wijken_of(regions, gm)["region_code"]) for gm in TWENTE}
    codes = [c for gm in TWENTE for c in wijken[gm]]

    # ---------------------------------------------------------------- page (AppTest)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(str(REPO / "pages" / "wijkprofiel.py"))
    cold, warm, warm_cpu = [], [], []
    for code in codes:
        at.query_params["regio"] = code
        _, w, _ = _timed(at.run)
        cold.append(w)
        best = None
        for _ in range(3):
            _, w, c = _timed(at.run)
            if best is None or w < best[0]:
                best = (w, c)
        warm.append(best[0])
        warm_cpu.append(best[1])
        if at.exception:
            print(f"{code}: fout op de pagina: {at.exception[0].value}")
            return 1
        assert at.subheader, code

    # ---------------------------------------------------------------- exports
    from wijkkompas.export import export_profile

    export_profile(store, codes[0], fmt="pdf")  # warm-up: imports, vl-convert engine, fonts
    sample = codes if args.pdf_all else [c for gm in TWENTE for c in wijken[gm][:3]]
    pdf, pdf_cpu, pages, html = [], [], [], []
    import io

    from pypdf import PdfReader

    for code in sample:
        (_, data), w, c = _timed(lambda code=code: export_profile(store, code, fmt="pdf"))
        pdf.append(w)
        pdf_cpu.append(c)
        pages.append(len(PdfReader(io.BytesIO(data)).pages))
        _, w, _ = _timed(lambda code=code: export_profile(store, code, fmt="html"))
        html.append(w)

    def row(name, xs, target=None, unit="s"):
        verdict = "" if target is None else ("ok" if max(xs) < target else "TE TRAAG")
        tgt = "" if target is None else f"< {target:g} {unit}"
        print(f"{name:<38} {len(xs):>4} {statistics.median(xs):>8.3f} {max(xs):>8.3f}  {tgt:<8} {verdict}")

    print(f"\nWijkprofiel, {len(codes)} wijken van Hengelo, Enschede en Almelo (load average {os.getloadavg()[0]:.1f})")
    print(f"{'meting':<38} {'n':>4} {'mediaan':>8} {'max':>8}  {'doel':<8}")
    row("pagina opbouw warm (wall)", warm, PAGE_TARGET)
    row("pagina opbouw warm (cpu)", warm_cpu)
    row("pagina opbouw eerste keer (wall)", cold)
    row("PDF (wall)", pdf, PDF_TARGET)
    row("PDF (cpu)", pdf_cpu)
    row("HTML (wall)", html)
    print(
        f"{'PDF-pagina’s':<38} {len(pages):>4} {statistics.median(pages):>8.0f} {max(pages):>8}  2–4      "
        f"{'ok' if min(pages) >= 2 and max(pages) <= 4 else 'BUITEN 2–4'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
