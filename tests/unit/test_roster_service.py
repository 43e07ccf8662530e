"""People, duties, assignments under the rules, auto-fill, calendars and hours, through the services."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import icalendar
import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.rostering.errors import RuleBreachError
from ruralwatch.rostering.model import RosterRules
from ruralwatch.services.container import Services
from ruralwatch.store import Store

MONDAY = date(2026, 12, 7)
LONDON = LOCAL_ZONE


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store)


def _special(services: Services, name: str, skills: tuple[str, ...] = (), evenings: bool = True) -> str:
    person = services.people.add(PersonInput(name=name, role="special", skills=list(skills), station="Maldon"))
    if evenings:
        services.people.set_weekly(person.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    return person.id


def _duty(services: Services, day: int = 7, needs: dict[str, int] | None = None, min_crew: int = 1,
          start: str = "18:00", end: str = "22:00") -> str:
    return services.roster.add_duty(DutyInput(
        title="Evening patrol", kind="joint_patrol", start=f"2026-12-{day:02d} {start}",
        end=f"2026-12-{day:02d} {end}", station="Maldon", required_skills=needs or {}, min_crew=min_crew,
        max_crew=max(2, min_crew),
    )).id


def test_a_bad_person_names_every_field_and_stores_nothing(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        services.people.add(PersonInput(name=" ", role="chief", skills=["juggling"], phone="call me",
                                        monthly_commitment_hours="lots"))
    assert {e.field for e in caught.value.errors} == {"name", "role", "skills", "phone", "monthly_commitment_hours"}
    assert services.people.list() == []


def test_a_special_gets_the_default_commitment_and_rank(services: Services) -> None:
    person = services.people.add(PersonInput(name="Sam  Reed", role="special"))
    assert (person.name, person.rank, person.monthly_commitment_hours) == ("Sam Reed", "sc", 16.0)
    assert services.people.find("sam reed").id == person.id


def test_assigning_outside_availability_is_refused_then_allowed_with_a_recorded_reason(services: Services) -> None:
    person = _special(services, "Dawn Only", evenings=False)
    duty = _duty(services)
    with pytest.raises(RuleBreachError) as caught:
        services.roster.assign(duty, person)
    assert [b.rule for b in caught.value.breaches] == ["unavailable"]
    assert services.roster.duty(duty).crew == ()
    services.roster.assign(duty, person, override_reason="Agreed by phone with the coordinator")
    assert services.roster.overrides(duty) == [("Dawn Only", "Agreed by phone with the coordinator", ["unavailable"])]


def test_a_holiday_is_one_entry_every_date_away_and_the_roster_keeps_them_off(services: Services) -> None:
    """A fortnight away took 14 entries; now one range, one row a date (as the roster reads them), all or none."""
    person = _special(services, "Sam Reed")
    people = services.people
    with pytest.raises(ValidationError, match="before the first"):
        people.add_exceptions(person, "2026-12-20", "2026-12-06", "away")
    with pytest.raises(ValidationError, match="more than 183"):
        people.add_exceptions(person, "2026-12-01", "2027-12-01", "away")
    assert people.exceptions_of(person) == []
    added = people.add_exceptions(person, "2026-12-07", "2026-12-20", "away", note="Holiday")
    dates = [e.on for _, e, _ in people.exceptions_of(person)]
    assert len(added) == 14 and dates == [date(2026, 12, 7 + n) for n in range(14)]
    assert {note for _, _, note in people.exceptions_of(person)} == {"Holiday"}
    duty = _duty(services, day=14)  # the middle of the fortnight
    with pytest.raises(RuleBreachError) as caught:
        services.roster.assign(duty, person)
    assert [b.rule for b in caught.value.breaches] == ["unavailable"]
    # Again over a longer run: only the dates not already there are added.
    assert len(people.add_exceptions(person, "2026-12-05", "2026-12-21", "away")) == 3


def test_double_booking_is_caught_across_duties(services: Services) -> None:
    person = _special(services, "Busy Bee")
    first, second = _duty(services), _duty(services, start="20:00", end="23:00")
    services.roster.assign(first, person)
    assert "double_booked" in [b.rule for b in services.roster.check(second, person)]


def test_autofill_fills_skill_places_first_and_reports_gaps(services: Services) -> None:
    driver = _special(services, "Off Roader", skills=("off_road",))
    _special(services, "Plain Special")
    needs_driver = _duty(services, needs={"off_road": 1}, min_crew=1)
    short = _duty(services, day=8, min_crew=3)
    outcome = services.roster.autofill(MONDAY, date(2026, 12, 8))
    crew = {d: [pid for pid, _ in services.roster.duty(d).crew] for d in (needs_driver, short)}
    assert crew[needs_driver] == [driver]
    assert len(crew[short]) == 2
    assert [(g[0].id, g[1]) for g in outcome.gaps] == [(short, 1)]


def test_autofill_dry_run_changes_nothing(services: Services) -> None:
    _special(services, "Someone")
    duty = _duty(services)
    outcome = services.roster.autofill(MONDAY, MONDAY, apply=False)
    assert len(outcome.assignments) == 1
    assert services.roster.duty(duty).crew == ()


def test_autofill_week_by_week_counts_the_weeks_already_filled(services: Services) -> None:
    """A coordinator filled a fortnight a week at a time: each week started everyone from nothing, so the same
    two Specials (first by id) got every duty and the third none."""
    people = [_special(services, name) for name in ("Ann", "Ben", "Cat")]
    for day in (8, 10, 15, 17):  # two evenings a week
        _duty(services, day=day)
    services.roster.autofill(MONDAY, date(2026, 12, 13))
    services.roster.autofill(date(2026, 12, 14), date(2026, 12, 20))
    duties = services.roster.duties(MONDAY, date(2026, 12, 20))
    count = {pid: sum(pid in {p for p, _ in d.crew} for d in duties) for pid in people}
    assert sorted(count.values()) == [1, 1, 2]


def test_autofill_counts_a_duty_done_earlier_in_the_month(services: Services) -> None:
    ann, ben = _special(services, "Ann"), _special(services, "Ben")
    first = ann if ann < ben else ben  # the one ties go to
    earlier = _duty(services, day=1, start="18:00", end="23:00")
    services.roster.assign(earlier, first)
    services.roster.set_status(earlier, "completed")
    target = _duty(services, day=9)
    outcome = services.roster.autofill(MONDAY, date(2026, 12, 13), apply=False)
    assert [(d.id, pid) for d, pid, _ in outcome.assignments] == [(target, ben if first == ann else ann)]


def test_autofill_counts_the_hours_logged_for_a_completed_duty(services: Services) -> None:
    # Ann's 5-hour duty was stood down after an hour (logged on her assignment); Ben did 2 hours.
    ann, ben = _special(services, "Ann"), _special(services, "Ben")
    long_one = _duty(services, day=1, start="18:00", end="23:00")
    short_one = _duty(services, day=2, start="18:00", end="20:00")
    services.roster.assign(long_one, ann)
    services.roster.assign(short_one, ben)
    (row_id,) = services.store.db.execute(
        "SELECT id FROM duty_assignments WHERE duty_id = ? AND person_id = ?", [long_one, ann]).fetchone()
    with services.store.transaction():
        services.roster.assignments.update(row_id, {"hours": 1.0})
    for done in (long_one, short_one):
        services.roster.set_status(done, "completed")
    target = _duty(services, day=9)
    outcome = services.roster.autofill(MONDAY, date(2026, 12, 13), apply=False)
    assert [(d.id, pid) for d, pid, _ in outcome.assignments] == [(target, ann)]


def test_calendar_of_a_person_parses_back_with_uk_times(services: Services) -> None:
    person = _special(services, "Cal Endar")
    duty = _duty(services)
    services.roster.assign(duty, person)
    data = services.roster.calendar(MONDAY, MONDAY, person_id=person)
    events = [c for c in icalendar.Calendar.from_ical(data).walk("VEVENT")]
    assert len(events) == 1
    assert events[0]["DTSTART"].dt.isoformat() == "2026-12-07T18:00:00+00:00"
    assert "Cal Endar" in str(events[0]["DESCRIPTION"])


def test_hours_count_completed_duties_against_commitment(store: Store) -> None:
    now = [datetime(2026, 9, 20, 12, 0, tzinfo=UTC)]
    services = Services.build(store, clock=lambda: now[0])
    # Both were added before October (the day a person is added is the record's created_at, from the same clock).
    busy, idle = _special(services, "Busy"), _special(services, "Idle")
    now[0] = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    late = _special(services, "Late")  # added in November: October was not theirs to give
    # Mid-November 2026: October is finished and judged, November is still running, December is to come.
    now[0] = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
    duty = services.roster.add_duty(DutyInput(title="Evening patrol", kind="joint_patrol", start="2026-10-07 18:00",
                                              end="2026-10-07 22:00")).id
    services.roster.assign(duty, busy, override_reason="recorded afterwards")
    services.roster.set_status(duty, "completed")
    summary = services.hours.summary("2026-10", "2026-12")
    rows = {(r.name, r.month): (r.hours, r.commitment, bool(r.below)) for r in summary.by_person.itertuples()}
    assert rows[("Busy", "2026-10")] == (4.0, 16.0, True)
    assert rows[("Idle", "2026-10")] == (0.0, 16.0, True)
    assert rows[("Late", "2026-10")] == (0.0, 16.0, False)  # it showed "0 / 16 h · below"
    applies = {(r.name, r.month): bool(r.applies) for r in summary.by_person.itertuples()}
    assert applies[("Late", "2026-10")] is False and applies[("Late", "2026-11")] and applies[("Idle", "2026-10")]
    assert late
    # The months still running or to come are not judged yet.
    assert not any(below for (_, month), (_, _, below) in rows.items() if month >= "2026-11")
    assert summary.by_kind.to_dict(orient="records") == [{"kind": "joint_patrol", "hours": 4.0}]
    assert idle


def test_hours_show_what_is_planned_beside_what_was_given(store: Store) -> None:
    """A walk-through auto-filled October and the Hours tab said '0 / 16 h' for everyone, the Special it gave 41
    hours to as well: only completed duties counted, so nobody could see who the month put over or under their
    commitment until it was over. Planned duties and open patrols are shown as planned; done ones as given."""
    now = [datetime(2026, 11, 20, 12, 0, tzinfo=UTC)]
    services = Services.build(store, clock=lambda: now[0])
    dev, raj = _special(services, "Dev"), _special(services, "Raj")
    keen = services.people.add(PersonInput(name="Keen", role="special", monthly_commitment_hours="6")).id
    done, planned, cancelled = _duty(services, day=7), _duty(services, day=8, end="23:00"), _duty(services, day=9)
    for duty in (done, planned, cancelled):
        for person in (dev, keen):
            services.roster.assign(duty, person, override_reason="recorded afterwards")
    services.roster.set_status(done, "completed")
    services.roster.set_status(cancelled, "cancelled")
    officer = services.people.add(PersonInput(name="PC Other", role="officer", station="Witham")).id
    _patrol_for(services, [officer, raj], day="2026-12-10")
    _patrol_for(services, [officer, raj], day="2026-12-11", status="cancelled")
    summary = services.hours.summary("2026-12", "2026-12")
    rows = {r.name: (r.hours, r.planned, bool(r.over)) for r in summary.by_person.itertuples()}
    assert rows == {"Dev": (4.0, 5.0, False), "Keen": (4.0, 5.0, True), "Raj": (0.0, 4.0, False)}



def test_someone_on_a_duty_cannot_be_deleted_only_marked_left(services: Services) -> None:
    person = _special(services, "Leaver")
    services.roster.assign(_duty(services), person)
    with pytest.raises(ValidationError):
        services.people.remove(person)
    assert services.people.mark_left(person, MONDAY).active is False
    assert "inactive" in [b.rule for b in services.roster.check(_duty(services, day=9), person)]


# --- patrols in calendars, the furthest-sent rule ----------------------------------------------------------------


def test_the_hours_pdf_and_csv_judge_the_months_as_the_window_does(store: Store, tmp_path) -> None:
    """The walk's hours PDF (in December, to January) said "Below commitment 84 of 136 person-months" and marked
    December and January "-16 below" while the window did not, and left out the planned hours the window showed.
    One rule (month_status) now decides for the summary, the PDF and the CSV: a month not yet over is "so far"."""
    import csv
    import io

    from pypdf import PdfReader

    now = [datetime(2026, 9, 20, 12, 0, tzinfo=UTC)]
    services = Services.build(store, clock=lambda: now[0])
    sam = _special(services, "Sam Short")
    now[0] = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # December is running, January to come
    october = services.roster.add_duty(DutyInput(title="Evening patrol", kind="joint_patrol",
                                                 start="2026-10-07 18:00", end="2026-10-07 22:00")).id
    later = _duty(services, day=20)  # 18:00-22:00, still planned
    for duty in (october, later):
        services.roster.assign(duty, sam, override_reason="recorded afterwards")
    services.roster.set_status(october, "completed")
    summary = services.hours.summary("2026-10", "2027-01")
    statuses = dict(zip(summary.by_person["month"], summary.by_person["status"], strict=True))
    assert statuses == {"2026-10": "below", "2026-11": "below", "2026-12": "so_far", "2027-01": "to_come"}

    pdf = services.hours.export(summary, tmp_path / "hours.pdf")
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages).split())
    assert "Below commitment 2 of 2 finished person-months" in text
    assert "Dec 2026 0 4 16 so far" in text and "Jan 2027 0 16 to come" in text  # no "-16 below"
    assert "Oct 2026 4 16 -12 below" in text and "Nov 2026 0 16 -16 below" in text
    assert len(re.findall(r"\d below", text)) == 2
    assert "Generated 10 Dec 2026" in text  # the service's clock, not the machine's

    exported = services.hours.export(summary, tmp_path / "hours.csv")
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert [(r["month"], r["status"], r["planned"]) for r in rows] == [
        ("2026-10", "below", "0.0"), ("2026-11", "below", "0.0"), ("2026-12", "so far", "4.0"),
        ("2027-01", "to come", "0.0")]


def _patrol_for(services: Services, crew: list[str], day: str = "2026-12-07", status: str = "planned") -> str:
    from ruralwatch.core.patrol import PatrolInput

    record, _ = services.patrols.create(PatrolInput(
        day=day, start="19:00", end="23:00", area="Maldon", purpose="hare_coursing_operation", crew=crew,
        call_sign="RURAL21", vehicle="Ford Ranger", notes="Bring the thermal camera", start_lat=51.7316,
        start_lon=0.6767,
    ), override_reason="test")
    if status == "cancelled":
        services.patrols.cancel(record.id)
    return record.id


def test_the_calendar_export_is_written_whole_and_audited(services: Services, tmp_path) -> None:
    """An .ics carries volunteers' names, so writing one is an export like any other: in the audit log."""
    person = _special(services, "Cal Endar")
    services.roster.assign(_duty(services), person)
    before = services.audit.count()
    target = tmp_path / "duties.ics"
    events = services.roster.export_calendar(target, MONDAY, MONDAY, person_id=person, name="Cal's duties")
    assert events == 1
    assert len(icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 1
    entries = services.audit.entries(action="export")
    assert services.audit.count() == before + 1
    assert entries[0].table == "duties_calendar"
    assert entries[0].changes == {"file": str(target), "from": "2026-12-07", "to": "2026-12-07", "person": person,
                                  "station": None, "events": 1}
    assert not list(tmp_path.glob("*.part*")), "no partial file is left behind"


def test_a_persons_calendar_holds_the_patrols_they_are_crew_on(services: Services) -> None:
    person = _special(services, "Cal Endar")
    other = services.people.add(PersonInput(name="PC Other", role="officer", station="Witham")).id
    duty = _duty(services, start="12:00", end="14:00")
    services.roster.assign(duty, person, "test")
    patrol = _patrol_for(services, [other, person])
    _patrol_for(services, [other], day="2026-12-08")  # not theirs
    _patrol_for(services, [other, person], day="2026-12-09", status="cancelled")  # cancelled: left out
    data = services.roster.calendar(MONDAY, date(2026, 12, 13), person_id=person)
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    assert set(events) == {f"{duty}@ruralwatch", f"patrol-{patrol}@ruralwatch"}
    event = events[f"patrol-{patrol}@ruralwatch"]
    assert str(event["SUMMARY"]) == "Patrol RURAL21: Hare coursing operation, Maldon"
    assert event["DTSTART"].dt.isoformat() == "2026-12-07T19:00:00+00:00"
    assert event["DTEND"].dt.isoformat() == "2026-12-07T23:00:00+00:00"
    assert str(event["LOCATION"]).startswith("base TL ") and str(event["LOCATION"]).endswith("; Maldon")
    description = str(event["DESCRIPTION"])
    assert "Status: Planned" in description and "Meet at: base TL" in description
    assert "Crew: Cal Endar, PC Other" in description and "Bring the thermal camera" in description
    # Same UID on the next export, after the patrol is briefed: the phone updates the event.
    services.store.db.execute("UPDATE patrols SET status = 'briefed' WHERE id = ?", [patrol])
    again = services.roster.calendar(MONDAY, date(2026, 12, 13), person_id=person)
    updated = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(again).walk("VEVENT")}
    assert "Status: Briefed" in str(updated[f"patrol-{patrol}@ruralwatch"]["DESCRIPTION"])


def test_a_stations_calendar_holds_patrols_its_people_crew(services: Services) -> None:
    maldon = _special(services, "Max Maldon")
    witham = services.people.add(PersonInput(name="PC Witham", role="officer", station="Witham")).id
    ours = _patrol_for(services, [witham, maldon])
    theirs = _patrol_for(services, [witham], day="2026-12-08")
    events = icalendar.Calendar.from_ical(services.roster.calendar(MONDAY, date(2026, 12, 13), station="maldon"))
    uids = {str(e["UID"]) for e in events.walk("VEVENT")}
    assert uids == {f"patrol-{ours}@ruralwatch"}
    everyone = icalendar.Calendar.from_ical(services.roster.calendar(MONDAY, date(2026, 12, 13)))
    assert {str(e["UID"]) for e in everyone.walk("VEVENT")} == {f"patrol-{ours}@ruralwatch",
                                                                 f"patrol-{theirs}@ruralwatch"}


def test_a_patrol_with_its_own_duty_in_the_file_appears_once(services: Services) -> None:
    person = _special(services, "Cal Endar")
    lead = services.people.add(PersonInput(name="PC Lead", role="officer")).id
    patrol = _patrol_for(services, [lead, person])
    duty = _duty(services, start="19:00", end="23:00")
    services.store.db.execute("UPDATE duties SET patrol_id = ? WHERE id = ?", [patrol, duty])
    services.roster.assign(duty, person, "test")
    events = icalendar.Calendar.from_ical(services.roster.calendar(MONDAY, MONDAY, person_id=person))
    assert [str(e["UID"]) for e in events.walk("VEVENT")] == [f"{duty}@ruralwatch"]


def test_the_duties_calendar_gets_the_patrols_not_on_the_roster_running_ones_too(services: Services) -> None:
    person = _special(services, "Cal Endar")
    lead = services.people.add(PersonInput(name="PC Lead", role="officer")).id
    running = _patrol_for(services, [lead, person])
    services.store.db.execute("UPDATE patrols SET status = 'in_progress' WHERE id = ?", [running])
    other = _patrol_for(services, [lead], day="2026-12-08")
    _patrol_for(services, [lead, person], day="2026-12-09", status="cancelled")
    linked = _patrol_for(services, [lead, person], day="2026-12-10")
    duty = _duty(services, day=10, start="19:00", end="23:00")
    services.store.db.execute("UPDATE duties SET patrol_id = ? WHERE id = ?", [linked, duty])
    shown = services.roster.patrols(MONDAY, date(2026, 12, 13))
    assert [(p.id, p.status) for p in shown] == [(running, "in_progress"), (other, "planned")]
    assert shown[0].title == "Patrol RURAL21: Hare coursing operation, Maldon"
    assert set(shown[0].crew) == {"PC Lead", "Cal Endar"}
    # One person's: their patrols; the linked one too, as its duty is not theirs (they are not assigned to it).
    assert [p.id for p in services.roster.patrols(MONDAY, date(2026, 12, 13), person_id=person)] == [running,
                                                                                                     linked]
    services.roster.assign(duty, person, "test")
    assert [p.id for p in services.roster.patrols(MONDAY, date(2026, 12, 13), person_id=person)] == [running]


def test_rules_keep_old_settings_and_store_the_furthest_sent(services: Services) -> None:
    store = services.store
    assert services.roster.rules().max_reach == "anywhere"  # nothing stored yet
    store.set_meta("roster.min_rest_hours", "10.0")  # as an older version left it
    assert services.roster.rules() == RosterRules(min_rest_hours=10.0, max_weekly_hours=24.0)
    services.roster.set_rules(10.0, 20.0)  # the old two-argument call keeps the reach
    assert services.roster.rules().max_reach == "anywhere"
    assert services.roster.set_rules(10.0, 20.0, "area") == RosterRules(10.0, 20.0, "area")
    assert store.meta("roster.max_reach") == "area"
    assert services.roster.set_rules(11, 24).max_reach == "area"
    with pytest.raises(ValidationError, match="max_reach"):
        services.roster.set_rules(11, 24, "county")
    store.set_meta("roster.max_reach", "nonsense")  # a value this version does not know reads as the default
    assert services.roster.rules().max_reach == "anywhere"
    changes = store.db.execute("SELECT changes FROM audit_log WHERE action = 'settings' ORDER BY seq").fetchall()
    assert '"roster.max_reach":["anywhere","area"]' in changes[1][0]


def test_assigning_beyond_the_furthest_sent_is_a_broken_rule(services: Services) -> None:
    person = services.people.add(PersonInput(name="Dev Hughes", role="special", station="Great Dunmow",
                                             area="Uttlesford")).id
    services.people.set_weekly(person, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    duty = _duty(services)  # at Maldon
    services.roster.set_rules(11, 24, "area")
    with pytest.raises(RuleBreachError, match="sent no further than their own area"):
        services.roster.assign(duty, person)
    assert [b.rule for b in services.roster.check(duty, person)] == ["distance"]
    outcome = services.roster.autofill(MONDAY, MONDAY, apply=False)
    assert outcome.assignments == [] and "1 too far from home" in outcome.gaps[0][2]
    services.roster.set_rules(11, 24, "anywhere")
    assert services.roster.autofill(MONDAY, MONDAY, apply=False).assignments[0][1] == person


def test_autofill_prefers_the_duties_own_station(services: Services) -> None:
    far = services.people.add(PersonInput(name="Far Away", role="special", station="Great Dunmow",
                                          area="Uttlesford")).id
    services.people.set_weekly(far, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    local = _special(services, "Local Lad")  # Maldon, like the duty
    # The local person already has an early duty that day, so fairness alone would pick the other.
    early = _duty(services, start="03:00", end="05:00")
    services.roster.assign(early, local, "test")
    target = _duty(services)  # at Maldon on Monday evening: both are free
    outcome = services.roster.autofill(MONDAY, MONDAY, apply=False)
    assert [(d.id, pid) for d, pid, _ in outcome.assignments] == [(target, local)]


def test_assign_candidates_put_those_most_owed_this_month_first_whatever_their_station(services: Services) -> None:
    """The free were listed by station: the Maldon Special with 9 of her 16 h already rostered came before two from
    Great Dunmow who had nothing in December. Now hours owed in the duty's month, then fewest duties, then name."""
    def person(name: str, station: str = "Maldon", commitment: float | None = None) -> str:
        added = services.people.add(PersonInput(name=name, role="special", station=station,
                                                monthly_commitment_hours=commitment))
        services.people.set_weekly(added.id, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
        return added.id

    ada, _bo, cy = person("Ada Local"), person("Bo Far", "Great Dunmow"), person("Cy Far", "Great Dunmow", 12)
    di, _ed, al = person("Di Local", commitment=10), person("Ed None", commitment=0), person("Al Away")
    services.people.add_exceptions(al, "2026-12-07", "2026-12-07", "away")
    for day, start, end, who in ((1, "18:00", "23:00", ada), (2, "18:00", "22:00", ada), (3, "19:00", "22:00", di)):
        services.roster.assign(_duty(services, day=day, start=start, end=end), who)
    november = services.roster.add_duty(DutyInput(title="Last month", kind="joint_patrol", start="2026-11-30 18:00",
                                                  end="2026-11-30 23:00", station="Maldon")).id
    services.roster.assign(november, cy)  # another month: not counted against December
    found = services.roster.candidates(_duty(services))
    assert [(c.name, c.free, c.standing.owed, c.standing.duties) for c in found] == [
        ("Bo Far", True, 16.0, 0), ("Cy Far", True, 12.0, 0), ("Di Local", True, 7.0, 1),
        ("Ada Local", True, 7.0, 2), ("Ed None", True, 0.0, 0), ("Al Away", False, 16.0, 0)]
    assert [c.standing.text() for c in found[:5]] == [
        "owes 16 of 16 h in Dec", "owes 12 of 12 h in Dec", "owes 7 of 10 h in Dec", "owes 7 of 16 h in Dec",
        "no commitment"]
    services.roster.assign(_duty(services, day=4, start="18:00", end="23:00"), di)  # 8 of 10 h now
    services.roster.assign(_duty(services, day=5, start="18:00", end="23:00"), di)  # 13 of 10 h: met
    later = services.roster.candidates(_duty(services, day=8))
    # Di met hers with 3 h beyond: after Ed, who has none and no hours; Al is back and owed all 16 h.
    assert [c.name for c in later] == ["Al Away", "Bo Far", "Cy Far", "Ada Local", "Ed None", "Di Local"]
    assert later[-1].standing.text() == "commitment met in Dec (13 of 10 h)"


INJECTION = '=HYPERLINK("http://x","y")'


def _cells(path) -> list[object]:
    """Every cell of a CSV (as text) or of every sheet of a workbook (as openpyxl reads it back)."""
    import csv

    import openpyxl

    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return [cell for row in csv.reader(handle) for cell in row]
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells), "a formula cell"
    return [cell.value for cell in cells]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duty_and_hours_exports_keep_a_formula_inert(store: Store, tmp_path, suffix: str) -> None:
    """A person or duty named like a formula comes out as text, as incident exports do."""
    services = Services.build(store, clock=lambda: datetime(2026, 11, 15, 12, 0, tzinfo=UTC))
    person = _special(services, INJECTION)
    duty = services.roster.add_duty(DutyInput(title=INJECTION, kind="joint_patrol", start="2026-10-07 18:00",
                                              end="2026-10-07 22:00", station="-1+1")).id
    services.roster.assign(duty, person, override_reason="recorded afterwards")
    services.roster.set_status(duty, "completed")
    duties = services.roster.export_duties(date(2026, 10, 1), date(2026, 10, 31), tmp_path / f"duties{suffix}")
    hours = services.hours.export(services.hours.summary("2026-10", "2026-10"), tmp_path / f"hours{suffix}")
    for path in (duties, hours):
        cells = [str(c) for c in _cells(path) if c is not None]
        assert any(INJECTION in c for c in cells), path
        if suffix == ".csv":  # a workbook keeps the text as it is, stored as text (checked in _cells)
            assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), path


def _stored_before_the_rule(services: Services, name: str, **fields: object) -> str:
    """A person written as data from before duplicates were refused: straight to the table, no check."""
    from ruralwatch.core.people import validate_person
    from ruralwatch.services.people import _encode

    values = validate_person(PersonInput(name=name, role="special", **fields))  # type: ignore[arg-type]
    with services.store.transaction():
        return services.people.people.insert(_encode(values))


def test_one_of_two_people_stored_alike_before_the_rule_can_still_be_edited(services: Services) -> None:
    """Two 'Dev Hughes' with no collar number, from before duplicates were refused: changing one's phone or
    skills was refused ('there is already a person called Dev Hughes') until one had a collar number."""
    first = _stored_before_the_rule(services, "Dev Hughes")
    second = _stored_before_the_rule(services, "Dev Hughes", station="Maldon")
    services.people.update(first, PersonInput(name="Dev Hughes", role="special", phone="07700 900123",
                                              skills=["first_aid"]))
    assert services.people.get(first).phone == "07700 900123"
    assert services.people.get(first).skills == ("first_aid",)
    # Giving one a collar number, as the message asks, tells them apart.
    services.people.update(second, PersonInput(name="Dev Hughes", role="special", collar_number="SC4125",
                                               station="Maldon"))
    assert services.people.find("SC4125").id == second


def test_an_edit_that_makes_a_new_clash_is_still_refused(services: Services) -> None:
    first = _stored_before_the_rule(services, "Dev Hughes")
    _stored_before_the_rule(services, "Dev Hughes")
    other = services.people.add(PersonInput(name="Ann Lee", role="special", collar_number="SC7"))
    # Ann Lee renamed to a third 'Dev Hughes' with no collar number: a new clash.
    with pytest.raises(ValidationError, match="already a person called Dev Hughes"):
        services.people.update(other.id, PersonInput(name="Dev Hughes", role="special"))
    # One of the pair taking Ann Lee's collar number: a new clash too.
    with pytest.raises(ValidationError, match="SC7 is already the collar number of Ann Lee"):
        services.people.update(first, PersonInput(name="Dev Hughes", role="special", collar_number="sc7"))
    assert services.people.get(other.id).name == "Ann Lee" and services.people.get(first).collar_number == ""
    # Someone with a collar number losing it while another of the name has none: new, refused.
    services.people.add(PersonInput(name="Kim Fox", role="special"))
    named = services.people.add(PersonInput(name="Kim Fox", role="special", collar_number="SC9"))
    with pytest.raises(ValidationError, match="already a person called Kim Fox"):
        services.people.update(named.id, PersonInput(name="Kim Fox", role="special"))


def test_naming_one_of_a_pair_says_how_to_tell_them_apart(services: Services) -> None:
    first = _stored_before_the_rule(services, "Dev Hughes")
    second = _stored_before_the_rule(services, "Dev Hughes", station="Maldon")
    with pytest.raises(ValidationError) as caught:
        services.people.find("dev hughes")
    message = caught.value.errors[0].message
    assert "2 people are called Dev Hughes and have no collar number" in message
    assert first in message and second in message and "Maldon" in message
    assert "give each a collar number" in message
    assert services.people.find(second).id == second


def test_a_weekly_slot_repeated_or_overlapping_another_is_refused_and_nothing_replaced(services: Services) -> None:
    # A walk: Add slot gave Monday 18:00-23:00 three times and all three were saved.
    person = _special(services, "Sam Reed", evenings=False)
    services.people.set_weekly(person, [WeeklySlotInput(5, "06:00", "14:00")])
    with pytest.raises(ValidationError) as caught:
        services.people.set_weekly(person, [
            WeeklySlotInput(0, "18:00", "23:00"), WeeklySlotInput(0, "18:00", "23:00"),
            WeeklySlotInput(0, "22:00", "23:30"), WeeklySlotInput(6, "22:00", "02:00"),
            WeeklySlotInput(0, "01:00", "03:00"),
        ])
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("slot 2", "the same as slot 1 (Monday 18:00–23:00): remove one"),
        ("slot 3", "overlaps slot 1 (Monday 18:00–23:00): make them one slot or change the hours"),
        # Sunday night runs into Monday morning.
        ("slot 5", "overlaps slot 4 (Sunday 22:00–02:00): make them one slot or change the hours"),
    ]
    assert [(s.weekday, f"{s.start:%H:%M}") for s in services.people.weekly_pattern(person)] == [(5, "06:00")]
    # Slots that only touch, and one running to midnight, are kept.
    services.people.set_weekly(person, [WeeklySlotInput(0, "18:00", "20:00"), WeeklySlotInput(0, "20:00", "24:00"),
                                        WeeklySlotInput(1, "00:00", "06:00")])
    assert len(services.people.weekly_pattern(person)) == 3


# --- a person's area is one of the force's districts -----------------------------------------------------------


def test_a_persons_area_is_a_district_a_unique_beginning_will_do(services: Services) -> None:
    """"Uttles" was stored as typed, and auto-fill no longer counted the person local to Uttlesford duties."""
    people = services.people
    assert people.add(PersonInput(name="Dev Hughes", role="special", area="uttles")).area == "Uttlesford"
    assert people.add(PersonInput(name="No Area", role="special", area="  ")).area == ""
    for typed, words in (("Uttlsford", "Essex has no district called 'Uttlsford'. Did you mean: Uttlesford"),
                         ("B", "3 districts begin with 'B': Basildon; Braintree; Brentwood. Type more"),
                         ("Atlantis", "Essex has no district called 'Atlantis'; its districts: Southend-on-Sea;"),
                         ("Thaxted", "Thaxted, Uttlesford is a ward: give its district (Uttlesford)")):
        with pytest.raises(ValidationError) as caught:
            people.add(PersonInput(name="Ann Lee", role="special", area=typed))
        assert [e.field for e in caught.value.errors] == ["area"] and words in str(caught.value), typed
    with pytest.raises(ValidationError) as caught:  # named with every other bad field
        people.add(PersonInput(name="", role="special", area="Atlantis"))
    assert {e.field for e in caught.value.errors} == {"name", "area"}
    assert [p.name for p in people.list()] == ["Dev Hughes", "No Area"]


def test_an_area_stored_before_the_check_stays_editable_and_counts_as_its_district(services: Services) -> None:
    people = services.people
    old = people.add(PersonInput(name="Old Record", role="special")).id
    beat = people.add(PersonInput(name="Beat Record", role="special")).id
    with services.store.transaction():  # as typed before areas were checked
        people.people.update(old, {"area": "Uttles"})
        people.people.update(beat, {"area": "Dunmow beat"})
    kept = people.update(beat, replace(PersonInput(name="Beat Record", role="special", area="Dunmow beat"),
                                       collar_number="SC9"))
    assert (kept.area, kept.collar_number) == ("Dunmow beat", "SC9")  # still editable, shown as it was
    with pytest.raises(ValidationError, match="no district called 'Dunmow beats'"):
        people.update(beat, PersonInput(name="Beat Record", role="special", area="Dunmow beats"))
    assert {v.id: v.area for v in people.volunteers()} == {old: "Uttlesford", beat: "Dunmow beat"}
    # So auto-fill sends the old record to an Uttlesford duty before someone from Maldon further below commitment.
    for pid in (old, _special(services, "Far Away")):
        people.set_weekly(pid, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    uttlesford = services.roster.add_duty(DutyInput(
        title="Evening patrol", kind="joint_patrol", start="2026-12-07 18:00", end="2026-12-07 22:00",
        station="Great Dunmow", area="Uttlesford")).id
    early = _duty(services, day=7, start="03:00", end="05:00")
    services.roster.assign(early, old, "test")
    outcome = services.roster.autofill(MONDAY, MONDAY, apply=False)
    assert [(d.id, pid) for d, pid, _ in outcome.assignments] == [(uttlesford, old)]


# --- a duty's area is one of the force's districts, by the same rule ------------------------------------------


def _area_duty(area: str, title: str = "Evening patrol") -> DutyInput:
    return DutyInput(title=title, kind="joint_patrol", start="2026-12-07 18:00", end="2026-12-07 22:00",
                     station="Great Dunmow", area=area)


def test_a_dutys_area_is_a_district_by_the_rule_a_persons_area_follows(services: Services) -> None:
    """A duty's Area was free text ("Uttles", "Dunmow beat" stored as typed), so auto-fill's "same area" never
    matched a person of Uttlesford; it takes the person's rule, with the same words."""
    roster = services.roster
    assert roster.add_duty(_area_duty("uttles")).area == "Uttlesford"
    assert roster.add_duty(_area_duty("   ")).area == ""
    for typed in ("Uttlsford", "B", "Atlantis", "Thaxted"):
        with pytest.raises(ValidationError) as for_duty:
            roster.add_duty(_area_duty(typed))
        with pytest.raises(ValidationError) as for_person:
            services.people.add(PersonInput(name="Ann Lee", role="special", area=typed))
        assert [e.field for e in for_duty.value.errors] == ["area"], typed
        assert str(for_duty.value) == str(for_person.value), typed  # one rule, one message
    with pytest.raises(ValidationError) as caught:  # named with every other bad field at once
        roster.add_duty(replace(_area_duty("Atlantis"), title=" ", min_crew=3, max_crew=1))
    assert {e.field for e in caught.value.errors} == {"title", "max_crew", "area"}
    assert [d.area for d in roster.duties(MONDAY, MONDAY)] == ["Uttlesford", ""]


def test_a_duty_area_stored_before_the_check_still_opens_and_saves_and_counts_as_its_district(
        services: Services) -> None:
    roster = services.roster
    beat = roster.add_duty(_area_duty("", title="Beat patrol")).id
    old = roster.add_duty(_area_duty("", title="Old patrol")).id
    with services.store.transaction():  # as typed before areas were checked
        roster.duties_table.update(beat, {"area": "Dunmow beat"})
        roster.duties_table.update(old, {"area": "Uttles"})
    kept = roster.update_duty(beat, replace(_area_duty(" Dunmow  beat "), title="Beat patrol", min_crew=2))
    assert (kept.area, kept.min_crew) == ("Dunmow beat", 2)  # unchanged: kept as stored
    with pytest.raises(ValidationError, match="no district called 'Dunmow beats'"):
        roster.update_duty(beat, _area_duty("Dunmow beats"))
    assert roster.duty(beat).title == "Beat patrol"  # the refused edit changed nothing
    assert roster.update_duty(beat, _area_duty("maldon")).area == "Maldon"
    # "Uttles" as stored is Uttlesford to auto-fill: its local person is sent before one from Maldon further
    # below their commitment (as for a person's area stored before the check).
    roster.delete_duty(beat)
    local = services.people.add(PersonInput(name="Local Person", role="special", area="Uttlesford")).id
    far = _special(services, "Far Away")
    services.people.set_weekly(local, [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)])
    services.roster.assign(_duty(services, day=7, start="03:00", end="05:00"), local, "test")
    outcome = roster.autofill(MONDAY, MONDAY, apply=False)
    assert [(d.id, pid) for d, pid, _ in outcome.assignments if d.id == old] == [(old, local)], far


# --- a day away marked when already rostered ------------------------------------------------------------------


def test_a_day_away_on_a_rostered_duty_puts_the_duty_at_risk_and_is_found_for_the_warning(services: Services) -> None:
    """The walk: a Special marked a day away when already on a duty that day; nobody was told, and the coordinator's
    calendar and `duty list` still showed the duty as crewed."""
    dev = _special(services, "Dev Hughes")
    sam = _special(services, "Sam Reed")
    duty = _duty(services, day=12)
    other = _duty(services, day=13)
    services.roster.assign(duty, dev)
    services.roster.assign(other, dev)
    assert not services.roster.duty(duty).at_risk
    services.people.add_exception(dev, "2026-12-12", "extra")  # an extra day is no risk
    assert services.roster.rostered_while_away(dev, date(2026, 12, 12), date(2026, 12, 12)) == []
    services.people.add_exception(dev, "2026-12-12", "away", note="Wedding")
    warned = services.roster.rostered_while_away(dev, date(2026, 12, 12), date(2026, 12, 12))
    assert [d.id for d in warned] == [duty]
    record = services.roster.duty(duty)
    assert record.at_risk and record.away == ("Dev Hughes is away on Sat 12 Dec",)
    assert record.open_places == 0  # still on it, so auto-fill leaves it: the coordinator decides
    assert not services.roster.duty(other).at_risk
    listed = {d.id: d.at_risk for d in services.roster.duties(date(2026, 12, 7), date(2026, 12, 13))}
    assert listed == {duty: True, other: False}
    from ruralwatch.services.roster import away_warning

    text = away_warning("Dev Hughes", warned)
    assert "Dev Hughes is rostered on Evening patrol (Sat 12 Dec 18:00–22:00, Maldon)" in text
    # Away only in the morning: the evening duty is not at risk; someone else's day away is not Dev's.
    services.people.add_exception(sam, "2026-12-13", "away", "08:00", "12:00")
    services.roster.assign(other, sam, override_reason="short")
    assert not services.roster.duty(other).at_risk
    # Taking Dev off the duty ends the risk.
    services.roster.unassign(duty, dev)
    assert not services.roster.duty(duty).at_risk


def test_an_assignment_made_knowing_the_person_is_away_is_not_flagged_again(services: Services) -> None:
    dev = _special(services, "Dev Hughes")
    duty = _duty(services, day=12)
    services.people.add_exception(dev, "2026-12-12", "away", "17:00", "19:00")
    services.roster.assign(duty, dev, override_reason="Comes straight from work, agreed")
    assert not services.roster.duty(duty).at_risk
    # A duty running past midnight into a day away is at risk.
    late = services.roster.add_duty(DutyInput(
        title="Night patrol", kind="joint_patrol", start="2026-12-14 22:00", end="2026-12-15 02:00",
        station="Maldon")).id
    services.people.set_weekly(dev, [WeeklySlotInput(d, "17:00", "03:00") for d in range(7)])
    services.roster.assign(late, dev)
    services.people.add_exception(dev, "2026-12-15", "away")
    assert services.roster.duty(late).away == ("Dev Hughes is away on Tue 15 Dec",)
    assert [d.id for d in services.roster.rostered_while_away(dev, date(2026, 12, 15), date(2026, 12, 15))] == [late]


# --- weekly repeat ------------------------------------------------------------------------------------------------


def _saturday_patrol(start: str = "2026-10-17 18:00", end: str = "2026-10-17 23:00") -> DutyInput:
    return DutyInput(title="Saturday patrol", kind="joint_patrol", start=start, end=end, station="Maldon")


def test_a_duty_repeated_weekly_keeps_its_uk_times_across_the_clock_change(services: Services) -> None:
    """A month of Saturday patrols took sixteen dialogs; now one, every week until the date given (inclusive)."""
    added = services.roster.add_duties(_saturday_patrol(), repeat_weekly_until=date(2026, 11, 7))
    local = [(d.start.astimezone(LONDON).strftime("%a %d %b %H:%M"), d.end.astimezone(LONDON).strftime("%H:%M"))
             for d in added]
    assert local == [("Sat 17 Oct 18:00", "23:00"), ("Sat 24 Oct 18:00", "23:00"), ("Sat 31 Oct 18:00", "23:00"),
                     ("Sat 07 Nov 18:00", "23:00")]
    # 18:00 BST is 17:00 UTC, 18:00 GMT 18:00 UTC: the same wall clock, not the same instant plus 7 x 24 h.
    assert [d.start.astimezone(UTC).hour for d in added] == [17, 17, 18, 18]
    assert {d.title for d in services.roster.duties(date(2026, 10, 1), date(2026, 11, 30))} == {"Saturday patrol"}
    assert len(services.roster.duties(date(2026, 10, 1), date(2026, 11, 30))) == 4
    # A night duty over the night the clocks go back lasts an hour longer, 22:00 to 06:00 as on the rota.
    nights = services.roster.add_duties(_saturday_patrol("2026-10-17 22:00", "2026-10-18 06:00"),
                                        repeat_weekly_until=date(2026, 10, 31))
    assert [d.hours for d in nights] == [8, 9, 8]
    assert {(d.start.astimezone(LONDON).hour, d.end.astimezone(LONDON).hour) for d in nights} == {(22, 6)}
    # Until the duty's own date: the one duty.
    assert len(services.roster.add_duties(_saturday_patrol(), repeat_weekly_until=date(2026, 10, 17))) == 1


def test_a_bad_repeat_is_refused_and_a_failed_series_stores_nothing(services: Services, monkeypatch) -> None:
    with pytest.raises(ValidationError, match="before the duty's date") as caught:
        services.roster.add_duties(_saturday_patrol(), repeat_weekly_until=date(2026, 10, 16))
    assert caught.value.errors[0].field == "repeat_weekly_until"
    with pytest.raises(ValidationError, match="more than 53"):
        services.roster.add_duties(_saturday_patrol(), repeat_weekly_until=date(2027, 12, 31))
    table = services.roster.duties_table
    real_insert, calls = table.insert, []

    def failing(values: dict) -> str:
        calls.append(values)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_insert(values)

    monkeypatch.setattr(table, "insert", failing)
    with pytest.raises(RuntimeError):
        services.roster.add_duties(_saturday_patrol(), repeat_weekly_until=date(2026, 11, 7))
    assert services.roster.duties(date(2026, 10, 1), date(2026, 11, 30)) == []
