"""The Celery app of the beat process: the schedule alone (one tick every
REPORTS_TICK_SECONDS), without the tasks' modules, so beat starts in a moment and holds no
browser or app:

    celery -A jobs.beat beat
"""

from __future__ import annotations

from jobs.config import make_celery
from settings import Settings

SETTINGS = Settings.from_env()
if not SETTINGS.celery_broker_url:
    raise SystemExit("CELERY_BROKER_URL is not set: point it at the Redis the web app uses")

celery = make_celery(SETTINGS)
