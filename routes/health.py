"""`GET /healthz` and `GET /metrics` (the app's own Prometheus metrics), both open.

Anonymous `/healthz` answers that the app is up and serving (a load balancer's liveness check):
it contacts nothing and writes nothing, so nobody can make the app query its datasources, move
its metrics or learn their addresses. A logged-in user gets each datasource, Alertmanager (when
configured) and the cache checked (reachable, latency, error text): 200 when all are up, 503
otherwise."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, Response, jsonify
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from services import services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    if not current_user.is_authenticated:
        return jsonify({"status": "ok", "detail": "log in for each datasource's state"})
    layer = services().data
    started = time.perf_counter()
    checks = dict(layer.sources)
    if services().alertmanager is not None:
        checks["alertmanager"] = services().alertmanager
    # Sources are checked side by side: one slow datasource must not hide the state of the others.
    with ThreadPoolExecutor(max_workers=len(checks) + 1) as pool:
        futures = {name: pool.submit(source.health) for name, source in checks.items()}
        cache = pool.submit(layer.cache.health)
        datasources = {name: futures[name].result() for name in sorted(futures)}
        cache_status = cache.result()
    healthy = cache_status.get("ok", False) and all(d["ok"] for d in datasources.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "datasources": datasources,
        "cache": cache_status,
        "checked_in_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return jsonify(body), 200 if healthy else 503


@blueprint.get("/metrics")
def metrics():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Under gunicorn every worker writes its own files; add them up for one scrape.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)
