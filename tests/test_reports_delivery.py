"""Scheduled reports delivered by real Celery workers and beat (Redis broker) to a real SMTP
server: the PDF a subscriber gets holds the dashboard's panels, a scoped subscriber's file only
their region's data, a subscriber who lost access gets nothing and is told why; and the faults
lose nothing: the mail server down (retries, then the reason, and the next slot still fires), a
worker killed in the middle of a render (another one sends it, once), beat restarted (no slot
twice), the broker down (the web app keeps serving and says so)."""

from __future__ import annotations

import base64
import io
import signal
import time
from collections import Counter

import pandas as pd
from pypdf import PdfReader

from app import create_app
from reports.runs import send_now
from services import services
from settings import Settings
from tests.fixtures.app import add_user, client_for, embed_token, open_page
from tests.fixtures.celery import WORKERS

EU = {"DEU", "FRA", "GBR", "ESP", "ITA", "NLD", "POL", "SWE"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def sent_now(stack, sub_id: int, who: str) -> int:
    """The "Send now" button's run."""
    with stack.app.server.app_context():
        return send_now(services(), sub_id, who)


def test_rep001_a_scheduled_pdf_arrives_by_mail_with_the_dashboards_panels(
    celery_stack, smtp_server
):
    sub = celery_stack.subscribe(
        "sre", "container-infrastructure", name="Containers", recipients=("oncall@example.com",)
    )
    try:
        message = smtp_server.wait_for("oncall@example.com")[0]
    finally:
        celery_stack.pause(sub)
    name, pdf = message.attachment()
    assert name.startswith("container-infrastructure_") and name.endswith(".pdf")
    text = pdf_text(pdf)
    assert text.startswith("Container Infrastructure")
    for title in ("Memory used by container", "Network in / out", "CPU by container (cores)"):
        assert title in text
    # The run that sent it (two workers may finish two slots in either order).
    sent = message.message["Message-ID"]
    run = celery_stack.wait_for_run(sub, lambda r: r.message_id == sent, "sent this message")
    assert run.state == "sent" and run.trigger == "schedule" and run.slot is not None
    assert message.message["Subject"] == (
        f"Containers: Container Infrastructure, {run.slot:%Y-%m-%d %H:%M:%S} UTC"
    )
    assert "http://teamdash.example.com/d/container-infrastructure?from=now-7d" in (
        message.message.get_body().get_content()
    )


def test_rep002_a_scoped_subscribers_csv_holds_only_their_regions_rows(celery_stack, smtp_server):
    sub = celery_stack.subscribe(
        "sales-eu", "sales-performance", "csv", panel="countries", time_from="now-30d",
        recipients=("eu-sales@example.com",),
    )  # fmt: skip
    celery_stack.pause(sub)
    sent_now(celery_stack, sub, "sales-eu")
    name, body = smtp_server.wait_for("eu-sales@example.com")[0].attachment()
    assert name.startswith("sales-performance_countries_") and name.endswith(".csv")
    countries = set(pd.read_csv(io.BytesIO(body)).iloc[:, 0])
    assert countries and countries <= EU, countries


def test_rep003_a_subscriber_who_lost_access_gets_nothing_and_the_owner_is_told_why(
    celery_stack, smtp_server
):
    stack = celery_stack
    sub = stack.subscribe(
        "sam", "sales-performance", "csv", panel="countries",
        recipients=("sales-list@example.com",), notify="sam@example.com",
    )  # fmt: skip
    stack.pause(sub)
    with stack.app.server.app_context():
        services().users.set("sam", level="viewer", teams=["sre"], attributes={})
    try:
        sent_now(stack, sub, "sam")
        run = stack.wait_for_run(sub, lambda r: r.state == "failed", "failed")
        notice = smtp_server.wait_for("sam@example.com")[0]
    finally:
        with stack.app.server.app_context():
            services().users.set("sam", level="viewer", teams=["sales"], attributes={})
    assert run.reason.startswith("sam may not open dashboard 'sales-performance'")
    assert "nothing was sent" in run.reason
    assert notice.message["Subject"] == "Not sent: sam sales-performance"
    assert run.reason in " ".join(notice.message.get_content().split())
    assert smtp_server.to("sales-list@example.com") == []


def test_rep004_smtp_down_retries_with_back_off_then_says_why_and_the_next_slot_still_fires(
    celery_stack, smtp_server
):
    stack = celery_stack
    smtp_server.stop()
    sub = stack.subscribe("sre", "container-infrastructure", "csv", panel="network",
                          recipients=("down@example.com",))  # fmt: skip
    try:
        retrying = stack.wait_for_run(sub, lambda r: r.state == "retrying", "retrying")
        failed = stack.wait_for_run(sub, lambda r: r.state == "failed", "failed")
    finally:
        smtp_server.start()
    assert retrying.words().startswith("retrying (attempt 2 of 3, next at ")
    assert retrying.next_at is not None
    assert failed.reason == f"connection refused by 127.0.0.1:{smtp_server.port}"
    assert failed.attempt == 3
    assert failed.words() == f"failed: connection refused by 127.0.0.1:{smtp_server.port}"
    later = stack.wait_for_run(sub, lambda r: r.state == "sent" and r.slot > failed.slot, "sent")
    stack.pause(sub)
    assert later.trigger == "schedule"
    assert smtp_server.to("down@example.com")


def test_rep005_a_worker_killed_in_the_middle_of_a_render_another_sends_it_once(
    celery_stack, smtp_server
):
    stack = celery_stack
    sub = stack.subscribe("boss", "migration-health", recipients=("killed@example.com",))
    stack.pause(sub)
    run_id = sent_now(stack, sub, "boss")
    rendering = stack.wait_for_run(sub, lambda r: r.state == "rendering", "rendering")
    victim = next(name for name in WORKERS if rendering.worker.startswith(f"{name}@"))
    stack.kill(victim, signal.SIGKILL)
    stack.start(victim)
    done = stack.wait_for_run(sub, lambda r: r.state in ("sent", "failed"), "finished", 120)
    assert done.id == run_id and done.state == "sent", done.words()
    assert done.attempt == 2 and done.worker != rendering.worker
    time.sleep(3)  # a second copy would come within this: the lease and the sweep take seconds
    assert len(smtp_server.to("killed@example.com")) == 1
    assert pdf_text(smtp_server.to("killed@example.com")[0].attachment()[1]).startswith(
        "Migration Health"
    )


def test_rep006_beat_restarted_fires_no_slot_twice(celery_stack, smtp_server):
    stack = celery_stack
    sub = stack.subscribe("sre", "container-infrastructure", "csv", panel="network",
                          recipients=("beat@example.com",))  # fmt: skip
    stack.wait_for_run(sub, lambda r: r.state == "sent", "sent")

    def fires(more: int) -> None:
        """Until `more` slots after the present one have fired."""
        seen = len(stack.runs(sub))
        stack.wait_for_run(sub, lambda _r: len(stack.runs(sub)) >= seen + more, "new", 60)

    stack.kill("beat", signal.SIGKILL)
    stack.start("beat")
    stack.start("beat-2")  # two schedulers at once, as a bad deployment would have
    fires(3)
    stack.kill("beat-2", signal.SIGTERM)
    stack.kill("beat", signal.SIGTERM)
    stack.start("beat")
    fires(2)
    stack.pause(sub)
    runs = stack.runs(sub)
    for run in runs:
        stack.wait_for_run(sub, lambda r, run=run: r.id == run.id and r.state == "sent", "sent")
    slots = [run.slot for run in runs]
    assert len(slots) >= 4 and len(set(slots)) == len(slots)
    subjects = Counter(m.message["Subject"] for m in smtp_server.to("beat@example.com"))
    assert len(subjects) == len(runs) and set(subjects.values()) == {1}, subjects


def test_rep007_exports_are_drawn_by_the_export_workers(celery_stack):
    boss = client_for(celery_stack.app, "boss")
    response = boss.get("/export/container-infrastructure/cpu-by-container.png")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith(PNG_SIGNATURE)
    assert response.headers["X-Teamdash-Rendered-By"].split("@")[0] in WORKERS


def test_rep009_a_webhook_on_the_admins_list_gets_the_report_as_json(celery_stack):
    stack = celery_stack
    sub = stack.subscribe("sre", "container-infrastructure", "png", panel="cpu-by-container",
                          recipients=(), webhook=stack.webhook, name="CPU to chat")  # fmt: skip
    stack.pause(sub)
    sent_now(stack, sub, "sre")
    run = stack.wait_for_run(sub, lambda r: r.state in ("sent", "failed"), "finished")
    assert run.words() == "sent (webhook HTTP 200)"
    body = next(b for b in stack.posted if b["subscription"] == sub)
    assert body["text"].startswith("CPU to chat: Container Infrastructure, ")
    assert body["attachment"]["content_type"] == "image/png"
    assert base64.b64decode(body["attachment"]["base64"]).startswith(PNG_SIGNATURE)


def test_rep010_an_embed_links_export_is_drawn_by_a_worker_for_that_link_only(celery_stack):
    stack = celery_stack
    token = embed_token(stack.app, "container-infrastructure")
    anonymous = client_for(stack.app, None)
    path = "/export/container-infrastructure/cpu-by-container.png"
    drawn = anonymous.get(path, query_string={"token": token})
    assert drawn.status_code == 200 and drawn.data.startswith(PNG_SIGNATURE)
    assert drawn.headers["X-Teamdash-Rendered-By"].split("@")[0] in WORKERS
    other = anonymous.get("/export/sales-performance/countries.png", query_string={"token": token})
    assert other.status_code == 403


def test_rep011_no_export_worker_in_time_is_a_504_that_says_what_to_do(celery_stack, tmp_path):
    """An app whose queue no worker listens to (another Redis database) gives up in time."""
    env = {**celery_stack.env, "VAR_DIR": str(tmp_path), "EXPORT_TIMEOUT": "2",
           "APP_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "CELERY_BROKER_URL": celery_stack.broker.url.rsplit("/", 1)[0] + "/3"}  # fmt: skip
    lonely = create_app(Settings.from_env(env))
    add_user(lonely, "boss", "admin", ())
    answer = client_for(lonely, "boss").get("/export/container-infrastructure/cpu-by-container.png")
    assert answer.status_code == 504
    assert answer.get_json()["error"] == (
        "The export did not finish within 2 s: no export worker finished it within 2 s. Try "
        "again in a moment; if it keeps happening, add export workers."
    )


def test_rep008_broker_down_the_app_keeps_serving_and_says_the_queue_is_unreachable(
    celery_stack,
):
    stack = celery_stack
    boss = client_for(stack.app, "boss")
    assert '"data-queue":"ok"' in open_page(boss, "/reports")
    stack.broker.stop()
    try:
        page = open_page(boss, "/reports")
        assert "The report queue is unreachable" in page
        assert "Container Infrastructure" in open_page(boss, "/d/container-infrastructure")
        png = boss.get(
            "/export/container-infrastructure/cpu-by-container.png"
        )  # drawn here instead
        assert png.status_code == 200 and "X-Teamdash-Rendered-By" not in png.headers
    finally:
        stack.broker.start()


def test_rep012_a_webhook_the_admins_removed_gets_nothing_more_and_the_owner_is_told(
    celery_stack, smtp_server
):
    stack = celery_stack
    url = stack.webhook.replace("/hooks/sre", "/hooks/admins")
    with stack.app.server.app_context():
        hook = services().webhooks.add(url, "#admins", "boss")
    sub = stack.subscribe("sre", "container-infrastructure", "csv", panel="network",
                          recipients=(), webhook=url, notify="sre-lead@example.com")  # fmt: skip
    stack.pause(sub)
    sent_now(stack, sub, "sre")
    first = stack.wait_for_run(sub, lambda r: r.state in ("sent", "failed"), "finished")
    assert first.words() == "sent (webhook HTTP 200)"
    with stack.app.server.app_context():
        services().webhooks.remove(hook.id)
    sent_now(stack, sub, "sre")
    failed = stack.wait_for_run(sub, lambda r: r.state == "failed", "failed")
    assert failed.reason == (
        "its webhook is no longer on the admins' list; nothing was sent. Pick another webhook, "
        "or none, in the subscription"
    )
    notice = smtp_server.wait_for("sre-lead@example.com")[0]
    assert failed.reason in " ".join(notice.message.get_content().split())
    assert [b for b in stack.posted if b["subscription"] == sub] == [
        next(b for b in stack.posted if b["subscription"] == sub)
    ]  # the first run's post only


def test_rep013_a_saved_views_report_holds_the_views_data_over_the_subscriptions_range(
    celery_stack, smtp_server
):
    stack = celery_stack
    with stack.app.server.app_context():
        sam = services().users.get("sam")
        view = services().views.add(sam, "sales-performance", "EU, last 90 days", "sales",
                                    "from=now-90d&to=now&var-region=EU")  # fmt: skip
    sub = stack.subscribe("sam", "sales-performance", "csv", panel="countries",
                          time_from="now-30d", saved_view=view.id, notify="sam-v@example.com",
                          recipients=("eu-view@example.com",))  # fmt: skip
    stack.pause(sub)
    sent_now(stack, sub, "sam")
    message = smtp_server.wait_for("eu-view@example.com")[0]
    countries = set(pd.read_csv(io.BytesIO(message.attachment()[1])).iloc[:, 0])
    assert countries and countries <= EU, countries  # the view's region
    text = " ".join(message.message.get_body().get_content().split())
    assert text.startswith("Sales Performance, now-30d to now (")  # the subscription's range
    assert "The saved view “EU, last 90 days”." in text
    assert "/d/sales-performance?from=now-30d&to=now" in text and "var-region=EU" in text
    # The view deleted: the next run fails and says why; nobody gets a report.
    with stack.app.server.app_context():
        services().views.delete(view.id)
    sent_now(stack, sub, "sam")
    failed = stack.wait_for_run(sub, lambda r: r.state == "failed", "failed")
    assert failed.reason.startswith(f"there is no saved view '{view.id}' of dashboard ")
    assert "nothing was sent" in failed.reason
    notice = smtp_server.wait_for("sam-v@example.com")[0]
    assert failed.reason in " ".join(notice.message.get_content().split())
    assert len(smtp_server.to("eu-view@example.com")) == 1


def test_rep014_a_run_that_cannot_be_mailed_fails_once_in_words_and_is_not_rendered_again(
    celery_stack, smtp_server
):
    """A name with a line break stored before names were checked: the mail's header refuses
    it, the run fails at once and says why (it stayed `rendering` and was rendered again every
    lease, forever), and is not taken again."""
    stack = celery_stack
    sub = stack.subscribe("sre", "container-infrastructure", "csv", panel="network",
                          name="Evil\r\nBcc: x@example.com",
                          recipients=("header@example.com",))  # fmt: skip
    stack.pause(sub)
    sent_now(stack, sub, "sre")
    run = stack.wait_for_run(sub, lambda r: r.state not in ("queued", "rendering"), "finished")
    assert run.state == "failed" and run.attempt == 1, run.words()
    assert run.reason.startswith("the message's headers cannot be written"), run.reason
    with stack.app.server.app_context():
        assert services().reports.overdue() == []
    assert smtp_server.to("header@example.com") == [] and smtp_server.to("x@example.com") == []
