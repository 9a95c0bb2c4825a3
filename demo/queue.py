"""`make run`'s queue: Redis on 127.0.0.1 (DEMO_REDIS_PORT, default 6379) as the Celery broker,
a mail sink that keeps every message the demo sends in var/mail (a Maildir; aiosmtpd on
DEMO_SMTP_PORT, default 2525) unless SMTP_HOST names a real server, one Celery worker (two pool
processes, each with its own export browser) and beat. The environment they share is handed to
the app too, so its exports go to the worker and its subscriptions fire."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

REDIS_PORT = int(os.environ.get("DEMO_REDIS_PORT") or 6379)
SMTP_PORT = int(os.environ.get("DEMO_SMTP_PORT") or 2525)
WORKER_PROCESSES = 2


def queue_env(environ: dict[str, str]) -> dict[str, str]:
    """The settings of the queue and the mail server, unless the environment has its own."""
    env = {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(SMTP_PORT),
        "SMTP_FROM": "teamdash@demo.example",
    }
    if environ.get("SMTP_HOST"):  # a real server: its port, sender and login as given
        env = {k: v for k, v in env.items() if not k.startswith("SMTP_")}
    return {**env, **{k: v for k, v in environ.items() if k in env}}


def start_queue(
    start: Callable[..., object], wait: Callable[[int, str], None], var: Path, env: dict
) -> None:
    """Redis, the mail sink, the worker and beat; `start(args, log, env=...)` runs a process
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
    if env.get("SMTP_HOST") == "127.0.0.1" and env.get("SMTP_PORT") == str(SMTP_PORT):
        start([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SMTP_PORT}",
               "-c", "aiosmtpd.handlers.Mailbox", str(var / "mail")],
              logs / "mail.log", env=env)  # fmt: skip
        wait(SMTP_PORT, "the mail sink")
    celery = [sys.executable, "-m", "celery"]
    worker = ["-A", "jobs.worker", "worker", "-Q", "exports,reports", "-n", "demo@%h",
              "--concurrency", str(WORKER_PROCESSES), "-l", "INFO"]  # fmt: skip
    start([*celery, *worker], logs / "worker.log", env=env)
    start([*celery, "-A", "jobs.beat", "beat", "-l", "INFO",
           "-s", str(var / "celerybeat-schedule")], logs / "beat.log", env=env)  # fmt: skip
