"""Toolbar -> URL. The time range, refresh, comparison and variables live in the URL (Grafana's
parameter names, and `compare=`), so a change is a navigation: links are shareable and the back
button works. It computes a URL and reads no data; the page it leads to is resolved like any
other."""

from __future__ import annotations

from dataclasses import replace

from dash import ALL, Dash, Input, Output, State, ctx, no_update

import urls
from callbacks.access import STORE, VIEWERS, callback
from data.variables import ALL as ALL_VALUES
from view.resolve import BadState, store_state


def picked(value, before: list[str]) -> list[str]:
    """A variable's values after a change in its menu, as Grafana reads it: ticking a value while
    "All" is ticked means that value alone, ticking "All" means all (it read "All, api" and
    filtered nothing)."""
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    if ALL_VALUES not in values or len(values) == 1:
        return values
    if ALL_VALUES in before:
        return [v for v in values if v != ALL_VALUES]
    return [ALL_VALUES]


def register(app: Dash) -> None:
    @callback(
        app,
        Output("url", "search"),
        Input("time-preset", "value"),
        Input("time-from", "value"),
        Input("time-to", "value"),
        Input("refresh-choice", "value"),
        Input("compare-choice", "value"),
        Input({"type": "var", "name": ALL}, "value"),
        State(*STORE),
        State("url", "search"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def to_url(preset, time_from, time_to, refresh, compare, var_values, current, search):
        try:
            _slug, state = store_state(current)
        except BadState:
            return no_update
        trigger = ctx.triggered_id
        if trigger == "time-preset":
            if preset == "custom" or " to " not in str(preset):
                return no_update
            time_from, time_to = str(preset).split(" to ", 1)
        elif trigger not in ("time-from", "time-to"):
            time_from, time_to = state.time_from, state.time_to
        names = [(item.get("id") or {}).get("name") for item in ctx.inputs_list[5]]
        if len(names) != len(var_values) or not all(isinstance(n, str) for n in names):
            return no_update
        variables = {
            name: picked(v, state.variables.get(name, []))
            for name, v in zip(names, var_values, strict=True)
        }
        new = replace(
            state,
            time_from=time_from or state.time_from,
            time_to=time_to or state.time_to,
            refresh=refresh or state.refresh,
            variables=variables,
            compare=compare if isinstance(compare, str) else state.compare,
        )
        if new == state:
            return no_update
        # A drill-down's way back stays with the page however its state changes.
        back = [("back", v) for v in urls.query_value(search, "back")]
        return urls.view_query(new, *back)

    app.clientside_callback(
        "function (tick) { return Date.now(); }",
        Output("dash-updated", "data"),
        Input("dash-refresh", "n_intervals"),
    )
    app.clientside_callback(
        """function (tick, stamp) {
            if (!stamp) { return 'updated just now'; }
            const seconds = Math.max(0, Math.round((Date.now() - stamp) / 1000));
            return seconds < 2 ? 'updated just now' : 'updated ' + seconds + ' s ago';
        }""",
        Output("dash-updated-text", "children"),
        Input("dash-clock", "n_intervals"),
        State("dash-updated", "data"),
    )
