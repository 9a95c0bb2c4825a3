"""The home page: dashboards grouped by team, and the system status."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from auth.access import current_viewer
from auth.users import User
from components.shell import team_label, user_groups
from pages._view import forbidden
from services import services

dash.register_page(__name__, path="/", name="Home", title="Teamdash", order=0)


def _card(dashboard) -> dbc.Col:
    return dbc.Col(
        html.Div(
            [
                dcc.Link(
                    dashboard.title,
                    href=urls.dashboard(services().settings.url_prefix, dashboard.slug),
                ),
                html.P(dashboard.description, className="small text-muted mb-0"),
            ],
            className="home-card",
            **{"data-dashboard": dashboard.slug},
        ),
        xs=12,
        md=6,
        xl=4,
        className="mb-2",
    )


def layout(**_query) -> html.Div:
    viewer = current_viewer()
    if not isinstance(viewer, User):
        return forbidden("the home page")
    groups = user_groups(viewer)
    teams = [
        html.Div(
            [
                html.H3(team_label(team), className="h6"),
                dbc.Row([_card(d) for d in items]),
            ],
            className="home-team",
        )
        for team, items in groups.items()
    ]
    status = dbc.Card(
        [
            dbc.CardHeader("System status"),
            dbc.CardBody(dbc.Spinner(html.Div(id="home-status")), className="p-2"),
        ],
    )
    return dbc.Row(
        [
            dbc.Col([html.H2("Dashboards", className="h4"), *teams], lg=8),
            dbc.Col(status, lg=4),
        ]
    )
