"""The app's few generic callbacks. Each module has `register(app)`: callbacks are bound to one app
explicitly (not `dash.callback`'s global list, which only the first app in a process receives)."""

from dash import Dash

from callbacks import (
    access,
    admin,
    alerts,
    annotate,
    drilldown,
    home,
    panels,
    reports,
    saved_views,
    status,
    theme,
    toolbar,
)

MODULES = [status, panels, toolbar, admin, alerts, annotate, drilldown, saved_views, home, reports,
           theme]  # fmt: skip


def register_all(app: Dash) -> None:
    access.answer_refusals(app.server)
    for module in MODULES:
        module.register(app)
