"""Every panel type through every format it offers, on the same data: the card on the page, the
figure of its PNG and SVG, its CSV, its "View as table", and the PDF report. Each must show the
numbers of the one display model its type builds (panels/<type>.py), with the real Prometheus,
warehouse and Chromium behind them."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import time
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from plotly.io.json import to_json_plotly

import urls
from app import create_app
from auth.users import User
from callbacks.panels import update_request
from data.dashboards import load_all
from data.spec import TEAMS
from data.urlstate import ViewState
from exports.panel_csv import csv_text
from panels import TYPES, panel_type
from panels.display import panel_data, panel_model
from panels.kind import window_words
from panels.units import cell_text, format_value
from services import services
from tests.fixtures._servers import require
from tests.fixtures.app import add_user, client_for, figure_in, login, nodes, settings_for
from tests.test_exports import pdf_pages
from view.resolve import resolve_view

ROOT = Path(__file__).resolve().parent.parent
ADMIN = User(id=0, name="tests", level="admin", teams=TEAMS)
# A type no demo dashboard uses yet, and a state timeline over the demo's history (the alerts'
# one has states only since the test Prometheus started), on a dashboard of the tests' own.
EXTRA = {
    "slug": "panel-kinds",
    "title": "Panel kinds",
    "teams": ["sales"],
    "rows": [
        {
            "panels": [
                {
                    "id": "revenue-tiles",
                    "type": "treemap",
                    "title": "Revenue by category and product",
                    "datasource": "warehouse",
                    "unit": "currency:USD",
                    "options": {"path": ["category", "product"]},
                    "queries": [
                        {
                            "sql": "SELECT c.name AS category, p.name AS product, sum(i.quantity * "
                            "i.unit_price) AS revenue FROM orders o JOIN order_items i ON "
                            "i.order_id = o.id JOIN products p ON p.id = i.product_id JOIN "
                            "categories c ON c.id = p.category_id WHERE $__timeFilter(o.created_at)"
                            " GROUP BY 1, 2 ORDER BY revenue DESC LIMIT 30",
                            "y": "revenue",
                        }
                    ],
                },
                {
                    "id": "service-states",
                    "type": "state_timeline",
                    "title": "Services up",
                    "queries": [
                        {
                            "expr": 'max by (job) (up{job!~"demo|demo-node|node|app"})',
                            "legend": "{{job}}",
                        }
                    ],
                    "mappings": [
                        {"value": 1, "text": "up", "color": "green"},
                        {"value": 0, "text": "down", "color": "red"},
                    ],
                },
            ]
        }
    ],
}


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    require("chromium", "chromium")
    folder = tmp_path_factory.mktemp("kinds")
    dashboards = folder / "dashboards"
    shutil.copytree(ROOT / "dashboards", dashboards)
    (dashboards / "panel-kinds.yaml").write_text(yaml.safe_dump(EXTRA, sort_keys=False))
    app = create_app(settings_for(prometheus, warehouse_sqlite, folder, dashboards_dir=dashboards))
    add_user(app, "boss", "admin", ())
    prometheus.wait_for_history("ALERTS")
    return app


def examples() -> list[tuple[str, str]]:
    """(dashboard, panel) of the first panel of each type, types in the registry's order."""
    found: dict[str, tuple[str, str]] = {}
    dashboards = load_all()
    for slug, dashboard in sorted(dashboards.items()):
        for panel in dashboard.panels:
            found.setdefault(panel.type, (slug, panel.id))
    found.setdefault("treemap", ("panel-kinds", "revenue-tiles"))
    found["state_timeline"] = ("panel-kinds", "service-states")
    return [found[kind] for kind in TYPES if kind in found]


@pytest.fixture(scope="module")
def week() -> dict[str, str]:
    end = (int(time.time()) // 60 * 60 - 120) * 1000
    return {"from": str(end - 7 * 86_400_000), "to": str(end)}


def test_typ001_every_panel_type_is_one_module_with_an_example_here():
    assert len(examples()) == len(TYPES)
    for kind in TYPES:
        module = (ROOT / "panels" / f"{kind}.py").read_text()
        assert "KIND = PanelType(" in module, kind


def _model(app, slug: str, panel_id: str, week: dict):
    with app.server.app_context():
        dashboard = services().dashboards[slug]
        view = resolve_view(ADMIN, slug, urls.view_state(week))
        data = panel_data(view, dashboard.panel(panel_id))
        return data, panel_model(view, data)


def _numbers(node, out: list[float]) -> list[float]:
    """Every number in a figure, typed arrays decoded."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            out.extend(np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).tolist())
        else:
            for value in node.values():
                _numbers(value, out)
    elif isinstance(node, list):
        for value in node:
            _numbers(value, out)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        out.append(float(node))
    return out


def _strings(node, out: list[str]) -> list[str]:
    """Every text in a figure, an indicator's number as it prints (prefix, digits, suffix)."""
    if isinstance(node, dict):
        if node.get("type") == "indicator" and "number" in node:
            number = node["number"]
            digits = format(node["value"], number.get("valueformat", "").lstrip(",") or "g")
            out.append(f"{number.get('prefix', '')}{digits}{number.get('suffix', '')}")
        for value in node.values():
            _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)
    elif isinstance(node, str):
        out.append(unescape(node))
    return out


def _shown_in(figure: dict, value, unit: str | None, divisors: list[float]) -> bool:
    """Whether a number of the rows is in the figure: as a number (in the unit the chart counts
    in) or as the text it is formatted to."""
    numbers = np.array(_numbers(figure, []), dtype=float)
    for divisor in divisors:
        target = float(value) / divisor
        if len(numbers) and np.isclose(numbers, target, rtol=1e-4, atol=1e-9).any():
            return True
    text = format_value(value, unit) if unit else cell_text(value)
    return any(text in s for s in _strings(figure, []))


def _page_card(client, slug: str, panel_id: str, week: dict) -> dict:
    request = update_request(slug, [panel_id], {**week, "refresh": "off", "vars": {}})
    answer = client.post("/_dash-update-component", json=request)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    (value,) = answer.get_json()["response"].values()
    return value["children"]


def _table_view(client, slug: str, panel_id: str, week: dict) -> list[list[str]]:
    toggle = {"type": "panel-table-toggle", "slug": slug, "panel": panel_id}
    outputs = [
        {"id": {**toggle, "type": t}, "property": p}
        for t, p in (
            ("panel-table", "children"),
            ("panel-table", "hidden"),
            ("panel-body", "hidden"),
            ("panel-table-toggle", "children"),
            ("panel-table-toggle", "aria-pressed"),
        )
    ]
    key = ("..{0}.children...{0}.hidden...{1}.hidden...{2}.children...{2}.aria-pressed..").format(
        *(
            json.dumps({"panel": ["MATCH"], "slug": ["MATCH"], "type": t}, separators=(",", ":"))
            for t in ("panel-table", "panel-body", "panel-table-toggle")
        )
    )
    request = {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": toggle, "property": "n_clicks", "value": 1}],
        "state": [
            {
                "id": "dash-state",
                "property": "data",
                "value": {"slug": slug, **week, "refresh": "off", "vars": {}},
            },
            {"id": toggle, "property": "id", "value": toggle},
        ],
        "changedPropIds": [json.dumps(toggle, separators=(",", ":")) + ".n_clicks"],
    }
    answer = client.post("/_dash-update-component", json=request)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    response = answer.get_json()["response"]
    assert response[json.dumps(toggle, sort_keys=True, separators=(",", ":"))] == {
        "children": "View as chart",
        "aria-pressed": "true",
    }
    table = next(iter(response.values()))["children"]
    return [
        [_text(cell) for cell in _children(n) if cell.get("type") in ("Td", "Th")]
        for n in nodes(table)
        if n.get("type") == "Tr"
    ]


def _children(node: dict) -> list:
    children = node.get("props", {}).get("children")
    return children if isinstance(children, list) else [children]


def _text(node) -> str:
    children = node.get("props", {}).get("children") if isinstance(node, dict) else node
    return "" if children is None else str(children)


# Columns that move between two requests: an alert's summary is templated with the value of the
# rule's last evaluation (every few seconds).
LIVE = {"alerts": {"summary"}}
# Types whose summary has no range: a plan's phases, the alerts pending now.
UNDATED = {"gantt", "alerts"}
INSTANT = {"status_map", "node_graph"}  # the latest values


def _without(csv: str, columns: set[str]) -> list[list[str]]:
    frame = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)
    return frame.drop(columns=[c for c in columns if c in frame]).values.tolist()


@pytest.mark.parametrize(("slug", "panel_id"), examples())
def test_typ002_page_image_csv_and_table_view_show_the_same_numbers(app, week, slug, panel_id):
    data, model = _model(app, slug, panel_id, week)
    kind = panel_type(data.panel.type)
    assert data.status in ("ok", "stale") and model is not None, (slug, panel_id, data.error)
    boss = client_for(app, "boss")
    card = _page_card(boss, slug, panel_id, week)
    assert card["props"]["data-panel-state"] in ("ok", "stale")
    figure = json.loads(to_json_plotly(kind.figure(model))) if kind.figure else None
    drawn = figure_in(card)
    if drawn is not None:
        # The page draws the very figure the PNG and SVG export (a click mode aside).
        drawn["layout"].pop("clickmode", None)
        assert drawn == figure, f"{slug}/{panel_id}: the page and the export draw differently"
    if kind.rows is None:
        assert figure is None and {"png", "svg", "csv"}.isdisjoint(kind.exports)
        return
    rows = kind.rows(model)
    live = LIVE.get(data.panel.type, set())
    csv = boss.get(f"/export/{slug}/{panel_id}.csv", query_string=week)
    assert csv.status_code == 200, csv.get_data(as_text=True)[:300]
    assert _without(csv.get_data(as_text=True), live) == _without(
        csv_text(rows, data.truncated), live
    )
    shown = _table_view(boss, slug, panel_id, week)
    columns = [str(c) for c in rows.frame.columns]
    kept = [n for n, c in enumerate(columns) if c not in live]
    expected = [
        [cell_text(v, rows.units.get(c)) for c, v in zip(rows.frame.columns, record, strict=True)]
        for record in rows.frame.head(500).itertuples(index=False)
    ]
    assert shown[0] == columns
    assert [[r[n] for n in kept] for r in shown[1:]] == [[r[n] for n in kept] for r in expected]
    divisors = [1.0, getattr(model, "divisor", 1.0)]
    frame = rows.frame
    for column in frame.columns:
        values = frame[column]
        unit = rows.units.get(column)
        for value in values.head(40):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if pd.api.types.is_datetime64_any_dtype(values) or column in ("time", "from", "to"):
                continue
            if isinstance(value, int | float | np.number):
                assert _shown_in(figure, value, unit, divisors), (slug, panel_id, column, value)
            elif kind.pdf != "table":  # a table's image lists its cells as they are
                assert any(str(value) in s for s in _strings(figure, [])), (slug, panel_id, value)


@pytest.mark.parametrize("slug", sorted({s for s, _ in examples()}))
def test_typ003_the_pdf_and_svg_print_what_the_page_shows(app, week, slug):
    """Stat and KPI values with their notes (a KPI's value, not its change, in large type), table
    cells, alerts, and a text panel's formatted words (not its Markdown)."""
    boss = client_for(app, "boss")
    report = boss.get(f"/export/{slug}.pdf", query_string=week)
    assert report.status_code == 200, report.get_data(as_text=True)[:300]
    text = " ".join(pdf_pages(report.data))
    for own_slug, panel_id in examples():
        if own_slug != slug:
            continue
        data, model = _model(app, slug, panel_id, week)
        kind = data.panel.type
        for words, _why in window_words(data.panel):  # the card's "last 90 days", in print too
            assert words in text, (panel_id, words)
        if kind == "text":
            assert "Before cutover" in text and "**" not in text
        elif kind in ("table", "alerts"):
            rows = panel_type(kind).rows(model)
            first = (
                [
                    cell_text(v, rows.units.get(c))
                    for c, v in zip(rows.frame.columns, rows.frame.iloc[0], strict=True)
                ]
                if len(rows.frame)
                else []
            )
            for cell in first[:3]:
                assert " ".join(cell.split())[:20] in text, (slug, panel_id, cell)
        elif kind in ("stat", "kpi"):
            svg = boss.get(f"/export/{slug}/{panel_id}.svg", query_string=week)
            words = " ".join(re.findall(r">([^<>]+)<", svg.get_data(as_text=True)))
            number = re.sub(r"[^\d.]", "", model.shown.text)
            assert number in words.replace(",", ""), (panel_id, model.shown.text, words[:300])
            for note, _mood in model.notes:
                assert note in unescape(words), (panel_id, note)


def test_typ004_a_click_on_a_sql_time_series_means_the_bucket_drawn(app):
    """The bars of a SQL time series are the step its query grouped by; a click's bucket is that
    step (it was Prometheus's 15 s over an hour, against SQL's 60 s)."""
    with app.server.app_context():
        view = resolve_view(ADMIN, "business-overview", ViewState("now-1h"))
        panel = view.dashboard.panel("orders-trend")
        window = view.window(panel).query
        at = pd.Timestamp(window.start, unit="s", tz="UTC").isoformat()
        options = panel.options.model_copy(update={"bucket": None})  # the drawn step, then
        clicked = panel_type("timeseries").click(
            panel.model_copy(update={"options": options}), {"x": at}, window
        )
    assert window.step == 60
    assert clicked.bucket_end - clicked.bucket_start == window.step


def test_typ005_maps_find_their_outlines_under_the_url_prefix(
    prometheus, warehouse_sqlite, tmp_path
):
    prefixed = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, url_prefix="/td/"))
    add_user(prefixed, "boss", "admin", ())
    client = client_for(prefixed, None)
    login(client, "boss", prefix="/td/")
    request = update_request(
        "sales-performance",
        ["countries"],
        {"from": "now-7d", "to": "now", "refresh": "off", "vars": {}},
    )
    answer = client.post("/td/_dash-update-component", json=request).get_data(as_text=True)
    assert '"topojsonURL":"/td/assets/topojson/"' in answer.replace("\\u002f", "/")
    assert client.get("/td/assets/topojson/world_110m.json").status_code == 200


def test_typ006_drawn_panels_leave_no_stale_copy_behind(app, week):
    """A drawn panel is derived from data that keeps its own last good copy: the drawing keeps
    none (it crowded diskcache's 1 GiB, or Redis, with copies nothing read)."""

    def digests(part: str) -> set[str]:
        with app.server.app_context():
            keys = services().data.cache.store._open().iterkeys()
            return {str(k).rsplit(":", 1)[1] for k in keys if f":{part}:" in str(k)}

    fresh, good = digests("fresh"), digests("good")
    _page_card(client_for(app, "boss"), "system-health", "memory", week)
    new_fresh, new_good = digests("fresh") - fresh, digests("good") - good
    # The query (and the dashboard's annotations) keep a copy each; the drawing is the fresh
    # entry that has none.
    assert new_good <= new_fresh
    assert len(new_fresh - new_good) == 1


@pytest.mark.parametrize(("slug", "panel_id"), examples())
def test_typ007_every_chart_has_a_text_summary_of_what_it_shows(app, slug, panel_id):
    """A screen reader hears the panel's title, its range in words, and its numbers: for a time
    series each line's latest value and the highest of all, as the table view formats them."""
    relative = {"from": "now-7d", "to": "now"}
    data, model = _model(app, slug, panel_id, relative)
    kind = panel_type(data.panel.type)
    card = _page_card(client_for(app, "boss"), slug, panel_id, relative)
    labels = [n["props"]["aria-label"] for n in nodes(card) if "aria-label" in n.get("props", {})]
    summary = kind.summary(model)
    if data.panel.type == "text":  # its words are on the page as they are
        assert not labels and "Before cutover" in summary and "**" not in summary
        return
    assert summary in labels, (labels, summary)
    assert summary.startswith(data.panel.title), summary
    # Over the panel's own window where it has one ("last 90 days" under a 7-day picker); what
    # shows the present says "now".
    span = f"last {int(data.panel.relative_time[:-1])} days" if data.panel.relative_time else ""
    if data.panel.type in INSTANT:
        assert summary.startswith(f"{data.panel.title}, now: "), summary
    elif data.panel.type not in UNDATED:
        assert summary.startswith(f"{data.panel.title}, {span or 'last 7 days'}"), summary
    if data.panel.type == "timeseries":
        peak = max(model.lines, key=lambda line: np.nanmax(line.values))
        highest = format_value(np.nanmax(peak.values), data.panel.unit, data.panel.decimals)
        assert summary.endswith(f"highest {peak.name} {highest}"), summary
        latest = model.lines[0].values[~np.isnan(model.lines[0].values)][-1]
        shown = format_value(latest, data.panel.unit, data.panel.decimals)
        assert f"{model.lines[0].name} {shown}" in summary
