"""Saved views of dashboards, in the app's database.

A view is a name, its dashboard, its owner, the team it is shared with (or none: the owner's
alone) and the dashboard's state as its URL query (`from=now-7d&to=now&var-region=EU`): the whole
query, so whatever the URL learns to hold (a comparison, a cross-filter) a view keeps. Each user
may mark one view per dashboard as their default. Its id is random (the permalink `/v/<id>`);
who may open or change it is checked on every request all the same.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from appdb.schema import default_views, saved_views, users
from auth.users import User

NAME_MAX = 80
QUERY_MAX = 8000
ID_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"


class ViewError(ValueError):
    """A view that cannot be saved or changed so; the message says what to change."""


@dataclass(frozen=True)
class SavedView:
    id: str
    dashboard: str
    name: str
    owner_id: int
    owner: str  # the owner's user name
    team: str | None  # shared with this team; None: the owner's alone
    query: str  # the dashboard's URL query, without the "?"
    is_default: bool = False  # the reading user's default for its dashboard

    def mine(self, user: User) -> bool:
        return self.owner_id == user.id

    def editable_by(self, user: User) -> bool:
        """Its owner renames and deletes it; so may an admin."""
        return self.mine(user) or user.is_admin

    def openable_by(self, user: User) -> bool:
        """A shared view opens for whoever may open its dashboard (its link is a share of the
        dashboard's state); a private one for its owner (and admins) only."""
        return self.team is not None or self.editable_by(user)

    def reportable_by(self, user: User) -> bool:
        """A report subscription of `user` may read it: theirs, or shared with one of their
        teams (an admin: any shared one). Never another user's private view."""
        return self.mine(user) or (
            self.team is not None and (user.is_admin or self.team in user.teams)
        )

    def listed_for(self, user: User) -> bool:
        """In the user's menus: their own, those shared with their teams (an admin: all
        shared ones), and their default."""
        return self.is_default or self.reportable_by(user)


def check_name(raw: object) -> str:
    """A view's name as typed, trimmed; ViewError when it is empty, too long or not text."""
    if not isinstance(raw, str):
        raise ViewError("Give the view a name.")
    name = " ".join(raw.split())
    if not name:
        raise ViewError("Give the view a name.")
    if len(name) > NAME_MAX:
        raise ViewError(
            f"A view's name has at most {NAME_MAX} characters (this one has {len(name):,})."
        )
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ViewError("A view's name cannot contain control characters.")
    return name


def _view(row, default_id: str | None = None) -> SavedView:
    return SavedView(
        id=row.id,
        dashboard=row.dashboard,
        name=row.name,
        owner_id=row.owner_id,
        owner=row.owner,
        team=row.team,
        query=row.query,
        is_default=default_id is not None and default_id == row.id,
    )


def _with_owner(user_id: int):
    """Views with their owner's name and whether they are `user_id`'s default."""
    return (
        select(saved_views, users.c.name.label("owner"), default_views.c.view_id.label("default"))
        .join(users, users.c.id == saved_views.c.owner_id)
        .outerjoin(
            default_views,
            and_(default_views.c.view_id == saved_views.c.id, default_views.c.user_id == user_id),
        )
    )


class SavedViewStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self, owner: User, dashboard: str, name: str, team: str | None, query: str
    ) -> SavedView:
        """A new view; ViewError when the owner has one of that name on the dashboard."""
        if len(query) > QUERY_MAX:
            raise ViewError(
                f"This view's state is too long to keep ({len(query):,} characters, at most "
                f"{QUERY_MAX:,}): pick fewer variable values."
            )
        now = datetime.now(UTC)
        view_id = secrets.token_urlsafe(9)  # 72 random bits, 12 characters
        row = dict(
            id=view_id,
            dashboard=dashboard,
            name=name,
            owner_id=owner.id,
            team=team,
            query=query,
            created_at=now,
            changed_at=now,
        )
        try:
            with self.engine.begin() as db:
                db.execute(insert(saved_views).values(**row))
        except IntegrityError:
            raise ViewError(_taken(name)) from None
        return SavedView(view_id, dashboard, name, owner.id, owner.name, team, query)

    def get(self, view_id: str, reader: User) -> SavedView | None:
        with self.engine.connect() as db:
            row = db.execute(_with_owner(reader.id).where(saved_views.c.id == view_id)).first()
        return _view(row, row.default) if row is not None else None

    def names(self, view_ids: list[str]) -> dict[str, str]:
        """{id: name} of those views that exist (for lists that name views by their ids)."""
        if not view_ids:
            return {}
        query = select(saved_views.c.id, saved_views.c.name).where(saved_views.c.id.in_(view_ids))
        with self.engine.connect() as db:
            return {row.id: row.name for row in db.execute(query)}

    def change(self, view: SavedView, name: str, team: str | None) -> None:
        """A new name and sharing (its owner stays)."""
        try:
            with self.engine.begin() as db:
                db.execute(
                    update(saved_views)
                    .where(saved_views.c.id == view.id)
                    .values(name=name, team=team, changed_at=datetime.now(UTC))
                )
        except IntegrityError:
            raise ViewError(_taken(name)) from None

    def delete(self, view_id: str) -> None:
        """The view and every user's default that was it."""
        with self.engine.begin() as db:
            db.execute(delete(default_views).where(default_views.c.view_id == view_id))
            db.execute(delete(saved_views).where(saved_views.c.id == view_id))

    def set_default(self, user: User, dashboard: str, view_id: str | None) -> None:
        """`view_id` becomes the user's default on the dashboard (None: no default)."""
        key = and_(default_views.c.user_id == user.id, default_views.c.dashboard == dashboard)
        with self.engine.begin() as db:
            db.execute(delete(default_views).where(key))
            if view_id is not None:
                db.execute(
                    insert(default_views).values(
                        user_id=user.id, dashboard=dashboard, view_id=view_id
                    )
                )

    def for_dashboard(self, user: User, dashboard: str) -> list[SavedView]:
        """The views of `dashboard` listed for `user`, and their default."""
        with self.engine.connect() as db:
            return self.on_dashboard(db, user, dashboard, None)

    def on_dashboard(self, db: Connection, user: User, dashboard: str, also: str | None) -> list:
        """The views of `dashboard` listed for `user`, their default, and the view `also` (one
        they asked for by id) if it is of this dashboard; by name."""
        wanted = [
            saved_views.c.owner_id == user.id,
            saved_views.c.team.in_(user.teams),
            default_views.c.view_id.is_not(None),
        ]
        if user.is_admin:
            wanted.append(saved_views.c.team.is_not(None))
        if also is not None:
            wanted.append(saved_views.c.id == also)
        query = (
            _with_owner(user.id)
            .where(saved_views.c.dashboard == dashboard, or_(*wanted))
            .order_by(saved_views.c.name, saved_views.c.id)
        )
        return [_view(row, row.default) for row in db.execute(query)]

    def listed(self, db: Connection, user: User, dashboards: list[str]) -> list[SavedView]:
        """The views listed for `user` on any of `dashboards`, by name."""
        wanted = [saved_views.c.owner_id == user.id, saved_views.c.team.in_(user.teams)]
        if user.is_admin:
            wanted.append(saved_views.c.team.is_not(None))
        query = (
            _with_owner(user.id)
            .where(saved_views.c.dashboard.in_(dashboards), or_(*wanted))
            .order_by(saved_views.c.name, saved_views.c.id)
        )
        return [_view(row, row.default) for row in db.execute(query)]


def _taken(name: str) -> str:
    return f"You have a view named “{name}” on this dashboard already: pick another name."
