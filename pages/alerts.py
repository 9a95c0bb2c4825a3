"""`/alerts`: what Prometheus's rules have pending or firing, grouped by severity and service,
filterable, with what Alertmanager does with each (notified, silenced, inhibited) when it is
configured; operators and admins acknowledge an alert with a comment and silence it, seen by
everyone."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.access import current_viewer
from auth.users import User
from data.alerts import SEVERITIES
from pages._titles import tab_title
from pages._view import forbidden

dash.register_page(__name__, path="/alerts", name="Alerts", title=tab_title("Alerts"), order=5)


def layout(**_query):
    if not isinstance(current_viewer(), User):
        return forbidden("the alerts page")
    filters = html.Div(
        [
            html.Div(
                [
                    html.Label("Severity", className="toolbar-label"),
                    dcc.Dropdown(
                        id="alerts-severity",
                        options=list(SEVERITIES),
                        multi=True,
                        placeholder="all",
                        className="var-dropdown",
                    ),  # fmt: skip
                ],
                className="toolbar-item",
            ),
            html.Div(
                [
                    html.Label("Search", className="toolbar-label"),
                    dbc.Input(
                        id="alerts-search",
                        placeholder="name, service, summary",
                        size="sm",
                        debounce=True,
                    ),  # fmt: skip
                ],
                className="toolbar-item",
            ),
        ],
        className="dash-toolbar",
    )
    return html.Div(
        [
            html.H1("Alerts", className="h4"),
            filters,
            dcc.Interval(id="alerts-tick", interval=15_000),
            dcc.Store(id="alerts-action"),
            html.Div(id="alerts-list", children=dbc.Spinner(size="sm")),
        ]
    )
