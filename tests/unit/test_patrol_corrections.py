"""A logged patrol event put right (services/patrols/corrections.py): its stop, time and note corrected, or the event
withdrawn as logged by mistake, never deleted; who may; the audit saying who, what and why; and the correction
travelling to another laptop like any edit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.patrol_plan import PlanStop
from ruralwatch.core.people import PersonInput
from ruralwatch.core.permissions import SYSTEM, Actor, PermissionDeniedError
from ruralwatch.io.picture import gather
from ruralwatch.patrols.plan import Candidate
from ruralwatch.services.container import Services
from ruralwatch.services.exporting import _LaptopRows
from ruralwatch.services.patrols import EventCorrection, PatrolTimesCorrection
from ruralwatch.store import Store, open_store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
STOPS = [Candidate(f"incident:{n}", 51.90 + n / 100, 0.30, 2.0, f"Farm {n}", "thefts") for n in (1, 2, 3)]


@pytest.fixture
def services(store: Store) -> Services:
    built = Services.build(store, clock=lambda: NOW)
    return built


def _people(services: Services) -> tuple[str, str, str]:
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    special = services.people.add(PersonInput(name="SC Special", role="special")).id
    other = services.people.add(PersonInput(name="SC Other", role="special")).id
    return officer, special, other


def _running(services: Services, crew: list[str]) -> tuple[str, list[PlanStop]]:
    """A patrol 06:00-10:00 with three planned stops, started at 06:00."""
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-20", start="06:00", end="10:00", area="Uttlesford", purpose="general_rural_patrol", crew=crew))
    services.patrols.edit_plan(record.id, STOPS)
    services.patrols.start(record.id, at=START)
    return record.id, list(services.patrols.get(record.id).stops)


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def _audit(store: Store, event_id: str) -> list[tuple[str, str, dict[str, list[object]]]]:
    return [(action, actor, json.loads(changes)) for action, actor, changes in store.db.execute(
        "SELECT action, actor, changes FROM audit_log WHERE target_table = 'patrol_events' AND record_id = ?"
        " ORDER BY seq", [event_id])]


def test_an_arrival_credited_to_the_wrong_stop_is_moved_and_the_dose_follows(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, stops = _running(services, [officer])
    patrols = services.patrols
    wrong = patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(10), stop_key="1"))
    patrols.log(patrol_id, PatrolEventInput(kind="left_stop", at=_at(25), stop_key="1"))
    before = {s.key: (s.visited, s.actual_minutes) for s in patrols.dose(patrol_id).stops}
    assert before[stops[0].key] == (True, 15.0) and not before[stops[1].key][0]

    # The crew were at stop 2 all along (arrival and leaving both logged against stop 1).
    left = patrols.log_of(patrol_id)[-1]
    fixed = patrols.correct_event(wrong.id, EventCorrection(stop="2", note="Farm 2, not Farm 1"))
    patrols.correct_event(left.id, EventCorrection(stop=stops[1].key))
    assert (fixed.stop_key, fixed.detail) == (stops[1].key, "Farm 2, not Farm 1")
    assert (fixed.lat, fixed.lon) == (stops[1].lat, stops[1].lon)  # placed at the stop: moves with it
    assert (fixed.corrected_by, fixed.corrected_at) == ("system", "2026-11-20T12:00:00Z")
    after = {s.key: (s.visited, s.actual_minutes) for s in patrols.dose(patrol_id).stops}
    assert after[stops[0].key] == (False, 0.0) and after[stops[1].key] == (True, 15.0)

    # "No planned stop": the event no longer says the crew was at any stop, nor where the wrong stop is.
    unplaced = patrols.correct_event(wrong.id, EventCorrection(stop=""))
    assert (unplaced.stop_key, unplaced.lat, unplaced.lon) == (None, None, None)
    (update, *_) = [c for action, _, c in _audit(services.store, wrong.id) if action == "update"]
    assert update["stop_key"] == [stops[0].key, stops[1].key] and update["detail"] == ["", "Farm 2, not Farm 1"]


def test_a_withdrawn_event_stays_in_the_log_with_its_reason_and_counts_nowhere(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, stops = _running(services, [officer])
    patrols = services.patrols
    mistake = patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(10), stop_key="3"))
    check = patrols.log(patrol_id, PatrolEventInput(kind="stop_check", at=_at(12), stop_key="3", vrm="AB12 CDE"))
    assert patrols.dose(patrol_id).stops[2].visited

    withdrawn = patrols.withdraw_event(mistake.id, "  pressed Arrived by mistake  ")
    patrols.withdraw_event(check.id, "logged on the wrong patrol")
    assert withdrawn.withdrawn and withdrawn.withdrawn_reason == "pressed Arrived by mistake"
    assert [e.kind for e in patrols.log_of(patrol_id)] == ["patrol_started"]
    shown = patrols.log_of(patrol_id, withdrawn=True)
    assert [(e.kind, e.withdrawn) for e in shown] == [("patrol_started", False), ("arrived_stop", True),
                                                       ("stop_check", True)]
    dose = patrols.dose(patrol_id)
    assert not dose.stops[2].visited and "Vehicle stop-check" not in dose.events_by_kind
    # The end may come before a withdrawn event's time; the row is kept (tombstoned nowhere).
    patrols.end(patrol_id, at=_at(11))
    assert services.store.db.execute("SELECT deleted FROM patrol_events WHERE id = ?",
                                     [mistake.id]).fetchone()[0] == 0
    summary = patrols.after_action(patrol_id)
    assert dict(summary.events).get("Arrived at hotspot") is None and not summary.stops[2].logged
    picture = gather(_LaptopRows(services.store, registrations=True))
    assert [e.kind for e in picture.events[patrol_id]] == ["patrol_started", "patrol_ended"]
    (_, actor, changes) = _audit(services.store, mistake.id)[-1]
    assert actor == "system" and changes["reason"] == [None, "pressed Arrived by mistake"]
    assert changes["withdrawn_reason"] == [None, "pressed Arrived by mistake"]


def test_bad_corrections_are_refused_with_every_reason_and_change_nothing(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, _ = _running(services, [officer])
    patrols = services.patrols
    event = patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(30), detail="Gate open"))
    rows = lambda: services.store.db.execute("SELECT * FROM patrol_events WHERE id = ?",  # noqa: E731
                                             [event.id]).fetchall()
    before = rows()
    with pytest.raises(ValidationError) as caught:
        patrols.correct_event(event.id, EventCorrection(stop="9", at="2026-11-20 05:00"))
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("stop", "the plan has no stop 9 (it has 1 to 3)"),
        ("at", "2026-11-20 05:00 is before the patrol started (2026-11-20 06:00)")}
    with pytest.raises(ValidationError, match="is in the future"):
        patrols.correct_event(event.id, EventCorrection(at="2026-11-20 13:30"))
    with pytest.raises(ValidationError, match="that changes nothing"):
        patrols.correct_event(event.id, EventCorrection(note=" Gate open "))
    with pytest.raises(ValidationError, match="say why the event is withdrawn"):
        patrols.withdraw_event(event.id, "   ")
    started = patrols.log_of(patrol_id)[0]
    with pytest.raises(ValidationError, match="patrol's own started time"):
        patrols.withdraw_event(started.id, "wrong time")
    patrols.end(patrol_id, at=_at(60))
    with pytest.raises(ValidationError, match="after the patrol ended"):
        patrols.correct_event(event.id, EventCorrection(at=_at(61), reason="typed late"))
    with pytest.raises(ValidationError, match=r"the patrol ended at 2026-11-20 07:00: say why"):
        patrols.correct_event(event.id, EventCorrection(at=_at(40)))
    assert rows() == before
    moved = patrols.correct_event(event.id, EventCorrection(at=_at(40), reason="the note was typed 10 min late"))
    assert moved.at == "2026-11-20T06:40:00Z" and moved.correction_reason == "the note was typed 10 min late"
    patrols.withdraw_event(event.id, "duplicate")
    with pytest.raises(ValidationError, match=r"it was withdrawn at 2026-11-20 12:00 \(duplicate\)"):
        patrols.correct_event(event.id, EventCorrection(note="again", reason="x"))


@pytest.fixture
def crew(services: Services) -> Iterator[tuple[Services, str, str, str, str]]:
    """A patrol crewed by the officer and SC Special; SC Special logged one event, the officer another."""
    officer, special, other = _people(services)
    patrol_id, _ = _running(services, [officer, special])
    services.store.actor = Actor("sc-sam", "special", person_id=special)
    own = services.patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(5), detail="Mine")).id
    services.store.actor = Actor("pc-olive", "ret_officer", person_id=officer)
    theirs = services.patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(6), detail="Officer's")).id
    yield services, patrol_id, own, theirs, other
    services.store.actor = SYSTEM


def test_who_may_correct_the_logger_the_crew_while_it_runs_and_supervisors_after(
        crew: tuple[Services, str, str, str, str]) -> None:
    services, patrol_id, own, theirs, other = crew
    patrols, store = services.patrols, services.store
    sam = Actor("sc-sam", "special", person_id=patrols.event(own).logged_by_person)
    store.actor = Actor("sc-other", "special", person_id=other)  # a Special not on this patrol
    assert "may not correct, withdraw or restore this event" in (patrols.correction_refusal(own) or "")
    with pytest.raises(PermissionDeniedError, match="RET officers, Specials coordinators and administrators"):
        patrols.withdraw_event(own, "not mine")
    store.actor = Actor("analyst1", "analyst")
    with pytest.raises(PermissionDeniedError):
        patrols.correct_event(own, EventCorrection(note="x"))
    store.actor = sam  # on the crew while the patrol runs: the officer's event too
    assert patrols.correction_refusal(theirs) is None
    patrols.correct_event(theirs, EventCorrection(note="Officer's, gate at Farm 2"))
    store.actor = SYSTEM
    patrols.end(patrol_id, at=_at(60))
    store.actor = sam  # after the end: their own event only, with a reason
    with pytest.raises(PermissionDeniedError):
        patrols.correct_event(theirs, EventCorrection(note="again", reason="typo"))
    assert patrols.correct_event(own, EventCorrection(note="Mine, corrected", reason="typo")).detail == \
        "Mine, corrected"
    store.actor = Actor("coord", "coordinator")  # supervises the log; logs nothing itself
    patrols.withdraw_event(theirs, "the officer's note belongs to the next patrol")
    entries = [(a, c.get("reason")) for a, _, c in _audit(store, theirs)]
    assert [a for a, _ in entries] == ["create", "update", "update"]
    assert [actor for _, actor, _ in _audit(store, theirs)] == ["pc-olive", "sc-sam", "coord"]


def test_a_correction_on_one_laptop_merges_on_another(tmp_path: Path) -> None:
    """Laptop A logs and corrects; B receives the correction; a withdrawal on B and a note corrected on A at the
    same time both survive (different fields of the row merge), and B's dose follows."""
    a_store, b_store = open_store(tmp_path / "a.db"), open_store(tmp_path / "b.db")
    try:
        a, b = Services.build(a_store, clock=lambda: NOW), Services.build(b_store, clock=lambda: NOW)
        for one, two in ((a, b), (b, a)):
            identity = two.sync.identity()
            one.sync.trust(identity.device_id, identity.public_key, name="other laptop")

        def send(source: Services, target: Services, name: str) -> None:
            package = tmp_path / f"{name}.rwsync"
            source.sync.export(package, since_last_for=target.store.device_id)
            assert target.sync.import_package(package).status == "applied"

        officer, _, _ = _people(a)
        patrol_id, stops = _running(a, [officer])
        arrived = a.patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(10), stop_key="1"))
        note = a.patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(12), detail="Quiet"))
        send(a, b, "first")
        assert b.patrols.dose(patrol_id).stops[0].visited

        a.patrols.correct_event(arrived.id, EventCorrection(stop="2"))
        send(a, b, "correction")
        on_b = b.patrols.event(arrived.id)
        assert (on_b.stop_key, on_b.corrected_by) == (stops[1].key, "system")
        assert [s.visited for s in b.patrols.dose(patrol_id).stops] == [False, True, False]

        a.patrols.correct_event(note.id, EventCorrection(note="Quiet at Farm 2"))
        b.patrols.withdraw_event(note.id, "logged twice")
        send(a, b, "note")
        send(b, a, "withdrawal")
        for laptop in (a, b):
            merged = laptop.patrols.event(note.id)
            assert (merged.detail, merged.withdrawn_reason) == ("Quiet at Farm 2", "logged twice")
            assert [e.kind for e in laptop.patrols.log_of(patrol_id)] == ["patrol_started", "arrived_stop"]
            assert laptop.sync.conflicts() == []
    finally:
        a_store.close()
        b_store.close()


def test_an_event_withdrawn_by_mistake_is_restored_and_counts_again(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, _ = _running(services, [officer])
    patrols = services.patrols
    arrived = patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(10), stop_key="2"))
    with pytest.raises(ValidationError, match="it is not withdrawn: there is nothing to restore"):
        patrols.restore_event(arrived.id)
    patrols.withdraw_event(arrived.id, "wrong row")
    with pytest.raises(ValidationError, match="restore it first"):
        patrols.correct_event(arrived.id, EventCorrection(note="x"))
    assert patrols.restore_refusal(arrived.id) is None
    patrols.end(patrol_id, at=_at(60))
    before = services.store.db.execute("SELECT * FROM patrol_events WHERE id = ?", [arrived.id]).fetchall()
    with pytest.raises(ValidationError, match=r"the patrol ended at 2026-11-20 07:00: say why the event is restored"):
        patrols.restore_event(arrived.id, "  ")
    assert services.store.db.execute("SELECT * FROM patrol_events WHERE id = ?", [arrived.id]).fetchall() == before

    restored = patrols.restore_event(arrived.id, "withdrew the wrong row")
    assert not restored.withdrawn and (restored.withdrawn_reason, restored.withdrawn_by) == ("", "")
    assert (restored.corrected_by, restored.correction_reason) == ("system", "restored: withdrew the wrong row")
    assert patrols.dose(patrol_id).stops[1].visited
    assert [e.kind for e in patrols.log_of(patrol_id)] == ["patrol_started", "arrived_stop", "patrol_ended"]
    assert dict(patrols.after_action(patrol_id).events).get("Arrived at hotspot") == 1
    (_, actor, changes) = _audit(services.store, arrived.id)[-1]
    assert changes["reason"] == [None, "withdrew the wrong row"]
    assert changes["withdrawn_reason"] == ["wrong row", None]


def test_who_may_restore_is_who_may_withdraw(crew: tuple[Services, str, str, str, str]) -> None:
    services, patrol_id, own, theirs, other = crew
    patrols, store = services.patrols, services.store
    patrols.withdraw_event(own, "mine, by mistake")
    store.actor = Actor("sc-other", "special", person_id=other)
    assert "may not correct, withdraw or restore" in (patrols.restore_refusal(own) or "")
    with pytest.raises(PermissionDeniedError):
        patrols.restore_event(own, "not mine")
    store.actor = Actor("coord", "coordinator")
    assert not patrols.restore_event(own, "the Special asked").withdrawn


def _hours(services: Services, person: str) -> float:
    summary = services.hours.summary("2026-11", "2026-11")
    rows = summary.by_person[summary.by_person["person_id"] == person]
    return float(rows["hours"].sum())


def test_a_finished_patrol_s_start_and_end_are_corrected_and_the_hours_follow(services: Services) -> None:
    """End pressed back at the station: 06:00-12:00 logged, 06:00-09:00 patrolled."""
    officer, special, _ = _people(services)
    patrol_id, _ = _running(services, [officer, special])
    patrols = services.patrols
    patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(20), stop_key="1"))
    patrols.log(patrol_id, PatrolEventInput(kind="left_stop", at=_at(170), stop_key="1"))
    patrols.end(patrol_id, at=_at(360))
    assert _hours(services, special) == 6.0
    fixed = patrols.correct_times(patrol_id, PatrolTimesCorrection(
        ended="2026-11-20 09:00", reason="End pressed back at the station"))
    assert (fixed.started_at, fixed.ended_at) == ("2026-11-20T06:00:00Z", "2026-11-20T09:00:00Z")
    assert _hours(services, special) == 3.0
    ended = patrols.log_of(patrol_id)[-1]
    assert (ended.kind, ended.at, ended.correction_reason) == (
        "patrol_ended", "2026-11-20T09:00:00Z", "End pressed back at the station")
    (changes,) = services.store.db.execute(
        "SELECT changes FROM audit_log WHERE target_table = 'patrols' AND record_id = ? AND action = 'update'"
        " ORDER BY seq DESC LIMIT 1", [patrol_id]).fetchone()
    entry = json.loads(changes)
    assert entry["ended_at"] == ["2026-11-20T12:00:00Z", "2026-11-20T09:00:00Z"]
    assert entry["reason"] == [None, "End pressed back at the station"]


def test_bad_patrol_times_are_refused_naming_the_events_outside_and_change_nothing(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, _ = _running(services, [officer])
    patrols = services.patrols
    early = patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(20), stop_key="1"))
    late = patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(200), detail="Back at the yard"))
    with pytest.raises(ValidationError, match="only a finished patrol's start and end are corrected"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(100), reason="x"))
    patrols.end(patrol_id, at=_at(360))
    rows = lambda: (services.store.db.execute("SELECT * FROM patrols").fetchall(),  # noqa: E731
                    services.store.db.execute("SELECT * FROM patrol_events").fetchall())
    before = rows()
    with pytest.raises(ValidationError) as caught:
        patrols.correct_times(patrol_id, PatrolTimesCorrection(started=_at(30), ended=_at(180), reason="x"))
    assert {e.field: e.message for e in caught.value.errors} == {
        "started": f"1 logged event would fall before the start (2026-11-20 06:20 Arrived at hotspot {early.id[:8]}):"
                   " correct or withdraw it first",
        "ended": f"1 logged event would fall after the end (2026-11-20 09:20 Note {late.id[:8]}): correct or withdraw"
                 " it first"}
    with pytest.raises(ValidationError, match=r"the end \(2026-11-20 05:00\) must be after the start"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended="2026-11-20 05:00", reason="x"))
    with pytest.raises(ValidationError, match="is in the future"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended="2026-11-20 12:30", reason="x"))
    with pytest.raises(ValidationError, match="say why the patrol's times are corrected"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(240)))
    with pytest.raises(ValidationError, match="that changes nothing"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(360), reason="x"))
    store = services.store
    store.actor = Actor("analyst1", "analyst")
    with pytest.raises(PermissionDeniedError, match="may not correct this patrol's start and end"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(240), reason="x"))
    store.actor = SYSTEM
    assert rows() == before
    # A withdrawn event does not hold the times in; it then cannot be restored outside them.
    patrols.withdraw_event(late.id, "logged on the way home")
    patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(180), reason="End pressed late"))
    with pytest.raises(ValidationError, match="outside the patrol .2026-11-20 06:00–09:00.: correct the patrol's"):
        patrols.restore_event(late.id, "it was ours")


def test_patrol_times_and_a_restore_made_on_one_laptop_merge_on_another(tmp_path: Path) -> None:
    a_store, b_store = open_store(tmp_path / "a.db"), open_store(tmp_path / "b.db")
    try:
        a, b = Services.build(a_store, clock=lambda: NOW), Services.build(b_store, clock=lambda: NOW)
        for one, two in ((a, b), (b, a)):
            identity = two.sync.identity()
            one.sync.trust(identity.device_id, identity.public_key, name="other laptop")

        def send(source: Services, target: Services, name: str) -> None:
            package = tmp_path / f"{name}.rwsync"
            source.sync.export(package, since_last_for=target.store.device_id)
            assert target.sync.import_package(package).status == "applied"

        officer, special, _ = _people(a)
        patrol_id, _ = _running(a, [officer, special])
        arrived = a.patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", at=_at(10), stop_key="1"))
        a.patrols.withdraw_event(arrived.id, "wrong patrol")
        a.patrols.end(patrol_id, at=_at(360))
        send(a, b, "first")
        assert not b.patrols.dose(patrol_id).stops[0].visited and _hours(b, special) == 6.0

        b.patrols.restore_event(arrived.id, "it was this patrol after all")
        a.patrols.correct_times(patrol_id, PatrolTimesCorrection(ended="2026-11-20 09:00", reason="late End"))
        send(b, a, "restore")
        send(a, b, "times")
        for laptop in (a, b):
            record = laptop.patrols.get(patrol_id)
            assert record.ended_at == "2026-11-20T09:00:00Z" and _hours(laptop, special) == 3.0
            assert laptop.patrols.log_of(patrol_id)[-1].at == "2026-11-20T09:00:00Z"
            assert laptop.patrols.dose(patrol_id).stops[0].visited
            assert laptop.sync.conflicts() == []
    finally:
        a_store.close()
        b_store.close()


def test_a_corrected_time_on_the_wrong_day_is_refused(services: Services) -> None:
    officer, _, _ = _people(services)
    patrol_id, _ = _running(services, [officer])
    services.patrols.end(services.patrols.get(patrol_id).id, at=_at(300))
    with pytest.raises(ValidationError) as caught:
        services.patrols.correct_times(patrol_id, PatrolTimesCorrection(ended="2026-11-19 09:00", reason="typo"))
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("ended", "2026-11-19 09:00 is more than 12 hours from when the patrol was planned and logged: check the "
                  "date")]


def test_a_reason_or_note_that_would_mislead_the_log_or_a_terminal_is_refused(services: Services) -> None:
    """A correction's reason starting 'restored:' showed the event as "(restored)"; an escape sequence in a reason
    or note was stored and printed raw by `patrol show`. Refused, nothing changed; a restoration's own reason and
    line breaks in a note are fine."""
    officer, _, _ = _people(services)
    patrol_id, _ = _running(services, [officer])
    patrols = services.patrols
    event = patrols.log(patrol_id, PatrolEventInput(kind="note", at=_at(30), detail="Gate open"))
    patrols.end(patrol_id, at=_at(60))
    rows = lambda: services.store.db.execute("SELECT * FROM patrol_events WHERE id = ?",  # noqa: E731
                                             [event.id]).fetchall()
    before = rows()
    for reason in ("restored: by mistake", "Restored", "RESTORED:x"):
        with pytest.raises(ValidationError, match="cannot start 'restored'"):
            patrols.correct_event(event.id, EventCorrection(note="Gate shut", reason=reason))
    with pytest.raises(ValidationError, match=r"control characters \(U\+001B\)"):
        patrols.correct_event(event.id, EventCorrection(note="Gate shut", reason="typo\x1b[2J"))
    with pytest.raises(ValidationError, match=r"control characters \(U\+0000, U\+0007\)") as caught:
        patrols.correct_event(event.id, EventCorrection(note="Gate\x07 shut\x00", reason="typo"))
    assert [e.field for e in caught.value.errors] == ["note"]
    with pytest.raises(ValidationError, match="control characters"):
        patrols.withdraw_event(event.id, "dup\x1b")
    with pytest.raises(ValidationError, match="cannot start 'restored'"):
        patrols.correct_times(patrol_id, PatrolTimesCorrection(ended=_at(90), reason="restored: end"))
    assert rows() == before
    fixed = patrols.correct_event(event.id, EventCorrection(note="Gate shut\nlocked", reason="restoring the note"))
    assert fixed.detail == "Gate shut\nlocked" and not fixed.restored
    patrols.withdraw_event(event.id, "restored: said twice")  # a withdrawal's reason is never read as restored
    assert patrols.restore_event(event.id, "restored: my mistake").restored


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-03-29 01:30", "2026-03-29 01:30 does not exist in UK time: the clocks went forward"),
    ("2026-10-25 01:30", "2026-10-25 01:30 happens twice in UK time .* give 2026-10-25 01:30\\+01:00 for the first"),
])
def test_a_patrol_time_typed_in_the_hour_the_clocks_change_is_refused_not_moved(
        services: Services, typed: str, message: str) -> None:
    """The spring gap's 01:30 was silently read as 02:30 (the refusal then named a time nobody typed), the autumn
    hour's as its first, BST, occurrence; both are refused, and the offset picks the autumn one."""
    officer, _, _ = _people(services)
    day = typed[:10]
    record, _ = services.patrols.create(PatrolInput(
        day=(datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat(), start="22:00", end="03:00",
        area="Uttlesford", purpose="general_rural_patrol", crew=[officer]))
    services.patrols.start(record.id, at=datetime.fromisoformat(f"{day}T00:00+00:00") - timedelta(hours=1))
    services.patrols.end(record.id, at=datetime.fromisoformat(f"{day}T03:00+00:00"))
    with pytest.raises(ValidationError, match=message):
        services.patrols.correct_times(record.id, PatrolTimesCorrection(ended=typed, reason="End pressed late"))
    if day.endswith("10-25"):
        second = services.patrols.correct_times(record.id, PatrolTimesCorrection(
            ended=f"{typed}+00:00", reason="End pressed late"))
        assert second.ended_at == "2026-10-25T01:30:00Z"
