"""Benchmark of the exports (prints medians; no assertions).

Builds its own world once under var/bench-exports/ (24 hours of demo Prometheus history, a 14-day
demo warehouse), starts Prometheus over it and an app against both, and asks for exports as the
browser does (HTTP, with an embed token):

- PNG of a time-series panel (system-health/request-rate, 24 hours), cold: the first export of
  a fresh process, kaleido's browser start and the data queries included (each in a new process);
  warm: later ones.
- The PDF report of the largest dashboard (migration-health, 16 panels), and where its time goes.
- 10 PNG exports and 4 PDF reports at once against a running server (werkzeug, threaded):
  wall time, drawn in the web process (no queue), then by 1, 2 and 4 export worker processes
  (Celery, a Redis broker of its own; each process with its own browser).

    .venv/bin/python -m bench.exports [--runs 20] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
from werkzeug.serving import WSGIRequestHandler, make_server

import urls
from auth.users import User
from data.spec import TEAMS
from demo.backfill import backfill
from demo.promstack import PrometheusServer, free_port, write_config
from demo.warehouse import build_warehouse
from exports.figures import for_image
from exports.kaleido_engine import ENGINE, Image
from exports.report import layout_report, overlay, typeset
from exports.view import fetch_all
from services import services
from settings import ROOT, Settings
from view.resolve import resolve_view

PNG = "/export/system-health/request-rate.png"
PDF = "/export/migration-health.pdf"
HOURS = 24


def world(directory: Path) -> tuple[PrometheusServer, str, int]:
    """Prometheus (started) over HOURS of history and the warehouse URL, built once; the end of
    the history (unix seconds)."""
    stamp = directory / "world.json"
    if not stamp.exists():
        end = int(time.time()) // 3600 * 3600
        print(f"building {HOURS} h of Prometheus history and the warehouse (once)...", flush=True)
        backfill(directory / "data", end - HOURS * 3600, end)
        moment = datetime.fromtimestamp(end, UTC)
        build_warehouse(f"sqlite:///{directory / 'warehouse.db'}", days=14, end=moment)
        stamp.write_text(json.dumps({"end": end}))
    end = json.loads(stamp.read_text())["end"]
    config = write_config(directory / "prometheus.yml", scrape_interval=60, targets={},
                          rules_files=[])  # fmt: skip
    server = PrometheusServer(directory / "data", config, free_port(), retention="3650d")
    server.start()
    return server, f"sqlite:///{directory / 'warehouse.db'}", end


def app_env(prometheus_url: str, database_url: str, broker: str | None = None) -> dict:
    """The environment of an app (and of its export workers) over the bench's world."""
    var = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    env = {**os.environ, "VAR_DIR": str(var), "SECRET_KEY": secrets.token_hex(32),
           "PROMETHEUS_URL": prometheus_url, "PROMETHEUS_SCRAPE_INTERVAL": "60",
           "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "EXPORT_TIMEOUT": "60"}  # fmt: skip
    return env | ({"CELERY_BROKER_URL": broker} if broker else {})


def make_app(env: dict):
    # Importing app builds its module-level app from the environment: give it a place and a key.
    os.environ.setdefault("VAR_DIR", env["VAR_DIR"])
    os.environ.setdefault("SECRET_KEY", env["SECRET_KEY"])
    from app import create_app

    return create_app(Settings.from_env(env))


def query(app, slug: str, end: int, **extra) -> dict:
    with app.server.app_context():
        dashboard = services().dashboards[slug]
        token, _ = services().embed_links.create(dashboard, "1h", "bench")
    return {"from": (end - HOURS * 3600) * 1000, "to": end * 1000, "token": token, **extra}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def get(client, path: str, params: dict) -> None:
    response = client.get(path, query_string=params)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)}")


def cold_png(prometheus_url: str, database_url: str, end: int) -> None:
    """In a fresh process: the first PNG export's seconds, printed."""
    app = make_app(app_env(prometheus_url, database_url))
    client = app.server.test_client()
    print(timed(lambda: get(client, PNG, query(app, "system-health", end))))


def pdf_stages(app, end: int, runs: int) -> dict[str, float]:
    """Median seconds of each step of the report (warm data cache, warm engine)."""
    samples: dict[str, list[float]] = {}
    with app.server.app_context():
        pool = services().panel_pool
        params = query(app, "migration-health", end)
        asked = urls.view_state({k: [str(v)] for k, v in params.items()})
        admin = User(id=0, name="bench", level="admin", teams=TEAMS)
        view = resolve_view(admin, "migration-health", asked)
        for _ in range(runs):
            step = time.perf_counter()

            def lap(name: str) -> None:
                nonlocal step
                now = time.perf_counter()
                samples.setdefault(name, []).append(now - step)
                step = now

            exports = fetch_all(view, pool)
            lap("data")
            layout = layout_report(view, exports, "bench", datetime.now(UTC))
            images = [
                Image(for_image(s.figure, s.export.data.panel, title=False), "pdf", *s.pixels)
                for s in layout.slots
            ]  # fmt: skip
            lap("figures")
            drawn = ENGINE.images(images, 60)
            lap(f"kaleido ({len(images)} figures)")
            text = typeset(view, layout)
            lap("reportlab")
            overlay(text, layout.slots, drawn)
            lap("pypdf")
    return {name: statistics.median(values) for name, values in samples.items()}


def at_once(url: str, app, end: int, path: str, count: int) -> float:
    """Wall time of `count` exports asked for at the same moment (PNGs each of its own width)."""
    slug = "system-health" if path == PNG else "migration-health"
    asked = [query(app, slug, end, **({"width": 400 + 20 * n, "height": 250} if path == PNG
                                      else {})) for n in range(count)]  # fmt: skip
    start = threading.Barrier(count)

    def export(params: dict) -> None:
        start.wait()
        requests.get(url + path, params=params, timeout=120).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(export, asked))
    return time.perf_counter() - started


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app.server, threaded=True,
                         request_handler=_QuietHandler)  # fmt: skip
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def concurrency(app, end: int, runs: int) -> tuple[float, float]:
    """Medians of 10 PNGs at once and 4 PDF reports at once, after a warm-up of each."""
    url, server = serve(app)
    try:
        at_once(url, app, end, PNG, 10)
        at_once(url, app, end, PDF, 4)
        pngs = [at_once(url, app, end, PNG, 10) for _ in range(runs)]
        pdfs = [at_once(url, app, end, PDF, 4) for _ in range(runs)]
    finally:
        server.shutdown()
    return statistics.median(pngs), statistics.median(pdfs)


def with_workers(prometheus_url: str, database_url: str, end: int, workers: int, runs: int):
    """`concurrency` with the exports drawn by `workers` export processes (one Celery worker,
    `workers` pool processes) on a Redis broker of their own."""
    directory = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    port = free_port()
    broker = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--dir", str(directory)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    env = app_env(prometheus_url, database_url, f"redis://127.0.0.1:{port}/0")
    worker = None
    try:
        client = redis.Redis(port=port)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        app = make_app(env)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jobs.worker", "worker", "-Q", "exports",
             "-c", str(workers), "-l", "WARNING", "--without-gossip", "--without-mingle"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url, server = serve(app)
        try:
            # Until every pool process has its app and its browser: as many exports at once as
            # processes, until a round takes under a second (the first may time out).
            deadline = time.monotonic() + 300
            while True:
                try:
                    if at_once(url, app, end, PNG, workers) < 1.0:
                        break
                except requests.HTTPError:
                    if time.monotonic() > deadline:
                        raise
        finally:
            server.shutdown()
        return concurrency(app, end, runs)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        broker.terminate()
        broker.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        """No line per request: the figures are the output."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--cold", nargs=3, metavar=("PROMETHEUS", "DATABASE", "END"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.cold:
        cold_png(args.cold[0], args.cold[1], int(args.cold[2]))
        return
    prometheus, database_url, end = world(ROOT / "var" / "bench-exports")
    try:
        colds = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-m", "bench.exports", "--cold", prometheus.url, database_url,
                 str(end)], capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            colds.append(float(out.stdout.strip().splitlines()[-1]))
        app = make_app(app_env(prometheus.url, database_url))
        client = app.server.test_client()
        get(client, PNG, query(app, "system-health", end))
        warm = [timed(lambda: get(client, PNG, query(app, "system-health", end)))
                for _ in range(args.runs)]  # fmt: skip
        get(client, PDF, query(app, "migration-health", end))
        pdf_runs = max(3, args.runs // 4)
        pdfs = [timed(lambda: get(client, PDF, query(app, "migration-health", end)))
                for _ in range(pdf_runs)]  # fmt: skip
        stages = pdf_stages(app, end, pdf_runs)
        print("\nAt once, wall time (medians of 5 runs):      10 PNGs    4 PDF reports", flush=True)
        walls = {"in the web process": concurrency(app, end, 5)}
        report(walls)
        for workers in args.workers:
            where = f"{workers} export worker process{'es' if workers > 1 else ''}"
            walls[where] = with_workers(prometheus.url, database_url, end, workers, 5)
            report({where: walls[where]})
    finally:
        prometheus.stop()
    print(f"\nExports over {HOURS} h of demo data; medians (cold: 3 fresh processes)\n")
    print(f"PNG, time series, cold (browser start included): {statistics.median(colds):6.2f} s")
    print(f"PNG, time series, warm ({args.runs} runs):{statistics.median(warm) * 1000:12.0f} ms")
    print(f"PDF, migration-health, 16 panels ({pdf_runs} runs): {statistics.median(pdfs):6.2f} s")
    for name, seconds in stages.items():
        print(f"    {name:<28}{seconds * 1000:8.0f} ms")
    print("\nAt once, wall time (medians of 5 runs):      10 PNGs    4 PDF reports")
    report(walls)


def report(walls: dict[str, tuple[float, float]]) -> None:
    for where, (pngs, pdfs) in walls.items():
        print(f"    {where:<40}{pngs * 1000:7.0f} ms {pdfs:10.2f} s", flush=True)


if __name__ == "__main__":
    main()
