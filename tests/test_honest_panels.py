"""Panels that measure what they say, read as their users read them: the service-flow graph,
each route's latency, the database pool, the migration's status, timeline, ETA and datasets,
targets kept in the warehouse, campaign starts marked on the business charts, and filters that
follow their dashboard's variables (a team through the services it owns)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

import urls
from app import create_app
from auth.users import User
from data.dashboards import load_all
from data.errors import DataSourceError
from data.panel_data import PanelData, QueryFrame
from data.spec import TEAMS, Panel, Query
from data.sql import SQLSource
from panels import kpi, panel_type
from panels.display import panel_data, panel_model
from panels.kind import Context
from panels.units import format_value
from services import services
from tests.fixtures.app import add_user, login, nodes, open_page, settings_for
from view.resolve import resolve_view

ADMIN = User(id=0, name="boss", level="admin", teams=TEAMS)


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("hon")))
    add_user(app, "boss", "admin", ())
    return app


def shown(app, slug: str, panel_id: str, **query: str):
    """(data, display model) of a panel as an admin opens it, with URL parameters `query`."""
    with app.server.app_context():
        dashboard = services().dashboards[slug]
        asked = urls.view_state({k: [v] for k, v in query.items()})
        view = resolve_view(ADMIN, slug, asked)
        data = panel_data(view, dashboard.panel(panel_id))
        assert data.status == "ok", (panel_id, data.status, data.error)
        return data, panel_model(view, data)


def rows(app, slug: str, panel_id: str, **query: str) -> pd.DataFrame:
    _data, model = shown(app, slug, panel_id, **query)
    return panel_type(model.panel.type).rows(model).frame


def cards(app, path: str) -> dict[str, str]:
    """{panel id: the text of its card} on the page at `path`, as an admin opens it."""
    client = app.server.test_client()
    login(client, "boss")
    page = json.loads(open_page(client, path))
    return {
        node["props"]["data-panel-id"]: json.dumps(node)
        for node in nodes(page)
        if "data-panel-id" in node.get("props", {})
    }


def read(warehouse, sql: str, **params) -> pd.DataFrame:
    return SQLSource("w", warehouse.url).query(sql, params).frame


def test_hon001_the_service_flow_is_the_calls_each_service_received(app):
    """The edges into a service add up to the requests it answered over the same range: the
    graph is measured, not each caller's traffic times a guess."""
    _data, graph = shown(app, "application-performance", "request-flow")
    into: dict[str, float] = {}
    for edge in graph.edges:
        into[edge.target] = into.get(edge.target, 0.0) + edge.value
    endpoints = rows(app, "application-performance", "endpoints")
    requests = endpoints.groupby(endpoints.iloc[:, 0].str.split(" ").str[0]).sum(numeric_only=True)
    per_service = requests.iloc[:, 0]
    assert set(into) == set(per_service.index) and "clients" not in into
    for service, rate in per_service.items():
        assert into[service] == pytest.approx(rate, rel=0.03), service
    assert {"web", "api", "clients"} <= {e.source for e in graph.edges}


def test_hon002_each_route_has_its_own_p95(app):
    table = rows(app, "application-performance", "endpoints", **{"var-service": "auth"})
    p95 = dict(zip(table.iloc[:, 0], table.filter(like="P95").iloc[:, 0], strict=True))
    assert set(p95) == {"auth /login", "auth /logout", "auth /token"}
    assert p95["auth /login"] > 2 * p95["auth /logout"]


def test_hon003_the_pool_shows_its_idle_connections_not_its_free_slots(app):
    """Over a day: idle connections stay at the few the pool keeps open while free slots (size -
    active) are many at night; active and idle never exceed the pool; clients wait only when
    every connection is out."""
    _data, pool = shown(app, "database-performance", "pool", **{"from": "now-24h"})
    lines = {line.name: pd.Series(line.values, index=line.x) for line in pool.lines}
    assert set(lines) == {"active", "idle", "waiting clients", "pool size"}
    active, idle, size = lines["active"], lines["idle"], lines["pool size"]
    assert idle.max() <= 8 < (size - active).max()
    assert (active + idle <= size).all()
    assert (active[lines["waiting clients"] > 0] == size[lines["waiting clients"] > 0]).all()


def test_hon004_the_migration_eta_is_what_is_left_at_the_last_weeks_pace(app, warehouse_sqlite):
    data, eta = shown(app, "migration-health", "eta")
    start = datetime.fromtimestamp(data.time_range.start, UTC).replace(tzinfo=None)
    end = datetime.fromtimestamp(data.time_range.end, UTC).replace(tzinfo=None)
    progress = read(
        warehouse_sqlite,
        "SELECT day, component, records_migrated FROM migration_progress "
        "WHERE day >= :start AND day < :end",
        start=start,
        end=end,
    )
    components = read(warehouse_sqlite, "SELECT * FROM migration_components").set_index("name")
    left = []
    for name, part in progress.groupby("component"):
        if components.loc[name, "records_migrated"] >= components.loc[name, "records_total"]:
            continue
        days = (pd.to_datetime(part["day"]).max() - pd.to_datetime(part["day"]).min()).days
        pace = (part["records_migrated"].max() - part["records_migrated"].min()) / days
        remaining = components.loc[name, "records_total"] - components.loc[name, "records_migrated"]
        left.append(remaining / pace)
    assert eta.value == pytest.approx(max(left), rel=1e-6)
    assert eta.shown.text.endswith(" d")
    assert "last 7 days" in cards(app, "/d/migration-health")["eta"]  # the pace's window, said


def test_hon005_migration_status_timeline_and_datasets_come_from_the_warehouse(
    app, warehouse_sqlite
):
    _data, status = shown(app, "migration-health", "status")
    blockers = read(
        warehouse_sqlite,
        "SELECT count(*) AS n FROM migration_issues WHERE severity = 'blocker' AND status = 'open'",
    )["n"][0]
    assert status.shown.text in ("HEALTHY", "AT RISK", "CRITICAL")
    assert (status.shown.text == "CRITICAL") == (blockers > 0)

    data, timeline = shown(app, "migration-health", "timeline")
    phases = read(warehouse_sqlite, "SELECT started_at, ends_at FROM migration_phases")
    first = pd.to_datetime(phases["started_at"]).min()
    last = pd.to_datetime(phases["ends_at"]).max()
    now = pd.Timestamp(data.window.end, unit="s")
    assert timeline.value == (now - first) // pd.Timedelta(weeks=1) + 1
    weeks = -(-(last - first) // pd.Timedelta(weeks=1))
    assert timeline.target.value == weeks
    assert timeline.target.text.startswith(f"of {weeks} weeks (")

    _data, datasets = shown(app, "migration-health", "datasets")
    counts = read(warehouse_sqlite, "SELECT status, count(*) AS n FROM migration_datasets "
                  "GROUP BY status").set_index("status")["n"]  # fmt: skip
    assert datasets.value == counts["done"]
    assert datasets.target.text.startswith(f"of {counts.sum()} datasets (")

    milestones = rows(app, "migration-health", "milestones")
    assert set(milestones["status"]) <= {"done", "overdue", "upcoming"} and len(milestones) == 12


def test_hon006_the_active_users_target_is_the_days_target_in_the_warehouse(app, warehouse_sqlite):
    data, dau = shown(app, "user-engagement", "dau-latest")
    last = data.frames[1].tidy.sort_values("x").iloc[-1]
    assert dau.target.value == last["value"]
    targets = read(warehouse_sqlite, "SELECT DISTINCT target FROM daily_active_users")["target"]
    assert dau.target.value in set(targets) and len(targets) > 1  # set by month, not one number
    goal = format_value(dau.target.value, dau.panel.unit, dau.panel.decimals)
    assert dau.target.text == f"{dau.value / dau.target.value * 100:.0f}% of target {goal}"


def test_hon007_campaign_starts_are_marked_on_the_business_charts(app, warehouse_sqlite):
    """Over two weeks, each campaign that started within the bars drawn is marked where it
    started, on Sales Performance's revenue and Executive Overview's orders."""
    for slug, panel_id in (("sales-performance", "revenue-per-day"), ("executive-overview",
                                                                       "orders")):  # fmt: skip
        _data, model = shown(app, slug, panel_id, **{"from": "now-14d"})
        drawn = pd.to_datetime(model.lines[0].x, utc=True)
        started = read(
            warehouse_sqlite,
            "SELECT name FROM campaigns WHERE started_at >= :start AND started_at <= :end",
            start=drawn.min().tz_localize(None).to_pydatetime(),
            end=drawn.max().tz_localize(None).to_pydatetime(),
        )["name"]
        assert len(started), "the demo starts campaigns in its first two weeks"
        figure = json.dumps(panel_type("timeseries").figure(model))
        for name in started:
            assert f"Campaign starts: {name}" in figure, (slug, name)


def test_hon008_every_dashboard_has_filters_and_a_team_filters_through_its_services(app):
    dashboards = load_all()
    assert [slug for slug, d in dashboards.items() if not d.variables] == []
    _data, p95 = shown(app, "executive-overview", "p95-latency", **{"var-team": "payments"})
    assert {line.name for line in p95.lines} == {"checkout", "payments"}
    page = cards(app, "/d/executive-overview?var-team=payments")
    assert "not filtered by Team" not in page["p95-latency"]  # its services are the team's
    assert "not filtered by Team" in page["feature-adoption"]  # features have no owner


def test_hon009_a_kpi_target_query_that_names_no_query_says_so():
    panel = Panel(
        id="k", type="kpi", title="K", datasource="warehouse",
        queries=[Query(sql="SELECT 1 AS n")], options={"target_query": "goal"},
    )  # fmt: skip
    frame = pd.DataFrame({"n": [1]})
    tidy = pd.DataFrame({"x": [0], "series": ["n"], "value": [1.0]})
    data = PanelData(panel, frames=[QueryFrame(panel.queries[0], tidy, frame)])
    with pytest.raises(DataSourceError, match="target_query 'goal' names no query"):
        kpi.build(data, Context(None, None))
    with pytest.raises(ValueError, match="may name only"):
        Panel(id="k", type="kpi", title="K", queries=[Query(expr="up")],
              options={"target_text": "{goal}"})  # fmt: skip
