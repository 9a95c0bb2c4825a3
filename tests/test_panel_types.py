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
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image
from selenium import webdriver

import urls
from app import create_app
from auth.users import User
from callbacks.panels import update_request
from data.dashboards import load_all
from data.spec import TEAMS, Panel
from data.urlstate import ViewState
from panels import TYPES, panel_type
from panels.display import panel_data, panel_model
from panels.kind import window_words
from panels.units import cell_text, format_value
from services import services
from tests.fixtures._servers import require
from tests.fixtures.app import add_user, client_for, figure_in, login, nodes, settings_for
from tests.test_exports import PNG_SIGNATURE, pdf_pages
from view.resolve import resolve_view

ROOT = Path(__file__).resolve().parent.parent
ADMIN = User(id=0, name="tests", level="admin", teams=TEAMS)
# A type no demo dashboard uses yet, a state timeline over the demo's history (the alerts' one
# has states only since the test Prometheus started), a KPI with its comparison drawn (the
# demo's compare with periods before the tests' history) and its forecast, and a time series
# with every analytics (the demo's need more history than the tests'), on a dashboard of the
# tests' own.
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
                    "id": "peak-requests",
                    "type": "kpi",
                    "title": "Peak requests",
                    "unit": "reqps",
                    "time_shift": "1h",
                    "options": {"reduce": "max", "target": 400},
                    "queries": [{"expr": "sum(rate(http_requests_total[5m]))"}],
                },
                {
                    "id": "requests-ahead",
                    "type": "kpi",
                    "title": "Requests, in an hour",
                    "unit": "reqps",
                    "time_shift": "1h",
                    "options": {
                        "target": 120,
                        "analytics": {"forecast": {"horizon": "1h"}},
                    },
                    "queries": [{"expr": "sum(rate(http_requests_total[5m]))"}],
                },
                {
                    "id": "requests-analysed",
                    "type": "timeseries",
                    "title": "Requests, forecast, expected and trend",
                    "unit": "reqps",
                    "options": {
                        "analytics": {
                            "forecast": {"horizon": "1h"},
                            "anomalies": {},
                            "trend": {"method": "robust"},
                        }
                    },
                    "queries": [
                        {
                            "expr": 'sum by (service) (rate(http_requests_total{service=~"api|web"}'
                            "[$__rate_interval]))",
                            "legend": "{{service}}",
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
    found["kpi"] = ("panel-kinds", "requests-ahead")
    found["timeseries"] = ("panel-kinds", "requests-analysed")
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


def _figure_text(figure: dict) -> tuple[list[str], list[str], list[str]]:
    """What a figure prints as text whatever its size (an indicator's number, annotations),
    what it prints where it fits (the text of traces that print theirs: a bar's label), and
    what it says on hover."""
    always, fitted, hover = [], [], []
    for trace in figure.get("data", []):
        if trace.get("type") == "indicator" and "value" in trace:
            number = trace.get("number", {})
            digits = format(trace["value"], number.get("valueformat", "").lstrip(",") or "g")
            always.append(f"{number.get('prefix', '')}{digits}{number.get('suffix', '')}")
        texts = []
        for key in ("text", "hovertext", "customdata"):
            value = trace.get(key)
            texts += [str(t) for t in (value if isinstance(value, list) else [value]) if t]
        shown = trace.get("textposition") != "none" and "text" in trace.get("textinfo", "text")
        if shown and "text" in trace.get("mode", "text"):
            text = trace.get("text")
            fitted += [str(t) for t in (text if isinstance(text, list) else [text]) if t]
        hover += texts
    always += [str(a.get("text", "")) for a in figure.get("layout", {}).get("annotations", [])]
    return [unescape(t) for t in always], [unescape(t) for t in fitted], hover


def _card_text(card) -> tuple[list[str], list[str], list[str]]:
    """What a panel's card prints whatever its size (its HTML's text, a grid's first hundred
    rows: as many as the PDF prints, a chart's numbers and notes), what its chart prints where it
    fits, and what it says on hover (titles, hover texts)."""
    always, fitted, hover = [], [], []
    for node in nodes(card):
        props = node.get("props") if isinstance(node.get("props"), dict) else {}
        children = props.get("children")
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str | int | float) and not isinstance(child, bool):
                always.append(str(child))
        for record in props.get("rowData", [])[:100]:
            always += [v for v in record.values() if isinstance(v, str)]
        if isinstance(props.get("title"), str):
            hover.append(props["title"])
        if isinstance(props.get("figure"), dict):
            chart = _figure_text(props["figure"])
            always, fitted, hover = always + chart[0], fitted + chart[1], hover + chart[2]
    return always, fitted, hover


def _plain(text: str) -> str:
    """Text as a reader compares it: ligatures and wrapped lines undone."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _shows(text: str, token: str) -> bool:
    """Whether `text` shows `token` as a whole (`0.4%` is not `10.4%`), wherever a line may
    have wrapped it (a PDF table breaks a long name inside a word)."""
    token = _plain(token).replace(" ", "")
    wrapped = " ?".join(re.escape(c) for c in token)
    return bool(token) and re.search(rf"(?<![\w.]){wrapped}(?!\w)", text) is not None


# A CSV header's unit (`revenue (USD)`) as the panels name it.
UNITS = {"": None, "req/s": "reqps", "ops/s": "ops", "%": "percent", "0-1": "percentunit",
         "B/s": "Bps", "d": "days"}  # fmt: skip
# What a chart may count a value in: itself, minutes, hours or days of seconds, percent of a
# ratio, seconds of milliseconds.
DIVISORS = (1.0, 60.0, 3600.0, 86400.0, 0.01, 1000.0)


def _columns(csv: pd.DataFrame) -> dict[str, list[str | None]]:
    """Each CSV column's possible units, from its header; a plain number may be counted
    (`short`: 1.2K) or not (`none`: to two decimals, or as it is)."""
    units = {}
    for column in csv.columns:
        label = re.search(r" \(([^()]*)\)$", column)
        unit = label.group(1) if label else ""
        code = UNITS.get(unit, f"currency:{unit}" if unit.isupper() else unit)
        units[column] = [None, "short", "none"] if code is None else [code]
    return units


def _said(value: str, units: list[str | None], decimals: int | None) -> list[str]:
    """A CSV cell as a user reads it on the page: in its unit, to the panel's decimals or to
    the table view's; times to the minute."""
    if not value:
        return [""]
    try:
        number = float(value)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
            return [cell_text(pd.Timestamp(value).tz_localize(None).to_pydatetime())]
        return [value]
    # The CSV writes twelve digits: a value it wrote as 79.005 may be drawn from 79.0050000001.
    near = (number, number * (1 + 1e-11), number * (1 - 1e-11))
    said = [cell_text(n, u) for n in near for u in units]
    return said + [format_value(n, u, decimals) for n in near for u in units if u is not None]


@dataclass
class Shown:
    """One panel as the page and its CSV show it."""

    state: str
    printed: list[str]  # the card's text, whatever its size
    fitted: list[str]  # its chart's text where it fits (at the page's size)
    hover: list[str]  # what the card says on hover
    numbers: np.ndarray  # the card's chart's numbers
    csv: pd.DataFrame | None  # its CSV export, None where it offers none


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
# rule's last evaluation (every few seconds), and alerts of one rule swap places as they fire.
LIVE = {"alerts": {"summary", "active since (UTC)"}}
# Types whose summary has no range: a plan's phases, the alerts pending now.
UNDATED = {"gantt", "alerts"}
INSTANT = {"status_map", "node_graph"}  # the latest values


def _card(client, slug: str, panel_id: str, week: dict) -> dict:
    """The panel's card as the page's callback sends it; a panel still computing is asked
    again, as the page does."""
    for _ in range(20):
        card = _page_card(client, slug, panel_id, week)
        if card.get("props", {}).get("data-panel-state") is not None:
            return card
        time.sleep(0.5)
    raise AssertionError(f"{slug}/{panel_id} never finished: {str(card)[:200]}")


def _shown(client, slug: str, panel: Panel, week: dict, seen: dict) -> Shown:
    if (slug, panel.id) not in seen:
        card = _card(client, slug, panel.id, week)
        csv = None
        if "csv" in panel_type(panel.type).exports:
            answer = client.get(f"/export/{slug}/{panel.id}.csv", query_string=week)
            assert answer.status_code == 200, (panel.id, answer.get_data(as_text=True)[:300])
            lines = answer.get_data(as_text=True).splitlines()
            body = "\n".join(line for line in lines if not line.startswith("#"))
            csv = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False) if body else None
        figure = figure_in(card)
        numbers = np.array(_numbers(figure, []) if figure else [], dtype=float)
        state = card["props"]["data-panel-state"]
        seen[slug, panel.id] = Shown(state, *_card_text(card), numbers, csv)
    return seen[slug, panel.id]


def _read(shown: Shown, panel: Panel, rows: int, fitted: bool) -> list[str]:
    """The values of the first `rows` rows of the panel's CSV that its card prints (with
    `fitted`, also where its chart's text fits at the page's size), as it prints them (for a
    panel with no CSV, all it prints): what every other format must print."""
    if shown.csv is None:
        return [t for t in shown.printed if _plain(t)]
    page = " ¦ ".join(_plain(t) for t in shown.printed + (shown.fitted if fitted else []))
    units = _columns(shown.csv)
    live = LIVE.get(panel.type, set())
    read = []
    for record in shown.csv.head(rows).to_dict("records"):
        for column, value in record.items():
            if column not in live:
                read += [s for s in _said(value, units[column], panel.decimals)
                         if _shows(page, s)][:1]  # fmt: skip
    return read


@pytest.fixture(scope="module")
def seen() -> dict:
    """What the page and the CSV showed of each panel, fetched once for the module."""
    return {}


@pytest.fixture(scope="module")
def raster():
    """An SVG as Chromium draws it at a size, in pixels (RGB)."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)

    def draw(svg: bytes, width: int, height: int) -> np.ndarray:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
        driver.get(f"data:text/html,<body style='margin:0'><img src='{source}'></body>")
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
        return _pixels(base64.b64decode(shot["data"]))

    yield draw
    driver.quit()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def _svg_text(svg: str) -> str:
    return _plain(" ".join(unescape(t) for t in re.findall(r">([^<>]+)<", svg)))


REPORTS: dict[str, str] = {}  # each dashboard's PDF report, as text
SIZE = {"width": 640, "height": 360}


@pytest.mark.parametrize(("slug", "panel_id"), examples())
def test_typ002_every_format_shows_the_numbers_the_page_shows(
    app, week, seen, raster, slug, panel_id
):
    """Each type on the same data, through the routes a browser, a script or cron takes: the
    card on the page, its "View as table", its CSV, SVG and PNG, and the dashboard's PDF report
    show the same numbers, formatted as the user reads them. The PNG is the SVG's picture
    (Chromium draws the SVG: pixel for pixel the same); the PDF prints, for every panel of the
    dashboard, whatever it prints it as (figure, table, text), the values its card prints."""
    boss = client_for(app, "boss")
    with app.server.app_context():
        dashboard = services().dashboards[slug]
    panel = dashboard.panel(panel_id)
    shown = _shown(boss, slug, panel, week, seen)
    assert shown.state in ("ok", "stale"), (slug, panel_id, shown.printed[:3])
    if shown.csv is None:
        # No numbers of its own: the Export menu offers nothing that would fail.
        assert panel_type(panel.type).exports == ()
        for fmt in ("png", "svg", "csv"):
            refused = boss.get(f"/export/{slug}/{panel_id}.{fmt}", query_string=week)
            assert refused.status_code == 400, (fmt, refused.status_code)
            assert "exports as nothing" in refused.get_json()["error"]
    else:
        csv, units, live = shown.csv, _columns(shown.csv), LIVE.get(panel.type, set())
        # The table view: the CSV's rows, each cell as the page formats it.
        table = _table_view(boss, slug, panel_id, week)
        assert table[0] == list(csv.columns)
        assert len(table) - 1 == min(len(csv), 500)
        for cells, record in zip(table[1:], csv.head(500).to_dict("records"), strict=False):
            for cell, (column, value) in zip(cells, record.items(), strict=True):
                if column not in live:
                    said = _said(value, units[column], None)
                    assert cell in said, (panel_id, column, value, cell, said)
        # The card: every number of the CSV drawn in its chart, printed, or said on hover.
        page = " ¦ ".join(_plain(t) for t in shown.printed + shown.fitted + shown.hover)
        for column in csv.columns:
            for value in csv[column].head(40):
                if column in live or not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", value):
                    continue
                drawn = any(np.isclose(shown.numbers, float(value) / d, rtol=1e-4).any()
                            for d in DIVISORS)  # fmt: skip
                printed = any(_shows(page, s) for s in _said(value, units[column], panel.decimals))
                assert drawn or printed, (panel_id, column, value)
        # The SVG prints what the card prints; the PNG is the same picture.
        svg = boss.get(f"/export/{slug}/{panel_id}.svg", query_string=week)
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        text = _svg_text(svg.get_data(as_text=True))
        for value in _read(shown, panel, 40, fitted=True):
            assert _shows(text, value), (panel_id, "SVG", value, text[:300])
        png = boss.get(f"/export/{slug}/{panel_id}.png", query_string=week | SIZE)
        assert png.status_code == 200 and png.data.startswith(PNG_SIGNATURE)
        picture = _pixels(png.data)
        assert picture.shape == (SIZE["height"], SIZE["width"], 3)
        same = boss.get(f"/export/{slug}/{panel_id}.svg", query_string=week | SIZE).data
        differ = np.abs(picture - raster(same, SIZE["width"], SIZE["height"])).max(axis=2) > 64
        assert differ.mean() < 0.002, (panel_id, f"{differ.mean():.2%} of the PNG differs")
    # The PDF report prints every panel of the dashboard as its card shows it.
    if slug not in REPORTS:
        report = boss.get(f"/export/{slug}.pdf", query_string=week)
        assert report.status_code == 200, report.get_data(as_text=True)[:300]
        REPORTS[slug] = _plain(" ".join(pdf_pages(report.data)))
    printed = REPORTS[slug]
    for other in dashboard.panels:
        for words, _why in window_words(other):  # the card's "last 90 days", in print too
            assert words in printed, (other.id, words)
        theirs = _shown(boss, slug, other, week, seen)
        if theirs.state in ("ok", "stale"):
            for value in _read(theirs, other, 100, fitted=False):
                assert _shows(printed, value), (other.id, "PDF", value)
    if panel.type == "text":  # its words, not its Markdown
        assert "**" not in printed


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


def test_typ006_drawn_panels_leave_no_stale_copy_behind(
    prometheus, warehouse_sqlite, tmp_path, week
):
    """A drawn panel is derived from data that keeps its own last good copy: the drawing keeps
    none (it crowded diskcache's 1 GiB, or Redis, with copies nothing read). An app of its own:
    nothing else draws into its cache meanwhile."""
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path))
    add_user(app, "boss", "admin", ())

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
    # A chart that drills down goes on to say how, from the keyboard.
    assert any(label.split(". Arrow keys")[0] == summary.rstrip(".") for label in labels), (
        labels,
        summary,
    )
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
        assert f"; highest {peak.name} {highest}" in summary, summary
        latest = model.lines[0].values[~np.isnan(model.lines[0].values)][-1]
        shown = format_value(latest, data.panel.unit, data.panel.decimals)
        assert f"{model.lines[0].name} {shown}" in summary
