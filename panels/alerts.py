"""Alerts: what Prometheus's rules have pending or firing (as the viewer's scope may see them),
most urgent first, with since-when, the rule's summary and who acknowledged the current
episode; acknowledging is on the alerts page. No queries of its own. Its CSV, image and PDF
table list the same alerts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

import urls
from appdb.acks import Ack
from data.alerts import Alert, current_alerts
from data.panel_data import PanelData
from panels.figures import rows_figure
from panels.kind import Context, Model, Options, PanelType, Rows
from panels.units import format_value

TONE = {"critical": "danger", "warning": "warning", "info": "info"}
# A severity is told by a sign and its word too, not by its colour alone.
SIGN = {"critical": "‼", "warning": "⚠", "info": "ℹ"}


def severity_badge(severity: str, class_name: str = "") -> dbc.Badge:
    sign = html.Span(SIGN.get(severity, "•") + " ", **{"aria-hidden": "true"})
    tone = TONE.get(severity, "secondary")
    ink = "dark" if tone in ("warning", "info") else None  # white on yellow fails AA
    return dbc.Badge([sign, severity], color=tone, text_color=ink, className=class_name)


def since(active_at: float, now: float | None = None) -> str:
    return format_value(max(0, int((now or time.time()) - active_at)), "s", 0)


@dataclass
class AlertsModel(Model):
    alerts: list[Alert]
    acks: dict[str, Ack]
    prefix: str
    now: float


def chosen(alert: Alert, view) -> bool:
    """Whether the alert is about what the dashboard's label variables are set to: its label of
    the variable (a service's alert without one, its job) is one of their values; an alert
    without the label is about none of them, and stays."""
    for variable in view.dashboard.variables:
        label = variable.label_name if variable.type == "label_values" else None
        value = alert.service if label == "service" else alert.labels.get(label or "")
        if value and value not in view.values.get(variable.name, [value]):
            return False
    return True


def build(data: PanelData, context: Context) -> AlertsModel:
    """The alerts through the viewer's view (its scope), kept to those its variables choose;
    DataSourceError when Prometheus fails."""
    view = context.source
    alerts = [a for a in current_alerts(view.layer, data.panel.datasource) if chosen(a, view)]
    acks = view.acks.for_alerts(alerts)
    return AlertsModel(
        data.panel, data.slug, data.time_range, alerts, acks, context.prefix, time.time()
    )


def card(model: AlertsModel) -> html.Div:
    if not model.alerts:
        return html.Div(
            dbc.Alert(
                "No alerts are pending or firing.", color="success", className="m-0 py-2 small"
            ),
            className="p-2",
        )
    lines = [
        html.Tr(
            [
                html.Td(severity_badge(a.severity)),
                html.Td(a.name),
                html.Td(a.service),
                html.Td(since(a.since, model.now), className="text-nowrap"),
                html.Td(a.summary, className="small"),
                html.Td(
                    f"✓ {model.acks[a.fingerprint].author}" if a.fingerprint in model.acks else "",
                    className="small text-success",
                ),
            ],
            **{"data-alert": a.name},
        )
        for a in model.alerts
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col")
                for h in ("Severity", "Alert", "Service", "Since", "Summary", "Ack")
            ]
        )
    )
    return html.Div(
        [
            dbc.Table([head, html.Tbody(lines)], size="sm", hover=True, className="mb-1"),
            dcc.Link(
                "Acknowledge on the alerts page",
                href=urls.page(model.prefix, "alerts"),
                className="small",
            ),
        ],
        className="px-2 alerts-panel",
        role="region",
        **{"aria-label": summary(model)},
    )


def rows(model: AlertsModel) -> Rows:
    frame = pd.DataFrame(
        [
            (
                a.severity,
                a.name,
                a.service,
                a.state,
                pd.Timestamp(a.since, unit="s", tz="UTC"),
                a.summary,
                model.acks[a.fingerprint].author if a.fingerprint in model.acks else "",
            )
            for a in model.alerts
        ],
        columns=[
            "severity",
            "alert",
            "service",
            "state",
            "active since (UTC)",
            "summary",
            "acknowledged by",
        ],
    )
    return Rows(frame, {})


def summary(model: AlertsModel) -> str:
    firing = [a for a in model.alerts if a.state == "firing"]
    critical = sum(1 for a in firing if a.severity == "critical")
    names = ", ".join(f"{a.name} ({a.severity})" for a in model.alerts[:5])
    return (
        f"{model.panel.title}: {len(firing)} firing, {critical} of them critical, "
        f"{len(model.alerts) - len(firing)} pending" + (f"; {names}" if names else "")
    )


def figure(model: AlertsModel) -> dict:
    return rows_figure(rows(model), model.panel)


KIND = PanelType(
    "alerts",
    Options,
    build,
    summary,
    card=card,
    rows=rows,
    figure=figure,
    pdf=rows,
    queries=False,
)
