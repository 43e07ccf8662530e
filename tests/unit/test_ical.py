"""Duties as iCalendar: right instants either side of the October clock change, VTIMEZONE, status, stable UIDs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.io import ical
from ruralwatch.io.ical import CalendarDuty, duties_calendar, write_calendar

LONDON = ZoneInfo("Europe/London")
UPDATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _duty(uid: str, start: datetime, end: datetime, **changes: object) -> CalendarDuty:
    fields: dict[str, object] = {
        "uid": uid, "title": "Joint patrol, Thaxted", "kind": "joint_patrol", "start": start, "end": end,
        "location": "Thaxted police post, Town Street", "description": "Meet at 18:45 for kit check.",
        "crew": ("PC Sarah Mills", "SC Tom Hart"), "updated": UPDATED,
    }
    fields.update(changes)
    return CalendarDuty(**fields)  # type: ignore[arg-type]


DUTIES = (
    _duty("duty-bst", datetime(2026, 10, 24, 19, 0, tzinfo=LONDON), datetime(2026, 10, 24, 23, 0, tzinfo=LONDON)),
    _duty("duty-gmt", datetime(2026, 10, 25, 19, 0, tzinfo=LONDON), datetime(2026, 10, 25, 23, 0, tzinfo=LONDON)),
    _duty("duty-night", datetime(2026, 10, 24, 22, 0, tzinfo=LONDON), datetime(2026, 10, 25, 6, 0, tzinfo=LONDON)),
    _duty("duty-off", datetime(2026, 11, 2, 10, 0, tzinfo=LONDON), datetime(2026, 11, 2, 12, 0, tzinfo=LONDON),
          kind="training", title="First aid refresher", cancelled=True, crew=()),
)


def _events(data: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(data)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _utc(event: Event, name: str) -> datetime:
    return event.decoded(name).astimezone(UTC)


def test_calendar_header() -> None:
    calendar = Calendar.from_ical(duties_calendar("Thaxted team", DUTIES))
    assert str(calendar["prodid"]) == "-//RuralWatch//Duties//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-calname"]) == "Thaxted team"


def test_instants_either_side_of_the_clock_change() -> None:
    events = _events(duties_calendar("Team", DUTIES))
    bst, gmt = events["duty-bst@ruralwatch"], events["duty-gmt@ruralwatch"]
    assert _utc(bst, "dtstart") == datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    assert _utc(bst, "dtend") == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert _utc(gmt, "dtstart") == datetime(2026, 10, 25, 19, 0, tzinfo=UTC)
    assert _utc(gmt, "dtend") == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_night_across_the_change_lasts_nine_hours() -> None:
    night = _events(duties_calendar("Team", DUTIES))["duty-night@ruralwatch"]
    assert _utc(night, "dtend") - _utc(night, "dtstart") == timedelta(hours=9)


def test_times_are_local_wall_clock_with_tzid() -> None:
    text = duties_calendar("Team", DUTIES).decode()
    assert "DTSTART;TZID=Europe/London:20261024T190000" in text
    assert "DTSTART;TZID=Europe/London:20261025T190000" in text
    assert "DTEND;TZID=Europe/London:20261025T060000" in text


def test_vtimezone_defines_europe_london_correctly() -> None:
    calendar = Calendar.from_ical(duties_calendar("Team", DUTIES))
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["tzid"]) for zone in zones] == ["Europe/London"]
    # A client that trusts only the VTIMEZONE (not its own tz database) must get the same instants.
    tz = zones[0].to_tz()
    for event in calendar.walk("VEVENT"):
        for name in ("dtstart", "dtend"):
            wall = event.decoded(name).replace(tzinfo=None)
            assert wall.replace(tzinfo=tz).astimezone(UTC) == event.decoded(name).astimezone(UTC)
    assert calendar.get_missing_tzids() == set()


@pytest.mark.parametrize("year", [1996, 2026, 2027, 2035])
def test_yearly_rules_match_tzdata(year: int) -> None:
    assert ical._rules_hold(year)


def test_rules_that_no_longer_hold_fall_back_to_zoneinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ical, "_rules_hold", lambda year: False)
    calendar = Calendar.from_ical(duties_calendar("Team", DUTIES))
    zone = calendar.walk("VTIMEZONE")[0]
    assert str(zone["tzid"]) == "Europe/London"
    tz = zone.to_tz()
    assert datetime(2026, 10, 24, 19, 0, tzinfo=tz).astimezone(UTC).hour == 18
    assert datetime(2026, 10, 25, 19, 0, tzinfo=tz).astimezone(UTC).hour == 19
    assert ical._rules_hold(1995) is False  # 1995 ended BST on the fourth, not the last, Sunday of October


def test_event_fields_and_status() -> None:
    events = _events(duties_calendar("Team", DUTIES))
    patrol, cancelled = events["duty-bst@ruralwatch"], events["duty-off@ruralwatch"]
    assert str(patrol["summary"]) == "Joint patrol, Thaxted"
    assert str(patrol["location"]) == "Thaxted police post, Town Street"
    description = str(patrol["description"])
    assert "Kind: Joint patrol" in description and "Crew: PC Sarah Mills, SC Tom Hart" in description
    assert "Meet at 18:45 for kit check." in description
    assert str(patrol["status"]) == "CONFIRMED"
    assert patrol.decoded("dtstamp") == UPDATED and patrol.decoded("last-modified") == UPDATED

    assert str(cancelled["status"]) == "CANCELLED"
    assert "Kind: Training" in str(cancelled["description"])
    assert "CANCELLED" in str(cancelled["summary"])


def test_uids_and_bytes_are_stable_across_exports() -> None:
    first = duties_calendar("Team", DUTIES)
    second = duties_calendar("Team", tuple(reversed(DUTIES)))
    assert set(_events(first)) == {f"{duty.uid}@ruralwatch" for duty in DUTIES}
    assert first == second  # same duties, same file: events are ordered by start, DTSTAMP is the update time


def test_long_lines_are_folded() -> None:
    long = _duty("long", DUTIES[0].start, DUTIES[0].end, description="Gate code and directions. " * 20)
    data = duties_calendar("Team", (long,))
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert str(_events(data)["long@ruralwatch"]["description"]).endswith("Gate code and directions.")


def test_naive_times_are_uk_local() -> None:
    duty = _duty("naive", datetime(2026, 7, 1, 19, 0), datetime(2026, 7, 1, 21, 0))
    event = _events(duties_calendar("Team", (duty,)))["naive@ruralwatch"]
    assert _utc(event, "dtstart") == datetime(2026, 7, 1, 18, 0, tzinfo=UTC)


def test_duty_ending_before_it_starts_is_refused() -> None:
    bad = _duty("bad", DUTIES[0].end, DUTIES[0].start)
    with pytest.raises(ValueError, match="bad"):
        duties_calendar("Team", (bad,))


def test_write_calendar(tmp_path: Path) -> None:
    out = tmp_path / "duties.ics"
    write_calendar(out, "Team", DUTIES)
    assert out.read_bytes() == duties_calendar("Team", DUTIES)
    assert [p.name for p in tmp_path.iterdir()] == ["duties.ics"]


def test_write_calendar_to_missing_folder_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuralWatchError, match="does not exist"):
        write_calendar(tmp_path / "missing" / "duties.ics", "Team", DUTIES)
    assert list(tmp_path.iterdir()) == []
