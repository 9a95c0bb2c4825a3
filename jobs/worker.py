"""The Celery app of the worker processes, configured from the environment as the web app is
(settings.py); beat has its own, lighter one (jobs/beat.py):

    celery -A jobs.worker worker -Q exports,reports --concurrency 2

Each worker process builds the app (dashboards, data layer, app database: what the tasks read
through `services()`) and starts its own export browser (kaleido) when it starts, so exports
render side by side in as many browsers as there are processes.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from celery import signals

from jobs.config import make_celery
from settings import Settings

SETTINGS = Settings.from_env()
if not SETTINGS.celery_broker_url:
    raise SystemExit("CELERY_BROKER_URL is not set: point it at the Redis the web app uses")

celery = make_celery(SETTINGS, include=("jobs.reports", "jobs.exports"))
# kaleido and its browser driver log every tab they take at INFO: a line per export is enough.
for _name in ("kaleido", "choreographer"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def app_context() -> AbstractContextManager:
    """The web app's context (its app built once per process, from the environment)."""
    import app as web  # builds the module-level app: imported only where tasks run

    return web.server.app_context()


@signals.worker_process_init.connect
def _start_process(**_kwargs) -> None:
    """Each pool process: the app, and its export browser, before the first task."""
    from exports.kaleido_engine import ENGINE

    app_context()
    ENGINE.warm_up_in_background()
