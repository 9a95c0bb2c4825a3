"""Fills the home page's status card from the data layer's health checks (logged-in users)."""

from dash import Dash, Input, Output

from callbacks.access import VIEWERS, callback
from components.status import status_table
from services import services


def register(app: Dash) -> None:
    @callback(app, Output("home-status", "children"), Input("home-status", "id"), access=VIEWERS)
    def show_status(_id: str):
        return status_table(services().data.health())
