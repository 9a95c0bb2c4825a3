"""Who may see what: the viewer of a request (a logged-in user or an embed token), which
dashboards they may open, and which variable values are locked for them.

Embed tokens are signed (itsdangerous, with SECRET_KEY), expire, and are scoped to one dashboard
with optional locked variable values; they are checked on every request they make.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from flask import g
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from data.spec import Dashboard
from data.users import User

EMBED_SALT = "teamdash-embed-v1"


class EmbedTokenError(Exception):
    """An embed token that cannot be used; the message says why, for a 401 page."""


@dataclass(frozen=True)
class EmbedGrant:
    """What an embed token allows: one dashboard, with these variable values locked."""

    slug: str
    variables: dict[str, list[str]] = field(default_factory=dict)
    token_id: str = ""
    expires: float = 0.0

    @property
    def name(self) -> str:
        return f"embed:{self.token_id}"

    def may_view(self, dashboard: Dashboard) -> bool:
        return dashboard.slug == self.slug


Viewer = User | EmbedGrant


def may_view(viewer: Viewer | None, dashboard: Dashboard) -> bool:
    return viewer is not None and viewer.may_view(dashboard)


def locked_variables(viewer: Viewer | None, dashboard: Dashboard) -> dict[str, list[str]]:
    """Variable values the browser cannot change: a variable bound to a user attribute (a sales
    manager's region) takes the user's value; an embed token's variables take the token's."""
    if isinstance(viewer, EmbedGrant):
        return {k: list(v) for k, v in viewer.variables.items()}
    locked = {}
    if isinstance(viewer, User):
        for variable in dashboard.variables:
            if variable.bind and variable.bind in viewer.attributes:
                locked[variable.name] = [viewer.attributes[variable.bind]]
    return locked


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=EMBED_SALT)


def make_embed_token(
    secret: str, slug: str, ttl: float, variables: dict[str, list[str]] | None = None
) -> tuple[str, EmbedGrant]:
    grant = EmbedGrant(
        slug=slug,
        variables=dict(variables or {}),
        token_id=secrets.token_hex(6),
        expires=time.time() + ttl,
    )
    payload = {"d": slug, "v": grant.variables, "i": grant.token_id, "e": int(grant.expires)}
    return _serializer(secret).dumps(payload), grant


def read_embed_token(secret: str, token: str) -> EmbedGrant:
    """The grant of a valid token; EmbedTokenError when it is malformed, tampered or expired."""
    if not token or len(token) > 4096:
        raise EmbedTokenError("This embed link has no valid token. Ask for a new link.")
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        raise EmbedTokenError(
            "This embed link's token is not valid (changed or not made here). Ask for a new link."
        ) from None
    try:
        grant = EmbedGrant(
            slug=str(payload["d"]),
            variables={str(k): [str(x) for x in v] for k, v in payload["v"].items()},
            token_id=str(payload["i"]),
            expires=float(payload["e"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise EmbedTokenError("This embed link's token is malformed. Ask for a new link.") from None
    if grant.expires < time.time():
        raise EmbedTokenError(
            "This embed link has expired. Ask the dashboard's owner for a new link."
        )
    return grant


def current_viewer() -> Viewer | None:
    """Who this request acts for: the guard's decision (a user, or an embed token's grant)."""
    viewer = g.get("viewer")
    if viewer is None and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return viewer
