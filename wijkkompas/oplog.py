"""One JSON line per page run, for whoever operates a server: which page, how long, which errors.

Why JSON lines on stderr: every log collector (journald, Docker, Loki, Azure Monitor) reads them
without a parser of ours, and one line per run makes "how many page runs failed" a simple count.
The line carries no figures and no names from data — only the page, timings, role and error types.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

LOGGER = "wijkkompas.runs"
log = logging.getLogger(LOGGER)

_RUN: contextvars.ContextVar[RunLog | None] = contextvars.ContextVar("wijkkompas_run", default=None)


def current_run() -> RunLog | None:
    return _RUN.get()


class JsonLineFormatter(logging.Formatter):
    """The record's `payload` (a dict) as one JSON line; other records as {"level", "message"}."""

    def format(self, record: logging.LogRecord) -> str:
        payload = getattr(record, "payload", None)
        if not isinstance(payload, dict):
            payload = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def configure(stream=None) -> logging.Handler | None:
    """Attach the JSON handler once per process (Streamlit reruns app.py; handlers must not pile up).

    `WIJKKOMPAS_RUN_LOG=off` silences it, e.g. for a laptop where nobody reads stderr.
    """
    if (os.environ.get("WIJKKOMPAS_RUN_LOG") or "").lower() in {"off", "0", "no"}:
        return None
    for handler in log.handlers:
        if getattr(handler, "_wijkkompas", False):
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    handler._wijkkompas = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return handler


@dataclass
class RunLog:
    page: str
    started: float = field(default_factory=time.perf_counter)
    errors: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def start(self) -> contextvars.Token:
        self.started = time.perf_counter()
        return _RUN.set(self)

    def reset(self, token: contextvars.Token) -> None:
        _RUN.reset(token)

    def error(self, where: str, exc: BaseException) -> None:
        self.errors.append({"where": where, "type": type(exc).__name__})

    def record(self, outcome: str | None = None) -> dict:
        from wijkkompas.access import current_role

        duration = (time.perf_counter() - self.started) * 1000
        return {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": "page_run",
            "page": self.page,
            "duration_ms": round(duration, 1),
            "outcome": outcome or ("error" if self.errors else "ok"),
            "errors": self.errors,
            "role": current_role().value,
            "replica": os.environ.get("WIJKKOMPAS_REPLICA") or platform.node(),
            **self.extra,
        }

    def finish(self, outcome: str | None = None) -> dict:
        payload = self.record(outcome)
        log.info("page_run", extra={"payload": payload})
        return payload
