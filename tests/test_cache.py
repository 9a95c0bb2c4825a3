"""The query cache on both backends: hits, expiry, single-flight across threads and processes,
stale values when the upstream fails, and a broken store that does not break the app."""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import diskcache
import numpy as np
import pandas as pd
import pytest
import redis
from prometheus_client import REGISTRY

import data.cache
from data.cache import make_cache
from data.errors import DataSourceError, ErrorKind
from settings import Settings

DOWN = "Prometheus unreachable at http://127.0.0.1:9090: connection refused"


@pytest.fixture(params=["diskcache", "redis"])
def settings(request, tmp_path) -> Settings:
    if request.param == "redis":
        settings = Settings(redis_url=request.getfixturevalue("redis_server").url)
    else:
        settings = Settings(cache_dir=tmp_path / "cache")
    cache = make_cache(settings)
    cache.clear()
    cache.close()
    return settings


@pytest.fixture
def cache(settings):
    cache = make_cache(settings)
    yield cache
    cache.close()


def down():
    raise DataSourceError(DOWN, datasource="prometheus", kind=ErrorKind.UNREACHABLE)


def frame(rows: int = 2000) -> pd.DataFrame:
    values = np.linspace(0, 1, rows)
    values[::97] = np.nan
    return pd.DataFrame(
        {
            "time": pd.date_range("2026-11-01", periods=rows, freq="15s", tz="UTC"),
            "series": pd.Categorical(np.where(np.arange(rows) % 2, "api", "web")),
            "value": values,
        }
    )


def record(path: str) -> None:
    """Count one upstream call in a file every process can append to."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("x")


def counted(result: str) -> float:
    return REGISTRY.get_sample_value("dashboard_cache_requests_total", {"result": result}) or 0.0


def test_cache001_miss_then_hit_returns_the_same_frame(cache):
    first = cache.get_or_compute("q", frame, ttl=60, datasource="prometheus")
    second = cache.get_or_compute(
        "q", lambda: pytest.fail("computed twice"), ttl=60, datasource="p"
    )
    assert (first.status, second.status) == ("miss", "hit")
    pd.testing.assert_frame_equal(second.value, frame())
    assert second.computed_at == first.computed_at and second.error is None


def test_cache002_value_expires_after_ttl(cache):
    cache.get_or_compute("q", lambda: 1, ttl=0.3, datasource="p")
    time.sleep(0.4)
    again = cache.get_or_compute("q", lambda: 2, ttl=0.3, datasource="p")
    assert (again.status, again.value) == ("miss", 2)


def test_cache003_fifty_viewers_at_once_make_one_upstream_query(cache):
    calls = []
    barrier = threading.Barrier(50)

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return frame()

    def ask(_):
        barrier.wait()
        return cache.get_or_compute("cold", slow, ttl=60, datasource="p")

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(ask, range(50)))
    assert len(calls) == 1
    assert sorted(r.status for r in results) == ["hit"] * 49 + ["miss"]
    for result in results:
        pd.testing.assert_frame_equal(result.value, frame())
    # Each viewer has a frame of its own: one changing it does not change another's.
    assert len({id(r.value) for r in results}) == 50


def _ask_from_threads(settings: Settings, key: str, counter: str, behaviour: str, barrier, out):
    """One worker process: 25 threads ask for the same key at once."""
    threads = 25 if behaviour == "ok" else 10
    cache = make_cache(settings)
    start = threading.Barrier(threads)

    def compute():
        record(counter)
        time.sleep(0.5)
        if behaviour == "fail":
            down()
        return {"rows": 42}

    def ask(_):
        start.wait()
        try:
            result = cache.get_or_compute(key, compute, ttl=60, datasource="prometheus")
        except DataSourceError as exc:
            return ("error", str(exc))
        return (result.status, result.value)

    barrier.wait()
    with ThreadPoolExecutor(threads) as pool:
        out.put(list(pool.map(ask, range(threads))))
    cache.close()


def _in_processes(settings: Settings, tmp_path: Path, behaviour: str, processes: int):
    counter = tmp_path / "upstream-calls"
    counter.touch()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    args = (settings, "shared", str(counter), behaviour, barrier, out)
    procs = [ctx.Process(target=_ask_from_threads, args=args) for _ in range(processes)]
    for proc in procs:
        proc.start()
    answers = [answer for _ in procs for answer in out.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=30)
    return counter.read_text(), answers


def test_cache004_three_workers_of_25_threads_make_one_upstream_query(settings, tmp_path):
    calls, answers = _in_processes(settings, tmp_path, "ok", processes=3)
    assert calls == "x"
    assert [value for _, value in answers] == [{"rows": 42}] * 75
    assert sorted(status for status, _ in answers).count("miss") == 1


def test_cache005_last_good_value_served_stale_when_upstream_fails(cache):
    good = cache.get_or_compute("q", frame, ttl=0.2, datasource="p")
    time.sleep(0.3)
    stale = cache.get_or_compute("q", down, ttl=0.2, datasource="p")
    assert stale.status == "stale"
    pd.testing.assert_frame_equal(stale.value, frame())
    assert stale.computed_at == good.computed_at and stale.age > 0.3
    assert stale.error.kind is ErrorKind.UNREACHABLE and str(stale.error) == DOWN


def test_cache006_no_last_good_value_means_the_clear_error(cache):
    with pytest.raises(DataSourceError) as raised:
        cache.get_or_compute("never", down, ttl=1, datasource="prometheus")
    assert str(raised.value) == DOWN and raised.value.datasource == "prometheus"


def test_cache007_waiters_of_a_failed_query_share_its_error(cache):
    calls = []
    barrier = threading.Barrier(20)

    def failing():
        calls.append(1)
        time.sleep(0.2)
        down()

    def ask(_):
        barrier.wait()
        try:
            return cache.get_or_compute("bad", failing, ttl=1, datasource="p").status
        except DataSourceError as exc:
            return str(exc)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(20)))
    assert len(calls) == 1
    assert answers == [DOWN] * 20


def test_cache008_waiters_of_a_failed_query_share_the_stale_value(cache):
    cache.get_or_compute("q", lambda: [1, 2, 3], ttl=0.2, datasource="p")
    time.sleep(0.3)
    calls = []
    barrier = threading.Barrier(20)

    def failing():
        calls.append(1)
        time.sleep(0.2)
        down()

    def ask(_):
        barrier.wait()
        return cache.get_or_compute("q", failing, ttl=0.2, datasource="p")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(ask, range(20)))
    assert len(calls) == 1
    assert {(r.status, str(r.value), str(r.error)) for r in results} == {
        ("stale", "[1, 2, 3]", DOWN)
    }


def test_cache009_workers_waiting_on_a_failed_query_do_not_retry_upstream(settings, tmp_path):
    calls, answers = _in_processes(settings, tmp_path, "fail", processes=2)
    assert calls == "x"
    assert answers == [("error", DOWN)] * 20


def _hang(settings: Settings, margin: float, started: str) -> None:
    data.cache.LOCK_MARGIN = margin

    def stuck():
        Path(started).touch()
        time.sleep(600)

    make_cache(settings).get_or_compute("stuck", stuck, ttl=60, datasource="p")


def test_cache010_a_crashed_worker_does_not_block_its_query(settings, tmp_path, monkeypatch):
    # The fetch lock lives query_timeout + LOCK_MARGIN = 1 s here.
    settings = settings.with_(query_timeout=0.5)
    monkeypatch.setattr(data.cache, "LOCK_MARGIN", 0.5)
    started = tmp_path / "started"
    ctx = multiprocessing.get_context("spawn")
    worker = ctx.Process(target=_hang, args=(settings, 0.5, str(started)))
    worker.start()
    deadline = time.monotonic() + 60
    while not started.exists() and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the worker never started its query"
    worker.kill()
    worker.join()
    cache = make_cache(settings)
    result = cache.get_or_compute("stuck", lambda: "recovered", ttl=60, datasource="p")
    cache.close()
    assert (result.status, result.value) == ("miss", "recovered")


def test_cache011_redis_going_down_and_up_never_breaks_a_page(redis_server, caplog):
    cache = make_cache(Settings(redis_url=redis_server.url))
    cache.clear()
    assert cache.get_or_compute("before", lambda: 1, ttl=60, datasource="p").status == "miss"
    redis_server.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="data.cache"):
            answers = [
                cache.get_or_compute("during", lambda: "direct", ttl=60, datasource="p")
                for _ in range(3)
            ]
        health = cache.health()
    finally:
        redis_server.start()
    assert [(r.value, r.status) for r in answers] == [("direct", "miss")] * 3
    assert len([r for r in caplog.records if r.name == "data.cache"]) == 1
    assert health["ok"] is False and health["backend"] == "redis"
    assert f"127.0.0.1:{redis_server.port}" in health["error"]
    assert cache.health()["ok"] is True
    assert cache.get_or_compute("after", lambda: 3, ttl=60, datasource="p").status == "miss"
    assert cache.get_or_compute("after", lambda: 4, ttl=60, datasource="p").value == 3
    cache.close()


def test_cache012_unreachable_redis_url_degrades_to_direct_queries():
    cache = make_cache(Settings(redis_url="redis://:s3cret@127.0.0.1:1/0"))
    result = cache.get_or_compute("q", lambda: "direct", ttl=60, datasource="p")
    assert (result.value, result.status) == ("direct", "miss")
    health = cache.health()
    assert health["ok"] is False and "127.0.0.1:1" in health["error"]
    assert "s3cret" not in str(health)
    with pytest.raises(DataSourceError, match="connection refused"):
        cache.get_or_compute("q", down, ttl=60, datasource="p")
    cache.close()


def test_cache013_unwritable_cache_dir_degrades_to_direct_queries(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = make_cache(Settings(cache_dir=blocker / "cache"))
    assert cache.get_or_compute("q", lambda: 7, ttl=60, datasource="p").value == 7
    health = cache.health()
    assert health["ok"] is False and str(blocker) in health["error"]


def test_cache014_lookups_are_counted_for_metrics(cache):
    before = {r: counted(r) for r in ("hit", "miss", "stale")}
    cache.get_or_compute("m", lambda: 1, ttl=0.2, datasource="p")
    cache.get_or_compute("m", lambda: 1, ttl=0.2, datasource="p")
    time.sleep(0.3)
    cache.get_or_compute("m", down, ttl=0.2, datasource="p")
    after = {r: counted(r) for r in ("hit", "miss", "stale")}
    assert {r: after[r] - before[r] for r in after} == {"hit": 1, "miss": 1, "stale": 1}


def test_cache015_health_reports_backend_and_latency(cache, settings):
    health = cache.health()
    assert health["backend"] == ("redis" if settings.redis_url else "diskcache")
    assert health["ok"] is True and health["error"] is None
    assert isinstance(health["latency_ms"], float)


def test_cache016_query_text_never_reaches_the_store(cache, settings):
    key = "warehouse|SELECT card_number FROM secret_table"
    cache.get_or_compute(key, lambda: 1, ttl=60, datasource="warehouse")
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        keys = [k.decode() for k in client.keys("*")]
        client.close()
    else:
        with diskcache.Cache(str(settings.cache_dir)) as store:
            keys = list(store.iterkeys())
    assert keys and all(k.startswith("teamdash:v1:") for k in keys)
    assert not any("secret_table" in k for k in keys)


def test_cache017_close_twice_is_harmless(cache):
    cache.get_or_compute("q", lambda: 1, ttl=60, datasource="p")
    cache.close()
    cache.close()
