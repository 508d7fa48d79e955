"""UserFileSource: the municipality's and partners' own CSV and Excel files, read as people make them.

These files are made by hand, not by machines: Dutch Excel writes `;` with decimal commas and
thousands dots, in Windows-1252 or UTF-8 with a BOM; there is a title and a "Bron:" line above the
table, a "Totaal" row at the bottom, empty lines in between, merged cells, formulas, several
sheets. This module turns such a file into a plain grid of text cells (plus, for Excel, the native
numbers) with a header, and records in Dutch what it did, so the validation report can tell the
user exactly how the file was read. It does not decide what the columns mean; `wijkkompas.userdata`
does. Number and missing-marker parsing live here too, because they are about how people *write*
numbers, and they keep the reason for every missing value (`n.b.`, `<5`, `geheim`): never 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from wijkkompas.errors import SourceError

DEFAULT_MAX_MB = 25.0
MAX_UNZIPPED_XLSX = 250 * 1024 * 1024  # an xlsx that inflates beyond this is refused (zip bomb, giant sheet)
MAX_ROWS = 300_000
HEADER_SEARCH_ROWS = 40
DELIMITERS = (";", "\t", ",", "|")  # order = preference on a tie (Dutch Excel first)
DELIMITER_NAMES = {";": "puntkomma (;)", ",": "komma (,)", "\t": "tab", "|": "streep (|)"}

# Missing markers people type, and the reason kept with the missing value (shown on screen as is).
STATUS_EMPTY = "leeg in het bestand"
STATUS_UNKNOWN = "onbekend bij de bron"
STATUS_NA = "niet van toepassing"
STATUS_DASH = "geen cijfer (-)"
STATUS_SECRET = "geheim bij de bron"
STATUS_NOT_A_NUMBER = "geen getal in het bestand"
STATUS_EXCEL_ERROR = "rekenfout in het bestand"
STATUS_FORMULA = "formule zonder uitkomst"
MISSING_MARKERS = {
    "": STATUS_EMPTY,
    "n.b.": STATUS_UNKNOWN,
    "n.b": STATUS_UNKNOWN,
    "nb": STATUS_UNKNOWN,
    "n b": STATUS_UNKNOWN,
    "nb.": STATUS_UNKNOWN,
    "onb.": STATUS_UNKNOWN,
    "onbekend": STATUS_UNKNOWN,
    "?": STATUS_UNKNOWN,
    "??": STATUS_UNKNOWN,
    "na": STATUS_UNKNOWN,
    "n/a": STATUS_UNKNOWN,
    "nan": STATUS_UNKNOWN,
    "null": STATUS_UNKNOWN,
    "none": STATUS_UNKNOWN,
    "geen gegevens": STATUS_UNKNOWN,
    "n.v.t.": STATUS_NA,
    "n.v.t": STATUS_NA,
    "nvt": STATUS_NA,
    "nvt.": STATUS_NA,
    "-": STATUS_DASH,
    "–": STATUS_DASH,
    "—": STATUS_DASH,
    "--": STATUS_DASH,
    "−": STATUS_DASH,
    "geheim": STATUS_SECRET,
    "x": STATUS_SECRET,
    "*": STATUS_SECRET,
    ".": STATUS_SECRET,
    "**": STATUS_SECRET,
    "afgeschermd": STATUS_SECRET,
    "privacy": STATUS_SECRET,
}
EXCEL_ERRORS = re.compile(
    r"^#(DEEL/0!|DIV/0!|N/B|N/A|WAARDE!|VALUE!|VERW!|REF!|NAAM\?|NAME\?|GETAL!|NUM!|LEEG!|NULL!)$", re.I
)
_CENSORED = re.compile(r"^(<|>|≤|≥|<=|>=|kleiner dan|minder dan|meer dan)\s*(\d+(?:[.,]\d+)?)$", re.I)
_TOTAL = re.compile(r"^\W*((sub|eind|gemeente|groot)\s*)?tota(a)?l\b|\btotaal\W*$|^total\W*$|^som\W*$", re.I)

# Numbers: a thousands separator only ever groups three digits.
_COMMA_DEC = re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$|^-?,\d+$")  # 1.234,5  1234,5  ,5
_DOT_DEC = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^-?\.\d+$")  # 1,234.5  1234.5  .5
_SCI = re.compile(r"^-?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # spaces / nbsp / thin space / Swiss apostrophe as grouping


# --------------------------------------------------------------------------- numbers


_LEAD_CURRENCY = re.compile(r"^(?:€|eur|euro)\s*", re.I)
_TRAIL_UNIT = re.compile(r"\s*(?:%|€|procent)$", re.I)
_COMMA_EVIDENCE = re.compile(r"^-?\d*,\d{1,2}$|^-?\d*,\d{4,}$|\.\d{3},\d")
_POINT_EVIDENCE = re.compile(r"^-?\d*\.\d{1,2}$|^-?\d*\.\d{4,}$|,\d{3}\.\d")
_BELOW = ("<", "≤", "<=", "kleiner dan", "minder dan")


def _clean_number(text: str) -> str:
    """Remove what surrounds a number in a hand-made sheet: spaces, €, %, a leading +, Unicode minus."""
    t = text.strip().replace("−", "-").replace("–", "-")
    t = _TRAIL_UNIT.sub("", _LEAD_CURRENCY.sub("", t))
    t = _SPACES.sub("", t)
    return t[1:] if t.startswith("+") else t


def _missing_reason(text: str) -> str | None:
    """The reason a cell holds no number (a status text), or None when it may hold one."""
    key = " ".join(text.strip().lower().split())
    if key in MISSING_MARKERS:
        return MISSING_MARKERS[key]
    if key.startswith("#") and EXCEL_ERRORS.match(key):
        return STATUS_EXCEL_ERROR
    m = _CENSORED.match(key)
    if m:
        n = m.group(2).replace(",", ".")
        side = "minder dan" if m.group(1).lower() in _BELOW else "meer dan"
        return f"{side} {n} (afgeschermd door de bron)"
    return None


def parse_one(text: str, decimal: str = ",") -> tuple[float, str]:
    """One cell → (value, status). `decimal` settles only the ambiguous `1.234` / `1,234`."""
    reason = _missing_reason(text)
    if reason is not None:
        return math.nan, reason
    t = _clean_number(text)
    comma_ok = bool(_COMMA_DEC.match(t))
    dot_ok = bool(_DOT_DEC.match(t))
    try:
        if comma_ok and (not dot_ok or decimal == ","):
            value = float(t.replace(".", "").replace(",", "."))
        elif dot_ok:
            value = float(t.replace(",", ""))
        elif _SCI.match(t):
            value = float(t.replace(",", "."))
        else:
            return math.nan, STATUS_NOT_A_NUMBER
    except ValueError:
        return math.nan, STATUS_NOT_A_NUMBER
    if not math.isfinite(value):
        return math.nan, STATUS_NOT_A_NUMBER
    return value, "ok"


def sniff_decimal(text: pd.Series, default: str = ",") -> str:
    """Decide whether a column writes decimals with a comma (Dutch) or a point.

    Only unambiguous cells count: `12,5` or `1.234,5` say comma; `12.5` or `1,234.5` say point. A
    column of only `1.234`-like cells keeps the file's default (comma for `;` files, as Excel-NL).
    """
    comma = point = 0
    for u in pd.unique(text.astype("string").fillna("").to_numpy()):
        t = _clean_number(str(u))
        comma += bool(_COMMA_EVIDENCE.search(t))
        point += bool(_POINT_EVIDENCE.search(t))
    if comma > point:
        return ","
    if point > comma:
        return "."
    return default


def parse_numbers(text: pd.Series, decimal: str = ",") -> tuple[pd.Series, pd.Series]:
    """Text cells → (float values, status). Missing or unreadable cells are NaN with a reason, never 0.

    `decimal` is the column's convention (see `sniff_decimal`); a cell that is unambiguous the other
    way (`12.5` in a comma column) is still read right, because hand-made columns mix conventions.
    Each distinct text is parsed once.
    """
    raw = text.astype("string").fillna("")
    codes, uniq = pd.factorize(raw, use_na_sentinel=False)
    parsed = [parse_one(str(u), decimal) for u in uniq]
    vals = np.array([v for v, _s in parsed], dtype="float64")
    stats = np.array([s for _v, s in parsed], dtype=object)
    values = pd.Series(vals[codes] if len(parsed) else np.empty(0), index=raw.index, dtype="float64")
    status = pd.Series(stats[codes] if len(parsed) else np.empty(0, dtype=object), index=raw.index, dtype="string")
    return values, status


def parse_number(text: str | None, decimal: str = ",") -> tuple[float, str]:
    """One cell: `'1.234,5'` → `(1234.5, 'ok')`, `'n.b.'` → `(nan, 'onbekend bij de bron')`."""
    return parse_one("" if text is None else str(text), decimal)


# --------------------------------------------------------------------------- the table


@dataclass
class UserTable:
    """A hand-made table as read: header, text cells, native numbers (Excel) and what was done."""

    file_name: str
    kind: str  # "csv" | "xlsx"
    columns: list[str]
    cells: pd.DataFrame  # text of every cell ("" when empty), columns = `columns`
    numbers: pd.DataFrame  # native numbers from Excel cells (NaN elsewhere); all-NaN for CSV
    row_numbers: list[int]  # the line (CSV) or row (Excel) number of each table row, for messages
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    decimal_default: str = ","
    notes: list[str] = field(default_factory=list)  # Dutch, how the file was read
    dropped: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, first text, why)
    formulas: dict[tuple[int, str], str] = field(default_factory=dict)  # (row number, column) → formula

    @property
    def n_rows(self) -> int:
        return len(self.cells)


def max_bytes() -> int:
    try:
        mb = float(os.environ.get("WIJKKOMPAS_MAX_UPLOAD_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


class UserFileSource:
    """Read one uploaded CSV or xlsx (bytes + its file name) into a `UserTable`.

    Usage: `UserFileSource(data, "meldingen.csv").read(sheet=None)`; `.sheets()` lists Excel sheets.
    Every refusal is a `SourceError` whose Dutch message names the file and says what to do.
    """

    def __init__(self, data: bytes, file_name: str) -> None:
        self.data = bytes(data)
        self.file_name = Path(file_name or "bestand").name
        self._workbook = None

    # ------------------------------------------------------------------ what kind of file

    def kind(self) -> str:
        data, name = self.data, self.file_name
        limit = max_bytes()
        if not data:
            raise SourceError(
                f"Het bestand '{name}' is leeg (0 bytes). Sla het opnieuw op vanuit Excel en probeer het nog eens.",
                path=name,
            )
        if len(data) > limit:
            raise SourceError(
                f"Het bestand '{name}' is {_mb(len(data))} MB; Wijkkompas leest bestanden tot {_mb(limit)} MB. "
                "Haal overbodige kolommen en tabbladen weg, of bewaar alleen de buurten en wijken van uw gemeente.",
                path=name,
            )
        head = data[:8]
        if head.startswith(b"PK\x03\x04"):
            return "xlsx"
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise SourceError(
                f"'{name}' is een oud Excel-bestand (.xls) of een ander Office-bestand. Open het in Excel en kies "
                "'Opslaan als' → 'Excel-werkmap (.xlsx)' of 'CSV (gescheiden door lijstscheidingsteken)'.",
                path=name,
            )
        for magic, what in (
            (b"%PDF", "een PDF"),
            (b"\x89PNG", "een afbeelding"),
            (b"\xff\xd8\xff", "een afbeelding"),
            (b"GIF8", "een afbeelding"),
            (b"\x1f\x8b", "een gzip-archief"),
            (b"Rar!", "een RAR-archief"),
        ):
            if head.startswith(magic):
                raise SourceError(
                    f"'{name}' is {what}, geen tabel. Lever de cijfers aan als CSV of Excel (.xlsx).", path=name
                )
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "csv"  # UTF-16 text (Excel "Unicode-tekst"): contains NUL bytes but is text
        sample = data[:65536]
        if b"\x00" in sample:
            raise SourceError(
                f"'{name}' is geen tekstbestand (CSV) en geen Excel-bestand: het bevat binaire gegevens. "
                "Heeft u een ander bestand een nieuwe naam gegeven? Sla de tabel in Excel op als .xlsx of CSV.",
                path=name,
            )
        return "csv"

    # ------------------------------------------------------------------ Excel

    def _open_workbook(self):
        if self._workbook is not None:
            return self._workbook
        name = self.file_name
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" not in names:
                    what = "een Word-document" if "word/document.xml" in names else "een zip-archief"
                    raise SourceError(
                        f"'{name}' is {what}, geen Excel-werkmap. Lever de cijfers aan als .xlsx of CSV.", path=name
                    )
                total = sum(i.file_size for i in zf.infolist())
                if total > MAX_UNZIPPED_XLSX:
                    raise SourceError(
                        f"De werkmap '{name}' is uitgepakt {_mb(total)} MB groot; dat is te groot om te lezen. "
                        "Bewaar alleen het tabblad met de cijfers in een nieuwe werkmap.",
                        path=name,
                    )
        except zipfile.BadZipFile as exc:
            raise SourceError(
                f"'{name}' lijkt een Excel-bestand maar is beschadigd ({exc}). Sla het opnieuw op.", path=name
            ) from exc
        import warnings

        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = openpyxl.load_workbook(io.BytesIO(self.data), data_only=True, read_only=False)
                formulas = openpyxl.load_workbook(io.BytesIO(self.data), data_only=False, read_only=False)
        except Exception as exc:  # openpyxl raises many kinds on damaged files
            raise SourceError(
                f"De Excel-werkmap '{name}' kan niet worden gelezen ({type(exc).__name__}). Open hem in Excel en sla "
                "hem opnieuw op als .xlsx.",
                path=name,
            ) from exc
        self._workbook = (values, formulas)
        return self._workbook

    def sheets(self) -> list[str]:
        if self.kind() != "xlsx":
            return []
        return list(self._open_workbook()[0].sheetnames)

    def _excel_grid(self, sheet: str | None) -> tuple[list[list[object]], str, list[str], dict[tuple[int, int], str]]:
        values_wb, formulas_wb = self._open_workbook()
        names = list(values_wb.sheetnames)
        if sheet is None:
            # The first sheet that has cells; a workbook often starts with an empty or a notes sheet.
            filled = [n for n in names if values_wb[n].max_row > 1 or values_wb[n].max_column > 1]
            sheet = filled[0] if filled else names[0]
        elif sheet not in names:
            raise SourceError(
                f"Het tabblad '{sheet}' staat niet in '{self.file_name}'. Tabbladen: {', '.join(names)}.",
                path=self.file_name,
            )
        ws, wf = values_wb[sheet], formulas_wb[sheet]
        if ws.max_row * ws.max_column > MAX_ROWS * 60:
            raise SourceError(
                f"Het tabblad '{sheet}' in '{self.file_name}' is te groot om te lezen.", path=self.file_name
            )
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        # Merged cells: the value sits in the top-left cell only. A cell merged down a column (a wijk
        # name over its buurten) means that value for every row; one merged across (a title) does not.
        for rng in ws.merged_cells.ranges:
            top = ws.cell(rng.min_row, rng.min_col).value
            c = rng.min_col
            for r in range(rng.min_row + 1, rng.max_row + 1):
                if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                    grid[r - 1][c - 1] = top
        formulas: dict[tuple[int, int], str] = {}
        for r, row in enumerate(wf.iter_rows(values_only=True)):
            for c, v in enumerate(row):
                if (
                    isinstance(v, str)
                    and v.startswith("=")
                    and r < len(grid)
                    and c < len(grid[r])
                    and grid[r][c] is None
                ):
                    formulas[(r, c)] = v
        return grid, sheet, names, formulas

    # ------------------------------------------------------------------ CSV

    def _decode(self) -> tuple[str, str, list[str]]:
        data = self.data
        notes: list[str] = []
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8", errors="replace"), "UTF-8 (met BOM)", notes
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                return data.decode("utf-16"), "UTF-16", notes
            except UnicodeDecodeError as exc:
                raise SourceError(f"'{self.file_name}' kan niet als tekst worden gelezen (UTF-16 beschadigd).") from exc
        try:
            return data.decode("utf-8"), "UTF-8", notes
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("cp1252")
            notes.append(
                "Het bestand is gelezen als Windows-1252 (zoals Excel op Windows opslaat); letters als é en ë kloppen."
            )
            return text, "Windows-1252", notes
        except UnicodeDecodeError:
            notes.append("Het bestand is gelezen als Latin-1; controleer letters met accenten in de namen.")
            return data.decode("latin-1"), "Latin-1", notes

    @staticmethod
    def _sniff_delimiter(lines: list[str]) -> str:
        sample = [ln for ln in lines if ln.strip()][:60]
        if not sample:
            return ";"
        best, best_score = ";", -1.0
        for d in DELIMITERS:
            rows = list(csv.reader(sample, delimiter=d))
            widths = [len([c for c in r]) for r in rows]
            common, n = Counter(widths).most_common(1)[0]
            if common < 2:
                continue
            # Lines of the table agree on the number of fields; titles above it do not, so weigh agreement.
            score = n / len(rows) * math.log2(common + 1)
            if score > best_score + 1e-9:
                best, best_score = d, score
        return best

    def _csv_grid(self) -> tuple[list[list[str]], str, str, list[str]]:
        text, encoding, notes = self._decode()
        control = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
        if control > max(20, len(text[:20000]) // 50):
            raise SourceError(
                f"'{self.file_name}' bevat vooral onleesbare tekens; het is waarschijnlijk geen CSV. "
                "Sla de tabel in Excel op als CSV of .xlsx.",
                path=self.file_name,
            )
        lines = text.splitlines()
        if lines and re.fullmatch(r'"?sep=(.)"?', lines[0].strip(), flags=re.I):
            delimiter = re.fullmatch(r'"?sep=(.)"?', lines[0].strip(), flags=re.I).group(1)  # type: ignore[union-attr]
            text = "\n".join(lines[1:])
            lines = lines[1:]
        else:
            delimiter = self._sniff_delimiter(lines)
        try:
            grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SourceError(
                f"'{self.file_name}' kan niet als CSV worden gelezen ({exc}).", path=self.file_name
            ) from exc
        return grid, encoding, delimiter, notes

    # ------------------------------------------------------------------ both

    def read(self, sheet: str | None = None) -> UserTable:
        kind = self.kind()
        notes: list[str] = []
        formulas_at: dict[tuple[int, int], str] = {}
        sheets: list[str] = []
        encoding = delimiter = None
        grid: Sequence[Sequence[object]]
        if kind == "xlsx":
            grid, sheet, sheets, formulas_at = self._excel_grid(sheet)
            if Path(self.file_name).suffix.lower() in (".csv", ".txt"):
                notes.append(f"'{self.file_name}' heet een CSV-bestand maar is een Excel-werkmap; zo is het gelezen.")
            if len(sheets) > 1:
                notes.append(f"De werkmap heeft {len(sheets)} tabbladen ({', '.join(sheets)}); gelezen: '{sheet}'.")
        else:
            grid, encoding, delimiter, more = self._csv_grid()
            notes += more
            sheet = None
        if len(grid) > MAX_ROWS:
            raise SourceError(
                f"'{self.file_name}' heeft {len(grid):,} regels; Wijkkompas leest er hoogstens {MAX_ROWS:,}. ".replace(
                    ",", "."
                )
                + "Bewaar alleen de buurten en wijken die u nodig hebt.",
                path=self.file_name,
            )
        text_grid, num_grid = _normalise_grid(grid)
        table = _find_table(text_grid, num_grid, self.file_name, formulas_at)
        table.kind, table.sheet, table.sheets = kind, sheet, sheets
        table.encoding, table.delimiter = encoding, delimiter
        table.notes = notes + table.notes
        if delimiter:
            table.notes.insert(
                0,
                f"Gelezen als CSV met scheidingsteken {DELIMITER_NAMES.get(delimiter, delimiter)}, tekenset {encoding}.",
            )
            table.decimal_default = "," if delimiter in (";", "\t") else "."
        return table


# --------------------------------------------------------------------------- grid → table


def _cell_text(v: object) -> tuple[str, float]:
    """Text and native number of one cell (Excel cells arrive as int/float/datetime)."""
    if v is None:
        return "", math.nan
    if isinstance(v, bool):
        return ("WAAR" if v else "ONWAAR"), math.nan
    if isinstance(v, int | float):
        f = float(v)
        if not math.isfinite(f):
            return "", math.nan
        return (str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)), f
    if isinstance(v, dt.datetime):
        return (v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")), math.nan
    if isinstance(v, dt.date | dt.time):
        return v.isoformat(), math.nan
    text = str(v).replace("\r\n", " ").replace("\n", " ").strip()
    return text, math.nan


def _normalise_grid(grid: Sequence[Sequence[object]]) -> tuple[list[list[str]], list[list[float]] | None]:
    """Text of every cell, padded to one width; native numbers only when some cell is not text (Excel)."""
    width = max((len(r) for r in grid), default=0)
    if all(type(v) is str for row in grid for v in row):  # CSV: every cell is text already
        texts = []
        for line in cast("Sequence[Sequence[str]]", grid):
            t = [v.strip() if "\n" not in v else v.replace("\r\n", " ").replace("\n", " ").strip() for v in line]
            texts.append(t + [""] * (width - len(line)))
        return texts, None
    texts, nums = [], []
    for row in grid:
        t, n = [], []
        for v in row:
            a, b = _cell_text(v)
            t.append(a)
            n.append(b)
        pad = width - len(row)
        texts.append(t + [""] * pad)
        nums.append(n + [math.nan] * pad)
    return texts, nums


_YEAR_TEXT = re.compile(r"(19|20)\d\d")
_NUMERIC_TEXT = re.compile(r"[-+]?[\d.,\s%€]+")


def _looks_numeric(text: str) -> bool:
    """A number cell; a year (`2024`) in a header row counts as text, since years are common column names."""
    if _YEAR_TEXT.fullmatch(text.strip()):
        return False
    return bool(_NUMERIC_TEXT.fullmatch(text)) and any(ch.isdigit() for ch in text)


def _header_index(texts: list[list[str]]) -> int | None:
    """The header: the first row as wide as the table whose cells are mostly text (titles above are narrow)."""
    widths = [sum(1 for c in r if c) for r in texts]
    body = [w for w in widths if w >= 2]
    if not body:
        return None
    table_width = Counter(body).most_common(1)[0][0]
    need = max(2, math.ceil(0.6 * table_width))
    for i, row in enumerate(texts[:HEADER_SEARCH_ROWS]):
        filled = [c for c in row if c]
        if len(filled) >= need and sum(not _looks_numeric(c) for c in filled) >= len(filled) / 2:
            return i
    return None


def _unique_columns(raw: list[str]) -> list[str]:
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, name in enumerate(raw):
        name = re.sub(r"\s+", " ", name).strip() or f"kolom {i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _find_table(texts: list[list[str]], nums: list[list[float]] | None, file_name: str, formulas_at) -> UserTable:
    notes: list[str] = []
    if not any(any(c for c in r) for r in texts):
        raise SourceError(
            f"'{file_name}' bevat geen gegevens (alleen lege regels). Controleer of u het goede bestand of tabblad koos.",
            path=file_name,
        )
    h = _header_index(texts)
    if h is None:
        raise SourceError(
            f"In '{file_name}' is geen tabel gevonden: er is geen regel met kolomnamen en er zijn geen rijen met "
            "meerdere kolommen. Zet de cijfers in een tabel met één rij per buurt of wijk en een kolomkop boven elke kolom.",
            path=file_name,
        )
    header = texts[h]
    keep_cols = [j for j in range(len(header)) if header[j] or any(r[j] for r in texts[h + 1 :])]
    header_values = [header[j] for j in keep_cols]
    columns = _unique_columns(header_values)
    if h > 0:
        above = [" ".join(c for c in r if c) for r in texts[:h] if any(r)]
        if above:
            shown = "; ".join(f"'{a[:60]}'" for a in above[:3])
            notes.append(f"{len(above)} regel(s) boven de tabel overgeslagen ({shown}).")
    rows_t, rows_n, numbers, dropped = [], [], [], []
    empty = 0
    body = list(range(h + 1, len(texts)))
    # Footnotes below the table: trailing rows with a single filled cell.
    last_full = max((i for i in body if sum(1 for c in texts[i] if c) >= 2), default=h)
    for i in body:
        row = [texts[i][j] for j in keep_cols]
        filled = [c for c in row if c]
        if not filled:
            empty += 1
            continue
        first = filled[0]
        if any(c and _TOTAL.search(c) and not _looks_numeric(c) for c in row[:3]):
            dropped.append((i + 1, first, "totaalrij"))
            continue
        if i > last_full and len(filled) == 1:
            dropped.append((i + 1, first, "tekst onder de tabel"))
            continue
        if row == header_values:
            dropped.append((i + 1, first, "herhaalde kolomkop"))
            continue
        rows_t.append(row)
        if nums is not None:
            rows_n.append([nums[i][j] for j in keep_cols])
        numbers.append(i + 1)
    if empty:
        notes.append(f"{empty} lege regel(s) overgeslagen.")
    totals = [d for d in dropped if d[2] == "totaalrij"]
    if totals:
        notes.append(
            f"{len(totals)} totaalrij(en) overgeslagen ({', '.join(repr(d[1]) for d in totals[:3])}): Wijkkompas telt zelf op."
        )
    foot = [d for d in dropped if d[2] == "tekst onder de tabel"]
    if foot:
        notes.append(
            f"{len(foot)} regel(s) tekst onder de tabel overgeslagen ({', '.join(repr(d[1][:50]) for d in foot[:3])})."
        )
    cells = (
        pd.DataFrame(rows_t, columns=columns, dtype="string")
        if rows_t
        else pd.DataFrame(columns=columns, dtype="string")
    )
    if rows_n:
        numbers_df = pd.DataFrame(rows_n, columns=columns, dtype="float64")
    else:  # CSV: no native numbers
        numbers_df = pd.DataFrame(np.full((len(rows_t), len(columns)), np.nan), columns=columns)
    col_of = {j: columns[k] for k, j in enumerate(keep_cols)}
    row_of = {i + 1: pos for pos, i in enumerate(n - 1 for n in numbers)}
    formulas = {}
    for (r, c), f in formulas_at.items():
        if (r + 1) in row_of and c in col_of:
            formulas[(r + 1, col_of[c])] = f
    return UserTable(
        file_name=file_name,
        kind="",
        columns=columns,
        cells=cells.fillna(""),
        numbers=numbers_df,
        row_numbers=numbers,
        notes=notes,
        dropped=dropped,
        formulas=formulas,
    )
