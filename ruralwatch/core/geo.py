"""Coordinates: Great Britain bounds, OS National Grid references (EPSG:27700) and distances.

Two ways between latitude/longitude and the grid, each where it fits:
- **Exact, for every grid reference a person types or reads** (the incident form, the CLI, the patrol log and plan,
  briefings, `ruralwatch grid-ref`): Ordnance Survey's OSTN15 transformation through the `osgb` package, which
  carries the OSTN15 grid and agrees with OS's own test points to the millimetre (tests/unit/test_ostn15.py).
  GPS gives ETRS89, which WGS84 equals to well under a metre in Britain, as OS's own guidance takes it.
- **Fast and approximate, for bulk analysis** (`to_bng()`/`from_bng()`: the importer's eastings, the analysis grid,
  map export corners): PROJ's Helmert step, a few metres off (2-2.5 m in Essex), vectorised over arrays. Hotspot
  cells are hundreds of metres wide and published crime is snapped to anonymised points: metres do not matter there.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import sys
import threading
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from ruralwatch.core.errors import ValidationError

if TYPE_CHECKING:
    from pyproj import Transformer

# Great Britain (Scilly to Shetland, St Kilda to Lowestoft) plus a margin for coastal incidents.
GB_MARGIN_DEG = 0.3
GB_LAT_RANGE = (49.85 - GB_MARGIN_DEG, 60.86 + GB_MARGIN_DEG)
GB_LON_RANGE = (-8.65 - GB_MARGIN_DEG, 1.77 + GB_MARGIN_DEG)

# The National Grid covers 0-700 km east and 0-1300 km north of its false origin.
GRID_MAX_EASTING = 700_000
GRID_MAX_NORTHING = 1_300_000

_GRID_REF = re.compile(r"^\s*([A-Za-z]{2})\s*([0-9]*)\s*([0-9]*)\s*$")
# Two numbers: "51.8802, 0.2712" or "51.8802 0.2712" (decimal latitude then longitude, as a phone's map app copies a
# point), or "558800, 222400" / "558800 222400" (easting then northing in metres, as a radio read-out gives them).
_LAT_LON_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$")
# All figures, spaced anyhow ("558800222400", "5588002224 00"): a 12-figure reference (6 of easting, 6 of northing,
# in metres) or 13 (north of 1,000 km: Orkney, Shetland).
_FIGURES_ONLY = re.compile(r"^\s*\d[\d\s]*$")
FIGURES_REFERENCE = (12, 13)
# Two numbers both at least this are an easting and northing in metres, never a latitude and longitude (which never
# reach 181); a smaller one would put the point within a kilometre of the grid's false origin, in the sea off Scilly.
MIN_GRID_METRES = 1_000


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


# The one pair of OSGB transformers every module uses (lon/lat order both ways: always_xy), so a point converts the
# same in the incident form, the analysis grid, the importer and the briefing map.
# allow_ballpark=False: outside the Helmert transformation's area of use (49.79-60.94 N, 8.82 W-1.92 E, so inside
# the GB margin near Scilly, St Kilda's sea and Shetland) PROJ would otherwise convert lat/lon to the grid with a
# "ballpark" datum-less step but the grid to lat/lon with the Helmert one, so a point moved 50-140 m on a round trip.
# Cached and shared across threads: since pyproj 3.1 a Transformer is thread-safe (it builds its PROJ object per
# thread, in a threading.local, on that thread's own PROJ context), so worker threads may use these too (threads
# Python starts: see ruralwatch.ui.tasks on reused foreign threads).
@cache
def to_bng() -> Transformer:
    """WGS84 (lon, lat) to British National Grid (easting, northing) metres; takes scalars or arrays."""
    from pyproj import Transformer  # 0.07 s of imports: only for the commands that project (issue 21)

    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True, allow_ballpark=False)


@cache
def from_bng() -> Transformer:
    """British National Grid (easting, northing) metres to WGS84 (lon, lat); takes scalars or arrays."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True, allow_ballpark=False)


def check_lat_lon(lat: float, lon: float, field: str = "location") -> LatLon:
    """Reject coordinates that are not numbers or fall outside Great Britain (with a margin)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValidationError.single(field, "latitude and longitude must be numbers")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError.single(field, f"{lat}, {lon} is not a valid latitude, longitude")
    if not (GB_LAT_RANGE[0] <= lat <= GB_LAT_RANGE[1] and GB_LON_RANGE[0] <= lon <= GB_LON_RANGE[1]):
        hint = " (latitude and longitude swapped?)" if _in_gb(lon, lat) else ""
        raise ValidationError.single(field, f"{lat:.5f}, {lon:.5f} is outside Great Britain{hint}")
    return LatLon(lat, lon)


def check_coordinate(axis: str, value: float, field: str) -> float:
    """One coordinate alone ("lat" or "lon"), so a form can say which box is wrong as soon as it is left (a walk's
    latitude of 512026.789072 was refused only at Save, and against the grid reference box)."""
    low, high = GB_LAT_RANGE if axis == "lat" else GB_LON_RANGE
    name = "latitude" if axis == "lat" else "longitude"
    if not math.isfinite(value):
        raise ValidationError.single(field, f"the {name} must be a number")
    if not low <= value <= high:
        raise ValidationError.single(field, f"{value} is not a {name} in Great Britain ({low:.2f} to {high:.2f})")
    return value


def _in_gb(lat: float, lon: float) -> bool:
    return GB_LAT_RANGE[0] <= lat <= GB_LAT_RANGE[1] and GB_LON_RANGE[0] <= lon <= GB_LON_RANGE[1]


def _letter_index(letter: str) -> int:
    index = ord(letter) - ord("A")
    return index - 1 if index > 7 else index  # the grid alphabet has no I


def _index_letter(index: int) -> str:
    return chr(ord("A") + (index + 1 if index > 7 else index))


# How a grid reference is written, for help and messages. Neutral: they cannot know the force, and an Essex
# "TL ..." example misled users of other forces; the example says it is one.
GRID_REF_FORM = ("two letters (the 100 km square), then the easting's and northing's digits, as many of each; "
                 "for example SU 12345 67890")
GRID_REF_SHORT = "two letters then digits, for example SU 1234 5678"


def grid_ref_to_easting_northing(text: str, field: str = "grid_ref") -> tuple[float, float]:
    """Parse ``TL 81234 23456`` (2 letters and 2-10 digits) to the easting/northing of the square's centre."""
    match = _GRID_REF.match(text)
    if not match:
        raise ValidationError.single(
            field, f"{text.strip()!r} is not an OS grid reference ({GRID_REF_SHORT})"
        )
    letters, first, second = match.group(1).upper(), match.group(2), match.group(3)
    digits = first + second
    if "I" in letters:
        raise ValidationError.single(field, f"{letters} is not a grid square (the grid has no letter I)")
    if second and len(first) != len(second):
        raise ValidationError.single(field, "easting and northing must have the same number of digits")
    if len(digits) % 2 or not 2 <= len(digits) <= 10:
        raise ValidationError.single(
            field, f"a grid reference needs an even number of digits, 2 to 10 (got {len(digits)})"
        )
    l1, l2 = _letter_index(letters[0]), _letter_index(letters[1])
    square_e = ((l1 - 2) % 5) * 5 + (l2 % 5)
    square_n = (19 - (l1 // 5) * 5) - (l2 // 5)
    half = len(digits) // 2
    resolution = 10 ** (5 - half)
    easting = square_e * 100_000 + int(digits[:half]) * resolution + resolution / 2
    northing = square_n * 100_000 + int(digits[half:]) * resolution + resolution / 2
    if not (0 <= easting < GRID_MAX_EASTING and 0 <= northing < GRID_MAX_NORTHING):
        raise ValidationError.single(field, f"{letters} is not a square of the British National Grid")
    return easting, northing


def easting_northing_to_grid_ref(easting: float, northing: float, digits: int = 10) -> str:
    """Format an easting/northing as ``TL 81234 23456``; ``digits`` is the total count (2-10, even)."""
    if digits % 2 or not 2 <= digits <= 10:
        raise ValueError("digits must be even, 2 to 10")
    if not (0 <= easting < GRID_MAX_EASTING and 0 <= northing < GRID_MAX_NORTHING):
        raise ValidationError.single("location", "point is outside the British National Grid")
    # Round away float noise from the datum transform so a 1 m reference read back reads the same,
    # without rounding a point at the grid's far edge off the grid.
    easting = min(round(easting, 1), GRID_MAX_EASTING - 0.1)
    northing = min(round(northing, 1), GRID_MAX_NORTHING - 0.1)
    square_e, square_n = int(easting // 100_000), int(northing // 100_000)
    l1 = (19 - square_n) - (19 - square_n) % 5 + (square_e + 10) // 5
    l2 = (19 - square_n) * 5 % 25 + square_e % 5
    half = digits // 2
    resolution = 10 ** (5 - half)
    e_digits = int((easting % 100_000) // resolution)
    n_digits = int((northing % 100_000) // resolution)
    return f"{_index_letter(l1)}{_index_letter(l2)} {e_digits:0{half}d} {n_digits:0{half}d}"


def grid_ref_digits(text: str, field: str = "grid_ref") -> int:
    """How many figures a valid grid reference was given to (2-10): its precision (``TL 8500 0700`` -> 8)."""
    grid_ref_to_easting_northing(text, field)  # ValidationError when it does not read
    match = _GRID_REF.match(text)
    assert match is not None
    return len(match.group(2) + match.group(3))


def normalise_grid_ref(text: str, field: str = "grid_ref") -> str:
    """``tl85000700`` -> ``TL 8500 0700``: capitals and spaces, at the precision it was typed to (not padded to
    10 figures: an 8-figure reference means a 10 m square, and reads back as one)."""
    easting, northing = grid_ref_to_easting_northing(text, field)
    return easting_northing_to_grid_ref(easting, northing, grid_ref_digits(text, field))


# A typed grid reference is stored as the centre of its square (grid_ref_to_easting_northing). The centres of 2-, 4-,
# 6- and 8-figure squares lie on whole metres ending in 5000, 500, 50 and 5 (modulo 10 km ... 10 m), which no other
# precision's centres share; a 10-figure centre, or a point clicked or measured, is on none of them (but for about
# 1 point in 10,000 that lands within this tolerance of a 10 m square's centre, and reads back as that square).
# 5 cm is ten times the error of a point stored to 7 decimal places of a degree.
CENTRE_TOLERANCE_M = 0.05


def grid_ref_as_given(easting: float, northing: float) -> str:
    """The grid reference of a stored point at the precision it was typed to: a point on the centre of a 2- to
    8-figure square reads back as that square's reference, any other point to the metre (10 figures)."""
    for digits in (8, 6, 4, 2):
        resolution = 10 ** (5 - digits // 2)
        if all(abs(value % resolution - resolution / 2) <= CENTRE_TOLERANCE_M for value in (easting, northing)):
            return easting_northing_to_grid_ref(easting, northing, digits)
    return easting_northing_to_grid_ref(easting, northing, 10)


def point_grid_ref(lat: float, lon: float) -> str:
    """A stored lat/lon's grid reference at the precision it was given (grid_ref_as_given), by OSTN15."""
    return grid_ref_as_given(*lat_lon_to_easting_northing(lat, lon))


def grid_ref_to_lat_lon(text: str, field: str = "grid_ref") -> LatLon:
    """A grid reference's point (the centre of its square at the precision given), by OSTN15."""
    easting, northing = grid_ref_to_easting_northing(text, field)
    lat, lon = easting_northing_to_lat_lon(easting, northing)
    return check_lat_lon(lat, lon, field)


def lat_lon_in(text: str) -> tuple[float, float] | None:
    """The (lat, lon) that `text` writes as two decimal numbers ("51.8802, 0.2712"), unchecked but for being a
    latitude (to 90) and longitude (to 180); None for any other text: a grid reference (it starts with letters), an
    easting and northing (`easting_northing_in`), or the start of one being typed ("558800 2")."""
    found = _LAT_LON_TEXT.match(text)
    if not found or easting_northing_in(text) is not None:
        return None
    lat, lon = float(found.group(1)), float(found.group(2))
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else None


def _grid_metres(first: float, second: float) -> bool:
    return first >= MIN_GRID_METRES and second >= MIN_GRID_METRES


def easting_northing_in(text: str) -> tuple[float, float] | None:
    """The (easting, northing) in metres that `text` writes without letters, unchecked: two numbers both of
    MIN_GRID_METRES or more ("558800, 222400", "558800 222400"), or 12 or 13 figures alone however spaced
    ("558800222400": the first 6 the easting). None for any other text."""
    found = _LAT_LON_TEXT.match(text)
    if found and _grid_metres(float(found.group(1)), float(found.group(2))):
        return float(found.group(1)), float(found.group(2))
    if _FIGURES_ONLY.match(text):
        figures = re.sub(r"\s", "", text)
        if len(figures) in FIGURES_REFERENCE:
            return float(figures[:6]), float(figures[6:])
    return None


def easting_northing_point(easting: float, northing: float, field: str = "grid_ref") -> LatLon:
    """The point at an easting and northing in metres (by OSTN15), checked to be on the grid and in GB."""
    if not (0 <= easting < GRID_MAX_EASTING and 0 <= northing < GRID_MAX_NORTHING):
        raise ValidationError.single(field, f"easting {easting:,.0f}, northing {northing:,.0f} is off the National "
                                            "Grid (eastings run to 700,000 m, northings to 1,300,000 m)")
    lat, lon = easting_northing_to_lat_lon(easting, northing)
    if not _in_gb(lat, lon):
        raise ValidationError.single(field, f"easting {easting:,.0f}, northing {northing:,.0f} is outside Great "
                                            "Britain")
    return LatLon(lat, lon)


def typed_point(text: str, field: str = "grid_ref") -> LatLon:
    """The point typed in a grid-reference box: an OS grid reference with its letters, an easting and northing in
    metres without them ("558800, 222400", "558800222400"), or a latitude and longitude pasted in (a walk pasted
    one from a phone's map and was told it "is not an OS grid reference"); checked to be in GB.

    Two numbers are read one way only: both of MIN_GRID_METRES or more, an easting and northing; otherwise a
    latitude and longitude. A pair that is neither in GB is refused in one message that gives both readings."""
    grid = easting_northing_in(text)
    if grid is not None:
        try:
            return easting_northing_point(*grid, field)
        except ValidationError:
            raise _neither(text, field) from None
    found = _LAT_LON_TEXT.match(text)
    if found:
        try:
            return check_lat_lon(float(found.group(1)), float(found.group(2)), field)
        except ValidationError:
            raise _neither(text, field) from None
    if _FIGURES_ONLY.match(text):
        raise _figures_refused(text, field)
    return grid_ref_to_lat_lon(text, field)


def _neither(text: str, field: str) -> ValidationError:
    """Two numbers that are no place in GB, read either way: what each reading makes of them."""
    found = _LAT_LON_TEXT.match(text)
    pair = (float(found.group(1)), float(found.group(2))) if found else easting_northing_in(text)
    assert pair is not None
    first, second = pair
    if not (-90 <= first <= 90 and -180 <= second <= 180):
        as_lat_lon = "no latitude goes beyond 90 (nor longitude beyond 180)"
    else:
        as_lat_lon = "it is outside Great Britain" + (" (latitude and longitude swapped?)" if _in_gb(second, first)
                                                      else "")
    if not _grid_metres(first, second):
        as_grid = f"both would be {MIN_GRID_METRES:,} m or more"
    elif not (first < GRID_MAX_EASTING and second < GRID_MAX_NORTHING):
        as_grid = "it is off the National Grid (eastings run to 700,000 m, northings to 1,300,000 m)"
    else:
        as_grid = "it is outside Great Britain"
    a, b = _plain(first), _plain(second)
    return ValidationError.single(
        field, f"{text.strip()!r} is not a place in Great Britain either way it can be read: as latitude {a} and "
               f"longitude {b}, {as_lat_lon}; as easting {a} and northing {b} in metres, {as_grid}")


def _plain(value: float) -> str:
    return f"{value:f}".rstrip("0").rstrip(".")


def _figures_refused(text: str, field: str) -> ValidationError:
    count = len(re.sub(r"\s", "", text))
    return ValidationError.single(
        field, f"{text.strip()!r} has {count} figures: a reference without letters has 12, the easting then the "
               "northing in metres (558800 222400), or give its two letters (TL 58800 22400)")


def easting_northing_to_lat_lon(easting: float, northing: float) -> tuple[float, float]:
    """Grid metres to WGS84/ETRS89 (lat, lon) by OSTN15 (iterative inverse, as OS specifies)."""
    if not (math.isfinite(easting) and math.isfinite(northing)):  # osgb's iteration never ends on NaN
        raise ValidationError.single("grid_ref", "easting and northing must be numbers")
    # Nine places (about a tenth of a millimetre) always: osgb otherwise rounds whole metres to six (7-11 cm), so a
    # typed "558800, 222400" came back as easting 558799.969 and read as the metre beside it.
    lat, lon = _ostn15().grid_to_ll(float(easting), float(northing), rounding=9)
    return float(lat), float(lon)


def lat_lon_to_easting_northing(lat: float, lon: float) -> tuple[float, float]:
    """WGS84/ETRS89 to grid metres by OSTN15 (exact; outside OSTN15's cover, OSGB's Helmert approximation)."""
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        # Not a place on Earth (and osgb's iteration never ends on NaN).
        raise ValidationError.single("location", "latitude and longitude must be numbers, within +-90 and +-180")
    easting, northing = _ostn15().ll_to_grid(float(lat), float(lon))
    return float(easting), float(northing)


_OSTN15_LOCK = threading.Lock()


@cache
def _ostn15() -> ModuleType:
    """osgb's OSTN15 conversions (`osgb.convert`), loaded on first use without the package's `__init__`.

    `import osgb` also parses its index of printed map sheets (`osgb.gridder`: 0.12-0.2 s, which RuralWatch never
    uses); `osgb.convert` alone reads the OSTN15 shift grid in a few milliseconds. An unexecuted package module
    stands in for `osgb` while `convert` loads (it reads its grid with `pkgutil.get_data("osgb", ...)`); both
    leave sys.modules afterwards and the module is kept here, so a later `import osgb` is an ordinary import.
    """
    with _OSTN15_LOCK:
        if "osgb" in sys.modules:
            return importlib.import_module("osgb.convert")
        spec = importlib.util.find_spec("osgb")
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError("osgb is not installed", name="osgb")
        sys.modules["osgb"] = importlib.util.module_from_spec(spec)
        try:
            return importlib.import_module("osgb.convert")
        finally:
            sys.modules.pop("osgb.convert", None)
            del sys.modules["osgb"]


def lat_lon_to_grid_ref(lat: float, lon: float, digits: int = 10) -> str:
    easting, northing = lat_lon_to_easting_northing(lat, lon)
    return easting_northing_to_grid_ref(easting, northing, digits)


def haversine_km(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in kilometres."""
    r = 6371.0088
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
