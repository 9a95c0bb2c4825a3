"""The named datasources and the one door to them: `DataLayer`, which renders a query, keys it,
and asks the cache for it.

Two sources always exist: `prometheus` (PROMETHEUS_URL) and `warehouse` (DATABASE_URL). More come
from a YAML file (DATASOURCES_FILE), e.g.

    datasources:
      - name: billing
        type: sql
        url: ${BILLING_DATABASE_URL}     # environment variables are expanded; keep secrets there
      - name: prometheus-eu
        type: prometheus
        url: http://prometheus-eu:9090
        scrape_interval: 30
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from data import promql
from data.cache import CacheResult, QueryCache
from data.errors import DataSourceError, ErrorKind
from data.prometheus import PrometheusSource
from data.scopes import UNSCOPED, Scope, ScopeRules
from data.sql import SQLResult, SQLSource
from data.timerange import DEFAULT_MAX_POINTS, QueryWindow, TimeRange, query_window
from settings import Settings

Source = PrometheusSource | SQLSource
_BIND_NAME = re.compile(r"(?<![:\w]):(\w+)")


class DatasourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    type: Literal["prometheus", "sql"]
    url: str
    scrape_interval: float = Field(default=15.0, gt=0)
    timeout: float | None = Field(default=None, gt=0)
    headers: dict[str, str] = {}


class DatasourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    datasources: list[DatasourceSpec] = []


def _field_path(loc: Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def read_datasources_file(path: Path) -> list[DatasourceSpec]:
    """Parse and validate the datasources file; a broken file is a SystemExit naming the field."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        return DatasourcesFile.model_validate(raw).datasources
    except OSError as exc:
        raise SystemExit(f"{path}: cannot read the datasources file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SystemExit(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SystemExit(f"{path}: {_field_path(first['loc'])}: {first['msg']}") from None


def build_sources(settings: Settings) -> dict[str, Source]:
    sources: dict[str, Source] = {
        "prometheus": PrometheusSource(
            "prometheus",
            settings.prometheus_url,
            timeout=settings.query_timeout,
            scrape_interval=settings.prometheus_scrape_interval,
        ),
        "warehouse": SQLSource(
            "warehouse",
            settings.database_url,
            timeout=settings.query_timeout,
            row_limit=settings.sql_row_limit,
        ),
    }
    extra = read_datasources_file(settings.datasources_file) if settings.datasources_file else []
    for spec in extra:
        url = os.path.expandvars(spec.url)
        timeout = spec.timeout or settings.query_timeout
        if spec.type == "prometheus":
            sources[spec.name] = PrometheusSource(
                spec.name,
                url,
                timeout=timeout,
                scrape_interval=spec.scrape_interval,
                headers=spec.headers or None,
            )
        else:
            try:
                sources[spec.name] = SQLSource(
                    spec.name, url, timeout=timeout, row_limit=settings.sql_row_limit
                )
            except ValueError as exc:
                raise SystemExit(
                    f"{settings.datasources_file}: datasource {spec.name}: {exc}"
                ) from None
    return sources


SQL_MIN_STEP = 60  # seconds: the finest bucket a SQL panel's macros group by


def sql_window(time_range: TimeRange, max_points: int = DEFAULT_MAX_POINTS) -> QueryWindow:
    """A SQL query's window: aligned like a Prometheus one, so viewers share cache entries."""
    return query_window(time_range, scrape_interval=SQL_MIN_STEP, max_points=max_points)


def _key(*parts: object) -> str:
    """Cache keys are digests: the cache never sees (or leaks) query text in its file names."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def source_dialects(sources: Mapping[str, Source]) -> dict[str, str | None]:
    """Each datasource's SQL dialect (None for Prometheus), for the scopes file's checks."""
    return {
        name: source.dialect if isinstance(source, SQLSource) else None
        for name, source in sources.items()
    }


class DataLayer:
    """Every query of every panel goes through here: render, scope, key, cache, fetch.

    A layer reads for one scope: the app's own layer is unscoped (health checks, the CLI);
    `scoped(scope)` gives the layer of a viewer, which rewrites every query for the viewer's
    scope before it is keyed, so scoped values are part of every cache key."""

    def __init__(
        self,
        sources: Mapping[str, Source],
        cache: QueryCache,
        rules: ScopeRules | None = None,
        scope: Scope = UNSCOPED,
    ) -> None:
        self.sources = dict(sources)
        self.cache = cache
        self.rules = rules or ScopeRules()
        self.scope = scope

    def scoped(self, scope: Scope) -> DataLayer:
        """This layer, reading for `scope` (sources, cache and rules shared)."""
        return DataLayer(self.sources, self.cache, self.rules, scope)

    def source(self, name: str, kind: type[Source]) -> Any:
        source = self.sources.get(name)
        if source is None:
            known = ", ".join(sorted(self.sources))
            raise DataSourceError(
                f"there is no datasource named {name!r}; known datasources: {known}",
                datasource=name,
                kind=ErrorKind.CONFIG,
            )
        if not isinstance(source, kind):
            raise DataSourceError(
                f"datasource {name!r} is {source.kind}, not {kind.kind}",
                datasource=name,
                kind=ErrorKind.CONFIG,
            )
        return source

    def window(
        self, datasource: str, time_range: TimeRange, max_points: int = DEFAULT_MAX_POINTS
    ) -> QueryWindow:
        source: PrometheusSource = self.source(datasource, PrometheusSource)
        return query_window(
            time_range, scrape_interval=source.scrape_interval, max_points=max_points
        )

    def prometheus(
        self,
        datasource: str,
        template: str,
        time_range: TimeRange,
        *,
        variables: promql.VariableValues | None = None,
        legend: str | None = None,
        max_points: int = DEFAULT_MAX_POINTS,
        ttl: float = 30.0,
        instant: bool = False,
    ) -> CacheResult[pd.DataFrame]:
        """A PromQL template's series over the range at its step, or (`instant`) their values at
        its end, where `$__range` covers the whole range."""
        source: PrometheusSource = self.source(datasource, PrometheusSource)
        # An instant's end is aligned as every panel's is, whatever its width: one cache key.
        window = self.window(datasource, time_range, DEFAULT_MAX_POINTS if instant else max_points)
        query = self._promql(datasource, template, variables, window)
        if instant:
            key = _key("instant", datasource, query, legend, window.end)
            fetch = partial(source.query, query, window.end, legend)
        else:
            key = _key("range", datasource, query, legend, window.cache_key())
            fetch = partial(source.query_range, query, window, legend)
        return self.cache.get_or_compute(key, fetch, ttl=ttl, datasource=datasource)

    def _promql(
        self,
        datasource: str,
        template: str,
        variables: promql.VariableValues | None,
        window: QueryWindow,
    ) -> str:
        query = promql.render(template, variables, window, datasource=datasource)
        return self.rules.promql(datasource, query, self.scope)

    def label_values(
        self, datasource: str, label: str, match: str | None = None, *, ttl: float = 300.0
    ) -> CacheResult[list[str]]:
        source: PrometheusSource = self.source(datasource, PrometheusSource)
        match = self.rules.series_match(datasource, match, self.scope)
        key = _key("labels", datasource, label, match)
        return self.cache.get_or_compute(
            key, lambda: source.label_values(label, match), ttl=ttl, datasource=datasource
        )

    def sql(
        self,
        datasource: str,
        statement: str,
        time_range: TimeRange | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        max_points: int = DEFAULT_MAX_POINTS,
        ttl: float = 60.0,
    ) -> CacheResult[SQLResult]:
        """Run a spec's SQL. The time range binds as :start and :end (UTC datetimes, aligned like a
        Prometheus window so viewers share cache entries) and :bucket (seconds per point)."""
        source: SQLSource = self.source(datasource, SQLSource)
        # Only the parameters the statement names (`:name`, not a PostgreSQL `::cast`), so the
        # cache key does not change with variables this query ignores.
        named = set(_BIND_NAME.findall(statement))
        bound = {k: v for k, v in (params or {}).items() if k in named}
        statement, scoped = self.rules.sql(datasource, source.dialect, statement, self.scope)
        bound.update(scoped)
        if time_range is not None:
            window = sql_window(time_range, max_points)
            bound["start"] = datetime.fromtimestamp(window.start, UTC).replace(tzinfo=None)
            bound["end"] = datetime.fromtimestamp(window.end, UTC).replace(tzinfo=None)
            bound["bucket"] = window.step
        key = _key("sql", datasource, statement, bound)
        return self.cache.get_or_compute(
            key, lambda: source.query(statement, bound), ttl=ttl, datasource=datasource
        )

    def alerts(self, datasource: str = "prometheus", *, ttl: float = 10.0) -> CacheResult[list]:
        """Pending and firing alerts of a Prometheus datasource, each with its rule's query:
        fetched once for every viewer, then kept to what this layer's scope may see."""
        source: PrometheusSource = self.source(datasource, PrometheusSource)
        key = _key("alerts", datasource)
        result = self.cache.get_or_compute(key, source.alerts, ttl=ttl, datasource=datasource)
        if not self.scope:
            return result
        visible = [
            alert
            for alert in result.value
            if self.rules.alert_visible(
                datasource, alert.get("query", ""), alert.get("labels", {}), self.scope
            )
        ]
        return dataclasses.replace(result, value=visible)

    def health(self) -> dict:
        """Each datasource's and the cache's status, as /healthz shows them."""
        report = {name: source.health() for name, source in sorted(self.sources.items())}
        return {"datasources": report, "cache": self.cache.health()}

    def close(self) -> None:
        for source in self.sources.values():
            if isinstance(source, SQLSource):
                source.close()
        self.cache.close()
