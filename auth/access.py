"""Who may see what: the viewer of a request (a logged-in user or an embed link's grant), which
dashboards they may open, which variable values are locked for them and which scope every read
made for them has.

A user's attributes (region=EU) are their scopes; admins have none. An embed link carries its
own, with the values of the variables it locks that are bound to an attribute.
"""

from __future__ import annotations

from flask import g
from flask_login import current_user

from auth.embeds import EmbedGrant
from auth.users import User
from data.scopes import UNSCOPED, Scope
from data.spec import Dashboard

Viewer = User | EmbedGrant


def may_view(viewer: Viewer | None, dashboard: Dashboard) -> bool:
    return viewer is not None and viewer.may_view(dashboard)


def scope_of(viewer: Viewer) -> Scope:
    """What every read made for `viewer` is restricted to."""
    if isinstance(viewer, EmbedGrant):
        return Scope.of(viewer.scopes)
    return UNSCOPED if viewer.is_admin else Scope.of(viewer.attributes)


def locked_variables(viewer: Viewer | None, dashboard: Dashboard) -> dict[str, list[str]]:
    """Variable values the browser cannot change: a variable bound to a user attribute (a sales
    manager's region) takes the user's value (admins have none locked); an embed link's
    variables take the link's."""
    if isinstance(viewer, EmbedGrant):
        locked = {k: list(v) for k, v in viewer.variables.items()}
        attributes = viewer.scopes
    elif isinstance(viewer, User):
        locked, attributes = {}, {} if viewer.is_admin else viewer.attributes
    else:
        return {}
    for variable in dashboard.variables:
        if variable.bind and variable.bind in attributes:
            locked[variable.name] = [attributes[variable.bind]]
    return locked


def current_viewer() -> Viewer | None:
    """Who this request acts for: the guard's decision (a user, or an embed link's grant)."""
    viewer = g.get("viewer")
    if viewer is None and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return viewer
