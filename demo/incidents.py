"""Incidents of the demo world, a pure function of the calendar day.

Each UTC day decides by itself (a generator seeded with the day number) whether an incident starts
that day, so the warehouse's `incidents` table, the Prometheus history and the live exporter agree
on every incident whatever window each of them covers and whenever each was built.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from demo.catalog import SEED, SERVICES

SEVERITIES = ["critical", "major", "minor"]
DAY = 86_400


@dataclass(frozen=True)
class Incident:
    id: int
    service: str
    severity: str
    title: str
    started_at: datetime
    ended_at: datetime
    # Multiplier applied to the service's error ratio and latency while the incident lasts.
    error_factor: float
    latency_factor: float
    revenue_impact: float

    def active(self, ts: float) -> bool:
        return self.started_at.timestamp() <= ts < self.ended_at.timestamp()


def _incident_of_day(day: int) -> Incident | None:
    rng = random.Random(SEED * 1_000_003 + day)
    if rng.random() >= 0.35:
        return None
    service = rng.choice(sorted(SERVICES))
    severity = rng.choices(SEVERITIES, weights=[2, 3, 5])[0]
    start = datetime.fromtimestamp(day * DAY, UTC) + timedelta(minutes=rng.randrange(0, 23 * 60))
    minutes = {"critical": rng.randint(30, 120), "major": rng.randint(20, 75)}.get(
        severity, rng.randint(10, 40)
    )
    strength = {"critical": 12.0, "major": 6.0, "minor": 3.0}[severity]
    cause = rng.choice(["database failover", "bad deploy", "upstream timeout", "memory leak"])
    return Incident(
        id=day,
        service=service,
        severity=severity,
        title=f"{service}: {cause}",
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        error_factor=strength,
        latency_factor=1.0 + strength / 4,
        revenue_impact=round(minutes * strength * rng.uniform(40, 90), 2),
    )


def incidents_between(start: datetime, end: datetime) -> list[Incident]:
    """Every incident that overlaps [start, end), oldest first."""
    first = int(start.timestamp() // DAY) - 1
    last = int(end.timestamp() // DAY)
    found = (_incident_of_day(day) for day in range(first, last + 1))
    return [i for i in found if i and i.ended_at > start and i.started_at < end]


def active_incident(service: str, ts: float) -> Incident | None:
    """The incident hurting `service` at unix time `ts`, if any."""
    day = int(ts // DAY)
    for d in (day - 1, day):
        incident = _incident_of_day(d)
        if incident and incident.service == service and incident.active(ts):
            return incident
    return None
