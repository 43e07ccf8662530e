"""Every bulk conversion lon/lat <-> British National Grid (importer, analysis grid, briefing maps) goes through
core.geo's one pair of transformers (grid references a person reads use OSTN15 instead: tests/unit/test_ostn15.py).

The points are off the coast, outside the Helmert transformation's area of use but inside the GB margin, where a
transformer built without allow_ballpark=False would take a datum-less "ballpark" step and land 50-140 m away.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from pyproj import Transformer

from ruralwatch.analysis import grid
from ruralwatch.core import geo
from ruralwatch.io import briefing
from ruralwatch.services import analysis

SOUTH_OF_SCILLY = (49.7, -6.5)  # (lat, lon)
NORTH_OF_SHETLAND = (450_000.0, 1_250_000.0)  # (easting, northing)


def _ballpark_to_bng() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _ballpark_from_bng() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def test_the_points_are_where_ballpark_would_differ() -> None:
    """Guards the tests below: at these points the wrong transformer gives a visibly different answer."""
    lat, lon = SOUTH_OF_SCILLY
    geo.check_lat_lon(lat, lon)  # inside the app's GB bounds
    ours = np.array(geo.to_bng().transform(lon, lat))
    assert np.hypot(*(ours - np.array(_ballpark_to_bng().transform(lon, lat)))) > 50
    east, north = NORTH_OF_SHETLAND
    lon_ours, lat_ours = geo.from_bng().transform(east, north)
    geo.check_lat_lon(lat_ours, lon_ours)
    lon_ballpark, _ = _ballpark_from_bng().transform(east, north)
    assert abs(lon_ours - lon_ballpark) > 1e-3  # about 100 m at 61 N


def test_transformers_are_cached() -> None:
    assert geo.to_bng() is geo.to_bng()
    assert geo.from_bng() is geo.from_bng()


def test_briefing_projects_like_core_geo() -> None:
    lat, lon = SOUTH_OF_SCILLY
    [(east, north)] = briefing._project([(lat, lon)])
    assert (east, north) == geo.to_bng().transform(lon, lat)


def test_briefing_map_bounds_unproject_like_core_geo() -> None:
    east, north = NORTH_OF_SHETLAND
    view = briefing._View(e0=east, n0=north, scale=1.0, x0=0.0, y0=0.0, width=1.0, height=1.0)
    lon_min, lat_min, _, _ = briefing._view_lonlat_bbox(view)
    lon, lat = geo.from_bng().transform(east, north)
    assert lon_min <= lon and lat_min <= lat
    assert lon_min == pytest.approx(lon, abs=1e-4) and lat_min == pytest.approx(lat, abs=1e-4)


def test_analysis_grid_unprojects_like_core_geo() -> None:
    east, north = NORTH_OF_SHETLAND
    lon, lat = grid.bng_to_wgs84([east], [north])
    assert (lon[0], lat[0]) == geo.from_bng().transform(east, north)


def test_analysis_service_projects_areas_like_core_geo() -> None:
    lat, lon = SOUTH_OF_SCILLY
    ring = [[lon, lat], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]
    [[projected]] = analysis._geometry_bng({"type": "Polygon", "coordinates": [ring]})
    assert tuple(projected[0]) == geo.to_bng().transform(lon, lat)


def test_worker_threads_get_the_same_answers() -> None:
    """The cached transformers are shared with worker threads (pyproj gives each thread its own PROJ object)."""
    lat, lon = SOUTH_OF_SCILLY
    expected = geo.to_bng().transform(lon, lat)
    results: list[tuple[float, float]] = []

    def work() -> None:
        results.append(geo.to_bng().transform(lon, lat))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
