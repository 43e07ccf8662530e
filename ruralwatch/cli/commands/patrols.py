"""Joint patrols from the command line: plan, record, brief, log and measure the dose."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import geo, times
from ruralwatch.core.patrol import LoggedEvent, PatrolEventInput, PatrolInput
from ruralwatch.core.patrol_plan import PLAN_SOURCE_KEYS, PLAN_SOURCES, PlanSettings
from ruralwatch.core.vocab import PATROL_EVENT_KINDS, PATROL_EVENT_NAMES, PATROL_PURPOSES
from ruralwatch.core.words import plural

if TYPE_CHECKING:
    from ruralwatch.patrols.plan import Plan
    from ruralwatch.services.patrols import PatrolService
    from ruralwatch.store.database import Store

PURPOSES = [k for k, _ in PATROL_PURPOSES]


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    patrol = commands.add_parser("patrol", help="joint patrols: plan, brief, log, dose")
    actions = patrol.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)

    plan = actions.add_parser("plan", help="suggest a route through the area's harm hotspots (nothing saved)")
    _window_options(plan)
    plan.add_argument("--dwell", type=float, default=PlanSettings.dwell_minutes,
                      help="minutes at each hotspot (Koper curve: 10-15)")
    plan.add_argument("--road-factor", type=float, default=PlanSettings.road_factor,
                      help="road distance / straight-line distance")
    plan.add_argument("--speed", type=float, default=PlanSettings.speed_kmh, help="average speed, km/h")
    _source_option(plan)
    plan.add_argument("-o", "--out", "--output", dest="output", type=Path, metavar="FILE.pdf",
                      help="also write the plan as a plan pack (PDF) for the officer who will plan and brief it")
    plan.add_argument("--json", action="store_true")

    create = actions.add_parser("create", help="record a planned patrol (and suggest its plan)")
    _window_options(create)
    # Repeatable as duty add's --needs: a second --crew replaced the first, dropping the officer named there.
    create.add_argument("--crew", action="append", default=[],
                        help="names, collar numbers or ids, comma separated; may be given more than once")
    create.add_argument("--vehicle", default="")
    create.add_argument("--call-sign", default="")
    create.add_argument("--title", default="")
    create.add_argument("--override-reason", default="",
                        help="keep crew who break rostering rules (availability, rest, weekly hours);"
                             " the reason is kept")
    create.add_argument("--base", default="", metavar="GRIDREF",
                        help=f"where the route starts and ends: an OS grid reference, {geo.GRID_REF_SHORT}")
    _source_option(create)
    create.add_argument("--json", action="store_true")

    listing = actions.add_parser("list", help="patrols, latest first by when they ran (started, else planned)")
    listing.add_argument("--status")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="a patrol with its plan and log")
    show.add_argument("patrol")
    show.add_argument("--json", action="store_true")
    brief = actions.add_parser("brief", help="write the briefing pack (PDF)")
    brief.add_argument("patrol")
    brief.add_argument("-o", "--out", "--output", dest="output", type=Path, required=True, metavar="FILE.pdf")
    for name, text in (("start", "start the patrol"), ("end", "end the patrol")):
        action = actions.add_parser(name, help=text)
        action.add_argument("patrol")
        action.add_argument("--at", default=None,
                            help="when, if not now: logging it afterwards ('YYYY-MM-DD HH:MM', UK local)")
    log = actions.add_parser("log", help="log an event on a patrol in progress (written at once)")
    log.add_argument("patrol")
    log.add_argument("--kind", required=True,
                     choices=[k for k, _ in PATROL_EVENT_KINDS if k not in ("patrol_started", "patrol_ended")])
    log.add_argument("--stop", default="", help="the planned stop: its number on the plan (or its key)")
    log.add_argument("--lat", type=float)
    log.add_argument("--lon", type=float)
    log.add_argument("--grid-ref", default="")
    log.add_argument("--vrm", default="")
    log.add_argument("--detail", default="")
    log.add_argument("--at", default=None, help="when, if not now ('YYYY-MM-DD HH:MM', UK local)")
    log.add_argument("--json", action="store_true")
    _event_parsers(actions, parser_class)
    dose = actions.add_parser("dose", help="minutes at each hotspot against the plan (logged, and from the track)")
    dose.add_argument("patrol")
    dose.add_argument("--other-hotspots", action="store_true",
                      help="also time the track spent at the area's hotspots that were not planned (slower)")
    dose.add_argument("--json", action="store_true")
    report = actions.add_parser("report", help="write the after-action summary (PDF): the dose per stop, planned,"
                                               " logged and from the track; stops never reached; the track's gaps")
    report.add_argument("patrol")
    report.add_argument("-o", "--out", "--output", dest="out", type=Path, required=True, metavar="FILE.pdf")
    track = actions.add_parser("track", help="a patrol's recorded track: GPX or an NMEA log in, GPX out")
    track_actions = track.add_subparsers(dest="track_action", metavar="ACTION", required=True,
                                         parser_class=parser_class)
    track_import = track_actions.add_parser(
        "import", help="a track from a GPX file (phone, handheld) or an NMEA 0183 log (vehicle GPS unit, phone app;"
                       " .nmea, .log, .txt: told by what is in the file)")
    track_import.add_argument("patrol")
    track_import.add_argument("file", type=Path, metavar="FILE")
    track_import.add_argument("--log-date", metavar="YYYY-MM-DD",
                              help="the UK date a log of GGA sentences only was recorded (its first fix): such a log"
                                   " has times of day and no date, and is refused without it")
    track_import.add_argument("--json", action="store_true")
    track_export = track_actions.add_parser("export", help="the patrol's track as a GPX file")
    track_export.add_argument("patrol")
    track_export.add_argument("-o", "--out", "--output", dest="out", type=Path, required=True, metavar="FILE.gpx")


def _event_parsers(actions: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    event = actions.add_parser("event", help="put a logged event right: correct it, withdraw it (kept in the log"
                                             " with the reason, counted nowhere) or restore it")
    event_actions = event.add_subparsers(dest="event_action", metavar="ACTION", required=True,
                                         parser_class=parser_class)
    correct = event_actions.add_parser(
        "correct", help="correct a logged event's planned stop, time or note (a reason is needed once the patrol"
                        " has ended)")
    correct.add_argument("event", help="the event's id (`patrol show` prints its first 8 characters)")
    where = correct.add_mutually_exclusive_group()
    where.add_argument("--stop", default=None, help="the planned stop it belongs to: its number on the plan (or key)")
    where.add_argument("--no-stop", action="store_true", help="it was not at a planned stop")
    correct.add_argument("--at", default=None, help="when it happened ('YYYY-MM-DD HH:MM', UK local)")
    correct.add_argument("--note", default=None, help="its note (the detail) as it should read")
    correct.add_argument("--reason", default="", help="why it is corrected (kept in the audit log)")
    correct.add_argument("--json", action="store_true")
    withdraw = event_actions.add_parser(
        "withdraw", help="withdraw an event logged by mistake: it stays in the log, marked withdrawn with the"
                         " reason, and no longer counts in the dose or the after-action summary")
    withdraw.add_argument("event", help="the event's id (`patrol show` prints its first 8 characters)")
    withdraw.add_argument("--reason", required=True, help="why it is withdrawn (kept with it and in the audit log)")
    withdraw.add_argument("--json", action="store_true")
    restore = event_actions.add_parser(
        "restore", help="restore an event withdrawn by mistake: it counts again (a reason is needed once the patrol"
                        " has ended)")
    restore.add_argument("event", help="the event's id (`patrol show` prints its first 8 characters)")
    restore.add_argument("--reason", default="", help="why it is restored (kept in the audit log)")
    restore.add_argument("--json", action="store_true")
    retime = actions.add_parser(
        "times", help="correct a finished patrol's start and end (an End pressed late): its crew's hours and the dose"
                      " follow; every logged event must stay within them")
    retime.add_argument("patrol")
    retime.add_argument("--started", default=None, help="when it really started ('YYYY-MM-DD HH:MM', UK local)")
    retime.add_argument("--ended", default=None, help="when it really ended ('YYYY-MM-DD HH:MM', UK local)")
    retime.add_argument("--reason", required=True, help="why the times are corrected (kept in the audit log)")
    retime.add_argument("--json", action="store_true")


def _source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", choices=PLAN_SOURCE_KEYS, default=PlanSettings.harm_source,
                        help="whose crime harm picks the stops: " + "; ".join(
                            f"{key}: {words.lower()}" for key, words in PLAN_SOURCES)
                        + " (auto: ours when any fall in the area in the 12 months, else published crime)")
    parser.add_argument("--exclude-types", nargs="+", default=[], metavar="TYPE",
                        help="crime types whose harm does not pick stops: published types or our incident kinds by "
                        "name (e.g. \"Shoplifting,Anti-social behaviour\"), commas or spaces between them; the "
                        "plan's note names them")


def _exclude_types(args: argparse.Namespace) -> tuple[str, ...]:
    from ruralwatch.core.crime_types import split_names

    return split_names(args.exclude_types, "exclude_types")


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--area", required=True, help="a district or ward of the force (`geography show` lists them)")
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--start", required=True, metavar="HH:MM", help="UK local time")
    parser.add_argument("--end", required=True, metavar="HH:MM", help="at or before the start: next day")
    parser.add_argument("--purpose", choices=PURPOSES, default="general_rural_patrol")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.patrols.crew import OVERRIDE
    from ruralwatch.services.container import Services

    services = Services.build(store)
    patrols = services.patrols
    if getattr(args, "patrol", None):
        args.patrol = patrols.get(args.patrol).id  # lists print short ids
    if args.action == "plan":
        settings = PlanSettings(dwell_minutes=args.dwell, road_factor=args.road_factor, speed_kmh=args.speed,
                                harm_source=args.source, exclude_types=_exclude_types(args))
        plan = patrols.plan_for_window(args.area, args.date, args.start, args.end, args.purpose, settings)
        if args.output is not None and not plan.stops:  # a pack was asked for: say why there is none, exit 2
            from ruralwatch.core.errors import RuralWatchError

            raise RuralWatchError(f"{patrols.nothing_to_plan(args.area, plan.start, args.source)} No plan pack "
                                  "written: the plan has no stops.")
        if args.output is not None:
            patrols.write_plan_pack(args.area, plan, args.output, args.purpose)
        if args.json:
            print_json(plan_json(plan))
        elif plan.stops:
            _print_plan(plan)
        else:  # why, and what to do: 'no hotspots' under a Hotspots tab full of published crime baffled a walk
            print(patrols.nothing_to_plan(args.area, plan.start, args.source))
        if args.output is not None and not args.json:
            print(f"wrote {args.output}")
    elif args.action == "create":
        crew = [services.people.find(name).id for given in args.crew for name in given.split(",") if name.strip()]
        base = geo.typed_point(args.base, "base") if args.base.strip() else None
        record, issues = patrols.create(PatrolInput(
            day=args.date, start=args.start, end=args.end, area=args.area, purpose=args.purpose, title=args.title,
            vehicle=args.vehicle, call_sign=args.call_sign, crew=crew,
            start_lat=base.lat if base else None, start_lon=base.lon if base else None,
        ), override_reason=args.override_reason)
        patrols.suggest_for(record.id, replace(record.settings, harm_source=args.source,
                                               exclude_types=_exclude_types(args)))
        record = patrols.get(record.id)
        overridden = [i.message for i in issues if i.severity == OVERRIDE]
        if args.json:
            print_json({**record.to_dict(), "warnings": [i.message for i in issues if i.severity != OVERRIDE],
                        "overridden": overridden})
        else:
            for issue in issues:
                print(f"{'overridden' if issue.severity == OVERRIDE else 'warning'}: {issue.message}")
            print(record.id)
    elif args.action == "list":
        found = patrols.list(status=args.status)
        if args.json:
            print_json([p.to_dict() for p in found])
        else:
            for p in found:
                names = ", ".join(name for _, name in p.crew)
                print(f"{p.id[:8]}  {times.format_local(times.to_storage(p.ran_from))}  {p.status:<11} {p.title:<44}"
                      f" {names}")
            print(f"{len(found)} patrols")
    elif args.action == "show":
        record = patrols.get(args.patrol)
        log = patrols.log_of(record.id, withdrawn=True)  # the record as kept: withdrawn events marked
        overrides = patrols.overrides(record.id)
        timed = patrols.timed(record) if record.stops else None
        basis, note = (timed.basis, timed.source_note) if timed else ("", "")
        months = timed.months if timed else None
        if args.json:
            # "months": as the analysis commands give it, {"published": [...], "incidents": [...]} for a plan from
            # both; null otherwise (and for a plan saved before the split was kept: its note says it in words).
            print_json({**record.to_dict(), "travel_basis": basis, "source_note": note,
                        "months": months.to_dict() if months else None,
                        "log": [e.__dict__ for e in log],
                        "overrides": [{"person": n, "reason": r, "rules": rules} for n, r, rules in overrides]})
        else:
            print(f"{record.title}  [{record.status}]  {times.format_local(times.to_storage(record.start))}"
                  f" to {times.format_local(times.to_storage(record.end))[11:]}")
            for name, reason, rules in overrides:
                print(f"  crew override: {name} ({', '.join(rules)}): {reason}")
            for stop in record.stops:
                print(f"  {stop.seq:>2}. {times.format_local(times.to_storage(stop.arrive))[11:]}-"
                      f"{times.format_local(times.to_storage(stop.leave))[11:]}  {stop.label}  ({stop.reason})")
            if basis:
                print(f"  travel timed {basis}")
            if note:
                print(f"  {note}")
            for event in log:
                print(_event_line(event))
    elif args.action == "brief":
        patrols.brief(args.patrol, args.output)
        print(f"wrote {args.output}")
    elif args.action == "report":
        patrols.write_after_action(args.patrol, args.out)
        print(f"wrote {args.out}")
    elif args.action == "start":
        record = patrols.start(args.patrol, at=args.at)
        print(f"patrol started at {times.format_local(record.started_at)}")
    elif args.action == "end":
        record = patrols.end(args.patrol, at=args.at)
        print(f"patrol ended at {times.format_local(record.ended_at)}")
    elif args.action == "log":
        event = patrols.log(args.patrol, PatrolEventInput(
            kind=args.kind, at=args.at, lat=args.lat, lon=args.lon, grid_ref=args.grid_ref, stop_key=args.stop,
            vrm=args.vrm, detail=args.detail,
        ))
        if args.json:
            print_json(event.__dict__)
        else:
            # Which stop: an arrival with no --stop goes to the next stop of the plan not yet arrived at.
            at_stop = patrols.get(args.patrol).stop_keyed(event.stop_key) if event.stop_key else None
            print(f"logged {PATROL_EVENT_NAMES[event.kind]} at {times.format_local(event.at)}"
                  + (f" (stop {at_stop.seq}, {at_stop.label})" if at_stop else "")
                  + ("  ** VEHICLE OF INTEREST **" if event.flagged else ""))
    elif args.action == "event":
        _put_right(args, patrols)
    elif args.action == "times":
        _correct_times(args, patrols)
    elif args.action == "dose":
        dose = patrols.dose(args.patrol)
        others = patrols.unplanned_hotspots(args.patrol) if args.other_hotspots else None
        if args.json:
            print_json({"stops": [s.__dict__ for s in dose.stops], "missed": dose.missed,
                        "events_by_kind": dose.events_by_kind, "planned_minutes": dose.planned_minutes,
                        "actual_minutes": dose.actual_minutes, "tracked": dose.tracked, "radius_m": dose.radius_m,
                        "measured_minutes": dose.measured_minutes, "never_reached": dose.never_reached,
                        "track_points": dose.track_points,
                        **({"other_hotspots": [o.__dict__ for o in others]} if others is not None else {})})
        else:
            for s in dose.stops:
                track = "" if s.measured_minutes is None else (
                    f"  track {s.measured_minutes:>5.1f} min, {s.visits} {plural(s.visits or 0, 'visit')}")
                print(f"  {s.label:<28} planned {s.planned_minutes:>5.1f} min  logged {s.actual_minutes:>5.1f} min"
                      + track + ("" if s.visited else "  MISSED"))
            print(f"planned {dose.planned_minutes:.0f} min at hotspots, logged {dose.actual_minutes:.0f} min;"
                  f" {len(dose.missed)} stops missed")
            if dose.tracked:
                print(f"from the track ({dose.track_points} points, within {dose.radius_m:.0f} m):"
                      f" {dose.measured_minutes:.0f} min at the stops; {len(dose.never_reached)} never reached")
            else:
                print("no recorded track: the logged figures only")
            for other in others or []:
                print(f"  not planned: {other.label:<28} track {other.minutes:>5.1f} min, {other.visits} visits")
    elif args.action == "track":
        if args.track_action == "import":
            summary = patrols.import_track(args.patrol, args.file, args.log_date)
            if args.json:
                print_json(summary.__dict__)
            else:
                skipped = summary.skipped_note
                print(f"imported {summary.points} track points in {summary.segments} "
                      f"{plural(summary.segments, 'segment')} from {args.file.name}"
                      + (f" (NMEA lines skipped: {skipped})" if skipped else ""))
        else:
            summary = patrols.export_gpx(args.patrol, args.out)
            print(f"wrote {summary.points} track points to {args.out}")
    return ExitCode.OK


def _event_line(event: LoggedEvent) -> str:
    """One line of `patrol show`'s log: the event's short id (what `patrol event` takes), time, kind and what it
    says; a withdrawn event marked with its reason, a corrected one with its latest reason."""
    flag = "  ** VEHICLE OF INTEREST **" if event.flagged and not event.withdrawn else ""
    line = (f"  {event.id[:8]}  {times.format_local(event.at)[11:]}  {PATROL_EVENT_NAMES.get(event.kind, event.kind)}"
            f" {event.vrm or ''} {event.detail}{flag}")
    if event.withdrawn:
        return f"{line}  [WITHDRAWN by {event.withdrawn_by}: {event.withdrawn_reason}]"
    if event.restored:  # the reason's head says so ("restored: why"): print it as the window's row reads it
        why = event.correction_reason.partition(": ")[2]
        return f"{line}  [restored by {event.corrected_by}{f': {why}' if why else ''}]"
    if event.corrected_at:
        said = f": {event.correction_reason}" if event.correction_reason else ""
        return f"{line}  [corrected by {event.corrected_by}{said}]"
    return line


def _put_right(args: argparse.Namespace, patrols: PatrolService) -> None:
    from ruralwatch.cli.errors import OptionError
    from ruralwatch.services.patrols import EventCorrection

    if args.event_action == "withdraw":
        event = patrols.withdraw_event(args.event, args.reason)
    elif args.event_action == "restore":
        event = patrols.restore_event(args.event, args.reason)
    else:
        if args.stop is None and not args.no_stop and args.at is None and args.note is None:
            raise OptionError("say what to correct: --stop, --no-stop, --at or --note")
        event = patrols.correct_event(args.event, EventCorrection(
            stop="" if args.no_stop else args.stop, at=args.at, note=args.note, reason=args.reason))
    if args.json:
        print_json({**event.__dict__, "withdrawn": event.withdrawn})
    else:
        done = {"withdraw": "withdrew", "restore": "restored"}.get(args.event_action, "corrected")
        print(f"{done}: {_event_line(event).strip()}")


def _correct_times(args: argparse.Namespace, patrols: PatrolService) -> None:
    from ruralwatch.cli.errors import OptionError
    from ruralwatch.services.patrols import PatrolTimesCorrection

    if args.started is None and args.ended is None:
        raise OptionError("say what to correct: --started and/or --ended")
    before = patrols.get(args.patrol)
    record = patrols.correct_times(args.patrol, PatrolTimesCorrection(
        started=args.started, ended=args.ended, reason=args.reason))
    if args.json:
        print_json(record.to_dict())
    else:
        print(f"corrected: {record.title} ran {times.format_local(record.started_at)} to "
              f"{times.format_local(record.ended_at)} (was {times.format_local(before.started_at)} to "
              f"{times.format_local(before.ended_at)})")


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "start": times.to_storage(plan.start), "end": times.to_storage(plan.end),
        "stops": [
            {"seq": s.seq, "key": s.key, "label": s.label, "lat": round(s.lat, 6), "lon": round(s.lon, 6),
             "arrive": times.format_local(times.to_storage(s.arrive)),
             "leave": times.format_local(times.to_storage(s.leave)), "dwell_minutes": s.dwell_minutes,
             "travel_minutes": round(s.travel_minutes, 1), "reason": s.reason, "harm": s.harm}
            for s in plan.stops
        ],
        "dropped": len(plan.dropped),
        "source": plan.source,
        "source_note": plan.source_note,
        # From both: {"published": [...], "incidents": [...]}, the months each source was counted in; else null.
        "months": plan.months.to_dict() if plan.months else None,
        "travel_basis": plan.basis,
        "totals": {"travel_minutes": round(plan.travel_minutes, 1), "dwell_minutes": round(plan.dwell_minutes, 1),
                   "window_minutes": round(plan.window_minutes, 1)},
    }


def _print_plan(plan: Plan) -> None:
    from ruralwatch.patrols.roads import ATTRIBUTION

    if not plan.stops:
        print("no hotspots or recent incidents in that area to plan from")
        return
    for s in plan.stops:
        print(f"{s.seq:>2}. {times.format_local(times.to_storage(s.arrive))[11:]}-"
              f"{times.format_local(times.to_storage(s.leave))[11:]}  {s.dwell_minutes:>4.0f} min"
              f"  {s.lat:.5f}, {s.lon:.5f}  {s.label}: {s.reason}")
    print(f"travel {plan.travel_minutes:.0f} min + dwell {plan.dwell_minutes:.0f} min in a"
          f" {plan.window_minutes:.0f} min window; {len(plan.dropped)} lower-harm places did not fit")
    print(f"travel timed {plan.basis}" + (f" ({ATTRIBUTION})" if plan.by_road else ""))
    if plan.source_note:
        print(plan.source_note)


SPEC = SignedInCommand(("patrol",), add_parsers, run)
