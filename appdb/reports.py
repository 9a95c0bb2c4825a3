"""Report subscriptions and their runs, in the app's database.

A run is one delivery: a slot of the schedule (unique per subscription, so beat ticking twice, a
restarted beat or two schedulers at once still send a slot once) or a "Send now". Its state says
where it is: queued, rendering (a worker holds a lease on it, renewed while it works), retrying
(attempt n of m, next at), sent (the message id) or failed (the reason in words). A worker
starts a run only by claiming it (`claim`): a second copy of the same task, a redelivery after a
worker died or a sweep finds it claimed, finished, or free to take over once the lease lapsed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from appdb.schema import report_runs, report_subscriptions
from reports.schedule import Schedule

# A queued run no worker took in this long is sent to the queue again (its message was lost).
REQUEUE_AFTER = timedelta(minutes=10)
EXHAUSTED = ("the render stopped before it finished on every attempt (its worker was stopped "
             "or ran out of time)")  # fmt: skip


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Subscription:
    owner: str
    name: str
    dashboard: str
    format: str  # pdf, png, csv
    schedule: Schedule
    time_from: str = "now-7d"
    time_to: str = "now"
    panel: str | None = None
    variables: dict[str, list[str]] = field(default_factory=dict)
    recipients: tuple[str, ...] = ()
    webhook: str | None = None
    notify: str | None = None
    enabled: bool = True
    # A saved view of the dashboard (its id): its state instead of the dashboard's defaults, over
    # the subscription's range (reports/subscriptions.py `report_state`).
    saved_view: str | None = None
    id: int | None = None
    created_at: datetime | None = None
    schedule_since: datetime | None = None


@dataclass(frozen=True)
class Run:
    id: int
    subscription_id: int
    slot: datetime | None
    trigger: str
    state: str
    attempt: int
    attempts: int
    next_at: datetime | None
    lease_until: datetime | None
    worker: str | None
    message_id: str | None
    reason: str | None
    created_at: datetime
    updated_at: datetime

    def words(self) -> str:
        """The state as the reports page says it."""
        if self.state == "sent":
            return f"sent ({self.message_id})"
        if self.state == "failed":
            return f"failed: {self.reason}"
        if self.state == "retrying":
            when = f"{self.next_at:%H:%M:%S} UTC" if self.next_at else "soon"
            return (
                f"retrying (attempt {self.attempt + 1} of {self.attempts}, next at {when}): "
                f"{self.reason}"
            )
        if self.state == "rendering":
            return f"rendering (attempt {self.attempt} of {self.attempts})"
        return self.state


def _subscription(row) -> Subscription:
    return Subscription(
        owner=row.owner,
        name=row.name,
        dashboard=row.dashboard,
        format=row.format,
        schedule=Schedule(**json.loads(row.schedule)),
        time_from=row.time_from,
        time_to=row.time_to,
        panel=row.panel,
        variables=json.loads(row.variables or "{}"),
        recipients=tuple(r for r in (row.recipients or "").split(",") if r),
        webhook=row.webhook,
        notify=row.notify,
        enabled=bool(row.enabled),
        saved_view=row.saved_view,
        id=row.id,
        created_at=_utc(row.created_at),
        schedule_since=_utc(row.schedule_since),
    )


def _run(row) -> Run:
    return Run(
        id=row.id,
        subscription_id=row.subscription_id,
        slot=_utc(row.slot),
        trigger=row.trigger,
        state=row.state,
        attempt=row.attempt,
        attempts=row.attempts,
        next_at=_utc(row.next_at),
        lease_until=_utc(row.lease_until),
        worker=row.worker,
        message_id=row.message_id,
        reason=row.reason,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


def _columns(sub: Subscription) -> dict:
    return {
        "owner": sub.owner,
        "name": sub.name,
        "dashboard": sub.dashboard,
        "saved_view": sub.saved_view,
        "panel": sub.panel,
        "format": sub.format,
        "schedule": json.dumps(asdict(sub.schedule)),
        "time_from": sub.time_from,
        "time_to": sub.time_to,
        "variables": json.dumps(sub.variables),
        "recipients": ",".join(sub.recipients),
        "webhook": sub.webhook,
        "notify": sub.notify,
        "enabled": int(sub.enabled),
    }


class ReportStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Subscriptions -------------------------------------------------------------------------

    def add(self, sub: Subscription) -> int:
        now = _now()
        with self.engine.begin() as db:
            result = db.execute(
                insert(report_subscriptions).values(
                    **_columns(sub), created_at=now, schedule_since=now
                )
            )
        return result.inserted_primary_key[0]

    def save(self, sub: Subscription) -> None:
        """A stored subscription's new settings; slots from now on follow the new schedule."""
        with self.engine.begin() as db:
            db.execute(
                update(report_subscriptions)
                .where(report_subscriptions.c.id == sub.id)
                .values(**_columns(sub), schedule_since=_now())
            )

    def delete(self, sub_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(delete(report_runs).where(report_runs.c.subscription_id == sub_id))
            db.execute(delete(report_subscriptions).where(report_subscriptions.c.id == sub_id))

    def get(self, sub_id: int) -> Subscription | None:
        query = select(report_subscriptions).where(report_subscriptions.c.id == sub_id)
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return _subscription(row) if row is not None else None

    def subscriptions(self, owner: str | None = None) -> list[Subscription]:
        """Every subscription (`owner`'s only when given), oldest first."""
        query = select(report_subscriptions).order_by(report_subscriptions.c.id)
        if owner is not None:
            query = query.where(report_subscriptions.c.owner == owner)
        with self.engine.connect() as db:
            return [_subscription(row) for row in db.execute(query)]

    # Runs ----------------------------------------------------------------------------------

    def last_slots(self) -> dict[int, datetime]:
        """{subscription id: its latest recorded slot}."""
        query = select(report_runs.c.subscription_id, func.max(report_runs.c.slot)).group_by(
            report_runs.c.subscription_id
        )
        with self.engine.connect() as db:
            return {sub: _utc(slot) for sub, slot in db.execute(query) if slot is not None}

    def record_slot(self, sub_id: int, slot: datetime, attempts: int) -> int | None:
        """A queued run for this slot; None when the slot has one already (fired before)."""
        try:
            return self._new_run(sub_id, slot, "schedule", attempts)
        except IntegrityError:
            return None

    def send_now(self, sub_id: int, who: str, attempts: int) -> int:
        return self._new_run(sub_id, None, f"send now by {who}", attempts)

    def _new_run(self, sub_id: int, slot: datetime | None, trigger: str, attempts: int) -> int:
        now = _now()
        with self.engine.begin() as db:
            result = db.execute(
                insert(report_runs).values(
                    subscription_id=sub_id,
                    slot=slot,
                    trigger=trigger,
                    state="queued",
                    attempt=0,
                    attempts=attempts,
                    created_at=now,
                    updated_at=now,
                )
            )
        return result.inserted_primary_key[0]

    def run(self, run_id: int) -> Run | None:
        with self.engine.connect() as db:
            row = db.execute(select(report_runs).where(report_runs.c.id == run_id)).first()
        return _run(row) if row is not None else None

    def runs(self, sub_ids: list[int] | None = None, limit: int = 50) -> list[Run]:
        """The latest runs (of these subscriptions), newest first."""
        query = select(report_runs).order_by(report_runs.c.id.desc()).limit(limit)
        if sub_ids is not None:
            query = query.where(report_runs.c.subscription_id.in_(sub_ids))
        with self.engine.connect() as db:
            return [_run(row) for row in db.execute(query)]

    def claim(self, run_id: int, worker: str, lease: float) -> Run | None:
        """The run, now this worker's (rendering, attempt + 1), if it was free to take: queued,
        due to retry, or rendering under a lease that lapsed (its worker died). None otherwise."""
        now = _now()
        free = or_(
            report_runs.c.state == "queued",
            and_(
                report_runs.c.state == "retrying",
                report_runs.c.next_at <= now + timedelta(seconds=1),
            ),
            and_(
                report_runs.c.state == "rendering",
                report_runs.c.lease_until < now,
                report_runs.c.attempt < report_runs.c.attempts,
            ),
        )
        with self.engine.begin() as db:
            done = db.execute(
                update(report_runs)
                .where(report_runs.c.id == run_id, free)
                .values(
                    state="rendering",
                    attempt=report_runs.c.attempt + 1,
                    worker=worker[:160],
                    lease_until=now + timedelta(seconds=lease),
                    next_at=None,
                    updated_at=now,
                )
            )
        return self.run(run_id) if done.rowcount == 1 else None

    def _held(self, run_id: int, worker: str, **values) -> bool:
        """Sets `values` on the run if this worker still holds it (rendering, its claim);
        False when the run is no longer its own."""
        with self.engine.begin() as db:
            done = db.execute(
                update(report_runs)
                .where(
                    report_runs.c.id == run_id,
                    report_runs.c.state == "rendering",
                    report_runs.c.worker == worker[:160],
                )
                .values(**values)
            )
        return done.rowcount == 1

    def renew(self, run_id: int, worker: str, lease: float) -> bool:
        """Extends the worker's lease; False when the run is no longer its own."""
        return self._held(run_id, worker, lease_until=_now() + timedelta(seconds=lease))

    def _finish(self, run_id: int, worker: str, **values) -> bool:
        """The run's new state, if this worker still holds it."""
        return self._held(run_id, worker, updated_at=_now(), lease_until=None, **values)

    def sent(self, run_id: int, worker: str, message_id: str) -> bool:
        return self._finish(run_id, worker, state="sent", message_id=message_id[:255], reason=None)

    def failed(self, run_id: int, worker: str, reason: str) -> bool:
        return self._finish(run_id, worker, state="failed", reason=reason)

    def retrying(self, run_id: int, worker: str, reason: str, next_at: datetime) -> bool:
        return self._finish(run_id, worker, state="retrying", reason=reason, next_at=next_at)

    def overdue(self) -> list[int]:
        """Runs whose task was lost (a worker died, the broker lost a message): rendering under
        a lapsed lease, retrying well past their time, queued for long. Each is touched so the
        next sweep leaves it alone for a while."""
        now = _now()
        lapsed = and_(report_runs.c.state == "rendering", report_runs.c.lease_until < now)
        lost = or_(
            lapsed,
            and_(
                report_runs.c.state == "retrying",
                report_runs.c.next_at < now - timedelta(seconds=30),
            ),
            and_(report_runs.c.state == "queued", report_runs.c.updated_at < now - REQUEUE_AFTER),
        )
        with self.engine.begin() as db:
            # A render that stopped its worker on every attempt is not taken again (it would be
            # rendered forever, a kaleido render a lease): it failed, in words.
            db.execute(
                update(report_runs)
                .where(lapsed, report_runs.c.attempt >= report_runs.c.attempts)
                .values(
                    state="failed",
                    reason=EXHAUSTED,
                    lease_until=None,
                    updated_at=now,
                )
            )
            ids = [row.id for row in db.execute(select(report_runs.c.id).where(lost))]
            if ids:
                db.execute(
                    update(report_runs)
                    .where(report_runs.c.id.in_(ids), report_runs.c.state == "queued")
                    .values(updated_at=now)
                )
        return ids
