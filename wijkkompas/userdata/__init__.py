"""Eigen gegevens: the municipality's and partners' own figures, checked and then used like CBS indicators.

`check_file` reads and validates (nothing stored), `import_file` / `import_analysis` store,
`list_uploads` / `delete_upload` manage, `load_upload_indicators` feeds the indicator catalogue.
Pure steps live in `codes`, `matching`, `analysis`, `metadata`, `report`; `persist` writes.
"""

from wijkkompas.userdata.analysis import (
    DEFAULT_PRIVACY_THRESHOLD,
    SKIP,
    Analysis,
    Columns,
    analyse_table,
    detect_columns,
)
from wijkkompas.userdata.codes import normalise_name, parse_code, parse_codes
from wijkkompas.userdata.metadata import AGGREGATE_LABELS, BETTER_LABELS, IndicatorMeta
from wijkkompas.userdata.persist import (
    Upload,
    build_values,
    delete_upload,
    import_analysis,
    list_uploads,
    load_upload_indicators,
)
from wijkkompas.userdata.report import ValidationReport
from wijkkompas.userdata.service import check_file, check_table, import_file, read_file, reimport_all

__all__ = [
    "AGGREGATE_LABELS",
    "BETTER_LABELS",
    "DEFAULT_PRIVACY_THRESHOLD",
    "SKIP",
    "Analysis",
    "Columns",
    "IndicatorMeta",
    "Upload",
    "ValidationReport",
    "analyse_table",
    "build_values",
    "check_file",
    "check_table",
    "delete_upload",
    "detect_columns",
    "import_analysis",
    "import_file",
    "list_uploads",
    "load_upload_indicators",
    "normalise_name",
    "parse_code",
    "parse_codes",
    "read_file",
    "reimport_all",
]
