"""The demo world's Prometheus series as pure functions of absolute time (unix seconds).

The 14-day backfill and the live exporter both call `sample(series, t)`, so a counter's value at t
is the same whoever computes it: the live data continues the history with no counter reset.

Counters are closed-form integrals of a rate with daily and weekly seasonality (sums of sines
integrate to cosines), so the increase over any window is known exactly (tests assert it). During
an incident (demo.incidents) the affected service's 5xx counters and latency rise: the extra is the
integral of the base rate over the overlap, times (factor - 1). Noise is deterministic per series
and minute; on counters it is bounded below the increase of 5 s, so they never decrease.

Latency rises with the traffic (under load a share of requests queue: a slower mode whose share
has a wave of its own, so P95 peaks in the afternoon), and now and then a service slows down
with no incident filed (`slowdowns_between`): what an expected band is for. demo-node-3's disk
fills with logs until they are rotated: what a capacity forecast is for.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np

from demo.catalog import (
    AUDIO_JOBS_PER_HOUR,
    AUDIO_MODELS,
    AUDIO_SECONDS,
    AUTH_SOURCES,
    CONTAINERS,
    DB_QUERIES,
    FEATURES,
    JOBS,
    MIGRATION_COMPONENTS,
    REGION_WEIGHTS,
    SEED,
    SERVICE_CALLS,
    SERVICE_TEAMS,
    SERVICES,
    TLS_CERTIFICATES,
)
from demo.incidents import Incident, incidents_between

# Bump when a series' labels or shape change, or the history gains series (4: 15-s recent tier,
# ALERTS; 5: the order queue by region; 6: 5xx shares per service, no budget gauge; 7: latency by
# route, calls between services, pool states, service owners, the audio cost of the warehouse's
# jobs; 8: latency with the load, slowdowns, a filling disk): `make run` then rebuilds its
# Prometheus history.
MODEL_VERSION = 8
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
DAY, WEEK = 86_400, 604_800
OMEGA_DAY, OMEGA_WEEK = 2 * math.pi / DAY, 2 * math.pi / WEEK
# Traffic peaks mid-afternoon UTC and on Tuesdays; the phase shifts the sine's peak there.
PHASE_DAY = -2 * math.pi * (15 / 24) + math.pi / 2
PHASE_WEEK = -2 * math.pi * (5 / 7) + math.pi / 2
NOISE_SCRAPE = 5.0

# Under load requests queue behind each other: a share of them (BUSY_SHARE at the daily mean)
# take BUSY_FACTOR times as long, a share with its own, stronger daily and weekly wave (few at
# night) and RIPPLES: faster waves, their periods no divisor of a day, their phases the
# service's own, that make it wander from one hour to the next as a real one does. A mixture of
# two lognormals whose weights are waves keeps every bucket a closed-form wave: P95 rises and
# falls with the traffic, and never sits still.
BUSY_SHARE, BUSY_FACTOR, BUSY_DAILY, BUSY_WEEKLY = 0.06, 4.0, 0.5, 0.1
RIPPLES = ((0.12, 47 * 60), (0.1, 73 * 60), (0.08, 131 * 60))  # (amplitude, period in s)
# A slowdown nobody filed (a slow dependency, a noisy neighbour): on about one day in four a
# service's requests take SLOWDOWN_FACTOR times as long for 20 to 45 minutes, without errors.
SLOWDOWN_CHANCE, SLOWDOWN_FACTOR = 0.25, 4.0
# demo-node-3's disk: logs fill it by DISK_FILL of its size a day, from DISK_FREE_AFTER free
# just after they are rotated (every DISK_CYCLE days) down to the last few percent.
DISK_FILL, DISK_FREE_AFTER, DISK_CYCLE = 0.004, 0.14, 30

HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
DB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]
NON_ERROR_SHARES = {"304": 0.05, "404": 0.035}  # 200 takes the rest, 5xx the service's errors


def status_shares(errors: float) -> dict[str, float]:
    """The share of a service's requests by status code, `errors` of them 5xx (two 500s to one
    503)."""
    return {"200": 1 - sum(NON_ERROR_SHARES.values()) - errors, **NON_ERROR_SHARES,
            "500": errors * 2 / 3, "503": errors / 3}  # fmt: skip


TOTAL_RPS = 120.0
# The database pool: connections the application wants at the daily mean (more at peaks, and
# while a checkout incident holds each one longer), the pool's size, and the idle connections it
# keeps open when it can.
POOL_DEMAND, POOL_SIZE, POOL_MIN_IDLE = 36.0, 60.0, 8.0


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
    special: str | None = None  # a shape that is not a wave: up, tls, pool, fill...
    slowdowns: bool = False  # latency: the service's slowdowns scale it like its incidents
    ripple: float = 0.0  # how strong RIPPLES are, relative to base
    ripple_phase: float = 0.0  # radians: the RIPPLES' phase (the k-th's times k + 1)

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
    """Closed-form integral from ORIGIN to t of base * (1 + daily*sin_d + weekly*sin_w +
    ripple * the RIPPLES)."""
    tau = t - ORIGIN
    day = (np.cos(PHASE_DAY + OMEGA_DAY * ORIGIN) - np.cos(OMEGA_DAY * t + PHASE_DAY)) / OMEGA_DAY
    week = (
        np.cos(PHASE_WEEK + OMEGA_WEEK * ORIGIN) - np.cos(OMEGA_WEEK * t + PHASE_WEEK)
    ) / OMEGA_WEEK
    total = tau + s.daily * day + s.weekly * week
    for k, (amplitude, period) in enumerate(RIPPLES if s.ripple else ()):
        omega, phase = 2 * math.pi / period, s.ripple_phase * (k + 1)
        total = (
            total
            + s.ripple
            * amplitude
            * (np.cos(phase + omega * ORIGIN) - np.cos(omega * t + phase))
            / omega
        )
    return s.base * total


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


def _slowdown_of_day(day: int) -> Incident | None:
    rng = random.Random(SEED * 7_919 + day)
    if rng.random() >= SLOWDOWN_CHANCE:
        return None
    service = rng.choice(sorted(SERVICES))
    start = datetime.fromtimestamp(day * DAY, UTC) + timedelta(minutes=rng.randrange(0, 23 * 60))
    end = start + timedelta(minutes=rng.randint(20, 45))
    slowdown = Incident(-day, service, "none", f"{service}: slowdown", start, end, 1.0,
                        SLOWDOWN_FACTOR, 0.0)  # fmt: skip
    filed = incidents_between(start - timedelta(hours=1), end + timedelta(hours=1))
    # One at a time: a slowdown during an incident of its service would scale it twice.
    return None if any(i.service == service for i in filed) else slowdown


def slowdowns_between(start: datetime, end: datetime) -> list[Incident]:
    """Every slowdown that overlaps [start, end), oldest first: like an incident of its service
    for its latency (SLOWDOWN_FACTOR), with no errors and in no table."""
    days = range(int(start.timestamp() // DAY) - 1, int(end.timestamp() // DAY) + 1)
    found = (_slowdown_of_day(day) for day in days)
    return [s for s in found if s and s.ended_at > start and s.started_at < end]


@cache
def _slowdowns(service: str) -> tuple[Incident, ...]:
    start = datetime.fromtimestamp(ORIGIN, UTC)
    horizon = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 365 * DAY, UTC)
    return tuple(s for s in slowdowns_between(start, horizon) if s.service == service)


def _events(s: Series) -> tuple[Incident, ...]:
    """What scales the series: its service's incidents, and for latency its slowdowns, by
    start."""
    if not s.incident_service:
        return ()
    found = _incidents(s.incident_service)
    if s.slowdowns:
        found = tuple(sorted(found + _slowdowns(s.incident_service), key=lambda i: i.started_at))
    return found


def _incidents_until(s: Series, t: np.ndarray):
    """(incident, start, end) of the series' service, for incidents starting by the last t."""
    for incident in _events(s):
        begin, end = incident.started_at.timestamp(), incident.ended_at.timestamp()
        if begin > t[-1]:
            return
        yield incident, begin, end


def _incident_extra(s: Series, t: np.ndarray) -> np.ndarray:
    """The counter's extra increase from incidents that started before t. An incident over
    before the first t adds one number to every t (long histories of incidents stay cheap),
    summed in the same order as the rest, so a sample is the same to the last bit whatever
    times it is computed with (the backfill's span, the exporter's now)."""
    extra = 0.0
    for incident, begin, end in _incidents_until(s, t):
        if s.share_during_incident is not None:
            # A histogram bucket: the share of requests under `le` changes while it lasts.
            factor = s.share_during_incident / s.base_share if s.base_share else 0.0
        else:
            factor = getattr(incident, s.incident_factor)
        clipped = np.clip(t, begin, end) if end > t[0] else np.array(end)
        extra = extra + (factor - 1) * (_integral(s, clipped) - _integral(s, np.array(begin)))
    return np.zeros_like(t) + extra


def _active_factor(s: Series, t: np.ndarray) -> np.ndarray:
    factor = np.ones_like(t)
    for incident, begin, end in _incidents_until(s, t):
        if end > t[0]:  # one over before the first t changes nothing
            during = (t >= begin) & (t < end)
            factor = np.where(during, getattr(incident, s.incident_factor), factor)
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
    if s.special == "pool":
        return _pool(s, t, minutes)
    if s.special == "fill":
        days = np.mod((t - ORIGIN) / DAY, DISK_CYCLE)
        day, _week = _wave(t)
        free = DISK_FREE_AFTER - DISK_FILL * days - 0.002 * day
        return s.base * free * (1 + s.noise * (2 * _hash_unit(s.key, minutes) - 1))
    if s.special == "session_peak":
        day, week = _wave(t)
        growth = 1 + 0.25 * (t - ORIGIN) / (365 * DAY)
        return np.round(s.base * growth * (1 + s.daily * day + s.weekly * week))
    raise ValueError(f"unknown special series {s.special}")


def _pool(s: Series, t: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """The pool's state from one demand (the same noise for every state, so they add up): active
    connections up to the pool's size, idle ones while there is room, clients waiting beyond it."""
    day, week = _wave(t)
    noise = 1 + s.noise * (2 * _hash_unit("db_pool", minutes) - 1)
    demand = np.round(s.base * (1 + s.daily * day + s.weekly * week) * _active_factor(s, t) * noise)
    if s.name == "db_pool_waiting_clients":
        return np.maximum(demand - POOL_SIZE, 0.0)
    if s.label_dict["state"] == "active":
        return np.minimum(demand, POOL_SIZE)
    return np.clip(POOL_SIZE - demand, 0.0, POOL_MIN_IDLE)


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
    """Buckets, _sum and _count of a lognormal latency, slower under load (BUSY_*), during the
    service's incidents and, for HTTP (`service` given), its slowdowns."""
    sigma = 0.6
    normal = _bucket_shares(median, sigma, buckets)
    busy = _bucket_shares(median * BUSY_FACTOR, sigma, buckets)
    phase = 2 * math.pi * _hash_unit(f"ripple:{service or labels}", np.zeros(1))[0]
    # Incidents slow requests by their latency factor; the bucket shares during one are computed
    # for a typical factor so the series stay closed-form.
    slow = _bucket_shares(median * latency_factor, sigma, buckets)
    count_name, sum_name = f"{fam.name}_count", f"{fam.name}_sum"
    for le, share, busy_share, slow_share in zip([*buckets, math.inf], normal, busy, slow,
                                                 strict=True):  # fmt: skip
        le_text = "+Inf" if le == math.inf else repr(le)
        base, daily, weekly, ripple = _mixed(share, busy_share)
        s = Series(
            f"{fam.name}_bucket", "counter", (*labels, ("le", le_text)), rate * base, daily,
            weekly, noise=0.0, incident_service=service, share_during_incident=slow_share,
            base_share=base, slowdowns=service is not None, ripple=ripple, ripple_phase=phase,
        )  # fmt: skip
        fam.series.append(s)
    mean = median * math.exp(sigma**2 / 2)
    fam.series.append(Series(count_name, "counter", labels, rate, noise=0.0))
    base, daily, weekly, ripple = _mixed(mean, mean * BUSY_FACTOR)
    fam.series.append(
        Series(
            sum_name, "counter", labels, rate * base, daily, weekly, noise=0.0,
            incident_service=service, incident_factor="latency_factor",
            slowdowns=service is not None, ripple=ripple, ripple_phase=phase,
        )
    )  # fmt: skip
    return [fam]


def _mixed(normal: float, busy: float) -> tuple[float, float, float, float]:
    """(base, daily, weekly, ripple) of a request rate's part (a bucket's share of it, or its
    mean latency) that is `normal` for most requests and `busy` for the busy share: the sum of
    the two parts' waves, one wave again (the busy part's ripples its own)."""
    base = normal + (busy - normal) * BUSY_SHARE
    if base <= 0:
        return 0.0, 0.3, 0.1, 0.0
    daily = (0.3 * normal + (busy - normal) * BUSY_SHARE * BUSY_DAILY) / base
    weekly = (0.1 * normal + (busy - normal) * BUSY_SHARE * BUSY_WEEKLY) / base
    return base, daily, weekly, (busy - normal) * BUSY_SHARE / base


# Every metric family of the demo world: its kind and help text.
FAMILIES: dict[str, tuple[str, str]] = {
    "up": ("gauge", "Whether the demo world's scrape targets are up (1) or down (0)."),
    "http_requests_total": ("counter", "HTTP requests by service, route and status."),
    "http_request_duration_seconds": ("histogram", "HTTP request latency by service and route."),
    "service_calls_total": ("counter", "Requests a service received, by the caller that sent "
                            "them (clients: from outside)."),
    "service_owner_info": ("gauge", "The team that owns a service (always 1)."),
    "node_cpu_seconds_total": ("counter", "Seconds the CPUs spent in each mode."),
    "node_memory_MemTotal_bytes": ("gauge", "Memory size in bytes."),
    "node_memory_MemAvailable_bytes": ("gauge", "Available memory in bytes."),
    "node_disk_read_bytes_total": ("counter", "Bytes read from disk."),
    "node_disk_written_bytes_total": ("counter", "Bytes written to disk."),
    "node_network_receive_bytes_total": ("counter", "Bytes received."),
    "node_network_transmit_bytes_total": ("counter", "Bytes transmitted."),
    "node_filesystem_size_bytes": ("gauge", "Filesystem size in bytes."),
    "node_filesystem_avail_bytes": ("gauge", "Filesystem space available."),
    "container_cpu_usage_seconds_total": ("counter", "CPU seconds used by container."),
    "container_memory_working_set_bytes": ("gauge", "Container working set memory."),
    "container_spec_memory_limit_bytes": ("gauge", "Container memory limit."),
    "container_spec_cpu_quota": ("gauge", "Container CPU quota (microseconds/100ms)."),
    "container_network_receive_bytes_total": ("counter", "Container bytes received."),
    "container_network_transmit_bytes_total": ("counter", "Container bytes sent."),
    "container_fs_reads_bytes_total": ("counter", "Container filesystem bytes read."),
    "container_fs_writes_bytes_total": ("counter", "Container filesystem bytes written."),
    "db_query_duration_seconds": ("histogram", "Database query latency by query."),
    "db_pool_connections": ("gauge", "Connections of the pool: active (checked out) or idle."),
    "db_pool_waiting_clients": ("gauge", "Clients waiting for a connection of the pool."),
    "db_connections_max": ("gauge", "Size of the connection pool."),
    "db_lock_waits_total": ("counter", "Lock waits."),
    "db_deadlocks_total": ("counter", "Deadlocks."),
    "cache_hits_total": ("counter", "Application cache hits."),
    "cache_misses_total": ("counter", "Application cache misses."),
    "auth_attempts_total": ("counter", "Login attempts by outcome and source address."),
    "runtime_gc_pause_seconds_total": ("counter", "Time the runtime spent in GC pauses."),
    "runtime_heap_bytes": ("gauge", "Heap memory in use."),
    "order_queue_depth": ("gauge", "Orders waiting to be processed, by region."),
    "rate_limit_hits_total": ("counter", "Requests refused by the rate limiter."),
    "tls_certificate_expiry_days": ("gauge", "Days until the TLS certificate expires."),
    "active_user_sessions": ("gauge", "Users with an active session."),
    "feature_usage_total": ("counter", "Uses of each product feature."),
    "migration_operations_total": ("counter", "Records migrated, by component and step."),
    "migration_errors_total": ("counter", "Migration errors by component."),
    "audio_quality_score": ("gauge", "Mean quality score (0-100) of enhanced audio."),
    "audio_processing_cost_dollars_total": ("counter", "Processing cost in dollars."),
    "slo_target_ratio": ("gauge", "Availability objective of the service."),
}  # fmt: skip


class _World:
    """The families being built, each created on first use from FAMILIES."""

    def __init__(self) -> None:
        self.families: dict[str, Family] = {}

    def __getitem__(self, name: str) -> Family:
        if name not in self.families:
            kind, help_ = FAMILIES[name]
            self.families[name] = Family(name, kind, help_)
        return self.families[name]

    def add(
        self, name: str, labels: tuple[tuple[str, str], ...], base: float, *args, **kwargs
    ) -> None:
        """One series of the family `name` (its samples' name is the family's)."""
        fam = self[name]
        fam.series.append(Series(name, fam.kind, labels, base, *args, **kwargs))


def _services(world: _World) -> None:
    """Requests of each service by route and status, their latency by route, the calls between
    services (which add up to each service's requests), objectives, runtimes; each labelled
    with the team that owns the service, as a deployment's labels would."""
    for job in JOBS:
        world.add("up", (("instance", f"{job}-1:8080"), ("job", job)), 1.0, special="up")
    latency = world["http_request_duration_seconds"]
    for i, (service, info) in enumerate(SERVICES.items()):
        routes = info["routes"]
        service_rps = TOTAL_RPS * info["share"]
        owner = ("team", SERVICE_TEAMS[service])
        of_service = (("service", service), owner)
        for route, slower in routes.items():
            method = "POST" if any(w in route for w in ("charge", "confirm", "enhance", "login",
                                                        "token", "refund")) else "GET"  # fmt: skip
            for status, share in status_shares(info["errors"]).items():
                labels = (("method", method), ("route", route), ("service", service),
                          ("status_code", status), owner)  # fmt: skip
                is_error = status.startswith("5")
                world.add(
                    "http_requests_total", labels, service_rps / len(routes) * share, noise=0.3,
                    incident_service=service if is_error else None,
                    incident_factor="error_factor" if is_error else None,
                )  # fmt: skip
            _histogram(latency, (("route", route), *of_service),
                       service_rps / len(routes), info["median"] * slower, HTTP_BUCKETS,
                       service)  # fmt: skip
        for caller, share in calls_into(service).items():
            world.add("service_calls_total", (("destination", service), ("source", caller)),
                      service_rps * share, noise=0.0)  # fmt: skip
        world.add("runtime_gc_pause_seconds_total", of_service, 0.004 + 0.002 * i,
                  0.4, 0.1, 0.3, service, "latency_factor")  # fmt: skip
        world.add("runtime_heap_bytes", of_service, 2**28 * (1 + i % 3), 0.2, 0.05,
                  0.03)  # fmt: skip
        world.add("rate_limit_hits_total", of_service, service_rps * 0.004,
                  noise=0.3)  # fmt: skip
        # The objectives; what is left of each budget is measured from the requests (SLA board).
        world.add("slo_target_ratio", of_service, 0.999 if i < 4 else 0.995, 0, 0,
                  0)  # fmt: skip
    for service, team in SERVICE_TEAMS.items():
        world.add("service_owner_info", (("service", service), ("team", team)), 1.0, 0, 0, 0)


def calls_into(service: str) -> dict[str, float]:
    """Who sends `service` its requests: {caller: share of its requests}; what no service of the
    demo sends comes from clients outside."""
    callers = {source: share for source, dest, share in SERVICE_CALLS if dest == service}
    outside = 1.0 - sum(callers.values())
    return callers | ({"clients": outside} if outside > 1e-9 else {})


def _hosts(world: _World) -> None:
    for n, load in enumerate([0.35, 0.55, 0.2], start=1):
        inst = (("instance", f"demo-node-{n}:9100"), ("job", "demo-node"))
        for core in ("0", "1"):
            modes = {"user": load * 0.7, "system": load * 0.2, "iowait": load * 0.1}
            for mode, rate in modes.items():
                world.add("node_cpu_seconds_total", (("cpu", core), *inst, ("mode", mode)), rate)
            world.add("node_cpu_seconds_total", (("cpu", core), *inst, ("mode", "idle")),
                      1 - load, daily=-0.3 * load / (1 - load),
                      weekly=-0.1 * load / (1 - load))  # fmt: skip
        total = 16 * 2**30
        world.add("node_memory_MemTotal_bytes", inst, total, daily=0, weekly=0, noise=0)
        world.add("node_memory_MemAvailable_bytes", inst, total * (1 - load), 0.15)
        dev = (("device", "sda"), *inst)
        world.add("node_disk_read_bytes_total", dev, 4e6 * load)
        world.add("node_disk_written_bytes_total", dev, 9e6 * load)
        eth = (("device", "eth0"), *inst)
        world.add("node_network_receive_bytes_total", eth, 2.5e6 * load)
        world.add("node_network_transmit_bytes_total", eth, 1.8e6 * load)
        mount = (*inst, ("mountpoint", "/"))
        size = 200 * 2**30
        world.add("node_filesystem_size_bytes", mount, size, 0, 0, 0)
        if n == 3:
            # Nearly full and filling (DISK_*): the DiskSpaceLow alert fires on it all along.
            world.add("node_filesystem_avail_bytes", mount, size, 0, 0, 0.01, special="fill")
        else:
            world.add("node_filesystem_avail_bytes", mount, size * 0.45, 0.02, 0, 0.01)


def _containers(world: _World) -> None:
    for i, name in enumerate(CONTAINERS):
        labels = (("name", name),)
        cores = 0.2 + 0.15 * (i % 4)
        limit = 2**30 * (1 + i % 3)
        # audio-enhancer-1 runs close to its memory limit: ContainerMemoryNearLimit fires.
        used = 0.93 if name == "audio-enhancer-1" else 0.35 + 0.05 * (i % 5)
        world.add("container_cpu_usage_seconds_total", labels, cores)
        world.add("container_memory_working_set_bytes", labels, limit * used, 0.02, 0.0, 0.01)
        world.add("container_spec_memory_limit_bytes", labels, limit, 0, 0, 0)
        world.add("container_spec_cpu_quota", labels, 100_000.0, 0, 0, 0)
        world.add("container_network_receive_bytes_total", labels, 4e5 * (1 + i % 3))
        world.add("container_network_transmit_bytes_total", labels, 3e5 * (1 + i % 3))
        world.add("container_fs_reads_bytes_total", labels, 1e5 * (1 + i % 2))
        world.add("container_fs_writes_bytes_total", labels, 2e5 * (1 + i % 2))


def _database(world: _World) -> None:
    """Query latency, the connection pool (see _pool), locks and the application caches."""
    db = world["db_query_duration_seconds"]
    for i, query in enumerate(DB_QUERIES):
        _histogram(db, (("query", query),), 20.0 / (i + 1), 0.004 * (i + 1), DB_BUCKETS, None)
    for state in ("active", "idle"):
        world.add("db_pool_connections", (("state", state),), POOL_DEMAND, 0.35, 0.1, 0.1,
                  "checkout", "latency_factor", special="pool")  # fmt: skip
    world.add("db_pool_waiting_clients", (), POOL_DEMAND, 0.35, 0.1, 0.1, "checkout",
              "latency_factor", special="pool")  # fmt: skip
    world.add("db_connections_max", (), POOL_SIZE, 0, 0, 0)
    world.add("db_lock_waits_total", (), 0.8, 0.4)
    world.add("db_deadlocks_total", (), 0.002, 0.2)
    for name, rate, ratio in (("sessions", 300.0, 0.97), ("products", 180.0, 0.9),
                              ("search", 90.0, 0.72)):  # fmt: skip
        world.add("cache_hits_total", (("cache", name),), rate * ratio)
        world.add("cache_misses_total", (("cache", name),), rate * (1 - ratio))


def _security(world: _World) -> None:
    for i, source in enumerate(AUTH_SOURCES):
        # 203.0.113.42 is a credential-stuffing source: mostly failures.
        fail_share = 0.85 if source == "203.0.113.42" else 0.04
        rate = 2.0 / (i + 1)
        for status, share in (("failure", fail_share), ("success", 1 - fail_share)):
            world.add("auth_attempts_total", (("source", source), ("status", status)),
                      rate * share, noise=0.3)  # fmt: skip
    for host, days in TLS_CERTIFICATES.items():
        world.add("tls_certificate_expiry_days", (("host", host),), float(days), special="tls")


def _product(world: _World) -> None:
    """The shop's queue, sessions, features, the migration and the audio enhancer."""
    for region, share in REGION_WEIGHTS.items():
        world.add("order_queue_depth", (("region", region),), 180.0 * share, 0.6, 0.15, 0.12,
                  "checkout", "error_factor")  # fmt: skip
    world.add("active_user_sessions", (), 1800.0, 0.45, 0.12, special="session_peak")
    for i, feature in enumerate(FEATURES):
        world.add("feature_usage_total", (("feature", feature),), 6.0 / (1 + i * 0.6), 0.5,
                  0.15, 0.3)  # fmt: skip
    for i, component in enumerate(MIGRATION_COMPONENTS):
        for op, rate in (("copy", 40.0), ("verify", 25.0), ("backfill", 8.0)):
            world.add("migration_operations_total", (("component", component), ("operation", op)),
                      rate / (1 + i * 0.3), 0.1, 0.0)  # fmt: skip
        world.add("migration_errors_total", (("component", component),), 0.02 * (1 + i % 3),
                  0.1, 0.0, 0.3)  # fmt: skip
    # The enhancer's cost is what its jobs cost (the warehouse's audio_jobs): jobs a second of
    # the model, times a file's mean length, times its price a second of audio.
    mu, sigma = AUDIO_SECONDS
    per_job = math.exp(mu + sigma**2 / 2)
    for model, (share, score, dollars) in AUDIO_MODELS.items():
        world.add("audio_quality_score", (("model", model),), score, 0.02, 0.0, 0.02)
        world.add("audio_processing_cost_dollars_total", (("model", model),),
                  AUDIO_JOBS_PER_HOUR / 3600 * share * per_job * dollars, 0.4)  # fmt: skip


def families() -> list[Family]:
    """Every metric family of the demo world, with its series."""
    world = _World()
    for part in (_services, _hosts, _containers, _database, _security, _product):
        part(world)
    fams = list(world.families.values())
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
