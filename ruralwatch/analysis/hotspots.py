"""Hotspot surfaces on a Grid: cell counts, quartic kernel density, Getis-Ord Gi*, and the ranked top cells.

All surfaces are (ny, nx) float arrays indexed ``[iy, ix]`` with ``iy = 0`` the southernmost row. Convolutions
run through numpy's FFT on zero-padded arrays, so nothing wraps from one edge of the grid to the other; a grid
that should see crimes just beyond the study area needs a margin (``Grid.covering(..., margin_m=bandwidth)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralwatch.analysis.grid import Grid, bng_to_wgs84, cell_polygons_wgs84

__all__ = [
    "GiStar",
    "Hotspot",
    "Method",
    "gi_star",
    "grid_counts",
    "kde_quartic",
    "neighbour_offsets",
    "rank_hotspots",
    "neighbour_heads",
    "smooth_quartic",
    "two_sided_p",
]

Method = Literal["count", "kde", "gistar"]
_METHODS = ("count", "kde", "gistar")
_M2_PER_KM2 = 1e6


def grid_counts(x: ArrayLike, y: ArrayLike, w: ArrayLike | None, grid: Grid) -> NDArray[np.float64]:
    """Sum of weights (or of ones when ``w`` is None) per cell. Points off the grid, or with NaN coordinates
    or a NaN weight, are left out rather than failing the whole batch."""
    index = grid.cell_index(x, y).ravel()
    keep = index >= 0
    weights = None
    if w is not None:
        weights = np.broadcast_to(np.asarray(w, dtype=np.float64), index.shape)
        keep &= np.isfinite(weights)
        weights = weights[keep]
    counts = np.bincount(index[keep], weights=weights, minlength=grid.n_cells)
    return counts.astype(np.float64, copy=False).reshape(grid.shape)


# --- convolution ------------------------------------------------------------------------------------------------


ROUND_OFF = 1e-12  # relative size of the FFT's round-off in a density (smooth_quartic)


def _fast_length(n: int) -> int:
    """The smallest 2-3-5-smooth integer >= n: numpy's FFT is much faster on such lengths."""
    best = 1 << max(n - 1, 0).bit_length()
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            candidate = power35
            while candidate < n:
                candidate *= 2
            best = min(best, candidate)
            power35 *= 3
        power5 *= 5
    return best


def _convolve_same(image: NDArray[np.float64], kernel: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear (zero-padded) 2D convolution with an odd-sized kernel, cropped to the image's shape."""
    ky, kx = kernel.shape
    ry, rx = ky // 2, kx // 2
    ny, nx = image.shape
    shape = (_fast_length(ny + ky - 1), _fast_length(nx + kx - 1))
    spectrum = np.fft.rfft2(image, shape) * np.fft.rfft2(kernel, shape)
    full = np.fft.irfft2(spectrum, shape)
    return full[ry : ry + ny, rx : rx + nx]


def neighbour_offsets(radius_m: float, cell_m: float) -> NDArray[np.bool_]:
    """(2r+1, 2r+1) booleans: True for lattice offsets whose centre-to-centre distance is <= radius_m."""
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"radius_m must be a non-negative number of metres, not {radius_m!r}")
    r = int(math.floor(radius_m / cell_m + 1e-9))
    steps = np.arange(-r, r + 1, dtype=np.float64) * cell_m
    d2 = steps[None, :] ** 2 + steps[:, None] ** 2
    # A relative tolerance keeps offsets exactly on the radius (e.g. 3 cells of 250 m at 750 m) inside.
    return d2 <= radius_m * radius_m * (1 + 1e-12)


def _quartic_kernel(bandwidth_m: float, cell_m: float) -> NDArray[np.float64]:
    """K(d) = 3 / (pi h^2) (1 - d^2 / h^2)^2 for d < h, sampled at cell offsets, in per km2."""
    h = bandwidth_m
    r = int(math.ceil(h / cell_m))
    steps = np.arange(-r, r + 1, dtype=np.float64) * cell_m
    u = (steps[None, :] ** 2 + steps[:, None] ** 2) / (h * h)
    kernel = np.where(u < 1, 3.0 / (math.pi * h * h) * (1 - u) ** 2, 0.0)
    return kernel * _M2_PER_KM2


def smooth_quartic(counts: NDArray[np.float64], grid: Grid, bandwidth_m: float = 750.0) -> NDArray[np.float64]:
    """Quartic kernel density of already-binned weights (see kde_quartic), in weight per km2."""
    if counts.shape != grid.shape:
        raise ValueError(f"counts shape {counts.shape} does not match the grid {grid.shape}")
    if not (math.isfinite(bandwidth_m) and bandwidth_m > 0):
        raise ValueError(f"bandwidth_m must be a positive number of metres, not {bandwidth_m!r}")
    density = _convolve_same(np.asarray(counts, dtype=np.float64), _quartic_kernel(bandwidth_m, grid.cell_m))
    # FFT round-off leaves values like +-1e-16 of the peak where the density is zero (the kernel ends at the
    # bandwidth). Negative ones are impossible and positive ones made "hotspots" of cells with no crime near them:
    # a walk's patrol plan over three incidents had stops 15 km from any of them. The smallest true value is a
    # kernel's tail times the lightest weight, many orders of magnitude above this tolerance.
    floor = ROUND_OFF * float(np.max(np.abs(density), initial=0.0))
    return np.where(density > floor, density, 0.0)


def kde_quartic(
    x: ArrayLike, y: ArrayLike, w: ArrayLike | None, grid: Grid, bandwidth_m: float = 750.0
) -> NDArray[np.float64]:
    """Quartic (biweight) kernel density at each cell centre, in weight per km2.

    Points are binned to cell centres first (positions move by up to half a cell), then convolved with the
    kernel sampled on the cell lattice. A point's density peaks at 3 / (pi h^2) in its own cell and, with the
    bandwidth at least ~3 cells (750 m over 250 m cells), sums over the cells to its weight within 1%; with
    h close to the cell size the lattice sum drifts further from 1. No edge correction: density near the
    edge of the grid is what the crimes on the grid give, so cover the study area with a bandwidth margin.
    """
    return smooth_quartic(grid_counts(x, y, w, grid), grid, bandwidth_m)


# --- Getis-Ord Gi* --------------------------------------------------------------------------------------------


class GiStar(NamedTuple):
    """Gi* z-scores and two-sided p-values, (ny, nx); NaN outside the study area or where undefined."""

    z: NDArray[np.float64]
    p: NDArray[np.float64]


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def two_sided_p(z: ArrayLike) -> NDArray[np.float64]:
    """P(|Z| >= |z|) under the standard normal: erfc(|z| / sqrt 2). NaN stays NaN."""
    return _erfc(np.abs(np.asarray(z, dtype=np.float64)) / math.sqrt(2.0))


def gi_star(values: NDArray[np.float64], mask: NDArray[np.bool_], radius_m: float, grid: Grid) -> GiStar:
    """Getis-Ord Gi* with binary weights: cell j is a neighbour of i when their centres are <= radius_m apart
    (i itself included). Only study-area cells count: n, the mean and the spread are over the mask, and a
    neighbour outside the mask has weight 0. With W_i study neighbours and L_i their sum,

        z_i = (L_i - mean * W_i) / (s * sqrt((n * W_i - W_i^2) / (n - 1))),   s^2 = sum(x^2) / n - mean^2

    z is NaN outside the mask and where the denominator is 0 (all values equal, or W_i = n). The p-values are
    the normal approximation; neighbouring cells share crimes, so treat them as a screening guide rather than
    as independent tests.
    """
    values = np.asarray(values, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if values.shape != grid.shape or mask.shape != grid.shape:
        raise ValueError(f"values {values.shape} and mask {mask.shape} must both match the grid {grid.shape}")
    study = values[mask]
    n = study.size
    if n < 2:
        raise ValueError("Gi* needs at least two study-area cells")
    if not np.all(np.isfinite(study)):
        raise ValueError("values must be finite inside the study area")
    offsets = neighbour_offsets(radius_m, grid.cell_m).astype(np.float64)
    inside = np.where(mask, values, 0.0)
    local_sum = _convolve_same(inside, offsets)
    # Counts of neighbours are integers; so are local sums of integer values. Rounding removes FFT noise so a
    # cell's score does not depend on the size of the grid around it.
    n_neighbours = np.rint(_convolve_same(mask.astype(np.float64), offsets))
    if np.array_equal(study, np.round(study)):
        local_sum = np.rint(local_sum)
    mean = float(study.mean())
    spread = math.sqrt(max(float(np.mean(study * study)) - mean * mean, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = spread * np.sqrt((n * n_neighbours - n_neighbours**2) / (n - 1))
        z = (local_sum - mean * n_neighbours) / denominator
    z = np.where(mask & np.isfinite(z), z, np.nan)
    p = np.full(grid.shape, np.nan)
    p[mask] = two_sided_p(z[mask])
    return GiStar(z, p)


# --- ranking ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hotspot:
    """One ranked cell. ``polygon_wgs84`` is the cell outline as five (lon, lat) points (GeoJSON order)."""

    rank: int  # 1 = hottest
    ix: int
    iy: int
    value: float  # count, density (per km2) or, for Gi*, the value passed as ``values`` (else z)
    z: float | None
    p: float | None
    centre_lat: float
    centre_lon: float
    polygon_wgs84: tuple[tuple[float, float], ...]
    easting: float  # of the cell centre, metres
    northing: float


def rank_hotspots(
    surface: NDArray[np.float64],
    mask: NDArray[np.bool_],
    grid: Grid,
    top_n: int = 10,
    method: Method = "kde",
    min_value: float | None = None,
    *,
    alpha: float = 0.05,
    values: NDArray[np.float64] | None = None,
    apart: int = 0,
) -> list[Hotspot]:
    """The ``top_n`` study-area cells of a surface, hottest first, as separate cells (callers may merge
    neighbours).

    ``method`` says what the surface is: "count" (grid_counts), "kde" (kde_quartic) or "gistar" (the z array
    from gi_star). Cells qualify when the surface is >= ``min_value``, or > 0 when it is None (a cell with no
    crime is never a hotspot). For "gistar" a cell must also be significantly hot, z > 0 and two-sided
    p < ``alpha``; ``values`` (e.g. the counts the z-scores came from) fills Hotspot.value. Ties are broken by
    flat index (south-west first) so the ranking is deterministic.

    ``apart`` > 0: one cell per place, a cell taken only when it lies more than ``apart`` cells (across or
    diagonally) from every hotter cell taken, so a town centre's peak is listed once, not with its neighbours.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, not {method!r}")
    if top_n < 0:
        raise ValueError("top_n must not be negative")
    surface = np.asarray(surface, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if surface.shape != grid.shape or mask.shape != grid.shape:
        raise ValueError(f"surface {surface.shape} and mask {mask.shape} must both match the grid {grid.shape}")
    flat = surface.ravel()
    eligible = mask.ravel() & np.isfinite(flat)
    eligible &= flat > 0 if min_value is None else flat >= min_value
    p_flat = None
    if method == "gistar":
        p_flat = two_sided_p(flat)
        eligible &= (flat > 0) & (p_flat < alpha)
    candidates = np.flatnonzero(eligible)
    # lexsort: last key is primary. Descending surface, then ascending flat index.
    order = candidates[np.lexsort((candidates, -flat[candidates]))]
    order = _apart(order, grid, top_n, apart) if apart > 0 else order[:top_n]
    if order.size == 0:
        return []
    iy, ix = np.divmod(order, grid.nx)
    polygons = cell_polygons_wgs84(grid, ix, iy)
    east = grid.x0 + (ix + 0.5) * grid.cell_m
    north = grid.y0 + (iy + 0.5) * grid.cell_m
    lon, lat = bng_to_wgs84(east, north)
    reported = flat if values is None else np.asarray(values, dtype=np.float64).ravel()
    if reported.size != flat.size:
        raise ValueError(f"values must match the grid {grid.shape}")
    hotspots = []
    for k, cell in enumerate(order.tolist()):
        hotspots.append(
            Hotspot(
                rank=k + 1,
                ix=int(ix[k]),
                iy=int(iy[k]),
                value=float(reported[cell]),
                z=float(flat[cell]) if p_flat is not None else None,
                p=float(p_flat[cell]) if p_flat is not None else None,
                centre_lat=float(lat[k]),
                centre_lon=float(lon[k]),
                polygon_wgs84=tuple(polygons[k]),
                easting=float(east[k]),
                northing=float(north[k]),
            )
        )
    return hotspots


def _apart(order: NDArray[np.intp], grid: Grid, top_n: int, apart: int) -> NDArray[np.intp]:
    """The first `top_n` cells of `order` each more than `apart` cells from every one taken before it."""
    blocked = np.zeros((grid.ny, grid.nx), dtype=bool)
    taken: list[int] = []
    for cell in order.tolist():
        if len(taken) >= top_n:
            break
        iy, ix = divmod(cell, grid.nx)
        if blocked[iy, ix]:
            continue
        taken.append(cell)
        blocked[max(iy - apart, 0):iy + apart + 1, max(ix - apart, 0):ix + apart + 1] = True
    return np.asarray(taken, dtype=np.intp)


def neighbour_heads(hotspots: Sequence[Hotspot]) -> list[int]:
    """For each ranked cell, the rank of the highest-ranked cell of its group: cells that touch (sides or corners),
    directly or through other ranked cells, are one place. A smooth surface ranks a town centre's neighbouring cells
    one after another (a walk's 20 hotspots were 4 places, Castle in Colchester five times): each cell stays, and its
    group says where one place spreads over several."""
    cells = {(h.ix, h.iy): k for k, h in enumerate(hotspots)}
    head = list(range(len(hotspots)))

    def find(k: int) -> int:
        while head[k] != k:
            head[k] = head[head[k]]
            k = head[k]
        return k

    for (ix, iy), k in cells.items():
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                other = cells.get((ix + dx, iy + dy))
                if other is not None:
                    a, b = find(k), find(other)
                    if a != b:
                        head[max(a, b)] = min(a, b)  # the hotter (earlier) cell heads the group
    return [hotspots[find(k)].rank for k in range(len(hotspots))]
