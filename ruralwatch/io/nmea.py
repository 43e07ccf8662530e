"""NMEA 0183 logs of patrol tracks (a vehicle's GPS unit or a phone app: one `$GPRMC`, `$GNGGA`, ... a line), read
with pynmea2 into the same per-segment fixes as a GPX file (ruralwatch.io.gpx).

Only RMC and GGA sentences carry a position; any talker is accepted (GP, GN, GL, GA, BD...). A sentence is used
when its checksum is present and right and it reports a fix (GGA quality above 0, RMC status A); the others, and
lines that are not sentences at all, are skipped and counted (`NmeaLog.skipped`). A no-fix sentence between fixes
is the receiver losing its fix: the next fix starts a new segment, as a live recorder's drop-out does.

Dates: RMC carries the date (UTC), and so does ZDA (time and date, no position: some units log GGA and ZDA but
no RMC); GGA carries only a time of day. An RMC or ZDA sets the date, for the GGA of the same moment beside it
too; any other GGA is put on whichever
day (the one before, the same, the one after) brings it nearest to the sentence before it, so a log that runs
past midnight UTC carries on into the next day before the next RMC says so, and a GGA stamped 23:59:59 just after
an RMC of 00:00:00 stays on the day before. GGA sentences before the first RMC are placed back from it the same
way. A log with neither (no date at all; many vehicle units log only GGA) fits any day, so it is read only with an
`anchor`: the period the caller knows the log is from (for the import, the day the user says it was recorded). Its
first fix goes on the day that puts it within that period, or nearest to it, and every later (earlier) GGA is
carried forward (back) from there as above, across midnight when the time of day goes backwards. Without an anchor
it is refused (NoDateError).

The live replay (ruralwatch.ui.positioning) reads logs through Qt's own NMEA source; this reader is for the
import, below the window (no Qt outside ruralwatch/ui). Checking the fixes against the force area and the
patrol's day is the service's job (ruralwatch.services.patrols.track).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.patrol_track import Fix
from ruralwatch.io.gpx import read_track_file

# '$', a talker (two letters) and a sentence id (three), a comma: how a log is told from a GPX file by content.
# Serial loggers may put a time stamp (or a port name) before each sentence: up to PREFIX_CHARS of it are read past.
PREFIX_CHARS = 40
_SENTENCE_START = re.compile(r"^[^$<\n]{0," + str(PREFIX_CHARS) + r"}\$[A-Z]{2}[A-Z]{3},", re.MULTILINE)
_SENTENCE_AFTER_PREFIX = re.compile(r"\$[A-Z]{2}[A-Z]{3},")
# The position sentences, any talker; anything else that is a sentence is read past without being parsed.
_POSITION = re.compile(r"^\$[A-Z]{2}(GGA|RMC),")
_DATE = re.compile(r"^\$[A-Z]{2}ZDA,")  # a date and time, no position
_DAY = timedelta(days=1)
# How much of a file is looked at to tell an NMEA log from a GPX file.
SNIFF_BYTES = 4096

# The reasons a line is skipped, as the import reports them.
BAD_CHECKSUM = "bad_checksum"
NO_FIX = "no_fix"
UNREADABLE = "unreadable"
SKIP_WORDS = {BAD_CHECKSUM: "with a bad or missing checksum", NO_FIX: "without a fix",
              UNREADABLE: "unreadable"}


class NmeaError(RuralWatchError):
    """An NMEA log that cannot be used as a track; the message says why and names the file."""


class NoDateError(NmeaError):
    """A log of GGA fixes with no sentence giving a date, read without an anchor: the caller asks for the date."""


@dataclass
class NmeaLog:
    """The fixes of each segment, in time order, and how many lines were skipped for each reason."""

    segments: list[list[Fix]]
    skipped: dict[str, int] = field(default_factory=lambda: {BAD_CHECKSUM: 0, NO_FIX: 0, UNREADABLE: 0})
    # GGA only: the dates came from the anchor, not the log (the caller checks the times fit what it knows)
    dated_by_anchor: bool = False


# The period a log is known to be from (UTC, aware): where a GGA-only log's first fix is put.
Anchor = tuple[datetime, datetime]


def decode(raw: bytes) -> str:
    """A log's text: UTF-16 when it starts with a byte order mark (Windows tools save logs so), else UTF-8; sentences
    are ASCII, and anything else is a line to skip."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8", errors="replace")


def looks_like_nmea(head: str) -> bool:
    """Whether the start of a file reads as an NMEA log (sentences, one a line) rather than XML."""
    text = head.lstrip("\ufeff \t\r\n")
    return not text.startswith("<") and _SENTENCE_START.search(text) is not None


def skipped_text(skipped: dict[str, int]) -> str:
    """'3 with a bad or missing checksum, 12 without a fix' ('' when nothing was skipped)."""
    return ", ".join(f"{n} {SKIP_WORDS[k]}" for k, n in skipped.items() if n)


@dataclass
class _Reading:
    """One usable or no-fix position sentence, before its date is known (`day` None: a GGA not yet placed)."""

    tod: time
    day: date | None
    lat: float = math.nan
    lon: float = math.nan
    fix: bool = True
    date_only: bool = False  # a ZDA: dates the moment's GGA, is neither a fix nor a lost one


def read_log(path: Path, anchor: Anchor | None = None) -> NmeaLog:
    """The fixes in the log, one per moment, split where the receiver lost its fix; `anchor` dates a log of GGA
    sentences only (see the module's notes). Raises NmeaError for a file that is unreadable or holds no usable fix
    (the message counts what was skipped)."""
    raw = read_track_file(path, NmeaError, "an NMEA log")
    return parse_lines(decode(raw).removeprefix("\ufeff").splitlines(), path.name, anchor)


def parse_lines(lines: list[str], name: str, anchor: Anchor | None = None) -> NmeaLog:
    """`read_log` on lines already read (the property tests feed it any text)."""
    log = NmeaLog([])
    readings: list[_Reading] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if not text.startswith("$"):
            found = _SENTENCE_AFTER_PREFIX.search(text, 0, PREFIX_CHARS + 8)
            if found is None or "<" in text[:found.start()]:
                log.skipped[UNREADABLE] += 1
                continue
            text = text[found.start():]  # a logger's time stamp before the sentence: the sentence has its own time
        if _DATE.match(text):
            dated = _read_date(text)
            if dated is not None:
                readings.append(dated)
            continue  # a ZDA that cannot be read: no position lost with it, so nothing to count
        if not _POSITION.match(text):
            continue  # another sentence (satellites, ...): no position in it, nothing wrong with it
        reading = _read_sentence(text, log.skipped)
        if reading is not None:
            readings.append(reading)
    if not any(r.fix for r in readings):
        said = skipped_text(log.skipped)
        raise NmeaError(f"{name} holds no usable position fix (GGA or RMC)" + (f": skipped {said}" if said else "")
                        + "; nothing was imported")
    if not any(r.day is not None for r in readings):
        if anchor is None:
            raise NoDateError(f"{name} has GGA fixes but no RMC or ZDA sentence, so no date: only times of day,"
                              f" which fit any day")
        first = next(r for r in readings if r.fix)
        first.day = _day_within(first.tod, anchor)
        log.dated_by_anchor = True
    _place_days(readings)
    log.segments = _segments(readings)
    return log


def _read_sentence(text: str, skipped: dict[str, int]) -> _Reading | None:
    import pynmea2

    try:
        sentence = pynmea2.parse(text, check=True)
    except pynmea2.ChecksumError:
        skipped[BAD_CHECKSUM] += 1
        return None
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
        skipped[UNREADABLE] += 1
        return None
    try:
        tod = sentence.timestamp  # pynmea2 leaves a field it cannot convert as text
        if not isinstance(tod, time):
            raise ValueError("no time")
        tod = tod.replace(tzinfo=None)  # UTC by definition; dates are added before it becomes aware
        if isinstance(sentence, pynmea2.types.talker.RMC):
            day = sentence.datestamp
            if not isinstance(day, date):
                raise ValueError("no date")
            fix = sentence.status == "A"
        else:
            day = None
            quality = sentence.gps_qual
            if not isinstance(quality, int):
                raise ValueError("no quality")
            fix = quality > 0
        if not fix:
            skipped[NO_FIX] += 1
            return _Reading(tod, day, fix=False)
        if sentence.lat_dir not in ("N", "S") or sentence.lon_dir not in ("E", "W"):
            raise ValueError("no hemisphere")
        lat, lon = float(sentence.latitude), float(sentence.longitude)
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise ValueError("not a position")
    except (ValueError, TypeError, AttributeError, IndexError, OverflowError):
        skipped[UNREADABLE] += 1
        return None
    return _Reading(tod, day, lat, lon)


def _read_date(text: str) -> _Reading | None:
    """A ZDA's moment and date (UTC), or None when it is damaged or empty (a receiver without a fix sends
    `$GPZDA,,,,,,`)."""
    import pynmea2

    try:
        sentence = pynmea2.parse(text, check=True)
        tod, day = sentence.timestamp, sentence.datestamp
    except (pynmea2.ParseError, pynmea2.ChecksumError, ValueError, TypeError, AttributeError, IndexError,
            OverflowError):
        return None
    if not isinstance(tod, time) or not isinstance(day, date):
        return None
    return _Reading(tod.replace(tzinfo=None), day, fix=False, date_only=True)


def _nearest(tod: time, moment: datetime) -> datetime:
    """`tod` on the day before, of, or after `moment`, whichever is nearest to it."""
    candidates = (datetime.combine(moment.date() + shift, tod) for shift in (-_DAY, timedelta(0), _DAY))
    return min(candidates, key=lambda c: abs(c - moment))


def _day_within(tod: time, anchor: Anchor) -> date:
    """The date that puts `tod` (UTC) within the anchor's period, the first such; else nearest to the period."""
    begin, end = (moment.astimezone(UTC).replace(tzinfo=None) for moment in anchor)
    days = (end.date() - begin.date()).days
    candidates = [datetime.combine(begin.date() + timedelta(days=n), tod) for n in range(-1, days + 2)]
    return min(candidates, key=lambda c: (max(begin - c, c - end, timedelta(0)), c)).date()


def _place_days(readings: list[_Reading]) -> None:
    """Give every reading its date (see the module's notes)."""
    # A receiver sends one moment's sentences together: a GGA beside an RMC of the same time takes its date,
    # even when the log jumps days (two recordings one after the other).
    start = 0
    while start < len(readings):
        end = start
        while end < len(readings) and readings[end].tod == readings[start].tod:
            end += 1
        day = next((r.day for r in readings[start:end] if r.day is not None), None)
        for reading in readings[start:end]:
            reading.day = reading.day or day
        start = end
    first = next(i for i, r in enumerate(readings) if r.day is not None)
    anchor = datetime.combine(readings[first].day, readings[first].tod)  # type: ignore[arg-type]
    for reading in reversed(readings[:first]):  # GGA before the first RMC, back from it
        placed = _nearest(reading.tod, anchor)
        reading.day, anchor = placed.date(), placed
    moment = datetime.combine(readings[first].day, readings[first].tod)  # type: ignore[arg-type]
    for reading in readings[first + 1:]:
        if reading.day is not None:
            moment = datetime.combine(reading.day, reading.tod)
        else:
            moment = _nearest(reading.tod, moment)
            reading.day = moment.date()


def _segments(readings: list[_Reading]) -> list[list[Fix]]:
    segments: list[list[Fix]] = [[]]
    seen: set[datetime] = set()
    lost = False
    last: datetime | None = None
    for reading in readings:
        if reading.date_only:
            continue
        at = datetime.combine(reading.day, reading.tod, tzinfo=UTC)  # type: ignore[arg-type]
        if not reading.fix:
            # lost after the last fix (not the other sentence of the moment a fix was read for)
            lost = lost or (last is not None and at > last)
            continue
        if at in seen:
            continue  # the GGA and the RMC of one moment: one fix
        seen.add(at)
        last = at if last is None else max(last, at)
        if lost:
            segments.append([])
            lost = False
        segments[-1].append(Fix(at, reading.lat, reading.lon))
    return [sorted(s, key=lambda f: f.at) for s in segments if s]
