"""`/reports`: a user's report subscriptions and their latest runs (an admin's: everyone's), the
form that makes or changes one, and whether the queue that sends them is there."""

import dash
from dash import dcc, html

from auth.access import current_viewer
from auth.users import User
from callbacks.reports import listing
from components.reports import subscription_form
from components.shell import visible_dashboards
from pages._view import forbidden
from services import services

dash.register_page(__name__, path="/reports", name="Reports", title="Reports · Teamdash", order=6)


def layout(**_query):
    user = current_viewer()
    if not isinstance(user, User):
        return forbidden("the reports page")
    banner, subscriptions, runs = listing(user)
    dashboards = sorted(visible_dashboards(user), key=lambda d: d.title)
    return html.Div(
        [
            html.H1("Reports", className="h4"),
            html.Div(banner, id="reports-queue"),
            dcc.Interval(id="reports-tick", interval=5_000),
            html.H3("Subscriptions", className="h6 mt-3"),
            html.Div(subscriptions, id="reports-subscriptions"),
            html.H3("Latest runs", className="h6 mt-3"),
            html.Div(runs, id="reports-runs", className="mb-3"),
            subscription_form(dashboards, services().settings.report_webhooks),
        ],
        className="reports-page",
    )
