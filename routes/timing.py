"""Callback latency for /metrics: every `_dash-update-component` request is timed and labelled by
its output, with pattern-matching ids reduced to their type so the label set stays small."""

from __future__ import annotations

import json
import re
import time

from flask import Flask, g, request

from data.metrics import CALLBACK_LATENCY

_DICT_ID = re.compile(r"\{[^{}]*\}")


def callback_label(output: str) -> str:
    """`{"index":3,"type":"panel"}.figure` -> `panel[*].figure`."""

    def reduce(match: re.Match) -> str:
        try:
            return f"{json.loads(match.group(0)).get('type', 'id')}[*]"
        except ValueError:
            return "id[*]"

    return _DICT_ID.sub(reduce, output)[:120]


def install(server: Flask, callback_path: str) -> None:
    @server.before_request
    def _start_timer() -> None:
        if request.path == callback_path:
            g.callback_started = time.perf_counter()

    @server.after_request
    def _observe(response):
        started = g.pop("callback_started", None)
        if started is not None:
            output = (request.get_json(silent=True) or {}).get("output", "unknown")
            CALLBACK_LATENCY.labels(callback_label(str(output))).observe(
                time.perf_counter() - started
            )
        return response
