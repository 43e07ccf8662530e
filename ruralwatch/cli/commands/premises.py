"""`ruralwatch premises add|list|show|edit|visit|link|to-visit|window` (the premises register) and `ruralwatch property
add|list|check` (registered property, and "is this serial stolen?")."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.geo import GRID_REF_FORM
from ruralwatch.core.premises import (
    MARKING_NAMES,
    PREMISES_KIND_NAMES,
    PROPERTY_KIND_NAMES,
    WATCH_SCHEME_NAMES,
    Premises,
    PremisesInput,
    PropertyInput,
    VisitInput,
)
from ruralwatch.core.words import plural
from ruralwatch.services.premises import PremisesService
from ruralwatch.store.database import Store

# Service field names -> the option a user typed, so an error names what to fix.
_OPTIONS = {"grid_ref": "--grid-ref", "location": "--grid-ref", "registered_on": "--registered",
            "closed_on": "--closed", "schemes": "--scheme", "visited_on": "--date", "serial_number": "--serial",
            "serial": "SERIAL", "marking_ref": "--marking-ref", "contact_name": "--contact-name",
            "contact_phone": "--contact-phone", "contact_email": "--contact-email",
            "repeat_window_days": "--days", "at": "--at"}


def _for_cli(exc: ValidationError) -> ValidationError:
    return ValidationError([FieldError(_OPTIONS.get(e.field, f"--{e.field.replace('_', '-')}"), e.message)
                            for e in exc.errors])


def _premises_fields(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--name", required=required)
    parser.add_argument("--kind", help=f"one of: {', '.join(PREMISES_KIND_NAMES)} (default farm)")
    parser.add_argument("--grid-ref", required=required, metavar="REF", help=f"OS grid reference: {GRID_REF_FORM}")
    parser.add_argument("--address")
    parser.add_argument("--contact-name")
    parser.add_argument("--contact-phone")
    parser.add_argument("--contact-email")
    parser.add_argument("--scheme", action="append", default=None, metavar="SCHEME",
                        help=f"watch-scheme membership, repeatable ({', '.join(WATCH_SCHEME_NAMES)}); on edit the "
                             "schemes given replace the old ones")
    parser.add_argument("--no-schemes", action="store_true", help="on edit: a member of no scheme")
    parser.add_argument("--notes")
    parser.add_argument("--registered", metavar="YYYY-MM-DD", help="when it joined the register")
    parser.add_argument("--closed", metavar="YYYY-MM-DD",
                        help="when it left the register (sold, closed): starts the retention of its contacts")
    parser.add_argument("--json", action="store_true")


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    premises = commands.add_parser("premises", help="the premises register: farms, estates, yards, churches")
    actions = premises.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    _premises_fields(actions.add_parser("add", help="register premises"), required=True)
    listing = actions.add_parser("list", help="the premises on the register")
    listing.add_argument("--text", default="", help="search name, address, grid reference, kind and schemes")
    listing.add_argument("--kind", help="one kind only")
    listing.add_argument("--scheme", help="members of one watch scheme only")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one premises: contact, schemes, property, visits, incidents")
    show.add_argument("premises", help="its name or id")
    show.add_argument("--json", action="store_true")
    edit = actions.add_parser("edit", help="change a premises; options not given keep their value")
    edit.add_argument("premises", help="its name or id")
    _premises_fields(edit, required=False)
    visit = actions.add_parser("visit", help="record a crime-prevention visit")
    visit.add_argument("premises", help="its name or id")
    visit.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    visit.add_argument("--officer", required=True)
    visit.add_argument("--advice", default="", help="the advice given")
    visit.add_argument("--json", action="store_true")
    link = actions.add_parser("link", help="say which premises an incident happened at")
    link.add_argument("incident", help="the incident's id")
    target = link.add_mutually_exclusive_group(required=True)
    target.add_argument("--premises", help="the premises' name or id")
    target.add_argument("--none", action="store_true", help="at no registered premises (removes the link)")
    link.add_argument("--json", action="store_true")
    visit_list = actions.add_parser("to-visit", help="premises to visit for crime prevention: those inside the "
                                    "near-repeat risk zone of a recent theft or burglary")
    visit_list.add_argument("--at", metavar="DATE", help="zones live at this UK date (its end) or time "
                            "(YYYY-MM-DD or YYYY-MM-DDTHH:MM; default now)")
    visit_list.add_argument("--json", action="store_true")
    window = actions.add_parser("window", help="how far back an earlier incident makes a premises a repeat victim")
    window.add_argument("--days", type=int, help="set it (1 to 3650 days; default 365)")


def add_property_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    prop = commands.add_parser("property", help="registered property and serial-number checks")
    actions = prop.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="register an item of machinery or equipment at a premises")
    add.add_argument("premises", help="the premises' name or id")
    add.add_argument("--kind", required=True, help=f"one of: {', '.join(PROPERTY_KIND_NAMES)}")
    add.add_argument("--make", default="")
    add.add_argument("--model", default="")
    add.add_argument("--serial", default="", help="serial number (any spacing, dashes or case)")
    add.add_argument("--marking", default="none", help=f"one of: {', '.join(MARKING_NAMES)}")
    add.add_argument("--marking-ref", default="", help="the CESAR or Datatag number")
    add.add_argument("--description", default="")
    add.add_argument("--photo", action="append", default=[], metavar="FILE",
                     help="a photo's file reference (path or name), repeatable")
    add.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="registered property (of one premises, or all)")
    listing.add_argument("--premises", help="its name or id")
    listing.add_argument("--json", action="store_true")
    check = actions.add_parser("check", help="is this serial stolen? (stolen items and registered property)")
    check.add_argument("serial")
    check.add_argument("--json", action="store_true")


def _input(args: argparse.Namespace, base: PremisesInput) -> PremisesInput:
    changes = {"name": args.name, "kind": args.kind, "grid_ref": args.grid_ref, "address": args.address,
               "contact_name": args.contact_name, "contact_phone": args.contact_phone,
               "contact_email": args.contact_email, "notes": args.notes, "registered_on": args.registered,
               "closed_on": args.closed}
    for name, value in changes.items():
        if value is not None:
            setattr(base, name, value)
    if args.no_schemes:
        base.schemes = []
    elif args.scheme is not None:
        base.schemes = list(args.scheme)
    return base


def _moment(text: str) -> datetime:
    """A UK date means the end of that day (every incident of the day counts); a date and time, that moment."""
    if len(text.strip()) == 10:
        day = times.parse_date(text, "at") + timedelta(days=1)
        return datetime(day.year, day.month, day.day, tzinfo=times.LOCAL_ZONE) - timedelta(seconds=1)
    return times.parse_moment(text, "at")


def _summary(p: Premises) -> str:
    schemes = f" [{', '.join(p.scheme_names)}]" if p.schemes else ""
    closed = f" (left {p.closed_on})" if p.closed_on else ""
    return f"{p.id[:8]}  {p.name} — {p.kind_name}, {p.grid_ref}{schemes}{closed}"


def _show(service: PremisesService, p: Premises) -> list[str]:
    lines = [f"{p.name} ({p.kind_name})", f"  id: {p.id}", f"  grid reference: {p.grid_ref}  "
             f"(lat {p.lat:.5f}, lon {p.lon:.5f}; E {p.easting:.0f} N {p.northing:.0f})"]
    if p.address:
        lines.append(f"  address: {p.address}")
    contact = ", ".join(c for c in (p.contact_name, p.contact_phone, p.contact_email) if c)
    if contact:
        lines.append(f"  contact: {contact}")
    lines.append(f"  watch schemes: {', '.join(p.scheme_names) or 'none'}")
    if p.registered_on or p.closed_on:
        lines.append(f"  registered: {p.registered_on or '?'}" + (f", left {p.closed_on}" if p.closed_on else ""))
    if p.notes:
        lines.append(f"  notes: {p.notes}")
    items = service.property(p.id)
    lines.append(f"  registered property ({len(items)}):")
    for item in items:
        lines.append(f"    {item.id[:8]}  {PROPERTY_KIND_NAMES.get(item.kind, item.kind)}: {item.label}"
                     f"{', serial ' + item.serial_number if item.serial_number else ''}"
                     f"{', ' + MARKING_NAMES.get(item.marking, item.marking) if item.marking != 'none' else ''}")
    visits = service.visits(p.id)
    lines.append(f"  prevention visits ({len(visits)}):")
    for visit in visits:
        lines.append(f"    {visit.visited_on} {visit.officer}: {visit.advice or 'no advice recorded'}")
    if service.store.actor.can("incident.view"):
        incidents = service.incidents_at(p.id)
        lines.append(f"  incidents ({len(incidents)}):")
        for incident in incidents:
            lines.append(f"    {incident.id[:8]}  {incident.line()}")
    return lines


def _show_json(service: PremisesService, p: Premises) -> dict[str, Any]:
    data = p.to_dict()
    data["property"] = [i.to_dict() for i in service.property(p.id)]
    data["visits"] = [v.to_dict() for v in service.visits(p.id)]
    if service.store.actor.can("incident.view"):
        data["incidents"] = [i.to_dict() for i in service.incidents_at(p.id)]
    return data


def run(args: argparse.Namespace, store: Store) -> int:
    try:
        return _run(args, store)
    except ValidationError as exc:
        raise _for_cli(exc) from None


def run_property(args: argparse.Namespace, store: Store) -> int:
    try:
        return _run_property(args, store)
    except ValidationError as exc:
        raise _for_cli(exc) from None


def _run(args: argparse.Namespace, store: Store) -> int:
    service = PremisesService(store)
    if args.action == "add":
        added = service.add(_input(args, PremisesInput(name="")))
        print_json(added.to_dict()) if args.json else print(added.id)
    elif args.action == "list":
        found = service.list(args.text, kind=args.kind, scheme=args.scheme)
        if args.json:
            print_json([p.to_dict() for p in found])
        else:
            for p in found:
                print(_summary(p))
    elif args.action == "show":
        found_premises = service.get(service.resolve(args.premises))
        print_json(_show_json(service, found_premises)) if args.json else print("\n".join(_show(service,
                                                                                                 found_premises)))
    elif args.action == "edit":
        before = service.get(service.resolve(args.premises))
        after = service.update(before.id, _input(args, before.to_input()))
        if args.json:
            print_json(after.to_dict())
        else:
            print(f"no change to {after.id}" if after == before else f"updated {after.id}")
    elif args.action == "visit":
        visit = service.add_visit(service.resolve(args.premises), VisitInput(args.date, args.officer, args.advice))
        print_json(visit.to_dict()) if args.json else print(visit.id)
    elif args.action == "link":
        premises_id = None if args.none else service.resolve(args.premises)
        repeat = service.link(args.incident, premises_id)
        if args.json:
            print_json({"incident": args.incident, "premises_id": premises_id,
                        "repeat": repeat.to_dict() if repeat else None})
        else:
            print(f"incident {args.incident} " + ("linked to no premises" if premises_id is None
                                                   else f"linked to {repeat.premises_name if repeat else premises_id}"))
            if repeat and repeat.victimised_before:
                print(f"WARNING: {repeat.warning()}")
    elif args.action == "to-visit":
        found_visits = service.to_visit(_moment(args.at) if args.at else None)
        if args.json:
            print_json([v.to_dict() for v in found_visits])
        else:
            print(f"{len(found_visits)} premises to visit (inside a live near-repeat risk zone)")
            for visit_row in found_visits:
                print(f"  {visit_row.premises_id[:8]}  {visit_row.line()}")
    elif args.action == "window":
        if args.days is not None:
            service.set_repeat_window(args.days)
        print(f"victimised before: an earlier incident at the same premises within {service.repeat_window()} days")
    else:  # the parser offers only the actions above
        raise AssertionError(f"unhandled premises action {args.action}")
    return ExitCode.OK


def _run_property(args: argparse.Namespace, store: Store) -> int:
    service = PremisesService(store)
    if args.action == "add":
        item = service.add_property(service.resolve(args.premises), PropertyInput(
            kind=args.kind, make=args.make, model=args.model, serial_number=args.serial, marking=args.marking,
            marking_ref=args.marking_ref, description=args.description, photos=list(args.photo)))
        print_json(item.to_dict()) if args.json else print(item.id)
    elif args.action == "list":
        items = service.property(service.resolve(args.premises) if args.premises else None)
        if args.json:
            print_json([i.to_dict() for i in items])
        else:
            names = {p.id: p.name for p in service.list()}
            for item in items:
                print(f"{item.id[:8]}  {names.get(item.premises_id, '?')}: "
                      f"{PROPERTY_KIND_NAMES.get(item.kind, item.kind)}: {item.label}"
                      f"{', serial ' + item.serial_number if item.serial_number else ''}")
    elif args.action == "check":
        found = service.check_serial(args.serial)
        if args.json:
            print_json(found.to_dict())
        else:
            verdict = "STOLEN" if found.stolen else ("known" if found.matches else "no match")
            print(f"{found.serial}: {verdict} ({len(found.matches)} {plural(len(found.matches), 'match', 'matches')})")
            for match in found.matches:
                print(f"  {match.line()}")
    else:  # the parser offers only the actions above
        raise AssertionError(f"unhandled property action {args.action}")
    return ExitCode.OK


SPEC = SignedInCommand(("premises",), add_parsers, run)
PROPERTY_SPEC = SignedInCommand(("property",), add_property_parsers, run_property)
