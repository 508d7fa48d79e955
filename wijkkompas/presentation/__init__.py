"""Presentations for the politieke markt: slides as references (model), drawn on the server (slides),
in one self-contained HTML document that switches slides without a server round trip (deck).

Pure: no Streamlit. The page uses `wijkkompas.ui.presentatie`.
"""

from wijkkompas.presentation.model import (
    KINDS,
    Loaded,
    Presentation,
    Slide,
    check_presentation,
    check_slide,
    delete_presentation,
    from_json_bytes,
    list_presentations,
    load_presentation,
    loaded_from_store,
    make_slide,
    save_presentation,
    slug,
    to_json_bytes,
)

__all__ = [
    "KINDS",
    "Loaded",
    "Presentation",
    "Slide",
    "check_presentation",
    "check_slide",
    "delete_presentation",
    "from_json_bytes",
    "list_presentations",
    "load_presentation",
    "loaded_from_store",
    "make_slide",
    "save_presentation",
    "slug",
    "to_json_bytes",
]
