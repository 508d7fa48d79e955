"""Benchmark: save and list notes (Tellen én vertellen) in a store that already holds many notes.

Not a test: prints measured numbers. A save is one store transaction (lock, manifest under the
lock, one small JSON document, version file, manifest replace, garbage collection); listing reads
the notes named by the manifest (parsed once per file content, then cached). Targets: a save well
under a second and a wijk's list instantly (< 0.1 s warm) with thousands of notes in the store.

    python benchmarks/bench_notes.py [--notes 2000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=2000, help="notes already in the store")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()

    from wijkkompas.notes import list_notes, make_note, notes_csv, save_note, store_ops
    from wijkkompas.store import Store

    text = (
        "Bewoners vertellen dat de straatverlichting in de avond vaak uitvalt en dat het plein dan onveilig voelt. " * 4
    )
    wijken = [f"WK0999{i:02d}" for i in range(1, 41)]  # 40 wijken: ~50 notes each at 2000
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        t0 = time.perf_counter()
        with store.transaction():
            for i in range(args.notes):
                save_note(
                    store,
                    make_note(
                        wijken[i % len(wijken)],
                        "Wijk",
                        f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        text[: 200 + i % 600],
                        "bewonersavond",
                        "wijkmanager",
                        "Veiligheid",
                    ),
                )
        fill = time.perf_counter() - t0

        saves = []
        for i in range(args.repeat):
            note = make_note(
                wijken[0], "Wijk", "2025-06-01", f"Nieuwe notitie {i}. " + text[:300], "wijkschouw", "opbouwwerker"
            )
            t = time.perf_counter()
            save_note(store, note)
            saves.append(time.perf_counter() - t)

        cold, warm = [], []
        for _ in range(args.repeat):
            store_ops._PARSED.clear()
            t = time.perf_counter()
            n = len(list_notes(store, wijken[1]))
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            list_notes(store, wijken[1])
            warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        everything = list_notes(store)
        all_warm = time.perf_counter() - t
        t = time.perf_counter()
        data = notes_csv(everything)
        csv_s = time.perf_counter() - t
        manifest_kb = (Path(tmp) / "data" / "store" / "manifest.json").stat().st_size / 1024

    def ms(xs):
        return f"mediaan {statistics.median(xs) * 1000:7.1f} ms   max {max(xs) * 1000:7.1f} ms"

    print(f"Notities in de opslag: {args.notes} (+{args.repeat}), {len(wijken)} wijken; manifest {manifest_kb:.0f} kB")
    print(f"Vullen (één transactie)          {fill:7.2f} s")
    print(f"Opslaan van één notitie          {ms(saves)}")
    print(f"Lijst van één wijk ({n} notities), koud  {ms(cold)}")
    print(f"Lijst van één wijk, warm         {ms(warm)}")
    print(f"Alle notities ({len(everything)}), warm     {all_warm * 1000:7.1f} ms")
    print(f"CSV van alle notities            {csv_s * 1000:7.1f} ms ({len(data) / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
