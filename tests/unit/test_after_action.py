"""The after-action summary PDF of a patrol: planned, logged and measured minutes per stop from a synthetic track with
known dwell, stops never reached, the track's distance, duration and gaps."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.track_tools import drive, offset
from pypdf import PdfReader

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.io import pdf_common
from ruralwatch.patrols.track import GAP_S, distance_m
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
SPEED = 13.0  # m/s
DROP = (60, 150)  # seconds after START with no fix: a receiver drop-out on the first leg


@pytest.fixture
def services(store: Store) -> Services:
    built = Services.build(store, clock=lambda: NOW)
    load_demo(built.incidents, count=900, now=NOW)
    built.patrols._now = lambda: NOW
    return built


def _patrol(services: Services) -> str:
    officer = services.people.add(PersonInput(name="PC Officer", role="officer", collar_number="PC1")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-20", start="06:00", end="10:00", area="Uttlesford", purpose="hare_coursing_operation",
        call_sign="RT21", crew=[officer]))
    services.patrols.suggest_for(record.id)
    assert len(services.patrols.get(record.id).stops) >= 3
    return record.id


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_after_action_pdf_shows_planned_logged_and_measured_minutes_from_a_known_track(
        services: Services, tmp_path: Path) -> None:
    patrols = services.patrols
    patrol_id = _patrol(services)
    stops = patrols.get(patrol_id).stops
    first, second = stops[0], stops[1]
    rest = stops[2:]
    # The crew drives in from 3 km west of the first stop, waits 12 minutes there and 7 at the second, then drives
    # 3 km on; the other stops are never visited.
    dwell = {first.key: 12 * 60, second.key: 7 * 60}
    path = [offset(first.lat, first.lon, -3000, 0), (first.lat, first.lon), (second.lat, second.lon),
            offset(second.lat, second.lon, 3000, 0)]
    fixes = drive(START, path, [0, dwell[first.key], dwell[second.key], 0], SPEED)
    assert DROP[1] < 3000 / SPEED  # the drop-out is on the way in, well before the first stop's radius
    patrols.start(patrol_id, at=START - timedelta(minutes=5))
    recorder = patrols.recorder(patrol_id, monotonic=lambda: 0.0)
    for fix in fixes:
        seconds = (fix.at - START).total_seconds()
        if DROP[0] < seconds < DROP[1]:
            continue
        if seconds == DROP[1]:
            recorder.drop_out()
        recorder.add(fix)
    recorder.flush()
    arrived = START + timedelta(seconds=3000 / SPEED + 15)
    patrols._now = lambda: arrived + timedelta(minutes=30)
    patrols.log(patrol_id, PatrolEventInput(kind="arrived_stop", stop_key=first.key, at=arrived))
    patrols.log(patrol_id, PatrolEventInput(kind="left_stop", stop_key=first.key, at=arrived + timedelta(minutes=11)))
    patrols._now = lambda: fixes[-1].at + timedelta(hours=1)  # written up after the patrol: an end typed, not future
    patrols.end(patrol_id, at=fixes[-1].at + timedelta(minutes=10))

    summary = patrols.after_action(patrol_id)
    radius = patrols.dose_radius_m()
    by_key = {s.seq: s for s in summary.stops}
    for stop in (first, second):
        got = by_key[stop.seq]
        # Within the radius: the dwell, plus the radius driven in and the radius driven out at SPEED.
        assert got.measured_minutes == pytest.approx((dwell[stop.key] + 2 * radius / SPEED) / 60, abs=0.05)
        assert got.visits == 1 and got.first is not None and got.last is not None
        assert (got.last - got.first).total_seconds() == pytest.approx(dwell[stop.key] + 2 * radius / SPEED, abs=2)
        assert got.planned_minutes == stop.dwell_minutes
    assert by_key[first.seq].logged and by_key[first.seq].logged_minutes == 11.0
    assert not by_key[second.seq].logged and by_key[second.seq].logged_minutes == 0.0
    assert all(by_key[s.seq].visits == 0 and not by_key[s.seq].reached for s in rest)

    track = summary.track
    assert track is not None and track.segments == 2 and len(track.gaps) == 1
    gap = track.gaps[0]
    assert DROP[1] - DROP[0] <= gap.seconds <= DROP[1] - DROP[0] + 6 and gap.seconds > GAP_S
    assert track.duration_s == pytest.approx(len(fixes) - 1, abs=1)
    legs = sum(distance_m(*a, *b) for a, b in zip(path, path[1:], strict=False))
    assert track.distance_m == pytest.approx(legs - gap.seconds * SPEED, abs=60)  # nothing counted across the gap

    out = tmp_path / "after-action.pdf"
    patrols.write_after_action(patrol_id, out)
    text = _text(out)
    assert pdf_common.MARKING in text and "After action:" in text and "RT21" in text
    for stop in (first, second):
        assert f"{by_key[stop.seq].measured_minutes:.1f}" in text
    assert "11.0" in text and "not logged" in text  # logged minutes at the first stop; nothing at the second
    assert f"{len(rest)} of {len(stops)}:" in text  # stops never reached, by name
    for stop in rest:
        assert stop.label.split()[0] in text
    assert f"{track.distance_m / 1000:.1f} km" in text
    assert "1 gap (1 min" in text and "Gaps where the receiver dropped out" in text
    assert "Time at hotspots that were not planned" in text
    assert "Arrived at hotspot" in text
    assert not list(tmp_path.glob("*.part*"))
    audit = services.store.db.execute(
        "SELECT changes FROM audit_log WHERE action = 'export' AND record_id = ?", [patrol_id]).fetchall()
    assert any("after_action" in row[0] for row in audit)


def test_a_patrol_without_a_track_says_the_figures_are_from_the_log(services: Services, tmp_path: Path) -> None:
    patrols = services.patrols
    patrol_id = _patrol(services)
    with pytest.raises(ValidationError, match="not run yet"):
        patrols.after_action(patrol_id)
    patrols.start(patrol_id, at=START)
    patrols.end(patrol_id, at=START + timedelta(hours=2))
    out = tmp_path / "untracked.pdf"
    patrols.write_after_action(patrol_id, out)
    text = _text(out)
    assert "No track was recorded" in text and "no arrival was logged" in text
    assert math.isclose(patrols.after_action(patrol_id).radius_m, patrols.dose_radius_m())


def test_a_track_from_outside_the_patrols_run_is_said_so(services: Services, tmp_path: Path) -> None:
    patrols = services.patrols
    patrol_id = _patrol(services)
    stop = patrols.get(patrol_id).stops[0]
    patrols.start(patrol_id, at=START + timedelta(hours=1))  # started after the track (a replayed log) began
    recorder = patrols.recorder(patrol_id, monotonic=lambda: 0.0)
    for fix in drive(START, [offset(stop.lat, stop.lon, -1000, 0), (stop.lat, stop.lon)], [0, 60], SPEED):
        recorder.add(fix)
    recorder.flush()
    patrols.end(patrol_id, at=START + timedelta(hours=2))
    out = tmp_path / "outside.pdf"
    patrols.write_after_action(patrol_id, out)
    assert "Part of the track lies outside the time the patrol ran" in _text(out).replace("\n", " ")
