"""A subscription as its owner asks for it, checked before it is stored: the owner may open the
dashboard (and the panel exports in that format) and the saved view it reads, if any; the
schedule, range and variables are valid for them, recipients are e-mail addresses and a webhook
is on the admins' list (appdb/webhooks.py). What is wrong is said in words the reports page
shows.

A subscription may read a saved view of its dashboard instead of the dashboard's defaults: the
view's variables and the rest of its state (comparison, filters), with the subscription's own
range (a report covers "the last 7 days" or "the previous month" of each run, whatever range
the view was saved with) and the variables the subscription sets itself over the view's. The
owner's locked variables and scope win over both, as on the page. The owner may report a view
of theirs, or one shared with one of their teams (an admin: any shared one); a run checks again.
"""

from __future__ import annotations

import re
from dataclasses import replace

import urls
from appdb.reports import Subscription
from appdb.saved_views import SavedView
from auth.saved_views import well_formed
from auth.users import User
from data.errors import DataSourceError
from data.urlstate import ViewState
from panels import panel_type
from reports.schedule import ScheduleError, check
from services import Services
from view.resolve import INPUT_ERRORS, View, ViewDenied, authorise, view_of

FORMATS = {"pdf": "PDF report", "png": "PNG of a panel", "csv": "CSV of a panel"}
EMAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[A-Za-z]{2,}")
MAX_RECIPIENTS = 50
MAX_PER_USER = 100  # each is a render on the shared workers at every slot
NOT_LISTED = "that webhook is not one of the admins' (any more): pick one from the list"


class SubscriptionError(ValueError):
    """What is wrong with a subscription, for its form."""


class ViewRefused(SubscriptionError):
    """A saved view the owner may not report: deleted, another user's private one, of another
    dashboard; said in the same words whichever, so ids cannot be probed."""


def addresses(raw: str | None) -> tuple[str, ...]:
    """E-mail addresses separated by commas, semicolons or spaces; SubscriptionError names the
    first that is not one."""
    found = tuple(a for a in re.split(r"[\s,;]+", raw or "") if a)
    for address in found:
        if not EMAIL.fullmatch(address) or len(address) > 254:
            raise SubscriptionError(f"{address!r} is not an e-mail address")
    if len(found) > MAX_RECIPIENTS:
        raise SubscriptionError(f"{len(found)} recipients: give {MAX_RECIPIENTS} at most")
    return tuple(dict.fromkeys(found))


def saved_view(sub: Subscription, owner: User, app: Services) -> SavedView | None:
    """The saved view the subscription reads (None: the dashboard's defaults); ViewRefused when
    it names one the owner may not report."""
    if sub.saved_view is None:
        return None
    view = app.views.get(sub.saved_view, owner) if well_formed(sub.saved_view) else None
    if view is None or view.dashboard != sub.dashboard or not view.reportable_by(owner):
        raise ViewRefused(
            f"there is no saved view {sub.saved_view[:40]!r} of dashboard {sub.dashboard!r} that "
            f"{owner.name} may report: it was deleted, or it is another user's and not shared "
            f"with a team of {owner.name}'s"
        )
    return view


def report_state(sub: Subscription, view: SavedView | None) -> ViewState:
    """What a run reads: the saved view's state, or the dashboard's defaults, over the
    subscription's range, with the variables the subscription sets over the view's."""
    base = urls.view_state(view.query) if view is not None else ViewState()
    return replace(
        base,
        time_from=sub.time_from,
        time_to=sub.time_to,
        variables={**base.variables, **sub.variables},
    )


def subscription_view(sub: Subscription, owner: User, app: Services) -> View:
    """The dashboard as the subscription reads it, as `owner` may see it. Raises ViewDenied (the
    dashboard), ViewRefused (the saved view), INPUT_ERRORS (range, variables) or DataSourceError
    (variable options)."""
    dashboard = authorise(owner, sub.dashboard, users_only=True)
    return view_of(owner, dashboard, report_state(sub, saved_view(sub, owner, app)))


def checked(sub: Subscription, owner: User, app: Services) -> Subscription:
    """`sub` if its owner may have it as it is; SubscriptionError (ViewRefused for the saved
    view) otherwise."""
    if not sub.name.strip() or len(sub.name) > 128:
        raise SubscriptionError("give the subscription a name (up to 128 characters)")
    if not sub.name.isprintable():
        raise SubscriptionError("the name has a line break or a control character: use one line")
    if sub.id is None and len(app.reports.subscriptions(owner.name)) >= MAX_PER_USER:
        raise SubscriptionError(f"you have {MAX_PER_USER} subscriptions, the most one user may "
                                "have: delete one you no longer read first")  # fmt: skip
    if sub.format not in FORMATS:
        raise SubscriptionError(f"format {sub.format!r}: pick PDF, PNG or CSV")
    try:
        check(sub.schedule, allow_seconds=app.settings.report_second_schedules)
    except ScheduleError as exc:
        raise SubscriptionError(f"schedule: {exc}") from None
    try:
        view = subscription_view(sub, owner, app)
    except ViewDenied as exc:
        raise SubscriptionError(exc.message) from None
    except INPUT_ERRORS as exc:
        raise SubscriptionError(str(exc)) from None
    except DataSourceError as exc:
        raise SubscriptionError(f"variable options could not be loaded: {exc.message}") from None
    if sub.format == "pdf":
        sub = replace(sub, panel=None)
    else:
        panel = view.dashboard.panel(sub.panel or "")
        if panel is None:
            raise SubscriptionError(f"pick a panel of {view.dashboard.title} for a {sub.format}")
        if sub.format not in panel_type(panel.type).exports:
            raise SubscriptionError(f"panel {panel.title!r} does not export as {sub.format}")
    if sub.webhook and not app.webhooks.allowed(sub.webhook):
        raise SubscriptionError(NOT_LISTED)
    if not sub.recipients and not sub.webhook:
        raise SubscriptionError("give at least one recipient: an e-mail address or a webhook")
    if sub.notify:
        addresses(sub.notify)
    return sub
