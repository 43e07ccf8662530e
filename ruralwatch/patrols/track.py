"""A patrol's recorded track: position fixes in, thinned track points out (no I/O, no Qt).

A receiver reports a fix every second or so; a four-hour patrol would be 14,400 rows of mostly the same place
(parked at a hotspot) or of a straight lane. `Thinner` keeps a fix when KEEP_EVERY_S seconds have passed since
the last kept one or the crew moved KEEP_EVERY_M metres from it, whichever comes first: at 30 mph (13 m/s) that
is a point every 2 s, parked one every 5 s, so a stop's dwell is measured to within a few seconds and a lane's
bends are kept, at about a third of the rows.

A fix after a silence of more than GAP_S seconds (or after the receiver said it lost its fix) starts a new
`segment`: the gap is recorded, never bridged by a straight line that was not driven, and the dose does not count
time in it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ruralwatch.core.patrol_track import TRACK_SOURCES, Fix, TrackPoint

KEEP_EVERY_S = 5.0  # a point at least this often (seconds) while the receiver reports
KEEP_EVERY_M = 25.0  # ... or when the crew moved this far (metres) from the last point kept
GAP_S = 30.0  # no fix for this long: a drop-out, the next fix starts a new segment
EARTH_RADIUS_M = 6_371_008.8

__all__ = ["TRACK_SOURCES", "Fix", "Gap", "Thinner", "TrackPoint", "TrackStats", "distance_m", "thin", "track_stats"]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class Thinner:
    """Decides which fixes become track points, and numbers the segments.

    `segment` starts after the highest segment already stored (a recorder restarted after a crash continues with
    a new segment: the time it was down is a gap like any other)."""

    def __init__(self, source: str, segment: int = 0, keep_every_s: float = KEEP_EVERY_S,
                 keep_every_m: float = KEEP_EVERY_M, gap_s: float = GAP_S) -> None:
        self.source = source
        self.segment = segment
        self.keep_every_s = keep_every_s
        self.keep_every_m = keep_every_m
        self.gap_s = gap_s
        self._last_fix: datetime | None = None
        self._kept: TrackPoint | None = None
        self._broken = False

    def drop_out(self) -> None:
        """The receiver lost its fix or its connection: the next fix starts a new segment."""
        self._broken = True

    def offer(self, fix: Fix) -> TrackPoint | None:
        """The track point to store for this fix, or None when it adds nothing (or goes back in time)."""
        if self._last_fix is not None and fix.at <= self._last_fix:
            return None
        new_segment = self._broken or (self._last_fix is not None
                                       and (fix.at - self._last_fix).total_seconds() > self.gap_s)
        self._last_fix = fix.at
        kept = self._kept
        if new_segment or kept is None:
            if kept is not None:
                self.segment += 1
            self._broken = False
            return self._keep(fix)
        if ((fix.at - kept.at).total_seconds() >= self.keep_every_s
                or distance_m(kept.lat, kept.lon, fix.lat, fix.lon) >= self.keep_every_m):
            return self._keep(fix)
        return None

    def _keep(self, fix: Fix) -> TrackPoint:
        self._kept = TrackPoint(fix.at, fix.lat, fix.lon, fix.accuracy_m, self.source, self.segment)
        return self._kept


def thin(fixes: Iterable[Fix], source: str, segment: int = 0) -> list[TrackPoint]:
    thinner = Thinner(source, segment)
    return [p for p in (thinner.offer(f) for f in fixes) if p is not None]


@dataclass(frozen=True)
class Gap:
    """Time between two segments of a track: the receiver dropped out (or the recorder was down)."""

    start: datetime  # the last point before it (UTC)
    end: datetime  # the first point after it

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class TrackStats:
    """A track's figures without a map: how far, how long, and where it has holes."""

    points: int
    segments: int
    first: datetime | None
    last: datetime | None
    distance_m: float  # along each segment; nothing is counted across a gap (where the crew went is not known)
    recorded_s: float  # the time the segments cover
    gaps: tuple[Gap, ...]

    @property
    def duration_s(self) -> float:
        return (self.last - self.first).total_seconds() if self.first and self.last else 0.0

    @property
    def gap_s(self) -> float:
        return sum(g.seconds for g in self.gaps)


def track_stats(track: Sequence[TrackPoint]) -> TrackStats:
    """Distance, duration and gaps of a track in time order (as the repository reads it)."""
    if not track:
        return TrackStats(0, 0, None, None, 0.0, 0.0, ())
    distance = recorded = 0.0
    gaps: list[Gap] = []
    for before, after in zip(track, track[1:], strict=False):
        if after.segment != before.segment:
            gaps.append(Gap(before.at, after.at))
            continue
        distance += distance_m(before.lat, before.lon, after.lat, after.lon)
        recorded += (after.at - before.at).total_seconds()
    return TrackStats(len(track), len({p.segment for p in track}), track[0].at, track[-1].at, distance, recorded,
                      tuple(gaps))
