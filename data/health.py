"""One shape for every datasource's health report, as /healthz and the status card show it."""

from __future__ import annotations

import time
from collections.abc import Callable

from data.errors import DataSourceError


def probe(kind: str, url: str, check: Callable[[], object]) -> dict:
    """Run `check` (a cheap query) and report ok + latency, or the error a user would see."""
    started = time.perf_counter()
    try:
        check()
    except DataSourceError as exc:
        return {"ok": False, "kind": kind, "url": url, "error": exc.message}
    latency = (time.perf_counter() - started) * 1000
    return {"ok": True, "kind": kind, "url": url, "latency_ms": round(latency, 1)}
