"""The dashboard page's layout, shared by `/d/<slug>` and its kiosk form `/embed/<slug>`: the state
store (time range, refresh, variables; the embed token), the refresh timers, the toolbar and the
empty panel cards that the panel callback fills. Variables locked for the viewer (bound to a user
attribute, or fixed by the embed token) take their locked values whatever the URL says."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.dashboard_view import export_query, grid, header, refresh_ms, toolbar
from data import runtime
from data.access import Viewer, locked_variables, may_view
from data.errors import DataSourceError
from data.spec import Dashboard
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.variables import VariableError, resolve


def forbidden(what: str) -> dbc.Alert:
    return dbc.Alert(
        f"You may not open {what}. Ask an admin for access to it.", color="warning", className="m-3"
    )


def dashboard_layout(
    dashboard: Dashboard | None,
    query: dict,
    viewer: Viewer | None,
    *,
    embed_token: str | None = None,
    panel_id: str | None = None,
) -> html.Div | dbc.Alert:
    if dashboard is None:
        return dbc.Alert("There is no such dashboard.", color="warning", className="m-3")
    if not may_view(viewer, dashboard):
        return forbidden(f"dashboard {dashboard.slug!r}")
    state = ViewState.from_query(dashboard, query)
    problems = []
    try:
        state.time_range()
    except TimeRangeError as exc:
        problems.append(f"Time range: {exc}. Showing the dashboard's default range instead.")
        state = ViewState(dashboard.time_from, dashboard.time_to, state.refresh, state.variables)
    locked = locked_variables(viewer, dashboard)
    layer = runtime.data_layer()
    try:
        values, choices = resolve(layer, dashboard, state.variables, locked)
    except VariableError as exc:
        problems.append(f"{exc}. Showing the default values instead.")
        values, choices = resolve(layer, dashboard, {}, locked)
    except DataSourceError as exc:
        problems.append(f"Variable options could not be loaded: {exc.message}")
        values, choices = {}, {}
    state = ViewState(state.time_from, state.time_to, state.refresh, values)
    store = {"slug": dashboard.slug, **state.to_dict()}
    if embed_token is not None:
        store["embed"] = embed_token
    timers = [
        dcc.Store(id="dash-state", data=store),
        dcc.Store(id="dash-updated", data=None),
        dcc.Interval(
            id="dash-refresh", interval=refresh_ms(state.refresh), disabled=state.refresh == "off"
        ),
        dcc.Interval(id="dash-clock", interval=1000),
    ]
    notes = [dbc.Alert(p, color="warning", className="py-2 small") for p in problems]
    export = export_query(state, embed_token)
    if embed_token is not None:
        body = [*notes, grid(dashboard, only=panel_id, export=export)]
    else:
        titles = {d.slug: d.title for d in runtime.dashboards().values() if may_view(viewer, d)}
        body = [
            header(dashboard, titles, export),
            *notes,
            toolbar(dashboard, state, values, choices, locked=set(locked)),
            grid(dashboard, export=export),
        ]
    return html.Div(
        timers + body,
        id="dash-root",
        **{"data-refresh": state.refresh, "data-slug": dashboard.slug},
    )
