"""A patrol's recorded track: thinning, the dose measured from it, recording in small transactions, GPX in and out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.track_tools import drive, offset, seconds_within, write_gpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.patrol_track import Fix
from ruralwatch.core.people import PersonInput
from ruralwatch.io import gpx
from ruralwatch.io.gpx import GpxError
from ruralwatch.patrols.track import KEEP_EVERY_M, KEEP_EVERY_S, Thinner, thin
from ruralwatch.patrols.track_dose import Place, measure
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.patrols.track import FLUSH_EVERY_S
from ruralwatch.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
BASE = (51.88, 0.55)  # in Braintree district


# --- thinning ---------------------------------------------------------------------------------------------------

def test_a_parked_crew_keeps_a_point_every_few_seconds_and_a_moving_one_every_few_metres() -> None:
    parked = [Fix(START + timedelta(seconds=s), *BASE) for s in range(60)]
    kept = thin(parked, "gps")
    assert [int((p.at - START).total_seconds()) for p in kept] == list(range(0, 60, int(KEEP_EVERY_S)))
    fast = [Fix(START + timedelta(seconds=s), *offset(*BASE, 20.0 * s, 0)) for s in range(30)]  # 20 m/s
    kept = thin(fast, "gps")
    assert len(kept) == 15  # every other second: 40 m >= KEEP_EVERY_M, 20 m is not
    assert KEEP_EVERY_M > 20


def test_a_silence_or_a_drop_out_starts_a_new_segment_and_time_never_goes_back() -> None:
    thinner = Thinner("gps", segment=3)
    first = thinner.offer(Fix(START, *BASE))
    assert first is not None and first.segment == 3
    assert thinner.offer(Fix(START - timedelta(seconds=1), *BASE)) is None
    after_gap = thinner.offer(Fix(START + timedelta(seconds=31), *BASE))
    assert after_gap is not None and after_gap.segment == 4
    thinner.drop_out()
    resumed = thinner.offer(Fix(START + timedelta(seconds=32), *BASE))
    assert resumed is not None and resumed.segment == 5


# --- the dose from a track --------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(dwells=st.lists(st.integers(min_value=0, max_value=1800), min_size=1, max_size=6),
       speed=st.floats(min_value=5.0, max_value=25.0), radius=st.sampled_from([100.0, 200.0, 300.0]))
def test_measured_minutes_match_the_hand_computed_dwell(dwells: list[int], speed: float, radius: float) -> None:
    # Stops 2 km apart on an east-west line; the crew drives straight through each at `speed` and stops at its
    # centre for its dwell: within the radius for dwell + 2 * radius / speed seconds, exactly once.
    stops = [offset(*BASE, 2000.0 * (i + 1), 0) for i in range(len(dwells))]
    path = [BASE, *stops, offset(*BASE, 2000.0 * (len(dwells) + 1), 0)]
    fixes = drive(START, path, [0, *dwells, 0], speed)
    track = thin(fixes, "gps")
    elsewhere = offset(*BASE, 0, 3000)  # never on the path
    places = [Place(f"s{i}", lat, lon) for i, (lat, lon) in enumerate(stops)] + [Place("off", *elsewhere)]
    found = measure(track, places, radius)
    for i, dwell in enumerate(dwells):
        expected = (dwell + 2 * radius / speed) / 60
        assert found[f"s{i}"].minutes == pytest.approx(expected, abs=0.02)
        assert found[f"s{i}"].visits == 1
        first, last = found[f"s{i}"].first, found[f"s{i}"].last
        assert first is not None and last is not None
        assert (last - first).total_seconds() == pytest.approx(dwell + 2 * radius / speed, abs=1.5)
    assert found["off"].minutes == 0 and found["off"].visits == 0 and found["off"].first is None


def test_time_in_a_receiver_gap_is_not_counted_and_a_return_is_a_second_visit() -> None:
    stop = Place("s", *BASE)
    inside = [Fix(START + timedelta(seconds=s), *BASE) for s in range(0, 61, 5)]  # one minute parked
    gap_then_inside = [Fix(START + timedelta(seconds=s), *BASE) for s in range(600, 661, 5)]  # ten minutes later
    track = thin([*inside, *gap_then_inside], "gps")
    assert {p.segment for p in track} == {0, 1}
    found = measure(track, [stop])["s"]
    assert found.minutes == pytest.approx(2.0)  # the gap's nine minutes are not known, so not counted
    assert found.visits == 1  # inside before and after the drop-out: the same visit
    away = [Fix(START + timedelta(seconds=s), *offset(*BASE, 1000, 0)) for s in range(100, 161, 5)]
    track = thin([*inside, *away, *gap_then_inside], "gps")
    assert measure(track, [stop])["s"].visits == 2


# --- through the service ----------------------------------------------------------------------------------------

@pytest.fixture
def services(store: Store) -> Services:
    built = Services.build(store)
    load_demo(built.incidents, count=900, now=NOW)
    built.patrols._now = lambda: NOW
    return built


def _planned(services: Services, start: str = "06:00") -> str:
    # One officer for every patrol planned here: a collar number belongs to one person.
    known = [p.id for p in services.people.list() if p.collar_number == "PC1"]
    officer = known[0] if known else services.people.add(
        PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-20", start=start, end="10:00", area="Uttlesford", purpose="hare_coursing_operation",
        crew=[officer]))
    services.patrols.suggest_for(record.id)
    return record.id


def _plan_drive(services: Services, patrol_id: str, noise_m: float = 0.0) -> tuple[list[Fix], list[Fix]]:
    """1 Hz fixes driving the plan's stops (13 m/s, each stop's planned dwell): noisy and exact."""
    patrol = services.patrols.get(patrol_id)
    stops = [(s.lat, s.lon) for s in patrol.stops]
    path = [offset(*stops[0], -1500, 0), *stops, offset(*stops[-1], 1500, 0)]
    dwell = [0, *(s.dwell_minutes * 60 for s in patrol.stops), 0]
    return (drive(START, path, dwell, 13.0, noise_m=noise_m, seed=19), drive(START, path, dwell, 13.0))


def test_a_recorder_writes_thinned_points_every_few_seconds_and_the_dose_shows_them(services: Services) -> None:
    patrol_id = _planned(services)
    patrols = services.patrols
    with pytest.raises(ValidationError, match="in progress"):
        patrols.recorder(patrol_id)
    patrols.start(patrol_id, at=START)
    wall = [0.0]
    recorder = patrols.recorder(patrol_id, monotonic=lambda: wall[0])
    noisy, exact = _plan_drive(services, patrol_id)
    for n, fix in enumerate(noisy):
        wall[0] = n * 0.01  # a replay at 100x: a write every FLUSH_EVERY_S of wall clock, 200 fixes
        recorder.add(fix)
        if n == 250:
            assert 0 < patrols.track_count(patrol_id) <= len(thin(noisy[:251], "gps"))
    recorder.flush()
    assert patrols.track_count(patrol_id) == len(thin(noisy, "gps"))
    assert FLUSH_EVERY_S == 2.0  # 200 fixes a write at this pace: the first write came at fix 200
    dose = patrols.dose(patrol_id)
    assert dose.tracked and dose.radius_m == 200.0 and not dose.never_reached
    radius = patrols.dose_radius_m()
    for stop, planned in zip(dose.stops, services.patrols.get(patrol_id).stops, strict=True):
        truth = seconds_within(exact, planned.lat, planned.lon, radius) / 60
        assert stop.measured_minutes == pytest.approx(truth, abs=0.1)
        assert stop.visits is not None and stop.visits >= 1
        assert stop.actual_minutes == 0  # nothing logged by hand


def test_a_gpx_made_from_the_plan_with_noise_measures_within_a_minute_and_round_trips(
        services: Services, tmp_path: Path) -> None:
    patrol_id = _planned(services)
    noisy, exact = _plan_drive(services, patrol_id, noise_m=8.0)
    phone = tmp_path / "phone.gpx"
    write_gpx(phone, noisy)
    summary = services.patrols.import_track(patrol_id, phone)
    as_written = [Fix(f.at, round(f.lat, 7), round(f.lon, 7)) for f in noisy]  # write_gpx's 7 decimals
    assert summary.points == len(thin(as_written, "gpx")) and summary.segments == 1
    patrol = services.patrols.get(patrol_id)
    dose = services.patrols.dose(patrol_id)
    for stop, planned in zip(dose.stops, patrol.stops, strict=True):
        truth = seconds_within(exact, planned.lat, planned.lon, 200.0) / 60
        assert stop.measured_minutes is not None
        assert abs(stop.measured_minutes - truth) < 1.0, (stop.label, stop.measured_minutes, truth)
    out = tmp_path / "out.gpx"
    services.patrols.export_gpx(patrol_id, out)
    stored = services.patrols.track_of(patrol_id)
    back = [f for segment in gpx.read_segments(out) for f in segment]
    assert [(f.at, round(f.lat, 7), round(f.lon, 7)) for f in back] == [
        (p.at, round(p.lat, 7), round(p.lon, 7)) for p in stored]
    assert thin(back, "gpx") == stored  # already thinned: every point is kept again
    with pytest.raises(GpxError, match="already has a track"):
        services.patrols.import_track(patrol_id, phone)


@pytest.mark.parametrize("case", ["truncated", "no_times", "far_away", "other_day", "empty"])
def test_bad_gpx_is_one_clear_error_and_changes_nothing(services: Services, tmp_path: Path, case: str) -> None:
    patrol_id = _planned(services)
    fixes, _ = _plan_drive(services, patrol_id)
    fixes = fixes[:600]
    path = tmp_path / f"{case}.gpx"
    if case == "far_away":
        fixes = [Fix(f.at, f.lat + 1.0, f.lon) for f in fixes]  # 110 km north: the Wash
    if case == "other_day":
        fixes = [Fix(f.at + timedelta(days=1), f.lat, f.lon) for f in fixes]
    write_gpx(path, [] if case == "empty" else fixes, times=case != "no_times")
    if case == "truncated":
        path.write_text(path.read_text()[:2000], encoding="utf-8")
    expected = {"truncated": "not a readable GPX", "no_times": "without a time", "far_away": "outside the force",
                "other_day": "not on the patrol's day", "empty": "no track points"}[case]
    audit_before = services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(GpxError, match=expected) as caught:
        services.patrols.import_track(patrol_id, path)
    assert "\n" not in str(caught.value) and path.name in str(caught.value)
    assert services.patrols.track_count(patrol_id) == 0
    assert services.store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


def test_track_points_are_audited_in_batches_and_verify(services: Services) -> None:
    patrol_id = _planned(services)
    services.patrols.start(patrol_id, at=START)
    recorder = services.patrols.recorder(patrol_id, monotonic=lambda: 0.0)
    for fix in _plan_drive(services, patrol_id)[0][:300]:
        recorder.add(fix)
    recorder.flush()
    rows = services.store.db.execute(
        "SELECT changes FROM audit_log WHERE target_table = 'patrol_track_points'").fetchall()
    assert len(rows) == 1 and json.loads(rows[0][0])["rows"] == services.patrols.track_count(patrol_id)
    from ruralwatch.store.audit import audit_for

    log = audit_for(services.store)
    assert log is not None and log.verify().ok


def test_the_dose_radius_is_a_checked_policy(services: Services) -> None:
    assert services.patrols.dose_radius_m() == 200.0
    assert services.patrols.set_dose_radius_m("350") == 350.0
    assert services.patrols.dose_radius_m() == 350.0
    with pytest.raises(ValidationError, match="metres"):
        services.patrols.set_dose_radius_m("5")


def test_the_stop_at_a_live_position_is_one_within_the_dose_radius_or_the_one_held_nearby(
        services: Services) -> None:
    # The log credits an event to this stop, and the dose counts it visited: never a stop the crew is not at.
    patrol_id = _planned(services)
    stops = services.patrols.get(patrol_id).stops
    first = stops[0]
    at = services.patrols.stop_at_position
    assert services.patrols.dose_radius_m() == 200.0
    assert at(patrol_id, *offset(first.lat, first.lon, 150, 0)) == first.key
    assert at(patrol_id, *offset(first.lat, first.lon, 260, 0)) is None  # outside the radius: no stop
    # The stop held (chosen, or arrived at) lasts to twice the radius: a receiver's drift, the far side of a yard.
    assert at(patrol_id, *offset(first.lat, first.lon, 380, 0), held=first.key) == first.key
    assert at(patrol_id, *offset(first.lat, first.lon, 420, 0), held=first.key) is None
    # At another stop: that one, whatever was held.
    second = stops[1]
    assert at(patrol_id, second.lat, second.lon, held=first.key) == second.key


def test_retention_blanks_and_tombstones_a_track_months_after_the_patrol(services: Services, tmp_path: Path) -> None:
    from ruralwatch.services.retention import TRACKS

    patrol_id = _planned(services)
    phone = tmp_path / "phone.gpx"
    write_gpx(phone, _plan_drive(services, patrol_id)[0][:900])
    points = services.patrols.import_track(patrol_id, phone).points
    retention = services.retention
    assert retention.settings().track_months == 12
    assert retention.preview(datetime(2027, 11, 19).date()).category(TRACKS).count == 0
    due = retention.preview(datetime(2027, 11, 20).date()).category(TRACKS)
    assert [r.record_id for r in due.records] == [patrol_id]
    retention._now = lambda: datetime(2027, 12, 1, 12, 0, tzinfo=UTC)
    result = retention.apply(datetime(2027, 12, 1).date(), preview_token=retention.preview(
        datetime(2027, 12, 1).date()).token)
    assert result.counts[TRACKS] == 1 and result.fields_changed == points
    assert services.patrols.track_count(patrol_id) == 0
    left = services.store.db.execute("SELECT count(*), max(lat), max(lon), min(deleted) FROM patrol_track_points"
                                     " WHERE patrol_id = ?", [patrol_id]).fetchone()
    assert left == (points, None, None, 1)  # tombstones that sync, with no position left in them
    assert services.patrols.get(patrol_id).stops  # the patrol and its plan stay
    from ruralwatch.store.audit import audit_for

    log = audit_for(services.store)
    assert log is not None and log.verify().ok
    assert retention.apply(datetime(2027, 12, 1).date()).counts[TRACKS] == 0


def test_a_track_syncs_with_its_patrol_and_so_does_its_removal(tmp_path: Path) -> None:
    from fixtures.laptops import Laptop, trust_each_other
    from fixtures.track_tools import in_progress_patrol, logged_fixes

    from ruralwatch.store.audit import audit_for

    a, b = Laptop(tmp_path / "a.db"), Laptop(tmp_path / "b.db")
    trust_each_other(a, b)
    patrol_id = in_progress_patrol(a.services)
    recorder = a.services.patrols.recorder(patrol_id, "nmea-replay", monotonic=lambda: 0.0)
    for fix in logged_fixes()[:400]:
        recorder.add(fix)
    recorder.flush()
    a.send_to(b, tmp_path)
    assert b.services.patrols.track_of(patrol_id) == a.services.patrols.track_of(patrol_id)
    assert b.services.patrols.track_count(patrol_id) > 50
    a.services.patrols.repo.remove_track(patrol_id)  # what retention does, inside its transaction
    a.send_to(b, tmp_path)
    assert b.services.patrols.track_count(patrol_id) == 0
    assert b.store.db.execute("SELECT count(*) FROM patrol_track_points WHERE lat IS NOT NULL").fetchone() == (0,)
    for laptop in (a, b):
        log = audit_for(laptop.store)
        assert log is not None and log.verify().ok


def test_time_at_hotspots_of_the_area_that_were_not_planned(services: Services) -> None:
    patrol_id = _planned(services)
    patrol = services.patrols.get(patrol_id)
    planned = {s.key for s in patrol.stops}
    spare = next(c for c in services.patrols.candidates(patrol.area, patrol.start, patrol.purpose)
                 if c.key.startswith("cell:") and c.key not in planned)
    services.patrols.start(patrol_id, at=START)
    recorder = services.patrols.recorder(patrol_id, monotonic=lambda: 0.0)
    path = [offset(spare.lat, spare.lon, -1500, 0), (spare.lat, spare.lon), offset(spare.lat, spare.lon, 1500, 0)]
    for fix in drive(START, path, [0, 600, 0], 13.0):
        recorder.add(fix)
    recorder.flush()
    found = {u.key: u for u in services.patrols.unplanned_hotspots(patrol_id)}
    assert spare.key in found and not planned & set(found)
    assert found[spare.key].minutes == pytest.approx(10 + 400 / 13 / 60, abs=0.1) and found[spare.key].visits == 1


def test_deleting_a_patrol_blanks_its_track(services: Services, tmp_path: Path) -> None:
    patrol_id = _planned(services)
    phone = tmp_path / "phone.gpx"
    write_gpx(phone, _plan_drive(services, patrol_id)[0][:300])
    services.patrols.import_track(patrol_id, phone)
    services.patrols.delete(patrol_id)
    assert services.store.db.execute("SELECT count(*) FROM patrol_track_points WHERE deleted = 0 OR lat IS NOT NULL"
                                     ).fetchone() == (0,)


def test_dosage_over_a_period_takes_the_track_where_there_is_one_and_the_log_elsewhere(services: Services) -> None:
    """Koper's dose-response per place: a tracked patrol counts the minutes its track spent at each stop (not what
    the crew remembered to log); a patrol without a track counts its log."""
    from ruralwatch.core.patrol import PatrolEventInput

    patrols = services.patrols
    tracked = _planned(services)
    stop = patrols.get(tracked).stops[0]
    patrols.start(tracked, at=START)
    recorder = patrols.recorder(tracked, monotonic=lambda: 0.0)
    path = [offset(stop.lat, stop.lon, -2000, 0), (stop.lat, stop.lon), offset(stop.lat, stop.lon, 2000, 0)]
    fixes = drive(START, path, [0, 600, 0], 13.0)  # 10 minutes parked at the first stop
    for fix in fixes:
        recorder.add(fix)
    recorder.flush()
    arrived = START + timedelta(minutes=3)  # the crew logged only 2 minutes there
    patrols.log(tracked, PatrolEventInput(kind="arrived_stop", stop_key=stop.key, at=arrived))
    patrols.log(tracked, PatrolEventInput(kind="left_stop", stop_key=stop.key, at=arrived + timedelta(minutes=2)))
    patrols.end(tracked, at=fixes[-1].at)

    untracked = _planned(services, start="07:00")
    same = next(s for s in patrols.get(untracked).stops if s.key == stop.key)  # the same hotspot, planned again
    at = START + timedelta(hours=1, minutes=10)
    patrols.start(untracked, at=at)
    patrols.log(untracked, PatrolEventInput(kind="arrived_stop", stop_key=same.key, at=at + timedelta(minutes=5)))
    patrols.log(untracked, PatrolEventInput(kind="left_stop", stop_key=same.key, at=at + timedelta(minutes=9)))
    patrols.end(untracked, at=at + timedelta(minutes=30))

    radius = patrols.dose_radius_m()
    measured = (600 + 2 * radius / 13.0) / 60  # parked, plus the radius driven in and out
    assert patrols.dose(tracked).stops[0].measured_minutes == pytest.approx(measured, abs=0.05)
    dosage = {d.key: d for d in patrols.dosage(START - timedelta(days=1), START + timedelta(days=1))}
    assert dosage[stop.key].visits == 2
    assert dosage[stop.key].minutes == pytest.approx(measured + 4.0, abs=0.1)  # track 10.5, log 4 (not 2 + 4)


def test_retention_apply_removes_old_tracks_keeps_recent_ones_and_audits_it(services: Services) -> None:
    """`track_months` from the retention settings, worked out on an injected clock (never today's date)."""
    from ruralwatch.services.retention import TRACKS
    from ruralwatch.store.audit import audit_for

    patrols, retention = services.patrols, services.retention
    old = _planned(services)  # Friday 20 November 2026
    patrols.start(old, at=START)
    recorder = patrols.recorder(old, monotonic=lambda: 0.0)
    for fix in _plan_drive(services, old)[0][:600]:
        recorder.add(fix)
    recorder.flush()
    patrols.end(old, at=START + timedelta(hours=1))

    later = START + timedelta(days=38)  # Monday 28 December 2026
    patrols._now = lambda: later + timedelta(hours=3)
    officer = services.people.add(PersonInput(name="PC Late", role="officer", collar_number="PC9")).id
    recent, _ = patrols.create(PatrolInput(day="2026-12-28", start="06:00", end="10:00", area="Uttlesford",
                                           purpose="general_rural_patrol", crew=[officer]))
    patrols.start(recent.id, at=later)
    recorder = patrols.recorder(recent.id, monotonic=lambda: 0.0)
    for fix in drive(later, [offset(*BASE, 0, 0), offset(*BASE, 3000, 0)], [0, 0], 13.0):
        recorder.add(fix)
    recorder.flush()
    patrols.end(recent.id, at=later + timedelta(minutes=30))
    kept_points = patrols.track_count(recent.id)
    assert patrols.track_count(old) > 0 and kept_points > 0

    retention.set_settings(track_months=1)
    retention._now = lambda: datetime(2027, 1, 5, 12, 0, tzinfo=UTC)  # the retention service's clock
    due = retention.preview().category(TRACKS)
    assert due.months == 1 and [r.record_id for r in due.records] == [old]  # due 20 Dec; the recent one 28 Jan
    result = retention.apply(preview_token=retention.preview().token)
    assert result.as_of.isoformat() == "2027-01-05" and result.counts[TRACKS] == 1
    assert patrols.track_count(old) == 0 and patrols.track_count(recent.id) == kept_points
    entry = services.store.db.execute(
        "SELECT changes FROM audit_log WHERE action = 'retention' ORDER BY seq DESC LIMIT 1").fetchone()
    assert entry is not None and json.loads(entry[0])[TRACKS] == 1
    log = audit_for(services.store)
    assert log is not None and log.verify().ok
    retention._now = lambda: datetime(2027, 1, 28, 12, 0, tzinfo=UTC)  # a month after the recent patrol ended
    assert retention.apply().counts[TRACKS] == 1 and patrols.track_count(recent.id) == 0


def test_a_gpx_in_its_declared_encoding_or_utf16_reads_like_utf8(tmp_path: Path) -> None:
    fixes = [Fix(START + timedelta(seconds=10 * i), 51.95 + i * 1e-4, 0.25) for i in range(5)]
    original = tmp_path / "utf8.gpx"
    write_gpx(original, fixes)
    text = original.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "encoding" in text.split("?>")[0]
    named = text.replace("<trkseg>", "<name>Caf\u00e9 run</name><trkseg>", 1)
    latin1 = tmp_path / "latin1.gpx"  # a handheld that writes ISO-8859-1 and says so
    latin1.write_bytes(named.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "encoding='UTF-8'", "encoding='ISO-8859-1'").encode("latin-1"))
    assert b"ISO-8859-1" in latin1.read_bytes()[:80]
    utf16 = tmp_path / "utf16.gpx"
    utf16.write_bytes(named.replace("UTF-8", "UTF-16").encode("utf-16"))
    assert gpx.read_segments(latin1) == gpx.read_segments(utf16) == gpx.read_segments(original)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.mkdir(), "track.gpx is a folder, not a GPX file"),
    (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"), "track.gpx is a binary file, not a GPX file"),
    (lambda p: p.write_bytes("<gpx><name>Caf\u00e9</name></gpx>".encode("latin-1")),
     r"track.gpx is not a GPX file: it is not UTF-8 text \(bad byte at offset 14\)"),
    (lambda p: p.write_bytes(b'<?xml version="1.0" encoding="X-NONE"?><gpx/>'),
     r"track.gpx declares an encoding RuralWatch does not know \(X-NONE\)"),
])
def test_a_file_that_is_not_gpx_text_says_what_it_is(tmp_path: Path, make, expected: str) -> None:
    path = tmp_path / "track.gpx"
    make(path)
    with pytest.raises(GpxError, match=expected) as caught:
        gpx.read_segments(path)
    assert "Errno" not in str(caught.value) and "codec" not in str(caught.value)


def test_a_track_saved_with_its_planned_route_and_marked_places_reads_as_the_track_alone(tmp_path: Path) -> None:
    """A phone app's GPX holds the recording beside the planned route and places marked on it, often untimed: the
    whole file was refused ("points without a time"), and timed waypoints were read as one more segment."""
    fixes = [Fix(START + timedelta(seconds=10 * i), 51.95 + i * 1e-4, 0.25) for i in range(8)]
    plain = tmp_path / "plain.gpx"
    write_gpx(plain, fixes)
    text = plain.read_text(encoding="utf-8")
    head, body = text.split("<trk>", 1)
    planned = ('<wpt lat="51.9600000" lon="0.2600000"><name>Gate</name></wpt>'
               '<wpt lat="51.9700000" lon="0.2700000"><time>2026-11-20T07:00:00Z</time><name>Van</name></wpt>'
               '<rte><name>Plan</name><rtept lat="51.9500000" lon="0.2500000"/>'
               '<rtept lat="51.9800000" lon="0.2800000"/></rte>')
    both = tmp_path / "with-plan.gpx"
    both.write_text(f"{head}{planned}<trk>{body}", encoding="utf-8")
    recorded = gpx.read_segments(plain)
    assert [[f.at for f in segment] for segment in recorded] == [[f.at for f in fixes]]
    assert gpx.read_segments(both) == recorded
    # Without a track, a route or the waypoints are what was recorded (some apps save it so).
    route = tmp_path / "route.gpx"
    route.write_text(text.replace("<trkseg>", "<rte>").replace("</trkseg>", "</rte>").replace("trkpt", "rtept")
                     .replace("<trk>", "").replace("</trk>", "").replace("<name>phone</name>", ""), encoding="utf-8")
    assert gpx.read_segments(route) == recorded


@pytest.mark.parametrize("latitude", ["nan", "1e400", "91.5"])
def test_a_point_that_is_not_a_position_is_a_damaged_file(tmp_path: Path, latitude: str) -> None:
    """NaN or infinity was reported as a point 'more than 20 km outside the force area (the first at nan, ...)'."""
    path = tmp_path / "track.gpx"
    write_gpx(path, [Fix(START + timedelta(seconds=10 * i), 51.95, 0.25) for i in range(3)])
    path.write_text(path.read_text(encoding="utf-8").replace('lat="51.9500000"', f'lat="{latitude}"', 1),
                    encoding="utf-8")
    with pytest.raises(GpxError, match=r"track.gpx has a point whose position is not a latitude and longitude"):
        gpx.read_segments(path)
