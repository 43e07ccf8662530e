"""A patrol's track: positions recorded while it is in progress, GPX or an NMEA log in, GPX out, the dose measured
from it.

Positions come from the window's position source (ruralwatch.ui.positioning: a receiver, or an NMEA log replayed)
as plain `Fix` records; `TrackRecorder` thins them (ruralwatch.patrols.track) and writes what it keeps in small
transactions: every FLUSH_EVERY_S seconds of wall-clock time, so a crash or a pulled plug loses at most that much.
Points go in with one audit entry per batch (SyncTable.insert_many), sync like every patrol row and fall under
retention (services/retention.py: `track_months`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.patrol_track import TRACK_SOURCES, Fix, TrackPoint
from ruralwatch.io import gpx, nmea
from ruralwatch.io.gpx import GpxError
from ruralwatch.patrols.track import Thinner
from ruralwatch.services.changes import Change
from ruralwatch.services.patrols.log import PatrolLog
from ruralwatch.services.policies import (
    DOSE_RADIUS_M,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    PendingPolicies,
    write_pending,
)

# Wall-clock seconds between writes while recording: at most this much of a track is lost to a crash. Each write
# is one transaction (an fsync): every 2 s is nothing for a laptop's disk, and a replay at 1,000x speed still
# writes a few hundred rows per transaction instead of one transaction per fix.
FLUSH_EVERY_S = 2.0
# Points further than this outside the force's districts (their bounding box) are not this force's patrol: a GPX
# file from another trip, or a receiver's nonsense fix.
FORCE_MARGIN_KM = 20.0
KM_PER_DEGREE_LAT = 111.32
# A log of GGA sentences only has times of day and no date: it is dated from the patrol's window, and its fixes
# must then fall within that window give or take this much (a unit switched on at the briefing or left on at the
# end), or it is another day's or another shift's log.
GGA_SLACK = timedelta(hours=1)
# Track points written: its own topic, so the patrol list and the roster do not refresh every FLUSH_EVERY_S.
TRACK_TOPIC = "patrol_tracks"


@dataclass(frozen=True)
class TrackSummary:
    points: int
    segments: int
    first: str | None  # storage text (UTC)
    last: str | None
    file_format: str | None = None  # of the file just imported: "gpx" or "nmea"
    skipped: dict[str, int] = field(default_factory=dict)  # an NMEA log's lines left out, by reason (io.nmea)

    @property
    def skipped_note(self) -> str:
        """The lines an NMEA import left out, as the window and the command line say it ('' for none)."""
        return nmea.skipped_text(self.skipped)


class PatrolTracks(PatrolLog):
    # --- reading ------------------------------------------------------------------------------------------

    def track_of(self, patrol_id: str) -> list[TrackPoint]:
        return self.repo.track_of(self.get(patrol_id).id)

    def track_summary(self, patrol_id: str) -> TrackSummary:
        points = self.track_of(patrol_id)
        return TrackSummary(len(points), len({p.segment for p in points}),
                            times.to_storage(points[0].at) if points else None,
                            times.to_storage(points[-1].at) if points else None)

    def track_count(self, patrol_id: str) -> int:
        return self.repo.track_count(patrol_id)

    def set_dose_radius_m(self, value: float | str) -> float:
        change = self.dose_radius_change(value)
        write_pending(self.store, [change])
        return float(change.values[0][1])

    def dose_radius_change(self, value: float | str) -> PendingPolicies:
        """The dose radius checked, not yet written."""
        try:
            radius = float(str(value).strip())
        except ValueError:
            raise ValidationError.single("dose_radius_m", f"{value!r} is not a number of metres") from None
        if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            raise ValidationError.single("dose_radius_m", f"the radius is {MIN_RADIUS_M:.0f} to {MAX_RADIUS_M:.0f}"
                                                          f" metres, not {radius:g}")
        self.store.actor.require("patrol.plan")
        return PendingPolicies(((DOSE_RADIUS_M, radius),))

    # --- recording ----------------------------------------------------------------------------------------

    def recorder(self, patrol_id: str, source: str = "gps", monotonic: Callable[[], float] = time.monotonic,
                 flush_every_s: float = FLUSH_EVERY_S) -> TrackRecorder:
        """A recorder for a patrol in progress. Its segments continue after any already stored."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if patrol.status != PatrolStatus.IN_PROGRESS:
            raise ValidationError.single("status", "a track is recorded only while the patrol is in progress")
        if source not in TRACK_SOURCES:
            raise ValidationError.single("source", f"unknown track source {source!r}")
        last = self.repo.last_segment(patrol.id)
        return TrackRecorder(self, patrol.id, Thinner(source, 0 if last is None else last + 1), monotonic,
                             flush_every_s)

    def append_track(self, patrol_id: str, points: Sequence[TrackPoint]) -> int:
        """Write thinned points of one patrol in one transaction. Returns how many."""
        if not points:
            return 0
        self.store.actor.require("patrol.log")
        with self.store.transaction():
            written = self.repo.insert_track(patrol_id, [_row(p) for p in points])
        self.hub.publish(Change(TRACK_TOPIC, "created", (patrol_id,)))
        return written

    # --- GPX and NMEA -------------------------------------------------------------------------------------

    def import_track(self, patrol_id: str, path: Path, log_date: date | str | None = None) -> TrackSummary:
        """A track from a GPX file (a phone's or handheld's) or an NMEA 0183 log (a vehicle's GPS unit, a phone
        app), told apart by content, not by the file's name. Checked whole before anything is written: every point
        timed, within FORCE_MARGIN_KM of the force's area, on the patrol's day(s). A log of GGA sentences only has
        times of day and no date: it needs `log_date`, the UK date its first fix was taken (the window asks for it,
        the command line takes --log-date), and is refused without one (ValidationError on `log_date`, nothing
        read further); its later fixes carry on past midnight, and it must fit the patrol's window (GGA_SLACK).
        A log that has its own dates ignores `log_date`. One transaction."""
        self.store.actor.require("patrol.log")
        patrol = self.get(patrol_id)
        if patrol.status == PatrolStatus.CANCELLED:
            raise ValidationError.single("status", "the patrol was cancelled")
        day = _log_day(log_date)
        skipped: dict[str, int] = {}
        if _is_nmea(path):
            try:
                log = nmea.read_log(path, None if day is None else _local_day(day))
            except nmea.NoDateError:
                # Dating it from the patrol alone took a log of the same hours on another day as this patrol's.
                raise ValidationError.single(
                    "log_date", f"{path.name} has GGA sentences only: times of day and no date. Give the date it was"
                                f" recorded (the UK date of its first fix); nothing was imported") from None
            segments, skipped, file_format = log.segments, log.skipped, "nmea"
            if log.dated_by_anchor:
                _check_gga_window(path, day, _window(patrol), [f for s in segments for f in s])
        else:
            segments, file_format = gpx.read_segments(path), "gpx"
        self._check_area(path, [f for s in segments for f in s])
        # From the planned or logged times, whichever is wider: an End pressed after midnight (or corrected to it)
        # made the fixes after midnight "not on the patrol's day".
        self._check_day(path, *_window(patrol), [f for s in segments for f in s])
        existing = self.repo.track_count(patrol.id)
        if existing:
            raise GpxError(f"the patrol already has a track ({existing} points): nothing was imported")
        thinner = Thinner(file_format)
        points: list[TrackPoint] = []
        for fixes in segments:
            if points:
                thinner.drop_out()
            points.extend(p for p in (thinner.offer(f) for f in fixes) if p is not None)
        self.append_track(patrol.id, points)
        summary = self.track_summary(patrol.id)
        return TrackSummary(summary.points, summary.segments, summary.first, summary.last, file_format, skipped)

    def export_gpx(self, patrol_id: str, path: Path) -> TrackSummary:
        patrol = self.get(patrol_id)
        points = self.repo.track_of(patrol.id)
        if not points:
            raise ValidationError.single("track", "the patrol has no recorded track")
        gpx.write_track(path, patrol.title, points)
        return self.track_summary(patrol.id)

    def _check_area(self, path: Path, fixes: list[Fix]) -> None:
        districts = self.analysis.geography.current().areas.districts()
        if not districts:
            return
        min_lon = min(d.bbox[0] for d in districts)
        min_lat = min(d.bbox[1] for d in districts)
        max_lon = max(d.bbox[2] for d in districts)
        max_lat = max(d.bbox[3] for d in districts)
        dlat = FORCE_MARGIN_KM / KM_PER_DEGREE_LAT
        dlon = dlat / max(0.1, abs(math.cos(math.radians((min_lat + max_lat) / 2))))
        outside = [f for f in fixes if not (min_lat - dlat <= f.lat <= max_lat + dlat
                                            and min_lon - dlon <= f.lon <= max_lon + dlon)]
        if outside:
            far = outside[0]
            raise GpxError(f"{path.name}: {len(outside)} of {len(fixes)} points are more than {FORCE_MARGIN_KM:.0f} km"
                           f" outside the force area (the first at {far.lat:.5f}, {far.lon:.5f}): not this patrol's"
                           f" track; nothing was imported")

    @staticmethod
    def _check_day(path: Path, start: datetime, end: datetime, fixes: list[Fix]) -> None:
        first_day = times.to_local(start).date()
        last_day = times.to_local(end).date()
        wrong = [f for f in fixes if not first_day <= times.to_local(f.at).date() <= last_day]
        if wrong:
            days = first_day.isoformat() + ("" if last_day == first_day else f" to {last_day.isoformat()}")
            raise GpxError(f"{path.name}: {len(wrong)} of {len(fixes)} points are not on the patrol's day ({days};"
                           f" the first at {times.format_local(times.to_storage(wrong[0].at))}): nothing was imported")


class TrackRecorder:
    """Thins a patrol's fixes as they come and writes them every FLUSH_EVERY_S seconds (wall clock).

    `monotonic` is injected so tests decide when a flush is due without waiting."""

    def __init__(self, service: PatrolTracks, patrol_id: str, thinner: Thinner,
                 monotonic: Callable[[], float] = time.monotonic, flush_every_s: float = FLUSH_EVERY_S) -> None:
        self.service = service
        self.flush_every_s = flush_every_s
        self.patrol_id = patrol_id
        self.thinner = thinner
        self._monotonic = monotonic
        self._pending: list[TrackPoint] = []
        self._last_flush = monotonic()
        self.written = 0

    def add(self, fix: Fix) -> None:
        point = self.thinner.offer(fix)
        if point is not None:
            self._pending.append(point)
        if self._monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def drop_out(self) -> None:
        """The receiver lost its fix: write what there is, and the next fix starts a new segment."""
        self.thinner.drop_out()
        self.flush()

    def flush(self) -> int:
        pending, self._pending = self._pending, []
        self._last_flush = self._monotonic()
        if pending:
            self.written += self.service.append_track(self.patrol_id, pending)
        return len(pending)


def _log_day(given: date | str | None) -> date | None:
    """The date given for a GGA-only log: a date, or YYYY-MM-DD text (the command line's); None when none."""
    if given is None or isinstance(given, date):
        return given
    text = given.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError.single("log_date", f"{given!r} is not a date (YYYY-MM-DD)") from None


def _local_day(day: date) -> nmea.Anchor:
    """The UK day `day` as a UTC period: a first fix at 23:30 UTC in summer is 00:30 the next day here."""
    begin = datetime.combine(day, datetime.min.time(), tzinfo=times.LOCAL_ZONE)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=times.LOCAL_ZONE)
    return begin.astimezone(UTC), end.astimezone(UTC) - timedelta(microseconds=1)


def _window(patrol: PatrolRecord) -> nmea.Anchor:
    """From the earlier of the planned and actual start to the later of the planned and actual end (UTC)."""
    begin = min([patrol.start, *([times.from_storage(patrol.started_at)] if patrol.started_at else [])])
    end = max([patrol.end, *([times.from_storage(patrol.ended_at)] if patrol.ended_at else [])])
    return begin.astimezone(UTC), end.astimezone(UTC)


def _check_gga_window(path: Path, day: date | None, window: nmea.Anchor, fixes: list[Fix]) -> None:
    """A GGA-only log dated from the date the user gave: every fix must be in the patrol's window (GGA_SLACK either
    side), or it is another patrol's log or another day's."""
    begin, end = window
    outside = [f for f in fixes if not begin - GGA_SLACK <= f.at <= end + GGA_SLACK]
    if outside:
        first, last = min(f.at for f in fixes), max(f.at for f in fixes)
        if begin.date() == end.date():
            period = f"{begin:%H:%M} to {end:%H:%M} UTC on {begin:%Y-%m-%d}"
        else:
            period = f"{begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
        raise GpxError(f"{path.name} has GGA sentences only (times of day, no date); dated {day} as given, its"
                       f" fixes, {first:%Y-%m-%d %H:%M} to {last:%H:%M} UTC, do not fit the patrol's window ({period},"
                       f" give or take {GGA_SLACK.seconds // 3600} hour): not this patrol's log, or not that date;"
                       f" nothing was imported")


def _is_nmea(path: Path) -> bool:
    """Whether the file starts like an NMEA log (a name ending .gpx, .nmea, .log or .txt proves nothing)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(nmea.SNIFF_BYTES)
    except OSError:
        return False  # the GPX reader says what is wrong with the file
    return nmea.looks_like_nmea(nmea.decode(head))


def _row(point: TrackPoint) -> dict[str, object]:
    return {"at": times.to_storage(point.at), "lat": point.lat, "lon": point.lon, "accuracy_m": point.accuracy_m,
            "source": point.source, "segment": point.segment}
