"""`python -m wijkkompas scores`: every region × indicator of a score as CSV, so the sum can be checked by hand.

Columns: region_code, score, theme, indicator, value, normalised, weight, contribution, score_value.
`weight` is the effective weight in the score for that region (after leaving out missing values), so
for every region: score_value = 100 + Σ contribution, and contribution = 10 × weight × normalised.
"""

from __future__ import annotations

import sys
from pathlib import Path

CSV_COLUMNS = [
    "region_code",
    "score",
    "theme",
    "indicator",
    "value",
    "normalised",
    "weight",
    "contribution",
    "score_value",
]


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "scores",
        help="leefbaarheid of veerkracht per buurt of wijk als CSV, met de bijdrage van elk cijfer",
        description="Schrijft per gebied en cijfer: waarde, genormaliseerde waarde, gewicht en bijdrage aan de score.",
    )
    s.add_argument("--gemeente", action="append", required=True, help="gemeentecode, bijv. GM0164 (herhaalbaar)")
    s.add_argument("--year", type=int, required=True, help="jaar van de cijfers, bijv. 2024")
    s.add_argument("--level", choices=["buurt", "wijk"], required=True)
    s.add_argument("--score", default="leefbaarheid", help="leefbaarheid (standaard) of veerkracht")
    s.add_argument(
        "--definition",
        help="een eigen scoredefinitie: de naam van een op de pagina Scores bewaarde, of een TOML-bestand",
    )
    s.add_argument("--method", choices=["z", "percentiel"], help="normalisatie (standaard: uit de definitie)")
    s.add_argument(
        "--reference",
        choices=["gemeente", "selectie", "alles"],
        help="100 = gemiddelde van de eigen gemeente, de gekozen gemeenten samen, of alle geladen gemeenten",
    )
    s.add_argument("--out", required=True, help="het CSV-bestand om te schrijven")
    s.set_defaults(func=run)


def run(args) -> int:
    from wijkkompas.errors import SourceError
    from wijkkompas.exporting import indicator_catalogue, to_csv_bytes
    from wijkkompas.scores import compute, default_definitions, read_definition_file
    from wijkkompas.scores.saved import list_saved, slug
    from wijkkompas.store import Store, atomic_write_bytes

    store = Store(args.data_dir)
    gemeenten = [g.strip().upper() for g in args.gemeente if g.strip()]
    known = set(indicator_catalogue(store).all())
    if args.definition:
        saved = list_saved(store, known=known).definitions.get(slug(args.definition))
        definition = saved if saved is not None else read_definition_file(args.definition, known=known)
    else:
        defaults = default_definitions()
        if args.score not in defaults:
            raise SourceError(f"Onbekende score '{args.score}'. Kies uit: {', '.join(defaults)}.")
        definition = defaults[args.score]
    definition = definition.with_settings(method=args.method, reference=args.reference)
    if args.year not in store.years():
        loaded = ", ".join(map(str, store.years())) or "geen"
        raise SourceError(f"Er zijn geen cijfers van {args.year} geladen (wel: {loaded}). Laad ze eerst met 'ingest'.")
    pool = gemeenten
    if definition.reference == "alles":
        pool = sorted(set(store.gemeenten()["gemeente_code"]) | set(gemeenten))
    values = store.load_values(pool, args.year, args.level)
    found = set(values["gemeente_code"].dropna().unique())
    unknown = [g for g in gemeenten if g not in found]
    if unknown:
        raise SourceError(
            f"Geen cijfers op {args.level}niveau in {args.year} voor {', '.join(unknown)}. "
            "Kijk met 'python -m wijkkompas status' welke gemeenten geladen zijn."
        )
    result = compute(values, definition, year=args.year, level=args.level)
    frame = result.long()
    shown = set(result.table(gemeenten=gemeenten)["region_code"])
    frame = frame[frame["region_code"].isin(shown)][CSV_COLUMNS]
    out = Path(args.out)
    atomic_write_bytes(out, to_csv_bytes(frame))
    table = result.table(gemeenten=gemeenten)
    scored = int(table["score"].notna().sum())
    print(
        f"{definition.display_name}: {len(table)} gebieden, {scored} met een score; {len(frame)} rijen geschreven naar {out}"
    )
    coverage = result.theme_coverage()
    lacking = coverage[coverage["status"] != "ok"]
    for row in lacking.itertuples():
        print(f"Thema '{row.label}': onvoldoende gegevens in {args.year} (geen cijfers voor: {', '.join(row.absent)}).")
    if scored == 0:
        print(
            "Geen enkel gebied heeft een totaalscore: te weinig thema's hebben genoeg cijfers. De kolommen value en "
            "normalised zijn wel ingevuld.",
            file=sys.stderr,
        )
    return 0
