"""Users and their login sessions, in the state database.

Two axes: a permission level (viewer < operator < admin) and one or more teams. Passwords are
hashed with werkzeug's scrypt; a login session is a random id in the (signed) session cookie
whose hash is a row here, so logging out or resetting a password ends it on the server.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from appdb.schema import Store, sessions, users
from data.spec import TEAMS, Dashboard

LEVELS = ("viewer", "operator", "admin")
THEMES = ("system", "light", "dark")  # system: the OS's prefers-color-scheme
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ATTRIBUTE = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
MIN_PASSWORD = 10
# Checked against when the name is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class UserError(ValueError):
    """A user change that cannot be made; the message says what to change."""


@dataclass(frozen=True)
class User(UserMixin):
    id: int
    name: str
    level: str
    teams: tuple[str, ...]
    attributes: dict[str, str] = field(default_factory=dict)
    session_id: str = ""  # the login session this request belongs to
    theme: str = "system"  # the user's pick in their menu (THEMES)

    def get_id(self) -> str:
        return self.session_id

    @property
    def is_admin(self) -> bool:
        return self.level == "admin"

    def at_least(self, level: str) -> bool:
        return LEVELS.index(self.level) >= LEVELS.index(level)

    def may_view(self, dashboard: Dashboard) -> bool:
        return self.is_admin or bool(set(self.teams) & set(dashboard.teams))


def _now() -> datetime:
    return datetime.now(UTC)


def _row_user(row, session_id: str = "") -> User:
    return User(
        id=row.id,
        name=row.name,
        level=row.level,
        teams=tuple(t for t in row.teams.split(",") if t),
        attributes=json.loads(row.attributes or "{}"),
        session_id=session_id,
        theme=row.theme or "system",
    )


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UserError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    return level


def check_teams(teams: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [t for t in teams if t not in TEAMS]
    if unknown:
        raise UserError(f"team {unknown[0]!r} is not one of {', '.join(TEAMS)}")
    return tuple(dict.fromkeys(teams))


def check_attributes(attributes: dict[str, str]) -> dict[str, str]:
    for key, value in attributes.items():
        if not ATTRIBUTE.match(key):
            raise UserError(f"attribute name {key!r}: use lower-case letters, digits and _")
        if not isinstance(value, str) or not value or len(value) > 128:
            raise UserError(f"attribute {key}: give a value of 1 to 128 characters")
    return dict(attributes)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return password


class UserStore(Store):
    def add(
        self,
        name: str,
        password: str,
        level: str,
        teams: list[str] | tuple[str, ...],
        attributes: dict[str, str] | None = None,
    ) -> User:
        if not NAME.match(name):
            raise UserError(
                f"user name {name!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'"
            )
        row = {
            "name": name,
            "password_hash": generate_password_hash(check_password(password)),
            "level": check_level(level),
            "teams": ",".join(check_teams(teams)),
            "attributes": json.dumps(check_attributes(attributes or {})),
            "created_at": _now(),
            "updated_at": _now(),
        }
        try:
            with self.engine.begin() as db:
                db.execute(insert(users).values(**row))
        except IntegrityError:
            raise UserError(f"there is already a user {name!r}") from None
        return self.get(name)

    def get(self, name: str) -> User:
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            raise UserError(f"there is no user {name!r}")
        return _row_user(row)

    def all(self) -> list[User]:
        with self.engine.connect() as db:
            return [_row_user(r) for r in db.execute(select(users).order_by(users.c.name))]

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; None otherwise (unknown name or wrong
        password alike, in the same time)."""
        with self.engine.connect() as db:
            row = db.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        return _row_user(row) if check_password_hash(row.password_hash, password) else None

    def set(
        self,
        name: str,
        *,
        level: str | None = None,
        teams: list[str] | tuple[str, ...] | None = None,
        attributes: dict[str, str] | None = None,
    ) -> User:
        changes: dict = {"updated_at": _now()}
        if level is not None:
            changes["level"] = check_level(level)
        if teams is not None:
            changes["teams"] = ",".join(check_teams(teams))
        if attributes is not None:
            changes["attributes"] = json.dumps(check_attributes(attributes))
        self._update(name, changes)
        return self.get(name)

    def set_theme(self, user_id: int, theme: str) -> None:
        """The theme a user picked (THEMES); `system` follows their OS."""
        if theme not in THEMES:
            raise UserError(f"theme {theme!r}: use one of {', '.join(THEMES)}")
        stored = None if theme == "system" else theme
        with self.engine.begin() as db:
            db.execute(update(users).where(users.c.id == user_id).values(theme=stored))

    def reset_password(self, name: str, password: str) -> None:
        """A new password; every session of the user ends."""
        hashed = generate_password_hash(check_password(password))
        user = self.get(name)
        self._update(name, {"password_hash": hashed, "updated_at": _now()})
        SessionStore(self.engine).end_all(user.id)

    def remove(self, name: str) -> None:
        user = self.get(name)
        SessionStore(self.engine).end_all(user.id)
        with self.engine.begin() as db:
            db.execute(delete(users).where(users.c.id == user.id))

    def _update(self, name: str, changes: dict) -> None:
        with self.engine.begin() as db:
            result = db.execute(update(users).where(users.c.name == name).values(**changes))
        if result.rowcount == 0:
            raise UserError(f"there is no user {name!r}")


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore(Store):
    """Login sessions: the cookie holds a random id, this table its hash. A session ends at
    logout, after `hours`, or when the user's password is reset or the user removed."""

    def __init__(self, engine: Engine, hours: float = 12.0) -> None:
        super().__init__(engine)
        self.hours = hours

    def start(self, user: User, ip: str) -> str:
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                insert(sessions).values(
                    id=_digest(session_id), user_id=user.id, created_at=_now(), ip=ip[:64]
                )
            )
        return session_id

    def user(self, session_id: str) -> User | None:
        """The user of a live session, or None (ended, unknown, or the user removed)."""
        query = (
            select(users)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.id == _digest(session_id))
            .where(sessions.c.created_at >= _now() - timedelta(hours=self.hours))
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return _row_user(row, session_id) if row is not None else None

    def end(self, session_id: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.id == _digest(session_id)))

    def end_all(self, user_id: int) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.user_id == user_id))
