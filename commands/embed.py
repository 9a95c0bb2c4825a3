"""`flask --app app embed ...`: embed links for intranet portals.

    embed create SLUG --ttl 8h [--var region=EU] [--scope region=EU]   # prints the token
    embed list                                                         # every link, newest first
    embed revoke ID                                                    # its next request is a 401

A link opens one dashboard's embed page, optionally with variables locked and its reads scoped
(a locked variable bound to an attribute scopes the link too); it lives EMBED_MAX_TTL at most.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

import urls
from auth.embeds import EmbedLinkError
from services import services


def _pairs(option: str, pairs: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise click.ClickException(f"{option} {pair!r}: write name=value")
        out.append((name, value))
    return out


@click.group("embed")
def embed_cli() -> None:
    """Make, list and revoke embed links."""


@embed_cli.command("create")
@click.argument("slug")
@click.option("--ttl", default="8h", show_default=True, help="How long it works: 30m, 8h, 7d.")
@click.option("--var", "variables", multiple=True, help="Lock a variable: name=value (repeatable).")
@click.option("--scope", "scopes", multiple=True, help="Scope its reads: name=value (repeatable).")
@click.option("--by", "creator", default="cli", show_default=True, help="Who asked for it.")
@with_appcontext
def create(slug: str, ttl: str, variables: tuple, scopes: tuple, creator: str) -> None:
    """Print a token for dashboard SLUG (and its embed address on stderr)."""
    dashboard = services().dashboards.get(slug)
    if dashboard is None:
        raise click.ClickException(f"there is no dashboard {slug!r}")
    locked: dict[str, list[str]] = {}
    for name, value in _pairs("--var", variables):
        locked.setdefault(name, []).append(value)
    try:
        token, link = services().embed_links.create(dashboard, ttl, creator, locked,
                               dict(_pairs("--scope", scopes)))  # fmt: skip
    except EmbedLinkError as exc:
        raise click.ClickException(str(exc)) from None
    services().audit.record("embed_token", creator, target=slug,
                           detail={"id": link.id, "ttl": ttl, "vars": locked,
                                   "scopes": link.scopes})  # fmt: skip
    path = urls.embed(services().settings.url_prefix, slug, token)
    click.echo(token)
    click.echo(urls.external(path) or path, err=True)


@embed_cli.command("list")
@with_appcontext
def list_links() -> None:
    """Every link: id, dashboard, state, expiry, last use, creator, locks and scopes."""
    for link in services().embed_links.all():
        used = f"{link.last_used_at:%Y-%m-%d %H:%M}" if link.last_used_at else "never"
        locks = " ".join(f"{k}={','.join(v)}" for k, v in link.variables.items())
        scopes = " ".join(f"{k}={v}" for k, v in link.scopes.items())
        expires = f"{link.expires_at:%Y-%m-%d %H:%M}"
        line = f"{link.id}  {link.dashboard}  {link.state}  expires {expires}  used {used}"
        line += f"  by {link.creator}"
        if locks:
            line += f"  vars {locks}"
        if scopes:
            line += f"  scope {scopes}"
        click.echo(line)


@embed_cli.command("revoke")
@click.argument("link_id")
@click.option("--by", "revoker", default="cli", show_default=True, help="Who revokes it.")
@with_appcontext
def revoke(link_id: str, revoker: str) -> None:
    """Revoke link LINK_ID: every request it makes is a 401 from now on."""
    try:
        link = services().embed_links.revoke(link_id, revoker)
    except EmbedLinkError as exc:
        raise click.ClickException(str(exc)) from None
    services().audit.record("embed_revoke", revoker, target=link.dashboard, detail={"id": link.id})
    click.echo(f"revoked {link.id} ({link.dashboard})", err=True)
