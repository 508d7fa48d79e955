"""One writer at a time, across threads, processes and operating systems; readers never wait.

`filelock` picks `fcntl` on POSIX and `msvcrt` on Windows at call time, so nothing POSIX-only is
imported by the package. One lock object per lock file per process: the same thread may take it
again (a transaction inside a transaction), another thread or process waits.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from wijkkompas.errors import SourceError

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 600.0

_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()

# Who is told that a writer waits: the page sets a function that shows a Dutch notice, the CLI prints.
wait_notifier: contextvars.ContextVar[Callable[[str], object] | None] = contextvars.ContextVar(
    "wijkkompas_wait_notifier", default=None
)

WAIT_MESSAGE = (
    "Er wordt op dit moment al iets opgeslagen (door een andere gebruiker, een ander tabblad of een opdracht op de "
    "opdrachtregel). Wijkkompas wacht tot dat klaar is en gaat dan verder."
)


class StoreBusy(SourceError):
    """The store stayed locked by another writer for too long."""


def _lock_for(path: Path) -> FileLock:
    key = str(path.resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(key, thread_local=True)
        return lock


@contextlib.contextmanager
def write_lock(path: Path, *, max_wait: float = MAX_WAIT_SECONDS) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(path)
    try:
        lock.acquire(timeout=FIRST_WAIT_SECONDS)
    except Timeout:
        notify = wait_notifier.get()
        if notify is not None:
            notify(WAIT_MESSAGE)
        try:
            lock.acquire(timeout=max(max_wait - FIRST_WAIT_SECONDS, 0))
        except Timeout as exc:
            raise StoreBusy(
                f"De opslag is al {int(max_wait // 60)} minuten bezet door een andere schrijver. Wacht tot die klaar is "
                f"(of stop die) en probeer het opnieuw. Slotbestand: {path}."
            ) from exc
    try:
        yield
    finally:
        lock.release()
