"""`geography import` of GeoPackage and Shapefile boundaries (issue 17): read with GDAL (pyogrio), reprojected from
the British National Grid to WGS 84, then the same checks as GeoJSON; a broken file is one clear error, exit 2, and
changes nothing.

Fixtures: the 16 Ipswich wards of 2013 as GeoJSON (WGS 84) and, made from it, as GeoPackage, Shapefile and zipped
Shapefile on EPSG:27700, plus a truncated GeoPackage (tests/fixtures/geo/README.md).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from cli_harness import Cli

GEO = Path(__file__).resolve().parents[1] / "fixtures" / "geo"
GEOJSON = GEO / "E07000202-ipswich-wards-2013.json"
GPKG = GEO / "E07000202-ipswich-wards-2013-bng.gpkg"
SHP = GEO / "E07000202-ipswich-wards-2013-bng.shp"
ZIPPED = GEO / "E07000202-ipswich-wards-2013-bng-shp.zip"
BROKEN = GEO / "broken-truncated.gpkg"


@pytest.fixture
def suffolk_wards_geojson(cli: Cli) -> dict[str, dict]:
    assert cli("geography", "use-force", "Suffolk").code == 0
    imported = cli("geography", "import", "--wards", str(GEOJSON), "--json")
    assert imported.code == 0, imported.err
    return {w["name"]: w for w in cli("geography", "show", "--json").json()["wards"]}


@pytest.mark.parametrize("path", [GPKG, SHP, ZIPPED], ids=["gpkg", "shp", "zip"])
def test_geopackage_and_shapefile_import_the_same_wards_as_geojson(
        cli: Cli, suffolk_wards_geojson: dict[str, dict], path: Path) -> None:
    imported = cli("geography", "import", "--wards", str(path), "--json")
    assert imported.code == 0, imported.err
    report = imported.json()
    assert (report["read"], report["kept"], report["name_field"]) == (16, 16, "WD13NM")
    assert "EPSG:27700 reprojected to WGS 84" in report["read_as"]
    wards = {w["name"]: w for w in cli("geography", "show", "--json").json()["wards"]}
    assert set(wards) == set(suffolk_wards_geojson)
    for name, ward in wards.items():
        expected = suffolk_wards_geojson[name]
        assert (ward["code"], ward["district"]) == (expected["code"], "Ipswich")
        # Projected there and back: the areas agree to a hundredth of a km2 (what show rounds to).
        assert ward["area_km2"] == pytest.approx(expected["area_km2"], abs=0.011)


def test_name_field_and_districts_from_a_geopackage(cli: Cli) -> None:
    assert cli("geography", "use-force", "Suffolk").code == 0
    imported = cli("geography", "import", "--districts", str(GPKG), "--name-field", "WD13CD", "--json")
    assert imported.code == 0, imported.err
    names = {d["name"] for d in cli("geography", "show", "--json").json()["districts"]}
    assert len(names) == 16 and all(n.startswith("E0500") for n in names)


def _refused(cli: Cli, path: Path) -> str:
    before = cli("geography", "show", "--json").json()
    result = cli("geography", "import", "--wards", str(path))
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert cli("geography", "show", "--json").json() == before  # nothing changed
    return lines[0]


def test_broken_files_are_one_error_and_change_nothing(cli: Cli, suffolk_wards_geojson: dict, tmp_path: Path) -> None:
    assert "broken-truncated.gpkg: not a readable GeoPackage" in _refused(cli, BROKEN)
    assert "no such file" in _refused(cli, tmp_path / "missing.gpkg")
    lonely = tmp_path / "wards.shp"
    shutil.copy(SHP, lonely)  # without its .shx, .dbf and .prj
    assert "needs its .shx, .dbf, .prj" in _refused(cli, lonely)
    for suffix in (".shx", ".dbf"):
        shutil.copy(SHP.with_suffix(suffix), lonely.with_suffix(suffix))
    assert "needs its .prj" in _refused(cli, lonely)  # the coordinate system would be a guess
    no_prj = tmp_path / "no-prj.zip"
    with zipfile.ZipFile(ZIPPED) as source, zipfile.ZipFile(no_prj, "w") as target:
        for name in source.namelist():
            if not name.endswith(".prj"):
                target.writestr(name, source.read(name))
    assert "without its .prj" in _refused(cli, no_prj)
    not_zip = tmp_path / "wards.zip"
    not_zip.write_bytes(b"PK\x03\x04 truncated")
    assert "not a readable zip" in _refused(cli, not_zip)
    garbage = tmp_path / "wards.shp"
    garbage.write_bytes(b"\x00" * 200)  # sidecars present (copied above), the main file corrupt
    shutil.copy(SHP.with_suffix(".prj"), garbage.with_suffix(".prj"))
    assert "not a readable Shapefile" in _refused(cli, garbage)
    kml = tmp_path / "wards.kml"
    kml.write_text("<kml/>", encoding="utf-8")
    assert "RuralWatch does not read .kml files" in _refused(cli, kml)


def test_a_geopackage_outside_the_force_is_refused_as_geojson_is(cli: Cli) -> None:
    # Ipswich wards while the force is still Essex: the same check as for GeoJSON.
    message = _refused(cli, GPKG)
    assert "inside the Essex Police force area" in message


SHARED_GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"  # see its README.md
WALES_DISTRICTS = SHARED_GEO / "boundaries-gb" / "wal-lad-2013.geojson"


@pytest.mark.parametrize(("force", "given", "path", "words"), [
    ("Suffolk", "--districts", GEOJSON, "its areas are named in WD13NM, so it is a ward file: import it with --wards"),
    ("Suffolk", "--districts", ZIPPED, "its areas are named in WD13NM, so it is a ward file: import it with --wards"),
    ("Dyfed-Powys", "--wards", WALES_DISTRICTS,
     "its areas are named in LAD13NM, so it is a district file: import it with --districts"),
], ids=["wards-geojson-as-districts", "wards-shapefile-as-districts", "districts-as-wards"])
def test_a_file_of_the_other_level_is_refused_and_changes_nothing(cli: Cli, force: str, given: str, path: Path,
                                                                  words: str) -> None:
    """Ipswich's 16 wards given as districts were '16 districts imported' (and Wales's districts as wards)."""
    assert path.is_file()
    assert cli("geography", "use-force", force).code == 0
    before = cli("geography", "show", "--json").json()
    result = cli("geography", "import", given, str(path))
    assert result.code == 2 and result.err.count("\n") == 1 and f"{path.name}: {words}" in result.err, result.err
    assert cli("geography", "show", "--json").json() == before


def _zip_of(path: Path, members: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in members.items():
            archive.write(source, name)
    return path


def test_geojson_sent_zipped_imports_the_same_wards(cli: Cli, suffolk_wards_geojson: dict[str, dict],
                                                    tmp_path: Path) -> None:
    # As people receive boundaries by e-mail: the GeoJSON in a folder of a zip (before, "no Shapefile or GeoPackage").
    zipped = _zip_of(tmp_path / "ipswich-wards.zip", {"ipswich/E07000202.json": GEOJSON})
    imported = cli("geography", "import", "--wards", str(zipped), "--json")
    assert imported.code == 0, imported.err
    report = imported.json()
    assert (report["read"], report["kept"], report["name_field"]) == (16, 16, "WD13NM")
    assert report["read_as"] == "GeoJSON ipswich/E07000202.json in the zip"
    wards = {w["name"]: w for w in cli("geography", "show", "--json").json()["wards"]}
    assert wards == suffolk_wards_geojson


def test_a_zip_of_several_boundary_files_or_of_another_zip_is_one_error(cli: Cli, suffolk_wards_geojson: dict,
                                                                        tmp_path: Path) -> None:
    two = _zip_of(tmp_path / "two.zip", {"ipswich.geojson": GEOJSON, "ipswich-bng.gpkg": GPKG})
    assert "two.zip: the zip holds 2 boundary files (ipswich.geojson, ipswich-bng.gpkg)" in _refused(cli, two)
    twice = _zip_of(tmp_path / "attachment.zip", {"wards.zip": ZIPPED})
    message = _refused(cli, twice)
    assert "attachment.zip: the zip holds another zip (wards.zip)" in message and "unzip it" in message
