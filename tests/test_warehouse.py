"""The demo warehouse: deterministic, big enough, shaped like a real shop, consistent with the
incidents Prometheus shows, reusable, and loadable into PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect

from data.sql import SQLSource
from demo.incidents import incidents_between
from demo.series import all_series, sample
from demo.warehouse import TABLES, build_warehouse
from tests.fixtures.warehouse import WAREHOUSE_END


def read(url: str, sql: str, **params) -> pd.DataFrame:
    return SQLSource("w", url).query(sql, params).frame


def digest(url: str, table: str) -> str:
    frame = read(url, f"SELECT * FROM {table} ORDER BY 1")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_wh001_every_table_exists_with_rows(warehouse_sqlite):
    names = set(inspect(create_engine(warehouse_sqlite.url)).get_table_names())
    assert {t.name for t in TABLES} <= names
    empty = [name for name, rows in warehouse_sqlite.rows.items() if rows == 0]
    assert empty == []


def test_wh002_same_inputs_same_rows(warehouse_sqlite, tmp_path):
    again = build_warehouse(f"sqlite:///{tmp_path / 'w.db'}", days=14, end=WAREHOUSE_END)
    assert again.rows == warehouse_sqlite.rows
    for table in ("orders", "payments", "incidents", "audio_jobs"):
        assert digest(again.url, table) == digest(warehouse_sqlite.url, table)


def test_wh003_ninety_days_hold_over_100k_orders(tmp_path):
    info = build_warehouse(f"sqlite:///{tmp_path / 'full.db'}", end=WAREHOUSE_END)
    assert info.days == 90 and info.rows["orders"] >= 100_000
    span = read(info.url, "SELECT min(created_at) AS first, max(created_at) AS last FROM orders")
    first, last = (pd.Timestamp(v) for v in span.iloc[0])
    assert last - first > pd.Timedelta(days=89)


def test_wh004_incidents_table_is_exactly_the_demo_incidents(warehouse_sqlite):
    frame = read(warehouse_sqlite.url, "SELECT id, service, severity FROM incidents ORDER BY id")
    expected = incidents_between(warehouse_sqlite.start, warehouse_sqlite.end)
    assert frame.values.tolist() == [[i.id, i.service, i.severity] for i in expected]


def test_wh005_payment_failures_rise_during_shop_incidents(tmp_path):
    # A fixed 30-day window known to hold checkout and payments incidents.
    warehouse_sqlite = build_warehouse(
        f"sqlite:///{tmp_path / 'w.db'}", days=30, end=datetime(2026, 11, 1, tzinfo=UTC)
    )
    shop = [i for i in incidents_between(warehouse_sqlite.start, warehouse_sqlite.end)
            if i.service in ("checkout", "payments") and i.severity != "minor"]  # fmt: skip
    assert shop, "the window should hold a checkout/payments incident"
    sql = (
        "SELECT sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) * 1.0 / count(*) AS rate "
        "FROM payments WHERE created_at >= :start AND created_at < :end"
    )
    during = before = 0.0
    for incident in shop:
        start = incident.started_at.replace(tzinfo=None)
        end = incident.ended_at.replace(tzinfo=None)
        during += read(warehouse_sqlite.url, sql, start=start, end=end)["rate"].iloc[0]
        base = read(warehouse_sqlite.url, sql, start=start - timedelta(days=1),
                    end=start - timedelta(hours=12))["rate"].iloc[0]  # fmt: skip
        before += base
    assert during > 2 * before


def test_wh006_daily_rhythm_afternoons_busier_than_nights(warehouse_sqlite):
    frame = read(warehouse_sqlite.url, "SELECT created_at FROM orders")
    hours = pd.to_datetime(frame["created_at"]).dt.hour
    assert (hours == 15).sum() > 2 * (hours == 3).sum()


def test_wh007_second_build_reuses_force_rebuilds(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    first = build_warehouse(url, days=3, end=WAREHOUSE_END)
    again = build_warehouse(url, days=3, end=WAREHOUSE_END + timedelta(hours=5))
    assert (first.reused, again.reused) == (False, True)
    assert again.rows == first.rows
    forced = build_warehouse(url, days=3, end=WAREHOUSE_END, force=True)
    assert forced.reused is False
    # `make run` rebuilds one over an hour old: its last hours would read as a collapse.
    later = WAREHOUSE_END + timedelta(hours=2)
    fresh = build_warehouse(url, days=3, end=later, reuse_within=3600)
    assert fresh.reused is False and fresh.end == later


def test_wh008_indexes_for_dashboard_queries(warehouse_sqlite):
    inspector = inspect(create_engine(warehouse_sqlite.url))
    indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("orders")}
    assert {("created_at",), ("created_at", "region")} <= indexed
    assert ("service", "started_at") in {
        tuple(ix["column_names"]) for ix in inspector.get_indexes("incidents")
    }


AGGREGATES = [
    "SELECT count(*) AS n, round(sum(total)) AS revenue FROM orders",
    "SELECT region, count(*) AS n FROM orders GROUP BY region ORDER BY region",
    "SELECT status, count(*) AS n FROM payments GROUP BY status ORDER BY status",
    "SELECT count(*) AS n FROM incidents",
]


@pytest.mark.parametrize("sql", AGGREGATES)
def test_wh009_postgresql_holds_the_same_warehouse(postgres_server, tmp_path, sql):
    end = datetime(2026, 11, 1, tzinfo=UTC)
    pg = build_warehouse(postgres_server.url("warehouse"), days=7, end=end)
    lite = build_warehouse(f"sqlite:///{tmp_path / 'seven.db'}", days=7, end=end)
    assert pg.rows == lite.rows
    assert read(pg.url, sql).values.tolist() == read(lite.url, sql).values.tolist()


def test_wh010_the_migrations_history_ends_where_its_components_are(warehouse_sqlite):
    """Each component's daily count never falls, stays within its total, and the last day's is
    what migration_components says now (less what today migrated); finished ones are flat."""
    url = warehouse_sqlite.url
    now = read(url, "SELECT name, records_total, records_migrated FROM migration_components")
    history = read(url, "SELECT day, component, records_migrated FROM migration_progress "
                   "ORDER BY component, day")  # fmt: skip
    for component in now.itertuples():
        counts = history[history["component"] == component.name]["records_migrated"]
        assert len(counts) >= 13 and (counts.diff().dropna() >= 0).all(), component.name
        assert counts.iloc[-1] <= component.records_migrated <= component.records_total
        if component.records_migrated == component.records_total:
            assert counts.nunique() == 1  # done before this 14-day warehouse began
        else:
            assert counts.iloc[-1] > counts.iloc[-8]  # still moving: a pace to measure


def test_wh011_datasets_are_done_in_turn_and_rollbacks_fall_in_the_span(warehouse_sqlite):
    url = warehouse_sqlite.url
    components = read(url, "SELECT name, records_migrated FROM migration_components")
    datasets = read(url, "SELECT component, records, status, done_at FROM migration_datasets "
                    "ORDER BY id")  # fmt: skip
    for component in components.itertuples():
        mine = datasets[datasets["component"] == component.name]
        statuses = "".join(s[0] for s in mine["status"])  # d(one), i(n progress), p(lanned)
        assert statuses == "".join(sorted(statuses)), component.name
        assert mine[mine["status"] == "done"]["records"].sum() <= component.records_migrated
        assert mine["done_at"].notna().sum() == (mine["status"] == "done").sum()
    rolled = read(url, "SELECT rolled_back_at FROM migration_rollbacks")["rolled_back_at"]
    when = pd.to_datetime(rolled)
    assert len(rolled) and (when >= pd.Timestamp(warehouse_sqlite.start.replace(tzinfo=None))).all()


def test_wh012_active_users_are_planned_by_month(tmp_path):
    info = build_warehouse(f"sqlite:///{tmp_path / 'dau.db'}", days=90, end=WAREHOUSE_END)
    frame = read(info.url, "SELECT day, users, target FROM daily_active_users ORDER BY day")
    month = pd.to_datetime(frame["day"]).dt.to_period("M")
    assert (frame.groupby(month)["target"].nunique() == 1).all()  # one plan a month
    assert frame["target"].nunique() == month.nunique() >= 3
    assert frame["target"].is_monotonic_increasing  # the plan follows the growth
    share = frame["users"] / frame["target"]
    assert 0.7 < share.median() < 1.1


def test_wh013_the_audio_enhancers_cost_is_the_same_in_sql_and_promql(warehouse_sqlite):
    """What the jobs in the warehouse cost a day is what the cost counters in Prometheus add up
    to (the weekly rhythm aside): a product manager comparing the two panels sees one number."""
    jobs = read(warehouse_sqlite.url, "SELECT sum(cost) AS dollars FROM audio_jobs")["dollars"][0]
    start, end = warehouse_sqlite.start.timestamp(), warehouse_sqlite.end.timestamp()
    counted = sum(np.diff(sample(s, np.array([start, end])))[0] for s in all_series()
                  if s.name == "audio_processing_cost_dollars_total")  # fmt: skip
    assert counted == pytest.approx(jobs, rel=0.2)
