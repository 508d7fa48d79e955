"""A page never shows a Python traceback: errors become a Dutch message with what to do."""

from __future__ import annotations

import contextlib
import logging
import time
import traceback

import streamlit as st

from wijkkompas.access import can_write
from wijkkompas.errors import SourceError, StoreCorrupt
from wijkkompas.oplog import RunLog, current_run
from wijkkompas.store import wait_notifier

try:  # st.rerun/st.stop/st.switch_page work by raising these: they must pass through
    from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException as _Control
except ImportError:  # pragma: no cover - older Streamlit
    _Control = ()  # type: ignore[assignment, misc]

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


RETRY_KEY = "_wk_store_retries"
FLASH_KEY = "_wk_store_flash"


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        kind, text = flash
        (st.success if kind == "success" else st.warning)(text)


@contextlib.contextmanager
def page_guard(what: str = "deze pagina"):
    _leave_legacy_navigation()
    _show_flash()
    token = wait_notifier.set(lambda msg: st.info(msg, icon=":material/hourglass_top:"))
    try:
        yield
    except _Control:
        raise
    except UserMessage as exc:
        st.warning(str(exc))
    except SourceError as exc:
        _note(what, exc)
        st.error(str(exc))
    except StoreCorrupt as exc:
        _note(what, exc)
        _heal(exc)
    except Exception as exc:  # last line of defence: log for the operator, plain words for the user
        _note(what, exc)
        log.error("unexpected error in %s:\n%s", what, traceback.format_exc())
        st.error(
            f"Er ging iets mis in {what}. Probeer een andere keuze of laad de pagina opnieuw. "
            "Blijft het misgaan, geef dan deze melding door aan de beheerder."
        )
        with st.expander("Technische details"):
            st.code(f"{type(exc).__name__}: {exc}")
    finally:
        wait_notifier.reset(token)


def _note(what: str, exc: BaseException) -> None:
    run = current_run()
    if run is not None:
        run.error(what, exc)


@contextlib.contextmanager
def page_run(page: str):
    """One structured log line per page run (duration, errors), for the operator of a server."""
    run = RunLog(page=page)
    token = run.start()
    try:
        yield run
    except _Control:
        run.finish(outcome="rerun")
        raise
    except BaseException as exc:
        run.error("de pagina", exc)
        run.finish()
        raise
    else:
        run.finish()
    finally:
        run.reset(token)


def _heal(exc: StoreCorrupt) -> None:
    """A read failed: let the store confirm and repair (never wipe), then run the page again once."""
    from wijkkompas.repair import heal
    from wijkkompas.ui.context import clear_caches, get_store

    log.error("store read failed: %s", exc)
    if not can_write():
        _reread_only(exc)
        return
    with st.spinner("Een opgeslagen bestand lijkt beschadigd. Wijkkompas controleert het en herstelt het zo nodig …"):
        report = heal(get_store(), exc)
    clear_caches()
    get_store().pin()
    now = time.monotonic()
    recent = [t for t in st.session_state.get(RETRY_KEY, []) if now - t < 30]  # at most 2 automatic reruns
    if report.stale or report.healthy:
        text = "De gegevens werden net bijgewerkt door iemand anders; de pagina is opnieuw geladen."
        kind = "success"
    elif report.lost:
        text = "Een deel van de opgeslagen gegevens was beschadigd. " + " ".join(report.lines())
        kind = "warning"
    else:
        text = "Een beschadigd bestand is hersteld uit de bronbestanden. " + " ".join(report.lines())
        kind = "success"
    if len(recent) < 2:
        st.session_state[RETRY_KEY] = [*recent, now]
        st.session_state[FLASH_KEY] = (kind, text)
        st.rerun()
    st.warning(text + " Laad de pagina opnieuw als u nog iets mist.")


def _reread_only(exc: StoreCorrupt) -> None:
    """A viewer never writes, so no repair: read the newest version once more (a writer may just have
    committed); if the file is still unreadable, say who can repair it."""
    from wijkkompas.ui.context import clear_caches, get_store

    clear_caches()
    get_store().pin()
    now = time.monotonic()
    recent = [t for t in st.session_state.get(RETRY_KEY, []) if now - t < 30]
    if len(recent) < 1:
        st.session_state[RETRY_KEY] = [*recent, now]
        st.rerun()
    st.error(
        "Een opgeslagen bestand kan niet worden gelezen. Als kijker kunt u dat niet herstellen; de beheerder kan het "
        "herstellen via Start → 'Opgeslagen bestanden controleren' of met het commando `python -m wijkkompas repair`. "
        "De andere pagina's werken misschien wel."
    )
