"""Lint rules on a dashboard file alone: titles that promise what the panel does not draw, and
variables that nothing uses."""

from __future__ import annotations

import re

from data.spec import Dashboard, Panel, mentions
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
        used = any(p.uses(name) for p in dashboard.panels)
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
    return found


def _reads(panel: Panel, datasource: str) -> bool:
    return any((q.datasource or panel.datasource) == datasource for q in panel.queries)


def partial_filter_findings(dashboard: Dashboard) -> list[Finding]:
    """A variable that some panels of its datasource read and others do not: those show every
    value (their cards say "not filtered by ..." when it is set). A warning: some data has no
    such dimension."""
    found = []
    for variable in dashboard.variables:
        if variable.type == "custom":
            continue
        source = variable.datasource or ("prometheus" if variable.type == "label_values" else "")
        source = source or "warehouse"
        panels = [p for p in dashboard.panels if _reads(p, source)]
        used = [p for p in panels if p.uses(variable.name)]
        if used and len(used) < len(panels):
            others = ", ".join(p.id for p in panels if p not in used)
            found.append(
                Finding(
                    dashboard.slug,
                    None,
                    "partly-filtered",
                    f"{variable.name!r} filters {len(used)} of {len(panels)} {source} panels; "
                    f"these show every value: {others}",
                    warning=True,
                )
            )
    return found


def spec_findings(dashboard: Dashboard) -> list[Finding]:
    return (
        comparison_findings(dashboard)
        + span_findings(dashboard)
        + variable_findings(dashboard)
        + scaled_findings(dashboard)
        + partial_filter_findings(dashboard)
    )
