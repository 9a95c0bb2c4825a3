"""The frame around every page: navbar, page container. Built from the page registry."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html


def navbar(pages: list[dict]) -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in pages
        if page.get("nav", True)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Teamdash", href=dash.get_relative_path("/")),
                dbc.Nav(links, navbar=True, className="me-auto"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def shell() -> html.Div:
    pages = sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0)
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            navbar(pages),
            dbc.Container(dash.page_container, fluid=True, className="pb-4"),
        ]
    )
