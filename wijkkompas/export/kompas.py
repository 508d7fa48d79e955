"""The kompas for the raad: one A4-landscape page (the matrix, a legend, the date, the sources) via WeasyPrint.

One page on purpose: a raadslid reads it at the table. Many regions (buurten) shrink the font and, past what fits,
continue on a second page with the header repeated rather than become unreadable. Every name from data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from wijkkompas.formatting import esc, nl_number, source_label
from wijkkompas.kompas.definitions import REFERENCES
from wijkkompas.kompas.model import BAND_SHORT, TREND_SYMBOL, KompasView

COLOURS = {
    "urgent": ("#b2182b", "#ffffff"),
    "aandacht": ("#f4a582", "#1a1a1a"),
    "rond het gemiddelde": ("#f7f7f7", "#1a1a1a"),
    "gunstig": ("#92c5de", "#1a1a1a"),
    "": ("#e8e8e8", "#555555"),
}
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]

CSS = """
@page { size: A4 landscape; margin: 10mm 10mm 12mm 10mm;
  @bottom-right { content: "pagina " counter(page) " van " counter(pages); font: 7pt "Liberation Sans", Arial, sans-serif; color: #555; } }
body { font-family: "Liberation Sans", Arial, "DejaVu Sans", sans-serif; color: #1a1a1a; margin: 0; }
h1 { font-size: 16pt; margin: 0; color: #12304f; }
.sub { font-size: 8.5pt; color: #444; margin: 2pt 0 6pt 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
thead { display: table-header-group; }
th { font-size: 6.5pt; font-weight: bold; color: #333; border-bottom: 1pt solid #777; padding: 2pt; text-align: center; vertical-align: bottom; }
th.name, td.name { text-align: left; width: 19%; }
td { padding: 1.4pt 2pt; border-bottom: 0.4pt solid #fff; text-align: center; white-space: nowrap; overflow: hidden; }
td.name { font-weight: bold; color: #12304f; border-bottom: 0.4pt solid #ddd; }
td.n { width: 4%; }
td.none { font-style: italic; }
tr { break-inside: avoid; }
.legend { margin-top: 6pt; font-size: 7pt; color: #333; }
.legend span.sw { display: inline-block; padding: 0 4pt; margin-right: 3pt; border-radius: 2pt; }
.source { font-size: 6.5pt; color: #555; margin-top: 3pt; font-style: italic; }
"""


def _nl_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def kompas_html(view: KompasView, gemeente_names: Mapping[str, str] | None = None, *, today: date | None = None) -> str:
    names = dict(gemeente_names or {})
    today = today or date.today()
    n = len(view.regions)
    size = 7.5 if n <= 30 else 6.5 if n <= 45 else 5.5
    gm = ", ".join(esc(names.get(g, g)) for g in view.gemeenten)
    level = "wijken" if view.level == "wijk" else "buurten"
    head = "".join(f'<th title="{esc(t.label)}">{esc(t.short)}</th>' for t in view.themes)
    many = len(view.gemeenten) > 1
    rows = []
    order = sorted(range(n), key=lambda r: (-int(view.urgent_count()[r]), str(view.regions["region_name"].iloc[r])))
    for r in order:
        name = esc(view.regions["region_name"].iloc[r])
        if many:
            g = view.regions["gemeente_code"].iloc[r]
            name += f' <span style="font-weight:normal;color:#555">({esc(names.get(g, g))})</span>'
        cells = []
        for t in range(len(view.themes)):
            band = str(view.band[r, t])
            bg, fg = COLOURS.get(band, COLOURS[""])
            if band:
                arrow = TREND_SYMBOL.get(str(view.trend[r, t]), "")
                text = f"{esc(BAND_SHORT[band])} {arrow}".strip()
                cls = ""
            else:
                text, cls = "–", ' class="none"'
            cells.append(f'<td{cls} style="background:{bg};color:{fg}">{text}</td>')
        rows.append(
            f'<tr><td class="name">{name}</td><td class="n">{int(view.urgent_count()[r])}</td>{"".join(cells)}</tr>'
        )
    b = view.definition.bands
    legend = "".join(
        f'<span class="sw" style="background:{COLOURS[k][0]};color:{COLOURS[k][1]}">{esc(lbl)}</span>'
        for k, lbl in (
            ("urgent", f"urgent (≤ {nl_number(b.urgent, 1)})"),
            ("aandacht", f"aandacht (≤ {nl_number(b.aandacht, 1)})"),
            ("rond het gemiddelde", "rond het gemiddelde"),
            ("gunstig", f"gunstig (≥ {nl_number(b.gunstig, 1)})"),
            ("", "– onvoldoende gegevens"),
        )
    )
    prev = (
        f"Pijlen: ↑ beter, ↓ slechter, → gelijk ten opzichte van {view.previous_year}; ⇆ breuk in de reeks "
        "(andere indeling), geen pijl: niet te vergelijken."
        if view.previous_year
        else "Geen eerder jaar geladen: geen pijlen."
    )
    sources = ", ".join(dict.fromkeys(source_label(s) for _y, s in view.sources)) or "geen"
    empty = [t.short for j, t in enumerate(view.themes) if not (view.band[:, j] != "").any()]
    empty_text = f" Onvoldoende gegevens voor: {esc(', '.join(empty))}." if empty else ""
    return f"""<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Kompas {gm} {view.year}</title>
<style>{CSS} td, th {{ font-size: {size}pt; }}</style></head><body>
<h1>Kompas {gm} · {view.year}</h1>
<p class="sub">{n} {level}, per thema vergeleken met {esc(REFERENCES[view.reference])}. Afwijking in standaarddeviaties,
gemiddeld over de cijfers van het thema; een oordeel alleen met genoeg cijfers.{empty_text} Gemaakt op {_nl_date(today)}.</p>
<table><thead><tr><th class="name">{"Wijk" if view.level == "wijk" else "Buurt"}</th><th>Urgent</th>{head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<div class="legend">{legend}<br>{esc(prev)}</div>
<p class="source">Bronnen: {esc(sources)} ({view.year}). Methode: Wijkkompas, kompas.toml; zie 'Over de gegevens'.
Dit is een signaal om het gesprek te beginnen, geen oordeel over de mensen in een wijk.</p>
</body></html>"""


def kompas_pdf(
    view: KompasView, gemeente_names: Mapping[str, str] | None = None, *, today: date | None = None
) -> bytes:
    from wijkkompas.export.pdf import html_to_pdf

    return html_to_pdf(kompas_html(view, gemeente_names, today=today))
