"""Geo map: countries coloured by value, by ISO 3166 alpha-3 code (the query's x column), the
outlines served from the app's own assets (no CDN, and under URL_PREFIX too). The map is centred
on the countries with data and shows them all (Europe for a Europe-only scope; the world, centred
near Greenwich, for data from everywhere).

Options: `colorscale`.
A click means the clicked country.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.drilldown import Clicked, text_of
from data.panel_data import PanelData
from data.spec import Panel
from data.timerange import QueryWindow
from panels.cards import chart
from panels.countries import data_view
from panels.figures import escaped_figure
from panels.kind import Context, Model, PanelType, Rows, ScaledOptions
from panels.numbers import totals_by_category
from panels.theme import base_layout, colorscale
from panels.units import format_value


class GeomapOptions(ScaledOptions):
    """`colorscale`: the sequential scale the countries are coloured along."""


@dataclass
class GeomapModel(Model):
    countries: list[str]
    values: list[float]
    prefix: str  # the outlines are under it


def build(data: PanelData, context: Context) -> GeomapModel:
    countries, values = totals_by_category(data.tidy)
    return GeomapModel(data.panel, data.slug, data.time_range, countries, values, context.prefix)


def figure(model: GeomapModel) -> dict:
    panel = model.panel
    trace = {
        "type": "choropleth",
        "locations": model.countries,
        "z": model.values,
        "locationmode": "ISO-3",
        "colorscale": colorscale(panel.options.colorscale),
        "customdata": [format_value(v, panel.unit, panel.decimals) for v in model.values],
        "hovertemplate": "%{location}: %{customdata}<extra></extra>",
        "marker": {"line": {"color": "#ffffff"}},
    }
    layout = base_layout(panel.height)
    # Worked out here rather than by plotly's fit to the data, which countries across the
    # antimeridian (Russia, Fiji) threw off: it cut Europe at the edge.
    lon, lat, lons, lats = data_view(model.countries) or (10.0, 13.0, (-170, 190), (-58, 84))
    layout["geo"] = {
        "showframe": False,
        "showcoastlines": False,
        "projection": {"type": "natural earth", "rotation": {"lon": lon}},
        "center": {"lon": lon, "lat": lat},
        "lonaxis": {"range": list(lons)},
        "lataxis": {"range": list(lats)},
        "bgcolor": "rgba(0,0,0,0)",
        "showcountries": True,
        "countrycolor": "#d0d4da",
        "landcolor": "#f4f5f7",
        "showland": True,
    }
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    return escaped_figure([trace], layout)


def summary(model: GeomapModel) -> str:
    panel = model.panel
    ordered = sorted(zip(model.values, model.countries, strict=True), reverse=True)
    parts = [f"{c} {format_value(v, panel.unit, panel.decimals)}" for v, c in ordered[:8]]
    more = f" and {len(ordered) - 8} more" if len(ordered) > 8 else ""
    return f"{panel.title}, {model.span}: {', '.join(parts) or 'no data'}{more}"


def card(model: GeomapModel):
    return chart(model, figure(model), summary(model), maps_under=model.prefix)


def rows(model: GeomapModel) -> Rows:
    return Rows.named(model.panel, "country", model.countries, model.values)


def click(_panel: Panel, point: dict, _window: QueryWindow) -> Clicked:
    return Clicked(category=text_of(point.get("location")))


KIND = PanelType(
    "geomap", GeomapOptions, build, summary, card=card, rows=rows, figure=figure, click=click
)
