"""`/admin/users`, `/admin/embed`, `/admin/audit`: what the CLI does, for admins in the browser.
The guard keeps everyone else out (403, audited); each layout checks again."""

import dash
from dash import html

from components.admin import (
    audit_filters,
    audit_table,
    embed_form,
    embed_links_table,
    user_form,
    users_table,
)
from data import runtime
from data.access import current_viewer
from data.timerange import format_duration
from data.users import User
from pages._view import forbidden

dash.register_page(__name__, path_template="/admin/<section>", name="Admin", nav=False, order=30)

TITLES = {"users": "Users", "embed": "Embed links", "audit": "Audit log"}


def layout(section: str = "users", **_query):
    viewer = current_viewer()
    if not (isinstance(viewer, User) and viewer.is_admin):
        return forbidden("the admin pages")
    if section == "users":
        body = [html.Div(users_table(runtime.users().all()), id="admin-users"), user_form()]
    elif section == "embed":
        dashboards = sorted(runtime.dashboards().values(), key=lambda d: d.title)
        longest = format_duration(runtime.settings().embed_max_ttl)
        links = embed_links_table(runtime.embed_links().all())
        body = [embed_form(dashboards, longest), html.Div(links, id="admin-embed-links")]
    elif section == "audit":
        body = [audit_filters(), html.Div(audit_table(runtime.audit().events(limit=500)),
                                          id="admin-audit")]  # fmt: skip
    else:
        return forbidden(f"admin section {section!r}")
    return html.Div([html.H2(TITLES[section], className="h4 mb-3"), *body], className="admin-page")
