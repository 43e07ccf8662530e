"""People, duties and rostering from the command line: the same services and rules as the window."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.people import DutyInput, DutyRecord, PersonInput, WeeklySlotInput
from ruralwatch.core.vocab import (
    DUTY_KINDS,
    HOURS_STATUS_NAMES,
    PATROL_PURPOSES,
    PERSON_ROLE_NAMES,
    PERSON_ROLES,
    SKILLS,
)
from ruralwatch.core.words import count_of, plural
from ruralwatch.rostering.model import REACH_NAMES, REACHES

if TYPE_CHECKING:
    from ruralwatch.services.container import Services
    from ruralwatch.services.roster import AutofillOutcome
    from ruralwatch.store.database import Store

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT = re.compile(r"^\s*([A-Za-z]{3})\w*\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    people = commands.add_parser("people", help="Special Constables, volunteers and officers")
    actions = people.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="add a person")
    _person_options(add)
    edit = actions.add_parser("edit", help="change a person: only the options given change")
    edit.add_argument("person", help="name, collar number or id")
    _person_options(edit, edit=True)
    listing = actions.add_parser("list", help="everyone, or only active people")
    listing.add_argument("--active", action="store_true")
    listing.add_argument("--role", choices=[k for k, _ in PERSON_ROLES])
    listing.add_argument("--json", action="store_true")
    avail = actions.add_parser("availability", help="set a person's weekly availability (replaces it)")
    avail.add_argument("person", help="name, collar number or id")
    avail.add_argument("slots", nargs="*", metavar="SLOT", help='e.g. "Mon 18:00-23:00" "Sat 06:00-14:00"')
    away = actions.add_parser("away", help="dates a person is away (or --extra: available in addition)")
    away.add_argument("person")
    away.add_argument("--date", "--from", dest="date", required=True, metavar="YYYY-MM-DD",
                      help="the date, or the first day with --to")
    away.add_argument("--to", default="", metavar="YYYY-MM-DD", help="the last day (inclusive), for a holiday")
    away.add_argument("--start", default="", metavar="HH:MM")
    away.add_argument("--end", default="", metavar="HH:MM")
    away.add_argument("--extra", action="store_true")
    away.add_argument("--note", default="")
    leave = actions.add_parser("leave", help="mark a person as left (kept on record, never rostered)")
    leave.add_argument("person")
    leave.add_argument("--date", default=None, metavar="YYYY-MM-DD")

    duty = commands.add_parser("duty", help="duties: add, list, assign people")
    actions = duty.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="add a duty")
    add.add_argument("--title", required=True)
    add.add_argument("--kind", choices=[k for k, _ in DUTY_KINDS], default="joint_patrol")
    add.add_argument("--start", required=True, metavar="'YYYY-MM-DD HH:MM'", help="UK local time")
    add.add_argument("--end", required=True, metavar="'YYYY-MM-DD HH:MM'")
    add.add_argument("--station", default="")
    add.add_argument("--area", default="")
    add.add_argument("--needs", action="append", default=[], metavar="SKILL[=N]",
                     help=f"a skill N of the crew must hold ({', '.join(k for k, _ in SKILLS)})")
    add.add_argument("--roles", default="officer,special,volunteer", help="who may fill it, comma separated")
    add.add_argument("--min-crew", type=int, default=1)
    add.add_argument("--max-crew", type=int, default=2)
    add.add_argument("--repeat-weekly-until", default=None, metavar="YYYY-MM-DD",
                     help="the same duty every week until this date (inclusive), UK times kept")
    add.add_argument("--json", action="store_true")
    listing = actions.add_parser("list", help="duties in a period with their crew and open places")
    listing.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    listing.add_argument("--person")
    listing.add_argument("--json", action="store_true")
    assign = actions.add_parser("assign", help="put a person on a duty (rules checked)")
    assign.add_argument("duty")
    assign.add_argument("person")
    assign.add_argument("--override-reason", default="", help="assign despite broken rules; the reason is kept")
    candidates = actions.add_parser("candidates", help="who may be put on a duty: those free first, most hours owed"
                                                       " that month first, then the others with why not (as the"
                                                       " window lists them)")
    candidates.add_argument("duty")
    candidates.add_argument("--json", action="store_true")
    unassign = actions.add_parser("unassign", help="take a person off a duty")
    unassign.add_argument("duty")
    unassign.add_argument("person")
    export = actions.add_parser("export", help="duties with their crew as CSV or XLSX")
    export.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    export.add_argument("-o", "--out", "--output", dest="output", type=Path, required=True, metavar="FILE")
    for name, text in (("complete", "mark a duty done (its hours count)"), ("cancel", "cancel a duty")):
        action = actions.add_parser(name, help=text)
        action.add_argument("duty")
    patrol = actions.add_parser("patrol", help="make a joint-patrol duty into its patrol (its day, times, area and"
                                               " crew), to brief, start, log and end under `patrol`")
    patrol.add_argument("duty")
    patrol.add_argument("--purpose", choices=[k for k, _ in PATROL_PURPOSES], default="general_rural_patrol")
    patrol.add_argument("--override-reason", default="",
                        help="keep crew who break rostering rules not already overridden on the duty; the reason"
                             " is kept")
    patrol.add_argument("--json", action="store_true")

    roster = commands.add_parser("roster", help="auto-fill, calendars, hours and rules")
    actions = roster.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    fill = actions.add_parser("autofill", help="fill open places fairly, never breaking a rule")
    fill.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    fill.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    fill.add_argument("--dry-run", action="store_true", help="show the proposal, change nothing")
    fill.add_argument("--json", action="store_true")
    ics = actions.add_parser("ics", help="iCalendar file of duties (a person's, a station's or everyone's)")
    ics.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    ics.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    ics.add_argument("--person")
    ics.add_argument("--station")
    ics.add_argument("-o", "--out", "--output", dest="output", type=Path, required=True, metavar="FILE.ics")
    hours = actions.add_parser("hours", help="hours against commitment per volunteer and month")
    hours.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    hours.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    hours.add_argument("-o", "--out", "--output", dest="output", type=Path, metavar="FILE",
                       help="write a .csv, .xlsx or .pdf report")
    hours.add_argument("--json", action="store_true")
    rules = actions.add_parser("rules", help="show or change the rostering limits")
    rules.add_argument("--min-rest-hours", type=float)
    rules.add_argument("--max-weekly-hours", type=float)
    rules.add_argument("--max-reach", choices=REACHES,
                       help="the furthest a person may be sent: their own station, their own area, or anywhere")


def _person_options(parser: argparse.ArgumentParser, edit: bool = False) -> None:
    """`people add`'s options; for `people edit` none is needed and one left out keeps what is stored."""
    unset = None if edit else ""
    flag: Any = argparse.BooleanOptionalAction if edit else "store_true"
    parser.add_argument("--name", required=not edit, default=unset)
    parser.add_argument("--role", choices=[k for k, _ in PERSON_ROLES], required=not edit, default=unset)
    parser.add_argument("--collar", default=unset, help="collar or warrant number")
    parser.add_argument("--rank", default=unset, help="Special rank: sc, ssgt, sinsp, sci")
    parser.add_argument("--independent", action=flag, default=None if edit else False,
                        help="has independent patrol status")
    parser.add_argument("--driver", action=flag, default=None if edit else False,
                        help="authorised to drive police vehicles")
    parser.add_argument("--skills", default=unset, help=f"comma separated: {', '.join(k for k, _ in SKILLS)}")
    parser.add_argument("--station", default=unset)
    parser.add_argument("--area", default=unset,
                        help="home district of the force (`geography show` lists them; a unique beginning will do)")
    parser.add_argument("--commitment", default=None, help="monthly hours (Specials default 16)")
    parser.add_argument("--phone", default=unset)
    parser.add_argument("--email", default=unset)
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.container import Services

    services = Services.build(store)
    if args.command == "people":
        return _people(services, args)
    if args.command == "duty":
        return _duty(services, args)
    return _roster(services, args)


def _people(services: Services, args: argparse.Namespace) -> int:
    people = services.people
    if args.action == "add":
        person = people.add(PersonInput(
            name=args.name, role=args.role, collar_number=args.collar, rank=args.rank,
            independent_patrol=args.independent, driving_authorised=args.driver, skills=_split(args.skills),
            station=args.station, area=args.area, monthly_commitment_hours=args.commitment, phone=args.phone,
            email=args.email,
        ))
        print_json(person.__dict__) if args.json else print(person.id)
    elif args.action == "edit":
        stored = people.find(args.person)

        def given(value: Any, kept: Any) -> Any:
            return kept if value is None else value

        person = people.update(stored.id, PersonInput(
            name=given(args.name, stored.name), role=given(args.role, stored.role),
            collar_number=given(args.collar, stored.collar_number), rank=given(args.rank, stored.rank),
            independent_patrol=given(args.independent, stored.independent_patrol),
            driving_authorised=given(args.driver, stored.driving_authorised),
            skills=_split(args.skills) if args.skills is not None else list(stored.skills),
            station=given(args.station, stored.station), area=given(args.area, stored.area),
            monthly_commitment_hours=given(args.commitment, stored.monthly_commitment_hours),
            phone=given(args.phone, stored.phone), email=given(args.email, stored.email),
            active=stored.active, left_on=stored.left_on, notes=stored.notes,
        ))
        print_json(person.__dict__) if args.json else print(f"{person.name} ({person.id}) changed")
    elif args.action == "list":
        found = people.list(active_only=args.active, role=args.role)
        if args.json:
            print_json([p.__dict__ for p in found])
        else:
            for p in found:
                status = "" if p.active else f"  (left {p.left_on})"
                print(f"{p.collar_number:<8} {p.name:<24} {PERSON_ROLE_NAMES[p.role]:<22} {p.station:<16}"
                      f" {', '.join(p.skills)}{status}")
            print(f"{len(found)} people")
    elif args.action == "availability":
        person = people.find(args.person)
        people.set_weekly(person.id, [_slot(text, n) for n, text in enumerate(args.slots, start=1)])
        print(f"{person.name}: {len(args.slots)} weekly slots")
    elif args.action == "away":
        person = people.find(args.person)
        what = "extra availability" if args.extra else "away"
        if args.to:
            added = people.add_exceptions(person.id, args.date, args.to, "extra" if args.extra else "away",
                                          args.start, args.end, args.note)
            print(f"{person.name}: {what} from {args.date} to {args.to} ({len(added)} "
                  f"{plural(len(added), 'date')} added)")
        else:
            people.add_exception(person.id, args.date, "extra" if args.extra else "away", args.start, args.end,
                                 args.note)
            print(f"{person.name}: {what} on {args.date}")
        if not args.extra:
            first = times.parse_date(args.date, "date")
            clashes = services.roster.rostered_while_away(
                person.id, first, times.parse_date(args.to, "to") if args.to else first)
            if clashes:
                from ruralwatch.services.roster import away_warning

                print(f"Warning: {away_warning(person.name, clashes)}")
    elif args.action == "leave":
        person = people.find(args.person)
        on = times.parse_date(args.date, "date") if args.date else times.to_local(times.utc_now()).date()
        people.mark_left(person.id, on)
        print(f"{person.name} marked as left on {on.isoformat()}")
    return ExitCode.OK


def _duty(services: Services, args: argparse.Namespace) -> int:
    roster = services.roster
    if getattr(args, "duty", None):
        args.duty = roster.duty(args.duty).id  # lists print short ids
    if args.action == "add":
        until = None
        if args.repeat_weekly_until is not None:
            until = times.parse_date(args.repeat_weekly_until, "repeat_weekly_until")
        added = roster.add_duties(DutyInput(
            title=args.title, kind=args.kind, start=args.start, end=args.end, station=args.station, area=args.area,
            required_skills=_needs(args.needs), allowed_roles=_split(args.roles), min_crew=args.min_crew,
            max_crew=args.max_crew,
        ), repeat_weekly_until=until)
        if args.json:  # a weekly series is a list, one duty as before
            print_json([_duty_json(d) for d in added] if until else _duty_json(added[0]))
        else:
            for duty in added:
                print(duty.id)
    elif args.action == "list":
        start, end = _period(args.date_from, args.date_to)
        person_id = services.people.find(args.person).id if args.person else None
        duties = roster.duties(start, end, person_id)
        if args.json:
            print_json([_duty_json(d) for d in duties])
        else:
            for d in duties:
                crew = ", ".join(name for _, name in d.crew) or "-"
                gap = f"  [{d.open_places} open]" if d.open_places else ""
                risk = f"  [at risk: {'; '.join(d.away)}]" if d.at_risk else ""
                hours = f"{d.counted_hours:>4.1f} h {_basis(d):<7}"
                print(f"{d.id[:8]}  {times.format_local(times.to_storage(d.start))}  {hours}  {d.title:<32}"
                      f" {d.station:<16} {d.status:<9} {crew}{gap}{risk}")
            at_risk = sum(1 for d in duties if d.at_risk)
            places = sum(d.open_places for d in duties)
            print(f"{count_of(len(duties), 'duty', 'duties')}, {count_of(places, 'open place')}"
                  + (f", {at_risk} at risk (crew away)" if at_risk else ""))
    elif args.action == "assign":
        from ruralwatch.rostering.rules import not_free_text

        person = services.people.find(args.person)
        breaches = roster.assign(args.duty, person.id, args.override_reason)
        note = f" despite: {not_free_text(breaches)}: {'; '.join(b.message for b in breaches)}" if breaches else ""
        print(f"{person.name} assigned{note}")
    elif args.action == "candidates":
        found = roster.candidates(args.duty)
        if args.json:
            print_json([{"person_id": c.person_id, "person": c.name, "role": c.role, "station": c.station,
                         "free": c.free, "why_not": c.why_not, "rules": [b.rule for b in c.breaches],
                         "month": f"{c.standing.month[0]:04d}-{c.standing.month[1]:02d}",
                         "hours_in_month": round(c.standing.hours, 2), "commitment_hours": c.standing.commitment,
                         "hours_owed": round(c.standing.owed, 2), "duties_in_month": c.standing.duties}
                        for c in found])
        else:
            # The free, most owed first, with what they owe; the others with why not (the window's words).
            for c in found:
                print(f"{'free' if c.free else 'not free':<9} {c.name:<24} {PERSON_ROLE_NAMES.get(c.role, c.role):<22}"
                      f" {c.station:<16} {c.standing.text() if c.free else c.why_not}".rstrip())
            free = sum(1 for c in found if c.free)
            print(f"{free} of {count_of(len(found), 'person', 'people')} free to take it")
    elif args.action == "unassign":
        person = services.people.find(args.person)
        roster.unassign(args.duty, person.id)
        print(f"{person.name} taken off the duty")
    elif args.action == "export":
        start, end = _period(args.date_from, args.date_to)
        print(f"wrote {roster.export_duties(start, end, args.output)}")
    elif args.action in ("complete", "cancel"):
        duty = roster.set_status(args.duty, "completed" if args.action == "complete" else "cancelled")
        print(f"{duty.title}: {duty.status}")
    elif args.action == "patrol":
        _duty_patrol(services, args)
    return ExitCode.OK


def _duty_patrol(services: Services, args: argparse.Namespace) -> None:
    from ruralwatch.patrols.crew import OVERRIDE

    patrols = services.patrols
    record, issues = patrols.plan_from_duty(args.duty, args.purpose, args.override_reason)
    planned = services.store.actor.can("patrol.plan")
    if planned:  # as `patrol create` does; a crew member who may not plan routes starts it without stops
        patrols.suggest_for(record.id)
        record = patrols.get(record.id)
    overridden = [i.message for i in issues if i.severity == OVERRIDE]
    if args.json:
        print_json({**record.to_dict(), "duty_id": args.duty,
                    "warnings": [i.message for i in issues if i.severity != OVERRIDE], "overridden": overridden})
        return
    for issue in issues:
        print(f"{'overridden' if issue.severity == OVERRIDE else 'warning'}: {issue.message}")
    stops = f"{len(record.stops)} {plural(len(record.stops), 'stop')} suggested" if planned else "no stops planned"
    print(f"patrol {record.id[:8]} planned from the duty ({stops}); start it with `ruralwatch patrol start "
          f"{record.id[:8]}`")
    print(record.id)


def _roster(services: Services, args: argparse.Namespace) -> int:
    if args.action == "autofill":
        start = times.parse_date(args.date_from, "from")
        end = times.parse_date(args.date_to, "to")
        outcome = services.roster.autofill(start, end, apply=not args.dry_run)
        print_json(outcome.to_dict()) if args.json else _print_autofill(outcome)
    elif args.action == "ics":
        start, end = _period(args.date_from, args.date_to)
        person = services.people.find(args.person) if args.person else None
        name = f"RuralWatch duties: {person.name if person else args.station or 'all'}"
        services.roster.export_calendar(args.output, start, end, person.id if person else None, args.station, name)
        print(f"wrote {args.output}")
    elif args.action == "hours":
        this_month = services.hours.this_month()
        summary = services.hours.summary(args.month_from or this_month, args.month_to or args.month_from or this_month)
        if args.output:
            services.hours.export(summary, args.output)
            print(f"wrote {args.output}")
        elif args.json:
            print_json({
                "by_person": summary.by_person.to_dict(orient="records"),
                "by_station": summary.by_station.to_dict(orient="records"),
                "by_kind": summary.by_kind.to_dict(orient="records"),
            })
        else:
            for r in summary.by_person.itertuples():
                if not r.applies:  # before the person was added: no commitment to be below
                    print(f"{r.month}  {r.name:<24} {r.hours:>6.1f} /     - h  not applicable (before added)")
                    continue
                # The month's status by the service's one rule: a month not yet over is "so far", never below.
                word = HOURS_STATUS_NAMES.get(str(r.status), "")
                flag = f"  {word} commitment" if r.status in ("below", "over") else f"  {word}" if word else ""
                planned = "" if r.planned == 0 else f" + {r.planned:.1f} h planned"
                print(f"{r.month}  {r.name:<24} {r.hours:>6.1f} / {r.commitment:>5.1f} h{planned}{flag}")
    elif args.action == "rules":
        current = services.roster.rules()
        if args.min_rest_hours is not None or args.max_weekly_hours is not None or args.max_reach is not None:
            current = services.roster.set_rules(
                current.min_rest_hours if args.min_rest_hours is None else args.min_rest_hours,
                current.max_weekly_hours if args.max_weekly_hours is None else args.max_weekly_hours,
                args.max_reach,
            )
        print(f"minimum rest between duties: {current.min_rest_hours:g} h; "
              f"maximum per week: {current.max_weekly_hours:g} h; "
              f"furthest a person is sent: {REACH_NAMES[current.max_reach]}")
    return ExitCode.OK


def _print_autofill(outcome: AutofillOutcome) -> None:
    verb = "assigned" if outcome.applied else "would assign"
    for duty, _, name in outcome.assignments:
        print(f"{verb}  {times.format_local(times.to_storage(duty.start))}  {duty.title:<32} {name}")
    for duty, missing, reasons in outcome.gaps:
        print(f"GAP     {times.format_local(times.to_storage(duty.start))}  {duty.title:<32} {missing} missing:"
              f" {'; '.join(reasons)}")
    for below, name in outcome.below:
        print(f"BELOW   {below.month[0]:04d}-{below.month[1]:02d}  {name:<24} {below.hours:g} of "
              f"{below.commitment:g} h: {'; '.join(below.reasons)}")
    print(f"{len(outcome.assignments)} places {'filled' if outcome.applied else 'to fill'},"
          f" {sum(m for _, m, _ in outcome.gaps)} left open")


def _duty_json(d: DutyRecord) -> dict[str, Any]:
    return {
        "id": d.id, "title": d.title, "kind": d.kind, "start": times.to_storage(d.start),
        "end": times.to_storage(d.end), "station": d.station, "area": d.area, "required_skills": d.required_skills,
        "allowed_roles": list(d.allowed_roles), "min_crew": d.min_crew, "max_crew": d.max_crew, "status": d.status,
        "crew": [{"id": pid, "name": name} for pid, name in d.crew], "open_places": d.open_places,
        "at_risk": d.at_risk, "away": list(d.away), "hours": d.counted_hours, "hours_basis": _basis(d),
    }


def _basis(d: DutyRecord) -> str:
    """Which hours `duty list` shows: its patrol's logged time once run, else planned (as the hours reports)."""
    return "logged" if d.logged else "planned"


def _period(date_from: str | None, date_to: str | None) -> tuple[date, date]:
    start = times.parse_date(date_from, "from") if date_from else times.to_local(times.utc_now()).date()
    if date_to:
        end = times.parse_date(date_to, "to")
    elif start > date.max - timedelta(days=30):
        raise ValidationError.single("from", f"{start.isoformat()} is too near the end of the calendar")
    else:
        end = start + timedelta(days=30)
    if end < start:
        raise ValidationError.single("to", "the period ends before it starts")
    return start, end


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _needs(values: list[str]) -> dict[str, int]:
    needs: dict[str, int] = {}
    for value in values:
        skill, _, count = value.partition("=")
        try:
            needs[skill.strip()] = int(count) if count else 1
        except ValueError:
            raise ValidationError.single("needs", f"{value!r}: use SKILL or SKILL=N") from None
    return needs


def _slot(text: str, n: int) -> WeeklySlotInput:
    match = _SLOT.match(text)
    if not match or match[1].lower() not in WEEKDAYS:
        raise ValidationError.single(f"slot {n}", f"{text!r}: use a day and times, e.g. \"Mon 18:00-23:00\"")
    return WeeklySlotInput(WEEKDAYS.index(match[1].lower()), match[2], match[3])


SPEC = SignedInCommand(("people", "duty", "roster"), add_parsers, run)
