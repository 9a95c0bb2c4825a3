"""Where callbacks and routes find the running app's data layer, dashboards and settings: on the
Flask app, so that several apps (tests) can live in one process and page modules never import
`app`."""

from __future__ import annotations

from flask import Flask, current_app

from data.config import Settings
from data.datasources import DataLayer
from data.spec import Dashboard

EXTENSION = "teamdash"


def install(
    server: Flask, settings: Settings, layer: DataLayer, dashboards: dict[str, Dashboard]
) -> None:
    server.extensions[EXTENSION] = {"settings": settings, "data": layer, "dashboards": dashboards}


def data_layer() -> DataLayer:
    return current_app.extensions[EXTENSION]["data"]


def settings() -> Settings:
    return current_app.extensions[EXTENSION]["settings"]


def dashboards() -> dict[str, Dashboard]:
    return current_app.extensions[EXTENSION]["dashboards"]
