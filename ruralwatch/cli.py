"""Headless commands over the same services the window uses. No Qt here.

Bad input never shows a traceback: one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from ruralwatch import (
    __version__,
    cli_analysis,
    cli_auth,
    cli_backup,
    cli_export,
    cli_location,
    cli_patrols,
    cli_retention,
    cli_roster,
    cli_sync,
)
from ruralwatch.cli_output import print_json
from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, RuralWatchError, ValidationError
from ruralwatch.core.geo import lat_lon_to_grid_ref
from ruralwatch.core.incident import Incident, IncidentFilter, IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.core.kinds import (
    ALL_DETAIL_FIELDS,
    EQUIPMENT_CATEGORIES,
    KINDS,
    PROPERTY_MARKINGS,
    DetailField,
    FieldType,
    kind_by_key,
    kind_name,
)
from ruralwatch.core.vocab import STATUS_NAMES, STATUSES, VEHICLE_ROLE_NAMES, VEHICLE_ROLES, label
from ruralwatch.core.vrm import display_vrm, normalise_vrm
from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.container import Services
from ruralwatch.services.demo import DEFAULT_SEED, load_demo
from ruralwatch.services.demo_roster import load_demo_roster, remove_demo_roster
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.published import PublishedCrimeService

EXIT_USAGE = 2


class CliParser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        # Sub-command parsers would prefix their own name; every error starts the same way instead.
        self.exit(EXIT_USAGE, f"ruralwatch: error: {message}\n")


class OptionError(RuralWatchError):
    """Options that do not go together; the message names the options itself. Nothing was written."""


# Keys of the key=value lists given to --vehicle and --item, in the order the help lists them.
VEHICLE_KEYS = ("vrm", "role", "make", "model", "colour")
ITEM_KEYS = ("category", "description", "make", "model", "serial", "marking", "value", "recovered")

# Incident fields (as the services name them) -> the option a user types for them. See option_for_field.
FIELD_OPTIONS: dict[str, str] = {
    "kind": "--kind", "subkind": "--subkind", "occurred_start": "--when", "occurred_end": "--end",
    "reported_at": "--reported", "grid_ref": "--grid-ref", "lat": "--lat", "lon": "--lon", "place": "--place",
    "description": "--description", "status": "--status", "crime_reference": "--crime-ref",
    "reporter_name": "--reporter-name", "reporter_phone": "--reporter-phone", "items": "--item",
    "attachments": "--attach",
}


def _choices_text(choices: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{key} ({name})" for key, name in choices)


def _detail_options() -> dict[str, list[str]]:
    """CLI option name -> detail field keys it can mean (e.g. --people: hc_people or enc_people)."""
    options: dict[str, list[str]] = {}
    for spec in ALL_DETAIL_FIELDS:
        options.setdefault(spec.cli_option, []).append(spec.key)
    return options


def _detail_spec(key: str) -> DetailField:
    return next(spec for spec in ALL_DETAIL_FIELDS if spec.key == key)


def _detail_help(key: str) -> str:
    """'Unlawful encampment: Land type, one of private (Private land), ...' from the catalogue."""
    spec = _detail_spec(key)
    if spec.type is FieldType.INTEGER:
        allowed = f" ({spec.minimum}-{spec.maximum})"
    elif spec.type is FieldType.BOOLEAN:
        allowed = " (yes or no)"
    elif spec.type is FieldType.CHOICE:
        allowed = f", one of: {_choices_text(spec.choices)}"
    else:
        allowed = " (YYYY-MM-DD)"
    return f"{kind_name(_kind_of_detail(key))}: {spec.label}{allowed}"


_DETAIL_METAVARS = {FieldType.INTEGER: "N", FieldType.BOOLEAN: "YES/NO", FieldType.CHOICE: "KEY",
                    FieldType.DATE: "YYYY-MM-DD"}


def _add_incident_fields(parser: argparse.ArgumentParser, required: bool) -> None:
    kinds = [k.key for k in KINDS]
    parser.add_argument("--kind", required=required, choices=kinds, metavar="KIND",
                        help=f"one of: {', '.join(kinds)}")
    subkinds = "; ".join(f"for {k.key}: {_choices_text(k.subkinds)}" for k in KINDS if k.subkinds)
    parser.add_argument("--subkind", metavar="KEY", help=f"sub-kind, {subkinds}")
    parser.add_argument("--when", required=required, help="when it happened, YYYY-MM-DD HH:MM (UK time)")
    parser.add_argument("--end", help="when it ended, if it went on (YYYY-MM-DD HH:MM, UK time)")
    parser.add_argument("--reported", help="when it was reported, YYYY-MM-DD HH:MM (default: now)")
    parser.add_argument("--lat", type=str, metavar="DEGREES",
                        help="latitude in decimal degrees (WGS84, as GPS and phones give it), e.g. 51.95; "
                             "give with --lon, or use --grid-ref instead")
    parser.add_argument("--lon", type=str, metavar="DEGREES",
                        help="longitude in decimal degrees, negative west of Greenwich, e.g. 0.35; "
                             "give with --lat")
    parser.add_argument("--grid-ref", help="OS grid reference instead of --lat/--lon, e.g. 'TL 81234 23456'")
    parser.add_argument("--place", help="place or farm name")
    parser.add_argument("--description")
    parser.add_argument("--status", choices=[k for k, _ in STATUSES], metavar="STATUS",
                        help=f"one of: {_choices_text(STATUSES)}")
    parser.add_argument("--crime-ref", dest="crime_reference", help="force crime reference")
    parser.add_argument("--reporter-name")
    parser.add_argument("--reporter-phone")
    roles = ", ".join(k for k, _ in VEHICLE_ROLES)
    parser.add_argument("--vrm", action="append", default=[], metavar="VRM[:ROLE]",
                        help=f"vehicle registration, repeatable; ROLE is one of {roles} (default suspect)")
    parser.add_argument(
        "--vehicle", action="append", default=[], metavar="KEY=VALUE,...",
        help=f"a vehicle with its details, repeatable, e.g. 'vrm=AB12CDE,role=suspect,make=Ford,model=Ranger,"
             f"colour=White'; keys: {', '.join(VEHICLE_KEYS)} (vrm required; role one of {roles}, default "
             f"suspect). Not to be confused with --vehicles, the number of vehicles at an encampment",
    )
    parser.add_argument(
        "--item", action="append", default=[], metavar="KEY=VALUE,...",
        help=f"a stolen item (equipment_theft only), repeatable, e.g. 'category=gps_unit,make=John Deere,"
             f"model=StarFire 6000,serial=PCGT6TA123456,marking=cesar,value=8000,recovered=no'; keys: "
             f"{', '.join(ITEM_KEYS)} (category required). category: {_choices_text(EQUIPMENT_CATEGORIES)}; "
             f"marking: {_choices_text(PROPERTY_MARKINGS)}; value in pounds; recovered yes or no",
    )
    parser.add_argument("--attach", action="append", default=[], type=Path, metavar="FILE",
                        help="attach a file (photo, statement), repeatable; saved with the incident in one go")
    for option, keys in _detail_options().items():
        parser.add_argument(option, dest="detail_" + option[2:].replace("-", "_"),
                            metavar=_DETAIL_METAVARS[_detail_spec(keys[0]).type],
                            help="; ".join(_detail_help(key) for key in keys))


def _kind_of_detail(key: str) -> str:
    for kind in KINDS:
        if any(d.key == key for d in kind.details):
            return kind.key
    return "?"


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def build_parser() -> CliParser:
    parser = CliParser(prog="ruralwatch", description="RuralWatch: rural crime and volunteer coordination.")
    parser.add_argument("--db", help="database file (default: $RURALWATCH_DB, else the folder chosen at first "
                                     "start, else the user data folder; `data-folder` shows which)")
    parser.add_argument("--version", action="version", version=f"RuralWatch {__version__}")
    parser.add_argument("--demo", action="store_true", help="with no command: load demo data, then open")
    cli_auth.add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)

    demo = commands.add_parser("demo", help="load the synthetic demo dataset (idempotent for a seed), or remove it")
    demo.add_argument("--seed", type=int, default=None, help=f"which demo set (default {DEFAULT_SEED})")
    demo.add_argument("--incidents", type=_positive_int, default=None,
                      help="how many incidents (default about 1,800)")
    demo.add_argument("--remove", action="store_true",
                      help="remove every demo (synthetic) incident instead; your own incidents are kept. "
                           "Loading the demo again afterwards brings the same incidents back")
    demo.add_argument("--admin", metavar="NAME",
                      help="on a new database file: the administrator account to create (default: --user or admin)")

    incidents = commands.add_parser("incidents", help="record and find incidents")
    actions = incidents.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=CliParser)
    add = actions.add_parser("add", help="record a new incident")
    _add_incident_fields(add, required=True)
    add.add_argument("--json", action="store_true")
    update = actions.add_parser(
        "update", help="change fields of an incident",
        description="Change fields of an incident; options not given keep their value. --vrm, --vehicle, "
                    "--item and --attach add to what the incident already has; to change a vehicle, "
                    "--remove-vrm it and give it again.",
    )
    update.add_argument("id")
    _add_incident_fields(update, required=False)
    update.add_argument("--remove-vrm", action="append", default=[], metavar="VRM",
                        help="take this vehicle off the incident (every role), repeatable")
    update.add_argument("--json", action="store_true")
    delete = actions.add_parser("delete", help="delete an incident (kept as a tombstone for sync)")
    delete.add_argument("id")
    show = actions.add_parser("show", help="one incident in full")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="list incidents, newest first")
    listing.add_argument("--kind", action="append", default=[], choices=[k.key for k in KINDS], metavar="KIND")
    listing.add_argument("--status", action="append", default=[], choices=[k for k, _ in STATUSES],
                         metavar="STATUS", help=f"one of: {', '.join(k for k, _ in STATUSES)}")
    listing.add_argument("--from", dest="start_from", type=_date_arg, help="first day, YYYY-MM-DD")
    listing.add_argument("--to", dest="start_to", type=_date_arg, help="last day, YYYY-MM-DD")
    listing.add_argument("--text", default="", help="search place, description, crime reference and VRMs")
    listing.add_argument("--limit", type=_positive_int, default=0, help="at most this many (default all)")
    listing.add_argument("--json", action="store_true")

    basemap = commands.add_parser("basemap", help="offline basemaps from MBTiles files")
    basemap_actions = basemap.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=CliParser)
    basemap_add = basemap_actions.add_parser("add", help="register an MBTiles file (PNG or JPEG tiles)")
    basemap_add.add_argument("file", type=Path)
    basemap_add.add_argument("--name", help="name shown in the map's layer list (default: the file's own)")
    basemap_add.add_argument("--copy", action="store_true",
                             help="copy the file into the basemaps folder beside the database first (for a file on "
                                  "a USB stick or network drive); the copy moves with the data folder")
    basemap_list = basemap_actions.add_parser("list", help="registered basemaps")
    basemap_list.add_argument("--json", action="store_true")
    basemap_remove = basemap_actions.add_parser(
        "remove", help="forget a basemap (a file you pointed at is left alone; a copy made with --copy is deleted)")
    basemap_remove.add_argument("name")

    cli_analysis.add_parsers(commands, CliParser)
    cli_export.add_parsers(commands, CliParser)
    cli_sync.add_parsers(commands, CliParser)
    cli_roster.add_parsers(commands, CliParser)
    cli_patrols.add_parsers(commands, CliParser)
    cli_retention.add_parsers(commands, CliParser)
    cli_auth.add_parsers(commands, CliParser)
    cli_backup.add_parsers(commands, CliParser)
    cli_location.add_parsers(commands, CliParser)

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


@dataclass
class Origins:
    """Which option each vehicle and stolen item of an edited incident came from, to name it in errors."""

    vehicles: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    location: str = "--lat/--lon or --grid-ref"


def option_for_field(field_name: str, origins: Origins | None = None) -> str:
    """The option a user typed for a field named as the services name it: occurred_start -> --when,
    vehicles[1].vrm -> --vrm 2 (or --vehicle 1), items[0].value_gbp -> --item 1, hc_people -> --people.

    The one translation from service field names to CLI options; the services keep their names (the window
    marks its widgets by them).
    """
    origins = origins or Origins()
    if field_name.startswith("-"):
        return field_name  # already an option
    if field_name == "location":
        return origins.location
    child = re.fullmatch(r"(vehicles|items)\[(\d+)\](?:\..*)?", field_name)
    if child:
        labels = origins.vehicles if child[1] == "vehicles" else origins.items
        index = int(child[2])
        if index < len(labels):
            return labels[index]
        return f"{'vehicle' if child[1] == 'vehicles' else 'stolen item'} {index + 1}"
    if field_name in FIELD_OPTIONS:
        return FIELD_OPTIONS[field_name]
    spec = next((s for s in ALL_DETAIL_FIELDS if s.key == field_name), None)
    return spec.cli_option if spec else field_name


def _for_cli(exc: ValidationError, origins: Origins) -> ValidationError:
    return ValidationError([FieldError(option_for_field(e.field, origins), e.message) for e in exc.errors])


def _key_values(text: str, option: str, allowed: Sequence[str]) -> dict[str, str]:
    """'vrm=AB12CDE,make=Ford' -> {'vrm': 'AB12CDE', 'make': 'Ford'}.

    A comma ends a value only when a key= follows, so 'value=8,000' and 'description=red, rusty' work.
    """
    values: dict[str, str] = {}
    for pair in re.split(r",(?=\s*[A-Za-z_-]+\s*=)", text):
        if not pair.strip():
            continue
        key, equals, value = pair.partition("=")
        key = key.strip().lower()
        if not equals:
            raise ValidationError.single(option, f"{pair.strip()!r} is not KEY=VALUE (keys: {', '.join(allowed)})")
        if key not in allowed:
            raise ValidationError.single(option, f"unknown key {key!r} (keys: {', '.join(allowed)})")
        if key in values:
            raise ValidationError.single(option, f"{key} is given twice")
        values[key] = value.strip()
    return values


def _role(text: str, option: str) -> str:
    role = text.strip().lower() or "suspect"
    if role not in VEHICLE_ROLE_NAMES:
        raise ValidationError.single(option, f"{role!r} is not a vehicle role ({', '.join(VEHICLE_ROLE_NAMES)})")
    return role


def _parse_vrm_option(text: str, option: str) -> VehicleInput:
    vrm, _, role = text.partition(":")
    return VehicleInput(vrm=vrm, role=_role(role, option))


def _parse_vehicle_option(text: str, option: str) -> VehicleInput:
    values = _key_values(text, option, VEHICLE_KEYS)
    if not values.get("vrm"):
        raise ValidationError.single(option, "vrm= is required, e.g. 'vrm=AB12CDE,role=suspect'")
    return VehicleInput(vrm=values["vrm"], role=_role(values.get("role", ""), option),
                        make=values.get("make", ""), model=values.get("model", ""), colour=values.get("colour", ""))


def _yes_no(text: str, option: str, key: str) -> bool:
    answer = text.strip().lower()
    if answer in ("yes", "y", "true", "1"):
        return True
    if answer in ("no", "n", "false", "0", ""):
        return False
    raise ValidationError.single(option, f"{key}= must be yes or no, not {text!r}")


def _parse_item_option(text: str, option: str) -> StolenItemInput:
    values = _key_values(text, option, ITEM_KEYS)
    category = values.get("category", "")
    if not category:
        raise ValidationError.single(option, f"category= is required, one of: {', '.join(dict(EQUIPMENT_CATEGORIES))}")
    if category not in dict(EQUIPMENT_CATEGORIES):
        raise ValidationError.single(
            option, f"{category!r} is not an equipment category (one of: {', '.join(dict(EQUIPMENT_CATEGORIES))})"
        )
    marking = values.get("marking", "") or "none"
    if marking not in dict(PROPERTY_MARKINGS):
        raise ValidationError.single(
            option, f"{marking!r} is not a property marking (one of: {', '.join(dict(PROPERTY_MARKINGS))})"
        )
    return StolenItemInput(
        category=category, description=values.get("description", ""), make=values.get("make", ""),
        model=values.get("model", ""), serial_number=values.get("serial", ""), marking=marking,
        value_gbp=values.get("value") or None, recovered=_yes_no(values.get("recovered", ""), option, "recovered"),
    )


def _apply_options(inp: IncidentInput, args: argparse.Namespace) -> tuple[IncidentInput, Origins]:
    """Apply the options given to an incident's input; returns it with where each vehicle and item came from."""
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
    origins = Origins(location="--lat/--lon")
    has_lat_lon = args.lat is not None or args.lon is not None
    if args.grid_ref is not None and has_lat_lon:
        raise OptionError("give either --lat/--lon or --grid-ref, not both")
    if args.grid_ref is not None:
        inp.grid_ref, inp.lat, inp.lon = args.grid_ref, None, None
        origins.location = "--grid-ref"
    elif has_lat_lon:
        if args.lat is None or args.lon is None:
            raise OptionError("--lat and --lon go together")
        inp.lat, inp.lon, inp.grid_ref = args.lat, args.lon, None
    elif inp.lat is None and inp.lon is None:
        origins.location = "--lat/--lon or --grid-ref"

    kind = kind_by_key(inp.kind) if inp.kind in {k.key for k in KINDS} else None
    own = {d.key for d in kind.details} if kind else set()
    for option, keys in _detail_options().items():
        value = getattr(args, "detail_" + option[2:].replace("-", "_"))
        if value is None:
            continue
        matching = [k for k in keys if k in own]
        if not matching:
            kinds = " and ".join(kind_name(_kind_of_detail(k)) for k in keys)
            hint = " (did you mean --vehicle?)" if option == "--vehicles" and "=" in value else ""
            raise OptionError(f"{option} does not apply to {kind_name(inp.kind)}, only to {kinds}{hint}")
        inp.details[matching[0]] = value

    removed = {normalise_vrm(v): v for v in getattr(args, "remove_vrm", [])}
    on_incident = {normalise_vrm(v.vrm) for v in inp.vehicles}
    for compact, typed in removed.items():
        if compact not in on_incident:
            listed = ", ".join(sorted(display_vrm(v) for v in on_incident)) or "none"
            raise ValidationError.single(
                "--remove-vrm", f"{typed.strip()!r} is not on this incident (its vehicles: {listed})"
            )
    inp.vehicles = [v for v in inp.vehicles if normalise_vrm(v.vrm) not in removed]
    origins.vehicles = [f"vehicle {display_vrm(v.vrm)} already on the incident" for v in inp.vehicles]
    for number, text in enumerate(args.vrm, start=1):
        inp.vehicles.append(_parse_vrm_option(text, f"--vrm {number}"))
        origins.vehicles.append(f"--vrm {number}")
    for number, text in enumerate(args.vehicle, start=1):
        inp.vehicles.append(_parse_vehicle_option(text, f"--vehicle {number}"))
        origins.vehicles.append(f"--vehicle {number}")

    origins.items = [f"stolen item {n} already on the incident" for n in range(1, len(inp.items) + 1)]
    for number, text in enumerate(args.item, start=1):
        inp.items.append(_parse_item_option(text, f"--item {number}"))
        origins.items.append(f"--item {number}")
    return inp, origins



def _incident_json(incident: Incident) -> dict[str, Any]:
    """Incident.to_dict with every flag a JSON boolean (stolen items' `recovered` is stored as 0/1)."""
    data = incident.to_dict()
    for item in data["items"]:
        item["recovered"] = bool(item["recovered"])
    return data


def _summary_line(row: Any) -> str:
    return (
        f"{times.format_local(row.occurred_start):16}  {kind_name(row.kind):26.26}  "
        f"{STATUS_NAMES.get(row.status, row.status):19.19}  "
        f"{lat_lon_to_grid_ref(row.lat, row.lon, 6):11}  {row.place[:30]:30}  {row.id}"
    )


def _size_text(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def _detail_text(spec: DetailField, value: Any) -> str:
    if spec.type is FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if spec.type is FieldType.CHOICE:
        return label(spec.choices, value)
    return str(value)


def _pounds(pence: int | None) -> str:
    if pence is None:
        return "not known"
    return f"£{pence / 100:,.2f}".removesuffix(".00")


def _report(incident: Incident) -> list[str]:
    """`incidents show`: the incident as an officer reads it, times in UK local time."""
    kind = kind_name(incident.kind)
    subkinds = kind_by_key(incident.kind).subkinds if incident.kind in {k.key for k in KINDS} else ()
    title = f"{kind} ({label(subkinds, incident.subkind)})" if incident.subkind else kind
    lines = [title, "=" * len(title)]
    if incident.synthetic:
        lines.append("DEMO DATA: synthetic, not a real report")

    def row(name: str, value: str) -> None:
        if value:
            text_lines = value.splitlines() or [""]
            lines.append(f"{name:17}{text_lines[0]}")
            lines.extend(" " * 17 + more for more in text_lines[1:])

    when = times.format_local(incident.occurred_start)
    if incident.occurred_end:
        when += f" to {times.format_local(incident.occurred_end)}"
    row("ID", incident.id)
    row("Status", STATUS_NAMES.get(incident.status, incident.status))
    row("Happened", when)
    row("Reported", times.format_local(incident.reported_at))
    row("Place", incident.place)
    row("Grid reference", incident.grid_ref)
    row("Lat/lon", f"{incident.lat:.6f}, {incident.lon:.6f}")
    row("Crime reference", incident.crime_reference)
    row("Reporter", ", ".join(p for p in (incident.reporter_name, incident.reporter_phone) if p))
    row("Description", incident.description)

    kind_details = kind_by_key(incident.kind).details if incident.kind in {k.key for k in KINDS} else ()
    shown = [(spec, incident.details[spec.key]) for spec in kind_details if spec.key in incident.details]
    if shown:
        lines.extend(["", "Details"])
        width = max(len(spec.label) for spec, _ in shown) + 2
        lines.extend(f"  {spec.label:{width}}{_detail_text(spec, value)}" for spec, value in shown)
    if incident.vehicles:
        lines.extend(["", "Vehicles"])
        for vehicle in incident.vehicles:
            described = " ".join(p for p in (vehicle.get("colour"), vehicle.get("make"), vehicle.get("model")) if p)
            lines.append(f"  {display_vrm(vehicle['vrm']):9} {label(VEHICLE_ROLES, vehicle['role']):8} {described}"
                         .rstrip())
    if incident.items:
        lines.extend(["", "Stolen items"])
        for number, item in enumerate(incident.items, start=1):
            what = " ".join(p for p in (item.get("make"), item.get("model")) if p)
            lines.append(f"  {number}. {label(EQUIPMENT_CATEGORIES, item['category'])}" + (f": {what}" if what else ""))
            if item.get("description") and item["description"] != what:
                lines.append(f"     {item['description']}")
            facts = [
                f"serial {item['serial_number']}" if item.get("serial_number") else "no serial number",
                "no marking" if item["marking"] == "none" else f"marking {label(PROPERTY_MARKINGS, item['marking'])}",
                f"value {_pounds(item.get('value_pence'))}",
                f"recovered {'yes' if item.get('recovered') else 'no'}",
            ]
            lines.append("     " + ", ".join(facts))
    if incident.attachments:
        lines.extend(["", "Attachments"])
        for attachment in incident.attachments:
            caption = f"  {attachment.caption}" if attachment.caption else ""
            lines.append(f"  {attachment.filename} ({_size_text(attachment.size)}){caption}")
    lines.append("")
    row("Created", times.format_local(incident.created_at))
    row("Updated", times.format_local(incident.updated_at))
    lines.append("Times are UK local time.")
    return lines


def run_command(args: argparse.Namespace, db_path: Path) -> int:
    if args.command in cli_auth.SETUP_COMMANDS:
        return cli_auth.run_setup(args, db_path)
    if args.command == "central":  # works on --into, not on this laptop's database
        return cli_sync.run_central(args)
    if args.command == cli_location.COMMAND:  # reads the location first; signs in itself to move
        return cli_location.run(args, db_path)
    if args.command in cli_backup.PRE_SIGN_IN:  # signs in against the backup; the database may be damaged
        return cli_backup.run_restore(args, db_path)
    if args.command == "demo" and (not db_path.exists() or db_path.stat().st_size == 0):
        # `demo` on a new file creates it like `init` does, with an administrator.
        store = cli_auth.create_new(args, db_path, args.admin or args.user or "admin")
    else:
        store = cli_auth.open_signed_in(args, db_path)
    try:
        service = IncidentService(store)
        if args.command == "demo":
            return _demo(service, args, db_path)
        if args.command == "incidents":
            return _incidents(service, args)
        if args.command == "basemap":
            return _basemaps(BasemapService(store), args)
        if args.command == "import":
            return _import(PublishedCrimeService(store), args)
        if args.command in cli_analysis.COMMANDS:
            return cli_analysis.run(args, store)
        if args.command in cli_export.COMMANDS:
            return cli_export.run(args, store)
        if args.command in cli_sync.COMMANDS:
            return cli_sync.run(args, store)
        if args.command in cli_roster.COMMANDS:
            return cli_roster.run(args, store)
        if args.command in cli_patrols.COMMANDS:
            return cli_patrols.run(args, store)
        if args.command in cli_retention.COMMANDS:
            return cli_retention.run(args, store)
        if args.command in cli_auth.COMMANDS:
            return cli_auth.run(args, store)
        if args.command in cli_backup.COMMANDS:
            return cli_backup.run(args, store)
    finally:
        store.close()
    raise AssertionError(f"unhandled command {args.command}")


def _demo(service: IncidentService, args: argparse.Namespace, db_path: Path) -> int:
    if args.remove:
        if args.seed is not None or args.incidents is not None:
            raise OptionError("demo --remove removes every demo incident; it takes no --seed or --incidents")
        removed = service.delete_synthetic()
        roster = remove_demo_roster(Services.build(service.store).people)
        print(f"demo data: {removed} incidents removed ({service.count()} left in {db_path});"
              f" {roster} demo people, duties and patrols removed")
        return 0
    seed = DEFAULT_SEED if args.seed is None else args.seed
    added = load_demo(service, seed=seed, count=args.incidents)
    services = Services.build(service.store)
    roster = load_demo_roster(services.people, services.roster, services.patrols, seed=seed)
    print(f"demo data: {added} incidents added ({service.count()} in {db_path}); {roster['people']} people,"
          f" {roster['duties']} duties and {roster['patrols']} completed patrols added")
    return 0


def _incidents(service: IncidentService, args: argparse.Namespace) -> int:
    if args.action == "add":
        inp, origins = _apply_options(IncidentInput(kind=args.kind, occurred_start=args.when), args)
        try:
            incident = service.record(inp, attach=args.attach)
        except ValidationError as exc:
            raise _for_cli(exc, origins) from None
        print_json(_incident_json(incident)) if args.json else print(incident.id)
    elif args.action == "update":
        before = service.get(args.id)
        inp, origins = _apply_options(before.to_input(), args)
        try:
            incident = service.update(args.id, inp, attach=args.attach)
        except ValidationError as exc:
            raise _for_cli(exc, origins) from None
        if args.json:
            print_json(_incident_json(incident))
        elif incident.to_dict() == before.to_dict():
            print(f"no change to {incident.id}")
        else:
            print(f"updated {incident.id}")
    elif args.action == "delete":
        service.delete(args.id)
        print(f"deleted {args.id}")
    elif args.action == "show":
        incident = service.get(args.id)
        if args.json:
            print_json(_incident_json(incident))
        else:
            print("\n".join(_report(incident)))
    elif args.action == "list":
        flt = IncidentFilter(kinds=tuple(args.kind), statuses=tuple(args.status), start_from=args.start_from,
                             start_to=args.start_to, text=args.text)
        if args.json:
            incidents = service.list(flt)
            print_json([_incident_json(i) for i in incidents[: args.limit or None]])
        else:
            rows = service.rows(flt, limit=args.limit or -1)
            if not rows:
                print("no incidents match", file=sys.stderr)
            for found in rows:
                print(_summary_line(found))
    return 0


def _basemaps(service: BasemapService, args: argparse.Namespace) -> int:
    if args.action == "add":
        added = service.add(args.file, args.name, copy=args.copy)
        where = f"copied to {added.path}" if added.managed else f"from {added.path}"
        print(f"added basemap {added.name!r} ({added.format}, zoom {added.minzoom}-{added.maxzoom}) {where}")
    elif args.action == "remove":
        removed = service.remove(args.name)
        fate = "its copy was deleted" if removed.managed else "is untouched"
        print(f"removed basemap {removed.name!r} (the file {removed.path} {fate})")
    elif args.action == "list":
        basemaps = service.list()
        if args.json:
            print_json([
                {"id": b.id, "name": b.name, "path": b.path, "format": b.format, "minzoom": b.minzoom,
                 "maxzoom": b.maxzoom, "bounds": b.bounds, "attribution": b.attribution, "copy": b.managed,
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
        print_json(report.to_dict()) if args.json else print(report.summary())
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
