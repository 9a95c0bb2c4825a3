"""`GET /v/<id>`: a saved view's permalink. It leads to the view's dashboard in the view's state
(`/d/<slug>?from=...&var-...&view=<id>`), where the page resolves it as any other address: the
viewer's scope and locked variables win over what the view asks, and the page says so. The guard
has sent anonymous visitors (and embed links, which are no users) to the login first."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template

import urls
from auth.access import current_viewer
from auth.saved_views import openable, well_formed
from auth.users import User
from services import services
from view.resolve import ViewDenied

blueprint = Blueprint("saved_views", __name__)


@blueprint.get("/v/<view_id>")
def open_view(view_id: str) -> Response:
    viewer = current_viewer()
    prefix = services().settings.url_prefix
    try:
        if not isinstance(viewer, User):
            raise ViewDenied("Log in to open saved views.", 401)
        view = services().views.get(view_id, viewer) if well_formed(view_id) else None
        view = openable(viewer, view, view_id)
    except ViewDenied as exc:
        page = render_template(
            "message.html", prefix=prefix, message=exc.message, tone="warning", title="Saved view"
        )
        return Response(page, status=exc.status, mimetype="text/html")
    return redirect(urls.dashboard_view(prefix, view.dashboard, view.id, view.query))
