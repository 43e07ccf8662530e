"""Build the bundled district and ward boundaries from ONS polygons (run by hand; needs shapely at build time only).

    .venv/bin/pip install "shapely>=2.1"                             # the bundled files were built with 2.2.0
    .venv/bin/python build/make_boundaries.py                       # reads ../shared/data/geo
    .venv/bin/python build/make_boundaries.py --source /path/to/geo  # a folder laid out the same way

Paths are resolved from this file, so it can be run from any folder; the output is deterministic.
The source folder holds `essex-lsoa-2011/<LAD code>.json` (2011 LSOAs) and `essex-wards-2013/<LAD code>.json`
(2013 wards), EPSG:4326 GeoJSON from martinjc/UK-GeoJSON, one file per local authority.

Writes:
  resources/geo/essex-districts.geojson  one feature per local authority: the union of its LSOAs
  resources/geo/essex-wards.geojson      every 2013 ward of those local authorities

How:
  1. Source coordinates carry float noise (~1e-8 degrees), so neighbouring LSOAs do not share edges exactly and a
     plain union is riddled with zero-area sliver holes. Every polygon is first snapped to a 1e-6 degree grid
     (about 0.1 m), which turns the LSOAs into a clean polygon coverage: the unions then have no holes.
  2. area_km2 is measured on the snapped, unsimplified geometry in the British National Grid (EPSG:27700).
  3. Outlines are simplified as a coverage (shapely.coverage_simplify, GEOS >= 3.12): shared edges between
     neighbouring districts (or wards) are simplified once, so the simplified polygons keep their topology and
     still meet without gaps or overlaps (a point is in exactly one district, or none). Then coordinates are
     snapped to 5 decimals (about 1 m).

Licence of the output: OGL v3.0, see ATTRIBUTION below (also stored in each file).
"""

from __future__ import annotations

import argparse
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

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)

# The 14 local authorities Essex Police covers: 12 Essex districts, plus the unitary Southend-on-Sea and Thurrock.
DISTRICTS: dict[str, str] = {
    "E06000033": "Southend-on-Sea",
    "E06000034": "Thurrock",
    "E07000066": "Basildon",
    "E07000067": "Braintree",
    "E07000068": "Brentwood",
    "E07000069": "Castle Point",
    "E07000070": "Chelmsford",
    "E07000071": "Colchester",
    "E07000072": "Epping Forest",
    "E07000073": "Harlow",
    "E07000074": "Maldon",
    "E07000075": "Rochford",
    "E07000076": "Tendring",
    "E07000077": "Uttlesford",
}

SNAP_GRID = 1e-6  # degrees; removes the float noise between neighbouring source polygons
OUTPUT_GRID = 1e-5  # degrees; 5 decimals
# coverage_simplify is Visvalingam-Whyatt: the tolerance is roughly the square root of the triangle areas removed,
# so it removes much more than a Douglas-Peucker tolerance of the same size. 0.0002 keeps the mean deviation to a
# few metres (worst ~190 m, on a thin tidal creek) with files well under the size targets; 0.0005 and up starts
# cutting off narrow estuary spikes (up to 2 km on the Colne).
DEFAULT_TOLERANCE = 0.0002
SIZE_TARGETS = {"essex-districts.geojson": 400_000, "essex-wards.geojson": 1_200_000}

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def area_km2(geometry: shapely.Geometry) -> float:
    """Planar area in the British National Grid, in square kilometres."""

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_BNG.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return float(shapely.transform(geometry, project).area) / 1e6


def clean(geometry: shapely.Geometry) -> shapely.Geometry:
    """Valid, snapped to SNAP_GRID, polygonal parts only."""
    geometry = shapely.set_precision(shapely.make_valid(geometry), SNAP_GRID)
    polygons = [part for part in shapely.get_parts(geometry) if part.geom_type == "Polygon" and not part.is_empty]
    return shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]


def read_features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


def simplify_coverage(geometries: list[shapely.Geometry], tolerance: float) -> list[shapely.Geometry]:
    if not shapely.coverage_is_valid(np.array(geometries, dtype=object)):
        raise SystemExit("source polygons do not form a clean coverage even after snapping; check the input")
    simplified = shapely.coverage_simplify(np.array(geometries, dtype=object), tolerance)
    out = []
    for geometry in simplified:
        snapped = shapely.set_precision(geometry, OUTPUT_GRID)
        if snapped.is_empty or not snapped.is_valid:
            raise SystemExit(f"simplification broke a polygon: {shapely.is_valid_reason(snapped)}")
        out.append(snapped)
    return out


def rounded(geometry: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to 5 decimals (removes float noise left by the grid snap)."""

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 5)
        return [walk(item) for item in value]

    geo = mapping(shapely.orient_polygons(geometry))  # RFC 7946: exteriors anticlockwise, holes clockwise
    return {"type": geo["type"], "coordinates": walk(geo["coordinates"])}


def write_collection(name: str, features: list[dict[str, Any]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "name": name.removesuffix(".geojson"),
        "attribution": ATTRIBUTION,
        "features": features,
    }
    path = OUT_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return path


def build_districts(source: Path, tolerance: float) -> list[dict[str, Any]]:
    codes = sorted(DISTRICTS)
    unions = []
    for code in codes:
        name = DISTRICTS[code]
        features = read_features(source / "essex-lsoa-2011" / f"{code}.json")
        strays = [f["properties"]["LSOA11NM"] for f in features if not f["properties"]["LSOA11NM"].startswith(name)]
        if strays:
            print(f"warning: {code} {name}: LSOAs named for another district: {strays}", file=sys.stderr)
        union = shapely.union_all([clean(shape(f["geometry"])) for f in features])
        holes = int(shapely.get_num_interior_rings(shapely.get_parts(union)).sum())
        if holes:
            print(f"warning: {code} {name}: union has {holes} interior ring(s)", file=sys.stderr)
        unions.append(union)
    simplified = simplify_coverage(unions, tolerance)
    return [
        {
            "type": "Feature",
            "properties": {
                "code": code,
                "name": DISTRICTS[code],
                "area_km2": round(area_km2(union), 2),
                "source": ATTRIBUTION,
            },
            "geometry": rounded(geometry),
        }
        for code, union, geometry in zip(codes, unions, simplified, strict=True)
    ]


def build_wards(source: Path, tolerance: float) -> list[dict[str, Any]]:
    rows: list[tuple[str, str, str, shapely.Geometry]] = []
    for code in sorted(DISTRICTS):
        for feature in read_features(source / "essex-wards-2013" / f"{code}.json"):
            props = feature["properties"]
            rows.append((code, props["WD13CD"], props["WD13NM"], clean(shape(feature["geometry"]))))
    rows.sort(key=lambda row: (DISTRICTS[row[0]], row[2], row[1]))
    seen: set[str] = set()
    for _, ward_code, ward_name, _ in rows:
        if ward_code in seen:
            raise SystemExit(f"ward code {ward_code} ({ward_name}) appears twice")
        seen.add(ward_code)
    simplified = simplify_coverage([row[3] for row in rows], tolerance)
    return [
        {
            "type": "Feature",
            "properties": {
                "code": ward_code,
                "name": ward_name,
                "district_code": district_code,
                "district": DISTRICTS[district_code],
                "area_km2": round(area_km2(geometry), 3),
            },
            "geometry": rounded(simple),
        }
        for (district_code, ward_code, ward_name, geometry), simple in zip(rows, simplified, strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"geo folder (default {DEFAULT_SOURCE})")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="simplification, in degrees")
    args = parser.parse_args(argv)
    source: Path = args.source.expanduser().resolve()
    for sub in ("essex-lsoa-2011", "essex-wards-2013"):
        missing = [code for code in DISTRICTS if not (source / sub / f"{code}.json").is_file()]
        if missing:
            parser.error(f"{source / sub} lacks {', '.join(missing)}")

    outputs = {
        "essex-districts.geojson": build_districts(source, args.tolerance),
        "essex-wards.geojson": build_wards(source, args.tolerance),
    }
    status = 0
    for name, features in outputs.items():
        path = write_collection(name, features)
        size = path.stat().st_size
        total = sum(f["properties"]["area_km2"] for f in features)
        over = size > SIZE_TARGETS[name]
        status |= over
        print(
            f"{path.relative_to(ROOT)}: {len(features)} features, {size / 1024:.0f} KiB ({size:,} bytes), "
            f"total {total:,.1f} km2{'  OVER SIZE TARGET' if over else ''}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
