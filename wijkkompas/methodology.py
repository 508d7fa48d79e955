"""The methodology ("Over de gegevens"), generated from the catalogue, the table list and the score definitions.

Written by hand, a method page goes stale the first time somebody adds an indicator or changes a
weight. Generated from the same data the app computes with, it cannot: every indicator, every
source table, every score weight shown here is the one in use. Pure functions; the page renders them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wijkkompas.catalogue.catalogue import THEMES, Catalogue
from wijkkompas.formatting import md_escape, weight_text
from wijkkompas.scores.definitions import DIRECTIONS, REFERENCES, ScoreDefinition

TABLES_TOML = Path(__file__).resolve().parent / "catalogue" / "tables.toml"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.nl"
BETTER_TEXT = {"higher_is_better": "hoger is beter", "lower_is_better": "lager is beter", "neutral": "neutraal"}


def statline_url(table_id: str) -> str:
    return f"https://opendata.cbs.nl/#/CBS/nl/dataset/{table_id}/table"


def tables_info() -> dict:
    """tables.toml as a dict (title, publisher, licence per source)."""
    return tomllib.loads(TABLES_TOML.read_text(encoding="utf-8"))


def sources_table(catalogue: Catalogue, loaded: Mapping[int, Iterable[str]] | None = None) -> pd.DataFrame:
    """One row per KWB year: table id, title, link and whether (and when) it is loaded here.

    `loaded` maps year → ingest dates (ISO strings) from the store's ingest log; None = unknown.
    """
    info = tables_info()
    rows = []
    for year, ty in sorted(catalogue.kwb_years.items()):
        dates = sorted(loaded.get(year, ())) if loaded is not None else []
        rows.append(
            {
                "Jaar": str(year),
                "Tabel": ty.id,
                "Titel": f"{info['kwb']['title']} {year}",
                "Uitgever": info["kwb"].get("publisher", "CBS"),
                "Geladen": ("ja, " + _nl_date(dates[-1])) if dates else ("nee" if loaded is not None else "onbekend"),
                "Bron": statline_url(ty.id),
                "Opmerking": "alleen via de nieuwe CBS-dienst (OData v4)" if ty.v4_only else "",
            }
        )
    rows.append(
        {
            "Jaar": "per jaar",
            "Tabel": "wijk- en buurtkaart",
            "Titel": "Wijk- en buurtkaart (kaart en kerncijfers onder kaartnamen)",
            "Uitgever": "CBS, Kadaster",
            "Geladen": "",
            "Bron": "https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data",
            "Opmerking": "uit een map (shapefile, GeoPackage, zip of CSV); vult aan wat de kerncijfertabel niet heeft",
        }
    )
    lbm = info.get("leefbaarometer", {})
    if lbm:
        rows.append(
            {
                "Jaar": ", ".join(str(y) for y in lbm.get("years", [])),
                "Tabel": "Leefbaarometer",
                "Titel": lbm.get("title", "Leefbaarometer 3.0"),
                "Uitgever": lbm.get("publisher", "Ministerie van BZK"),
                "Geladen": "",
                "Bron": lbm.get("url", "https://www.leefbaarometer.nl"),
                "Opmerking": "meet om de twee jaar; staat naast de eigen leefbaarheidsscore",
            }
        )
    crime = info.get("crime", {})
    if crime:
        rows.append(
            {
                "Jaar": "alle jaren",
                "Tabel": crime.get("id", catalogue.crime_table),
                "Titel": crime.get("title", "Geregistreerde misdrijven"),
                "Uitgever": crime.get("publisher", "Politie, via CBS"),
                "Geladen": "",
                "Bron": statline_url(crime.get("id", catalogue.crime_table)),
                "Opmerking": "één tabel voor alle jaren (dataderden.cbs.nl); gebruikt de nieuwste buurtindeling",
            }
        )
    return pd.DataFrame.from_records(rows)


def _nl_date(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).strftime("%d-%m-%Y")
    except ValueError:
        return iso


def indicator_table(
    catalogue: Catalogue,
    keys_per_year: pd.DataFrame | None = None,
    *,
    include_extra: bool = False,
) -> pd.DataFrame:
    """Every indicator with its definition, the CBS key stems it reads, and the exact key per loaded year.

    `keys_per_year` has columns indicator, year, source_table, source_key (from the store); without it
    only the stems are shown.
    """
    per_year: dict[str, str] = {}
    if keys_per_year is not None and not keys_per_year.empty:
        k = keys_per_year.dropna(subset=["source_key"]).drop_duplicates(["indicator", "year"]).sort_values("year")
        for ind, grp in k.groupby("indicator", sort=False):
            per_year[str(ind)] = "; ".join(
                f"{int(r.year)} ({r.source_table}): {r.source_key}" for r in grp.itertuples() if str(r.source_key)
            )
    source = catalogue.all() if include_extra else catalogue.indicators
    rows = []
    for ind in source.values():
        if ind.derived:
            stems = f"{' of '.join(ind.numerator)} ÷ {' of '.join(ind.denominator)}"
            if ind.scale and ind.scale != 1:
                stems += f" × {ind.scale:g}"
        else:
            stems = " of ".join(ind.key)
        rows.append(
            {
                "Thema": THEMES.get(ind.theme, ind.theme_label),
                "Cijfer": ind.label,
                "Eenheid": ind.unit,
                "Richting": BETTER_TEXT.get(ind.better, ind.better),
                "Wat het is": ind.definition,
                "CBS-sleutel (stam)": stems,
                "Sleutel per jaar (geladen)": per_year.get(ind.id, ""),
                "Bron": "Politie, via CBS (47018NED)" if ind.table == "crime" else (ind.source or "CBS"),
                "Let op": ind.caveat,
                "Wijk uit buurten": aggregation_text(ind),
                "id": ind.id,
            }
        )
    return pd.DataFrame.from_records(rows)


def aggregation_text(ind) -> str:
    """How a wijk or gemeente figure CBS did not publish is made from the buurten, in plain Dutch."""
    agg = ind.aggregate
    if ind.origin == "cbs":
        return "niet: alleen zoals CBS het publiceert"
    if agg == "sum":
        return "optellen"
    if agg == "ratio":
        return "tellers en noemers optellen, dan delen"
    if agg == "weighted_mean":
        return f"gewogen gemiddelde, gewicht {' of '.join(ind.weight)}; zonder gewicht niet te berekenen"
    if agg == "density":
        return f"{' of '.join(ind.count)} optellen, delen door de opgetelde {' of '.join(ind.area)}"
    return "niet: alleen zoals CBS het publiceert"


def score_indicator_table(
    definition: ScoreDefinition, catalogue: Catalogue | None = None, *, formatted: bool = False
) -> pd.DataFrame:
    """The Methode table: theme, indicator, direction, weight as set, and its nominal share of the total.

    The share assumes every indicator has a value; where some are missing the others are scaled up
    (the score page shows the actual shares per buurt).
    """
    total_theme = sum(t.weight for t in definition.themes) or 1.0
    rows = []
    for t in definition.themes:
        tw = t.indicator_weight or 1.0
        for i in t.indicators:
            ind = catalogue.get(i.id) if catalogue is not None else None
            label = ind.label if ind else i.id
            if i.per_inwoners:
                label += f" (per {i.per_inwoners:,} inwoners)".replace(",", ".")
            rows.append(
                {
                    "Thema": t.label,
                    "Cijfer": label,
                    "Richting": DIRECTIONS[i.direction],
                    "Gewicht thema": t.weight,
                    "Gewicht cijfer": i.weight,
                    "Aandeel in totaal": (t.weight / total_theme) * (i.weight / tw),
                    "Waarom": i.why,
                    "id": i.id,
                }
            )
    out = pd.DataFrame.from_records(rows)
    if formatted and not out.empty:
        out["Gewicht thema"] = out["Gewicht thema"].map(weight_text)
        out["Gewicht cijfer"] = out["Gewicht cijfer"].map(weight_text)
        out["Aandeel in totaal"] = out["Aandeel in totaal"].map(lambda x: f"{x * 100:.1f}%".replace(".", ","))
        out = out.drop(columns=["id"])
    return out


def themes_in(table: pd.DataFrame) -> list[str]:
    """The themes of an indicator table, in catalogue order (for a filter)."""
    return list(dict.fromkeys(table["Thema"]))


def method_markdown(
    definition: ScoreDefinition, *, method: str | None = None, reference: str | None = None, level: str = "buurt"
) -> str:
    """The score method in plain Dutch (B1), with the formula and the rules for missing values."""
    method = method or definition.method
    reference = reference or definition.reference
    unit = "buurten" if level == "buurt" else "wijken"
    ref_text = REFERENCES[reference].replace("buurten of wijken", unit)
    if method == "percentiel":
        norm = (
            "**Rangmethode (rangpercentiel).** Per cijfer zetten we alle "
            f"{unit} van {ref_text} op volgorde. De plaats in die volgorde rekenen we om naar dezelfde schaal als "
            "een z-score (de middelste krijgt 0, de hoogste en laagste ongeveer ±2). Alleen de volgorde telt, dus één "
            "uitschieter trekt de rest niet mee; hoe groot een verschil is, ziet u niet meer."
        )
    else:
        norm = (
            "**z-score.** Per cijfer kijken we hoe ver een "
            f"{unit[:-2] if unit == 'buurten' else 'wijk'} van het gemiddelde van {ref_text} af ligt, gemeten in "
            "standaarddeviaties (de gewone spreiding). 0 is gemiddeld, +1 is een flink stuk boven het gemiddelde. "
            "Bij 'lager is beter' draaien we het teken om, zodat hoger altijd beter is voor de score."
        )
    lines = [
        f"### {definition.label}",
        definition.description,
        "",
        f"*{definition.higher_means}*",
        "",
        norm,
        "",
        "**Gewichten.** Een thema is het gewogen gemiddelde van zijn cijfers; de totaalscore is het gewogen "
        "gemiddelde van de thema's. Alleen de verhouding tussen gewichten telt: alles twee keer zo zwaar "
        "verandert niets.",
        "",
        f"**Index.** Score = 100 + 10 × (gewogen gemiddelde). 100 is het gemiddelde van {ref_text}; "
        "10 punten is één standaarddeviatie. Klassen: onder 70 *ver onder gemiddeld*, 70–90 *onder gemiddeld*, "
        "90–110 *rond gemiddeld*, 110–130 *boven gemiddeld*, boven 130 *ver boven gemiddeld*.",
        "",
        "**Bijdragen.** Elk cijfer draagt 10 × zijn gewicht × zijn genormaliseerde waarde bij. De bijdragen tellen "
        "precies op tot score − 100, zoals bij de Leefbaarometer de dimensies optellen tot de afwijking van het "
        "landelijk gemiddelde. Zo ziet u per buurt welke cijfers de score omhoog en omlaag trekken.",
        "",
        f"**Ontbrekende cijfers.** Een cijfer dat ontbreekt (bijvoorbeeld geheim bij CBS) telt niet als 0: de "
        f"gewichten van de andere cijfers worden naar verhouding opgehoogd, en het ontbrekende cijfer staat in de "
        f"tabel. Een thema (en de totaalscore) krijgt alleen een score als minstens "
        f"{definition.min_share:.0%} van het gewicht cijfers heeft; anders staat er *onvoldoende gegevens*.",
    ]
    if definition.min_inwoners:
        lines += [
            "",
            f"**Kleine gebieden.** Gebieden met minder dan {definition.min_inwoners} inwoners krijgen geen score en "
            "tellen niet mee voor het gemiddelde: bij zo weinig mensen zegt een percentage weinig.",
        ]
    lines += ["", f"**Let op.** {definition.caveat}"]
    if definition.proxy:
        lines.insert(2, "> **Dit is een benadering (proxy).** Lees de beperkingen onderaan.")
    return "\n".join(lines)


@dataclass(frozen=True)
class Caveat:
    title: str
    text: str


CAVEATS = (
    Caveat(
        "Geheime en ontbrekende cijfers",
        "CBS publiceert een cijfer niet als er te weinig mensen of woningen achter zitten, of als het niet "
        "betrouwbaar genoeg is. Wijkkompas toont dat als 'onbekend (geheim bij CBS)' en rekent er nooit mee als 0.",
    ),
    Caveat(
        "Buurten en wijken veranderen",
        "Gemeenten passen hun indeling aan en CBS geeft buurten soms een nieuwe code. Een cijfer van een ander jaar "
        "hoort dan bij een ander gebied. Trends lopen alleen over jaren waarin de code gelijk is; een breuk wordt "
        "getoond.",
    ),
    Caveat(
        "Kaartjaar en cijferjaar",
        "De kaartgrenzen zijn niet altijd van hetzelfde jaar als de cijfers. Wijkkompas neemt overal (kaart, scores, "
        "wijkprofiel, pdf en presentatie) dezelfde kaart: die van het jaar van de cijfers, anders het dichtstbijzijnde "
        "jaar, en bij gelijke afstand het oudere. Het kaartjaar staat bij elke kaart; gebieden zonder vorm op de kaart "
        "staan wel in de tabel.",
    ),
    Caveat(
        "Wijkcijfers uit buurten",
        "Publiceert CBS een wijk- of gemeentecijfer niet, dan rekent Wijkkompas het uit de buurten uit, alleen als "
        "elke buurt van die wijk een cijfer heeft. Aantallen worden opgeteld. Een aandeel wordt opnieuw uitgerekend "
        "uit de opgetelde aantallen (twee buurten met 10% van 1.000 en 30% van 3.000 inwoners geven 25%, niet 40% of "
        "20%). Een gemiddelde of percentage van CBS wordt gewogen met de eigen noemer (huishoudensgrootte met het "
        "aantal huishoudens); staat die noemer niet in de tabel, dan is het cijfer 'niet te berekenen'. Een dichtheid "
        "is het opgetelde aantal gedeeld door de opgetelde oppervlakte. Medianen, klassen en indexcijfers (zoals "
        "stedelijkheid) worden nooit uit buurten berekend. Bij elk berekend cijfer staat hoe het is berekend en uit "
        "hoeveel buurten, bijvoorbeeld 'som van 4 buurten'. CBS rondt aantallen per buurt en wijk af op vijftallen; "
        "een opgeteld wijkcijfer kan daardoor een paar inwoners verschillen van wat CBS voor de wijk geeft.",
    ),
    Caveat(
        "Kleine aantallen in eigen gegevens",
        "Heeft een buurt minder inwoners dan de gekozen grens, dan verbergt Wijkkompas haar cijfer in geüploade "
        "gegevens. Zou het cijfer dan nog terug te rekenen zijn uit het wijktotaal min de andere buurten, dan wordt "
        "ook de volgende kleinste buurt verborgen (of, als dat niet genoeg is, het totaal). Zo is uit geen enkel "
        "totaal het cijfer van één kleine buurt af te leiden.",
    ),
    Caveat(
        "Cijfers komen in delen",
        "CBS publiceert een jaar in maximaal drie leveringen. Inkomen en uitkeringen komen pas later; in het nieuwste "
        "jaar ontbreken ze vaak nog.",
    ),
    Caveat(
        "Sleutels veranderen elk jaar",
        "CBS nummert de kolommen elk jaar anders (bijvoorbeeld AantalInwoners_5). Wijkkompas zoekt op de stam van "
        "de sleutel; in de tabel hieronder staat per jaar welke sleutel is gebruikt.",
    ),
    Caveat(
        "Politiecijfers",
        "Misdrijven per buurt komen uit politietabel 47018NED. Die gebruikt steeds de nieuwste buurtindeling, dus "
        "voor oudere jaren passen niet alle codes. De hoofdgroepen (woninginbraak, geweld, diefstal, vernieling) telt "
        "Wijkkompas op uit de categorieën van de politie; ontbreekt er één, dan is de groep onbekend.",
    ),
    Caveat(
        "Wijk- en buurtkaart naast de kerncijfers",
        "Cijfers uit de wijk- en buurtkaart van CBS (bijvoorbeeld AANT_INW, P_65_EO_JR) vullen aan wat de "
        "kerncijfertabel van dat jaar niet heeft. Staat een cijfer in beide, dan geldt dat van de kerncijfertabel. "
        "Percentages in de kaart zijn hele procenten. Codes als -99999999 betekenen 'geheim' of 'niet van "
        "toepassing' en worden nooit als getal gebruikt.",
    ),
    Caveat(
        "Kaarten van oudere jaren",
        "PDOK heeft de gedetailleerde wijk- en buurtkaart per jaar pas vanaf 2022. Voor eerdere jaren haalt Wijkkompas "
        "de vereenvoudigde gebiedsindeling van CBS op; is er voor een jaar geen kaart, dan zegt de ophaalactie dat en "
        "gebruikt de kaart het dichtstbijzijnde jaar.",
    ),
    Caveat(
        "Leefbaarometer en de eigen score",
        "De Leefbaarometer is het model van het Rijk; de leefbaarheidsscore van Wijkkompas vergelijkt gebieden binnen "
        "uw gemeente met openbare CBS-cijfers. Ze staan naast elkaar om elkaar te controleren, niet om op te tellen. "
        "De Leefbaarometer meet om de twee jaar.",
    ),
    Caveat(
        "Verhalen bij de cijfers zijn geen cijfers",
        "Notities (wat bewoners, partners en medewerkers zeiden of zagen) worden nooit met cijfers gemengd: ze staan "
        "apart, altijd als citaat met de datum, de bron (bewonersavond, wijkschouw, partner) en de rol van wie het "
        "opschreef. Wijkkompas rekent er niet mee en ze tellen niet mee in een score.",
    ),
    Caveat(
        "Scores zijn geen oordeel",
        "Een score vat cijfers samen; hij verklaart niets en zegt niet wat er moet gebeuren. Gebruik hem om het "
        "gesprek te beginnen en kijk altijd naar de cijfers erachter.",
    ),
)


def licence_markdown() -> str:
    return (
        f"De cijfers komen van het **Centraal Bureau voor de Statistiek (CBS)** en worden gebruikt onder de licentie "
        f"[Creative Commons Naamsvermelding 4.0 ({LICENCE})]({LICENCE_URL}). Vermeld bij hergebruik: *Bron: CBS*. "
        "De kaartgrenzen komen uit de Wijk- en buurtkaart van **CBS en Kadaster** (via PDOK), onder dezelfde "
        "licentie: *Bron: CBS, Kadaster*. Politiecijfers: *Bron: Politie, via CBS*. De Leefbaarometer is open data "
        "van het **Ministerie van BZK** (CC0): *Bron: Leefbaarometer 3.0*. Bewerkingen (aandelen, hoofdgroepen van "
        "misdrijven, scores) zijn van Wijkkompas."
    )


def maps_caption() -> str:
    return (
        "Kaartgrenzen: CBS Wijk- en buurtkaart (CBS, Kadaster), via PDOK; vanaf 2022 de gedetailleerde kaart per jaar, "
        "daarvoor de vereenvoudigde gebiedsindeling van CBS. Ook een wijk- en buurtkaart van CBS uit een map "
        "(shapefile, GeoPackage of zip) kan worden ingelezen. Water telt niet mee als gebied."
    )


def leefbaarometer_markdown() -> str:
    """How the Rijk's Leefbaarometer is read, stored and shown next to the own leefbaarheid score."""
    from wijkkompas.sources.leefbaarometer import CLASS_LABELS, config

    cfg = config()
    years = ", ".join(str(y) for y in cfg.years)
    classes = ", ".join(f"{k} {v}" for k, v in CLASS_LABELS.items())
    return (
        f"### Leefbaarometer van het Rijk\n\n"
        f"De **{cfg.title}** ({cfg.publisher}, {cfg.url}) schat per buurt, wijk en gemeente hoe leefbaar een gebied "
        "is, met ongeveer 100 kenmerken en een model dat is geijkt op wat bewoners zelf van hun buurt vinden. "
        "De score is een **afwijking van het landelijk gemiddelde** van dat meetjaar (boven 0 leefbaarder, onder 0 "
        "minder leefbaar) en valt uiteen in vijf dimensies die samen precies die afwijking vormen: woningvoorraad, "
        "fysieke omgeving, voorzieningen, sociale samenhang, en overlast en onveiligheid. Daarnaast is er een klasse "
        f"van 1 tot 9 ({classes}).\n\n"
        f"Meetjaren: {years}. Wijkkompas haalt de scores op via de WFS van de Leefbaarometer (per gemeente) of "
        "leest de open-databestanden (CSV) in, en bewaart ze als gewone cijfers (thema Leefbaarometer). Op het "
        "Wijkprofiel en de pagina Scores staan ze **naast** de eigen leefbaarheidsscore, nooit erin verwerkt: de "
        "eigen score vergelijkt binnen uw gemeente met CBS-cijfers, de Leefbaarometer met heel Nederland. Is er in "
        "het gekozen jaar geen meting, dan toont Wijkkompas de meting van maximaal twee jaar eerder en zegt dat."
    )


def keys_from_values(values: pd.DataFrame) -> pd.DataFrame:
    """Reduce the store's long table to the distinct (indicator, year, source table, key) combinations."""
    cols = ["indicator", "year", "source_table", "source_key"]
    if values.empty:
        return pd.DataFrame(columns=cols)
    return values[cols].drop_duplicates().reset_index(drop=True)


def loaded_years(ingest_log: Iterable[Mapping]) -> dict[int, list[str]]:
    """year → the dates a KWB table of that year was loaded (from the store's ingest log)."""
    out: dict[int, list[str]] = {}
    for entry in ingest_log:
        try:
            year = int(entry.get("year", ""))  # absent or unreadable: skipped below
        except (TypeError, ValueError):
            continue
        out.setdefault(year, []).append(str(entry.get("loaded_at", "")))
    return out


def filter_indicators(table: pd.DataFrame, query: str = "", theme: str = "") -> pd.DataFrame:
    """Rows whose label, definition, key or id contain every word of `query` (case-insensitive)."""
    out = table
    if theme:
        out = out[out["Thema"] == theme]
    words = [w for w in str(query or "").lower().split() if w]
    if words:
        text = (
            out["Cijfer"]
            + " "
            + out["Wat het is"]
            + " "
            + out["CBS-sleutel (stam)"]
            + " "
            + out["id"]
            + " "
            + out["Thema"]
        ).str.lower()
        mask = pd.Series(True, index=out.index)
        for w in words:
            mask &= text.str.contains(w, regex=False)
        out = out[mask]
    return out.reset_index(drop=True)


def indicator_markdown(table: pd.DataFrame) -> dict[str, str]:
    """Per theme, every indicator as a short readable entry (the table cuts long definitions off)."""
    out: dict[str, str] = {}
    for theme, grp in table.groupby("Thema", sort=False):
        lines = []
        for row in grp.to_dict("records"):
            unit = f"{row['Eenheid']}, " if row["Eenheid"] else ""
            line = f"- **{md_escape(row['Cijfer'])}** ({md_escape(unit)}{md_escape(row['Richting'])}). {md_escape(row['Wat het is'])}"
            line += f"  \n  CBS-sleutel: {md_escape(row['CBS-sleutel (stam)'])}"
            if row["Sleutel per jaar (geladen)"]:
                line += f"  \n  Per jaar: {md_escape(row['Sleutel per jaar (geladen)'])}"
            if row["Let op"]:
                line += f"  \n  *Let op:* {md_escape(row['Let op'])}"
            if row.get("Wijk uit buurten"):
                line += f"  \n  Wijkcijfer uit buurten: {md_escape(row['Wijk uit buurten'])}"
            lines.append(line)
        out[str(theme)] = "\n".join(lines)
    return out
