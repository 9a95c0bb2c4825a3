"""The whole lint over dashboards: the file rules, then every panel drawn over the dashboard's
default view as an admin sees it (the data the datasources hold now)."""

from __future__ import annotations

import json

from plotly.io.json import to_json_plotly

from auth.users import User
from data.spec import TEAMS, Dashboard
from data.urlstate import ViewState
from data.view import view_of
from lint import Finding
from lint.drawn import color_findings, comparison_findings, scale_findings
from lint.filters import filter_findings
from lint.spec import spec_findings
from panels import panel_type
from panels.display import panel_data, panel_model

LINTER = User(id=0, name="lint", level="admin", teams=TEAMS)


def drawn_findings(dashboard: Dashboard) -> list[Finding]:
    view = view_of(LINTER, dashboard, ViewState.from_query(dashboard, {}))
    found = []
    for panel in dashboard.panels:
        data = panel_data(view, panel)
        if data.status == "empty":  # nothing to draw over this range: nothing to judge
            continue
        model = panel_model(view, data) if data.status in ("ok", "stale") else None
        if model is None:
            found.append(
                Finding(dashboard.slug, panel.id, "panel-error", data.error or "the panel failed")
            )
            continue
        kind = panel_type(panel.type)
        if kind.figure is not None:
            figure = json.loads(to_json_plotly(kind.figure(model)))
            found += color_findings(dashboard.slug, panel, figure)
            found += comparison_findings(dashboard.slug, data, figure)
        found += scale_findings(dashboard.slug, panel, model)
    return found + filter_findings(dashboard, view.layer)


def lint(dashboards: dict[str, Dashboard], drawn: bool = True) -> list[Finding]:
    found = []
    for slug in sorted(dashboards):
        found += spec_findings(dashboards[slug])
        if drawn:
            found += drawn_findings(dashboards[slug])
    return found
