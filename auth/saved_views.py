"""Who may open a saved view: its owner and admins; anyone who may open its dashboard when it is
shared (its link shares the dashboard's state, and scopes and locked variables still apply to
whoever opens it). A view that does not exist and one the viewer may not open are refused in the
same words, so ids cannot be probed; both are audited."""

from __future__ import annotations

import re

from flask import has_request_context, request

from appdb.saved_views import ID_PATTERN, SavedView
from auth.users import User
from services import services
from view.resolve import ViewDenied, authorise


def well_formed(view_id: object) -> bool:
    return isinstance(view_id, str) and re.match(ID_PATTERN, view_id) is not None


def _refuse(viewer: User, target: str, message: str, status: int) -> ViewDenied:
    ip = (request.remote_addr or "") if has_request_context() else ""
    services().audit.record("forbidden", viewer.name, target=target, outcome="denied", ip=ip)
    return ViewDenied(message, status)


def openable(
    viewer: User, view: SavedView | None, view_id: str, slug: str | None = None
) -> SavedView:
    """`view` (read by `view_id`) if `viewer` may open it, on dashboard `slug` when given;
    ViewDenied otherwise."""
    target = f"saved view {view_id[:40]!r}"
    if view is None or not view.openable_by(viewer) or slug not in (None, view.dashboard):
        where = " on this dashboard" if slug else ""
        message = (
            f"There is no saved view {view_id[:40]!r}{where} that you may open: it was deleted, "
            "or its owner keeps it to themselves. Ask them to share it with your team."
        )
        raise _refuse(viewer, target, message, 404)
    try:
        authorise(viewer, view.dashboard, users_only=True)
    except ViewDenied as exc:
        raise _refuse(
            viewer, f"dashboard {view.dashboard!r} ({target})", exc.message, exc.status
        ) from None
    return view
