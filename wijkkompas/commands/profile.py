"""`python -m wijkkompas profile`: wijkprofielen as PDF or HTML, one wijk or all wijken of a gemeente.

For a team that prepares all its wijkgesprekken at once: one command, one file per wijk, a progress
bar, and a Dutch message (no traceback) for a wrong code or year. A wijk that fails does not stop
the batch; it is listed at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from wijkkompas.errors import SourceError
from wijkkompas.export.names import profile_file_stem

FORMATS = ("pdf", "html")


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "profile",
        help="wijkprofiel als PDF of HTML (één wijk, of alle wijken van een gemeente)",
        description="Maak het wijkprofiel van één wijk of buurt (--regio), of van alle wijken van een gemeente (--gemeente … --all).",
    )
    s.add_argument("--regio", help="code van de wijk of buurt, bijv. WK016401 of BU01640101")
    s.add_argument("--gemeente", help="gemeentecode voor --all, bijv. GM0164")
    s.add_argument(
        "--all", action="store_true", help="alle wijken van --gemeente, één bestand per wijk in --out (een map)"
    )
    s.add_argument("--year", type=int, help="jaar van de cijfers (standaard het laatste jaar)")
    s.add_argument("--format", choices=FORMATS, help="pdf of html (standaard: volgens --out, anders pdf)")
    s.add_argument("--out", required=True, help="bestand (één profiel) of map (--all)")
    s.set_defaults(func=run)


def _format(args, out: Path) -> str:
    if args.format:
        return args.format
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "pdf"


def run(args) -> int:
    from wijkkompas.store import Store, atomic_write_bytes

    store = Store(args.data_dir)
    if store.is_empty():
        print(
            "Er zijn nog geen gegevens geladen. Laad eerst gegevens met 'python -m wijkkompas ingest'.", file=sys.stderr
        )
        return 1
    out = Path(args.out)
    if args.all:
        if not args.gemeente:
            print("Geef bij --all ook --gemeente op, bijvoorbeeld --gemeente GM0164.", file=sys.stderr)
            return 2
        return _batch(store, args.gemeente.strip().upper(), args.year, args.format or "pdf", out)
    if not args.regio:
        print("Geef --regio (een wijk of buurt) op, of --gemeente GM… --all voor alle wijken.", file=sys.stderr)
        return 2
    from wijkkompas.export import export_profile

    fmt = _format(args, out)
    if out.is_dir():
        raise SourceError(
            f"{out} is een map. Geef bij --regio een bestandsnaam op, bijvoorbeeld {out}/wijkprofiel.{fmt}."
        )
    started = time.perf_counter()
    profile, data = export_profile(store, args.regio, args.year, fmt, strict_year=True)
    atomic_write_bytes(out, data)
    print(
        f"Wijkprofiel {profile.header.name} ({profile.header.code}, {profile.header.year}) geschreven naar {out} "
        f"({len(data) // 1024} kB, {time.perf_counter() - started:.1f} s)."
    )
    return 0


def _batch(store, gemeente: str, year: int | None, fmt: str, out: Path) -> int:
    from tqdm import tqdm

    from wijkkompas.export import export_profile
    from wijkkompas.profile import wijken_of
    from wijkkompas.store import atomic_write_bytes

    if out.exists() and not out.is_dir():
        raise SourceError(f"{out} is een bestand. Geef bij --all een map op; daar komt één bestand per wijk in.")
    regions = store.regions(gemeenten=[gemeente])
    if regions.empty:
        raise SourceError(
            f"Gemeente {gemeente} is niet geladen. Laad haar eerst: python -m wijkkompas ingest --source cbs --gemeente {gemeente}"
        )
    if year is not None and year not in set(regions["year"].astype(int)):
        years = ", ".join(str(y) for y in sorted(set(regions["year"].astype(int))))
        raise SourceError(f"Voor {gemeente} zijn geen cijfers over {year} geladen; wel over {years}.")
    wijken = wijken_of(regions, gemeente, year)
    if wijken.empty:
        raise SourceError(f"Gemeente {gemeente} heeft geen wijken in de geladen gegevens.")
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    written = 0
    started = time.perf_counter()
    for code in tqdm(list(wijken["region_code"]), desc=f"Wijkprofielen {gemeente}", unit="wijk", file=sys.stderr):
        try:
            profile, data = export_profile(store, code, year, fmt, strict_year=year is not None)
        except SourceError as exc:
            failed.append(f"{code}: {exc}")
            continue
        name = f"{profile_file_stem(code, profile.header.name, profile.header.year)}.{fmt}"
        atomic_write_bytes(out / name, data)
        written += 1
    print(f"{written} wijkprofielen geschreven naar {out} in {time.perf_counter() - started:.1f} s.")
    for line in failed:
        print(f"Niet gelukt: {line}", file=sys.stderr)
    return 0 if not failed else 1
