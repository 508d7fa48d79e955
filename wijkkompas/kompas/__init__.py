"""Het kompas: which wijken and buurten need attention on which theme, and is it getting better or worse.

Pure (no Streamlit): `definitions` reads kompas.toml, `compute` makes the matrix (`KompasView`) from the store's
long table, `signalen` lists worsening between two years. Pages use `wijkkompas.ui.kompas`; the CLI
`wijkkompas.commands.kompas`.
"""

from wijkkompas.kompas.compute import compute_kompas, kompas_from_store
from wijkkompas.kompas.definitions import (
    BAND_ORDER,
    INSUFFICIENT,
    REFERENCES,
    KompasDefinition,
    default_definition,
    parse_definition,
)
from wijkkompas.kompas.model import Cell, Evidence, KompasView

__all__ = [
    "BAND_ORDER",
    "INSUFFICIENT",
    "REFERENCES",
    "Cell",
    "Evidence",
    "KompasDefinition",
    "KompasView",
    "compute_kompas",
    "default_definition",
    "kompas_from_store",
    "parse_definition",
]
