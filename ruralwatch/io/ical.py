"""Duties and joint patrols as an iCalendar (.ics) file, for a person or a team, to import into phones and Outlook.

A patrol is an event like a duty (``patrol_entry`` builds one): the summary names it by call sign, purpose and
area, the location is where the crew meets (the patrol's base, as a grid reference) and its area, and the UID is
``patrol-<id>@ruralwatch``, stable across exports like a duty's.

Times are written as UK local wall-clock time with TZID=Europe/London and a VTIMEZONE that defines it, so a
duty at 19:00 stays at 19:00 on either side of the clocks changing. The VTIMEZONE uses yearly rules (last Sunday
of March and October), the form Outlook reads reliably (it mishandles the RDATE lists that icalendar builds from
zoneinfo); when tzdata disagrees with those rules for the years covered (the UK changed its clocks), the exact
zoneinfo-built definition is used instead.

Each duty keeps its UID (``<uid>@ruralwatch``) across exports, so importing a newer file updates events rather
than duplicating them. DTSTAMP and LAST-MODIFIED are the duty's last update, so the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from ruralwatch.core.times import LOCAL_ZONE
from ruralwatch.core.vocab import DUTY_KIND_NAMES
from ruralwatch.io.exports import check_target, replace_atomically

PRODID = "-//RuralWatch//Duties//EN"
TZID = "Europe/London"
UID_DOMAIN = "ruralwatch"


@dataclass(frozen=True)
class CalendarDuty:
    uid: str  # stable id of the duty; becomes "<uid>@ruralwatch"
    title: str
    kind: str  # a key of DUTY_KINDS (or free text)
    start: datetime  # aware, or naive UK local time
    end: datetime
    location: str
    description: str
    crew: tuple[str, ...]
    updated: datetime  # last change to the duty
    cancelled: bool = False


def patrol_entry(
    patrol_id: str, call_sign: str, purpose: str, area: str, start: datetime, end: datetime, *,
    status: str = "", vehicle: str = "", briefing_place: str = "", notes: str = "", crew: Sequence[str] = (),
    updated: datetime,
) -> CalendarDuty:
    """A joint patrol as a calendar entry. `purpose` and `status` are display names ("Hare coursing operation",
    "Briefed"); `briefing_place` where the crew meets, if known. Cancelled patrols are left out by the caller."""
    subject = f"{purpose}, {area}" if area else purpose
    title = f"Patrol {call_sign}: {subject}" if call_sign.strip() else f"Patrol: {subject}"
    lines = [f"Status: {status}"] if status else []
    if vehicle.strip():
        lines.append(f"Vehicle: {vehicle.strip()}")
    if briefing_place:
        lines.append(f"Meet at: {briefing_place}")
    if notes.strip():
        lines += ["", notes.strip()]
    location = "; ".join(part for part in (briefing_place, area) if part)
    return CalendarDuty(
        uid=f"patrol-{patrol_id}", title=title, kind="joint_patrol", start=start, end=end, location=location,
        description="\n".join(lines), crew=tuple(crew), updated=updated,
    )


def duties_calendar(name: str, duties: Sequence[CalendarDuty]) -> bytes:
    """The .ics bytes (CRLF lines, folded at 75 octets by icalendar) for `duties`, earliest first."""
    for duty in duties:
        if _utc(duty.end) <= _utc(duty.start):
            raise ValueError(f"duty {duty.uid!r} ends ({duty.end.isoformat()}) before it starts "
                             f"({duty.start.isoformat()})")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)  # RFC 7986; X-WR-CALNAME is what Outlook, Google and Apple read
    calendar.add("x-wr-timezone", TZID)
    years = {moment.year for duty in duties for moment in (_local(duty.start), _local(duty.end))}
    calendar.add_component(london_timezone(min(years, default=2000), max(years, default=2000)))
    for duty in sorted(duties, key=lambda d: (_utc(d.start), d.uid)):
        calendar.add_component(_event(duty))
    return calendar.to_ical()


def write_calendar(path: Path, name: str, duties: Sequence[CalendarDuty]) -> None:
    """Write the .ics to `path` all or nothing (a missing folder raises RuralWatchError, leaving nothing behind)."""
    target = check_target(path)
    data = duties_calendar(name, duties)  # built before touching the disk: a bad duty leaves no temp file
    replace_atomically(target, lambda part: part.write_bytes(data))


def _event(duty: CalendarDuty) -> Event:
    kind = DUTY_KIND_NAMES.get(duty.kind, duty.kind)
    event = Event()
    event.add("uid", duty.uid if duty.uid.endswith(f"@{UID_DOMAIN}") else f"{duty.uid}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(duty.updated))
    event.add("last-modified", _utc(duty.updated))
    event.add("dtstart", _local(duty.start))
    event.add("dtend", _local(duty.end))
    # Outlook's import ignores STATUS, so the title says it too.
    event.add("summary", f"CANCELLED: {duty.title}" if duty.cancelled else duty.title)
    if duty.location:
        event.add("location", duty.location)
    lines = [f"Kind: {kind}"]
    if duty.crew:
        lines.append("Crew: " + ", ".join(duty.crew))
    if duty.description.strip():
        lines += ["", duty.description.strip()]
    event.add("description", "\n".join(lines))
    if kind:
        event.add("categories", [kind])
    event.add("status", "CANCELLED" if duty.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if duty.cancelled else "OPAQUE")  # a cancelled duty does not make you busy
    return event


def _local(moment: datetime) -> datetime:
    """UK wall-clock time in Europe/London (naive times are already UK local, as everywhere in RuralWatch)."""
    return moment.replace(tzinfo=LOCAL_ZONE) if moment.tzinfo is None else moment.astimezone(LOCAL_ZONE)


def _utc(moment: datetime) -> datetime:
    return _local(moment).astimezone(UTC)


# --- the time zone -------------------------------------------------------------------------------------------


def london_timezone(first_year: int, last_year: int) -> Timezone:
    """VTIMEZONE for Europe/London, valid at least for first_year..last_year."""
    if all(_rules_hold(year) for year in range(first_year, last_year + 1)):
        return _rule_timezone()
    # The yearly rules no longer describe UK time for these years: take zoneinfo's transitions as they are.
    return Timezone.from_tzinfo(LOCAL_ZONE, TZID, first_date=date(first_year - 1, 1, 1),
                                last_date=date(last_year + 2, 1, 1))


def _rule_timezone() -> Timezone:
    """GMT/BST since 1996 (EU rule): BST from 01:00 GMT on the last Sunday of March to 01:00 GMT (02:00 BST) on
    the last Sunday of October. Written the way Google and Outlook write it themselves."""
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "BST")
    daylight.add("tzoffsetfrom", timedelta(0))
    daylight.add("tzoffsetto", timedelta(hours=1))
    daylight.add("dtstart", datetime(1970, 3, 29, 1, 0))
    daylight.add("rrule", vRecur(freq="YEARLY", bymonth=3, byday="-1SU"))
    standard = TimezoneStandard()
    standard.add("tzname", "GMT")
    standard.add("tzoffsetfrom", timedelta(hours=1))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("dtstart", datetime(1970, 10, 25, 2, 0))
    standard.add("rrule", vRecur(freq="YEARLY", bymonth=10, byday="-1SU"))
    timezone.add_component(daylight)
    timezone.add_component(standard)
    return timezone


def _last_sunday(year: int, month: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _rule_offset(moment: datetime) -> timedelta:
    """UTC offset the yearly rules give at a UTC instant."""
    year = moment.year
    begins = datetime.combine(_last_sunday(year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    ends = datetime.combine(_last_sunday(year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return timedelta(hours=1) if begins <= moment < ends else timedelta(0)


def _rules_hold(year: int) -> bool:
    """Whether zoneinfo agrees with the yearly rules all through `year`: every day at noon and either side of
    both changes (a few hundred look-ups, microseconds each)."""
    probes = [datetime(year, 1, 1, 12, tzinfo=UTC) + timedelta(days=d) for d in range(366)]
    for month in (3, 10):
        change = datetime.combine(_last_sunday(year, month), datetime.min.time(), UTC) + timedelta(hours=1)
        probes += [change - timedelta(minutes=1), change, change + timedelta(minutes=1)]
    return all(p.astimezone(LOCAL_ZONE).utcoffset() == _rule_offset(p) for p in probes if p.year == year)
