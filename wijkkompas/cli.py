"""`python -m wijkkompas …`: ingest, export, status, catalogue check, seed.

Messages are Dutch because the data team reads them; a failure prints what is wrong and what to do,
and exits non-zero, never with a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wijkkompas.errors import SourceError, StoreCorrupt

TWENTE = ["GM0164", "GM0153", "GM0141"]


def _progress():
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", leave=False, file=sys.stderr, disable=not sys.stderr.isatty())
    state = {"last": 0}

    def update(message: str, fraction: float) -> None:
        bar.set_description(message)
        now = int(fraction * 100)
        bar.update(max(now - state["last"], 0))
        state["last"] = now
        if fraction >= 1:
            bar.close()

    return update


def _years(text: str | None) -> list[int] | None:
    if not text:
        return None
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def cmd_ingest(args) -> int:
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(args.data_dir)
    years = _years(args.years)
    if args.source == "cbs":
        from wijkkompas.fetch import fetch_online

        fetched = fetch_online(store, args.gemeente, years, progress=_progress(), refresh=args.refresh)
        print("Ophalen:")
        for line in fetched.lines():
            print(f"  {line}")
        source = fetched.raw
        years = years or fetched.years()
    else:
        source = Path(args.source)
    report = ingest(source, store, args.gemeente or None, years, progress=_progress())
    for line in report.lines():
        print(line)
    if not report.ok:
        print("Er is niets ingelezen.", file=sys.stderr)
        return 1
    return 0


def cmd_export(args) -> int:
    from wijkkompas.exporting import export_table
    from wijkkompas.store import Store

    store = Store(args.data_dir)
    frame = export_table(store, args.gemeente, args.year, args.level, shape=args.shape)
    if frame.empty:
        print(
            f"Geen cijfers voor {', '.join(args.gemeente)} in {args.year} op niveau {args.level}. "
            "Kijk met 'python -m wijkkompas status' wat er geladen is.",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out) if args.out else None
    fmt = args.format or (out.suffix.lstrip(".") if out and out.suffix else "csv")
    from wijkkompas.exporting import to_csv_bytes, to_xlsx_bytes
    from wijkkompas.store import atomic_write_bytes

    data = to_xlsx_bytes(frame) if fmt == "xlsx" else to_csv_bytes(frame)
    if out is None:
        if fmt == "xlsx":
            print("Geef --out BESTAND.xlsx op voor Excel.", file=sys.stderr)
            return 2
        sys.stdout.write(data.decode("utf-8-sig"))
    else:
        atomic_write_bytes(out, data)
        print(f"{len(frame)} rijen geschreven naar {out}")
    return 0


def cmd_status(args) -> int:
    from wijkkompas.status import store_status

    status = store_status(args.data_dir, verify=args.verify)
    print(status.text())
    return 1 if status.problems else 0


def cmd_repair(args) -> int:
    """Check every stored file and rebuild what is damaged from the kept sources (never wipes)."""
    from wijkkompas.repair import heal
    from wijkkompas.store import Store

    report = heal(Store(args.data_dir), progress=_progress())
    for line in report.lines():
        print(line)
    return 1 if report.lost else 0


def cmd_catalogue(args) -> int:
    from wijkkompas.catalogue.catalogue import load_catalogue
    from wijkkompas.catalogue.check import check_source, format_check

    catalogue = load_catalogue()
    source = Path(args.source) if args.source else _default_seed_dir()
    if source is None or not source.exists():
        print("Geef met --source een map met CBS-metadata (DataProperties) of KWB-bestanden op.", file=sys.stderr)
        return 2
    checks = check_source(catalogue, source)
    print(f"Catalogus: {len(catalogue)} indicatoren. Bron: {source}")
    print(format_check(checks, len([i for i in catalogue if i.table == "kwb"])))
    return 0 if checks else 1


def _default_seed_dir() -> Path | None:
    env = os.environ.get("WIJKKOMPAS_SEED_DIR")
    if env:
        return Path(env)
    candidate = Path(__file__).resolve().parents[2] / "shared" / "data"
    return candidate if candidate.exists() else None


def cmd_seed(args) -> int:
    """Fill an empty store without network, so a fresh checkout starts with real data."""
    from wijkkompas.ingest import ingest
    from wijkkompas.store import Store

    store = Store(args.data_dir)
    if not store.is_empty() and not args.force:
        print("De gegevensmap is al gevuld; niets gedaan.")
        return 0
    seed = _default_seed_dir()
    if seed is None or not seed.exists():
        print(
            "Geen map met startgegevens gevonden (WIJKKOMPAS_SEED_DIR of ../shared/data). De app start leeg; "
            "haal gegevens op via de startpagina.",
        )
        return 0
    from wijkkompas.access import can_write

    if not can_write():  # `make run` on a viewer's machine must still start the app, just empty
        print(
            "U kijkt als kijker (WIJKKOMPAS_ROLE=viewer): startgegevens laden kan alleen de beheerder. De app start leeg."
        )
        return 0
    gemeenten = [
        g.strip() for g in os.environ.get("WIJKKOMPAS_SEED_GEMEENTEN", ",".join(TWENTE)).split(",") if g.strip()
    ]
    print(f"Startgegevens laden uit {seed} voor {', '.join(gemeenten)} …")
    report = ingest(seed, store, gemeenten, progress=_progress())
    for line in report.lines():
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m wijkkompas", description="Wijkkompas: gegevens laden en uitvoeren.")
    p.add_argument("--data-dir", default=None, help="gegevensmap (standaard: WIJKKOMPAS_DATA_DIR of ./data)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="CBS-gegevens in de opslag zetten")
    s.add_argument("--source", required=True, help="een map met CBS-bestanden, of 'cbs' om online op te halen")
    s.add_argument("--gemeente", action="append", default=[], help="gemeentecode, bijv. GM0164 (herhaalbaar)")
    s.add_argument("--years", help="jaren, bijv. 2017,2024 of 2015-2024")
    s.add_argument(
        "--refresh", action="store_true", help="met --source cbs: alles opnieuw downloaden, ook wat er al is"
    )
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("export", help="cijfers uitvoeren als CSV of Excel")
    s.add_argument("--gemeente", action="append", required=True)
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--level", choices=["buurt", "wijk", "gemeente"], required=True)
    s.add_argument("--shape", choices=["long", "wide"], default="long")
    s.add_argument("--format", choices=["csv", "xlsx"])
    s.add_argument("--out")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("status", help="wat er geladen is")
    s.add_argument("--verify", action="store_true", help="ook elk opgeslagen bestand controleren (controlegetal)")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("repair", help="opgeslagen bestanden controleren en herstellen uit de bronnen")
    s.set_defaults(func=cmd_repair)

    s = sub.add_parser("catalogue", help="de indicatorcatalogus controleren")
    s.add_argument("action", choices=["check"])
    s.add_argument("--source", help="map met CBS-metadata of KWB-bestanden (standaard ../shared/data)")
    s.set_defaults(func=cmd_catalogue)

    s = sub.add_parser("seed", help="een lege opslag vullen met de startgegevens (zonder internet)")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_seed)

    import importlib
    import pkgutil

    import wijkkompas.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"wijkkompas.commands.{info.name}").register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from wijkkompas.store import Store, wait_notifier

    parser = build_parser()
    args = parser.parse_args(argv)
    token = wait_notifier.set(lambda msg: print(msg, file=sys.stderr))
    store = Store(args.data_dir)
    try:
        with contextlib.suppress(StoreCorrupt):
            store.pin()  # one command reads one version of the store, whatever writers do meanwhile
        return int(args.func(args) or 0)
    except SourceError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1
    except StoreCorrupt as exc:
        print(
            f"Fout: een opgeslagen bestand is beschadigd ({exc.path.name}: {exc.reason}). Herstel de opslag met "
            "'python -m wijkkompas repair' en probeer het opnieuw.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
    finally:
        store.unpin()
        wait_notifier.reset(token)
