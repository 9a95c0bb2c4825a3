"""Where countries are, for centring a map on its data: each country's main landmass (its largest
polygon: France without French Guiana, the United States without Alaska) as a box of longitudes
and latitudes, read once from the world outlines the maps draw (assets/topojson)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

OUTLINES = Path(__file__).resolve().parent.parent / "assets" / "topojson" / "world_110m.json"


@dataclass(frozen=True)
class Box:
    west: float
    east: float
    south: float
    north: float

    @property
    def middle(self) -> float:
        return (self.west + self.east) / 2


def _arcs(topology: dict) -> list[np.ndarray]:
    """The arcs as (lon, lat) points: topojson stores them quantised and as deltas."""
    scale, shift = topology["transform"]["scale"], topology["transform"]["translate"]
    return [np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + shift
            for arc in topology["arcs"]]  # fmt: skip


def _area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))) / 2


@cache
def country_boxes() -> dict[str, Box]:
    """ISO 3166 alpha-3 code -> the box of the country's largest polygon."""
    topology = json.loads(OUTLINES.read_text())
    arcs = _arcs(topology)
    boxes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        if not code or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [np.concatenate([arcs[i if i >= 0 else ~i] for i in p[0]]) for p in polygons if p]
        main = max(rings, key=_area)
        lon, lat = main[:, 0], main[:, 1]
        if lon.max() - lon.min() > 180:  # across the antimeridian (Russia, Fiji): 0 to 360
            lon = lon % 360
        boxes[code] = Box(float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max()))
    return boxes


def data_view(
    codes: list[str],
) -> tuple[float, float, tuple[float, float], tuple[float, float]] | None:
    """(centre longitude, centre latitude, longitude range, latitude range) around the
    countries `codes`, a margin included; None when none is known."""
    known = [country_boxes()[c] for c in codes if c in country_boxes()]
    if not known:
        return None
    # The centre is opposite the widest stretch of longitude with no country in it.
    middles = np.sort(np.array([box.middle for box in known]) % 360)
    gaps = np.diff(np.append(middles, middles[0] + 360))
    widest = int(np.argmax(gaps))
    centre = float((middles[widest] + gaps[widest] / 2 + 180) % 360)
    centre = (centre + 180) % 360 - 180
    west = min(((b.west - centre + 180) % 360) - 180 for b in known)
    east = max(((b.east - centre + 180) % 360) - 180 for b in known)
    south = min(b.south for b in known)
    north = max(b.north for b in known)
    if east - west > 240:  # most of the world: all of it (Antarctica left out)
        return centre, 13.0, (centre - 180, centre + 180), (-58.0, 84.0)
    pad_lon, pad_lat = max(5.0, (east - west) * 0.08), max(4.0, (north - south) * 0.1)
    lon_range = (centre + west - pad_lon, centre + east + pad_lon)
    lat_range = (max(-58.0, south - pad_lat), min(84.0, north + pad_lat))
    return (sum(lon_range) / 2, sum(lat_range) / 2, lon_range, lat_range)
