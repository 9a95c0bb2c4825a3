"""`make run`'s queue: Redis on 127.0.0.1 (DEMO_REDIS_PORT, default 6379) as the Celery broker,
one Celery worker (two pool processes, each with its own export browser) and beat. Reports are
mailed through SMTP_HOST: under make run the demo inbox (demo/alerting.py), where Alertmanager's
notifications land too. The environment they share is handed to the app too, so its exports go
to the worker and its subscriptions fire."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

REDIS_PORT = int(os.environ.get("DEMO_REDIS_PORT") or 6379)
WORKER_PROCESSES = 2


def queue_env(environ: dict[str, str]) -> dict[str, str]:
    """The broker's setting, unless the environment has its own."""
    return {"CELERY_BROKER_URL": environ.get("CELERY_BROKER_URL")
            or f"redis://127.0.0.1:{REDIS_PORT}/1"}  # fmt: skip


def start_queue(
    start: Callable[..., object], wait: Callable[[int, str], None], var: Path, env: dict
) -> None:
    """Redis, the worker and beat; `start(args, log, env=...)` runs a process
    until make run stops, `wait(port, what)` waits for a port."""
    logs = var / "log"
    redis = shutil.which("redis-server")
    if redis is None:
        raise SystemExit("redis-server is not installed: run `make run` (it installs it)")
    (var / "redis").mkdir(parents=True, exist_ok=True)
    # The broker keeps queued work across restarts (append-only file), as a deployment's should.
    start([redis, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--dir", str(var / "redis"),
           "--appendonly", "yes", "--save", ""], logs / "redis.log")  # fmt: skip
    wait(REDIS_PORT, "Redis")
    celery = [sys.executable, "-m", "celery"]
    worker = ["-A", "jobs.worker", "worker", "-Q", "exports,reports", "-n", "demo@%h",
              "--concurrency", str(WORKER_PROCESSES), "-l", "INFO"]  # fmt: skip
    start([*celery, *worker], logs / "worker.log", env=env)
    start([*celery, "-A", "jobs.beat", "beat", "-l", "INFO",
           "-s", str(var / "celerybeat-schedule")], logs / "beat.log", env=env)  # fmt: skip
