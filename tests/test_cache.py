"""The query cache on both backends: hits, expiry, single-flight across threads and processes,
stale values when the upstream fails, and a broken store that does not break the app."""

from __future__ import annotations

import fcntl
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from data.cache import make_cache
from data.config import Settings
from data.errors import DataSourceError, ErrorKind
from data.metrics import CACHE_REQUESTS


@pytest.fixture(params=["diskcache", "redis"])
def settings(request, tmp_path) -> Settings:
    if request.param == "redis":
        settings = Settings(redis_url=request.getfixturevalue("redis_server").url)
    else:
        settings = Settings(cache_dir=tmp_path / "cache")
    make_cache(settings).clear()
    return settings


@pytest.fixture
def cache(settings):
    cache = make_cache(settings)
    yield cache
    cache.close()


def down(message="Prometheus unreachable at http://x: connection refused"):
    raise DataSourceError(message, datasource="prometheus", kind=ErrorKind.UNREACHABLE)


def test_cache001_miss_then_hit_round_trips_a_frame(cache):
    frame = pd.DataFrame({"timestamp": pd.date_range("2026-11-01", periods=3, tz="UTC"),
                          "value": [1.5, 2.0, None]})  # fmt: skip
    first = cache.get_or_compute("k", lambda: frame, ttl=60, datasource="p")
    second = cache.get_or_compute(
        "k", lambda: pytest.fail("computed twice"), ttl=60, datasource="p"
    )
    assert (first.status, second.status) == ("miss", "hit")
    assert second.value.equals(frame)
    assert second.computed_at == first.computed_at


def test_cache002_value_expires_after_ttl(cache):
    cache.get_or_compute("k", lambda: 1, ttl=0.2, datasource="p")
    time.sleep(0.3)
    again = cache.get_or_compute("k", lambda: 2, ttl=0.2, datasource="p")
    assert (again.status, again.value) == ("miss", 2)


def test_cache003_fifty_threads_one_compute(cache):
    calls = []
    barrier = threading.Barrier(50)

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return {"rows": 42}

    def ask(_):
        barrier.wait()
        return cache.get_or_compute("cold", slow, ttl=60, datasource="p")

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(ask, range(50)))
    assert len(calls) == 1
    assert all(r.value == {"rows": 42} for r in results)


def _worker(settings: Settings, counter: str, barrier, out) -> None:
    cache = make_cache(settings)
    threads = threading.Barrier(25)

    def compute():
        with open(counter, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write("x")
        time.sleep(0.3)
        return "value"

    def ask(_):
        threads.wait()
        return cache.get_or_compute("shared", compute, ttl=60, datasource="p").value

    barrier.wait()
    with ThreadPoolExecutor(25) as pool:
        out.put(list(pool.map(ask, range(25))))


def test_cache004_two_processes_one_compute(settings, tmp_path):
    counter = tmp_path / "computes"
    counter.touch()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(settings, str(counter), barrier, out))
             for _ in range(2)]  # fmt: skip
    for proc in procs:
        proc.start()
    values = [v for _ in procs for v in out.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=30)
    assert Path(counter).read_text() == "x"
    assert values == ["value"] * 50


def test_cache005_stale_value_served_when_upstream_fails(cache):
    cache.get_or_compute("k", lambda: [1, 2, 3], ttl=0.2, datasource="p")
    time.sleep(0.3)
    stale = cache.get_or_compute("k", down, ttl=0.2, datasource="p")
    assert stale.status == "stale" and stale.value == [1, 2, 3]
    assert stale.error.kind is ErrorKind.UNREACHABLE and stale.age >= 0.3
    assert "connection refused" in stale.error.message


def test_cache006_no_last_good_value_means_the_clear_error(cache):
    with pytest.raises(DataSourceError, match="connection refused"):
        cache.get_or_compute("never", down, ttl=1, datasource="p")


def test_cache007_waiters_of_a_failed_query_do_not_all_retry(cache):
    calls = []
    barrier = threading.Barrier(20)

    def failing():
        calls.append(1)
        time.sleep(0.2)
        down()

    def ask(_):
        barrier.wait()
        try:
            cache.get_or_compute("bad", failing, ttl=1, datasource="p")
        except DataSourceError as exc:
            return exc.kind

    with ThreadPoolExecutor(20) as pool:
        kinds = list(pool.map(ask, range(20)))
    assert len(calls) == 1
    assert kinds == [ErrorKind.UNREACHABLE] * 20


def test_cache008_unreachable_redis_degrades_to_direct_queries():
    cache = make_cache(Settings(redis_url="redis://127.0.0.1:9/0"))
    result = cache.get_or_compute("k", lambda: "direct", ttl=60, datasource="p")
    assert (result.value, result.status) == ("direct", "miss")
    health = cache.health()
    assert health["ok"] is False and health["backend"] == "redis"
    assert "127.0.0.1:9" in health["error"]


def test_cache009_unwritable_cache_dir_degrades_to_direct_queries(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = make_cache(Settings(cache_dir=blocker / "cache"))
    assert cache.get_or_compute("k", lambda: 7, ttl=60, datasource="p").value == 7
    assert cache.health()["ok"] is False


def test_cache010_lookups_are_counted_for_metrics(cache):
    def count(result):
        return CACHE_REQUESTS.labels(result)._value.get()

    before = {r: count(r) for r in ("hit", "miss", "stale")}
    cache.get_or_compute("m", lambda: 1, ttl=0.2, datasource="p")
    cache.get_or_compute("m", lambda: 1, ttl=0.2, datasource="p")
    time.sleep(0.3)
    cache.get_or_compute("m", down, ttl=0.2, datasource="p")
    after = {r: count(r) for r in ("hit", "miss", "stale")}
    assert {r: after[r] - before[r] for r in after} == {"hit": 1, "miss": 1, "stale": 1}
