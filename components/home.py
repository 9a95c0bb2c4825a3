"""The home page's parts: the search box and its results, the user's starred and recently viewed
dashboards and saved views, and dashboard cards."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from appdb.saved_views import SavedView
from auth.users import User
from components.your_views import sharing, view_href
from data.search import MAX_TEXT, Hit
from data.spec import Dashboard
from services import services


def _href(slug: str) -> str:
    return urls.dashboard(services().settings.url_prefix, slug)


def dashboard_card(dashboard: Dashboard, starred: bool = False) -> dbc.Col:
    title = [dcc.Link(dashboard.title, href=_href(dashboard.slug))]
    if starred:
        title.append(html.Span(" ★", title="Starred", className="home-star"))
    return dbc.Col(
        html.Div(
            [
                html.Div(title),
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


def search_box() -> html.Div:
    return html.Div(
        [
            html.Label("Search dashboards", htmlFor="home-search", className="h5 mb-1"),
            dbc.Input(
                id="home-search",
                type="search",
                placeholder="Titles, panels, tags…  (press / to search)",
                maxLength=MAX_TEXT,
                debounce=250,  # ms
                autoComplete="off",
            ),
            html.Div(
                id="home-results",
                className="home-results",
                role="region",
                **{"aria-live": "polite", "aria-label": "Search results"},
            ),
        ],
        className="home-search mb-3",
        role="search",
    )


def search_results(text: str, hits: list[Hit]) -> html.Div | str:
    if not text.strip():
        return ""
    if not hits:
        return html.P(
            f"No dashboard you may open matches “{text.strip()}”.",
            className="small text-muted mb-0",
        )
    items = []
    for hit in hits:
        why = [html.Span(f"#{t}", className="badge text-bg-light me-1") for t in hit.tags]
        if hit.panels:
            why.append(html.Span("Panels: " + ", ".join(hit.panels), className="small"))
        items.append(
            html.Li(
                [
                    dcc.Link(
                        hit.dashboard.title, href=_href(hit.dashboard.slug), className="fw-semibold"
                    ),
                    html.Div(hit.dashboard.description, className="small text-muted"),
                    *([html.Div(why)] if why else []),
                ],
                className="home-hit",
                **{"data-dashboard": hit.dashboard.slug},
            )
        )
    count = f"{len(hits)} dashboard{'s' if len(hits) != 1 else ''}"
    return html.Div(
        [
            html.P(count, className="small text-muted mb-1"),
            html.Ul(items, className="list-unstyled mb-0"),
        ]
    )


def ago(then: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def _section(title: str, body, ident: str) -> html.Section:
    return html.Section(
        [html.H2(title, className="h5"), body], id=ident, className="home-section mb-3"
    )


def starred_section(dashboards: list[Dashboard]) -> html.Section:
    if not dashboards:
        body = html.P(
            "Star a dashboard (☆ Star on its header) to keep it here.",
            className="small text-muted mb-0",
        )
    else:
        body = dbc.Row([dashboard_card(d, starred=True) for d in dashboards])
    return _section("Starred", body, "home-starred")


def recent_section(recent: list[tuple[Dashboard, datetime]]) -> html.Section:
    if not recent:
        body = html.P("Dashboards you open appear here.", className="small text-muted mb-0")
    else:
        body = html.Ul(
            [
                html.Li(
                    [
                        dcc.Link(d.title, href=_href(d.slug)),
                        html.Span(f" · {ago(at)}", className="small text-muted"),
                    ],
                    **{"data-dashboard": d.slug},
                )
                for d, at in recent
            ],
            className="list-unstyled mb-0 home-list",
        )
    return _section("Recently viewed", body, "home-recent")


def views_section(views: list[SavedView], titles: dict[str, str], user: User) -> html.Section:
    if not views:
        body = html.P(
            "Save a view on any dashboard (Views, then Save view) to find it here.",
            className="small text-muted mb-0",
        )
    else:
        rows = []
        for view in sorted(views, key=lambda v: (titles[v.dashboard], v.name.lower())):
            owner = "" if view.mine(user) else f" · by {view.owner}"
            rows.append(
                html.Li(
                    [
                        dcc.Link(view.name, href=view_href(view)),
                        html.Span(
                            f" · {titles[view.dashboard]}{owner} · {sharing(view.team)}"
                            + (" · your default" if view.is_default else ""),
                            className="small text-muted",
                        ),
                    ],
                    **{"data-view": view.id},
                )
            )
        body = html.Ul(rows, className="list-unstyled mb-0 home-list")
    return _section("Your views", body, "home-views")
