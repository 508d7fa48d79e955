"""Synthetic, national-scale CBS data in the exact wire formats, for benchmarks.

Why this exists: the real files we may use offline are thin (a few columns, two years, no full
TypedDataSet), and they may never be copied into the repo. Benchmarks of ingest, store, map and
pages need a *national* instance (≈ 14 500 buurten, 150 keys, ten years, ≈ 3 M polygon vertices)
that looks to every parser exactly like what CBS and PDOK deliver. This module writes that instance,
deterministically from a seed, so a benchmark run is repeatable and comparable between commits.

Three outputs, one region tree (the same seed gives the same codes everywhere):

* ``kwb``     – per year the folder that ``cbsodata.download_data(table_id, dir=..., typed=True)``
  writes: ``TableInfos.json``, ``DataProperties.json``, ``TypedDataSet.json``,
  ``<region key>.json`` (``WijkenEnBuurten`` or, up to 2015, ``RegioS``) and ``CategoryGroups.json``,
  byte-for-byte formatted as ``json.dump(rows, f, indent=2)``.
* ``geo``     – buurt/wijk/gemeente polygons as GeoParquet (EPSG:4326) and GeoJSON (EPSG:28992 with
  the legacy ``crs`` member, as PDOK and GDAL write it). The buurten form an exact coverage (shared
  edges have identical vertices), so coverage simplification behaves as on the real map.
* ``usercsv`` – a municipality's own figures as Dutch Excel saves them (``;``, decimal comma, BOM,
  CRLF) with the usual defects (codes without ``BU``, leading zeros lost, ``n.b.``, ``<5``).

Usage::

    python benchmarks/generate.py kwb --out DIR [--years 2015-2024] [--buurten 14500] [--seed 1]
    python benchmarks/generate.py geo --out DIR --year 2024 [--buurten 14500] [--levels buurt,wijk,gemeente]
    python benchmarks/generate.py usercsv --out FILE --rows 15000

Everything here is synthetic: names and figures are invented. When the real 2024 ``DataProperties``
is present (``../shared/data``) its key stems, titles, units and topic groups are *read at run time*
so the synthetic tables carry realistic metadata; nothing from it is stored in the repo.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
import time
import tomllib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TABLES_TOML = REPO / "wijkkompas" / "catalogue" / "tables.toml"
SHARED_PROPERTIES = REPO.parent / "shared" / "data" / "kwb" / "2024" / "85984NED_DataProperties.json"

# RD New (EPSG:28992) bounding box of the Netherlands, in metres.
RD_BBOX = (13_000.0, 306_000.0, 278_000.0, 619_000.0)
NATIONAL_BUURTEN = 14_500
NATIONAL_GEMEENTEN = 342
TOPICS_PER_YEAR = 150
REFERENCE_YEAR = 2024  # the year whose key numbering the real DataProperties shows
NL_CODE = "NL00"  # KWB tables use NL00 (the 85984NED DefaultSelection shows 'NL00      ')
SOORT_REGIO = {"nederland": "Land", "gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
KEY_WIDTH, NAME_WIDTH, SOORT_WIDTH = 10, 40, 10


# ============================================================================ region tree


@dataclass(frozen=True)
class RegionTree:
    """Gemeenten → wijken → buurten, codes and names, in CBS row order.

    Gemeenten are sorted by name (as in the KWB tables), wijken by code within their gemeente,
    buurten by code within their wijk. So the buurten of one wijk (and of one gemeente) are a
    contiguous slice, which the geometry generator relies on.
    """

    seed: int
    gemeente_codes: tuple[str, ...]
    gemeente_names: tuple[str, ...]
    wijk_codes: tuple[str, ...]
    wijk_names: tuple[str, ...]
    wijk_gemeente: np.ndarray  # index into gemeenten, per wijk
    buurt_codes: tuple[str, ...]
    buurt_names: tuple[str, ...]
    buurt_wijk: np.ndarray  # index into wijken, per buurt
    buurt_gemeente: np.ndarray  # index into gemeenten, per buurt

    @property
    def n_gemeenten(self) -> int:
        return len(self.gemeente_codes)

    @property
    def n_wijken(self) -> int:
        return len(self.wijk_codes)

    @property
    def n_buurten(self) -> int:
        return len(self.buurt_codes)

    def buurten_per_gemeente(self) -> np.ndarray:
        return np.bincount(self.buurt_gemeente, minlength=self.n_gemeenten)


_GEM_HEAD = (
    "Aal",
    "Ach",
    "Alb",
    "Bar",
    "Beek",
    "Berg",
    "Bever",
    "Bloem",
    "Borg",
    "Bree",
    "Bunn",
    "Dal",
    "Dron",
    "Eem",
    "Eind",
    "Elst",
    "Emm",
    "Ger",
    "Gold",
    "Haar",
    "Hard",
    "Heer",
    "Hel",
    "Hoog",
    "Horn",
    "Kamp",
    "Kol",
    "Laar",
    "Lee",
    "Lier",
    "Loch",
    "Maar",
    "Mid",
    "Nij",
    "Noord",
    "Olde",
    "Oost",
    "Put",
    "Rijs",
    "Ros",
    "Schoon",
    "Stad",
    "Stein",
    "Ter",
    "Tiel",
    "Uit",
    "Vaal",
    "Veen",
    "Vel",
    "Vlie",
    "Waal",
    "Wes",
    "Wier",
    "Zand",
    "Zee",
    "Zuid",
    "Zwol",
    "Ame",
    "Delf",
    "Gouw",
)
_GEM_TAIL = (
    "dam",
    "dijk",
    "veen",
    "horst",
    "hoven",
    "wolde",
    "burg",
    "lo",
    "mond",
    "zijl",
    "kerk",
    "rade",
    "broek",
    "woude",
    "erveld",
    "hem",
    "sum",
    "drecht",
    "gouw",
    "land",
    "stede",
    "wijk",
    "haven",
    "berg",
    "schoten",
)
_GEM_DECOR = (" aan Zee", " aan den IJssel", " en Lier", "-Noord", " op Zoom", "erland", " (L.)")
_GEM_SPECIAL = (
    "'s-Hoogeveld",
    "Súdwest-Lânsdiel",
    "Noardeast-Wâldgea",
    "Het Hoogeland",
    "Sint-Oedenveen",
    "Bergen op Zand",
    "Gooise Meren",
    "Tytsjerksteradiel",
    "Súd-Fryslân",
    "Nuenen c.a.",
)
_WIJK_WORDS = (
    "Centrum",
    "Noord",
    "Oost",
    "Zuid",
    "West",
    "Buitengebied",
    "Binnenstad",
    "Stadsdeel Noord",
    "Kern",
    "Dorp",
    "Industrieterrein",
    "Haven",
    "Polder",
    "Beekdal",
    "Hoge Veld",
)
_BUURT_WORDS = (
    "Centrum",
    "Binnenstad",
    "Oude Dorp",
    "Tuindorp",
    "De Esch",
    "Het Hof",
    "Molenbuurt",
    "Kerkbuurt",
    "Stationsbuurt",
    "De Vlier",
    "Bloemenbuurt",
    "Vogelbuurt",
    "Schildersbuurt",
    "Componistenbuurt",
    "Rivierenbuurt",
    "Sterrenbuurt",
    "Parkwijk",
    "Hofstede",
    "De Weide",
    "Kanaalzone",
    "Havenkwartier",
    "'t Veld",
    "'t Zand",
    "Ruïnebuurt",
    "Coöperatiebuurt",
    "Beatrixpark",
    "Sportpark",
    "De Brink",
    "Nieuwland",
    "Hoge Weg",
    "Laagland",
    "Kasteelbuurt",
    "Boomgaard",
    "Lindenhof",
    "Esdoornlaan",
    "Zonnewijzer",
    "De Kamp",
    "Achter de Kerk",
    "Oranjebuurt",
    "Dichterswijk",
    "Poort",
    "Brinkhorst",
)
_BUURT_PLACE = ("Bedrijventerrein", "Verspreide huizen", "Buitengebied")
_COMPASS = ("Noord", "Zuid", "Oost", "West", "I", "II", "III", "Midden")


def _rng(*parts: int) -> np.random.Generator:
    """One generator per purpose, so adding a purpose never shifts the numbers of another."""
    return np.random.default_rng([int(p) for p in parts])


def _stable_int(text: str) -> int:
    """A process-independent hash (Python's `hash` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def _distribute(rng: np.random.Generator, total: int, weights: np.ndarray, cap: int) -> np.ndarray:
    """Split `total` into len(weights) positive integers ≤ cap, roughly proportional to weights."""
    n = len(weights)
    if n > total or n * cap < total:
        raise ValueError(f"kan {total} niet verdelen over {n} delen van hoogstens {cap}")
    parts = 1 + rng.multinomial(total - n, weights / weights.sum())
    while parts.max() > cap:
        over = parts - cap
        extra = int(over[over > 0].sum())
        parts = np.minimum(parts, cap)
        room = cap - parts
        free = np.flatnonzero(room > 0)
        parts[free] += rng.multinomial(extra, room[free] / room[free].sum())
    return parts


def _gemeente_names(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    specials = list(_GEM_SPECIAL)
    while len(names) < n:
        if specials and rng.random() < 0.03:
            name = specials.pop(0)
        else:
            name = _GEM_HEAD[rng.integers(len(_GEM_HEAD))] + _GEM_TAIL[rng.integers(len(_GEM_TAIL))]
            if rng.random() < 0.06:
                name += _GEM_DECOR[rng.integers(len(_GEM_DECOR))]
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _unique_in(name: str, seen: set[str]) -> str:
    if name not in seen:
        seen.add(name)
        return name
    for suffix in _COMPASS:
        candidate = f"{name} {suffix}"
        if candidate not in seen:
            seen.add(candidate)
            return candidate
    i = 2
    while f"{name} {i}" in seen:
        i += 1
    seen.add(f"{name} {i}")
    return f"{name} {i}"


def build_region_tree(
    n_buurten: int = NATIONAL_BUURTEN, n_gemeenten: int = NATIONAL_GEMEENTEN, seed: int = 1
) -> RegionTree:
    """The one region tree that the KWB, geometry and user-CSV generators share.

    Sizes follow the real shape: gemeente sizes are log-normal (many with 10–40 buurten, a few
    with 100–300+), ≈ 4.3 buurten per wijk, at most 99 wijken per gemeente and 99 buurten per wijk
    (the two code digits).
    """
    if seed < 0:
        raise ValueError("seed moet 0 of groter zijn")
    if not 1 <= n_gemeenten <= 1999:
        raise ValueError("aantal gemeenten moet tussen 1 en 1999 liggen")
    if n_buurten < n_gemeenten:
        raise ValueError("er moeten minstens zoveel buurten als gemeenten zijn")
    rng = _rng(seed, 0xC0DE)
    per_gem = _distribute(rng, n_buurten, rng.lognormal(0.0, 0.85, n_gemeenten), cap=99 * 99)
    numbers = np.sort(rng.choice(np.arange(1, 2000), size=n_gemeenten, replace=False))
    names = _gemeente_names(rng, n_gemeenten)
    # CBS orders the gemeenten by name; the codes stay attached to their gemeente.
    order = sorted(range(n_gemeenten), key=lambda i: (names[i].casefold().removeprefix("'s-"), names[i]))

    gem_codes, gem_names = [], []
    wk_codes, wk_names, wk_gem = [], [], []
    bu_codes, bu_names, bu_wijk, bu_gem = [], [], [], []
    for g_out, g in enumerate(order):
        gnum, gname, nb = int(numbers[g]), names[g], int(per_gem[g])
        gem_codes.append(f"GM{gnum:04d}")
        gem_names.append(gname)
        nw = int(np.clip(round(nb / rng.uniform(3.0, 6.0)), max(1, math.ceil(nb / 99)), min(nb, 99)))
        sizes = _distribute(rng, nb, rng.gamma(2.0, 1.0, nw) + 0.2, cap=99)
        w_start = int(rng.integers(0, 2)) if nw < 99 else 0
        wseen: set[str] = set()
        bseen: set[str] = set()
        for w in range(nw):
            wnum = w_start + w
            if rng.random() < 0.5:
                wname = f"Wijk {wnum:02d} {gname}"
            else:
                wname = _WIJK_WORDS[rng.integers(len(_WIJK_WORDS))]
            wk_codes.append(f"WK{gnum:04d}{wnum:02d}")
            wk_names.append(_unique_in(wname, wseen))
            wk_gem.append(g_out)
            b_start = int(rng.integers(0, 2)) if sizes[w] < 100 else 0
            for b in range(int(sizes[w])):
                r = rng.random()
                if r < 0.08:
                    bname = f"{_BUURT_PLACE[rng.integers(len(_BUURT_PLACE))]} {gname}"
                elif r < 0.25:
                    bname = f"{_BUURT_WORDS[rng.integers(len(_BUURT_WORDS))]} {_COMPASS[rng.integers(4)]}"
                else:
                    bname = _BUURT_WORDS[rng.integers(len(_BUURT_WORDS))]
                bu_codes.append(f"BU{gnum:04d}{wnum:02d}{b_start + b:02d}")
                bu_names.append(_unique_in(bname, bseen))
                bu_wijk.append(len(wk_codes) - 1)
                bu_gem.append(g_out)
    return RegionTree(
        seed=seed,
        gemeente_codes=tuple(gem_codes),
        gemeente_names=tuple(gem_names),
        wijk_codes=tuple(wk_codes),
        wijk_names=tuple(wk_names),
        wijk_gemeente=np.asarray(wk_gem, dtype=np.int64),
        buurt_codes=tuple(bu_codes),
        buurt_names=tuple(bu_names),
        buurt_wijk=np.asarray(bu_wijk, dtype=np.int64),
        buurt_gemeente=np.asarray(bu_gem, dtype=np.int64),
    )


# ============================================================================ topics (keys)


@dataclass(frozen=True)
class Topic:
    """One column of a KWB table: its stem (the key without `_N`) and its metadata.

    `canon` is the stem that drives value generation; it differs from `stem` only when a key was
    renamed in older years (so the renamed key carries the same figures).
    """

    stem: str
    title: str
    unit: str
    datatype: str  # Long | Double | String
    decimals: int
    presentation: str  # Absolute | Relative | ''
    groups: tuple[str, ...]  # titles of the topic groups, outermost first
    description: str | None = None
    default: str = "Impossible"
    canon: str = ""

    @property
    def base(self) -> str:
        return self.canon or self.stem

    @property
    def ident(self) -> str:
        """Stable identity for seeding: stems repeat under different groups (`Nederland`, `Appartement`)."""
        return f"{self.base}|{self.unit}|{'/'.join(self.groups)}"


@dataclass(frozen=True)
class TopicSet:
    topics: tuple[Topic, ...]
    group_descriptions: dict[tuple[str, ...], str | None] = field(default_factory=dict)
    origin: str = "builtin"


_BE, _WO, _IN = "Bevolking", "Wonen en vastgoed", "Inkomen"
_L, _D, _S = "Long", "Double", "String"
_A, _R = "Absolute", "Relative"
# (stem, title, unit, datatype, decimals, presentation, group path). Real KWB stems (2024 naming).
BUILTIN_TOPICS: tuple[tuple[str, str, str, str, int, str, str], ...] = (
    ("Gemeentenaam", "Gemeentenaam", "naam", _S, 0, "", "Regioaanduiding"),
    ("SoortRegio", "Soort regio", "omschrijving", _S, 0, "", "Regioaanduiding"),
    ("Codering", "Codering", "code", _S, 0, "", "Regioaanduiding"),
    (
        "IndelingswijzigingGemeenteWijkBuurt",
        "Indelingswijziging gemeente, wijk, buurt",
        "code",
        _S,
        0,
        "",
        "Regioaanduiding",
    ),
    ("AantalInwoners", "Aantal inwoners", "aantal", _L, 0, _A, _BE),
    ("Mannen", "Mannen", "aantal", _L, 0, _A, f"{_BE}/Geslacht"),
    ("Vrouwen", "Vrouwen", "aantal", _L, 0, _A, f"{_BE}/Geslacht"),
    ("k_0Tot15Jaar", "0 tot 15 jaar", "aantal", _L, 0, _A, f"{_BE}/Leeftijdsgroepen"),
    ("k_15Tot25Jaar", "15 tot 25 jaar", "aantal", _L, 0, _A, f"{_BE}/Leeftijdsgroepen"),
    ("k_25Tot45Jaar", "25 tot 45 jaar", "aantal", _L, 0, _A, f"{_BE}/Leeftijdsgroepen"),
    ("k_45Tot65Jaar", "45 tot 65 jaar", "aantal", _L, 0, _A, f"{_BE}/Leeftijdsgroepen"),
    ("k_65JaarOfOuder", "65 jaar of ouder", "aantal", _L, 0, _A, f"{_BE}/Leeftijdsgroepen"),
    ("Ongehuwd", "Ongehuwd", "aantal", _L, 0, _A, f"{_BE}/Burgerlijke staat"),
    ("Gehuwd", "Gehuwd", "aantal", _L, 0, _A, f"{_BE}/Burgerlijke staat"),
    ("Gescheiden", "Gescheiden", "aantal", _L, 0, _A, f"{_BE}/Burgerlijke staat"),
    ("Verweduwd", "Verweduwd", "aantal", _L, 0, _A, f"{_BE}/Burgerlijke staat"),
    ("GeboorteTotaal", "Geboorte totaal", "aantal", _L, 0, _A, f"{_BE}/Geboorte en sterfte"),
    ("GeboorteRelatief", "Geboorte relatief", "per 1 000 inwoners", _L, 0, _R, f"{_BE}/Geboorte en sterfte"),
    ("SterfteTotaal", "Sterfte totaal", "aantal", _L, 0, _A, f"{_BE}/Geboorte en sterfte"),
    ("SterfteRelatief", "Sterfte relatief", "per 1 000 inwoners", _L, 0, _R, f"{_BE}/Geboorte en sterfte"),
    ("HuishoudensTotaal", "Huishoudens totaal", "aantal", _L, 0, _A, f"{_BE}/Particuliere huishoudens"),
    ("Eenpersoonshuishoudens", "Eenpersoonshuishoudens", "aantal", _L, 0, _A, f"{_BE}/Particuliere huishoudens"),
    (
        "HuishoudensZonderKinderen",
        "Huishoudens zonder kinderen",
        "aantal",
        _L,
        0,
        _A,
        f"{_BE}/Particuliere huishoudens",
    ),
    ("HuishoudensMetKinderen", "Huishoudens met kinderen", "aantal", _L, 0, _A, f"{_BE}/Particuliere huishoudens"),
    (
        "GemiddeldeHuishoudensgrootte",
        "Gemiddelde huishoudensgrootte",
        "aantal",
        _D,
        1,
        _A,
        f"{_BE}/Particuliere huishoudens",
    ),
    ("Bevolkingsdichtheid", "Bevolkingsdichtheid", "aantal inwoners per km²", _L, 0, _R, _BE),
    ("Woningvoorraad", "Woningvoorraad", "aantal", _L, 0, _A, _WO),
    ("GemiddeldeWOZWaardeVanWoningen", "Gemiddelde WOZ-waarde van woningen", "x 1 000 euro", _L, 0, _R, _WO),
    ("PercentageEengezinswoning", "Percentage eengezinswoning", "%", _L, 0, _R, f"{_WO}/Woningen naar type"),
    ("PercentageMeergezinswoning", "Percentage meergezinswoning", "%", _L, 0, _R, f"{_WO}/Woningen naar type"),
    ("Koopwoningen", "Koopwoningen", "%", _L, 0, _R, f"{_WO}/Woningen naar eigendom"),
    ("HuurwoningenTotaal", "Huurwoningen totaal", "%", _L, 0, _R, f"{_WO}/Woningen naar eigendom/Huurwoningen"),
    (
        "InBezitWoningcorporatie",
        "In bezit woningcorporatie",
        "%",
        _L,
        0,
        _R,
        f"{_WO}/Woningen naar eigendom/Huurwoningen",
    ),
    (
        "InBezitOverigeVerhuurders",
        "In bezit overige verhuurders",
        "%",
        _L,
        0,
        _R,
        f"{_WO}/Woningen naar eigendom/Huurwoningen",
    ),
    (
        "GemiddeldeElektriciteitsleveringTotaal",
        "Gemiddelde elektriciteitslevering totaal",
        "kWh",
        _L,
        0,
        _A,
        "Energie/Gemiddelde elektriciteitslevering",
    ),
    (
        "GemiddeldAardgasverbruikTotaal",
        "Gemiddeld aardgasverbruik totaal",
        "m³",
        _L,
        0,
        _A,
        "Energie/Gemiddeld aardgasverbruik",
    ),
    (
        "BasisonderwijsVmboMbo1",
        "Basisonderwijs, vmbo, mbo1",
        "aantal",
        _L,
        0,
        _A,
        "Onderwijs/Hoogst behaald onderwijsniveau",
    ),
    ("HavoVwoMbo24", "Havo, vwo, mbo2-4", "aantal", _L, 0, _A, "Onderwijs/Hoogst behaald onderwijsniveau"),
    ("HboWo", "Hbo, wo", "aantal", _L, 0, _A, "Onderwijs/Hoogst behaald onderwijsniveau"),
    ("Nettoarbeidsparticipatie", "Nettoarbeidsparticipatie", "%", _L, 0, _R, "Arbeid"),
    ("AantalInkomensontvangers", "Aantal inkomensontvangers", "aantal", _L, 0, _A, f"{_IN}/Inkomen van personen"),
    (
        "GemiddeldInkomenPerInkomensontvanger",
        "Gemiddeld inkomen per inkomensontvanger",
        "x 1 000 euro",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van personen",
    ),
    (
        "GemiddeldInkomenPerInwoner",
        "Gemiddeld inkomen per inwoner",
        "x 1 000 euro",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van personen",
    ),
    (
        "k_40PersonenMetLaagsteInkomen",
        "40% personen met laagste inkomen",
        "%",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van personen",
    ),
    (
        "k_20PersonenMetHoogsteInkomen",
        "20% personen met hoogste inkomen",
        "%",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van personen",
    ),
    (
        "HuishoudensMetEenLaagInkomen",
        "Huishoudens met een laag inkomen",
        "%",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van huishoudens",
    ),
    (
        "HuishOnderOfRondSociaalMinimum",
        "Huishoudens onder of rond sociaal minimum",
        "%",
        _D,
        1,
        _R,
        f"{_IN}/Inkomen van huishoudens",
    ),
    (
        "PersonenPerSoortUitkeringBijstand",
        "Personen per soort uitkering; Bijstand",
        "aantal",
        _L,
        0,
        _A,
        "Sociale zekerheid",
    ),
    ("PersonenPerSoortUitkeringAO", "Personen per soort uitkering; AO", "aantal", _L, 0, _A, "Sociale zekerheid"),
    ("PersonenPerSoortUitkeringWW", "Personen per soort uitkering; WW", "aantal", _L, 0, _A, "Sociale zekerheid"),
    ("PersonenPerSoortUitkeringAOW", "Personen per soort uitkering; AOW", "aantal", _L, 0, _A, "Sociale zekerheid"),
    ("JongerenMetJeugdzorgInNatura", "Jongeren met jeugdzorg in natura", "aantal", _L, 0, _A, "Zorg"),
    ("PercentageJongerenMetJeugdzorg", "Percentage jongeren met jeugdzorg", "%", _D, 1, _R, "Zorg"),
    ("WmoClienten", "Wmo-cliënten", "aantal", _L, 0, _A, "Zorg"),
    ("WmoClientenRelatief", "Wmo-cliënten relatief", "per 1 000 inwoners", _L, 0, _R, "Zorg"),
    ("BedrijfsvestigingenTotaal", "Bedrijfsvestigingen totaal", "aantal", _L, 0, _A, "Bedrijfsvestigingen, SBI 2008"),
    ("PersonenautoSTotaal", "Personenauto's totaal", "aantal", _L, 0, _A, "Motorvoertuigen/Personenauto's"),
    (
        "PersonenautoSPerHuishouden",
        "Personenauto's per huishouden",
        "per huishouden",
        _D,
        1,
        _A,
        "Motorvoertuigen/Personenauto's",
    ),
    ("AfstandTotHuisartsenpraktijk", "Afstand tot huisartsenpraktijk", "km", _D, 1, _A, "Nabijheid voorzieningen"),
    ("AfstandTotGroteSupermarkt", "Afstand tot grote supermarkt", "km", _D, 1, _A, "Nabijheid voorzieningen"),
    ("AfstandTotKinderdagverblijf", "Afstand tot kinderdagverblijf", "km", _D, 1, _A, "Nabijheid voorzieningen"),
    ("AfstandTotSchool", "Afstand tot school", "km", _D, 1, _A, "Nabijheid voorzieningen/Basisonderwijs"),
    ("ScholenBinnen3Km", "Scholen binnen 3 km", "aantal", _D, 1, _A, "Nabijheid voorzieningen/Basisonderwijs"),
    ("OppervlakteTotaal", "Oppervlakte totaal", "ha", _L, 0, _A, "Oppervlakte"),
    ("OppervlakteLand", "Oppervlakte land", "ha", _L, 0, _A, "Oppervlakte"),
    ("OppervlakteWater", "Oppervlakte water", "ha", _L, 0, _A, "Oppervlakte"),
    ("MeestVoorkomendePostcode", "Meest voorkomende postcode", "code", _S, 0, "", "Postcode"),
    ("Dekkingspercentage", "Dekkingspercentage", "code", _L, 0, _A, "Postcode"),
    ("MateVanStedelijkheid", "Mate van stedelijkheid", "code", _L, 0, _A, "Stedelijkheid"),
    ("Omgevingsadressendichtheid", "Omgevingsadressendichtheid", "per km²", _L, 0, _R, "Stedelijkheid"),
)

# Keys that older KWB years had and 2024 no longer has (migratieachtergrond until 2021); inserted
# after `Verweduwd` for years before the reference year, so every later key number moves.
LEGACY_TOPICS: tuple[tuple[str, str], ...] = (
    ("WestersTotaal", "Westers totaal"),
    ("NietWestersTotaal", "Niet-westers totaal"),
    ("Marokko", "Marokko"),
    ("NederlandseAntillenEnAruba", "Nederlandse Antillen en Aruba"),
    ("Suriname", "Suriname"),
    ("Turkije", "Turkije"),
    ("OverigNietWesters", "Overig niet-westers"),
)
# Stems renamed over the years: new stem -> (first year with the new stem, old stem).
RENAMED_STEMS = {"GemiddeldeWOZWaardeVanWoningen": (2019, "GemiddeldeWoningwaarde")}
_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?P<n>\d+)$")


def _stem(key: str) -> str:
    m = _SUFFIX.match(key)
    return m.group("stem") if m else key


def _builtin_topics() -> TopicSet:
    topics = tuple(
        Topic(stem=s, title=t, unit=u, datatype=d, decimals=dec, presentation=p, groups=tuple(g.split("/")))
        for s, t, u, d, dec, p, g in BUILTIN_TOPICS
    )
    return TopicSet(topics=topics, origin="builtin")


def _topics_from_properties(rows: Sequence[dict], origin: str) -> TopicSet:
    """Stems, titles, units and topic groups of a real DataProperties (read at run time, never stored)."""
    by_id = {r.get("ID"): r for r in rows}
    topics: list[Topic] = []
    descriptions: dict[tuple[str, ...], str | None] = {}
    for r in rows:
        if r.get("Type") != "Topic":
            continue
        chain: list[dict] = []
        parent = by_id.get(r.get("ParentID"))
        while parent is not None:
            chain.append(parent)
            parent = by_id.get(parent.get("ParentID"))
        chain.reverse()
        path = tuple(str(g.get("Title", "")) for g in chain)
        for depth, g in enumerate(chain, 1):
            descriptions.setdefault(path[:depth], g.get("Description"))
        datatype = str(r.get("Datatype") or "Double")
        topics.append(
            Topic(
                stem=_stem(str(r["Key"])),
                title=str(r.get("Title", "")),
                unit=str(r.get("Unit") or ""),
                datatype=datatype if datatype in ("Long", "Double", "String") else "Double",
                decimals=int(r.get("Decimals") or 0),
                presentation=str(r.get("PresentationType") or ""),
                groups=path,
                description=r.get("Description"),
                default=str(r.get("Default") or "Impossible"),
            )
        )
    if not topics:
        raise ValueError(f"{origin} bevat geen Topic-regels")
    return TopicSet(topics=tuple(topics), group_descriptions=descriptions, origin=origin)


def load_topics(source: str | Path = "auto") -> TopicSet:
    """`auto`: the real 2024 DataProperties when present, else the built-in list; `builtin`; or a path."""
    if str(source) == "builtin":
        return _builtin_topics()
    path = SHARED_PROPERTIES if str(source) == "auto" else Path(source)
    if not path.is_file():
        if str(source) == "auto":
            return _builtin_topics()
        raise FileNotFoundError(f"DataProperties niet gevonden: {path}")
    rows = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(rows, dict):
        rows = rows.get("value", [])
    return _topics_from_properties(rows, origin=str(path))


def _extra_topic(i: int) -> Topic:
    """Synthetic filler keys, so every year has exactly TOPICS_PER_YEAR keys."""
    if i % 2:
        return Topic(
            f"ExtraMaat{i:02d}",
            f"Extra maat {i:02d} (synthetisch)",
            "aantal",
            "Long",
            0,
            "Absolute",
            ("Extra (synthetisch)",),
        )
    return Topic(
        f"ExtraMaat{i:02d}", f"Extra maat {i:02d} (synthetisch)", "%", "Double", 1, "Relative", ("Extra (synthetisch)",)
    )


def year_topics(topic_set: TopicSet, year: int, n_topics: int = TOPICS_PER_YEAR) -> list[Topic]:
    """The topics of one year, in position order; key `N` of topic i is `{stem}_{i+1}`.

    Why the numbering moves: CBS inserts and drops keys from year to year, so the same stem gets
    another suffix (`Bevolkingsdichtheid_33` in 2017, `_34` in 2024). Here each year before the
    reference year carries one more legacy key (after `Verweduwd`), each later year one more new
    key; and `ExtraMaatNN` fillers at the end keep the total at `n_topics`.
    """
    topics = list(topic_set.topics)
    shift = REFERENCE_YEAR - year
    inserted: list[Topic] = []
    if shift > 0:
        group = ("Bevolking", "Migratieachtergrond")
        for i in range(shift):
            if i < len(LEGACY_TOPICS):
                stem, title = LEGACY_TOPICS[i]
            else:
                stem, title = (
                    f"OudeMaat{i - len(LEGACY_TOPICS) + 1:02d}",
                    f"Oude maat {i - len(LEGACY_TOPICS) + 1:02d} (synthetisch)",
                )
            inserted.append(Topic(stem, title, "aantal", "Long", 0, "Absolute", group))
    elif shift < 0:
        for i in range(-shift):
            inserted.append(
                Topic(
                    f"NieuweMaat{i + 1:02d}",
                    f"Nieuwe maat {i + 1:02d} (synthetisch)",
                    "%",
                    "Double",
                    1,
                    "Relative",
                    ("Bevolking",),
                )
            )
    stems = [t.stem for t in topics]
    at = stems.index("Verweduwd") + 1 if "Verweduwd" in stems else min(len(topics), 16)
    topics[at:at] = inserted
    for i, t in enumerate(topics):
        if t.stem in RENAMED_STEMS and year < RENAMED_STEMS[t.stem][0]:
            topics[i] = replace(t, stem=RENAMED_STEMS[t.stem][1], canon=t.stem)
    extra = 1
    while len(topics) < n_topics:
        topics.append(_extra_topic(extra))
        extra += 1
    while len(topics) > n_topics:  # drop fillers first, then from the end
        fillers = [i for i, t in enumerate(topics) if t.stem.startswith("ExtraMaat")]
        del topics[fillers[-1] if fillers else -1]
    return topics


def data_properties(
    topics: Sequence[Topic], region_key: str, year: int, group_descriptions: dict | None = None
) -> list[dict]:
    """DataProperties rows as OData v3 sends them: GeoDetail, TopicGroups at first use, Topics."""
    descriptions = group_descriptions or {}
    rows: list[dict] = [
        {
            "odata.type": "Cbs.OData.GeoDetail",
            "ID": 0,
            "Position": 0,
            "ParentID": None,
            "Type": "GeoDetail",
            "Key": region_key,
            "Title": "Wijken en buurten" if region_key == "WijkenEnBuurten" else "Regio's",
            "Description": "",
            "MapYear": year,
        }
    ]
    group_ids: dict[tuple[str, ...], int] = {}
    next_id = 1
    for pos, t in enumerate(topics, 1):
        parent = None
        for depth in range(1, len(t.groups) + 1):
            path = t.groups[:depth]
            if path not in group_ids:
                rows.append(
                    {
                        "odata.type": "Cbs.OData.TopicGroup",
                        "ID": next_id,
                        "Position": None,
                        "ParentID": parent,
                        "Type": "TopicGroup",
                        "Key": "",
                        "Title": path[-1],
                        "Description": descriptions.get(path),
                    }
                )
                group_ids[path] = next_id
                next_id += 1
            parent = group_ids[path]
        rows.append(
            {
                "odata.type": "Cbs.OData.Topic",
                "ID": next_id,
                "Position": pos,
                "ParentID": parent,
                "Type": "Topic",
                "Key": f"{t.stem}_{pos}",
                "Title": t.title,
                "Description": t.description,
                "Datatype": t.datatype,
                "Unit": t.unit,
                "Decimals": t.decimals,
                "Default": t.default,
                "PresentationType": t.presentation,
            }
        )
        next_id += 1
    return rows


# ============================================================================ KWB values


@dataclass
class _Profile:
    """Year-independent traits of every buurt: what makes a buurt itself over the years."""

    pop0: np.ndarray
    growth: np.ndarray
    uz: np.ndarray  # urbanity, standardised
    aff: np.ndarray  # affluence
    age: np.ndarray  # older (+) / younger (-)
    hhsize: np.ndarray
    area_ha: np.ndarray
    water_frac: np.ndarray
    oad: np.ndarray
    postcode: np.ndarray
    dekking: np.ndarray
    indeling: np.ndarray


def _profile(tree: RegionTree, seed: int) -> _Profile:
    rng = _rng(seed, 0xB0B)
    nb = tree.n_buurten
    per_gem = np.maximum(tree.buurten_per_gemeente(), 1)
    u_gem = 1.0 / (1.0 + np.exp(-(0.9 * (np.log(per_gem) - np.log(40.0)) + rng.normal(0, 0.5, tree.n_gemeenten))))
    u = np.clip(u_gem[tree.buurt_gemeente] + rng.normal(0, 0.15, nb), 0.01, 0.99)
    uz = (u - 0.5) / 0.25
    aff = (
        rng.normal(0, 0.4, tree.n_gemeenten)[tree.buurt_gemeente]
        + rng.normal(0, 0.7, tree.n_wijken)[tree.buurt_wijk]
        + rng.normal(0, 0.6, nb)
    )
    aff = aff / max(aff.std(), 1e-9)
    age = -0.4 * uz + rng.normal(0, 0.9, nb)
    pop = rng.lognormal(np.log(720.0), 0.85, nb) * np.exp(
        0.35 * uz + rng.normal(0, 0.3, tree.n_gemeenten)[tree.buurt_gemeente]
    )
    pop = np.clip(pop, 50.0, 25_000.0)
    empty = rng.random(nb) < 0.045  # bedrijventerreinen, buitengebied: (almost) nobody lives there
    pop[empty] = np.where(rng.random(int(empty.sum())) < 0.5, 0.0, rng.uniform(1, 49, int(empty.sum())))
    growth = rng.normal(0.004, 0.01, nb) + np.where(rng.random(nb) < 0.03, 0.06, 0.0)  # some new-build areas
    hhsize = np.clip(2.25 - 0.3 * uz - 0.15 * age + 0.1 * aff + rng.normal(0, 0.12, nb), 1.15, 3.5)
    density = np.exp(np.log(60.0) + u * np.log(150.0) + rng.normal(0, 0.3, nb))  # inwoners per km²
    area_ha = np.maximum(pop, 20.0) / density * 100.0
    area_ha[empty] = rng.lognormal(np.log(150.0), 1.0, int(empty.sum()))
    water_frac = np.clip(rng.beta(0.5, 8.0, nb), 0.0, 0.9)
    oad = np.clip(density / 2.2 * np.exp(rng.normal(0, 0.2, nb)) + 20.0, 5.0, 12_000.0)
    gem_pc = 1000 + (np.arange(tree.n_gemeenten) * 8731 + seed * 97) % 8900
    postcode = np.minimum(gem_pc[tree.buurt_gemeente] + rng.integers(0, 40, nb), 9999)
    dekking = rng.choice(np.arange(1, 7), nb, p=[0.55, 0.2, 0.1, 0.07, 0.05, 0.03])
    indeling = np.where(rng.random(nb) < 0.97, 1, np.where(rng.random(nb) < 0.5, 2, 3))
    return _Profile(pop, growth, uz, aff, age, hhsize, area_ha, water_frac, oad, postcode, dekking, indeling)


@dataclass
class _YearState:
    """The buurt quantities of one year that several keys share, so those keys agree."""

    year: int
    pop: np.ndarray
    uz: np.ndarray
    aff: np.ndarray
    age: np.ndarray
    male: np.ndarray
    age_shares: np.ndarray  # (nb, 5)
    marital_shares: np.ndarray  # (nb, 4)
    hh: np.ndarray
    hh_shares: np.ndarray  # (nb, 3): een, zonder, met kinderen
    koop: np.ndarray
    corp_share: np.ndarray
    eengezins: np.ndarray
    income: np.ndarray
    woz: np.ndarray
    land: np.ndarray
    water: np.ndarray
    oad: np.ndarray
    cars_per_hh: np.ndarray
    birth_rate: np.ndarray
    death_rate: np.ndarray


def _softmax_shares(base: Sequence[float], effects: np.ndarray, noise: np.ndarray) -> np.ndarray:
    logits = np.log(np.asarray(base))[None, :] + effects + noise
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _year_state(p: _Profile, year: int, seed: int) -> _YearState:
    rng = _rng(seed, 0x5EA, year)
    nb = len(p.pop0)
    dt = year - REFERENCE_YEAR
    pop = p.pop0 * np.exp(p.growth * dt) * np.exp(rng.normal(0, 0.015, nb))
    aff = p.aff + rng.normal(0, 0.08, nb)
    age = p.age + 0.03 * dt + rng.normal(0, 0.05, nb)
    age_shares = _softmax_shares(
        [0.16, 0.12, 0.24, 0.27, 0.21],
        np.outer(age, [-0.25, -0.2, -0.15, 0.1, 0.35]) + np.outer(p.uz, [-0.05, 0.12, 0.12, -0.05, -0.08]),
        rng.normal(0, 0.08, (nb, 5)),
    )
    marital_shares = _softmax_shares(
        [0.47, 0.38, 0.08, 0.06], np.outer(age, [-0.2, 0.1, 0.05, 0.35]), rng.normal(0, 0.08, (nb, 4))
    )
    hh_shares = _softmax_shares(
        [0.38, 0.30, 0.32],
        np.outer(p.uz, [0.25, -0.05, -0.2]) + np.outer(age, [0.1, 0.2, -0.3]),
        rng.normal(0, 0.1, (nb, 3)),
    )
    hhsize = np.clip(p.hhsize + rng.normal(0, 0.03, nb), 1.1, 3.6)
    koop = np.clip(58 + 14 * aff - 12 * p.uz + rng.normal(0, 6, nb), 1, 99)
    return _YearState(
        year=year,
        pop=pop,
        uz=p.uz,
        aff=aff,
        age=age,
        male=np.clip(0.495 + rng.normal(0, 0.012, nb), 0.4, 0.6),
        age_shares=age_shares,
        marital_shares=marital_shares,
        hh=pop / hhsize,
        hh_shares=hh_shares,
        koop=koop,
        corp_share=np.clip(0.62 - 0.12 * aff + rng.normal(0, 0.08, nb), 0.02, 0.98),
        eengezins=np.clip(72 - 22 * p.uz + 5 * aff + rng.normal(0, 6, nb), 0, 100),
        income=32.0 * np.exp(0.2 * aff) * 1.03**dt,
        woz=340.0 * np.exp(0.3 * aff - 0.05 * p.uz) * 1.06**dt,
        land=p.area_ha * (1 - p.water_frac),
        water=p.area_ha * p.water_frac,
        oad=p.oad * np.exp(rng.normal(0, 0.01, nb)),
        cars_per_hh=np.clip(1.05 - 0.25 * p.uz + 0.15 * aff + rng.normal(0, 0.08, nb), 0.2, 2.5),
        birth_rate=np.clip(0.0095 * np.exp(-0.35 * age + rng.normal(0, 0.2, nb)), 0.0, 0.05),
        death_rate=np.clip(0.0095 * np.exp(0.45 * age + rng.normal(0, 0.2, nb)), 0.0, 0.08),
    )


_AGE = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder")
_MARITAL = ("Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd")
_HH = ("Eenpersoonshuishoudens", "HuishoudensZonderKinderen", "HuishoudensMetKinderen")
# Keys computed per level from other quantities (not averaged), so they agree with their parts.
_DERIVED = {"GemiddeldeHuishoudensgrootte", "Bevolkingsdichtheid", "MateVanStedelijkheid"}
_NEVER_NULL = {"AantalInwoners", "OppervlakteTotaal", "OppervlakteLand", "OppervlakteWater"}
_BUURT_ONLY = {"Dekkingspercentage"}
_GENERIC_SCALE = {  # unit -> (median, log-sd) of a generic positive measure
    "kWh": (2700.0, 0.25),
    "m³": (1100.0, 0.35),
    "km": (1.1, 0.7),
    "per huishouden": (1.0, 0.3),
    "per km²": (1500.0, 0.9),
}


def _special(t: Topic, s: _YearState) -> tuple[np.ndarray, str] | None:
    """Values of the keys that must agree with each other; None for the generic ones."""
    b = t.base
    if b == "AantalInwoners":
        return s.pop, "sum"
    if b == "Mannen":
        return s.pop * s.male, "sum"
    if b == "Vrouwen":
        return s.pop * (1 - s.male), "sum"
    if b in _AGE:
        return s.pop * s.age_shares[:, _AGE.index(b)], "sum"
    if b in _MARITAL:
        return s.pop * s.marital_shares[:, _MARITAL.index(b)], "sum"
    if b == "GeboorteTotaal":
        return s.pop * s.birth_rate, "sum"
    if b == "GeboorteRelatief":
        return s.birth_rate * 1000, "mean"
    if b == "SterfteTotaal":
        return s.pop * s.death_rate, "sum"
    if b == "SterfteRelatief":
        return s.death_rate * 1000, "mean"
    if b == "HuishoudensTotaal":
        return s.hh, "sum"
    if b in _HH:
        return s.hh * s.hh_shares[:, _HH.index(b)], "sum"
    if b == "Woningvoorraad":
        return s.hh * 1.04, "sum"
    if b == "GemiddeldeWOZWaardeVanWoningen":
        return s.woz, "mean"
    if b == "Koopwoningen":
        return s.koop, "mean"
    if b == "HuurwoningenTotaal":
        return 100 - s.koop, "mean"
    if b == "InBezitWoningcorporatie":
        return (100 - s.koop) * s.corp_share, "mean"
    if b == "InBezitOverigeVerhuurders":
        return (100 - s.koop) * (1 - s.corp_share), "mean"
    if b == "PercentageEengezinswoning":
        return s.eengezins, "mean"
    if b == "PercentageMeergezinswoning":
        return 100 - s.eengezins, "mean"
    if b == "GemiddeldInkomenPerInwoner":
        return s.income, "mean"
    if b == "GemiddeldInkomenPerInkomensontvanger":
        return s.income * 1.28, "mean"
    if b == "AantalInkomensontvangers":
        return s.pop * 0.8, "sum"
    if b == "k_40PersonenMetLaagsteInkomen":
        return np.clip(40 - 11 * s.aff + 3 * s.uz, 1, 95), "mean"
    if b == "k_20PersonenMetHoogsteInkomen":
        return np.clip(20 + 8 * s.aff, 1, 85), "mean"
    if b == "HuishoudensMetEenLaagInkomen":
        return np.clip(8 - 4 * s.aff + 2 * s.uz, 0.3, 60), "mean"
    if b == "HuishOnderOfRondSociaalMinimum":
        return np.clip(6.5 - 3.5 * s.aff + 2 * s.uz, 0.2, 55), "mean"
    if b == "PersonenPerSoortUitkeringBijstand":
        return s.pop * 0.025 * np.exp(-0.7 * s.aff + 0.3 * s.uz), "sum"
    if b == "PersonenPerSoortUitkeringAOW":
        return s.pop * s.age_shares[:, 4] * 0.97, "sum"
    if b == "PersonenautoSTotaal":
        return s.hh * s.cars_per_hh, "sum"
    if b == "PersonenautoSPerHuishouden":
        return s.cars_per_hh, "mean"
    if b == "OppervlakteTotaal":
        return s.land + s.water, "sum"
    if b == "OppervlakteLand":
        return s.land, "sum"
    if b == "OppervlakteWater":
        return s.water, "sum"
    if b == "Omgevingsadressendichtheid":
        return s.oad, "mean"
    if b in _DERIVED:
        return np.full_like(s.pop, np.nan), "derived"
    return None


def _generic(t: Topic, s: _YearState, seed: int) -> tuple[np.ndarray, str]:
    """A plausible measure by unit, correlated with urbanity, affluence and age like real KWB keys."""
    key = _stable_int(t.ident)
    fixed = _rng(seed, key, 0xF1)
    noise_year = _rng(seed, key, s.year).normal(0, 1, len(s.pop))
    w = fixed.normal(0, 0.6, 3)
    lin = w[0] * s.uz + w[1] * s.aff + w[2] * s.age + 0.5 * fixed.normal(0, 1, len(s.pop)) + 0.2 * noise_year
    dt = s.year - REFERENCE_YEAR
    drift = 1 + fixed.normal(0, 0.01) * dt
    unit = t.unit
    if unit == "%":
        m, sd = fixed.uniform(5, 75), fixed.uniform(3, 15)
        return np.clip((m + sd * lin) * drift, 0, 100), "mean"
    if unit == "aantal" and t.datatype == "Long" and t.presentation != "Relative":
        share = np.exp(fixed.uniform(np.log(0.003), np.log(0.25)) + 0.4 * lin)
        return np.minimum(share, 0.9) * s.pop * drift, "sum"
    if unit == "code":
        return np.clip(np.rint(3 + 1.2 * lin), 1, 5), "mean"
    if unit == "per 1 000 inwoners":
        m = fixed.uniform(5, 80)
    elif unit == "x 1 000 euro":
        m = 330.0 if t.datatype == "Long" else 32.0
    elif unit in _GENERIC_SCALE:
        m = _GENERIC_SCALE[unit][0]
    else:
        m = fixed.uniform(1, 50)
    sd = _GENERIC_SCALE.get(unit, (0, 0.4))[1]
    return m * np.exp(sd * lin) * drift, "mean"


def _stedelijkheid(oad: np.ndarray) -> np.ndarray:
    out = np.select([oad >= 2500, oad >= 1500, oad >= 1000, oad >= 500], [1, 2, 3, 4], 5).astype(float)
    return np.where(np.isnan(oad), np.nan, out)


@dataclass
class _Levels:
    """Row bookkeeping: level arrays are [NL | gemeenten | wijken | buurten], `order` the CBS row order."""

    tree: RegionTree
    n_gem: int
    n_wijk: int
    n_buurt: int
    order: np.ndarray
    level_of_row: np.ndarray  # 0 NL, 1 GM, 2 WK, 3 BU (in level-array order)

    @property
    def n_rows(self) -> int:
        return 1 + self.n_gem + self.n_wijk + self.n_buurt


def _levels(tree: RegionTree) -> _Levels:
    g0, w0 = 1, 1 + tree.n_gemeenten
    b0 = w0 + tree.n_wijken
    order = [0]
    wijken_of = [[] for _ in range(tree.n_gemeenten)]
    for w, g in enumerate(tree.wijk_gemeente):
        wijken_of[g].append(w)
    buurt_start = np.searchsorted(tree.buurt_wijk, np.arange(tree.n_wijken + 1))
    for g in range(tree.n_gemeenten):
        order.append(g0 + g)
        for w in wijken_of[g]:
            order.append(w0 + w)
            order.extend(range(b0 + int(buurt_start[w]), b0 + int(buurt_start[w + 1])))
    level = np.concatenate([[0], np.full(tree.n_gemeenten, 1), np.full(tree.n_wijken, 2), np.full(tree.n_buurten, 3)])
    return _Levels(tree, tree.n_gemeenten, tree.n_wijken, tree.n_buurten, np.asarray(order), level)


def _sum_levels(x: np.ndarray, lv: _Levels) -> np.ndarray:
    t = lv.tree
    return np.concatenate(
        [[x.sum()], np.bincount(t.buurt_gemeente, x, lv.n_gem), np.bincount(t.buurt_wijk, x, lv.n_wijk), x]
    )


def _mean_levels(x: np.ndarray, weight: np.ndarray, lv: _Levels) -> np.ndarray:
    ok = ~np.isnan(x)
    num = _sum_levels(np.where(ok, x * weight, 0.0), lv)
    den = _sum_levels(np.where(ok, weight, 0.0), lv)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[den == 0] = np.nan
    out[len(out) - lv.n_buurt :] = x  # buurten keep their own value (and their NaN)
    return out


def _round5(x: np.ndarray) -> np.ndarray:
    return np.floor(x / 5.0 + 0.5) * 5.0


def kwb_year_values(
    tree: RegionTree, topics: Sequence[Topic], year: int, seed: int, profile: _Profile | None = None
) -> tuple[_Levels, list[np.ndarray]]:
    """Every numeric key of one year for every row (level-array order); NaN = unknown (null).

    Counts are rounded to multiples of 5 for wijken and buurten (as CBS does), gemeenten and
    Nederland are sums of the unrounded buurt figures; shares and averages are inhabitant-weighted
    means of the buurten; derived keys (densities, household size, stedelijkheid) are recomputed
    per level. Privacy suppression: ≈ 5 % nulls, concentrated in buurten with few inhabitants.
    """
    lv = _levels(tree)
    profile = profile if profile is not None else _profile(tree, seed)
    state = _year_state(profile, year, seed)
    weight = state.pop + 1.0
    base_levels = {
        "pop": _sum_levels(state.pop, lv),
        "hh": _sum_levels(state.hh, lv),
        "land": _sum_levels(state.land, lv),
        "oad": _mean_levels(state.oad, weight, lv),
    }
    rng = _rng(seed, 0x0DD, year)
    u = rng.random((lv.n_rows, len(topics)))
    pop_rows = base_levels["pop"]
    small = np.where(pop_rows < 50, 0, np.where(pop_rows < 200, 1, 2))
    out: list[np.ndarray] = []
    by_stem: dict[str, int] = {}
    stem_count: dict[str, int] = {}
    for j, t in enumerate(topics):
        stem_count[t.base] = stem_count.get(t.base, 0) + 1
        if t.datatype == "String":
            out.append(np.full(lv.n_rows, np.nan))
            continue
        got = _special(t, state)
        raw, how = got if got is not None else _generic(t, state, seed)
        if t.presentation == "Relative" or how == "mean":
            raw = np.where(state.pop > 0, raw, np.nan)  # no inhabitants: no share, no average
        if how == "sum":
            vals = _sum_levels(raw, lv)
        elif how == "mean":
            vals = _mean_levels(raw, weight, lv)
        else:
            vals = np.full(lv.n_rows, np.nan)
        b = t.base
        if b == "GemiddeldeHuishoudensgrootte":
            with np.errstate(invalid="ignore", divide="ignore"):
                vals = np.where(base_levels["hh"] > 0, base_levels["pop"] / base_levels["hh"], np.nan)
        elif b == "Bevolkingsdichtheid":
            vals = base_levels["pop"] / np.maximum(base_levels["land"], 1.0) * 100.0
        elif b == "MateVanStedelijkheid":
            vals = _stedelijkheid(base_levels["oad"])
        if b in _BUURT_ONLY:
            vals[: lv.n_rows - lv.n_buurt] = np.nan
            vals[lv.n_rows - lv.n_buurt :] = profile.dekking
        # rounding as published
        if t.unit == "%":
            vals = np.clip(vals, 0, 100)
        is_count = how == "sum" and t.datatype == "Long" and t.unit == "aantal"
        if is_count:
            fine = lv.level_of_row >= 2
            vals = np.where(fine, _round5(vals), np.rint(vals))
        elif t.datatype == "Long":
            vals = np.rint(vals)
        else:
            vals = np.round(vals, t.decimals)
        # privacy suppression (the draw u is fixed per cell, so the rate is stable and seeded)
        if b not in _NEVER_NULL:
            sensitive = not is_count
            p_buurt = np.array([0.85, 0.25, 0.04]) if sensitive else np.array([0.10, 0.02, 0.006])
            p = np.select(
                [lv.level_of_row == 3, lv.level_of_row == 2, lv.level_of_row == 1], [p_buurt[small], 0.01, 0.002], 0.0
            )
            vals = np.where(u[:, j] < p, np.nan, vals)
        by_stem.setdefault(b, j)
        out.append(vals)
    _identities(out, topics, by_stem, stem_count)
    return lv, out


def _identities(out: list[np.ndarray], topics: Sequence[Topic], by_stem: dict[str, int], count: dict[str, int]) -> None:
    """After rounding, make the published parts add up exactly where CBS's do (100 %, land + water)."""

    def col(stem: str) -> np.ndarray | None:
        return out[by_stem[stem]] if stem in by_stem and count.get(stem) == 1 else None

    def put(stem: str, values: np.ndarray) -> None:
        j = by_stem[stem]
        keep_null = np.isnan(out[j])  # a suppressed cell stays suppressed
        out[j] = np.where(keep_null, np.nan, values)

    koop, huur = col("Koopwoningen"), col("HuurwoningenTotaal")
    if koop is not None and huur is not None:
        put("HuurwoningenTotaal", 100 - koop)
        huur = col("HuurwoningenTotaal")
        corp, overig = col("InBezitWoningcorporatie"), col("InBezitOverigeVerhuurders")
        if corp is not None and overig is not None:
            put("InBezitWoningcorporatie", np.minimum(corp, huur))
            put("InBezitOverigeVerhuurders", huur - col("InBezitWoningcorporatie"))
    een, meer = col("PercentageEengezinswoning"), col("PercentageMeergezinswoning")
    if een is not None and meer is not None:
        put("PercentageMeergezinswoning", 100 - een)
    tot, land, water = col("OppervlakteTotaal"), col("OppervlakteLand"), col("OppervlakteWater")
    if tot is not None and land is not None and water is not None:
        put("OppervlakteTotaal", land + water)


# ============================================================================ wire writing


def _json_strings(values: Iterable[str | None]) -> list[str]:
    cache: dict[str | None, str] = {}
    out = []
    for v in values:
        s = cache.get(v)
        if s is None:
            s = cache[v] = json.dumps(v)
        out.append(s)
    return out


def _encode_numbers(values: np.ndarray, datatype: str, decimals: int) -> np.ndarray:
    """Numbers as `json.dumps` writes them (ints for Long, shortest repr for Double), NaN as null."""
    nan = np.isnan(values)
    filled = np.where(nan, 0.0, values)
    if datatype == "Long":
        text = filled.astype(np.int64).astype(str)
    else:
        text = np.round(filled, decimals).astype(str)
    return np.where(nan, "null", text)


def write_odata_json(
    path: Path, columns: Sequence[tuple[str, Sequence[str] | np.ndarray]], n_rows: int, chunk: int = 2000
) -> None:
    """A list of row dicts, formatted exactly as `json.dump(rows, f, indent=2)` (cbsodata) would.

    Why not `json.dump`: with `indent` the stdlib falls back to its pure-Python encoder, which takes
    ~30 s for one national TypedDataSet; filling a per-row template from pre-encoded columns gives
    the same bytes in a fraction of that. Values must already be JSON-encoded strings.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    lines = (f"    {json.dumps(k).replace('%', '%%')}: %s" for k, _ in columns)
    template = "  {\n" + ",\n".join(lines) + "\n  }"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        if n_rows == 0 or not columns:
            f.write("[]")
        else:
            f.write("[\n")
            for start in range(0, n_rows, chunk):
                stop = min(n_rows, start + chunk)
                cols = [
                    c[start:stop].tolist() if isinstance(c, np.ndarray) else list(c[start:stop]) for _, c in columns
                ]
                if start:
                    f.write(",\n")
                f.write(",\n".join(template % row for row in zip(*cols, strict=True)))
            f.write("\n]")
    os.replace(tmp, path)


def _write_json(path: Path, payload: object) -> None:
    """Small metadata files: exactly what cbsodata's `_save_data` writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)


def kwb_tables() -> dict[int, dict]:
    """Year → {id, region_key, ...} from the project's catalogue (`tables.toml`)."""
    with open(TABLES_TOML, "rb") as f:
        raw = tomllib.load(f)
    return {int(y): dict(v) for y, v in raw["kwb"]["years"].items()}


def _table_infos(table_id: str, year: int, region_key: str, tree: RegionTree) -> list[dict]:
    first = [NL_CODE, tree.gemeente_codes[0], tree.wijk_codes[0], tree.buurt_codes[0]]
    selection = " or ".join(f"({region_key} eq '{c:<{KEY_WIDTH}}')" for c in first)
    note = (
        "SYNTHETISCHE GEGEVENS, gemaakt door benchmarks/generate.py van Wijkkompas (seed "
        f"{tree.seed}). Geen echte CBS-cijfers; alleen bedoeld voor tests en metingen."
    )
    return [
        {
            "ID": 0,
            "Title": f"Kerncijfers wijken en buurten {year}",
            "ShortTitle": f"Kerncijfers wijken en buurten {year}",
            "Identifier": table_id,
            "Summary": "Kerncijfers over demografische en sociaal-economische kenmerken\nUitgesplitst naar gemeenten, wijken en buurten\n"
            + note,
            "Modified": f"{year + 1}-03-27T02:00:00",
            "ReasonDelivery": "Actualisering",
            "ExplanatoryText": "",
            "Language": "nl",
            "Catalog": "CBS",
            "Frequency": "Onregelmatig",
            "Period": str(year),
            "ShortDescription": f"\n{note}\n\nGegevens beschikbaar over: {year}.\n",
            "Description": f"{note}\r\n\r\nOverzicht van (synthetische) gegevens van gemeenten, wijken en buurten.",
            "DefaultPresentation": f"ts=0&graphtype=Table&r=Topics&k={region_key}&_gu=WK",
            "DefaultSelection": f"$filter=({selection})&$select={region_key}, Gemeentenaam_1, AantalInwoners_5",
            "GraphTypes": "Table,Map",
            "OutputStatus": "Regulier",
            "Source": "CBS (synthetisch).",
            "MetaDataModified": f"{year + 1}-03-27T02:00:00",
            "SearchPriority": "2",
        }
    ]


def _region_rows(tree: RegionTree) -> dict[str, list]:
    """Per row (level-array order): padded code, name, gemeente name, soort, gemeente code."""
    t = tree
    codes = [NL_CODE, *t.gemeente_codes, *t.wijk_codes, *t.buurt_codes]
    names = ["Nederland", *t.gemeente_names, *t.wijk_names, *t.buurt_names]
    gem_of = [None, *range(t.n_gemeenten), *t.wijk_gemeente.tolist(), *t.buurt_gemeente.tolist()]
    gem_name = ["Nederland" if g is None else t.gemeente_names[g] for g in gem_of]
    soort = [SOORT_REGIO["nederland"]] + [SOORT_REGIO["gemeente"]] * t.n_gemeenten
    soort += [SOORT_REGIO["wijk"]] * t.n_wijken + [SOORT_REGIO["buurt"]] * t.n_buurten
    return {
        "code": codes,
        "name": names,
        "gem_name": gem_name,
        "gem_code": [None if g is None else t.gemeente_codes[g] for g in gem_of],
        "soort": soort,
    }


def write_kwb_year(
    out_dir: Path, tree: RegionTree, topic_set: TopicSet, year: int, seed: int, table: dict | None = None
) -> Path:
    """One year's cbsodata folder `out_dir/<TABLE_ID>/`; returns that folder."""
    table = table or kwb_tables()[year]
    table_id, region_key = table["id"], table.get("region_key", "WijkenEnBuurten")
    folder = Path(out_dir) / table_id
    topics = year_topics(topic_set, year)
    profile = _profile(tree, seed)
    lv, values = kwb_year_values(tree, topics, year, seed, profile)
    regions = _region_rows(tree)
    order = lv.order
    n = lv.n_rows

    def ordered(seq: Sequence) -> list:
        return [seq[i] for i in order]

    padded_code = ordered([f"{c:<{KEY_WIDTH}}" for c in regions["code"]])
    code_json = _json_strings(padded_code)
    lvl = lv.level_of_row
    columns: list[tuple[str, Sequence[str] | np.ndarray]] = [
        ("ID", [str(i) for i in range(n)]),
        (region_key, code_json),
    ]
    for pos, (t, vals) in enumerate(zip(topics, values, strict=True), 1):
        key = f"{t.stem}_{pos}"
        b = t.base
        if t.datatype != "String":
            columns.append((key, _encode_numbers(vals[order], t.datatype, t.decimals)))
            continue
        if b == "Gemeentenaam":
            text = _json_strings(ordered([f"{g:<{NAME_WIDTH}}" for g in regions["gem_name"]]))
        elif b == "SoortRegio":
            text = _json_strings(ordered([f"{s:<{SOORT_WIDTH}}" for s in regions["soort"]]))
        elif b == "Codering":
            text = code_json
        elif b == "IndelingswijzigingGemeenteWijkBuurt":
            ind = np.concatenate([[0], np.ones(lv.n_gem + lv.n_wijk, int), profile.indeling])
            text = _json_strings(ordered([None if v == 0 else str(v) for v in ind.tolist()]))
        elif b == "MeestVoorkomendePostcode":
            pc = [None] * (n - lv.n_buurt) + [f"{p:04d}" for p in profile.postcode.tolist()]
            text = _json_strings(ordered(pc))
        else:
            text = ["null"] * n
        columns.append((key, text))
    folder.mkdir(parents=True, exist_ok=True)
    write_odata_json(folder / "TypedDataSet.json", columns, n)
    dim_columns = [
        ("Key", code_json),
        ("Title", _json_strings(ordered(regions["name"]))),
        ("Description", ['""'] * n),
        ("Municipality", _json_strings(ordered([None if lvl[i] == 0 else regions["gem_name"][i] for i in range(n)]))),
        ("DetailRegionCode", _json_strings(ordered(regions["code"]))),
    ]
    write_odata_json(folder / f"{region_key}.json", dim_columns, n)
    _write_json(folder / "TableInfos.json", _table_infos(table_id, year, region_key, tree))
    _write_json(folder / "DataProperties.json", data_properties(topics, region_key, year, topic_set.group_descriptions))
    _write_json(folder / "CategoryGroups.json", [])
    return folder


def parse_years(text: str) -> list[int]:
    """`2015-2024`, `2017,2024` or `2024`."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
            years.update(range(min(a, b), max(a, b) + 1))
        else:
            years.add(int(part))
    return sorted(years)


def generate_kwb(
    out_dir: Path | str,
    years: Iterable[int] = range(2015, 2025),
    n_buurten: int = NATIONAL_BUURTEN,
    n_gemeenten: int = NATIONAL_GEMEENTEN,
    seed: int = 1,
    stems: str | Path = "auto",
    log=None,
) -> list[Path]:
    """Write one cbsodata folder per year under `out_dir`; returns the folders."""
    tables = kwb_tables()
    years = list(years)
    unknown = [y for y in years if y not in tables]
    if unknown:
        raise ValueError(f"geen KWB-tabel bekend voor jaar {unknown} (zie {TABLES_TOML})")
    v4 = [y for y in years if tables[y].get("v4_only")]
    if v4:
        raise ValueError(f"jaar {v4} bestaat alleen als OData v4; deze generator schrijft OData v3")
    tree = build_region_tree(n_buurten, n_gemeenten, seed)
    topic_set = load_topics(stems)
    folders = []
    for y in years:
        t0 = time.perf_counter()
        folders.append(write_kwb_year(Path(out_dir), tree, topic_set, y, seed, tables[y]))
        if log:
            log(f"kwb {y} ({tables[y]['id']}): {tree.n_buurten} buurten in {time.perf_counter() - t0:.1f} s")
    return folders


# ============================================================================ geometry


def _hilbert_key(x: np.ndarray, y: np.ndarray, bounds, order: int = 16) -> np.ndarray:
    """Position along a Hilbert curve: consecutive runs of points are spatially compact.

    `bounds` = (x0, y0, x1, y1), scalars or one value per point (each point in its own frame)."""
    n = 1 << order
    x0, y0, x1, y1 = bounds
    xi = np.clip(((x - x0) / np.maximum(x1 - x0, 1e-9) * (n - 1)).astype(np.int64), 0, n - 1)
    yi = np.clip(((y - y0) / np.maximum(y1 - y0, 1e-9) * (n - 1)).astype(np.int64), 0, n - 1)
    d = np.zeros_like(xi)
    s = n >> 1
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        flip = (ry == 0) & (rx == 1)
        xi = np.where(flip, n - 1 - xi, xi)
        yi = np.where(flip, n - 1 - yi, yi)
        swap = ry == 0
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        s >>= 1
    return d


def _voronoi(points: np.ndarray, frame):
    import shapely

    if len(points) == 1:
        return np.array([frame])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame, ordered=True))
    return shapely.intersection(cells, frame)


def _relaxed_cells(rng: np.random.Generator, region, n: int, rounds: int = 3):
    """n compact, even-sized cells that tile `region` (Lloyd-relaxed Voronoi), in random order."""
    import shapely

    if n == 1:
        return np.array([region])
    pts = _sample_in(rng, region, n)
    for _ in range(rounds):
        cells = _voronoi(pts, region)
        pts = shapely.get_coordinates(shapely.centroid(cells))
    return _voronoi(pts, region)


def _sample_in(rng: np.random.Generator, region, n: int) -> np.ndarray:
    import shapely

    bx0, by0, bx1, by1 = shapely.bounds(region)
    found = np.empty((0, 2))
    while len(found) < n:
        cand = np.column_stack([rng.uniform(bx0, bx1, 2 * n + 8), rng.uniform(by0, by1, 2 * n + 8)])
        found = np.vstack([found, cand[shapely.contains_xy(region, cand[:, 0], cand[:, 1])]])
    return found[:n]


def _buurt_points(tree: RegionTree, seed: int, bbox=RD_BBOX) -> np.ndarray:
    """One seed point per buurt (tree order), nested like the codes: gemeenten are relaxed Voronoi
    cells over the box, wijken relaxed cells inside their gemeente, buurten scattered inside their
    wijk (so wijken and gemeenten come out contiguous, with dense and sparse parts)."""
    import shapely

    rng = _rng(seed, 0x6E0)
    frame = shapely.box(*bbox)
    g_cells = _relaxed_cells(rng, frame, tree.n_gemeenten, rounds=4)
    # place gemeenten along a Hilbert curve in code order: nearby codes, nearby places
    cent = shapely.get_coordinates(shapely.centroid(g_cells))
    by_curve = np.argsort(_hilbert_key(cent[:, 0], cent[:, 1], bbox), kind="stable")
    slot_of_gem = np.argsort(
        np.argsort(np.asarray([int(c[2:]) for c in tree.gemeente_codes]), kind="stable"), kind="stable"
    )
    g_cells = g_cells[by_curve][slot_of_gem]
    w_cells = np.empty(tree.n_wijken, dtype=object)
    w_start = np.searchsorted(tree.wijk_gemeente, np.arange(tree.n_gemeenten + 1))
    for g in range(tree.n_gemeenten):
        w_cells[w_start[g] : w_start[g + 1]] = _relaxed_cells(rng, g_cells[g], int(w_start[g + 1] - w_start[g]))
    b_start = np.searchsorted(tree.buurt_wijk, np.arange(tree.n_wijken + 1))
    pts = np.empty((tree.n_buurten, 2))
    for w in range(tree.n_wijken):
        p = _sample_in(rng, w_cells[w], int(b_start[w + 1] - b_start[w]))
        pts[b_start[w] : b_start[w + 1]] = p
    owner = w_cells[tree.buurt_wijk]
    for _ in range(2):  # relax buurten, but never out of their wijk
        cent = shapely.get_coordinates(shapely.centroid(_voronoi(pts, frame)))
        inside = shapely.contains_xy(owner, cent[:, 0], cent[:, 1])
        pts = np.where(inside[:, None], cent, pts)
    wb = shapely.bounds(w_cells)[tree.buurt_wijk]  # buurt numbers follow a curve through their wijk
    key = _hilbert_key(pts[:, 0], pts[:, 1], (wb[:, 0], wb[:, 1], wb[:, 2], wb[:, 3]))
    pts = pts[np.lexsort((key, tree.buurt_wijk))]
    return pts


@dataclass
class _EdgeSet:
    p0: np.ndarray
    p1: np.ndarray
    k: np.ndarray
    amp: np.ndarray
    waves: np.ndarray
    jitter: np.ndarray  # per point, over all edges
    offsets: np.ndarray


def _edge_points(e: _EdgeSet) -> np.ndarray:
    m = len(e.k)
    edge = np.repeat(np.arange(m), e.k + 1)
    t = (np.arange(e.offsets[-1]) - e.offsets[edge]) / e.k[edge]
    d = e.p1 - e.p0
    length = np.hypot(d[:, 0], d[:, 1])
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(length, 1e-12)[:, None]
    disp = length[edge] * (
        e.amp[edge] * np.sin(np.pi * e.waves[edge] * t) + (e.amp[edge] > 0) * 0.004 * e.jitter * np.sin(np.pi * t)
    )
    pts = e.p0[edge] + t[:, None] * d[edge] + normal[edge] * disp[:, None]
    pts[e.offsets[:-1]] = e.p0  # endpoints exact, so neighbours share them bit for bit
    pts[e.offsets[:-1] + e.k] = e.p1
    return pts


def _densified_coverage(cells, seed: int, k_range: tuple[int, int] = (10, 45), frame: Sequence[float] | None = None):
    """Turn convex Voronoi cells into wiggly, densified polygons that still form an exact coverage.

    Every shared edge is densified *once* (keyed by its endpoints rounded to the millimetre) and
    both neighbours use the same points, so there are no slivers or gaps and GEOS coverage
    operations (simplify_coverage, coverage_union) work as on the real CBS map.
    """
    import shapely

    cells = shapely.transform(cells, lambda c: np.round(c, 3))
    cells = shapely.orient_polygons(cells, exterior_cw=False)
    coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    keep = np.ones(len(coords), bool)
    keep[1:] = ~((idx[1:] == idx[:-1]) & np.all(coords[1:] == coords[:-1], axis=1))
    coords, idx = coords[keep], idx[keep]
    same = idx[1:] == idx[:-1]
    a, b, cell_of_edge = coords[:-1][same], coords[1:][same], idx[:-1][same]
    ia, ib = np.rint(a * 1000).astype(np.int64), np.rint(b * 1000).astype(np.int64)
    rev = (ia[:, 0] > ib[:, 0]) | ((ia[:, 0] == ib[:, 0]) & (ia[:, 1] > ib[:, 1]))
    lo, hi = np.where(rev[:, None], ib, ia), np.where(rev[:, None], ia, ib)
    uniq, inv = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    rng = _rng(seed, 0xED6E)
    m = len(uniq)
    p0, p1 = uniq[:, :2] / 1000.0, uniq[:, 2:] / 1000.0
    length = np.hypot(*(p1 - p0).T)
    k = np.minimum(rng.integers(k_range[0], k_range[1] + 1, m), np.maximum(1, (length // 2.0).astype(np.int64)))
    offsets = np.concatenate([[0], np.cumsum(k + 1)])
    edges = _EdgeSet(
        p0,
        p1,
        k,
        rng.uniform(0.01, 0.05, m),
        rng.integers(1, 4, m).astype(float),
        rng.normal(0, 1, int(offsets[-1])),
        offsets,
    )
    if frame is not None:  # edges on the outer frame stay straight: the coverage fills it exactly
        fx0, fy0, fx1, fy1 = np.round(np.asarray(frame, dtype=float), 3)
        on_frame = ((p0[:, 0] == p1[:, 0]) & np.isin(p0[:, 0], [fx0, fx1])) | (
            (p0[:, 1] == p1[:, 1]) & np.isin(p0[:, 1], [fy0, fy1])
        )
        edges.amp[on_frame] = 0.0

    kk = k[inv]
    starts = np.concatenate([[0], np.cumsum(kk)[:-1]])
    pos = np.arange(int(kk.sum())) - np.repeat(starts, kk)
    pt_idx = np.repeat(offsets[inv], kk) + np.where(np.repeat(rev, kk), np.repeat(kk, kk) - pos, pos)
    cell_of_pt = np.repeat(cell_of_edge, kk)
    n = len(cells)
    count = np.bincount(cell_of_pt, minlength=n)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    ring_idx = np.insert(pt_idx, first + count, pt_idx[first])  # close every ring
    ring_offsets = np.concatenate([[0], np.cumsum(count + 1)])
    geom_offsets = np.arange(n + 1)

    for _ in range(6):
        pts = _edge_points(edges)
        polys = shapely.from_ragged_array(shapely.GeometryType.POLYGON, pts[ring_idx], (ring_offsets, geom_offsets))
        bad = np.flatnonzero(~shapely.is_valid(polys))
        if not len(bad):
            return polys
        straighten = np.unique(inv[np.isin(cell_of_edge, bad)])
        edges.amp[straighten] = 0.0  # a wiggle that makes a thin cell cross itself is taken out
    raise RuntimeError("kon geen geldige buurtvlakken maken")


def buurt_polygons(tree: RegionTree, seed: int):
    """Buurt polygons (EPSG:28992, tree order), an exact coverage of the RD bounding box."""
    import shapely

    pts = _buurt_points(tree, seed)
    return _densified_coverage(_voronoi(pts, shapely.box(*RD_BBOX)), seed, frame=RD_BBOX)


def _dissolve(polys, group: np.ndarray, n_groups: int):
    import shapely

    starts = np.searchsorted(group, np.arange(n_groups + 1))
    return np.array(
        [shapely.coverage_union_all(polys[starts[i] : starts[i + 1]]) for i in range(n_groups)], dtype=object
    )


LEVELS = ("buurt", "wijk", "gemeente")
LAYER_NAMES = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}


def geo_frames(tree: RegionTree, year: int, seed: int, levels: Sequence[str] = LEVELS) -> dict:
    """GeoDataFrames per level (EPSG:28992) with PDOK-style property names."""
    import geopandas as gpd

    polys = buurt_polygons(tree, seed)
    t = tree
    gname = np.asarray(t.gemeente_names, dtype=object)
    gcode = np.asarray(t.gemeente_codes, dtype=object)
    frames = {}
    if "buurt" in levels:
        frames["buurt"] = gpd.GeoDataFrame(
            {
                "buurtcode": list(t.buurt_codes),
                "buurtnaam": list(t.buurt_names),
                "wijkcode": [t.wijk_codes[w] for w in t.buurt_wijk],
                "gemeentecode": gcode[t.buurt_gemeente].tolist(),
                "gemeentenaam": gname[t.buurt_gemeente].tolist(),
                "jaarcode": year,
            },
            geometry=polys,
            crs="EPSG:28992",
        )
    if "wijk" in levels:
        frames["wijk"] = gpd.GeoDataFrame(
            {
                "wijkcode": list(t.wijk_codes),
                "wijknaam": list(t.wijk_names),
                "gemeentecode": gcode[t.wijk_gemeente].tolist(),
                "gemeentenaam": gname[t.wijk_gemeente].tolist(),
                "jaarcode": year,
            },
            geometry=_dissolve(polys, t.buurt_wijk, t.n_wijken),
            crs="EPSG:28992",
        )
    if "gemeente" in levels:
        frames["gemeente"] = gpd.GeoDataFrame(
            {"gemeentecode": list(t.gemeente_codes), "gemeentenaam": list(t.gemeente_names), "jaarcode": year},
            geometry=_dissolve(polys, t.buurt_gemeente, t.n_gemeenten),
            crs="EPSG:28992",
        )
    return frames


def generate_geo(
    out_dir: Path | str,
    year: int = 2024,
    n_buurten: int = NATIONAL_BUURTEN,
    n_gemeenten: int = NATIONAL_GEMEENTEN,
    seed: int = 1,
    levels: Sequence[str] = LEVELS,
    formats: Sequence[str] = ("parquet", "geojson"),
    log=None,
) -> list[Path]:
    """`<layer>_<year>.parquet` (EPSG:4326) and `<layer>_<year>.geojson` (EPSG:28992) per level."""
    bad = [lvl for lvl in levels if lvl not in LEVELS]
    if bad:
        raise ValueError(f"onbekend niveau {bad}; kies uit {', '.join(LEVELS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames = geo_frames(build_region_tree(n_buurten, n_gemeenten, seed), year, seed, levels)
    if log:
        import shapely

        nv = int(shapely.get_num_coordinates(frames[levels[0]].geometry.values).sum())
        log(f"geo {year}: polygons in {time.perf_counter() - t0:.1f} s ({nv:,} vertices in {levels[0]})")
    written = []
    for level, frame in frames.items():
        stem = f"{LAYER_NAMES[level]}_{year}"
        if "parquet" in formats:
            path = out / f"{stem}.parquet"
            frame.to_crs(4326).to_parquet(path.with_name(path.name + ".tmp"), index=False)
            os.replace(path.with_name(path.name + ".tmp"), path)
            written.append(path)
        if "geojson" in formats:
            path = out / f"{stem}.geojson"
            tmp = path.with_name(path.name + ".tmp.geojson")
            frame.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=LAYER_NAMES[level], COORDINATE_PRECISION=3)
            os.replace(tmp, path)
            written.append(path)
    if log:
        log(f"geo {year}: written in {time.perf_counter() - t0:.1f} s")
    return written


# ============================================================================ user CSV

USERCSV_HEADER = ("buurtcode", "buurtnaam", "meldingen openbare ruimte", "huurachterstand (%)")


def _excel_code(code: str, r: float) -> str:
    """How a buurt code looks after passing through a colleague's spreadsheet."""
    if r < 0.05:
        return code[2:]  # no BU prefix
    if r < 0.09:
        return str(int(code[2:]))  # Excel made it a number: leading zeros lost
    if r < 0.10:
        return code.lower()
    if r < 0.11:
        return f" {code} "
    return code


def generate_usercsv(
    out_file: Path | str,
    rows: int = 15_000,
    n_buurten: int = NATIONAL_BUURTEN,
    n_gemeenten: int = NATIONAL_GEMEENTEN,
    seed: int = 1,
) -> Path:
    """A municipality's own buurt figures, as Dutch Excel saves "CSV (gescheiden door lijstteken)"."""
    tree = build_region_tree(n_buurten, n_gemeenten, seed)
    rng = _rng(seed, 0xC5F)
    nb = tree.n_buurten
    if rows <= nb:
        pick = np.sort(rng.choice(nb, rows, replace=False))
    else:  # more rows than buurten: every buurt once, plus repeated rows (duplicates to report)
        pick = np.sort(np.concatenate([np.arange(nb), rng.choice(nb, rows - nb, replace=True)]))
    state = _year_state(_profile(tree, seed), REFERENCE_YEAR, seed)
    unknown_at = set(rng.choice(len(pick), max(1, len(pick) // 1000), replace=False).tolist())
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(USERCSV_HEADER)
        for i, b in enumerate(pick.tolist()):
            code, name = tree.buurt_codes[b], tree.buurt_names[b]
            if i in unknown_at:  # a code that does not exist (typo, or last year's indeling)
                code = f"BU{int(rng.integers(0, 10**8)):08d}"
            meld = int(rng.poisson(1.0 + max(state.pop[b], 1.0) / 15.0 * math.exp(0.3 * state.uz[b])))
            if rng.random() < 0.004:
                meld_txt = "n.b."
            elif meld < 5 and rng.random() < 0.8:
                meld_txt = "<5"
            else:
                meld_txt = str(meld)
            pct = float(np.clip(3.5 - 1.5 * state.aff[b] + rng.normal(0, 1.0), 0.0, 30.0))
            r = rng.random()
            if r < 0.005:
                pct_txt = "n.b."
            elif r < 0.008:
                pct_txt = ""
            else:
                pct_txt = f"{pct:.1f}".replace(".", ",")
            w.writerow([_excel_code(code, rng.random()), name, meld_txt, pct_txt])
    os.replace(tmp, out)
    return out


# ============================================================================ CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate.py", description="Synthetische CBS-gegevens voor benchmarks (geen echte cijfers)."
    )
    sub = parser.add_subparsers(dest="what", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--buurten", type=int, default=NATIONAL_BUURTEN, help="aantal buurten (standaard 14500)")
        p.add_argument("--gemeenten", type=int, default=NATIONAL_GEMEENTEN, help="aantal gemeenten (standaard 342)")
        p.add_argument("--seed", type=int, default=1)

    p = sub.add_parser("kwb", help="KWB-tabellen zoals cbsodata.download_data ze schrijft")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--years", default="2015-2024", help="bijv. 2015-2024 of 2017,2024")
    p.add_argument("--stems", default="auto", help="auto | builtin | pad naar een DataProperties.json")
    common(p)
    p = sub.add_parser("geo", help="buurt-, wijk- en gemeentevlakken (GeoParquet + GeoJSON)")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--levels", default="buurt,wijk,gemeente")
    p.add_argument("--formats", default="parquet,geojson")
    common(p)
    p = sub.add_parser("usercsv", help="eigen cijfers als Nederlandse Excel-CSV")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--rows", type=int, default=15_000)
    common(p)

    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    try:
        if args.what == "kwb":
            generate_kwb(
                args.out, parse_years(args.years), args.buurten, args.gemeenten, args.seed, args.stems, log=log
            )
        elif args.what == "geo":
            levels = [s.strip() for s in args.levels.split(",") if s.strip()]
            formats = [s.strip() for s in args.formats.split(",") if s.strip()]
            generate_geo(args.out, args.year, args.buurten, args.gemeenten, args.seed, levels, formats, log=log)
        else:
            generate_usercsv(args.out, args.rows, args.buurten, args.gemeenten, args.seed)
    except (ValueError, FileNotFoundError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    log(f"klaar in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
