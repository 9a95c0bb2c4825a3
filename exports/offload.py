"""Exports rendered by the export workers (Celery, queue `exports`) when the queue is
configured: the web request has resolved and authorised its view, sends what to draw and for
whom, and waits EXPORT_TIMEOUT at most; a worker resolves the view again under the same rights
(the user as stored now, or the embed link if still live) and draws it with the same code
(exports/build.py) in its own browser. Without a queue, or with the broker down, the web
process draws it as before."""

from __future__ import annotations

import base64
import logging

from auth.access import Viewer
from auth.embeds import EmbedGrant
from auth.users import UserError
from data.errors import DataSourceError, ErrorKind
from exports.build import ExportError, panel_image, report_pdf
from exports.kaleido_engine import ExportEngineError
from jobs.queue import QueueTimeout, QueueUnavailable
from services import services
from view.resolve import INPUT_ERRORS, View, ViewDenied, resolve_view, store_state

TASK = "exports.render"
WORKER_HEADER = "X-Teamdash-Rendered-By"  # which export worker drew a download

log = logging.getLogger(__name__)


def _who(viewer: Viewer) -> dict:
    if isinstance(viewer, EmbedGrant):
        return {"embed": viewer.token_id}
    return {"user": viewer.name}


def drawn(
    view: View,
    fmt: str,
    *,
    panel_id: str | None = None,
    size: tuple[int, int] | None = None,
    scale: float = 1.0,
) -> tuple[bytes, str | None]:
    """The PNG, SVG or PDF of `view` (a panel's, or the dashboard's report), and the worker that
    drew it (None: this process did)."""
    app = services()
    timeout = app.settings.export_timeout
    job = {
        "viewer": _who(view.viewer),
        "slug": view.dashboard.slug,
        "state": view.state.to_dict(),
        "fmt": fmt,
        "panel": panel_id,
        "size": list(size) if size else None,
        "scale": scale,
    }
    if app.queue.configured:
        try:
            answer = app.queue.call(TASK, (job,), timeout)
        except QueueUnavailable as exc:
            log.warning("exports: %s; drawing in the web process", exc)
        except QueueTimeout as exc:
            raise ExportError(
                f"The export did not finish within {timeout:g} s: {exc}. Try "
                "again in a moment; if it keeps happening, add export workers.",
                504,
            ) from None
        else:
            if "error" in answer:
                raise ExportError(answer["error"], answer["status"])
            return base64.b64decode(answer["body"]), answer["worker"]
    return draw(view, job), None


def draw(view: View, job: dict) -> bytes:
    timeout = services().settings.export_timeout
    if job["fmt"] == "pdf":
        return report_pdf(view, services().panel_pool, view.viewer.name, timeout=timeout)
    size = tuple(job["size"]) if job["size"] else None
    return panel_image(
        view, view.panel(job["panel"]), job["fmt"], size=size, scale=job["scale"], timeout=timeout
    )


def _viewer(who: dict) -> Viewer:
    app = services()
    if "embed" in who:
        link = app.embed_links.get(str(who["embed"]))
        if link is None or link.state != "active":
            raise ViewDenied("This embed link is no longer valid. Ask for a new link.", 401)
        return link.grant()
    try:
        return app.users.get(str(who["user"]))
    except UserError:
        raise ViewDenied("This user no longer exists.", 401) from None


def render_job(job: dict, worker: str) -> dict:
    """A worker's side: the job's file, base64 in `body`, or `error` and its HTTP `status`."""
    try:
        viewer = _viewer(job["viewer"])
        slug, state = store_state({**job["state"], "slug": job["slug"]})
        view = resolve_view(viewer, slug, state)
        body = draw(view, job)
    except ViewDenied as exc:
        return {"error": exc.message, "status": exc.status}
    except INPUT_ERRORS as exc:
        return {"error": str(exc), "status": 400}
    except DataSourceError as exc:
        status = 403 if exc.kind == ErrorKind.SCOPE else 502
        return {"error": f"Variable options could not be loaded: {exc.message}", "status": status}
    except (ExportError, ExportEngineError) as exc:
        return {"error": exc.message, "status": exc.status}
    return {"body": base64.b64encode(body).decode(), "worker": worker}
