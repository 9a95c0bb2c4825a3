"""A dashboard's state in the URL, with Grafana's parameter names:
`?from=now-24h&to=now&refresh=30s&var-service=api&var-service=web`, and `compare=previous`
(or `7d`, `1y`: the toolbar's "Compare with")."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from data.spec import REFRESH_CHOICES, Dashboard
from data.timerange import TimeRange, checked_compare


@dataclass(frozen=True)
class ViewState:
    time_from: str
    time_to: str
    refresh: str
    variables: dict[str, list[str]] = field(default_factory=dict)
    compare: str = ""  # "" (none), "previous", or a duration back ("7d", "1y")

    @classmethod
    def from_query(cls, dashboard: Dashboard, query: dict) -> ViewState:
        """From Dash's parsed query string (a repeated key gives a list)."""

        def one(key: str, default: str) -> str:
            value = query.get(key, default)
            return str(value[-1] if isinstance(value, list) else value) or default

        refresh = one("refresh", dashboard.refresh)
        if refresh not in REFRESH_CHOICES:
            refresh = dashboard.refresh
        variables = {}
        for key, value in query.items():
            if key.startswith("var-"):
                variables[key[4:]] = (
                    [str(v) for v in value] if isinstance(value, list) else [str(value)]
                )
        return cls(
            one("from", dashboard.time_from),
            one("to", dashboard.time_to),
            refresh,
            variables,
            one("compare", ""),
        )

    def time_range(self, fiscal_start: int = 1) -> TimeRange:
        """`fiscal_start`: the month the deployment's fiscal years start in (FISCAL_YEAR_START)."""
        return TimeRange.parse(self.time_from, self.time_to, fiscal_start=fiscal_start)

    def comparison(self) -> str | None:
        """The comparison asked for, or None; TimeRangeError when it is not one."""
        return checked_compare(self.compare)

    def query_string(self) -> str:
        pairs = [("from", self.time_from), ("to", self.time_to), ("refresh", self.refresh)]
        for name, values in self.variables.items():
            pairs.extend((f"var-{name}", v) for v in values)
        if self.compare:
            pairs.append(("compare", self.compare))
        return "?" + urlencode(pairs)

    def to_dict(self) -> dict:
        return {
            "from": self.time_from,
            "to": self.time_to,
            "refresh": self.refresh,
            "vars": self.variables,
            "compare": self.compare,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ViewState:
        return cls(
            data["from"],
            data["to"],
            data["refresh"],
            dict(data.get("vars", {})),
            data.get("compare", ""),
        )
