"""The home page: a search over the dashboards the user may open (`/` focuses it), their starred
and recently viewed dashboards and saved views, every dashboard of theirs grouped by team, and the
system status."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from auth.access import current_viewer
from auth.users import User
from components.home import (
    dashboard_card,
    recent_section,
    search_box,
    starred_section,
    views_section,
)
from components.shell import team_label, user_groups, visible_dashboards
from pages._titles import tab_title
from pages._view import forbidden
from services import services

dash.register_page(__name__, path="/", name="Home", title=tab_title("Home"), order=0)


def layout(**_query) -> html.Div:
    viewer = current_viewer()
    if not isinstance(viewer, User):
        return forbidden("the home page")
    dashboards = {d.slug: d for d in visible_dashboards(viewer)}
    marks = services().personal.home(viewer, list(dashboards))
    starred = set(marks.starred)
    teams = [
        html.Div(
            [
                html.H3(team_label(team), className="h6"),
                dbc.Row([dashboard_card(d, d.slug in starred) for d in items]),
            ],
            className="home-team",
        )
        for team, items in user_groups(viewer).items()
    ]
    status = dbc.Card(
        [
            dbc.CardHeader("System status"),
            dbc.CardBody(dbc.Spinner(html.Div(id="home-status")), className="p-2"),
        ],
    )
    titles = {slug: d.title for slug, d in dashboards.items()}
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H1("Home", className="visually-hidden"),
                    search_box(),
                    starred_section([dashboards[s] for s in marks.starred]),
                    html.H2("Dashboards", id="home-dashboards", className="h5"),
                    *teams,
                ],
                lg=8,
            ),
            dbc.Col(
                [
                    recent_section([(dashboards[s], at) for s, at in marks.recent]),
                    views_section(marks.views, titles, viewer),
                    status,
                ],
                lg=4,
            ),
        ]
    )
