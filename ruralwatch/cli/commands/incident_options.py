"""The options of `incidents add` and `update`: declaring them, reading their values, and naming a service's
field back as the option a user typed.

The value parsers keep their leading underscores: tests/fuzz and bench/fuzz_atheris.py call them by these names.
`_positive_int` and `_date_arg` are also the argparse types of `incidents list` and `demo`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruralwatch.cli.errors import OptionError
from ruralwatch.cli.signin import warn_if_exposed
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.geo import GRID_REF_FORM
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
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
from ruralwatch.core.vocab import STATUSES, VEHICLE_ROLE_NAMES, VEHICLE_ROLES
from ruralwatch.core.vrm import display_vrm, normalise_vrm

# Keys of the key=value lists given to --vehicle and --item, in the order the help lists them.
VEHICLE_KEYS = ("vrm", "role", "make", "model", "colour")
ITEM_KEYS = ("category", "description", "make", "model", "serial", "vrm", "marking", "value", "recovered")

# Incident fields (as the services name them) -> the option a user types for them. See option_for_field.
FIELD_OPTIONS: dict[str, str] = {
    "kind": "--kind", "subkind": "--subkind", "occurred_start": "--when", "occurred_end": "--end",
    "reported_at": "--reported", "grid_ref": "--grid-ref", "lat": "--lat", "lon": "--lon", "place": "--place",
    "description": "--description", "status": "--status", "crime_reference": "--crime-ref",
    "reporter_name": "--reporter-name", "reporter_phone": "--reporter-phone", "items": "--item",
    "attachments": "--attach", "premises_id": "--premises",
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


def add_incident_fields(parser: argparse.ArgumentParser, required: bool) -> None:
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
    parser.add_argument("--grid-ref", help=f"OS grid reference instead of --lat/--lon: {GRID_REF_FORM}")
    parser.add_argument("--place", help="place or farm name")
    parser.add_argument("--description")
    parser.add_argument("--status", choices=[k for k, _ in STATUSES], metavar="STATUS",
                        help=f"one of: {_choices_text(STATUSES)}")
    parser.add_argument("--crime-ref", dest="crime_reference", help="force crime reference")
    parser.add_argument("--reporter-name")
    parser.add_argument("--reporter-phone",
                        help="the reporter's phone number (it shows in the process list and the shell history: "
                             "prefer --reporter-file)")
    parser.add_argument("--reporter-file", type=Path, metavar="FILE",
                        help="a file with the reporter's name on the first line and phone number on the second "
                             "(either may be blank), instead of --reporter-name/--reporter-phone; chmod 600 it")
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
             f"marking: {_choices_text(PROPERTY_MARKINGS)}; value in pounds; recovered yes or no; vrm: a stolen "
             f"vehicle's own registration (quad bike, tractor, trailer), matched by stop-checks like any VRM",
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


def for_cli(exc: ValidationError, origins: Origins) -> ValidationError:
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
        model=values.get("model", ""), serial_number=values.get("serial", ""), vrm=values.get("vrm", ""),
        marking=marking,
        value_gbp=values.get("value") or None, recovered=_yes_no(values.get("recovered", ""), option, "recovered"),
    )


def read_reporter_file(path: Path) -> tuple[str, str]:
    """(name, phone) from a --reporter-file: personal data kept off the command line."""
    path = path.expanduser()
    warn_if_exposed(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise OptionError(f"--reporter-file: cannot read {path}: {reason}") from None
    if len(lines) > 2 and any(line.strip() for line in lines[2:]):
        raise OptionError(f"--reporter-file: {path} should hold two lines: the name, then the phone number")
    name, phone = (lines + ["", ""])[:2]
    return name.strip(), phone.strip()


def warn_phone_on_command_line(args: argparse.Namespace) -> None:
    """A phone number typed as an option stays in the shell history and shows in the process list."""
    if getattr(args, "reporter_phone", None):
        print("ruralwatch: warning: --reporter-phone is visible to other users (process list, shell history): "
              "give --reporter-file FILE instead", file=sys.stderr)


def apply_options(inp: IncidentInput, args: argparse.Namespace) -> tuple[IncidentInput, Origins]:
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
    if getattr(args, "reporter_file", None) is not None:
        if args.reporter_name is not None or args.reporter_phone is not None:
            raise OptionError("give --reporter-file or --reporter-name/--reporter-phone, not both")
        inp.reporter_name, inp.reporter_phone = read_reporter_file(args.reporter_file)
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
