"""`flask --app app embed-token SLUG --ttl 1h [--var region=EU]`: a signed, expiring link to
embed one dashboard in an intranet page, optionally with variable values locked."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from data import runtime
from data.access import make_embed_token
from data.timerange import TimeRangeError, parse_duration


def embed_link(slug: str, token: str) -> str:
    return f"{runtime.settings().url_prefix}embed/{slug}?token={token}"


@click.command("embed-token")
@click.argument("slug")
@click.option("--ttl", default="1h", show_default=True, help="How long it works: 30m, 8h, 7d.")
@click.option("--var", "variables", multiple=True, help="Lock a variable: name=value (repeatable).")
@with_appcontext
def embed_token_cli(slug: str, ttl: str, variables: tuple[str, ...]) -> None:
    """Print a token and an embed path for dashboard SLUG."""
    dashboard = runtime.dashboards().get(slug)
    if dashboard is None:
        click.echo(f"error: there is no dashboard {slug!r}", err=True)
        sys.exit(1)
    try:
        seconds = parse_duration(ttl)
    except TimeRangeError as exc:
        click.echo(f"error: --ttl: {exc}", err=True)
        sys.exit(1)
    locked: dict[str, list[str]] = {}
    names = {v.name for v in dashboard.variables}
    for pair in variables:
        name, sep, value = pair.partition("=")
        if not sep or name not in names:
            click.echo(
                f"error: --var {pair!r}: write name=value with one of: {', '.join(sorted(names))}",
                err=True,
            )
            sys.exit(1)
        locked.setdefault(name, []).append(value)
    token, grant = make_embed_token(runtime.settings_secret(), slug, seconds, locked)
    runtime.audit().record(
        "embed_token", "cli", target=slug, detail={"id": grant.token_id, "ttl": ttl, "vars": locked}
    )
    click.echo(token)
    click.echo(embed_link(slug, token), err=True)
