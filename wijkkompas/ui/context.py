"""Cached access to the store for pages.

Every cache key includes the store's version token, so an ingest or upload is visible on the next
rerun without restarting the app, and nothing is read from disk twice for the same version.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.exporting import indicator_catalogue
from wijkkompas.store import Store, default_data_dir


@st.cache_resource(show_spinner=False)
def _store(data_dir: str) -> Store:
    return Store(data_dir)


def get_store() -> Store:
    return _store(str(default_data_dir()))


def version() -> str:
    return get_store().version()


def begin_request():
    """Resolve the store's manifest once for this page run; every read below uses that version.

    Why: a writer (another session, a CLI ingest) may commit while this run reads; reading one pinned
    version means the page never mixes two versions and never trips over a file a writer replaced.
    """
    return get_store().pin()


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalogue(data_dir: str, ver: str) -> Catalogue:
    return indicator_catalogue(Store(data_dir))


def catalogue() -> Catalogue:
    store = get_store()
    return _catalogue(str(store.data_dir), store.version())


@st.cache_data(show_spinner=False, max_entries=64)
def _values(
    data_dir: str, ver: str, gemeenten: tuple, years: tuple | None, levels: tuple | None, nl: bool
) -> pd.DataFrame:
    return Store(data_dir).load_values(
        list(gemeenten), list(years) if years else None, list(levels) if levels else None, include_nederland=nl
    )


def values(
    gemeenten: Sequence[str],
    years: Sequence[int] | None = None,
    levels: Sequence[str] | None = None,
    *,
    nederland: bool = False,
) -> pd.DataFrame:
    store = get_store()
    return _values(
        str(store.data_dir),
        store.version(),
        tuple(sorted(gemeenten)),
        tuple(sorted(years)) if years else None,
        tuple(levels) if levels else None,
        nederland,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _regions(data_dir: str, ver: str, gemeenten: tuple | None) -> pd.DataFrame:
    return Store(data_dir).regions(gemeenten=list(gemeenten) if gemeenten else None)


def regions(gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
    store = get_store()
    return _regions(str(store.data_dir), store.version(), tuple(sorted(gemeenten)) if gemeenten else None)


@st.cache_resource(show_spinner=False, max_entries=32)
def _geometry(data_dir: str, ver: str, year: int, level: str, gemeenten: tuple):
    """Read-only geometry, shared by all sessions (cache_resource: no pickling per call)."""
    return Store(data_dir).geometry(year, level, list(gemeenten) if gemeenten else None)


def geometry(year: int, level: str, gemeenten: Sequence[str]):
    store = get_store()
    return _geometry(str(store.data_dir), store.version(), int(year), level, tuple(sorted(gemeenten)))


def geometry_years(level: str) -> list[int]:
    return get_store().geometry_years(level)


@st.cache_data(show_spinner=False, max_entries=4)
def _gemeenten(data_dir: str, ver: str) -> pd.DataFrame:
    return Store(data_dir).gemeenten()


def gemeenten() -> pd.DataFrame:
    store = get_store()
    return _gemeenten(str(store.data_dir), store.version())


def clear_caches() -> None:
    st.cache_data.clear()
