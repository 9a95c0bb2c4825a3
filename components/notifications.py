"""What Alertmanager does with the alerts, as the alerts page shows it: a note on where the
alerts come from (Alertmanager, or Prometheus alone and why), the notification groups and their
receivers, the silences (with Expire for operators), each alert's line (notified, silenced,
inhibited), and the operator's form under an alert: a comment, a duration, and Acknowledge /
Silence."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from alerting.board import Board, matchers_of
from alerting.client import Silence
from data.alerts import Alert
from panels.units import format_value

DEFAULT_SILENCE = "2h"


@dataclass(frozen=True)
class Powers:
    """What the viewer may do on the page."""

    acknowledge: bool = False  # operators and admins
    silence: bool = False  # the same, while Alertmanager is configured and answers


@dataclass(frozen=True)
class Typed:
    """What an operator had typed into an alert's form, kept when the list is drawn again."""

    comment: str = ""
    duration: str = DEFAULT_SILENCE


def _clock(at: float) -> str:
    return f"{datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M} UTC"


def _until(silence: Silence, now: float) -> str:
    left = format_value(max(0, int(silence.ends_at - now)), "s", 0)
    return f"until {_clock(silence.ends_at)} (in {left})"


def source_note(board: Board, silenced: int) -> dbc.Alert:
    """Where the alerts come from; what is missing when Alertmanager is not there."""
    if board.alertmanager is None:
        return dbc.Alert(
            "Alertmanager is not configured (ALERTMANAGER_URL is unset): these alerts come from "
            "Prometheus alone. Nobody is notified from here, and alerts cannot be silenced.",
            color="secondary",
            className="small py-2 alert-source",
        )
    if board.error:
        return dbc.Alert(
            f"{board.error}. Showing the alerts from Prometheus alone: whether they were "
            "notified or silenced is unknown, and silences cannot be made or expired until it "
            "answers.",
            color="warning",
            className="small py-2 alert-source",
        )
    firing = sum(1 for a in board.alerts if a.state == "firing")
    receivers = ", ".join(board.receivers) or "none"
    return dbc.Alert(
        f"Notifications by Alertmanager ({board.alertmanager}): {firing} firing, "
        f"{silenced} silenced. Receivers: {receivers}.",
        color="light",
        className="small py-2 alert-source",
    )


def groups_table(board: Board) -> html.Details | None:
    if not board.groups:
        return None
    rows = [
        html.Tr([
            html.Td(g.receiver),
            html.Td(", ".join(f"{k}={v}" for k, v in sorted(g.labels.items())) or "(all)"),
            html.Td(len(g.fingerprints)),
        ])
        for g in board.groups
    ]  # fmt: skip
    head = html.Thead(html.Tr([html.Th("Receiver"), html.Th("Group"), html.Th("Alerts")]))
    return html.Details(
        [
            html.Summary(f"Notification groups ({len(board.groups)})", className="small"),
            dbc.Table([head, html.Tbody(rows)], size="sm", className="small mb-2 alert-groups"),
        ],
        className="mb-2",
    )


def silences_list(board: Board, powers: Powers, now: float | None = None) -> html.Div | None:
    """Every silence the viewer may see, with who made it, why, and until when."""
    if not board.silences:
        return None
    now = now or time.time()
    items = []
    for silence in board.silences:
        line = [
            html.Span(", ".join(str(m) for m in silence.matchers), className="font-monospace"),
            f" — {silence.state} {_until(silence, now)}, by {silence.created_by}: ",
            html.Span(silence.comment, className="fst-italic"),
        ]
        if powers.silence:
            expire = {"type": "op-silence-expire", "silence": silence.id}
            button = dbc.Button("Expire now", id=expire, size="sm", color="link")
            line.append(html.Span(button, className="alert-expire"))
        items.append(html.Li(line, className="small", **{"data-silence": silence.id}))
    return html.Div(
        [html.H3(f"Silences ({len(board.silences)})", className="h6 mt-2"), html.Ul(items)],
        className="alert-silences",
    )


def notification_line(alert: Alert, board: Board, now: float | None = None) -> html.Div | None:
    """What Alertmanager does with this alert (nothing when it is not configured or not read)."""
    if not board.live:
        return None
    now = now or time.time()
    notice = board.notice(alert)
    silences = board.silenced(alert)
    if silences:
        first = silences[0]
        words = [f"Silenced {_until(first, now)} by {first.created_by}: ",
                 html.Span(first.comment, className="fst-italic")]  # fmt: skip
        tone = "text-secondary"
    elif notice is not None and notice.inhibited_by:
        names = ", ".join(sorted(set(board.inhibitors(alert))))
        words, tone = [f"Inhibited by {names}: no notification while it fires"], "text-secondary"
    elif notice is not None and notice.state == "active":
        words, tone = [f"Notifies {', '.join(notice.receivers) or 'nobody'}"], "text-primary"
    elif notice is not None:
        words, tone = ["Alertmanager is routing it"], "text-muted"
    elif alert.state == "pending":
        words, tone = ["Pending: Alertmanager gets it once it fires"], "text-muted"
    else:
        words, tone = (
            ["Not in Alertmanager yet (Prometheus sends it within a minute)"],
            "text-muted",
        )
    return html.Div(words, className=f"small alert-notice {tone}")


def action_form(alert: Alert, can_ack: bool, can_silence: bool, typed: Typed) -> html.Div:
    """A comment, and the operator's buttons: Acknowledge (who is on it), Silence (no more
    notifications for a while; its matchers are the alert's labels, shown), or both."""
    fp = alert.fingerprint
    # Labels around their inputs (an id made of a dict cannot be a label's `for`): a screen
    # reader names each field, not only its placeholder.
    fields = [
        html.Label([
            html.Span(f"Comment on {alert.name}", className="visually-hidden"),
            dbc.Input(
                id={"type": "op-ack-comment", "fp": fp},
                value=typed.comment or None,
                placeholder="What is being done about it?",
                size="sm",
                maxLength=500,
                className="alert-comment",
            ),
        ], className="flex-grow-1 mb-0"),
    ]  # fmt: skip
    if can_silence:
        fields.append(html.Label([
            html.Span("for", className="mx-1"),
            html.Span(" how long to silence it", className="visually-hidden"),
            dbc.Input(
                id={"type": "op-silence-for", "fp": fp},
                value=typed.duration,
                size="sm",
                maxLength=12,
                className="alert-duration",
                placeholder="30m, 2h, 1d",
            ),
        ], className="small text-nowrap d-flex align-items-center mb-0"))  # fmt: skip
    buttons = []
    if can_ack:
        buttons.append(("Acknowledge", "op-ack", "secondary"))
    if can_ack and can_silence:
        buttons.append(("Acknowledge and silence", "op-ack-silence", "outline-secondary"))
    if can_silence:
        buttons.append(("Silence", "op-silence", "outline-secondary"))
    fields += [
        dbc.Button(
            text, id={"type": kind, "fp": fp}, size="sm", color=color, className="ms-2 text-nowrap"
        )  # fmt: skip
        for text, kind, color in buttons
    ]
    children = [html.Div(fields, className="d-flex align-items-center mt-1")]
    if can_silence:
        matchers = matchers_of(alert)
        children += [
            dcc.Store(id={"type": "op-silence-matchers", "fp": fp},
                      data=[{"name": m.name, "value": m.value} for m in matchers]),
            html.Div("A silence matches " + ", ".join(str(m) for m in matchers),
                     className="small text-muted font-monospace alert-matchers"),
        ]  # fmt: skip
    return html.Div(children, className="alert-form")
