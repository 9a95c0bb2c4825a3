"""Scopes on SQL: every reference to a scoped table becomes a filtered subquery, as Superset's
row-level security does, applied to the parsed statement (sqlglot) and written back in the
database's dialect; nothing is pasted into the query's text.

    FROM orders o JOIN order_items i ...
 -> FROM (SELECT * FROM orders WHERE region = :scope_region) AS o
         JOIN (SELECT * FROM order_items WHERE order_id IN (...)) AS i ...

A table that a scoped query reads and that has no rule for one of the scopes is refused, unless
it is declared unscoped (reference data). A name is a common table expression only where a WITH
around it defines it (and before it, unless RECURSIVE); anywhere else it is a table. Refused too:
a statement that is not one query, a table function, a common table expression named like a
declared table, and a function sqlglot does not know unless it is one of SAFE_FUNCTIONS (a
function can run SQL of its own, as PostgreSQL's query_to_xml does): what cannot be checked is
not run.
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
# Functions sqlglot has no node for that read nothing but their arguments.
SAFE_FUNCTIONS = frozenset({"date", "datetime", "time", "julianday", "unixepoch", "printf",
                            "date_part", "age", "to_char", "to_date", "to_number", "width_bucket",
                            "percentile_cont", "percentile_disc"})  # fmt: skip
# Functions sqlglot knows that read files, URLs or other SQL.
UNSAFE_FUNCTIONS = (exp.ReadCSV, exp.ReadParquet, exp.ToFile, exp.XMLTable)


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


def _check_ctes(tree: exp.Expression, declared: set[str]) -> None:
    """A common table expression named like a declared table is refused: which one a reference
    means would depend on where it stands."""
    for cte in tree.find_all(exp.CTE):
        name = cte.alias_or_name.lower()
        if name in declared:
            raise SQLScopeError(f"the query names a common table expression {name!r} like a table")


def _is_cte_reference(table: exp.Table) -> bool:
    """Whether a bare table name means a common table expression: one that a WITH enclosing it
    defines, and, when the name stands inside that WITH, one defined before the expression it
    stands in (any of them in a RECURSIVE WITH). Anything else so named is a table."""
    name = table.name.lower()
    path: list[exp.Expression] = [table]
    node = table.parent
    while node is not None:
        with_ = node.args.get("with_") if isinstance(node, exp.Query) else None
        if isinstance(with_, exp.With):
            ctes = list(with_.expressions)
            names = [cte.alias_or_name.lower() for cte in ctes]
            if path[-1] is with_ and not with_.args.get("recursive"):
                within = next(i for i, cte in enumerate(ctes) if cte is path[-2])
                names = names[:within]
            if name in names:
                return True
        path.append(node)
        node = node.parent
    return False


def _check_functions(tree: exp.Expression, dialect: str) -> None:
    for function in tree.find_all(exp.Func):
        unknown = (
            isinstance(function, exp.Anonymous) and function.name.lower() not in SAFE_FUNCTIONS
        )
        if unknown or isinstance(function, UNSAFE_FUNCTIONS):
            shown = function.name if isinstance(function, exp.Anonymous) else function.sql(dialect)
            raise SQLScopeError(
                f"the function {shown[:40]} is not known to read only its arguments, so a scope "
                "cannot be applied around it"
            )


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
    _check_ctes(tree, declared)
    _check_functions(tree, dialect)
    schemas = DEFAULT_SCHEMAS.get(dialect, set())
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise SQLScopeError(f"the table function {table.this.sql(dialect)} cannot be scoped")
        name, schema = table.name.lower(), table.db.lower()
        if schema and schema not in schemas:
            name = f"{schema}.{name}"
        elif not schema and _is_cte_reference(table):
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
        # Built node by node: sqlglot's builders (select("*"), where()) parse their strings.
        condition = conditions[0]
        for more in conditions[1:]:
            condition = exp.And(this=exp.Paren(this=condition), expression=exp.Paren(this=more))
        subquery = exp.Select(
            expressions=[exp.Star()], from_=exp.From(this=source), where=exp.Where(this=condition)
        )
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        table.replace(exp.Subquery(this=subquery, alias=alias.copy()))
    return _bind_names_for(dialect, tree).sql(dialect=dialect, copy=False)
