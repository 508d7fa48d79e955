"""The three things the page and the command line do with a file: check it, import it, re-import it.

These glue the pure steps to a `Store` (its regions, inhabitants and uploads), so the page and the
command line cannot drift apart: the same file and choices give the same report and the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import pandas as pd

from wijkkompas.errors import SourceError
from wijkkompas.sources.user_file import UserFileSource, UserTable
from wijkkompas.store import Store
from wijkkompas.userdata.analysis import DEFAULT_PRIVACY_THRESHOLD, Analysis, Columns, analyse_table
from wijkkompas.userdata.metadata import IndicatorMeta
from wijkkompas.userdata.persist import (
    Upload,
    existing_indicator_years,
    import_analysis,
    list_uploads,
    raw_bytes,
)

INHABITANTS = "inwoners"


def read_file(data: bytes, file_name: str, sheet: str | None = None) -> UserTable:
    return UserFileSource(data, file_name).read(sheet=sheet)


_INHABITANTS_CACHE: dict[tuple[str, str], pd.DataFrame] = {}


def inhabitants(store: Store) -> pd.DataFrame:
    """year, region_code, value of the inhabitants indicator (for privacy flags and weights).

    Kept per store version: checking and then importing a file need the same figures twice.
    """
    if store.is_empty():
        return pd.DataFrame(columns=["year", "region_code", "value"])
    key = (str(store.data_dir), store.version())
    if key not in _INHABITANTS_CACHE:
        _INHABITANTS_CACHE.clear()
        _INHABITANTS_CACHE[key] = store.indicator_values(INHABITANTS)
    return _INHABITANTS_CACHE[key]


def check_table(
    table: UserTable,
    store: Store,
    *,
    columns: Columns | None = None,
    year: int | None = None,
    scope: Sequence[str] | None = None,
    overrides: Mapping[int, str] | None = None,
    privacy_threshold: int = DEFAULT_PRIVACY_THRESHOLD,
    replace: str | None = None,
    data: bytes | None = None,
) -> Analysis:
    """Check a read table against the store. `data` (the file's bytes) recognises a file read before."""
    earlier = same_file(store, data, table.sheet) if data is not None and replace is None else None
    regions = (
        store.regions()
        if not store.is_empty()
        else pd.DataFrame(columns=["year", "region_code", "region_name", "level", "gemeente_code", "wijk_code"])
    )
    analysis = analyse_table(
        table,
        regions,
        inhabitants(store),
        loaded_years=store.years() if not store.is_empty() else [],
        columns=columns,
        year=year,
        scope=scope,
        overrides=overrides,
        privacy_threshold=privacy_threshold,
        existing=existing_indicator_years(store, exclude=replace or (earlier.id if earlier else None)),
    )
    if earlier is not None:
        analysis.report.info.insert(
            0, f"Dit bestand is al eerder ingelezen ({earlier.uploaded[:10]}); opslaan vervangt die cijfers."
        )
    return analysis


def same_file(store: Store, data: bytes, sheet: str | None) -> Upload | None:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    return next((u for u in list_uploads(store) if u.sha256 == sha and u.sheet == sheet), None)


def check_file(data: bytes, file_name: str, store: Store, *, sheet: str | None = None, **options) -> Analysis:
    """Read and check a file; raises SourceError (Dutch) when it cannot be read at all."""
    return check_table(read_file(data, file_name, sheet), store, data=data, **options)


def options_of(analysis: Analysis, overrides: Mapping[int, str] | None, year: int | None) -> dict:
    """The choices behind an import, kept with the upload so the raw file can be read again the same way."""
    return {
        "columns": asdict(analysis.columns),
        "year": year,
        "overrides": {str(k): v for k, v in (overrides or {}).items()},
        "scope": list(analysis.scope),
        "privacy_threshold": analysis.privacy_threshold,
    }


def import_file(
    store: Store,
    data: bytes,
    file_name: str,
    *,
    sheet: str | None = None,
    columns: Columns | None = None,
    year: int | None = None,
    scope: Sequence[str] | None = None,
    overrides: Mapping[int, str] | None = None,
    privacy_threshold: int = DEFAULT_PRIVACY_THRESHOLD,
    metas: Mapping[str, IndicatorMeta] | None = None,
    partial: bool = False,
    hide_small: bool = True,
    replace: str | None = None,
) -> tuple[Analysis, Upload]:
    analysis = check_file(
        data,
        file_name,
        store,
        sheet=sheet,
        columns=columns,
        year=year,
        scope=scope,
        overrides=overrides,
        privacy_threshold=privacy_threshold,
        replace=replace,
    )
    upload = import_analysis(
        store,
        analysis,
        data,
        metas,
        partial=partial,
        hide_small=hide_small,
        replace=replace,
        inwoners=inhabitants(store),
        options=options_of(analysis, overrides, year),
    )
    return analysis, upload


def reimport_all(store: Store, only: set[str] | None = None) -> list[str]:
    """Read kept uploads again with their stored choices (after a repair); Dutch problems out.

    `only` limits it to some upload ids (a repair re-reads just the uploads whose files were damaged).
    """
    problems = []
    for up in reversed(list_uploads(store)):
        if only is not None and up.id not in only:
            continue
        data = raw_bytes(store, up)
        if data is None:
            problems.append(
                f"Het bestand van '{up.file_name}' is er niet meer; lees het opnieuw in op de pagina Eigen gegevens."
            )
            continue
        opts = up.options or {}
        try:
            cols = Columns(**opts["columns"]) if opts.get("columns") else None
            import_file(
                store,
                data,
                up.file_name,
                sheet=up.sheet,
                columns=cols,
                year=opts.get("year"),
                scope=opts.get("scope"),
                overrides={int(k): v for k, v in (opts.get("overrides") or {}).items()},
                privacy_threshold=int(opts.get("privacy_threshold", DEFAULT_PRIVACY_THRESHOLD)),
                metas={m.column: m for m in up.indicators},
                partial=up.partial,
                hide_small=bool(up.privacy.get("hide", True)),
                replace=up.id,
            )
        except SourceError as exc:
            problems.append(f"'{up.file_name}' kon niet opnieuw worden ingelezen: {exc}")
    return problems
