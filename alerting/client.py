"""Alertmanager's API v2: the alerts it holds with what it does with each (notified to which
receivers, silenced, inhibited), its groups and its silences; making and expiring silences.

Every failure is a DataSourceError whose text a user can act on ("Alertmanager unreachable at
http://127.0.0.1:9093: connection refused"), as for the datasources.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from data.errors import DataSourceError, ErrorKind
from data.health import probe
from data.metrics import UPSTREAM_LATENCY, UPSTREAM_QUERIES
from data.prometheus import root_reason

SOURCE = "alertmanager"
SILENCE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _time(text: str | None) -> float:
    if not text:
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def __str__(self) -> str:
        op = (
            ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        )
        return f'{self.name}{op}"{self.value}"'

    def to_api(self) -> dict:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex,
                "isEqual": self.is_equal}  # fmt: skip


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float  # unix seconds
    ends_at: float
    created_by: str
    comment: str
    state: str  # active | pending | expired


@dataclass(frozen=True)
class Notice:
    """Alertmanager's view of one alert."""

    fingerprint: str  # Alertmanager's own
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    state: str  # active (notified) | suppressed (silenced or inhibited) | unprocessed
    receivers: tuple[str, ...]
    silenced_by: tuple[str, ...] = ()  # silence ids
    inhibited_by: tuple[str, ...] = ()  # fingerprints of the alerts that inhibit it


@dataclass(frozen=True)
class Group:
    """Alerts notified together: the route's group_by labels and its receiver."""

    labels: dict[str, str]
    receiver: str
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """What Alertmanager holds at one moment (silences: active and pending ones)."""

    alerts: list[Notice] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)


def _notice(raw: dict) -> Notice:
    status = raw.get("status") or {}
    return Notice(
        fingerprint=raw.get("fingerprint", ""),
        labels=dict(raw.get("labels") or {}),
        annotations=dict(raw.get("annotations") or {}),
        starts_at=_time(raw.get("startsAt")),
        state=status.get("state", "unprocessed"),
        receivers=tuple(r.get("name", "") for r in raw.get("receivers") or []),
        silenced_by=tuple(status.get("silencedBy") or ()),
        inhibited_by=tuple(status.get("inhibitedBy") or ()),
    )


def _silence(raw: dict) -> Silence:
    matchers = tuple(
        Matcher(m["name"], m["value"], bool(m.get("isRegex")), m.get("isEqual", True) is not False)
        for m in raw.get("matchers") or []
    )
    return Silence(
        id=raw["id"],
        matchers=matchers,
        starts_at=_time(raw.get("startsAt")),
        ends_at=_time(raw.get("endsAt")),
        created_by=raw.get("createdBy", ""),
        comment=raw.get("comment", ""),
        state=(raw.get("status") or {}).get("state", ""),
    )


class AlertmanagerClient:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _error(self, message: str, kind: ErrorKind) -> DataSourceError:
        return DataSourceError(message, datasource=SOURCE, kind=kind)

    def _failure(self, exc: Exception) -> tuple[str, DataSourceError]:
        """(the metric's outcome, the error a user reads) for a failed request."""
        if isinstance(exc, requests.exceptions.Timeout):
            words = f"Alertmanager at {self.url} did not answer within {self.timeout:g} s"
            return "timeout", self._error(words, ErrorKind.TIMEOUT)
        if isinstance(exc, requests.exceptions.ConnectionError):
            words = (f"Alertmanager unreachable at {self.url}: {root_reason(exc)}; check that it "
                     "is running and ALERTMANAGER_URL points to it")  # fmt: skip
            return "unreachable", self._error(words, ErrorKind.UNREACHABLE)
        words = f"Alertmanager at {self.url} gave an answer that could not be read: {exc}"
        return "error", self._error(words, ErrorKind.BAD_QUERY)

    def _call(self, method: str, path: str, **kwargs):
        started = time.perf_counter()
        outcome = "error"
        try:
            response = self._session.request(
                method, f"{self.url}/api/v2/{path}", timeout=self.timeout, **kwargs
            )
            if response.status_code >= 400:
                words = response.text.strip().strip('"')[:300] or response.reason
                raise self._error(
                    f"Alertmanager at {self.url} refused the request ({response.status_code}): "
                    f"{words}",
                    ErrorKind.BAD_QUERY,
                )
            answer = response.json() if response.content else None
            outcome = "ok"
            return answer
        except (requests.exceptions.RequestException, ValueError) as exc:
            outcome, error = self._failure(exc)
            raise error from exc
        finally:
            UPSTREAM_QUERIES.labels(SOURCE, outcome).inc()
            UPSTREAM_LATENCY.labels(SOURCE).observe(time.perf_counter() - started)

    def health(self) -> dict:
        return probe(SOURCE, self.url, lambda: self._call("GET", "status"))

    def snapshot(self) -> Snapshot:
        """Every alert (silenced and inhibited ones too), the groups, the active and pending
        silences and the receivers. DataSourceError when Alertmanager fails."""
        try:
            alerts = [_notice(a) for a in self._call("GET", "alerts")]
            groups = [
                Group(
                    labels=dict(g.get("labels") or {}),
                    receiver=(g.get("receiver") or {}).get("name", ""),
                    fingerprints=tuple(a.get("fingerprint", "") for a in g.get("alerts") or []),
                )
                for g in self._call("GET", "alerts/groups")
            ]
            silences = [_silence(s) for s in self._call("GET", "silences")]
            receivers = sorted(r.get("name", "") for r in self._call("GET", "receivers"))
        except (KeyError, TypeError, AttributeError) as exc:
            raise self._error(
                f"Alertmanager at {self.url} gave an answer that could not be read: {exc!r}",
                ErrorKind.BAD_QUERY,
            ) from exc
        live = [s for s in silences if s.state in ("active", "pending")]
        return Snapshot(alerts, groups, sorted(live, key=lambda s: s.ends_at), receivers)

    def create_silence(
        self, matchers: list[Matcher], seconds: float, created_by: str, comment: str
    ) -> Silence:
        """A silence from now for `seconds`; the silence as Alertmanager keeps it."""
        now = datetime.now(UTC)
        body = {
            "matchers": [m.to_api() for m in matchers],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(seconds=seconds)).isoformat(),
            "createdBy": created_by,
            "comment": comment,
        }
        answer = self._call("POST", "silences", json=body)
        silence_id = (answer or {}).get("silenceID")
        if not silence_id:
            raise self._error(
                f"Alertmanager at {self.url} made no silence: {answer!r}", ErrorKind.BAD_QUERY
            )
        return self.silence(silence_id)

    def silence(self, silence_id: str) -> Silence:
        return _silence(self._call("GET", self._silence_path(silence_id)))

    def expire_silence(self, silence_id: str) -> None:
        self._call("DELETE", self._silence_path(silence_id))

    def _silence_path(self, silence_id: str) -> str:
        if not SILENCE_ID.fullmatch(silence_id):
            raise self._error(f"{silence_id[:40]!r} is not a silence id", ErrorKind.BAD_QUERY)
        return f"silence/{silence_id}"
