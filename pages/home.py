"""The home page: where a team starts. Data arrives by callback, never in the layout."""

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/", name="Home", title="Teamdash", order=0)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Dashboards", className="h4"),
            html.P(
                "Prometheus and SQL data for every team, through one cached data layer.",
                className="text-muted",
            ),
            dbc.Card(
                [
                    dbc.CardHeader("System status"),
                    dbc.CardBody(dbc.Spinner(html.Div(id="home-status")), className="p-2"),
                ],
                className="col-lg-6",
            ),
        ]
    )
