"""GPX files of patrol tracks, read and written with gpxpy (a phone's or handheld's track in, a patrol's out).

Reading returns the fixes of each track segment (and of each route or loose waypoint list, which have no
segments); every point must carry a time, since the dose is minutes. Checking the points against the force area
and the patrol's day is the service's job (ruralwatch.services.patrols.track). Horizontal accuracy is not part of
GPX 1.1 and is not written (the receiver's HDOP is not metres).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.patrol_track import Fix, TrackPoint

if TYPE_CHECKING:
    import gpxpy.gpx

# gpxpy is imported by the functions that read or write a file: the patrol service imports this module, and
# every process that builds the services paid for gpxpy (0.03-0.04 s) without a GPX file in sight (issue 21).

CREATOR = "RuralWatch"


class GpxError(RuralWatchError):
    """A GPX file that cannot be used as a track; the message says why and names the file."""


def read_segments(path: Path) -> list[list[Fix]]:
    """The fixes of each segment in the file, in file order. Raises GpxError for a file that is unreadable,
    not GPX (or cut short), has no points, or has a point without a time."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GpxError(f"cannot read {path.name}: {exc}") from None
    import gpxpy

    try:
        parsed = gpxpy.parse(text)
    except Exception as exc:  # gpxpy raises GPXXMLSyntaxException, GPXException, or ValueError on bad numbers
        raise GpxError(f"{path.name} is not a readable GPX file (cut short or damaged?): {_short(exc)}") from None
    segments: list[list[gpxpy.gpx.GPXTrackPoint | gpxpy.gpx.GPXRoutePoint | gpxpy.gpx.GPXWaypoint]] = []
    for track in parsed.tracks:
        segments.extend(list(segment.points) for segment in track.segments)
    segments.extend(list(route.points) for route in parsed.routes)
    if parsed.waypoints:
        segments.append(list(parsed.waypoints))
    segments = [s for s in segments if s]
    if not segments:
        raise GpxError(f"{path.name} holds no track points")
    fixes: list[list[Fix]] = []
    for points in segments:
        found = []
        for point in points:
            if point.time is None:
                raise GpxError(f"{path.name} has points without a time (at {point.latitude:.5f}, "
                               f"{point.longitude:.5f}): a track needs times to measure minutes")
            moment = point.time if point.time.tzinfo else point.time.replace(tzinfo=UTC)
            found.append(Fix(moment.astimezone(UTC), float(point.latitude), float(point.longitude)))
        fixes.append(sorted(found, key=lambda f: f.at))
    return fixes


def write_track(path: Path, name: str, points: Sequence[TrackPoint]) -> None:
    """One track named `name`, one GPX segment per track segment (a drop-out stays a gap)."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = CREATOR
    track = gpxpy.gpx.GPXTrack(name=name)
    gpx.tracks.append(track)
    current: gpxpy.gpx.GPXTrackSegment | None = None
    segment: int | None = None
    for point in points:
        if current is None or point.segment != segment:
            current = gpxpy.gpx.GPXTrackSegment()
            track.segments.append(current)
            segment = point.segment
        current.points.append(gpxpy.gpx.GPXTrackPoint(point.lat, point.lon, time=point.at))
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
