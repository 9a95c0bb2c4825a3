"""Security headers on every response.

A Content-Security-Policy that lets Dash run without 'unsafe-inline' scripts: Dash's own inline
scripts (the renderer's start, clientside callbacks) are allowed by their hashes. Styles need
'unsafe-inline' (plotly.js and AG Grid inject <style> elements). Framing: `/embed/*` may be
framed by EMBED_ALLOWED_ORIGINS only, every other page by nobody.
"""

from __future__ import annotations

from dash import Dash
from flask import request

import urls
from services import services


def policy(script_hashes: list[str], frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def install(app: Dash) -> None:
    settings = services().settings
    hashes = app.csp_hashes()
    embed_ancestors = " ".join(["'self'", *settings.embed_allowed_origins])
    embed_policy = policy(hashes, embed_ancestors)
    page_policy = policy(hashes, "'none'")

    @app.server.after_request
    def secure(response):
        headers = response.headers
        rel = urls.relative(settings.url_prefix, request.path)
        kind = urls.place(rel).kind if rel is not None else None
        embedded = kind == "embed"
        headers["Content-Security-Policy"] = embed_policy if embedded else page_policy
        if not embedded:
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if response.mimetype == "text/html" or kind in ("callback", "dash", "export"):
            # Pages and data are per user: never kept by a shared cache or the browser's.
            headers["Cache-Control"] = "no-store"
        return response
