"""Vehicles of interest: import and withdraw lists (force systems, ANPR hotlists), check a registration against the
lists and the team's own reports, list what is held."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.errors import ValidationError
from ruralwatch.io.vehicle_lists import FIELDS

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    vehicles = commands.add_parser("vehicles", help="vehicles of interest: lists and checks")
    actions = vehicles.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)

    imports = actions.add_parser(
        "import", help="import a source's list (CSV or XLSX); it replaces that source's previous list",
        description="Columns are found from their headers (registration/VRM, reason, date added, expiry, handling "
                    "note) or named with --map; the mapping is remembered for the source. Registrations in any "
                    "spacing or case; rows that cannot be read are counted with their reason.")
    imports.add_argument("file", type=Path)
    imports.add_argument("--source", required=True, help='the list\'s name, e.g. "ANPR hotlist"')
    imports.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                         help=f"which column holds a field ({', '.join(FIELDS)}); repeatable")
    imports.add_argument("--reason", default="", help="the reason for rows that give none")
    imports.add_argument("--json", action="store_true")

    check = actions.add_parser("check", help="is this registration of interest? (lists and recent reports)")
    check.add_argument("vrm")
    check.add_argument("--json", action="store_true")

    listing = actions.add_parser("list", help="the vehicles on the lists (live ones unless --all)")
    listing.add_argument("--source", help="one source only")
    listing.add_argument("--all", action="store_true", help="include expired entries")
    listing.add_argument("--json", action="store_true")

    withdraw = actions.add_parser("withdraw", help="withdraw a source's whole list")
    withdraw.add_argument("--source", required=True)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        name, _, column = pair.partition("=")
        if not column or name.strip() not in FIELDS:
            raise ValidationError.single("map", f"{pair!r}: write FIELD=COLUMN, FIELD one of {', '.join(FIELDS)}")
        mapping[name.strip()] = column.strip()
    return mapping


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.vehicles import VehicleListService

    service = VehicleListService(store)
    if args.action == "import":
        result = service.import_list(args.file, args.source, _mapping(args.map), args.reason)
        print_json(result.to_dict()) if args.json else print(result.summary())
    elif args.action == "check":
        found = service.check(args.vrm)
        if args.json:
            print_json(found.to_dict())
        elif found.of_interest:
            print(f"{found.to_dict()['vrm']}: OF INTEREST")
            for line in found.lines():
                print(f"  {line}")
        else:
            print(f"{found.to_dict()['vrm']}: not on any list, not on a recent report")
    elif args.action == "list":
        store.actor.require("vehicles.view")
        entries = [e for e in service.listed(include_expired=args.all) if not args.source or e.source == args.source]
        if args.json:
            print_json([e.to_dict() for e in entries])
        else:
            for e in entries:
                entry = e.to_dict()
                until = f" until {entry['expires_on']}" if entry["expires_on"] else ""
                print(f"{entry['vrm']:10} {e.source}: {e.reason}{until}")
    elif args.action == "withdraw":
        print(f"{service.withdraw(args.source):,} entries of {args.source} withdrawn")
    else:  # the parser offers only the actions above
        raise AssertionError(f"unhandled vehicles action {args.action}")
    return ExitCode.OK


SPEC = SignedInCommand(("vehicles",), add_parsers, run)
