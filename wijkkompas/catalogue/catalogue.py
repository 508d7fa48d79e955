"""The indicator catalogue: TOML in, frozen dataclasses out, and key-stem matching per year.

CBS renames its KWB columns every year (`AantalInwoners_5`, `Bevolkingsdichtheid_33` → `_34`, …).
The catalogue names each indicator once, by the *stem* of its CBS key (the key without the `_N`
suffix), and this module finds that stem in whatever columns a year's table has. Keeping the
catalogue as data means a new KWB year needs no code change, only (at most) a new alternative stem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

HERE = Path(__file__).parent
Better = Literal["higher_is_better", "lower_is_better", "neutral"]
Aggregate = Literal["sum", "ratio", "weighted_mean", "density", "none"]
BETTER_VALUES = ("higher_is_better", "lower_is_better", "neutral")
AGGREGATES = ("sum", "ratio", "weighted_mean", "density", "none")
# How a unit may be added up from buurten (see `aggregation_problem`). Units are CBS's own unit texts.
COUNT_UNITS = frozenset({"aantal", "ha"})  # extensive: the wijk value is the sum of its buurten
DENSITY_UNITS = frozenset({"per km²", "aantal inwoners per km²"})
NEVER_AGGREGATED_UNITS = frozenset({"code", "klasse", "score", "naam", "omschrijving"})
MEDIAN_WORDS = ("mediaan", "median")
THEMES = {
    "bevolking": "Bevolking",
    "huishoudens": "Huishoudens",
    "wonen": "Wonen",
    "energie": "Energie",
    "onderwijs": "Onderwijs",
    "arbeid": "Arbeid",
    "inkomen": "Inkomen",
    "sociale_zekerheid": "Sociale zekerheid",
    "zorg": "Zorg",
    "bedrijven": "Bedrijven",
    "motorvoertuigen": "Motorvoertuigen",
    "voorzieningen": "Nabijheid van voorzieningen",
    "veiligheid": "Veiligheid",
    "leefbaarometer": "Leefbaarometer (Rijk)",
    "oppervlakte": "Oppervlakte",
    "stedelijkheid": "Stedelijkheid",
    "eigen": "Eigen gegevens",
    "overig": "Overige CBS-cijfers",
}

_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?P<n>\d+)$")


class CatalogueError(ValueError):
    """A catalogue or score file that does not validate; the message is Dutch and names the entry."""


def key_stem(key: str) -> str:
    """`AantalInwoners_5` → `AantalInwoners`; keys without a numeric suffix are their own stem."""
    m = _SUFFIX.match(key)
    return m.group("stem") if m else key


def key_number(key: str) -> int:
    m = _SUFFIX.match(key)
    return int(m.group("n")) if m else -1


@dataclass(frozen=True)
class Indicator:
    """One indicator, defined once over all years."""

    id: str
    label: str
    unit: str
    theme: str
    better: Better
    definition: str
    table: str = "kwb"
    key: tuple[str, ...] = ()  # published as-is: alternative stems, first match wins
    numerator: tuple[str, ...] = ()  # derived share: numerator / denominator * scale
    denominator: tuple[str, ...] = ()
    scale: float = 100.0
    aggregate: Aggregate = "none"
    weight: tuple[str, ...] = ()  # weighted_mean: stems of the weight (e.g. HuishoudensTotaal)
    count: tuple[str, ...] = ()  # density: stems of the count (e.g. AantalInwoners) ...
    area: tuple[str, ...] = ()  # ... and of the area it is spread over (e.g. OppervlakteLand, in ha)
    group: tuple[str, ...] = ()  # disambiguation: the key must sit under a CBS topic group with one of these titles
    decimals: int = 1
    profile: bool = False
    source: str = "CBS"
    caveat: str = ""
    # Filled for non-catalogue indicators (CBS columns no catalogue entry uses, and uploads).
    origin: Literal["catalogue", "cbs", "eigen"] = "catalogue"

    @property
    def derived(self) -> bool:
        return bool(self.numerator)

    @property
    def stems(self) -> tuple[str, ...]:
        """Every stem this indicator may read, for reporting which CBS keys are used."""
        return self.key + self.numerator + self.denominator + self.weight + self.count + self.area

    @property
    def theme_label(self) -> str:
        return THEMES.get(self.theme, self.theme.replace("_", " ").capitalize())


@dataclass(frozen=True)
class TableYear:
    year: int
    id: str
    region_key: str = ""  # empty: the table's own DataProperties say (the only reliable source)
    v4_only: bool = False


@dataclass(frozen=True)
class CrimeGroup:
    """A main group of police-registered crime: the sum of some of the police's own categories."""

    key: str  # stored as a column `<key>_1`, matched by catalogue indicators with table = "crime"
    title: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    indicators: Mapping[str, Indicator]
    kwb_years: Mapping[int, TableYear]
    crime_table: str = "47018NED"
    crime_total_category: str = "0.0.0"
    extra: Mapping[str, Indicator] = field(default_factory=dict)
    crime_catalog: str = "dataderden.cbs.nl"
    crime_groups: Mapping[str, CrimeGroup] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str) -> Indicator | None:
        return self.indicators.get(indicator_id) or self.extra.get(indicator_id)

    def all(self) -> dict[str, Indicator]:
        """Catalogue indicators followed by the extra ones (raw CBS columns, uploads)."""
        return {**self.indicators, **self.extra}

    def with_extra(self, extra: Iterable[Indicator]) -> Catalogue:
        merged = dict(self.extra)
        merged.update({i.id: i for i in extra if i.id not in self.indicators})
        return Catalogue(
            self.indicators,
            self.kwb_years,
            self.crime_table,
            self.crime_total_category,
            merged,
            self.crime_catalog,
            self.crime_groups,
        )

    def year_of_table(self, table_id: str) -> int | None:
        for ty in self.kwb_years.values():
            if ty.id.upper() == table_id.upper():
                return ty.year
        return None

    def profile_indicators(self) -> list[Indicator]:
        """Catalogue indicators marked for the profile, then uploaded ones marked so."""
        return [i for i in self.all().values() if i.profile]


def _tuple(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CatalogueError(f"{where}: verwacht een tekst of een lijst met teksten.")


def indicator_from_mapping(ident: str, raw: Mapping[str, object], origin: str = "catalogue") -> Indicator:
    """Validate one TOML table into an Indicator; raise a Dutch CatalogueError naming the entry."""
    where = f"indicator '{ident}'"
    if not re.fullmatch(r"[a-z0-9_.:-]+", ident):
        raise CatalogueError(f"{where}: gebruik alleen kleine letters, cijfers en _ in de naam.")
    missing = [k for k in ("label", "unit", "theme", "better", "definition") if not raw.get(k)]
    if missing:
        raise CatalogueError(f"{where}: {', '.join(missing)} ontbreekt.")
    better = str(raw["better"])
    if better not in BETTER_VALUES:
        raise CatalogueError(f"{where}: better = '{better}' moet een van {', '.join(BETTER_VALUES)} zijn.")
    aggregate = str(raw.get("aggregate", "none"))
    if aggregate not in AGGREGATES:
        raise CatalogueError(f"{where}: aggregate = '{aggregate}' moet een van {', '.join(AGGREGATES)} zijn.")
    key = _tuple(raw.get("key"), where)
    numerator = _tuple(raw.get("numerator"), where)
    denominator = _tuple(raw.get("denominator"), where)
    weight = _tuple(raw.get("weight"), where)
    if origin == "catalogue" and bool(key) == bool(numerator):
        raise CatalogueError(f"{where}: geef óf 'key' (zoals gepubliceerd) óf 'numerator' + 'denominator'.")
    if numerator and not denominator:
        raise CatalogueError(f"{where}: 'numerator' zonder 'denominator'.")
    if aggregate == "weighted_mean" and not weight:
        raise CatalogueError(f"{where}: aggregate = 'weighted_mean' heeft 'weight' nodig.")
    known = {
        "label",
        "unit",
        "theme",
        "better",
        "definition",
        "table",
        "key",
        "numerator",
        "denominator",
        "scale",
        "aggregate",
        "weight",
        "count",
        "area",
        "group",
        "decimals",
        "profile",
        "source",
        "caveat",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CatalogueError(f"{where}: onbekende velden {', '.join(unknown)}.")
    ind = Indicator(
        id=ident,
        label=str(raw["label"]),
        unit=str(raw["unit"]),
        theme=str(raw["theme"]),
        better=better,  # type: ignore[arg-type]
        definition=str(raw["definition"]),
        table=str(raw.get("table", "kwb")),
        key=key,
        numerator=numerator,
        denominator=denominator,
        scale=float(raw.get("scale", 100.0)),  # type: ignore[arg-type]
        aggregate=aggregate,  # type: ignore[arg-type]
        weight=weight,
        count=_tuple(raw.get("count"), where),
        area=_tuple(raw.get("area"), where),
        group=_tuple(raw.get("group"), where),
        decimals=int(raw.get("decimals", 1)),  # type: ignore[call-overload]
        profile=bool(raw.get("profile", False)),
        source=str(raw.get("source", "CBS")),
        caveat=str(raw.get("caveat", "")),
        origin=origin,  # type: ignore[arg-type]
    )
    if origin == "catalogue":
        problem = aggregation_problem(ind)
        if problem:
            raise CatalogueError(f"{where}: {problem}")
    return ind


def aggregation_problem(ind: Indicator) -> str | None:
    """Why an indicator's `aggregate` does not fit its unit and kind (None when it fits).

    A wrong wijk number that looks right is the worst thing the dashboard can show, and the
    aggregation is declared in data, so the data is checked: counts add up; a share of counts is
    recomputed from the summed parts; a published percentage or average is a mean weighted by its
    own denominator; a density is summed counts over summed area; class codes, scores and medians
    are never aggregated (a median of buurt medians is not the wijk median).
    """
    agg, unit = ind.aggregate, ind.unit.strip()
    text = f"{ind.label} {' '.join(ind.key)}".lower()
    if agg == "none":
        return None
    if unit in NEVER_AGGREGATED_UNITS:
        return (
            f"eenheid '{unit}' is een code of score; die tel je niet op en middel je niet (gebruik aggregate = 'none')."
        )
    if any(w in text for w in MEDIAN_WORDS):
        return "een mediaan van buurten is niet de mediaan van de wijk (gebruik aggregate = 'none')."
    if ind.derived:
        if agg != "ratio":
            return f"een afgeleid aandeel (numerator/denominator) wordt opnieuw uitgerekend uit de opgetelde delen: aggregate = 'ratio', niet '{agg}'."
        return None
    if agg == "ratio":
        return "aggregate = 'ratio' hoort bij een afgeleid aandeel met 'numerator' en 'denominator'."
    if agg == "sum" and unit not in COUNT_UNITS:
        return f"alleen aantallen en oppervlaktes ({', '.join(sorted(COUNT_UNITS))}) tel je op; eenheid '{unit}' niet."
    if unit in DENSITY_UNITS and agg != "density":
        return "een dichtheid is de som van de aantallen gedeeld door de som van de oppervlakte: aggregate = 'density' met 'count' en 'area'."
    if agg == "density":
        if unit not in DENSITY_UNITS:
            return f"aggregate = 'density' hoort bij een eenheid per km², niet '{unit}'."
        if not ind.count or not ind.area:
            return "aggregate = 'density' heeft 'count' (het aantal) en 'area' (de oppervlakte in ha) nodig."
    if agg == "weighted_mean" and unit in COUNT_UNITS:
        return f"een aantal ('{unit}') tel je op (aggregate = 'sum'), je middelt het niet."
    return None


def parse_catalogue(indicators_toml: str, tables_toml: str) -> Catalogue:
    try:
        raw = tomllib.loads(indicators_toml)
        tables = tomllib.loads(tables_toml)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"De catalogus is geen geldige TOML: {exc}") from exc
    indicators = {ident: indicator_from_mapping(ident, spec) for ident, spec in raw.get("indicators", {}).items()}
    years = {
        int(y): TableYear(int(y), str(t["id"]), str(t.get("region_key", "")), bool(t.get("v4_only")))
        for y, t in tables["kwb"]["years"].items()
    }
    crime = tables.get("crime", {})
    groups = {
        str(key): CrimeGroup(str(key), str(g.get("title", key)), tuple(str(c) for c in g.get("codes", ())))
        for key, g in crime.get("groups", {}).items()
    }
    return Catalogue(
        indicators=indicators,
        kwb_years=years,
        crime_table=str(crime.get("id", "47018NED")),
        crime_total_category=str(crime.get("total_category", "0.0.0")),
        crime_catalog=str(crime.get("catalog", "dataderden.cbs.nl")),
        crime_groups=groups,
    )


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The shipped catalogue (cached: it is read-only data)."""
    return parse_catalogue(
        (HERE / "indicators.toml").read_text(encoding="utf-8"),
        (HERE / "tables.toml").read_text(encoding="utf-8"),
    )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class KeyInfo:
    """One CBS column of one year's table: its key, title, unit and the titles of its topic groups."""

    key: str
    title: str = ""
    unit: str = ""
    decimals: int | None = None
    groups: tuple[str, ...] = ()
    stem_hint: str = ""  # OData v4 measure codes (M000352) carry no stem; the v4 converter synthesises one

    @property
    def stem(self) -> str:
        return self.stem_hint or key_stem(self.key)


@dataclass(frozen=True)
class Match:
    """How one indicator is found in one year's table (keys are the full CBS keys)."""

    indicator: Indicator
    key: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    count: str | None = None
    area: str | None = None

    @property
    def source_key(self) -> str:
        if self.indicator.derived:
            return f"{self.numerator} / {self.denominator}"
        return self.key or ""

    @property
    def used_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.key, self.numerator, self.denominator, self.weight, self.count, self.area) if k)


def _find(stems: Sequence[str], keys: Sequence[KeyInfo], group: Sequence[str]) -> str | None:
    """First alternative stem present in `keys`.

    When a stem occurs more than once in a year (CBS repeats `Appartement` under electricity and under
    gas), only the topic group can tell them apart: without group titles the match is refused rather
    than guessed, because a wrong column looks just as plausible as the right one.
    """
    wanted = {g.lower() for g in group}
    for stem in stems:
        hits = [k for k in keys if k.stem == stem]
        if wanted and any(k.groups for k in hits):
            hits = [k for k in hits if any(g.lower() in wanted for g in k.groups)]
        if len(hits) == 1 or (len(hits) > 1 and wanted and all(k.groups for k in hits)):
            return hits[0].key
    return None


def match_year(
    catalogue: Catalogue | Iterable[Indicator], keys: Sequence[KeyInfo], table: str = "kwb"
) -> dict[str, Match]:
    """Match every catalogue indicator of `table` against one year's columns.

    Returns only the indicators that match completely (a derived share needs both its parts; a
    weighted mean at least its key — its weight only matters when aggregating).
    """
    indicators = catalogue.indicators.values() if isinstance(catalogue, Catalogue) else catalogue
    out: dict[str, Match] = {}
    for ind in indicators:
        if ind.table != table:
            continue
        weight = _find(ind.weight, keys, ()) if ind.weight else None
        count = _find(ind.count, keys, ()) if ind.count else None
        area = _find(ind.area, keys, ()) if ind.area else None
        if ind.derived:
            num = _find(ind.numerator, keys, ind.group)
            den = _find(ind.denominator, keys, ())
            if num and den:
                out[ind.id] = Match(ind, numerator=num, denominator=den, weight=weight)
        else:
            key = _find(ind.key, keys, ind.group)
            if key:
                out[ind.id] = Match(ind, key=key, weight=weight, count=count, area=area)
    return out


def keyinfos_from_properties(properties: Sequence[Mapping[str, object]]) -> list[KeyInfo]:
    """OData v3 `DataProperties` → KeyInfo for every `Topic`, with the titles of its parent groups."""
    by_id = {p.get("ID"): p for p in properties}
    out = []
    for p in properties:
        if p.get("Type") != "Topic":
            continue
        groups = []
        parent = by_id.get(p.get("ParentID"))
        while parent is not None:
            groups.append(str(parent.get("Title", "")).strip())
            parent = by_id.get(parent.get("ParentID"))
        dec = p.get("Decimals")
        out.append(
            KeyInfo(
                key=str(p["Key"]),
                title=str(p.get("Title", "")).strip(),
                unit=str(p.get("Unit", "") or "").strip(),
                decimals=int(dec) if isinstance(dec, int) else None,
                groups=tuple(groups),
                stem_hint=str(p.get("Stem") or ""),
            )
        )
    return out
