"""Alerts from Prometheus's rules, pending and firing; their acknowledgements are in the app's
database (appdb/acks.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from data.datasources import DataLayer

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
    runbook: str = ""  # the rule's runbook_url annotation, when it is a web address

    @property
    def fingerprint(self) -> str:
        blob = json.dumps([self.name, sorted(self.labels.items())]).encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    @property
    def rank(self) -> tuple:
        order = SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 9
        return (self.state != "firing", order, self.service, self.name, -self.active_at)


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _web_address(text: str) -> str:
    """Only http(s) links are drawn (a rule file is not trusted with javascript: ones)."""
    return text if text.startswith(("https://", "http://")) else ""


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
                runbook=_web_address(annotations.get("runbook_url", "")),
            )
        )
    return sorted(alerts, key=lambda a: a.rank)
