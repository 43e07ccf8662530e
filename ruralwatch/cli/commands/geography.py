"""`ruralwatch geography`: the force this database works for, its districts and wards.

    geography show [--json]                               force, area in km2, districts, wards
    geography forces [--json]                             the 43 forces of England and Wales
    geography use-force NAME                              choose the force (administrators)
    geography import --districts|--wards FILE... [--name-field F]  ONS GeoJSON, GeoPackage or Shapefile (.shp or
                                                          .zip) for the chosen force, any stated CRS
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.mapping.geography import ImportKind
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    geography = commands.add_parser("geography", help="the police force, its districts and wards")
    actions = geography.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    show = actions.add_parser("show", help="the force, its area in km2, its districts and wards")
    show.add_argument("--json", action="store_true")
    listing = actions.add_parser("forces", help="the 43 police forces of England and Wales")
    listing.add_argument("--json", action="store_true")
    use = actions.add_parser("use-force", help="choose the force (any case; e.g. Suffolk, \"Devon & Cornwall\")")
    use.add_argument("name", nargs="+", help="the force's name or ONS code")
    importing = actions.add_parser("import", help="import ONS district or ward boundaries (GeoJSON, GeoPackage, "
                                     "Shapefile .shp with its .shx/.dbf/.prj, or a .zip of one)")
    level = importing.add_mutually_exclusive_group(required=True)
    # Several files at once: wards are often published one file per district, and each import replaces the last.
    level.add_argument("--districts", type=Path, metavar="FILE", nargs="+")
    level.add_argument("--wards", type=Path, metavar="FILE", nargs="+",
                       help="one file, or several (one per district) imported together")
    importing.add_argument("--name-field", metavar="F", help="the property holding the name (default: WDxxNM, "
                           "LADxxNM or name)")
    importing.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.geography import GeographyService

    service = GeographyService(store)
    if args.action == "show":
        summary = service.current().summary()
        if args.json:
            print_json(summary)
        else:
            print(f"{summary['force']} ({summary['code']}): {summary['area_km2']:,.1f} km2; harm weights of "
                  f"{summary['cchi_force']}")
            print(f"{len(summary['districts'])} districts ({summary['districts_source']}):")
            for district in summary["districts"]:
                print(f"  {district['name']:32} {district['code']:10} {district['area_km2']:9,.1f} km2")
            if summary["wards"]:
                print(f"{len(summary['wards'])} wards ({summary['wards_source']})")
            else:
                print("no wards (import them with `ruralwatch geography import --wards FILE`)")
    elif args.action == "forces":
        chosen = service.force().code
        rows = [{"name": f.name, "code": f.code, "area_km2": f.area_km2, "chosen": f.code == chosen}
                for f in service.forces()]
        if args.json:
            print_json(rows)
        else:
            for row in rows:
                print(f"{'*' if row['chosen'] else ' '} {row['name']:24} {row['code']}  {row['area_km2']:9,.1f} km2")
    elif args.action == "use-force":
        force = service.use_force(" ".join(args.name))
        print(f"force: {force.name} ({force.code}), {force.area_km2:,.1f} km2")
    else:
        kind: ImportKind = "districts" if args.districts else "wards"
        report = service.import_file(kind, args.districts or args.wards, args.name_field)
        if args.json:
            print_json(report.to_dict())
        else:
            print(report.summary())
    return ExitCode.OK


SPEC = SignedInCommand(("geography",), add_parsers, run)
