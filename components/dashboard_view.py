"""The dashboard page's parts: header, toolbar (time range, comparison, refresh, variables) and
the grid of panel cards. Layout only: every panel's data arrives through the panel callback."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import dcc, html

import urls
from data.spec import REFRESH_CHOICES, Dashboard, Panel, refresh_seconds
from data.timerange import compare_words, readable_time
from data.urlstate import ViewState
from data.variables import ALL, shows_all
from panels import panel_type
from panels.kind import window_words
from services import services

EXPORT_FORMATS = (("PNG image", "png"), ("SVG image", "svg"), ("CSV data", "csv"))
# Grafana's quick ranges: (label, from, to). A calendar unit as `to` means its end ("Today" is
# now/d to the end of the day).
TIME_PRESETS = [
    ("Last 5 minutes", "now-5m", "now"),
    ("Last 15 minutes", "now-15m", "now"),
    ("Last 1 hour", "now-1h", "now"),
    ("Last 6 hours", "now-6h", "now"),
    ("Last 24 hours", "now-24h", "now"),
    ("Last 7 days", "now-7d", "now"),
    ("Last 30 days", "now-30d", "now"),
    ("Last 90 days", "now-90d", "now"),
    ("Today", "now/d", "now/d"),
    ("Yesterday", "now-1d/d", "now-1d/d"),
    ("This week", "now/w", "now/w"),
    ("This month", "now/M", "now/M"),
    ("Previous month", "now-1M/M", "now-1M/M"),
    ("This quarter", "now/Q", "now/Q"),
    ("Quarter to date", "now/Q", "now"),
    ("Year to date", "now/y", "now"),
]
FISCAL_PRESETS = [
    ("This fiscal quarter", "now/fQ", "now/fQ"),
    ("Fiscal quarter to date", "now/fQ", "now"),
    ("Fiscal year to date", "now/fy", "now"),
]


# The toolbar's "Compare with": each time-series, stat and KPI panel also draws this period,
# dotted (a panel's own `compare` when none is picked here). Values as the URL's `compare=`.
COMPARE_CHOICES = [
    ("None", ""),
    ("Previous period", "previous"),
    ("Previous week", "7d"),
    ("Previous year", "1y"),
]


def compare_options(current: str) -> list[dict]:
    """The menu's choices; a URL's other duration (`compare=30d`) is offered as it is."""
    options = [{"label": label, "value": value} for label, value in COMPARE_CHOICES]
    if current and current not in {value for _, value in COMPARE_CHOICES}:
        options.append({"label": compare_words(current).capitalize(), "value": current})
    return options


def preset_value(time_from: str, time_to: str) -> str:
    """A preset's value in the time menu (the toolbar callback splits it back)."""
    return f"{time_from} to {time_to}"


def time_presets() -> list[tuple[str, str, str]]:
    """The quick ranges, the fiscal ones where a fiscal year start is set."""
    fiscal = services().settings.fiscal_year_start != 1
    return TIME_PRESETS + (FISCAL_PRESETS if fiscal else [])


def var_id(name: str) -> dict:
    return {"type": "var", "name": name}


def panel_body_id(slug: str, panel_id: str) -> dict:
    return {"type": "panel-body", "slug": slug, "panel": panel_id}


def loading_body() -> html.Div:
    return html.Div(
        dbc.Spinner(size="sm"), className="panel-loading", **{"data-panel-state": "loading"}
    )


def export_menu(slug: str, panel: Panel, query: str) -> html.Details | None:
    """A small menu of the downloads the panel's type offers (plain links: the server draws the
    files); None when it offers none."""
    offered = panel_type(panel.type).exports
    links = [
        html.A(
            label,
            href=urls.export(services().settings.url_prefix, slug, fmt, panel.id, query),
            className="panel-export-link",
        )
        for label, fmt in EXPORT_FORMATS
        if fmt in offered
    ]
    if not links:
        return None
    return html.Details(
        [
            html.Summary("Export", className="panel-export-toggle"),
            html.Div(links, className="panel-export-menu"),
        ],
        className="panel-export",
    )


def window_badges(panel: Panel) -> list[html.Span]:
    """What the panel shows besides the picker's range, said on its card."""
    return [html.Span(t, title=hint, className="panel-window") for t, hint in window_words(panel)]


def panel_card(
    slug: str,
    panel: Panel,
    export: str | None = None,
    ignored: list[str] | None = None,
    alone: bool = False,
) -> dbc.Col:
    """`export`: the query string of the panel's export links (none without it). Panels with
    numbers to show have a "View as table" too. `ignored`: the labels of the variables set on
    the page that this panel does not read. `alone`: the only panel of its row."""
    title = [html.Span(panel.title, className="panel-title")]
    if panel.description:
        title.append(html.Span("i", title=panel.description, className="panel-info"))
    title += window_badges(panel)
    if ignored:
        title.append(
            html.Span(
                f"not filtered by {', '.join(ignored)}",
                title="This panel's data has no such dimension: it shows every value",
                className="panel-window panel-unfiltered",
            )
        )
    kind = panel_type(panel.type)
    actions = []
    if kind.rows is not None:
        actions.append(
            html.Button(
                "View as table",
                id={"type": "panel-table-toggle", "slug": slug, "panel": panel.id},
                className="panel-table-toggle",
                type="button",
                **{"aria-pressed": "false"},
            )
        )
    menu = export_menu(slug, panel, export) if export is not None else None
    if menu is not None:
        actions.append(menu)
    if actions:
        title.append(html.Span(actions, className="panel-actions"))
    return dbc.Col(
        html.Div(
            [
                html.Div(title, className="panel-header"),
                html.Div(
                    loading_body(),
                    id=panel_body_id(slug, panel.id),
                    className="panel-body",
                    style={"minHeight": f"{panel.height}px"},
                ),
                html.Div(
                    id={"type": "panel-table", "slug": slug, "panel": panel.id},
                    className="panel-table-box",
                    hidden=True,
                ),
            ],
            className="panel-card",
            **{"data-panel-id": panel.id, "data-panel-type": panel.type},
        ),
        # A phone: one panel a row; a tablet: two side by side (an 8 and a 4 as two halves),
        # a panel alone in its row across the page.
        xs=12,
        md=12 if panel.width == 12 or alone else 6,
        lg=panel.width,
        className="mb-3",
    )


def dom_id(ident: dict) -> str:
    """The DOM id Dash gives a component with a dict id (its keys sorted, values as JSON): what a
    label's `htmlFor` names."""
    return (
        "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(ident.items())) + "}"
    )


def _variable_control(
    name: str,
    label: str,
    multi: bool,
    include_all: bool,
    choices: list[str],
    selected: list[str],
    locked: bool = False,
    all_selected: bool = False,
) -> html.Div:
    include_all = include_all and not locked
    options = [{"label": "All", "value": ALL}] if include_all else []
    options += [{"label": c, "value": c} for c in choices]
    value: list[str] | str
    if all_selected:
        value = [ALL] if multi else ALL
    else:
        value = selected if multi else (selected[0] if selected else None)
    return html.Div(
        [
            html.Label(label, className="toolbar-label", htmlFor=dom_id(var_id(name))),
            dcc.Dropdown(
                id=var_id(name),
                options=options,
                value=value,
                multi=multi,
                clearable=False,
                disabled=locked,
                maxHeight=360,  # ten or so values at a glance, not three
                className="var-dropdown",
            ),
        ],
        className="toolbar-item",
        title="Set for you; it cannot be changed here" if locked else None,
    )


def _menu(
    label: str, ident: str, options: list, value: str, kind: str, title: str | None = None
) -> html.Div:
    """A labelled menu of the toolbar (`kind`-dropdown styles it); `title`: what it does, on
    hover."""
    return html.Div(
        [
            html.Label(label, className="toolbar-label", htmlFor=ident),
            dcc.Dropdown(
                id=ident,
                options=options,
                value=value,
                clearable=False,
                className=f"{kind}-dropdown",
            ),  # fmt: skip
        ],
        className="toolbar-item",
        title=title,
    )


def toolbar(
    dashboard: Dashboard,
    state: ViewState,
    values: dict[str, list[str]],
    choices: dict[str, list[str]],
    locked: frozenset[str] | set[str] = frozenset(),
) -> html.Div:
    presets = [{"label": t, "value": preset_value(f, to)} for t, f, to in time_presets()]
    current = preset_value(state.time_from, state.time_to)
    absolute = current not in {p["value"] for p in presets}
    if absolute:
        presets.append({"label": "Custom range", "value": "custom"})
    items = [
        _variable_control(
            v.name,
            v.label or v.name,
            v.multi,
            v.include_all,
            choices.get(v.name, []),
            values.get(v.name, []),
            locked=v.name in locked,
            all_selected=v.name not in locked and shows_all(v, values, choices),
        )
        for v in dashboard.variables
    ]
    items += [
        _menu("Time range", "time-preset", presets, "custom" if absolute else current, "time"),
        html.Div(
            [
                html.Span("From / to", className="toolbar-label", **{"aria-hidden": "true"}),
                html.Label("From", htmlFor="time-from", className="visually-hidden"),
                html.Label("To", htmlFor="time-to", className="visually-hidden"),
                dbc.InputGroup(
                    [
                        dbc.Input(
                            id="time-from",
                            value=readable_time(state.time_from),
                            size="sm",
                            debounce=True,
                        ),
                        dbc.Input(
                            id="time-to",
                            value=readable_time(state.time_to),
                            size="sm",
                            debounce=True,
                        ),
                    ],
                    size="sm",
                ),
            ],
            className="toolbar-item toolbar-absolute",
        ),
        _menu(
            "Compare with",
            "compare-choice",
            compare_options(state.compare),
            state.compare,
            "compare",
            title="Each time series, stat and KPI panel also draws this period, dotted",
        ),
        _menu("Refresh", "refresh-choice", list(REFRESH_CHOICES), state.refresh, "refresh"),
        html.Div(
            [
                html.Span(className="live-dot" + ("" if state.refresh != "off" else " off")),
                html.Span("updated just now", id="dash-updated-text", className="small text-muted"),
            ],
            className="toolbar-item toolbar-live",
        ),
    ]
    return html.Div(items, className="dash-toolbar")


def header(
    dashboard: Dashboard,
    titles: dict[str, str],
    export: str | None = None,
    extra: list | None = None,
) -> html.Div:
    """`extra`: further controls beside the title (a user's star and views)."""
    links = [
        dcc.Link(
            titles[link.dashboard],
            href=urls.dashboard(services().settings.url_prefix, link.dashboard),
            className="me-3 small",
        )
        for link in dashboard.links
        if link.dashboard in titles  # only the dashboards this viewer may open
    ]
    title = [html.H1(dashboard.title, className="h4 mb-1")]
    if export is not None:
        title.append(
            html.A(
                "PDF report",
                href=urls.export(
                    services().settings.url_prefix, dashboard.slug, "pdf", query=export
                ),
                className="btn btn-outline-secondary btn-sm dash-report",
                title="Every panel of this dashboard for this time range, as a PDF",
            )
        )
    title += extra or []
    return html.Div(
        [
            html.Div(title, className="dash-title-row"),
            html.P(dashboard.description, className="text-muted small mb-1"),
            html.Div(links),
        ],
        className="dash-header",
    )


def grid(
    dashboard: Dashboard,
    only: str | None = None,
    export: str | None = None,
    narrowed: dict[str, str] | None = None,
) -> html.Div:
    """The rows of panel cards; `only` one panel, at full width (an embedded panel).
    `narrowed`: the variables (name: label) set to other than their defaults; a panel that does
    not read one says so on its card, instead of silently showing everything."""
    narrowed = narrowed or {}

    def card(panel: Panel, alone: bool = False) -> dbc.Col:
        ignored = [
            label
            for name, label in narrowed.items()
            if panel.queries and not dashboard.reads(panel, name)
        ]
        return panel_card(dashboard.slug, panel, export, ignored, alone)

    if only is not None:
        return html.Div(dbc.Row([card(dashboard.panel(only).model_copy(update={"width": 12}))]))
    rows = []
    for row in dashboard.rows:
        if row.title:
            rows.append(html.H2(row.title, className="row-title"))
        rows.append(dbc.Row([card(p, len(row.panels) == 1) for p in row.panels]))
    return html.Div(rows)


def refresh_ms(choice: str) -> int:
    seconds = refresh_seconds(choice)
    return (seconds or 3600) * 1000
