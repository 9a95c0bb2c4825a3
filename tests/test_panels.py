"""The panel library's pure parts: units as Grafana users read them, Markdown without markup."""

from __future__ import annotations

import json

import pytest
from plotly.io.json import to_json_plotly

from components.panels.text import text
from components.units import format_value, threshold_color
from data.panel_data import PanelData
from data.spec import Panel, Threshold


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        (1234, "short", None, "1.2K"),
        (3_400_000, "short", None, "3.4M"),
        (0.1234, "percentunit", 1, "12.3%"),
        (99.5, "percent", None, "99.5%"),
        (0.25, "s", None, "250 ms"),
        (90, "s", None, "1.5 min"),
        (7200, "s", None, "2 h"),
        (1536, "bytes", None, "1.5 KiB"),
        (3 * 2**30, "bytes", None, "3 GiB"),
        (2.5 * 2**20, "Bps", None, "2.5 MiB/s"),
        (1500, "reqps", None, "1.5K req/s"),
        (1_250_000, "currency:USD", None, "$1.25M"),
        (None, "short", None, "–"),
    ],
)
def test_pnl001_units(value, unit, decimals, shown):
    assert format_value(value, unit, decimals) == shown


def test_pnl002_threshold_steps():
    steps = [Threshold(value=None, color="green"), Threshold(value=80, color="orange"),
             Threshold(value=90, color="red")]  # fmt: skip
    assert [threshold_color(v, steps, "blue") for v in (10, 80, 95, None)] == [
        "green", "orange", "red", "blue",
    ]  # fmt: skip


def test_pnl003_markdown_renders_no_markup_and_no_script_links():
    panel = Panel(id="t", type="text", title="T",
                  content="**bold** <img src=x onerror=alert(1)>\n\n[ok](https://x.example) "
                          "[bad](javascript:alert(1))")  # fmt: skip
    rendered = json.loads(to_json_plotly(text(PanelData(panel))))
    flat = json.dumps(rendered)
    assert '"Strong"' in flat and "https://x.example" in flat
    assert "<img src=x onerror=alert(1)>" in flat  # as text, not as an element
    assert '"Img"' not in flat and '"javascript:' not in flat


def test_pnl004_labels_from_data_reach_plotly_as_text_not_markup():
    from components.panels.figure import figure

    hostile = '<a href="https://evil.example">click</a><img src=x onerror=alert(1)>'
    built = figure([{"type": "bar", "x": [hostile, "ok"], "y": [1, 2], "name": hostile,
                     "text": [hostile, "ok"]}], {})  # fmt: skip
    flat = json.dumps(built)
    assert "<a " not in flat and "<img" not in flat
    assert "&lt;a href=" in flat and built["data"][0]["x"][1] == "ok"
