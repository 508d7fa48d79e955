"""A presentation: an ordered list of slides ("dia's"), saved as JSON under `<data_dir>/presentaties/`.

Why JSON with only *references* (gemeente, year, indicator, region codes) and no figures: the same
presentation then shows the latest loaded figures, travels in a data pack, and can be checked
against what is loaded on another laptop. A slide whose indicator or region is not loaded there is
reported in plain Dutch and shown as a notice; the other slides keep working.

Reading never deletes or rewrites a file; saving is atomic and never silently overwrites.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.store import Snapshot, Store

FORMAT = "wijkkompas-presentatie"
FORMAT_VERSION = 1
FOLDER = "presentaties"
KINDS = {
    "kaart": "Kaart",
    "profiel": "Wijkprofiel",
    "vergelijking": "Vergelijking",
    "trend": "Trend",
    "notities": "Verhalen",
    "kompas": "Kompas",
}  # notities: what people said about one wijk or buurt (no figures)
LEVELS = ("buurt", "wijk")
MAX_SLIDES = 40
MAX_NAME = 60
MAX_TITLE = 80
MAX_MESSAGE = 160
MAX_GEMEENTEN = 3
MAX_COMPARE = 4  # more columns than this are unreadable from the back of a room
MAX_TREND = 4
MAX_FIGURES = 6
CODE = {
    "gemeente": re.compile(r"^GM\d{4}$"),
    "wijk": re.compile(r"^WK\d{6}$"),
    "buurt": re.compile(r"^BU\d{8}$"),
}
LEVEL_WORD = {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def slug(name: str) -> str:
    """'Politieke markt 12 maart!' → 'politieke-markt-12-maart': the file name and the URL value."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:MAX_NAME].strip("-")


def clean_name(name: object) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise SourceError("Geef de presentatie een naam, bijvoorbeeld 'Politieke markt maart'.")
    if len(text) > MAX_NAME:
        raise SourceError(f"De naam is te lang ({len(text)} tekens). Gebruik hoogstens {MAX_NAME} tekens.")
    if not slug(text):
        raise SourceError("Gebruik in de naam minstens één letter of cijfer.")
    return text


def level_of(code: str) -> str | None:
    for level, pattern in CODE.items():
        if pattern.match(code):
            return level
    return None


def gemeente_of(code: str) -> str:
    return "GM" + code[2:6]


# --------------------------------------------------------------------------- slides


@dataclass(frozen=True)
class Slide:
    """One slide. Only references, no figures. `problem` is set for a slide read from a file that
    cannot be used as it is (its original JSON is kept in `raw`, so saving again loses nothing)."""

    kind: str
    title: str
    message: str = ""
    gemeenten: tuple[str, ...] = ()  # kaart
    jaar: int | None = None  # None: the latest loaded year
    niveau: str = "buurt"  # kaart: buurt | wijk
    indicator: str | None = None  # kaart (or score), trend
    score: str | None = None  # kaart: a score id (leefbaarheid, veerkracht) …
    score_naam: str | None = None  # … optionally a saved variant (file stem under <data>/scores/)
    regios: tuple[str, ...] = ()  # profiel, notities: one; vergelijking: 2–4; trend: 1–4
    indicatoren: tuple[str, ...] = ()  # profiel/vergelijking: which figures (empty = chosen automatically)
    problem: str = ""
    raw: Mapping | None = field(default=None, compare=False)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def region(self) -> str | None:
        return self.regios[0] if self.regios else None

    def referenced_gemeenten(self) -> tuple[str, ...]:
        codes = list(self.gemeenten) + [gemeente_of(c) for c in self.regios]
        return tuple(dict.fromkeys(codes))

    def to_json(self) -> dict:
        if self.problem and self.raw is not None:
            return dict(self.raw)
        params: dict[str, object] = {}
        if self.gemeenten:
            params["gemeente"] = list(self.gemeenten)
        if self.jaar is not None:
            params["jaar"] = int(self.jaar)
        if self.kind == "kompas":
            params["niveau"] = self.niveau
        if self.kind == "kaart":
            params["niveau"] = self.niveau
            if self.score:
                params["score"] = self.score
                if self.score_naam:
                    params["score_naam"] = self.score_naam
            elif self.indicator:
                params["indicator"] = self.indicator
        elif self.kind == "trend" and self.indicator:
            params["indicator"] = self.indicator
        if self.kind in ("profiel", "notities") and self.regios:
            params["regio"] = self.regios[0]
        elif self.regios:
            params["regios"] = list(self.regios)
        if self.indicatoren:
            params["indicatoren"] = list(self.indicatoren)
        return {"kind": self.kind, "title": self.title, "message": self.message, "params": params}

    def summary(self, names: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> str:
        """One line for the list in compose mode: what the slide shows."""
        names = names or {}
        labels = labels or {}

        def n(code: str) -> str:
            return names.get(code, code)

        year = str(self.jaar) if self.jaar else "laatste jaar"
        if self.problem:
            return self.problem
        if self.kind == "kaart":
            what = (
                (f"score {self.score}" + (f" ({self.score_naam})" if self.score_naam else ""))
                if self.score
                else labels.get(self.indicator or "", self.indicator or "")
            )
            return f"{what} per {self.niveau}, {', '.join(n(g) for g in self.gemeenten)}, {year}"
        if self.kind == "kompas":
            return f"kompas per {self.niveau}, {', '.join(n(g) for g in self.gemeenten)}, {year}"
        if self.kind == "profiel":
            return f"{n(self.region or '')}, {year}"
        if self.kind == "notities":
            return f"wat mensen zeiden over {n(self.region or '')}"
        if self.kind == "vergelijking":
            return f"{', '.join(n(c) for c in self.regios)}, {year}"
        return f"{labels.get(self.indicator or '', self.indicator or '')} voor {', '.join(n(c) for c in self.regios)}"


def _codes(value: object, where: str, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise SourceError(f"{where}: '{field_name}' moet een code of een lijst met codes zijn.")
    out = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip().upper()
            if part:
                out.append(part)
    return tuple(dict.fromkeys(out))


def _text(value: object, where: str, field_name: str, limit: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SourceError(f"{where}: '{field_name}' moet tekst zijn.")
    text = " ".join(value.split())
    if required and not text:
        raise SourceError(f"{where}: de {'titel' if field_name == 'title' else field_name} ontbreekt.")
    if len(text) > limit:
        raise SourceError(
            f"{where}: de {'titel' if field_name == 'title' else 'boodschap'} is te lang ({len(text)} tekens, hoogstens {limit})."
        )
    return text


def make_slide(
    kind: str,
    title: str | None,
    message: str = "",
    *,
    gemeenten: Sequence[str] = (),
    jaar: int | None = None,
    niveau: str = "buurt",
    indicator: str | None = None,
    score: str | None = None,
    score_naam: str | None = None,
    regios: Sequence[str] = (),
    indicatoren: Sequence[str] = (),
    where: str = "Dia",
) -> Slide:
    """A checked slide; raises SourceError (Dutch) saying what is wrong with it."""
    if kind not in KINDS:
        raise SourceError(f"{where}: onbekende soort dia '{kind}'. Kies uit: {', '.join(KINDS)}.")
    title = _text(title, where, "title", MAX_TITLE, True)
    message = _text(message, where, "message", MAX_MESSAGE, False)
    gemeenten = _codes(gemeenten, where, "gemeente")
    regios = _codes(regios, where, "regios")
    indicatoren = tuple(dict.fromkeys(str(i).strip() for i in indicatoren or () if str(i).strip()))
    if jaar is not None:
        try:
            jaar = int(jaar)
        except (TypeError, ValueError):
            raise SourceError(f"{where}: het jaar '{jaar}' is geen jaartal.") from None
        if not 1990 <= jaar <= 2100:
            raise SourceError(f"{where}: het jaar {jaar} is geen geldig jaartal.")
    for code in gemeenten:
        if not CODE["gemeente"].match(code):
            raise SourceError(f"{where}: '{code}' is geen gemeentecode (GM met vier cijfers, bijvoorbeeld GM0164).")
    for code in regios:
        if level_of(code) not in ("wijk", "buurt", "gemeente"):
            raise SourceError(f"{where}: '{code}' is geen code van een wijk (WK…), buurt (BU…) of gemeente (GM…).")
    indicator = (str(indicator).strip() or None) if indicator is not None else None
    score = (str(score).strip() or None) if score is not None else None
    score_naam = (str(score_naam).strip() or None) if score_naam is not None else None
    if kind == "kaart":
        if not gemeenten:
            raise SourceError(f"{where}: kies een gemeente voor de kaart.")
        if len(gemeenten) > MAX_GEMEENTEN:
            raise SourceError(f"{where}: een kaart toont hoogstens {MAX_GEMEENTEN} gemeenten.")
        if niveau not in LEVELS:
            raise SourceError(f"{where}: het niveau '{niveau}' bestaat niet; kies buurt of wijk.")
        if bool(indicator) == bool(score):
            raise SourceError(f"{where}: kies voor de kaart één cijfer óf één score.")
        regios, indicatoren = (), ()
    elif kind == "kompas":
        if not gemeenten:
            raise SourceError(f"{where}: kies een gemeente voor het kompas.")
        if len(gemeenten) > MAX_GEMEENTEN:
            raise SourceError(f"{where}: een kompas toont hoogstens {MAX_GEMEENTEN} gemeenten.")
        if niveau not in LEVELS:
            raise SourceError(f"{where}: het niveau '{niveau}' bestaat niet; kies buurt of wijk.")
        regios, indicatoren, indicator, score, score_naam = (), (), None, None, None
    elif kind == "profiel":
        if len(regios) != 1 or level_of(regios[0]) not in ("wijk", "buurt"):
            raise SourceError(f"{where}: kies één wijk of buurt voor het wijkprofiel.")
        gemeenten, indicator, score, score_naam = (), None, None, None
        indicatoren = indicatoren[:MAX_FIGURES]
    elif kind == "notities":
        if len(regios) != 1 or level_of(regios[0]) not in ("wijk", "buurt"):
            raise SourceError(f"{where}: kies één wijk of buurt voor de verhalen.")
        gemeenten, indicator, score, score_naam, indicatoren = (), None, None, None, ()
    elif kind == "vergelijking":
        if not 2 <= len(regios) <= MAX_COMPARE:
            raise SourceError(f"{where}: kies 2 tot {MAX_COMPARE} wijken of buurten om te vergelijken.")
        gemeenten, indicator, score, score_naam = (), None, None, None
        indicatoren = indicatoren[:MAX_FIGURES]
    else:  # trend
        if not 1 <= len(regios) <= MAX_TREND:
            raise SourceError(f"{where}: kies 1 tot {MAX_TREND} gebieden voor de trend.")
        if not indicator:
            raise SourceError(f"{where}: kies het cijfer voor de trend.")
        gemeenten, score, score_naam, indicatoren = (), None, None, ()
    return Slide(
        kind,
        title,
        message,
        gemeenten,
        jaar,
        niveau if kind in ("kaart", "kompas") else "buurt",
        indicator,
        score,
        score_naam,
        regios,
        indicatoren,
    )


def slide_from_json(raw: object, number: int) -> Slide:
    """Never raises for a bad slide: it comes back with `problem` set, so the others still work."""
    where = f"Dia {number}"
    if not isinstance(raw, Mapping):
        return Slide(
            "onbekend", f"Dia {number}", problem=f"{where} is geen geldige dia en wordt overgeslagen.", raw={"raw": raw}
        )
    params = raw.get("params") or {}
    raw_title = raw.get("title")
    title = raw_title if isinstance(raw_title, str) and raw_title.strip() else f"Dia {number}"
    try:
        if not isinstance(params, Mapping):
            raise SourceError(f"{where}: de instellingen (params) ontbreken of kloppen niet.")
        regios = params.get("regios", params.get("regio"))
        return make_slide(
            str(raw.get("kind", "")),
            raw.get("title"),
            raw.get("message") or "",
            gemeenten=_codes(params.get("gemeente", params.get("gemeenten")), where, "gemeente"),
            jaar=params.get("jaar"),
            niveau=str(params.get("niveau") or "buurt"),
            indicator=params.get("indicator"),
            score=params.get("score"),
            score_naam=params.get("score_naam"),
            regios=_codes(regios, where, "regios"),
            indicatoren=params.get("indicatoren") or (),
            where=where,
        )
    except SourceError as exc:
        return Slide(str(raw.get("kind", "onbekend")), title[:MAX_TITLE], problem=str(exc), raw=dict(raw))


# --------------------------------------------------------------------------- presentations


@dataclass(frozen=True)
class Presentation:
    name: str
    slides: tuple[Slide, ...] = ()
    created: str = ""
    changed: str = ""

    @property
    def slug(self) -> str:
        return slug(self.name)

    def gemeenten(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for s in self.slides for g in s.referenced_gemeenten()))

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "name": self.name,
            "created": self.created,
            "changed": self.changed,
            "slides": [s.to_json() for s in self.slides],
        }

    def with_slides(self, slides: Iterable[Slide]) -> Presentation:
        return replace(self, slides=tuple(slides))

    # ------------------------------------------------------------------ editing (pure: new objects)

    def add(self, slide: Slide) -> Presentation:
        if len(self.slides) >= MAX_SLIDES:
            raise SourceError(f"Een presentatie heeft hoogstens {MAX_SLIDES} dia's. Maak een tweede presentatie.")
        return self.with_slides([*self.slides, slide])

    def remove(self, index: int) -> Presentation:
        return self.with_slides(s for i, s in enumerate(self.slides) if i != index)

    def move(self, index: int, offset: int) -> Presentation:
        slides = list(self.slides)
        target = index + offset
        if not (0 <= index < len(slides)) or not (0 <= target < len(slides)):
            return self
        slides[index], slides[target] = slides[target], slides[index]
        return self.with_slides(slides)

    def update(self, index: int, *, title: str | None = None, message: str | None = None) -> Presentation:
        slides = list(self.slides)
        s = slides[index]
        where = f"Dia {index + 1}"
        slides[index] = replace(
            s,
            title=_text(title, where, "title", MAX_TITLE, True) if title is not None else s.title,
            message=_text(message, where, "message", MAX_MESSAGE, False) if message is not None else s.message,
        )
        return self.with_slides(slides)


def to_json_bytes(pres: Presentation) -> bytes:
    return json.dumps(pres.to_json(), ensure_ascii=False, indent=1).encode("utf-8")


def from_json_bytes(data: bytes | str, source: str = "het bestand") -> Presentation:
    """Read a presentation file; the whole file is refused (Dutch SourceError) only when it is not a
    presentation at all or comes from a newer Wijkkompas. Bad slides come back with `problem` set."""
    try:
        payload = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(
            f"{source} is geen presentatie van Wijkkompas (geen geldige JSON: {exc}). Kies een bestand dat met "
            "'Presentatie downloaden' is gemaakt."
        ) from exc
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise SourceError(
            f"{source} is geen presentatie van Wijkkompas. Kies een bestand dat met 'Presentatie downloaden' is gemaakt."
        )
    version = payload.get("version")
    if not isinstance(version, int) or version < 1:
        raise SourceError(f"{source}: het versienummer van de presentatie ontbreekt of klopt niet.")
    if version > FORMAT_VERSION:
        raise SourceError(
            f"{source} is gemaakt met een nieuwere versie van Wijkkompas (presentatieformaat {version}; deze versie "
            f"leest tot en met {FORMAT_VERSION}). Werk Wijkkompas bij om deze presentatie te openen."
        )
    name = clean_name(payload.get("name") or "")
    slides_raw = payload.get("slides")
    if not isinstance(slides_raw, list):
        raise SourceError(f"{source}: de lijst met dia's ontbreekt.")
    if len(slides_raw) > MAX_SLIDES:
        raise SourceError(f"{source} heeft {len(slides_raw)} dia's; Wijkkompas toont er hoogstens {MAX_SLIDES}.")
    slides = tuple(slide_from_json(raw, i + 1) for i, raw in enumerate(slides_raw))
    return Presentation(name, slides, str(payload.get("created") or ""), str(payload.get("changed") or ""))


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class Saved:
    """What is on disk: readable presentations by slug, and a Dutch line per file that is not."""

    presentations: dict[str, Presentation] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _store(where: Path | str | Store) -> Store:
    return where if isinstance(where, Store) else Store(where)


def _logical(key: str) -> str:
    return f"{FOLDER}/{key}.json"


def list_presentations(data_dir: Path | str | Store | Snapshot) -> Saved:
    snap = data_dir if isinstance(data_dir, Snapshot) else _store(data_dir).snapshot()
    out: dict[str, Presentation] = {}
    problems: list[str] = []
    for logical in snap.names(f"{FOLDER}/"):
        name = PurePosixPath(logical)
        if name.suffix != ".json":
            continue
        try:
            out[name.stem] = from_json_bytes(snap.read_bytes(logical), source=name.name)
        except SourceError as exc:
            problems.append(f"{exc} Het bestand is niet gewijzigd.")
        except StoreCorrupt as exc:
            problems.append(f"{name.name} kan niet worden gelezen ({exc.reason}). Het bestand is niet gewijzigd.")
    return Saved(out, problems)


def load_presentation(data_dir: Path | str | Store, name: str) -> Presentation:
    """By name or slug. Raises SourceError (Dutch) when there is no such presentation."""
    key = slug(name or "")
    snap = _store(data_dir).snapshot()
    if not key or not snap.has(_logical(key)):
        names = sorted(p.name for p in list_presentations(snap).presentations.values())
        known = (
            f" Opgeslagen presentaties: {', '.join(names)}." if names else " Er zijn nog geen presentaties opgeslagen."
        )
        raise SourceError(f"Er is geen presentatie met de naam '{name}'.{known}")
    try:
        return from_json_bytes(snap.read_bytes(_logical(key)), source=f"{key}.json")
    except StoreCorrupt as exc:
        raise SourceError(f"{key}.json kan niet worden gelezen ({exc.reason}).") from exc


def save_presentation(data_dir: Path | str | Store, pres: Presentation, *, overwrite: bool = False) -> Presentation:
    """Write atomically; refuses (Dutch SourceError) to overwrite another presentation unless asked."""
    name = clean_name(pres.name)
    logical = _logical(slug(name))
    with _store(data_dir).transaction() as tx:
        view = tx.view()
        if view.has(logical) and not overwrite:
            try:
                other = from_json_bytes(view.read_bytes(logical), source=logical).name
            except (SourceError, StoreCorrupt):
                other = slug(name)
            raise SourceError(
                f"Er is al een presentatie met de naam '{other}'. Kies een andere naam, of kies 'Overschrijven' om hem te vervangen."
            )
        stamp = now_iso()
        saved = replace(pres, name=name, created=pres.created or stamp, changed=stamp)
        data = to_json_bytes(saved)
        from_json_bytes(data, source=logical)  # a file that would not load again is never written
        tx.put(logical, data)
    return saved


def delete_presentation(data_dir: Path | str | Store, name: str) -> None:
    logical = _logical(slug(name))
    with _store(data_dir).transaction() as tx:
        if not slug(name) or not tx.view().has(logical):
            raise SourceError(f"Er is geen presentatie met de naam '{name}' om te verwijderen.")
        tx.remove(logical)


# --------------------------------------------------------------------------- against what is loaded


@dataclass(frozen=True)
class Loaded:
    """What the store holds, as far as slides care: built by `loaded_from_store`, or by hand in tests."""

    years: tuple[int, ...]
    gemeenten: frozenset[str]
    region_years: Mapping[str, frozenset[int]]  # code → years in which it exists
    names: Mapping[str, str]  # code → latest name
    indicator_years: Mapping[tuple[str, str], frozenset[int]]  # (gemeente, indicator) → years with a value
    scores: frozenset[str] = frozenset()
    saved_scores: frozenset[tuple[str, str]] = frozenset()  # (score id, file stem)
    labels: Mapping[str, str] = field(default_factory=dict)  # indicator id → label

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def label(self, indicator: str) -> str:
        return self.labels.get(indicator, indicator)

    def year_for(self, slide: Slide) -> int | None:
        return slide.jaar if slide.jaar is not None else (self.years[-1] if self.years else None)


def check_slide(slide: Slide, loaded: Loaded) -> str | None:
    """None when the slide can be drawn with what is loaded; else a Dutch sentence saying what is missing."""
    if slide.problem:
        return slide.problem
    if not loaded.years:
        return "Er zijn nog geen gegevens geladen. Laad ze op de startpagina of installeer een gegevenspakket."
    year = loaded.year_for(slide)
    for g in slide.referenced_gemeenten():
        if g not in loaded.gemeenten:
            return f"Gemeente {g} is op deze computer niet geladen. Installeer een gegevenspakket met deze gemeente, of laad haar op de startpagina."
    if year not in loaded.years:
        return f"Er zijn geen cijfers over {year} geladen (wel over {', '.join(map(str, loaded.years))})."
    for code in slide.regios:
        years = loaded.region_years.get(code)
        if not years:
            return f"De {LEVEL_WORD.get(level_of(code) or '', 'gebied')} met code {code} staat niet in de geladen gegevens."
        if slide.kind not in ("trend", "notities") and year not in years:
            return f"{loaded.name(code)} ({code}) bestaat niet in {year}; wel in {', '.join(map(str, sorted(years)))}."
    if slide.kind == "kaart" and slide.score:
        if slide.score not in loaded.scores:
            return f"De score '{slide.score}' is op deze computer niet bekend."
        if slide.score_naam and (slide.score, slide.score_naam) not in loaded.saved_scores:
            return f"De bewaarde versie '{slide.score_naam}' van de score {slide.score} staat niet op deze computer."
        return None
    wanted = [slide.indicator] if slide.indicator else []
    if slide.kind in ("kaart", "trend"):
        gms = slide.gemeenten if slide.kind == "kaart" else tuple(gemeente_of(c) for c in slide.regios)
        for ind in wanted:
            ind_years = set().union(*(loaded.indicator_years.get((g, ind), frozenset()) for g in gms))
            label = loaded.label(ind)
            if not ind_years:
                return f"Het cijfer '{label}' ({ind}) is niet geladen voor {', '.join(loaded.name(g) for g in gms)}."
            if slide.kind == "kaart" and year not in ind_years:
                return (
                    f"Het cijfer '{label}' is er niet over {year}; wel over {', '.join(map(str, sorted(ind_years)))}."
                )
    for ind in slide.indicatoren:
        gms = tuple(dict.fromkeys(gemeente_of(c) for c in slide.regios))
        if not any(year in loaded.indicator_years.get((g, ind), frozenset()) for g in gms):
            return f"Het cijfer '{loaded.label(ind)}' ({ind}) is niet geladen voor {year}."
    return None


def check_presentation(pres: Presentation, loaded: Loaded) -> dict[int, str]:
    """Slide index → why it cannot be shown. Slides not listed work."""
    out = {}
    for i, s in enumerate(pres.slides):
        problem = check_slide(s, loaded)
        if problem:
            out[i] = problem
    return out


def loaded_from_store(store, gemeenten: Sequence[str] | None = None, catalogue=None) -> Loaded:
    """Build `Loaded` for the gemeenten a presentation uses (reads only those gemeenten's rows)."""
    from wijkkompas.scores.definitions import default_definitions
    from wijkkompas.scores.saved import list_saved

    years = tuple(store.years())
    loaded_gm = store.gemeenten()
    codes = set(loaded_gm["gemeente_code"]) if not loaded_gm.empty else set()
    wanted = [g for g in (gemeenten or []) if g in codes]
    regions = store.regions(gemeenten=wanted) if wanted else store.regions().iloc[0:0]
    region_years: dict[str, frozenset[int]] = {}
    names: dict[str, str] = {}
    if not regions.empty:
        ordered = regions.sort_values("year")
        for code, ys in ordered.groupby("region_code")["year"]:
            region_years[str(code)] = frozenset(int(y) for y in ys)
        names = {
            str(c): str(n)
            for c, n in zip(ordered["region_code"], ordered["region_name"], strict=True)
            if isinstance(n, str)
        }
    if not loaded_gm.empty:
        names.update(dict(zip(loaded_gm["gemeente_code"], loaded_gm["gemeente_name"], strict=True)))
    indicator_years: dict[tuple[str, str], frozenset[int]] = {}
    if wanted:
        values = store.load_values(wanted)
        known = values[values["value"].notna()]
        pairs = known[["gemeente_code", "indicator", "year"]].drop_duplicates()
        for (g, ind), ys in pairs.groupby(["gemeente_code", "indicator"])["year"]:
            indicator_years[(str(g), str(ind))] = frozenset(int(y) for y in ys)
    scores = frozenset(default_definitions())
    saved = list_saved(store)
    saved_scores = frozenset((d.id, stem) for stem, d in saved.definitions.items())
    labels = {}
    if catalogue is not None:
        labels = {i: ind.label for i, ind in catalogue.all().items()}
    return Loaded(years, frozenset(codes), region_years, names, indicator_years, scores, saved_scores, labels)
