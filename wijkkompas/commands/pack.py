"""`python -m wijkkompas pack export|import`: carry the data for some gemeenten to a laptop without internet.

    python -m wijkkompas pack export --gemeente GM0164 [--gemeente GM0153 …] --out hengelo.wkpakket
    python -m wijkkompas pack import hengelo.wkpakket [--overwrite]

Exit codes: 0 done; 1 the pack or the data could not be used (nothing changed); 2 wrong use of the
command; 3 this computer has newer data and --overwrite was not given (nothing changed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CONFLICT = 3


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pack",
        help="gegevenspakket maken of installeren (werken zonder internet)",
        description="Een gegevenspakket maakt u op kantoor en installeert u op een laptop zonder internet.",
    )
    sub = p.add_subparsers(dest="pack_action", required=True)
    e = sub.add_parser("export", help="een pakket maken met de gegevens van een of meer gemeenten")
    e.add_argument("--gemeente", action="append", default=[], help="gemeentecode, bijv. GM0164 (herhaalbaar)")
    e.add_argument("--out", required=True, help="het pakketbestand dat wordt gemaakt, bijv. hengelo.wkpakket")
    e.set_defaults(func=run_export)
    i = sub.add_parser("import", help="een pakket installeren")
    i.add_argument("file", help="het pakketbestand")
    i.add_argument("--overwrite", action="store_true", help="ook nieuwere gegevens op deze computer vervangen")
    i.set_defaults(func=run_import)


def _data_dir(args):
    from wijkkompas.store import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def run_export(args: argparse.Namespace) -> int:
    from wijkkompas.errors import SourceError
    from wijkkompas.pack import export_pack

    if not args.gemeente:
        print("Fout: geef minstens één gemeente op, bijvoorbeeld: --gemeente GM0164", file=sys.stderr)
        return EXIT_USAGE
    t0 = time.perf_counter()
    try:
        summary = export_pack(_data_dir(args), args.gemeente, args.out)
    except SourceError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_FAILED
    from wijkkompas.formatting import nl_number

    size = nl_number(summary.bytes / 1024, 0)
    seconds = nl_number(time.perf_counter() - t0, 1)
    print(f"Pakket geschreven: {args.out} ({size} kB, {summary.files} bestanden, {seconds} s)")
    for line in summary.lines():
        print(line)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from wijkkompas.errors import SourceError
    from wijkkompas.pack import import_pack

    path = Path(args.file)
    try:
        result = import_pack(path, _data_dir(args), overwrite=args.overwrite)
    except SourceError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not result.installed:
        for line in result.lines():
            print(line, file=sys.stderr)
        print(f"Opnieuw met vervangen: python -m wijkkompas pack import {path} --overwrite", file=sys.stderr)
        return EXIT_CONFLICT
    for line in result.lines():
        print(line)
    return 0
