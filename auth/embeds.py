"""Embed links: signed tokens that open one dashboard's embed page without a login, each recorded
in the state database with its creator, locked variables, scopes, expiry and last use.

The token carries only the link's id, signed with SECRET_KEY (itsdangerous); what it allows is
read from its row on every request it makes, so revoking a link makes its next request a 401 in
every worker at once. A link lives EMBED_MAX_TTL at most (30 days by default).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, insert, select, update

from appdb.schema import Store, embed_links
from auth.users import ATTRIBUTE
from data.spec import Dashboard
from data.timerange import TimeRangeError, format_duration, parse_duration

SALT = "teamdash-embed-v2"
LAST_USE_EVERY = 60.0  # seconds: a busy portal does not write on every panel refresh


class EmbedTokenError(Exception):
    """An embed token that cannot be used; the message says why, for a 401."""


class EmbedLinkError(ValueError):
    """A link that cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class EmbedGrant:
    """What an embed link allows: one dashboard, with these variable values locked, reading for
    these scopes."""

    slug: str
    variables: dict[str, list[str]] = field(default_factory=dict)
    scopes: dict[str, str] = field(default_factory=dict)
    token_id: str = ""
    expires: float = 0.0

    @property
    def name(self) -> str:
        return f"embed:{self.token_id}"

    def may_view(self, dashboard) -> bool:
        return dashboard.slug == self.slug


@dataclass(frozen=True)
class EmbedLink:
    id: str
    dashboard: str
    variables: dict[str, list[str]]
    scopes: dict[str, str]
    creator: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= datetime.now(UTC) else "active"

    def grant(self) -> EmbedGrant:
        return EmbedGrant(
            self.dashboard, self.variables, self.scopes, self.id, self.expires_at.timestamp()
        )


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _link(row) -> EmbedLink:
    return EmbedLink(
        id=row.id,
        dashboard=row.dashboard,
        variables=json.loads(row.variables or "{}"),
        scopes=json.loads(row.scopes or "{}"),
        creator=row.creator,
        created_at=_utc(row.created_at),
        expires_at=_utc(row.expires_at),
        revoked_at=_utc(row.revoked_at),
        revoked_by=row.revoked_by,
        last_used_at=_utc(row.last_used_at),
    )


class EmbedLinks(Store):
    def __init__(self, engine: Engine, secret: str, max_ttl: float) -> None:
        super().__init__(engine)
        self.max_ttl = max_ttl
        self._signer = URLSafeSerializer(secret, salt=SALT)

    def create(
        self,
        dashboard: Dashboard,
        ttl: str,
        creator: str,
        variables: dict[str, list[str]] | None = None,
        scopes: dict[str, str] | None = None,
    ) -> tuple[str, EmbedLink]:
        """A new link to `dashboard`, valid for `ttl` (8h, 7d), locking `variables` and reading
        for `scopes`: (its token, its record)."""
        try:
            seconds = parse_duration((ttl or "").strip())
        except TimeRangeError as exc:
            raise EmbedLinkError(str(exc)) from None
        if seconds <= 0:
            raise EmbedLinkError("a link must be valid for some time, e.g. 8h")
        if seconds > self.max_ttl:
            raise EmbedLinkError(
                f"{format_duration(seconds)} is longer than a link may live "
                f"(EMBED_MAX_TTL={format_duration(self.max_ttl)}); ask for a shorter one"
            )
        variables, scopes = _locks(dashboard, variables or {}, scopes or {})
        now = datetime.now(UTC)
        link_id = secrets.token_hex(8)
        with self.engine.begin() as db:
            db.execute(
                insert(embed_links).values(
                    id=link_id,
                    dashboard=dashboard.slug,
                    variables=json.dumps(variables or {}),
                    scopes=json.dumps(scopes or {}),
                    creator=creator,
                    created_at=now,
                    expires_at=now + timedelta(seconds=seconds),
                )
            )
        return self._signer.dumps({"i": link_id}), self.get(link_id)

    def get(self, link_id: str) -> EmbedLink | None:
        with self.engine.connect() as db:
            row = db.execute(select(embed_links).where(embed_links.c.id == link_id)).first()
        return _link(row) if row is not None else None

    def all(self) -> list[EmbedLink]:
        query = select(embed_links).order_by(embed_links.c.created_at.desc())
        with self.engine.connect() as db:
            return [_link(row) for row in db.execute(query)]

    def revoke(self, link_id: str, by: str) -> EmbedLink:
        with self.engine.begin() as db:
            done = db.execute(
                update(embed_links)
                .where(embed_links.c.id == link_id, embed_links.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC), revoked_by=by)
            )
        link = self.get(link_id)
        if link is None:
            raise EmbedLinkError(f"there is no embed link {link_id!r}")
        if done.rowcount == 0:
            raise EmbedLinkError(f"embed link {link_id} was revoked already")
        return link

    def id_of(self, token: str) -> str:
        """The id of the link a token was signed for; EmbedTokenError when it was not."""
        if not token or len(token) > 512:
            raise EmbedTokenError("This embed link has no valid token. Ask for a new link.")
        try:
            return str(self._signer.loads(token)["i"])
        except (BadSignature, KeyError, TypeError):
            raise EmbedTokenError(
                "This embed link's token is not valid (changed, or not made here). "
                "Ask for a new link."
            ) from None

    def read(self, token: str) -> EmbedGrant:
        """The grant of a live link's token; EmbedTokenError (the reason in words) otherwise."""
        link = self.get(self.id_of(token))
        if link is None:
            raise EmbedTokenError("This embed link is not known here. Ask for a new link.")
        if link.state == "revoked":
            raise EmbedTokenError("This embed link was revoked. Ask the dashboard's owner.")
        if link.state == "expired":
            raise EmbedTokenError("This embed link has expired. Ask the dashboard's owner.")
        self._touch(link)
        return link.grant()

    def _touch(self, link: EmbedLink) -> None:
        now = datetime.now(UTC)
        if link.last_used_at and (now - link.last_used_at).total_seconds() < LAST_USE_EVERY:
            return
        with self.engine.begin() as db:
            db.execute(
                update(embed_links).where(embed_links.c.id == link.id).values(last_used_at=now)
            )


def _locks(
    dashboard: Dashboard, variables: dict[str, list[str]], scopes: dict[str, str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """A link's locked variables and scopes, checked. A locked variable bound to an attribute
    (`region=EU` where $region binds region) is a scope of the link too, so its exports and
    panels read only that region."""
    variables, scopes = dict(variables), dict(scopes)
    known = {v.name: v for v in dashboard.variables}
    for name, values in variables.items():
        variable = known.get(name)
        if variable is None:
            choices = ", ".join(sorted(known)) or "it has none"
            raise EmbedLinkError(f"{dashboard.title} has no variable {name!r} ({choices})")
        if variable.bind and len(values) != 1:
            raise EmbedLinkError(f"${name} is bound to {variable.bind}: lock one value")
        if variable.bind and scopes.setdefault(variable.bind, values[0]) != values[0]:
            raise EmbedLinkError(f"${name}={values[0]} contradicts scope {variable.bind}")
    for name, value in scopes.items():
        if not ATTRIBUTE.match(name) or not value:
            raise EmbedLinkError(f"scope {name}={value!r}: give name=value, e.g. region=EU")
    return variables, scopes
