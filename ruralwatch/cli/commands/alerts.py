"""`ruralwatch alerts compose|list|show|approve|export|recipients`: alerts to the community (issue 20).

An officer composes an alert from an incident (the ward or district containing it, the rounded time window, the
kind's advice and the standard wording of how to report, each editable), a supervisor approves it, and the
coordinator exports it as text, HTML or PDF. Warnings on the texts (a registration not released, a grid
reference, a phone number) are printed and block approval. Ids may be shortened to their first characters.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.alert import ALERT_STATUSES, AREA_LEVELS, AlertInput
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vrm import display_vrm, normalise_vrm

if TYPE_CHECKING:
    from ruralwatch.services.alerts import AlertService
    from ruralwatch.store.database import Store
from ruralwatch.store.syncable import resolve_id


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    alerts = commands.add_parser("alerts", help="alerts to the community: compose, approve, export")
    actions = alerts.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)

    compose = actions.add_parser(
        "compose", help="draft an alert from an incident",
        description="The draft names the ward (or district) containing the incident, never the place; the time "
                    "window rounded to a part of the day; the kind's advice; how to report (999, 101, "
                    "Crimestoppers). Registrations are left out unless released with --release.")
    compose.add_argument("incident", help="the incident's id (or its first characters)")
    compose.add_argument("--area", choices=[k for k, _ in AREA_LEVELS], default="ward",
                         help="name the ward (default) or the district")
    compose.add_argument("--summary", help="what happened, in plain words (default: written from the incident)")
    compose.add_argument("--advice", help="advice to the community (default: the kind's standard advice)")
    compose.add_argument("--how-to-report", dest="how_to_report", help="how to report (default: the standard "
                                                                       "wording)")
    compose.add_argument("--release", action="append", default=[], metavar="VRM",
                         help="publish this registration of the incident's suspect vehicles; repeatable")
    compose.add_argument("--json", action="store_true")

    listing = actions.add_parser("list", help="the alerts, newest first")
    listing.add_argument("--status", choices=[k for k, _ in ALERT_STATUSES])
    listing.add_argument("--json", action="store_true")

    show = actions.add_parser("show", help="one alert: its state, warnings and the text it exports")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")

    approve = actions.add_parser("approve", help="approve another officer's draft for release")
    approve.add_argument("id")

    export = actions.add_parser("export", help="write an approved alert (it is then issued)")
    export.add_argument("id")
    export.add_argument("--format", required=True, choices=("text", "html", "pdf"))
    export.add_argument("-o", "--out", "--output", dest="out", required=True, type=Path, metavar="FILE")

    recipients = actions.add_parser("recipients", help="the watch-scheme members in the alert's area")
    recipients.add_argument("id")
    recipients.add_argument("--json", action="store_true")


def _released(alerts: AlertService, inp: AlertInput, wanted: list[str]) -> AlertInput:
    vehicles = {v.vrm: v for v in alerts.vehicles_of(inp.incident_id) if v.vrm and v.role == "suspect"}
    ids = set()
    for text in wanted:
        found = vehicles.get(normalise_vrm(text))
        if found is None:
            raise ValidationError.single("release", f"{text!r} is not a suspect vehicle on this incident")
        ids.add(found.id)
    return replace(inp, released_vehicles=frozenset(ids))


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.io.alert_export import alert_text
    from ruralwatch.services.alerts import AlertService

    alerts = AlertService(store)
    if args.action == "compose":
        incident_id = resolve_id(store, "incidents", args.incident, "incident")
        inp = alerts.draft_for_incident(incident_id, args.area)
        if args.area == "ward" and inp.area_level != "ward":
            print("ruralwatch: no ward is known there: the alert names the district", file=sys.stderr)
        inp = replace(inp, **{name: getattr(args, name) for name in ("summary", "advice", "how_to_report")
                              if getattr(args, name) is not None})
        inp = _released(alerts, inp, args.release)
        alert = alerts.compose(inp)
        warnings = alerts.warnings(alert.input())
        for warning in warnings:
            print(f"ruralwatch: warning: {warning}", file=sys.stderr)
        if args.json:
            print_json({**alert.to_dict(), "warnings": [str(w) for w in warnings],
                        "text": alert_text(alerts.preview(alert.input(), alert.reference))})
        else:
            print(alert.id)
    elif args.action == "list":
        found = alerts.list(args.status)
        if args.json:
            print_json([a.to_dict() for a in found])
        for a in [] if args.json else found:
            print(f"{a.reference}  {a.status:8}  {a.window.text():32}  {a.area}: {a.summary[:60]}")
    elif args.action == "show":
        alert = alerts.get(alerts.resolve(args.id))
        warnings = alerts.warnings(alert.input())
        vehicles = [{"id": v.id, "vrm": display_vrm(v.vrm) if v.vrm else "", "description": v.description(),
                     "role": v.role, "released": v.id in alert.released_vehicles}
                    for v in alerts.vehicles_of(alert.incident_id)]
        text = alert_text(alerts.public(alert.id))
        if args.json:
            print_json({**alert.to_dict(), "vehicles": vehicles, "warnings": [str(w) for w in warnings],
                        "text": text})
        else:
            print(f"Alert {alert.reference}: {alert.status}, composed by {alert.composed_by}"
                  + (f", approved by {alert.approved_by}" if alert.approved_by else "")
                  + (f", issued by {alert.issued_by}" if alert.issued_by else ""))
            for warning in warnings:
                print(f"WARNING: {warning}")
            print()
            print(text, end="")
    elif args.action == "approve":
        alert = alerts.approve(alerts.resolve(args.id))
        print(f"alert {alert.reference} approved")
    elif args.action == "export":
        target = alerts.export(alerts.resolve(args.id), args.format, args.out)
        print(f"alert written to {target}")
    elif args.action == "recipients":
        members = alerts.recipients(alerts.resolve(args.id))
        if args.json:
            print_json([vars(m) for m in members])
        elif not members:
            print("no watch-scheme members listed for this area (the premises register is not connected yet)")
        for m in [] if args.json else members:
            print(f"{m.premises} ({m.scheme}): {m.contact}")
    else:  # the parser offers only the actions above
        raise AssertionError(f"unhandled alerts action {args.action}")
    return ExitCode.OK


SPEC = SignedInCommand(("alerts",), add_parsers, run)
