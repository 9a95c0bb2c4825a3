"""Alerts from Prometheus's rules, and their acknowledgements in the state database.

An acknowledgement belongs to one firing episode of one alert (its name and labels, and the time
it became active): when the alert resolves and fires again it is a new episode, unacknowledged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from data.datasources import DataLayer
from data.state import alert_acks

SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True)
class Alert:
    name: str
    state: str  # firing | pending
    severity: str
    service: str
    labels: dict[str, str]
    summary: str
    description: str
    active_at: float  # unix seconds
    value: str

    @property
    def fingerprint(self) -> str:
        blob = json.dumps([self.name, sorted(self.labels.items())]).encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    @property
    def rank(self) -> tuple:
        order = SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 9
        return (self.state != "firing", order, self.service, self.name, -self.active_at)


@dataclass(frozen=True)
class Ack:
    comment: str
    author: str
    at: datetime


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def current_alerts(layer: DataLayer, datasource: str = "prometheus") -> list[Alert]:
    """Pending and firing alerts, most urgent first. DataSourceError when Prometheus fails."""
    alerts = []
    for raw in layer.alerts(datasource).value:
        labels = {k: v for k, v in raw.get("labels", {}).items() if k != "alertstate"}
        annotations = raw.get("annotations", {})
        alerts.append(
            Alert(
                name=labels.get("alertname", "?"),
                state=raw.get("state", "firing"),
                severity=labels.get("severity", "info"),
                service=labels.get("service") or labels.get("job") or "",
                labels=labels,
                summary=annotations.get("summary", ""),
                description=annotations.get("description", ""),
                active_at=_parse_time(raw["activeAt"]) if raw.get("activeAt") else 0.0,
                value=str(raw.get("value", "")),
            )
        )
    return sorted(alerts, key=lambda a: a.rank)


class AckStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def acknowledge(self, alert: Alert, comment: str, author: str) -> Ack:
        ack = Ack(comment=comment, author=author, at=datetime.now(UTC))
        with self.engine.begin() as db:
            db.execute(
                insert(alert_acks).values(
                    fingerprint=alert.fingerprint,
                    active_at=alert.active_at,
                    comment=comment,
                    author=author,
                    at=ack.at,
                )
            )
        return ack

    def for_alerts(self, alerts: list[Alert]) -> dict[str, Ack]:
        """{fingerprint: the latest acknowledgement of the alert's current episode}."""
        if not alerts:
            return {}
        episodes = {(a.fingerprint, a.active_at) for a in alerts}
        query = (
            select(alert_acks)
            .where(alert_acks.c.fingerprint.in_([a.fingerprint for a in alerts]))
            .order_by(alert_acks.c.id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        acks = {}
        for row in rows:
            if (row.fingerprint, row.active_at) in episodes:
                at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
                acks[row.fingerprint] = Ack(comment=row.comment, author=row.author, at=at)
        return acks
