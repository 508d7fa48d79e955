"""The Rijk's Leefbaarometer beside Wijkkompas's own leefbaarheid score (Scores page and ranking)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from wijkkompas import lbm
from wijkkompas.ui import context

SCORE_ID = "leefbaarheid"
RANK_COLUMN = "Leefbaarometer (Rijk)"


@st.cache_data(show_spinner=False, max_entries=16)
def _values(data_dir: str, ver: str, gemeenten: tuple, year: int, level: str) -> pd.DataFrame:
    store = context.get_store()
    years = [y for y in store.years() if year - lbm.MAX_YEARS_BACK <= y <= year]
    if not years:
        return pd.DataFrame()
    return store.load_values(list(gemeenten), years, level, indicators=list(lbm.INDICATORS))


def values(gemeenten: Sequence[str], year: int, level: str) -> pd.DataFrame:
    store = context.get_store()
    return _values(str(store.data_dir), store.version(), tuple(sorted(gemeenten)), int(year), level)


def rank_column(codes: Sequence[str], gemeenten: Sequence[str], year: int, level: str) -> list[str] | None:
    """Per region the Leefbaarometer headline number (deviation), or None when none is loaded."""
    v = values(gemeenten, year, level)
    if v.empty:
        return None
    out = []
    for code in codes:
        s = lbm.summary(v, code, year)
        out.append(lbm.signed(s.deviation, 3) if s else "–")
    return out if any(x != "–" for x in out) else None


def beside(region: str, name: str, gemeenten: Sequence[str], year: int, level: str) -> None:
    """One line with the Leefbaarometer of `region`, or one line saying it is not loaded."""
    s = lbm.summary(values(gemeenten, year, level), region, year)
    if s is None:
        st.caption(
            "De Leefbaarometer van het Rijk is voor dit gebied en jaar niet geladen. Haal hem op via Start "
            "(online ophalen) of lees de open-databestanden van leefbaarometer.nl in."
        )
        return
    st.markdown(f"**Ter vergelijking, de Leefbaarometer van het Rijk voor {name}:** {s.headline()}")
    st.caption(s.note())
    st.dataframe(pd.DataFrame(lbm.block(s)["rows"], columns=lbm.COLUMNS), hide_index=True, width="stretch")


def overview(regions: pd.DataFrame, gemeenten: Sequence[str], year: int, level: str) -> None:
    """When the own score cannot be computed: the Leefbaarometer per region, if it is loaded."""
    v = values(gemeenten, year, level)
    if v.empty:
        return
    rows, first = [], None
    for code, name in regions[["region_code", "region_name"]].itertuples(index=False):
        s = lbm.summary(v, code, year)
        if s is not None:
            first = first or s
            rows.append({"Gebied": name, "Leefbaarometer (Rijk)": s.headline(), "Meting": str(s.year)})
    if first is None:
        return
    st.markdown("**De Leefbaarometer van het Rijk is wel geladen:**")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(first.note())
