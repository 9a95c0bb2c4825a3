"""The dashboard lint (`flask dashboards validate --strict`): every rule catches its defect on a
dashboard of the tests' own, and the shipped dashboards have no finding on the demo data (the real
Prometheus and warehouse of the test fixtures)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from app import create_app
from panels.theme import PALETTE, meaning, series_colors
from tests.fixtures.app import settings_for

ROOT = Path(__file__).resolve().parent.parent
UP = 'max by (job) (up{job!~"demo|demo-node|node|app"})'
BROKEN = {
    "slug": "lint-me",
    "title": "Lint me",
    "teams": ["sre"],
    "time_from": "now-7d",
    "variables": [
        {"name": "service", "type": "custom", "values": ["api", "web"]},
        {"name": "forgotten", "type": "custom", "values": ["a", "b"]},
    ],
    "rows": [
        {
            "panels": [
                {
                    "id": "percent-as-ratio",
                    "type": "stat",
                    "title": "Success",
                    "unit": "percentunit",
                    "queries": [{"expr": "100 * max(up)", "instant": True}],
                },
                {
                    "id": "over-the-dial",
                    "type": "gauge",
                    "title": "Revenue vs target",
                    "unit": "percent",
                    "min": 0,
                    "max": 100,
                    "queries": [{"expr": "298 * max(up)", "instant": True}],
                },
                {
                    "id": "promised",
                    "type": "timeseries",
                    "title": "Requests (dotted - previous 7 days)",
                    "queries": [{"expr": 'sum(rate(http_requests_total{service="$service"}[5m]))'}],
                },
                {
                    "id": "shifted-categories",
                    "type": "timeseries",
                    "title": "Requests by service",
                    "time_shift": "1d",
                    "datasource": "warehouse",
                    "queries": [
                        {
                            "sql": "SELECT status, count(*) AS n FROM orders WHERE "
                            "$__timeFilter(created_at) GROUP BY 1",
                            "x": "status",
                            "y": "n",
                        }
                    ],
                },
                {
                    "id": "monthly",
                    "type": "stat",
                    "title": "30-day availability",
                    "queries": [{"expr": "max(up)", "instant": True}],
                },
                {
                    "id": "shared-axis",
                    "type": "timeseries",
                    "title": "Locks",
                    "queries": [
                        {"expr": "sum(rate(db_lock_waits_total[5m]))", "legend": "waits/s"},
                        {"expr": "sum(rate(db_deadlocks_total[5m])) * 100", "legend": "dl/s x100"},
                    ],
                },
                {
                    "id": "estimated-calls",
                    "type": "node_graph",
                    "title": "Calls between services",
                    "queries": [
                        {
                            "expr": "label_replace(sum(rate(http_requests_total[$__range])) * 0.8, "
                            '"source", "web", "", "")',
                            "instant": True,
                        }
                    ],
                },
                {
                    "id": "hidden-window",
                    "type": "stat",
                    "title": "Requests",
                    "queries": [{"expr": "sum(rate(http_requests_total[30m]))", "instant": True}],
                },
                {
                    "id": "many-lines",
                    "type": "timeseries",
                    "title": "Series by route",
                    "queries": [
                        {
                            "expr": "sum by (route) (rate(http_requests_total[5m]))",
                            "legend": "{{route}}",
                        }
                    ],
                },
            ]
        }
    ],
}


@pytest.fixture(scope="module")
def dashboards_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lint") / "dashboards"
    shutil.copytree(ROOT / "dashboards", folder)
    return folder


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, dashboards_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lint-app")
    return create_app(
        settings_for(prometheus, warehouse_sqlite, folder, dashboards_dir=dashboards_dir)
    )


def _validate(app, folder: Path):
    runner = app.server.test_cli_runner()  # the commands run in this app, on its datasources
    return runner.invoke(args=["dashboards", "validate", "--strict", "--dir", str(folder)])


def test_lint001_each_rule_finds_its_defect(app, tmp_path):
    (tmp_path / "lint-me.yaml").write_text(yaml.safe_dump(BROKEN, sort_keys=False))
    result = _validate(app, tmp_path)
    assert (
        result.exit_code == 1
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    ), result.exception
    lines = result.output.splitlines()
    expected = [
        ("lint-me/percent-as-ratio: percent-scale:", "reaches 100 on a 0-1 scale"),
        ("lint-me/over-the-dial: over-max:", "reads 298% on a scale that ends at 100%"),
        ("lint-me/promised: comparison-not-drawn:", "give it compare"),
        ("lint-me/shifted-categories: comparison-not-drawn:", "read the earlier period"),
        ("lint-me/monthly: title-window:", "says 30 days, but the panel shows 7"),
        ("lint-me/shared-axis: scaled-series:", "'dl/s x100' is multiplied to share an axis"),
        ("lint-me/estimated-calls: scaled-series:", "multiplies a rate by 0.8"),
        ("lint-me/hidden-window: literal-window:", "reads a fixed 30 minutes the card does not"),
        ("lint-me: unused-variable:", "variable 'forgotten' is used by no panel"),
        ("lint-me/many-lines: same-colour:", "are drawn in one colour"),
        # Other panels read requests, which have a service label, and ignore $service.
        ("lint-me: warning: partly-filtered:", "'service' filters 1 of the 4 panels whose data"),
    ]
    for start, words in expected:
        assert any(line.startswith(start) and words in line for line in lines), (start, lines)
    assert not any("unused-variable: variable 'service'" in line for line in lines)


def test_lint002_the_shipped_dashboards_have_no_finding(app, dashboards_dir):
    result = _validate(app, dashboards_dir)
    assert result.exit_code == 0, result.output
    assert "all valid, no lint findings" in result.output
    assert "warning:" not in result.output, result.output


def test_lint003_series_colours_differ_within_a_panel_and_keep_their_meaning():
    names = ["payments", "search", "api", "web", "checkout", "auth", "audio-enhancer"]
    tints = series_colors(names)
    assert len(set(tints.values())) == len(names)
    # The same service keeps its colour on another panel where nothing takes its slot first.
    assert series_colors(["payments"])["payments"] == tints["payments"]
    many = series_colors(f"route-{n}" for n in range(len(PALETTE)))
    assert len(set(many.values())) == len(PALETTE)
    # Meanings win over the palette, and red is kept for them.
    assert meaning("critical") != meaning("warning") != meaning("info")
    assert meaning("Major") == meaning("error") == "#e02f44"
    assert meaning("blocker") == meaning("critical")
    assert meaning("miss") != meaning("hit")
    assert meaning("5xx") == meaning("503") == meaning("down")
    assert meaning("in progress") == meaning("in_progress")
    assert "#e02f44" not in PALETTE and meaning("NA") is None
