"""The reports page's parts: the queue's state, the subscriptions (with Edit, Send now, Delete),
their latest runs, and the form that makes or changes one. Layout only; callbacks/reports.py
acts on them (checking on the server who may touch which subscription)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import available_timezones

import dash_bootstrap_components as dbc
from dash import dcc, html

from appdb.reports import Run, Subscription
from components.dashboard_view import TIME_PRESETS, preset_value
from data.spec import Dashboard
from jobs.queue import QueueStatus
from reports.schedule import FREQUENCIES, WEEKDAYS, ScheduleError, next_slot
from reports.subscriptions import FORMATS

STATE_COLORS = {"sent": "success", "failed": "danger", "retrying": "warning",
                "rendering": "info", "queued": "secondary"}  # fmt: skip
ZONES = sorted(available_timezones())


def _field(label: str, control, hint: str | None = None) -> html.Div:
    parts = [html.Label(label, className="toolbar-label", htmlFor=control.id), control]
    if hint:
        parts.append(html.Div(hint, className="form-text mt-0"))
    return html.Div(parts, className="mb-2", id=f"{control.id}-field")


def queue_banner(status: QueueStatus) -> html.Div:
    color = {"ok": "light", "not configured": "secondary", "unreachable": "warning"}[status.state]
    return html.Div(
        dbc.Alert(status.words, color=color, className="py-2 small mb-0"),
        id="reports-queue-state",
        **{"data-queue": status.state},
    )


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else ""


def range_words(time_from: str, time_to: str) -> str:
    """ "Last 7 days" for a preset's range, the range as written otherwise."""
    for label, preset_from, preset_to in TIME_PRESETS:
        if (preset_from, preset_to) == (time_from, time_to):
            return label
    return f"{time_from} to {time_to}"


def _what(sub: Subscription, titles: dict[str, str]) -> str:
    dashboard = titles.get(sub.dashboard, sub.dashboard)
    if sub.format == "pdf":
        return f"PDF report of {dashboard}"
    return f"{sub.format.upper()} of {dashboard} / {sub.panel}"


def _next(sub: Subscription, allow_seconds: bool) -> str:
    if not sub.enabled:
        return "paused"
    try:
        return _when(next_slot(sub.schedule, datetime.now(UTC), allow_seconds))
    except ScheduleError as exc:
        return str(exc)


def _state(run: Run | None) -> html.Span | str:
    if run is None:
        return "no run yet"
    return html.Span(run.words(), className=f"text-{STATE_COLORS.get(run.state, 'body')}",
                     **{"data-run-state": run.state})  # fmt: skip


def _button(label: str, kind: str, sub_id: int, color: str) -> dbc.Button:
    return dbc.Button(label, id={"type": kind, "sub": sub_id}, size="sm", color=color,
                      outline=True, className="py-0 me-1")  # fmt: skip


def subscriptions_table(
    subs: list[Subscription],
    last_runs: dict[int, Run],
    titles: dict[str, str],
    show_owner: bool,
    allow_seconds: bool,
) -> html.Div:
    if not subs:
        return html.P("No subscriptions yet: make one below.", className="small text-muted")
    head = ["Name", *(["Owner"] if show_owner else []), "What", "Range", "Schedule",
            "Next (UTC)", "To", "Last run", ""]  # fmt: skip
    rows = []
    for sub in subs:
        to = [*sub.recipients, *([f"webhook {sub.webhook}"] if sub.webhook else [])]
        cells = [
            sub.name,
            *([sub.owner] if show_owner else []),
            _what(sub, titles),
            range_words(sub.time_from, sub.time_to),
            sub.schedule.words(),
            _next(sub, allow_seconds),
            ", ".join(to),
            _state(last_runs.get(sub.id)),
            html.Div(
                [
                    _button("Edit", "report-edit", sub.id, "secondary"),
                    _button("Send now", "report-send", sub.id, "primary"),
                    _button("Delete", "report-delete", sub.id, "danger"),
                ],
                className="text-nowrap",
            ),
        ]
        rows.append(html.Tr([html.Td(c) for c in cells], **{"data-subscription": sub.id}))
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      size="sm", hover=True, className="small mb-0 bg-white")  # fmt: skip
    return html.Div(table, className="table-responsive")


def runs_table(runs: list[Run], names: dict[int, str]) -> html.Div:
    if not runs:
        return html.P("No runs yet.", className="small text-muted")
    head = ["Subscription", "Slot / trigger (UTC)", "State", "Updated (UTC)"]
    rows = [
        html.Tr(
            [
                html.Td(names.get(run.subscription_id, str(run.subscription_id))),
                html.Td(_when(run.slot) if run.slot else run.trigger),
                html.Td(_state(run)),
                html.Td(_when(run.updated_at)),
            ],
            **{"data-run": run.id},
        )
        for run in runs
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      size="sm", className="small mb-0 bg-white")  # fmt: skip
    return html.Div(table, className="table-responsive")


def _row(*fields: tuple[int, html.Div]) -> dbc.Row:
    """Fields side by side: (columns of 12 on a wide screen, field); a field's column is
    `<field id>-col` (hidden with it, the row closes up)."""
    columns = [dbc.Col(field, md=width, id=f"{field.id}-col") for width, field in fields]
    return dbc.Row(columns, className="g-2")


def subscription_form(dashboards: list[Dashboard], webhooks: tuple[str, ...]) -> dbc.Card:
    presets = [{"label": label, "value": preset_value(f, t)} for label, f, t in TIME_PRESETS]
    formats = [{"label": label, "value": fmt} for fmt, label in FORMATS.items()]
    dashboard_options = [{"label": d.title, "value": d.slug} for d in dashboards]
    no_hooks = "none" if webhooks else "none: admins list them in REPORT_WEBHOOKS"

    def dropdown(name: str, options: list, value=None, **extra) -> dcc.Dropdown:
        return dcc.Dropdown(id=name, options=options, value=value, **extra)

    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("New subscription", className="h6", id="report-form-title"),
                dcc.Store(id="report-editing", data=None),
                _row(
                    (4, _field("Name", dbc.Input(id="report-name", size="sm", maxLength=128))),
                    (4, _field("Dashboard", dropdown("report-dashboard", dashboard_options))),
                    (
                        4,
                        _field(
                            "Format",
                            dbc.RadioItems(
                                id="report-format", options=formats, value="pdf", inline=True
                            ),
                        ),
                    ),
                ),
                _row(
                    (4, _field("Panel (PNG and CSV)", dropdown("report-panel", []))),
                    (
                        4,
                        _field(
                            "Range, relative to each run",
                            dropdown(
                                "report-range",
                                presets,
                                preset_value("now-7d", "now"),
                                clearable=False,
                            ),
                        ),
                    ),
                    (
                        4,
                        _field(
                            "Variables (name=value; your locked ones apply)",
                            dbc.Input(id="report-vars", size="sm"),
                        ),
                    ),
                ),
                _row(
                    (
                        2,
                        _field(
                            "Frequency",
                            dropdown(
                                "report-frequency", list(FREQUENCIES), "weekly", clearable=False
                            ),
                        ),
                    ),
                    (2, _field("At (HH:MM)", dbc.Input(id="report-at", value="08:00", size="sm"))),
                    (
                        2,
                        _field(
                            "Weekday",
                            dropdown("report-weekday", list(WEEKDAYS), "mon", clearable=False),
                        ),
                    ),
                    (
                        2,
                        _field(
                            "Day of month",
                            dbc.Input(
                                id="report-monthday",
                                type="number",
                                min=1,
                                max=28,
                                value=1,
                                size="sm",
                            ),
                        ),
                    ),
                    (
                        2,
                        _field(
                            "Cron",
                            dbc.Input(id="report-cron", size="sm", placeholder="30 7 * * mon-fri"),
                        ),
                    ),
                    (
                        2,
                        _field(
                            "Time zone", dropdown("report-timezone", ZONES, "UTC", clearable=False)
                        ),
                    ),
                ),
                _row(
                    (
                        5,
                        _field(
                            "Recipients (e-mail addresses)",
                            dbc.Textarea(id="report-recipients", rows=1, size="sm"),
                        ),
                    ),
                    (
                        4,
                        _field(
                            "Webhook",
                            dropdown(
                                "report-webhook",
                                list(webhooks),
                                placeholder=no_hooks,
                                disabled=not webhooks,
                            ),
                        ),
                    ),
                    (
                        3,
                        _field(
                            "Your e-mail address",
                            dbc.Input(id="report-notify", size="sm"),
                            "Told when a report cannot be sent.",
                        ),
                    ),
                ),
                dbc.Button("Save", id="report-save", size="sm", className="me-2"),
                dbc.Button("New", id="report-new", size="sm", color="secondary", outline=True),
                html.Div(id="report-result", className="mt-2 small", role="status"),
            ]
        ),
        className="mb-3",
    )
