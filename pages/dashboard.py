"""`/d/<slug>`: one dashboard. The layout holds the toolbar and empty panel cards; panels fill
themselves through the panel callback."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.dashboard_view import grid, header, refresh_ms, toolbar
from data import runtime
from data.errors import DataSourceError
from data.timerange import TimeRangeError
from data.urlstate import ViewState
from data.variables import VariableError, resolve

dash.register_page(__name__, path_template="/d/<slug>", name="Dashboard", nav=False, order=10)


def layout(slug: str = "", **query):
    dashboards = runtime.dashboards()
    dashboard = dashboards.get(slug)
    if dashboard is None:
        return dbc.Alert(f"There is no dashboard {slug!r}.", color="warning", className="m-3")
    state = ViewState.from_query(dashboard, query)
    problems = []
    try:
        state.time_range()
    except TimeRangeError as exc:
        problems.append(f"Time range: {exc}. Showing the dashboard's default range instead.")
        state = ViewState(dashboard.time_from, dashboard.time_to, state.refresh, state.variables)
    try:
        values, choices = resolve(runtime.data_layer(), dashboard, state.variables)
    except VariableError as exc:
        problems.append(f"{exc}. Showing the default values instead.")
        values, choices = resolve(runtime.data_layer(), dashboard, {})
    except DataSourceError as exc:
        problems.append(f"Variable options could not be loaded: {exc.message}")
        values, choices = {}, {}
    state = ViewState(state.time_from, state.time_to, state.refresh, values)
    titles = {d.slug: d.title for d in dashboards.values()}
    return html.Div(
        [
            dcc.Store(id="dash-state", data={"slug": slug, **state.to_dict()}),
            dcc.Store(id="dash-updated", data=None),
            dcc.Interval(
                id="dash-refresh",
                interval=refresh_ms(state.refresh),
                disabled=state.refresh == "off",
            ),
            dcc.Interval(id="dash-clock", interval=1000),
            header(dashboard, titles),
            *[dbc.Alert(p, color="warning", className="py-2 small") for p in problems],
            toolbar(dashboard, state, values, choices),
            grid(dashboard),
        ],
        id="dash-root",
        **{"data-refresh": state.refresh, "data-slug": slug},
    )
