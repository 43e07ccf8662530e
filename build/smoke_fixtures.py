"""Files the bundle's CLI smoke (build/smoke.sh) feeds the bundle, written by the build's own Python.

    .venv/bin/python build/smoke_fixtures.py FOLDER

Writes into FOLDER:
  - river.osm: the made-up village of the road tests (tests/osm_fixture.py), as OSM XML;
  - essex-grid.osm.pbf: a road every ~1 km across Essex's bounding box, as .osm.pbf (the format of a real
    extract), so that every stop of every demo patrol is within the router's snap limit (1 km) and the patrol is
    timed by road: `roads import` reads it with pyosmium, `patrol show` snaps with scipy's cKDTree and routes with
    its csgraph Dijkstra.
The boundary files are tests/fixtures/geo's own (GeoPackage and zipped Shapefile; smoke.sh reads them in place).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import osm_fixture  # noqa: E402

# Essex and a margin (the demo's patrols are in Uttlesford, Braintree and Maldon; bases are police stations there).
SOUTH, WEST, NORTH, EAST = 51.40, -0.10, 52.15, 1.35
STEP_LAT, STEP_LON = 0.009, 0.0145  # ~1.0 km each way at 52 N: nowhere more than ~0.7 km from a road


def write_grid(path: Path) -> tuple[int, int]:
    """The grid as .osm.pbf with pyosmium; returns (nodes, ways) written."""
    import osmium

    rows = round((NORTH - SOUTH) / STEP_LAT) + 1
    cols = round((EAST - WEST) / STEP_LON) + 1

    def node_id(r: int, c: int) -> int:
        return r * cols + c + 1

    ways = [[node_id(r, c) for c in range(cols)] for r in range(rows)]
    ways += [[node_id(r, c) for r in range(rows)] for c in range(cols)]
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for r in range(rows):
            for c in range(cols):
                location = (round(WEST + c * STEP_LON, 7), round(SOUTH + r * STEP_LAT, 7))
                writer.add_node(osmium.osm.mutable.Node(id=node_id(r, c), location=location, version=1))
        for n, refs in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=n, nodes=refs, tags={"highway": "unclassified"}, version=1))
    return rows * cols, len(ways)


def main() -> None:
    folder = Path(sys.argv[1])
    osm_fixture.write_river_town(folder / "river.osm")
    write_grid(folder / "essex-grid.osm.pbf")


if __name__ == "__main__":
    main()
