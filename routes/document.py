"""The HTML document around every page (Dash's index and the plain pages' template): its
language, the theme it opens in, and the script that sets that theme before anything is drawn
(assets/theme.js, in the <head>; the CSP allows no inline script).

The theme is the user's pick (kept with the user, read with them on every request: no further
query), an embed link's `theme=` (light unless it says dark or system), and the OS's
(`system`) for anyone else, the login page included. Charts are recoloured in the browser, so no
server work depends on it."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from dash import Dash
from flask import Flask, request

import urls
from auth.access import current_viewer
from auth.embeds import EmbedGrant
from auth.users import THEMES, User
from panels.theme import DARK
from services import services

SCRIPT = "theme.js"
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def theme_choice() -> str:
    """The theme this request's page opens in: light, dark or system."""
    viewer = current_viewer()
    if isinstance(viewer, User):
        return viewer.theme
    if isinstance(viewer, EmbedGrant):
        asked = request.args.get("theme", "light")
        return asked if asked in THEMES else "light"
    return "system"


def html_attributes(choice: str) -> str:
    """`<html>`'s attributes: a system choice starts light and theme.js turns it dark at once
    when the OS is."""
    shown = choice if choice in ("light", "dark") else "light"
    return f'lang="en" data-theme="{choice}" data-bs-theme="{shown}"'


def script_url() -> str:
    """theme.js's URL, versioned by its modification time (browsers keep assets a year)."""
    mtime = int((ASSETS / SCRIPT).stat().st_mtime)
    return f"{urls.asset(services().settings.url_prefix, SCRIPT)}?m={mtime}"


def dark_colors_meta() -> dict:
    """The meta tag that gives theme.js the dark colour map."""
    return {"name": "teamdash-dark-colors", "content": json.dumps(DARK, separators=(",", ":"))}


def install(app: Dash) -> None:
    """Dash's index with the document's language and theme, and theme.js in its head."""
    plain = app.interpolate_index

    def interpolate_index(**parts) -> str:
        page = plain(**parts)
        page = page.replace("<html>", f"<html {html_attributes(theme_choice())}>", 1)
        script = f'<script src="{escape(script_url())}"></script>'
        return page.replace("</head>", f"{script}\n</head>", 1)

    app.interpolate_index = interpolate_index
    install_templates(app.server)


def install_templates(server: Flask) -> None:
    """The plain pages' templates (login, messages) get the same document attributes."""

    @server.context_processor
    def document() -> dict:
        return {"html_attributes": html_attributes(theme_choice()), "theme_script": script_url()}
