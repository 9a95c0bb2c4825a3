"""Row-level scopes: a user attribute (region, tenant, team) that restricts every read made for
that user, whatever dashboard, panel, drill-down, export, embed or variable list asks. Declared
once per datasource in SCOPES_FILE, never per query:

    datasources:
      warehouse:                          # a SQL datasource: a filter per table
        unscoped: [countries, categories] # reference data, read whole by every scope
        scopes:
          region:                         # the user attribute; :region binds its value
            orders: region = :region
            order_items: order_id IN (SELECT id FROM orders WHERE region = :region)
      prometheus:                         # a Prometheus datasource: a label per metric
        unscoped: ["http_*", up]          # shell patterns
        scopes:
          region: {label: region, metrics: [order_queue_depth]}

Every attribute of a user is a scope, and scopes fail closed: a table or metric that a scoped
query reads with no rule for one of the viewer's scopes (and not declared unscoped) is refused
with a message saying which, and so is a query that cannot be checked. Admins, and users with no
attributes, read everything. Rewrites are cached per (datasource, query, scope).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from data.errors import DataSourceError, ErrorKind
from data.promql_scope import PromQLScopeError, matches_any, metrics_in, to_promql
from data.sql_scope import SQLScopeError, glot_dialect, param_name, parse_filter, rewrite

LABEL = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
REWRITES_KEPT = 4096  # per kind, per process


@dataclass(frozen=True)
class Scope:
    """The values a viewer's reads are restricted to, e.g. (("region", "EU"),); empty for admins
    and users without attributes."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Scope:
        return cls(tuple(sorted((str(k), str(v)) for k, v in values.items())))

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.values)

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    def describe(self) -> str:
        """`region EU` (for messages)."""
        return ", ".join(f"{name} {value}" for name, value in self.values)


UNSCOPED = Scope()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SQLScopes(_Strict):
    unscoped: list[str] = []
    scopes: dict[str, dict[str, str]] = {}  # scope -> table -> condition


class MetricScope(_Strict):
    label: str = Field(pattern=LABEL)
    metrics: list[str] = Field(min_length=1)


class PrometheusScopes(_Strict):
    unscoped: list[str] = []
    scopes: dict[str, MetricScope] = {}


class ScopesFile(_Strict):
    datasources: dict[str, dict] = {}


@dataclass(frozen=True)
class _SQLRules:
    dialect: str  # sqlglot's
    unscoped: frozenset[str]
    filters: Mapping[str, Mapping[str, object]]  # scope -> table -> parsed condition


def _refused(datasource: str, reason: str, scope: Scope) -> DataSourceError:
    return DataSourceError(
        f"Not shown for your scope ({scope.describe()}): {reason}. "
        "An admin declares what each scope may read in the scopes file (SCOPES_FILE).",
        datasource=datasource,
        kind=ErrorKind.SCOPE,
    )


class ScopeRules:
    """Every datasource's scope rules, and the rewrites they make."""

    def __init__(
        self,
        sql: Mapping[str, _SQLRules] | None = None,
        prometheus: Mapping[str, PrometheusScopes] | None = None,
        source_file: str = "",
    ) -> None:
        self._sql = dict(sql or {})
        self._prometheus = dict(prometheus or {})
        self.source_file = source_file
        # Results and refusals alike, so a refused query is not parsed again on every refresh.
        self._rewrite_sql = lru_cache(maxsize=REWRITES_KEPT)(self._sql_uncached)
        self._rewrite_promql = lru_cache(maxsize=REWRITES_KEPT)(self._promql_uncached)

    # SQL ----------------------------------------------------------------------------------------

    def _sql_uncached(self, datasource: str, dialect: str, statement: str, names: tuple[str, ...]):
        rules = self._sql.get(datasource) or _SQLRules(glot_dialect(dialect), frozenset(), {})
        filters = {name: rules.filters.get(name, {}) for name in names}
        try:
            return rewrite(statement, rules.dialect, filters, rules.unscoped)
        except SQLScopeError as exc:
            return exc

    def sql(
        self, datasource: str, dialect: str, statement: str, scope: Scope
    ) -> tuple[str, dict[str, str]]:
        """The statement as `scope` may run it, and the parameters its filters bind."""
        if not scope:
            return statement, {}
        result = self._rewrite_sql(datasource, dialect, statement, scope.names)
        if isinstance(result, SQLScopeError):
            raise _refused(datasource, str(result), scope)
        return result, {param_name(name): value for name, value in scope.values}

    # PromQL -------------------------------------------------------------------------------------

    def _labels_for(self, datasource: str, metric: str, scope: Scope) -> list[tuple[str, str]]:
        rules = self._prometheus.get(datasource) or PrometheusScopes()
        added = []
        for name, value in scope.values:
            rule = rules.scopes.get(name)
            if rule is not None and matches_any(metric, tuple(rule.metrics)):
                added.append((rule.label, value))
            elif not matches_any(metric, tuple(rules.unscoped)):
                raise PromQLScopeError(f"{metric} has no rule for scope {name}")
        return added

    def _promql_uncached(self, datasource: str, query: str, scope: Scope):
        try:
            return to_promql(query, lambda metric: self._labels_for(datasource, metric, scope))
        except PromQLScopeError as exc:
            return exc

    def promql(self, datasource: str, query: str, scope: Scope) -> str:
        """The query with the scope's label matchers on every selector."""
        if not scope:
            return query
        result = self._rewrite_promql(datasource, query, scope)
        if isinstance(result, PromQLScopeError):
            raise _refused(datasource, str(result), scope)
        return result

    def series_match(self, datasource: str, match: str | None, scope: Scope) -> str | None:
        """A label-values lookup's series selector, scoped; a scoped lookup over every series
        (no selector) is refused: there is nothing to put the matcher on."""
        if not scope:
            return match
        if not match:
            raise _refused(datasource, "a variable lists label values of every metric", scope)
        return self.promql(datasource, match, scope)

    def alert_visible(
        self, datasource: str, rule_query: str, labels: Mapping[str, str], scope: Scope
    ) -> bool:
        """Whether an alert may be shown: its rule reads only metrics unscoped or scoped for
        every scope of the viewer, and for the scoped ones it carries the viewer's value."""
        if not scope:
            return True
        rules = self._prometheus.get(datasource) or PrometheusScopes()
        try:
            metrics = metrics_in(rule_query)
        except PromQLScopeError:
            return False
        for metric in metrics:
            if metric is None:
                return False
            for name, value in scope.values:
                rule = rules.scopes.get(name)
                if rule is not None and matches_any(metric, tuple(rule.metrics)):
                    if labels.get(rule.label) != value:
                        return False
                elif not matches_any(metric, tuple(rules.unscoped)):
                    return False
        return True


def _field(path: Path, loc, message: str) -> SystemExit:
    where = ".".join(str(part) for part in loc)
    return SystemExit(f"{path}: {where}: {message}")


def load_rules(path: Path | None, dialects: Mapping[str, str | None]) -> ScopeRules:
    """The scopes file, checked against the datasources (name -> SQL dialect, None for
    Prometheus). A broken or missing file stops start-up with the file, the field and the
    reason; without a file (None) there are no rules, and every scoped read is refused."""
    if path is None:
        return ScopeRules()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        datasources = ScopesFile.model_validate(raw).datasources
    except OSError as exc:
        raise SystemExit(
            f"{path}: cannot read the scopes file ({exc.strerror}); set SCOPES_FILE to yours"
        ) from None
    except yaml.YAMLError as exc:
        raise SystemExit(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _field(path, first["loc"], first["msg"]) from None
    sql, prometheus = {}, {}
    for name, body in datasources.items():
        if name not in dialects:
            known = ", ".join(sorted(dialects))
            raise _field(path, ("datasources", name), f"no such datasource (known: {known})")
        dialect = dialects[name]
        model = PrometheusScopes if dialect is None else SQLScopes
        try:
            rules = model.model_validate(body or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise _field(path, ("datasources", name, *first["loc"]), first["msg"]) from None
        if dialect is None:
            prometheus[name] = rules
            continue
        glot = glot_dialect(dialect)
        filters: dict[str, dict[str, object]] = {}
        for scope, tables in rules.scopes.items():
            filters[scope] = {}
            for table, condition in tables.items():
                try:
                    filters[scope][table.lower()] = parse_filter(condition, scope, glot)
                except ValueError as exc:
                    where = ("datasources", name, "scopes", scope, table)
                    raise _field(path, where, str(exc)) from None
        unscoped = frozenset(t.lower() for t in rules.unscoped)
        sql[name] = _SQLRules(glot, unscoped, filters)
    return ScopeRules(sql, prometheus, str(path))
