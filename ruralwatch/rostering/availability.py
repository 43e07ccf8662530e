"""Whether a person is available for an interval: weekly slots plus "extra" days, minus "away" days.

Slots and exceptions are UK local wall-clock times. Each is turned into an interval of real instants (POSIX
seconds) for the local date it belongs to, so the hour lost or gained when the clocks change is handled by the
time zone database rather than by arithmetic on wall-clock times:

- a wall-clock time the clocks skip (01:30 on the last Sunday of March) is read as the moment they changed;
- a wall-clock time that happens twice (01:30 on the last Sunday of October) is read as its first occurrence
  when a span starts then and its second when a span ends then, so "until 01:30" lasts until the clock last
  shows 01:30.

A ``Calendar`` merges a person's intervals once for a window of dates and answers each question with a binary
search, because auto-fill asks it hundreds of thousands of times.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.rostering.model import AvailabilityException, Volunteer

DAY = timedelta(days=1)
MIDNIGHT = time(0, 0)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Windows of dates closer than this to the one already merged are joined to it instead of replacing it.
WINDOW_JOIN_DAYS = 62


# --- local time helpers (shared with the rules) ----------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def local_instant(on: date, at: time, last: bool = False) -> float:
    """POSIX seconds of the UK wall-clock time `at` on local date `on`; `last` picks the second of a time that
    happens twice (see the module docstring)."""
    naive = datetime.combine(on, at)
    chosen = naive.replace(tzinfo=LOCAL_ZONE, fold=int(last)).timestamp()
    if datetime.fromtimestamp(chosen, LOCAL_ZONE).replace(tzinfo=None) == naive:
        return chosen
    first = naive.replace(tzinfo=LOCAL_ZONE, fold=0).timestamp()
    # Skipped by the clocks going forward: fold=1 reads it with the new offset, which lands before the change and
    # fold=0 after it; the change itself lies between, so find it (to the second).
    before = int(naive.replace(tzinfo=LOCAL_ZONE, fold=1).timestamp())
    after = int(first)
    offset_before = datetime.fromtimestamp(before, LOCAL_ZONE).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, LOCAL_ZONE).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return float(after)


def midnight(on: date) -> float:
    """POSIX seconds at the start of local date `on`."""
    return local_instant(on, MIDNIGHT)


def local_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, LOCAL_ZONE)


def local_date(moment: float) -> date:
    return datetime.fromtimestamp(moment, LOCAL_ZONE).date()


def format_day(on: date) -> str:
    """``Sat 14 Nov``; spelt out here so the laptop's locale cannot change it."""
    return f"{WEEKDAY_NAMES[on.weekday()]} {on.day} {MONTH_NAMES[on.month - 1]}"


def day_range(first: date, last: date) -> str:
    """``Sat 3 Jan``, ``3–9 Jan`` or ``28 Dec–3 Jan``."""
    if first == last:
        return format_day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {MONTH_NAMES[last.month - 1]}"
    return f"{first.day} {MONTH_NAMES[first.month - 1]}–{last.day} {MONTH_NAMES[last.month - 1]}"


def format_span(start: float, end: float) -> str:
    """``on Sat 14 Nov from 18:00 to 22:00`` or ``from Sat 14 Nov 22:00 to Sun 15 Nov 02:00``, UK local time."""
    first, last = local_datetime(start), local_datetime(end)
    if first.date() == last.date():
        return f"on {format_day(first.date())} from {first:%H:%M} to {last:%H:%M}"
    if last.date() == first.date() + DAY and last.time() == MIDNIGHT:
        return f"on {format_day(first.date())} from {first:%H:%M} to 24:00"
    return f"from {format_day(first.date())} {first:%H:%M} to {format_day(last.date())} {last:%H:%M}"


def span(on: date, start: time | None, end: time | None) -> tuple[float, float]:
    """Real instants of a wall-clock span on `on`; a missing start is 00:00, a missing end midnight, and an end
    at or before the start runs past midnight into the next day."""
    begin = start or MIDNIGHT
    if end is None:
        return local_instant(on, begin), midnight(on + DAY)
    return local_instant(on, begin), local_instant(on + DAY if end <= begin else on, end, last=True)


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals, touching ones joined (a slot ending at midnight and one starting then are one)."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(free: list[tuple[float, float]], away: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """`free` minus `away`; both sorted and merged."""
    result: list[tuple[float, float]] = []
    j = 0
    for start, end in free:
        cursor = start
        while j < len(away) and away[j][1] <= cursor:
            j += 1
        k = j
        while k < len(away) and away[k][0] < end:
            if away[k][0] > cursor:
                result.append((cursor, away[k][0]))
            cursor = max(cursor, away[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


class _Window(NamedTuple):
    first: date
    last: date
    lo: float  # answers are exact for intervals within [lo, hi)
    hi: float
    free_starts: list[float]
    free_ends: list[float]
    available: list[tuple[float, float]]  # slots and extras, before "away" is taken off (for explanations)
    away: list[tuple[float, float, AvailabilityException]]


class Calendar:
    """One person's availability as merged real-time intervals over a window of local dates (grown on demand)."""

    __slots__ = ("volunteer", "_weekly", "_extra", "_away", "_window")

    def __init__(self, volunteer: Volunteer) -> None:
        self.volunteer = volunteer
        weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for slot in volunteer.weekly:
            weekly[slot.weekday].append((slot.start, slot.end))
        self._weekly = tuple(tuple(slots) for slots in weekly)
        extra: dict[date, list[AvailabilityException]] = defaultdict(list)
        away: dict[date, list[AvailabilityException]] = defaultdict(list)
        for exception in volunteer.exceptions:
            (away if exception.kind == "away" else extra)[exception.on].append(exception)
        self._extra = dict(extra)
        self._away = dict(away)
        self._window: _Window | None = None

    def prepare(self, first: date, last: date) -> None:
        """Merge the intervals for local dates first..last now (auto-fill calls this once per person)."""
        self._ensure(first, last)

    def covers(self, start: float, end: float) -> bool:
        """True when the person is available for the whole of [start, end) (POSIX seconds)."""
        window = self._window
        if window is None or start < window.lo or end > window.hi:
            window = self._ensure(local_date(start), local_date(end))
        i = bisect_right(window.free_starts, start) - 1
        return i >= 0 and window.free_ends[i] >= end

    def gaps(self, start: float, end: float) -> str | None:
        """None when available for [start, end), else one sentence saying why not."""
        if self.covers(start, end):
            return None
        away = self.away_during(start, end)
        if away is not None:
            return away
        window = self._ensure(local_date(start), local_date(end))
        name = self.volunteer.display_name
        cursor = start
        for free_start, free_end in window.available:
            if free_end <= cursor:
                continue
            if free_start > cursor:
                break
            cursor = free_end
        uncovered = format_span(cursor, min(end, self._next_start(window, cursor)))
        if not self._weekly_any() and not self._extra:
            return f"{name} is not available {uncovered} (no availability is recorded)"
        return f"{name} is not available {uncovered} (outside their availability)"

    def away_during(self, start: float, end: float) -> str | None:
        """One sentence when a recorded day away overlaps [start, end) (POSIX seconds), else None."""
        window = self._ensure(local_date(start), local_date(end))
        for away_start, away_end, exception in window.away:
            if away_start < end and away_end > start:
                return away_text(self.volunteer.display_name, exception)
        return None

    def unavailable_words(self, start: float, end: float) -> str | None:
        """None when available for [start, end), else a few words: ``away 3–9 Jan`` (the whole run of days away
        around it), ``no availability recorded`` or ``not available Sat 18:00–23:00`` (the interval asked)."""
        if self.covers(start, end):
            return None
        window = self._ensure(local_date(start), local_date(end))
        for away_start, away_end, exception in window.away:
            if away_start < end and away_end > start:
                return self._away_run(exception)
        if not self.records_availability():
            return "no availability recorded"
        first, last = local_datetime(start), local_datetime(end)
        return f"not available {WEEKDAY_NAMES[first.weekday()]} {first:%H:%M}–{last:%H:%M}"

    def _away_run(self, exception: AvailabilityException) -> str:
        if exception.start is not None or exception.end is not None:
            return "away " + away_text("", exception).split(" is away on ", 1)[1]
        first = last = exception.on
        # A fortnight away is entered as one row per day: say the run, not the one day that overlaps.
        while self._whole_day_away(first - DAY):
            first -= DAY
        while self._whole_day_away(last + DAY):
            last += DAY
        return "away " + day_range(first, last)

    def _whole_day_away(self, on: date) -> bool:
        return any(e.start is None and e.end is None for e in self._away.get(on, ()))

    def records_availability(self) -> bool:
        """Whether the person has given any availability at all (a weekly slot or an extra time)."""
        return self._weekly_any() or bool(self._extra)

    def _weekly_any(self) -> bool:
        return any(self._weekly)

    @staticmethod
    def _next_start(window: _Window, moment: float) -> float:
        for free_start, _ in window.available:
            if free_start > moment:
                return free_start
        return float("inf")

    def _ensure(self, first: date, last: date) -> _Window:
        window = self._window
        if window is not None:
            if window.first <= first and last <= window.last:
                return window
            near = first >= window.first - timedelta(days=WINDOW_JOIN_DAYS) and (
                last <= window.last + timedelta(days=WINDOW_JOIN_DAYS)
            )
            if near:
                first, last = min(first, window.first), max(last, window.last)
        window = self._build(first, last)
        self._window = window  # replaced whole, never mutated, so a reader never sees half a window
        return window

    def _build(self, first: date, last: date) -> _Window:
        available: list[tuple[float, float]] = []
        away: list[tuple[float, float, AvailabilityException]] = []
        # A slot that starts the day before can run past midnight into `first`; longer reach is impossible
        # because every slot and exception lasts at most 24 hours of wall-clock time.
        on = first - DAY
        while on <= last:
            for slot_start, slot_end in self._weekly[on.weekday()]:
                begin, finish = span(on, slot_start, slot_end)
                if finish > begin:
                    available.append((begin, finish))
            for exception in self._extra.get(on, ()):
                begin, finish = span(on, exception.start, exception.end)
                if finish > begin:
                    available.append((begin, finish))
            for exception in self._away.get(on, ()):
                begin, finish = span(on, exception.start, exception.end)
                if finish > begin:
                    away.append((begin, finish, exception))
            on += DAY
        merged = _merge(available)
        away.sort(key=lambda item: (item[0], item[1]))
        free = _subtract(merged, _merge([(a, b) for a, b, _ in away]))
        return _Window(
            first=first, last=last, lo=midnight(first), hi=midnight(last + DAY),
            free_starts=[a for a, _ in free], free_ends=[b for _, b in free], available=merged, away=away,
        )


def away_text(name: str, exception: AvailabilityException) -> str:
    """``Dev Hughes is away on Sat 10 Oct`` (a whole day) or ``... from 18:00 to 23:00``."""
    day = format_day(exception.on)
    if exception.start is None and exception.end is None:
        return f"{name} is away on {day}"
    begin = f"{(exception.start or MIDNIGHT):%H:%M}"
    until = "24:00" if exception.end is None else f"{exception.end:%H:%M}"
    return f"{name} is away on {day} from {begin} to {until}"


def away_during(exceptions: Iterable[AvailabilityException], start: datetime,
                end: datetime) -> AvailabilityException | None:
    """The first "away" of `exceptions` that overlaps [start, end), or None: a person already rostered whose day
    away was added afterwards (their weekly availability aside: that is the rules' business when assigning)."""
    lo, hi = _seconds(start), _seconds(end)
    for exception in exceptions:
        if exception.kind == "away":
            begin, finish = span(exception.on, exception.start, exception.end)
            if begin < hi and finish > lo:
                return exception
    return None


@lru_cache(maxsize=2048)
def calendar_for(volunteer: Volunteer) -> Calendar:
    """The (cached) calendar of a volunteer; a changed volunteer is a different key, so it is never stale."""
    return Calendar(volunteer)


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} must be timezone-aware")
    return moment.astimezone(UTC).timestamp()


def is_available(volunteer: Volunteer, start: datetime, end: datetime) -> bool:
    """True when the whole of [start, end) is within the person's availability (timezone-aware datetimes)."""
    return calendar_for(volunteer).covers(_seconds(start), _seconds(end))


def availability_gaps(volunteer: Volunteer, start: datetime, end: datetime) -> str | None:
    """None when available for the whole of [start, end), else why not, e.g. ``Sam Reed is away on Sat 14 Nov``."""
    return calendar_for(volunteer).gaps(_seconds(start), _seconds(end))
