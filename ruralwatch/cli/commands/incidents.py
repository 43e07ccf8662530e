"""`ruralwatch incidents add|update|delete|show|list`: record and find incidents."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.commands.incident_options import (
    _date_arg,
    _positive_int,
    add_incident_fields,
    apply_options,
    for_cli,
    warn_phone_on_command_line,
)
from ruralwatch.cli.commands.incident_report import incident_json, report, summary_line
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.core.kinds import KINDS
from ruralwatch.core.vocab import STATUSES

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    incidents = commands.add_parser("incidents", help="record and find incidents")
    actions = incidents.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="record a new incident")
    add_incident_fields(add, required=True)
    add.add_argument("--premises", help="the registered premises it happened at (name or id)")
    add.add_argument("--json", action="store_true")
    update = actions.add_parser(
        "update", help="change fields of an incident",
        description="Change fields of an incident; options not given keep their value. --vrm, --vehicle, "
                    "--item and --attach add to what the incident already has; to change a vehicle, "
                    "--remove-vrm it and give it again.",
    )
    update.add_argument("id")
    add_incident_fields(update, required=False)
    update.add_argument("--remove-vrm", action="append", default=[], metavar="VRM",
                        help="take this vehicle off the incident (every role), repeatable")
    update.add_argument("--premises", help='the registered premises it happened at (name or id; "none" to unlink)')
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
    listing.add_argument("--text", "--search", dest="text", default="",
                         help="search as the window's search box does: place, description, crime reference, VRMs, "
                              "stolen items, and kinds by any word or synonym (traveller, quad, stolen)")
    listing.add_argument("--limit", type=_positive_int, default=0, help="at most this many (default all)")
    listing.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.services.premises import PremisesService

    service = IncidentService(store)
    if args.action == "add":
        inp, origins = apply_options(IncidentInput(kind=args.kind, occurred_start=args.when), args)
        premises = PremisesService(store)
        if args.premises:
            inp.premises_id = premises.resolve(args.premises)
        try:
            incident = service.record(inp, attach=args.attach)
        except ValidationError as exc:
            raise for_cli(exc, origins) from None
        warn_phone_on_command_line(args)
        repeat = premises.repeat_for_incident(incident.id) if incident.premises_id else None
        if args.json:
            print_json({**incident_json(incident), "repeat": repeat.to_dict() if repeat else None})
        else:
            print(incident.id)
        if repeat and repeat.victimised_before:  # "victimised before": the crew should know at once
            print(f"ruralwatch: warning: {repeat.warning()}", file=sys.stderr)
    elif args.action == "update":
        before = service.get(args.id)
        inp, origins = apply_options(before.to_input(), args)
        if args.premises:
            inp.premises_id = "" if args.premises.strip().lower() == "none" else PremisesService(store).resolve(
                args.premises)
        try:
            incident = service.update(args.id, inp, attach=args.attach)
        except ValidationError as exc:
            raise for_cli(exc, origins) from None
        warn_phone_on_command_line(args)
        if args.json:
            print_json(incident_json(incident))
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
            print_json(incident_json(incident))
        else:
            print("\n".join(report(incident)))
    elif args.action == "list":
        flt = IncidentFilter(kinds=tuple(args.kind), statuses=tuple(args.status), start_from=args.start_from,
                             start_to=args.start_to, text=args.text)
        if args.json:
            incidents = service.list(flt)
            print_json([incident_json(i) for i in incidents[: args.limit or None]])
        else:
            rows = service.rows(flt, limit=args.limit or -1)
            if not rows:
                print("no incidents match", file=sys.stderr)
            for found in rows:
                print(summary_line(found))
    return ExitCode.OK


SPEC = SignedInCommand(("incidents",), add_parsers, run)
