"""Benchmark of the data layer (prints figures; no assertions).

One panel query over 7 days (`sum by (service) (rate(http_requests_total[$__rate_interval]))`,
1000 points max: step 15 min, 7 series) against a real Prometheus holding 7 days of demo history:
raw HTTP query vs the data layer on a miss vs on a hit, medians of many runs; then 50 concurrent
identical requests on a cold key: upstream queries made and wall time. Both cache backends.

    make bench          # or: .venv/bin/python -m bench.data_layer [--runs 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from data.cache import make_cache
from data.datasources import DataLayer, build_sources
from data.timerange import TimeRange
from demo.backfill import backfill
from demo.promstack import PrometheusServer, free_port, write_config
from demo.series import MODEL_VERSION
from settings import ROOT, Settings

QUERY = "sum by (service) (rate(http_requests_total[$__rate_interval]))"
DAYS = 7


def prometheus_with_history(directory: Path) -> tuple[PrometheusServer, int]:
    """A Prometheus on a free port over 7 days of demo history (built once per version of the
    demo's model, kept under var/)."""
    stamp = directory / "history.json"
    data = directory / "data"
    if not stamp.exists() or json.loads(stamp.read_text()).get("model") != MODEL_VERSION:
        shutil.rmtree(data, ignore_errors=True)
        end = int(time.time()) // 3600 * 3600 - 3600
        print(f"building {DAYS} days of history with promtool (once)...", flush=True)
        backfill(data, end - DAYS * 86_400, end)
        stamp.write_text(json.dumps({"end": end, "model": MODEL_VERSION}))
    end = json.loads(stamp.read_text())["end"]
    config = write_config(directory / "prometheus.yml", scrape_interval=15, targets={},
                          rules_files=[])  # fmt: skip
    server = PrometheusServer(data, config, free_port(), retention="3650d")
    server.start()
    return server, end


def range_queries(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("prometheus_http_requests_total{")
               and 'handler="/api/v1/query_range"' in line)  # fmt: skip


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_backend(name: str, settings: Settings, url: str, tr: TimeRange, runs: int) -> dict:
    layer = DataLayer(build_sources(settings), make_cache(settings))
    window = layer.window("prometheus", tr)
    rendered = QUERY.replace("$__rate_interval", f"{window.rate_interval}s")
    params = {"query": rendered, "start": window.start, "end": window.end, "step": window.step}
    session = requests.Session()

    def raw():
        session.get(f"{url}/api/v1/query_range", params=params, timeout=30).json()

    def through_layer():
        return layer.prometheus("prometheus", QUERY, tr, legend="{{service}}")

    for _ in range(5):
        raw()
    raw_times = [timed(raw) for _ in range(runs)]
    miss_times = []
    for _ in range(runs):
        layer.cache.clear()
        miss_times.append(timed(through_layer))
    through_layer()
    hit_times = [timed(through_layer) for _ in range(runs * 5)]
    points = len(through_layer().value)

    layer.cache.clear()
    barrier = threading.Barrier(50)

    def concurrent(_):
        barrier.wait()
        return through_layer().status

    before = range_queries(url)
    started = time.perf_counter()
    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(concurrent, range(50)))
    wall = time.perf_counter() - started
    upstream = range_queries(url) - before

    barrier = threading.Barrier(50)

    def raw_concurrent(_):
        barrier.wait()
        requests.get(f"{url}/api/v1/query_range", params=params, timeout=60).json()

    started = time.perf_counter()
    with ThreadPoolExecutor(50) as pool:
        list(pool.map(raw_concurrent, range(50)))
    raw_wall = time.perf_counter() - started
    layer.close()
    return {
        "backend": name, "points": points, "step": window.step,
        "raw": median_ms(raw_times), "miss": median_ms(miss_times), "hit": median_ms(hit_times),
        "upstream": upstream, "misses": statuses.count("miss"), "wall": wall * 1000,
        "raw_wall": raw_wall * 1000,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    prometheus, end = prometheus_with_history(ROOT / "var" / "bench")
    redis_dir = Path(tempfile.mkdtemp())
    redis_port = free_port()
    redis_proc = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(redis_dir)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    try:
        tr = TimeRange(end - DAYS * 86_400, end)
        base = Settings(prometheus_url=prometheus.url, cache_dir=Path(tempfile.mkdtemp()))
        results = [
            bench_backend("diskcache", base, prometheus.url, tr, args.runs),
            bench_backend("redis", base.with_(redis_url=f"redis://127.0.0.1:{redis_port}/0"),
                          prometheus.url, tr, args.runs),
        ]  # fmt: skip
    finally:
        prometheus.stop()
        redis_proc.terminate()
        shutil.rmtree(redis_dir, ignore_errors=True)
    first = results[0]
    print(f"\nOne panel over {DAYS} days: {first['points']} points (step {first['step']} s), "
          f"medians of {args.runs} runs ({args.runs * 5} for hits)\n")  # fmt: skip
    print(
        f"{'backend':<10} {'raw ms':>8} {'miss ms':>8} {'hit ms':>8} {'miss/raw':>9} "
        f"{'raw/hit':>8} | 50 concurrent: {'upstream':>8} {'wall ms':>8} {'raw wall ms':>11}"
    )
    for r in results:
        print(
            f"{r['backend']:<10} {r['raw']:>8.2f} {r['miss']:>8.2f} {r['hit']:>8.2f} "
            f"{r['miss'] / r['raw']:>8.2f}x {r['raw'] / r['hit']:>7.1f}x |"
            f"{'':>15}{r['upstream']:>8.0f} {r['wall']:>8.1f} {r['raw_wall']:>11.1f}"
        )


if __name__ == "__main__":
    main()
