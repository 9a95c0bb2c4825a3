"""Saved views, as team members use them and as attackers try them: save the page's state under a
name (private or shared with a team), open it by its permalink as a team mate, make it the
default, rename, delete; scopes and locked variables still win; a view whose values are gone opens
with a note. Through the real app's pages and callbacks (Flask test client), real Prometheus and
warehouse behind it; the store on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from sqlalchemy import event, func, insert, select

import urls
from appdb.personal import PersonalStore
from appdb.saved_views import NAME_MAX, SavedViewStore, ViewError
from appdb.schema import connect, dashboard_visits, default_views, saved_views, stars
from auth.users import UserStore
from callbacks.panels import update_request
from components.your_views import PRIVATE
from services import services
from tests.fixtures.app import (
    MANY_LOGINS,
    PASSWORD,
    add_user,
    client_for,
    demo_app,
    embed_token,
    nodes,
    open_page,
)
from tests.test_authorisation import call, key_of, row_counts

SALES = "sales-performance"
STATE = {"from": "now-30d", "to": "now", "refresh": "off", "vars": {"category": ["Toys"]}}
SAVE = "..views-result.children...views-list.children.."
ACT = "..views-result.children@"
STAR = "..view-star.children...view-star.aria-pressed"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("views"), **MANY_LOGINS)
    add_user(app, "sam", "viewer", ("sales",))  # sales's second member
    return app


def page_store(slug: str, state: dict | None = None) -> dict:
    return {"slug": slug, **(state or STATE)}


def save(client, app, name: str, share: str = PRIVATE, slug: str = SALES, state=None, editing=None):
    """The Save button of the Views panel, with the page's store and the form's fields."""
    values = {
        ("dash-state", "data"): page_store(slug, state),
        ("views-editing", "data"): editing,
        ("views-name", "value"): name,
        ("views-share", "value"): share,
        ("views-save", "n_clicks"): 1,
    }
    return client.post("/_dash-update-component", json=call(app, key_of(app, SAVE), values))


def act(client, app, kind: str, view_id: str, slug: str = SALES):
    """A button of a view's row in the list: view-default, view-rename, view-delete."""
    prop = "submit_n_clicks" if kind == "view-delete" else "n_clicks"
    button = {"id": {"type": kind, "view": view_id}, "property": prop, "value": 1}
    pattern = json.dumps({"type": kind, "view": ["ALL"]}, separators=(",", ":"))
    values = {(pattern, prop): [button], ("dash-state", "data"): page_store(slug)}
    request = call(app, key_of(app, ACT), values)
    request["changedPropIds"] = [json.dumps(button["id"], separators=(",", ":")) + "." + prop]
    return client.post("/_dash-update-component", json=request)


def star(client, app, slug: str):
    values = {("view-star", "n_clicks"): 1, ("dash-state", "data"): page_store(slug)}
    return client.post("/_dash-update-component", json=call(app, key_of(app, STAR), values))


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def view_named(app, name: str) -> dict | None:
    with app.server.app_context(), services().database.connect() as db:
        row = db.execute(select(saved_views).where(saved_views.c.name == name)).first()
    return row._asdict() if row is not None else None


def opened(client, path: str) -> tuple[str, dict]:
    """Follows a permalink: (the dashboard page it leads to, that page's query)."""
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    target = urlsplit(response.headers["Location"])
    return target.path, parse_qs(target.query)


def props_of(layout: str, ident: str) -> dict:
    """The properties of the component `ident` in a page's layout as the browser gets it."""
    found = [n["props"] for n in nodes(json.loads(layout)) if
             isinstance(n.get("props"), dict) and n["props"].get("id") == ident]  # fmt: skip
    assert len(found) == 1, (ident, len(found))
    return found[0]


def toolbar_from(layout: str) -> str:
    """The From field of the page's toolbar, as it is drawn."""
    return props_of(layout, "time-from")["value"]


def test_viw001_a_sales_manager_saves_a_view_and_a_team_mate_opens_its_link(app):
    sally = client_for(app, "sales")
    answer = text_of(save(sally, app, "Toys, last 30 days", share="sales"))
    assert "Saved “Toys, last 30 days” (shared with Sales)" in answer
    view = view_named(app, "Toys, last 30 days")
    assert view["team"] == "sales" and "from=now-30d" in view["query"]
    assert "var-category=Toys" in view["query"] and len(view["id"]) == 12
    assert f'"data-view":"{view["id"]}"' in answer  # in the list that came back
    with app.server.app_context():
        saved = services().audit.events(action="view_save")[0]
    assert saved.actor == "sales" and saved.detail["id"] == view["id"]

    permalink = urls.saved_view("/", view["id"])
    assert urls.place(urls.relative("/", permalink)) == urls.Place("view", rest=view["id"])
    sam = client_for(app, "sam")
    path, query = opened(sam, permalink)
    assert path == f"/d/{SALES}" and query["from"] == ["now-30d"]
    assert query["var-category"] == ["Toys"] and query["view"] == [view["id"]]
    layout = open_page(sam, sam.get(f"/v/{view['id']}").headers["Location"])
    assert toolbar_from(layout) == "now-30d"
    assert "Saved view " in layout and "Toys, last 30 days" in layout and "by sales" in layout
    # The link alone (`view=`) opens it too, and the address then gets the view's state.
    short = open_page(sam, f"/d/{SALES}?view={view['id']}")
    assert toolbar_from(short) == "now-30d" and '"id":"view-address"' in short
    assert "var-category=Toys" in short and f"view={view['id']}" in short


def test_viw002_a_private_view_opens_for_its_owner_only(app):
    sally = client_for(app, "sales")
    text_of(save(sally, app, "Mine alone"))
    view = view_named(app, "Mine alone")
    assert view["team"] is None
    assert opened(sally, f"/v/{view['id']}")[0] == f"/d/{SALES}"
    sam = client_for(app, "sam")
    refused = sam.get(f"/v/{view['id']}")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 404 and "its owner keeps it to themselves" in body
    # The same words for an id that does not exist: ids cannot be probed.
    missing = sam.get("/v/AAAAAAAAAAAA")
    assert missing.status_code == 404 and "its owner keeps it to themselves" in missing.get_data(
        as_text=True
    )
    # Named in a dashboard address: a note, and the dashboard's own state.
    page = open_page(sam, f"/d/{SALES}?view={view['id']}")
    assert "its owner keeps it to themselves" in page and "Mine alone" not in page
    assert toolbar_from(page) == "now-7d"
    with app.server.app_context():
        denied = services().audit.events(action="forbidden", actor="sam")
    assert any(view["id"] in e.target for e in denied)
    # An admin may open it (and delete it; see viw006).
    assert opened(client_for(app, "admin"), f"/v/{view['id']}")[0] == f"/d/{SALES}"


def test_viw003_a_default_view_opens_instead_of_the_dashboards_defaults(app):
    sam = client_for(app, "sam")
    text_of(save(sam, app, "Sam's start", state={**STATE, "from": "now-90d"}))
    view = view_named(app, "Sam's start")
    made = text_of(act(sam, app, "view-default", view["id"]))
    assert "“Sam's start” opens when you open this dashboard" in made
    page = open_page(sam, f"/d/{SALES}")
    assert toolbar_from(page) == "now-90d"
    assert "Your default view" in page and "Show the dashboard's own defaults" in page
    assert '"id":"view-address"' in page  # the address gets the view's state
    # An address with state is what it says; the default is for a bare address only.
    assert toolbar_from(open_page(sam, f"/d/{SALES}?from=now-7d&to=now")) == "now-7d"
    # Others keep the dashboard's defaults.
    assert toolbar_from(open_page(client_for(app, "sales"), f"/d/{SALES}")) == "now-7d"
    undone = text_of(act(sam, app, "view-default", view["id"]))
    assert "is no longer your default" in undone
    assert toolbar_from(open_page(sam, f"/d/{SALES}")) == "now-7d"
    with app.server.app_context():
        defaults = services().audit.events(action="view_default", actor="sam")
    assert [e.detail["default"] for e in defaults] == [False, True]


def test_viw004_a_region_bound_user_opening_an_admins_view_sees_their_region_and_is_told(app):
    admin = client_for(app, "admin")
    north_america = {**STATE, "vars": {"region": ["NA"], "category": ["Toys"]}}
    text_of(save(admin, app, "NA toys", share="sales", state=north_america))
    view = view_named(app, "NA toys")
    eu = client_for(app, "sales-eu")
    path, query = opened(eu, f"/v/{view['id']}")
    assert query["var-region"] == ["NA"]
    page = open_page(eu, f"/d/{SALES}?view={view['id']}")
    assert "Region is set to EU for you, so you see EU only (this address asked for NA)" in page
    assert toolbar_from(page) == "now-30d"  # the rest of the view holds
    # The page's state, which its panels read, is EU's.
    assert props_of(page, "dash-state")["data"]["vars"]["region"] == ["EU"]


def test_viw005_a_view_whose_values_are_gone_opens_with_a_note(app):
    """The category a view was saved with was renamed in the warehouse meanwhile."""
    with app.server.app_context():
        owner = services().users.get("sam")
        with services().database.begin() as db:
            db.execute(
                insert(saved_views).values(
                    id="goneview0001",
                    dashboard=SALES,
                    name="Old garden",
                    owner_id=owner.id,
                    team="sales",
                    query="from=now-30d&to=now&refresh=off&var-category=Gardening",
                    created_at=datetime.now(UTC),
                    changed_at=datetime.now(UTC),
                )
            )
    page = open_page(client_for(app, "sales"), f"/d/{SALES}?view=goneview0001")
    assert "Category: 'Gardening' is not one of its values (any more)" in page
    assert "Showing its default instead" in page
    assert toolbar_from(page) == "now-30d"  # what still exists is kept


def test_viw006_owners_rename_and_delete_their_views_and_admins_too_nobody_else(app):
    sally = client_for(app, "sales")
    text_of(save(sally, app, "To rename", share="sales"))
    view = view_named(app, "To rename")
    sam = client_for(app, "sam")
    for kind in ("view-rename", "view-delete"):
        refused = text_of(act(sam, app, kind, view["id"]))
        assert "Only sales or an admin may change the view “To rename”" in refused
    renaming = text_of(act(sally, app, "view-rename", view["id"]))
    assert "Renaming “To rename”" in renaming and "Save changes" in renaming
    # Sam cannot save a rename of it either, whatever the form's state says.
    assert "Only sales or an admin" in text_of(save(sam, app, "Hijacked", editing=view["id"]))
    renamed = text_of(save(sally, app, "Renamed", editing=view["id"]))
    assert "Saved “Renamed” (only you)" in renamed
    assert view_named(app, "Renamed")["team"] is None and view_named(app, "To rename") is None
    assert "Deleted “Renamed”" in text_of(
        act(client_for(app, "admin"), app, "view-delete", view["id"])
    )
    assert view_named(app, "Renamed") is None
    with app.server.app_context():
        actions = [
            e.action for e in services().audit.events(limit=20) if e.detail.get("id") == view["id"]
        ]
    assert actions[:3] == ["view_delete", "view_change", "view_save"]


def test_viw007_names_are_checked_and_nothing_is_lost(app):
    sally = client_for(app, "sales")
    before = row_counts(app)["saved_views"]
    huge = text_of(save(sally, app, "x" * 5000))
    assert f"at most {NAME_MAX} characters (this one has 5,000)" in huge
    assert "Give the view a name" in text_of(save(sally, app, "   "))
    assert "Give the view a name" in text_of(save(sally, app, None))
    text_of(save(sally, app, "Twice"))
    assert "You have a view named “Twice” on this dashboard already" in text_of(
        save(sally, app, "  Twice ")
    )
    # Sharing with a team the user is not in, or that may not open the dashboard.
    assert "You can share views of this dashboard with: sales" in text_of(
        save(sally, app, "Shared wide", share="sre")
    )
    assert row_counts(app)["saved_views"] == before + 1
    # A refused save leaves what was typed in the form (no update of the name field).
    assert '"views-name"' not in text_of(save(sally, app, "y" * 81))


def test_viw008_attackers_reach_no_view_they_may_not(app):
    sally, sre = client_for(app, "sales"), client_for(app, "sre")
    text_of(save(sally, app, "Sales private"))
    private = view_named(app, "Sales private")["id"]
    text_of(
        save(
            client_for(app, "sre"),
            app,
            "SRE shared",
            share="sre",
            slug="system-health",
            state={"from": "now-6h", "to": "now", "refresh": "off", "vars": {}},
        )
    )
    sre_view = view_named(app, "SRE shared")["id"]
    before = row_counts(app)
    # A view of a dashboard the user may not open: by its link, and named in a request.
    refused = sally.get(f"/v/{sre_view}")
    assert refused.status_code == 403 and "You may not open dashboard" in refused.get_data(
        as_text=True
    )
    # Renamed ids: Sally's page store names her dashboard; the view is of another one.
    for kind in ("view-default", "view-delete", "view-rename"):
        assert "That view is not on this dashboard" in text_of(act(sally, app, kind, sre_view))
    # Another user's private view, named on its own dashboard.
    for kind in ("view-default", "view-delete", "view-rename"):
        answer = text_of(act(client_for(app, "sam"), app, kind, private))
        assert "That view is not on this dashboard" in answer
    # A store naming a dashboard the user may not open is refused by the guard.
    assert act(sre, app, "view-delete", private, slug=SALES).status_code == 403
    assert save(sre, app, "Sneaky").status_code == 403
    # Ids that are not ids.
    for bad in ("x" * 500, "%00", "' OR 1=1 --", "a.b"):
        assert sally.get(f"/v/{bad}").status_code == 404
        assert "That view is not on this dashboard" in text_of(act(sally, app, "view-delete", bad))
    # Anonymous callers and embed links reach no view callback, and no permalink.
    anonymous = client_for(app, None)
    token = embed_token(app, SALES)
    for output in (SAVE, ACT, STAR):
        request = call(
            app,
            key_of(app, output),
            {
                ("dash-state", "data"): {**page_store(SALES), "embed": token},
                ("views-name", "value"): "x",
            },
        )
        assert anonymous.post("/_dash-update-component", json=request).status_code == 401
    assert anonymous.get(f"/v/{private}").status_code == 302  # to the login
    assert anonymous.get(f"/v/{private}?token={token}").headers["Location"].startswith("/login")
    assert row_counts(app)["saved_views"] == before["saved_views"]
    # A body past the limit is refused before it is read.
    huge = save(sally, app, "z" * (2 << 20))
    assert huge.status_code == 413


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The SQL statements the app's state database runs meanwhile."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.server.app_context():
        engine = services().database
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


PERSONAL = ("saved_views", "default_views", "stars", "dashboard_visits")


def test_viw009_a_star_and_a_visit_cost_a_page_not_a_panel(app):
    """Starring is a toggle kept per user; opening a dashboard records one visit and reads the
    star and views in a few statements whatever its number of panels; its panels' update reads
    none of them."""
    sam = client_for(app, "sam")
    first = text_of(star(sam, app, SALES))
    assert "★ Starred" in first and '"aria-pressed":"true"' in first
    assert "☆ Star" in text_of(star(sam, app, SALES))
    admin = client_for(app, "admin")
    costs = {}
    for slug in ("migration-health", "executive-overview"):  # 16 panels, and fewer
        with statements(app) as seen:
            open_page(admin, f"/d/{slug}")
        costs[slug] = sum(1 for s in seen if any(t in s for t in PERSONAL))
    assert costs["migration-health"] == costs["executive-overview"] <= 5
    # The same page again (a toolbar change lays it out anew) reads, and writes nothing.
    with statements(app) as seen:
        open_page(admin, "/d/executive-overview?from=now-1h")
    assert not [s for s in seen if s.lstrip().startswith(("INSERT", "UPDATE", "DELETE"))]
    panels = update_request(SALES, ["revenue-by-category", "funnel"], {**STATE, "vars": {}})
    with statements(app) as seen:
        assert sam.post("/_dash-update-component", json=panels).status_code == 200
    assert not [s for s in seen if any(t in s for t in PERSONAL)]


@pytest.fixture(params=["sqlite", "postgresql"])
def state_db(request, tmp_path):
    """A fresh state database on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("postgres_server").url(f"views_{uuid4().hex[:10]}")
    engine = connect(url)
    yield engine
    engine.dispose()


def test_viw010_the_store_keeps_views_defaults_stars_and_visits(state_db):
    users = UserStore(state_db)
    ana = users.add("ana", PASSWORD, "viewer", ["sales"])
    bob = users.add("bob", PASSWORD, "viewer", ["sales", "finance"])
    root = users.add("root", PASSWORD, "admin", [])
    views = SavedViewStore(state_db)
    personal = PersonalStore(state_db, views)
    mine = views.add(ana, SALES, "Mine", None, "from=now-7d")
    shared = views.add(ana, SALES, "Ours", "sales", "from=now-30d")
    views.add(bob, SALES, "Bob's", "finance", "from=now-1d")
    with pytest.raises(ViewError, match="already"):
        views.add(ana, SALES, "Mine", "sales", "from=now-1h")
    with pytest.raises(ViewError, match="too long"):
        views.add(ana, SALES, "Long", None, "x" * 9000)
    # Ana's list: her two; Bob's: the shared one and his; an admin's: every shared one.
    names = {u.name: [v.name for v in views.for_dashboard(u, SALES) if v.listed_for(u)]
             for u in (ana, bob, root)}  # fmt: skip
    assert names == {"ana": ["Mine", "Ours"], "bob": ["Bob's", "Ours"], "root": ["Bob's", "Ours"]}
    assert views.get(mine.id, bob).openable_by(bob) is False
    views.set_default(bob, SALES, shared.id)
    assert [v.name for v in views.for_dashboard(bob, SALES) if v.is_default] == ["Ours"]
    views.change(shared, "Ours, renamed", None)
    # No longer shared: still Bob's default by its row, but he may not open it.
    default = next(v for v in views.for_dashboard(bob, SALES) if v.is_default)
    assert default.name == "Ours, renamed" and not default.openable_by(bob)
    views.delete(shared.id)
    assert not [v for v in views.for_dashboard(bob, SALES) if v.is_default]
    # Stars toggle; visits keep one row per dashboard, the latest first.
    assert personal.toggle_star(ana, SALES) is True
    assert personal.toggle_star(ana, "finance") is True
    assert personal.toggle_star(ana, SALES) is False
    for slug in ["a", "b", SALES, "a", *(f"d{n}" for n in range(10)), SALES]:
        personal.open_dashboard(ana, slug, None)
    home = personal.home(ana, [SALES, "finance", "a", "b", *(f"d{n}" for n in range(10))])
    assert home.starred == ["finance"]
    assert [slug for slug, _at in home.recent] == [SALES, "d9", "d8", "d7", "d6", "d5", "d4",
                                                   "d3"]  # fmt: skip
    assert [slug for slug, _ in personal.home(ana, ["a", "b"]).recent] == ["a", "b"]
    assert [v.name for v in home.views] == ["Mine"]
    marks = personal.open_dashboard(bob, SALES, mine.id)  # asked for by id: read, not shown
    assert [v.name for v in marks.views] == ["Bob's", "Mine"] and not marks.starred
    # A removed user's views, default, stars and visits go with them.
    views.set_default(ana, SALES, mine.id)
    users.remove("ana")
    with state_db.connect() as db:
        left = {t.name: db.execute(select(func.count()).select_from(t)).scalar()
                for t in (saved_views, default_views, stars, dashboard_visits)}  # fmt: skip
    assert left == {"saved_views": 1, "default_views": 0, "stars": 0, "dashboard_visits": 1}


def test_viw011_on_a_postgresql_state_database_the_whole_story_holds(
    prometheus, warehouse_sqlite, postgres_server, tmp_path
):
    url = postgres_server.url(f"views_app_{uuid4().hex[:10]}")
    app = demo_app(prometheus, warehouse_sqlite, tmp_path, app_database_url=url)
    sally = client_for(app, "sales")
    assert "Saved “Weekly” (shared with Sales)" in text_of(save(sally, app, "Weekly", "sales"))
    view = view_named(app, "Weekly")
    text_of(act(sally, app, "view-default", view["id"]))
    text_of(star(sally, app, SALES))
    page = open_page(sally, f"/d/{SALES}")
    assert toolbar_from(page) == "now-30d" and "Your default view" in page
    home = open_page(sally, "/")
    starred = props_of(home, "home-starred")
    assert SALES in json.dumps(starred) and "Weekly" in json.dumps(props_of(home, "home-views"))
    assert SALES in json.dumps(props_of(home, "home-recent"))
    assert opened(client_for(app, "executive"), f"/v/{view['id']}")[0] == f"/d/{SALES}"
