"""The data layer against a real Prometheus: tidy frames, the cache, single-flight counted by
Prometheus itself, stale-on-error when Prometheus stops, and bad input that never runs as PromQL."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import requests

from data.cache import make_cache
from data.datasources import DataLayer, build_sources
from data.errors import DataSourceError, ErrorKind
from data.prometheus import PrometheusSource
from data.timerange import TimeRange
from settings import Settings

RATE = 'sum by (service) (rate(http_requests_total{service=~"$service"}[$__rate_interval]))'


def _unix(value) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def backfilled_range(prometheus) -> TimeRange:
    return TimeRange(_unix(prometheus.start_time) + 3600, _unix(prometheus.end_time))


def range_queries_served(prometheus) -> float:
    """Prometheus's own count of /api/v1/query_range requests, summed over status codes."""
    text = requests.get(f"{prometheus.url}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("prometheus_http_requests_total{")
        and 'handler="/api/v1/query_range"' in line
    )


def make_layer(prometheus, tmp_path, **changes) -> DataLayer:
    settings = Settings(
        var_dir=tmp_path,
        cache_dir=tmp_path / "cache",
        prometheus_url=prometheus.url,
        prometheus_scrape_interval=prometheus.step,
        database_url=f"sqlite:///{tmp_path / 'none.db'}",
        **changes,
    )
    return DataLayer(build_sources(settings), make_cache(settings))


@pytest.fixture
def layer(prometheus, tmp_path):
    layer = make_layer(prometheus, tmp_path)
    yield layer
    layer.close()


def test_dl001_range_query_gives_a_tidy_frame(layer, prometheus):
    tr = backfilled_range(prometheus)
    result = layer.prometheus(
        "prometheus", RATE, tr, variables={"service": ["api", "web"]}, legend="{{service}} rps"
    )
    frame = result.value
    assert result.status == "miss"
    assert list(frame.columns) == ["timestamp", "service", "value", "series"]
    assert set(frame["series"]) == {"api rps", "web rps"}
    window = layer.window("prometheus", tr)
    stamps = frame["timestamp"].map(lambda ts: ts.timestamp())
    assert (stamps % window.step == 0).all()
    assert stamps.min() >= window.start and stamps.max() <= window.end
    assert (frame["value"] > 0).all()


def test_dl002_second_request_is_a_hit_and_sends_nothing_upstream(layer, prometheus):
    tr = backfilled_range(prometheus)
    first = layer.prometheus("prometheus", RATE, tr, variables={"service": ["auth"]})
    before = range_queries_served(prometheus)
    second = layer.prometheus("prometheus", RATE, tr, variables={"service": ["auth"]})
    assert second.status == "hit"
    assert range_queries_served(prometheus) == before
    assert second.value.equals(first.value)


def test_dl003_fifty_threads_one_upstream_query(layer, prometheus):
    tr = backfilled_range(prometheus)
    barrier = threading.Barrier(50)

    def ask(_):
        barrier.wait()
        return layer.prometheus("prometheus", RATE, tr, variables={"service": ["search"]})

    before = range_queries_served(prometheus)
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(ask, range(50)))
    assert range_queries_served(prometheus) - before == 1
    assert all(r.value.equals(results[0].value) for r in results)
    assert sum(r.status == "miss" for r in results) == 1


def _process_worker(
    url: str, step: float, cache_dir: str, redis_url, start: float, end: float, barrier, out
) -> None:
    settings = Settings(
        cache_dir=Path(cache_dir),
        prometheus_url=url,
        prometheus_scrape_interval=step,
        redis_url=redis_url,
    )
    layer = DataLayer(build_sources(settings), make_cache(settings))
    threads = threading.Barrier(25)

    def ask(_):
        threads.wait()
        return layer.prometheus(
            "prometheus", RATE, TimeRange(start, end), variables={"service": ["payments"]}
        )

    barrier.wait()
    with ThreadPoolExecutor(25) as pool:
        results = list(pool.map(ask, range(25)))
    out.put([(r.status, len(r.value)) for r in results])


@pytest.mark.parametrize("backend", ["diskcache", "redis"])
def test_dl004_two_processes_fifty_requests_one_upstream_query(
    backend, prometheus, tmp_path, request
):
    redis_url = None
    if backend == "redis":
        redis_server = request.getfixturevalue("redis_server")
        redis_url = redis_server.url
        make_cache(Settings(redis_url=redis_url)).clear()
    tr = backfilled_range(prometheus)
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    args = (
        prometheus.url,
        prometheus.step,
        str(tmp_path / "shared"),
        redis_url,
        tr.start,
        tr.end,
        barrier,
        out,
    )
    before = range_queries_served(prometheus)
    workers = [ctx.Process(target=_process_worker, args=args) for _ in range(2)]
    for worker in workers:
        worker.start()
    answers = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert range_queries_served(prometheus) - before == 1
    statuses = [status for answer in answers for status, _ in answer]
    assert len(statuses) == 50 and statuses.count("miss") == 1
    assert len({rows for answer in answers for _, rows in answer}) == 1


def test_dl005_stale_on_error_then_fresh_again(prometheus, tmp_path):
    layer = make_layer(prometheus, tmp_path)
    tr = backfilled_range(prometheus)
    good = layer.prometheus("prometheus", RATE, tr, variables={"service": ["web"]}, ttl=0.2)
    prometheus.stop()
    try:
        time.sleep(0.3)
        stale = layer.prometheus("prometheus", RATE, tr, variables={"service": ["web"]}, ttl=0.2)
        assert stale.status == "stale"
        assert stale.value.equals(good.value)
        assert stale.age >= 0.3
        assert stale.error.kind is ErrorKind.UNREACHABLE
        assert prometheus.url in stale.error.message
        with pytest.raises(DataSourceError, match="Prometheus unreachable at .*connection refused"):
            layer.prometheus("prometheus", RATE, tr, variables={"service": ["api"]})
    finally:
        prometheus.start()
    fresh = layer.prometheus("prometheus", RATE, tr, variables={"service": ["web"]}, ttl=0.2)
    assert fresh.status == "miss" and fresh.error is None
    assert fresh.value.equals(good.value)
    layer.close()


def test_dl006_bad_promql_gives_prometheus_own_words(layer, prometheus):
    tr = backfilled_range(prometheus)
    with pytest.raises(DataSourceError) as err:
        layer.prometheus("prometheus", "sum(rate(http_requests_total[5m])", tr)
    assert err.value.kind is ErrorKind.BAD_QUERY
    assert "parse error" in err.value.message and "unclosed left parenthesis" in err.value.message


def test_dl007_unreachable_url_names_the_url():
    source = PrometheusSource("p", "http://127.0.0.1:9", timeout=2)
    with pytest.raises(DataSourceError) as err:
        source.query("up")
    assert err.value.kind is ErrorKind.UNREACHABLE
    assert "http://127.0.0.1:9" in str(err.value) and "connection refused" in str(err.value)


def test_dl008_a_server_that_never_answers_times_out_with_the_timeout_in_the_message():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        port = silent.getsockname()[1]
        source = PrometheusSource("p", f"http://127.0.0.1:{port}", timeout=0.5)
        with pytest.raises(DataSourceError) as err:
            source.query("up")
        assert err.value.kind is ErrorKind.TIMEOUT
        assert "within 0.5 s" in str(err.value)
    finally:
        silent.close()


INJECTIONS = ['"}) or vector(1)', ".*", 'api"} or up{job=~".+', "api\\", "(api|web)", "${service}"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_dl009_hostile_variable_values_match_nothing(layer, prometheus, value):
    tr = backfilled_range(prometheus)
    result = layer.prometheus("prometheus", RATE, tr, variables={"service": [value]})
    assert result.value.empty
    exact = 'sum(rate(http_requests_total{service="$service"}[$__rate_interval]))'
    assert layer.prometheus("prometheus", exact, tr, variables={"service": value}).value.empty


def test_dl010_label_values_and_instant_query(layer, prometheus):
    services = layer.label_values("prometheus", "service", "http_requests_total").value
    assert {"api", "web", "checkout"} <= set(services)
    tr = backfilled_range(prometheus)
    frame = layer.prometheus(
        "prometheus",
        'count(count by (service) (http_requests_total{service=~".+"}))',
        tr,
        instant=True,
    ).value
    assert frame["value"].tolist() == [len(services)]
