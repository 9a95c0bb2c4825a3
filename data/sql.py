"""A SQL datasource: one SQLAlchemy engine per named database, read-only where the engine allows.

Queries come from dashboard specs on the server; everything from the browser (time range, variable
values) arrives as bound parameters. SQLite files open with `mode=ro`, PostgreSQL sessions with
`default_transaction_read_only` and a `statement_timeout`; SQLite queries are interrupted at the
same timeout by a progress handler. Results stop at a row limit and say so.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import DateTime, bindparam, create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from data.errors import ErrorKind
from data.health import probe
from data.metrics import UPSTREAM_LATENCY, UPSTREAM_QUERIES
from data.upstream import Upstream


@dataclass(frozen=True)
class SQLResult:
    frame: pd.DataFrame
    truncated: bool
    row_limit: int


def safe_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and /healthz."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _sqlite_read_only(url: URL) -> URL:
    """sqlite:///path -> sqlite:///file:path?mode=ro&uri=true (the file must exist)."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return url
    return url.set(database=f"file:{Path(database).resolve()}", query={"mode": "ro", "uri": "true"})


def make_engine(url: str, *, read_only: bool, timeout: float) -> Engine:
    """An engine for `url`; read-only sessions where the driver can enforce it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"{url!r} is not a SQLAlchemy database URL: {exc}") from None
    connect_args: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if read_only:
            parsed = _sqlite_read_only(parsed)
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = timeout
    elif backend == "postgresql":
        options = f"-c statement_timeout={int(timeout * 1000)}"
        if read_only:
            options += " -c default_transaction_read_only=on"
        connect_args["options"] = options
        connect_args["connect_timeout"] = max(1, int(timeout))
    engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    if backend == "sqlite" and read_only:
        # mode=ro already refuses writes; query_only also covers an ATTACHed database.
        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


class SQLSource(Upstream):
    """A named SQL database that dashboards read from."""

    kind = "sql"

    def __init__(
        self,
        name: str,
        url: str,
        *,
        timeout: float = 10.0,
        row_limit: int = 100_000,
        read_only: bool = True,
    ) -> None:
        super().__init__(name, safe_url(url), timeout)
        self.row_limit = row_limit
        self.engine = make_engine(url, read_only=read_only, timeout=timeout)

    @property
    def dialect(self) -> str:
        """SQLAlchemy's name of the database's dialect: sqlite, postgresql, ..."""
        return self.engine.dialect.name

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> SQLResult:
        """Run one SELECT from a spec with bound parameters. Lists bind as `IN :name` expansions."""
        statement = text(sql)
        # Only the parameters the statement names: callers may offer more (the time range, every
        # dashboard variable) than one query uses.
        params = {k: v for k, v in (params or {}).items() if k in statement._bindparams}
        for key, value in params.items():
            if isinstance(value, list | tuple):
                statement = statement.bindparams(bindparam(key, expanding=True))
                params[key] = list(value)
            elif isinstance(value, datetime):
                # Typed, so each dialect stores and compares times its own way (SQLite: text).
                statement = statement.bindparams(bindparam(key, type_=DateTime()))
        started = time.perf_counter()
        outcome = "error"
        try:
            with self.engine.connect() as conn:
                deadline = started + self.timeout
                raw = conn.connection.dbapi_connection
                if isinstance(raw, sqlite3.Connection):
                    raw.set_progress_handler(lambda: int(time.perf_counter() > deadline), 10_000)
                try:
                    result = conn.execute(statement, params)
                    rows = result.fetchmany(self.row_limit + 1)
                    columns = list(result.keys())
                finally:
                    if isinstance(raw, sqlite3.Connection):
                        raw.set_progress_handler(None, 0)
            outcome = "ok"
        except DBAPIError as exc:
            outcome, kind, message = self._describe(exc, started)
            raise self._error(message, kind) from exc
        except SQLAlchemyError as exc:
            raise self._error(f"SQL error in {self.name}: {exc}", ErrorKind.SQL) from exc
        finally:
            UPSTREAM_QUERIES.labels(self.name, outcome).inc()
            UPSTREAM_LATENCY.labels(self.name).observe(time.perf_counter() - started)
        truncated = len(rows) > self.row_limit
        frame = pd.DataFrame.from_records(rows[: self.row_limit], columns=columns)
        return SQLResult(frame, truncated, self.row_limit)

    def _describe(self, exc: DBAPIError, started: float) -> tuple[str, ErrorKind, str]:
        """Outcome label, kind and user message for a driver error: the database's own words,
        first line only, never a stack trace."""
        text_ = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        lowered = text_.lower()
        if "interrupted" in lowered or "statement timeout" in lowered:
            return (
                "timeout",
                ErrorKind.TIMEOUT,
                f"the query on {self.name} ran longer than {self.timeout:g} s and was stopped; "
                "narrow the time range or raise QUERY_TIMEOUT",
            )
        if exc.connection_invalidated or _is_connect_error(lowered):
            return (
                "unreachable",
                ErrorKind.UNREACHABLE,
                f"database {self.name} unreachable at {self.url}: {text_}",
            )
        return "error", ErrorKind.SQL, f"SQL error in {self.name}: {text_}"

    def health(self) -> dict:
        return probe(self.kind, self.url, lambda: self.query("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()


def _is_connect_error(lowered: str) -> bool:
    return any(
        needle in lowered
        for needle in (
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "could not translate host",
            "does not exist",
        )
    ) and not lowered.startswith(("relation", "column", "no such"))
