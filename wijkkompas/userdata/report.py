"""The validation report: what Wijkkompas found in an uploaded file, in plain Dutch, before storing it.

One report serves the page and the command line: file-level errors (nothing to import), row-level
problems (each with the closest known regions), warnings that do not stop an import, and notes on
how the file was read. The row-level problems block a full import; the user may choose to import
only the rows that are right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from wijkkompas.formatting import nl_int

PROBLEM_COLUMNS = ["rij", "in het bestand", "probleem", "bedoelt u", "suggestie"]


@dataclass
class ValidationReport:
    file_name: str
    sheet: str | None = None
    n_rows: int = 0  # table rows read (after header, totals, empty lines)
    n_matched: int = 0  # rows that will be stored (full import)
    n_regions: int = 0
    years: list[int] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)  # how the file was read
    columns: list[str] = field(default_factory=list)  # which column is what
    errors: list[str] = field(default_factory=list)  # nothing can be imported
    warnings: list[str] = field(default_factory=list)  # import possible, but look at this
    info: list[str] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    suggestions_skipped: int = 0

    @property
    def n_problem_rows(self) -> int:
        return int(self.problems["rij"].nunique()) if not self.problems.empty else 0

    @property
    def blocking(self) -> bool:
        """Rows that cannot be stored as they are: a full import waits for a fix or a choice."""
        return self.n_problem_rows > 0

    def can_import(self, partial: bool = False) -> bool:
        if self.errors or self.n_matched == 0:
            return False
        return partial or not self.blocking

    def summary(self) -> str:
        where = f"'{self.file_name}'" + (f" (tabblad '{self.sheet}')" if self.sheet else "")
        text = f"{where}: {nl_int(self.n_rows)} rijen gelezen, {nl_int(self.n_matched)} gekoppeld aan een buurt, wijk of gemeente"
        if self.n_problem_rows:
            text += f", {nl_int(self.n_problem_rows)} nog niet"
        return text + "."

    def problem_lines(self, limit: int = 50) -> list[str]:
        out = []
        for r in self.problems.head(limit).itertuples(index=False):
            line = f"Rij {r[0]}: '{r[1]}' — {r[2]}"
            if r[3]:
                line += f"; bedoelt u {r[3]}?"
            out.append(line)
        if len(self.problems) > limit:
            out.append(f"… en nog {nl_int(len(self.problems) - limit)} rijen met een probleem.")
        if self.suggestions_skipped:
            out.append(
                f"Voor {nl_int(self.suggestions_skipped)} rijen zijn geen suggesties gezocht (te veel); verbeter eerst de kolomkeuze."
            )
        return out

    def lines(self) -> list[str]:
        """The whole report as text lines (command line; the page shows the same parts in its own way)."""
        out = [self.summary()]
        out += [f"Fout: {e}" for e in self.errors]
        if self.columns:
            out.append("Kolommen:")
            out += [f"  {c}" for c in self.columns]
        if self.reading:
            out.append("Zo is het bestand gelezen:")
            out += [f"  {n}" for n in self.reading]
        if not self.problems.empty:
            out.append(f"Rijen die niet gekoppeld kunnen worden ({nl_int(self.n_problem_rows)}):")
            out += [f"  {p}" for p in self.problem_lines()]
        out += [f"Let op: {w}" for w in self.warnings]
        out += list(self.info)
        return out
