"""`make run`: build the demo data, start the demo stack and the app, stop everything on Ctrl-C.

Processes: Prometheus (31 days of backfilled history, then live scrapes), the demo exporter that
continues the same series, this host's node_exporter, Alertmanager and the demo inbox its
notifications and the reports land in (demo/alerting.py), Redis with a Celery worker and beat
(demo/queue.py), and the app on 127.0.0.1:8050. Running it
again reuses the warehouse and the TSDB, backfilling only the hours the stack was not running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

from appdb.schema import connect
from demo.alert_history import write_alert_history
from demo.alerting import ports as alerting_ports
from demo.alerting import set_defaults as alerting_defaults
from demo.alerting import start_alerting
from demo.backfill import backfill
from demo.catalog import FISCAL_YEAR_START
from demo.promstack import (
    PrometheusServer,
    free_port,
    offline,
    persist_head,
    stored_until,
    write_config,
)
from demo.queue import REDIS_PORT, queue_env, start_queue
from demo.series import MODEL_VERSION
from demo.users import ensure_demo_users
from demo.warehouse import build_warehouse
from settings import Settings, secret_key

HERE = Path(__file__).resolve().parent
APP_HOST = "127.0.0.1"
# Another stack beside this one (a second checkout) takes other ports: DEMO_APP_PORT,
# DEMO_EXPORTER_PORT and PROMETHEUS_URL's port.
APP_PORT = int(os.environ.get("DEMO_APP_PORT") or 8050)
EXPORTER_PORT = int(os.environ.get("DEMO_EXPORTER_PORT") or 9101)
NODE_EXPORTER_PORT = 9100
# A day more than the longest window the dashboards read (the SLA board's 30 days).
HISTORY_DAYS = 31
RULES = HERE / "rules.yml"
MINUTE = 60


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not port_in_use(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start listening on 127.0.0.1:{port}")
        time.sleep(0.1)


def fill_history(tsdb: Path) -> None:
    """Keep what the last run scraped, then backfill from where the TSDB ends (or HISTORY_DAYS ago)
    to now. The Prometheus servers this needs (their admin API on) listen on a free port of
    their own for the seconds they run, not on the demo's."""
    state_file = tsdb.parent / "backfill.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if state.get("model") != MODEL_VERSION:
        # The series model changed: history written by the old one would not line up.
        shutil.rmtree(tsdb, ignore_errors=True)
        tsdb.mkdir(parents=True)
        state_file.write_text(json.dumps({"model": MODEL_VERSION}))
    if persist_head(tsdb, free_port()):
        say("kept what Prometheus scraped last time (its write-ahead log, now a block)")
    # A long backfill leaves a gap of its own duration: go round until the gap is under a minute.
    first = None
    while True:
        end = int(time.time())
        start = max(stored_until(tsdb) or 0, end - HISTORY_DAYS * 86_400)
        if end - start < MINUTE:
            break
        first = start if first is None else first
        say(f"backfilling {(end - start) / 3600:.1f} h of Prometheus history (promtool)...")
        started = time.perf_counter()
        backfill(tsdb, start, end, up_to_end=True)
        say(f"backfilled in {time.perf_counter() - started:.1f} s")
    if first is not None:
        started = time.perf_counter()
        with offline(tsdb, free_port()) as server:
            count = write_alert_history(tsdb, server.url, RULES, first, end)
        say(f"{count} ALERTS series for that time in {time.perf_counter() - started:.1f} s")
        # And the seconds that took, so live scrapes continue the series without a hole that
        # rate() would draw (ALERTS take up from the rule manager a few seconds later).
        since, now = stored_until(tsdb) or end, int(time.time())
        if now - since > 1:
            backfill(tsdb, since, now, up_to_end=True)


def start_process(stack: ExitStack, args: list[str], log: Path, **kwargs) -> subprocess.Popen:
    handle = log.open("ab")
    proc = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, **kwargs)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        handle.close()

    stack.callback(stop)
    return proc


def main() -> None:
    os.environ.setdefault("DEMO_MODE", "1")
    # Alert notifications: Alertmanager, and the demo inbox unless real SMTP and chat are set.
    inbox = alerting_defaults(os.environ)
    settings = Settings.from_env()
    var = settings.var_dir
    logs = var / "log"
    logs.mkdir(parents=True, exist_ok=True)

    # Built again when over an hour old (21 s): a day-old warehouse left "Last 24 hours" of every
    # SQL panel nearly empty, which reads as a collapse.
    info = build_warehouse(settings.database_url, reuse_within=3600)
    say(f"warehouse: {info.url} ({'reused' if info.reused else 'built'})")
    # The secret key and the state database exist before the workers start (they would race).
    secret_key(settings)
    accounts = ensure_demo_users(connect(settings.app_database_url), var / "demo-users.txt")

    prom_port = urlparse(settings.prometheus_url).port or 9090
    for port, what in ((prom_port, "Prometheus"), (EXPORTER_PORT, "the demo exporter"),
                       (APP_PORT, "the app"), (REDIS_PORT, "Redis (DEMO_REDIS_PORT)")):  # fmt: skip
        if port_in_use(port):
            raise SystemExit(
                f"port {port} for {what} is already in use: stop whatever listens there "
                "(a previous `make run`? a system service?) and try again"
            )
    for port, what in alerting_ports(settings, inbox):
        if port_in_use(port):
            raise SystemExit(f"port {port} for {what} is already in use: stop whatever listens "
                             "there, or give another port (see README, Configuration)")  # fmt: skip

    tsdb = var / "prometheus" / "data"
    tsdb.mkdir(parents=True, exist_ok=True)
    fill_history(tsdb)

    with ExitStack() as stack:
        # Ctrl-C and `kill` both stop every process started here (even when a parent shell
        # made this process ignore SIGINT, as background jobs do).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        start_process(
            stack,
            [sys.executable, "-m", "demo.exporter", "--port", str(EXPORTER_PORT)],
            logs / "exporter.log",
        )
        targets = {
            "demo": [f"127.0.0.1:{EXPORTER_PORT}"],
            "app": [f"{APP_HOST}:{APP_PORT}"],
        }
        if port_in_use(NODE_EXPORTER_PORT):
            say(f"node_exporter already listening on :{NODE_EXPORTER_PORT}, scraping that one")
        else:
            start_process(
                stack,
                [
                    "prometheus-node-exporter",
                    f"--web.listen-address=127.0.0.1:{NODE_EXPORTER_PORT}",
                ],
                logs / "node-exporter.log",
            )
        targets["node"] = [f"127.0.0.1:{NODE_EXPORTER_PORT}"]
        public = os.environ.get("PUBLIC_URL") or f"http://{APP_HOST}:{APP_PORT}"
        alertmanager = start_alerting(
            stack, settings.with_(public_url=public), inbox, logs, start_process, say
        )
        config = var / "prometheus" / "prometheus.yml"
        write_config(
            config,
            scrape_interval=settings.prometheus_scrape_interval,
            targets=targets,
            rules_files=[RULES],
            alertmanagers=[alertmanager],
        )
        prometheus = PrometheusServer(tsdb, config, prom_port)
        prometheus.start()
        stack.callback(prometheus.stop)
        say(f"Prometheus: {prometheus.url}")

        # Scheduled reports and export workers: Redis, a Celery worker and beat.
        queue = {**os.environ, **queue_env(os.environ),
                 "FISCAL_YEAR_START": str(FISCAL_YEAR_START), "PUBLIC_URL": public}  # fmt: skip
        start_queue(lambda args, log, **kw: start_process(stack, args, log, **kw),
                    wait_for_port, var, queue)  # fmt: skip
        say(f"Redis on 127.0.0.1:{REDIS_PORT}, a Celery worker and beat (reports: /reports; "
            "their mail lands in the demo inbox)")  # fmt: skip

        # The app runs as it would in production: gunicorn workers sharing one cache, their
        # /metrics added up through prometheus_client's multiprocess directory.
        metrics_dir = var / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        app = start_process(
            stack,
            [sys.executable, "-m", "gunicorn", "--bind", f"{APP_HOST}:{APP_PORT}",
             "--workers", "2", "--threads", "8", "--timeout", "60", "app:server"],
            logs / "app.log",
            # EXPORT_WARMUP: each worker starts its export browser at start-up, not on the
            # first export a user asks for.
            env={**queue, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "EXPORT_WARMUP": "1"},
        )  # fmt: skip
        wait_for_port(APP_PORT, "the app", timeout=60)
        say(f"app: http://{APP_HOST}:{APP_PORT}   (logs under {logs}; Ctrl-C stops everything)")
        say("log in as one of these demo users (demo only; also in var/demo-users.txt):")
        for name, password in accounts:
            say(f"    {name:<10} {password}")
        say("more users, embed links, reports: DEMO_MODE=1 .venv/bin/flask --app app users add "
            "ana --level operator --teams sre   (DEMO_MODE=1 finds the demo's key)")  # fmt: skip
        try:
            app.wait()
            say(f"the app stopped (exit code {app.returncode}); see {logs / 'app.log'}")
        except KeyboardInterrupt:
            say("stopping...")
    say("stopped")


if __name__ == "__main__":
    main()
