"""`flask --app app report SLUG --from now-7d --to now --format pdf --out FILE [--var name=value]
[--as USER]`: the same PDF report (or a panel's PNG, SVG or CSV with --panel) the browser
downloads, for cron. It reads as an admin does, or with `--as` under a user's rights (their
dashboards, locked variables and scope)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask.cli import with_appcontext

from auth.users import User, UserError
from data.errors import DataSourceError
from data.spec import TEAMS
from data.urlstate import ViewState
from exports.build import ExportError, panel_data_csv, panel_image, report_pdf
from exports.kaleido_engine import ExportEngineError
from services import services
from view.resolve import INPUT_ERRORS, ViewDenied, resolve_view


def _actor() -> str:
    """Who the audit log and the report's cover name: `cli:<login>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name for this uid (some containers)
        return "cli"


def _viewer(as_user: str | None) -> User:
    """Whom the report reads for: the named user, or the command line as an admin."""
    if as_user is None:
        return User(id=0, name=_actor(), level="admin", teams=TEAMS)
    try:
        return services().users.get(as_user)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("report")
@click.argument("slug")
@click.option("--from", "time_from", default=None, help="now-7d, an ISO date or epoch ms.")
@click.option("--to", "time_to", default=None, help="now, an ISO date or epoch ms.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "png", "svg", "csv"]), default="pdf")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--var", "variables", multiple=True, help="A variable's value: name=value.")
@click.option("--panel", "panel_id", default=None, help="The panel, for png, svg and csv.")
@click.option("--as", "as_user", default=None, help="Under this user's rights (a scoped report).")
@with_appcontext
def report_cli(
    slug: str,
    time_from: str | None,
    time_to: str | None,
    fmt: str,
    out: str,
    variables: tuple[str, ...],
    panel_id: str | None,
    as_user: str | None,
) -> None:
    """Write dashboard SLUG's PDF report (or one panel's image or CSV) to --out."""
    dashboard = services().dashboards.get(slug)
    if dashboard is None:
        known = ", ".join(sorted(services().dashboards))
        raise click.ClickException(f"there is no dashboard {slug!r}; known: {known}")
    panel = dashboard.panel(panel_id) if panel_id else None
    if (fmt != "pdf" or panel_id) and panel is None:
        ids = ", ".join(p.id for p in dashboard.panels)
        asked = f"there is no panel {panel_id!r}" if panel_id else f"--format {fmt} needs --panel"
        raise click.ClickException(f"{asked}; the panels of {slug!r}: {ids}")
    chosen: dict[str, list[str]] = {}
    names = {v.name for v in dashboard.variables}
    for pair in variables:
        name, sep, value = pair.partition("=")
        if not sep or name not in names:
            raise click.ClickException(
                f"--var {pair!r}: write name=value with one of: {', '.join(sorted(names))}"
            )
        chosen.setdefault(name, []).append(value)
    asked = ViewState(time_from or "", time_to or "", variables=chosen)
    query = asked.to_dict()  # for the audit log
    timeout = services().settings.export_timeout
    viewer = _viewer(as_user)
    actor = viewer.name
    target = slug if fmt == "pdf" else f"{slug}/{panel_id}"
    try:
        view = resolve_view(viewer, slug, asked)
        if fmt == "pdf":
            body: bytes = report_pdf(view, services().panel_pool, actor, timeout=timeout)
        elif fmt == "csv":
            body = panel_data_csv(view, panel)[0].encode()
        else:
            body = panel_image(view, panel, fmt, timeout=timeout)
    except ViewDenied as exc:
        raise click.ClickException(exc.message) from None
    except INPUT_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    except DataSourceError as exc:
        raise click.ClickException(exc.message) from None
    except (ExportError, ExportEngineError) as exc:
        detail = {"format": fmt, "query": query, "error": exc.message}
        services().audit.record("export", actor, target=target, outcome="error", detail=detail)
        raise click.ClickException(exc.message) from None
    Path(out).write_bytes(body)
    services().audit.record("export", actor, target=target, detail={"format": fmt, "query": query})
    click.echo(f"wrote {out} ({len(body):,} bytes)", err=True)
