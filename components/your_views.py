"""A user's own controls on a dashboard's header: the star, and "Views": the dashboard's saved
views (open, copy the permalink, make one the default, subscribe to it as a report, rename,
delete) and the form that saves the page's state under a name, for the user alone or shared with
one of their teams."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from appdb.saved_views import NAME_MAX, SavedView
from auth.users import User
from components.shell import team_label
from data.spec import Dashboard
from data.urlstate import ViewState
from services import services

PRIVATE = "only-me"  # the sharing choice "Only me" (no team is named so)


def _prefix() -> str:
    return services().settings.url_prefix


# The star button's properties that star_state sets, in its order.
STAR_PROPS = ("children", "aria-pressed", "title")


def star_state(starred: bool) -> tuple[str, str, str]:
    """(label, aria-pressed, title) of the star button."""
    if starred:
        return "★ Starred", "true", "Starred: on your home page. Click to unstar."
    return "☆ Star", "false", "Star this dashboard to keep it on your home page"


def view_href(view: SavedView) -> str:
    """The dashboard in the view's state, the view named (for its banner and the menu)."""
    return urls.dashboard_view(_prefix(), view.dashboard, view.id, view.query)


def sharing(team: str | None) -> str:
    """Who a view is for, in words."""
    return f"shared with {team_label(team)}" if team else "only you"


def share_teams(user: User, dashboard: Dashboard) -> list[str]:
    """The teams a user may share a view of the dashboard with: theirs that may open it (an
    admin: every team that may)."""
    return [t for t in dashboard.teams if user.is_admin or t in user.teams]


def views_label(views: list[SavedView], user: User) -> str:
    """The Views button's label: how many views the user's list has."""
    count = sum(1 for v in views if v.listed_for(user))
    return f"Views ({count})" if count else "Views"


def header_controls(starred: bool, views: str) -> list:
    """The star, and the Views button labelled `views`."""
    label, pressed, title = star_state(starred)
    return [
        html.Button(
            label,
            id="view-star",
            type="button",
            title=title,
            className="btn btn-outline-secondary btn-sm dash-star",
            **{"aria-pressed": pressed},
        ),
        html.Button(
            views,
            id="views-open",
            type="button",
            className="btn btn-outline-secondary btn-sm dash-views",
            title="Save this view, or open a saved one",
            **{"aria-expanded": "false", "aria-controls": "views-panel"},
        ),
    ]


def _action(label: str, ident: dict, **props) -> html.Button:
    return html.Button(
        label,
        id=ident,
        type="button",
        className="btn btn-link btn-sm py-0 px-1 view-action",
        **props,
    )


def _row(view: SavedView, user: User, current: str | None) -> html.Li:
    owner = "yours" if view.mine(user) else f"by {view.owner}"
    default = "Your default" if view.is_default else "Make default"
    actions = [
        _action(
            default,
            {"type": "view-default", "view": view.id},
            title="Open this dashboard in this view when its address has no state",
            **{"aria-pressed": "true" if view.is_default else "false"},
        ),
        html.A(
            "Link",
            id={"type": "view-link", "view": view.id},
            href=urls.saved_view(_prefix(), view.id),
            className="btn btn-link btn-sm py-0 px-1",
            title="The view's permalink, for anyone who may open this dashboard"
            + ("" if view.team else " (private: only you)"),
        ),
        dcc.Clipboard(
            id={"type": "view-copy", "view": view.id},
            title="Copy the permalink",
            className="view-copy",
        ),
    ]
    if view.reportable_by(user):
        actions.append(
            dcc.Link(
                "Subscribe",
                href=urls.subscribe(_prefix(), view.id),
                className="btn btn-link btn-sm py-0 px-1 view-subscribe",
                title="Have this view mailed as a report on a schedule",
            )
        )
    if view.editable_by(user):
        actions += [
            _action(
                "Rename",
                {"type": "view-rename", "view": view.id},
                title="Change its name or sharing",
            ),
            dcc.ConfirmDialogProvider(
                _action(
                    "Delete",
                    {"type": "view-delete-button", "view": view.id},
                    title="Delete this view for everyone",
                ),
                id={"type": "view-delete", "view": view.id},
                message=f"Delete the view “{view.name}” ({sharing(view.team)})? "
                "This cannot be undone.",
            ),
        ]
    name = dcc.Link(view.name, href=view_href(view), className="view-name")
    return html.Li(
        [
            name,
            html.Span(f" · {owner} · {sharing(view.team)}", className="small text-muted"),
            *([html.Span("current", className="badge bg-info ms-1")] if view.id == current else []),
            html.Span(actions, className="view-actions"),
        ],
        className="view-row",
        **{"data-view": view.id},
    )


def views_list(views: list[SavedView], user: User, current: str | None = None) -> html.Div:
    shown = [v for v in views if v.listed_for(user) or v.id == current]
    if not shown:
        return html.P("No saved views of this dashboard yet.", className="small text-muted mb-0")
    return html.Ul([_row(v, user, current) for v in shown], className="list-unstyled mb-0")


def views_panel(
    dashboard: Dashboard, views: list[SavedView], user: User, current: str | None
) -> dbc.Collapse:
    """The "Views" panel: the save form and the dashboard's views (the header button opens it)."""
    choices = [{"label": "Only me", "value": PRIVATE}]
    teams = share_teams(user, dashboard)
    choices += [{"label": f"{team_label(t)} team", "value": t} for t in teams]
    form = html.Div(
        [
            html.Div(
                [
                    html.Label("Name", htmlFor="views-name", className="toolbar-label"),
                    dbc.Input(
                        id="views-name",
                        size="sm",
                        maxLength=NAME_MAX,
                        placeholder="e.g. EU, last 30 days",
                    ),
                ],
                className="views-field",
            ),
            html.Div(
                [
                    html.Label("Share with", htmlFor="views-share", className="toolbar-label"),
                    dbc.Select(id="views-share", options=choices, value=PRIVATE, size="sm"),
                ],
                className="views-field",
            ),
            html.Button(
                "Save view", id="views-save", type="button", className="btn btn-primary btn-sm"
            ),
            html.Button(
                "Cancel",
                id="views-cancel",
                type="button",
                hidden=True,
                className="btn btn-outline-secondary btn-sm",
            ),
        ],
        className="views-form",
    )
    body = [
        html.H3("Save this view", className="h6 mb-1"),
        html.P(
            "Keeps the time range, variables, comparison and filters as they are now.",
            className="small text-muted mb-1",
        ),
        form,
        html.Div(
            id="views-result", className="small mt-1", role="status", **{"aria-live": "polite"}
        ),
        html.H3("Saved views", className="h6 mt-2 mb-1"),
        html.Div(views_list(views, user, current), id="views-list"),
        dcc.Store(id="views-editing", data=None),
    ]
    return dbc.Collapse(
        dbc.Card(dbc.CardBody(body, className="py-2"), className="mb-2"),
        id="views-panel",
        is_open=False,
    )


def view_banner(view: SavedView, user: User, dashboard: Dashboard, default: bool) -> html.P:
    """Which saved view the page shows, and a way back to the dashboard's own defaults."""
    owner = "yours" if view.mine(user) else f"by {view.owner}"
    what = "Your default view" if default else "Saved view"
    parts: list = [f"{what} ", html.Strong(view.name), f" · {owner} · {sharing(view.team)}"]
    if default:
        # The dashboard's own range in the address: a page with state opens no default view.
        own = ViewState(dashboard.time_from, dashboard.time_to)
        plain = urls.dashboard(_prefix(), dashboard.slug, own)
        parts += [" · ", dcc.Link("Show the dashboard's own defaults", href=plain)]
    return html.P(
        parts, id="view-current", className="small text-muted mb-1", **{"data-view": view.id}
    )
