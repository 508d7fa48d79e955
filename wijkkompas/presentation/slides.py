"""Slides drawn on the server: figures from the store → HTML with inline SVG, ready for the deck.

Why inline SVG drawn here (and not pydeck, altair or matplotlib): a slide must appear instantly and
without network, at a size readable from the back of a room. An SVG path per region and a hand-made
line chart are a few kB, need no JavaScript library, render identically offline, and every text in
them is sized in the deck's 1024×768 design pixels (≥ 24 px). The numbers come from the same pure
functions as the pages (mapdata/classify for map classes and colours, profile, compare, trends,
scores), so a slide always agrees with the page it was chosen from.

Every string from data goes through `esc`. A slide that cannot be drawn becomes a notice saying why,
in plain Dutch; the others are not affected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from wijkkompas.catalogue.catalogue import Catalogue, Indicator
from wijkkompas.errors import SourceError
from wijkkompas.formatting import esc, format_value, missing_text, nl_number
from wijkkompas.presentation.model import Loaded, Presentation, Slide, check_slide, gemeente_of, level_of

log = logging.getLogger("wijkkompas")

# Design size of the deck (CSS px); the deck scales the whole stage to the screen.
STAGE_W, STAGE_H = 1024, 768
MAP_W, MAP_H = 540, 500
CHART_W, CHART_H = 936, 400
FONT = 24  # the smallest text on a slide (CSS px at 1024×768)
SVG_FONT = 27  # text inside an SVG: it may be scaled down a little to fit, and must stay ≥ FONT
# Okabe-Ito: distinguishable with every common form of colour blindness, strong on a washed-out projector.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
REFERENCE_COLOUR = "#444444"
GOOD, BAD, NEUTRAL = "#1f5fa8", "#c4331b", "#6b6b6b"
# Shape *and* colour, so the judgement survives colour blindness and a washed-out projector.
MARK = {"beter": ("●", GOOD), "slechter": ("▲", BAD)}
JUDGEMENT_WORDS = {
    "beter": "gunstiger",
    "slechter": "ongunstiger",
    "hoger": "hoger",
    "lager": "lager",
    "rond gemiddeld": "gemiddeld",
    "onbekend": "",
    "": "",
}
KWB_TITLE = "Kerncijfers wijken en buurten"
BAND_TEXT = {
    "ver onder gemiddeld": "ver onder gemiddeld (< 70)",
    "onder gemiddeld": "onder gemiddeld (70–90)",
    "rond gemiddeld": "rond gemiddeld (90–110)",
    "boven gemiddeld": "boven gemiddeld (110–130)",
    "ver boven gemiddeld": "ver boven gemiddeld (> 130)",
}


@dataclass(frozen=True)
class SlideContent:
    """One drawn slide. `body` is trusted HTML built here; `notice` is set when it could not be drawn."""

    kind: str
    title: str
    message: str
    body: str
    source: str = ""
    notice: str = ""
    notes: tuple[str, ...] = field(default=())


# =========================================================================== data access (memoised per deck)


class _Data:
    """Reads from the store once per deck: several slides often share a gemeente and year."""

    def __init__(self, store, catalogue: Catalogue, geometry_loader=None) -> None:
        self.store = store
        self.catalogue = catalogue
        self._values: dict[tuple, pd.DataFrame] = {}
        self._geo: dict[tuple, object] = {}
        self._regions: dict[tuple, pd.DataFrame] = {}
        # The app passes its process-wide geometry cache: maps are the slowest thing to read.
        self._geometry_loader = geometry_loader or (
            lambda year, level, gms: self.store.geometry(year, level, list(gms))
        )

    def values(self, gemeenten: Sequence[str], years: Sequence[int] | None = None) -> pd.DataFrame:
        key = (tuple(sorted(gemeenten)), tuple(sorted(years)) if years else None)
        if key not in self._values:
            self._values[key] = self.store.load_values(
                list(key[0]), list(key[1]) if key[1] else None, include_nederland=True
            )
        return self._values[key]

    def regions(self, gemeenten: Sequence[str]) -> pd.DataFrame:
        key = tuple(sorted(gemeenten))
        if key not in self._regions:
            self._regions[key] = self.store.regions(gemeenten=list(key))
        return self._regions[key]

    def geometry(self, year: int, level: str, gemeenten: Sequence[str]):
        key = (year, level, tuple(sorted(gemeenten)))
        if key not in self._geo:
            self._geo[key] = self._geometry_loader(year, level, key[2])
        return self._geo[key]

    def map_year(self, level: str, year: int) -> int | None:
        from wijkkompas.mapdata import nearest_year

        return nearest_year(year, self.store.geometry_years(level))

    def indicator(self, ident: str) -> Indicator:
        ind = self.catalogue.get(ident)
        if ind is None:
            raise SourceError(f"Het cijfer '{ident}' is op deze computer niet bekend (niet geladen of verwijderd).")
        return ind


def show(value: float | None, ind: Indicator | None) -> str:
    """A value as the room reads it: '€ 274.000' rather than '274 x 1 000 euro' (which does not fit a
    cell and makes people calculate); otherwise the same text as everywhere else."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if ind is not None and ind.unit.replace("\u00a0", " ") == "x 1 000 euro":
        return f"€\u00a0{nl_number(float(value) * 1000, 0)}"
    if ind is not None and ind.unit == "code":
        return nl_number(value, 0)
    return format_value(float(value), ind)


def _names(values: pd.DataFrame) -> dict[str, str]:
    rows = values.drop_duplicates("region_code", keep="last")
    return {str(c): str(n) for c, n in zip(rows["region_code"], rows["region_name"], strict=True) if isinstance(n, str)}


def source_text(pairs: Sequence[tuple[int, str]], catalogue: Catalogue, extra: Sequence[str] = ()) -> str:
    """'Bron: CBS, Kerncijfers wijken en buurten 2024 (85984NED)' plus own data and notes."""
    kwb: list[tuple[int, str]] = []
    other: list[str] = []
    for year, table in sorted({(int(y), str(t)) for y, t in pairs if t and str(t) != "nan"}):
        if table.startswith("eigen:"):
            other.append("eigen gegevens van de gemeente")
        elif catalogue.year_of_table(table) is not None or table.upper().endswith("NED"):
            kwb.append((year, table))
        else:
            other.append(f"{table} ({year})")
    parts = []
    if kwb:
        years = [f"{y} ({t})" for y, t in kwb]
        parts.append(f"CBS {KWB_TITLE} " + (", ".join(years[:-1]) + " en " + years[-1] if len(years) > 1 else years[0]))
    parts += list(dict.fromkeys(other))
    text = "Bron: " + ("; ".join(parts) if parts else f"CBS {KWB_TITLE}")
    return text + "".join(f" · {e}" for e in extra)


def _pairs(frame: pd.DataFrame) -> list[tuple[int, str]]:
    if frame.empty or "source_table" not in frame.columns:
        return []
    known = frame[frame["source_table"].notna()]
    return list(zip(known["year"].astype(int), known["source_table"].astype(str), strict=True))


# =========================================================================== SVG map


def _project(bounds: Sequence[float], width: int, height: int, pad: float = 10.0):
    """lon/lat → SVG px: equirectangular with cos(latitude) (exact enough for one gemeente), fitted."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    kx = math.cos(math.radians((ymin + ymax) / 2))
    w = max((xmax - xmin) * kx, 1e-9)
    h = max(ymax - ymin, 1e-9)
    s = min((width - 2 * pad) / w, (height - 2 * pad) / h)
    ox = (width - w * s) / 2
    oy = (height - h * s) / 2

    def to_xy(coords: np.ndarray) -> np.ndarray:
        x = ox + (coords[:, 0] - xmin) * kx * s
        y = oy + (ymax - coords[:, 1]) * s
        return np.column_stack([x, y])

    return to_xy


def _path(geom, to_xy) -> str:
    """SVG path data for a (multi)polygon or (multi)line; rings closed, 1 decimal (sub-pixel)."""
    if geom is None or geom.is_empty:
        return ""
    parts = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            close = True
        else:
            rings = [part]
            close = False
        for ring in rings:
            xy = to_xy(shapely.get_coordinates(ring))
            if len(xy) < 2:
                continue
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            parts.append(f"M{pts}{'Z' if close else ''}")
    return "".join(parts)


def map_svg(
    shapes,
    colours: Sequence[str],
    hatched: Sequence[bool],
    tooltips: Sequence[str],
    *,
    outlines=None,
    border=None,
    labels: Sequence[dict] = (),
    uid: str,
    width: int = MAP_W,
    height: int = MAP_H,
    label: str = "",
) -> str:
    """The choropleth as inline SVG: coloured regions, hatching for CBS-secret values, wijk and
    gemeente borders, names with a white halo (readable on every colour)."""
    geoms = shapes.geometry.to_numpy()
    bounds = shapely.total_bounds(geoms)
    if not all(map(math.isfinite, bounds)):
        raise SourceError("De kaartgrenzen van deze gebieden zijn leeg.")
    to_xy = _project(bounds, width, height)
    out = [
        f'<svg class="map" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(label)}">',
        f'<defs><pattern id="h{uid}" width="9" height="9" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="9" height="9" fill="#d0d0d0"/><line x1="0" y1="0" x2="0" y2="9" stroke="#555" stroke-width="2.4"/></pattern></defs>',
        '<g stroke="#ffffff" stroke-width="1" stroke-linejoin="round">',
    ]
    for geom, colour, hatch, tip in zip(geoms, colours, hatched, tooltips, strict=True):
        d = _path(geom, to_xy)
        if not d:
            continue
        fill = f"url(#h{uid})" if hatch else esc(colour)
        out.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd"><title>{esc(tip)}</title></path>')
    out.append("</g>")
    if outlines is not None and not outlines.empty:
        d = "".join(_path(g, to_xy) for g in outlines.geometry.to_numpy())
        out.append(f'<path d="{d}" fill="none" stroke="#333" stroke-width="2.2" stroke-linejoin="round"/>')
    if border is not None and not border.empty:
        d = "".join(_path(g, to_xy) for g in border.geometry.to_numpy())
        out.append(f'<path d="{d}" fill="none" stroke="#000" stroke-width="3.2" stroke-linejoin="round"/>')
    placed = place_labels(labels, to_xy, width, height)
    if placed:
        out.append(
            f'<g class="labels" font-size="{SVG_FONT}" font-weight="700" text-anchor="middle" dominant-baseline="central">'
        )
        for x, y, text in placed:
            out.append(f'<text x="{x:.1f}" y="{y:.1f}">{esc(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def place_labels(
    labels: Sequence[dict], to_xy, width: int, height: int, font: int = SVG_FONT
) -> list[tuple[float, float, str]]:
    """Names that fit without touching each other, biggest areas first; the rest are left out
    (a crowded map is unreadable from the back of the room, and the table has every name)."""
    if not labels:
        return []
    xy = to_xy(np.array([lab["p"] for lab in labels], dtype=float))
    order = sorted(range(len(labels)), key=lambda i: -float(labels[i].get("area", 0.0)))
    boxes: list[tuple[float, float, float, float]] = []
    out = []
    for i in order:
        text = str(labels[i]["t"])
        w = len(text) * font * 0.62 + 8  # DejaVu Sans Bold averages ~0.6 em per character
        h = font * 1.25
        x = min(max(float(xy[i][0]), w / 2 + 2), width - w / 2 - 2)
        y = min(max(float(xy[i][1]), h / 2 + 2), height - h / 2 - 2)
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if any(not (box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1]) for b in boxes):
            continue
        boxes.append(box)
        out.append((x, y, text))
    return out


def region_labels(frame) -> list[dict]:
    """Label position (a point inside the shape), short name and area per region."""
    from wijkkompas.mapdata import WIJK_PREFIX

    if frame is None or frame.empty:
        return []
    geoms = frame.geometry.to_numpy()
    pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
    names = frame["region_name"].astype("string").fillna("").str.replace(WIJK_PREFIX, "", regex=True).str.strip()
    areas = shapely.area(geoms)
    return [
        {"p": [float(x), float(y)], "t": (t if len(t) <= 20 else t[:19] + "…"), "area": float(a)}
        for (x, y), t, a in zip(pts, names.tolist(), areas, strict=True)
        if t
    ]


def _legend_html(legend, extra_lines: Sequence[str] = ()) -> str:
    rows = []
    short = {
        "geen cijfer (niet gepubliceerd)": "geen cijfer",
        "onbekend (geheim bij CBS)": "geheim bij CBS",
        **BAND_TEXT,
    }
    for e in legend.entries:
        style = f"background:{esc(e.color)}"
        if e.hatched:
            style += ";background-image:repeating-linear-gradient(45deg,#555 0 2px,transparent 2px 8px)"
        rows.append(f'<li><span class="sw" style="{style}"></span><span>{esc(short.get(e.label, e.label))}</span></li>')
    extra = "".join(f"<p>{line}</p>" for line in extra_lines)
    return f'<div class="legend"><h3>{esc(legend.title)}</h3><ul>{"".join(rows)}</ul>{extra}</div>'


def _wijk_labels(data: _Data, level: str, map_year: int, gemeenten: Sequence[str], shapes) -> tuple[object, list[dict]]:
    """Wijk borders (on a buurt map) and wijk names (as many as fit without overlapping)."""
    wijken = data.geometry(map_year, "wijk", gemeenten) if level == "buurt" else shapes
    if level == "buurt" and (wijken is None or wijken.empty):
        wijk_year = data.map_year("wijk", map_year)
        wijken = data.geometry(wijk_year, "wijk", gemeenten) if wijk_year else None
    labels = region_labels(wijken) if wijken is not None and len(wijken) <= 40 else []
    return (wijken if level == "buurt" else None), labels


def _kaart(data: _Data, slide: Slide, year: int, uid: str) -> tuple[str, str, tuple[str, ...]]:
    from wijkkompas.mapdata import build_choropleth, join_values

    gms = list(slide.gemeenten)
    level = slide.niveau
    values = data.values(gms, [year])
    here = values[(values["level"] == level) & values["gemeente_code"].isin(gms)]
    gm_names = _names(values[values["level"] == "gemeente"])
    ind: Indicator | None
    if slide.score:
        vals, label, unit, better, decimals, categories, pairs, ranking_label = _score_values(data, slide, here, year)
    else:
        ind = data.indicator(slide.indicator or "")
        vals = here[here["indicator"] == ind.id]
        if vals["value"].notna().sum() == 0:
            raise SourceError(
                f"Voor '{ind.label}' zijn er geen cijfers per {level} in {year} voor {', '.join(gm_names.get(g, g) for g in gms)}."
            )
        label, unit, better, decimals, categories = ind.label, ind.unit, ind.better, ind.decimals, None
        pairs, ranking_label = _pairs(vals), None
    map_year = data.map_year(level, year)
    shapes = data.geometry(map_year, level, gms) if map_year else None
    notes: list[str] = []
    if map_year is None or shapes is None or shapes.empty:
        body = _ranking_html(vals, unit, decimals, label, ranking_label)
        return body, source_text(pairs, data.catalogue), ("Er zijn geen kaartgrenzen geladen; daarom een ranglijst.",)
    joined = join_values(shapes, vals)
    if categories:  # the score band per region travels next to the value
        band = dict(zip(vals["region_code"], vals["band"], strict=True))
        joined.frame["band"] = joined.frame["region_code"].map(band)
    kwargs = {"categories": categories, "category_column": "band"} if categories else {"method": "quantiles"}
    gv = values[(values["level"] == "gemeente") & (values["indicator"] == (slide.indicator or ""))]
    model = build_choropleth(
        joined.frame,
        value_label=label,
        unit=unit,
        better=better,
        decimals=decimals,
        k=5,
        level=level,
        gemeente_values=dict(zip(gv["region_code"], gv["value"], strict=True)) if not slide.score else None,
        gemeente_names=gm_names,
        **kwargs,
    )
    table = model.table
    hatched = (table["status"].astype("string").fillna("") == "geheim").to_numpy()
    tips = [
        f"{n}: {v}" for n, v in zip(table["region_name"].fillna(table["region_code"]), table["value_text"], strict=True)
    ]
    outlines, labels = _wijk_labels(data, level, map_year, gms, shapes)
    border = data.geometry(data.map_year("gemeente", map_year) or map_year, "gemeente", gms)
    svg = map_svg(
        joined.frame,
        table["color"].tolist(),
        hatched,
        tips,
        outlines=outlines,
        border=border,
        labels=labels,
        uid=uid,
        label=f"Kaart: {label} per {level}, {year}",
    )
    extra = []
    ind = None if slide.score else data.indicator(slide.indicator or "")
    ranked = table[table["value"].notna()].sort_values("value")
    if len(ranked) >= 3 and not categories:
        top, low = ranked.iloc[-1], ranked.iloc[0]
        extra.append(f"<b>Hoogst:</b> {esc(top['region_name'])} ({esc(show(float(top['value']), ind))})")
        extra.append(f"<b>Laagst:</b> {esc(low['region_name'])} ({esc(show(float(low['value']), ind))})")
    if ind is not None and len(gms) == 1:
        g = gv[gv["region_code"] == gms[0]]
        if not g.empty and pd.notna(g["value"].iloc[0]):
            extra.append(f"<b>{esc(gm_names.get(gms[0], gms[0]))}:</b> {esc(show(float(g['value'].iloc[0]), ind))}")
    no_shape = len(joined.value_without_shape)
    if no_shape:
        word = level if no_shape == 1 else ("buurten" if level == "buurt" else "wijken")
        verb = "staat" if no_shape == 1 else "staan"
        notes.append(f"{no_shape} {word} {verb} niet op de kaart: die heeft de grenzen van {map_year}.")
    body = f'<div class="kaart"><div class="mapbox">{svg}</div>{_legend_html(model.legend, extra)}</div>'
    extra_src = [f"kaart {map_year}"]
    return body, source_text(pairs, data.catalogue, extra_src), tuple(notes)


def _score_values(data: _Data, slide: Slide, here: pd.DataFrame, year: int):
    from wijkkompas.scores import BAND_ORDER, TOTAL, compute
    from wijkkompas.scores.definitions import default_definitions
    from wijkkompas.scores.saved import list_saved

    definitions = default_definitions()
    definition = definitions.get(slide.score or "")
    if definition is None:
        raise SourceError(f"De score '{slide.score}' is op deze computer niet bekend.")
    if slide.score_naam:
        saved = list_saved(data.store.data_dir).definitions.get(slide.score_naam)
        if saved is None or saved.id != slide.score:
            raise SourceError(
                f"De bewaarde versie '{slide.score_naam}' van de score {slide.score} staat niet op deze computer."
            )
        definition = saved
    result = compute(here, definition, year=year, level=slide.niveau)
    table = result.table(TOTAL, gemeenten=list(slide.gemeenten))
    if table["score"].notna().sum() == 0:
        raise SourceError(
            f"De score {definition.label} kan voor {year} niet worden berekend: te weinig van de benodigde cijfers zijn geladen."
        )
    vals = pd.DataFrame(
        {
            "region_code": table["region_code"],
            "region_name": table["region_name"],
            "gemeente_code": table["gemeente_code"],
            "value": table["score"].astype(float),
            "status": np.where(table["score"].notna(), "ok", "niet te berekenen"),
            "band": table["band"].where(table["score"].notna(), None),
        }
    )
    label = definition.label + (f" ({definition.name})" if definition.name else "")
    pairs = _pairs(here)
    return (
        vals,
        f"{label}, index",
        "",
        "higher_is_better",
        0,
        list(BAND_ORDER),
        pairs,
        "index (100 = gemiddelde gemeente)",
    )


def _ranking_html(vals: pd.DataFrame, unit: str, decimals: int, label: str, unit_label: str | None) -> str:
    from wijkkompas.mapdata import format_with_unit

    known = vals[vals["value"].notna()].sort_values("value", ascending=False)
    if known.empty:
        raise SourceError(f"Er zijn geen cijfers voor '{label}'.")
    shown = pd.concat([known.head(5), known.tail(3)]).drop_duplicates("region_code") if len(known) > 8 else known
    top = float(known["value"].abs().max()) or 1.0
    rows = []
    for r in shown.itertuples():
        w = max(abs(float(r.value)) / top * 100, 1)
        rows.append(
            f'<tr><td class="nm">{esc(r.region_name)}</td><td class="num">{esc(format_with_unit(float(r.value), unit, decimals))}</td>'
            f'<td class="barcell"><span class="bar" style="width:{w:.0f}%;background:{SERIES_COLOURS[0]}"></span></td></tr>'
        )
    more = f"<p>Hoogste 5 en laagste 3 van {len(known)}.</p>" if len(known) > 8 else ""
    return f'<div class="ranking"><h3>{esc(label)}{esc(" (" + unit_label + ")") if unit_label else ""}</h3><table>{"".join(rows)}</table>{more}</div>'


# =========================================================================== profile and comparison


def _chosen_indicators(
    grid: pd.DataFrame, catalogue: Catalogue, wanted: Sequence[str], n_regions: int, limit: int = 5
) -> list[str]:
    """The figures to show: the analyst's choice, or the profile figures (shares and averages, not
    counts) that most of the regions have, in catalogue order."""
    from wijkkompas.compare import is_count

    present = list(dict.fromkeys(grid["indicator"]))
    if wanted:
        return [i for i in wanted if i in present][:limit]
    known = grid[grid["value"].notna()].groupby("indicator", sort=False)["region_code"].nunique()
    ok: dict[str, Indicator] = {}
    for i in present:
        ind = catalogue.get(i)
        if ind is None or is_count(ind) or ind.unit in ("code", "") or known.get(i, 0) < max(1, (n_regions + 1) // 2):
            continue
        ok[i] = ind
    preferred = [i for i, ind in ok.items() if ind.profile and ind.origin == "catalogue"]
    rest = [i for i, ind in ok.items() if i not in preferred and ind.origin != "cbs"]
    return (preferred + rest + [i for i in ok if i not in preferred and i not in rest])[:limit]


def _short_missing(status: object) -> str:
    return "onbekend" if str(status or "") == "geheim" else missing_text(str(status or "")).split(" (")[0]


def _reference_cell(row, ind: Indicator | None) -> tuple[str, bool]:
    """Reference text, and whether it is the average region instead of the gemeente's own figure."""
    ref = row["reference_value"]
    text = show(float(ref), ind) if pd.notna(ref) else "–"
    return text, str(row["reference_kind"]) == "gemiddelde"


def _profiel(data: _Data, slide: Slide, year: int) -> tuple[str, str, tuple[str, ...]]:
    from wijkkompas.compare import comparison_table
    from wijkkompas.profile import build_profile

    code = slide.region or ""
    gm = gemeente_of(code)
    values = data.values([gm])
    profile = build_profile(values, data.regions([gm]), data.catalogue, code, year)
    h = profile.header
    this_year = values[values["year"] == h.year]
    grid = comparison_table(this_year, [code], data.catalogue, include_extra=True)
    sentences_all = profile.standout[:2]
    limit = 6 if not sentences_all else 4
    chosen = _chosen_indicators(grid, data.catalogue, slide.indicatoren, 1, limit=limit)
    if not chosen:
        raise SourceError(f"Voor {h.name} zijn er in {h.year} geen kerncijfers om te tonen.")
    level_word = "Wijk" if h.level == "wijk" else "Buurt"
    facts = [f"{level_word} in {esc(h.gemeente_name)}", str(h.year)]
    if h.inwoners.known:
        facts.append(f"{nl_number(h.inwoners.value)} inwoners")
    rows, averaged = [], False
    part = grid.set_index("indicator")
    for ind_id in chosen:
        r = part.loc[ind_id]
        ind = data.catalogue.get(ind_id)
        value = show(float(r["value"]), ind) if pd.notna(r["value"]) else _short_missing(r["status"])
        ref, avg = _reference_cell(r, ind)
        averaged |= avg and ref != "–"
        j = str(r["judgement"])
        mark, colour = MARK.get(j, ("", NEUTRAL))
        word = JUDGEMENT_WORDS.get(j, j)
        rows.append(
            f'<tr><td class="nm">{esc(ind.label if ind else ind_id)}</td>'
            f'<td class="num strong">{esc(value)}</td>'
            f'<td class="num ref">{esc(ref)}{"*" if avg and ref != "–" else ""}</td>'
            f'<td class="judge" style="color:{colour}">{esc(mark)} {esc(word)}</td></tr>'
        )
    head = (
        f'<tr><th></th><th class="num">{esc(h.name)}</th><th class="num ref">{esc(h.gemeente_name)}</th><th></th></tr>'
    )
    sentences = "".join(f"<li><b>{esc(s.label)}:</b> {esc(_no_source(s.body))}</li>" for s in sentences_all)
    standout = f'<div class="standout"><h3>Wat valt op</h3><ul>{sentences}</ul></div>' if sentences else ""
    body = (
        f'<div class="profiel"><p class="facts">{" · ".join(facts)}</p>'
        f'<table class="figures"><colgroup><col class="c1"><col class="c2"><col class="c3"><col></colgroup>'
        f"{head}{''.join(rows)}</table>{standout}</div>"
    )
    notes = list(profile.notes)
    if averaged:
        notes.append(f"* Gemiddelde van de {h.level}en: de gemeente heeft hier geen eigen cijfer.")
    pairs = _pairs(grid[grid["indicator"].isin(chosen)].assign(year=h.year)) + [
        (y, t) for y, t in profile.source_tables if t
    ]
    return body, source_text(pairs, data.catalogue), tuple(notes)


def _no_source(text: str) -> str:
    """Drop a trailing '(2024, CBS 85984NED)': the slide's footer names the source once."""
    import re

    return re.sub(r"\s*\(\d{4}(?:[^()]*)CBS[^()]*\)\s*$", "", text).rstrip()


def _vergelijking(data: _Data, slide: Slide, year: int) -> tuple[str, str, tuple[str, ...]]:
    from wijkkompas.compare import comparison_table

    codes = list(slide.regios)
    gms = list(dict.fromkeys(gemeente_of(c) for c in codes))
    values = data.values(gms, [year])
    names = _names(values)
    grid = comparison_table(values, codes, data.catalogue, include_extra=True)
    if grid.empty:
        raise SourceError(f"Voor deze gebieden zijn er in {year} geen cijfers om te vergelijken.")
    chosen = _chosen_indicators(grid, data.catalogue, slide.indicatoren, len(codes))
    if not chosen:
        raise SourceError(
            f"Voor deze gebieden zijn er in {year} geen vergelijkbare cijfers (percentages of gemiddelden)."
        )
    grid = grid[grid["indicator"].isin(chosen)]
    width = max(12, 60 // (len(codes) + 1))
    cols = (
        '<col class="c-nm">' + "".join(f'<col style="width:{width}%">' for _ in codes) + f'<col style="width:{width}%">'
    )
    head = "".join(f'<th class="num">{esc(names.get(c, c))}</th>' for c in codes)
    ref_head = names.get(gms[0], "Gemeente") if len(gms) == 1 else "Eigen gemeente"
    rows, averaged, unknown = [], False, False
    for ind_id in chosen:
        part = grid[grid["indicator"] == ind_id].set_index("region_code")
        ind = data.catalogue.get(ind_id)
        cells = []
        for c in codes:
            if c not in part.index or pd.isna(part.loc[c, "value"]):
                status = part.loc[c, "status"] if c in part.index else ""
                unknown |= str(status) == "geheim"
                cells.append(f'<td class="num muted">{esc(_short_missing(status))}</td>')
                continue
            r = part.loc[c]
            j = str(r["judgement"])
            mark, colour = MARK.get(j, ("", NEUTRAL))
            bar = r["bar"]
            w = 0 if pd.isna(bar) else max(float(bar) * 100, 2)
            marker = f'<span class="mk" style="color:{colour}">{mark}</span>' if mark else ""
            cells.append(
                f'<td class="num">{marker}{esc(show(float(r["value"]), ind))}'
                f'<span class="track"><span class="bar" style="width:{w:.0f}%;background:{colour}"></span></span></td>'
            )
        first = part.iloc[0]
        ref, avg = _reference_cell(first, ind)
        averaged |= avg and ref != "–"
        rows.append(
            f'<tr><td class="nm">{esc(ind.label if ind else ind_id)}</td>{"".join(cells)}'
            f'<td class="num ref">{esc(ref)}{"*" if avg and ref != "–" else ""}</td></tr>'
        )
    key = (
        f'<p class="key"><span style="color:{GOOD}">● gunstiger</span> &nbsp; <span style="color:{BAD}">▲ ongunstiger</span>'
        " dan de gemeente (meer dan 10% verschil)</p>"
    )
    if not grid["judgement"].isin(["beter", "slechter"]).any():
        key = ""  # nothing is judged (e.g. age shares are neither better nor worse): no key needed
    body = (
        f'<div class="vergelijking"><table><colgroup>{cols}</colgroup><tr><th></th>{head}'
        f'<th class="num ref">{esc(ref_head)}</th></tr>{"".join(rows)}</table>{key}</div>'
    )
    notes = []
    if averaged:
        notes.append("* Gemiddelde van de wijken of buurten: de gemeente heeft hier geen eigen cijfer.")
    if unknown:
        notes.append("Onbekend: geheim bij CBS (te weinig inwoners of huishoudens).")
    return body, source_text(_pairs(grid.assign(year=year)), data.catalogue), tuple(notes)


# =========================================================================== trend


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi == lo:
        hi, lo = hi + (abs(hi) * 0.1 or 1), lo - (abs(lo) * 0.1 or 1)
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.floor(lo / step) * step
    ticks: list[float] = []
    t = start
    while t < hi + step * 0.999 and len(ticks) < 12:
        ticks.append(round(t, 10))
        t += step
    return ticks


def trend_svg(
    series: Sequence[dict],
    years: Sequence[int],
    ind: Indicator | None,
    *,
    width: int = CHART_W,
    height: int = CHART_H,
    label: str = "",
) -> str:
    """A line chart with big type: one line per region (a segment never crosses a break in the
    region's code or parent), the value at every point of the first and last year.

    Shares (%) start at 0, so a change of one percentage point does not look like a landslide."""
    decimals = ind.decimals if ind else 1
    vals = [p["value"] for s in series for seg in s["segments"] for p in seg]
    if not vals:
        raise SourceError("Er zijn geen cijfers om een lijn te tekenen.")
    lo, hi = min(vals), max(vals)
    if ind is not None and ind.unit == "%" and lo >= 0:
        lo = 0.0
    ticks = _nice_ticks(lo, hi)
    y0, y1 = min(ticks[0], lo), max(ticks[-1], hi)
    f = SVG_FONT
    left, right, top, bottom = 96, 170, 18, 50
    pw, ph = width - left - right, height - top - bottom
    ys = sorted(set(int(y) for y in years))
    span = max(ys[-1] - ys[0], 1)

    def X(y: float) -> float:
        return left + (pw * (y - ys[0]) / span if len(ys) > 1 else pw / 2)

    def Y(v: float) -> float:
        return top + ph * (1 - (v - y0) / ((y1 - y0) or 1))

    tick_dec = 0 if all(float(t).is_integer() for t in ticks) else max(decimals, 1)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{esc(label)}" '
        f'font-size="{f}">'
    ]
    for t in ticks:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{Y(t):.1f}" y2="{Y(t):.1f}" stroke="#d0d0d0" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{left - 12}" y="{Y(t):.1f}" text-anchor="end" dominant-baseline="central" fill="#222">{esc(nl_number(t, tick_dec))}</text>'
        )
    for yr in ys:
        out.append(f'<text x="{X(yr):.1f}" y="{top + ph + 38}" text-anchor="middle" fill="#222">{yr}</text>')
    ends = []
    for s in series:
        colour = s["colour"]
        dash = ' stroke-dasharray="12 8"' if s.get("reference") else ""
        for seg in s["segments"]:
            xy = [(X(p["year"]), Y(p["value"])) for p in seg]
            if len(xy) > 1:
                pts_s = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
                out.append(
                    f'<polyline points="{pts_s}" fill="none" stroke="{colour}" stroke-width="6" stroke-linejoin="round"{dash}/>'
                )
            for x, y in xy:
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{colour}" stroke="#fff" stroke-width="2.5"/>'
                )
        pts = [p for seg in s["segments"] for p in seg]
        if pts:
            p = max(pts, key=lambda q: q["year"])
            ends.append(
                [Y(p["value"]), X(p["year"]), colour, show(p["value"], ind) if ind else nl_number(p["value"], decimals)]
            )
    # Values at the end of the lines, nudged apart so they never overlap.
    ends.sort(key=lambda e: e[0])
    gap = f * 1.2
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
    overflow = (ends[-1][0] - (top + ph)) if ends else 0
    if overflow > 0:
        for e in ends:
            e[0] -= overflow
    for y, x, colour, text in ends:
        out.append(
            f'<text x="{x + 18:.1f}" y="{y:.1f}" dominant-baseline="central" font-weight="700" fill="{colour}">{esc(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _trend(data: _Data, slide: Slide) -> tuple[str, str, tuple[str, ...]]:
    from wijkkompas.trends import build_series

    ind = data.indicator(slide.indicator or "")
    codes = list(slide.regios)
    gms = list(dict.fromkeys(gemeente_of(c) for c in codes))
    values = data.values(gms)
    values = values[values["indicator"] == ind.id]
    regions = data.regions(gms)
    show = list(codes)
    reference = None
    if len(gms) == 1 and gms[0] not in show:
        reference = gms[0]
        show.append(reference)
    series = build_series(values, regions, show, [ind.id])
    pts = series.points
    if pts.empty or not pts[pts["region_code"].isin(codes)]["drawn"].any():
        raise SourceError(f"Voor '{ind.label}' zijn er voor deze gebieden geen cijfers.")
    names = _names(values)
    drawn_series, legend, missing = [], [], []
    colour_i = 0
    for code in show:
        p = pts[(pts["region_code"] == code) & pts["drawn"]].sort_values("year")
        is_ref = code == reference
        colour = REFERENCE_COLOUR if is_ref else SERIES_COLOURS[colour_i % len(SERIES_COLOURS)]
        colour_i += 0 if is_ref else 1
        name = names.get(code) or (
            str(pts.loc[pts["region_code"] == code, "region_name"].iloc[0])
            if (pts["region_code"] == code).any()
            else code
        )
        if p.empty:
            if not is_ref:
                missing.append(name)
            continue
        segs = [
            [{"year": int(y), "value": float(v)} for y, v in zip(g["year"], g["value"], strict=True)]
            for _, g in p.groupby("segment", sort=True)
        ]
        drawn_series.append({"colour": colour, "segments": segs, "reference": is_ref})
        style = ";border-top-style:dashed" if is_ref else ""
        legend.append(
            f'<li><span class="ln" style="border-color:{colour}{style}"></span>{esc(name)}{" (gemeente)" if is_ref else ""}</li>'
        )
    years = sorted(int(y) for y in pts.loc[pts["drawn"], "year"].unique())
    notes = []
    if missing:
        notes.append(f"Geen cijfers voor {', '.join(missing)} (onbekend of geheim bij CBS).")
    brk = series.breaks
    if not brk.empty:
        drawn_codes = set(pts.loc[pts["drawn"], "region_code"])
        texts = brk[brk["region_code"].isin(drawn_codes)]["text"].dropna()
        notes += list(dict.fromkeys(str(t) for t in texts))[:1]
    if len(years) == 2 and years[1] - years[0] > 1:
        notes.append(f"Alleen {years[0]} en {years[1]} zijn geladen; wat er tussendoor gebeurde, is niet te zien.")
    svg = trend_svg(drawn_series, years, ind, label=f"Trend: {ind.label}")
    unit = "" if ind.unit in ("aantal", "code", "") else f" ({ind.unit})"
    body = (
        f'<div class="trend"><div class="axis">{esc(ind.label + unit)}</div><ul class="series">{"".join(legend)}</ul>'
        f'<div class="chartbox">{svg}</div></div>'
    )
    drawn = pts[pts["drawn"]]
    pairs = [(int(y), str(t)) for y, t in zip(drawn["year"], drawn["source_table"], strict=True)]
    return body, source_text(pairs, data.catalogue), tuple(notes)


# =========================================================================== kompas

KOMPAS_ROWS = 8  # more rows than this are unreadable from the back of a room at ≥ 24 px
KOMPAS_THEMES = 6
KOMPAS_COLOURS = {
    "urgent": ("#b2182b", "#ffffff"),
    "aandacht": ("#f4a582", "#1a1a1a"),
    "rond het gemiddelde": ("#f7f7f7", "#1a1a1a"),
    "gunstig": ("#92c5de", "#1a1a1a"),
    "": ("#e8e8e8", "#555555"),
}


def _kompas(data: _Data, slide: Slide, year: int) -> tuple[str, str, tuple[str, ...]]:
    """The kompas matrix, cut to what a room can read: the regions with the most urgent themes (at most 8) and
    the themes with the most urgent cells among those that have any band (at most 6); the notes say what is left out."""
    from wijkkompas.kompas import compute_kompas
    from wijkkompas.kompas.model import BAND_SHORT, TREND_SYMBOL

    gms = list(slide.gemeenten)
    level = slide.niveau
    years = [y for y in data.store.years() if y <= year]
    values = data.values(gms, years)
    values = values[values["level"].isin([level, "gemeente", "nederland"])]
    view = compute_kompas(values, data.regions(gms), data.catalogue, gms, year, level)
    with_band = [t for t in range(len(view.themes)) if (view.band[:, t] != "").any()]
    if not with_band:
        raise SourceError(f"Voor {year} zijn er per {level} te weinig cijfers voor een oordeel op welk thema dan ook.")
    urgent = view.band == "urgent"
    themes = sorted(with_band, key=lambda t: (-int(urgent[:, t].sum()), t))[:KOMPAS_THEMES]
    themes.sort()
    order = sorted(
        range(len(view.regions)),
        key=lambda r: (
            -int(urgent[r].sum()),
            -int((view.band[r] == "aandacht").sum()),
            str(view.regions["region_name"].iloc[r]),
        ),
    )[:KOMPAS_ROWS]
    head = "".join(f"<th>{esc(view.themes[t].short)}</th>" for t in themes)
    rows = []
    for r in order:
        cells = []
        for t in themes:
            band = str(view.band[r, t])
            bg, fg = KOMPAS_COLOURS.get(band, KOMPAS_COLOURS[""])
            text = f"{BAND_SHORT[band]} {TREND_SYMBOL.get(str(view.trend[r, t]), '')}".strip() if band else "–"
            cells.append(f'<td style="background:{bg};color:{fg};text-align:center">{esc(text)}</td>')
        rows.append(f'<tr><td class="nm">{esc(view.regions["region_name"].iloc[r])}</td>{"".join(cells)}</tr>')
    notes = []
    if len(view.regions) > len(order):
        notes.append(f"De {len(order)} van de {len(view.regions)} {level}en met de meeste urgente thema's.")
    left = [view.themes[t].short for t in range(len(view.themes)) if t not in themes]
    if left:
        notes.append(f"Niet getoond (onvoldoende gegevens of minder urgent): {', '.join(left)}.")
    if view.previous_year:
        notes.append(f"Pijlen: vergeleken met {view.previous_year}; ⇆ = andere indeling, geen trend.")
    body = (
        f'<div class="vergelijking kompas"><table><thead><tr><th>{"Wijk" if level == "wijk" else "Buurt"}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    return body, source_text(list(view.sources), data.catalogue), tuple(notes)


# =========================================================================== notes ("Verhalen")

NOTES_ON_SLIDE = 3
NOTE_CHARS_ON_SLIDE = 230  # what the back of the room can read at 26 px; longer notes are shortened, and say so


def _short(text: str, limit: int) -> tuple[str, bool]:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat, False
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + " …", True


def _notities(data: _Data, slide: Slide) -> tuple[str, str, tuple[str, ...]]:
    """The newest notes of one wijk or buurt as quotations with date, source and role: what people
    said, visibly not a figure (no numbers, no colours of judgement)."""
    from wijkkompas.notes import list_notes

    code = slide.region or ""
    found = list_notes(data.store, code)
    name = data.regions([gemeente_of(code)])
    rows = name[name["region_code"] == code].sort_values("year")
    region_name = str(rows["region_name"].iloc[-1]) if not rows.empty else code
    if not found.notes:
        raise SourceError(
            f"Bij {region_name} ({code}) staan op deze computer geen notities. Voeg ze toe op het wijkprofiel, "
            "of installeer een gegevenspakket waarin ze zitten."
        )
    shown = found.notes[:NOTES_ON_SLIDE]
    items, shortened = [], False
    for n in shown:
        text, cut = _short(n.text, NOTE_CHARS_ON_SLIDE)
        shortened |= cut
        items.append(
            f'<figure class="quote"><blockquote>“{esc(text)}”</blockquote>'
            f"<figcaption>{esc(n.date_text)} · {esc(n.source_label)} · {esc(n.author_role)}"
            + (f" · {esc(n.theme)}" if n.theme else "")
            + "</figcaption></figure>"
        )
    body = f'<div class="quotes"><p class="facts">Wat mensen zeiden over {esc(region_name)}</p>{"".join(items)}</div>'
    notes = []
    if len(found.notes) > len(shown):
        notes.append(
            f"De {len(shown)} nieuwste van {len(found.notes)} notities; alle notities staan op het wijkprofiel."
        )
    if shortened:
        notes.append("Lange notities zijn ingekort (…); de hele tekst staat op het wijkprofiel.")
    source = "Notities in Wijkkompas: wat bewoners, partners en medewerkers zeiden of zagen. Geen cijfers."
    return body, source, tuple(notes)


# =========================================================================== the deck's slides


def notice_body(text: str) -> str:
    return (
        '<div class="notice" role="alert"><p class="big">Deze dia kan hier niet worden getoond.</p>'
        f"<p>{esc(text)}</p><p>De andere dia's werken gewoon.</p></div>"
    )


def render_slide(data: _Data, slide: Slide, loaded: Loaded, index: int) -> SlideContent:
    problem = check_slide(slide, loaded)
    year = loaded.year_for(slide)
    if problem:
        return SlideContent(slide.kind, slide.title, slide.message, notice_body(problem), notice=problem)
    assert year is not None  # check_slide refuses a slide whose year is not loaded
    try:
        if slide.kind == "kaart":
            body, source, notes = _kaart(data, slide, int(year), uid=f"s{index}")
        elif slide.kind == "profiel":
            body, source, notes = _profiel(data, slide, int(year))
        elif slide.kind == "vergelijking":
            body, source, notes = _vergelijking(data, slide, int(year))
        elif slide.kind == "kompas":
            body, source, notes = _kompas(data, slide, int(year))
        elif slide.kind == "notities":
            body, source, notes = _notities(data, slide)
        else:
            body, source, notes = _trend(data, slide)
    except SourceError as exc:
        return SlideContent(slide.kind, slide.title, slide.message, notice_body(str(exc)), notice=str(exc))
    except Exception as exc:  # one bad slide never takes the presentation down
        log.exception("slide %s could not be drawn", index + 1)
        text = f"Er ging iets mis bij het maken van deze dia ({type(exc).__name__}). Kies andere instellingen voor deze dia."
        return SlideContent(slide.kind, slide.title, slide.message, notice_body(text), notice=text)
    return SlideContent(slide.kind, slide.title, slide.message, body, source, notes=tuple(notes))


def render_slides(
    store, pres: Presentation, catalogue: Catalogue | None = None, loaded: Loaded | None = None, geometry_loader=None
) -> list[SlideContent]:
    """Every slide drawn up front (the deck then switches between them without the server).

    `geometry_loader(year, level, gemeenten)` may replace `store.geometry` (the app passes its cache).
    """
    from wijkkompas.exporting import indicator_catalogue
    from wijkkompas.presentation.model import loaded_from_store

    catalogue = catalogue or indicator_catalogue(store)
    loaded = loaded or loaded_from_store(store, pres.gemeenten(), catalogue)
    data = _Data(store, catalogue, geometry_loader)
    return [render_slide(data, s, loaded, i) for i, s in enumerate(pres.slides)]


def default_title(
    kind: str,
    *,
    names: Mapping[str, str],
    label: str = "",
    regios: Sequence[str] = (),
    gemeenten: Sequence[str] = (),
    niveau: str = "buurt",
    year: int | None = None,
) -> str:
    """A sensible title suggestion, so composing a slide is quick (the analyst can change it)."""
    n = [names.get(c, c) for c in regios]
    g = [names.get(c, c) for c in gemeenten]
    suffix = f" ({year})" if year else ""
    if kind == "kaart":
        return f"{label} per {niveau} in {', '.join(g)}{suffix}"[:80]
    if kind == "profiel":
        return f"{n[0] if n else 'Wijk'} in cijfers{suffix}"[:80]
    if kind == "kompas":
        return f"Kompas: welke {niveau}en vragen aandacht in {', '.join(g)}{suffix}"[:80]
    if kind == "notities":
        return f"Wat mensen zeggen over {n[0] if n else 'de wijk'}"[:80]
    if kind == "vergelijking":
        return f"{' en '.join(n[:2]) if len(n) <= 2 else ', '.join(n[:-1]) + ' en ' + n[-1]} vergeleken{suffix}"[:80]
    return f"{label}: {', '.join(n)} door de jaren"[:80]


__all__ = [
    "SlideContent",
    "default_title",
    "level_of",
    "map_svg",
    "notice_body",
    "render_slides",
    "source_text",
    "trend_svg",
]
