"""`make run`'s alert notifications: Alertmanager on ALERTMANAGER_URL's port (9093) with the
routing tree of alerting/routing.py, and the demo inbox (demo/inbox.py) as the on-call's mail
server and the team's chat, unless SMTP_HOST and ALERT_WEBHOOK_URL name real ones.

DEMO_INBOX_PORT (9097) is the inbox's web port: `GET /` lists the last emails and chat messages;
its mail server listens on SMTP_PORT (2525 when make run provides it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

from alerting.routing import RoutingError, routing_tree
from demo.promstack import AlertmanagerServer, write_alertmanager_config
from settings import Settings

ALERTMANAGER_URL = "http://127.0.0.1:9093"
INBOX_PORT = int(os.environ.get("DEMO_INBOX_PORT") or 9097)
SMTP_PORT = 2525
ONCALL = "oncall@teamdash.demo"


def set_defaults(env: dict[str, str] = os.environ) -> bool:
    """Point the settings at the demo's Alertmanager and, where none is given, at the inbox.
    Whether the inbox is needed."""
    env.setdefault("ALERTMANAGER_URL", ALERTMANAGER_URL)
    env.setdefault("ALERT_EMAIL_TO", ONCALL)
    local = False
    if not env.get("SMTP_HOST"):
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=env.get("SMTP_PORT") or str(SMTP_PORT))
        env.setdefault("SMTP_FROM", "alertmanager@teamdash.demo")
        local = True
    if not env.get("ALERT_WEBHOOK_URL"):
        env["ALERT_WEBHOOK_URL"] = f"http://127.0.0.1:{INBOX_PORT}/slack"
        local = True
    return local


def ports(settings: Settings, inbox: bool) -> list[tuple[int, str]]:
    """(port, what) of each server this starts, to check before starting anything."""
    found = [(urlparse(settings.alertmanager_url).port or 9093, "Alertmanager")]
    if inbox:
        found += [(settings.smtp_port, "the demo mail server"), (INBOX_PORT, "the demo inbox")]
    return found


def start_alerting(
    stack: ExitStack,
    settings: Settings,
    inbox: bool,
    logs: Path,
    start_process: Callable,
    say: Callable[[str], None],
) -> str:
    """Start the inbox (when needed) and Alertmanager; Alertmanager's host:port."""
    var = settings.var_dir
    if inbox:
        start_process(
            stack,
            [sys.executable, "-m", "demo.inbox", "--smtp-port", str(settings.smtp_port),
             "--http-port", str(INBOX_PORT), "--dir", str(var / "inbox")],
            logs / "inbox.log",
        )  # fmt: skip
    try:
        config = routing_tree(settings)
    except RoutingError as exc:
        raise SystemExit(f"Alertmanager's routing tree: {exc}") from None
    path = write_alertmanager_config(var / "alertmanager" / "alertmanager.yml", config)
    port = urlparse(settings.alertmanager_url).port or 9093
    server = AlertmanagerServer(var / "alertmanager" / "data", path, port)
    server.start()
    stack.callback(server.stop)
    say(f"Alertmanager: {server.url} (routing tree in {path})")
    if inbox:
        say(f"notifications it sends (emails to {settings.alert_email_to}, chat messages): "
            f"http://127.0.0.1:{INBOX_PORT}/ (also under {var / 'inbox'})")  # fmt: skip
    return f"127.0.0.1:{port}"
