"""`/d/<slug>/detail/<panel>?...&category=...&series=...&bucket=...`: the rows behind a clicked
bar or point, from the panel's drilldown SQL with everything bound as parameters: the dashboard's
time range and variables (those locked for the viewer win), and what was clicked; the rows are
read for the viewer's scope like every panel. Users only: embed links do not drill. A
breadcrumb leads back up to the dashboard as it was."""

from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

import urls
from auth.access import current_viewer
from components.drill_view import breadcrumb, detail_title
from data.drilldown import detail_params
from data.errors import DataSourceError
from data.panel_data import render_sql
from data.sql import SQLSource
from data.urlstate import ViewState
from data.view import INPUT_ERRORS, ViewDenied, authorise, resolve_view
from pages._titles import detail_title_of
from pages._view import refused
from panels.table import header, readable_times
from services import services

dash.register_page(
    __name__,
    path_template="/d/<slug>/detail/<panel>",
    name="Detail",
    title=detail_title_of,
    nav=False,
    order=9,
)
ROW_LIMIT = 1000


def _rows_grid(frame) -> dag.AgGrid:
    shown = frame.head(ROW_LIMIT).copy()
    for column in shown.columns:
        shown[column] = readable_times(shown[column])
    columns = [
        {"field": str(c), "headerName": header(c), "sortable": True, "filter": True}
        for c in shown.columns
    ]
    return dag.AgGrid(
        id="detail-grid",
        rowData=shown.to_dict("records"),
        columnDefs=columns,
        defaultColDef={"flex": 1, "minWidth": 100, "resizable": True},
        dashGridOptions={"pagination": True, "paginationPageSize": 50},
        style={"height": "600px"},
        className="ag-theme-alpine",
    )


def layout(slug: str = "", panel: str = "", **query):
    try:
        dashboard = authorise(current_viewer(), slug, users_only=True)
    except ViewDenied as exc:
        return refused(exc)
    spec = dashboard.panel(panel)
    if spec is None or spec.drilldown is None or not spec.drilldown.sql:
        return dbc.Alert(f"Panel {panel!r} has no rows to drill into.", color="warning")
    asked = ViewState.from_query(dashboard, query)
    when = ""
    try:
        view = resolve_view(current_viewer(), slug, asked, users_only=True)
        point = detail_params(query, view.time_range)
        if query.get("bucket"):
            when = f"from {point['bucket_start']:%Y-%m-%d %H:%M} UTC"
        params = {**view.query_values, **point}
        source: SQLSource = view.layer.source(spec.drilldown.datasource, SQLSource)
        sql = render_sql(spec.drilldown.sql, source.dialect)
        result = view.layer.sql(
            spec.drilldown.datasource, sql, view.time_range, params=params, ttl=60
        )
        body = _rows_grid(result.value.frame)
        count = f"{min(len(result.value.frame), ROW_LIMIT):,} rows"
    except ViewDenied as exc:
        return refused(exc)
    except INPUT_ERRORS as exc:
        body, count = dbc.Alert(str(exc), color="danger"), ""
    except DataSourceError as exc:
        body, count = dbc.Alert(exc.message, color="danger"), ""
    back_query = urlencode(
        [("from", asked.time_from), ("to", asked.time_to)]
        + [(f"var-{k}", v) for k, vs in asked.variables.items() for v in vs]
    )
    prefix = services().settings.url_prefix
    title = detail_title(spec.drilldown.title or spec.title, query.get("category"),
                         query.get("series"), when)  # fmt: skip
    return html.Div(
        [
            breadcrumb(
                [(dashboard.title, urls.dashboard(prefix, slug, back_query)), (title, None)]
            ),
            html.H2(title, className="h5"),
            html.P(count, className="small text-muted mb-2"),
            body,
        ],
        className="drill-detail",
        **{"data-panel": panel},
    )
