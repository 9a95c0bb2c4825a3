"""Named datasources: the built-in two, more from a YAML file, and SQL through the cached layer."""

from __future__ import annotations

import pytest

from data.cache import make_cache
from data.datasources import DataLayer, build_sources
from data.errors import DataSourceError, ErrorKind
from data.prometheus import PrometheusSource
from data.sql import SQLSource
from data.timerange import TimeRange
from settings import Settings


def test_ds001_file_adds_named_sources_with_env_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("BILLING_DB", f"sqlite:///{tmp_path / 'billing.db'}")
    path = tmp_path / "datasources.yaml"
    path.write_text(
        "datasources:\n"
        "  - {name: billing, type: sql, url: '${BILLING_DB}'}\n"
        "  - {name: prom-eu, type: prometheus, url: 'http://prom-eu:9090', scrape_interval: 30}\n"
    )
    sources = build_sources(Settings(var_dir=tmp_path, datasources_file=path))
    assert set(sources) == {"prometheus", "warehouse", "billing", "prom-eu"}
    assert isinstance(sources["billing"], SQLSource)
    assert sources["billing"].url == f"sqlite:///{tmp_path / 'billing.db'}"
    assert isinstance(sources["prom-eu"], PrometheusSource)
    assert sources["prom-eu"].scrape_interval == 30


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("datasources: [{name: x, type: mysql, url: u}]",
         "datasources[0].type: Input should be 'prometheus' or 'sql'"),
        ("datasources: [{name: x, type: sql}]", "datasources[0].url: Field required"),
        ("datasources: [{name: Bad Name, type: sql, url: u}]", "datasources[0].name: String"),
        ("datasources: [{name: x, type: sql, url: 'not a url'}]", "datasource x: 'not a url'"),
        ("datasources: [unclosed", "not valid YAML"),
    ],
)  # fmt: skip
def test_ds002_broken_file_names_file_field_and_reason(tmp_path, content, message):
    path = tmp_path / "datasources.yaml"
    path.write_text(content)
    with pytest.raises(SystemExit) as stop:
        build_sources(Settings(var_dir=tmp_path, datasources_file=path))
    assert str(stop.value).startswith(f"{path}: ")
    assert message in str(stop.value)


def test_ds003_unknown_or_wrong_kind_of_datasource_is_a_config_error(tmp_path):
    settings = Settings(var_dir=tmp_path, cache_dir=tmp_path / "c")
    layer = DataLayer(build_sources(settings), make_cache(settings))
    with pytest.raises(DataSourceError, match="no datasource named 'nope'") as err:
        layer.sql("nope", "SELECT 1")
    assert err.value.kind is ErrorKind.CONFIG
    with pytest.raises(DataSourceError, match="'warehouse' is sql, not prometheus"):
        layer.prometheus("warehouse", "up", TimeRange.parse("now-1h", "now"))


def test_ds004_sql_time_range_is_bound_and_cached(warehouse_sqlite, tmp_path):
    settings = Settings(
        var_dir=tmp_path, cache_dir=tmp_path / "c", database_url=warehouse_sqlite.url
    )
    layer = DataLayer(build_sources(settings), make_cache(settings))
    day = TimeRange(warehouse_sqlite.end.timestamp() - 86_400, warehouse_sqlite.end.timestamp())
    sql = (
        "SELECT count(*) AS orders, min(created_at) AS first FROM orders "
        "WHERE created_at >= :start AND created_at < :end AND region IN :regions"
    )
    first = layer.sql("warehouse", sql, day, params={"regions": ["EU", "NA"]})
    again = layer.sql("warehouse", sql, day, params={"regions": ["EU", "NA"]})
    assert (first.status, again.status) == ("miss", "hit")
    orders = first.value.frame["orders"].iloc[0]
    assert 500 < orders < 2500
    narrower = layer.sql("warehouse", sql, day, params={"regions": ["EU"]}).value.frame
    assert 0 < narrower["orders"].iloc[0] < orders
