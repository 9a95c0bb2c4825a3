"""Scopes, tried as a region-bound user would: `sales-eu` (region=EU) against an admin on every
panel of every dashboard they may open, through the page's panel callback and every CSV export;
the rows behind a click, an embed link locked to EU, alerts and variable lists; and the rewrites
themselves, checked to change nothing but the rows on every query the dashboards have, on SQLite
and PostgreSQL, with the real Prometheus behind the PromQL ones."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pandas as pd
import promql_parser as pp
import pytest
import sqlglot
import yaml
from sqlglot import exp

from callbacks.panels import update_request
from data.cache import make_cache
from data.dashboards import load_all
from data.datasources import DataLayer, build_sources, source_dialects
from data.drilldown import Clicked, detail_params
from data.errors import DataSourceError, ErrorKind
from data.panel_data import panel_window, render_sql
from data.promql import render as render_promql
from data.promql_scope import metrics_in, to_promql
from data.scopes import Scope, load_rules
from data.timerange import TimeRange, query_window
from data.variables import as_query_values, resolve
from demo.warehouse import meta
from services import services
from tests.fixtures.app import client_for, demo_app, embed_token, nodes, route_request, settings_for
from tests.test_alerts import alerts_request

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = load_all()
SCOPES = yaml.safe_load((ROOT / "scopes.yaml").read_text())["datasources"]
EU = ["DEU", "FRA", "GBR", "ESP", "ITA", "NLD", "POL", "SWE"]


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    return demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("scp"))


@pytest.fixture(scope="module")
def week() -> dict[str, str]:
    """Seven days to a minute in the past (epoch ms): every request reads the same data."""
    end = (int(time.time()) // 60 * 60 - 120) * 1000
    return {"from": str(end - 7 * 86_400_000), "to": str(end)}


def sales_eu_dashboards() -> list[str]:
    return sorted(slug for slug, d in DASHBOARDS.items() if "sales" in d.teams)


def sql_tables(sql: str) -> set[str]:
    """The tables a query reads (its common table expressions left out)."""
    tree = sqlglot.parse_one(render_sql(sql, "sqlite"), read="sqlite")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}


def _declared(name: str, rules: dict) -> str:
    """`unscoped`, `scoped` or `missing` for a table or metric under the demo's region rules."""
    from fnmatch import fnmatchcase

    region = rules.get("scopes", {}).get("region", {})
    scoped = region.get("metrics", region) if isinstance(region, dict) else {}
    if any(fnmatchcase(name, p) for p in scoped):
        return "scoped"
    if any(fnmatchcase(name, p) for p in rules.get("unscoped", [])):
        return "unscoped"
    return "missing"


def expectation(panel) -> str:
    """What sales-eu should get for a panel: `equal` (it reads only what every region shares),
    `differs` (it reads regional data: EU's), or `refused` (it reads something with no rule)."""
    kinds = set()
    for query in panel.queries:
        if query.sql:
            kinds |= {_declared(t, SCOPES["warehouse"]) for t in sql_tables(query.sql)}
        else:
            expr = query.expr.replace("$__rate_interval", "5m").replace("$__range", "7d")
            kinds |= {_declared(m, SCOPES["prometheus"]) for m in metrics_in(expr)}
    if "missing" in kinds:
        return "refused"
    return "differs" if "scoped" in kinds else "equal"


def panel_states(client, slug: str, week: dict) -> dict[str, tuple[str, str]]:
    dashboard = DASHBOARDS[slug]
    state = {**week, "refresh": "off", "vars": {}}
    request = update_request(slug, [p.id for p in dashboard.panels if p.type != "text"], state)
    response = client.post("/_dash-update-component", json=request)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    out = {}
    for key, value in response.get_json()["response"].items():
        props = value["children"]["props"]
        out[json.loads(key)["panel"]] = (props.get("data-panel-state"), json.dumps(props))
    return out


@pytest.mark.parametrize("slug", sales_eu_dashboards())
def test_scp001_sales_eu_gets_eu_numbers_or_a_clear_refusal_on_every_panel(app, week, slug):
    admin, manager = client_for(app, "admin"), client_for(app, "sales-eu")
    page = panel_states(manager, slug, week)
    seen = set()
    for panel in DASHBOARDS[slug].panels:
        if panel.type == "text":
            continue
        expected = expectation(panel)
        seen.add(expected)
        path = f"/export/{slug}/{panel.id}.csv"
        theirs, everyone = manager.get(path, query_string=week), admin.get(path, query_string=week)
        assert everyone.status_code == 200, (panel.id, everyone.get_data(as_text=True)[:200])
        state, body = page[panel.id]
        if expected == "refused":
            assert theirs.status_code == 403, (panel.id, theirs.status_code)
            assert "has no rule for scope region" in theirs.get_json()["error"]
            assert state == "restricted" and "has no rule for scope region" in body, panel.id
            continue
        assert theirs.status_code == 200, (panel.id, theirs.get_data(as_text=True)[:300])
        assert state in ("ok", "empty"), (panel.id, state, body[:300])
        if expected == "equal":
            assert theirs.data == everyone.data, panel.id
        else:
            assert theirs.data != everyone.data, f"{slug}/{panel.id} is not scoped to EU"
    assert "differs" in seen


def test_scp002_sales_performance_for_sales_eu_is_the_admins_eu_view(app, week):
    """Panels that filter by $region read the same for sales-eu as for an admin asking for EU;
    the ones that did not (funnel, abandonment) are EU's now, as SQL over EU's rows says."""
    admin, manager = client_for(app, "admin"), client_for(app, "sales-eu")
    for panel in DASHBOARDS["sales-performance"].panels:
        path = f"/export/sales-performance/{panel.id}.csv"
        theirs = manager.get(path, query_string=week | {"var-region": "NA"})
        if any(":region" in (q.sql or "") for q in panel.queries):
            eu = admin.get(path, query_string=week | {"var-region": "EU"})
            assert theirs.data == eu.data, panel.id
    funnel = pd.read_csv(io.BytesIO(manager.get(
        "/export/sales-performance/funnel.csv", query_string=week).data))  # fmt: skip
    with app.server.app_context():
        layer = services().data
        funnel_panel = DASHBOARDS["sales-performance"].panel("funnel")
        window = panel_window(layer, funnel_panel, TimeRange.parse(week["from"], week["to"])).query
        start, end = (pd.Timestamp(t, unit="s").to_pydatetime() for t in (window.start, window.end))
        truth = layer.sql(
            "warehouse",
            "SELECT sum(visits) AS v, sum(orders) AS o FROM funnel_hourly "
            "WHERE region = 'EU' AND hour >= :s AND hour < :e",
            params={"s": start, "e": end},
        ).value.frame
    stages = funnel.set_index("stage").iloc[:, 0]
    assert stages.iloc[0] == truth["v"][0]
    assert stages.iloc[-1] == truth["o"][0]


def test_scp003_the_rows_behind_a_click_are_the_viewers_region_only(app, week):
    query = "&".join(f"{k}={v}" for k, v in week.items())
    path = f"/d/sales-performance/detail/countries?{query}&category=USA"
    usa_for_admin = client_for(app, "admin").post(
        "/_dash-update-component", json=route_request(path)
    )
    usa_for_eu = client_for(app, "sales-eu").post(
        "/_dash-update-component", json=route_request(path)
    )
    assert '"0 rows"' not in usa_for_admin.get_data(as_text=True)
    assert '"0 rows"' in usa_for_eu.get_data(as_text=True)
    business = f"/d/business-overview/detail/orders-trend?{query}"
    rows = client_for(app, "sales-eu").post("/_dash-update-component", json=route_request(business))
    countries = set(pd.DataFrame(_grid_rows(rows.get_json()))["country"])
    assert countries and countries <= set(EU)


def _grid_rows(answer: dict) -> list[dict]:
    return [row for n in nodes(answer) if n.get("id") == "detail-grid" for row in n["rowData"]]


def test_scp004_an_embed_link_locked_to_eu_reads_eu_only(app, week):
    token = embed_token(app, "sales-performance", region="EU")
    anonymous = client_for(app, None)
    for panel in ("funnel", "abandonment", "countries"):
        path = f"/export/sales-performance/{panel}.csv"
        linked = anonymous.get(path, query_string=week | {"token": token})
        assert linked.status_code == 200
        assert linked.data == client_for(app, "sales-eu").get(path, query_string=week).data
    with app.server.app_context():
        assert services().embed_links.read(token).scopes == {"region": "EU"}


def test_scp005_prometheus_reads_are_scoped_by_label(app, prometheus, week):
    manager = client_for(app, "sales-eu")
    csv = manager.get("/export/operations/queue-depth.csv", query_string=week)
    assert csv.status_code == 200
    frame = pd.read_csv(io.BytesIO(csv.data))
    at = pd.Timestamp(frame["time"].iloc[-1]).timestamp()
    eu = float(prometheus.query('sum(order_queue_depth{region="EU"})', at=at)[0]["value"][1])
    every = float(prometheus.query("sum(order_queue_depth)", at=at)[0]["value"][1])
    last = frame.iloc[-1, 1]
    assert last == pytest.approx(eu, rel=1e-6) and last < every


def test_scp006_variable_lists_and_alerts_are_the_viewers_scope(app, prometheus):
    with app.server.app_context():
        eu = services().data.scoped(Scope.of({"region": "EU"}))
        with pytest.raises(DataSourceError) as refused:
            eu.label_values("prometheus", "region")
        assert refused.value.kind == ErrorKind.SCOPE
        assert eu.label_values("prometheus", "region", "order_queue_depth").value == ["EU"]
        assert eu.alerts().value and len(eu.alerts().value) == len(services().data.alerts().value)
        rules = services().data.rules
        labels = {"region": "NA"}
        assert rules.alert_visible("prometheus", "up == 0", {}, eu.scope)
        assert not rules.alert_visible("prometheus", "order_queue_depth > 100", labels, eu.scope)
        assert rules.alert_visible(
            "prometheus", "order_queue_depth > 1", {"region": "EU"}, eu.scope
        )
        assert not rules.alert_visible("prometheus", "feature_usage_total > 1", {}, eu.scope)
    page = (
        client_for(app, "sales-eu")
        .post("/_dash-update-component", json=alerts_request())
        .get_data(as_text=True)
    )
    assert "Showing the alerts your scope (region EU) may see." in page


def test_scp007_scoped_reads_fail_closed(app):
    with app.server.app_context():
        rules = services().data.rules
    eu = Scope.of({"region": "EU"})
    tenant = Scope.of({"region": "EU", "tenant": "acme"})
    refused = {
        "SELECT term FROM search_terms": "search_terms has no rule for scope region",
        "SELECT * FROM orders": "orders has no rule for scope tenant",
        "SELECT * FROM sqlite_master": "sqlite_master has no rule for scope region",
        "SELECT * FROM main.secret": "secret has no rule for scope region",
        "SELECT * FROM other.orders": "other.orders has no rule for scope region",
        "WITH orders AS (SELECT 1) SELECT * FROM orders": "like a table",
        "WITH x AS (SELECT * FROM x) SELECT * FROM x": "x has no rule for scope region",
        # A name is a common table expression only where a WITH around it defines it.
        "SELECT b.* FROM (WITH security_events AS (SELECT 1 AS x) SELECT x FROM security_events)"
        " AS a, (SELECT count(*) AS n FROM security_events) AS b": "security_events has no rule",
        "WITH b AS (SELECT * FROM a), a AS (SELECT 1) SELECT * FROM b": "a has no rule",
        # Functions that run SQL of their own, or read files.
        "SELECT query_to_xml('SELECT * FROM orders', true, true, '')": "query_to_xml is not known",
        "SELECT readfile('/etc/passwd')": "readfile is not known",
        "SELECT * FROM json_each('[1]')": "json_each is not known",
        "DELETE FROM orders": "only a single SELECT",
        "SELECT 1; SELECT * FROM orders": "only a single SELECT",
        "SELECT FROM WHERE (": "does not parse",
    }
    for sql, reason in refused.items():
        scope = tenant if "tenant" in reason else eu
        with pytest.raises(DataSourceError) as caught:
            rules.sql("warehouse", "sqlite", sql, scope)
        assert reason in caught.value.message and caught.value.kind == ErrorKind.SCOPE, sql
    for promql, reason in {
        "feature_usage_total": "feature_usage_total has no rule for scope region",
        '{job="api"}': "names no metric",
        "rate(x[": "does not parse",
    }.items():
        with pytest.raises(DataSourceError, match=reason):
            rules.promql("prometheus", promql, eu)
    # Unscoped viewers' queries run as written.
    assert rules.sql("warehouse", "sqlite", "SELECT * FROM search_terms", Scope()) == (
        "SELECT * FROM search_terms",
        {},
    )
    scoped, params = rules.sql("warehouse", "sqlite", "SELECT o.id FROM orders AS o", eu)
    assert scoped == (
        "SELECT o.id FROM (SELECT * FROM orders WHERE region = :scope_region) AS o"
    ) and params == {"scope_region": "EU"}
    assert rules.promql("prometheus", 'sum(order_queue_depth{region="NA"})', eu) == (
        'sum (order_queue_depth{region="NA",region="EU"})'
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"datasources": {"nope": {}}}, "datasources.nope: no such datasource"),
        ({"datasources": {"warehouse": {"scopes": {"region": {"orders": "region = = 1"}}}}},
         "datasources.warehouse.scopes.region.orders: not a SQL condition"),
        ({"datasources": {"warehouse": {"scopes": {"region": {"orders": "tenant = :tenant"}}}}},
         "datasources.warehouse.scopes.region.orders: a rule of scope region may bind :region "
         "only, not :tenant"),
        ({"datasources": {"prometheus": {"scopes": {"region": {"label": "a b",
                                                               "metrics": ["x"]}}}}},
         "datasources.prometheus.scopes.region.label"),
        ({"datasources": {"warehouse": {"tables": {}}}}, "datasources.warehouse.tables"),
    ],
)  # fmt: skip
def test_scp008_a_broken_scopes_file_stops_start_up_saying_where(app, tmp_path, body, says):
    path = tmp_path / "scopes.yaml"
    path.write_text(yaml.safe_dump(body))
    with app.server.app_context():
        dialects = source_dialects(services().data.sources)
    with pytest.raises(SystemExit, match="scopes.yaml: " + says.split(":")[0]) as stopped:
        load_rules(path, dialects)
    assert says in str(stopped.value)
    with pytest.raises(SystemExit, match="cannot read the scopes file"):
        load_rules(tmp_path / "missing.yaml", dialects)


def test_scp009_the_same_panel_for_two_scopes_is_two_cache_entries(app, week):
    """The funnel has no variable at all: only the scope tells its viewers' data apart."""
    eu = client_for(app, "sales-eu").get("/export/sales-performance/funnel.csv", query_string=week)
    sales = client_for(app, "sales").get("/export/sales-performance/funnel.csv", query_string=week)
    again = client_for(app, "sales-eu").get(
        "/export/sales-performance/funnel.csv", query_string=week
    )
    assert eu.data == again.data != sales.data


# The rewrites change nothing but the rows -------------------------------------------------------


def every_sql() -> list[tuple[str, str, str]]:
    """(dashboard, what, SQL) of every query the dashboards run."""
    found = []
    for slug, dashboard in DASHBOARDS.items():
        for panel in dashboard.panels:
            found += [(slug, panel.id, q.sql) for q in panel.queries if q.sql]
            if panel.drilldown and panel.drilldown.sql:
                found.append((slug, f"{panel.id} rows", panel.drilldown.sql))
        found += [(slug, f"${v.name}", v.sql) for v in dashboard.variables if v.sql]
        found += [(slug, a.name, a.sql) for a in dashboard.annotations if a.sql]
    return found


def _probe_rules(tmp_path: Path, dialects: dict):
    """A scope `probe` whose rule on every table of the warehouse keeps every row."""
    body = {"datasources": {"warehouse": {"scopes": {"probe": {
        str(t.name): "1 = 1" for t in meta.sorted_tables}}}}}  # fmt: skip
    path = tmp_path / "probe.yaml"
    path.write_text(yaml.safe_dump(body))
    return load_rules(path, dialects)


def _params(slug: str, what: str, layer: DataLayer, week: TimeRange) -> dict:
    """The dashboard's default variables, and for the rows behind a click the clicked point."""
    dashboard = DASHBOARDS[slug]
    values, _ = resolve(layer, dashboard, {})
    params = as_query_values(values, dashboard)
    if what.endswith(" rows"):
        params |= detail_params(Clicked(category="DEU", series="EU"), query_window(week))
    return params


def _rows(frame: pd.DataFrame) -> list:
    """The rows in any order, sums rounded past their last bits (the order rows are added in may
    change with the plan)."""
    numbers = frame.select_dtypes("number").columns
    rounded = frame.assign(**{c: frame[c].round(6) for c in numbers})
    return sorted(map(repr, rounded.astype(str).to_numpy().tolist()))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_scp010_rewritten_queries_read_the_same_rows(
    prometheus, warehouse_sqlite, warehouse_postgres, tmp_path, backend
):
    warehouse = warehouse_sqlite if backend == "sqlite" else warehouse_postgres
    settings = settings_for(prometheus, warehouse, tmp_path)
    sources = build_sources(settings)
    layer = DataLayer(
        sources, make_cache(settings), _probe_rules(tmp_path, source_dialects(sources))
    )
    probed = layer.scoped(Scope.of({"probe": "any"}))
    week = TimeRange(warehouse.end.timestamp() - 7 * 86_400, warehouse.end.timestamp())
    checked = 0
    for slug, what, sql in every_sql():
        statement = render_sql(sql, backend)
        params = _params(slug, what, layer, week)
        plain = layer.sql("warehouse", statement, week, params=params, ttl=0.001).value.frame
        rewritten = probed.sql("warehouse", statement, week, params=params, ttl=0.001).value.frame
        assert list(rewritten.columns) == list(plain.columns), (slug, what)
        if "LIMIT" in statement.upper() and "ORDER BY" not in statement.upper():
            assert len(rewritten) == len(plain), (slug, what)
        else:
            assert _rows(rewritten) == _rows(plain), (slug, what)
        checked += 1
    assert checked == len(every_sql()) > 50


def every_promql() -> list[str]:
    window = query_window(TimeRange.parse("now-6h", "now"))
    found = []
    for dashboard in DASHBOARDS.values():
        values = {v.name: ["api", "web"] if v.multi or v.include_all else "api"
                  for v in dashboard.variables}  # fmt: skip
        for panel in dashboard.panels:
            found += [render_promql(q.expr, values, window) for q in panel.queries if q.expr]
        found += [render_promql(v.match, values, window) for v in dashboard.variables if v.match]
    rules = yaml.safe_load((ROOT / "demo" / "rules.yml").read_text())
    found += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    for path in sorted((ROOT.parent / "shared" / "grafana").glob("*.json")):
        found += [e for e in _exprs(json.loads(path.read_text())) if "$" not in e]
    return found


def _exprs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["expr"]] if isinstance(node.get("expr"), str) else []
        return own + [e for value in node.values() for e in _exprs(value)]
    if isinstance(node, list):
        return [e for value in node for e in _exprs(value)]
    return []


def test_scp011_promql_is_written_back_exactly_with_the_matcher_on_every_selector(prometheus):
    queries = every_promql()
    assert len(queries) > 100
    for query in queries:
        assert pp.parse(to_promql(query)).prettify() == pp.parse(query).prettify(), query
        scoped = to_promql(query, lambda metric: [("region", 'E"U')])
        selectors = _selectors(scoped)
        assert selectors and all(
            any(m.name == "region" and m.value == 'E"U' for m in s.matchers.matchers)
            for s in selectors
        ), query
    # Prometheus itself accepts what the writer makes, and reads the same numbers.
    at = prometheus.end_time - 60
    for query in queries[:40]:
        plain = prometheus.query(query, at=at)
        assert _sorted(prometheus.query(to_promql(query), at=at)) == _sorted(plain), query


def _selectors(query: str) -> list:
    found: list = []
    pp.walk(
        pp.parse(query), lambda n: found.append(n) if isinstance(n, pp.VectorSelector) else None
    )
    return found


def _sorted(result: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in result)


def test_scp012_the_pdf_report_reads_for_the_viewers_scope(app, week):
    """What the page shows sales-eu, the report prints: refusals named, EU's numbers."""
    from tests.test_exports import pdf_pages

    manager = client_for(app, "sales-eu")
    report = manager.get("/export/product-insights.pdf", query_string=week)
    assert report.status_code == 200, report.get_data(as_text=True)[:300]
    text = " ".join(pdf_pages(report.data))
    assert "search_terms has no rule for scope region" in text
    assert "feature_usage_total has no rule for scope region" in text
    admin = client_for(app, "admin").get("/export/product-insights.pdf", query_string=week)
    assert "has no rule" not in " ".join(pdf_pages(admin.data))
