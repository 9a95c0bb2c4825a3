"""The theme a user picks in their menu: applied at once in the browser (assets/shell.js), kept
with the user here, so every later page opens in it (routes/document.py)."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, ctx
from dash.exceptions import PreventUpdate

from auth.access import current_viewer
from auth.users import User
from callbacks.access import VIEWERS, callback
from components.shell import THEME_CHOICES, theme_label
from services import services

CHOICES = {"type": "theme-choice", "value": ALL}
SAID = {"light": "Light theme", "dark": "Dark theme", "system": "The system's theme"}


def register(app: Dash) -> None:
    app.clientside_callback(
        ClientsideFunction("teamdash", "pickTheme"),
        Output("theme-status", "title"),
        Input(CHOICES, "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("teamdash", "toggleMenu"),
        Output("nav-collapse", "is_open"),
        Output("nav-toggle", "aria-expanded"),
        Input("nav-toggle", "n_clicks"),
        Input("url", "pathname"),
        prevent_initial_call=True,
    )

    @callback(
        app,
        Output(CHOICES, "children"),
        Output(CHOICES, "active"),
        Output("theme-status", "children"),
        Input(CHOICES, "n_clicks"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def keep_theme(clicks):
        viewer = current_viewer()
        picked = ctx.triggered_id.get("value") if isinstance(ctx.triggered_id, dict) else None
        if not isinstance(viewer, User) or picked not in SAID or not any(clicks):
            raise PreventUpdate
        services().users.set_theme(viewer.id, picked)
        return (
            [theme_label(label, choice == picked) for choice, label in THEME_CHOICES],
            [choice == picked for choice, _ in THEME_CHOICES],
            f"{SAID[picked]} kept for you.",
        )
