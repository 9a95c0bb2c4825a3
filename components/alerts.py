"""Alerts as the alerts page shows them: grouped by severity and service, with since-when, the
rule's summary, who acknowledged the current episode, and the acknowledge form. The alerts panel
is a panel type of its own (panels/alerts.py)."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import html

import urls
from appdb.acks import Ack
from data.alerts import Alert
from data.spec import Dashboard
from panels.alerts import TONE, since


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


def _ack_form(alert: Alert) -> html.Div:
    fp = alert.fingerprint
    return html.Div(
        [
            dbc.Input(
                id={"type": "op-ack-comment", "fp": fp},
                placeholder="What is being done about it?",
                size="sm",
                maxLength=500,
            ),
            dbc.Button(
                "Acknowledge",
                id={"type": "op-ack", "fp": fp},
                size="sm",
                color="secondary",
                className="ms-2 text-nowrap",
            ),  # fmt: skip
        ],
        className="d-flex mt-1",
    )


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
        pairs = next(
            (
                [(f"var-{v.name}", alert.labels[v.label_name])]
                for v in named
                if alert.labels[v.label_name] in options.get(v.name, [])
            ),
            [],
        )
        if pairs or dashboard.slug == alert.dashboard:
            links.append((dashboard.title, urls.dashboard(prefix, dashboard.slug, pairs)))
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
    alert: Alert, ack: Ack | None, can_ack: bool, dashboards: list[tuple] = ()
) -> html.Div:
    head = [
        dbc.Badge(alert.severity, color=TONE.get(alert.severity, "secondary"), className="me-2"),
        html.Span(alert.name, className="fw-semibold me-2"),
        html.Span(f"{alert.state} for {since(alert.since)}", className="small text-muted"),
    ]
    children = [html.Div(head), html.Div(alert.summary, className="small")]
    links = _links(alert, list(dashboards))
    if links is not None:
        children.append(links)
    if ack is not None:
        children.append(_ack_line(ack))
    elif can_ack and alert.state == "firing":
        children.append(_ack_form(alert))
    return html.Div(
        children,
        className="alert-item" + (" acked" if ack else ""),
        **{
            "data-alert": alert.name,
            "data-fingerprint": alert.fingerprint,
            "data-acked": "yes" if ack else "no",
        },  # fmt: skip
    )


def alerts_view(
    alerts: list[Alert],
    acks: dict[str, Ack],
    can_ack: bool,
    dashboards: list[Dashboard] = (),
    prefix: str = "/",
    offered: Offered = lambda _dashboard: {},
) -> html.Div:
    """Severity groups, then service groups, most urgent first; each alert links to its runbook
    and to the `dashboards` (those the viewer may open) that show what it is about."""
    if not alerts:
        return dbc.Alert("No alerts are pending or firing.", color="success", className="small")
    groups: dict[str, dict[str, list[Alert]]] = {}
    for alert in alerts:
        groups.setdefault(alert.severity, {}).setdefault(alert.service or "—", []).append(alert)
    sections = []
    for severity, services in groups.items():
        count = sum(len(v) for v in services.values())
        sections.append(html.H3(f"{severity.capitalize()} ({count})", className="h6 mt-3"))
        for service, items in services.items():
            sections.append(
                html.Div(
                    [
                        html.Div(service, className="alert-service small text-muted"),
                        *[
                            alert_item(
                                a,
                                acks.get(a.fingerprint),
                                can_ack,
                                service_dashboards(a, list(dashboards), prefix, offered),
                            )
                            for a in items
                        ],
                    ],
                    className="alert-group",
                )  # fmt: skip
            )
    return html.Div(sections)
