"""Scopes on SQL: every reference to a scoped table becomes a filtered subquery, as Superset's
row-level security does, applied to the parsed statement (sqlglot) and written back in the
database's dialect; nothing is pasted into the query's text.

    FROM orders o JOIN order_items i ...
 -> FROM (SELECT * FROM orders WHERE region = :scope_region) AS o
         JOIN (SELECT * FROM order_items WHERE order_id IN (...)) AS i ...

A table that a scoped query reads and that has no rule for one of the scopes is refused, unless
it is declared unscoped (reference data). So is a statement that is not one query, a table
function, and a common table expression that shadows a table or reads itself without RECURSIVE:
what cannot be checked is not run.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

# SQLAlchemy's dialect names -> sqlglot's.
DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "sqlite": "sqlite", "mysql": "mysql"}
# The schemas a bare table name lives in, per dialect (`main.orders` is `orders`).
DEFAULT_SCHEMAS = {"sqlite": {"main"}, "postgres": {"public"}}


class SQLScopeError(ValueError):
    """The statement cannot be scoped; the message says which table, or what is wrong."""


class TableRefused(SQLScopeError):
    """A table with no rule for a scope the viewer has."""

    def __init__(self, table: str, scope: str) -> None:
        super().__init__(f"{table} has no rule for scope {scope}")
        self.table = table
        self.scope = scope


def glot_dialect(sqlalchemy_dialect: str) -> str:
    return DIALECTS.get(sqlalchemy_dialect, sqlalchemy_dialect)


def param_name(scope: str) -> str:
    """The bound parameter a scope's value travels in (never a dashboard variable's name)."""
    return f"scope_{scope}"


def parse_filter(text: str, scope: str, dialect: str) -> exp.Expression:
    """A rule's filter (`region = :region`), its placeholders renamed to the scope's parameter;
    ValueError when it does not parse or names another parameter."""
    try:
        where = sqlglot.parse_one(f"SELECT 1 WHERE {text}", read=dialect).args.get("where")
    except ParseError as exc:
        raise ValueError(f"not a SQL condition: {exc.errors[0]['description']}") from None
    if where is None:
        raise ValueError("not a SQL condition")
    condition = where.this
    for placeholder in list(condition.find_all(exp.Placeholder)):
        if placeholder.name != scope:
            raise ValueError(
                f"a rule of scope {scope} may bind :{scope} only, not :{placeholder.name}"
            )
        placeholder.replace(exp.Placeholder(this=param_name(scope)))
    return condition


def _bind_names_for(dialect: str, tree: exp.Expression) -> exp.Expression:
    """Placeholders written as SQLAlchemy's `:name` whatever the dialect (PostgreSQL's generator
    would write `%(name)s`)."""
    if dialect == "sqlite":
        return tree
    return tree.transform(
        lambda node: exp.var(f":{node.name}") if isinstance(node, exp.Placeholder) else node
    )


def _ctes(tree: exp.Expression, declared: set[str]) -> set[str]:
    """The names of the statement's common table expressions, refused when one shadows a
    declared table or reads itself without RECURSIVE (it would read the table of that name)."""
    names = set()
    for cte in tree.find_all(exp.CTE):
        name = cte.alias_or_name.lower()
        if name in declared:
            raise SQLScopeError(f"the query names a common table expression {name!r} like a table")
        with_ = cte.parent
        recursive = isinstance(with_, exp.With) and with_.args.get("recursive")
        reads_itself = any(t.name.lower() == name for t in cte.this.find_all(exp.Table))
        if reads_itself and not recursive:
            raise SQLScopeError(f"the common table expression {name!r} reads a table of its name")
        names.add(name)
    return names


def rewrite(
    statement: str,
    dialect: str,
    filters: Mapping[str, Mapping[str, exp.Expression]],
    unscoped: frozenset[str],
) -> str:
    """`statement` with every table reference filtered for each scope in `filters`
    (scope -> table -> condition); SQLScopeError when it cannot be."""
    try:
        trees = sqlglot.parse(statement, read=dialect)
    except ParseError as exc:
        raise SQLScopeError(f"the query does not parse: {exc.errors[0]['description']}") from None
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        raise SQLScopeError("only a single SELECT can be scoped")
    tree = trees[0]
    declared = set(unscoped) | {t for tables in filters.values() for t in tables}
    ctes = _ctes(tree, declared)
    schemas = DEFAULT_SCHEMAS.get(dialect, set())
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise SQLScopeError(f"the table function {table.this.sql(dialect)} cannot be scoped")
        name, schema = table.name.lower(), table.db.lower()
        if schema and schema not in schemas:
            name = f"{schema}.{name}"
        elif not schema and name in ctes:
            continue
        conditions = []
        for scope, tables in filters.items():
            if name in tables:
                conditions.append(tables[name].copy())
            elif name not in unscoped:
                raise TableRefused(name, scope)
        if not conditions:
            continue
        source = exp.Table(this=table.this.copy(), db=table.args.get("db"))
        subquery = exp.select("*").from_(source).where(exp.and_(*conditions))
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        table.replace(exp.Subquery(this=subquery, alias=alias.copy()))
    return _bind_names_for(dialect, tree).sql(dialect=dialect)
