"""The export workers' task: a download the web app asked for (exports/offload.py)."""

from __future__ import annotations

import os

from exports.offload import TASK, render_job
from jobs.worker import app_context, celery


@celery.task(name=TASK, bind=True)
def render(task, job: dict) -> dict:
    with app_context():
        return render_job(job, f"{task.request.hostname}:{os.getpid()}")
