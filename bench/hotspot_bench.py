"""Benchmark: hotspot analysis of 1,000,000 synthetic crimes over Essex on the British National Grid.

    .venv/bin/python bench/hotspot_bench.py [--points 1000000] [--cell 250] [--runs 3] [--seed 7]

Points are a mixture of Gaussians around Essex towns (sd 1.5-4 km) plus a 15% uniform rural background over the
force area's bounding box. Times, best of --runs after one untimed warm-up (pyproj and FFT set-up), for:
  - grid counts at --cell metres (np.bincount);
  - quartic KDE, bandwidth 750 m (binning + FFT convolution);
  - Gi*, radius 750 m, over the study-area cells;
  - study-area mask rasterisation: the bundled force outline (316 vertices), the same outline densified to
    12,000 vertices, and the 14 district outlines (10,899 vertices).
Targets: grid counts < 1 s, KDE < 3 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.analysis.grid import (  # noqa: E402
    Grid,
    area_km2,
    force_area_bng,
    polygon_bounds,
    study_area_mask,
)
from ruralwatch.analysis.hotspots import gi_star, grid_counts, kde_quartic, rank_hotspots  # noqa: E402
from ruralwatch.core.geo import to_bng  # noqa: E402
from ruralwatch.paths import resource_path  # noqa: E402

# (easting, northing, sd in metres, relative weight): approximate town centres.
TOWNS = [
    (571_000, 206_900, 3_000, 10),  # Chelmsford
    (599_700, 225_200, 3_000, 9),  # Colchester
    (572_000, 189_000, 2_500, 8),  # Basildon
    (588_000, 186_000, 2_500, 8),  # Southend-on-Sea
    (559_700, 178_500, 3_000, 7),  # Thurrock (Grays)
    (544_700, 210_000, 2_000, 5),  # Harlow
    (575_800, 223_200, 2_000, 4),  # Braintree
    (559_500, 194_000, 2_000, 4),  # Brentwood
    (617_500, 215_500, 2_500, 4),  # Clacton-on-Sea
    (582_000, 214_000, 1_500, 2),  # Witham
    (585_000, 207_000, 1_500, 2),  # Maldon
    (553_800, 238_500, 1_500, 2),  # Saffron Walden
    (546_000, 201_000, 2_000, 3),  # Epping
    (625_000, 232_000, 1_500, 2),  # Harwich
    (576_000, 230_000, 4_000, 3),  # Halstead and the rural north
]
BACKGROUND_SHARE = 0.15


def synthetic_points(n: int, bounds: tuple[float, float, float, float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = bounds
    n_background = int(n * BACKGROUND_SHARE)
    weights = np.array([t[3] for t in TOWNS], dtype=float)
    town = rng.choice(len(TOWNS), size=n - n_background, p=weights / weights.sum())
    centres = np.array([(t[0], t[1]) for t in TOWNS], dtype=float)[town]
    spread = np.array([t[2] for t in TOWNS], dtype=float)[town]
    xy = centres + rng.standard_normal((town.size, 2)) * spread[:, None]
    x = np.concatenate([xy[:, 0], rng.uniform(xmin, xmax, n_background)])
    y = np.concatenate([xy[:, 1], rng.uniform(ymin, ymax, n_background)])
    return x, y


def densified(polygons: Any, target_vertices: int) -> list[list[np.ndarray]]:
    """The same outline with extra vertices spaced evenly along every edge, about target_vertices in all."""
    perimeter = sum(float(np.sum(np.hypot(*np.diff(r, axis=0).T))) for p in polygons for r in p)
    step = perimeter / target_vertices
    out = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            pieces = []
            for a, b in zip(ring[:-1], ring[1:], strict=True):
                k = max(round(float(np.hypot(*(b - a))) / step), 1)
                t = np.arange(k)[:, None] / k
                pieces.append(a + t * (b - a))
            pieces.append(ring[-1:])
            rings.append(np.concatenate(pieces))
        out.append(rings)
    return out


def district_rings() -> list[list[np.ndarray]]:
    transformer = to_bng()  # the app's own
    with resource_path("geo", "essex-districts.geojson").open(encoding="utf-8") as handle:
        collection = json.load(handle)
    polygons = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for part in parts:
            rings = []
            for ring in part:
                lonlat = np.asarray(ring, dtype=float)[:, :2]
                east, north = transformer.transform(lonlat[:, 0], lonlat[:, 1])
                rings.append(np.column_stack([east, north]))
            polygons.append(rings)
    return polygons


def timed(label: str, runs: int, work: Callable[[], Any]) -> Any:
    result = work()  # warm-up, untimed
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    print(f"  {label:<46} best {min(times) * 1000:9.1f} ms   median {np.median(times) * 1000:9.1f} ms")
    return result


def n_vertices(polygons: Any) -> int:
    return sum(len(ring) for polygon in polygons for ring in polygon)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--cell", type=float, default=250.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}")
    force = force_area_bng()
    bounds = polygon_bounds(force)
    grid = Grid.covering(*bounds, args.cell, margin_m=750.0)
    x, y = synthetic_points(args.points, bounds, args.seed)
    print(f"{args.points:,} points; grid {grid.nx} x {grid.ny} = {grid.n_cells:,} cells of {args.cell:g} m")

    print("Study-area mask (scanline rasterisation):")
    mask = timed(f"force outline, {n_vertices(force):,} vertices", args.runs, lambda: study_area_mask(grid, force))
    dense = densified(force, 12_000)
    dense_mask = timed(
        f"force outline densified, {n_vertices(dense):,} vertices", args.runs, lambda: study_area_mask(grid, dense)
    )
    districts = district_rings()
    district_mask = timed(
        f"14 districts, {n_vertices(districts):,} vertices", args.runs, lambda: study_area_mask(grid, districts)
    )
    print(
        f"  study cells {int(mask.sum()):,}; area {area_km2(mask, grid):,.1f} km2 (force outline), "
        f"{area_km2(dense_mask, grid):,.1f} (densified), {area_km2(district_mask, grid):,.1f} (districts)"
    )

    print("Surfaces:")
    counts = timed(f"grid counts, {args.cell:g} m", args.runs, lambda: grid_counts(x, y, None, grid))
    density = timed("KDE quartic, bandwidth 750 m (incl. binning)", args.runs, lambda: kde_quartic(x, y, None, grid))
    z, _p = timed("Gi*, radius 750 m, over study cells", args.runs, lambda: gi_star(counts, mask, 750.0, grid))
    timed("rank top 20 KDE cells (incl. WGS84 outlines)", args.runs, lambda: rank_hotspots(density, mask, grid, 20))
    print(
        f"  points on the grid {counts.sum():,.0f}; in the study area {counts[mask].sum():,.0f}; "
        f"KDE mass {density.sum() * (args.cell / 1000) ** 2:,.0f}; "
        f"max Gi* z {np.nanmax(z):.1f}; significant hot cells {int(np.sum((z > 0) & (_p < 0.05))):,}"
    )


if __name__ == "__main__":
    main()
