"""Patrol track benchmark (issue 19): replaying a 4-hour 1 Hz NMEA log into a patrol in progress, and the dose of
a 4-hour track against 20 stops.

  1. replay: a generated 4-hour log (14,400 fixes, a GGA and an RMC sentence each) through the real positioning
     path (ruralwatch.ui.positioning: QNmeaPositionInfoSource reading an NmeaReplay at full speed) into a patrol
     in progress on a fresh database, thinned and written every FLUSH_EVERY_S of wall clock (target < 5 s);
  2. dose: ruralwatch.patrols.track_dose.measure of that track against 20 stops (target < 100 ms), and the whole
     `patrol dose` (reading the track back from the database too);
  3. the after-action summary of that track and 20 stops: its track figures (patrols.track.track_stats) and the
     PDF (io/after_action.py), no target.

    .venv/bin/python bench/track_bench.py [--hours 4] [--stops 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fixtures.track_tools import drive, offset, write_nmea  # noqa: E402
from PySide6.QtCore import QCoreApplication, QTimer  # noqa: E402

from ruralwatch.core.patrol import PatrolInput  # noqa: E402
from ruralwatch.core.people import PersonInput  # noqa: E402
from ruralwatch.io.after_action import AfterAction, AfterActionStop, write_after_action_pdf  # noqa: E402
from ruralwatch.patrols.track import track_stats  # noqa: E402
from ruralwatch.patrols.track_dose import Place, measure  # noqa: E402
from ruralwatch.services.container import Services  # noqa: E402
from ruralwatch.store import open_store  # noqa: E402
from ruralwatch.ui.positioning import PositionSource, TrackRecording  # noqa: E402

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = (51.88, 0.55)


def route(stops: int, hours: float) -> tuple[list[tuple[float, float]], list[float]]:
    """`stops` places on a 3 km grid, each visited for an equal share of what the drive leaves of `hours`."""
    places = [offset(*BASE, 3000.0 * (i % 5), 3000.0 * (i // 5)) for i in range(stops)]
    driving = (3000.0 * stops * 1.2) / 13.0
    dwell = max(0.0, hours * 3600 - driving) / stops
    return places, [0, *[dwell] * stops, 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--stops", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    places, dwell = route(args.stops, args.hours)
    fixes = drive(START, [BASE, *places, BASE], dwell, 13.0, noise_m=3.0, seed=4)
    fixes = [f for f in fixes if (f.at - START).total_seconds() < args.hours * 3600]
    app = QCoreApplication([])
    print(f"machine: {platform.node()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
          f" Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="track-bench-") as folder:
        log = Path(folder) / "patrol.nmea"
        write_nmea(log, fixes)
        print(f"log: {len(fixes):,} fixes, {log.stat().st_size / 1e6:.1f} MB of NMEA")
        store = open_store(Path(folder) / "bench.db")
        services = Services.build(store)
        services.patrols._now = lambda: NOW
        officer = services.people.add(PersonInput(name="PC Bench", role="officer")).id
        record, _ = services.patrols.create(PatrolInput(
            day="2026-11-20", start="06:00", end="10:30", area="Braintree", purpose="general_rural_patrol",
            crew=[officer]), override_reason="bench")
        services.patrols.start(record.id, at=START)

        source = PositionSource.replay(log, speed=0)
        recording = TrackRecording(services, record.id, source)
        last = fixes[-1].at

        def check_done() -> None:
            if source.last is not None and source.last.at == last:
                app.quit()
            else:
                QTimer.singleShot(1, check_done)

        began = time.perf_counter()
        source.finished.connect(check_done)
        source.start()
        app.exec()
        recording.stop()
        replay_s = time.perf_counter() - began
        source.stop()
        points = services.patrols.track_count(record.id)
        writes = store.db.execute("SELECT count(*) FROM audit_log WHERE target_table = 'patrol_track_points'"
                                  ).fetchone()[0]
        print(f"replay: {replay_s:.2f} s for {args.hours:g} h at 1 Hz ({len(fixes):,} fixes -> {points:,} points"
              f" in {writes} transactions)  [target < 5 s]")

        track = services.patrols.track_of(record.id)
        stops = [Place(f"s{i}", lat, lon) for i, (lat, lon) in enumerate(places)]
        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            measure(track, stops)
            timings.append(time.perf_counter() - began)
        print(f"dose (measure): median {statistics.median(timings) * 1000:.1f} ms, {len(track):,} points x"
              f" {len(stops)} stops  [target < 100 ms]")
        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            services.patrols.track_of(record.id)
            timings.append(time.perf_counter() - began)
        print(f"reading the track back: median {statistics.median(timings) * 1000:.1f} ms")

        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            stats = track_stats(track)
            timings.append(time.perf_counter() - began)
        print(f"track figures (track_stats): median {statistics.median(timings) * 1000:.1f} ms,"
              f" {stats.distance_m / 1000:.1f} km, {len(stats.gaps)} gaps")
        found = measure(track, stops)
        summary = AfterAction(
            title="Bench patrol", call_sign="RT1", vehicle="", purpose="General rural patrol", area_name="Braintree",
            status="Completed", planned_start=START, planned_end=fixes[-1].at, started_at=START,
            ended_at=fixes[-1].at, crew=("PC Bench",), radius_m=200.0, track=stats, unplanned=(),
            unplanned_note="", events=(("Patrol started", 1), ("Patrol ended", 1)), generated_at=NOW,
            stops=tuple(AfterActionStop(i + 1, f"Stop {i + 1}", p.lat, p.lon, 15.0, 0.0, False,
                                        found[p.key].minutes, found[p.key].visits, found[p.key].first,
                                        found[p.key].last) for i, p in enumerate(stops)))
        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            write_after_action_pdf(summary, Path(folder) / "after-action.pdf")
            timings.append(time.perf_counter() - began)
        print(f"after-action PDF ({len(stops)} stops): median {statistics.median(timings) * 1000:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
