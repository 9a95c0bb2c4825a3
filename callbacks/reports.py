"""The reports page's callbacks: the panel list of the chosen dashboard, saving a subscription
(new or changed), Edit, Send now, Delete, and the listing kept fresh. Logged-in users only
(declared, so the guard refuses anonymous callers and embed links); every one that names a
subscription checks on the server that it is the user's own, or that the user is an admin
(another's id in a payload is refused and audited). A subscription always reads under its
owner's rights, also when an admin changes it. Every change is audited."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import request

from appdb.reports import Subscription
from auth.access import current_viewer
from auth.users import User, UserError
from callbacks.access import VIEWERS, callback
from components.dashboard_view import TIME_PRESETS, preset_value
from components.reports import queue_banner, runs_table, subscriptions_table
from jobs.queue import QueueUnavailable
from panels import panel_type
from reports.runs import send_now
from reports.schedule import Schedule
from reports.subscriptions import SubscriptionError, addresses, checked
from services import services
from view.resolve import ViewDenied, authorise

FORM = (
    "report-name",
    "report-dashboard",
    "report-format",
    "report-panel",
    "report-range",
    "report-frequency",
    "report-at",
    "report-weekday",
    "report-monthday",
    "report-cron",
    "report-timezone",
    "report-vars",
    "report-recipients",
    "report-webhook",
    "report-notify",
)
RUNS_SHOWN = 30


def _user() -> User:
    viewer = current_viewer()
    if not isinstance(viewer, User):
        raise PermissionError("logged-in users only")
    return viewer


def _note(text: str, ok: bool = True) -> html.Div:
    return html.Div(text, className="text-success" if ok else "text-danger")


def _audit(action: str, user: User, sub: Subscription, outcome: str = "ok", **detail) -> None:
    services().audit.record(action, user.name, target=f"{sub.dashboard} (subscription {sub.id})",
                            outcome=outcome, ip=request.remote_addr or "",
                            detail={"name": sub.name, "owner": sub.owner, **detail})  # fmt: skip


def _theirs(user: User, sub_id: object) -> Subscription:
    """The subscription if it is the user's to touch; PermissionError (audited) otherwise."""
    sub = services().reports.get(sub_id) if isinstance(sub_id, int) else None
    if sub is None or not (user.is_admin or sub.owner == user.name):
        services().audit.record("forbidden", user.name, target=f"subscription {sub_id!r}",
                                outcome="denied", ip=request.remote_addr or "")  # fmt: skip
        raise PermissionError("not your subscription")
    return sub


def listing(user: User) -> tuple:
    """(queue banner, subscriptions table, runs table) as the user may see them."""
    app = services()
    subs = app.reports.subscriptions(None if user.is_admin else user.name)
    ids = [s.id for s in subs]
    runs = app.reports.runs(ids, limit=RUNS_SHOWN) if ids else []
    last: dict = {}
    for run in runs:
        last.setdefault(run.subscription_id, run)
    for sub_id in set(ids) - set(last):
        older = app.reports.runs([sub_id], limit=1)
        if older:
            last[sub_id] = older[0]
    titles = {slug: d.title for slug, d in app.dashboards.items()}
    seconds = app.settings.report_second_schedules
    table = subscriptions_table(subs, last, titles, user.is_admin, seconds)
    names = {s.id: s.name for s in subs}
    return queue_banner(app.queue.status()), table, runs_table(runs, names)


def _variables(raw: str | None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for item in (raw or "").split():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise SubscriptionError(f"variables: {item!r} is not name=value")
        values.setdefault(name, []).append(value)
    return values


def _from_form(owner: str, values: dict, sub_id: int | None) -> Subscription:
    time_from, _, time_to = (values["report-range"] or "").partition(" to ")
    try:
        monthday = int(values["report-monthday"] or 1)
    except (TypeError, ValueError):
        raise SubscriptionError("the day of the month is a number from 1 to 28") from None
    schedule = Schedule(
        frequency=str(values["report-frequency"] or ""),
        at=str(values["report-at"] or "").strip(),
        weekday=str(values["report-weekday"] or ""),
        monthday=monthday,
        cron=str(values["report-cron"] or "").strip(),
        timezone=str(values["report-timezone"] or "UTC"),
    )
    return Subscription(
        owner=owner,
        name=str(values["report-name"] or "").strip(),
        dashboard=str(values["report-dashboard"] or ""),
        format=str(values["report-format"] or ""),
        schedule=schedule,
        time_from=time_from or "now-7d",
        time_to=time_to or "now",
        panel=values["report-panel"] or None,
        variables=_variables(values["report-vars"]),
        recipients=addresses(values["report-recipients"]),
        webhook=values["report-webhook"] or None,
        notify=(values["report-notify"] or "").strip() or None,
        id=sub_id,
    )


def save(editing: object, values: dict) -> tuple[str, bool, int | None]:
    """Stores the form as a new subscription, or as the changed one being edited; (message, ok,
    the subscription's id)."""
    user = _user()
    app = services()
    before = _theirs(user, editing) if editing is not None else None
    owner_name = before.owner if before else user.name
    try:
        owner = user if owner_name == user.name else app.users.get(owner_name)
        sub = checked(_from_form(owner_name, values, before.id if before else None), owner,
                      app.settings)  # fmt: skip
    except (SubscriptionError, UserError) as exc:
        return f"Not saved: {exc}.", False, editing if isinstance(editing, int) else None
    if before is None:
        sub_id = app.reports.add(sub)
        _audit("report_subscribe", user, app.reports.get(sub_id), format=sub.format)
        return f"Subscribed: {sub.name}, {sub.schedule.words()}.", True, None
    app.reports.save(sub)
    _audit("report_edit", user, sub, format=sub.format)
    return f"Saved {sub.name}: {sub.schedule.words()}.", True, None


def act(kind: str, sub_id: object) -> tuple[str, bool]:
    """Send now or Delete, for the subscription's owner or an admin."""
    user = _user()
    sub = _theirs(user, sub_id)
    app = services()
    if kind == "report-delete":
        app.reports.delete(sub.id)
        _audit("report_delete", user, sub)
        return f"Deleted {sub.name}.", True
    try:
        authorise(app.users.get(sub.owner), sub.dashboard)
    except (ViewDenied, UserError) as exc:
        _audit("report_send_now", user, sub, outcome="denied")
        reason = exc.message if isinstance(exc, ViewDenied) else str(exc)
        return f"Not sent: its owner {sub.owner} may not open it now ({reason}).", False
    try:
        run_id = send_now(app, sub.id, user.name)
    except QueueUnavailable as exc:
        _audit("report_send_now", user, sub, outcome="error")
        return f"Not sent: {exc}.", False
    _audit("report_send_now", user, sub, run=run_id)
    return f"Sending {sub.name} now (run {run_id}): watch its state below.", True


def form_values(sub_id: object) -> list:
    """The form filled with a subscription's settings, for its owner or an admin."""
    sub = _theirs(_user(), sub_id)
    s = sub.schedule
    return [
        sub.name,
        sub.dashboard,
        sub.format,
        sub.panel,
        preset_value(sub.time_from, sub.time_to),
        s.frequency,
        s.at,
        s.weekday,
        s.monthday,
        s.cron,
        s.timezone,
        " ".join(f"{k}={v}" for k, vs in sub.variables.items() for v in vs),
        ", ".join(sub.recipients),
        sub.webhook,
        sub.notify or "",
    ]


def _range_options(chosen: str | None) -> list[dict]:
    options = [{"label": label, "value": preset_value(f, t)} for label, f, t in TIME_PRESETS]
    if chosen and chosen not in {o["value"] for o in options}:
        options.append({"label": chosen, "value": chosen})
    return options


def panel_options(slug: str | None, fmt: str | None) -> list[dict]:
    """The panels of a dashboard the user may open that export as `fmt`."""
    try:
        dashboard = authorise(_user(), slug or "")
    except ViewDenied:
        return []
    return [{"label": p.title, "value": p.id} for p in dashboard.panels
            if fmt in panel_type(p.type).exports]  # fmt: skip


# The schedule's fields each frequency uses (the others are hidden in the browser).
SCHEDULE_FIELDS = ("report-at-field-col", "report-weekday-field-col",
                   "report-monthday-field-col", "report-cron-field-col")  # fmt: skip


def register(app: Dash) -> None:
    app.clientside_callback(
        """function (frequency) {
            const uses = {daily: [1, 0, 0, 0], weekly: [1, 1, 0, 0], monthly: [1, 0, 1, 0],
                          cron: [0, 0, 0, 1]}[frequency] || [1, 1, 1, 1];
            return uses.map(shown => shown ? {} : {display: 'none'});
        }""",
        *[Output(name, "style") for name in SCHEDULE_FIELDS],
        Input("report-frequency", "value"),
    )

    @callback(
        app,
        Output("report-panel", "options"),
        Input("report-dashboard", "value"),
        Input("report-format", "value"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def panels(slug, fmt):
        return panel_options(slug, fmt)

    @callback(
        app,
        Output("report-result", "children"),
        Output("reports-subscriptions", "children"),
        Output("reports-runs", "children"),
        Output("report-editing", "data"),
        Output("report-form-title", "children"),
        Input("report-save", "n_clicks"),
        State("report-editing", "data"),
        *[State(name, "value") for name in FORM],
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def save_form(_clicks, editing, *values):
        message, ok, still_editing = save(editing, dict(zip(FORM, values, strict=True)))
        _banner, subs, runs = listing(_user())
        title = f"Edit subscription {still_editing}" if still_editing else "New subscription"
        return _note(message, ok), subs, runs, still_editing, title

    @callback(
        app,
        *[Output(name, "value", allow_duplicate=True) for name in FORM],
        Output("report-range", "options"),
        Output("report-editing", "data", allow_duplicate=True),
        Output("report-form-title", "children", allow_duplicate=True),
        Input({"type": "report-edit", "sub": ALL}, "n_clicks"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def edit(_clicks):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return [no_update] * (len(FORM) + 3)
        values = form_values(trigger.get("sub"))
        title = f"Edit subscription {trigger['sub']}"
        return [*values, _range_options(values[4]), trigger["sub"], title]

    @callback(
        app,
        Output("report-editing", "data", allow_duplicate=True),
        Output("report-form-title", "children", allow_duplicate=True),
        Input("report-new", "n_clicks"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def new(_clicks):
        return None, "New subscription"

    @callback(
        app,
        Output("report-result", "children", allow_duplicate=True),
        Output("reports-subscriptions", "children", allow_duplicate=True),
        Output("reports-runs", "children", allow_duplicate=True),
        Input({"type": "report-send", "sub": ALL}, "n_clicks"),
        Input({"type": "report-delete", "sub": ALL}, "n_clicks"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def row_action(_send, _delete):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update
        message, ok = act(str(trigger.get("type")), trigger.get("sub"))
        _banner, subs, runs = listing(_user())
        return _note(message, ok), subs, runs

    @callback(
        app,
        Output("reports-queue", "children"),
        Output("reports-subscriptions", "children", allow_duplicate=True),
        Output("reports-runs", "children", allow_duplicate=True),
        Input("reports-tick", "n_intervals"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def refresh(_ticks):
        return listing(_user())
