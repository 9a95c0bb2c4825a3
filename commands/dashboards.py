"""`flask --app app dashboards validate|export|import`: dashboards-as-code from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from data.dashboards import SpecError, from_json, load_all, parse, to_json, to_yaml
from data.spec import Dashboard
from lint.run import lint
from services import services

dashboards_cli = AppGroup("dashboards", help="Validate, export and import dashboard files.")


def _directory(directory: str | None) -> Path:
    return Path(directory) if directory else services().settings.dashboards_dir


@dashboards_cli.command("validate")
@click.option(
    "--dir", "directory", default=None, help="Dashboards folder (default: DASHBOARDS_DIR)."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Lint them too: comparisons promised and not drawn, titles' windows, unused variables, "
    "and every panel drawn from the datasources (percent scales, gauges over max, colours).",
)
def validate(directory: str | None, strict: bool) -> None:
    """Check every dashboard file; exit 1 with file: field: reason lines if any is broken (with
    --strict, or any lint finding)."""
    try:
        dashboards = load_all(_directory(directory))
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    panels = sum(len(d.panels) for d in dashboards.values())
    if strict:
        findings = lint(dashboards)
        for finding in findings:
            click.echo(str(finding), err=True)
        errors = [f for f in findings if not f.warning]
        if errors:
            click.echo(f"{len(errors)} lint findings in {len(dashboards)} dashboards", err=True)
            sys.exit(1)
    checked = "valid, no lint findings" if strict else "valid"
    click.echo(f"{len(dashboards)} dashboards, {panels} panels: all {checked}")


@dashboards_cli.command("export")
@click.argument("slug", required=False)
@click.option("--dir", "directory", default=None)
@click.option(
    "--out", type=click.Path(dir_okay=False), default=None, help="File (default: stdout)."
)
def export(slug: str | None, directory: str | None, out: str | None) -> None:
    """One dashboard (or all, as a JSON list) as JSON."""
    dashboards = load_all(_directory(directory))
    if slug is not None and slug not in dashboards:
        raise click.ClickException(f"no dashboard {slug!r}; known: {', '.join(sorted(dashboards))}")
    chosen = [dashboards[slug]] if slug else [dashboards[s] for s in sorted(dashboards)]
    text = to_json(chosen[0]) if slug else "[\n" + ",\n".join(to_json(d) for d in chosen) + "\n]"
    if out:
        Path(out).write_text(text + "\n")
    else:
        click.echo(text)


@dashboards_cli.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--dir", "directory", default=None)
@click.option("--force", is_flag=True, help="Overwrite an existing dashboard file.")
def import_(source: str, directory: str | None, force: bool) -> None:
    """JSON (one dashboard, or a list) back to dashboards/<slug>.yaml."""
    text = Path(source).read_text()
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{source}: not valid JSON: {exc}") from None
    items = items if isinstance(items, list) else [items]
    target = _directory(directory)
    written = []
    for item in items:
        try:
            dashboard: Dashboard = from_json(json.dumps(item), source)
        except SpecError as exc:
            raise click.ClickException(str(exc)) from None
        path = target / f"{dashboard.slug}.yaml"
        if path.exists() and not force:
            raise click.ClickException(f"{path} exists; pass --force to overwrite it")
        path.write_text(to_yaml(dashboard))
        parse(path)  # the written file must load back to the same dashboard
        written.append(str(path))
    click.echo("wrote " + ", ".join(written))
