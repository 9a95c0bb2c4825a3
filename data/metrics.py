"""The app's own Prometheus metrics, served at /metrics and scraped by the demo Prometheus.

Counters live in the default prometheus_client registry; under gunicorn set PROMETHEUS_MULTIPROC_DIR
so every worker's figures add up (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

UPSTREAM_QUERIES = Counter(
    "dashboard_upstream_queries_total",
    "Queries sent to a datasource, by datasource and outcome (ok, error, timeout, unreachable).",
    ["datasource", "outcome"],
)
UPSTREAM_LATENCY = Histogram(
    "dashboard_upstream_query_duration_seconds",
    "Time spent in one upstream query, by datasource.",
    ["datasource"],
    buckets=LATENCY_BUCKETS,
)
CACHE_REQUESTS = Counter(
    "dashboard_cache_requests_total",
    "Cache lookups by result: hit, miss, stale (last good value served after an upstream error).",
    ["result"],
)
CALLBACK_LATENCY = Histogram(
    "dashboard_callback_duration_seconds",
    "Time to answer one Dash callback request, by callback output.",
    ["callback"],
    buckets=LATENCY_BUCKETS,
)
