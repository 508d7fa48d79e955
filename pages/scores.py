"""Scores: leefbaarheid and veerkracht on the map and in a ranking, with weights you can change and every
score taken apart into its indicators. All logic lives in wijkkompas.scores and wijkkompas.ui.scores."""

import streamlit as st

from wijkkompas.ui import context
from wijkkompas.ui import scores as ui
from wijkkompas.ui.guard import page_guard

st.title("Scores")

with page_guard("de scores"):
    catalogue = context.catalogue()
    score_id, level, view_col, def_col = ui.choose_score()
    saved_key, base, saved = ui.choose_definition(def_col, score_id, catalogue)
    gemeenten, year, values = ui.load(score_id, level, catalogue)
    definition = ui.weights_panel(score_id, base, catalogue, ui.has_data(values, base))
    page = ui.compute_page(score_id, level, gemeenten, year, base, definition, catalogue, saved_key)
    page.view = ui.choose_view(view_col, page)
    ui.banner(page)

    region = None
    if ui.coverage(page):
        map_click = None
        if ui.map_available():
            left, right = st.columns([5, 6])
            with left:
                map_click = ui.score_map(page)
            with right:
                table_click = ui.ranking(page)
        else:
            table_click = ui.ranking(page)
        st.header("Hoe is de score opgebouwd?")
        region = ui.choose_region(page, {"kaart": map_click, "tabel": table_click})
        if region:
            ui.breakdown(page, region)
        ui.download(page)

    ui.method_panel(page)
    ui.stability_panel(page)
    ui.save_panel(page, saved)
    ui.sync_url(page, region)
