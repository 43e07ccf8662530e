"""Cell counts, quartic KDE, Getis-Ord Gi* and hotspot ranking (ruralwatch.analysis.hotspots)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.analysis.grid import Grid
from ruralwatch.analysis.hotspots import (
    gi_star,
    grid_counts,
    kde_quartic,
    neighbour_offsets,
    rank_hotspots,
    smooth_quartic,
    two_sided_p,
)

# --- grid_counts ------------------------------------------------------------------------------------------------


def test_grid_counts_on_a_three_by_three_grid() -> None:
    grid = Grid(0, 0, 100, 3, 3)
    x = [50, 60, 150, 250, 299.9, np.nan, 350, 50]
    y = [50, 40, 250, 150, 100, 50, 50, np.nan]
    w = [1, 2, 0.5, 1, 4, 9, 9, 9]
    # (50,50) and (60,40) -> [0, 0]: 1 + 2 = 3.   (150,250) -> row 2, col 1: 0.5.
    # (250,150) and (299.9,100) -> row 1, col 2: 1 + 4 = 5.   NaN x, x beyond the grid, NaN y: dropped.
    expected = [
        [3.0, 0.0, 0.0],  # iy = 0, the southern row
        [0.0, 0.0, 5.0],
        [0.0, 0.5, 0.0],
    ]
    assert grid_counts(x, y, w, grid).tolist() == expected
    # Unweighted: the same cells count points.
    assert grid_counts(x, y, None, grid).tolist() == [[2, 0, 0], [0, 0, 2], [0, 1, 0]]
    # A NaN weight drops that point only.
    assert grid_counts([50, 50], [50, 50], [np.nan, 2], grid)[0, 0] == 2


_coordinate = st.floats(min_value=-150, max_value=450, allow_nan=False)
_point = st.tuples(_coordinate, _coordinate, st.floats(min_value=0, max_value=100, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(points=st.lists(_point, max_size=60), data=st.data())
def test_grid_counts_preserve_the_total_and_ignore_point_order(points: list, data: st.DataObject) -> None:
    grid = Grid(0, 0, 100, 3, 3)
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    w = np.array([p[2] for p in points], dtype=float)
    counts = grid_counts(x, y, w, grid)
    on_grid = (x >= 0) & (x < 300) & (y >= 0) & (y < 300)
    assert counts.sum() == pytest.approx(float(np.sum(w[on_grid])), rel=1e-12, abs=1e-9)
    order = np.array(data.draw(st.permutations(range(len(points)))), dtype=np.int64)
    shuffled = grid_counts(x[order], y[order], w[order], grid)
    np.testing.assert_allclose(shuffled, counts, rtol=1e-12, atol=1e-9)


# --- KDE -----------------------------------------------------------------------------------------------------------


H = 750.0
PEAK_PER_KM2 = 3 / (math.pi * H * H) * 1e6  # 3 / (pi * 562,500 m2) = 1.6977e-6 per m2 = 1.6977 per km2


def test_single_point_kde_peaks_at_three_over_pi_h_squared_and_integrates_to_its_weight() -> None:
    grid = Grid(0, 0, 250, 41, 41)  # 10.25 km square, the point in the middle cell (20, 20)
    density = kde_quartic([5125.0], [5125.0], [2.5], grid, bandwidth_m=H)
    assert density[20, 20] == pytest.approx(2.5 * PEAK_PER_KM2, rel=1e-9)
    assert np.unravel_index(np.argmax(density), density.shape) == (20, 20)
    # One cell (250 m) away: (1 - 250^2 / 750^2)^2 = (8/9)^2 = 64/81 of the peak; three cells (750 m) away: 0.
    assert density[20, 21] == pytest.approx(2.5 * PEAK_PER_KM2 * 64 / 81, rel=1e-9)
    assert density[23, 20] == pytest.approx(0.0, abs=1e-12)
    # Each cell is 0.0625 km2. Lattice sum of the kernel at h = 3 cells, by offsets (i^2 + j^2 < 9):
    #   1 x 1 + 4 x (8/9)^2 + 4 x (7/9)^2 + 4 x (5/9)^2 + 8 x (4/9)^2 + 4 x (1/9)^2 = 9.4444,
    #   times 3 / (pi x 9) cells^-2 = 1.0021: the KDE holds the point's weight within 0.3%.
    assert density.sum() * 0.0625 == pytest.approx(2.5, rel=0.01)
    assert np.allclose(density, density.T) and np.allclose(density, density[::-1, ::-1])


def test_kde_matches_a_direct_sum_of_kernels_on_an_oblong_grid() -> None:
    # nx != ny so a swapped axis would show. Points are binned to centres, so compare with kernels at centres.
    grid = Grid(1000, 2000, 100, 13, 7)
    x = np.array([1050.0, 1620.0, 1630.0, 2240.0])
    y = np.array([2050.0, 2310.0, 2390.0, 2680.0])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    h = 350.0
    density = kde_quartic(x, y, w, grid, bandwidth_m=h)
    xc, yc = grid.centres()
    cx = grid.x0 + (np.floor((x - grid.x0) / 100) + 0.5) * 100
    cy = grid.y0 + (np.floor((y - grid.y0) / 100) + 0.5) * 100
    direct = np.zeros(grid.shape)
    for px, py, pw in zip(cx, cy, w, strict=True):
        u = ((xc - px) ** 2 + (yc - py) ** 2) / h**2
        direct += pw * np.where(u < 1, 3 / (math.pi * h * h) * (1 - u) ** 2, 0) * 1e6
    np.testing.assert_allclose(density, direct, atol=1e-9)


def test_kde_does_not_wrap_round_the_grid_edges() -> None:
    grid = Grid(0, 0, 250, 10, 10)
    density = kde_quartic([10.0], [10.0], None, grid)  # in the south-west corner cell
    assert density[0, 0] == pytest.approx(PEAK_PER_KM2)
    # With circular (unpadded) FFT convolution the far columns/rows would pick up the kernel's other half.
    assert np.max(density[:, 3:]) < 1e-12 and np.max(density[3:, :]) < 1e-12
    assert np.all(density >= 0)


def test_kde_is_exactly_zero_beyond_the_bandwidth_so_no_empty_cell_ranks_as_a_hotspot() -> None:
    """A walk: three incidents in a district gave a patrol plan of "hotspots" 15 km from any of them, cells whose
    density was FFT round-off (1e-16), ranked above zero."""
    grid = Grid(0, 0, 500, 120, 90)
    x, y, w = [10_250.0, 30_250.0, 52_750.0], [10_250.0, 20_250.0, 40_250.0], [16.9, 3.4, 0.02]
    density = kde_quartic(x, y, w, grid)
    cx = grid.x0 + (np.arange(grid.nx) + 0.5) * grid.cell_m
    cy = grid.y0 + (np.arange(grid.ny) + 0.5) * grid.cell_m
    near = np.zeros(grid.shape, dtype=bool)
    for px, py in zip(x, y, strict=True):
        near |= np.hypot(cx[None, :] - px, cy[:, None] - py) < 750.0
    assert np.all(density[~near] == 0.0)
    assert np.all(density[near] > 0.0)  # the lightest point keeps its whole kernel
    ranked = rank_hotspots(density, np.ones(grid.shape, dtype=bool), grid, top_n=100)
    assert len(ranked) == int(near.sum())


def test_kde_rejects_a_bad_bandwidth_and_smooth_quartic_checks_the_shape() -> None:
    grid = Grid(0, 0, 250, 5, 5)
    with pytest.raises(ValueError):
        kde_quartic([1.0], [1.0], None, grid, bandwidth_m=0)
    with pytest.raises(ValueError):
        smooth_quartic(np.zeros((4, 5)), grid)


# --- Gi* -----------------------------------------------------------------------------------------------------------


def test_gi_star_hand_worked_on_three_cells() -> None:
    # One row of three cells, values [0, 0, 3], neighbours within 100 m (adjacent cells and self).
    # n = 3, mean = 1, s^2 = (0 + 0 + 9) / 3 - 1 = 2.
    # Cell 2: W = 2 (cells 1, 2), L = 3: z = (3 - 1 * 2) / (sqrt 2 * sqrt((3 * 2 - 4) / 2)) = 1 / sqrt 2.
    # Cell 0: W = 2, L = 0: z = (0 - 2) / sqrt 2 = -sqrt 2, p = erfc(sqrt 2 / sqrt 2) = erfc(1) = 0.157299.
    # Cell 1: W = 3 = n, so the variance term n W - W^2 is 0 and z is undefined (NaN).
    grid = Grid(0, 0, 100, 3, 1)
    z, p = gi_star(np.array([[0.0, 0.0, 3.0]]), np.ones((1, 3), bool), 100, grid)
    assert z[0, 2] == pytest.approx(1 / math.sqrt(2))
    assert z[0, 0] == pytest.approx(-math.sqrt(2))
    assert math.isnan(z[0, 1]) and math.isnan(p[0, 1])
    assert p[0, 0] == pytest.approx(0.1572992070502851)
    assert p[0, 2] == pytest.approx(math.erfc(0.5))


def _gi_star_loop(values: np.ndarray, mask: np.ndarray, radius: float, cell: float) -> np.ndarray:
    """Getis & Ord (1995) Gi*, written out cell by cell over the study cells with binary weights."""
    cells = [(iy, ix) for iy in range(values.shape[0]) for ix in range(values.shape[1]) if mask[iy, ix]]
    x = np.array([values[c] for c in cells])
    n = len(cells)
    mean = x.sum() / n
    s = math.sqrt((x**2).sum() / n - mean**2)
    z = np.full(values.shape, np.nan)
    for i in cells:
        weights = np.array([1.0 if math.dist(i, j) * cell <= radius else 0.0 for j in cells])
        numerator = (weights * x).sum() - mean * weights.sum()
        denominator = s * math.sqrt((n * (weights**2).sum() - weights.sum() ** 2) / (n - 1))
        z[i] = numerator / denominator
    return z


@pytest.mark.parametrize("radius", [100.0, 150.0, 250.0])  # rook, queen, and a 21-cell disc
def test_gi_star_matches_the_textbook_loop_on_five_by_five(radius: float) -> None:
    values = np.array(
        [
            [0, 1, 0, 2, 0],
            [1, 3, 4, 0, 0],
            [0, 5, 9, 6, 1],
            [2, 4, 7, 1, 0],
            [0, 0, 1, 0, 3],
        ],
        dtype=float,
    )
    mask = np.ones((5, 5), dtype=bool)
    mask[0, 4] = mask[4, 0] = False  # two cells outside the study area
    values_outside = values.copy()
    values_outside[0, 4] = values_outside[4, 0] = 1000.0  # must change nothing
    grid = Grid(0, 0, 100, 5, 5)
    z, p = gi_star(values_outside, mask, radius, grid)
    expected = _gi_star_loop(values, mask, radius, 100.0)
    np.testing.assert_allclose(z, expected, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isnan(z[0, 4]) and np.isnan(z[4, 0]) and np.isnan(p[0, 4])
    np.testing.assert_allclose(p[mask], [math.erfc(abs(v) / math.sqrt(2)) for v in z[mask]])


def test_gi_star_hot_block_peaks_at_its_centre_and_is_significant() -> None:
    grid = Grid(0, 0, 100, 15, 15)
    values = np.zeros(grid.shape)
    values[6:9, 6:9] = 10.0  # 3 x 3 hot block centred on (7, 7)
    z, p = gi_star(values, np.ones(grid.shape, bool), 150.0, grid)  # queen neighbourhood
    assert np.unravel_index(np.nanargmax(z), z.shape) == (7, 7)
    assert z[7, 7] > z[6, 7] > 0 and p[7, 7] < 0.001
    assert np.nanmin(z) < 0  # cold cells exist far from the block


def test_neighbour_offsets_include_the_radius_itself() -> None:
    offsets = neighbour_offsets(750, 250)  # 3 cells: offsets with i^2 + j^2 <= 9
    assert offsets.shape == (7, 7)
    assert int(offsets.sum()) == 29  # 1 + 4 (d=1) + 4 (d=sqrt2) + 4 (d=2) + 8 (d=sqrt5) + 4 (d=sqrt8) + 4 (d=3)
    assert offsets[3, 6] and not offsets[0, 0]


def test_gi_star_rejects_non_finite_values_in_the_study_area() -> None:
    grid = Grid(0, 0, 100, 3, 3)
    values = np.ones(grid.shape)
    values[1, 1] = np.nan
    with pytest.raises(ValueError):
        gi_star(values, np.ones(grid.shape, bool), 100, grid)
    mask = np.ones(grid.shape, bool)
    mask[1, 1] = False
    z, _ = gi_star(values, mask, 100, grid)  # NaN outside the study area is fine
    assert np.isnan(z).all()  # all study values equal: no spread, no scores


def test_two_sided_p() -> None:
    assert two_sided_p([1.959963984540054])[0] == pytest.approx(0.05)
    assert two_sided_p([-1.959963984540054])[0] == pytest.approx(0.05)
    assert two_sided_p([0.0])[0] == 1.0


# --- ranking -------------------------------------------------------------------------------------------------------


def test_rank_by_value_with_ties_mask_and_minimum() -> None:
    grid = Grid(570_000, 206_000, 250, 3, 3)
    surface = np.array(
        [
            [5.0, 0.0, 2.0],
            [2.0, 9.0, 0.0],
            [1.0, 2.0, 7.0],
        ]
    )
    mask = np.ones(grid.shape, bool)
    mask[2, 2] = False  # the 7 is outside the study area
    ranked = rank_hotspots(surface, mask, grid, top_n=4, method="count")
    # 9 at (ix 1, iy 1), 5 at (0, 0), then the 2s by flat index: (2, 0) is flat 2, (0, 1) is flat 3.
    assert [(h.rank, h.ix, h.iy, h.value) for h in ranked] == [
        (1, 1, 1, 9.0),
        (2, 0, 0, 5.0),
        (3, 2, 0, 2.0),
        (4, 0, 1, 2.0),
    ]
    top = ranked[0]
    assert (top.easting, top.northing) == (570_375.0, 206_375.0)
    assert top.z is None and top.p is None
    assert len(top.polygon_wgs84) == 5 and top.polygon_wgs84[0] == top.polygon_wgs84[-1]
    lons = [pt[0] for pt in top.polygon_wgs84]
    lats = [pt[1] for pt in top.polygon_wgs84]
    assert min(lons) < top.centre_lon < max(lons) and min(lats) < top.centre_lat < max(lats)
    assert 51.7 < top.centre_lat < 51.8 and 0.4 < top.centre_lon < 0.5  # Chelmsford
    # Zero is never a hotspot by default; min_value raises the bar.
    assert len(rank_hotspots(surface, mask, grid, top_n=20, method="count")) == 6
    assert [h.value for h in rank_hotspots(surface, mask, grid, 20, "count", min_value=5)] == [9.0, 5.0]


def test_rank_gistar_keeps_only_significant_hot_cells_ranked_by_z() -> None:
    grid = Grid(0, 0, 100, 15, 15)
    counts = np.zeros(grid.shape)
    counts[6:9, 6:9] = 10.0
    mask = np.ones(grid.shape, bool)
    z, p = gi_star(counts, mask, 150.0, grid)
    ranked = rank_hotspots(z, mask, grid, top_n=100, method="gistar", values=counts)
    assert ranked[0].ix == 7 and ranked[0].iy == 7 and ranked[0].value == 10.0
    assert all(h.z is not None and h.z > 0 and h.p is not None and h.p < 0.05 for h in ranked)
    assert [h.z for h in ranked] == sorted((h.z for h in ranked), reverse=True)
    significant_hot = int(np.sum((z > 0) & (p < 0.05)))
    assert len(ranked) == significant_hot < 100


def test_rank_rejects_unknown_methods_and_mismatched_shapes() -> None:
    grid = Grid(0, 0, 100, 3, 3)
    with pytest.raises(ValueError):
        rank_hotspots(np.ones((3, 3)), np.ones((3, 3), bool), grid, 3, "hottest")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rank_hotspots(np.ones((3, 2)), np.ones((3, 3), bool), grid, 3, "kde")
