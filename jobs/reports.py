"""Scheduled reports' tasks: beat's tick and one delivery (the work is reports/runs.py's)."""

from __future__ import annotations

import logging
import os

from jobs.queue import record_tick
from jobs.worker import SETTINGS, app_context, celery
from reports import runs
from services import services

log = logging.getLogger(__name__)


def _enqueue(run_id: int, countdown: float) -> None:
    deliver.apply_async((run_id,), countdown=countdown)


@celery.task(name="reports.tick", ignore_result=True)
def tick() -> None:
    with app_context():
        queued = runs.tick(services(), _enqueue)
    record_tick(SETTINGS.celery_broker_url)
    if queued:
        log.info("reports tick: queued runs %s", queued)


@celery.task(name=runs.DELIVER, bind=True, ignore_result=True)
def deliver(task, run_id: int) -> None:
    worker = f"{task.request.hostname}:{os.getpid()}"
    with app_context():
        log.info("%s", runs.deliver(services(), int(run_id), worker, _enqueue))
