"""The whole lint over dashboards: the file rules, then every panel drawn over the dashboard's
default view as an admin sees it (the data the datasources hold now)."""

from __future__ import annotations

from auth.users import User
from data.spec import TEAMS, Dashboard
from data.urlstate import ViewState
from lint import Finding
from lint.drawn import panel_findings
from lint.filters import filter_findings
from lint.spec import spec_findings
from panels.display import panel_data, panel_model
from view.resolve import view_of

LINTER = User(id=0, name="lint", level="admin", teams=TEAMS)


def drawn_findings(dashboard: Dashboard) -> list[Finding]:
    view = view_of(LINTER, dashboard, ViewState())
    found = []
    for panel in dashboard.panels:
        data = panel_data(view, panel)
        if data.status == "empty":  # nothing to draw over this range: nothing to judge
            continue
        model = panel_model(view, data)
        if model is None:
            found.append(
                Finding(dashboard.slug, panel.id, "panel-error", data.error or "the panel failed")
            )
            continue
        found += panel_findings(dashboard.slug, data, model)
    return found + filter_findings(dashboard, view.layer)


def lint(dashboards: dict[str, Dashboard], drawn: bool = True) -> list[Finding]:
    found = []
    for slug in sorted(dashboards):
        found += spec_findings(dashboards[slug])
        if drawn:
            found += drawn_findings(dashboards[slug])
    return found
