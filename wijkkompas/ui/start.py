"""Start page pieces: what is loaded and how fresh, where to go next, how to get data."""

from __future__ import annotations

import streamlit as st

from wijkkompas.access import can_write
from wijkkompas.formatting import nl_datetime
from wijkkompas.repair import heal
from wijkkompas.status import StoreStatus, store_status
from wijkkompas.store import Store
from wijkkompas.ui import context
from wijkkompas.ui.navigation import PAGES, ROOT

DESCRIPTIONS = {
    "kaart": "Kaart van een cijfer per buurt of wijk: waar speelt een thema?",
    "wijkprofiel": "Alles over één wijk op een rij, ook als PDF voor het wijkgesprek.",
    "trends": "Hoe een cijfer zich door de jaren ontwikkelt.",
    "vergelijken": "Wijken en buurten naast elkaar, en wijken die op elkaar lijken.",
    "scores": "Leefbaarheid en veerkracht: scores die u zelf kunt uitpluizen.",
    "eigen-gegevens": "Eigen cijfers van de gemeente of partners toevoegen.",
    "presentatie": "Een presentatie voor de raad, ook zonder internet.",
    "over": "Bronnen, definities en rekenmethoden.",
}


@st.cache_data(show_spinner=False, max_entries=4)
def _status(data_dir: str, ver: str) -> StoreStatus:
    """Per store version: the overview comes from the manifest and the regions table (cheap, flat)."""
    return store_status(store=Store(data_dir))


def current_status() -> StoreStatus:
    store = context.get_store()
    return _status(str(store.data_dir), store.version())


def render_check() -> None:
    """The full checksum check of every stored file, on request (it reads every byte)."""
    if not st.button("Controleer alle opgeslagen bestanden", help="Leest elk bestand en vergelijkt het controlegetal."):
        return
    if not can_write():
        _verify_only()
        return
    with st.spinner("Alle opgeslagen bestanden worden gecontroleerd …"):
        report = heal(context.get_store())
    context.clear_caches()
    if report.healthy:
        st.success("Alle opgeslagen bestanden zijn in orde.")
    else:
        (st.warning if report.lost else st.success)(" ".join(report.lines()))


def _verify_only() -> None:
    """A viewer may check but not repair: list what is damaged and who can fix it."""
    with st.spinner("Alle opgeslagen bestanden worden gecontroleerd …"):
        problems = context.get_store().verify()
    if not problems:
        st.success("Alle opgeslagen bestanden zijn in orde.")
        return
    st.warning(
        f"{len(problems)} opgeslagen bestand(en) zijn beschadigd. Herstellen kan alleen de beheerder "
        "(hier, als beheerder, of met `python -m wijkkompas repair`)."
    )


def render_status(status: StoreStatus) -> None:
    for problem in status.problems:
        st.warning(f"Probleem met de opgeslagen gegevens: {problem}")
    if status.missing:
        st.warning(
            "Deze gegevens ontbreken omdat een opgeslagen bestand beschadigd was en niet kon worden hersteld: "
            + "; ".join(status.missing)
        )
    ov = status.overview
    c1, c2, c3 = st.columns(3)
    c1.metric("Gemeenten", ov["gemeente_code"].nunique())
    c2.metric("Jaren met cijfers", ", ".join(str(y) for y in sorted(ov["year"].unique())))
    c3.metric("Laatst bijgewerkt", nl_datetime(status.last_loaded))
    table = ov.rename(
        columns={
            "gemeente_name": "Gemeente",
            "gemeente_code": "Code",
            "year": "Jaar",
            "levels": "Niveaus",
            "regions": "Gebieden",
            "indicators": "Cijfers (indicatoren)",
        }
    )
    st.dataframe(
        table, hide_index=True, width="stretch", column_config={"Jaar": st.column_config.NumberColumn(format="%d")}
    )
    maps = "; ".join(f"{lvl}: {', '.join(map(str, yrs))}" for lvl, yrs in status.geometry_years.items() if yrs)
    st.caption(f"Kaartgrenzen — {maps or 'geen kaart geladen'}. Bron: CBS, Kerncijfers wijken en buurten (CC BY 4.0).")


def render_shortcuts() -> None:
    available = [(path, title, icon, url) for path, title, icon, url in PAGES[1:] if (ROOT / path).exists()]
    if not available:
        return
    st.header("Aan de slag")
    cols = st.columns(min(len(available), 3))
    for i, (path, title, icon, url) in enumerate(available):
        with cols[i % len(cols)]:
            st.page_link(str(ROOT / path), label=title, icon=icon)
            st.caption(DESCRIPTIONS.get(url, ""))
