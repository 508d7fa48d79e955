"""Presentatie page pieces: compose a sequence of slides, save/open/import/export it, and present it.

Presenting shows ONE self-contained HTML document (every slide drawn up front by
`wijkkompas.presentation`) in a full-screen iframe, with the sidebar and all widgets hidden; moving
to the next slide is done by JavaScript inside that document, so it costs no server round trip and
works without network. The URL `?presentatie=<naam>&modus=presenteren` opens it directly.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import streamlit as st

from wijkkompas.access import can_write
from wijkkompas.catalogue.catalogue import Catalogue
from wijkkompas.errors import SourceError
from wijkkompas.formatting import esc
from wijkkompas.presentation import deck, model, slides
from wijkkompas.presentation.model import KINDS, Presentation
from wijkkompas.ui import context, selection
from wijkkompas.ui.guard import UserMessage
from wijkkompas.ui.navigation import page_url

PAGE = "pages/presentatie.py"
URL_PATH = "presentatie"
KEY_DRAFT = "pr_draft"
KEY_OPEN = "pr_open"  # slug of the saved presentation the draft came from
KEY_GEN = "pr_gen"  # bumped on every structural change, so per-slide widgets start fresh
KEY_MSG = "pr_msg"
KEY_URL_SEEN = "pr_url_seen"
NEW = "__nieuw__"
PRESENT_CSS = """
<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],[data-testid="stToolbar"],
[data-testid="stStatusWidget"],[data-testid="stDecoration"],[data-testid="stBottom"],footer{display:none !important}
[data-testid="stAppViewContainer"],[data-testid="stMain"]{background:#fff !important}
[data-testid="stMainBlockContainer"],.block-container{padding:0 !important;max-width:none !important}
iframe[data-testid="stIFrame"],[data-testid="stIFrame"] iframe{position:fixed !important;left:0 !important;top:0 !important;
  width:100vw !important;height:100vh !important;border:0 !important;z-index:999990 !important;background:#fff !important}
</style>
"""


# =========================================================================== state


def data_dir() -> Path | str:
    return context.get_store().data_dir


def draft() -> Presentation:
    pres = st.session_state.get(KEY_DRAFT)
    if not isinstance(pres, Presentation):
        pres = Presentation("")
        st.session_state[KEY_DRAFT] = pres
    return pres


def _set_draft(pres: Presentation, *, opened: str | None = None, structural: bool = True) -> None:
    st.session_state[KEY_DRAFT] = pres
    if opened is not None:
        st.session_state[KEY_OPEN] = opened
    if structural:
        st.session_state[KEY_GEN] = st.session_state.get(KEY_GEN, 0) + 1


def _say(kind: str, text: str) -> None:
    st.session_state[KEY_MSG] = (kind, text)


def show_messages() -> None:
    msg = st.session_state.pop(KEY_MSG, None)
    if msg:
        {"success": st.success, "error": st.error, "warning": st.warning}.get(msg[0], st.info)(msg[1])


def present_mode() -> bool:
    return str(st.query_params.get("modus", "")).lower() == "presenteren"


def _names() -> dict[str, str]:
    reg = context.regions(selection.chosen_gemeenten() or None)
    out = {}
    if not reg.empty:
        latest = reg.sort_values("year").drop_duplicates("region_code", keep="last")
        out = dict(zip(latest["region_code"], latest["region_name"], strict=True))
    out.update(selection.gemeente_names())
    return out


def _labels() -> dict[str, str]:
    return {i: ind.label for i, ind in context.catalogue().all().items()}


# =========================================================================== the deck (cached)


@st.cache_data(show_spinner=False, max_entries=16)
def _contents(data_dir_: str, ver: str, pres_json: str) -> list:
    """Every slide drawn once per presentation and store version (which includes saved scores)."""
    from wijkkompas.store import Store

    pres = model.from_json_bytes(pres_json)
    return slides.render_slides(Store(data_dir_), pres, catalogue=context.catalogue(), geometry_loader=context.geometry)


def deck_for(pres: Presentation, *, exit_url: str = "", outside: bool = False) -> tuple[str, list[tuple[int, str]]]:
    store = context.get_store()
    name = pres.name.strip() or "Nieuwe presentatie"
    pres_json = model.to_json_bytes(Presentation(name, pres.slides)).decode("utf-8")  # without timestamps
    ver = store.version()
    contents = _contents(str(store.data_dir), ver, pres_json)
    deck_id = hashlib.sha1(f"{model.slug(name)}|{pres_json}".encode()).hexdigest()[:12]
    html = deck.deck_html(
        contents, title=name, deck_id=deck_id, exit_url=exit_url or None, data_version=ver[-12:], listen_outside=outside
    )
    return html, [(i, c.notice) for i, c in enumerate(contents) if c.notice]


# =========================================================================== presenting


def present() -> None:
    """Full screen, no sidebar, no widgets: only the deck. Esc goes back to composing."""
    name = str(st.query_params.get("presentatie", "") or "")
    if not name:
        st.warning("Er is geen presentatie gekozen. Kies hieronder een presentatie.")
        st.page_link(PAGE, label="Naar de pagina Presentatie", icon=":material/slideshow:")
        return
    st.html(PRESENT_CSS)
    try:
        pres = model.load_presentation(data_dir(), name)
    except SourceError as exc:
        st.error(str(exc))
        st.page_link(PAGE, label="Naar de pagina Presentatie", icon=":material/slideshow:")
        return
    exit_url = page_url(URL_PATH, presentatie=pres.slug)
    html, _problems = deck_for(pres, exit_url=exit_url, outside=True)
    st.iframe(html, height=720)


# =========================================================================== composing: open, import


def open_from_url() -> None:
    """`?presentatie=<naam>` (without modus) opens that presentation for editing, once per link."""
    name = str(st.query_params.get("presentatie", "") or "")
    if not name or st.session_state.get(KEY_URL_SEEN) == name:
        return
    st.session_state[KEY_URL_SEEN] = name
    try:
        pres = model.load_presentation(data_dir(), name)
    except SourceError as exc:
        st.warning(str(exc))
        return
    _set_draft(pres, opened=pres.slug)


def _open_saved() -> None:
    choice = st.session_state.get("pr_choose")
    if choice == NEW or not choice:
        _set_draft(Presentation(""), opened="")
        return
    try:
        pres = model.load_presentation(data_dir(), choice)
    except SourceError as exc:
        _say("error", str(exc))
        return
    _set_draft(pres, opened=pres.slug)
    _say("success", f"Presentatie '{pres.name}' geopend ({len(pres.slides)} dia's).")


def _import_file() -> None:
    upload = st.session_state.get("pr_import")
    if upload is None:
        return
    try:
        pres = model.from_json_bytes(upload.getvalue(), source=f"'{upload.name}'")
    except SourceError as exc:
        _say("error", str(exc))
        return
    _set_draft(pres, opened="")
    bad = sum(1 for s in pres.slides if s.problem)
    extra = f" {bad} dia('s) kunnen niet worden gelezen; die worden als melding getoond." if bad else ""
    _say(
        "success",
        f"Presentatie '{pres.name}' ingelezen uit {upload.name} ({len(pres.slides)} dia's). Sla haar op om haar te bewaren.{extra}",
    )


def open_panel() -> None:
    saved = model.list_presentations(data_dir())
    for problem in saved.problems:
        st.warning(problem)
    options = [NEW, *sorted(saved.presentations, key=lambda k: saved.presentations[k].name.lower())]
    current = st.session_state.get(KEY_OPEN) or NEW
    if current not in options:
        current = NEW
    st.session_state["pr_choose"] = current
    c1, c2 = st.columns([3, 2])
    c1.selectbox(
        "Presentatie",
        options,
        key="pr_choose",
        on_change=_open_saved,
        format_func=lambda k: (
            "Nieuwe presentatie"
            if k == NEW
            else f"{saved.presentations[k].name} ({len(saved.presentations[k].slides)} dia's)"
        ),
        help="Kies een opgeslagen presentatie om te bewerken of te presenteren, of begin een nieuwe.",
    )
    c2.file_uploader(
        "Presentatie inlezen (.json)",
        type=["json"],
        key="pr_import",
        on_change=_import_file,
        help="Een bestand dat met 'Presentatie downloaden' is gemaakt, bijvoorbeeld door een collega.",
    )


# =========================================================================== composing: the list of slides


def _move(i: int, offset: int) -> None:
    _set_draft(draft().move(i, offset))


def _remove(i: int) -> None:
    pres = draft()
    title = pres.slides[i].title if i < len(pres.slides) else ""
    _set_draft(pres.remove(i))
    _say("success", f"Dia '{title}' verwijderd.")


def _edit(i: int, field: str, key: str) -> None:
    try:
        pres = draft().update(i, **{field: st.session_state.get(key, "")})
    except SourceError as exc:
        _say("error", str(exc))
        return
    _set_draft(pres, structural=False)


def loaded_for(pres: Presentation) -> model.Loaded:
    return _loaded(str(data_dir()), context.version(), tuple(pres.gemeenten()))


@st.cache_data(show_spinner=False, max_entries=8)
def _loaded(data_dir_: str, ver: str, gemeenten: tuple) -> model.Loaded:
    from wijkkompas.store import Store

    return model.loaded_from_store(Store(data_dir_), list(gemeenten), context.catalogue())


def slide_list(pres: Presentation) -> None:
    if not pres.slides:
        st.info("Deze presentatie heeft nog geen dia's. Voeg hieronder de eerste dia toe.")
        return
    loaded = loaded_for(pres)
    problems = model.check_presentation(pres, loaded)
    if problems:
        st.warning(
            f"{len(problems)} van de {len(pres.slides)} dia's kunnen met de geladen gegevens niet worden getoond; ze worden "
            "tijdens het presenteren als melding getoond. De andere dia's werken gewoon."
        )
    gen = st.session_state.get(KEY_GEN, 0)
    names, labels = {**loaded.names, **_names()}, _labels()
    for i, s in enumerate(pres.slides):
        with st.container(border=True):
            c1, c2 = st.columns([6, 2])
            icon = "⚠️ " if i in problems else ""
            c1.markdown(f"**{i + 1}. {icon}{esc(s.kind_label)}** · {esc(s.summary(names, labels))}")
            if i in problems:
                c1.caption(f"Kan niet worden getoond: {problems[i]}")
            b1, b2, b3 = c2.columns(3)
            b1.button(
                "↑",
                key=f"pr_up_{gen}_{i}",
                on_click=_move,
                args=(i, -1),
                disabled=i == 0,
                help="Eerder in de presentatie",
            )
            b2.button(
                "↓",
                key=f"pr_dn_{gen}_{i}",
                on_click=_move,
                args=(i, 1),
                disabled=i == len(pres.slides) - 1,
                help="Later in de presentatie",
            )
            b3.button("✕", key=f"pr_rm_{gen}_{i}", on_click=_remove, args=(i,), help="Dia verwijderen")
            t1, t2 = st.columns(2)
            kt, km = f"pr_t_{gen}_{i}", f"pr_m_{gen}_{i}"
            st.session_state.setdefault(kt, s.title)
            st.session_state.setdefault(km, s.message)
            t1.text_input(
                "Titel",
                key=kt,
                max_chars=model.MAX_TITLE,
                on_change=_edit,
                args=(i, "title", kt),
                disabled=bool(s.problem),
            )
            t2.text_input(
                "Boodschap (één zin)",
                key=km,
                max_chars=model.MAX_MESSAGE,
                on_change=_edit,
                args=(i, "message", km),
                disabled=bool(s.problem),
            )


# =========================================================================== composing: a new slide


def _years() -> list[int]:
    return context.get_store().years()


def _regions_for(gemeenten: list[str], levels: tuple[str, ...]) -> dict[str, str]:
    reg = context.regions(gemeenten or None)
    if reg.empty:
        return {}
    reg = reg[reg["level"].isin(levels)].sort_values("year").drop_duplicates("region_code", keep="last")
    gm = selection.gemeente_names()
    words = {"wijk": "wijk", "buurt": "buurt", "gemeente": "gemeente"}
    reg = reg.sort_values(["gemeente_code", "region_code"])
    out = {}
    for code, name, level, g in zip(
        reg["region_code"], reg["region_name"], reg["level"], reg["gemeente_code"], strict=True
    ):
        where = f" in {gm.get(g, g)}" if level != "gemeente" and len(gemeenten) > 1 else ""
        out[str(code)] = f"{name} ({words.get(level, level)}{where})"
    return out


def _indicators_with_data(gemeenten: list[str], year: int | None, level: str | None) -> list[str]:
    values = context.values(gemeenten, [year] if year else None, [level] if level else None)
    known = values[values["value"].notna()]
    ids = set(known["indicator"].unique())
    cat = context.catalogue()
    ordered = [i for i in cat.all() if i in ids]
    origin = {i: ind.origin for i in ordered if (ind := cat.get(i)) is not None}
    return sorted(ordered, key=lambda i: (origin.get(i) == "cbs", ordered.index(i)))


def _label(cat: Catalogue, ident: str | None) -> str:
    """An indicator's label for a select box; its id when the catalogue does not know it."""
    ind = cat.get(ident) if ident else None
    return ind.label if ind else (ident or "")


def _add_slide(kind: str, params: dict, suggestion: str) -> None:
    title = (st.session_state.get("pr_new_title") or "").strip() or suggestion
    message = st.session_state.get("pr_new_msg") or ""
    try:
        slide = model.make_slide(kind, title, message, **params, where=f"Dia {len(draft().slides) + 1}")
        _set_draft(draft().add(slide))
    except SourceError as exc:
        _say("error", str(exc))
        return
    st.session_state["pr_new_title"] = ""
    st.session_state["pr_new_msg"] = ""
    _say("success", f"Dia '{title}' toegevoegd.")


def add_slide_form() -> None:
    """Choose what the slide shows; a title is suggested, the analyst adds a one-line message."""
    store = context.get_store()
    if store.is_empty():
        raise UserMessage(
            "Er zijn nog geen gegevens geladen. Laad ze op de startpagina of installeer een gegevenspakket."
        )
    cat = context.catalogue()
    years = _years()
    gm_names = selection.gemeente_names()
    chosen_gm = selection.chosen_gemeenten() or list(gm_names)[:1]
    kind = (
        st.segmented_control(
            "Soort dia", list(KINDS), key="pr_kind", format_func=KINDS.__getitem__, default="kaart", required=True
        )
        or "kaart"
    )
    default_year = selection.chosen_year() or years[-1]
    c1, c2, c3 = st.columns(3)
    params: dict = {}
    label = ""
    names: dict[str, str] = dict(gm_names)
    if kind == "kaart":
        gms = c1.multiselect(
            "Gemeente(n)",
            list(gm_names),
            default=chosen_gm,
            key="pr_k_gm",
            format_func=lambda g: gm_names.get(g, g),
            max_selections=3,
        )
        year = c2.selectbox(
            "Jaar", years, index=years.index(default_year) if default_year in years else len(years) - 1, key="pr_k_year"
        )
        level = c3.radio("Niveau", ["buurt", "wijk"], horizontal=True, key="pr_k_level")
        what = st.radio("Wat kleurt de kaart?", ["Een cijfer", "Een score"], horizontal=True, key="pr_k_what")
        if what == "Een score":
            from wijkkompas.scores.definitions import default_definitions
            from wijkkompas.scores.saved import list_saved

            defs = default_definitions()
            saved = list_saved(store.data_dir).definitions
            score_options = [(sid, None) for sid in defs] + [(d.id, stem) for stem, d in saved.items() if d.id in defs]
            pick = st.selectbox(
                "Score",
                score_options,
                key="pr_k_score",
                format_func=lambda o: defs[o[0]].label + (f" – bewaard als '{saved[o[1]].name}'" if o[1] else ""),
            )
            params = {"gemeenten": gms, "jaar": year, "niveau": level, "score": pick[0], "score_naam": pick[1]}
            label = defs[pick[0]].label
        else:
            options = _indicators_with_data(gms, year, level) if gms else []
            if not options:
                st.info(f"Voor deze keuze zijn er geen cijfers per {level} in {year}.")
                return
            ind = st.selectbox("Cijfer", options, key="pr_k_ind", format_func=lambda i: _label(cat, i))
            params = {"gemeenten": gms, "jaar": year, "niveau": level, "indicator": ind}
            label = _label(cat, ind)
        names.update({g: gm_names.get(g, g) for g in gms})
        suggestion = slides.default_title("kaart", names=names, label=label, gemeenten=gms, niveau=level, year=year)
    elif kind == "kompas":
        gms = c1.multiselect(
            "Gemeente(n)",
            list(gm_names),
            default=chosen_gm,
            key="pr_ko_gm",
            format_func=lambda g: gm_names.get(g, g),
            max_selections=3,
        )
        year = c2.selectbox(
            "Jaar",
            years,
            index=years.index(default_year) if default_year in years else len(years) - 1,
            key="pr_ko_year",
        )
        level = c3.radio("Niveau", ["wijk", "buurt"], horizontal=True, key="pr_ko_level")
        params = {"gemeenten": gms, "jaar": year, "niveau": level}
        names.update({g: gm_names.get(g, g) for g in gms})
        suggestion = slides.default_title("kompas", names=names, gemeenten=gms, niveau=level, year=year)
    elif kind == "profiel":
        regions = _regions_for(chosen_gm, ("wijk", "buurt"))
        code = c1.selectbox("Wijk of buurt", list(regions), key="pr_p_regio", format_func=lambda c: regions.get(c, c))
        year = c2.selectbox(
            "Jaar", years, index=years.index(default_year) if default_year in years else len(years) - 1, key="pr_p_year"
        )
        params = {"regios": [code] if code else [], "jaar": year}
        names.update({c: regions[c].split(" (")[0] for c in regions})
        suggestion = slides.default_title("profiel", names=names, regios=[code] if code else [], year=year)
    elif kind == "notities":
        regions = _regions_for(chosen_gm, ("wijk", "buurt"))
        code = c1.selectbox("Wijk of buurt", list(regions), key="pr_n_regio", format_func=lambda c: regions.get(c, c))
        c2.caption("De nieuwste notities (wat mensen zeiden) bij deze wijk of buurt. Toevoegen kan op het wijkprofiel.")
        params = {"regios": [code] if code else []}
        names.update({c: regions[c].split(" (")[0] for c in regions})
        suggestion = slides.default_title("notities", names=names, regios=[code] if code else [])
    elif kind == "vergelijking":
        regions = _regions_for(chosen_gm, ("wijk", "buurt"))
        codes = c1.multiselect(
            "Wijken of buurten (2 tot 4)",
            list(regions),
            key="pr_v_regios",
            format_func=lambda c: regions.get(c, c),
            max_selections=model.MAX_COMPARE,
        )
        year = c2.selectbox(
            "Jaar", years, index=years.index(default_year) if default_year in years else len(years) - 1, key="pr_v_year"
        )
        params = {"regios": codes, "jaar": year}
        names.update({c: regions[c].split(" (")[0] for c in regions})
        suggestion = slides.default_title("vergelijking", names=names, regios=codes, year=year)
    else:
        regions = _regions_for(chosen_gm, ("gemeente", "wijk", "buurt"))
        codes = c1.multiselect(
            "Gebieden (1 tot 4)",
            list(regions),
            key="pr_tr_regios",
            format_func=lambda c: regions.get(c, c),
            max_selections=model.MAX_TREND,
        )
        options = _indicators_with_data(chosen_gm, None, None)
        ind = c2.selectbox("Cijfer", options, key="pr_tr_ind", format_func=lambda i: _label(cat, i))
        params = {"regios": codes, "indicator": ind}
        label = _label(cat, ind)
        names.update({c: regions[c].split(" (")[0] for c in regions})
        suggestion = slides.default_title("trend", names=names, label=label, regios=codes)
    t1, t2 = st.columns(2)
    t1.text_input(
        "Titel",
        key="pr_new_title",
        placeholder=suggestion,
        max_chars=model.MAX_TITLE,
        help="Leeg laten: de voorgestelde titel wordt gebruikt.",
    )
    t2.text_input(
        "Boodschap (één zin)",
        key="pr_new_msg",
        max_chars=model.MAX_MESSAGE,
        placeholder="Wat moet de raad onthouden van deze dia?",
    )
    st.button(
        "Dia toevoegen",
        type="primary",
        key="pr_add",
        on_click=_add_slide,
        args=(kind, params, suggestion),
        icon=":material/add:",
    )


# =========================================================================== preview, save, export


def preview(pres: Presentation) -> None:
    if not pres.slides:
        return
    html, _ = deck_for(pres)
    st.caption("Klik in het voorbeeld en gebruik de pijltjestoetsen of de spatiebalk om door de dia's te gaan.")
    st.iframe(html, height=540)


def _save(overwrite: bool) -> None:
    pres = draft()
    name = st.session_state.get("pr_name") or pres.name
    try:
        name = model.clean_name(name)
        same = model.slug(name) == (st.session_state.get(KEY_OPEN) or "")
        saved = model.save_presentation(
            data_dir(), Presentation(name, pres.slides, pres.created if same else ""), overwrite=overwrite or same
        )
    except SourceError as exc:
        _say("error", str(exc))
        return
    _set_draft(saved, opened=saved.slug, structural=False)
    _say("success", f"Presentatie '{saved.name}' opgeslagen ({len(saved.slides)} dia's).")


def _delete() -> None:
    slug = st.session_state.get(KEY_OPEN) or ""
    try:
        model.delete_presentation(data_dir(), slug)
    except SourceError as exc:
        _say("error", str(exc))
        return
    _set_draft(Presentation(""), opened="")
    _say("success", "Presentatie verwijderd.")


def save_panel(pres: Presentation) -> None:
    opened = st.session_state.get(KEY_OPEN) or ""
    if "pr_name" not in st.session_state or st.session_state.get("pr_name_for") != (opened, pres.name):
        st.session_state["pr_name"] = pres.name
        st.session_state["pr_name_for"] = (opened, pres.name)
    c1, c2 = st.columns([3, 2])
    c1.text_input(
        "Naam van de presentatie",
        key="pr_name",
        max_chars=model.MAX_NAME,
        placeholder="bijvoorbeeld Politieke markt maart",
    )
    overwrite = c2.checkbox("Overschrijven als de naam al bestaat", key="pr_overwrite")
    b1, b2, b3, b4 = st.columns(4)
    b1.button(
        "Opslaan",
        type="primary",
        key="pr_save",
        on_click=_save,
        args=(overwrite,),
        icon=":material/save:",
        disabled=not pres.slides or not can_write(),
        help=None if can_write() else "Alleen beheerders kunnen presentaties opslaan. U kunt haar wel downloaden.",
    )
    slug = opened
    if slug:
        b2.page_link(
            PAGE,
            label="Presenteren",
            icon=":material/slideshow:",
            query_params={"presentatie": slug, "modus": "presenteren"},
        )
    b3.download_button(
        "Presentatie downloaden",
        model.to_json_bytes(pres),
        file_name=f"{pres.slug or 'presentatie'}.json",
        mime="application/json",
        key="pr_dl_json",
        disabled=not pres.slides,
        on_click="ignore",
        help="Als bestand, om te bewaren of door te sturen; inlezen kan hierboven.",
    )
    if pres.slides:
        html, _ = deck_for(pres)
        b4.download_button(
            "Als HTML (zonder internet)",
            html.encode("utf-8"),
            file_name=f"{pres.slug or 'presentatie'}-{date.today():%Y%m%d}.html",
            mime="text/html",
            key="pr_dl_html",
            on_click="ignore",
            help="Eén bestand met alle dia's. Opent in elke browser, ook zonder Wijkkompas en zonder internet.",
        )
    if slug:
        link = page_url(URL_PATH, presentatie=slug, modus="presenteren")
        st.caption(
            f"Link om te presenteren: `{link}` · Tijdens het presenteren: → of spatie volgende dia, ← vorige, F volledig scherm, "
            "Esc terug naar deze pagina."
        )
        if not can_write():
            return
        with st.expander("Presentatie verwijderen"):
            sure = st.checkbox(f"Ja, verwijder '{pres.name}' van deze computer", key="pr_del_sure")
            st.button("Verwijderen", key="pr_del", on_click=_delete, disabled=not sure)
    else:
        st.caption("Sla de presentatie op om haar te kunnen presenteren en om een link te krijgen.")


def sync_url() -> None:
    opened = st.session_state.get(KEY_OPEN) or ""
    if opened:
        st.session_state[KEY_URL_SEEN] = opened
    selection.sync_query(presentatie=opened or None)


__all__ = [
    "add_slide_form",
    "deck_for",
    "draft",
    "open_from_url",
    "open_panel",
    "present",
    "present_mode",
    "preview",
    "save_panel",
    "show_messages",
    "slide_list",
    "sync_url",
]
