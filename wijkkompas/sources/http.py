"""Shared plumbing for the network sources: polite HTTP with retries, and atomic file writes.

Why one module: CBS (OData v3 and v4) and PDOK fail in the same ways (no network, a timeout, a
busy server answering 429/503, an HTML error page where JSON was expected, a table that does not
exist). Each of those must end in the same kind of Dutch `SourceError` that tells the user what
to do, and the transient ones must be retried with backoff first. Keeping that logic in one place
means every source behaves the same and the tests can exercise it once.

The network sources only *download* wire files; parsing is the FolderSource's job. A download
that stops halfway must therefore never leave a file that looks complete: `write_json_atomic`
writes to a temporary file in the same folder, fsyncs it and then `os.replace`s it into place.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import requests

from wijkkompas import __version__
from wijkkompas.errors import SourceError
from wijkkompas.store.files import atomic_write_bytes

T = TypeVar("T")

USER_AGENT = f"Wijkkompas/{__version__} (+https://github.com/wijkkompas)"
# HTTP statuses worth another try: the server is busy or briefly broken.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Never wait longer than this for one backoff step, whatever a Retry-After header asks.
MAX_WAIT_SECONDS = 60.0
# The sentence every "could not reach" message ends with: the app keeps working offline.
KEEP_WORKING = "Wijkkompas werkt verder met de gegevens die al geladen zijn."


class _RetryableStatus(Exception):
    """Internal: the server answered with a status that may succeed on a later try."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


def host_of(url: str) -> str:
    """The host name of `url`, for messages ("opendata.cbs.nl"), or the url itself if unparsable."""
    return urlparse(url).hostname or url


def unreachable_message(what: str, url: str) -> str:
    """Dutch message for "no connection", shared so every source says it the same way."""
    return (
        f"Geen verbinding met {what} ({host_of(url)}). Controleer de internetverbinding of probeer "
        f"het later opnieuw; {KEEP_WORKING}"
    )


def _busy_message(what: str, url: str, status: int) -> str:
    return (
        f"{what} ({host_of(url)}) is op dit moment niet goed bereikbaar (foutcode {status}), ook niet "
        f"na een paar nieuwe pogingen. Probeer het over een paar minuten opnieuw; {KEEP_WORKING}"
    )


def _not_found_message(what: str, url: str) -> str:
    return (
        f"{what} kent dit adres niet (foutcode 404): {url}. Controleer de tabelcode of het jaar; "
        f"misschien is deze tabel (nog) niet gepubliceerd. {KEEP_WORKING}"
    )


def _refused_message(what: str, url: str, status: int) -> str:
    return (
        f"{what} weigerde de vraag (foutcode {status}): {url}. Dit is waarschijnlijk een fout in "
        f"Wijkkompas; meld het aan de beheerder. {KEEP_WORKING}"
    )


def _garbage_message(what: str, url: str) -> str:
    return f"{what} gaf een onleesbaar antwoord (geen geldige JSON) op {url}. Probeer het later opnieuw; {KEEP_WORKING}"


def _retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds the server asks us to wait (Retry-After as a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, backoff: float, retry_after: float | None = None) -> float:
    """Exponential backoff (backoff, 2x, 4x, …), or the server's Retry-After when it asks longer."""
    delay = backoff * (2**attempt)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, MAX_WAIT_SECONDS)


def with_retries(
    call: Callable[[], T],
    *,
    classify: Callable[[BaseException], tuple[bool, SourceError | None, float | None]],
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`, retrying transient failures with exponential backoff.

    `classify(exc)` says what an exception means: `(retryable, error, retry_after)`. `error` is
    the Dutch SourceError to raise when giving up (None: re-raise the original, it is a bug).
    `retries` counts the extra attempts after the first one. `sleep` is injectable so tests do
    not wait.
    """
    attempt = 0
    while True:
        try:
            return call()
        except SourceError:
            raise
        except Exception as exc:  # every failure is classified below
            retryable, error, retry_after = classify(exc)
            if error is None:
                raise
            if not retryable or attempt >= retries:
                raise error from exc
            sleep(backoff_delay(attempt, backoff, retry_after))
            attempt += 1


def classify_request_error(
    exc: BaseException, *, what: str, url: str, not_found: str | None = None
) -> tuple[bool, SourceError | None, float | None]:
    """Map an exception from `requests` (or a JSON parse) to (retryable, Dutch error, retry_after)."""
    if isinstance(exc, _RetryableStatus):
        return True, SourceError(_busy_message(what, url, exc.status), status=exc.status), exc.retry_after
    if isinstance(exc, requests.HTTPError):
        response = exc.response
        if response is None and isinstance(exc.__cause__, requests.HTTPError):
            response = exc.__cause__.response  # cbsodata re-raises HTTPError without the response
        status = response.status_code if response is not None else 0
        if status in RETRY_STATUSES:
            return True, SourceError(_busy_message(what, url, status), status=status), _retry_after_seconds(response)
        if status == 404:
            return False, SourceError(not_found or _not_found_message(what, url), status=404), None
        return False, SourceError(_refused_message(what, url, status), status=status), None
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True, SourceError(unreachable_message(what, url), unreachable=True), None
    if isinstance(exc, (ValueError, KeyError, TypeError)):
        # json.JSONDecodeError is a ValueError; a missing "value" member is a KeyError.
        return False, SourceError(_garbage_message(what, url)), None
    if isinstance(exc, requests.RequestException):
        return True, SourceError(unreachable_message(what, url), unreachable=True), None
    return False, None, None


def get_json(
    url: str,
    params: dict[str, Any] | None = None,
    *,
    session: requests.Session | None = None,
    timeout: tuple[float, float] | float = (5, 60),
    retries: int = 3,
    backoff: float = 1.0,
    what: str = "CBS",
    not_found: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """GET `url` and return its JSON body; retry what is transient, explain what is not.

    Retried (with `backoff`, 2x, 4x… seconds): connection errors, timeouts, 429 and 5xx. Not
    retried: 404 (the table or year does not exist; `not_found` overrides the message), other
    4xx, and an answer that is not JSON. Every failure ends in a Dutch `SourceError`.
    """
    getter = session if session is not None else requests

    def attempt() -> Any:
        response = getter.get(
            url,
            params=params,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatus(response.status_code, _retry_after_seconds(response))
        response.raise_for_status()
        return json.loads(response.content.decode(response.encoding or "utf-8").lstrip("\ufeff"))

    return with_retries(
        attempt,
        classify=lambda exc: classify_request_error(exc, what=what, url=url, not_found=not_found),
        retries=retries,
        backoff=backoff,
        sleep=sleep,
    )


def write_json_atomic(path: Path, data: Any, *, indent: int | None = None, ensure_ascii: bool = False) -> Path:
    """Write `data` as JSON so that readers see either the old file or the whole new one (the store's one
    atomic-write helper: temp file, fsync, rename, fsync of the folder)."""
    path = Path(path)
    atomic_write_bytes(path, json.dumps(data, indent=indent, ensure_ascii=ensure_ascii).encode("utf-8"))
    return path
