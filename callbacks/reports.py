"""The reports page's callbacks: what the chosen dashboard offers (its panels, the saved views the
subscription's owner may report), what the user does (Save, New, and a subscription's Edit, Send
now and Delete: one callback, so the form, the listing and which subscription is being edited
always agree), and the listing kept fresh. Logged-in users only (declared, so the guard refuses
anonymous callers and embed links); every one that names a subscription checks on the server
that it is the user's own, or that the user is an admin (another's id in a payload is refused
and audited), and so is a saved view the owner may not report. A subscription always reads under
its owner's rights, also when an admin changes it. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import request

import urls
from appdb.reports import Subscription
from appdb.webhooks import webhook_key
from auth.saved_views import openable, well_formed
from auth.users import User, UserError
from callbacks.access import VIEWERS, callback, caller
from callbacks.pressed import pressed
from components.dashboard_view import TIME_PRESETS, preset_value
from components.reports import (
    DEFAULTS,
    NO_CHOICES,
    Choices,
    Names,
    queue_banner,
    runs_table,
    subscriptions_table,
)
from components.shell import team_label
from jobs.queue import QueueUnavailable
from panels import panel_type
from reports.runs import send_now
from reports.schedule import Schedule
from reports.subscriptions import (
    NOT_LISTED,
    SubscriptionError,
    ViewRefused,
    addresses,
    checked,
)
from services import services
from view.resolve import ViewDenied, authorise

FORM = tuple(DEFAULTS)
RUNS_SHOWN = 30
NEW_TITLE = "New subscription"


def _note(text: str, ok: bool = True) -> html.Div:
    return html.Div(text, className="text-success" if ok else "text-danger")


def _audit(action: str, user: User, sub: Subscription, outcome: str = "ok", **detail) -> None:
    services().audit.record(action, user.name, target=f"{sub.dashboard} (subscription {sub.id})",
                            outcome=outcome, ip=request.remote_addr or "",
                            detail={"name": sub.name, "owner": sub.owner, **detail})  # fmt: skip


def _refused(user: User, target: str) -> None:
    services().audit.record("forbidden", user.name, target=target, outcome="denied",
                            ip=request.remote_addr or "")  # fmt: skip


def _touchable(user: User, sub_id: object) -> Subscription | None:
    """The subscription if it exists and is the user's to touch (theirs, or any for an admin)."""
    sub = services().reports.get(sub_id) if isinstance(sub_id, int) else None
    return sub if sub is not None and (user.is_admin or sub.owner == user.name) else None


def _theirs(user: User, sub_id: object) -> Subscription:
    """The subscription if it is the user's to touch; PermissionError (audited) otherwise."""
    sub = _touchable(user, sub_id)
    if sub is None:
        _refused(user, f"subscription {sub_id!r}")
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
    names = Names(
        dashboards={slug: d.title for slug, d in app.dashboards.items()},
        views=app.views.names([s.saved_view for s in subs if s.saved_view]),
        webhooks={hook.url: hook.label for hook in app.webhooks.all()},
    )
    seconds = app.settings.report_second_schedules
    table = subscriptions_table(subs, last, names, user.is_admin, seconds)
    return queue_banner(app.queue.status()), table, runs_table(runs, {s.id: s.name for s in subs})


def _variables(raw: str | None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for item in (raw or "").split():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise SubscriptionError(f"variables: {item!r} is not name=value")
        values.setdefault(name, []).append(value)
    return values


def _from_form(owner: str, values: dict, sub_id: int | None) -> Subscription:
    for field, value in values.items():
        if field != "report-monthday" and value is not None and not isinstance(value, str):
            raise SubscriptionError(f"{field.removeprefix('report-')}: expected text, not "
                                    f"{type(value).__name__}; reload the page")  # fmt: skip
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
    # The form names a webhook by its key, never by its address.
    key, view = values["report-webhook"], values["report-view"]
    hook = services().webhooks.by_key(key) if key else None
    if key and hook is None:
        raise SubscriptionError(NOT_LISTED)
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
        webhook=hook.url if hook else None,
        notify=(values["report-notify"] or "").strip() or None,
        saved_view=str(view)[:64] if view else None,
        id=sub_id,
    )


def save(editing: object, values: dict) -> tuple[str, bool, int | None]:
    """Stores the form as a new subscription, or as the changed one being edited; (message, ok,
    the subscription still being edited: the one that was not saved, None once saved)."""
    user = caller()
    app = services()
    before = _theirs(user, editing) if editing is not None else None
    owner_name = before.owner if before else user.name
    still = before.id if before else None
    try:
        owner = user if owner_name == user.name else app.users.get(owner_name)
        sub = checked(_from_form(owner_name, values, still), owner, app)
    except ViewRefused as exc:
        _refused(user, f"saved view {str(values['report-view'])[:40]!r}")
        return f"Not saved: {exc}.", False, still
    except (SubscriptionError, UserError) as exc:
        return f"Not saved: {exc}.", False, still
    if before is None:
        sub_id = app.reports.add(sub)
        _audit("report_subscribe", user, app.reports.get(sub_id), format=sub.format,
               view=sub.saved_view)  # fmt: skip
        return f"Subscribed: {sub.name}, {sub.schedule.words()}.", True, None
    app.reports.save(sub)
    _audit("report_edit", user, sub, format=sub.format, view=sub.saved_view)
    return f"Saved {sub.name}: {sub.schedule.words()}.", True, None


def act(kind: str, sub_id: object) -> tuple[str, bool]:
    """Send now or Delete, for the subscription's owner or an admin."""
    user = caller()
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


def form_values(sub: Subscription) -> list:
    """The form filled with a subscription's settings, in FORM's order."""
    s = sub.schedule
    return [
        sub.name,
        sub.dashboard,
        sub.saved_view,
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
        webhook_key(sub.webhook) if sub.webhook else None,
        sub.notify or "",
    ]


def range_options(chosen: str | None) -> list[dict]:
    options = [{"label": label, "value": preset_value(f, t)} for label, f, t in TIME_PRESETS]
    if chosen and chosen not in {o["value"] for o in options}:
        options.append({"label": chosen, "value": chosen})
    return options


def _owner(user: User, editing: object) -> User:
    """Whose rights the form's choices are read under: the owner of the subscription being
    edited (an admin may edit another's), the user otherwise."""
    if editing is None:
        return user
    sub = _theirs(user, editing)
    return user if sub.owner == user.name else services().users.get(sub.owner)


def choices(user: User, slug: str | None, fmt: str | None, editing: object = None) -> Choices:
    """What dashboard `slug` offers the subscription's owner: the panels that export as `fmt`,
    the saved views they may report, its variables."""
    try:
        owner = _owner(user, editing)
        dashboard = authorise(owner, slug or "", users_only=True)
    except (ViewDenied, UserError):
        return NO_CHOICES
    panels = [{"label": p.title, "value": p.id} for p in dashboard.panels
              if fmt in panel_type(p.type).exports]  # fmt: skip
    views = [
        {"label": v.name + ("" if v.mine(user) else f" (by {v.owner})")
                  + (f" · shared with {team_label(v.team)}" if v.team else " · private"),
         "value": v.id}
        for v in services().views.for_dashboard(owner, dashboard.slug) if v.reportable_by(owner)
    ]  # fmt: skip
    names = ", ".join(v.name for v in dashboard.variables)
    said = f"{dashboard.title}'s: {names}." if names else f"{dashboard.title} has none."
    return Choices(panels, views, f"{said} Your locked ones apply.")


def from_saved_view(user: User, view_id: object) -> tuple[dict, Choices, str | None]:
    """The form's values for a subscription to saved view `view_id` (the Views panel's
    "Subscribe"), what its dashboard offers, and why not when the user may not report it."""
    view = services().views.get(view_id, user) if well_formed(view_id) else None
    try:
        view = openable(user, view, str(view_id))
    except ViewDenied as exc:
        return DEFAULTS, NO_CHOICES, exc.message
    if not view.reportable_by(user):
        return DEFAULTS, NO_CHOICES, (
            f"You may subscribe to your own saved views and those shared with your teams; "
            f"“{view.name}” is {view.owner}'s. Save it as a view of your own first.")  # fmt: skip
    values = {**DEFAULTS, "report-dashboard": view.dashboard, "report-view": view.id,
              "report-name": view.name}  # fmt: skip
    # The view's own range, when it is one of the presets (relative to each run, as a report's).
    state = urls.view_state(view.query)
    saved_range = preset_value(state.time_from, state.time_to)
    if saved_range in {preset_value(f, t) for _label, f, t in TIME_PRESETS}:
        values["report-range"] = saved_range
    return values, choices(user, view.dashboard, "pdf"), None


@dataclass(frozen=True)
class AfterClick:
    """What one action leaves on the page: the form (None: as it is), the subscription being
    edited, and the message for the form or for the list."""

    form: list | None
    editing: int | None
    said_form: object = ""
    said_list: object = ""


def _title(editing: int | None) -> str:
    sub = services().reports.get(editing) if editing is not None else None
    return f"Edit subscription “{sub.name}”" if sub else NEW_TITLE


def page_action(editing: object, values: dict) -> AfterClick | None:
    """What the click that fired does: Save, New, or a subscription's Edit, Send now or
    Delete. A saved form starts blank, so a second click makes no second subscription."""
    blank = list(DEFAULTS.values())
    if ctx.triggered_id == "report-save":
        message, ok, still = save(editing, values)
        return AfterClick(blank if ok else None, still, _note(message, ok))
    if ctx.triggered_id == "report-new":
        return AfterClick(blank, None)
    row = pressed()
    if row is None:
        return None  # a list drawn anew, not a click
    if row["type"] == "report-edit":
        sub = _theirs(caller(), row.get("sub"))
        return AfterClick(form_values(sub), sub.id)
    message, ok = act(row["type"], row.get("sub"))
    if row["type"] == "report-delete" and ok and row.get("sub") == editing:
        return AfterClick(blank, None, said_list=_note(message, ok))
    # The subscription being edited stays only if it is the caller's (a payload may name anyone's).
    kept = _touchable(caller(), editing)
    return AfterClick(None, kept.id if kept else None, said_list=_note(message, ok))


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
    # A PDF report is of the whole dashboard: the panel field is for PNG and CSV only.
    app.clientside_callback(
        "function (format) { return format === 'pdf' ? {display: 'none'} : {}; }",
        Output("report-panel-field-col", "style"),
        Input("report-format", "value"),
    )

    @callback(
        app,
        Output("report-panel", "options"),
        Output("report-view", "options"),
        Output("report-vars-hint", "children"),
        Output("report-view", "value", allow_duplicate=True),
        Input("report-dashboard", "value"),
        Input("report-format", "value"),
        Input("report-editing", "data"),
        State("report-view", "value"),
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def offered(slug, fmt, editing, view):
        found = choices(caller(), slug, fmt, editing)
        # A view of the dashboard chosen before is not one of this one's.
        kept = view if view in {v["value"] for v in found.views} else None
        return found.panels, found.views, found.variables, kept

    @callback(
        app,
        *[Output(name, "value", allow_duplicate=True) for name in FORM],
        Output("report-range", "options"),
        Output("report-editing", "data"),
        Output("report-form-title", "children"),
        Output("report-result", "children"),
        Output("reports-row-result", "children"),
        Output("reports-subscriptions", "children"),
        Output("reports-runs", "children"),
        Input("report-save", "n_clicks"),
        Input("report-new", "n_clicks"),
        Input({"type": "report-edit", "sub": ALL}, "n_clicks"),
        Input({"type": "report-send", "sub": ALL}, "n_clicks"),
        Input({"type": "report-delete", "sub": ALL}, "submit_n_clicks"),
        State("report-editing", "data"),
        *[State(name, "value") for name in FORM],
        prevent_initial_call=True,
        access=VIEWERS,
    )
    def on_click(_save, _new, _edit, _send, _delete, editing, *values):
        done = page_action(editing, dict(zip(FORM, values, strict=True)))
        if done is None:
            return [no_update] * (len(FORM) + 7)
        form = done.form or [no_update] * len(FORM)
        options = range_options(done.form[FORM.index("report-range")]) if done.form else no_update
        _banner, subs, runs = listing(caller())
        return [*form, options, done.editing, _title(done.editing), done.said_form,
                done.said_list, subs, runs]  # fmt: skip

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
        return listing(caller())

    # Edit fills the form, below the list: bring it into view (a phone shows one at a time).
    app.clientside_callback(
        """function (editing) {
            if (editing !== null && editing !== undefined) {
                document.getElementById('report-form').scrollIntoView({block: 'start'});
            }
            return window.dash_clientside.no_update;
        }""",
        Output("report-form", "className"),
        Input("report-editing", "data"),
        prevent_initial_call=True,
    )
