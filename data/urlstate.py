"""A dashboard's state as its URL carries it, with Grafana's parameter names:
`?from=now-24h&to=now&refresh=30s&var-service=api&var-service=web`, and `compare=previous`
(or `7d`, `1y`: the toolbar's "Compare with").

urls.py writes and reads it (`urls.view_query`, `urls.view_state`) and the page's store holds it
(`to_dict`, view/resolve.py `store_state`), all from the fields below: each scalar field is one
parameter (its `param`; a field without one is a parameter of its own name) and the variables
are `var-<name>`, so a new field travels in both without more code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from data.spec import REFRESH_CHOICES, Dashboard
from data.timerange import TimeRange, checked_compare


@dataclass(frozen=True)
class Param:
    """A scalar field as a URL parameter."""

    name: str  # in the URL and in the page's store
    default: str = ""  # the Dashboard attribute that holds its default ("": the field's own)
    choices: tuple[str, ...] = ()  # what it may be (anything else is its default)


def _param(name: str, default: str = "", choices: tuple[str, ...] = ()):
    return field(default="", metadata={"param": Param(name, default, choices)})


VARIABLE_PREFIX = "var-"
STORE_VARIABLES = "vars"  # the variables' key in the page's store


@dataclass(frozen=True)
class ViewState:
    """A dashboard's state as asked. A field left empty is the dashboard's default: a link may
    set one variable alone (`?var-service=api`)."""

    time_from: str = _param("from", default="time_from")
    time_to: str = _param("to", default="time_to")
    refresh: str = _param("refresh", default="refresh", choices=REFRESH_CHOICES)
    variables: dict[str, list[str]] = field(default_factory=dict)
    # "" (none), "previous", or a duration back ("7d", "1y"): checked by `comparison`, as the
    # durations are not a list of choices. After `variables`: callers pass that by position.
    compare: str = _param("compare")

    @staticmethod
    def params() -> list[tuple[str, Param]]:
        """(field, parameter) of every scalar field."""
        return [
            (f.name, f.metadata.get("param") or Param(f.name))
            for f in fields(ViewState)
            if f.name != "variables"
        ]

    def over(self, dashboard: Dashboard) -> ViewState:
        """This state with the fields it leaves empty set to the dashboard's defaults."""
        defaults = {
            name: getattr(dashboard, param.default)
            for name, param in self.params()
            if param.default and not getattr(self, name)
        }
        return replace(self, **defaults)

    def time_range(self, fiscal_start: int = 1) -> TimeRange:
        """`fiscal_start`: the month the deployment's fiscal years start in (FISCAL_YEAR_START)."""
        return TimeRange.parse(self.time_from, self.time_to, fiscal_start=fiscal_start)

    def comparison(self) -> str | None:
        """The comparison asked for, or None; TimeRangeError when it is not one."""
        return checked_compare(self.compare)

    def to_dict(self) -> dict:
        """As the page's store holds it."""
        out: dict = {p.name: getattr(self, name) for name, p in self.params()}
        out[STORE_VARIABLES] = self.variables
        return out
