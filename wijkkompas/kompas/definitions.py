"""The kompas definition: `kompas.toml` in, frozen dataclasses out, with Dutch errors that name the entry.

Why data: a raad asks "why is this wijk urgent on inkomen?"; the answer must be readable (which indicators, which
thresholds, which reference) and changeable without code. Themes name where their indicators come from (a theme of
a score, a whole score, a catalogue theme) and are *resolved* against the catalogue of the store at hand, so an
upload with a direction and a theme joins that theme's column without editing anything.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wijkkompas.catalogue.catalogue import THEMES, Catalogue
from wijkkompas.errors import SourceError

SHIPPED = Path(__file__).parent / "kompas.toml"
REFERENCES = {
    "gemeente": "de eigen gemeente",
    "selectie": "de gekozen gemeenten samen",
    "nederland": "Nederland",
}
DIRECTIONS = ("higher_is_better", "lower_is_better")

URGENT = "urgent"
AANDACHT = "aandacht"
ROND = "rond het gemiddelde"
GUNSTIG = "gunstig"
BAND_ORDER = (URGENT, AANDACHT, ROND, GUNSTIG)
INSUFFICIENT = "onvoldoende gegevens"


@dataclass(frozen=True)
class KompasIndicator:
    id: str
    direction: str
    weight: float = 1.0
    per_inwoners: int = 0
    why: str = ""

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "higher_is_better" else -1.0


@dataclass(frozen=True)
class ThemeSpec:
    """A theme as written in the TOML (before resolving against a catalogue)."""

    id: str
    label: str
    short: str
    description: str
    score: str = ""
    score_theme: str = ""
    catalogue_theme: str = ""
    exclude: tuple[str, ...] = ()
    extra: tuple[KompasIndicator, ...] = ()

    @property
    def origin_text(self) -> str:
        if self.score and self.score_theme:
            return f"score {self.score}, thema {self.score_theme}"
        if self.score:
            return f"score {self.score} (alle thema's)"
        extra = f" + {', '.join(i.id for i in self.extra)}" if self.extra else ""
        return f"catalogusthema {THEMES.get(self.catalogue_theme, self.catalogue_theme)}{extra}"


@dataclass(frozen=True)
class KompasTheme:
    """A resolved theme: the indicators that count, in order."""

    id: str
    label: str
    short: str
    description: str
    indicators: tuple[KompasIndicator, ...]
    origin: str = ""


@dataclass(frozen=True)
class Bands:
    urgent: float = -1.0
    aandacht: float = -0.4
    gunstig: float = 0.4

    def of(self, deviation: float) -> str:
        if deviation != deviation:
            return ""
        if deviation <= self.urgent:
            return URGENT
        if deviation <= self.aandacht:
            return AANDACHT
        if deviation >= self.gunstig:
            return GUNSTIG
        return ROND


@dataclass(frozen=True)
class SignalRules:
    min_worse: int = 3
    factor: float = 1.0
    into_urgent: bool = True


@dataclass(frozen=True)
class KompasDefinition:
    themes: tuple[ThemeSpec, ...]
    reference: str = "gemeente"
    min_indicators: int = 2
    min_share: float = 0.5
    min_inwoners: int = 50
    clip: float = 3.0
    trend_threshold: float = 0.2
    bands: Bands = Bands()
    signalen: SignalRules = SignalRules()

    def spec(self, theme_id: str) -> ThemeSpec:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def resolve(self, catalogue: Catalogue) -> tuple[KompasTheme, ...]:
        """The themes with their indicators for this catalogue (the store's: uploads included)."""
        from wijkkompas.scores import default_definitions

        scores = default_definitions()
        out = []
        for spec in self.themes:
            inds: list[KompasIndicator] = []
            if spec.score:
                d = scores[spec.score]
                themes = [d.theme(spec.score_theme)] if spec.score_theme else list(d.themes)
                tw_total = sum(t.weight for t in themes) or 1.0
                for t in themes:
                    iw_total = t.indicator_weight or 1.0
                    for i in t.indicators:
                        w = i.weight if spec.score_theme else t.weight / tw_total * i.weight / iw_total
                        inds.append(KompasIndicator(i.id, i.direction, w, i.per_inwoners, i.why))
            if spec.catalogue_theme:
                for ind in catalogue.all().values():
                    if ind.theme != spec.catalogue_theme or ind.better not in DIRECTIONS or ind.id in spec.exclude:
                        continue
                    if ind.unit in ("code", "klasse"):
                        continue
                    per = 1000 if (ind.unit == "aantal" and ind.aggregate == "sum") else 0
                    inds.append(KompasIndicator(ind.id, ind.better, 1.0, per))
            for extra in spec.extra:
                known = catalogue.get(extra.id)
                if known is None:
                    continue
                direction = extra.direction or known.better
                if direction in DIRECTIONS:
                    inds = [i for i in inds if i.id != extra.id]
                    inds.append(KompasIndicator(extra.id, direction, extra.weight, extra.per_inwoners, extra.why))
            seen: dict[str, KompasIndicator] = {}
            for ki in inds:
                seen.setdefault(ki.id, ki)
            out.append(
                KompasTheme(spec.id, spec.label, spec.short, spec.description, tuple(seen.values()), spec.origin_text)
            )
        return tuple(out)


# --------------------------------------------------------------------------- parsing


def _number(raw: Mapping, key: str, where: str, default: float, *, lo: float, hi: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise SourceError(f"{where}: '{key}' moet een getal zijn (nu: {value!r}).")
    if not lo <= float(value) <= hi:
        raise SourceError(f"{where}: '{key}' = {value} ligt niet tussen {lo:g} en {hi:g}.")
    return float(value)


def _unknown(raw: Mapping, allowed: set[str], where: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise SourceError(f"{where}: onbekende velden {', '.join(extra)}. Toegestaan: {', '.join(sorted(allowed))}.")


def _text(raw: Mapping, key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise SourceError(f"{where}: '{key}' moet tekst zijn.")
    if required and not value.strip():
        raise SourceError(f"{where}: '{key}' ontbreekt. Vul een korte tekst in.")
    return value.strip()


def parse_definition(text: str, *, source: str = "kompas.toml", catalogue: Catalogue | None = None) -> KompasDefinition:
    """Parse and validate; with a catalogue, explicit indicator ids must exist in it."""
    from wijkkompas.scores import default_definitions

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{source}: geen geldige TOML ({exc}).") from exc
    top = raw.get("kompas")
    if not isinstance(top, Mapping):
        raise SourceError(f"{source}: de tabel [kompas] ontbreekt.")
    where = f"{source}: [kompas]"
    _unknown(
        top,
        {
            "reference",
            "min_indicators",
            "min_share",
            "min_inwoners",
            "clip",
            "trend_threshold",
            "bands",
            "signalen",
            "themes",
        },
        where,
    )
    reference = top.get("reference", "gemeente")
    if reference not in REFERENCES:
        raise SourceError(f"{where}: reference '{reference}' bestaat niet. Kies uit: {', '.join(REFERENCES)}.")
    min_ind = top.get("min_indicators", 2)
    if isinstance(min_ind, bool) or not isinstance(min_ind, int) or min_ind < 1:
        raise SourceError(f"{where}: min_indicators moet een heel getal van 1 of meer zijn.")
    b = top.get("bands", {})
    if not isinstance(b, Mapping):
        raise SourceError(f"{where}: [kompas.bands] moet een tabel zijn.")
    _unknown(b, {"urgent", "aandacht", "gunstig"}, f"{where} → bands")
    bands = Bands(
        _number(b, "urgent", f"{where} → bands", -1.0, lo=-10, hi=0),
        _number(b, "aandacht", f"{where} → bands", -0.4, lo=-10, hi=0),
        _number(b, "gunstig", f"{where} → bands", 0.4, lo=0, hi=10),
    )
    if not bands.urgent < bands.aandacht < 0 < bands.gunstig:
        raise SourceError(
            f"{where} → bands: de grenzen moeten oplopen: urgent < aandacht < 0 < gunstig "
            f"(nu {bands.urgent:g}, {bands.aandacht:g}, {bands.gunstig:g})."
        )
    s = top.get("signalen", {})
    if not isinstance(s, Mapping):
        raise SourceError(f"{where}: [kompas.signalen] moet een tabel zijn.")
    _unknown(s, {"min_worse", "factor", "into_urgent"}, f"{where} → signalen")
    min_worse = s.get("min_worse", 3)
    if isinstance(min_worse, bool) or not isinstance(min_worse, int) or min_worse < 1:
        raise SourceError(f"{where} → signalen: min_worse moet een heel getal van 1 of meer zijn.")
    signalen = SignalRules(
        min_worse, _number(s, "factor", f"{where} → signalen", 1.0, lo=0, hi=100), bool(s.get("into_urgent", True))
    )

    scores = default_definitions()
    themes_raw = top.get("themes", [])
    if not isinstance(themes_raw, list) or not themes_raw:
        raise SourceError(f"{where}: er staan geen thema's in ([[kompas.themes]]).")
    themes: list[ThemeSpec] = []
    for n, t in enumerate(themes_raw, start=1):
        tw = f"{source}: thema {n}"
        if not isinstance(t, Mapping):
            raise SourceError(f"{tw}: een thema moet een tabel zijn.")
        _unknown(
            t,
            {"id", "label", "short", "description", "score", "score_theme", "catalogue_theme", "exclude", "indicators"},
            tw,
        )
        ident = _text(t, "id", tw)
        tw = f"{source}: thema '{ident}'"
        if any(x.id == ident for x in themes):
            raise SourceError(f"{tw}: dit id komt twee keer voor.")
        score, score_theme, cat_theme = (str(t.get(k, "")) for k in ("score", "score_theme", "catalogue_theme"))
        if bool(score) == bool(cat_theme):
            raise SourceError(f"{tw}: geef óf 'score' (met eventueel 'score_theme') óf 'catalogue_theme'.")
        if score:
            if score not in scores:
                raise SourceError(f"{tw}: de score '{score}' bestaat niet. Kies uit: {', '.join(scores)}.")
            if score_theme and score_theme not in [x.id for x in scores[score].themes]:
                raise SourceError(f"{tw}: de score {score} heeft geen thema '{score_theme}'.")
        if cat_theme and cat_theme not in THEMES:
            raise SourceError(f"{tw}: het catalogusthema '{cat_theme}' bestaat niet. Kies uit: {', '.join(THEMES)}.")
        extra = []
        for k, i in enumerate(t.get("indicators", []) or [], start=1):
            iw = f"{tw} → indicator {k}"
            if not isinstance(i, Mapping):
                raise SourceError(f"{iw}: moet een tabel zijn met id en direction.")
            _unknown(i, {"id", "direction", "weight", "why", "per_inwoners"}, iw)
            iid = _text(i, "id", iw)
            direction = str(i.get("direction", ""))
            if direction and direction not in DIRECTIONS:
                raise SourceError(f"{iw} '{iid}': direction moet higher_is_better of lower_is_better zijn.")
            if catalogue is not None:
                ind = catalogue.get(iid)
                if ind is None:
                    raise SourceError(f"{iw}: het cijfer '{iid}' staat niet in de catalogus.")
                if not direction and ind.better not in DIRECTIONS:
                    raise SourceError(f"{iw} '{iid}': dit cijfer heeft geen richting; geef direction.")
            weight = _number(i, "weight", iw, 1.0, lo=0, hi=1000)
            per = i.get("per_inwoners", 0)
            if isinstance(per, bool) or not isinstance(per, int) or per < 0:
                raise SourceError(f"{iw}: per_inwoners moet 0 of een positief heel getal zijn.")
            extra.append(KompasIndicator(iid, direction, weight, per, str(i.get("why", ""))))
        exclude = t.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
            raise SourceError(f"{tw}: 'exclude' moet een lijst met cijfernamen zijn.")
        label = _text(t, "label", tw)
        themes.append(
            ThemeSpec(
                ident,
                label,
                _text(t, "short", tw, required=False) or label,
                _text(t, "description", tw, required=False),
                score,
                score_theme,
                cat_theme,
                tuple(exclude),
                tuple(extra),
            )
        )
    return KompasDefinition(
        themes=tuple(themes),
        reference=reference,
        min_indicators=int(min_ind),
        min_share=_number(top, "min_share", where, 0.5, lo=0, hi=1),
        min_inwoners=int(_number(top, "min_inwoners", where, 50, lo=0, hi=1_000_000)),
        clip=_number(top, "clip", where, 3.0, lo=0.5, hi=100),
        trend_threshold=_number(top, "trend_threshold", where, 0.2, lo=0, hi=10),
        bands=bands,
        signalen=signalen,
    )


@lru_cache(maxsize=1)
def default_definition() -> KompasDefinition:
    """The shipped definition (read-only, cached)."""
    return parse_definition(SHIPPED.read_text(encoding="utf-8"), source="kompas.toml")
