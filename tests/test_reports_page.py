"""`/reports` as its users meet it, through the callbacks the page sends: a user subscribes to a
dashboard they may open, sees it listed with its next slot, changes and deletes it; what is
wrong with a subscription is said in words; without a queue the page says schedules do not
fire. And as an attacker: another user's subscription id, a viewer acting on an admin's, an
embed link and an anonymous script get nothing done, and the refusals are audited."""

from __future__ import annotations

import json

import pytest

from callbacks.access import registry
from components.your_views import PRIVATE
from reports.render import Undeliverable, run_view
from services import services
from tests.fixtures.app import (
    add_user,
    client_for,
    demo_app,
    embed_token,
    open_page,
    start_logged_in,
)
from tests.test_authorisation import call, key_of
from tests.test_saved_views import SALES, props_of, text_of, view_named
from tests.test_saved_views import save as save_view

FORM = {
    "report-name": "Weekly SRE",
    "report-dashboard": "container-infrastructure",
    "report-view": None,
    "report-format": "pdf",
    "report-panel": None,
    "report-range": "now-7d to now",
    "report-frequency": "weekly",
    "report-at": "07:30",
    "report-weekday": "mon",
    "report-monthday": 1,
    "report-cron": "",
    "report-timezone": "Europe/Paris",
    "report-vars": "",
    "report-recipients": "oncall@example.com, lead@example.com",
    "report-webhook": None,
    "report-notify": "sre@example.com",
}
CLICK = "..report-name.value@"  # Save, New, and the rows' Edit, Send now, Delete
OFFERED = "..report-panel.options"  # what the chosen dashboard offers the form
# The click callback's inputs: Save, New, then each row's Edit, Send now and Delete.
ROWS = {"report-edit": (2, "n_clicks"), "report-send": (3, "n_clicks"),
        "report-delete": (4, "submit_n_clicks")}  # fmt: skip
CHAT = "https://chat.example.com/hooks/sre"


@pytest.fixture(scope="module")
def app(prometheus, warehouse_sqlite, tmp_path_factory):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path_factory.mktemp("reports-page"),
                   report_webhooks=(CHAT,))  # fmt: skip
    add_user(app, "vic", "viewer", ("sre",))
    add_user(app, "sam", "viewer", ("sales",))
    return app


def save_request(app, editing=None, **changes) -> dict:
    values = {(name, "value"): value for name, value in {**FORM, **changes}.items()}
    values[("report-save", "n_clicks")] = 1
    values[("report-editing", "data")] = editing
    request = call(app, key_of(app, CLICK), values)
    request["changedPropIds"] = ["report-save.n_clicks"]
    return request


def told(answer, where: str = "report-result") -> str:
    """What the page says after a click: under the form, or over the list (`reports-row-result`)."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return json.dumps(answer.get_json()["response"][where]["children"])


def save(client, app, editing=None, **changes) -> str:
    """The form saved (`editing`: the subscription being changed); what the page says."""
    return told(client.post("/_dash-update-component", json=save_request(app, editing, **changes)))


def pressed(app, kind: str, sub_id, editing=None) -> dict:
    """The click callback's request with a row's button (a pattern-matching id) pressed, while
    subscription `editing` is in the form."""
    body = call(app, key_of(app, CLICK), {("report-editing", "data"): editing})
    position, prop = ROWS[kind]
    button = {"type": kind, "sub": sub_id}
    body["inputs"][position] = [{"id": button, "property": prop, "value": 1}]
    key = json.dumps(button, separators=(",", ":"), sort_keys=True)
    body["changedPropIds"] = [f"{key}.{prop}"]
    return body


def row_action(client, app, kind: str, sub_id, editing=None) -> object:
    """Edit, Send now or Delete pressed on a subscription's row."""
    return client.post("/_dash-update-component", json=pressed(app, kind, sub_id, editing))


def offered(client, app, slug: str, fmt: str = "pdf", editing=None, view=None):
    """The form's answer once dashboard `slug` is chosen (the view `view` picked before)."""
    values = {("report-dashboard", "value"): slug, ("report-format", "value"): fmt,
              ("report-editing", "data"): editing, ("report-view", "value"): view}  # fmt: skip
    return client.post("/_dash-update-component", json=call(app, key_of(app, OFFERED), values))


def views_offered(client, app, slug: str, editing=None) -> dict[str, str]:
    """The saved views the form offers for dashboard `slug`: {id: label}."""
    answer = offered(client, app, slug, editing=editing)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    options = answer.get_json()["response"]["report-view"]["options"]
    return {o["value"]: o["label"] for o in options}


def share_view(app, owner: str, name: str, team: str | None, time_from: str = "now-30d",
               slug: str = SALES, **variables: list[str]) -> str:  # fmt: skip
    """A saved view, made as its owner makes one on the dashboard; its id."""
    state = {"from": time_from, "to": "now", "refresh": "off", "vars": variables}
    answer = text_of(save_view(client_for(app, owner), app, name, share=team or PRIVATE,
                               slug=slug, state=state))  # fmt: skip
    assert "Saved “" in answer, answer
    return view_named(app, name)["id"]


def the_run_reads(app, sub_id: int):
    """The view a run of the subscription would report (its state), or why it would fail."""
    with app.server.app_context():
        sub = services().reports.get(sub_id)
        try:
            return run_view(sub, services().users.get(sub.owner)).state
        except Undeliverable as exc:
            return str(exc)


def subscriptions(app, owner: str | None = None):
    with app.server.app_context():
        return services().reports.subscriptions(owner)


def audited(app, action: str):
    with app.server.app_context():
        return services().audit.events(action=action)


def test_rpt001_a_user_subscribes_to_their_dashboard_and_sees_it_listed(app):
    sre = client_for(app, "sre")
    assert "Subscribed: Weekly SRE, weekly on mon at 07:30 (Europe/Paris)" in save(sre, app)
    [sub] = subscriptions(app, "sre")
    assert sub.recipients == ("oncall@example.com", "lead@example.com")
    assert (sub.dashboard, sub.format, sub.time_from, sub.time_to) == (
        "container-infrastructure", "pdf", "now-7d", "now")  # fmt: skip
    page = open_page(sre, "/reports")
    assert "Weekly SRE" in page and "PDF report of Container Infrastructure" in page
    assert "The report queue is not configured (CELERY_BROKER_URL is not set)" in page
    assert audited(app, "report_subscribe")[0].actor == "sre"
    # Without a queue, Send now says why nothing can be sent.
    answer = row_action(sre, app, "report-send", sub.id).get_data(as_text=True)
    assert "the report queue is not configured" in answer


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (
            {"report-dashboard": "sales-performance"},
            "You may not open dashboard 'sales-performance'",
        ),
        ({"report-frequency": "cron", "report-cron": "61 * * * *"}, "schedule: cron '61 * * * *'"),
        ({"report-frequency": "cron", "report-cron": "* * *"}, "has 3 fields; write five"),
        ({"report-at": "25:00"}, "time '25:00': write it as HH:MM"),
        ({"report-timezone": "Mars/Olympus"}, "time zone 'Mars/Olympus' is not known"),
        ({"report-recipients": "oncall@example.com, not-an-address"}, "'not-an-address' is not an"),
        ({"report-recipients": "", "report-webhook": None}, "give at least one recipient"),
        ({"report-webhook": "http://169.254.169.254/latest"}, "not one of the admins'"),
        (
            {"report-format": "png", "report-panel": None},
            "pick a panel of Container Infrastructure",
        ),
        ({"report-range": "now-7d to now-8d"}, "is empty"),
        ({"report-vars": "service"}, "'service' is not name=value"),
    ],
)
def test_rpt002_what_is_wrong_with_a_subscription_is_said_and_nothing_is_stored(app, changes, said):
    before = len(subscriptions(app))
    answer = save(client_for(app, "sre"), app, **changes)
    assert "Not saved" in answer and said in answer, answer
    assert len(subscriptions(app)) == before


def test_rpt003_another_users_subscription_cannot_be_edited_sent_or_deleted(app):
    sales = client_for(app, "sales")
    save(sales, app, **{"report-name": "Sales weekly", "report-dashboard": "sales-performance"})
    theirs = subscriptions(app, "sales")[0]
    vic = client_for(app, "vic")
    for kind in ("report-send", "report-delete", "report-edit"):
        refused = row_action(vic, app, kind, theirs.id)
        assert refused.status_code == 403, refused.status_code  # nothing done
        assert "You may not do that: not your subscription" in refused.get_json()["error"]
    hijack = save_request(app, theirs.id, **{"report-recipients": "vic@example.com"})
    assert vic.post("/_dash-update-component", json=hijack).status_code == 403
    assert subscriptions(app, "sales")[0] == theirs
    denied = [e for e in audited(app, "forbidden") if e.actor == "vic"]
    assert {e.target for e in denied} == {f"subscription {theirs.id}"} and len(denied) >= 4
    # Not a number, or an id that does not exist: the same refusal.
    for sub_id in ("1 OR 1=1", 99999):
        assert row_action(vic, app, "report-delete", sub_id).status_code == 403
    assert "Sales weekly" not in open_page(vic, "/reports")


def test_rpt004_an_admin_sees_every_subscription_and_changes_it_under_its_owners_rights(app):
    save(client_for(app, "sales"), app, **{"report-name": "EU numbers",
                                           "report-dashboard": "sales-performance"})  # fmt: skip
    sub = next(s for s in subscriptions(app, "sales") if s.name == "EU numbers")
    admin = client_for(app, "admin")
    page = open_page(admin, "/reports")
    assert "EU numbers" in page and "Weekly SRE" in page
    # The owner (sales) may not open the SRE dashboards: neither may the subscription.
    refused = save(admin, app, editing=sub.id, **{"report-dashboard": "container-infrastructure"})
    assert "You may not open dashboard 'container-infrastructure'" in refused
    saved = save(admin, app, editing=sub.id, **{"report-dashboard": "sales-performance",
                                                "report-name": "EU numbers (daily)",
                                                "report-frequency": "daily"})  # fmt: skip
    assert "Saved EU numbers (daily): daily at 07:30 (Europe/Paris)" in saved
    changed = next(s for s in subscriptions(app, "sales") if s.id == sub.id)
    assert changed.owner == "sales" and changed.schedule.frequency == "daily"
    assert audited(app, "report_edit")[0].actor == "admin"
    assert row_action(admin, app, "report-delete", sub.id).status_code == 200
    assert sub.id not in {s.id for s in subscriptions(app)}
    assert audited(app, "report_delete")[0].detail["owner"] == "sales"


def test_rpt005_embed_links_and_anonymous_scripts_reach_no_reports_callback(app):
    token = embed_token(app, "container-infrastructure")
    anonymous = client_for(app, None)
    before = len(subscriptions(app))
    linked = {("dash-state", "data"): {"slug": "container-infrastructure", "embed": token},
              ("url", "href"): f"/embed/container-infrastructure?token={token}"}  # fmt: skip
    for output in [k for k in registry(app) if "report" in k]:
        values = {**linked, **{(n, "value"): v for n, v in FORM.items()},
                  ("report-save", "n_clicks"): 1}  # fmt: skip
        answer = anonymous.post("/_dash-update-component", json=call(app, output, values))
        assert answer.status_code == 401, output
    assert row_action(anonymous, app, "report-delete", 1).status_code == 401
    assert len(subscriptions(app)) == before
    assert anonymous.get("/reports").status_code == 302


def test_rpt007_a_user_subscribes_to_a_view_shared_with_their_team_and_the_run_reads_it(app):
    """The view gives the variables, the subscription the range (and the variables it sets)."""
    shared = share_view(app, "sales", "EU toys", "sales", region=["EU"], category=["Toys"])
    private = share_view(app, "sales", "Sally's NA", None, region=["NA"])
    sam = client_for(app, "sam")
    offers = views_offered(sam, app, SALES)
    assert offers == {shared: "EU toys (by sales) · shared with Sales"}  # not Sally's private
    assert views_offered(client_for(app, "sales"), app, SALES)[private] == "Sally's NA · private"
    answer = save(sam, app, **{"report-name": "EU toys weekly", "report-dashboard": SALES,
                               "report-view": shared, "report-vars": "campaign=any"})  # fmt: skip
    assert "Subscribed: EU toys weekly" in answer, answer
    [sub] = subscriptions(app, "sam")
    assert (sub.saved_view, sub.time_from, sub.variables) == (
        shared,
        "now-7d",
        {"campaign": ["any"]},
    )
    assert "PDF report of Sales Performance, view “EU toys”" in open_page(sam, "/reports")
    assert audited(app, "report_subscribe")[0].detail["view"] == shared
    state = the_run_reads(app, sub.id)
    assert (state.time_from, state.time_to) == ("now-7d", "now")  # the subscription's range
    assert state.variables["region"] == ["EU"] and state.variables["category"] == ["Toys"]
    assert state.variables["campaign"] == ["any"]

    # A region-bound user's run reads their region, whatever the view asks.
    na = share_view(app, "sales", "NA only", "sales", region=["NA"])
    save(client_for(app, "sales-eu"), app, **{"report-name": "NA?", "report-dashboard": SALES,
                                              "report-view": na})  # fmt: skip
    [bound] = subscriptions(app, "sales-eu")
    assert the_run_reads(app, bound.id).variables["region"] == ["EU"]

    # The view no longer shared with the owner's team, then deleted: the run fails, saying why.
    with app.server.app_context():
        services().views.change(services().views.get(shared, services().users.get("sales")),
                                "EU toys", None)  # fmt: skip
    gone = (f"there is no saved view '{shared}' of dashboard 'sales-performance' that sam may "
            "report: it was deleted, or it is another user's and not shared with a team of "
            "sam's; nothing was sent. Pick another view, or none, in the subscription")  # fmt: skip
    assert the_run_reads(app, sub.id) == gone
    with app.server.app_context():
        services().views.delete(shared)
    assert the_run_reads(app, sub.id) == gone
    assert "PDF report of Sales Performance, a saved view that was deleted" in open_page(
        sam, "/reports"
    )


def test_rpt008_another_users_private_view_is_refused_and_audited(app):
    private = share_view(app, "sales", "Sally's secret", None, region=["APAC"])
    other_dashboard = share_view(app, "sam", "Sam's products", "sales", slug="product-insights")
    sam = client_for(app, "sam")
    before = len(subscriptions(app))
    for view_id, said in (
        *((v, "Not saved: there is no saved view")
          for v in (private, other_dashboard, "no-such-view", "'; DROP TABLE x --")),
        (["a", "b"], "Not saved: view: expected text"),
    ):  # fmt: skip
        answer = save(sam, app, **{"report-name": "Theirs", "report-dashboard": SALES,
                                   "report-view": view_id})  # fmt: skip
        assert said in answer, answer
        assert "APAC" not in answer and "Sally" not in answer
    assert len(subscriptions(app)) == before
    refused = [e for e in audited(app, "forbidden") if e.actor == "sam"]
    assert f"saved view '{private}'" in {e.target for e in refused}
    # The owner's choices are read for the subscription's owner: an admin editing sam's sees
    # sam's views, not their own private ones; vic may not ask for sam's.
    share_view(app, "admin", "Admin's private", None)
    mine = save(sam, app, **{"report-name": "Sam's", "report-dashboard": SALES})
    assert "Subscribed" in mine
    sub = next(s for s in subscriptions(app, "sam") if s.name == "Sam's")
    assert (
        "Admin's private"
        not in views_offered(client_for(app, "admin"), app, SALES, sub.id).values()
    )
    assert offered(client_for(app, "vic"), app, SALES, editing=sub.id).status_code == 403


def test_rpt009_subscribe_from_a_saved_view_starts_the_form_on_it(app):
    view_id = share_view(app, "sales", "Toys, last 90 days", "sales", time_from="now-90d",
                         category=["Toys"])  # fmt: skip
    private = share_view(app, "sales", "Sally's drafts", None)
    sam = client_for(app, "sam")
    dashboard = open_page(sam, f"/d/{SALES}").replace("\\u002f", "/")  # the Views panel
    assert f"/reports?view={view_id}" in dashboard and f"/reports?view={private}" not in dashboard
    layout = open_page(sam, f"/reports?view={view_id}")
    assert props_of(layout, "report-view")["value"] == view_id
    assert props_of(layout, "report-dashboard")["value"] == SALES
    assert props_of(layout, "report-name")["value"] == "Toys, last 90 days"
    assert props_of(layout, "report-range")["value"] == "now-90d to now"
    assert view_id in json.dumps(props_of(layout, "report-view")["options"])
    refused = open_page(sam, f"/reports?view={private}")
    assert "There is no saved view" in refused and "Sally's drafts" not in refused
    assert props_of(refused, "report-view")["value"] is None
    assert f"saved view '{private}'" in {e.target for e in audited(app, "forbidden")}


def test_rpt010_users_pick_a_webhook_by_its_label_and_never_see_its_address(app):
    sre = client_for(app, "sre")
    page = open_page(sre, "/reports")
    assert "chat.example.com (REPORT_WEBHOOKS)" in page and "/hooks/sre" not in page
    options = props_of(page, "report-webhook")["options"]
    answer = save(sre, app, **{"report-name": "To chat", "report-recipients": "",
                               "report-webhook": options[0]["value"]})  # fmt: skip
    assert "Subscribed: To chat" in answer, answer
    sub = next(s for s in subscriptions(app, "sre") if s.name == "To chat")
    assert sub.webhook == CHAT
    listed = open_page(sre, "/reports")
    assert "webhook chat.example.com (REPORT_WEBHOOKS)" in listed and "/hooks/sre" not in listed
    # The address itself, or another, typed into the payload: refused.
    for hook, said in ((CHAT, "not one of the admins'"),
                       ("http://169.254.169.254/latest", "not one of the admins'"),
                       ({"x": 1}, "webhook: expected text")):  # fmt: skip
        refused = save(sre, app, **{"report-name": "Sneaky", "report-webhook": hook})
        assert said in refused, refused


def test_rpt011_new_clears_the_form_and_deleting_the_subscription_being_edited_ends_the_edit(app):
    sre = client_for(app, "sre")
    save(sre, app, **{"report-name": "Short lived"})
    sub = next(s for s in subscriptions(app, "sre") if s.name == "Short lived")
    edit = row_action(sre, app, "report-edit", sub.id).get_json()["response"]
    assert (
        edit["report-name"]["value"] == "Short lived" and edit["report-editing"]["data"] == sub.id
    )
    assert edit["report-form-title"]["children"] == "Edit subscription “Short lived”"
    deleted = row_action(sre, app, "report-delete", sub.id, editing=sub.id)
    assert "Deleted Short lived." in told(deleted, "reports-row-result")
    after = deleted.get_json()["response"]
    assert after["report-editing"]["data"] is None and after["report-name"]["value"] == ""
    # A saved form is blank again: a second click makes no second subscription.
    saved = sre.post("/_dash-update-component", json=save_request(app))
    assert saved.get_json()["response"]["report-name"]["value"] == ""


@pytest.mark.browser
def test_rpt006_in_the_browser_a_user_fills_the_form_and_sees_the_subscription(
    dash_duo, prometheus, warehouse_sqlite, tmp_path
):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    start_logged_in(dash_duo, app, "sre")
    dash_duo.driver.get(dash_duo.server_url + "/reports")
    dash_duo.wait_for_text_to_equal("#report-form-title", "New subscription")
    # A weekly schedule asks for a time and a weekday; a cron schedule for its expression.
    assert dash_duo.find_element("#report-weekday-field").is_displayed()
    assert not dash_duo.find_element("#report-cron").is_displayed()
    dash_duo.select_dcc_dropdown("#report-frequency", "Cron expression")
    dash_duo.wait_for_style_to_equal("#report-weekday-field-col", "display", "none")
    assert dash_duo.find_element("#report-cron").is_displayed()
    dash_duo.select_dcc_dropdown("#report-frequency", "Weekly")
    # A PDF report is of the whole dashboard: no panel to pick until PNG or CSV is.
    assert not dash_duo.find_element("#report-panel-field").is_displayed()
    dash_duo.find_element("#report-name").send_keys("Containers for the on-call")
    dash_duo.select_dcc_dropdown("#report-dashboard", "Container Infrastructure")
    dash_duo.wait_for_contains_text("#report-vars-hint", "Container Infrastructure's: ")
    dash_duo.find_element("#report-recipients").send_keys("oncall@example.com")
    dash_duo.find_element("#report-save").click()
    dash_duo.wait_for_contains_text(
        "#report-result", "Subscribed: Containers for the on-call, weekly on mon at 08:00 (UTC)"
    )
    dash_duo.wait_for_contains_text("#reports-subscriptions", "PDF report of Container")
    assert dash_duo.find_element("#report-name").get_attribute("value") == ""  # blank again
    assert "The report queue is not configured" in dash_duo.find_element("#reports-queue").text
    assert dash_duo.get_logs() == []


@pytest.mark.browser
def test_rpt012_in_the_browser_a_saved_views_subscribe_leads_to_the_form_on_that_view(
    dash_duo, prometheus, warehouse_sqlite, tmp_path
):
    app = demo_app(prometheus, warehouse_sqlite, tmp_path)
    view_id = share_view(app, "sales", "EU, last 30 days", "sales", region=["EU"])
    start_logged_in(dash_duo, app, "sales-eu")
    dash_duo.driver.get(f"{dash_duo.server_url}/d/{SALES}")
    dash_duo.wait_for_element("#views-open").click()
    dash_duo.wait_for_element(f'[data-view="{view_id}"] .view-subscribe').click()
    dash_duo.wait_for_text_to_equal("#report-form-title", "New subscription")
    assert dash_duo.find_element("#report-name").get_attribute("value") == "EU, last 30 days"
    dash_duo.wait_for_contains_text("#report-view", "EU, last 30 days (by sales)")
    dash_duo.wait_for_contains_text("#report-range", "Last 30 days")
    dash_duo.find_element("#report-recipients").send_keys("eu-sales@example.com")
    dash_duo.find_element("#report-save").click()
    dash_duo.wait_for_contains_text("#report-result", "Subscribed: EU, last 30 days")
    dash_duo.wait_for_contains_text(
        "#reports-subscriptions", "PDF report of Sales Performance, view “EU, last 30 days”"
    )
    # Edit brings the form back with the view chosen.
    dash_duo.find_element('[data-subscription] button[id*="report-edit"]').click()
    dash_duo.wait_for_text_to_equal("#report-form-title", "Edit subscription “EU, last 30 days”")
    dash_duo.wait_for_contains_text("#report-view", "EU, last 30 days (by sales)")
    assert dash_duo.get_logs() == []


def test_rpt013_a_payload_the_form_would_not_send_gets_words_not_a_500(app):
    """A name with a line break (a header injection into the report's mail), lists where the
    form sends text, and another user's subscription named as the one being edited while
    pressing Send now on one's own: refused in words, nothing stored, nothing of theirs told."""
    sre = client_for(app, "sre")
    for changes, said in (
        ({"report-name": "Evil\r\nBcc: x@example.com"}, "line break"),
        ({"report-recipients": ["x@example.com"]}, "recipients: expected text"),
        ({"report-notify": ["x"]}, "notify: expected text"),
    ):
        before = len(subscriptions(app))
        answer = sre.post("/_dash-update-component", json=save_request(app, **changes))
        assert "Not saved" in told(answer) and said in told(answer), told(answer)
        assert len(subscriptions(app)) == before
    save(client_for(app, "sales"), app, **{"report-name": "Sally secret plan Q3",
                                           "report-dashboard": SALES})  # fmt: skip
    secret = next(s for s in subscriptions(app, "sales") if s.name == "Sally secret plan Q3")
    save(sre, app, **{"report-name": "Mine"})
    mine = next(s for s in subscriptions(app, "sre") if s.name == "Mine")
    answer = row_action(sre, app, "report-send", mine.id, editing=secret.id)
    response = answer.get_json()["response"]
    assert "Sally" not in json.dumps(response)
    assert response["report-editing"]["data"] is None
