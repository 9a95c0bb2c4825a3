"""The dashboard lint (`flask dashboards validate --strict`): what a valid dashboard file can
still get wrong for the people who read it. Rules on the file alone (lint.spec) and on the panels
as drawn from their data (lint.drawn). Each finding names the dashboard, the panel, the rule and
what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    slug: str
    panel: str | None
    rule: str
    message: str
    warning: bool = False  # said, but not a reason to fail

    def __str__(self) -> str:
        where = f"{self.slug}/{self.panel}" if self.panel else self.slug
        return f"{where}: {'warning: ' if self.warning else ''}{self.rule}: {self.message}"
