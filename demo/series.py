"""The demo world's Prometheus series as pure functions of absolute time (unix seconds).

The 14-day backfill and the live exporter both call `sample(series, t)`, so a counter's value at t
is the same whoever computes it: the live data continues the history with no counter reset.

Counters are closed-form integrals of a rate with daily and weekly seasonality (sums of sines
integrate to cosines), so the increase over any window is known exactly (tests assert it). During
an incident (demo.incidents) the affected service's 5xx counters and latency rise: the extra is the
integral of the base rate over the overlap, times (factor - 1). Noise is deterministic per series
and minute; on counters it is bounded below the increase of 5 s, so they never decrease.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache

import numpy as np

from demo.catalog import (
    AUTH_SOURCES,
    CONTAINERS,
    DB_QUERIES,
    FEATURES,
    JOBS,
    MIGRATION_COMPONENTS,
    REGION_WEIGHTS,
    SERVICES,
    TLS_CERTIFICATES,
)
from demo.incidents import Incident, incidents_between

# Bump when a series' labels or shape change, or the history gains series (4: 15-s recent tier,
# ALERTS; 5: the order queue by region; 6: 5xx shares per service, no budget gauge): `make run`
# then rebuilds its Prometheus history.
MODEL_VERSION = 6
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
DAY, WEEK = 86_400, 604_800
OMEGA_DAY, OMEGA_WEEK = 2 * math.pi / DAY, 2 * math.pi / WEEK
# Traffic peaks mid-afternoon UTC and on Tuesdays; the phase shifts the sine's peak there.
PHASE_DAY = -2 * math.pi * (15 / 24) + math.pi / 2
PHASE_WEEK = -2 * math.pi * (5 / 7) + math.pi / 2
NOISE_SCRAPE = 5.0

HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
DB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]
NON_ERROR_SHARES = {"304": 0.05, "404": 0.035}  # 200 takes the rest, 5xx the service's errors


def status_shares(errors: float) -> dict[str, float]:
    """The share of a service's requests by status code, `errors` of them 5xx (two 500s to one
    503)."""
    return {"200": 1 - sum(NON_ERROR_SHARES.values()) - errors, **NON_ERROR_SHARES,
            "500": errors * 2 / 3, "503": errors / 3}  # fmt: skip


TOTAL_RPS = 120.0


@dataclass(frozen=True)
class Series:
    """One time series: its name, labels and the parameters of its shape."""

    name: str
    kind: str  # counter | gauge
    labels: tuple[tuple[str, str], ...]
    base: float  # counter: rate per second; gauge: level
    daily: float = 0.3  # amplitude of the daily wave, relative to base
    weekly: float = 0.1
    noise: float = 0.02  # gauges: relative noise; counters: fraction of a 5 s increase
    # Incidents of this service scale the series' rate (counters) or level (gauges) by
    # incident.<factor>, where factor is "error_factor" or "latency_factor".
    incident_service: str | None = None
    incident_factor: str | None = None
    # For histogram buckets: probability of a sample <= le, normally and during an incident.
    share_during_incident: float | None = None
    base_share: float | None = None
    special: str | None = None  # a shape that is not a wave: up, tls, disk

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def key(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.labels)
        return f"{self.name}{{{inner}}}"


@dataclass
class Family:
    name: str
    kind: str  # counter | gauge | histogram
    help: str
    series: list[Series] = field(default_factory=list)


def _wave(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.sin(OMEGA_DAY * t + PHASE_DAY), np.sin(OMEGA_WEEK * t + PHASE_WEEK)


def _integral(s: Series, t: np.ndarray) -> np.ndarray:
    """Closed-form integral from ORIGIN to t of base * (1 + daily*sin_d + weekly*sin_w)."""
    tau = t - ORIGIN
    day = (np.cos(PHASE_DAY + OMEGA_DAY * ORIGIN) - np.cos(OMEGA_DAY * t + PHASE_DAY)) / OMEGA_DAY
    week = (
        np.cos(PHASE_WEEK + OMEGA_WEEK * ORIGIN) - np.cos(OMEGA_WEEK * t + PHASE_WEEK)
    ) / OMEGA_WEEK
    return s.base * (tau + s.daily * day + s.weekly * week)


def _hash_unit(key: str, minutes: np.ndarray) -> np.ndarray:
    """Deterministic noise in [0, 1) per series and minute (a cheap integer hash, vectorised)."""
    seed = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "little")
    x = (minutes.astype(np.uint64) * np.uint64(2654435761) + np.uint64(seed)) & np.uint64(
        0xFFFFFFFF
    )
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x45D9F3B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    return x.astype(np.float64) / 2**32


@cache
def _incidents(service: str) -> tuple[Incident, ...]:
    start = datetime.fromtimestamp(ORIGIN, UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    return tuple(i for i in _all_incidents(start, end) if i.service == service)


@cache
def _all_incidents(start: datetime, end: datetime) -> tuple[Incident, ...]:
    # Up to a year ahead of now is enough for any demo that runs; computed once per process.
    horizon = min(end, datetime.fromtimestamp(datetime.now(UTC).timestamp() + 365 * DAY, UTC))
    return tuple(incidents_between(start, horizon))


def _incidents_until(s: Series, t: np.ndarray):
    """(incident, start, end) of the series' service, for incidents starting by the last t."""
    for incident in _incidents(s.incident_service) if s.incident_service else ():
        begin, end = incident.started_at.timestamp(), incident.ended_at.timestamp()
        if begin > t[-1]:
            return
        yield incident, begin, end


def _incident_extra(s: Series, t: np.ndarray) -> np.ndarray:
    """The counter's extra increase from incidents that started before t."""
    extra = np.zeros_like(t)
    for incident, begin, end in _incidents_until(s, t):
        if s.share_during_incident is not None:
            # A histogram bucket: the share of requests under `le` changes while it lasts.
            factor = s.share_during_incident / s.base_share if s.base_share else 0.0
        else:
            factor = getattr(incident, s.incident_factor)
        clipped = np.clip(t, begin, end)
        extra += (factor - 1) * (_integral(s, clipped) - _integral(s, np.full_like(t, begin)))
    return extra


def _active_factor(s: Series, t: np.ndarray) -> np.ndarray:
    factor = np.ones_like(t)
    for incident, begin, end in _incidents_until(s, t):
        factor = np.where((t >= begin) & (t < end), getattr(incident, s.incident_factor), factor)
    return factor


def sample(s: Series, t: np.ndarray) -> np.ndarray:
    """Values of one series at the (ascending) unix times `t`."""
    t = np.asarray(t, dtype=np.float64)
    minutes = np.floor(t / 60)
    if s.special:
        return _special(s, t, minutes)
    if s.kind == "counter":
        smooth = _integral(s, t) + _incident_extra(s, t)
        floor = s.base * NOISE_SCRAPE * (1 - s.daily - s.weekly)
        return smooth + s.noise * floor * _hash_unit(s.key, minutes)
    day, week = _wave(t)
    level = s.base * (1 + s.daily * day + s.weekly * week) * _active_factor(s, t)
    noise = 1 + s.noise * (2 * _hash_unit(s.key, minutes) - 1)
    return level * noise


def _special(s: Series, t: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    seconds_of_day = np.mod(t, DAY)
    if s.special == "up":
        # The redis job goes down for 20 minutes every night at 02:00 UTC (a maintenance job);
        # search for 10 minutes at 03:00 on weekends.
        job = s.label_dict["job"]
        down = np.zeros_like(t, dtype=bool)
        if job == "redis":
            down = (seconds_of_day >= 2 * 3600) & (seconds_of_day < 2 * 3600 + 1200)
        elif job == "search":
            weekday = np.floor((t / DAY + 3) % 7)  # 0 = Monday
            down = (weekday >= 5) & (seconds_of_day >= 3 * 3600) & (seconds_of_day < 3 * 3600 + 600)
        return np.where(down, 0.0, 1.0)
    if s.special == "tls":
        # Certificates are renewed on schedule: the days left stay near their catalogue value.
        return s.base - seconds_of_day / DAY
    if s.special == "session_peak":
        day, week = _wave(t)
        growth = 1 + 0.25 * (t - ORIGIN) / (365 * DAY)
        return np.round(s.base * growth * (1 + s.daily * day + s.weekly * week))
    raise ValueError(f"unknown special series {s.special}")


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _bucket_shares(median: float, sigma: float, buckets: list[float]) -> list[float]:
    return [_normal_cdf((math.log(le) - math.log(median)) / sigma) for le in buckets] + [1.0]


def _histogram(
    fam: Family,
    labels: tuple[tuple[str, str], ...],
    rate: float,
    median: float,
    buckets: list[float],
    service: str | None,
    latency_factor: float = 4.0,
) -> list[Family]:
    """Buckets, _sum and _count of a lognormal latency; slower during the service's incidents."""
    sigma = 0.6
    normal = _bucket_shares(median, sigma, buckets)
    # Incidents slow requests by their latency factor; the bucket shares during one are computed
    # for a typical factor so the series stay closed-form.
    slow = _bucket_shares(median * latency_factor, sigma, buckets)
    count_name, sum_name = f"{fam.name}_count", f"{fam.name}_sum"
    for le, share, slow_share in zip([*buckets, math.inf], normal, slow, strict=True):
        le_text = "+Inf" if le == math.inf else repr(le)
        s = Series(
            f"{fam.name}_bucket", "counter", (*labels, ("le", le_text)), rate * share,
            noise=0.0, incident_service=service, share_during_incident=slow_share,
            base_share=share,
        )  # fmt: skip
        fam.series.append(s)
    mean = median * math.exp(sigma**2 / 2)
    fam.series.append(Series(count_name, "counter", labels, rate, noise=0.0))
    fam.series.append(
        Series(
            sum_name, "counter", labels, rate * mean, noise=0.0, incident_service=service,
            incident_factor="latency_factor",
        )
    )  # fmt: skip
    return [fam]


def families() -> list[Family]:
    """Every metric family of the demo world, with its series."""
    fams: list[Family] = []

    def add(name: str, kind: str, help_: str) -> Family:
        fam = Family(name, kind, help_)
        fams.append(fam)
        return fam

    up = add("up", "gauge", "Whether the demo world's scrape targets are up (1) or down (0).")
    for job in JOBS:
        instance = f"{job}-1:8080"
        up.series.append(
            Series("up", "gauge", (("instance", instance), ("job", job)), 1.0, special="up")
        )

    http = add("http_requests_total", "counter", "HTTP requests by service, route and status.")
    latency = add("http_request_duration_seconds", "histogram", "HTTP request latency.")
    medians = {"api": 0.045, "web": 0.08, "checkout": 0.12, "payments": 0.2, "auth": 0.03,
               "search": 0.06, "audio-enhancer": 0.9}  # fmt: skip
    for service, info in SERVICES.items():
        routes = info["routes"]
        service_rps = TOTAL_RPS * info["share"]
        for route in routes:
            method = "POST" if any(w in route for w in ("charge", "confirm", "enhance", "login",
                                                        "token", "refund")) else "GET"  # fmt: skip
            for status, share in status_shares(info["errors"]).items():
                labels = (("method", method), ("route", route), ("service", service),
                          ("status_code", status))  # fmt: skip
                is_error = status.startswith("5")
                http.series.append(
                    Series(
                        "http_requests_total", "counter", labels,
                        service_rps / len(routes) * share, noise=0.3,
                        incident_service=service if is_error else None,
                        incident_factor="error_factor" if is_error else None,
                    )
                )  # fmt: skip
        _histogram(latency, (("service", service),), service_rps, medians[service],
                   HTTP_BUCKETS, service)  # fmt: skip

    cpu = add("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.")
    mem_total = add("node_memory_MemTotal_bytes", "gauge", "Memory size in bytes.")
    mem_avail = add("node_memory_MemAvailable_bytes", "gauge", "Available memory in bytes.")
    disk_r = add("node_disk_read_bytes_total", "counter", "Bytes read from disk.")
    disk_w = add("node_disk_written_bytes_total", "counter", "Bytes written to disk.")
    net_rx = add("node_network_receive_bytes_total", "counter", "Bytes received.")
    net_tx = add("node_network_transmit_bytes_total", "counter", "Bytes transmitted.")
    fs_size = add("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.")
    fs_avail = add("node_filesystem_avail_bytes", "gauge", "Filesystem space available.")
    for n, load in enumerate([0.35, 0.55, 0.2], start=1):
        inst = (("instance", f"demo-node-{n}:9100"), ("job", "demo-node"))
        for core in ("0", "1"):
            modes = {"user": load * 0.7, "system": load * 0.2, "iowait": load * 0.1}
            for mode, rate in modes.items():
                cpu.series.append(
                    Series(cpu.name, "counter", (("cpu", core), *inst, ("mode", mode)), rate)
                )
            cpu.series.append(
                Series(cpu.name, "counter", (("cpu", core), *inst, ("mode", "idle")), 1 - load,
                       daily=-0.3 * load / (1 - load), weekly=-0.1 * load / (1 - load))
            )  # fmt: skip
        total = 16 * 2**30
        mem_total.series.append(Series(mem_total.name, "gauge", inst, total, daily=0, weekly=0,
                                       noise=0))  # fmt: skip
        mem_avail.series.append(Series(mem_avail.name, "gauge", inst, total * (1 - load), 0.15))
        dev = (("device", "sda"), *inst)
        disk_r.series.append(Series(disk_r.name, "counter", dev, 4e6 * load))
        disk_w.series.append(Series(disk_w.name, "counter", dev, 9e6 * load))
        eth = (("device", "eth0"), *inst)
        net_rx.series.append(Series(net_rx.name, "counter", eth, 2.5e6 * load))
        net_tx.series.append(Series(net_tx.name, "counter", eth, 1.8e6 * load))
        mount = (*inst, ("mountpoint", "/"))
        size = 200 * 2**30
        fs_size.series.append(Series(fs_size.name, "gauge", mount, size, 0, 0, 0))
        # demo-node-3's disk is nearly full: the DiskSpaceLow alert fires on it.
        free = 0.08 if n == 3 else 0.45
        fs_avail.series.append(Series(fs_avail.name, "gauge", mount, size * free, 0.02, 0, 0.01))

    c_cpu = add("container_cpu_usage_seconds_total", "counter", "CPU seconds used by container.")
    c_mem = add("container_memory_working_set_bytes", "gauge", "Container working set memory.")
    c_lim = add("container_spec_memory_limit_bytes", "gauge", "Container memory limit.")
    c_quota = add("container_spec_cpu_quota", "gauge", "Container CPU quota (microseconds/100ms).")
    c_rx = add("container_network_receive_bytes_total", "counter", "Container bytes received.")
    c_tx = add("container_network_transmit_bytes_total", "counter", "Container bytes sent.")
    c_fr = add("container_fs_reads_bytes_total", "counter", "Container filesystem bytes read.")
    c_fw = add("container_fs_writes_bytes_total", "counter", "Container filesystem bytes written.")
    for i, name in enumerate(CONTAINERS):
        labels = (("name", name),)
        cores = 0.2 + 0.15 * (i % 4)
        limit = 2**30 * (1 + i % 3)
        # audio-enhancer-1 runs close to its memory limit: ContainerMemoryNearLimit fires.
        used = 0.93 if name == "audio-enhancer-1" else 0.35 + 0.05 * (i % 5)
        c_cpu.series.append(Series(c_cpu.name, "counter", labels, cores))
        c_mem.series.append(Series(c_mem.name, "gauge", labels, limit * used, 0.02, 0.0, 0.01))
        c_lim.series.append(Series(c_lim.name, "gauge", labels, limit, 0, 0, 0))
        c_quota.series.append(Series(c_quota.name, "gauge", labels, 100_000.0, 0, 0, 0))
        c_rx.series.append(Series(c_rx.name, "counter", labels, 4e5 * (1 + i % 3)))
        c_tx.series.append(Series(c_tx.name, "counter", labels, 3e5 * (1 + i % 3)))
        c_fr.series.append(Series(c_fr.name, "counter", labels, 1e5 * (1 + i % 2)))
        c_fw.series.append(Series(c_fw.name, "counter", labels, 2e5 * (1 + i % 2)))

    db = add("db_query_duration_seconds", "histogram", "Database query latency by query.")
    for i, query in enumerate(DB_QUERIES):
        _histogram(db, (("query", query),), 20.0 / (i + 1), 0.004 * (i + 1), DB_BUCKETS, None)
    pool_used = add("db_connections_in_use", "gauge", "Connections checked out of the pool.")
    pool_used.series.append(Series(pool_used.name, "gauge", (), 38.0, 0.35, 0.1, 0.1))
    pool_max = add("db_connections_max", "gauge", "Size of the connection pool.")
    pool_max.series.append(Series(pool_max.name, "gauge", (), 100.0, 0, 0, 0))
    locks = add("db_lock_waits_total", "counter", "Lock waits.")
    locks.series.append(Series(locks.name, "counter", (), 0.8, 0.4))
    deadlocks = add("db_deadlocks_total", "counter", "Deadlocks.")
    deadlocks.series.append(Series(deadlocks.name, "counter", (), 0.002, 0.2))

    hits = add("cache_hits_total", "counter", "Application cache hits.")
    misses = add("cache_misses_total", "counter", "Application cache misses.")
    for name, rate, ratio in (("sessions", 300.0, 0.97), ("products", 180.0, 0.9),
                              ("search", 90.0, 0.72)):  # fmt: skip
        hits.series.append(Series(hits.name, "counter", (("cache", name),), rate * ratio))
        misses.series.append(Series(misses.name, "counter", (("cache", name),), rate * (1 - ratio)))

    auth = add("auth_attempts_total", "counter", "Login attempts by outcome and source address.")
    for i, source in enumerate(AUTH_SOURCES):
        # 203.0.113.42 is a credential-stuffing source: mostly failures.
        fail_share = 0.85 if source == "203.0.113.42" else 0.04
        rate = 2.0 / (i + 1)
        auth.series.append(Series(auth.name, "counter", (("source", source), ("status", "failure")),
                                  rate * fail_share, noise=0.3))  # fmt: skip
        auth.series.append(Series(auth.name, "counter", (("source", source), ("status", "success")),
                                  rate * (1 - fail_share), noise=0.3))  # fmt: skip

    gc = add("runtime_gc_pause_seconds_total", "counter", "Time the runtime spent in GC pauses.")
    heap = add("runtime_heap_bytes", "gauge", "Heap memory in use.")
    for i, service in enumerate(SERVICES):
        gc.series.append(
            Series(
                gc.name,
                "counter",
                (("service", service),),
                0.004 + 0.002 * i,
                0.4,
                0.1,
                0.3,
                service,
                "latency_factor",
            )
        )
        heap.series.append(
            Series(
                heap.name, "gauge", (("service", service),), 2**28 * (1 + i % 3), 0.2, 0.05, 0.03
            )
        )
    queue = add("order_queue_depth", "gauge", "Orders waiting to be processed, by region.")
    for region, share in REGION_WEIGHTS.items():
        queue.series.append(Series(queue.name, "gauge", (("region", region),), 180.0 * share,
                                   0.6, 0.15, 0.12, "checkout", "error_factor"))  # fmt: skip

    limited = add("rate_limit_hits_total", "counter", "Requests refused by the rate limiter.")
    for service, info in SERVICES.items():
        limited.series.append(Series(limited.name, "counter", (("service", service),),
                                     TOTAL_RPS * info["share"] * 0.004, noise=0.3))  # fmt: skip

    tls = add("tls_certificate_expiry_days", "gauge", "Days until the TLS certificate expires.")
    for host, days in TLS_CERTIFICATES.items():
        tls.series.append(Series(tls.name, "gauge", (("host", host),), float(days), special="tls"))

    sessions = add("active_user_sessions", "gauge", "Users with an active session.")
    sessions.series.append(Series(sessions.name, "gauge", (), 1800.0, 0.45, 0.12,
                                  special="session_peak"))  # fmt: skip

    usage = add("feature_usage_total", "counter", "Uses of each product feature.")
    for i, feature in enumerate(FEATURES):
        usage.series.append(Series(usage.name, "counter", (("feature", feature),),
                                   6.0 / (1 + i * 0.6), 0.5, 0.15, 0.3))  # fmt: skip

    ops = add("migration_operations_total", "counter", "Records migrated, by component and step.")
    errors = add("migration_errors_total", "counter", "Migration errors by component.")
    for i, component in enumerate(MIGRATION_COMPONENTS):
        for op, rate in (("copy", 40.0), ("verify", 25.0), ("backfill", 8.0)):
            labels = (("component", component), ("operation", op))
            ops.series.append(Series(ops.name, "counter", labels, rate / (1 + i * 0.3), 0.1, 0.0))
        errors.series.append(Series(errors.name, "counter", (("component", component),),
                                    0.02 * (1 + i % 3), 0.1, 0.0, 0.3))  # fmt: skip

    quality = add("audio_quality_score", "gauge", "Mean quality score (0-100) of enhanced audio.")
    cost = add("audio_processing_cost_dollars_total", "counter", "Processing cost in dollars.")
    for model, score, dollars in (("denoise-v2", 82.0, 0.004), ("denoise-v3", 88.0, 0.007),
                                  ("studio-xl", 93.0, 0.02)):  # fmt: skip
        quality.series.append(Series(quality.name, "gauge", (("model", model),), score, 0.02,
                                     0.0, 0.02))  # fmt: skip
        cost.series.append(Series(cost.name, "counter", (("model", model),), dollars, 0.4))

    # The objectives; what is left of each budget is measured from the requests (the SLA board).
    target = add("slo_target_ratio", "gauge", "Availability objective of the service.")
    for i, service in enumerate(SERVICES):
        target.series.append(Series(target.name, "gauge", (("service", service),),
                                    0.999 if i < 4 else 0.995, 0, 0, 0))  # fmt: skip
    for fam in fams:
        fam.series = [_with_exporter_labels(s) for s in fam.series]
    return fams


# Series without their own job carry the labels the live exporter's scrape would give them, so
# the backfilled history and the live samples are one series (the scrape uses honor_labels).
EXPORTER_LABELS = (("instance", "demo-exporter"), ("job", "demo"))


def _with_exporter_labels(s: Series) -> Series:
    if any(k == "job" for k, _ in s.labels):
        return s
    return replace(s, labels=tuple(sorted((*s.labels, *EXPORTER_LABELS))))


@cache
def all_series() -> tuple[Series, ...]:
    return tuple(s for fam in families() for s in fam.series)
