"""The `partly-filtered` rule: a variable that some panels follow while others, whose data has
its dimension, do not (those show every value when it is set; their cards say "not filtered
by ..."). Whether a panel's data has the dimension is asked of its datasources: a metric it reads
carries the variable's label, or a table its SQL reads has a column named after the variable
(`region`, or `category_id` for `category`)."""

from __future__ import annotations

import re
from functools import cache

import sqlglot
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlglot import exp

from data.datasources import DataLayer
from data.errors import DataSourceError
from data.prometheus import PrometheusSource
from data.promql_scope import PromQLScopeError, metrics_in
from data.spec import Dashboard, Panel, Variable
from data.sql import SQLSource
from data.sql_scope import glot_dialect
from lint import Finding


class Dimensions:
    """Which labels the metrics carry and which columns the tables have, asked once each."""

    def __init__(self, layer: DataLayer) -> None:
        self.layer = layer
        self.labelled = cache(self._labelled)
        self.columns = cache(self._columns)

    def _labelled(self, datasource: str, metric: str, label: str) -> bool:
        try:
            return bool(self.layer.label_values(datasource, label, metric).value)
        except DataSourceError:
            return False

    def _columns(self, datasource: str, table: str) -> frozenset[str]:
        source: SQLSource = self.layer.source(datasource, SQLSource)
        try:
            return frozenset(c["name"] for c in inspect(source.engine).get_columns(table))
        except SQLAlchemyError:  # no such table (the panel's own error says so)
            return frozenset()

    def has(self, panel: Panel, variable: Variable) -> bool:
        """Whether the panel's data has the variable's dimension."""
        label = variable.label_name if variable.type == "label_values" else variable.name
        for query in panel.queries:
            datasource = query.datasource or panel.datasource
            source = self.layer.sources.get(datasource)
            if query.expr and isinstance(source, PrometheusSource):
                metrics = _metrics(query.expr)
                if any(self.labelled(datasource, m, label) for m in metrics):
                    return True
            if query.sql and isinstance(source, SQLSource):
                wanted = {variable.name, f"{variable.name}_id"}
                tables = _tables(query.sql, source.dialect)
                if any(wanted & self.columns(datasource, t) for t in tables):
                    return True
        return False


def _metrics(expr: str) -> set[str]:
    """The metrics a PromQL template reads (its variables and ranges filled by stand-ins)."""
    text = re.sub(r"\$\{?\w+\}?", "x", re.sub(r"\$\{?__\w+\}?", "5m", expr))
    try:
        return {m for m in metrics_in(text) if m}
    except PromQLScopeError:
        return set()


def _tables(sql: str, dialect: str) -> set[str]:
    """The tables a SQL template reads (macros and bound names left for sqlglot to skip)."""
    text = re.sub(r"\$__\w+\(([^)]*)\)", r"\1", sql)
    try:
        tree = sqlglot.parse_one(text, dialect=glot_dialect(dialect))
    except sqlglot.errors.ParseError:
        return set()
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


def filter_findings(dashboard: Dashboard, layer: DataLayer) -> list[Finding]:
    dimensions = Dimensions(layer)
    found = []
    for variable in dashboard.variables:
        if not any(dashboard.reads(p, variable.name) for p in dashboard.panels):
            continue  # unused-variable says so
        could = [p for p in dashboard.panels if dimensions.has(p, variable)]
        missing = [p.id for p in could if not dashboard.reads(p, variable.name)]
        if missing:
            found.append(
                Finding(
                    dashboard.slug,
                    None,
                    "partly-filtered",
                    f"{variable.name!r} filters {len(could) - len(missing)} of the {len(could)} "
                    f"panels whose data has it; these show every value: {', '.join(missing)}",
                    warning=True,
                )
            )
    return found
