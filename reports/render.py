"""A subscription's file, drawn by the same export code as the browser's downloads
(exports/build.py) for a view resolved under the subscriber's rights (view/resolve.py): their
dashboards, their locked variables, their scope, the saved view they may report. A subscriber who
may no longer open the dashboard or the view gets no file, and the reason says why."""

from __future__ import annotations

from dataclasses import dataclass

from appdb.reports import Subscription
from auth.users import User
from data.errors import DataSourceError, ErrorKind
from exports.build import (
    MEDIA_TYPES,
    ExportError,
    filename,
    panel_data_csv,
    panel_image,
    report_pdf,
)
from exports.kaleido_engine import ExportEngineError
from reports.subscriptions import ViewRefused, subscription_view
from services import services
from view.resolve import INPUT_ERRORS, View, ViewDenied


class Undeliverable(Exception):
    """A run that cannot succeed by trying again (no access, a panel gone): fails at once."""


class DeliveryError(Exception):
    """A run that may succeed later (a datasource, the browser, the mail server): retried."""


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    body: bytes
    view: View


def run_view(sub: Subscription, owner: User) -> View:
    """The view the subscription reports (its saved view's state, if it names one, over its
    range: reports/subscriptions.py), as `owner` may see it."""
    try:
        return subscription_view(sub, owner, services())
    except ViewDenied as exc:
        raise Undeliverable(
            f"{owner.name} may not open dashboard {sub.dashboard!r} "
            f"({exc.message}); nothing was sent"
        ) from None
    except ViewRefused as exc:
        raise Undeliverable(
            f"{exc}; nothing was sent. Pick another view, or none, in the subscription"
        ) from None
    except INPUT_ERRORS as exc:
        raise Undeliverable(
            f"the subscription's range or variables no longer apply: {exc}; edit the subscription"
        ) from None
    except DataSourceError as exc:
        if exc.kind == ErrorKind.SCOPE:
            raise Undeliverable(exc.message) from None
        raise DeliveryError(f"variable options could not be loaded: {exc.message}") from None


def render(sub: Subscription, owner: User) -> ReportFile:
    """The subscription's PDF report, or its panel's PNG or CSV."""
    view = run_view(sub, owner)
    settings = services().settings
    panel = view.dashboard.panel(sub.panel) if sub.panel else None
    if sub.format != "pdf" and panel is None:
        raise Undeliverable(
            f"dashboard {sub.dashboard!r} has no panel {sub.panel!r} any more; "
            "edit the subscription"
        )
    try:
        if sub.format == "pdf":
            by = f"{owner.name} (subscription {sub.name!r})"
            body = report_pdf(view, services().panel_pool, by, timeout=settings.export_timeout)
        elif sub.format == "csv":
            body = panel_data_csv(view, panel)[0].encode()
        else:
            body = panel_image(view, panel, "png", timeout=settings.export_timeout)
    except ExportError as exc:
        if exc.status in (400, 403, 404):
            raise Undeliverable(exc.message) from None
        raise DeliveryError(exc.message) from None
    except ExportEngineError as exc:
        raise DeliveryError(exc.message) from None
    media = MEDIA_TYPES[sub.format].split(";")[0]
    return ReportFile(filename(view, sub.format, panel), media, body, view)
