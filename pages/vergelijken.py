"""Vergelijken: two to six buurten, wijken or gemeenten side by side, and gebieden that resemble them."""

import streamlit as st

from wijkkompas.ui import compare as ui
from wijkkompas.ui import context, selection
from wijkkompas.ui import trends as ut
from wijkkompas.ui.guard import UserMessage, page_guard

st.title("Vergelijken")
st.write("Zet twee tot zes buurten, wijken of gemeenten naast elkaar, en zoek gebieden die erop lijken.")

with page_guard("het vergelijken"):
    store = context.get_store()
    if store.is_empty():
        raise UserMessage("Er zijn nog geen gegevens geladen. Ga naar Start en laad eerst gegevens.")
    catalogue = context.catalogue()
    year = selection.chosen_year() or store.years()[-1]
    codes = ut.region_picker(ui.KEY_REGIO, label="Gebieden (twee tot zes)", default=ut.default_regions(3))
    extra = st.toggle(
        "Ook losse CBS-kolommen tonen",
        key=ui.KEY_EXTRA,
        help="Kolommen uit de CBS-tabel die (nog) geen eigen plek in de catalogus hebben.",
    )
    options = ui.default_indicator(codes, catalogue) if codes else []

    if len(codes) < 2:
        st.info("Kies minstens twee gebieden om ze naast elkaar te zetten.")
    if codes:
        st.header(f"Naast elkaar in {year}")
        table = ui.render_comparison(codes, year, catalogue, include_extra=extra)
        ui.render_downloads(table, year)

        st.header("Door de jaren")
        chosen = ut.indicator_picker(ui.KEY_INDICATOR, options=options, catalogue=catalogue, multi=False)
        if chosen:
            ui.render_small_multiples(codes, chosen[0], catalogue)

        st.header("Vergelijkbare gebieden")
        st.write(
            "Gebieden in alle geladen gemeenten die het meest op een gekozen gebied lijken, zodat u kunt vergelijken met wijken zoals de uwe."
        )
        ui.render_peers(codes, year, catalogue)
        ut.link_to(
            "pages/trends.py",
            "Deze gebieden door de jaren (Trends)",
            ":material/show_chart:",
            regio=codes,
            indicator=chosen,
        )
    else:
        chosen = []
    selection.sync_query(regio=codes, indicator=chosen, lijkt_op=ui.peer_url_state() if codes else None)
    ut.remember_url(ui.KEY_REGIO, ui.KEY_INDICATOR, ui.KEY_PEER)
