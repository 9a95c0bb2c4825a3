"""Lint rules on a dashboard file alone: titles that promise what the panel does not draw, and
variables that nothing uses."""

from __future__ import annotations

import re

from data.spec import Dashboard, Panel
from data.timerange import parse_duration, parse_time
from lint import Finding

# "(dotted - previous 30 days)", "vs 7 days earlier", "compared with last week".
_COMPARISON = re.compile(
    r"dotted|\bprevious (period|week|month|year|\d+\s*(d|days?|weeks?))\b|\bearlier\b"
    r"|\bvs\.? (last|previous|prior)\b|\bcompared (to|with)\b",
    re.IGNORECASE,
)
# "30-day SLA", "Last 90 days", "(7 days)".
_SPAN = re.compile(r"\b(\d+)[- ]day\b|\blast (\d+) days\b|\((\d+) days\)", re.IGNORECASE)


def _uses(text: str | None, name: str) -> bool:
    if not text:
        return False
    pattern = rf"\$\{{?{name}\b|\[\[{name}\]\]|(?<![:\w]):{name}\b"
    return re.search(pattern, text) is not None


def _panel_texts(panel: Panel) -> list[str | None]:
    texts: list[str | None] = [panel.content]
    for query in panel.queries:
        texts += [query.expr, query.sql, query.legend]
    if panel.drilldown is not None:
        texts.append(panel.drilldown.sql)
    return texts


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
        if _COMPARISON.search(words) and not panel.time_shift:
            found.append(
                Finding(
                    dashboard.slug,
                    panel.id,
                    "comparison-not-drawn",
                    f"{panel.title!r} promises a comparison the panel does not draw: give it "
                    "time_shift (the earlier period is drawn dotted), or reword the title",
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
        used = any(_uses(t, name) for p in dashboard.panels for t in _panel_texts(p))
        used = used or any(p.cross_filter == name for p in dashboard.panels)
        used = used or any(
            _uses(v.sql, name) or _uses(v.match, name)
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


def spec_findings(dashboard: Dashboard) -> list[Finding]:
    return comparison_findings(dashboard) + span_findings(dashboard) + variable_findings(dashboard)
