"""Grid geometry, cell lookup, WGS84 outlines and the scanline study-area mask (ruralwatch.analysis.grid)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ruralwatch.analysis.grid import (
    Grid,
    area_km2,
    force_area_bng,
    polygon_area_km2,
    polygon_bounds,
    study_area_mask,
)
from ruralwatch.core import geo

# Published figure for the Essex Police force area (the 12 districts plus Southend and Thurrock).
ESSEX_FORCE_AREA_KM2 = 3670.0


def test_covering_aligns_to_the_cell_size_and_contains_the_far_corner() -> None:
    # x: floor(120 / 250) = 0 -> x0 = 0; floor(740 / 250) = 2 -> columns 0..2, nx = 3, xmax = 750.
    # y: floor(380 / 250) = 1 -> y0 = 250; floor(1000 / 250) = 4 -> rows 1..4, ny = 4, ymax = 1250.
    grid = Grid.covering(120, 380, 740, 1000, 250)
    assert (grid.x0, grid.y0, grid.cell_m, grid.nx, grid.ny) == (0, 250, 250, 3, 4)
    assert (grid.xmax, grid.ymax, grid.shape) == (750, 1250, (4, 3))
    # (740, 1000) is in column 2, row (1000 - 250) // 250 = 3: flat 3 * 3 + 2 = 11.
    assert grid.cell_index(740, 1000) == 11


def test_covering_with_a_margin() -> None:
    # 1000 +- 750 m -> 250 .. 1750: x0 = 250, columns 1..7 -> 7 cells.
    grid = Grid.covering(1000, 1000, 1000, 1000, 250, margin_m=750)
    assert (grid.x0, grid.y0, grid.nx, grid.ny) == (250, 250, 7, 7)


def test_grid_rejects_unaligned_origin_and_bad_sizes() -> None:
    with pytest.raises(ValueError, match="multiple"):
        Grid(10, 0, 250, 2, 2)
    with pytest.raises(ValueError):
        Grid(0, 0, 0, 2, 2)
    with pytest.raises(ValueError):
        Grid(0, 0, 250, 0, 2)
    with pytest.raises(ValueError):
        Grid.covering(10, 0, 0, 0, 250)


def test_cell_index_is_vectorised_half_open_and_minus_one_outside() -> None:
    grid = Grid(0, 0, 100, 3, 2)  # 3 columns, 2 rows: flat = iy * 3 + ix
    x = np.array([0.0, 99.9, 100.0, 250.0, 300.0, -0.1, np.nan, 50.0])
    y = np.array([0.0, 0.0, 0.0, 150.0, 0.0, 50.0, 50.0, 200.0])
    # (0,0)->0; (99.9,0)->0; (100,0)->1; (250,150)->row 1 col 2 = 5; x = xmax -> out; x < x0 -> out;
    # NaN -> out; y = ymax -> out.
    assert grid.cell_index(x, y).tolist() == [0, 0, 1, 5, -1, -1, -1, -1]
    assert grid.cell_index(x.reshape(2, 4), y.reshape(2, 4)).shape == (2, 4)


def test_centres_are_row_major_with_the_first_row_in_the_south() -> None:
    grid = Grid(1000, 2000, 500, 3, 2)
    xc, yc = grid.centres()
    assert xc.shape == yc.shape == (2, 3)
    assert xc[0].tolist() == [1250, 1750, 2250]
    assert yc[:, 0].tolist() == [2250, 2750]  # iy = 0 is the southern row
    assert grid.cell_centre(2, 1) == (2250, 2750)


def test_cell_polygon_is_a_closed_anticlockwise_ring_that_projects_back_onto_the_corners() -> None:
    grid = Grid(570_000, 206_000, 250, 10, 10)  # Chelmsford
    ring = grid.cell_polygon_wgs84(3, 4)
    assert len(ring) == 5 and ring[0] == ring[-1]
    # Cell (3, 4): x 570750..571000, y 207000..207250; corners SW, SE, NE, NW.
    expected = [(570_750, 207_000), (571_000, 207_000), (571_000, 207_250), (570_750, 207_250)]
    for (lon, lat), (east, north) in zip(ring[:4], expected, strict=True):
        back = geo.to_bng().transform(lon, lat)  # the app's own bulk projection
        assert back == pytest.approx((east, north), abs=1e-3)
    lon, lat = np.array(ring).T
    shoelace = 0.5 * np.sum(lon[:-1] * lat[1:] - lon[1:] * lat[:-1])
    assert shoelace > 0  # anticlockwise, as RFC 7946 asks of exterior rings
    with pytest.raises(IndexError):
        grid.cell_polygon_wgs84(10, 0)


def test_mask_of_a_square_with_a_square_hole() -> None:
    # 10 x 10 cells of 100 m, centres at 50, 150, ..., 950.
    # Exterior 100..900 holds centres 150..850 -> columns/rows 1..8 (8 x 8 = 64 cells).
    # Hole 300..700 holds centres 350..650 -> columns/rows 3..6 (4 x 4 = 16 cells). 64 - 16 = 48.
    grid = Grid(0, 0, 100, 10, 10)
    exterior = [(100, 100), (900, 100), (900, 900), (100, 900), (100, 100)]
    hole = [(300, 300), (300, 700), (700, 700), (700, 300)]  # other orientation, not closed
    expected = np.zeros((10, 10), dtype=bool)
    expected[1:9, 1:9] = True
    expected[3:7, 3:7] = False
    for geometry in ([exterior, hole], [[exterior, hole]], [np.array(exterior), np.array(hole)]):
        mask = study_area_mask(grid, geometry)
        assert mask.dtype == bool and mask.shape == (10, 10)
        assert np.array_equal(mask, expected)
    assert area_km2(expected, grid) == pytest.approx(0.48)  # 48 cells of 0.01 km2
    assert polygon_area_km2([exterior, hole]) == pytest.approx(0.64 - 0.16)
    assert polygon_bounds([exterior, hole]) == (100, 100, 900, 900)


def test_mask_orientation_is_south_row_first() -> None:
    # A rectangle over the southern two rows only: x 0..300, y 0..200 on a 3 x 4 grid of 100 m.
    grid = Grid(0, 0, 100, 3, 4)
    mask = study_area_mask(grid, [(0, 0), (300, 0), (300, 200), (0, 200)])
    assert mask.tolist() == [[True] * 3, [True] * 3, [False] * 3, [False] * 3]


def _brute_force_mask(grid: Grid, rings: list[np.ndarray]) -> np.ndarray:
    """Even-odd ray casting from every cell centre against every edge (as ruralwatch.mapping.boundaries does),
    vectorised over the centres only."""
    x, y = grid.centres()
    inside = np.zeros(grid.shape, dtype=bool)
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(np.roll(ring, 1, axis=0), ring, strict=True):
            if y1 == y2:
                continue  # horizontal edges never satisfy the crossing test below
            crosses = ((y1 > y) != (y2 > y)) & (x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
            inside ^= crosses
    return inside


def test_mask_matches_ray_casting_with_vertices_on_the_rows_of_centres() -> None:
    # A diamond whose top, bottom and side vertices lie exactly on rows of centres (y = 50, 450, 850), plus a
    # second part, so the half-open rule for vertices on a scanline is exercised. (No centre lies exactly on an
    # edge: such points may go either way.)
    grid = Grid(0, 0, 100, 12, 10)
    diamond = np.array([(520, 50), (970, 450), (520, 850), (90, 450)], dtype=float)
    triangle = np.array([(1010, 120), (1190, 120), (1100, 930)], dtype=float)
    mask = study_area_mask(grid, [[diamond], [triangle]])
    assert np.array_equal(mask, _brute_force_mask(grid, [diamond, triangle]))
    assert mask.sum() > 30


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mask_matches_ray_casting_on_random_star_polygons_with_holes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    grid = Grid(-2000, -2000, 100, 40, 40)
    angles = np.sort(rng.uniform(0, 2 * math.pi, 300))
    radius = rng.uniform(600, 1900, 300)
    outer = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    hole = np.column_stack([300 * np.cos(angles[::-1]), 300 * np.sin(angles[::-1])]) + 37.0
    mask = study_area_mask(grid, [outer, hole])
    assert np.array_equal(mask, _brute_force_mask(grid, [outer, hole]))


def test_essex_force_area_mask_matches_the_force_area() -> None:
    polygons = force_area_bng()
    assert force_area_bng() is polygons  # cached
    assert not polygons[0][0].flags.writeable  # shared arrays are read-only
    xmin, ymin, xmax, ymax = polygon_bounds(polygons)
    assert 530_000 < xmin < 545_000 and 620_000 < xmax < 635_000  # Waltham Abbey to Harwich
    assert 170_000 < ymin < 180_000 and 240_000 < ymax < 250_000  # Thames to the Stour
    grid = Grid.covering(xmin, ymin, xmax, ymax, 250)
    mask = study_area_mask(grid, polygons)
    area = area_km2(mask, grid)
    assert area == pytest.approx(ESSEX_FORCE_AREA_KM2, rel=0.03)
    assert area == pytest.approx(polygon_area_km2(polygons), rel=0.01)
    for lat, lon, inside in [
        (51.736, 0.469, True),  # Chelmsford
        (51.889, 0.901, True),  # Colchester
        (52.056, 1.148, False),  # Ipswich, Suffolk: inside the bounding box, outside Essex
    ]:
        east, north = geo.to_bng().transform(lon, lat)
        flat = int(grid.cell_index(east, north))
        assert flat >= 0
        assert bool(mask.ravel()[flat]) is inside
