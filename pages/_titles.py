"""Browser tab titles: "Sales Performance - Teamdash", "Alerts - Teamdash". A dashboard's title
is told only to a viewer who may open it."""

from __future__ import annotations

from auth.access import current_viewer, may_view
from services import services

APP = "Teamdash"


def tab_title(*parts: str) -> str:
    return " - ".join([*parts, APP])


def dashboard_title(slug: str = "", **_path: str) -> str:
    """A dashboard page's tab title (Dash pages call it with the path's variables)."""
    dashboard = services().dashboards.get(slug)
    if dashboard is None or not may_view(current_viewer(), dashboard):
        return APP
    return tab_title(dashboard.title)


def detail_title_of(slug: str = "", panel: str = "", **_path: str) -> str:
    """A detail page's tab title: the panel's, then its dashboard's."""
    title = dashboard_title(slug)
    dashboard = services().dashboards.get(slug)
    spec = dashboard.panel(panel) if dashboard is not None and title != APP else None
    return tab_title(spec.title, dashboard.title) if spec is not None else title
