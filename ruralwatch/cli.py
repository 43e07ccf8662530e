"""Headless commands over the same services the window uses. No Qt here.

Bad input never shows a traceback: one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from ruralwatch import __version__, cli_analysis
from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.geo import lat_lon_to_grid_ref
from ruralwatch.core.incident import IncidentFilter, IncidentInput, VehicleInput
from ruralwatch.core.kinds import ALL_DETAIL_FIELDS, KINDS, kind_by_key, kind_name
from ruralwatch.core.vocab import STATUSES, VEHICLE_ROLES
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.demo import DEFAULT_SEED, load_demo
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.store import open_store

EXIT_USAGE = 2


class CliParser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        # Sub-command parsers would prefix their own name; every error starts the same way instead.
        self.exit(EXIT_USAGE, f"ruralwatch: error: {message}\n")


def _detail_options() -> dict[str, list[str]]:
    """CLI option name -> detail field keys it can mean (e.g. --people: hc_people or enc_people)."""
    options: dict[str, list[str]] = {}
    for spec in ALL_DETAIL_FIELDS:
        options.setdefault(spec.cli_option, []).append(spec.key)
    return options


def _add_incident_fields(parser: argparse.ArgumentParser, required: bool) -> None:
    kinds = [k.key for k in KINDS]
    parser.add_argument("--kind", required=required, choices=kinds, metavar="KIND",
                        help=f"one of: {', '.join(kinds)}")
    parser.add_argument("--subkind", help="equipment category for equipment_theft (e.g. gps_unit, quad_atv)")
    parser.add_argument("--when", required=required, help="when it happened, YYYY-MM-DD HH:MM (UK time)")
    parser.add_argument("--end", help="when it ended, if it went on")
    parser.add_argument("--reported", help="when it was reported (default: now)")
    parser.add_argument("--lat", type=str)
    parser.add_argument("--lon", type=str)
    parser.add_argument("--grid-ref", help="OS grid reference instead of --lat/--lon, e.g. 'TL 81234 23456'")
    parser.add_argument("--place", help="place or farm name")
    parser.add_argument("--description")
    parser.add_argument("--status", choices=[k for k, _ in STATUSES])
    parser.add_argument("--crime-ref", dest="crime_reference", help="force crime reference")
    parser.add_argument("--reporter-name")
    parser.add_argument("--reporter-phone")
    parser.add_argument("--vrm", action="append", default=[], metavar="VRM[:ROLE]",
                        help="vehicle registration, repeatable; ROLE suspect (default), victim or witness")
    for option, keys in _detail_options().items():
        meanings = "; ".join(f"{kind_name(_kind_of_detail(key))}: {_label_of_detail(key)}" for key in keys)
        parser.add_argument(option, dest="detail_" + option[2:].replace("-", "_"), metavar="VALUE", help=meanings)


def _label_of_detail(key: str) -> str:
    return next(spec.label for spec in ALL_DETAIL_FIELDS if spec.key == key)


def _kind_of_detail(key: str) -> str:
    for kind in KINDS:
        if any(d.key == key for d in kind.details):
            return kind.key
    return "?"


def build_parser() -> CliParser:
    parser = CliParser(prog="ruralwatch", description="RuralWatch: rural crime and volunteer coordination.")
    parser.add_argument("--db", help="database file (default: $RURALWATCH_DB or the user data folder)")
    parser.add_argument("--version", action="version", version=f"RuralWatch {__version__}")
    parser.add_argument("--demo", action="store_true", help="with no command: load demo data, then open")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)

    demo = commands.add_parser("demo", help="load the synthetic demo dataset (idempotent for a seed)")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED)
    demo.add_argument("--incidents", type=int, default=None, help="how many incidents (default about 1,800)")

    incidents = commands.add_parser("incidents", help="record and find incidents")
    actions = incidents.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=CliParser)
    add = actions.add_parser("add", help="record a new incident")
    _add_incident_fields(add, required=True)
    add.add_argument("--json", action="store_true")
    update = actions.add_parser("update", help="change fields of an incident")
    update.add_argument("id")
    _add_incident_fields(update, required=False)
    update.add_argument("--remove-vrm", action="append", default=[], metavar="VRM")
    update.add_argument("--json", action="store_true")
    delete = actions.add_parser("delete", help="delete an incident (kept as a tombstone for sync)")
    delete.add_argument("id")
    show = actions.add_parser("show", help="one incident in full")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="list incidents, newest first")
    listing.add_argument("--kind", action="append", default=[], choices=[k.key for k in KINDS], metavar="KIND")
    listing.add_argument("--status", action="append", default=[], choices=[k for k, _ in STATUSES],
                         metavar="STATUS")
    listing.add_argument("--from", dest="start_from", type=_date_arg, help="first day, YYYY-MM-DD")
    listing.add_argument("--to", dest="start_to", type=_date_arg, help="last day, YYYY-MM-DD")
    listing.add_argument("--text", default="", help="search place, description, crime reference and VRMs")
    listing.add_argument("--limit", type=int, default=0, help="at most this many (default all)")
    listing.add_argument("--json", action="store_true")

    basemap = commands.add_parser("basemap", help="offline basemaps from MBTiles files")
    basemap_actions = basemap.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=CliParser)
    basemap_add = basemap_actions.add_parser("add", help="register an MBTiles file (PNG or JPEG tiles)")
    basemap_add.add_argument("file", type=Path)
    basemap_add.add_argument("--name", help="name shown in the map's layer list (default: the file's own)")
    basemap_list = basemap_actions.add_parser("list", help="registered basemaps")
    basemap_list.add_argument("--json", action="store_true")
    basemap_remove = basemap_actions.add_parser("remove", help="forget a basemap (the file is not deleted)")
    basemap_remove.add_argument("name")

    cli_analysis.add_parsers(commands, CliParser)

    imports = commands.add_parser("import", help="import published data, kept apart from your own incidents")
    import_sources = imports.add_subparsers(dest="action", metavar="SOURCE", required=True, parser_class=CliParser)
    police_uk = import_sources.add_parser(
        "police-uk", help="data.police.uk street-level crime CSV files (a folder means its *.csv files)"
    )
    police_uk.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    police_uk.add_argument("--json", action="store_true")

    commands.add_parser("self-test", help="check the window and offline map work on this machine")
    return parser


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parse_vehicle(text: str) -> VehicleInput:
    vrm, _, role = text.partition(":")
    role = role.strip().lower() or "suspect"
    if role not in dict(VEHICLE_ROLES):
        raise ValidationError.single("vrm", f"{role!r} is not a vehicle role (suspect, victim, witness)")
    return VehicleInput(vrm=vrm, role=role)


def _apply_options(inp: IncidentInput, args: argparse.Namespace) -> IncidentInput:
    simple = {
        "kind": "kind", "subkind": "subkind", "when": "occurred_start", "end": "occurred_end",
        "reported": "reported_at", "place": "place", "description": "description", "status": "status",
        "crime_reference": "crime_reference", "reporter_name": "reporter_name",
        "reporter_phone": "reporter_phone",
    }
    for option, attribute in simple.items():
        value = getattr(args, option, None)
        if value is not None:
            setattr(inp, attribute, value)
    has_lat_lon = args.lat is not None or args.lon is not None
    if args.grid_ref is not None and has_lat_lon:
        raise ValidationError.single("location", "give either --lat/--lon or --grid-ref, not both")
    if args.grid_ref is not None:
        inp.grid_ref, inp.lat, inp.lon = args.grid_ref, None, None
    elif has_lat_lon:
        if args.lat is None or args.lon is None:
            raise ValidationError.single("location", "--lat and --lon go together")
        inp.lat, inp.lon, inp.grid_ref = args.lat, args.lon, None

    kind = kind_by_key(inp.kind) if inp.kind in {k.key for k in KINDS} else None
    own = {d.key for d in kind.details} if kind else set()
    for option, keys in _detail_options().items():
        value = getattr(args, "detail_" + option[2:].replace("-", "_"))
        if value is None:
            continue
        matching = [k for k in keys if k in own]
        if not matching:
            raise ValidationError.single(option[2:], f"{option} does not apply to {kind_name(inp.kind)}")
        inp.details[matching[0]] = value

    removed = {normalise_vrm(v) for v in getattr(args, "remove_vrm", [])}
    inp.vehicles = [v for v in inp.vehicles if normalise_vrm(v.vrm) not in removed]
    inp.vehicles.extend(_parse_vehicle(text) for text in args.vrm)
    return inp


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _summary_line(row: Any) -> str:
    return (
        f"{times.format_local(row.occurred_start):16}  {kind_name(row.kind):26.26}  {row.status:19.19}  "
        f"{lat_lon_to_grid_ref(row.lat, row.lon, 6):11}  {row.place[:30]:30}  {row.id}"
    )


def run_command(args: argparse.Namespace, db_path: Path) -> int:
    store = open_store(db_path)
    try:
        service = IncidentService(store)
        if args.command == "demo":
            added = load_demo(service, seed=args.seed, count=args.incidents)
            print(f"demo data: {added} incidents added ({service.count()} in {db_path})")
            return 0
        if args.command == "incidents":
            return _incidents(service, args)
        if args.command == "basemap":
            return _basemaps(BasemapService(store), args)
        if args.command == "import":
            return _import(PublishedCrimeService(store), args)
        if args.command in cli_analysis.COMMANDS:
            return cli_analysis.run(args, store)
    finally:
        store.close()
    raise AssertionError(f"unhandled command {args.command}")


def _incidents(service: IncidentService, args: argparse.Namespace) -> int:
    if args.action == "add":
        inp = _apply_options(IncidentInput(kind=args.kind, occurred_start=args.when), args)
        incident = service.record(inp)
        _print_json(incident.to_dict()) if args.json else print(incident.id)
    elif args.action == "update":
        incident = service.get(args.id)
        incident = service.update(args.id, _apply_options(incident.to_input(), args))
        _print_json(incident.to_dict()) if args.json else print(f"updated {incident.id}")
    elif args.action == "delete":
        service.delete(args.id)
        print(f"deleted {args.id}")
    elif args.action == "show":
        incident = service.get(args.id)
        if args.json:
            _print_json(incident.to_dict())
        else:
            for key, value in incident.to_dict().items():
                print(f"{key:16} {value}")
    elif args.action == "list":
        flt = IncidentFilter(kinds=tuple(args.kind), statuses=tuple(args.status), start_from=args.start_from,
                             start_to=args.start_to, text=args.text)
        if args.json:
            incidents = service.list(flt)
            _print_json([i.to_dict() for i in incidents[: args.limit or None]])
        else:
            for row in service.rows(flt, limit=args.limit or -1):
                print(_summary_line(row))
    return 0


def _basemaps(service: BasemapService, args: argparse.Namespace) -> int:
    if args.action == "add":
        added = service.add(args.file, args.name)
        print(f"added basemap {added.name!r} ({added.format}, zoom {added.minzoom}-{added.maxzoom}) from {added.path}")
    elif args.action == "remove":
        removed = service.remove(args.name)
        print(f"removed basemap {removed.name!r} (the file {removed.path} is untouched)")
    elif args.action == "list":
        basemaps = service.list()
        if args.json:
            _print_json([
                {"id": b.id, "name": b.name, "path": b.path, "format": b.format, "minzoom": b.minzoom,
                 "maxzoom": b.maxzoom, "bounds": b.bounds, "attribution": b.attribution,
                 "problem": service.check(b)}
                for b in basemaps
            ])
        else:
            for b in basemaps:
                problem = service.check(b)
                state = f"  NOT USABLE: {problem}" if problem else ""
                print(f"{b.name:24} {b.format:4} z{b.minzoom}-{b.maxzoom}  {b.path}{state}")
    return 0


def _import(service: PublishedCrimeService, args: argparse.Namespace) -> int:
    """All files or none: a file that is not a street-level CSV stops the import before anything is written."""
    if args.action == "police-uk":
        report = service.import_paths(args.paths)
        _print_json(report.to_dict()) if args.json else print(report.summary())
    return 0


def report_error(exc: BaseException) -> int:
    print(f"ruralwatch: error: {exc}", file=sys.stderr)
    return EXIT_USAGE


def main_cli(args: argparse.Namespace, db_path: Path) -> int:
    try:
        return run_command(args, db_path)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: not an error. Point stdout at nothing so the
        # interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (RuralWatchError, KeyError) as exc:
        return report_error(exc.args[0] if isinstance(exc, KeyError) else exc)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
