"""The frame around every page: a skip link, the header with the navbar (the viewer's dashboards
by team, alerts, reports, their menu: admin pages, theme, log out), and the page in the main
landmark. Below 992 px the navbar folds behind one menu button. An embedded page (an embed
token, no user) gets the main landmark alone."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

import urls
from auth.access import current_viewer
from auth.users import User
from data.spec import TEAMS, Dashboard
from services import services


def _prefix() -> str:
    return services().settings.url_prefix


def by_team(
    dashboards: list[Dashboard], teams: tuple[str, ...] = TEAMS
) -> dict[str, list[Dashboard]]:
    """Dashboards grouped by team (of `teams`), teams in their canonical order, titles sorted."""
    groups: dict[str, list[Dashboard]] = {team: [] for team in TEAMS if team in teams}
    for dashboard in dashboards:
        for team in dashboard.teams:
            if team in groups:
                groups[team].append(dashboard)
    return {t: sorted(ds, key=lambda d: d.title) for t, ds in groups.items() if ds}


def team_label(team: str) -> str:
    return team.upper() if team in ("sre", "dba") else team.capitalize()


def visible_dashboards(user: User) -> list[Dashboard]:
    return [d for d in services().dashboards.values() if user.may_view(d)]


def user_groups(user: User) -> dict[str, list[Dashboard]]:
    """The user's dashboards by team: an admin's under every team, anyone else's under their own
    teams (a dashboard shared with sales and SRE is a Sales dashboard to a sales user)."""
    return by_team(visible_dashboards(user), TEAMS if user.is_admin else user.teams)


THEME_CHOICES = (("light", "Light"), ("dark", "Dark"), ("system", "Same as the system"))


def theme_choice_id(choice: str) -> dict:
    return {"type": "theme-choice", "value": choice}


def theme_label(label: str, picked: bool) -> list:
    """A theme's menu entry: a tick and "(selected)" for screen readers on the one in use."""
    tick = html.Span("✓" if picked else "", className="theme-tick", **{"aria-hidden": "true"})
    said = [html.Span(" (selected)", className="visually-hidden")] if picked else []
    return [tick, label, *said]


def theme_items(current: str) -> list:
    """The user menu's theme choices; callbacks/theme.py keeps them and marks the new one."""
    items = [dbc.DropdownMenuItem("Theme", header=True)]
    items += [
        dbc.DropdownMenuItem(
            theme_label(label, choice == current),
            id=theme_choice_id(choice),
            active=choice == current,
            class_name="theme-choice",
        )
        for choice, label in THEME_CHOICES
    ]
    return items


def _user_menu(user: User) -> dbc.Nav:
    items = [dbc.DropdownMenuItem(f"{user.level} · {', '.join(user.teams) or 'no team'}",
                                  header=True)]  # fmt: skip
    if user.is_admin:
        items += [
            dbc.DropdownMenuItem("Users", href=urls.page(_prefix(), "admin/users")),
            dbc.DropdownMenuItem("Embed links", href=urls.page(_prefix(), "admin/embed")),
            dbc.DropdownMenuItem("Report webhooks", href=urls.page(_prefix(), "admin/webhooks")),
            dbc.DropdownMenuItem("Audit log", href=urls.page(_prefix(), "admin/audit")),
        ]
    items += [dbc.DropdownMenuItem(divider=True), *theme_items(user.theme)]
    logout = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button("Log out", type="submit", className="btn btn-sm btn-outline-light"),
        ],
        method="POST",
        action=urls.page(_prefix(), "logout"),
        className="ms-2",
    )
    return dbc.Nav(
        [
            dbc.DropdownMenu(items, label=user.name, nav=True, in_navbar=True, align_end=True),
            logout,
        ],  # fmt: skip
        navbar=True,
        className="align-items-center",
    )


def alerts_link() -> html.A:
    """Alerts, with the number of firing critical alerts (callbacks/alerts.py keeps it fresh)."""
    return html.A(
        [
            "Alerts ",
            html.Span("…", id="alert-badge", className="badge rounded-pill bg-secondary"),
            dcc.Interval(id="alert-badge-tick", interval=30_000),
        ],
        href=urls.page(_prefix(), "alerts"),
        className="nav-link text-light me-2",
        id="alerts-link",
    )


def reports_link() -> html.A:
    """The user's report subscriptions (scheduled PDF, PNG, CSV by e-mail or webhook)."""
    return html.A("Reports", href=urls.page(_prefix(), "reports"),
                  className="nav-link text-light me-2", id="reports-link")  # fmt: skip


def menu_button() -> html.Button:
    """The one button that opens the folded navbar on a phone or tablet (a plain button:
    dbc.NavbarToggler cannot say whether the menu is open, aria-expanded)."""
    return html.Button(
        html.Span(className="navbar-toggler-icon"),
        id="nav-toggle",
        className="navbar-toggler",
        type="button",
        **{"aria-controls": "nav-collapse", "aria-expanded": "false", "aria-label": "Menu"},
    )


def navbar(user: User) -> dbc.Navbar:
    menus = []
    for team, items in user_groups(user).items():
        entries = [
            dbc.DropdownMenuItem(d.title, href=urls.dashboard(_prefix(), d.slug)) for d in items
        ]
        menus.append(dbc.DropdownMenu(entries, label=team_label(team), nav=True, in_navbar=True))
    # Below 992 px the menus fold behind a toggler (an admin's nine team menus filled a phone).
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Teamdash", href=urls.page(_prefix())),
                menu_button(),
                dbc.Collapse(
                    [
                        dbc.Nav(menus, navbar=True, className="me-auto"),
                        alerts_link(),
                        reports_link(),
                        _user_menu(user),
                    ],
                    id="nav-collapse",
                    navbar=True,
                    is_open=False,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="lg",
        className="mb-3 py-1",
    )


SKIP_LINK = "Skip to the page"


def shell() -> html.Div:
    viewer = current_viewer()
    location = dcc.Location(id="url", refresh="callback-nav")
    if not isinstance(viewer, User):
        return html.Main([location, dash.page_container], id="main", className="kiosk")
    return html.Div(
        [
            location,
            html.A(SKIP_LINK, href="#main", className="skip-link"),
            html.Header(navbar(viewer)),
            html.Main(
                dbc.Container(dash.page_container, fluid=True, className="pb-4"),
                id="main",
                tabIndex=-1,
            ),
            html.Div(id="theme-status", role="status", className="visually-hidden"),
        ]
    )
