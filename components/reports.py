"""The reports page's parts: the queue's state, the subscriptions (with Edit, Send now, Delete),
their latest runs, and the form that makes or changes one (a dashboard or one of its saved views,
a format, a range, a schedule, recipients, a webhook picked by its label). Layout only;
callbacks/reports.py acts on them (checking on the server who may touch which subscription)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import available_timezones

import dash_bootstrap_components as dbc
from dash import dcc, html

from appdb.reports import Run, Subscription
from appdb.webhooks import Webhook
from components.dashboard_view import TIME_PRESETS, preset_value
from data.spec import Dashboard
from jobs.queue import QueueStatus
from reports.schedule import FREQUENCIES, WEEKDAYS, ScheduleError, next_slot
from reports.subscriptions import FORMATS

# The form's fields and what a new subscription starts with (the New button puts them back).
DEFAULTS = {
    "report-name": "",
    "report-dashboard": None,
    "report-view": None,
    "report-format": "pdf",
    "report-panel": None,
    "report-range": preset_value("now-7d", "now"),
    "report-frequency": "weekly",
    "report-at": "08:00",
    "report-weekday": "mon",
    "report-monthday": 1,
    "report-cron": "",
    "report-timezone": "UTC",
    "report-vars": "",
    "report-recipients": "",
    "report-webhook": None,
    "report-notify": "",
}
FREQUENCY_LABELS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly",
                    "cron": "Cron expression"}  # fmt: skip
STATE_COLORS = {"sent": "success", "failed": "danger", "retrying": "warning",
                "rendering": "info", "queued": "secondary"}  # fmt: skip
ZONES = sorted(available_timezones())


def _field(label: str, control, hint=None) -> html.Div:
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


def _when(moment: datetime | None) -> html.Span | str:
    # On one line, however narrow its column.
    return html.Span(f"{moment:%Y-%m-%d %H:%M:%S}", className="text-nowrap") if moment else ""


def range_words(time_from: str, time_to: str) -> str:
    """ "Last 7 days" for a preset's range, the range as written otherwise."""
    for label, preset_from, preset_to in TIME_PRESETS:
        if (preset_from, preset_to) == (time_from, time_to):
            return label
    return f"{time_from} to {time_to}"


@dataclass(frozen=True)
class Choices:
    """What the chosen dashboard offers the form: its panels that export in the format, the
    saved views the subscription's owner may report, and its variables in words."""

    panels: list[dict]
    views: list[dict]
    variables: str


NO_CHOICES = Choices([], [], "")


@dataclass(frozen=True)
class Names:
    """What the listing calls things by: dashboards by title, saved views by name, webhooks by
    label (their URLs may hold a secret)."""

    dashboards: dict[str, str]
    views: dict[str, str]
    webhooks: dict[str, str]


def _what(sub: Subscription, names: Names) -> str:
    dashboard = names.dashboards.get(sub.dashboard, sub.dashboard)
    what = f"PDF report of {dashboard}" if sub.format == "pdf" else (
        f"{sub.format.upper()} of {dashboard} / {sub.panel}")  # fmt: skip
    if sub.saved_view is None:
        return what
    view = names.views.get(sub.saved_view)
    return f"{what}, view “{view}”" if view else f"{what}, a saved view that was deleted"


def _to(sub: Subscription, names: Names) -> str:
    hook = names.webhooks.get(sub.webhook or "", "a webhook no longer on the list")
    return ", ".join([*sub.recipients, *([f"webhook {hook}"] if sub.webhook else [])])


def _next(sub: Subscription, allow_seconds: bool) -> html.Span | str:
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


def _delete(sub: Subscription) -> dcc.ConfirmDialogProvider:
    button = _button("Delete", "report-delete-button", sub.id, "danger")
    return dcc.ConfirmDialogProvider(
        button,
        id={"type": "report-delete", "sub": sub.id},
        message=f"Delete the subscription “{sub.name}” and its runs? This cannot be undone.",
    )


def _table(head: list[str], rows: list[tuple[dict, list]]) -> html.Div:
    """A table of (row attributes, cells); on a phone each row reads as a card, every cell
    labelled by its column (assets/app.css: `reports-table`)."""
    body = [
        html.Tr([html.Td(cell, **{"data-label": label}) for label, cell in
                 zip(head, cells, strict=True)], **attrs)
        for attrs, cells in rows
    ]  # fmt: skip
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
        size="sm",
        hover=True,
        className="small mb-0 bg-white reports-table",
    )
    return html.Div(table, className="table-responsive")


def subscriptions_table(
    subs: list[Subscription],
    last_runs: dict[int, Run],
    names: Names,
    show_owner: bool,
    allow_seconds: bool,
) -> html.Div:
    if not subs:
        return html.P("No subscriptions yet: make one below.", className="small text-muted")
    head = ["Name", *(["Owner"] if show_owner else []), "What", "Range", "Schedule",
            "Next (UTC)", "To", "Last run", ""]  # fmt: skip
    rows = []
    for sub in subs:
        actions = [_button("Edit", "report-edit", sub.id, "secondary"),
                   _button("Send now", "report-send", sub.id, "primary"), _delete(sub)]  # fmt: skip
        cells = [
            sub.name,
            *([sub.owner] if show_owner else []),
            _what(sub, names),
            range_words(sub.time_from, sub.time_to),
            sub.schedule.words(),
            _next(sub, allow_seconds),
            _to(sub, names),
            _state(last_runs.get(sub.id)),
            html.Div(actions, className="report-actions"),
        ]
        rows.append(({"data-subscription": sub.id}, cells))
    return _table(head, rows)


def runs_table(runs: list[Run], names: dict[int, str]) -> html.Div:
    if not runs:
        return html.P("No runs yet.", className="small text-muted")
    head = ["Subscription", "Slot / trigger (UTC)", "State", "Updated (UTC)"]
    rows = [
        ({"data-run": run.id}, [names.get(run.subscription_id, str(run.subscription_id)),
                                _when(run.slot) if run.slot else run.trigger, _state(run),
                                _when(run.updated_at)])
        for run in runs
    ]  # fmt: skip
    return _table(head, rows)


def _row(*fields: tuple[int, html.Div]) -> dbc.Row:
    """Fields side by side: (columns of 12 on a wide screen, field); a field's column is
    `<field id>-col` (hidden with it, the row closes up)."""
    columns = [dbc.Col(field, md=width, id=f"{field.id}-col") for width, field in fields]
    return dbc.Row(columns, className="g-2")


def _dropdown(name: str, options: list, value=None, **extra) -> dcc.Dropdown:
    return dcc.Dropdown(id=name, options=options, value=value, **extra)


def _schedule_row(values: dict) -> dbc.Row:
    frequencies = [{"label": FREQUENCY_LABELS[f], "value": f} for f in FREQUENCIES]
    weekdays = [{"label": calendar.day_name[i], "value": d} for i, d in enumerate(WEEKDAYS)]
    return _row(
        (2, _field("Frequency", _dropdown("report-frequency", frequencies,
                                          values["report-frequency"], clearable=False))),
        (2, _field("At (HH:MM)", dbc.Input(id="report-at", value=values["report-at"],
                                           size="sm"))),
        (2, _field("Weekday", _dropdown("report-weekday", weekdays, values["report-weekday"],
                                        clearable=False))),
        (2, _field("Day of month (1-28)", dbc.Input(id="report-monthday", type="number", min=1,
                                                    max=28, value=values["report-monthday"],
                                                    size="sm"))),
        (2, _field("Cron (minute hour day month weekday)",
                   dbc.Input(id="report-cron", size="sm", value=values["report-cron"],
                             placeholder="30 7 * * mon-fri"))),
        (2, _field("Time zone", _dropdown("report-timezone", ZONES, values["report-timezone"],
                                          clearable=False))),
    )  # fmt: skip


def subscription_form(
    dashboards: list[Dashboard],
    webhooks: list[Webhook],
    choices: Choices,
    values: dict,
    manage_webhooks: str | None,
) -> dbc.Card:
    """The form, filled with `values` (DEFAULTS, or a saved view's dashboard and name);
    `choices`: what the chosen dashboard offers; `manage_webhooks`: the admins' page (admins)."""
    presets = [{"label": label, "value": preset_value(f, t)} for label, f, t in TIME_PRESETS]
    formats = [{"label": label, "value": fmt} for fmt, label in FORMATS.items()]
    dashboard_options = [{"label": d.title, "value": d.slug} for d in dashboards]
    hooks = [{"label": hook.label, "value": hook.key} for hook in webhooks]
    no_hooks = "none" if hooks else "none yet: an admin adds them"
    hook_hint = dcc.Link("Manage the list", href=manage_webhooks) if manage_webhooks else None
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("New subscription", className="h6", id="report-form-title"),
                dcc.Store(id="report-editing", data=None),
                _row(
                    (3, _field("Name", dbc.Input(id="report-name", size="sm", maxLength=128,
                                                 value=values["report-name"]))),
                    (3, _field("Dashboard", _dropdown("report-dashboard", dashboard_options,
                                                      values["report-dashboard"]))),
                    (3, _field("Saved view", _dropdown("report-view", choices.views,
                                                       values["report-view"],
                                                       placeholder="none: its defaults"),
                               "Its variables and filters, over the range chosen here.")),
                    (3, _field("Range, relative to each run",
                               _dropdown("report-range", presets, values["report-range"],
                                         clearable=False))),
                ),
                _row(
                    (4, _field("Format", dbc.RadioItems(id="report-format", options=formats,
                                                        value=values["report-format"],
                                                        inline=True))),
                    (4, _field("Panel", _dropdown("report-panel", choices.panels,
                                                  values["report-panel"]))),
                    (4, _field("Variables (name=value, over the view's)",
                               dbc.Input(id="report-vars", size="sm", value=values["report-vars"]),
                               html.Span(choices.variables, id="report-vars-hint"))),
                ),
                _schedule_row(values),
                _row(
                    (5, _field("Recipients (e-mail addresses)",
                               dbc.Textarea(id="report-recipients", rows=1, size="sm",
                                            value=values["report-recipients"]))),
                    (4, _field("Webhook", _dropdown("report-webhook", hooks,
                                                    values["report-webhook"],
                                                    placeholder=no_hooks, disabled=not hooks),
                               hook_hint)),
                    (3, _field("Your e-mail address", dbc.Input(id="report-notify", size="sm",
                                                                value=values["report-notify"]),
                               "Told when a report cannot be sent.")),
                ),
                dbc.Button("Save", id="report-save", size="sm", className="me-2"),
                dbc.Button("New", id="report-new", size="sm", color="secondary", outline=True,
                           title="A blank form for a new subscription"),
                html.Div(id="report-result", className="mt-2 small", role="status"),
            ]
        ),
        className="mb-3",
        id="report-form",
    )  # fmt: skip
