"""PromQL templates from dashboard specs, rendered with the time window and variable values.

Variable values come from the browser, so they are only ever placed inside a double-quoted label
matcher string and escaped for it: after `=~`/`!~` every regex character is escaped and several
values are joined with `|`; after `=`/`!=` only one value is allowed and quotes/backslashes are
escaped. A template that uses a variable anywhere else is a spec error, caught before any query.
Built-ins (`$__rate_interval`, `$__interval`, `$__range`) are durations we compute ourselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from data.errors import DataSourceError, ErrorKind
from data.timerange import QueryWindow, format_duration

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_REGEX_SPECIALS = re.compile(r"([.*+?^${}()|\[\]\\])")

VariableValues = Mapping[str, str | Sequence[str]]


def escape_string(value: str) -> str:
    """Escape for the inside of a PromQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_regex(value: str) -> str:
    """Escape a literal value for an RE2 matcher, then for the string around it."""
    return escape_string(_REGEX_SPECIALS.sub(r"\\\1", value))


def builtins(window: QueryWindow) -> dict[str, str]:
    return {
        "__rate_interval": format_duration(window.rate_interval),
        "__interval": format_duration(window.step),
        "__range": format_duration(window.end - window.start),
    }


def _matcher_before(template: str, quote_at: int) -> str:
    """The matcher operator (`=~`, `!~`, `=`, `!=`) just before the string at `quote_at`."""
    head = template[:quote_at].rstrip()
    for op in ("=~", "!~", "!=", "="):
        if head.endswith(op):
            return op
    return ""


def _string_spans(template: str) -> list[tuple[int, int]]:
    """Start and end offsets of every double-quoted string in the template."""
    spans, start, i = [], None, 0
    while i < len(template):
        ch = template[i]
        if start is not None and ch == "\\":
            i += 2
            continue
        if ch == '"':
            if start is None:
                start = i
            else:
                spans.append((start, i))
                start = None
        i += 1
    return spans


def render(
    template: str,
    variables: VariableValues | None = None,
    window: QueryWindow | None = None,
    *,
    datasource: str = "prometheus",
) -> str:
    """Fill `$var` / `${var}` in a PromQL template. Raises DataSourceError (kind config) for an
    unknown variable or one used outside a label matcher string."""
    variables = variables or {}
    known = builtins(window) if window else {}
    spans = _string_spans(template)

    def fail(message: str) -> DataSourceError:
        return DataSourceError(message, datasource=datasource, kind=ErrorKind.CONFIG)

    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name in known:
            return known[name]
        if name not in variables:
            raise fail(f"the query uses ${name}, which is not a variable of this dashboard")
        span = next((s for s in spans if s[0] < match.start() < s[1]), None)
        if span is None:
            raise fail(
                f"${name} must be used inside a quoted label matcher, e.g. "
                f'{{{name}=~"${name}"}}, so that its value can be escaped'
            )
        value = variables[name]
        values = [value] if isinstance(value, str) else list(value)
        op = _matcher_before(template, span[0])
        if op in ("=~", "!~"):
            return "|".join(escape_regex(v) for v in values) if values else "$^"
        if len(values) != 1:
            raise fail(f"${name} has {len(values)} values; use =~ to match several")
        return escape_string(values[0])

    return _VARIABLE.sub(replace, template)
