"""One query cache, two backends: diskcache on one machine (default), Redis when REDIS_URL is set.

`get_or_compute(key, compute, ttl=..., datasource=...)` is the only way the data layer reaches a
datasource. Three promises:

- **Single-flight.** When many callers miss the same key at once, `compute` runs once. Threads of
  one process queue on a per-key lock; processes (gunicorn workers) on a lock entry in the shared
  store (diskcache `add`, Redis `SET NX PX`) that expires, so a crashed holder cannot block anyone
  for longer than the query timeout. Whoever waited reads the holder's result.
- **Stale on error.** Each good value is also kept as the key's "last good" copy for a week. When
  the upstream fails, that copy is served with status "stale" and the error; with none, the error.
  Callers that waited on a failed query get the same answer instead of all retrying upstream.
- **The cache is never the outage.** If the store itself fails (Redis down, disk full), values are
  computed directly and `health()` says what is wrong.

Values are pickled: the store is written only by this app (a shared Redis must not be writable by
anyone else; see the README).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import diskcache
import redis

from data.config import Settings
from data.errors import DataSourceError
from data.metrics import CACHE_REQUESTS

T = TypeVar("T")
log = logging.getLogger(__name__)

NAMESPACE = "teamdash:v1:"
LAST_GOOD_SECONDS = 7 * 86_400
# How long a failed query's outcome is shared with the callers that were waiting on it.
FAILURE_SHARE_SECONDS = 5.0
LOCK_STRIPES = 1024


@dataclass(frozen=True)
class CacheResult(Generic[T]):
    value: T
    computed_at: float
    status: str  # "hit" | "miss" | "stale"
    error: DataSourceError | None = None

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.computed_at)


class StoreError(Exception):
    """The cache store itself failed (not the datasource)."""


class _Store:
    """What a backend provides: bytes by key with expiry, and an expiring lock."""

    name = "store"

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def set(self, key: str, value: bytes, expire: float) -> None:
        raise NotImplementedError

    def acquire(self, key: str, token: str, expire: float) -> bool:
        raise NotImplementedError

    def release(self, key: str, token: str) -> None:
        raise NotImplementedError

    def locked(self, key: str) -> bool:
        return self.get(key) is not None

    def ping(self) -> dict:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _DiskStore(_Store):
    """diskcache's SQLite-backed Cache, reopened in each process (connections must not cross a
    fork)."""

    name = "diskcache"

    def __init__(self, directory: Path, size_limit: int = 2**30) -> None:
        self.directory = Path(directory)
        self.size_limit = size_limit
        self._cache: diskcache.Cache | None = None
        self._pid = 0
        self._open_lock = threading.Lock()

    @property
    def cache(self) -> diskcache.Cache:
        if self._cache is None or self._pid != os.getpid():
            with self._open_lock:
                if self._cache is None or self._pid != os.getpid():
                    try:
                        self.directory.mkdir(parents=True, exist_ok=True)
                        self._cache = diskcache.Cache(
                            str(self.directory), size_limit=self.size_limit, timeout=2
                        )
                    except OSError as exc:
                        raise StoreError(f"cannot open {self.directory}: {exc}") from exc
                    self._pid = os.getpid()
        return self._cache

    def _do(self, op: Callable):
        try:
            return op(self.cache)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise StoreError(f"diskcache at {self.directory}: {exc}") from exc

    def get(self, key):
        return self._do(lambda c: c.get(key))

    def set(self, key, value, expire):
        self._do(lambda c: c.set(key, value, expire=expire))

    def acquire(self, key, token, expire):
        return self._do(lambda c: c.add(key, token, expire=expire))

    def release(self, key, token):
        def compare_and_delete(c):
            with c.transact():
                if c.get(key) == token:
                    c.delete(key)

        self._do(compare_and_delete)

    def ping(self):
        probe = f"{NAMESPACE}ping"
        self._do(lambda c: c.set(probe, b"1", expire=60))
        ok = self._do(lambda c: c.get(probe)) == b"1"
        return {"directory": str(self.directory), "entries": self._do(len), "probe": ok}

    def clear(self):
        self._do(lambda c: c.clear())

    def close(self):
        if self._cache is not None:
            self._cache.close()
            self._cache = None


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _RedisStore(_Store):
    name = "redis"

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self._release = self.client.register_script(_RELEASE)

    def _do(self, op: Callable):
        try:
            return op()
        except redis.RedisError as exc:
            raise StoreError(f"Redis at {_safe(self.url)}: {exc}") from exc

    def get(self, key):
        return self._do(lambda: self.client.get(key))

    def set(self, key, value, expire):
        self._do(lambda: self.client.set(key, value, px=max(1, int(expire * 1000))))

    def acquire(self, key, token, expire):
        return bool(
            self._do(lambda: self.client.set(key, token, nx=True, px=max(1, int(expire * 1000))))
        )

    def release(self, key, token):
        self._do(lambda: self._release(keys=[key], args=[token]))

    def ping(self):
        self._do(self.client.ping)
        return {"url": _safe(self.url)}

    def clear(self):
        def delete_ours():
            for batch in _batched(self.client.scan_iter(f"{NAMESPACE}*", count=500), 500):
                self.client.delete(*batch)

        self._do(delete_ours)

    def close(self):
        self.client.close()


def _batched(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _safe(url: str) -> str:
    """redis://:secret@host -> redis://***@host."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


class QueryCache:
    """The single-flight, stale-serving cache in front of every datasource."""

    def __init__(self, store: _Store, *, lock_timeout: float = 30.0) -> None:
        self.store = store
        self.lock_timeout = lock_timeout
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._store_error: str | None = None

    @property
    def backend(self) -> str:
        return self.store.name

    def _store_failed(self, exc: StoreError) -> None:
        if self._store_error is None:
            log.warning("query cache unavailable, computing directly: %s", exc)
        self._store_error = str(exc)

    def _read(self, key: str):
        raw = self.store.get(key)
        return None if raw is None else pickle.loads(raw)

    def get_or_compute(
        self, key: str, compute: Callable[[], T], *, ttl: float, datasource: str
    ) -> CacheResult[T]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        keys = {part: f"{NAMESPACE}{part}:{digest}" for part in ("fresh", "good", "lock", "fail")}
        arrived = time.time()
        try:
            result = self._lookup(keys, compute, ttl, arrived, digest)
            self._store_error = None
        except StoreError as exc:
            self._store_failed(exc)
            value = compute()
            result = CacheResult(value, time.time(), "miss")
        CACHE_REQUESTS.labels(result.status).inc()
        return result

    def _lookup(self, keys, compute, ttl, arrived, digest) -> CacheResult:
        fresh = self._read(keys["fresh"])
        if fresh is not None:
            return CacheResult(fresh[0], fresh[1], "hit")
        with self._stripes[int(digest[:8], 16) % LOCK_STRIPES]:
            return self._single_flight(keys, compute, ttl, arrived)

    def _shared_outcome(self, keys, arrived) -> CacheResult | None:
        """A result some other caller produced since we arrived: fresh data or its failure."""
        fresh = self._read(keys["fresh"])
        if fresh is not None:
            return CacheResult(fresh[0], fresh[1], "hit")
        failure = self._read(keys["fail"])
        if failure is not None and failure[1] >= arrived:
            return self._stale_or_raise(keys, failure[0])
        return None

    def _single_flight(self, keys, compute, ttl, arrived) -> CacheResult:
        outcome = self._shared_outcome(keys, arrived)
        if outcome is not None:
            return outcome
        token = uuid.uuid4().hex
        owned = self.store.acquire(keys["lock"], token, self.lock_timeout)
        delay = 0.005
        deadline = time.monotonic() + self.lock_timeout
        while not owned and time.monotonic() < deadline:
            # Another process is fetching this key: wait for its answer.
            time.sleep(delay)
            delay = min(delay * 1.5, 0.1)
            outcome = self._shared_outcome(keys, arrived)
            if outcome is not None:
                return outcome
            owned = self.store.acquire(keys["lock"], token, self.lock_timeout)
        try:
            if owned:
                outcome = self._shared_outcome(keys, arrived)
                if outcome is not None:
                    return outcome
            try:
                value = compute()
            except DataSourceError as exc:
                self.store.set(
                    keys["fail"], pickle.dumps((exc, time.time())), FAILURE_SHARE_SECONDS
                )
                return self._stale_or_raise(keys, exc)
            now = time.time()
            blob = pickle.dumps((value, now), protocol=pickle.HIGHEST_PROTOCOL)
            self.store.set(keys["fresh"], blob, ttl)
            self.store.set(keys["good"], blob, LAST_GOOD_SECONDS)
            return CacheResult(value, now, "miss")
        finally:
            if owned:
                self.store.release(keys["lock"], token)

    def _stale_or_raise(self, keys, error: DataSourceError) -> CacheResult:
        good = self._read(keys["good"])
        if good is None:
            raise error
        return CacheResult(good[0], good[1], "stale", error)

    def health(self) -> dict:
        started = time.perf_counter()
        report: dict = {"backend": self.backend}
        try:
            report.update(self.store.ping())
        except StoreError as exc:
            return {**report, "ok": False, "error": str(exc)}
        report["ok"] = True
        report["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return report

    def clear(self) -> None:
        self.store.clear()

    def close(self) -> None:
        self.store.close()


def make_cache(settings: Settings) -> QueryCache:
    """Redis when REDIS_URL is set, else diskcache under CACHE_DIR."""
    lock_timeout = settings.query_timeout + 5
    if settings.redis_url:
        store: _Store = _RedisStore(settings.redis_url)
    else:
        store = _DiskStore(settings.cache_dir)
    return QueryCache(store, lock_timeout=lock_timeout)
