"""A note ("notitie"): what someone said about a wijk or buurt, with its date, source and the role
of who wrote it down. Plain text only.

Why a separate kind of thing and not a figure: a remark from a bewonersavond is evidence of another
sort than a CBS number. It is stored apart from the figures, never used in a calculation, and shown
everywhere as a quotation with its date and source, so nobody reads it as a measurement.

Why the checks live here (and not in the form): the same rules then hold for the page, the data
pack and anything else that makes a note; a note that breaks them is refused with a Dutch message.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from datetime import date as _date

from wijkkompas.errors import SourceError
from wijkkompas.formatting import esc, md_escape

FORMAT = "wijkkompas-notitie"
FORMAT_VERSION = 1
MAX_TEXT = 1000
MAX_THEME = 60
MAX_ROLE = 60
MAX_NAME = 120
EARLIEST = date(1990, 1, 1)
SOURCES = {
    "bewonersavond": "Bewonersavond",
    "wijkschouw": "Wijkschouw",
    "partner": "Partner (bijvoorbeeld wijkteam, corporatie, politie)",
    "overig": "Overig",
}
SOURCE_SHORT = {"bewonersavond": "Bewonersavond", "wijkschouw": "Wijkschouw", "partner": "Partner", "overig": "Overig"}
REGION_CODE = re.compile(r"^(WK\d{6}|BU\d{8})$")
NOTE_ID = re.compile(r"^[0-9a-f]{16}$")
# Control characters (except newline and tab) have no place in a note: they hide text or break a CSV.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def new_id() -> str:
    """A random id: two laptops writing notes apart never choose the same name (a pack merges them)."""
    return secrets.token_hex(8)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def kompas_themes() -> dict[str, str]:
    """Theme id → label of the kompas (when the kompas is installed; its cells pass their theme id)."""
    try:
        from wijkkompas.kompas.definitions import default_definition

        return {t.id: t.label for t in default_definition().themes}
    except Exception:  # no kompas (yet), or a broken definition: notes work without it
        return {}


def theme_label(theme: str | None) -> str:
    """The words a note stores as its theme: a kompas theme id ('fysiek') becomes its label."""
    text = " ".join(str(theme or "").split())
    return kompas_themes().get(text, text)


def theme_options() -> list[str]:
    """Suggested themes: the kompas's, the catalogue's and the shipped scores' themes (a free text is fine too)."""
    from wijkkompas.catalogue.catalogue import THEMES

    out = list(kompas_themes().values())
    out += [label for key, label in THEMES.items() if key not in ("eigen", "overig", "oppervlakte", "stedelijkheid")]
    try:
        from wijkkompas.scores.definitions import default_definitions

        for d in default_definitions().values():
            out += [t.label for t in d.themes]
    except Exception:  # suggestions only; a broken score file must not stop a note
        pass
    return list(dict.fromkeys(out))


def _line(value: object, what: str, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SourceError(f"{what} moet tekst zijn.")
    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", value)).split())
    if required and not text:
        raise SourceError(f"Vul {what.lower()} in.")
    if len(text) > limit:
        raise SourceError(f"{what} is te lang ({len(text)} tekens). Gebruik hoogstens {limit} tekens.")
    return text


def clean_text(value: object) -> str:
    """The note itself: newlines kept (at most one empty line in a row), other control characters removed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SourceError("De tekst van de notitie moet tekst zijn.")
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise SourceError("De notitie is leeg. Schrijf op wat er is gezegd of gezien.")
    if len(text) > MAX_TEXT:
        raise SourceError(
            f"De notitie is te lang ({len(text)} tekens). Gebruik hoogstens {MAX_TEXT} tekens; "
            "maak er eventueel twee notities van."
        )
    return text


def parse_date(value: object, *, today: date | None = None) -> date:
    """A date from the form (a date), a file (ISO text) or a person (dd-mm-jjjj); never in the future."""
    today = today or date.today()
    d: date | None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        d = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        d = None
        for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                d = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if d is None:
            raise SourceError(f"'{text[:20]}' is geen datum. Schrijf de datum als dd-mm-jjjj, bijvoorbeeld 12-03-2026.")
    else:
        raise SourceError("Vul de datum in: wanneer is dit gezegd of gezien?")
    if d > today:
        raise SourceError(f"De datum {d:%d-%m-%Y} ligt in de toekomst. Kies de dag waarop het is gezegd of gezien.")
    if d < EARLIEST:
        raise SourceError(f"De datum {d:%d-%m-%Y} is te vroeg. Kies een datum vanaf {EARLIEST:%d-%m-%Y}.")
    return d


@dataclass(frozen=True)
class Note:
    """One note about one wijk or buurt. Build it with `make_note` (checks everything)."""

    id: str
    region_code: str
    region_name: str
    date: date
    text: str
    source: str
    author_role: str
    theme: str = ""
    created: str = ""
    updated: str = ""

    @property
    def gemeente_code(self) -> str:
        return "GM" + self.region_code[2:6]

    @property
    def source_label(self) -> str:
        return SOURCE_SHORT.get(self.source, self.source)

    @property
    def date_text(self) -> str:
        return f"{self.date:%d-%m-%Y}"

    def byline(self) -> str:
        """'12-03-2026 · Bewonersavond · opgeschreven door: wijkagent · thema Veiligheid' (plain text)."""
        parts = [self.date_text, self.source_label, f"opgeschreven door: {self.author_role}"]
        if self.theme:
            parts.append(f"thema {self.theme}")
        return " · ".join(parts)

    def html_text(self) -> str:
        """The text for HTML: escaped, line breaks kept."""
        return "<br>".join(esc(line) for line in self.text.split("\n"))

    def markdown_quote(self) -> str:
        """The text as a Markdown block quote, every character literal (no links, colours, HTML)."""
        lines = self.text.split("\n")
        # Two trailing spaces: a hard line break, so the note keeps the lines it was written in.
        return "\n".join(
            "> " + (md_escape(line) + ("  " if i < len(lines) - 1 and lines[i + 1] else "") if line else "")
            for i, line in enumerate(lines)
        )

    def to_json(self) -> dict:
        payload = asdict(self)
        payload["date"] = self.date.isoformat()
        return {"format": FORMAT, "version": FORMAT_VERSION, **payload}

    def edited(self, **changes) -> Note:
        """A checked copy with changed fields (id, region and created stay)."""
        fields = {k: v for k, v in asdict(self).items() if k not in ("id", "created", "updated")}
        fields.update(changes)
        return make_note(**fields, note_id=self.id, created=self.created, updated=self.updated)


def make_note(
    region_code: object,
    region_name: object,
    date: object,
    text: object,
    source: object,
    author_role: object,
    theme: object = "",
    *,
    note_id: str | None = None,
    created: str = "",
    updated: str = "",
    today: object = None,
) -> Note:
    """A checked note; raises SourceError (Dutch) naming what is wrong."""
    code = str(region_code or "").strip().upper()
    if not REGION_CODE.match(code):
        raise SourceError(
            f"'{str(region_code)[:20]}' is geen code van een wijk (zoals WK016401) of buurt (zoals BU01640101). "
            "Een notitie hoort bij één wijk of buurt."
        )
    name = _line(region_name, "De naam van de wijk of buurt", MAX_NAME, required=False) or code
    when = parse_date(date, today=today if isinstance(today, _date) else None)
    body = clean_text(text)
    src = str(source or "").strip().lower()
    if src not in SOURCES:
        raise SourceError(f"Kies waar het vandaan komt: {', '.join(SOURCE_SHORT.values()).lower()}.")
    role = _line(author_role, "De rol van wie het opschreef", MAX_ROLE, required=True)
    topic = _line(theme, "Het thema", MAX_THEME, required=False)
    ident = note_id or new_id()
    if not NOTE_ID.match(ident):
        raise SourceError(f"'{ident[:20]}' is geen geldig nummer van een notitie.")
    return Note(ident, code, name, when, body, src, role, topic, created, updated)


def note_from_json(payload: object, where: str = "De notitie") -> Note:
    """Read a stored note; refused (Dutch SourceError) when it is no note or breaks the rules."""
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise SourceError(f"{where} is geen notitie van Wijkkompas.")
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SourceError(f"{where}: het versienummer ontbreekt of klopt niet.")
    if version > FORMAT_VERSION:
        raise SourceError(f"{where} is gemaakt met een nieuwere versie van Wijkkompas; werk Wijkkompas bij.")
    try:
        return make_note(
            payload.get("region_code"),
            payload.get("region_name"),
            payload.get("date"),
            payload.get("text"),
            payload.get("source"),
            payload.get("author_role"),
            payload.get("theme") or "",
            note_id=str(payload.get("id") or ""),
            created=str(payload.get("created") or ""),
            updated=str(payload.get("updated") or ""),
            today=date.max,
        )
    except SourceError as exc:
        raise SourceError(f"{where}: {exc}") from exc


def stamped(note: Note, *, created: str | None = None) -> Note:
    stamp = now_iso()
    return replace(note, created=created or note.created or stamp, updated=stamp)
