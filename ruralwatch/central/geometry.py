"""Point geometry for PostGIS, computed by RuralWatch's own conversion (ruralwatch.core.geo.to_bng), not by the
database: the central store's British National Grid coordinates are the same numbers the laptops' analysis uses.

Points go to PostGIS as hex EWKB (what `geometry` text input reads fastest), in EPSG:4326 (lon, lat) and
EPSG:27700 (easting, northing).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

import numpy as np

from ruralwatch.core.geo import to_bng

WGS84 = 4326
BNG = 27700
# Little-endian EWKB point with an SRID: byte order 1, type 1 | 0x20000000 (SRID flag), SRID, x, y.
_POINT = struct.Struct("<BIIdd")
_SRID_FLAG = 0x20000000


def ewkb_point(x: float, y: float, srid: int) -> str:
    return _POINT.pack(1, 1 | _SRID_FLAG, srid, x, y).hex()


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def points(lats: Sequence[object], lons: Sequence[object]) -> tuple[list[str | None], list[str | None]]:
    """(EPSG:4326 points, EPSG:27700 points) for rows' lat/lon; None where a row has no usable position (missing,
    not a number, or outside what the grid conversion covers). One vectorised conversion for the whole batch."""
    pairs = [(_number(lat), _number(lon)) for lat, lon in zip(lats, lons, strict=True)]
    usable = [i for i, (lat, lon) in enumerate(pairs) if lat is not None and lon is not None
              and -90 <= lat <= 90 and -180 <= lon <= 180]
    wgs: list[str | None] = [None] * len(pairs)
    bng: list[str | None] = [None] * len(pairs)
    if not usable:
        return wgs, bng
    lat_array = np.array([pairs[i][0] for i in usable], dtype=float)
    lon_array = np.array([pairs[i][1] for i in usable], dtype=float)
    eastings, northings = to_bng().transform(lon_array, lat_array)
    for index, lat, lon, easting, northing in zip(usable, lat_array, lon_array, eastings, northings, strict=True):
        wgs[index] = ewkb_point(float(lon), float(lat), WGS84)
        if math.isfinite(easting) and math.isfinite(northing):
            bng[index] = ewkb_point(float(easting), float(northing), BNG)
    return wgs, bng
