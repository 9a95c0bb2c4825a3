"""The web app's door to the Celery workers: send a task, wait a bounded time for its result,
and say how the queue is (not configured, unreachable, or when beat last checked the
schedules). Without CELERY_BROKER_URL nothing is sent: exports render in the web process and
no schedule fires."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from celery.exceptions import TimeoutError as CeleryTimeout
from kombu.exceptions import OperationalError

from jobs.config import CONNECT_TIMEOUT, make_celery
from settings import Settings

LAST_TICK_KEY = "teamdash:reports:last-tick"


class QueueUnavailable(Exception):
    """The broker could not be reached; the message says which and why."""


class QueueTimeout(Exception):
    """No worker answered in time."""


@dataclass(frozen=True)
class QueueStatus:
    state: str  # "not configured", "unreachable" or "ok"
    words: str


class TaskQueue:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.celery_broker_url
        self.celery = make_celery(settings) if self.url else None
        self.client = self._redis() if self.url else None

    @property
    def configured(self) -> bool:
        return self.celery is not None

    def _redis(self) -> redis.Redis:
        return redis.Redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )

    def status(self) -> QueueStatus:
        if not self.configured:
            return QueueStatus(
                "not configured",
                "The report queue is not configured (CELERY_BROKER_URL is not set): schedules do "
                "not fire and exports render in the web app. Subscriptions are kept.",
            )
        try:
            self.client.ping()
            raw = self.client.get(LAST_TICK_KEY)
        except redis.RedisError as exc:
            return QueueStatus(
                "unreachable",
                f"The report queue is unreachable ({self.where}: "
                f"{exc}). Schedules wait until it is back; nothing is lost.",
            )
        last = float(raw) if raw else None
        if last is None:
            words = "Beat has not checked the schedules yet: is `celery -A jobs.beat beat` running?"
        else:
            ago = max(0, time.time() - last)
            late = ago > 3 * self.settings.reports_tick_seconds + 30
            words = f"Schedules last checked {ago:.0f} s ago" + (
                ": is beat running, and a worker on the reports queue?" if late else "."
            )
        return QueueStatus("ok", words)

    @property
    def where(self) -> str:
        return self.celery.connection_for_write().as_uri() if self.celery else ""

    def send(self, name: str, args: tuple, *, countdown: float = 0, expires: float | None = None):
        """Queues task `name`; its AsyncResult. QueueUnavailable when the broker is down."""
        try:
            # A broker that is down is said at once: Celery's result listener would otherwise
            # retry its connection for seconds before giving up (with a RuntimeError).
            self.client.ping()
            return self.celery.send_task(
                name, args=args, countdown=countdown, expires=expires, retry=False
            )
        except (OperationalError, redis.RedisError, OSError, RuntimeError) as exc:
            raise QueueUnavailable(f"the queue at {self.where} is unreachable: {exc}") from None

    def call(self, name: str, args: tuple, timeout: float):
        """Runs task `name` on a worker and waits for its result, `timeout` seconds at most."""
        result = self.send(name, args, expires=timeout)
        try:
            return result.get(timeout=timeout)
        except CeleryTimeout:
            raise QueueTimeout(f"no export worker finished it within {timeout:g} s") from None
        except (OperationalError, redis.RedisError, OSError) as exc:
            raise QueueUnavailable(f"the queue at {self.where} is unreachable: {exc}") from None
        finally:
            result.forget()


def record_tick(url: str) -> None:
    """Beat's tick ran (the reports page shows when)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)
    try:
        client.set(LAST_TICK_KEY, str(time.time()), ex=86_400)
    finally:
        client.close()
