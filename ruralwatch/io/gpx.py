"""GPX files of patrol tracks, read and written with gpxpy (a phone's or handheld's track in, a patrol's out).

Reading returns the fixes of each track segment (or, in a file without a track, of each route and of the loose
waypoints, as some apps save a recording); every point must carry a time, since the dose is minutes. Checking the
points against the force area and the patrol's day is the service's job (ruralwatch.services.patrols.track).
Horizontal accuracy is not part of GPX 1.1 and is not written (the receiver's HDOP is not metres).
"""

from __future__ import annotations

import re
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


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _xml_text(raw: bytes, name: str) -> str:
    """The file as text in the encoding its XML declaration names (some handhelds write ISO-8859-1), else UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte order mark (Windows tools)
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise GpxError(f"{name} is a binary file, not a GPX file")
    declared = _DECLARED_ENCODING.match(raw)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except LookupError:
        raise GpxError(f"{name} declares an encoding RuralWatch does not know ({encoding})") from None
    except UnicodeDecodeError as exc:
        said = encoding if declared else "UTF-8"
        raise GpxError(f"{name} is not a GPX file: it is not {said} text (bad byte at offset {exc.start})") from None


def read_track_file(path: Path, error: type[RuralWatchError], noun: str) -> bytes:
    """A track file's bytes (GPX here, an NMEA log in ruralwatch.io.nmea); a folder or an unreadable file raises
    `error` saying so in words."""
    if path.is_dir():
        raise error(f"{path.name} is a folder, not {noun}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {path.name}: {exc.strerror or exc}") from None


def read_segments(path: Path) -> list[list[Fix]]:
    """The fixes of each segment in the file, in file order. Raises GpxError for a file that is unreadable,
    not GPX (or cut short), has no points, or has a point without a time."""
    raw = read_track_file(path, GpxError, "a GPX file")
    text = _xml_text(raw, path.name)
    start = text.lstrip("\ufeff \t\r\n")
    if not start:
        raise GpxError(f"{path.name} is empty: neither a GPX file nor an NMEA log")
    if not start.startswith("<"):  # the track import reads an NMEA log before it comes here
        raise GpxError(f"{path.name} is neither a GPX file (XML) nor an NMEA log (lines of $GPRMC, $GNGGA ...)")
    import gpxpy

    try:
        parsed = gpxpy.parse(text)
    except Exception as exc:  # gpxpy raises GPXXMLSyntaxException, GPXException, or ValueError on bad numbers
        raise GpxError(f"{path.name} is not a readable GPX file (cut short or damaged?): {_short(exc)}") from None
    segments: list[list[gpxpy.gpx.GPXTrackPoint | gpxpy.gpx.GPXRoutePoint | gpxpy.gpx.GPXWaypoint]] = []
    for track in parsed.tracks:
        segments.extend(list(segment.points) for segment in track.segments if segment.points)
    if not segments:
        # No recorded track: some apps save one as a route or as waypoints. Beside a track, a route is the plan and
        # waypoints are marked places (often untimed), not where the crew went: they are left out.
        segments.extend(list(route.points) for route in parsed.routes if route.points)
        if parsed.waypoints:
            segments.append(list(parsed.waypoints))
    if not segments:
        raise GpxError(f"{path.name} holds no track points")
    fixes: list[list[Fix]] = []
    for points in segments:
        found = []
        for point in points:
            if point.time is None:
                raise GpxError(f"{path.name} has points without a time (at {point.latitude:.5f}, "
                               f"{point.longitude:.5f}): a track needs times to measure minutes")
            if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):  # NaN fails too
                raise GpxError(f"{path.name} has a point whose position is not a latitude and longitude "
                               f"({point.latitude}, {point.longitude}): the file is damaged")
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
