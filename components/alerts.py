"""Alerts as the alerts page shows them: grouped by severity and service, with since-when, the
rule's summary, what Alertmanager does with them (components/notifications.py), who
acknowledged the current episode, and the operator's form. The alerts panel is a panel type of
its own (panels/alerts.py)."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import html

import urls
from alerting.board import Board
from appdb.acks import Ack
from components.notifications import (
    Powers,
    Typed,
    action_form,
    groups_table,
    notification_line,
    silences_list,
    source_note,
)
from data.alerts import Alert
from data.spec import Dashboard
from data.urlstate import ViewState
from panels.alerts import severity_badge, since


def _ack_line(ack: Ack | None) -> html.Div | None:
    if ack is None:
        return None
    return html.Div(
        [
            html.Span("✓ acknowledged", className="fw-semibold"),
            f" by {ack.author} at {ack.at:%Y-%m-%d %H:%M} UTC: ",
            html.Span(ack.comment, className="fst-italic"),
        ],
        className="small text-success alert-ack",
    )


def outcome(words: str, classes: str) -> html.Div:
    """What the operator's action did, read out as it appears; it takes the focus when the form
    that had it is gone (assets/shell.js)."""
    return html.Div(words, className=f"{classes} alert-outcome", role="status", tabIndex="-1")


# A dashboard's variables' options by name (data.variables.offered), asked only of the dashboards
# whose variables an alert's labels name.
Offered = Callable[[Dashboard], dict[str, list[str]]]


def service_dashboards(
    alert: Alert, dashboards: list[Dashboard], prefix: str, offered: Offered
) -> list[tuple]:
    """(title, href) of the dashboard its rule names (the `dashboard` annotation) first, then of
    each dashboard with a label variable the alert carries (its service, its container, ...)
    among its options, opened at that value."""
    links = []
    for dashboard in sorted(dashboards, key=lambda d: d.slug != alert.dashboard):
        named = [v for v in dashboard.variables
                 if v.type == "label_values" and alert.labels.get(v.label_name or "")]  # fmt: skip
        options = offered(dashboard) if named else {}
        variables = next(
            (
                {v.name: [alert.labels[v.label_name]]}
                for v in named
                if alert.labels[v.label_name] in options.get(v.name, [])
            ),
            {},
        )
        if variables or dashboard.slug == alert.dashboard:
            state = ViewState(variables=variables)
            links.append((dashboard.title, urls.dashboard(prefix, dashboard.slug, state)))
    return links


def _links(alert: Alert, dashboards: list[tuple]) -> html.Div | None:
    items = [html.A("Runbook", href=alert.runbook, target="_blank", rel="noopener")]
    items = items if alert.runbook else []
    items += [html.A(title, href=href) for title, href in dashboards]
    if not items:
        return None
    spaced = [part for item in items for part in (item, " · ")][:-1]
    return html.Div(spaced, className="small alert-links")


def alert_item(
    alert: Alert,
    ack: Ack | None,
    board: Board,
    powers: Powers,
    dashboards: list[tuple] = (),
    typed: Typed | None = None,
    note: tuple[str, str] | None = None,
) -> html.Div:
    """One alert: what it is, since when, its links, what Alertmanager does with it, who is on
    it, and for operators the form (with `typed` in it again) and the outcome of their last
    action on it (`note`: tone, words)."""
    silenced = bool(board.silenced(alert))
    quiet = silenced or bool(board.inhibitors(alert))
    head = [
        severity_badge(alert.severity, "me-2"),
        html.Span(alert.name, className="fw-semibold me-2"),
        html.Span(f"{alert.state} for {since(alert.since)}", className="small text-muted"),
    ]
    children = [html.Div(head), html.Div(alert.summary, className="small")]
    links = _links(alert, list(dashboards))
    if links is not None:
        children.append(links)
    notice = notification_line(alert, board)
    if notice is not None:
        children.append(notice)
    if ack is not None:
        children.append(_ack_line(ack))
    can_ack = powers.acknowledge and ack is None
    can_silence = powers.silence and not silenced
    if alert.state == "firing" and (can_ack or can_silence):
        children.append(action_form(alert, can_ack, can_silence, typed or Typed()))
    if note is not None:
        tone, words = note
        children.append(outcome(words, f"small mt-1 text-{tone}"))
    classes = "alert-item" + (" acked" if ack else "") + (" quiet" if quiet else "")
    return html.Div(
        children,
        className=classes,
        **{
            "data-alert": alert.name,
            "data-fingerprint": alert.fingerprint,
            "data-acked": "yes" if ack else "no",
            "data-silenced": "yes" if silenced else "no",
        },  # fmt: skip
    )


def alerts_view(
    board: Board,
    shown: list[Alert],
    acks: dict[str, Ack],
    powers: Powers,
    dashboards: list[Dashboard] = (),
    prefix: str = "/",
    typed: dict[str, Typed] | None = None,
    note: tuple[str, str, str] | None = None,
    offered: Offered = lambda _dashboard: {},
) -> html.Div:
    """Where the alerts come from, the notification groups and silences, then the `shown` alerts
    (those of the board the filters keep) in severity groups and service groups, most urgent
    first; each alert links to its runbook and to the
    `dashboards` (those the viewer may open) that show what it is about. `note`: the outcome of
    the operator's last action (fingerprint or "", tone, words)."""
    typed = typed or {}
    silenced = sum(1 for a in board.alerts if board.silenced(a))
    top: list = [source_note(board, silenced)]
    if note is not None and not note[0]:
        top.append(outcome(note[2], f"small mb-2 text-{note[1]}"))
    top += [part for part in (groups_table(board), silences_list(board, powers)) if part]
    if not shown:
        words = "No alerts are pending or firing."
        words = "No alerts match the filters." if board.alerts else words
        top.append(dbc.Alert(words, color="success", className="small"))
        return html.Div(top)
    groups: dict[str, dict[str, list[Alert]]] = {}
    for alert in shown:
        groups.setdefault(alert.severity, {}).setdefault(alert.service or "—", []).append(alert)
    sections = []
    for severity, services in groups.items():
        count = sum(len(v) for v in services.values())
        sections.append(html.H3(f"{severity.capitalize()} ({count})", className="h6 mt-3"))
        for service, items in services.items():
            entries = [
                alert_item(
                    a,
                    acks.get(a.fingerprint),
                    board,
                    powers,
                    service_dashboards(a, list(dashboards), prefix, offered),
                    typed.get(a.fingerprint),
                    note[1:] if note and note[0] == a.fingerprint else None,
                )
                for a in items
            ]
            sections.append(
                html.Div(
                    [html.Div(service, className="alert-service small text-muted"), *entries],
                    className="alert-group",
                )
            )
    return html.Div(top + sections)
