"""`/d/<slug>/detail/<panel>?...&category=...&series=...&bucket=...`: the rows behind a clicked
bar or point, from the panel's drilldown SQL with everything bound as parameters: the dashboard's
variables (those locked for the viewer win), the panel's own window (or the clicked bucket), and
what was clicked; the rows are read for the viewer's scope like every panel (view/detail.py).
Users only: embed links do not drill. A breadcrumb leads back up to the dashboard as it was; the
page says how many rows there are when it shows the first ROW_LIMIT, and its CSV has them all."""

from datetime import UTC, datetime

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

import urls
from auth.access import current_viewer
from components.drill_view import breadcrumb, detail_title
from data.errors import DataSourceError
from pages._titles import detail_title_of
from pages._view import refused
from panels.table import header, readable_times
from services import services
from view.detail import detail_of
from view.resolve import INPUT_ERRORS, ViewDenied, resolve_view

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
    prefix = services().settings.url_prefix
    try:
        view = resolve_view(current_viewer(), slug, urls.view_state(query), users_only=True)
        detail = detail_of(view, panel, query)
    except ViewDenied as exc:
        return refused(exc)
    except INPUT_ERRORS as exc:
        return dbc.Alert(str(exc), color="danger", className="m-3")
    except DataSourceError as exc:
        return dbc.Alert(exc.message, color="danger", className="m-3")
    point, rows = detail.point, detail.rows
    when = ""
    if point.bucket_start is not None:
        when = f"from {datetime.fromtimestamp(point.bucket_start, UTC):%Y-%m-%d %H:%M} UTC"
    title = detail_title(detail.panel.drilldown.title or detail.panel.title, point.category,
                         point.series, when)  # fmt: skip
    back = urls.dashboard(prefix, slug, view.asked)
    csv = urls.detail_rows(prefix, slug, panel, view.asked, point)
    return html.Div(
        [
            breadcrumb([(view.dashboard.title, back), (title, None)]),
            html.H1(title, className="h5"),
            html.P(
                [
                    html.Span(rows.said(ROW_LIMIT), className="detail-count"),
                    " · ",
                    html.A("CSV", href=csv, className="detail-csv", title="Every row, as CSV"),
                ],
                className="small text-muted mb-2",
            ),
            _rows_grid(rows.frame),
        ],
        className="drill-detail",
        **{"data-panel": panel},
    )
