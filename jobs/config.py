"""The one Celery configuration, for the worker and beat processes and for the web app that
sends them work (so both agree on queues, serialisers and the broker's options).

- Redis is the broker and the result store (CELERY_BROKER_URL): results are small (an export's
  bytes, for the web request that waits for them) and expire after RESULT_SECONDS.
- Late acknowledgement and reject-on-worker-lost: a task whose worker dies is delivered again
  (at once when a pool process dies, after CELERY_VISIBILITY_TIMEOUT when the whole worker
  does); the runs' claims in the app database make a second delivery harmless.
- Two queues: `exports` (a user waits: run its workers apart so scheduled reports never queue
  in front of a download) and `reports` (beat's tick and the deliveries).
"""

from __future__ import annotations

from celery import Celery

from settings import Settings

EXPORTS_QUEUE = "exports"
REPORTS_QUEUE = "reports"
RESULT_SECONDS = 600
CONNECT_TIMEOUT = 2.0  # seconds: a broker that is down is said at once, not after a hang


def make_celery(settings: Settings, include: tuple[str, ...] = ()) -> Celery:
    url = settings.celery_broker_url
    if not url:
        raise ValueError("CELERY_BROKER_URL is not set")
    celery = Celery("teamdash", broker=url, backend=url, include=list(include))
    tick = settings.reports_tick_seconds
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout,
            "socket_connect_timeout": CONNECT_TIMEOUT,
        },
        redis_socket_connect_timeout=CONNECT_TIMEOUT,
        result_expires=RESULT_SECONDS,
        task_default_queue=REPORTS_QUEUE,
        task_routes={"exports.*": {"queue": EXPORTS_QUEUE}, "reports.*": {"queue": REPORTS_QUEUE}},
        # A tick not taken before the next one is due is dropped, not piled up behind it.
        beat_schedule={
            "reports-tick": {
                "task": "reports.tick",
                "schedule": tick,
                "options": {"expires": max(tick, 1.0)},
            }
        },
        beat_max_loop_interval=min(tick, 5.0),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
    )
    return celery
