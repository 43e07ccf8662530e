"""Square cells on the British National Grid (EPSG:27700, metres) and the study-area mask.

Cell edges sit on multiples of the cell size so grids built from different data at the same resolution line
up cell for cell (a forecast grid and a test grid can then be compared element by element). Arrays on a grid
are indexed ``[iy, ix]``: ``iy = 0`` is the southernmost row, ``ix = 0`` the westernmost column. A cell is
half-open, ``[x0 + ix * cell_m, x0 + (ix + 1) * cell_m)`` by ``[y0 + iy * cell_m, y0 + (iy + 1) * cell_m)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralwatch.core.geo import from_bng, to_bng
from ruralwatch.mapping.boundaries import ATTRIBUTION
from ruralwatch.mapping.geography import ESSEX_CODE, force_by_code

__all__ = [
    "ATTRIBUTION",
    "FORCE_AREA_FILE",
    "Grid",
    "MultiPolygonBNG",
    "area_km2",
    "bng_to_wgs84",
    "cell_polygons_wgs84",
    "force_area_bng",
    "geometry_bng",
    "points_in_polygon",
    "polygon_area_km2",
    "polygon_bounds",
    "study_area_mask",
]

# The Essex Police force area (ONS PFA Dec 2020, generalised; 316 vertices, about 3,677 km2), the default force;
# every other force's area comes from resources/geo/police-force-areas.geojson (ruralwatch.mapping.geography).
# Maps drawn from them carry the ONS/OS attribution, re-exported here as ATTRIBUTION.
FORCE_AREA_FILE = "essex-police-force-area.geojson"

# A ring is an (N, 2) array of eastings and northings (closed or not); a polygon is its exterior ring then its
# holes; a multipolygon is a sequence of polygons. study_area_mask also accepts a bare polygon or ring.
Ring = NDArray[np.float64]
MultiPolygonBNG = tuple[tuple[Ring, ...], ...]

_ALIGN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Grid:
    """A lattice of ``nx`` by ``ny`` square cells of side ``cell_m`` metres, south-west corner at (x0, y0)."""

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cell_m) and self.cell_m > 0):
            raise ValueError(f"cell_m must be a positive number of metres, not {self.cell_m!r}")
        if self.nx < 1 or self.ny < 1:
            raise ValueError(f"a grid needs at least one cell each way, not {self.nx} x {self.ny}")
        for name, origin in (("x0", self.x0), ("y0", self.y0)):
            steps = origin / self.cell_m
            if not math.isfinite(steps) or abs(steps - round(steps)) > _ALIGN_TOLERANCE:
                # Unaligned grids would not line up with other grids of the same cell size.
                raise ValueError(f"{name}={origin} is not a multiple of cell_m={self.cell_m}")

    @classmethod
    def covering(cls, xmin: float, ymin: float, xmax: float, ymax: float, cell_m: float, margin_m: float = 0.0) -> Grid:
        """The smallest aligned grid containing the box (plus ``margin_m`` each side, e.g. a KDE bandwidth)."""
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax, margin_m)):
            raise ValueError("grid bounds must be finite numbers")
        if xmax < xmin or ymax < ymin:
            raise ValueError(f"empty box: ({xmin}, {ymin}) to ({xmax}, {ymax})")
        if not (math.isfinite(cell_m) and cell_m > 0):
            raise ValueError(f"cell_m must be a positive number of metres, not {cell_m!r}")
        ix0 = math.floor((xmin - margin_m) / cell_m)
        iy0 = math.floor((ymin - margin_m) / cell_m)
        # xmax itself must fall inside the last (half-open) cell, hence floor + 1 rather than ceil.
        nx = math.floor((xmax + margin_m) / cell_m) - ix0 + 1
        ny = math.floor((ymax + margin_m) / cell_m) - iy0 + 1
        return cls(ix0 * cell_m, iy0 * cell_m, cell_m, nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx): the shape of every array on this grid."""
        return (self.ny, self.nx)

    @property
    def n_cells(self) -> int:
        return self.nx * self.ny

    @property
    def xmax(self) -> float:
        return self.x0 + self.nx * self.cell_m

    @property
    def ymax(self) -> float:
        return self.y0 + self.ny * self.cell_m

    @property
    def x_centres(self) -> NDArray[np.float64]:
        """Eastings of the column centres, west to east (length nx)."""
        return self.x0 + (np.arange(self.nx, dtype=np.float64) + 0.5) * self.cell_m

    @property
    def y_centres(self) -> NDArray[np.float64]:
        """Northings of the row centres, south to north (length ny)."""
        return self.y0 + (np.arange(self.ny, dtype=np.float64) + 0.5) * self.cell_m

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Easting and northing of every cell centre, two (ny, nx) arrays."""
        xc, yc = np.meshgrid(self.x_centres, self.y_centres)
        return xc, yc

    def cell_centre(self, ix: int, iy: int) -> tuple[float, float]:
        """(easting, northing) of one cell's centre."""
        self._check_cell(ix, iy)
        return (self.x0 + (ix + 0.5) * self.cell_m, self.y0 + (iy + 0.5) * self.cell_m)

    def cell_index(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Flat cell index ``iy * nx + ix`` of each point (matches ``array.ravel()``); -1 outside or NaN."""
        xs, ys = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        # Test membership on the coordinates themselves (comparisons with NaN are False, so missing values fall
        # out): dividing first would round a point a hair west of x0 into column 0.
        inside = (xs >= self.x0) & (xs < self.xmax) & (ys >= self.y0) & (ys < self.ymax)
        ix = np.minimum(((xs[inside] - self.x0) / self.cell_m).astype(np.int64), self.nx - 1)
        iy = np.minimum(((ys[inside] - self.y0) / self.cell_m).astype(np.int64), self.ny - 1)
        index = np.full(xs.shape, -1, dtype=np.int64)
        index[inside] = iy * self.nx + ix
        return index

    def cell_polygon_wgs84(self, ix: int, iy: int) -> list[tuple[float, float]]:
        """The cell's outline as five (lon, lat) points, SW, SE, NE, NW, SW (anticlockwise, GeoJSON order)."""
        self._check_cell(ix, iy)
        return cell_polygons_wgs84(self, np.array([ix]), np.array([iy]))[0]

    def _check_cell(self, ix: int, iy: int) -> None:
        if not (0 <= ix < self.nx and 0 <= iy < self.ny):
            raise IndexError(f"cell ({ix}, {iy}) is outside the {self.nx} x {self.ny} grid")


def bng_to_wgs84(east: ArrayLike, north: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lon, lat) arrays for arrays of eastings and northings."""
    lon, lat = from_bng().transform(np.asarray(east, dtype=np.float64), np.asarray(north, dtype=np.float64))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def cell_polygons_wgs84(grid: Grid, ix: ArrayLike, iy: ArrayLike) -> list[list[tuple[float, float]]]:
    """Outlines of many cells in one pyproj call (see Grid.cell_polygon_wgs84)."""
    ixs = np.asarray(ix, dtype=np.float64).ravel()
    iys = np.asarray(iy, dtype=np.float64).ravel()
    corner_dx = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
    corner_dy = np.array([0.0, 0.0, 1.0, 1.0, 0.0])
    east = grid.x0 + (ixs[:, None] + corner_dx) * grid.cell_m
    north = grid.y0 + (iys[:, None] + corner_dy) * grid.cell_m
    lon, lat = bng_to_wgs84(east, north)
    return [list(zip(lons.tolist(), lats.tolist(), strict=True)) for lons, lats in zip(lon, lat, strict=True)]


# --- polygons --------------------------------------------------------------------------------------------------


def _depth(geometry: Any) -> int:
    """Nesting depth: 1 for a point, 2 for a ring, 3 for a polygon, 4 for a multipolygon."""
    depth = 0
    while isinstance(geometry, np.ndarray | Sequence) and not isinstance(geometry, str):
        if len(geometry) == 0:
            return depth + 1
        depth += 1
        geometry = geometry[0]
    return depth


def _as_multipolygon(geometry: Any) -> list[list[Ring]]:
    depth = _depth(geometry)
    if depth == 2:
        polygons = [[geometry]]
    elif depth == 3:
        polygons = [geometry]
    elif depth == 4:
        polygons = list(geometry)
    else:
        raise ValueError("expected a ring, a polygon (rings) or a multipolygon (polygons) of (x, y) points")
    out = []
    for polygon in polygons:
        rings = [np.asarray(ring, dtype=np.float64)[:, :2] for ring in polygon if len(ring)]
        if rings:
            out.append(rings)
    return out


def polygon_bounds(polygon_bng: Any) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of a ring, polygon or multipolygon."""
    points = np.concatenate([ring for polygon in _as_multipolygon(polygon_bng) for ring in polygon])
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))


def polygon_area_km2(polygon_bng: Any) -> float:
    """Exact (shoelace) area: each polygon's exterior ring minus its holes, in km2."""
    total = 0.0
    for polygon in _as_multipolygon(polygon_bng):
        for k, ring in enumerate(polygon):
            x, y = ring[:, 0], ring[:, 1]
            # Centre the coordinates first: BNG values are ~1e5-1e6 m and the cross products would lose digits.
            x = x - x.mean()
            y = y - y.mean()
            area = abs(0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)))
            total += area if k == 0 else -area
    return total / 1e6


def study_area_mask(grid: Grid, polygon_bng: Any) -> NDArray[np.bool_]:
    """(ny, nx) booleans: True where the cell's centre lies inside the polygon (holes excluded).

    Scanline rasterisation: each edge is expanded into the rows of cell centres it crosses (half-open in y,
    so a vertex on a row counts once), each crossing toggles every cell east of it, and a cumulative sum along
    the row gives the even-odd parity. Cost grows with edges + crossings + cells, not edges x cells, so a
    12,000-vertex outline over ~60k cells takes milliseconds. All rings of all parts share one parity, which is
    right for valid geometry (holes inside their exterior, parts disjoint); overlapping parts would cancel.
    """
    edges = []
    for polygon in _as_multipolygon(polygon_bng):
        for ring in polygon:
            # Edges from each vertex to the next, wrapping round; a closed ring's repeat gives a
            # zero-length edge that crosses no row.
            edges.append(np.column_stack([ring, np.roll(ring, -1, axis=0)]))
    mask = np.zeros(grid.shape, dtype=bool)
    if not edges:
        return mask
    x1, y1, x2, y2 = np.concatenate(edges).T
    c = grid.cell_m
    ylo = np.minimum(y1, y2)
    yhi = np.maximum(y1, y2)
    # Rows whose centre y satisfies ylo <= y < yhi: y = y0 + (iy + 0.5) c.
    row_lo = np.clip(np.ceil((ylo - grid.y0) / c - 0.5), 0, grid.ny).astype(np.int64)
    row_hi = np.clip(np.ceil((yhi - grid.y0) / c - 0.5), 0, grid.ny).astype(np.int64)
    n_rows = np.maximum(row_hi - row_lo, 0)
    total = int(n_rows.sum())
    if total == 0:
        return mask
    edge = np.repeat(np.arange(len(n_rows)), n_rows)
    starts = np.cumsum(n_rows) - n_rows
    row = row_lo[edge] + (np.arange(total) - starts[edge])
    yc = grid.y0 + (row + 0.5) * c
    e_x1, e_y1 = x1[edge], y1[edge]
    x_cross = e_x1 + (yc - e_y1) * (x2[edge] - e_x1) / (y2[edge] - e_y1)  # y1 != y2 for any crossing edge
    # First column whose centre lies strictly east of the crossing.
    first = np.clip(np.floor((x_cross - grid.x0) / c - 0.5) + 1, 0, grid.nx).astype(np.int64)
    width = grid.nx + 1
    toggles = np.bincount(row * width + first, minlength=grid.ny * width).reshape(grid.ny, width)
    parity = np.cumsum(toggles[:, : grid.nx], axis=1) & 1
    return parity.astype(bool)


def area_km2(mask: NDArray[np.bool_], grid: Grid) -> float:
    """Area of the True cells in km2."""
    if mask.shape != grid.shape:
        raise ValueError(f"mask shape {mask.shape} does not match the grid {grid.shape}")
    return int(np.count_nonzero(mask)) * grid.cell_m * grid.cell_m / 1e6


def points_in_polygon(east: ArrayLike, north: ArrayLike, polygon_bng: Any, cell_m: float = 250.0) -> NDArray[np.bool_]:
    """Exact even-odd test of many points against a (multi)polygon (holes excluded), fast for many points.

    The polygon is rasterised on ``cell_m`` cells; a cell that no edge passes through lies wholly inside or
    wholly outside, so its points take the cell's answer; only points in cells an edge touches are tested
    against the edges, in chunks. NaN coordinates are outside.
    """
    xs = np.asarray(east, dtype=np.float64).ravel()
    ys = np.asarray(north, dtype=np.float64).ravel()
    result = np.zeros(xs.shape, dtype=bool)
    polygons = _as_multipolygon(polygon_bng)
    if not polygons or not len(xs):
        return result
    grid = Grid.covering(*polygon_bounds(polygons), cell_m, margin_m=cell_m)
    mask = study_area_mask(grid, polygons)
    x1, y1, x2, y2 = np.concatenate([np.column_stack([ring, np.roll(ring, -1, axis=0)])
                                     for polygon in polygons for ring in polygon]).T
    # Cells an edge touches: sample each edge at steps under a third of a cell and mark the 3x3 block around
    # every sample (an edge grazing a cell corner is then caught by a neighbour's block).
    lengths = np.hypot(x2 - x1, y2 - y1)
    steps = np.maximum(np.ceil(lengths / (cell_m / 3)).astype(np.int64), 1)
    edge = np.repeat(np.arange(len(steps)), steps + 1)
    t = (np.arange(len(edge)) - np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)) / steps[edge]
    sx = x1[edge] + t * (x2 - x1)[edge]
    sy = y1[edge] + t * (y2 - y1)[edge]
    touched = np.zeros(grid.shape, dtype=bool)
    ix = np.clip(((sx - grid.x0) // cell_m).astype(np.int64), 0, grid.nx - 1)
    iy = np.clip(((sy - grid.y0) // cell_m).astype(np.int64), 0, grid.ny - 1)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            touched[np.clip(iy + dy, 0, grid.ny - 1), np.clip(ix + dx, 0, grid.nx - 1)] = True
    index = grid.cell_index(xs, ys)
    placed = index >= 0
    result[placed] = mask.ravel()[index[placed]]
    exact = np.flatnonzero(placed & touched.ravel()[np.where(placed, index, 0)])
    for start in range(0, len(exact), 4096):
        chosen = exact[start:start + 4096]
        px, py = xs[chosen][:, None], ys[chosen][:, None]
        straddle = (y1[None, :] > py) != (y2[None, :] > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = x1[None, :] + (py - y1[None, :]) * (x2 - x1)[None, :] / (y2 - y1)[None, :]
        result[chosen] = (np.count_nonzero(straddle & (px < cross), axis=1) % 2).astype(bool)
    return result


def geometry_bng(geometry: dict[str, Any]) -> MultiPolygonBNG:
    """A GeoJSON (Multi)Polygon in WGS84 as BNG polygons (exterior then holes), read-only arrays."""
    if geometry["type"] == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise ValueError(f"expected (Multi)Polygon, not {geometry['type']!r}")
    transformer = to_bng()
    polygons: list[tuple[Ring, ...]] = []
    for part in parts:
        rings = []
        for ring in part:
            lonlat = np.asarray(ring, dtype=np.float64)[:, :2]
            east, north = transformer.transform(lonlat[:, 0], lonlat[:, 1])
            projected = np.column_stack([east, north])
            projected.setflags(write=False)  # shared by every caller through the caches
            rings.append(projected)
        polygons.append(tuple(rings))
    return tuple(polygons)


@cache
def force_area_bng(force_code: str = ESSEX_CODE) -> MultiPolygonBNG:
    """A force's area (Essex by default) as BNG polygons (exterior then holes), read-only arrays, loaded once."""
    return geometry_bng(force_by_code(force_code).geometry)
