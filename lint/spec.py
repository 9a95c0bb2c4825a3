"""Lint rules on a dashboard file alone: titles that promise what the panel does not draw,
variables that nothing uses, series scaled to share an axis."""

from __future__ import annotations

import re

import promql_parser as pp

from data.spec import Dashboard, Panel, mentions
from data.timerange import duration_words, parse_duration, parse_time
from lint import Finding

# "(dotted - previous 30 days)", "vs 7 days earlier", "compared with last week".
_COMPARISON = re.compile(
    r"dotted|\bprevious (period|week|month|year|\d+\s*(d|days?|weeks?))\b|\bearlier\b"
    r"|\bvs\.? (last|previous|prior)\b|\bcompared (to|with)\b",
    re.IGNORECASE,
)
# "30-day SLA", "Last 90 days", "(7 days)".
_SPAN = re.compile(r"\b(\d+)[- ]day\b|\blast (\d+) days\b|\((\d+) days\)", re.IGNORECASE)


def _window_days(dashboard: Dashboard, panel: Panel) -> float:
    """The days the panel shows when the dashboard opens."""
    if panel.relative_time:
        return parse_duration(panel.relative_time) / 86_400
    end = parse_time(dashboard.time_to)
    return (end - parse_time(dashboard.time_from, end)) / 86_400


def comparison_findings(dashboard: Dashboard) -> list[Finding]:
    found = []
    for panel in dashboard.panels:
        words = f"{panel.title} {panel.description}"
        if _COMPARISON.search(words) and not panel.compare:
            found.append(
                Finding(
                    dashboard.slug,
                    panel.id,
                    "comparison-not-drawn",
                    f"{panel.title!r} promises a comparison the panel does not draw: give it "
                    "compare (7d, or previous: the earlier period is drawn dotted), or reword "
                    "the title",
                )
            )
    return found


def span_findings(dashboard: Dashboard) -> list[Finding]:
    found = []
    for panel in dashboard.panels:
        match = _SPAN.search(panel.title)
        if match is None:
            continue
        said = int(next(g for g in match.groups() if g))
        shown = _window_days(dashboard, panel)
        if abs(shown - said) > 0.01:
            found.append(
                Finding(
                    dashboard.slug,
                    panel.id,
                    "title-window",
                    f"{panel.title!r} says {said} days, but the panel shows {shown:g} when the "
                    f"dashboard opens: set relative_time: {said}d, or reword the title",
                )
            )
    return found


def variable_findings(dashboard: Dashboard) -> list[Finding]:
    found = []
    for variable in dashboard.variables:
        name = variable.name
        used = any(dashboard.reads(p, name) for p in dashboard.panels)
        used = used or any(p.cross_filter == name for p in dashboard.panels)
        used = used or any(
            mentions(v.sql, name) or mentions(v.match, name)
            for v in dashboard.variables
            if v.name != name
        )
        if not used:
            found.append(
                Finding(
                    dashboard.slug,
                    None,
                    "unused-variable",
                    f"variable {name!r} is used by no panel: use ${name} (PromQL) or :{name} "
                    "(SQL) in the queries it should filter, or remove it",
                )
            )
    return found


# "conversions_x20", "deadlocks/s x100": a series multiplied to share an axis.
_SCALED = re.compile(r"(?:^|[\s_/])[x×]\d+$", re.IGNORECASE)
# Functions whose result is a measured rate or amount; a constant times one is an estimate.
_RATES = {"rate", "irate", "increase", "delta", "deriv"}
# Factors that change a unit, not the amount: percent, per minute/hour/day, bits, milli.
_UNIT_FACTORS = {8.0, 60.0, 100.0, 1000.0, 3600.0, 86_400.0}


# What stands in for the built-in windows ($__range, $__rate_interval) in a parsed template.
_BUILTIN_WINDOW = 7777


def _parse_template(expr: str) -> pp.Expr | None:
    """The template with its variables filled by stand-ins (they only stand in strings and
    ranges), parsed; None when it does not parse (the panel's own error says why)."""
    text = re.sub(r"\$\{?__\w+\}?", f"{_BUILTIN_WINDOW}s", expr)
    try:
        return pp.parse(re.sub(r"\$\{?\w+\}?", "x", text))
    except (ValueError, RuntimeError):
        return None


def _reads_rate(node) -> bool:
    found = []
    pp.walk(node, lambda n: found.append(isinstance(n, pp.Call) and n.func.name in _RATES))
    return any(found)


def _number(node) -> float | None:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node.val if isinstance(node, pp.NumberLiteral) else None


def scaled_factors(expr: str) -> list[float]:
    """Constants a rate is multiplied by in the expression (`rate(x[5m]) * 0.8`), unit
    conversions (100 for percent, 60 per minute, ...) aside."""
    tree = _parse_template(expr)
    factors: list[float] = []

    def visit(node) -> None:
        if not isinstance(node, pp.BinaryExpr) or str(node.op) != "*":
            return
        for number, other in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
            value = _number(number)
            if value is not None and abs(value) not in _UNIT_FACTORS and _reads_rate(other):
                factors.append(value)

    if tree is not None:
        pp.walk(tree, visit)
    return factors


def scaled_findings(dashboard: Dashboard) -> list[Finding]:
    found = []
    for panel in dashboard.panels:
        names = [q.legend for q in panel.queries] + [y for q in panel.queries for y in q.y_columns]
        for name in filter(None, names):
            if _SCALED.search(name.strip()):
                found.append(
                    Finding(
                        dashboard.slug,
                        panel.id,
                        "scaled-series",
                        f"{name!r} is multiplied to share an axis: its numbers are not what "
                        "happened; give it a panel of its own (or show a rate instead)",
                    )
                )
        for query in panel.queries:
            for factor in sorted(set(scaled_factors(query.expr or ""))):
                found.append(
                    Finding(
                        dashboard.slug,
                        panel.id,
                        "scaled-series",
                        f"query {query.ref} multiplies a rate by {factor:g}: an estimate, not "
                        "what was measured; query the series that counts it",
                    )
                )
    return found


# Panels that show numbers over the range rather than a line through it.
_SINGLE_NUMBERS = {"stat", "kpi", "gauge", "bargauge", "table", "bar", "pie", "node_graph",
                   "status_map", "geomap", "treemap"}  # fmt: skip


def _said(seconds: float, words: str) -> bool:
    """Whether `words` name a window of `seconds`: "5 minutes", "5 min", "5m", "1 hour",
    "hourly"."""
    long = duration_words(seconds) or ""
    count, _, unit = long.partition(" ")
    forms = [long, f"{count} {unit[:3]}", f"{count}{unit[:1]}"] if long else []
    forms += {3600: ["hourly", "per hour"], 86_400: ["daily", "per day"]}.get(int(seconds), [])
    lowered = words.lower()
    return any(re.search(rf"\b{re.escape(form)}\b", lowered) for form in forms if form)


def _literal_ranges(expr: str) -> list[float]:
    """Seconds of every fixed range in the expression (`[5m]`; `[$__range]` is the picker's)."""
    tree = _parse_template(expr)
    found: list[float] = []

    def visit(node) -> None:
        if isinstance(node, pp.MatrixSelector | pp.SubqueryExpr):
            seconds = node.range.total_seconds()
            if seconds != _BUILTIN_WINDOW:
                found.append(seconds)

    if tree is not None:
        pp.walk(tree, visit)
    return found


def window_findings(dashboard: Dashboard) -> list[Finding]:
    """A single number read over a fixed window the card does not show: the reader takes it for
    the picker's range."""
    found = []
    for panel in dashboard.panels:
        if panel.type not in _SINGLE_NUMBERS:
            continue
        for query in panel.queries:
            words = f"{panel.title} {panel.description} {query.legend or ''}"
            for seconds in sorted(set(_literal_ranges(query.expr or ""))):
                if _said(seconds, words):
                    continue
                shown = duration_words(seconds) or f"{seconds:g} s"
                found.append(
                    Finding(
                        dashboard.slug,
                        panel.id,
                        "literal-window",
                        f"query {query.ref} reads a fixed {shown} the card does not show: use "
                        f"[$__range] (the picker's range) or [$__rate_interval], or say "
                        f"{shown!r} in the title",
                    )
                )
    return found


def spec_findings(dashboard: Dashboard) -> list[Finding]:
    return (
        comparison_findings(dashboard)
        + span_findings(dashboard)
        + variable_findings(dashboard)
        + scaled_findings(dashboard)
        + window_findings(dashboard)
    )
