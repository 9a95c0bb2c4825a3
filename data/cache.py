"""One query cache, two backends: diskcache on one machine (default), Redis when REDIS_URL is set.

`get_or_compute(key, compute, ttl=..., datasource=...)` is the only way the data layer reaches a
datasource. Three promises:

- **Single-flight.** When many callers miss the same key at once, `compute` runs once. Threads of
  one process wait on that process's one fetch of the key (an in-memory flight); across processes
  (gunicorn workers, machines) the fetching thread holds a lock entry in the shared store (diskcache
  `add`, Redis `SET NX PX`) that expires, so a crashed holder blocks nobody for longer than the
  query timeout plus a margin. Whoever waited reads the holder's result.
- **Stale on error.** Each good value is also kept as the key's "last good" copy (a week by
  default). When the upstream fails, that copy is served with status "stale" and the error; with
  none, the error itself. Callers that waited on a failed fetch get the same answer instead of all
  retrying upstream.
- **The cache is never the outage.** If the store fails (Redis down, disk full), values are
  computed directly for a few seconds before the store is tried again, one warning is logged per
  outage, and `health()` says what is wrong.

Keys are sha256 digests under a versioned namespace, so neither query text nor credentials reach
the store. Values are pickled: that is safe only because the store is written by this app alone (a
shared Redis must not be writable by anyone else; see the README), and it round-trips DataFrames
exactly.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import logging
import os
import pickle
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import diskcache
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from data.errors import DataSourceError
from data.metrics import CACHE_REQUESTS
from settings import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)

NAMESPACE = "teamdash:v1"  # bump the version when the stored format changes
LAST_GOOD_SECONDS = 7 * 86_400
LOCK_MARGIN = 5.0  # a fetch lock outlives the query timeout by this much
FAILURE_SHARE_SECONDS = 5.0  # how long a failed fetch's error waits for other workers to read it
STORE_RETRY_SECONDS = 5.0  # after a store failure, skip the store this long
STORE_TIMEOUT = 2.0
DISK_SIZE_LIMIT = 2**30
POLL_FIRST, POLL_MAX = 0.002, 0.05  # waiting on another worker's fetch: backoff between polls


@dataclass(frozen=True)
class CacheResult(Generic[T]):
    value: T
    computed_at: float  # unix time the value was fetched from upstream
    status: str  # "hit" | "miss" | "stale"
    error: DataSourceError | None = None  # set when stale: why fresh data is missing

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.computed_at)


class StoreError(Exception):
    """The cache store itself failed (not the datasource)."""


@dataclass(frozen=True)
class _Keys:
    fresh: str  # (value, computed_at) until the ttl
    good: str | None  # the same, kept for LAST_GOOD_SECONDS (None: no such copy)
    lock: str  # the token of the caller fetching the key
    fail: str  # (token, error) of a fetch that just failed

    @classmethod
    def of(cls, namespace: str, key: str) -> _Keys:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return cls(*(f"{namespace}:{part}:{digest}" for part in ("fresh", "good", "lock", "fail")))


class _Store:
    """What a backend provides: bytes by key with expiry, and an expiring lock with an owner."""

    name = "store"

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def set(self, key: str, value: bytes, expire: float) -> None:
        raise NotImplementedError

    def acquire(self, key: str, token: str, expire: float) -> bool:
        raise NotImplementedError

    def holder(self, key: str) -> str | None:
        raise NotImplementedError

    def release(self, key: str, token: str) -> None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError

    def ping(self, namespace: str) -> dict:
        raise NotImplementedError

    def clear(self, namespace: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def after_fork(self) -> None:
        """Drop what the parent process opened; reopen lazily in the child."""


class _DiskStore(_Store):
    """diskcache's `Cache`: one SQLite database (WAL) plus value files that every worker process
    shares. Not FanoutCache: its shards add nothing here. Opened lazily in each process, because
    SQLite connections must not cross a fork."""

    name = "diskcache"

    def __init__(self, directory: Path, size_limit: int = DISK_SIZE_LIMIT) -> None:
        self.directory = Path(directory)
        self.size_limit = size_limit
        self._cache: diskcache.Cache | None = None
        self._pid = 0
        self._open_lock = threading.Lock()

    def _open(self) -> diskcache.Cache:
        pid = os.getpid()
        if self._cache is not None and self._pid == pid:
            return self._cache
        with self._open_lock:
            if self._cache is None or self._pid != pid:
                if self._cache is not None:
                    _INHERITED.append(self._cache)  # see after_fork
                self.directory.mkdir(parents=True, exist_ok=True)
                # Least-recently-stored entries are evicted past size_limit.
                self._cache = diskcache.Cache(
                    str(self.directory), size_limit=self.size_limit, timeout=STORE_TIMEOUT
                )
                self._pid = pid
            return self._cache

    def _do(self, op: Callable[[diskcache.Cache], Any]) -> Any:
        try:
            return op(self._open())
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise StoreError(f"disk cache at {self.directory}: {exc}") from exc

    def get(self, key):
        return self._do(lambda c: c.get(key))

    def set(self, key, value, expire):
        self._do(lambda c: c.set(key, value, expire=expire))

    def acquire(self, key, token, expire):
        return self._do(lambda c: c.add(key, token, expire=expire))

    def holder(self, key):
        return self._do(lambda c: c.get(key))

    def release(self, key, token):
        def compare_and_delete(c: diskcache.Cache) -> None:
            with c.transact():
                if c.get(key) == token:
                    c.delete(key)

        self._do(compare_and_delete)

    def delete(self, key):
        self._do(lambda c: c.delete(key))

    def describe(self):
        return {"directory": str(self.directory)}

    def ping(self, namespace):
        probe = f"{namespace}:ping"
        self._do(lambda c: c.set(probe, b"1", expire=60))
        if self._do(lambda c: c.get(probe)) != b"1":
            raise StoreError(f"disk cache at {self.directory}: a value written was not read back")
        return {
            **self.describe(),
            "entries": self._do(len),
            "size_bytes": self._do(lambda c: c.volume()),
            "size_limit_bytes": self.size_limit,
        }

    def clear(self, namespace):
        # The directory belongs to this cache alone.
        self._do(lambda c: c.clear())

    def close(self):
        cache, self._cache = self._cache, None
        if cache is not None and self._pid == os.getpid():
            cache.close()

    def after_fork(self):
        # The parent's connections are kept, never closed or collected here: SQLite's own lock
        # bookkeeping came across the fork and closing them could disturb the parent's locks.
        if self._cache is not None:
            _INHERITED.append(self._cache)
        self._open_lock = threading.Lock()
        self._cache = None


_INHERITED: list[diskcache.Cache] = []

_COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _RedisStore(_Store):
    """redis-py's pool reconnects by itself after a fork and after Redis restarts."""

    name = "redis"

    def __init__(self, url: str, timeout: float = STORE_TIMEOUT) -> None:
        self.url = url
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=min(timeout, 1.0),
            health_check_interval=30,
            # One immediate retry on a dropped connection (Redis restarted); no backoff: a page
            # must never wait on the cache longer than it would on the datasource.
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[redis.ConnectionError],
        )
        self._release = self.client.register_script(_COMPARE_AND_DELETE)

    def _do(self, op: Callable[[], Any]) -> Any:
        try:
            return op()
        except redis.RedisError as exc:
            raise StoreError(f"Redis at {_redacted(self.url)}: {exc}") from exc

    def get(self, key):
        return self._do(lambda: self.client.get(key))

    def set(self, key, value, expire):
        self._do(lambda: self.client.set(key, value, px=_ms(expire)))

    def acquire(self, key, token, expire):
        return bool(self._do(lambda: self.client.set(key, token, nx=True, px=_ms(expire))))

    def holder(self, key):
        raw = self._do(lambda: self.client.get(key))
        return None if raw is None else raw.decode()

    def release(self, key, token):
        self._do(lambda: self._release(keys=[key], args=[token]))

    def delete(self, key):
        self._do(lambda: self.client.delete(key))

    def describe(self):
        return {"url": _redacted(self.url)}

    def ping(self, namespace):
        self._do(self.client.ping)
        return self.describe()

    def clear(self, namespace):
        def unlink_ours() -> None:
            for batch in _batched(self.client.scan_iter(f"{namespace}:*", count=500), 500):
                self.client.unlink(*batch)

        self._do(unlink_ours)

    def close(self):
        self.client.close()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _redacted(url: str) -> str:
    """redis://:secret@host -> redis://***@host."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


@dataclass(frozen=True)
class _Answer:
    """What one fetch came to: a result, or the error to raise. `blob` is the pickled
    (value, computed_at), so every waiter unpickles a copy of its own to mutate freely."""

    result: CacheResult | None = None
    blob: bytes | None = None
    error: BaseException | None = None

    def for_fetcher(self) -> CacheResult:
        if self.error is not None:
            raise self.error
        return self.result

    def for_waiter(self) -> CacheResult:
        if isinstance(self.error, DataSourceError):
            # An exception object of its own for each thread; same message, datasource and kind.
            raise copy.copy(self.error) from self.error.__cause__
        if self.error is not None:
            raise self.error
        result = self.result
        value = result.value if self.blob is None else pickle.loads(self.blob)[0]
        status = "hit" if result.status == "miss" else result.status
        return CacheResult(value, result.computed_at, status, result.error)


class _Flight:
    """This process's one fetch of a key, which its other threads asking for the key wait on."""

    __slots__ = ("answer", "done")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: _Answer | None = None

    def finish(self, answer: _Answer) -> None:
        self.answer = answer
        self.done.set()


_INTERRUPTED = _Answer(error=RuntimeError("the fetch this request waited for was interrupted"))
_LIVE: weakref.WeakSet[QueryCache] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for cache in list(_LIVE):
        cache._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)


class QueryCache:
    """The single-flight, stale-serving cache in front of every datasource. Thread-safe."""

    def __init__(
        self,
        store: _Store,
        *,
        lock_timeout: float = 30.0,
        last_good_seconds: float = LAST_GOOD_SECONDS,
        namespace: str = NAMESPACE,
    ) -> None:
        self.store = store
        self.lock_timeout = lock_timeout
        self.last_good_seconds = last_good_seconds
        self.namespace = namespace
        self._state_lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}
        self._store_error: str | None = None
        self._retry_store_at = 0.0
        _LIVE.add(self)

    @property
    def backend(self) -> str:
        return self.store.name

    def get_or_compute(
        self,
        key: str,
        compute: Callable[[], T],
        *,
        ttl: float,
        datasource: str,
        last_good: bool = True,
    ) -> CacheResult[T]:
        """The cached value of `key` if younger than `ttl` seconds, else `compute()`'s (run once
        however many callers ask at the same time); on a DataSourceError, the last good value
        marked stale, or the error when there is none. `last_good=False` keeps no such copy:
        for values derived from data that has one of its own (drawn panels)."""
        status = "miss"  # also what an error with no last good value counts as
        keys = _Keys.of(self.namespace, key)
        if not last_good:
            keys = dataclasses.replace(keys, good=None)
        try:
            result = self._get_or_compute(keys, compute, ttl, datasource)
            status = result.status
            return result
        finally:
            CACHE_REQUESTS.labels(status).inc()

    def _get_or_compute(self, keys: _Keys, compute, ttl: float, datasource: str) -> CacheResult:
        if self._store_usable():
            try:
                found = self._load(keys.fresh)
            except StoreError as exc:
                self._store_failed(exc)
            else:
                self._store_ok()
                if found is not None:
                    (value, computed_at), _ = found
                    return CacheResult(value, computed_at, "hit")
        with self._state_lock:
            flight = self._flights.get(keys.fresh)
            leading = flight is None
            if leading:
                flight = self._flights[keys.fresh] = _Flight()
        if not leading:
            if flight.done.wait(self.lock_timeout):
                return flight.answer.for_waiter()
            log.warning(
                "query cache: a %s query has been fetching for %.0f s; fetching it again",
                datasource,
                self.lock_timeout,
            )
            return self._fetch(keys, compute, ttl, datasource, token=None).for_fetcher()
        answer = _INTERRUPTED
        try:
            answer = self._lead(keys, compute, ttl, datasource)
        finally:
            with self._state_lock:
                if self._flights.get(keys.fresh) is flight:
                    del self._flights[keys.fresh]
            flight.finish(answer)
        return answer.for_fetcher()

    def _lead(self, keys: _Keys, compute, ttl: float, datasource: str) -> _Answer:
        """Fetch as this process's one caller of the key and, while the store works, as the one
        caller anywhere."""
        token = uuid.uuid4().hex
        answer, owned = None, False
        if self._store_usable():
            try:
                answer, owned = self._claim(keys, token, datasource)
            except StoreError as exc:
                self._store_failed(exc)
        try:
            if answer is None:
                answer = self._fetch(keys, compute, ttl, datasource, token)
            return answer
        finally:
            if owned:
                self._quietly(self.store.release, keys.lock, token)

    def _claim(self, keys: _Keys, token: str, datasource: str) -> tuple[_Answer | None, bool]:
        """Take the key's fetch lock, or wait for its holder's answer. Returns (answer, owned):
        an answer another worker produced, or None when this caller should fetch."""
        holders: set[str] = set()
        deadline = time.monotonic() + self.lock_timeout
        delay = POLL_FIRST
        while True:
            owned = self.store.acquire(keys.lock, token, self.lock_timeout)
            if not owned:
                holder = self.store.holder(keys.lock)
                owned = holder == token  # a retried SET whose first reply was lost
                if holder is not None and not owned:
                    holders.add(holder)
            # Checked after locking too: the holder we waited on may have finished just before.
            answer = self._answered(keys, holders)
            if answer is not None or owned:
                return answer, owned
            if time.monotonic() >= deadline:
                log.warning(
                    "query cache: another worker has held a %s query for %.0f s; fetching it too",
                    datasource,
                    self.lock_timeout,
                )
                return None, False
            time.sleep(delay)
            delay = min(delay * 2, POLL_MAX)

    def _answered(self, keys: _Keys, holders: set[str]) -> _Answer | None:
        """A fresh value, or the failure of a fetch this caller was waiting on."""
        found = self._load(keys.fresh)
        if found is not None:
            (value, computed_at), blob = found
            return _Answer(CacheResult(value, computed_at, "hit"), blob)
        failed = self._load(keys.fail) if holders else None
        if failed is not None:
            (holder, error), _ = failed
            if holder in holders:
                return self._stale_or_error(keys, error)
        return None

    def _fetch(self, keys: _Keys, compute, ttl: float, datasource: str, token: str | None):
        try:
            value = compute()
        except DataSourceError as exc:
            if token is not None:
                # Workers waiting on this fetch take its error instead of all retrying upstream.
                failure = pickle.dumps((token, exc), protocol=pickle.HIGHEST_PROTOCOL)
                self._quietly(self.store.set, keys.fail, failure, FAILURE_SHARE_SECONDS)
            return self._stale_or_error(keys, exc)
        except Exception as exc:
            return _Answer(error=exc)
        now = time.time()
        try:
            blob = pickle.dumps((value, now), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            log.warning(
                "query cache: a %s result cannot be pickled, not cached: %s", datasource, exc
            )
            return _Answer(CacheResult(value, now, "miss"))
        if ttl > 0:
            self._quietly(self.store.set, keys.fresh, blob, ttl)
        if keys.good is not None:
            self._quietly(self.store.set, keys.good, blob, self.last_good_seconds)
        return _Answer(CacheResult(value, now, "miss"), blob)

    def _stale_or_error(self, keys: _Keys, error: DataSourceError) -> _Answer:
        good = self._quietly(self._load, keys.good) if keys.good is not None else None
        if good is None:
            return _Answer(error=error)
        (value, computed_at), blob = good
        return _Answer(CacheResult(value, computed_at, "stale", error), blob)

    def _load(self, key: str) -> tuple[Any, bytes] | None:
        """The unpickled entry and its bytes, or None."""
        raw = self.store.get(key)
        if raw is None:
            return None
        try:
            return pickle.loads(raw), raw
        except Exception as exc:  # written by another build, or truncated: a miss, not an outage
            log.warning("query cache: unreadable entry %s, treated as missing: %s", key, exc)
            return None

    def _quietly(self, op: Callable[..., Any], *args: Any) -> Any:
        """A store operation whose failure only means less caching."""
        if not self._store_usable():
            return None
        try:
            return op(*args)
        except StoreError as exc:
            self._store_failed(exc)
            return None

    def _store_usable(self) -> bool:
        return time.monotonic() >= self._retry_store_at

    def _store_failed(self, exc: StoreError) -> None:
        with self._state_lock:
            first = self._store_error is None
            self._store_error = str(exc)
            self._retry_store_at = time.monotonic() + STORE_RETRY_SECONDS
        if first:
            log.warning("query cache unavailable, querying datasources directly: %s", exc)

    def _store_ok(self) -> None:
        if self._store_error is None:
            return
        with self._state_lock:
            was, self._store_error, self._retry_store_at = self._store_error, None, 0.0
        if was is not None:
            log.info("query cache (%s) works again", self.backend)

    def health(self) -> dict:
        """{"backend", "ok", "latency_ms", "error", ...}: a write and read of the store, timed."""
        started = time.perf_counter()
        try:
            details = self.store.ping(self.namespace)
        except StoreError as exc:
            self._store_failed(exc)
            ok, error, details = False, str(exc), self.store.describe()
        else:
            self._store_ok()
            ok, error = True, None
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return {
            "backend": self.backend,
            "ok": ok,
            "latency_ms": latency_ms,
            "error": error,
            **details,
        }

    def forget(self, key: str) -> None:
        """Drop the fresh value of `key` (its last good copy stays): after a change upstream,
        the next caller in any worker fetches it again."""
        self._quietly(self.store.delete, _Keys.of(self.namespace, key).fresh)

    def clear(self) -> None:
        """Forget every value and last good copy (the app keeps working if this fails)."""
        try:
            self.store.clear(self.namespace)
        except StoreError as exc:
            self._store_failed(exc)

    def close(self) -> None:
        """Release connections; safe to call twice. A later call reopens them."""
        self.store.close()

    def _after_fork(self) -> None:
        # Threads of the parent do not exist here: neither do their flights or held locks.
        self._state_lock = threading.Lock()
        self._flights = {}
        self.store.after_fork()


def make_cache(settings: Settings) -> QueryCache:
    """Redis when REDIS_URL is set, else diskcache under CACHE_DIR."""
    if settings.redis_url:
        store: _Store = _RedisStore(settings.redis_url)
    else:
        store = _DiskStore(settings.cache_dir)
    return QueryCache(store, lock_timeout=settings.query_timeout + LOCK_MARGIN)
