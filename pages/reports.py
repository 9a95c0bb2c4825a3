"""`/reports`: a user's report subscriptions and their latest runs (an admin's: everyone's), the
form that makes or changes one, and whether the queue that sends them is there. `?view=<id>`
(a saved view's "Subscribe") starts the form on that view."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from auth.access import current_viewer
from auth.users import User
from callbacks.reports import from_saved_view, listing
from components.reports import DEFAULTS, NO_CHOICES, subscription_form
from components.shell import visible_dashboards
from pages._view import forbidden
from services import services

dash.register_page(__name__, path="/reports", name="Reports", title="Reports · Teamdash", order=6)


def layout(view: str | None = None, **_query):
    user = current_viewer()
    if not isinstance(user, User):
        return forbidden("the reports page")
    values, choices, refused = DEFAULTS, NO_CHOICES, None
    if view is not None:
        values, choices, refused = from_saved_view(user, view)
    banner, subscriptions, runs = listing(user)
    dashboards = sorted(visible_dashboards(user), key=lambda d: d.title)
    app = services()
    manage = urls.page(app.settings.url_prefix, "admin/webhooks") if user.is_admin else None
    return html.Div(
        [
            html.H1("Reports", className="h4"),
            html.Div(banner, id="reports-queue"),
            dcc.Interval(id="reports-tick", interval=5_000),
            dbc.Alert(refused, color="warning", className="py-2 small mt-2", is_open=bool(refused)),
            html.H3("Subscriptions", className="h6 mt-3"),
            html.Div(id="reports-row-result", className="small mb-1", role="status"),
            html.Div(subscriptions, id="reports-subscriptions", className="mb-3"),
            subscription_form(dashboards, app.webhooks.all(), choices, values, manage),
            html.H3("Latest runs", className="h6 mt-3"),
            html.Div(runs, id="reports-runs", className="mb-3"),
        ],
        className="reports-page",
    )
