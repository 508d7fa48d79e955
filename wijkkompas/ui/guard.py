"""A page never shows a Python traceback: errors become a Dutch message with what to do."""

from __future__ import annotations

import contextlib
import logging
import traceback

import streamlit as st

from wijkkompas.sources.errors import SourceError
from wijkkompas.store import StoreCorrupt

try:  # st.rerun/st.stop/st.switch_page work by raising these: they must pass through
    from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException as _Control
except ImportError:  # pragma: no cover - older Streamlit
    _Control = ()  # type: ignore[assignment]

log = logging.getLogger("wijkkompas")


class UserMessage(Exception):
    """Raised by UI helpers to stop a section with a plain Dutch explanation (shown as a warning)."""


def _leave_legacy_navigation() -> None:
    """A deep link (`/kaart?...`) as the very first request of a fresh server runs the page script on
    its own, in Streamlit's legacy `pages/` mode, without app.py's navigation and sidebar. Switch the
    server to app.py's navigation once and rerun, so shared links open the real app."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@contextlib.contextmanager
def page_guard(what: str = "deze pagina"):
    _leave_legacy_navigation()
    try:
        yield
    except _Control:
        raise
    except UserMessage as exc:
        st.warning(str(exc))
    except SourceError as exc:
        st.error(str(exc))
    except StoreCorrupt as exc:
        from wijkkompas.ingest import rebuild
        from wijkkompas.ui.context import clear_caches, get_store

        log.error("store corrupt: %s", exc)
        st.warning(
            f"Een opgeslagen bestand ({exc.path.name}) was beschadigd: {exc.reason}. "
            "Wijkkompas bouwt de gegevens opnieuw op uit de bronbestanden."
        )
        report = rebuild(get_store())
        clear_caches()
        if report.problems:
            st.error("Opnieuw opbouwen lukte niet helemaal: " + " ".join(report.problems))
        else:
            st.success("De gegevens zijn opnieuw opgebouwd. Laad de pagina opnieuw.")
    except Exception as exc:  # last line of defence: log for the operator, plain words for the user
        log.error("unexpected error in %s:\n%s", what, traceback.format_exc())
        st.error(
            f"Er ging iets mis in {what}. Probeer een andere keuze of laad de pagina opnieuw. "
            "Blijft het misgaan, geef dan deze melding door aan de beheerder."
        )
        with st.expander("Technische details"):
            st.code(f"{type(exc).__name__}: {exc}")
