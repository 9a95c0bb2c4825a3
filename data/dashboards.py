"""Loading dashboards/*.yaml: every file validated at start-up, errors as `file: field: reason`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from data.spec import Dashboard
from settings import ROOT

DASHBOARDS_DIR = ROOT / "dashboards"


class SpecError(Exception):
    """A dashboard file that cannot be used; the message names the file, the field and why."""


def _location(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "literal[")):
            continue
        else:
            path += f".{part}" if path else part
    return path


def _reason(error: dict) -> str:
    kind, message = error["type"], error["msg"]
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return "must be a number"
    if kind == "extra_forbidden":
        return "is not a field of this object (a typo?)"
    if kind == "missing":
        return "is required"
    return message.removeprefix("Value error, ")


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = _location(error["loc"])
        lines.append(f"{_display(path)}: {where + ': ' if where else ''}{_reason(error)}")
    return "\n".join(lines)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def parse(path: Path, text: str | None = None) -> Dashboard:
    """One file -> Dashboard, or SpecError naming the file, field path and reason."""
    try:
        raw = yaml.safe_load(path.read_text() if text is None else text)
    except OSError as exc:
        raise SpecError(f"{_display(path)}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{_display(path)}: not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{_display(path)}: must hold a mapping (slug, title, rows, ...)")
    try:
        dashboard = Dashboard.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(_describe(path, exc)) from None
    if dashboard.slug != path.stem:
        raise SpecError(f"{_display(path)}: slug: must equal the file name ({path.stem!r})")
    return dashboard


def load_all(directory: Path = DASHBOARDS_DIR) -> dict[str, Dashboard]:
    """Every dashboard, by slug. All files are checked; all their errors are reported together."""
    dashboards, errors = {}, []
    for path in sorted(directory.glob("*.yaml")):
        try:
            dashboard = parse(path)
        except SpecError as exc:
            errors.append(str(exc))
            continue
        dashboards[dashboard.slug] = dashboard
    for dashboard in dashboards.values():
        errors.extend(_cross_references(directory, dashboard, dashboards))
    if errors:
        raise SpecError("\n".join(errors))
    return dashboards


def _cross_references(
    directory: Path, dashboard: Dashboard, dashboards: dict[str, Dashboard]
) -> list[str]:
    """Links and drilldowns name dashboards that exist, and variables those dashboards have."""
    where = _display(directory / (dashboard.slug + ".yaml"))
    errors = [
        f"{where}: links: no dashboard {link.dashboard!r}"
        for link in dashboard.links
        if link.dashboard not in dashboards
    ]
    for panel in dashboard.panels:
        target = panel.drilldown.dashboard if panel.drilldown else None
        if target is None:
            continue
        if target not in dashboards:
            errors.append(f"{where}: panel {panel.id!r}: drilldown: no dashboard {target!r}")
            continue
        names = {v.name for v in dashboards[target].variables}
        for name in panel.drilldown.variables:
            if name not in names:
                errors.append(
                    f"{where}: panel {panel.id!r}: drilldown.variables: {target} has no "
                    f"variable {name!r}"
                )
    return errors


def to_json(dashboard: Dashboard) -> str:
    return json.dumps(dashboard.model_dump(mode="json", exclude_defaults=True), indent=2)


def from_json(text: str, source: str = "<json>") -> Dashboard:
    try:
        return Dashboard.model_validate_json(text)
    except ValidationError as exc:
        raise SpecError(_describe(Path(source), exc)) from None


def to_yaml(dashboard: Dashboard) -> str:
    data = dashboard.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
