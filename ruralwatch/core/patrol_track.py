"""A patrol's recorded track as plain records: a receiver's fix, and a stored track point (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TRACK_SOURCES = ("gps", "gpx", "nmea", "nmea-replay")  # a live receiver, an imported GPX file or NMEA log, a replay


@dataclass(frozen=True)
class Fix:
    """One position from a receiver, a GPX file or an NMEA log: UTC time, WGS84 degrees, horizontal accuracy (m)."""

    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class TrackPoint:
    at: datetime  # UTC
    lat: float
    lon: float
    accuracy_m: float | None
    source: str  # one of TRACK_SOURCES
    segment: int  # counts up after each receiver drop-out
