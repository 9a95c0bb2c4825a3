"""Absolute links for use outside the page that asked (an embed link to paste in a portal, a
link in a report): built from PUBLIC_URL, or from the request's host only when ALLOWED_HOSTS
lists it. A Host header is the client's to write: `Host: evil.example` must not make the app
hand out links to evil.example."""

from __future__ import annotations

from flask import has_request_context, request

from data import runtime


def external_url(path: str) -> str | None:
    """`path` (below URL_PREFIX) as an absolute URL, or None when no trusted origin is known."""
    settings = runtime.settings()
    origin = settings.public_url
    if origin is None and has_request_context() and request.host in settings.allowed_hosts:
        origin = f"{request.scheme}://{request.host}"
    return f"{origin}{settings.url_prefix}{path}" if origin else None
