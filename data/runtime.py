"""Where callbacks and routes find the running app's data layer, dashboards and settings: on the
Flask app, so that several apps (tests) can live in one process and page modules never import
`app`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

from data.config import Settings
from data.datasources import DataLayer
from data.spec import Dashboard

EXTENSION = "teamdash"


def install(
    server: Flask, settings: Settings, layer: DataLayer, dashboards: dict[str, Dashboard]
) -> None:
    server.extensions[EXTENSION] = {
        "settings": settings,
        "data": layer,
        "dashboards": dashboards,
        # Panels of all requests share these threads; a panel's queries are mostly waiting.
        "panel_pool": ThreadPoolExecutor(max_workers=16, thread_name_prefix="panel"),
    }


def data_layer() -> DataLayer:
    return current_app.extensions[EXTENSION]["data"]


def settings() -> Settings:
    return current_app.extensions[EXTENSION]["settings"]


def dashboards() -> dict[str, Dashboard]:
    return current_app.extensions[EXTENSION]["dashboards"]


def panel_pool() -> ThreadPoolExecutor:
    return current_app.extensions[EXTENSION]["panel_pool"]
