"""`/d/<slug>`: one dashboard. The layout holds the toolbar and empty panel cards; panels fill
themselves through the panel callback."""

import dash

from auth.access import current_viewer
from pages._titles import dashboard_title
from pages._view import dashboard_layout

dash.register_page(
    __name__,
    path_template="/d/<slug>",
    name="Dashboard",
    title=dashboard_title,
    nav=False,
    order=10,
)


def layout(slug: str = "", **query):
    return dashboard_layout(slug, query, current_viewer())
