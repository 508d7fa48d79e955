"""`python -m wijkkompas kompas` and `python -m wijkkompas signalen`: the kompas as CSV/Excel/PDF, the signalen.

kompas: one row per region, per theme four columns: <thema>_band (or why there is none), <thema>_trend,
<thema>_afwijking (in standard deviations) and <thema>_cijfers (used/available).
signalen: one line per signal on the screen, and with --out one row per signal × indicator (the evidence).
"""

from __future__ import annotations

import sys
from pathlib import Path

from wijkkompas.kompas.definitions import REFERENCES


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "kompas",
        help="het kompas (klasse en trend per wijk en thema) als CSV, Excel of PDF",
        description="Per wijk of buurt en thema: urgent / aandacht / rond het gemiddelde / gunstig, met trend.",
    )
    s.add_argument("--gemeente", action="append", required=True, help="gemeentecode, bijv. GM0164 (herhaalbaar)")
    s.add_argument("--year", type=int, required=True, help="jaar van de cijfers, bijv. 2024")
    s.add_argument("--level", choices=["wijk", "buurt"], default="wijk")
    s.add_argument("--reference", choices=list(REFERENCES), help="vergelijken met (standaard: uit kompas.toml)")
    s.add_argument("--out", required=True, help="het bestand: .csv, .xlsx of .pdf")
    s.set_defaults(func=run_kompas)

    s = subparsers.add_parser(
        "signalen",
        help="wijken en buurten die tussen twee jaren op een thema verslechterden (rookmelder)",
    )
    s.add_argument("--gemeente", action="append", required=True, help="gemeentecode, bijv. GM0164 (herhaalbaar)")
    s.add_argument("--van", type=int, required=True, help="beginjaar, bijv. 2017")
    s.add_argument("--tot", type=int, required=True, help="eindjaar, bijv. 2024")
    s.add_argument("--level", choices=["wijk", "buurt", "beide"], default="beide")
    s.add_argument("--reference", choices=list(REFERENCES))
    s.add_argument("--out", help="de onderbouwing als CSV (per signaal en cijfer)")
    s.set_defaults(func=run_signalen)


def _gemeenten(args) -> list[str]:
    return [p.strip().upper() for g in args.gemeente for p in g.split(",") if p.strip()]


def run_kompas(args) -> int:
    from wijkkompas.errors import SourceError
    from wijkkompas.exporting import to_csv_bytes, to_xlsx_bytes
    from wijkkompas.kompas import kompas_from_store
    from wijkkompas.store import Store, atomic_write_bytes

    store = Store(args.data_dir)
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".pdf"):
        raise SourceError(f"Kies een bestand dat eindigt op .csv, .xlsx of .pdf (niet '{out.name}').")
    view = kompas_from_store(store, _gemeenten(args), args.year, args.level, reference=args.reference)
    if suffix == ".pdf":
        from wijkkompas.export.kompas import kompas_pdf

        gm = store.gemeenten()
        names = dict(zip(gm["gemeente_code"], gm["gemeente_name"], strict=True)) if not gm.empty else {}
        data = kompas_pdf(view, names)
    elif suffix == ".xlsx":
        data = to_xlsx_bytes(view.frame(), "Kompas")
    else:
        data = to_csv_bytes(view.frame())
    atomic_write_bytes(out, data)
    summary = view.theme_summary()
    print(
        f"Kompas {', '.join(view.gemeenten)} {view.year} ({args.level}): {len(view.regions)} gebieden, "
        f"{int(view.urgent_count().sum())} urgente cellen; geschreven naar {out}"
    )
    for row in summary.itertuples():
        if row.with_band == 0:
            print(f"Thema '{row.label}': onvoldoende gegevens in {view.year}.")
    if (view.band == "").all():
        print("Geen enkel thema heeft genoeg cijfers voor een oordeel; de cellen zeggen waarom.", file=sys.stderr)
    return 0


def run_signalen(args) -> int:
    from wijkkompas.exporting import to_csv_bytes
    from wijkkompas.formatting import nl_number
    from wijkkompas.kompas.signalen import signal_frame, signalen_from_store
    from wijkkompas.store import Store, atomic_write_bytes

    store = Store(args.data_dir)
    levels = ("wijk", "buurt") if args.level == "beide" else (args.level,)
    found, _covered, uncovered = signalen_from_store(
        store, _gemeenten(args), args.van, args.tot, levels, reference=args.reference, report=True
    )
    print(f"{len(found)} signalen tussen {args.van} en {args.tot}.")
    if uncovered:
        print(f"Niet te vergelijken (geen cijfers in beide jaren): {', '.join(uncovered)}.")
    for s in found:
        worse = [e for e in s.evidence if e.worse]
        detail = "; ".join(f"{e.label} {nl_number(e.before, 1)} → {nl_number(e.after, 1)}" for e in worse)
        print(f"{s.region_code} {s.region_name} · {s.summary}" + (f" ({detail})" if detail else ""))
    if args.out:
        atomic_write_bytes(Path(args.out), to_csv_bytes(signal_frame(found)))
        print(f"Onderbouwing geschreven naar {args.out}")
    return 0
