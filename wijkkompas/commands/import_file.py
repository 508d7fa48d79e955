"""`python -m wijkkompas import FILE`: check and store the gemeente's own figures from CSV or Excel.

Prints the same Dutch validation report as the Eigen gegevens page. `--dry-run` stores nothing.
`--list` shows the uploads, `--delete ID` removes one. Exit codes: 0 stored (or checked, with
--dry-run); 1 nothing could be matched or read;
3 rows still have problems and --partial was not given (nothing stored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_NOTHING = 1
EXIT_PROBLEMS = 3


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import",
        help="eigen cijfers (CSV of Excel) controleren en opslaan",
        description="Eigen cijfers per buurt of wijk controleren en opslaan, zoals op de pagina Eigen gegevens.",
    )
    p.add_argument("file", nargs="?", help="het CSV- of Excel-bestand (.csv, .txt, .xlsx)")
    p.add_argument("--sheet", help="het tabblad (Excel); standaard het eerste met gegevens")
    p.add_argument("--year", type=int, help="het jaar van de cijfers, als het bestand geen kolom 'jaar' heeft")
    p.add_argument("--label", help="de naam van het cijfer (alleen bij één kolom met cijfers, of met --column)")
    p.add_argument("--unit", help="de eenheid, bijv. aantal, %%, per 1.000 inwoners")
    p.add_argument("--better", choices=["higher", "lower", "neutral"], help="is hoger beter, lager beter of neutraal")
    p.add_argument("--theme", help="thema-id, bijv. veiligheid, wonen, zorg (standaard: eigen)")
    p.add_argument("--source-org", dest="source_org", help="wie de cijfers levert, bijv. 'Woningcorporatie Welbions'")
    p.add_argument("--definition", help="een zin die zegt wat het cijfer is")
    p.add_argument(
        "--aggregate",
        choices=["none", "sum", "weighted_mean"],
        help="wijkcijfers uit buurten: niet, optellen, gewogen gemiddelde",
    )
    p.add_argument("--column", action="append", default=[], help="alleen deze kolom(men) met cijfers (herhaalbaar)")
    p.add_argument("--region-column", dest="region_column", help="de kolom met buurt- of wijkcodes of -namen")
    p.add_argument(
        "--gemeente", action="append", default=[], help="gemeentecode waar het bestand over gaat (voor de controle)"
    )
    p.add_argument(
        "--privacy-threshold",
        dest="privacy_threshold",
        type=int,
        default=50,
        help="minder inwoners dan dit = klein gebied (standaard 50)",
    )
    p.add_argument(
        "--show-small", dest="show_small", action="store_true", help="cijfers van kleine gebieden niet verbergen"
    )
    p.add_argument("--partial", action="store_true", help="alleen de rijen opslaan die kloppen")
    p.add_argument("--replace", help="id van een eerder ingelezen bestand dat dit bestand vervangt")
    p.add_argument("--list", dest="list_only", action="store_true", help="toon de ingelezen bestanden en stop")
    p.add_argument(
        "--delete", metavar="ID", help="verwijder een eerder ingelezen bestand en zijn cijfers (id uit --list)"
    )
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="alleen controleren, niets opslaan")
    p.set_defaults(func=run)


def _print_uploads(store) -> int:
    from wijkkompas.userdata import list_uploads

    uploads = list_uploads(store)
    if not uploads:
        print("Er zijn nog geen eigen gegevens ingelezen.")
        return 0
    for up in uploads:
        labels = ", ".join(m.label for m in up.indicators)
        print(
            f"{up.id}  {up.file_name}  {up.uploaded[:10]}  jaar {', '.join(map(str, up.years))}  {up.regions} gebieden  {labels}"
        )
    return 0


def run(args: argparse.Namespace) -> int:
    from wijkkompas.errors import SourceError
    from wijkkompas.store import Store
    from wijkkompas.userdata import check_table, import_analysis, read_file
    from wijkkompas.userdata.metadata import better_from_cli
    from wijkkompas.userdata.service import inhabitants, options_of

    store = Store(args.data_dir)
    if args.list_only:
        return _print_uploads(store)
    if args.delete:
        from wijkkompas.userdata import delete_upload

        try:
            up = delete_upload(store, args.delete)
        except SourceError as exc:
            print(f"Fout: {exc}", file=sys.stderr)
            return EXIT_NOTHING
        print(f"Verwijderd: '{up.file_name}' ({up.id}) en de cijfers eruit.")
        return 0
    if not args.file:
        print("Fout: geef het bestand op, bijvoorbeeld: python -m wijkkompas import meldingen.csv", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Fout: '{path}' kan niet worden gelezen ({exc.strerror}).", file=sys.stderr)
        return EXIT_NOTHING
    try:
        table = read_file(data, path.name, args.sheet)
        columns = None
        if args.column or args.region_column:
            from dataclasses import replace

            from wijkkompas.userdata import detect_columns

            columns = detect_columns(table)
            if args.region_column:
                columns = replace(
                    columns,
                    region=args.region_column,
                    name=None if columns.name == args.region_column else columns.name,
                )
            if args.column:
                columns = replace(columns, values=list(args.column))
        analysis = check_table(
            table,
            store,
            columns=columns,
            year=args.year,
            scope=[g.upper() for g in args.gemeente] or None,
            privacy_threshold=args.privacy_threshold,
            replace=args.replace,
            data=data,
        )
    except SourceError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    for line in analysis.report.lines():
        print(line)
    metas = dict(analysis.metas)
    if args.label and len(metas) > 1 and not args.column:
        print("Fout: --label geldt voor één kolom; kies die kolom met --column.", file=sys.stderr)
        return 2
    for meta in metas.values():
        if args.label:
            meta.label = args.label
        if args.unit is not None:
            meta.unit = args.unit
        if args.better:
            meta.better = better_from_cli(args.better) or meta.better
        if args.theme:
            meta.theme = args.theme
        if args.source_org:
            meta.source = args.source_org
        if args.definition:
            meta.definition = args.definition
        if args.aggregate:
            meta.aggregate = args.aggregate
    report = analysis.report
    if not report.can_import(partial=True):
        print("Niets opgeslagen: er is niets dat gekoppeld kon worden.", file=sys.stderr)
        return EXIT_NOTHING
    if args.dry_run:
        print(f"Proefrun: niets opgeslagen. Zonder --dry-run worden {report.n_matched} rijen opgeslagen.")
        return 0
    if report.blocking and not args.partial:
        print(
            f"Niets opgeslagen: {report.n_problem_rows} rijen zijn nog niet gekoppeld. Verbeter het bestand, of geef "
            f"--partial om alleen de {report.n_matched} rijen die kloppen op te slaan.",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    try:
        upload = import_analysis(
            store,
            analysis,
            data,
            metas,
            partial=args.partial,
            hide_small=not args.show_small,
            replace=args.replace,
            inwoners=inhabitants(store),
            options=options_of(analysis, None, args.year),
        )
    except SourceError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    ids = ", ".join(f"{m.label} ({m.id})" for m in upload.indicators)
    print(
        f"Opgeslagen als '{upload.id}': {upload.imported_rows} rijen, jaar {', '.join(map(str, upload.years))}. Cijfers: {ids}."
    )
    return 0
