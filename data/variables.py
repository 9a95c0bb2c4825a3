"""Dashboard variables: their options (Prometheus label values, a SQL query, a fixed list) and the
check that every value the browser sends is one of them."""

from __future__ import annotations

from collections.abc import Mapping

from data.datasources import DataLayer
from data.errors import DataSourceError
from data.promql import render as render_promql
from data.spec import Dashboard, Variable

ALL = "$__all"


class VariableError(ValueError):
    """A variable value that is not among the variable's options: `name` the variable, `value`
    the value (none when it is too many values)."""

    def __init__(self, message: str, name: str, value: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.value = value


def options(layer: DataLayer, variable: Variable, chosen: Mapping[str, list[str]]) -> list[str]:
    """The values `variable` may take, given the values chosen for the variables before it."""
    if variable.type == "custom":
        return list(variable.values)
    if variable.type == "label_values":
        match = render_promql(variable.match, chosen) if variable.match else None
        return layer.label_values(
            variable.datasource or "prometheus", variable.label_name, match
        ).value
    params = {name: values for name, values in chosen.items()}
    result = layer.sql(variable.datasource or "warehouse", variable.sql, params=params, ttl=300)
    frame = result.value.frame
    return [str(v) for v in frame.iloc[:, 0].tolist()] if len(frame.columns) else []


def _default(variable: Variable, choices: list[str]) -> list[str]:
    if variable.default is not None:
        wanted = [variable.default] if isinstance(variable.default, str) else variable.default
        if wanted == [ALL] or wanted == ["All"]:
            return list(choices)
        return [v for v in wanted if v in choices] or choices[:1]
    if variable.include_all:
        return list(choices)
    return choices[:1]


def resolve(
    layer: DataLayer,
    dashboard: Dashboard,
    requested: Mapping[str, list[str]],
    locked: Mapping[str, list[str]] | None = None,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(values, options) for every variable, in order. Values come from `requested` (the URL's
    var-* parameters) when given; one that is not an option raises VariableError. A `locked`
    variable (bound to the user, or fixed by an embed token) takes its locked values whatever
    was requested, and offers only them."""
    values: dict[str, list[str]] = {}
    all_options: dict[str, list[str]] = {}
    for variable in dashboard.variables:
        if locked and variable.name in locked:
            values[variable.name] = all_options[variable.name] = list(locked[variable.name])
            continue
        choices = options(layer, variable, values)
        all_options[variable.name] = choices
        asked = [v for v in requested.get(variable.name, []) if v != ""]
        if not asked:
            values[variable.name] = _default(variable, choices)
            continue
        if asked == [ALL] and variable.include_all:
            values[variable.name] = list(choices)
            continue
        unknown = [v for v in asked if v not in choices]
        if unknown:
            raise VariableError(
                f"{unknown[0]!r} is not a value of ${variable.name}; "
                "pick one of the listed options",
                variable.name,
                unknown[0],
            )
        if len(asked) > 1 and not variable.multi:
            raise VariableError(
                f"${variable.name} takes one value, got {len(asked)}", variable.name
            )
        values[variable.name] = asked
    return values, all_options


def offered(layer: DataLayer, dashboard: Dashboard) -> dict[str, list[str]]:
    """Each variable's options when the dashboard opens (those before it at their defaults);
    none when they cannot be read for this layer's scope."""
    try:
        return resolve(layer, dashboard, {})[1]
    except (DataSourceError, VariableError):
        return {}


def shows_all(
    variable: Variable, values: Mapping[str, list[str]], choices: Mapping[str, list[str]]
) -> bool:
    """Whether the variable's values are all of its options, shown as "All"."""
    chosen, options = values.get(variable.name, []), choices.get(variable.name, [])
    return variable.include_all and len(options) > 1 and sorted(chosen) == sorted(options)


def as_query_values(values: Mapping[str, list[str]], dashboard: Dashboard) -> dict:
    """Single-value variables as strings, multi-value ones as lists (for PromQL and SQL)."""
    multi = {v.name for v in dashboard.variables if v.multi or v.include_all}
    return {k: (list(v) if k in multi else (v[0] if v else "")) for k, v in values.items()}
