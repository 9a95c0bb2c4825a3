"""Alerts from Prometheus's rules, pending and firing; their acknowledgements are in the app's
database (appdb/acks.py)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd

from data.datasources import DataLayer
from data.errors import DataSourceError
from data.timerange import TimeRange

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
    dashboard: str = ""  # the rule's `dashboard` annotation: the slug of what it is about
    # When its current run began by the ALERTS history (active_at, Prometheus's, restarts anew
    # for rules whose `for` is under the grace period); active_at without history.
    since: float = 0.0

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


# How far back ALERTS is read for the start of each alert's current run, in about this many
# steps (five minutes: a run found starts at most a step after it really did).
HISTORY_SPAN, HISTORY_POINTS = 32 * 86_400, 9_000


def _runs(layer: DataLayer, datasource: str) -> dict[frozenset, float]:
    """{an alert's labels: when its run that reaches now began} from the ALERTS series; empty
    when they cannot be read (a scoped viewer may not read ALERTS)."""
    now = time.time()
    span = TimeRange(now - HISTORY_SPAN, now)
    try:
        step = layer.window(datasource, span, HISTORY_POINTS).step
        frame = layer.prometheus(
            datasource, "max without (alertstate) (ALERTS)", span, max_points=HISTORY_POINTS,
            ttl=step,  # its window moves a step at a time (~0.2 s a read, shared by every viewer)
        ).value  # fmt: skip
    except DataSourceError:
        return {}
    if frame.empty:
        return {}
    frame = frame.assign(at=(frame["timestamp"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds())
    labels = [c for c in frame.columns if c not in ("timestamp", "value", "series", "at")]
    end = frame["at"].max()
    runs = {}
    for _name, samples in frame.groupby("series"):
        stamps = np.sort(samples["at"].to_numpy())
        if stamps[-1] < end:
            continue  # not pending or firing at the end of the history
        breaks = np.flatnonzero(np.diff(stamps) > step)
        first = samples.iloc[0]
        key = frozenset((k, first[k]) for k in labels if first[k] != "")
        runs[key] = float(stamps[breaks[-1] + 1] if len(breaks) else stamps[0])
    return runs


def current_alerts(layer: DataLayer, datasource: str = "prometheus") -> list[Alert]:
    """Pending and firing alerts, most urgent first, each since the start of its current run.
    DataSourceError when Prometheus fails."""
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
                dashboard=annotations.get("dashboard", ""),
            )
        )
    runs = _runs(layer, datasource) if alerts else {}
    alerts = [
        replace(a, since=min(a.active_at, runs.get(frozenset(a.labels.items()), a.active_at)))
        for a in alerts
    ]
    return sorted(alerts, key=lambda a: a.rank)
