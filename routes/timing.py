"""Callback latency for /metrics: every callback request the guard let through is timed and
labelled by the callback Dash ran, by its name where it has one (`panels.fill_panels`, what a
legend can show) or its output with pattern-matching ids reduced to their type, so the label set
is the app's callbacks and nothing a request can make up."""

from __future__ import annotations

import json
import re
import time

from flask import Flask, g

from data.metrics import CALLBACK_LATENCY

_DICT_ID = re.compile(r"\{[^{}]*\}")


def callback_label(output: str, spec: dict | None = None) -> str:
    """`callbacks.panels.fill_panels` -> `panels.fill_panels`; Dash's page router -> `pages`;
    without a function: `{"index":3,"type":"panel"}.figure` -> `panel[*].figure`."""
    function = (spec or {}).get("callback")
    name, module = getattr(function, "__name__", None), getattr(function, "__module__", "")
    if name and module.startswith("callbacks."):
        return f"{module.removeprefix('callbacks.')}.{name}"
    if name and module.startswith("dash"):
        return "pages.router"

    def reduce(match: re.Match) -> str:
        try:
            return f"{json.loads(match.group(0)).get('type', 'id')}[*]"
        except ValueError:
            return "id[*]"

    return _DICT_ID.sub(reduce, output)[:120]


def install(server: Flask) -> None:
    @server.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @server.after_request
    def _observe(response):
        label = g.pop("callback_label", None)  # set by the guard, for a callback it let through
        if label is not None:
            CALLBACK_LATENCY.labels(label).observe(time.perf_counter() - g.request_started)
        return response
