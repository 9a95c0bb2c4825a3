"""The home page's search: dashboard titles, descriptions, panel titles and tags, over the
dashboards the user may open only."""

from __future__ import annotations

from dash import Dash, Input, Output

from callbacks.access import VIEWERS, callback, caller
from components.home import search_results
from components.shell import visible_dashboards
from data.search import MAX_TEXT, search


def register(app: Dash) -> None:
    @callback(
        app,
        Output("home-results", "children"),
        Input("home-search", "value"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def find(text):
        viewer = caller()
        if not isinstance(text, str):
            return ""
        text = text[:MAX_TEXT]
        return search_results(text, search(visible_dashboards(viewer), text))
