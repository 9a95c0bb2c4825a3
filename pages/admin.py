"""`/admin/users`, `/admin/embed`, `/admin/webhooks`, `/admin/audit`: what the CLI does, and the
webhooks report subscriptions may post to, for admins in the browser.
The guard keeps everyone else out (403, audited); each layout checks again."""

import dash
from dash import html

from auth.access import current_viewer
from auth.users import User
from callbacks.admin import webhooks_list
from components.admin import (
    audit_filters,
    audit_table,
    embed_form,
    embed_links_table,
    user_form,
    users_table,
    webhook_form,
)
from data.timerange import format_duration
from pages._titles import tab_title
from pages._view import forbidden
from services import services

TITLES = {"users": "Users", "embed": "Embed links", "webhooks": "Report webhooks",
          "audit": "Audit log"}  # fmt: skip


def _title(section: str = "users") -> str:
    return tab_title(TITLES.get(section, "Admin"), "Admin")


dash.register_page(
    __name__, path_template="/admin/<section>", name="Admin", title=_title, nav=False, order=30
)


def layout(section: str = "users", **_query):
    viewer = current_viewer()
    if not (isinstance(viewer, User) and viewer.is_admin):
        return forbidden("the admin pages")
    if section == "users":
        body = [html.Div(users_table(services().users.all()), id="admin-users"), user_form()]
    elif section == "embed":
        dashboards = sorted(services().dashboards.values(), key=lambda d: d.title)
        longest = format_duration(services().settings.embed_max_ttl)
        links = embed_links_table(services().embed_links.all())
        body = [embed_form(dashboards, longest), html.Div(links, id="admin-embed-links")]
    elif section == "webhooks":
        body = [webhook_form(), html.Div(webhooks_list(), id="admin-webhooks")]
    elif section == "audit":
        body = [audit_filters(), html.Div(audit_table(services().audit.events(limit=500)),
                                          id="admin-audit")]  # fmt: skip
    else:
        return forbidden(f"admin section {section!r}")
    return html.Div([html.H1(TITLES[section], className="h4 mb-3"), *body], className="admin-page")
