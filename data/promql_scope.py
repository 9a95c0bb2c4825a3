"""Scopes on PromQL: a label matcher added to every vector selector of the parsed expression, as
prom-label-proxy does, and the check that every metric a scoped query reads has a rule.

The expression is parsed by promql-parser (Prometheus's grammar, in Rust) and written back by
`to_promql` below, node by node, with every string escaped here: nothing is pasted into the
query's text. A query that the writer cannot reproduce exactly (the parse of its output differs
from the parse of the input) is refused rather than sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import timedelta
from fnmatch import fnmatchcase

import promql_parser as pp

# What a selector gains: (label, value) pairs, or a ScopeRefusal raised for its metric.
Injector = Callable[[str], list[tuple[str, str]]]

# The parser's enums are not hashable: pairs, looked up by equality.
_MATCH_OPS = ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"),
              (pp.MatchOp.NotRe, "!~"))  # fmt: skip
_GROUPS = ((pp.VectorMatchCardinality.ManyToOne, "group_left"),
           (pp.VectorMatchCardinality.OneToMany, "group_right"))  # fmt: skip


def _lookup(pairs: tuple, key) -> str | None:
    return next((text for value, text in pairs if value == key), None)


class PromQLScopeError(ValueError):
    """The query cannot be scoped: it does not parse, names no metric, or could not be written
    back exactly. The message says which."""


def matches_any(metric: str, patterns: tuple[str, ...]) -> bool:
    """Whether `metric` is one of the rule's names (shell patterns: `http_*`)."""
    return any(fnmatchcase(metric, pattern) for pattern in patterns)


def _string(value: str) -> str:
    # JSON's escapes (\" \\ \n \uXXXX) are PromQL's (Go's) too.
    return json.dumps(value, ensure_ascii=False)


def _duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    sign = "-" if seconds < 0 else ""
    return sign + pp.display_duration(timedelta(seconds=abs(seconds)))


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


def _modifiers(node) -> str:
    """`offset` and `@` of a selector or subquery."""
    out = ""
    if node.offset is not None:
        out += f" offset {_duration(node.offset)}"
    if node.at is not None:
        kind = node.at.type
        if kind == pp.AtModifierType.Start:
            out += " @ start()"
        elif kind == pp.AtModifierType.End:
            out += " @ end()"
        else:
            out += f" @ {node.at.at.timestamp():.3f}"
    return out


def metric_of(selector: pp.VectorSelector) -> str | None:
    """The metric a selector reads: its name, or an exact `__name__` matcher."""
    if selector.name:
        return selector.name
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == pp.MatchOp.Equal:
            return matcher.value
    return None


class _Writer:
    def __init__(self, inject: Injector | None) -> None:
        self.inject = inject

    def selector(self, node: pp.VectorSelector) -> str:
        if node.matchers.or_matchers:
            raise PromQLScopeError("selectors with `or` between matchers are not supported")
        pairs = [(m.name, _lookup(_MATCH_OPS, m.op), m.value) for m in node.matchers.matchers]
        if self.inject is not None:
            metric = metric_of(node)
            if metric is None:
                shown = "{" + ", ".join(f"{n}{o}{_string(v)}" for n, o, v in pairs) + "}"
                raise PromQLScopeError(
                    f"the selector {shown} names no metric, so its scope cannot be checked"
                )
            pairs += [(label, "=", value) for label, value in self.inject(metric)]
        matchers = ",".join(f"{n}{o}{_string(v)}" for n, o, v in pairs)
        return f"{node.name or ''}{{{matchers}}}"

    def expr(self, node) -> str:
        """The node as PromQL, in source order: the parse keeps the query's parentheses as
        nodes of their own, so none are added or lost."""
        if isinstance(node, pp.VectorSelector):
            return self.selector(node) + _modifiers(node)
        if isinstance(node, pp.MatrixSelector):
            inner = node.vector_selector
            return f"{self.selector(inner)}[{_duration(node.range)}]{_modifiers(inner)}"
        if isinstance(node, pp.SubqueryExpr):
            step = _duration(node.step) if node.step is not None else ""
            return f"{self.expr(node.expr)}[{_duration(node.range)}:{step}]{_modifiers(node)}"
        if isinstance(node, pp.Call):
            return f"{node.func.name}({', '.join(self.expr(a) for a in node.args)})"
        if isinstance(node, pp.AggregateExpr):
            grouping = ""
            if node.modifier is not None:
                word = "by" if node.modifier.type == pp.AggModifierType.By else "without"
                grouping = f" {word} ({', '.join(node.modifier.labels)})"
            args = ([self.expr(node.param)] if node.param is not None else []) + [
                self.expr(node.expr)
            ]
            return f"{node.op}{grouping} ({', '.join(args)})"
        if isinstance(node, pp.BinaryExpr):
            modifier = self.bin_modifier(node)
            return f"{self.expr(node.lhs)} {node.op}{modifier} {self.expr(node.rhs)}"
        if isinstance(node, pp.UnaryExpr):
            return f"-{self.expr(node.expr)}"
        if isinstance(node, pp.ParenExpr):
            return f"({self.expr(node.expr)})"
        if isinstance(node, pp.NumberLiteral):
            return _number(node.val)
        if isinstance(node, pp.StringLiteral):
            return _string(node.val)
        raise PromQLScopeError(f"{type(node).__name__} expressions are not supported")

    def bin_modifier(self, node: pp.BinaryExpr) -> str:
        modifier = node.modifier
        if modifier is None:
            return ""
        fill = modifier.fill_values
        if fill is not None and (fill.lhs is not None or fill.rhs is not None):
            raise PromQLScopeError("fill values on binary operators are not supported")
        out = " bool" if modifier.return_bool else ""
        if modifier.matching is not None:
            word = "on" if modifier.matching.type == pp.LabelModifierType.Include else "ignoring"
            out += f" {word} ({', '.join(modifier.matching.labels)})"
        group = _lookup(_GROUPS, modifier.card)
        if group is not None:
            out += f" {group} ({', '.join(modifier.group_labels or [])})"
        return out


def _parse(query: str) -> pp.Expr:
    try:
        return pp.parse(query)
    except (ValueError, RuntimeError) as exc:
        raise PromQLScopeError(f"the query does not parse: {exc}") from None


def to_promql(query: str, inject: Injector | None = None) -> str:
    """The query written back from its parse, with `inject(metric)`'s matchers added to every
    selector. Refuses (PromQLScopeError) what it cannot write back exactly."""
    tree = _parse(query)
    plain = _Writer(None).expr(tree)
    if _parse(plain).prettify() != tree.prettify():
        raise PromQLScopeError("the query could not be rewritten exactly")
    return _Writer(inject).expr(tree) if inject is not None else plain


def metrics_in(query: str) -> set[str | None]:
    """Every metric the query reads (None for a selector that names none)."""
    found: set[str | None] = set()

    def visit(node) -> None:
        if isinstance(node, pp.VectorSelector):
            found.add(metric_of(node))

    pp.walk(_parse(query), visit)
    return found
