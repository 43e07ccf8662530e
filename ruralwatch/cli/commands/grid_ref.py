"""`ruralwatch grid-ref REF_OR_LATLON [--json]`: an OS grid reference to latitude/longitude or back, by OSTN15.

Needs no database: it is what an officer checks a radio read-out or a map reference with. Takes a grid reference
("SU 12345 67890", any square, any precision), an easting and northing in metres without letters ("558800, 222400",
"558800222400") or "LAT, LON" / "LAT LON" in decimal degrees; prints every form.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import FileCommand, Phase
from ruralwatch.core import geo
from ruralwatch.core.errors import ValidationError


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of its own
    parser = commands.add_parser(
        "grid-ref", help="convert an OS grid reference to latitude/longitude or back (OSTN15, exact)",
        description=f"Convert an OS National Grid reference ({geo.GRID_REF_FORM}; or '558800 222400': easting and "
                    "northing in metres) to WGS84 latitude and longitude, or 'LAT, LON' to a ten-figure grid "
                    "reference, with Ordnance Survey's OSTN15.",
    )
    parser.add_argument("point", nargs="+", metavar="REF_OR_LATLON")
    parser.add_argument("--json", action="store_true")


def convert(text: str) -> dict[str, Any]:
    """Both forms of the point `text` names: grid_ref (ten figures), easting, northing (metres), lat, lon."""
    point = geo.typed_point(text, "point")  # one reader for every form, as the grid reference boxes
    given = geo.easting_northing_in(text)
    if given is not None:
        easting, northing = given
    elif geo.lat_lon_in(text) is not None:
        easting, northing = geo.lat_lon_to_easting_northing(point.lat, point.lon)
    else:
        easting, northing = geo.grid_ref_to_easting_northing(text, "point")
    if not (0 <= easting < geo.GRID_MAX_EASTING and 0 <= northing < geo.GRID_MAX_NORTHING):
        raise ValidationError.single("point", f"{text.strip()} is off the National Grid")
    return {"grid_ref": geo.easting_northing_to_grid_ref(easting, northing, 10), "easting": round(easting, 3),
            "northing": round(northing, 3), "lat": round(point.lat, 8), "lon": round(point.lon, 8)}


def run(args: argparse.Namespace, db_path: Path) -> int:
    del db_path  # no database
    result = convert(" ".join(args.point))
    if args.json:
        print_json(result)
    else:
        print(f"{result['grid_ref']}  (E {result['easting']:.3f}, N {result['northing']:.3f})  "
              f"lat {result['lat']:.8f}, lon {result['lon']:.8f}")
    return ExitCode.OK


SPEC = FileCommand(("grid-ref",), Phase.SET_UP, add_parsers, run, needs_database=False)
