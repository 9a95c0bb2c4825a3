"""Alertmanager's routing tree (its alertmanager.yml), written from the settings.

Critical alerts page the on-call: an email (ALERT_EMAIL_TO, through SMTP_*) and a message to the
team chat's Slack-compatible webhook (ALERT_WEBHOOK_URL), soon and again every hour while they
fire. Warnings go to the chat only, one message per service, at most every 15 minutes and again
every 12 hours. A critical alert inhibits the warnings about the same service, host and instance
(a TLS certificate about to expire does not also warn that it expires soon). `make run` writes it
for the demo; `flask --app app alerts routing` prints it for a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

import urls
from settings import Settings


@dataclass(frozen=True)
class Timing:
    group_wait: str  # before a new group's first notification
    group_interval: str  # before a notification about alerts added to a notified group
    repeat_interval: str  # before the same notification again

    def to_route(self) -> dict:
        return {"group_wait": self.group_wait, "group_interval": self.group_interval,
                "repeat_interval": self.repeat_interval}  # fmt: skip


CRITICAL = Timing("10s", "1m", "1h")
WARNING = Timing("1m", "15m", "12h")
ONCALL, CHAT = "oncall", "team-chat"

# Slack's message format (Slack, Mattermost and Rocket.Chat take it): one line per alert.
CHAT_TITLE = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
    '{{ .GroupLabels.SortedPairs.Values | join " " }}'
)
CHAT_TEXT = (
    "{{ range .Alerts }}• *{{ .Labels.alertname }}* ({{ .Labels.severity }}) "
    "{{ .Annotations.summary }}"
    "{{ if .Annotations.runbook_url }} <{{ .Annotations.runbook_url }}|runbook>{{ end }}\n"
    "{{ end }}"
)


class RoutingError(Exception):
    """The settings cannot make a routing tree; the message says which to set."""


def _chat(settings: Settings, channel: str, link: str | None) -> dict:
    config = {"api_url": settings.alert_webhook_url, "channel": channel,
              "username": "Teamdash alerts", "send_resolved": True,
              "title": CHAT_TITLE, "text": CHAT_TEXT}  # fmt: skip
    if link:
        config["title_link"] = link
    return config


def routing_tree(
    settings: Settings, *, critical: Timing = CRITICAL, warning: Timing = WARNING
) -> dict:
    """alertmanager.yml as a dict. RoutingError when an email is asked for without SMTP_HOST."""
    alerts_page = urls.page(settings.url_prefix, "alerts")
    link = settings.public_url + alerts_page if settings.public_url else None
    oncall: dict = {"name": ONCALL}
    chat: dict = {"name": CHAT}
    config: dict = {"global": {"resolve_timeout": "5m"}}
    if settings.alert_email_to:
        if not settings.smtp_host:
            raise RoutingError("ALERT_EMAIL_TO is set but SMTP_HOST is not: set the mail server")
        smtp = {
            "smtp_smarthost": f"{settings.smtp_host}:{settings.smtp_port}",
            "smtp_from": settings.smtp_from,
            "smtp_require_tls": settings.smtp_starttls,
        }
        if settings.smtp_user:
            smtp |= {"smtp_auth_username": settings.smtp_user,
                     "smtp_auth_password": settings.smtp_password or ""}  # fmt: skip
        config["global"] |= smtp
        oncall["email_configs"] = [{"to": settings.alert_email_to, "send_resolved": True}]
    if settings.alert_webhook_url:
        oncall["slack_configs"] = [_chat(settings, "#oncall", link)]
        chat["slack_configs"] = [_chat(settings, "#alerts", link)]
    config["route"] = {
        "receiver": CHAT,
        "group_by": ["alertname", "service"],
        **warning.to_route(),
        "routes": [
            {"receiver": ONCALL, "matchers": ['severity="critical"'],
             "group_by": ["alertname", "service"], **critical.to_route()},
            {"receiver": CHAT, "matchers": ['severity="warning"'], "group_by": ["service"],
             **warning.to_route()},
        ],
    }  # fmt: skip
    config["receivers"] = [oncall, chat]
    config["inhibit_rules"] = [
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": ["service", "host", "instance"],
        }  # fmt: skip
    ]
    return config
