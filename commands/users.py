"""`flask --app app users add|list|set|remove|reset-password`: the app's users from the shell.

Passwords come from a prompt (asked twice), or from the first line of stdin when it is not a
terminal (`printf '%s\\n' "$PW" | flask --app app users add ...`); never from an argument, which
would end up in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from auth.users import LEVELS, UserError
from services import services

users_cli = AppGroup("users", help="Add, list, change and remove users.")


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _teams(raw: str | None) -> list[str] | None:
    return None if raw is None else [t.strip() for t in raw.split(",") if t.strip()]


def _attributes(pairs: tuple[str, ...]) -> dict[str, str]:
    attributes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: write it as name=value", param_hint="--attr")
        attributes[key.strip()] = value.strip()
    return attributes


def _fail(exc: UserError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def _record(action: str, name: str, **detail) -> None:
    services().audit.record(action, "cli", target=name, detail=detail)


@users_cli.command("add")
@click.argument("name")
@click.option("--level", type=click.Choice(LEVELS), default="viewer", show_default=True)
@click.option("--teams", help="Comma-separated: executive,sre,developer,dba,security,...")
@click.option("--attr", "attrs", multiple=True, help="A user attribute, e.g. region=EU.")
def add(name: str, level: str, teams: str | None, attrs: tuple[str, ...]) -> None:
    """Add a user; the password is asked for (or read from stdin)."""
    try:
        user = services().users.add(
            name, _password(), level, _teams(teams) or [], _attributes(attrs)
        )
    except UserError as exc:
        _fail(exc)
    _record("user_add", name, level=level, teams=list(user.teams))
    click.echo(f"added {user.name} ({user.level}; teams: {', '.join(user.teams) or 'none'})")


@users_cli.command("list")
def list_users() -> None:
    """Every user with level, teams and attributes."""
    for user in services().users.all():
        attrs = " ".join(f"{k}={v}" for k, v in user.attributes.items())
        click.echo(f"{user.name:<20} {user.level:<9} {','.join(user.teams):<30} {attrs}".rstrip())


@users_cli.command("set")
@click.argument("name")
@click.option("--level", type=click.Choice(LEVELS))
@click.option("--teams", help="Replaces the user's teams (comma-separated).")
@click.option("--attr", "attrs", multiple=True, help="Replaces the attributes: region=EU ...")
@click.option("--clear-attrs", is_flag=True, help="Remove every attribute.")
def set_user(
    name: str, level: str | None, teams: str | None, attrs: tuple[str, ...], clear_attrs: bool
) -> None:
    """Change a user's level, teams or attributes."""
    attributes = {} if clear_attrs else (_attributes(attrs) if attrs else None)
    try:
        user = services().users.set(name, level=level, teams=_teams(teams), attributes=attributes)
    except UserError as exc:
        _fail(exc)
    _record("user_set", name, level=user.level, teams=list(user.teams), attributes=user.attributes)
    click.echo(f"{user.name}: {user.level}; teams: {', '.join(user.teams) or 'none'}")


@users_cli.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove a user; their sessions end at once."""
    try:
        services().users.remove(name)
    except UserError as exc:
        _fail(exc)
    _record("user_remove", name)
    click.echo(f"removed {name}")


@users_cli.command("reset-password")
@click.argument("name")
def reset_password(name: str) -> None:
    """Set a new password (asked for, or read from stdin); the user's sessions end."""
    try:
        services().users.reset_password(name, _password())
    except UserError as exc:
        _fail(exc)
    _record("user_password", name)
    click.echo(f"new password set for {name}; their sessions have ended")
