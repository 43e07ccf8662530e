"""Benchmark: importing a county-sized road network and routing a 10-stop patrol plan on it.

    .venv/bin/python bench/roads_bench.py [--junctions 320] [--shape-points 3] [--runs 5] [--pbf FILE.osm.pbf]

No county extract is shipped or fetched, so by default it writes a synthetic county as a real .osm.pbf with
pyosmium (in a temporary folder): a --junctions x --junctions grid of junctions about 200 m apart (320: 64 x 64 km,
about Essex's 3,670 km²), --shape-points bend points along each street (OSM roads have a handful between
junctions), a tenth of the streets missing, road classes drawn from the table's mix (lanes and residential streets
most of all, a few A roads), one street in ten one-way. --pbf times a real extract instead (e.g. Geofabrik's
essex-latest.osm.pbf), with stops drawn inside its extent.

It times, best of --runs after one warm-up:
  - import: `RoadService.import_file` as `roads import` runs it (read with pyosmium, contract, save, rename);
  - load: reading the network file and building the router (its spatial index), once per laptop session;
  - route 10 stops: `suggest_plan` with a base and 10 candidates (all 11 x 11 road times and routes, order, fit);
  - route 50 candidates: the same with 50 candidates (the planner's default max_candidates), for the record.
Target: a 10-stop plan under 1 s after the network is loaded. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruralwatch.io.osm_roads import load_network  # noqa: E402
from ruralwatch.patrols.plan import Candidate, PlanSettings, suggest_plan  # noqa: E402
from ruralwatch.patrols.roads import RoadRouter  # noqa: E402
from ruralwatch.services.roads import RoadService  # noqa: E402
from ruralwatch.store.database import open_store  # noqa: E402

ORIGIN = (51.55, 0.0)  # south-west corner of the synthetic county (south Essex)
SPACING_DEG = (0.0018, 0.0029)  # ~200 m in latitude and longitude at 51.8 N
CLASSES = (["unclassified"] * 30 + ["residential"] * 25 + ["tertiary"] * 15 + ["service"] * 10 + ["track"] * 5
           + ["secondary"] * 8 + ["primary"] * 5 + ["trunk"] * 2)
START = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=8)  # long enough that all 10 stops fit: every leg is routed and drawn
PLAN_SETTINGS = PlanSettings(max_candidates=50)


def write_county(path: Path, junctions: int, shape_points: int, seed: int = 1) -> tuple[int, int]:
    """A synthetic county as .osm.pbf; returns (nodes, ways) written."""
    import osmium

    rng = np.random.default_rng(seed)
    step = shape_points + 1
    size = (junctions - 1) * step + 1  # points per grid line, junctions and bends
    ids = np.arange(1, size * size + 1, dtype=np.int64).reshape(size, size)
    used = np.zeros((size, size), dtype=bool)
    ways: list[tuple[list[int], str, bool]] = []
    for horizontal in (True, False):
        for line in range(0, size, step):
            for k in range(0, size - 1, step):
                if rng.random() < 0.1:
                    continue  # a missing street: the grid is not a perfect lattice
                cells = [(line, c) for c in range(k, k + step + 1)] if horizontal else \
                    [(c, line) for c in range(k, k + step + 1)]
                for r, c in cells:
                    used[r, c] = True
                ways.append(([int(ids[r, c]) for r, c in cells], str(rng.choice(CLASSES)), rng.random() < 0.1))
    jitter = rng.uniform(-0.25, 0.25, size=(size, size, 2))
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        rows, cols = np.nonzero(used)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            lat = ORIGIN[0] + (r + jitter[r, c, 0] * (r % step != 0)) * SPACING_DEG[0] / step
            lon = ORIGIN[1] + (c + jitter[r, c, 1] * (c % step != 0)) * SPACING_DEG[1] / step
            writer.add_node(osmium.osm.mutable.Node(id=int(ids[r, c]), location=(lon, lat), version=1))
        for n, (refs, highway, oneway) in enumerate(ways, start=1):
            tags = {"highway": highway, **({"oneway": "yes"} if oneway else {})}
            writer.add_way(osmium.osm.mutable.Way(id=n, nodes=refs, tags=tags, version=1))
    return int(used.sum()), len(ways)


def candidates(router: RoadRouter, n: int, seed: int) -> tuple[list[Candidate], tuple[float, float]]:
    rng = np.random.default_rng(seed)
    south, west, north, east = router.network.extent
    lat = rng.uniform(south + 0.1 * (north - south), north - 0.1 * (north - south), n + 1)
    lon = rng.uniform(west + 0.1 * (east - west), east - 0.1 * (east - west), n + 1)
    found = [Candidate(f"c{i}", float(lat[i]), float(lon[i]), float(rng.uniform(1, 100)), f"Hotspot {i}", "")
             for i in range(n)]
    return found, (float(lat[n]), float(lon[n]))


def best_of(runs: int, work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    result = work()  # warm-up
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junctions", type=int, default=320)
    parser.add_argument("--shape-points", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pbf", type=Path)
    args = parser.parse_args()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory() as folder:
        source = args.pbf
        if source is None:
            source = Path(folder) / "county.osm.pbf"
            began = time.perf_counter()
            nodes, ways = write_county(source, args.junctions, args.shape_points)
            print(f"synthetic county: {nodes:,} OSM nodes, {ways:,} ways, {source.stat().st_size / 1e6:.1f} MB "
                  f".osm.pbf (written in {time.perf_counter() - began:.1f} s)")
        store = open_store(Path(folder) / "ruralwatch.db")
        try:
            service = RoadService(store)
            began = time.perf_counter()
            info = service.import_file(source)
            imported = time.perf_counter() - began
            assert service.path is not None
            print(f"import: {imported:.1f} s -> {info.points:,} road points, {info.nodes:,} graph nodes, "
                  f"{info.edges:,} edges; file {service.path.stat().st_size / 1e6:.1f} MB")

            def load() -> RoadRouter:
                router = RoadRouter(load_network(service.path)[0])  # type: ignore[arg-type]
                _ = router._tree, router._edge_of, router._node_of_point  # built lazily: count them in the load
                return router

            loaded, router = best_of(args.runs, load)
            print(f"load (file + router + spatial index): {loaded * 1000:.0f} ms")
            assert isinstance(router, RoadRouter)
            for n in (10, 50):
                stops, base = candidates(router, n, seed=n)

                def route(stops: list[Candidate] = stops, base: tuple[float, float] = base) -> object:
                    router._recent.clear()  # the router keeps its last answers: time the routing, not the lookup
                    return suggest_plan(stops, START, END, PLAN_SETTINGS, base, router)

                took, plan = best_of(args.runs, route)
                print(f"route {n} candidates + base ({plan.basis}, {len(plan.stops)} stops planned, "  # type: ignore[attr-defined]
                      f"{plan.travel_minutes:.0f} min travel, {len(plan.route_path)} route points): "  # type: ignore[attr-defined]
                      f"{took * 1000:.0f} ms")
        finally:
            store.close()


if __name__ == "__main__":
    main()
