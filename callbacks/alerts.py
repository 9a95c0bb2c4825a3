"""The alerts page's callbacks (list, filters, operators' actions) and the navbar's badge of firing
alerts, for logged-in users only, each from the alerts the viewer's scope may see and, when
ALERTMANAGER_URL is set, what Alertmanager does with them (alerting/board.py).

Acknowledging, silencing and expiring a silence are an operator's actions (declared with the
callback, checked again here). A silence's matchers are the alert's own labels: the page shows
and sends them, and a request whose matchers differ, whose ids are not the page's, or which
names a silence the viewer does not see is refused (403) and the refusal audited. Every action
is stored with who and when, and audited; a failed one says why and keeps what was typed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import NoReturn

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask import abort, jsonify, make_response, request

from alerting.board import Board, build_board, matchers_of
from alerting.client import SOURCE
from auth.access import Viewer, current_viewer, may_view, scope_of
from auth.users import User
from callbacks.access import OPERATORS, VIEWERS, callback
from components.alerts import alerts_view
from components.notifications import DEFAULT_SILENCE, Powers, Typed
from data.alerts import Alert, current_alerts
from data.errors import DataSourceError
from data.timerange import TimeRangeError, parse_duration
from data.variables import offered as variable_options
from services import services
from view.resolve import layer_for

# Every viewer's page and badge share one read of Alertmanager for this long (seconds).
SNAPSHOT_TTL = 5.0
MAX_SILENCE = 30 * 86_400
ACK, ACK_SILENCE, SILENCE, EXPIRE = "op-ack", "op-ack-silence", "op-silence", "op-silence-expire"
COMMENT, DURATION, MATCHERS = "op-ack-comment", "op-silence-for", "op-silence-matchers"


def _snapshot_key() -> str:
    return f"alertmanager-snapshot:{services().alertmanager.url}"


def _board(alerts: list[Alert], unscoped: bool, fresh: bool) -> Board:
    client = services().alertmanager
    if client is None:
        return build_board(alerts, None, unscoped=unscoped)
    cache = services().data.cache
    try:
        if fresh:
            cache.forget(_snapshot_key())
        snapshot = cache.get_or_compute(
            _snapshot_key(), client.snapshot, ttl=SNAPSHOT_TTL, datasource=SOURCE, last_good=False
        ).value
    except DataSourceError as exc:
        return build_board(alerts, None, unscoped=unscoped, alertmanager=client.url,
                           error=exc.message)  # fmt: skip
    return build_board(alerts, snapshot, unscoped=unscoped, alertmanager=client.url)


def board_for(viewer: Viewer, *, fresh: bool = False) -> Board:
    """The viewer's alerts and what Alertmanager does with them, from the copy of Alertmanager's
    state every viewer shares (`fresh`: read anew, for everyone). DataSourceError when
    Prometheus fails; an Alertmanager that fails leaves Prometheus's alerts, saying why."""
    return _board(current_alerts(layer_for(viewer)), not scope_of(viewer), fresh)


def _exists(fingerprint: str) -> bool:
    """Whether anyone at all sees this alert now."""
    everyone = _board(current_alerts(services().data), True, False)
    return any(a.fingerprint == fingerprint for a in everyone.alerts)


def _is_operator() -> bool:
    viewer = current_viewer()
    return isinstance(viewer, User) and viewer.at_least("operator")


def _matches(alert: Alert, severities: list[str] | None, search: str | None) -> bool:
    if severities and alert.severity not in severities:
        return False
    needle = (search or "").strip().lower()
    haystack = " ".join([alert.name, alert.service, alert.summary]).lower()
    return not needle or needle in haystack


def alerts_list(
    severities: list[str] | None,
    search: str | None,
    typed: dict[str, Typed] | None = None,
    note: tuple[str, str, str] | None = None,
    fresh: bool = False,
) -> html.Div:
    viewer = current_viewer()
    try:
        board = board_for(viewer, fresh=fresh)
    except DataSourceError as exc:
        return html.Div(f"Alerts could not be loaded: {exc.message}", className="text-danger")
    shown = [a for a in board.alerts if _matches(a, severities, search)]
    app = services()
    acks = app.acks.for_alerts(shown)
    visible = [d for _, d in sorted(app.dashboards.items()) if may_view(viewer, d)]
    powers = Powers(acknowledge=_is_operator(), silence=_is_operator() and board.live)
    layer = layer_for(viewer)
    by_slug = cache(lambda slug: variable_options(layer, app.dashboards[slug]))
    listing = alerts_view(
        board,
        shown,
        acks,
        powers,
        visible,
        app.settings.url_prefix,
        typed,
        note,
        lambda d: by_slug(d.slug),
    )
    scope = scope_of(viewer)
    if not scope:
        return listing
    words = f"Showing the alerts your scope ({scope.describe()}) may see."
    return html.Div([html.P(words, className="small text-muted mb-2"), listing])


def silence_seconds(text: object) -> float:
    """How long a silence asked for lasts; ValueError saying what to write instead."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise ValueError("Say how long to silence it: 30m, 2h, 1d.")
    if raw.startswith("-"):
        raise ValueError(
            f"A silence cannot last a negative time ({raw[:20]}); say how long it should last: "
            "30m, 2h, 1d."
        )
    try:
        seconds = parse_duration(raw)
    except TimeRangeError as exc:
        raise ValueError(f"{exc} (how long to silence it).") from None
    if seconds < 60:
        raise ValueError(f"A silence lasts a minute at least ({raw} is less); write 1m or more.")
    if seconds > MAX_SILENCE:
        raise ValueError(
            f"A silence lasts 30 days at most ({raw} is more): fix the rule, or silence it again "
            "later."
        )
    return float(seconds)


def _refuse(viewer: Viewer, what: str) -> NoReturn:
    """A request the page would not send: 403, audited."""
    services().audit.record("forbidden", viewer.name, target=what, outcome="denied",
                           ip=request.remote_addr or "")  # fmt: skip
    abort(make_response(jsonify(error=f"You may not {what}. Reload the page and use it."), 403))


def _outcome(fingerprint: str, tone: str, words: str) -> dict:
    # `at`: a second identical outcome is a change of the store too, so the list shows it.
    return {"fingerprint": fingerprint, "tone": tone, "words": words, "at": time.time()}


def _pairs(matchers: object) -> list[tuple[str, str]] | None:
    """The (name, value) of the matchers a request sends, as the page sends them; None for
    anything else (another shape, a regex, a negation)."""
    if not isinstance(matchers, list):
        return None
    pairs = []
    for matcher in matchers:
        if not isinstance(matcher, dict) or set(matcher) != {"name", "value"}:
            return None
        if not all(isinstance(v, str) for v in matcher.values()):
            return None
        pairs.append((matcher["name"], matcher["value"]))
    return sorted(pairs)


def act_on_alert(
    kind: str, fingerprint: str, comment: object, duration: object, matchers: object
) -> dict:
    """Acknowledge, silence, or both, as the page's form asks (the values as the request sends
    them). The outcome for the page; nothing is done on a failure."""
    viewer = current_viewer()
    silencing, acking = kind in (SILENCE, ACK_SILENCE), kind in (ACK, ACK_SILENCE)
    client = services().alertmanager
    if silencing and client is None:
        return _outcome(
            fingerprint, "danger", "Alertmanager is not configured: nothing to silence."
        )
    board = board_for(viewer, fresh=silencing)
    alert = next((a for a in board.alerts if a.fingerprint == fingerprint), None)
    if alert is None:
        if _exists(fingerprint):
            _refuse(viewer, "act on an alert your scope does not see")
        return _outcome(fingerprint, "danger", "That alert is no longer firing; reload the page.")
    wanted = matchers_of(alert)
    if silencing and _pairs(matchers) != sorted((m.name, m.value) for m in wanted):
        _refuse(viewer, f"silence other alerts than {alert.name} (matchers not its labels)")
    comment = comment.strip()[:500] if isinstance(comment, str) else ""
    if not comment:
        return _outcome(fingerprint, "danger", "Say in a few words what is being done.")
    try:
        seconds = silence_seconds(duration) if silencing else 0.0
    except ValueError as exc:
        return _outcome(fingerprint, "danger", str(exc))
    ip = request.remote_addr or ""
    done = []
    if silencing:
        kept = ". Nothing was done; try again when it answers"
        if board.error:
            return _outcome(fingerprint, "danger", board.error + kept)
        if board.silenced(alert):
            return _outcome(fingerprint, "danger", "It is silenced already; reload the page.")
        try:
            silence = client.create_silence(wanted, seconds, viewer.name, comment)
        except DataSourceError as exc:
            return _outcome(fingerprint, "danger", exc.message + kept)
        services().data.cache.forget(_snapshot_key())  # every viewer's next look shows it
        until = f"{datetime.fromtimestamp(silence.ends_at, UTC):%Y-%m-%d %H:%M} UTC"
        services().audit.record("alert_silence", viewer.name, target=alert.name, ip=ip,
                               detail={"silence": silence.id, "until": until,
                                       "matchers": [str(m) for m in wanted],
                                       "comment": comment})  # fmt: skip
        done.append(f"silenced until {until}")
    if acking:
        services().acks.acknowledge(alert, comment, viewer.name)
        services().audit.record("alert_ack", viewer.name, target=alert.name, ip=ip,
                               detail={"labels": alert.labels, "comment": comment})  # fmt: skip
        done.insert(0, "acknowledged")
    return _outcome(fingerprint, "success", f"{alert.name}: {' and '.join(done)}.")


def expire_silence(silence_id: object) -> dict:
    """End a silence the viewer sees on the page now."""
    viewer = current_viewer()
    client = services().alertmanager
    if client is None:
        return _outcome("", "danger", "Alertmanager is not configured: there are no silences.")
    board = board_for(viewer, fresh=True)
    if board.error:
        return _outcome("", "danger", board.error + ". Nothing was done; try again later.")
    silence = board.silence(silence_id) if isinstance(silence_id, str) else None
    if silence is None:
        try:
            ended = client.silence(silence_id).state == "expired"
        except (DataSourceError, TypeError):
            ended = False
        if ended:
            return _outcome("", "secondary", "That silence has ended already.")
        _refuse(viewer, f"expire silence {str(silence_id)[:40]!r}")
    try:
        client.expire_silence(silence.id)
    except DataSourceError as exc:
        return _outcome("", "danger", exc.message + ". The silence still holds.")
    services().data.cache.forget(_snapshot_key())
    matchers = ", ".join(str(m) for m in silence.matchers)
    services().audit.record("alert_silence_expire", viewer.name, target=matchers[:255],
                           ip=request.remote_addr or "",
                           detail={"silence": silence.id, "created_by": silence.created_by,
                                   "comment": silence.comment})  # fmt: skip
    return _outcome("", "success", f"Expired the silence of {matchers}: its alerts notify again.")


def _by_fingerprint(items: list) -> dict:
    """{fp: value} of a pattern-matching dependency's items (ids {"type": ..., "fp": ...})."""
    return {i["id"].get("fp"): i.get("value") for i in items if isinstance(i.get("id"), dict)}


def badge_of(board: Board) -> tuple[str, str, str]:
    """The navbar's badge: every firing alert the viewer may see (the alerts page lists the
    same), red with a critical one among them that is not silenced, orange otherwise; its
    title says how many are critical and how many silenced."""
    firing = [a for a in board.alerts if a.state == "firing"]
    critical = [a for a in firing if a.severity == "critical"]
    silenced = sum(1 for a in firing if board.silenced(a))
    loud = any(not board.silenced(a) for a in critical)
    tone = "bg-danger" if loud else "bg-warning text-dark" if firing else "bg-success"
    words = f"{len(firing)} firing alert{'s' if len(firing) != 1 else ''} you can see"
    if critical:
        words += f", {len(critical)} critical"
    if silenced:
        words += f", {silenced} silenced"
    if board.error:
        words += "; Alertmanager unreachable: silences unknown"
    return str(len(firing)), f"badge rounded-pill {tone}", words


def badge_children(count: str, words: str) -> list:
    """The badge's number, and for screen readers what it counts (sighted users see its colour
    and, on hover, its title)."""
    return [count, html.Span(f" ({words})", className="visually-hidden")]


def register(app: Dash) -> None:
    @callback(
        app,
        Output("alerts-list", "children"),
        Input("alerts-tick", "n_intervals"),
        Input("alerts-severity", "value"),
        Input("alerts-search", "value"),
        Input("alerts-action", "data"),
        State({"type": COMMENT, "fp": ALL}, "value"),
        State({"type": DURATION, "fp": ALL}, "value"),
        access=VIEWERS,
    )
    def show(_tick, severities, search, action, _comments, _durations):
        comments, durations = (_by_fingerprint(items) for items in ctx.states_list)
        if ctx.triggered_id == "alerts-tick" and any(comments.values()):
            return no_update  # an operator is writing: the list waits for them
        typed = {
            fp: Typed(comments.get(fp) or "", durations.get(fp) or DEFAULT_SILENCE)
            for fp in set(comments) | set(durations)
        }
        note = None
        acted = ctx.triggered_id == "alerts-action" and isinstance(action, dict)
        if acted:
            note = (action.get("fingerprint") or "", action.get("tone"), action.get("words"))
            if action.get("tone") == "success":
                typed.pop(note[0], None)
        return alerts_list(severities, search, typed, note, fresh=acted)

    @callback(
        app,
        Output("alerts-action", "data"),
        Input({"type": ACK, "fp": ALL}, "n_clicks"),
        Input({"type": ACK_SILENCE, "fp": ALL}, "n_clicks"),
        Input({"type": SILENCE, "fp": ALL}, "n_clicks"),
        Input({"type": EXPIRE, "silence": ALL}, "n_clicks"),
        State({"type": COMMENT, "fp": ALL}, "value"),
        State({"type": DURATION, "fp": ALL}, "value"),
        State({"type": MATCHERS, "fp": ALL}, "data"),
        prevent_initial_call=True,
        access=OPERATORS,
    )
    def act(*_values):
        trigger = ctx.triggered_id
        if not trigger:
            return no_update
        buttons = [i.get("id") for items in ctx.inputs_list for i in items if isinstance(i, dict)]
        if trigger not in buttons:
            _refuse(current_viewer(), "act on an alert the page does not show")
        if not ctx.triggered[0].get("value"):
            return no_update  # a button drawn anew, not clicked
        if trigger["type"] == EXPIRE:
            return expire_silence(trigger.get("silence"))
        comments, durations, matchers = (_by_fingerprint(items) for items in ctx.states_list)
        fp = trigger.get("fp")
        return act_on_alert(
            trigger["type"], fp, comments.get(fp), durations.get(fp), matchers.get(fp)
        )

    @callback(
        app,
        Output("alert-badge", "children"),
        Output("alert-badge", "className"),
        Output("alert-badge", "title"),
        Input("alert-badge-tick", "n_intervals"),
        access=VIEWERS,
    )
    def badge(_tick):
        try:
            board = board_for(current_viewer())
        except DataSourceError as exc:
            words = f"Alerts could not be read: {exc}"
            return badge_children("?", words), "badge rounded-pill bg-secondary", words
        count, tone, words = badge_of(board)
        return badge_children(count, words), tone, words
