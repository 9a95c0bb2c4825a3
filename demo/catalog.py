"""The demo world's fixed vocabulary, shared by the warehouse, the Prometheus history and the live
exporter so that names line up across SQL and PromQL (`service` label = `incidents.service`)."""

from __future__ import annotations

SEED = 20261122
# The demo company's fiscal year starts in April (make run sets FISCAL_YEAR_START to it; the
# warehouse's fiscal_quarters table is its calendar).
FISCAL_YEAR_START = 4

# Services that serve HTTP traffic: their routes (each with how much slower than the service's
# median latency it answers), their share of total traffic and their median latency in seconds.
# `errors`: the share of its requests that fail (5xx) outside incidents, against its objective in
# demo.series (99.9 % for the first four, 99.5 % for the others): most services keep their error
# budget, checkout and the audio enhancer spend theirs.
SERVICES: dict[str, dict] = {
    "api": {"routes": {"/api/orders": 1.4, "/api/products": 0.8, "/api/cart": 1.0,
                       "/api/users": 0.7},
            "share": 0.35, "errors": 0.0003, "median": 0.045},
    "web": {"routes": {"/": 0.6, "/product": 1.0, "/category": 1.2, "/search": 1.6},
            "share": 0.25, "errors": 0.0002, "median": 0.08},
    "checkout": {"routes": {"/checkout": 0.8, "/checkout/confirm": 1.5}, "share": 0.10,
                 "errors": 0.0011, "median": 0.12},
    "payments": {"routes": {"/payments/charge": 1.2, "/payments/refund": 0.7}, "share": 0.08,
                 "errors": 0.0006, "median": 0.2},
    "auth": {"routes": {"/login": 2.2, "/logout": 0.5, "/token": 0.8}, "share": 0.10,
             "errors": 0.001, "median": 0.03},
    "search": {"routes": {"/search/query": 1.3, "/search/suggest": 0.6}, "share": 0.07,
               "errors": 0.0025, "median": 0.06},
    "audio-enhancer": {"routes": {"/enhance": 1.4, "/jobs": 0.15}, "share": 0.05,
                       "errors": 0.0048, "median": 0.9},
}  # fmt: skip

# Who calls whom (the node graph): (caller, callee, share of the callee's requests it sends).
# The rest of a service's requests come from clients outside, so the calls into a service add up
# to its request rate.
SERVICE_CALLS: list[tuple[str, str, float]] = [
    ("web", "api", 0.55),
    ("web", "search", 0.6),
    ("web", "auth", 0.3),
    ("api", "checkout", 0.7),
    ("api", "auth", 0.5),
    ("api", "audio-enhancer", 0.4),
    ("checkout", "payments", 0.9),
]

# The engineering team that owns each service; alerts name some services of their own (edge,
# infrastructure, containers) and the jobs of the databases, which the platform team runs.
SERVICE_TEAMS: dict[str, str] = {
    "web": "storefront",
    "api": "storefront",
    "search": "storefront",
    "checkout": "payments",
    "payments": "payments",
    "auth": "identity",
    "audio-enhancer": "audio",
    "edge": "platform",
    "infrastructure": "platform",
    "containers": "platform",
    "postgres": "platform",
    "redis": "platform",
}

STATUS_CODES = ["200", "201", "304", "400", "404", "429", "500", "503"]

# Scrape jobs that the status map shows; one of them is down for part of the demo.
JOBS = [
    "api",
    "web",
    "checkout",
    "payments",
    "auth",
    "search",
    "audio-enhancer",
    "postgres",
    "redis",
]

CONTAINERS = [
    "api-1",
    "api-2",
    "web-1",
    "web-2",
    "checkout-1",
    "payments-1",
    "auth-1",
    "search-1",
    "audio-enhancer-1",
    "postgres-1",
    "redis-1",
]

FEATURES = ["dashboard", "upload", "enhance", "share", "export", "search", "comments", "billing"]

REGIONS: dict[str, list[str]] = {
    "EU": ["DEU", "FRA", "GBR", "ESP", "ITA", "NLD", "POL", "SWE"],
    "NA": ["USA", "CAN", "MEX"],
    "APAC": ["JPN", "AUS", "IND", "SGP", "KOR"],
    "LATAM": ["BRA", "ARG", "CHL", "COL"],
}

# Each region's share of customers, orders and traffic.
REGION_WEIGHTS = {"EU": 0.42, "NA": 0.33, "APAC": 0.17, "LATAM": 0.08}

DB_QUERIES = [
    "select_orders",
    "insert_order",
    "update_inventory",
    "select_products",
    "report_sales",
]

# The audio enhancer: its models (share of the jobs, mean quality score 0-100, dollars per second
# of audio processed), jobs an hour at the daily mean, and a file's length in seconds
# (lognormal: mu, sigma). The warehouse's jobs and the Prometheus cost counters both follow it.
AUDIO_MODELS: dict[str, tuple[float, float, float]] = {
    "denoise-v2": (0.35, 82.0, 0.004),
    "denoise-v3": (0.5, 88.0, 0.007),
    "studio-xl": (0.15, 93.0, 0.02),
}
AUDIO_JOBS_PER_HOUR = 9.0
AUDIO_SECONDS = (4.6, 0.7)

MIGRATION_COMPONENTS = ["users", "orders", "payments", "inventory", "search-index", "media"]

AUTH_SOURCES = ["10.0.1.15", "10.0.2.33", "192.0.2.10", "198.51.100.7", "203.0.113.42"]

TLS_CERTIFICATES = {
    "api.example.internal": 62,
    "web.example.internal": 41,
    "payments.example.internal": 9,
    "auth.example.internal": 120,
    "grafana.example.internal": 3,
}
