"""The admin pages' parts: users (table and forms), embed links (the form and every link), the
report webhooks (the form and the list), the audit log. Layout only; the callbacks in
callbacks/admin.py act on them (declared for admins only, and checking it again)."""

from __future__ import annotations

from collections.abc import Mapping

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from appdb.webhooks import LABEL_MAX, Webhook
from auth.audit import ACTIONS, Event
from auth.embeds import EmbedLink
from auth.users import LEVELS, User
from data.spec import TEAMS, Dashboard


def _field(label: str, control) -> html.Div:
    caption = html.Label(label, className="toolbar-label", htmlFor=control.id)
    return html.Div([caption, control], className="mb-2")


def users_table(users: list[User]) -> dag.AgGrid:
    rows = [
        {
            "name": u.name,
            "level": u.level,
            "teams": ", ".join(u.teams),
            "attributes": " ".join(f"{k}={v}" for k, v in u.attributes.items()),
        }
        for u in users
    ]
    columns = [{"field": f, "sortable": True, "filter": True} for f in rows[0]] if rows else []
    return dag.AgGrid(
        id="admin-users-grid",
        rowData=rows,
        columnDefs=columns,
        defaultColDef={"flex": 1},
        dashGridOptions={"rowSelection": {"mode": "singleRow"}, "domLayout": "autoHeight"},
        className="ag-theme-alpine",
    )


def user_form() -> dbc.Card:
    teams = [{"label": t, "value": t} for t in TEAMS]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("Add or change a user", className="h6"),
                _field("User name", dbc.Input(id="admin-user-name", size="sm")),
                _field(
                    "Level",
                    dcc.Dropdown(
                        id="admin-user-level", options=list(LEVELS), value="viewer", clearable=False
                    ),  # fmt: skip
                ),
                _field("Teams", dcc.Dropdown(id="admin-user-teams", options=teams, multi=True)),
                _field(
                    "Attributes (name=value, space-separated; e.g. region=EU)",
                    dbc.Input(id="admin-user-attrs", size="sm"),
                ),
                _field(
                    "Password (new users, or a reset; at least 10 characters)",
                    dbc.Input(id="admin-user-password", type="password", size="sm"),
                ),
                dbc.ButtonGroup(
                    [
                        dbc.Button("Add", id="admin-user-add", size="sm"),
                        dbc.Button(
                            "Save level, teams, attributes",
                            id="admin-user-save",
                            size="sm",
                            color="secondary",
                        ),  # fmt: skip
                        dbc.Button(
                            "Reset password", id="admin-user-reset", size="sm", color="secondary"
                        ),  # fmt: skip
                        dbc.Button("Remove", id="admin-user-remove", size="sm", color="danger"),
                    ]
                ),
                html.Div(id="admin-user-result", className="mt-2 small"),
            ]
        )
    )


def embed_form(dashboards: list[Dashboard], max_ttl: str) -> dbc.Card:
    options = [{"label": d.title, "value": d.slug} for d in dashboards]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("Make an embed link", className="h6"),
                _field("Dashboard", dcc.Dropdown(id="admin-embed-slug", options=options)),
                _field(
                    f"Valid for (at most {max_ttl})",
                    dbc.Input(id="admin-embed-ttl", value="8h", size="sm"),
                ),
                _field(
                    "Locked variables (name=value, space-separated; e.g. region=EU)",
                    dbc.Input(id="admin-embed-vars", size="sm"),
                ),
                _field(
                    "Scopes (name=value: every read of the link is restricted to them)",
                    dbc.Input(id="admin-embed-scopes", size="sm"),
                ),
                dbc.Button("Make link", id="admin-embed-make", size="sm"),
                html.Div(id="admin-embed-result", className="mt-2 small", role="status"),
            ]
        ),
        className="mb-3",
    )


def embed_links_table(links: list[EmbedLink]) -> html.Div:
    """Every link with its creator, dashboard, locks, scopes, expiry and last use; active ones
    can be revoked."""
    if not links:
        return html.P("No embed links yet.", className="small text-muted")

    def when(moment) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"

    head = [
        "Link",
        "Dashboard",
        "Made by",
        "Locked",
        "Scopes",
        "Expires (UTC)",
        "Last used",
        "State",
        "",
    ]
    rows = []
    for link in links:
        action = (
            dbc.Button(
                "Revoke",
                id={"type": "admin-embed-revoke", "link": link.id},
                size="sm",
                color="danger",
                outline=True,
                className="py-0",
            )  # fmt: skip
            if link.state == "active"
            else ""
        )
        cells = [
            link.id,
            link.dashboard,
            link.creator,
            " ".join(f"{k}={','.join(v)}" for k, v in link.variables.items()),
            " ".join(f"{k}={v}" for k, v in link.scopes.items()),
            when(link.expires_at),
            when(link.last_used_at),
            link.state + (f" by {link.revoked_by}" if link.revoked_by else ""),
            action,
        ]
        rows.append(html.Tr([html.Td(c) for c in cells], **{"data-link": link.id}))
    return html.Div(
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
            size="sm",
            hover=True,
            className="small mb-0",
        ),
        className="table-responsive",
    )


def webhook_form() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("Add a webhook", className="h6"),
                html.P(
                    "Report subscriptions may post to the webhooks listed here, and only those: "
                    "users pick one by its label and never see or type its address.",
                    className="small text-muted mb-2",
                ),
                _field(
                    "Label (what users pick, e.g. #sre-reports)",
                    dbc.Input(id="admin-webhook-label", size="sm", maxLength=LABEL_MAX),
                ),
                _field(
                    "URL (a Slack-compatible incoming webhook)",
                    dbc.Input(
                        id="admin-webhook-url",
                        size="sm",
                        placeholder="https://chat.example.com/hooks/T0/B0/x",
                    ),
                ),
                dbc.Button("Add", id="admin-webhook-add", size="sm"),
                html.Div(id="admin-webhook-result", className="mt-2 small", role="status"),
            ]
        ),
        className="mb-3",
    )


def webhooks_table(hooks: list[Webhook], used: Mapping[str, int]) -> html.Div:
    """Every webhook with who added it and how many subscriptions post to it; the admins' own
    can be removed (those of REPORT_WEBHOOKS go with the environment)."""
    if not hooks:
        return html.P("No webhooks yet.", className="small text-muted")
    head = ["Label", "URL", "Added by", "Added (UTC)", "Subscriptions", ""]
    rows = []
    for hook in hooks:
        if hook.from_environment:
            action = html.Span("set in the environment", className="text-muted")
        else:
            action = dcc.ConfirmDialogProvider(
                dbc.Button("Remove", id={"type": "admin-webhook-remove-button", "hook": hook.id},
                           size="sm", color="danger", outline=True, className="py-0"),
                id={"type": "admin-webhook-remove", "hook": hook.id},
                message=f"Remove the webhook “{hook.label}”? The subscriptions that post to it "
                "fail from their next run on, and their owners are told.",
            )  # fmt: skip
        added = f"{hook.added_at:%Y-%m-%d %H:%M}" if hook.added_at else ""
        cells = [hook.label, html.Code(hook.url), hook.added_by, added, used.get(hook.url, 0),
                 action]  # fmt: skip
        rows.append(html.Tr([html.Td(c) for c in cells], **{"data-webhook": hook.key}))
    return html.Div(
        dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                  size="sm", hover=True, className="small mb-0 admin-webhooks"),
        className="table-responsive",
    )  # fmt: skip


def audit_filters() -> html.Div:
    return html.Div(
        [
            _field(
                "Action",
                dcc.Dropdown(
                    id="admin-audit-action",
                    options=list(ACTIONS),
                    placeholder="any",
                    className="var-dropdown",
                ),  # fmt: skip
            ),
            _field("Who", dbc.Input(id="admin-audit-actor", size="sm", placeholder="any")),
            _field(
                "Outcome",
                dcc.Dropdown(
                    id="admin-audit-outcome",
                    options=["ok", "denied", "limited", "error", "checking"],
                    placeholder="any",
                    className="var-dropdown",
                ),  # fmt: skip
            ),
        ],
        className="dash-toolbar",
    )


def audit_table(events: list[Event]) -> dag.AgGrid:
    rows = [
        {
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "action": e.action,
            "who": e.actor,
            "target": e.target,
            "outcome": e.outcome,
            "ip": e.ip,
            "detail": " ".join(f"{k}={v}" for k, v in e.detail.items()),
        }
        for e in events
    ]
    fields = ["at", "action", "who", "target", "outcome", "ip", "detail"]
    return dag.AgGrid(
        id="admin-audit-grid",
        rowData=rows,
        columnDefs=[{"field": f, "sortable": True, "filter": True} for f in fields],
        defaultColDef={"flex": 1, "minWidth": 100},
        dashGridOptions={
            "domLayout": "autoHeight",
            "pagination": True,
            "paginationPageSize": 50,
        },  # fmt: skip
        className="ag-theme-alpine",
    )
