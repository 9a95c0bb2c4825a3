"""SQL datasources on SQLite and a real PostgreSQL: bound parameters, read-only sessions, the row
limit, timeouts and errors in the database's own words."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from data.errors import DataSourceError, ErrorKind
from data.sql import SQLSource

HOSTILE = ["x' OR '1'='1", "x'; DROP TABLE people; --", 'x" OR 1=1 --', "%", "\\"]


def _seed(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS people"))
        conn.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, team TEXT)"))
        rows = [{"id": i, "name": f"user{i}", "team": ["sre", "sales"][i % 2]} for i in range(500)]
        conn.execute(text("INSERT INTO people (id, name, team) VALUES (:id, :name, :team)"), rows)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'people.db'}"
    else:
        url = request.getfixturevalue("postgres_server").url("sqltests")
    _seed(url)
    return url


def test_sql001_bound_parameters_and_lists(database_url):
    source = SQLSource("db", database_url)
    result = source.query(
        "SELECT team, count(*) AS n FROM people WHERE team IN :teams AND id < :limit GROUP BY team "
        "ORDER BY team",
        {"teams": ["sre", "sales"], "limit": 100},
    )
    assert result.frame.to_dict("records") == [{"team": "sales", "n": 50}, {"team": "sre", "n": 50}]
    assert result.truncated is False


@pytest.mark.parametrize("value", HOSTILE)
def test_sql002_hostile_values_are_data_not_sql(database_url, value):
    source = SQLSource("db", database_url)
    result = source.query("SELECT count(*) AS n FROM people WHERE name = :name", {"name": value})
    assert result.frame["n"].tolist() == [0]
    still = source.query("SELECT count(*) AS n FROM people").frame["n"].tolist()
    assert still == [500]


def test_sql003_row_limit_marks_the_result_truncated(database_url):
    source = SQLSource("db", database_url, row_limit=100)
    result = source.query("SELECT * FROM people ORDER BY id")
    assert len(result.frame) == 100 and result.truncated is True
    assert result.row_limit == 100


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM people", "UPDATE people SET name = 'x'", "CREATE TABLE evil (x INTEGER)"],
)
def test_sql004_connections_are_read_only(database_url, statement):
    source = SQLSource("db", database_url)
    with pytest.raises(DataSourceError) as err:
        source.query(statement)
    assert err.value.kind is ErrorKind.SQL
    assert "read-only" in str(err.value) or "readonly" in str(err.value)
    assert source.query("SELECT count(*) AS n FROM people").frame["n"].tolist() == [500]


def test_sql005_errors_in_the_databases_words_without_a_stack_trace(database_url):
    source = SQLSource("db", database_url)
    with pytest.raises(DataSourceError) as err:
        source.query("SELECT nope FROM people")
    message = str(err.value)
    assert message.startswith("SQL error in db: ") and "nope" in message
    assert "Traceback" not in message and "\n" not in message


def test_sql006_long_query_stops_at_the_timeout(database_url):
    source = SQLSource("db", database_url, timeout=0.5)
    slow = (
        "SELECT pg_sleep(3)"
        if database_url.startswith("postgresql")
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT count(*) FROM c"
    )
    with pytest.raises(DataSourceError) as err:
        source.query(slow)
    assert err.value.kind is ErrorKind.TIMEOUT
    assert "longer than 0.5 s" in str(err.value)


def test_sql007_unreachable_database_says_where(tmp_path):
    missing = SQLSource("db", f"sqlite:///{tmp_path / 'absent.db'}")
    with pytest.raises(DataSourceError) as err:
        missing.query("SELECT 1")
    assert err.value.kind is ErrorKind.UNREACHABLE
    pg = SQLSource("pg", "postgresql+psycopg://u:secret@127.0.0.1:9/db", timeout=2)
    with pytest.raises(DataSourceError) as err:
        pg.query("SELECT 1")
    assert err.value.kind is ErrorKind.UNREACHABLE
    assert "127.0.0.1:9" in str(err.value) and "secret" not in str(err.value)
    assert pg.health()["ok"] is False
