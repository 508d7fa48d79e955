"""Trends: how a figure develops over the years, for buurten, wijken and gemeenten side by side."""

import streamlit as st

from wijkkompas.ui import context, selection
from wijkkompas.ui import trends as ui
from wijkkompas.ui.guard import UserMessage, page_guard

st.title("Trends")
st.write(
    "Hoe een cijfer zich door de jaren ontwikkelt. Kies gebieden en cijfers; de keuze staat in de link, zodat u die kunt delen."
)

with page_guard("de trends"):
    store = context.get_store()
    if store.is_empty():
        raise UserMessage("Er zijn nog geen gegevens geladen. Ga naar Start en laad eerst gegevens.")
    catalogue = context.catalogue()
    years = store.years()
    codes = ui.region_picker(
        ui.KEY_REGIO,
        label="Gebieden (hoogstens 6)",
        default=ui.default_regions(),
        help="Buurten en wijken van de gemeente(n) links, alle geladen gemeenten en Nederland.",
    )
    left, right = st.columns([3, 1])
    with left:
        indicators = ui.indicator_picker(
            ui.KEY_INDICATOR, options=ui.indicator_options(codes, catalogue), catalogue=catalogue
        )
    with right:
        index_year = ui.index_year_picker(years)
    selection.sync_query(regio=codes, indicator=indicators, indexjaar=index_year)
    ui.remember_url(ui.KEY_REGIO, ui.KEY_INDICATOR, ui.KEY_INDEX)

    if len(years) == 1:
        st.info(
            f"Er is maar één jaar geladen ({years[0]}). Laad op de pagina Start meer jaren om een ontwikkeling te zien."
        )
    if not codes:
        raise UserMessage("Kies hierboven een of meer gebieden.")
    if not indicators:
        raise UserMessage("Kies hierboven een of meer cijfers.")
    ui.render_trends(codes, indicators, catalogue, index_year=index_year, loaded_years=years)
    ui.link_to(
        "pages/vergelijken.py",
        "Deze gebieden naast elkaar zetten (Vergelijken)",
        ":material/compare_arrows:",
        regio=codes,
        indicator=indicators[0],
    )
