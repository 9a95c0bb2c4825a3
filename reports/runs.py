"""What Celery's tasks do (jobs/reports.py is the glue): beat's tick records each due slot as a
queued run and queues its delivery; a delivery claims its run, renders the file under the
subscriber's rights and sends it, recording every step.

- A slot fires once: the run is unique per (subscription, slot) in the app database, whatever
  number of ticks, beats or restarts ask for it.
- A delivery works only on a run it claimed (appdb/reports.py), and renews its lease while it
  works: a duplicate task finds the run taken or finished and stops; a worker that died leaves
  a lapsed lease, and the next tick's sweep queues the run again for another worker.
- A failure that may pass (the mail server, a datasource, the browser) is retried with back-off
  (REPORT_RETRY_SECONDS, doubled each time) up to REPORT_ATTEMPTS; one that cannot (no access,
  a panel gone) fails at once and the owner is told why. Either way the next slot still fires.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import urls
from appdb.reports import ReportStore, Run, Subscription
from auth.users import User, UserError
from data.timerange import readable_time
from jobs.queue import QueueUnavailable
from reports.render import DeliveryError, ReportFile, Undeliverable, render
from reports.schedule import ScheduleError, latest_slot
from reports.send import mail, webhook
from services import Services

log = logging.getLogger(__name__)

Enqueue = Callable[[int, float], None]  # (run id, seconds from now)
DELIVER = "reports.deliver"  # the task (jobs/reports.py)


def tick(app: Services, enqueue: Enqueue, now: datetime | None = None) -> list[int]:
    """Records every subscription's due slot (once) and queues it; queues again the runs whose
    task was lost. The ids of the runs queued."""
    now = now or datetime.now(UTC)
    store = ReportStore(app.database)
    seconds = app.settings.report_second_schedules
    last = store.last_slots()
    queued = []
    for sub in store.subscriptions():
        if not sub.enabled:
            continue
        try:
            slot = latest_slot(sub.schedule, now, allow_seconds=seconds)
        except ScheduleError as exc:
            log.error("subscription %s: %s", sub.id, exc)
            continue
        if (
            slot is None
            or slot <= sub.schedule_since
            or slot <= last.get(sub.id, sub.schedule_since)
        ):
            continue  # not due yet, or recorded already (the insert below settles races)
        run_id = store.record_slot(sub.id, slot, app.settings.report_attempts)
        if run_id is not None:
            queued.append(run_id)
    queued += store.overdue()
    for run_id in queued:
        enqueue(run_id, 0)
    return queued


def send_now(app: Services, sub_id: int, who: str) -> int:
    """A run outside the schedule ("Send now"), queued; its id. QueueUnavailable when the
    broker cannot be reached (the run is recorded and a later tick's sweep queues it)."""
    if not app.queue.configured:
        raise QueueUnavailable("the report queue is not configured (CELERY_BROKER_URL is not set)")
    run_id = app.reports.send_now(sub_id, who, app.settings.report_attempts)
    app.queue.send(DELIVER, (run_id,))
    return run_id


class _Lease:
    """Renews the worker's claim on a run while it renders and sends."""

    def __init__(self, store: ReportStore, run_id: int, worker: str, seconds: float) -> None:
        self.stop = threading.Event()

        def renew() -> None:
            while not self.stop.wait(seconds / 3):
                store.renew(run_id, worker, seconds)

        self.thread = threading.Thread(target=renew, name=f"lease-{run_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()


def deliver(app: Services, run_id: int, worker: str, enqueue: Enqueue) -> str:
    """Delivers the run if it is free to take; what happened, in words (for the worker's log)."""
    store = ReportStore(app.database)
    settings = app.settings
    run = store.claim(run_id, worker, settings.report_lease_seconds)
    if run is None:
        current = store.run(run_id)
        return f"run {run_id}: not taken ({current.state if current else 'deleted'})"
    sub = store.get(run.subscription_id)
    with _Lease(store, run_id, worker, settings.report_lease_seconds):
        try:
            if sub is None:
                raise Undeliverable("the subscription was deleted")
            message_id = _deliver(app, sub, run)
        except DeliveryError as exc:
            if run.attempt >= run.attempts:
                store.failed(run_id, worker, str(exc))
                _audit(app, sub, run, "failed", str(exc))
                return f"run {run_id}: failed after {run.attempt} attempts: {exc}"
            delay = settings.report_retry_seconds * 2 ** (run.attempt - 1)
            next_at = datetime.now(UTC) + timedelta(seconds=delay)
            if store.retrying(run_id, worker, str(exc), next_at):
                enqueue(run_id, delay)
            return f"run {run_id}: attempt {run.attempt} of {run.attempts} failed: {exc}"
        except Exception as exc:  # Undeliverable, or what nobody foresaw: failed, not retried
            reason = str(exc)
            if not isinstance(exc, Undeliverable):
                log.exception("run %s: unforeseen error", run_id)
                reason = f"an unforeseen error ({type(exc).__name__}); the worker's log has it"
            store.failed(run_id, worker, reason)
            _audit(app, sub, run, "failed", reason)
            if sub is not None:
                _tell_owner(app, sub, reason)
            return f"run {run_id}: failed: {reason}"
        store.sent(run_id, worker, message_id)
        _audit(app, sub, run, "ok", message_id)
        return f"run {run_id}: sent ({message_id})"


def _owner(app: Services, sub: Subscription) -> User:
    try:
        return app.users.get(sub.owner)
    except UserError:
        raise Undeliverable(f"its owner {sub.owner!r} is no longer a user") from None


def _deliver(app: Services, sub: Subscription, run: Run) -> str:
    owner = _owner(app, sub)
    if sub.webhook and not app.webhooks.allowed(sub.webhook):
        # Before anything is drawn or mailed: a run either goes to all its recipients or fails.
        raise Undeliverable(
            "its webhook is no longer on the admins' list; nothing was sent. Pick another "
            "webhook, or none, in the subscription"
        )
    if not sub.recipients and not sub.webhook:
        raise Undeliverable("it has no recipients")
    report = render(sub, owner)
    subject, text = _message(app, sub, run, report)
    sent = []
    if sub.recipients:
        sent.append(mail(app.settings, sub.recipients, subject, text, report))
    if sub.webhook:
        payload = {"text": f"{subject}\n{text}", "subscription": sub.id, "dashboard": sub.dashboard}
        sent.append(webhook(sub.webhook, payload, report))
    return "; ".join(sent)


def _view_name(app: Services, sub: Subscription) -> str | None:
    return app.views.names([sub.saved_view]).get(sub.saved_view) if sub.saved_view else None


def _message(app: Services, sub: Subscription, run: Run, report: ReportFile) -> tuple[str, str]:
    view = report.view
    start, end = (
        datetime.fromtimestamp(t, UTC) for t in (view.time_range.start, view.time_range.end)
    )
    when = run.slot or run.created_at
    subject = f"{sub.name}: {view.dashboard.title}, {when:%Y-%m-%d %H:%M:%S} UTC"
    prefix = app.settings.url_prefix
    # The dashboard as the subscription asks for it (the saved view's state, if any, over its
    # range; a reader's own locked values apply there), not the view's id, which the recipients
    # may not be allowed to open.
    link = urls.external(urls.dashboard(prefix, sub.dashboard, view.asked))
    manage = urls.external(urls.page(prefix, "reports"))
    lines = [
        f"{view.dashboard.title}, {readable_time(view.state.time_from)} to "
        f"{readable_time(view.state.time_to)} "
        f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC).",
        *([f"The saved view “{viewed}”."] if (viewed := _view_name(app, sub)) else []),
        f"Read as {sub.owner} may see it; the {sub.format.upper()} is attached "
        f"({report.filename}).",
        *([f"Open the dashboard: {link}"] if link else []),
        "",
        f"Subscription {sub.name!r} of {sub.owner}, {sub.schedule.words()}"
        + (f"; manage it at {manage}" if manage else "."),
    ]
    return subject, "\n".join(lines)


def _tell_owner(app: Services, sub: Subscription, reason: str) -> None:
    """The owner's address hears why a run sent nothing (the reports page says it too)."""
    if not sub.notify:
        return
    text = (
        f"Your subscription {sub.name!r} to dashboard {sub.dashboard!r} sent nothing to its "
        f"recipients: {reason}."
    )
    try:
        mail(app.settings, (sub.notify,), f"Not sent: {sub.name}", text)
    except (DeliveryError, Undeliverable) as exc:
        log.warning("subscription %s: the owner could not be told: %s", sub.id, exc)


def _audit(app: Services, sub: Subscription | None, run: Run, outcome: str, detail: str) -> None:
    target = f"{sub.dashboard} (subscription {sub.id})" if sub else f"run {run.id}"
    app.audit.record(
        "report_run",
        sub.owner if sub else "reports",
        target=target,
        outcome="ok" if outcome == "ok" else "error",
        detail={"run": run.id, "trigger": run.trigger, "attempt": run.attempt, "result": detail},
    )
