"""Live position through Qt's NMEA source: a log replayed fast and at real speed, recorded into a patrol."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.track_tools import NMEA_LOG as LOG
from fixtures.track_tools import in_progress_patrol, logged_fixes, nmea_sentences

from ruralwatch.core.patrol_track import Fix
from ruralwatch.patrols.track import thin
from ruralwatch.services.container import Services
from ruralwatch.ui.positioning import NmeaReplay, PositionSource, TrackRecording, nmea_offsets


def test_the_sentences_carry_correct_checksums() -> None:
    for sentence in LOG.read_text(encoding="ascii").splitlines()[:20]:
        body, checksum = sentence[1:].split("*")
        value = 0
        for char in body:
            value ^= ord(char)
        assert f"{value:02X}" == checksum
    fix = Fix(datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC), -0.5, -1.25)
    assert nmea_sentences(fix)[0].startswith("$GPGGA,235959.00,0030.0000,S,00115.0000,W,")


def test_replay_offsets_carry_on_past_midnight() -> None:
    lines = [b"$GPGGA,235958.00,x", b"$GPRMC,235958.00,x", b"junk", b"$GPGGA,000001.00,x"]
    assert nmea_offsets(lines) == [0.0, 0.0, 0.0, 3.0]


def test_a_fast_replay_gives_every_fix_of_the_log_with_its_accuracy(qtbot) -> None:
    source = PositionSource.replay(LOG, speed=0)
    got: list[Fix] = []
    source.fix.connect(got.append)
    with qtbot.waitSignal(source.finished, timeout=20_000):
        source.start()
    qtbot.waitUntil(lambda: len(got) == len(logged_fixes()), timeout=5_000)
    source.stop()
    truth = logged_fixes()
    assert [f.at for f in got] == [f.at for f in truth]
    assert all(abs(a.lat - b.lat) < 1e-7 and abs(a.lon - b.lon) < 1e-7 for a, b in zip(got, truth, strict=True))
    assert all(f.accuracy_m is not None and 0 < f.accuracy_m < 20 for f in got)


def test_real_speed_replay_uses_qts_simulation_mode(qtbot) -> None:
    source = PositionSource.replay(LOG, speed=1)
    got: list[Fix] = []
    source.fix.connect(got.append)
    source.start()
    qtbot.waitUntil(lambda: len(got) >= 2, timeout=10_000)
    source.stop()
    assert got[0].at == logged_fixes()[0].at and source.kind == "nmea-replay"


def test_a_paced_replay_releases_lines_as_its_clock_reaches_them(qtbot) -> None:
    replay = NmeaReplay(LOG, speed=600)  # the 20-minute log in about 2 seconds
    replay.start()
    qtbot.waitUntil(lambda: replay.bytesAvailable() > 0, timeout=5_000)
    assert not replay.done  # released a little at a time
    with qtbot.waitSignal(replay.finished, timeout=10_000):
        pass
    replay.stop()


def test_a_replay_recorded_into_a_patrol_stores_the_thinned_track_with_its_gap(qtbot, services: Services) -> None:
    patrol_id = in_progress_patrol(services)
    source = PositionSource.replay(LOG, speed=0)
    recording = TrackRecording(services, patrol_id, source)
    last = logged_fixes()[-1].at
    with qtbot.waitSignal(source.finished, timeout=20_000):
        source.start()
    qtbot.waitUntil(lambda: source.last is not None and source.last.at == last, timeout=5_000)
    recording.stop()
    source.stop()
    stored = services.patrols.track_of(patrol_id)
    expected = thin(logged_fixes(), "nmea-replay")
    assert [(p.at, p.segment) for p in stored] == [(p.at, p.segment) for p in expected]
    assert {p.segment for p in stored} == {0, 1}  # the receiver's drop-out in the log is a gap
    assert all(p.source == "nmea-replay" for p in stored)


def test_emitting_through_invoke_method_leaves_pythons_true_alone(qtbot) -> None:
    import sys

    replay = NmeaReplay(LOG, speed=0)
    before = sys.getrefcount(True)
    with qtbot.waitSignal(replay.finished, timeout=10_000):
        replay.start()
    assert sys.getrefcount(True) >= before - 5  # each Python-side emit would have taken one


def test_a_missing_log_is_one_clear_error() -> None:
    from ruralwatch.ui.positioning import PositionError

    with pytest.raises(PositionError, match="no NMEA log"):
        PositionSource.replay(Path("/nowhere/at/all.nmea"))
