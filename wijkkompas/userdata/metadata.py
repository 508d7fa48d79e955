"""What an uploaded figure *means*: label, unit, theme, direction, source, year, definition, aggregation.

A number without this is useless on a map or in a profile, so every uploaded column gets it, with
defaults guessed from the column header so the form is mostly a check, not a chore. It is stored
with the upload and turned into an `Indicator` like the catalogue's, so every page treats it alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields

from wijkkompas.catalogue.catalogue import BETTER_VALUES, THEMES, Indicator
from wijkkompas.errors import SourceError

AGGREGATES = ("none", "sum", "weighted_mean")
AGGREGATE_LABELS = {
    "none": "Niet berekenen: alleen de cijfers uit het bestand",
    "sum": "Optellen (voor aantallen)",
    "weighted_mean": "Gemiddelde, gewogen naar inwoners (voor percentages en gemiddelden)",
}
BETTER_LABELS = {
    "higher_is_better": "Hoger is beter",
    "lower_is_better": "Lager is beter",
    "neutral": "Geen oordeel (neutraal)",
}
BETTER_SHORT = {"higher": "higher_is_better", "lower": "lower_is_better", "neutral": "neutral"}
_LOWER_WORDS = (
    "achterstand",
    "overlast",
    "melding",
    "klacht",
    "schuld",
    "armoede",
    "eenzaam",
    "misdrijf",
    "criminal",
    "inbraak",
    "diefstal",
    "geweld",
    "vandalisme",
    "werkloos",
    "uitkering",
    "bijstand",
    "verward",
    "incident",
    "huisuitzetting",
    "ontruiming",
    "leegstand",
    "zwerfafval",
    "schooluitval",
    "voortijdig",
)
_HIGHER_WORDS = ("tevreden", "rapportcijfer", "vertrouwen", "participatie", "vrijwilliger", "samenhang", "leefbaarheid")
_UNIT_IN_HEADER = re.compile(r"\s*[\(\[]\s*(?P<unit>[^()\[\]]{1,30})\s*[\)\]]\s*$")


@dataclass
class IndicatorMeta:
    """Metadata of one uploaded indicator (one value column of one upload)."""

    column: str
    label: str
    unit: str = ""
    theme: str = "eigen"
    better: str = "neutral"
    source: str = ""
    year: int | None = None
    definition: str = ""
    aggregate: str = "none"
    decimals: int = 1
    id: str = ""  # eigen.<slug>; filled on import

    def validate(self) -> list[str]:
        """Dutch problems with what the user filled in (empty = fine)."""
        out = []
        where = f"kolom '{self.column}'"
        if not self.label.strip():
            out.append(f"Geef {where} een naam (label).")
        if len(self.label) > 120:
            out.append(f"De naam van {where} is langer dan 120 tekens; maak hem korter.")
        if self.better not in BETTER_VALUES:
            out.append(f"Kies voor {where} of hoger beter, lager beter of neutraal is.")
        if self.aggregate not in AGGREGATES:
            out.append(f"Kies voor {where} hoe wijkcijfers uit buurtcijfers volgen (of niet).")
        if self.theme not in THEMES:
            out.append(f"Het thema '{self.theme}' van {where} bestaat niet; kies er een uit de lijst.")
        if self.year is not None and not 1900 <= int(self.year) <= 2100:
            out.append(f"Het jaar {self.year} van {where} klopt niet.")
        if not 0 <= int(self.decimals) <= 4:
            out.append(f"Het aantal decimalen van {where} moet tussen 0 en 4 liggen.")
        return out

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> IndicatorMeta:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_indicator(self, *, upload_file: str = "", uploaded: str = "") -> Indicator:
        source = f"{self.source} (eigen gegevens)" if self.source else "Eigen gegevens"
        caveat = f"Ingelezen uit '{upload_file}'" + (f" op {uploaded[:10]}" if uploaded else "") + "."
        return Indicator(
            id=self.id,
            label=self.label,
            unit=self.unit,
            theme=self.theme or "eigen",
            better=self.better,  # type: ignore[arg-type]
            definition=self.definition or f"{self.label}, aangeleverd door {self.source or 'de gebruiker'}.",
            table="eigen",
            aggregate=self.aggregate,  # type: ignore[arg-type]
            weight=("AantalInwoners",) if self.aggregate == "weighted_mean" else (),
            profile=True,  # an uploaded figure is wanted in the wijkprofiel too
            decimals=int(self.decimals),
            source=source,
            caveat=caveat if upload_file else "",
            origin="eigen",
        )


def slug(text: str, max_len: int = 48) -> str:
    """`'Huurachterstand (%)'` → `'huurachterstand'`: a stable id part from a Dutch label."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^0-9a-z]+", "_", text).strip("_")
    return (text[:max_len].rstrip("_")) or "cijfer"


def split_unit(header: str) -> tuple[str, str]:
    """`'Huurachterstand (%)'` → (`'Huurachterstand'`, `'%'`); `'Aantal meldingen'` → (…, 'aantal')."""
    header = re.sub(r"\s+", " ", header).strip()
    m = _UNIT_IN_HEADER.search(header)
    label, unit = header, ""
    if m:
        unit = m.group("unit").strip()
        label = header[: m.start()].strip()
    elif header.endswith("%"):
        label, unit = header.rstrip("% ").strip(), "%"
    elif re.search(r"\b(percentage|procent|aandeel)\b", header, re.I):
        unit = "%"
    elif re.search(r"\baantal\b", header, re.I):
        unit = "aantal"
    if unit.casefold() in ("procent", "percentage", "perc", "pct"):
        unit = "%"
    label = label[:1].upper() + label[1:] if label else header
    return label, unit


def guess_better(label: str) -> str:
    low = label.casefold()
    if any(w in low for w in _LOWER_WORDS) and not any(w in low for w in ("tevreden",)):
        return "lower_is_better"
    if any(w in low for w in _HIGHER_WORDS):
        return "higher_is_better"
    return "neutral"


def default_meta(column: str, *, year: int | None, source: str, all_integers: bool, decimals: int) -> IndicatorMeta:
    label, unit = split_unit(column)
    if not unit and all_integers:
        unit = "aantal"
    return IndicatorMeta(
        column=column,
        label=label,
        unit=unit,
        theme="eigen",
        better=guess_better(label),
        source=source,
        year=year,
        definition="",
        aggregate="none",
        decimals=0 if all_integers else max(1, min(decimals, 2)),
    )


def better_from_cli(value: str | None) -> str | None:
    if value is None:
        return None
    if value in BETTER_VALUES:
        return value
    try:
        return BETTER_SHORT[value]
    except KeyError as exc:
        raise SourceError(f"--better moet higher, lower of neutral zijn (niet '{value}').") from exc
