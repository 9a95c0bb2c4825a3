"""The frame around every page, in the browser: on a narrow screen the navbar's toggler opens and
closes its menus (no server round trip)."""

from dash import Dash, Input, Output, State


def register(app: Dash) -> None:
    app.clientside_callback(
        "function (clicks, open) { return !open; }",
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
        prevent_initial_call=True,
    )
