"""What a user keeps on a dashboard page: the visit is recorded (home's "Recently viewed"); the
star and the saved views are read (one connection per page, whatever its panels); and the saved
view the page opens in is picked: the one the address names (`view=<id>`), or, on an address
with no state (`/d/<slug>`), the user's default view of the dashboard. A view's state is then
resolved like any address: what no longer exists or is locked for the viewer is said in a note."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import dcc

import urls
from appdb.saved_views import SavedView
from auth.saved_views import openable, well_formed
from auth.users import User
from components.your_views import header_controls, view_banner, views_label, views_panel
from data.spec import Dashboard
from services import services
from view.resolve import ViewDenied

# Query keys that are not the dashboard's state: the drill-down's way back, the view's name.
NOT_STATE = ("back", "view")


@dataclass(frozen=True)
class Yours:
    query: dict  # the address's query, or the saved view's state in its place
    controls: list  # the header's star and Views buttons
    panel: dbc.Collapse  # the Views panel
    notes: list = field(default_factory=list)  # above the toolbar: the view shown, or why not


def _one(value) -> str | None:
    return str(value[-1] if isinstance(value, list) else value) if value else None


def _has_state(query: dict) -> bool:
    return any(key not in NOT_STATE for key in query)


def _applied(view: SavedView, query: dict) -> dict:
    """The view's state as the page's query (its way back kept), naming the view."""
    state = parse_qs(view.query)
    return {**state, **{k: v for k, v in query.items() if k == "back"}, "view": view.id}


def _pick(
    viewer: User, dashboard: Dashboard, query: dict, views: list[SavedView]
) -> tuple[SavedView | None, list[str]]:
    """The saved view the page opens in (the one asked for, or the default on an address with
    no state), and why one asked for is not shown."""
    asked = _one(query.get("view"))
    if asked is not None:
        found = next((v for v in views if v.id == asked), None)
        try:
            return openable(viewer, found, asked, dashboard.slug), []
        except ViewDenied as exc:
            instead = "this address's state" if _has_state(query) else "its own defaults"
            return None, [f"{exc.message} Showing {instead}."]
    if _has_state(query):
        return None, []
    default = next((v for v in views if v.is_default), None)
    if default is None or default.openable_by(viewer):
        return default, []
    return None, [
        f"Your default view “{default.name}” is no longer shared with you: showing the "
        "dashboard's own defaults."
    ]


def yours(viewer: User, dashboard: Dashboard, query: dict) -> Yours:
    asked = _one(query.get("view"))
    marks = services().personal.open_dashboard(
        viewer, dashboard.slug, asked if well_formed(asked) else None
    )
    shown, problems = _pick(viewer, dashboard, query, marks.views)
    notes: list = [dbc.Alert(p, color="warning", className="py-2 small") for p in problems]
    query = {k: v for k, v in query.items() if k != "view"}
    if shown is not None:
        notes.insert(0, view_banner(shown, viewer, dashboard, default=asked is None))
        if not _has_state(query):
            query = _applied(shown, query)
            # The address gets the view's state (history.replaceState, callbacks/saved_views.py):
            # a click on a chart, a zoom or a copied address start from it.
            prefix = services().settings.url_prefix
            address = urls.dashboard(
                prefix,
                dashboard.slug,
                urls.view_state(query),
                back=_one(query.get("back")),
                view=shown.id,
            )
            notes.append(dcc.Store(id="view-address", data=address))
    return Yours(
        query=query,
        controls=header_controls(marks.starred, views_label(marks.views, viewer)),
        panel=views_panel(dashboard, marks.views, viewer, shown.id if shown else None),
        notes=notes,
    )
