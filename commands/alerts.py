"""`flask --app app alerts routing > alertmanager.yml`: Alertmanager's routing tree from the
settings (ALERT_EMAIL_TO, ALERT_WEBHOOK_URL, SMTP_*, PUBLIC_URL), for a deployment; `make run`
writes the same tree for the demo. Check it with `amtool check-config alertmanager.yml`."""

from __future__ import annotations

import click
import yaml
from flask.cli import with_appcontext

from alerting.routing import RoutingError, routing_tree
from services import services


@click.group("alerts")
def alerts_cli() -> None:
    """Alert notifications (Alertmanager)."""


@alerts_cli.command("routing")
@with_appcontext
def routing() -> None:
    """Print alertmanager.yml: criticals to the on-call email and the chat, warnings to the
    chat, grouped per service and sent less often."""
    settings = services().settings
    if not settings.alert_email_to and not settings.alert_webhook_url:
        raise click.ClickException(
            "Nobody would be notified: set ALERT_EMAIL_TO (with SMTP_HOST) or ALERT_WEBHOOK_URL"
        )
    try:
        config = routing_tree(settings)
    except RoutingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), nl=False)
