"""Composite scores (leefbaarheid, veerkracht): definitions as data, transparent arithmetic, saved variants.

Pure: no Streamlit, no store access. Pages use `wijkkompas.ui.scores`; the CLI `wijkkompas.commands.scores`.
"""

from wijkkompas.scores.compute import (
    BAND_ORDER,
    INSUFFICIENT,
    TOTAL,
    Prepared,
    ScoreResult,
    band,
    bands,
    combine,
    compute,
    prepare,
    rounded_contributions,
)
from wijkkompas.scores.definitions import (
    ScoreDefinition,
    ScoreIndicator,
    Theme,
    default_definitions,
    parse_definitions,
    read_definition_file,
    to_toml,
    validate,
)

__all__ = [
    "BAND_ORDER",
    "INSUFFICIENT",
    "TOTAL",
    "Prepared",
    "ScoreDefinition",
    "ScoreIndicator",
    "ScoreResult",
    "Theme",
    "band",
    "bands",
    "combine",
    "compute",
    "default_definitions",
    "parse_definitions",
    "prepare",
    "read_definition_file",
    "rounded_contributions",
    "to_toml",
    "validate",
]
