"""Online: download CBS tables, police figures, Leefbaarometer scores and PDOK maps into `data/raw/`.

Downloads land in the raw folder and stay there, so every figure can be traced to the file CBS
sent, and a damaged store can be rebuilt without the network; ingest then reads that folder like
any other.

A fetch is a list of small tasks (per year: the KWB table, the police figures, the Leefbaarometer,
the map per level), run one after the other under one progress bar. What each task did is kept in
``raw/downloads.json``: a task whose files are already there for the same gemeenten is not
downloaded again, so a fetch that stopped halfway (a lost connection, a closed laptop) continues
where it was, and "opnieuw proberen" retries only what failed. Every outcome ends up in a Dutch
summary per year (`FetchReport.lines`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from wijkkompas.catalogue.catalogue import load_catalogue
from wijkkompas.errors import NotAvailable, SourceError
from wijkkompas.sources.folder import DOWNLOAD_LOG
from wijkkompas.sources.http import write_json_atomic
from wijkkompas.store import Store

LEVELS = ("buurt", "wijk", "gemeente")
LEVEL_PLURAL = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeente"}
PARTS = ("kwb", "crime", "lbm", "maps")
FETCHED, REUSED, UNAVAILABLE, FAILED = "opgehaald", "al aanwezig", "niet beschikbaar", "mislukt"
# Which service a task talks to: after "no connection" to one, the run does not ask it again.
SERVICE = {"kwb": "cbs", "crime": "politie", "lbm": "leefbaarometer", "lbm-download": "leefbaarometer", "map": "pdok"}


@dataclass(frozen=True)
class Task:
    """One download: `key` identifies it in downloads.json and for a retry."""

    key: str
    year: int
    kind: str  # kwb | crime | lbm | lbm-download | map
    label: str  # Dutch, for the progress bar and the summary
    level: str | None = None
    table: str | None = None


@dataclass
class TaskResult:
    task: Task
    state: str  # FETCHED, REUSED, UNAVAILABLE or FAILED
    message: str = ""


@dataclass
class FetchReport:
    """What an online fetch did, per task; `lines()` is the Dutch summary a person reads."""

    raw: Path
    results: list[TaskResult] = field(default_factory=list)

    @property
    def failed(self) -> list[Task]:
        return [r.task for r in self.results if r.state == FAILED]

    @property
    def usable(self) -> bool:
        """Something is in the raw folder to ingest (fetched now or before)."""
        return any(r.state in (FETCHED, REUSED) for r in self.results)

    def years(self) -> list[int]:
        return sorted({r.task.year for r in self.results if r.task.year})

    def rows(self) -> list[dict[str, str]]:
        """One row per task: Jaar, Onderdeel, Uitkomst, Toelichting (for a table on the Start page)."""
        return [
            {
                "Jaar": str(r.task.year) if r.task.year else "",
                "Onderdeel": r.task.label,
                "Uitkomst": r.state,
                "Toelichting": r.message,
            }
            for r in sorted(self.results, key=lambda r: (r.task.year, _order(r.task)))
        ]

    def lines(self) -> list[str]:
        """Per year one line with what was fetched or reused, then what is not there, then failures."""
        out: list[str] = []
        for year in self.years():
            mine = [r for r in self.results if r.task.year == year]
            done = [r for r in mine if r.state in (FETCHED, REUSED)]
            if done:
                parts = [f"{r.task.label} ({'al aanwezig' if r.state == REUSED else 'opgehaald'})" for r in done]
                out.append(f"{year}: " + ", ".join(parts) + ".")
            else:
                out.append(f"{year}: niets opgehaald.")
        no_map = sorted({r.task.year for r in self.results if r.task.kind == "map" and r.state == UNAVAILABLE})
        if no_map:
            out.append(
                f"Geen kaart beschikbaar bij PDOK voor {_years_text(no_map)}. Op de kaart gebruikt Wijkkompas voor die "
                "jaren de grenzen van het dichtstbijzijnde jaar met een kaart."
            )
        no_lbm = sorted({r.task.year for r in self.results if r.task.kind == "lbm" and r.state == UNAVAILABLE})
        if no_lbm:
            out.append(f"Geen Leefbaarometer voor {_years_text(no_lbm)}: {_first_message(self.results, 'lbm', no_lbm)}")
        other = [r for r in self.results if r.state == UNAVAILABLE and r.task.kind not in ("map", "lbm")]
        out += [f"Niet beschikbaar — {r.task.year} {r.task.label}: {r.message}" for r in other]
        # One line per reason: an offline laptop gets one line about the connection, not one per map.
        by_reason: dict[str, list[str]] = {}
        for r in self.results:
            if r.state == FAILED:
                by_reason.setdefault(r.message, []).append(f"{r.task.year} {r.task.label}")
        out += [f"Mislukt — {_and(parts)}: {reason}" for reason, parts in by_reason.items()]
        return out


def _order(task: Task) -> int:
    return ["kwb", "crime", "lbm", "lbm-download", "map"].index(task.kind)


def _and(parts: Sequence[str]) -> str:
    parts = list(parts)
    return ", ".join(parts[:-1]) + f" en {parts[-1]}" if len(parts) > 1 else parts[0]


def _years_text(years: Sequence[int]) -> str:
    years = list(years)
    return ", ".join(map(str, years[:-1])) + f" en {years[-1]}" if len(years) > 1 else str(years[0])


def _first_message(results: list[TaskResult], kind: str, years: list[int]) -> str:
    return next((r.message for r in results if r.task.kind == kind and r.task.year in years and r.message), "")


# --------------------------------------------------------------------------- planning


def plan(
    gemeenten: Sequence[str], years: Sequence[int], parts: Iterable[str] = PARTS
) -> tuple[list[Task], list[TaskResult]]:
    """The tasks for `years`, and the outcomes known without asking anybody (no table, no measurement)."""
    from wijkkompas.sources.leefbaarometer import config as lbm_config

    catalogue = load_catalogue()
    parts = set(parts)
    lbm = lbm_config()
    tasks: list[Task] = []
    known: list[TaskResult] = []
    for year in sorted(set(years)):
        if "kwb" in parts:
            table = catalogue.kwb_years.get(year)
            task = Task(
                f"kwb:{year}",
                year,
                "kwb",
                f"kerncijfers ({table.id if table else 'geen tabel'})",
                table=table.id if table else None,
            )
            if table is None:
                known.append(
                    TaskResult(
                        task, UNAVAILABLE, f"Voor {year} kent Wijkkompas geen CBS-tabel (zie catalogue/tables.toml)."
                    )
                )
            else:
                tasks.append(task)
        if "crime" in parts:
            tasks.append(
                Task(
                    f"crime:{year}", year, "crime", f"misdrijven ({catalogue.crime_table})", table=catalogue.crime_table
                )
            )
        if "lbm" in parts:
            if year not in lbm.years:
                shown = ", ".join(str(y) for y in lbm.years if y >= 2012)
                known.append(
                    TaskResult(
                        Task(f"lbm:{year}", year, "lbm", "Leefbaarometer"),
                        UNAVAILABLE,
                        f"de Leefbaarometer meet om de twee jaar ({shown}).",
                    )
                )
            elif year in lbm.wfs_years:
                tasks += [
                    Task(f"lbm:{year}:{lvl}", year, "lbm", f"Leefbaarometer {LEVEL_PLURAL[lvl]}", level=lvl)
                    for lvl in LEVELS
                ]
            else:
                tasks.append(
                    Task(
                        f"lbm-download:{lbm.edition}", year, "lbm-download", f"Leefbaarometer (download {lbm.edition})"
                    )
                )
        if "maps" in parts:
            tasks += [Task(f"map:{year}:{lvl}", year, "map", f"kaart {LEVEL_PLURAL[lvl]}", level=lvl) for lvl in LEVELS]
    # One download serves every year of an edition.
    seen: set[str] = set()
    unique = []
    for t in tasks:
        if t.key not in seen:
            seen.add(t.key)
            unique.append(t)
    return unique, known


# --------------------------------------------------------------------------- the download log


def _read_log(raw: Path) -> dict:
    path = raw / DOWNLOAD_LOG
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _already_done(log: dict, task: Task, gemeenten: Sequence[str], raw: Path) -> bool:
    entry = log.get(task.key)
    if not isinstance(entry, dict):
        return False
    if not set(gemeenten) <= set(entry.get("gemeenten") or []):
        return False
    files = entry.get("files") or []
    return bool(files) and all((raw / f).exists() for f in files)


def _record(raw: Path, log: dict, task: Task, gemeenten: Sequence[str], paths: Iterable[Path]) -> None:
    files = []
    for p in paths:
        p = Path(p)
        try:
            files.append(str(p.resolve().relative_to(raw.resolve())))
        except ValueError:
            files.append(str(p))
    log[task.key] = {
        "gemeenten": sorted(gemeenten),
        "files": files,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json_atomic(raw / DOWNLOAD_LOG, log, indent=2)


# --------------------------------------------------------------------------- running


def fetch_online(
    store: Store,
    gemeenten: Sequence[str],
    years: Sequence[int] | None,
    progress: Callable[[str, float], None] | None = None,
    *,
    v3=None,
    v4=None,
    pdok=None,
    police=None,
    leefbaarometer=None,
    parts: Iterable[str] = PARTS,
    only: Iterable[str] | None = None,
    refresh: bool = False,
) -> FetchReport:
    """Download what `years` need for `gemeenten` into the store's raw folder; return what happened.

    `only` limits the run to those task keys (a retry of what failed); `refresh` downloads again
    even what downloads.json says is already there. One failing task never stops the others. If
    nothing at all is usable afterwards, the Dutch error of the first failure is raised, so the
    user learns what to do.
    """
    from wijkkompas.sources.cbs_odata import CbsODataSource, normalise_gemeenten
    from wijkkompas.sources.cbs_odata4 import CbsODataV4Source
    from wijkkompas.sources.leefbaarometer import LeefbaarometerSource
    from wijkkompas.sources.pdok import PdokSource
    from wijkkompas.sources.police import PoliceSource

    if not gemeenten:
        raise SourceError("Kies eerst minstens één gemeente om op te halen.")
    codes = normalise_gemeenten(gemeenten)
    catalogue = load_catalogue()
    years = sorted(years or [max(catalogue.kwb_years)])
    tasks, known = plan(codes, years, parts)
    if only is not None:
        wanted = set(only)
        tasks = [t for t in tasks if t.key in wanted]
        known = []
    sources = {
        "v3": v3 or CbsODataSource(),
        "v4": v4 or CbsODataV4Source(),
        "pdok": pdok or PdokSource(),
        "police": police or PoliceSource(),
        "lbm": leefbaarometer or LeefbaarometerSource(),
    }
    say = progress or (lambda msg, frac: None)
    raw = store.raw_root
    raw.mkdir(parents=True, exist_ok=True)
    log = {} if refresh else _read_log(raw)
    report = FetchReport(raw, list(known))
    offline: dict[str, str] = {}  # service -> the "no connection" message of this run
    for i, task in enumerate(tasks):
        say(f"{task.year}: {task.label} ({i + 1} van {len(tasks)})", i / max(len(tasks), 1))
        if not refresh and _already_done(log, task, codes, raw):
            report.results.append(TaskResult(task, REUSED, "eerder gedownload; opnieuw gebruikt"))
            continue
        service = SERVICE[task.kind]
        if service in offline:
            # That service could not be reached a moment ago; do not wait through the retries again.
            report.results.append(TaskResult(task, FAILED, offline[service]))
            continue
        try:
            paths = _run(task, codes, raw, sources, catalogue)
        except NotAvailable as exc:
            report.results.append(TaskResult(task, UNAVAILABLE, str(exc)))
            continue
        except SourceError as exc:
            if getattr(exc, "unreachable", False):
                offline[service] = str(exc)
            report.results.append(TaskResult(task, FAILED, str(exc)))
            continue
        _record(raw, log, task, codes, paths)
        report.results.append(TaskResult(task, FETCHED))
    say("Downloads klaar", 1.0)
    if not report.usable:
        first = next((r for r in report.results if r.state == FAILED), None) or next(
            (r for r in report.results if r.state == UNAVAILABLE), None
        )
        raise SourceError(first.message if first else "Er was niets op te halen voor de gekozen jaren.")
    return report


def _run(task: Task, codes: list[str], raw: Path, sources: dict, catalogue) -> list[Path]:
    if task.kind == "kwb":
        table = catalogue.kwb_years[task.year]
        if table.v4_only:
            return list(sources["v4"].fetch(table.id, codes, raw))
        try:
            return list(sources["v3"].fetch(table.id, codes, raw))
        except SourceError as v3_error:
            # v3 is CBS's main path; v4 is the fallback for a table v3 does not (or no longer) has.
            try:
                return list(sources["v4"].fetch(table.id, codes, raw))
            except SourceError:
                raise v3_error from None
    if task.kind == "crime":
        return list(sources["police"].fetch(task.year, codes, raw))
    if task.kind == "lbm":
        return list(sources["lbm"].fetch(task.year, task.level, codes, raw))
    if task.kind == "lbm-download":
        return list(sources["lbm"].fetch_download(raw))
    if task.kind == "map":
        return list(sources["pdok"].fetch(task.year, task.level, codes, raw))
    raise ValueError(task.kind)
