"""io/boundary_files.py: GeoPackage and Shapefile read through GDAL and brought back to WGS 84, compared with the
GeoJSON they were made from (tests/fixtures/geo/README.md); files it must refuse, each with one reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ruralwatch.io.boundary_files import BoundaryFileError, read_boundaries

GEO = Path(__file__).resolve().parents[1] / "fixtures" / "geo"
SOURCE = GEO / "E07000202-ipswich-wards-2013.json"


def _rings(geometry: dict) -> list[np.ndarray]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [np.asarray(ring, dtype=float) for polygon in polygons for ring in polygon]


@pytest.mark.parametrize("name", ["E07000202-ipswich-wards-2013-bng.gpkg", "E07000202-ipswich-wards-2013-bng.shp",
                                  "E07000202-ipswich-wards-2013-bng-shp.zip"])
def test_reprojected_back_to_the_source_within_two_millimetres(name: str) -> None:
    collection, read_as = read_boundaries(GEO / name)
    source = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    assert read_as.endswith("EPSG:27700 reprojected to WGS 84")
    assert [f["properties"]["WD13NM"] for f in collection["features"]] == [f["properties"]["WD13NM"] for f in source]
    for got, want in zip(collection["features"], source, strict=True):
        assert got["properties"]["WD13CD"] == want["properties"]["WD13CD"]
        got_rings, want_rings = _rings(got["geometry"]), _rings(want["geometry"])
        assert len(got_rings) == len(want_rings)
        for a, b in zip(got_rings, want_rings, strict=True):
            # Shapefile writers may reverse a ring's direction; the positions are the same either way.
            if not np.allclose(a, b, atol=1e-6):
                a = a[::-1]
            # Metres on the ground (52 deg N): the round trip through EPSG:27700 moved no position by more than
            # 0.9 mm when measured; 2 mm allowed.
            metres = np.abs(a - b) * np.array([111_320 * np.cos(np.radians(52.05)), 110_574])
            assert metres.max() < 0.002


def test_a_geopackage_with_two_polygon_layers_asks_for_one(tmp_path: Path) -> None:
    import pyogrio.raw

    meta, _fids, wkb, fields = pyogrio.raw.read(GEO / "E07000202-ipswich-wards-2013-bng.gpkg")
    two = tmp_path / "two.gpkg"
    for layer in ("wards", "wards_copy"):
        pyogrio.raw.write(two, wkb, fields, list(meta["fields"]), layer=layer, driver="GPKG",
                          geometry_type="MultiPolygon", crs="EPSG:27700", append=layer != "wards")
    with pytest.raises(BoundaryFileError, match="2 layers of polygons"):
        read_boundaries(two)


def test_a_layer_of_points_is_not_boundaries(tmp_path: Path) -> None:
    import pyogrio.raw
    import shapely

    points = tmp_path / "points.gpkg"
    pyogrio.raw.write(points, shapely.to_wkb(shapely.points([[600_000, 250_000]])), [np.array(["a"], dtype=object)],
                      ["name"], layer="points", driver="GPKG", geometry_type="Point", crs="EPSG:27700")
    with pytest.raises(BoundaryFileError, match="no layer of polygons"):
        read_boundaries(points)


def test_a_zipped_geojson_reads_as_the_file_itself(tmp_path: Path) -> None:
    import zipfile

    zipped = tmp_path / "wards.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SOURCE, "E07000202.json")
        archive.writestr("__MACOSX/._E07000202.json", b"\x00\x05\x16\x07")  # a Mac's zip: not a second file
    collection, read_as = read_boundaries(zipped)
    assert collection == json.loads(SOURCE.read_text(encoding="utf-8"))
    assert read_as == "GeoJSON E07000202.json in the zip"


def test_a_damaged_geojson_in_a_zip_is_named_with_the_zip(tmp_path: Path) -> None:
    import zipfile

    zipped = tmp_path / "wards.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("wards.geojson", SOURCE.read_bytes()[:5000])  # cut short
    with pytest.raises(BoundaryFileError, match=r"^wards.zip: wards.geojson: not GeoJSON: the text is not JSON"):
        read_boundaries(zipped)
