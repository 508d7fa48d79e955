"""Over de gegevens: sources with table ids, every indicator with its definition and CBS keys, the score
methods, caveats and licence — generated from the catalogue and score definitions (wijkkompas.methodology)."""

import streamlit as st

from wijkkompas import methodology as m
from wijkkompas.exporting import to_csv_bytes
from wijkkompas.scores import default_definitions
from wijkkompas.ui import context, selection
from wijkkompas.ui.guard import page_guard

st.title("Over de gegevens")
st.write(
    "Waar de cijfers vandaan komen, wat elk cijfer betekent, hoe de scores worden berekend en waar u op moet letten. "
    "Deze pagina wordt gemaakt uit dezelfde catalogus en scoredefinities waarmee Wijkkompas rekent."
)

with page_guard("de pagina over de gegevens"):
    catalogue = context.catalogue()
    store = context.get_store()
    gemeenten = selection.chosen_gemeenten()
    keys = m.keys_from_values(context.values(gemeenten)) if gemeenten else None
    bronnen, cijfers, scores, letop, licentie = st.tabs(["Bronnen", "Cijfers", "Scores", "Let op", "Licentie"])

    with bronnen:
        st.header("Bronnen")
        st.write(
            "De Kerncijfers wijken en buurten (KWB) van het CBS: één tabel per jaar, elk jaar met een eigen nummer; "
            "daarnaast de wijk- en buurtkaart, de politiecijfers en de Leefbaarometer van het Rijk."
        )
        sources = m.sources_table(catalogue, m.loaded_years(store.ingest_log()))
        st.dataframe(
            sources,
            hide_index=True,
            width="stretch",
            height=38 + 35 * len(sources),
            column_config={"Bron": st.column_config.LinkColumn("Bron", display_text="naar de bron")},
        )
        st.caption(m.maps_caption())

    with cijfers:
        st.header(f"Alle cijfers ({len(catalogue)})")
        table = m.indicator_table(catalogue, keys)
        c1, c2 = st.columns([3, 2])
        query = c1.text_input("Zoek een cijfer", placeholder="bijvoorbeeld: inkomen, WOZ, 65")
        theme = c2.selectbox("Thema", ["", *m.themes_in(table)], format_func=lambda t: t or "Alle thema's")
        shown = m.filter_indicators(table, query, theme)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=520,
            column_config={"Wat het is": st.column_config.TextColumn(width="large")},
        )
        st.caption(
            f"{len(shown)} van {len(table)} cijfers. 'CBS-sleutel (stam)': de naam van de CBS-kolom zonder het nummer "
            "dat elk jaar verandert. 'Sleutel per jaar': de kolom die voor de geladen gegevens is gebruikt."
        )
        st.download_button("Catalogus downloaden (CSV)", to_csv_bytes(table), "wijkkompas_catalogus.csv", "text/csv")
        st.markdown("**Uitleg per cijfer**")
        for theme_name, text in m.indicator_markdown(shown).items():
            with st.expander(theme_name, expanded=bool(query or theme)):
                st.markdown(text)

    with scores:
        st.header("Hoe de scores werken")
        for definition in default_definitions().values():
            st.markdown(m.method_markdown(definition))
            st.dataframe(
                m.score_indicator_table(definition, catalogue, formatted=True), hide_index=True, width="stretch"
            )
        st.caption("Op de pagina Scores kunt u de gewichten aanpassen en per buurt zien hoe de score is opgebouwd.")
        st.markdown(m.leefbaarometer_markdown())
        from wijkkompas.kompas import method as kompas_method

        st.markdown(kompas_method.method_markdown())
        st.dataframe(kompas_method.theme_table(catalogue), hide_index=True, width="stretch")

    with letop:
        st.header("Waar u op moet letten")
        for caveat in m.CAVEATS:
            st.markdown(f"**{caveat.title}.** {caveat.text}")

    with licentie:
        st.header("Licentie")
        st.markdown(m.licence_markdown())
