"""`/embed/<slug>?token=...`: a dashboard in kiosk form for an intranet portal's iframe: no navbar,
no toolbar; `panel=<id>` for one panel, `theme=dark` or `system` (the OS's; routes/document.py
sets it); time range and variables from the URL as on `/d/<slug>`, except the variables the link
locks. The guard has checked the token already; the panel callbacks check it again on every
request (it travels in the dash-state store)."""

import dash
from dash import html

from auth.access import current_viewer
from auth.embeds import EmbedGrant
from pages._titles import dashboard_title
from pages._view import dashboard_layout, forbidden

dash.register_page(
    __name__,
    path_template="/embed/<slug>",
    name="Embed",
    title=dashboard_title,
    nav=False,
    order=20,
)


def layout(slug: str = "", token: str = "", panel: str | None = None, theme: str = "", **query):
    viewer = current_viewer()
    if not isinstance(viewer, EmbedGrant) or viewer.slug != slug:
        return forbidden(f"dashboard {slug!r} with this link")
    view = dashboard_layout(slug, query, viewer, embed_token=token, panel_id=panel)
    return html.Div(view, className="embed")
