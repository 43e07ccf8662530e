"""What an export holds beyond incidents — patrols with their crew and logs, duties, people and the hours they
worked — gathered from stored rows, so a laptop's database and either central store give the same records.

A `RowSource` hands over a table's live rows (dicts by column) with protected values already opened for those
entitled, or blank: the laptop's source opens them through its keys, the PostgreSQL central store leaves
registrations blank (ruralwatch.central.pg_export). Records are built by the same converters the laptop's
repositories use (ruralwatch.core.patrol, ruralwatch.core.people) and the hours by the one hours rule
(ruralwatch.rostering.hours).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ruralwatch.core import times
from ruralwatch.core.patrol import LoggedEvent, PatrolRecord, event_from_row, patrol_from_row
from ruralwatch.core.people import DutyRecord, duty_from_row
from ruralwatch.rostering.hours import WorkedHours, worked_hours

PICTURE_TABLES = ("patrols", "patrol_crew", "patrol_events", "patrol_track_points", "duties", "duty_assignments",
                  "people")


class RowSource(Protocol):
    def live_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of `table` that is not a tombstone, every column (protected ones opened, or blank)."""
        ...


@dataclass(frozen=True)
class CrewMember:
    """Who crewed a patrol or a duty, as an analyst's export names them: collar number and role (the name is
    personal data, exported only when asked for)."""

    person_id: str
    name: str
    role: str
    collar_number: str


@dataclass
class Picture:
    patrols: list[PatrolRecord] = field(default_factory=list)  # by planned start
    events: dict[str, list[LoggedEvent]] = field(default_factory=dict)  # patrol id -> in time order
    # patrol id -> its recorded track: one [[lon, lat], ...] line per segment (a receiver drop-out is a gap)
    tracks: dict[str, list[list[list[float]]]] = field(default_factory=dict)
    patrol_crew: dict[str, list[CrewMember]] = field(default_factory=dict)
    duties: list[DutyRecord] = field(default_factory=list)  # by start
    duty_crew: dict[str, list[CrewMember]] = field(default_factory=dict)
    duty_hours: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (duty, person) -> recorded
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # live people rows by id
    worked: list[WorkedHours] = field(default_factory=list)  # every month; the hours table picks its months


def _local_day(stored: str) -> date:
    return times.to_local(times.from_storage(stored)).date()


def _within(stored: str, first: date | None, last: date | None) -> bool:
    day = _local_day(stored)
    return (first is None or day >= first) and (last is None or day <= last)


def gather(source: RowSource, first: date | None = None, last: date | None = None) -> Picture:
    """Patrols and duties planned to start on UK local days first..last (inclusive; None: open), with their crew
    and logs; every live person; the hours everyone worked."""
    people = {row["id"]: row for row in source.live_rows("people")}

    def member(person_id: str) -> CrewMember | None:
        row = people.get(person_id)
        if row is None:  # a person since removed: their place is not shown, as in the window
            return None
        return CrewMember(person_id, row["name"] or "", row["role"] or "", row["collar_number"] or "")

    def crews(rows: list[dict[str, Any]], key: str) -> dict[str, list[CrewMember]]:
        by_owner: dict[str, list[CrewMember]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r["created_at"] or "", people.get(r["person_id"], {}).get("name")
                                               or "")):
            found = member(row["person_id"])
            if found is not None:
                by_owner[row[key]].append(found)
        return dict(by_owner)

    patrol_rows = source.live_rows("patrols")
    crew_rows = source.live_rows("patrol_crew")
    duty_rows = source.live_rows("duties")
    assignment_rows = source.live_rows("duty_assignments")
    picture = Picture(people=people)
    picture.patrol_crew = crews(crew_rows, "patrol_id")
    picture.duty_crew = crews(assignment_rows, "duty_id")
    picture.patrols = sorted(
        (patrol_from_row(row, tuple((m.person_id, m.name) for m in picture.patrol_crew.get(row["id"], [])))
         for row in patrol_rows if _within(row["starts_at"], first, last)),
        key=lambda p: (p.start, p.id))
    chosen = {p.id for p in picture.patrols}
    events: dict[str, list[tuple[tuple[str, str, str], LoggedEvent]]] = defaultdict(list)
    for row in source.live_rows("patrol_events"):
        if row["patrol_id"] in chosen and not row.get("withdrawn_at"):  # withdrawn: logged by mistake
            events[row["patrol_id"]].append(((row["at"], row["created_at"] or "", row["id"]), event_from_row(row)))
    picture.events = {pid: [event for _, event in sorted(found, key=lambda pair: pair[0])]
                      for pid, found in events.items()}
    points: dict[str, list[tuple[str, int, float, float]]] = defaultdict(list)
    for row in source.live_rows("patrol_track_points"):
        if row["patrol_id"] in chosen and row["lat"] is not None and row["lon"] is not None:
            points[row["patrol_id"]].append((row["at"], int(row["segment"] or 0), row["lon"], row["lat"]))
    for patrol_id, found_points in points.items():
        segments: dict[int, list[list[float]]] = defaultdict(list)
        for _, segment, lon, lat in sorted(found_points):
            segments[segment].append([lon, lat])
        picture.tracks[patrol_id] = [segments[k] for k in sorted(segments)]
    picture.duties = sorted(
        (duty_from_row(row, tuple((m.person_id, m.name) for m in picture.duty_crew.get(row["id"], [])))
         for row in duty_rows if _within(row["starts_at"], first, last)),
        key=lambda d: (d.start, d.title, d.id))
    picture.duty_hours = {(row["duty_id"], row["person_id"]): row["hours"] for row in assignment_rows}
    picture.worked = worked_hours(duty_rows, assignment_rows, patrol_rows, crew_rows, people)
    return picture
