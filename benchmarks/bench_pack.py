"""Benchmark: data packs and presenting (issue 9 targets).

Not a test: prints measured numbers against the targets.
* `pack export` for Hengelo, Enschede and Almelo, as the data team runs it (the whole command, Python
  start-up included) and the export itself in-process; `pack import` of that pack into an empty folder.
  Uses ../shared/data when present; also the synthetic national store (benchmarks/out/store_national,
  made by `bench_store.py --keep`) when present, with its three largest gemeenten.
* Presenting: drawing every slide of a five-slide presentation up front (server), and moving from one
  slide to the next in Chromium at 1024×768 (key press → next slide painted), on the deck file itself.

    python benchmarks/bench_pack.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data"
NATIONAL = REPO / "benchmarks" / "out" / "store_national"
TWENTE = ["GM0164", "GM0153", "GM0141"]
TARGETS = {"export_s": 10.0, "switch_ms": 200.0}
CHROMIUM = "/usr/bin/chromium"


def nl_number(value: float, decimals: int = 0) -> str:
    from wijkkompas.formatting import nl_number as fmt

    return fmt(value, decimals)


def _row(label: str, value: float | None, target: str, unit: str = "") -> str:
    shown = "overgeslagen" if value is None else f"{value:.2f}{unit}"
    return f"{label:<58}{shown:>14}{target:>12}"


def _cli_export(data_dir: Path, gemeenten: list[str], out: Path) -> float:
    args = [sys.executable, "-m", "wijkkompas", "--data-dir", str(data_dir), "pack", "export", "--out", str(out)]
    for g in gemeenten:
        args += ["--gemeente", g]
    t0 = time.perf_counter()
    subprocess.run(args, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - t0


def _pack_numbers(data_dir: Path, gemeenten: list[str], work: Path) -> dict:
    from wijkkompas.pack import build_pack, import_pack

    out = work / "pakket.zip"
    cli = _cli_export(data_dir, gemeenten, out)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        data, summary = build_pack(data_dir, gemeenten)
        times.append(time.perf_counter() - t0)
    target = work / "laptop"
    t0 = time.perf_counter()
    import_pack(data, target)
    imp = time.perf_counter() - t0
    shutil.rmtree(target, ignore_errors=True)
    return {
        "cli": cli,
        "build": statistics.median(times),
        "import": imp,
        "mb": len(data) / 1e6,
        "values": summary.values,
    }


def _twente_store(work: Path) -> Path | None:
    if not (SHARED / "MANIFEST.json").exists():
        return None
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    data_dir = work / "twente"
    ingest(SHARED, Store(data_dir), TWENTE)
    return data_dir


def _presentation(data_dir: Path):
    from wijkkompas.presentation.model import Presentation, make_slide
    from wijkkompas.store import Store

    store = Store(data_dir)
    wijken = store.regions(gemeenten=["GM0164"])
    wijken = sorted(
        set(wijken.loc[(wijken["level"] == "wijk") & (wijken["year"] == max(store.years())), "region_code"])
    )
    year = max(store.years())
    return Presentation(
        "Bench",
        (
            make_slide(
                "kaart",
                "Ouderen per buurt",
                "x",
                gemeenten=["GM0164"],
                jaar=year,
                niveau="buurt",
                indicator="aandeel_65plus",
            ),
            make_slide(
                "kaart", "Kinderen per wijk", "x", gemeenten=TWENTE, jaar=year, niveau="wijk", indicator="aandeel_0_15"
            ),
            make_slide("profiel", "Een wijk", "x", regios=wijken[3:4], jaar=year),
            make_slide("vergelijking", "Drie wijken", "x", regios=wijken[:3], jaar=year),
            make_slide("trend", "Ouderen door de jaren", "x", regios=wijken[:2], indicator="aandeel_65plus"),
        ),
    )


def _deck_numbers(data_dir: Path, work: Path) -> dict:
    from wijkkompas.exporting import indicator_catalogue
    from wijkkompas.presentation.deck import deck_html
    from wijkkompas.presentation.slides import render_slides
    from wijkkompas.store import Store

    store = Store(data_dir)
    pres = _presentation(data_dir)
    catalogue = indicator_catalogue(store)
    render_slides(store, pres, catalogue=catalogue)  # warm the imports, as in the running app
    t0 = time.perf_counter()
    contents = render_slides(store, pres, catalogue=catalogue)
    render = time.perf_counter() - t0
    html = deck_html(contents, title="Bench", deck_id="bench")
    path = work / "deck.html"
    path.write_text(html, encoding="utf-8")
    out = {
        "render": render,
        "kb": len(html.encode()) / 1024,
        "notices": sum(1 for c in contents if c.notice),
        "switch": None,
    }
    if Path(CHROMIUM).exists():
        out["switch"] = _switch_ms(path, len(contents))
    return out


def _switch_ms(path: Path, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", state="attached")
        page.evaluate(
            """() => { window.__k = 0; window.__t = [];
              document.addEventListener('keydown', () => { window.__k = performance.now(); }, true);
              new MutationObserver(() => requestAnimationFrame(() => requestAnimationFrame(() =>
                window.__t.push(performance.now() - window.__k)))).observe(document.body, {attributes: true, attributeFilter: ['data-slide']}); }"""
        )
        for _round in range(4):
            for _ in range(n - 1):
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(60)
            for _ in range(n - 1):
                page.keyboard.press("ArrowLeft")
                page.wait_for_timeout(60)
        page.wait_for_timeout(200)
        times = page.evaluate("() => window.__t")
        browser.close()
    return times


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench_pack_"))
    lines = [f"{'meting':<58}{'gemeten':>14}{'doel':>12}"]
    try:
        twente = _twente_store(work)
        if twente is None:
            print("../shared/data ontbreekt: de Twente-metingen worden overgeslagen.")
        else:
            r = _pack_numbers(twente, TWENTE, work)
            lines.append(
                _row("pack export Hengelo+Enschede+Almelo, hele opdracht (s)", r["cli"], f"< {TARGETS['export_s']:.0f}")
            )
            lines.append(_row("  waarvan het inpakken zelf (s, mediaan)", r["build"], ""))
            lines.append(_row("pack import in een lege map (s)", r["import"], ""))
            lines.append(f"  (pakket {nl_number(r['mb'], 2)} MB, {nl_number(r['values'])} cijfers)")
            d = _deck_numbers(twente, work)
            lines.append(_row("alle 5 dia's vooraf tekenen op de server (s)", d["render"], ""))
            lines.append(f"  (één HTML-document van {d['kb']:.0f} kB; {d['notices']} dia('s) als melding)")
            if d["switch"]:
                s = d["switch"]
                lines.append(
                    _row(
                        f"volgende dia in Chromium 1024×768, mediaan (ms, n={len(s)})",
                        statistics.median(s),
                        f"< {TARGETS['switch_ms']:.0f}",
                    )
                )
                lines.append(
                    _row("volgende dia in Chromium 1024×768, maximum (ms)", max(s), f"< {TARGETS['switch_ms']:.0f}")
                )
            else:
                lines.append(_row("volgende dia in Chromium (ms)", None, "Chromium ontbreekt"))
        if (NATIONAL / "store" / "manifest.json").exists():
            from wijkkompas.store import Store

            try:
                store = Store(NATIONAL)
                sizes = store.regions(gemeenten=None)
                big = sizes[sizes["level"] == "buurt"].groupby("gemeente_code").size().sort_values().index[-3:].tolist()
                r = _pack_numbers(NATIONAL, big, work)
                lines.append(
                    _row(
                        "pack export 3 grootste gemeenten uit landelijke opslag (s)",
                        r["cli"],
                        f"< {TARGETS['export_s']:.0f}",
                    )
                )
                lines.append(_row("  waarvan het inpakken zelf (s, mediaan)", r["build"], ""))
                lines.append(_row("  pack import in een lege map (s)", r["import"], ""))
                lines.append(
                    f"  ({', '.join(big)}; pakket {nl_number(r['mb'], 2)} MB, {nl_number(r['values'])} cijfers)"
                )
            except Exception as exc:  # the national store is a by-product of another benchmark; it may be half-made
                lines.append(f"landelijke opslag niet bruikbaar ({type(exc).__name__}: {exc})")
        else:
            lines.append("landelijke opslag ontbreekt (maak hem met: python benchmarks/bench_store.py --keep)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
