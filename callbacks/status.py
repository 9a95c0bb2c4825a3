"""Fills the home page's status card from the data layer's health checks."""

from dash import Dash, Input, Output

from components.status import status_table
from data import runtime


def register(app: Dash) -> None:
    @app.callback(Output("home-status", "children"), Input("home-status", "id"))
    def show_status(_id: str):
        return status_table(runtime.data_layer().health())
