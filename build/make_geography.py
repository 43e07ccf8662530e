"""Build the shipped geography of every police force of England and Wales (run by hand; shapely at build time only).

    pip install --target /tmp/buildlibs "shapely>=2.1"                 # not a dependency of the app
    PYTHONPATH=/tmp/buildlibs .venv/bin/python build/make_geography.py # reads ../shared/data/geo
    ... build/make_geography.py --source /path/to/geo                  # a folder laid out the same way

The app never runs this: it reads the files written here (ruralwatch/mapping/geography.py). Paths are resolved from
this file, so it can be run from any folder; the output is deterministic.

Reads (EPSG:4326):
  police-force-areas-2020.geojson       the 43 ONS Police Force Areas (December 2020, generalised): PFA20CD, PFA20NM
  boundaries-gb/eng-lad-2013.topojson   326 English local authority districts (TopoJSON, object `lad`; LAD13CD/NM)
  boundaries-gb/wal-lad-2013.geojson    22 Welsh ones (GeoJSON)

Writes:
  resources/geo/police-force-areas.geojson   43 features: code, name, cchi_force (the force's name in
                                              resources/harm/cchi_weights_by_force_category.csv), area_km2, centre
  resources/geo/districts-england-wales.geojson  348 features: code, name, force_code, force_share, area_km2

How:
  1. TopoJSON arcs are decoded here (delta-encoded, quantised by the file's transform; a negative index is the
     reversed arc ~i): about 30 lines, no library needed.
  2. Each district goes to the force that holds most of its area, measured in the British National Grid
     (EPSG:27700) on the unsimplified geometry; `force_share` records that share (1.0 for most; districts cut by
     the generalised force outline along the coast a little less). A district none of whose area lies in any force
     (never happens with these files) would fall back to the force containing its representative point.
  3. area_km2 is measured in BNG on the unsimplified geometry, for forces and districts alike.
  4. Districts are simplified together as a coverage (shapely.coverage_simplify, GEOS >= 3.12), so neighbours
     still meet without gaps or overlaps, then snapped to 5 decimals (about 1 m). Force areas are already
     generalised by ONS (about 300 vertices each) and are only snapped to 5 decimals.

The Essex files (essex-*.geojson, built by build/make_boundaries.py from LSOAs and 2013 wards) stay as they are:
the app uses them for Essex, these for every other force.

Licence of the output: OGL v3.0 (ONS, OS). The district outlines come through martinjc/UK-GeoJSON (CC BY 4.0,
Martin Chorley); see resources/geo/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "geo"
OUT_DIR = ROOT / "resources" / "geo"
HARM_TABLE = ROOT / "resources" / "harm" / "cchi_weights_by_force_category.csv"

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
FORCES_FILE = "police-force-areas.geojson"
DISTRICTS_FILE = "districts-england-wales.geojson"

SNAP_GRID = 1e-6  # degrees: removes float noise between neighbouring source polygons
OUTPUT_GRID = 1e-5  # degrees: 5 decimals, about 1 m
# Visvalingam-Whyatt tolerance in degrees (see build/make_boundaries.py). Measured against the unsimplified
# districts (Hausdorff distance in BNG, area change): 0.001 -> median 132 m, worst 3.2 km (a tidal estuary spike),
# area within 0.4% (median 0.02%), 2.7 MB for all 348; 0.002 -> median 246 m, worst 6.5 km, area up to 3.5% off,
# 1.7 MB. Points are assigned to districts with these outlines, so the finer one is shipped.
DEFAULT_TOLERANCE = 0.001
SIZE_TARGETS = {FORCES_FILE: 600_000, DISTRICTS_FILE: 3_000_000}
# ONS force names that the harm table spells differently.
CCHI_ALIASES = {"Devon & Cornwall": "Devon and Cornwall", "London, City of": "City of London"}

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def to_bng(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(_TO_BNG.transform(xy[:, 0], xy[:, 1])))


def polygons_of(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of a geometry (collections flattened), as one Polygon or MultiPolygon."""
    parts: list[shapely.Geometry] = []
    pending = [geometry]
    while pending:
        current = pending.pop()
        if current.is_empty:
            continue
        if current.geom_type == "Polygon":
            parts.append(current)
        elif current.geom_type in ("MultiPolygon", "GeometryCollection"):
            pending.extend(shapely.get_parts(current))
    if not parts:
        raise ValueError("no polygon left")
    parts.sort(key=lambda g: g.bounds)
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def clean(geometry: shapely.Geometry) -> shapely.Geometry:
    return polygons_of(shapely.set_precision(shapely.make_valid(geometry), SNAP_GRID))


def rounded(geometry: shapely.Geometry) -> dict[str, Any]:
    geometry = polygons_of(shapely.set_precision(geometry, OUTPUT_GRID))
    data = mapping(geometry)

    def fix(value: Any) -> Any:
        if isinstance(value, tuple | list) and value and isinstance(value[0], float):
            return [round(v, 5) for v in value]
        return [fix(v) for v in value]

    return {"type": data["type"], "coordinates": fix(data["coordinates"])}


def decode_topojson(path: Path, object_name: str) -> list[dict[str, Any]]:
    """GeoJSON features of one TopoJSON object (Polygon and MultiPolygon geometries)."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    transform = topology.get("transform")
    arcs: list[np.ndarray] = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)
        if transform:
            points = np.cumsum(points, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[np.ndarray] = []
        for k, index in enumerate(indexes):
            points = arcs[index] if index >= 0 else arcs[~index][::-1]
            out.append(points if k == 0 else points[1:])
        return np.concatenate(out).tolist()

    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if geometry["type"] == "Polygon":
            coordinates: Any = [ring(r) for r in geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            coordinates = [[ring(r) for r in polygon] for polygon in geometry["arcs"]]
        else:
            raise ValueError(f"{path.name}: unexpected {geometry['type']}")
        features.append({"type": "Feature", "properties": geometry["properties"],
                         "geometry": {"type": geometry["type"], "coordinates": coordinates}})
    return features


def cchi_forces() -> set[str]:
    with HARM_TABLE.open(encoding="utf-8") as handle:
        return {row["force"] for row in csv.DictReader(handle)}


def write_collection(name: str, features: list[dict[str, Any]]) -> Path:
    path = OUT_DIR / name
    collection = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    path.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    size = path.stat().st_size
    print(f"{path.relative_to(ROOT)}: {len(features)} features, {size / 1e6:.2f} MB")
    if size > SIZE_TARGETS[name]:
        print(f"  over the {SIZE_TARGETS[name] / 1e6:.1f} MB target: raise --tolerance", file=sys.stderr)
    return path


def build(source: Path, tolerance: float) -> None:
    known = cchi_forces()
    forces = json.loads((source / "police-force-areas-2020.geojson").read_text(encoding="utf-8"))["features"]
    force_shapes = {f["properties"]["PFA20CD"]: clean(shape(f["geometry"])) for f in forces}
    force_bng = {code: to_bng(geometry) for code, geometry in force_shapes.items()}
    force_features = []
    for feature in sorted(forces, key=lambda f: f["properties"]["PFA20CD"]):
        props = feature["properties"]
        name = props["PFA20NM"]
        cchi = CCHI_ALIASES.get(name, name)
        if cchi not in known:
            raise SystemExit(f"{name}: no CCHI weights under {cchi!r} in {HARM_TABLE.name}")
        code = props["PFA20CD"]
        force_features.append({"type": "Feature", "properties": {
            "code": code, "name": name, "cchi_force": cchi, "area_km2": round(force_bng[code].area / 1e6, 1),
            "centre": [round(props["LAT"], 5), round(props["LONG"], 5)], "source": ATTRIBUTION,
        }, "geometry": rounded(force_shapes[code])})

    boundaries = source / "boundaries-gb"
    districts = decode_topojson(boundaries / "eng-lad-2013.topojson", "lad")
    districts += json.loads((boundaries / "wal-lad-2013.geojson").read_text(encoding="utf-8"))["features"]
    districts.sort(key=lambda f: f["properties"]["LAD13CD"])
    shapes = [clean(shape(f["geometry"])) for f in districts]
    tree = shapely.STRtree(list(force_bng.values()))
    codes = list(force_bng)
    district_features = []
    simplified = shapely.coverage_simplify(np.array(shapes, dtype=object), tolerance, simplify_boundary=True)
    for feature, geometry, simple in zip(districts, shapes, simplified, strict=True):
        props = feature["properties"]
        bng = to_bng(geometry)
        shares = {codes[i]: bng.intersection(force_bng[codes[i]]).area / bng.area for i in tree.query(bng)}
        if shares and max(shares.values()) > 0:
            force_code = max(shares, key=lambda c: (shares[c], c))
            share = shares[force_code]
        else:
            point = to_bng(geometry.representative_point())
            force_code = next(c for c, g in force_bng.items() if g.contains(point))
            share = 0.0
        district_features.append({"type": "Feature", "properties": {
            "code": props["LAD13CD"], "name": props["LAD13NM"], "force_code": force_code,
            "force_share": round(share, 3), "area_km2": round(bng.area / 1e6, 1),
        }, "geometry": rounded(simple)})
        if share < 0.9:
            print(f"  {props['LAD13NM']}: only {share:.0%} inside {force_code}", file=sys.stderr)
    write_collection(FORCES_FILE, force_features)
    write_collection(DISTRICTS_FILE, district_features)
    per_force = {code: sum(1 for d in district_features if d["properties"]["force_code"] == code) for code in codes}
    empty = [code for code, n in per_force.items() if n == 0]
    print(f"districts per force: min {min(per_force.values())}, max {max(per_force.values())}; "
          f"forces without a district: {empty or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder holding the source files")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="coverage_simplify tolerance in degrees")
    args = parser.parse_args(argv)
    build(args.source, args.tolerance)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
