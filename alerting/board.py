"""What the alerts page shows a viewer: the alerts they may see (Prometheus's rules through their
scope), each with what Alertmanager does with it (notified to which receivers, silenced by which
silence, inhibited by which alert), and the groups and silences that concern those alerts.

An alert of Prometheus and one of Alertmanager are the same when Alertmanager's labels hold all
of Prometheus's (Prometheus may add its external labels on the way). Alertmanager may hold alerts
no rule of this Prometheus made (another Prometheus, a script): only unscoped viewers see those,
since there is no rule to check a scope against. A scoped viewer sees the silences of the alerts
they see; the others see every silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerting.client import Group, Matcher, Notice, Silence, Snapshot
from data.alerts import Alert


@dataclass(frozen=True)
class Board:
    alerts: list[Alert]
    alertmanager: str | None = None  # its URL; None when ALERTMANAGER_URL is unset
    error: str | None = None  # why Alertmanager could not be read
    notices: dict[str, Notice] = field(default_factory=dict)  # by Alert.fingerprint
    groups: list[Group] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
    # Alertmanager's fingerprints of the alerts shown -> their names (inhibitors are named by it).
    names: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Alertmanager is configured and was read."""
        return self.alertmanager is not None and self.error is None

    def notice(self, alert: Alert) -> Notice | None:
        return self.notices.get(alert.fingerprint)

    def silenced(self, alert: Alert) -> list[Silence]:
        notice = self.notice(alert)
        ids = set(notice.silenced_by) if notice else set()
        return [s for s in self.silences if s.id in ids]

    def silence(self, silence_id: str) -> Silence | None:
        return next((s for s in self.silences if s.id == silence_id), None)

    def inhibitors(self, alert: Alert) -> list[str]:
        """The names of the alerts that inhibit it ("another alert" for one the viewer does not
        see)."""
        notice = self.notice(alert)
        return [
            self.names.get(fp, "another alert") for fp in (notice.inhibited_by if notice else ())
        ]


def matchers_of(alert: Alert) -> list[Matcher]:
    """A silence of exactly this alert: each of its labels, equal."""
    return [Matcher(name, value) for name, value in sorted(alert.labels.items())]


def _runbook(text: str) -> str:
    return text if text.startswith(("https://", "http://")) else ""


def _alert_of(notice: Notice) -> Alert:
    """An alert Alertmanager holds and no rule of this Prometheus made."""
    labels = notice.labels
    return Alert(
        name=labels.get("alertname", "?"),
        state="firing",
        severity=labels.get("severity", "info"),
        service=labels.get("service") or labels.get("job") or "",
        labels=dict(labels),
        summary=notice.annotations.get("summary", ""),
        description=notice.annotations.get("description", ""),
        active_at=notice.starts_at,
        value="",
        runbook=_runbook(notice.annotations.get("runbook_url", "")),
        dashboard=notice.annotations.get("dashboard", ""),
        since=notice.starts_at,
    )


def _match(alert: Alert, notices: list[Notice]) -> Notice | None:
    for notice in notices:
        if all(notice.labels.get(k) == v for k, v in alert.labels.items()):
            return notice
    return None


def build_board(
    alerts: list[Alert],
    snapshot: Snapshot | None,
    *,
    unscoped: bool,
    alertmanager: str | None = None,
    error: str | None = None,
) -> Board:
    """`alerts`: Prometheus's, as the viewer's scope may see them; `snapshot`: Alertmanager's
    (None when it is not configured or could not be read: `error` says why)."""
    if snapshot is None:
        return Board(list(alerts), alertmanager, error)
    by_name: dict[str, list[Notice]] = {}
    for notice in snapshot.alerts:
        by_name.setdefault(notice.labels.get("alertname", ""), []).append(notice)
    shown = list(alerts)
    notices = {}
    for alert in alerts:
        notice = _match(alert, by_name.get(alert.name, []))
        if notice is not None:
            notices[alert.fingerprint] = notice
    if unscoped:
        matched = {n.fingerprint for n in notices.values()}
        for notice in snapshot.alerts:
            if notice.fingerprint not in matched:
                extra = _alert_of(notice)
                shown.append(extra)
                notices[extra.fingerprint] = notice
    visible = {n.fingerprint for n in notices.values()}
    groups = [
        Group(g.labels, g.receiver, tuple(fp for fp in g.fingerprints if fp in visible))
        for g in snapshot.groups
        if visible.intersection(g.fingerprints)
    ]
    if unscoped:
        silences = list(snapshot.silences)
    else:
        used = {sid for n in notices.values() for sid in n.silenced_by}
        silences = [s for s in snapshot.silences if s.id in used]
    names = {n.fingerprint: n.labels.get("alertname", "?") for n in notices.values()}
    return Board(
        sorted(shown, key=lambda a: a.rank),
        alertmanager,
        None,
        notices,
        groups,
        silences,
        list(snapshot.receivers),
        names,
    )
