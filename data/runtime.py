"""Where callbacks and routes find the running app's data layer, dashboards and settings: on the
Flask app, so that several apps (tests) can live in one process and page modules never import
`app`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import Engine

from data.audit import AuditLog
from data.config import Settings
from data.datasources import DataLayer
from data.embeds import EmbedLinks
from data.login_limit import LoginLimiter, Rate
from data.spec import Dashboard
from data.users import SessionStore, UserStore

EXTENSION = "teamdash"


def install(
    server: Flask,
    settings: Settings,
    layer: DataLayer,
    dashboards: dict[str, Dashboard],
    state: Engine,
    secret: str,
) -> None:
    audit = AuditLog(state)
    server.extensions[EXTENSION] = {
        "settings": settings,
        "secret": secret,
        "data": layer,
        "dashboards": dashboards,
        "state": state,
        "users": UserStore(state),
        "sessions": SessionStore(state, settings.session_hours),
        "audit": audit,
        "login_limiter": LoginLimiter(
            audit,
            Rate.parse(settings.login_rate_limit, "LOGIN_RATE_LIMIT"),
            Rate.parse(settings.login_ip_rate_limit, "LOGIN_IP_RATE_LIMIT"),
        ),
        "embed_links": EmbedLinks(state, secret, settings.embed_max_ttl),
        # Panels of all requests share these threads; a panel's queries are mostly waiting.
        "panel_pool": ThreadPoolExecutor(max_workers=16, thread_name_prefix="panel"),
    }


def data_layer() -> DataLayer:
    """The unscoped layer: health checks, the CLI, and `data.view`, which scopes it per viewer.
    A request reads through its view's layer, never this one."""
    return current_app.extensions[EXTENSION]["data"]


def settings() -> Settings:
    return current_app.extensions[EXTENSION]["settings"]


def dashboards() -> dict[str, Dashboard]:
    return current_app.extensions[EXTENSION]["dashboards"]


def panel_pool() -> ThreadPoolExecutor:
    return current_app.extensions[EXTENSION]["panel_pool"]


def settings_secret() -> str:
    """SECRET_KEY as checked at start-up (demo mode makes one)."""
    return current_app.extensions[EXTENSION]["secret"]


def state() -> Engine:
    return current_app.extensions[EXTENSION]["state"]


def users() -> UserStore:
    return current_app.extensions[EXTENSION]["users"]


def sessions() -> SessionStore:
    return current_app.extensions[EXTENSION]["sessions"]


def audit() -> AuditLog:
    return current_app.extensions[EXTENSION]["audit"]


def login_limiter() -> LoginLimiter:
    return current_app.extensions[EXTENSION]["login_limiter"]


def embed_links() -> EmbedLinks:
    return current_app.extensions[EXTENSION]["embed_links"]
