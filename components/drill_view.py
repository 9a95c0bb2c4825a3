"""Where a drill-down has led: the breadcrumb back up, and the chips of the filters in force
(variables narrowed from their defaults, by a click on a chart or in the toolbar), each removable
on its own."""

from __future__ import annotations

from dash import dcc, html

from data.spec import Dashboard


def breadcrumb(trail: list[tuple[str, str | None]]) -> html.Nav:
    """(label, href) steps from the top; the last one is where we are (no link)."""
    items = []
    for n, (label, href) in enumerate(trail):
        last = n == len(trail) - 1
        content = label if last or href is None else dcc.Link(label, href=href)
        items.append(html.Li(content, className="breadcrumb-item" + (" active" if last else "")))
    return html.Nav(html.Ol(items, className="breadcrumb small mb-1"), className="drill-crumbs")


def filter_chips(
    dashboard: Dashboard, values: dict[str, list[str]], defaults: dict[str, list[str]],
    locked: set[str],
) -> html.Div | None:  # fmt: skip
    chips = []
    for variable in dashboard.variables:
        name = variable.name
        chosen = values.get(name, [])
        if name in locked or sorted(chosen) == sorted(defaults.get(name, [])):
            continue
        shown = ", ".join(chosen[:3]) + (f" +{len(chosen) - 3}" if len(chosen) > 3 else "")
        chips.append(
            html.Span(
                [
                    f"{variable.label or name}: {shown}",
                    html.Button(
                        "×",
                        id={"type": "filter-chip", "name": name},
                        className="chip-remove",
                        title=f"Remove the {name} filter",
                    ),
                ],  # fmt: skip
                className="filter-chip",
                **{"data-filter": name},
            )
        )
    if not chips:
        return None
    return html.Div([html.Span("Filters", className="toolbar-label me-2"), *chips],
                    className="filter-chips")  # fmt: skip


def detail_title(panel_title: str, category: str | None, series: str | None, when: str) -> str:
    parts = [p for p in (category, series) if p]
    return f"{panel_title}: {' · '.join(parts)}{' · ' + when if when else ''}"
