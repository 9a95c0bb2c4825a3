"""Exports as a user, a script or cron gets them: a panel's CSV holds the panel's data with units
in its header, PNG and SVG come at the size asked, the PDF report has a cover, every panel and
page numbers, `flask report` writes the same report; the real Prometheus, warehouse and
Chromium (kaleido) behind them. Who may export what, as on the dashboards; concurrent exports each
get their own image."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import requests
from pypdf import PdfReader
from werkzeug.serving import make_server

from app import create_app
from data.dashboards import load_all
from data.panel_data import fetch_panel, panel_window
from data.timerange import TimeRange
from data.variables import as_query_values, resolve
from services import services
from tests.fixtures._servers import require
from tests.fixtures.app import (
    TEST_SECRET,
    add_user,
    client_for,
    embed_token,
    nodes,
    open_page,
    settings_for,
)

DASHBOARDS = load_all()
ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    require("chromium", "chromium")  # exports draw with it: without it these tests fail
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("app")))
    add_user(app, "boss", "admin", ())
    add_user(app, "sam", "viewer", ("sales",))
    add_user(app, "eve", "viewer", ("sales",), region="EU")
    return app


@pytest.fixture(scope="module")
def boss(app):
    return client_for(app, "boss")


@pytest.fixture(scope="module")
def past_hours() -> dict[str, str]:
    """Two hours that ended five minutes ago, as Grafana's absolute URLs write them (epoch ms):
    every request for it gets the same data."""
    end = (int(time.time()) // 60 * 60 - 300) * 1000
    return {"from": str(end - 2 * 3600 * 1000), "to": str(end)}


@pytest.fixture(scope="module")
def past_month(past_hours) -> dict[str, str]:
    """Thirty days to the same end: sparse SQL data (sign-ups) has every category in it."""
    return past_hours | {"from": str(int(past_hours["to"]) - 30 * 86400 * 1000)}


def assert_download(response, mimetype: str, stem: str, extension: str) -> None:
    """A file the browser saves: `<stem>_<yyyymmdd-hhmm>.<extension>`, of that type."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == mimetype
    assert re.fullmatch(
        rf'attachment; filename="{re.escape(stem)}_\d{{8}}-\d{{4}}\.{extension}"',
        response.headers["Content-Disposition"],
    )


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def panel_frame(app, slug: str, panel_id: str, query: dict[str, str]):
    """What the dashboard's panel callback fetches for this range and the default variables."""
    dashboard = DASHBOARDS[slug]
    with app.server.app_context():
        layer = services().data
        values, _ = resolve(layer, dashboard, {})
        time_range = TimeRange.parse(query["from"], query["to"])
        panel = dashboard.panel(panel_id)
        window = panel_window(layer, panel, time_range)
        return fetch_panel(layer, dashboard, panel, window, as_query_values(values, dashboard))


def test_exp001_time_series_csv_is_the_panels_data_with_units(app, boss, past_hours):
    response = boss.get("/export/system-health/request-rate.csv", query_string=past_hours)
    assert_download(response, "text/csv", "system-health_request-rate", "csv")
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    tidy = panel_frame(app, "system-health", "request-rate", past_hours).tidy
    expected = tidy.pivot(index="x", columns="series", values="value").sort_index()
    assert list(csv.columns) == ["time", *(f"{s} (req/s)" for s in sorted(expected.columns))]
    assert len(expected.columns) > 1
    assert csv["time"].tolist() == [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in expected.index]
    for series in expected.columns:
        # To 12 significant digits: the rest is a sum's float noise.
        assert csv[f"{series} (req/s)"].tolist() == pytest.approx(expected[series].tolist(), 1e-11)


def test_exp002_table_stat_and_category_csvs(boss, past_hours, past_month):
    def csv(path: str, query: dict[str, str] = past_hours) -> pd.DataFrame:
        response = boss.get(path, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return pd.read_csv(io.StringIO(response.get_data(as_text=True)))

    table = csv("/export/migration-health/old-vs-new-table.csv")
    assert len(table) > 0 and len(table.columns) > 1
    stat = csv("/export/system-health/error-ratio-now.csv")
    assert len(stat) == 1 and stat.columns[0].startswith("value")
    channels = csv("/export/sales-performance/channels.csv", past_month)
    assert list(channels.columns) == ["channel", "customers"] and len(channels) > 1


def test_exp003_png_has_the_size_asked_for(boss, past_hours):
    for width, height, scale in ((640, 360, 1), (500, 300, 2)):
        query = past_hours | {"width": width, "height": height, "scale": scale}
        response = boss.get("/export/system-health/request-rate.png", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "image/png"
        assert png_size(response.data) == (width * scale, height * scale)
    stat = boss.get("/export/system-health/error-ratio-now.png", query_string=past_hours)
    assert stat.status_code == 200 and png_size(stat.data)[0] >= 320


def test_exp004_svg_is_svg_with_the_panel_title(boss, past_hours):
    response = boss.get("/export/system-health/latency.svg", query_string=past_hours)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert DASHBOARDS["system-health"].panel("latency").title in response.get_data(as_text=True)


def test_exp005_map_is_drawn_from_the_local_outlines(boss):
    # No internet here: outlines fetched from plotly's CDN would fail the export.
    response = boss.get("/export/sales-performance/countries.svg")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.count(b"choroplethlocation") > 5


@pytest.fixture(scope="module")
def report(boss) -> bytes:
    query = {"from": "now-24h", "to": "now"}
    response = boss.get("/export/migration-health.pdf", query_string=query)
    assert_download(response, "application/pdf", "migration-health", "pdf")
    return response.data


def test_exp006_report_has_a_cover_every_panel_and_page_numbers(report):
    dashboard = DASHBOARDS["migration-health"]
    pages = pdf_pages(report)
    cover = pages[0]
    assert dashboard.title in cover and dashboard.description in cover
    assert "now-24h to now" in cover
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", cover)) == 3  # from, to, made
    assert "by boss" in cover
    body = " ".join(pages[1:])
    for panel in dashboard.panels:
        assert panel.title in body, panel.title
    assert 3 <= len(pages) <= len(dashboard.panels)
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text


def test_exp007_report_figures_are_vector_and_tables_are_text(report, boss):
    reader = PdfReader(io.BytesIO(report))
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject", {})
        assert all(objects[name].get("/Subtype") != "/Image" for name in objects)
    body = " ".join(pdf_pages(report)[1:])
    assert "ops/s" in body  # a chart's axis labels are text, not pixels
    table = boss.get("/export/migration-health/old-vs-new-table.csv?from=now-24h&to=now")
    rows = pd.read_csv(io.StringIO(table.get_data(as_text=True)))
    assert all(header in body for header in rows.columns)
    assert all(cell in body for cell in rows["operation"])
    assert "Before cutover" in body  # the text panel's Markdown


def test_exp008_flask_report_writes_the_same_report(app, report, tmp_path):
    out = tmp_path / "migration.pdf"
    runner = app.server.test_cli_runner()
    result = runner.invoke(
        args=["report", "migration-health", "--from", "now-24h", "--to", "now", "--format",
              "pdf", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from_cli, from_route = pdf_pages(out.read_bytes()), pdf_pages(report)
    assert len(from_cli) == len(from_route)
    titles = [p.title for p in DASHBOARDS["migration-health"].panels]
    for cli_page, route_page in zip(from_cli[1:], from_route[1:], strict=True):
        assert [t for t in titles if t in cli_page] == [t for t in titles if t in route_page]
    assert "by cli:" in from_cli[0]


def test_exp009_flask_report_png_of_one_panel(app, tmp_path):
    out = tmp_path / "rate.png"
    result = app.server.test_cli_runner().invoke(
        args=["report", "system-health", "--from", "now-1h", "--format", "png", "--panel",
              "request-rate", "--var", "service=api", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    wrong = app.server.test_cli_runner().invoke(
        args=["report", "system-health", "--format", "png", "--out", str(out)]
    )
    assert wrong.exit_code == 1 and "needs --panel" in wrong.output


@pytest.fixture(scope="module")
def live_server(app):
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_exp010_ten_concurrent_png_exports_each_get_their_own_image(app, live_server, past_hours):
    token = embed_token(app, "system-health", "10m")
    widths = [400 + 20 * n for n in range(10)]
    start = threading.Barrier(len(widths))

    def export(width: int) -> tuple[int, bytes]:
        query = past_hours | {"width": width, "height": 250, "token": token}
        start.wait()
        response = requests.get(
            f"{live_server}/export/system-health/request-rate.png", params=query, timeout=120
        )
        return response.status_code, response.content

    with ThreadPoolExecutor(len(widths)) as pool:
        results = list(pool.map(export, widths))
    assert [status for status, _ in results] == [200] * len(widths)
    assert [png_size(body) for _, body in results] == [(w, 250) for w in widths]


def test_exp011_a_sales_viewer_may_not_export_an_sre_dashboard(app):
    sam = client_for(app, "sam")
    for path in ("/export/system-health.pdf", "/export/system-health/request-rate.png"):
        response = sam.get(path)
        assert response.status_code == 403
        assert "may not open" in response.get_json()["error"]
    with app.server.app_context():
        denied = services().audit.events(action="forbidden", actor="sam")
    assert denied and denied[0].target == "dashboard 'system-health'"


def test_exp012_anonymous_exports_get_401(app):
    anonymous = client_for(app, None)
    assert anonymous.get("/export/system-health.pdf").status_code == 401
    assert anonymous.get("/export/system-health/request-rate.csv").status_code == 401


def test_exp013_an_embed_token_exports_its_dashboard_only(app):
    token = embed_token(app, "system-health", "10m")
    with app.server.app_context():
        name = services().embed_links.read(token).name
    anonymous = client_for(app, None)
    own = anonymous.get(f"/export/system-health/request-rate.csv?token={token}")
    assert own.status_code == 200
    other = anonymous.get(f"/export/migration-health/tests.csv?token={token}")
    assert other.status_code == 403
    with app.server.app_context():
        exported = services().audit.events(action="export", actor=name)
    assert exported[0].target == "system-health/request-rate"
    assert "token" not in exported[0].detail["query"]


def test_exp014_locked_region_wins_over_the_url(app, boss, past_month):
    eve = client_for(app, "eve")
    path = "/export/sales-performance/channels.csv"
    asked_other = eve.get(path, query_string=past_month | {"var-region": "NA"})
    eu_only = boss.get(path, query_string=past_month | {"var-region": "EU"})
    everywhere = boss.get(path, query_string=past_month)
    assert asked_other.status_code == eu_only.status_code == 200
    assert asked_other.data == eu_only.data != everywhere.data


def test_exp015_every_export_is_in_the_audit_log(app, boss, past_hours):
    boss.get("/export/system-health/memory.svg", query_string=past_hours)
    with app.server.app_context():
        event = services().audit.events(action="export", actor="boss")[0]
    assert (event.target, event.outcome, event.detail["format"]) == (
        "system-health/memory",
        "ok",
        "svg",
    )
    assert event.detail["query"]["from"] == [past_hours["from"]]


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/export/system-health/nope.png", 404, "has no panel 'nope'"),
        ("/export/no-such-board.pdf", 404, "no dashboard 'no-such-board'"),
        ("/export/system-health/request-rate.gif", 404, "png, svg, csv"),
        ("/export/system-health/request-rate.png?width=20&height=300", 400, "width must be"),
        ("/export/system-health/request-rate.png?width=800", 400, "both width and height"),
        ("/export/system-health/request-rate.png?from=yesterday", 400, "is not a time"),
        ("/export/system-health/request-rate.csv?var-service=nope", 400, "not a value"),
        ("/export/migration-health/runbook.png", 400, "text panel"),
    ],
)
def test_exp016_bad_requests_say_what_is_wrong(boss, path, status, says):
    response = boss.get(path)
    assert response.status_code == status
    assert says in response.get_json()["error"]


def links(layout: str) -> list[str]:
    """Every href in a page's layout (the JSON of the routing callback)."""
    return [n["href"] for n in nodes(json.loads(layout)) if isinstance(n.get("href"), str)]


def test_exp017_dashboard_links_to_its_exports_with_its_range_and_variables(app, boss):
    page = links(open_page(boss, "/d/system-health?from=now-1h&var-service=api"))
    query = "?from=now-1h&to=now&var-service=api"
    assert f"/export/system-health/request-rate.png{query}" in page
    assert f"/export/system-health.pdf{query}" in page
    token = embed_token(app, "system-health", "10m")
    embedded = links(open_page(client_for(app, None), f"/embed/system-health?token={token}"))
    exports = [link for link in embedded if link.startswith("/export/")]
    assert "/export/system-health/request-rate.csv?from=now-6h&to=now&" in " ".join(exports)
    assert exports and all(link.endswith(f"&token={token}") for link in exports)


def test_exp018_without_a_browser_the_export_says_what_to_do(
    prometheus, warehouse_sqlite, tmp_path
):
    env = os.environ | {
        "BROWSER_PATH": "/nonexistent/chromium",
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY": TEST_SECRET,
        "PROMETHEUS_URL": prometheus.url,
        "DATABASE_URL": warehouse_sqlite.url,
    }
    out = tmp_path / "x.png"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "report", "system-health", "--format",
         "png", "--panel", "request-rate", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "BROWSER_PATH='/nonexistent/chromium' is not an executable" in result.stderr
    assert not out.exists()


def test_exp019_an_export_that_outlives_its_timeout_is_a_clear_504(
    prometheus, warehouse_sqlite, tmp_path
):
    settings = settings_for(prometheus, warehouse_sqlite, tmp_path, export_timeout=0.01)
    hasty = create_app(settings)
    add_user(hasty, "boss", "admin", ())
    response = client_for(hasty, "boss").get("/export/system-health/request-rate.png")
    assert response.status_code == 504
    assert "did not finish within 0.01 s" in response.get_json()["error"]
    with hasty.server.app_context():
        event = services().audit.events(action="export")[0]
    assert (event.outcome, event.detail["status"]) == ("error", 504)


def test_exp020_csv_decimals_carry_no_float_noise():
    """A sum of prices is 28692.88 in the CSV, not 28692.879999999986; whole numbers, times and
    gaps are as they were."""
    from exports.panel_csv import csv_text
    from panels.kind import Rows

    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-11-23 10:00", "2026-11-23 11:00", "2026-11-23 12:00"]),
            "revenue ($)": [28692.879999999986, 0.1 + 0.2, None],
            "orders": [3, 4, 5],
        }
    )
    lines = csv_text(Rows(frame, {"revenue ($)": "currency:USD"})).splitlines()
    assert lines == [
        "time,revenue ($),orders",
        "2026-11-23T10:00:00Z,28692.88,3",
        "2026-11-23T11:00:00Z,0.3,4",
        "2026-11-23T12:00:00Z,,5",
    ]


def _flawed_rows(_model):
    raise IndexError("list index out of range")  # as the alerts panel's CSV once did


@pytest.fixture
def flawed_type():
    """A panel type whose CSV fails in a way nobody foresaw, registered as any type is, for the
    length of a test."""
    from data.spec import PANEL_TYPES
    from panels import KINDS
    from panels.gauge import KIND as gauge

    kind = replace(gauge, name="flawed", rows=_flawed_rows)
    KINDS["flawed"] = PANEL_TYPES["flawed"] = kind
    yield kind
    del KINDS["flawed"], PANEL_TYPES["flawed"]


def test_exp021_an_export_failing_unforeseen_says_so_and_is_audited(
    prometheus, warehouse_sqlite, tmp_path, flawed_type
):
    folder = tmp_path / "dashboards"
    folder.mkdir()
    (folder / "flawed.yaml").write_text(
        "slug: flawed\ntitle: Flawed\nteams: [sre]\nrows:\n  - panels:\n"
        "      - {id: up, type: flawed, title: Up, queries: [{expr: 'max(up)', instant: true}]}\n"
    )
    app = create_app(settings_for(prometheus, warehouse_sqlite, tmp_path, dashboards_dir=folder))
    add_user(app, "boss", "admin", ())
    response = client_for(app, "boss").get("/export/flawed/up.csv?from=now-1h")
    assert response.status_code == 500
    assert "did not foresee" in response.get_json()["error"]
    with app.server.app_context():
        event = services().audit.events(action="export", actor="boss")[0]
    assert (event.target, event.outcome, event.detail["status"]) == ("flawed/up", "error", 500)
    assert event.detail["query"] == {"from": ["now-1h"]}
