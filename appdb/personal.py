"""What a user keeps for themselves, read for a page in one go: the dashboards they starred, the
ones they opened last, and their saved views (appdb/saved_views.py). A dashboard page records
the visit and reads its star and views over one connection; the home page reads everything
over one connection: a page costs the same few statements whatever its number of panels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from appdb.saved_views import SavedView, SavedViewStore
from appdb.schema import dashboard_visits, stars
from auth.users import User

RECENT = 8  # dashboards in "Recently viewed"


@dataclass(frozen=True)
class OnDashboard:
    """A user's marks on one dashboard."""

    starred: bool
    views: list[SavedView]  # listed for the user, their default, and the one asked for


@dataclass(frozen=True)
class OnHome:
    starred: list[str]  # slugs, the latest star first
    recent: list[tuple[str, datetime]]  # (slug, last opened), the latest first
    views: list[SavedView]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class PersonalStore:
    def __init__(self, engine: Engine, views: SavedViewStore) -> None:
        self.engine = engine
        self.views = views

    def open_dashboard(self, user: User, slug: str, asked_view: str | None) -> OnDashboard:
        """Records that `user` opened `slug` now; their star and views on it."""
        mine = and_(dashboard_visits.c.user_id == user.id, dashboard_visits.c.dashboard == slug)
        now = datetime.now(UTC)
        with self.engine.connect() as db:
            try:
                with db.begin():
                    if not db.execute(update(dashboard_visits).where(mine).values(at=now)).rowcount:
                        db.execute(
                            insert(dashboard_visits).values(user_id=user.id, dashboard=slug, at=now)
                        )
            except IntegrityError:
                pass  # the same user opened it in another tab at this moment: that visit counts
            starred = self._starred(db, user, slug)
            views = self.views.on_dashboard(db, user, slug, asked_view)
        return OnDashboard(starred, views)

    def home(self, user: User, slugs: list[str]) -> OnHome:
        """Stars, recent visits and views of the dashboards `slugs` (those the user may open)."""
        starred_query = (
            select(stars.c.dashboard)
            .where(stars.c.user_id == user.id, stars.c.dashboard.in_(slugs))
            .order_by(stars.c.at.desc())
        )
        recent_query = (
            select(dashboard_visits.c.dashboard, dashboard_visits.c.at)
            .where(dashboard_visits.c.user_id == user.id, dashboard_visits.c.dashboard.in_(slugs))
            .order_by(dashboard_visits.c.at.desc())
            .limit(RECENT)
        )
        with self.engine.connect() as db:
            starred = list(db.execute(starred_query).scalars())
            recent = [(row.dashboard, _utc(row.at)) for row in db.execute(recent_query)]
            views = self.views.listed(db, user, slugs)
        return OnHome(starred, recent, views)

    def toggle_star(self, user: User, slug: str) -> bool:
        """Stars `slug` for `user`, or takes the star away; whether it is starred now."""
        mine = and_(stars.c.user_id == user.id, stars.c.dashboard == slug)
        try:
            with self.engine.begin() as db:
                if db.execute(delete(stars).where(mine)).rowcount:
                    return False
                db.execute(
                    insert(stars).values(user_id=user.id, dashboard=slug, at=datetime.now(UTC))
                )
        except IntegrityError:
            pass  # starred from another tab at this moment: starred it is
        return True

    def _starred(self, db: Connection, user: User, slug: str) -> bool:
        query = select(stars.c.dashboard).where(
            stars.c.user_id == user.id, stars.c.dashboard == slug
        )
        return db.execute(query).first() is not None
