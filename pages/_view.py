"""The dashboard page's layout, shared by `/d/<slug>` and its kiosk form `/embed/<slug>`: the state
store (time range, refresh, variables; the embed token), the refresh timers, the toolbar and the
empty panel cards that the panel callback fills. Variables locked for the viewer (bound to a user
attribute, or fixed by the embed token) take their locked values whatever the URL says."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.annotate import annotate_form
from components.dashboard_view import export_query, grid, header, refresh_ms, toolbar
from components.drill_view import breadcrumb, filter_chips
from data import runtime
from data.access import Viewer, locked_variables, may_view
from data.drilldown import safe_back
from data.errors import DataSourceError
from data.spec import Dashboard
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.users import User
from data.variables import ALL, VariableError, resolve, shows_all


def forbidden(what: str) -> dbc.Alert:
    return dbc.Alert(
        f"You may not open {what}. Ask an admin for access to it.", color="warning", className="m-3"
    )


def trail(query: dict, dashboard: Dashboard, titles: dict[str, str]) -> list:
    """The breadcrumb of a drill-down: the dashboard it came from (`back`), then this one."""
    raw = query.get("back")
    prefix = runtime.settings().url_prefix
    back = safe_back(raw[-1] if isinstance(raw, list) else raw, prefix)
    if back is None:
        return []
    slug = back[len(prefix) :].split("?")[0].removeprefix("d/").split("/")[0]
    return [breadcrumb([(titles.get(slug, "Back"), back), (dashboard.title, None)])]


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
    try:
        defaults, _ = resolve(layer, dashboard, {}, locked)
    except DataSourceError:
        defaults = values
    # The store holds the variables as the toolbar shows them ("All" as such), so the toolbar's
    # first report of its values matches it and does not navigate to the same page again.
    shown = {
        v.name: [ALL] if v.name not in locked and shows_all(v, values, choices) else values[v.name]
        for v in dashboard.variables
        if v.name in values
    }
    view = ViewState(state.time_from, state.time_to, state.refresh, shown)
    store = {"slug": dashboard.slug, **view.to_dict()}
    if embed_token is not None:
        store["embed"] = embed_token
    timers = [
        dcc.Store(id="dash-state", data=store),
        dcc.Store(id="dash-updated", data=None),
        dcc.Store(id="dash-notes", data=None),
        dcc.Interval(
            id="dash-refresh", interval=refresh_ms(state.refresh), disabled=state.refresh == "off"
        ),
        dcc.Interval(id="dash-clock", interval=1000),
    ]
    notes = [dbc.Alert(p, color="warning", className="py-2 small") for p in problems]
    export = export_query(view, embed_token)
    if embed_token is not None:
        body = [*notes, grid(dashboard, only=panel_id, export=export)]
    else:
        titles = {d.slug: d.title for d in runtime.dashboards().values() if may_view(viewer, d)}
        operator = isinstance(viewer, User) and viewer.at_least("operator")
        chips = filter_chips(dashboard, values, defaults, set(locked))
        body = [
            *trail(query, dashboard, titles),
            header(dashboard, titles, export),
            *([annotate_form()] if operator else []),
            *notes,
            toolbar(dashboard, state, values, choices, locked=set(locked)),
            *([chips] if chips else []),
            grid(dashboard, export=export),
        ]
    return html.Div(
        timers + body,
        id="dash-root",
        **{"data-refresh": state.refresh, "data-slug": dashboard.slug},
    )
