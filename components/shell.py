"""The frame around every page: navbar (dashboards by team), page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.spec import TEAMS, Dashboard


def by_team(dashboards: list[Dashboard]) -> dict[str, list[Dashboard]]:
    """Dashboards grouped by team, teams in their canonical order, titles sorted."""
    groups: dict[str, list[Dashboard]] = {team: [] for team in TEAMS}
    for dashboard in dashboards:
        for team in dashboard.teams:
            groups[team].append(dashboard)
    return {t: sorted(ds, key=lambda d: d.title) for t, ds in groups.items() if ds}


def team_label(team: str) -> str:
    return team.upper() if team in ("sre", "dba") else team.capitalize()


def navbar(dashboards: list[Dashboard]) -> dbc.Navbar:
    menus = []
    for team, items in by_team(dashboards).items():
        entries = [dbc.DropdownMenuItem(d.title, href=f"/d/{d.slug}") for d in items]
        menus.append(
            dbc.DropdownMenu(
                entries,
                label=team_label(team),
                nav=True,
                in_navbar=True,
            )
        )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Teamdash", href=dash.get_relative_path("/")),
                dbc.Nav(menus, navbar=True, className="me-auto"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3 py-1",
    )


def shell(dashboards: list[Dashboard]) -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            navbar(dashboards),
            dbc.Container(dash.page_container, fluid=True, className="pb-4"),
        ]
    )
