"""The profile as one self-contained HTML document (also the input for the PDF).

Jinja2 with autoescaping: every name and text from the data is escaped by default, so a buurt called
``<b>Bloemwijk</b>`` prints as text. Images (charts, map) are embedded as data URIs; the stylesheet
is inlined. Nothing is loaded from the internet: the file opens offline, years later.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2

from wijkkompas.export.charts import ROLE_COLOURS, svg_data_uri
from wijkkompas.formatting import format_value, missing_text
from wijkkompas.profile import Figure, KeyFigure, Profile, source_line

HERE = Path(__file__).parent / "templates"
JUDGEMENT_WORDS = {"gunstiger": "gunstiger", "ongunstiger": "ongunstiger", "hoger": "hoger", "lager": "lager"}
PLURAL = {"wijk": "wijken", "buurt": "buurten"}


@dataclass(frozen=True)
class Rendered:
    """Server-side images that go into the document: SVG text of each trend chart and of the map."""

    charts: tuple[tuple[str, str], ...] = ()  # (indicator label, svg)
    map_svg: str | None = None
    map_year: int | None = None
    scores: tuple[dict, ...] = ()  # optional score blocks: title, value, explain, columns, rows
    chart_alts: tuple[str, ...] = ()  # text alternative per chart (same order as charts)
    notes: tuple = ()  # wijkkompas.notes.Note: what people said, shown apart from the figures


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE)),
        autoescape=True,  # all data strings are escaped; nothing is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    return (HERE / "profile.css").read_text(encoding="utf-8")


def nl_date(d) -> str:
    return d.strftime("%d-%m-%Y")


def table_value(value: float, indicator) -> str:
    """A value in a table whose row label carries the unit: 15,1% keeps its %, 288 (x 1 000 euro) does not repeat it."""
    return format_value(value, indicator, with_unit=indicator is not None and indicator.unit == "%")


def row_label(indicator) -> str:
    """Label with the unit, unless the unit is % or a plain count (then the cell says it)."""
    if indicator.unit in ("%", "aantal", "", "code"):
        return indicator.label
    return f"{indicator.label} ({indicator.unit})"


def _cell(fig: Figure | None, kf: KeyFigure) -> tuple[str, str]:
    if fig is None:
        return "", ""
    if fig.known:
        return table_value(fig.value, kf.indicator), ""
    return missing_text(fig.status), "missing"


def figure_rows(profile: Profile) -> list[tuple[str, list[dict]]]:
    """Key figures as display strings, grouped by theme (shared by the HTML export and the page)."""
    out = []
    for theme, kfs in profile.themes():
        rows = []
        for kf in kfs:
            region, region_class = _cell(kf.region, kf)
            earlier = ""
            if not kf.region.known and kf.earlier is not None:
                earlier = f"in {kf.earlier.year}: {table_value(kf.earlier.value, kf.indicator)}"
            gem, gem_class = _cell(kf.gemeente, kf)
            nl, nl_class = _cell(kf.nederland, kf)
            wijk, wijk_class = _cell(kf.wijk, kf)
            rows.append(
                {
                    "id": kf.indicator.id,
                    "label": row_label(kf.indicator),
                    "region": region,
                    "region_class": region_class,
                    "earlier": earlier,
                    "computed": kf.region.computed,
                    "gemeente": gem,
                    "gemeente_class": gem_class,
                    "nederland": nl,
                    "nl_class": nl_class,
                    "wijk": wijk,
                    "wijk_class": wijk_class,
                    "difference": kf.difference_text(),
                    "judgement": kf.judgement or "",
                    "judgement_word": JUDGEMENT_WORDS.get(kf.judgement or "", ""),
                }
            )
        out.append((theme, rows))
    return out


def facts(profile: Profile) -> list[dict]:
    h = profile.header
    inwoners = h.inwoners.text(None) if not h.inwoners.known else format_value(h.inwoners.value, None).split(",")[0]
    out = [{"label": "Inwoners", "value": inwoners, "small": ""}]
    if h.oppervlakte.known:
        out.append(
            {"label": "Oppervlakte", "value": format_value(h.oppervlakte.value, None).split(",")[0], "small": "ha"}
        )
    else:
        out.append({"label": "Oppervlakte", "value": "onbekend", "small": ""})
    if h.n_buurten is not None:
        out.append({"label": "Buurten", "value": str(h.n_buurten), "small": ""})
    else:
        out.append({"label": "Ligt in wijk", "value": h.wijk_name or h.wijk_code or "onbekend", "small": ""})
    out.append({"label": "Jaren met cijfers", "value": ", ".join(map(str, h.data_years)) or str(h.year), "small": ""})
    return out


def footer_text(profile: Profile) -> str:
    h = profile.header
    version = f" · gegevensversie {profile.store_version}" if profile.store_version else ""
    return f"Wijkprofiel {h.name} ({h.code}) · gemaakt met Wijkkompas op {nl_date(profile.generated)}{version}"


def buurt_table(profile: Profile) -> tuple[list[str], list[dict]]:
    cols = []
    for ind in profile.buurt_indicators:
        cols.append(row_label(ind) if ind.unit != "%" else f"{ind.label} (%)")
    rows = []
    for b in profile.buurten:
        cells = []
        for ind in profile.buurt_indicators:
            f = b.figures.get(ind.id)
            if f is not None and f.known:
                cells.append({"text": format_value(f.value, ind, with_unit=False), "missing": False})
            else:
                cells.append({"text": "geheim" if f is not None and f.status == "geheim" else "–", "missing": True})
        rows.append({"code": b.code, "name": b.name, "chosen": b.chosen, "cells": cells})
    return cols, rows


def trend_legend(profile: Profile) -> list[dict]:
    """Only the series that are actually drawn in at least one chart."""
    roles = {r for t in profile.trends for r in t.points["role"].unique()}
    h = profile.header
    out = []
    for role, label, dashed in (
        ("regio", h.name, False),
        ("gemeente", h.gemeente_name, False),
        ("nederland", "Nederland", True),
    ):
        if role in roles:
            out.append({"label": label, "colour": ROLE_COLOURS[role], "dashed": dashed})
    return out


def map_alt_text(h) -> str:
    """The text alternative of the profile map: what it shows, and where the figures are in words."""
    wijk = h.wijk_name or h.name
    chosen = f"; {h.name} is oranje" if h.level == "buurt" else ""
    return (
        f"Kaart van {wijk} met de grenzen en namen van de buurten{chosen}; omliggende wijken grijs. "
        "De cijfers per buurt staan in de tabel bij de kaart."
    )


def render_html(profile: Profile, rendered: Rendered | None = None) -> str:
    """The whole document as a string (UTF-8, self-contained)."""
    rendered = rendered or Rendered()
    h = profile.header
    themes = figure_rows(profile)
    has_wijk = profile.has_wijk_column
    has_nl = profile.has_nederland
    ncols = 4 + int(has_wijk) + int(has_nl)
    notices = list(profile.notes)
    legend = trend_legend(profile)
    breaks = sorted({(y, r) for t in profile.trends for y, r in t.breaks})
    breaks_note = ""
    if breaks:
        breaks_note = "Breuk in de reeks: " + "; ".join(f"{y}: {r}" for y, r in breaks) + "."
    trend_tables = sorted({p for t in profile.trends for p in t.source_tables})
    buurt_cols, buurt_rows = buurt_table(profile)
    buurt_tables = sorted(
        {(f.year, f.source_table) for b in profile.buurten for f in b.figures.values() if f.source_table}
    )
    map_caption = ""
    if rendered.map_svg:
        what = (
            "De buurten van deze wijk"
            if h.level == "wijk"
            else f"{h.name} (oranje) en de andere buurten van {h.wijk_name or 'de wijk'}"
        )
        map_caption = (
            f"{what}, met de grens van de wijk (donkerblauw) en de wijken eromheen (grijs). "
            f"Kaartgrenzen {rendered.map_year}"
            + (
                f"; de cijfers zijn van {h.year}, de indeling kan sindsdien veranderd zijn."
                if rendered.map_year and rendered.map_year != h.year
                else "."
            )
            + " Bron kaart: CBS/Kadaster, Wijk- en buurtkaart."
        )
    figures_source = source_line(profile.figure_sources())
    alts = rendered.chart_alts
    context = {
        "css": stylesheet(),
        "h": h,
        "facts": facts(profile),
        "notices": notices,
        "standout": profile.standout,
        "standout_notes": profile.standout_notes,
        "plural": PLURAL.get(h.level, h.level),
        "themes": themes,
        "has_wijk": has_wijk,
        "has_nl": has_nl,
        "ncols": ncols,
        "any_computed": any(r["computed"] for _, rows in themes for r in rows),
        "not_loaded": ", ".join(i.label for i in profile.not_loaded),
        "figures_source": figures_source,
        "charts": [
            {"src": svg_data_uri(svg), "alt": alts[i] if i < len(alts) else f"Ontwikkeling: {label}"}
            for i, (label, svg) in enumerate(rendered.charts)
        ],
        "legend": legend,
        "trend_note": profile.trend_note,
        "breaks_note": breaks_note,
        "trends_source": source_line(trend_tables),
        "buurten_title": "Buurten in deze wijk"
        if h.level == "wijk"
        else f"Buurten in {h.wijk_name or 'dezelfde wijk'}",
        "map_src": svg_data_uri(rendered.map_svg) if rendered.map_svg else "",
        "map_alt": map_alt_text(h),
        "map_caption": map_caption,
        "buurt_cols": buurt_cols,
        "buurten": buurt_rows,
        "buurten_source": source_line(buurt_tables),
        "scores": list(rendered.scores),
        "notes": [{"byline": n.byline(), "lines": n.text.split("\n")} for n in rendered.notes],
        "scores_source": source_line([(y, t) for y, t in profile.source_tables if y == h.year]),
        "all_sources": source_line(profile.source_tables),
        "footer": footer_text(profile),
    }
    return _env().get_template("profile.html.j2").render(**context)
