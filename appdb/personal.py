"""What a user keeps for themselves, read for a page in one go: the dashboards they starred, the
ones they opened last, and their saved views (appdb/saved_views.py). A dashboard page records
the visit and reads its star and views over one connection; the home page reads everything
over one connection: a page costs the same few statements whatever its number of panels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from appdb.saved_views import SavedView, SavedViewStore
from appdb.schema import dashboard_visits, stars
from auth.users import User

RECENT = 8  # dashboards in "Recently viewed"
SAME_VISIT = timedelta(minutes=5)  # the latest dashboard opened again within this: one visit


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
        latest = (
            select(dashboard_visits.c.dashboard, dashboard_visits.c.at)
            .where(dashboard_visits.c.user_id == user.id)
            .order_by(dashboard_visits.c.at.desc())
            .limit(1)
        )
        now = datetime.now(UTC)
        with self.engine.connect() as db:
            last = db.execute(latest).first()
            starred = self._starred(db, user, slug)
            views = self.views.on_dashboard(db, user, slug, asked_view)
            db.rollback()
            # The same page again (a toolbar change lays it out anew) is the same visit: no
            # write, whose commit costs more than the page's reads together.
            if last is None or last.dashboard != slug or _utc(last.at) < now - SAME_VISIT:
                self._visit(db, user, slug, now)
        return OnDashboard(starred, views)

    def _visit(self, db: Connection, user: User, slug: str, now: datetime) -> None:
        mine = and_(dashboard_visits.c.user_id == user.id, dashboard_visits.c.dashboard == slug)
        try:
            with db.begin():
                if not db.execute(update(dashboard_visits).where(mine).values(at=now)).rowcount:
                    row = {"user_id": user.id, "dashboard": slug, "at": now}
                    db.execute(insert(dashboard_visits).values(**row))
        except IntegrityError:
            pass  # the same user opened it in another tab at this moment: that visit counts

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
