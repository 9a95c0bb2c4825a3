"""A subscription as its owner asks for it, checked before it is stored: the owner may open the
dashboard (and the panel exports in that format), the schedule, range and variables are valid
for them, recipients are e-mail addresses and a webhook is one of the admins' (REPORT_WEBHOOKS).
What is wrong is said in words the reports page shows."""

from __future__ import annotations

import re
from dataclasses import replace

from appdb.reports import Subscription
from auth.users import User
from data.errors import DataSourceError
from data.urlstate import ViewState
from panels import panel_type
from reports.schedule import ScheduleError, check
from settings import Settings
from view.resolve import INPUT_ERRORS, ViewDenied, resolve_view

FORMATS = {"pdf": "PDF report", "png": "PNG of a panel", "csv": "CSV of a panel"}
EMAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[A-Za-z]{2,}")
MAX_RECIPIENTS = 50


class SubscriptionError(ValueError):
    """What is wrong with a subscription, for its form."""


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


def checked(sub: Subscription, owner: User, settings: Settings) -> Subscription:
    """`sub` if its owner may have it as it is; SubscriptionError otherwise."""
    if not sub.name.strip() or len(sub.name) > 128:
        raise SubscriptionError("give the subscription a name (up to 128 characters)")
    if sub.format not in FORMATS:
        raise SubscriptionError(f"format {sub.format!r}: pick PDF, PNG or CSV")
    try:
        check(sub.schedule, allow_seconds=settings.report_second_schedules)
    except ScheduleError as exc:
        raise SubscriptionError(f"schedule: {exc}") from None
    asked = ViewState(sub.time_from, sub.time_to, "off", variables=dict(sub.variables))
    try:
        view = resolve_view(owner, sub.dashboard, asked, users_only=True)
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
    if sub.webhook and sub.webhook not in settings.report_webhooks:
        raise SubscriptionError("that webhook is not one of the admins' (REPORT_WEBHOOKS)")
    if not sub.recipients and not sub.webhook:
        raise SubscriptionError("give at least one recipient: an e-mail address or a webhook")
    if sub.notify:
        addresses(sub.notify)
    return sub
