"""Score definitions: TOML in, frozen dataclasses out, with Dutch errors that name the file and the entry.

A score is only trusted when anyone can read what goes into it, so the definition is data
(`catalogue/scores.toml`) and a user's adjusted version is the same kind of file. Everything that
could make the arithmetic meaningless (unknown indicator, negative or all-zero weights, a direction
of "neutral") is refused here, before any number is computed.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from wijkkompas.errors import SourceError

HERE = Path(__file__).resolve().parents[1] / "catalogue"
SHIPPED = HERE / "scores.toml"

DIRECTIONS = {
    "higher_is_better": "hoger is beter",
    "lower_is_better": "lager is beter",
}
METHODS = {
    "z": "z-score (afstand tot het gemiddelde in standaarddeviaties)",
    "percentiel": "rangpercentiel (alleen de volgorde telt)",
}
METHOD_SHORT = {"z": "z-score", "percentiel": "rangpercentiel"}
REFERENCES = {
    "gemeente": "de buurten of wijken van de eigen gemeente",
    "selectie": "de gekozen gemeenten samen",
    "alles": "alle geladen gemeenten samen",
}
MAX_WEIGHT = 1000.0
_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class ScoreIndicator:
    """One indicator in a theme. `weight` is relative within its theme; only ratios matter."""

    id: str
    direction: str
    weight: float
    why: str = ""
    per_inwoners: int = 0  # 0 = as published; 1000 = value / inwoners × 1000 (for counts)

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "higher_is_better" else -1.0


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    weight: float
    indicators: tuple[ScoreIndicator, ...]
    short: str = ""  # a one-word label for narrow table columns

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def indicator_weight(self) -> float:
        return sum(i.weight for i in self.indicators)


@dataclass(frozen=True)
class ScoreDefinition:
    """A whole score. `name` is empty for the shipped default and the user's name for a saved one."""

    id: str
    label: str
    description: str
    caveat: str
    themes: tuple[Theme, ...]
    higher_means: str = "Hoe hoger de score, hoe beter."
    proxy: bool = False
    method: str = "z"
    reference: str = "gemeente"
    min_share: float = 0.5
    min_inwoners: int = 0
    name: str = ""
    source: str = field(default="", compare=False)

    # ------------------------------------------------------------------ lookups

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def indicator_ids(self) -> list[str]:
        return [i.id for t in self.themes for i in t.indicators]

    def columns(self) -> list[tuple[str, ScoreIndicator]]:
        """(theme id, indicator) in definition order: the column order of every matrix."""
        return [(t.id, i) for t in self.themes for i in t.indicators]

    @property
    def display_name(self) -> str:
        return f"{self.label} – {self.name}" if self.name else self.label

    # ------------------------------------------------------------------ adjusted copies

    def with_weights(
        self,
        theme_weights: Mapping[str, float] | None = None,
        indicator_weights: Mapping[tuple[str, str], float] | None = None,
    ) -> ScoreDefinition:
        """A copy with some weights changed (the sliders); unknown keys are ignored."""
        theme_weights = theme_weights or {}
        indicator_weights = indicator_weights or {}
        themes = []
        for t in self.themes:
            inds = tuple(replace(i, weight=float(indicator_weights.get((t.id, i.id), i.weight))) for i in t.indicators)
            themes.append(replace(t, weight=float(theme_weights.get(t.id, t.weight)), indicators=inds))
        return replace(self, themes=tuple(themes))

    def with_settings(
        self, *, method: str | None = None, reference: str | None = None, name: str | None = None
    ) -> ScoreDefinition:
        out = replace(
            self,
            method=method or self.method,
            reference=reference or self.reference,
            name=self.name if name is None else name,
        )
        validate(out)
        return out

    def scaled(self, factor: float) -> ScoreDefinition:
        """Every weight times `factor` (used to show that only ratios matter)."""
        return self.with_weights(
            {t.id: t.weight * factor for t in self.themes},
            {(t.id, i.id): i.weight * factor for t in self.themes for i in t.indicators},
        )

    def same_weights(self, other: ScoreDefinition) -> bool:
        return [(t.id, t.weight) for t in self.themes] == [(t.id, t.weight) for t in other.themes] and [
            (tid, i.id, i.weight) for tid, i in self.columns()
        ] == [(tid, i.id, i.weight) for tid, i in other.columns()]


# --------------------------------------------------------------------------- parsing


def _where(source: str, *parts: str) -> str:
    inner = " → ".join(p for p in parts if p)
    return f"{source}: {inner}" if source else inner


def _text(raw: Mapping, key: str, where: str, *, required: bool = True, default: str = "") -> str:
    value = raw.get(key, default)
    if value is None or value == "":
        if required:
            raise SourceError(f"{where}: '{key}' ontbreekt. Vul een korte tekst in.")
        return default
    if not isinstance(value, str):
        raise SourceError(f"{where}: '{key}' moet tekst zijn, niet {type(value).__name__}.")
    return value.strip()


def _weight(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceError(f"{where}: het gewicht '{value}' is geen getal. Gebruik een getal van 0 tot {MAX_WEIGHT:g}.")
    w = float(value)
    if not math.isfinite(w):
        raise SourceError(f"{where}: het gewicht is geen eindig getal. Gebruik een getal van 0 tot {MAX_WEIGHT:g}.")
    if w < 0:
        raise SourceError(f"{where}: het gewicht {w:g} is negatief. Gebruik 0 (telt niet mee) of een positief getal.")
    if w > MAX_WEIGHT:
        raise SourceError(f"{where}: het gewicht {w:g} is te groot. Gebruik een getal van 0 tot {MAX_WEIGHT:g}.")
    return w


def _unknown_fields(raw: Mapping, allowed: set[str], where: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise SourceError(f"{where}: onbekende velden {', '.join(extra)}. Toegestaan: {', '.join(sorted(allowed))}.")


def _indicator(raw: object, where: str) -> ScoreIndicator:
    if not isinstance(raw, Mapping):
        raise SourceError(f"{where}: een indicator moet een tabel zijn met id, direction en weight.")
    _unknown_fields(raw, {"id", "direction", "weight", "why", "per_inwoners"}, where)
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident:
        raise SourceError(f"{where}: 'id' ontbreekt. Geef de naam van een indicator uit de catalogus.")
    where = f"{where} '{ident}'"
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise SourceError(
            f"{where}: richting '{direction}' kan niet. Kies 'higher_is_better' (hoger is beter) of "
            "'lower_is_better' (lager is beter); een score heeft geen neutrale cijfers."
        )
    per = raw.get("per_inwoners", 0)
    if isinstance(per, bool) or not isinstance(per, int) or per not in (0, 100, 1000, 10000):
        raise SourceError(f"{where}: per_inwoners = {per!r} kan niet. Gebruik 0 (niet omrekenen), 100, 1000 of 10000.")
    return ScoreIndicator(
        id=ident,
        direction=str(direction),
        weight=_weight(raw.get("weight", 1.0), where),
        why=_text(raw, "why", where, required=False),
        per_inwoners=per,
    )


def definition_from_mapping(ident: str, raw: object, source: str = "") -> ScoreDefinition:
    where = _where(source, f"score '{ident}'")
    if not isinstance(raw, Mapping):
        raise SourceError(f"{where}: verwacht een tabel [scores.{ident}].")
    if not _ID.match(ident):
        raise SourceError(f"{where}: gebruik alleen kleine letters, cijfers en _ in de naam van de score.")
    _unknown_fields(
        raw,
        {
            "label",
            "description",
            "caveat",
            "higher_means",
            "proxy",
            "method",
            "reference",
            "min_share",
            "min_inwoners",
            "themes",
            "name",
            "saved",
        },
        where,
    )
    method = raw.get("method", "z")
    if method not in METHODS:
        raise SourceError(f"{where}: method = '{method}' kan niet. Kies 'z' of 'percentiel'.")
    reference = raw.get("reference", "gemeente")
    if reference not in REFERENCES:
        raise SourceError(f"{where}: reference = '{reference}' kan niet. Kies 'gemeente', 'selectie' of 'alles'.")
    min_share = raw.get("min_share", 0.5)
    if isinstance(min_share, bool) or not isinstance(min_share, (int, float)) or not 0 < float(min_share) <= 1:
        raise SourceError(f"{where}: min_share = {min_share!r} moet een getal groter dan 0 en hoogstens 1 zijn.")
    min_inwoners = raw.get("min_inwoners", 0)
    if isinstance(min_inwoners, bool) or not isinstance(min_inwoners, int) or min_inwoners < 0:
        raise SourceError(f"{where}: min_inwoners = {min_inwoners!r} moet een heel getal van 0 of meer zijn.")
    themes_raw = raw.get("themes")
    if not isinstance(themes_raw, Mapping) or not themes_raw:
        raise SourceError(f"{where}: er zijn geen thema's. Voeg minstens één [scores.{ident}.themes.<naam>] toe.")
    themes = []
    for tid, traw in themes_raw.items():
        twhere = f"{where}, thema '{tid}'"
        if not isinstance(traw, Mapping):
            raise SourceError(f"{twhere}: verwacht een tabel met label, description, weight en indicators.")
        if not _ID.match(str(tid)):
            raise SourceError(f"{twhere}: gebruik alleen kleine letters, cijfers en _ in de naam van een thema.")
        _unknown_fields(traw, {"label", "short", "description", "weight", "indicators"}, twhere)
        inds_raw = traw.get("indicators")
        if not isinstance(inds_raw, list) or not inds_raw:
            raise SourceError(f"{twhere}: er staan geen indicatoren in dit thema. Voeg minstens één indicator toe.")
        inds = tuple(_indicator(i, f"{twhere}, indicator") for i in inds_raw)
        themes.append(
            Theme(
                id=str(tid),
                label=_text(traw, "label", twhere),
                short=_text(traw, "short", twhere, required=False),
                description=_text(traw, "description", twhere, required=False),
                weight=_weight(traw.get("weight", 1.0), twhere),
                indicators=inds,
            )
        )
    proxy = raw.get("proxy", False)
    if not isinstance(proxy, bool):
        raise SourceError(f"{where}: proxy moet true of false zijn.")
    definition = ScoreDefinition(
        id=ident,
        label=_text(raw, "label", where),
        description=_text(raw, "description", where),
        caveat=_text(raw, "caveat", where),
        higher_means=_text(raw, "higher_means", where, required=False, default="Hoe hoger de score, hoe beter."),
        themes=tuple(themes),
        proxy=proxy,
        method=str(method),
        reference=str(reference),
        min_share=float(min_share),
        min_inwoners=int(min_inwoners),
        name=_text(raw, "name", where, required=False),
        source=source,
    )
    validate(definition)
    return definition


def validate(definition: ScoreDefinition, known: Iterable[str] | None = None) -> None:
    """Refuse a definition whose arithmetic would be meaningless. Raises SourceError (Dutch)."""
    where = _where(definition.source, f"score '{definition.id}'")
    seen: dict[str, str] = {}
    for t in definition.themes:
        for i in t.indicators:
            if i.id in seen:
                raise SourceError(
                    f"{where}: indicator '{i.id}' staat in twee thema's ('{seen[i.id]}' en '{t.id}'). "
                    "Zet hem in één thema, anders telt hij dubbel."
                )
            seen[i.id] = t.id
            _weight(i.weight, f"{where}, thema '{t.id}', indicator '{i.id}'")
        _weight(t.weight, f"{where}, thema '{t.id}'")
        if t.weight > 0 and t.indicator_weight <= 0:
            raise SourceError(
                f"{where}, thema '{t.label}': alle gewichten van de indicatoren zijn 0, dus het thema heeft niets om "
                "mee te rekenen. Geef minstens één indicator een gewicht groter dan 0, of zet het thema op 0."
            )
    if sum(t.weight for t in definition.themes) <= 0:
        raise SourceError(
            f"{where}: alle thema's hebben gewicht 0, dus er valt niets te berekenen. "
            "Geef minstens één thema een gewicht groter dan 0."
        )
    if known is not None:
        known = set(known)
        unknown = [i for i in seen if i not in known]
        if unknown:
            raise SourceError(
                f"{where}: onbekende indicator(en) {', '.join(repr(u) for u in unknown)}. Ze staan niet in de "
                "catalogus en niet in de geladen gegevens. Haal ze weg of gebruik een naam uit 'Over de gegevens'."
            )


def parse_definitions(text: str, source: str = "", known: Iterable[str] | None = None) -> dict[str, ScoreDefinition]:
    """All `[scores.<id>]` tables of a TOML text; `known` (indicator ids) checks that every indicator exists."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(
            f"{source or 'De scoredefinitie'} is geen geldige TOML ({exc}). Herstel het bestand of sla de "
            "definitie opnieuw op vanuit de pagina Scores."
        ) from exc
    scores = raw.get("scores")
    if not isinstance(scores, Mapping) or not scores:
        raise SourceError(
            f"{source or 'De scoredefinitie'}: er staat geen [scores.<naam>] in. Een scoredefinitie begint met "
            "bijvoorbeeld [scores.leefbaarheid]."
        )
    out = {ident: definition_from_mapping(str(ident), spec, source) for ident, spec in scores.items()}
    if known is not None:
        known = set(known)
        for d in out.values():
            validate(d, known)
    return out


def read_definition_file(path: Path | str, known: Iterable[str] | None = None) -> ScoreDefinition:
    """One score from a file (the CLI's --definition, a saved definition). Bad files raise a Dutch SourceError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SourceError(f"Het bestand {path} bestaat niet. Controleer de naam en de map.", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path} is geen tekstbestand in UTF-8. Sla het op als UTF-8 en probeer opnieuw.", path=str(path)
        ) from exc
    except OSError as exc:
        raise SourceError(f"{path} kan niet worden gelezen ({exc.strerror}).", path=str(path)) from exc
    defs = parse_definitions(text, source=path.name, known=known)
    if len(defs) != 1:
        raise SourceError(
            f"{path.name}: er staan {len(defs)} scores in ({', '.join(defs)}); een scorebestand bevat er precies één.",
            path=str(path),
        )
    return next(iter(defs.values()))


@lru_cache(maxsize=1)
def default_definitions() -> dict[str, ScoreDefinition]:
    """The shipped definitions (leefbaarheid, veerkracht), cached: read-only data."""
    return parse_definitions(SHIPPED.read_text(encoding="utf-8"), source="scores.toml")


# --------------------------------------------------------------------------- writing


def _toml_str(text: str) -> str:
    """A TOML basic string. JSON escapes are TOML escapes, except that TOML also forbids a raw DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_num(value: float) -> str:
    return repr(float(value))


def to_toml(definition: ScoreDefinition, *, saved: str = "") -> str:
    """The definition as a self-contained TOML file that `parse_definitions` reads back unchanged."""
    d = definition
    p = f"scores.{d.id}"
    lines = [
        "# Wijkkompas scoredefinitie. Aan te passen met een teksteditor of op de pagina Scores;",
        "# te gebruiken met: python -m wijkkompas scores --definition DIT_BESTAND ...",
        "",
        f"[{p}]",
        f"label = {_toml_str(d.label)}",
        f"description = {_toml_str(d.description)}",
        f"caveat = {_toml_str(d.caveat)}",
        f"higher_means = {_toml_str(d.higher_means)}",
        f"proxy = {'true' if d.proxy else 'false'}",
        f"method = {_toml_str(d.method)}",
        f"reference = {_toml_str(d.reference)}",
        f"min_share = {_toml_num(d.min_share)}",
        f"min_inwoners = {int(d.min_inwoners)}",
    ]
    if d.name:
        lines.append(f"name = {_toml_str(d.name)}")
    if saved:
        lines.append(f"saved = {_toml_str(saved)}")
    for t in d.themes:
        lines += [
            "",
            f"[{p}.themes.{t.id}]",
            f"label = {_toml_str(t.label)}",
            f"short = {_toml_str(t.short_label)}",
            f"description = {_toml_str(t.description)}",
            f"weight = {_toml_num(t.weight)}",
        ]
        for i in t.indicators:
            lines += [
                "",
                f"[[{p}.themes.{t.id}.indicators]]",
                f"id = {_toml_str(i.id)}",
                f"direction = {_toml_str(i.direction)}",
                f"weight = {_toml_num(i.weight)}",
            ]
            if i.per_inwoners:
                lines.append(f"per_inwoners = {int(i.per_inwoners)}")
            if i.why:
                lines.append(f"why = {_toml_str(i.why)}")
    return "\n".join(lines) + "\n"
