"""Patrols, their stops and logs, duties and hours as export tables (ruralwatch.io.exports writes them), from a
gathered `Picture` (ruralwatch.io.picture).

Crew are named by collar number and role; names, and registrations checked at stop-checks, only when the export
includes personal data (the service checks the role). Times are given in UTC and in UK local time, as for
incidents; places as WGS 84 latitude/longitude and an OS grid reference.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.vocab import (
    DUTY_KIND_NAMES,
    PATROL_EVENT_NAMES,
    PATROL_PURPOSE_NAMES,
    PATROL_STATUS_NAMES,
    PERSON_ROLE_NAMES,
    SKILL_NAMES,
)
from ruralwatch.core.vrm import display_vrm
from ruralwatch.io.column_types import BOOLEAN, INTEGER, LOCAL_TIME, NUMBER, TEXT
from ruralwatch.io.picture import CrewMember, Picture
from ruralwatch.patrols.dose import minutes_at_stops
from ruralwatch.rostering.hours import JOINT_PATROL, commitment_months

# (name, type, meaning) per table, in order; "personal" columns only when personal data is exported.
ColumnSpec = tuple[str, str, str]

PATROL_COLUMNS: tuple[ColumnSpec, ...] = (
    ("id", TEXT, "the patrol's id"),
    ("title", TEXT, "its title"),
    ("area", TEXT, "the district or ward it was planned for"),
    ("purpose", TEXT, "purpose code"),
    ("purpose_name", TEXT, "purpose, as the window shows it"),
    ("status", TEXT, "planned, briefed, in_progress, completed or cancelled"),
    ("status_name", TEXT, "status, as the window shows it"),
    ("planned_start_utc", TEXT, "planned start, UTC (ISO 8601)"),
    ("planned_start_local", LOCAL_TIME, "planned start, UK local time"),
    ("planned_end_utc", TEXT, "planned end, UTC"),
    ("planned_end_local", LOCAL_TIME, "planned end, UK local time"),
    ("started_at_utc", TEXT, "when it was started in the patrol log, UTC (empty: not started)"),
    ("started_at_local", LOCAL_TIME, "the same, UK local time"),
    ("ended_at_utc", TEXT, "when it was ended in the patrol log, UTC"),
    ("ended_at_local", LOCAL_TIME, "the same, UK local time"),
    ("briefed_at_utc", TEXT, "when its briefing pack was made, UTC"),
    ("vehicle", TEXT, "the vehicle used"),
    ("call_sign", TEXT, "its call sign"),
    ("crew", TEXT, "collar number (role) of each crew member, in the order added"),
    ("crew_count", INTEGER, "how many crewed it"),
    ("crew_names", TEXT, "the crew's names (personal data)"),
    ("planned_stops", INTEGER, "stops in the saved plan"),
    ("visited_stops", INTEGER, "planned stops the log shows an arrival at"),
    ("planned_dose_minutes", NUMBER, "minutes planned at the stops (the dose)"),
    ("delivered_dose_minutes", NUMBER, "minutes spent at the planned stops, from the log"),
    ("log_events", INTEGER, "entries in its patrol log"),
    ("stop_checks", INTEGER, "stop-checks logged"),
    ("vehicles_of_interest", INTEGER, "stop-checks that matched a vehicle of interest"),
    ("incidents_found", INTEGER, "log entries linked to an incident"),
    ("track_points", INTEGER, "points of its recorded track (0: no track)"),
    ("line", TEXT, "what the GeoJSON line is: the recorded track (one part per segment) or the planned route"),
    ("synthetic", BOOLEAN, "demo or test data"),
)

STOP_COLUMNS: tuple[ColumnSpec, ...] = (
    ("patrol_id", TEXT, "the patrol"),
    ("seq", INTEGER, "position in the route (1 = first)"),
    ("stop_key", TEXT, "the place's id (a hotspot cell, an incident...); log entries name their stop by it"),
    ("label", TEXT, "the stop as the briefing names it"),
    ("reason", TEXT, "why it was chosen"),
    ("harm", NUMBER, "crime harm there (Cambridge Crime Harm Index days) when planned"),
    ("planned_arrive_local", LOCAL_TIME, "planned arrival, UK local time"),
    ("planned_leave_local", LOCAL_TIME, "planned departure, UK local time"),
    ("planned_minutes", NUMBER, "minutes planned there"),
    ("measured_minutes", NUMBER, "minutes spent there, from the log (arrived to left)"),
    ("visited", BOOLEAN, "whether the log shows an arrival there"),
    ("lat", NUMBER, "latitude, WGS 84"),
    ("lon", NUMBER, "longitude, WGS 84"),
    ("grid_ref", TEXT, "OS grid reference (OSTN15)"),
)

EVENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ("id", TEXT, "the log entry's id"),
    ("patrol_id", TEXT, "the patrol"),
    ("kind", TEXT, "kind code (stop_check, arrived_stop, note...)"),
    ("kind_name", TEXT, "kind, as the window shows it"),
    ("at_utc", TEXT, "when, UTC"),
    ("at_local", LOCAL_TIME, "when, UK local time"),
    ("lat", NUMBER, "latitude, WGS 84 (empty: no position logged)"),
    ("lon", NUMBER, "longitude, WGS 84"),
    ("grid_ref", TEXT, "OS grid reference (OSTN15)"),
    ("stop_key", TEXT, "the planned stop it belongs to"),
    ("vrm", TEXT, "registration checked (personal data, as for incidents' vehicles)"),
    ("vehicle_of_interest", BOOLEAN, "the registration matched a vehicle of interest"),
    ("detail", TEXT, "what was noted"),
    ("incident_id", TEXT, "the incident it was linked to"),
)

DUTY_COLUMNS: tuple[ColumnSpec, ...] = (
    ("id", TEXT, "the duty's id"),
    ("title", TEXT, "its title"),
    ("kind", TEXT, "kind code"),
    ("kind_name", TEXT, "kind, as the roster shows it"),
    ("start_utc", TEXT, "start, UTC"),
    ("start_local", LOCAL_TIME, "start, UK local time"),
    ("end_utc", TEXT, "end, UTC"),
    ("end_local", LOCAL_TIME, "end, UK local time"),
    ("hours", NUMBER, "its length in hours"),
    ("station", TEXT, "the station it is from"),
    ("area", TEXT, "the area it covers"),
    ("status", TEXT, "planned, completed or cancelled"),
    ("min_crew", INTEGER, "places to fill at least"),
    ("max_crew", INTEGER, "places at most"),
    ("crew", TEXT, "collar number (role) of each person assigned"),
    ("crew_count", INTEGER, "how many are assigned"),
    ("crew_names", TEXT, "their names (personal data)"),
    ("open_places", INTEGER, "places still to fill (planned duties)"),
    ("needed_skills", TEXT, "skills it needs, with how many people"),
    ("patrol_id", TEXT, "the joint patrol it is the duty of"),
    ("synthetic", BOOLEAN, "demo or test data"),
)

HOURS_COLUMNS: tuple[ColumnSpec, ...] = (
    ("person_id", TEXT, "the person's id"),
    ("collar_number", TEXT, "their collar number"),
    ("role", TEXT, "role code"),
    ("role_name", TEXT, "role, as the roster shows it"),
    ("station", TEXT, "their station"),
    ("month", TEXT, "the month (YYYY-MM, UK local)"),
    ("hours", NUMBER, "hours worked: completed duties and joint patrols"),
    ("duty_hours", NUMBER, "of which duties"),
    ("patrol_hours", NUMBER, "of which joint patrols"),
    ("commitment_hours", NUMBER, "the hours a month they committed to (blank for a month before they were added)"),
    ("difference_hours", NUMBER, "hours minus commitment (blank for a month before they were added)"),
    ("below_commitment", BOOLEAN, "below commitment in a finished month (a month still running, or one before they "
                                  "were added, is never below)"),
    ("name", TEXT, "their name (personal data)"),
)

# Columns of these tables left out unless personal data is exported. (Registrations are not among them: as for
# incidents' vehicles they are exported to roles entitled to them and blank for others; the service sees to it.)
PERSONAL_COLUMNS = frozenset({"crew_names", "name"})


def _local(stored: str | None) -> datetime | None:
    return times.to_local(times.from_storage(stored)).replace(tzinfo=None) if stored else None


def _naive_local(moment: datetime) -> datetime:
    return times.to_local(moment).replace(tzinfo=None)


def grid_ref(lat: float | None, lon: float | None) -> str | None:
    """The OS grid reference of a point, or None off the grid (or with no point)."""
    if lat is None or lon is None:
        return None
    try:
        return geo.lat_lon_to_grid_ref(lat, lon)
    except (ValidationError, ValueError):
        return None


def _crew(members: list[CrewMember]) -> str:
    return "; ".join(f"{m.collar_number or 'no collar number'} ({PERSON_ROLE_NAMES.get(m.role, m.role)})"
                     for m in members)


def patrol_rows(picture: Picture) -> list[dict[str, Any]]:
    rows = []
    for patrol in picture.patrols:
        log = picture.events.get(patrol.id, [])
        measured = minutes_at_stops(log, patrol.ended_at)
        crew = picture.patrol_crew.get(patrol.id, [])
        kinds = Counter(event.kind for event in log)
        route = ([[patrol.base[1], patrol.base[0]]] if patrol.base else []) + [[s.lon, s.lat] for s in patrol.stops]
        track = picture.tracks.get(patrol.id, [])
        rows.append({
            "id": patrol.id, "title": patrol.title, "area": patrol.area, "purpose": patrol.purpose,
            "purpose_name": PATROL_PURPOSE_NAMES.get(patrol.purpose, patrol.purpose),
            "status": patrol.status.value, "status_name": PATROL_STATUS_NAMES.get(patrol.status.value),
            "planned_start_utc": times.to_storage(patrol.start), "planned_start_local": _naive_local(patrol.start),
            "planned_end_utc": times.to_storage(patrol.end), "planned_end_local": _naive_local(patrol.end),
            "started_at_utc": patrol.started_at, "started_at_local": _local(patrol.started_at),
            "ended_at_utc": patrol.ended_at, "ended_at_local": _local(patrol.ended_at),
            "briefed_at_utc": patrol.briefed_at, "vehicle": patrol.vehicle, "call_sign": patrol.call_sign,
            "crew": _crew(crew), "crew_count": len(crew), "crew_names": "; ".join(m.name for m in crew),
            "planned_stops": len(patrol.stops), "visited_stops": sum(1 for s in patrol.stops if s.key in measured),
            "planned_dose_minutes": round(sum(s.dwell_minutes for s in patrol.stops), 1),
            "delivered_dose_minutes": round(sum(measured.get(s.key, 0.0) for s in patrol.stops), 1),
            "log_events": len(log), "stop_checks": kinds["stop_check"],
            "vehicles_of_interest": sum(1 for e in log if e.flagged),
            "incidents_found": sum(1 for e in log if e.incident_id),
            "track_points": sum(len(s) for s in track), "line": "recorded track" if track else "planned route",
            "synthetic": patrol.synthetic,
            # For GeoJSON: the recorded track where there is one (a MultiLineString, a part per segment, so a
            # receiver's gap is not drawn as driven), else the planned route (start point, the stops in order).
            "_geometry": _track(track) if track else _line(route),
        })
    return rows


def _line(points: list[list[float]]) -> dict[str, Any] | None:
    if len(points) >= 2:
        return {"type": "LineString", "coordinates": points}
    if points:
        return {"type": "Point", "coordinates": points[0]}
    return None


def _track(segments: list[list[list[float]]]) -> dict[str, Any]:
    parts = [s if len(s) >= 2 else s * 2 for s in segments if s]  # a lone point: a zero-length part
    return {"type": "MultiLineString", "coordinates": parts}


def stop_rows(picture: Picture) -> list[dict[str, Any]]:
    rows = []
    for patrol in picture.patrols:
        measured = minutes_at_stops(picture.events.get(patrol.id, []), patrol.ended_at)
        for stop in patrol.stops:
            rows.append({
                "patrol_id": patrol.id, "seq": stop.seq, "stop_key": stop.key, "label": stop.label,
                "reason": stop.reason, "harm": stop.harm, "planned_arrive_local": _naive_local(stop.arrive),
                "planned_leave_local": _naive_local(stop.leave), "planned_minutes": stop.dwell_minutes,
                "measured_minutes": round(measured.get(stop.key, 0.0), 1), "visited": stop.key in measured,
                "lat": stop.lat, "lon": stop.lon, "grid_ref": grid_ref(stop.lat, stop.lon),
            })
    return rows


def event_rows(picture: Picture) -> list[dict[str, Any]]:
    rows = []
    for patrol in picture.patrols:
        for event in picture.events.get(patrol.id, []):
            rows.append({
                "id": event.id, "patrol_id": patrol.id, "kind": event.kind,
                "kind_name": PATROL_EVENT_NAMES.get(event.kind, event.kind), "at_utc": event.at,
                "at_local": _local(event.at), "lat": event.lat, "lon": event.lon,
                "grid_ref": grid_ref(event.lat, event.lon), "stop_key": event.stop_key,
                "vrm": display_vrm(event.vrm) if event.vrm else None, "vehicle_of_interest": event.flagged,
                "detail": event.detail, "incident_id": event.incident_id,
            })
    return rows


def duty_rows(picture: Picture) -> list[dict[str, Any]]:
    rows = []
    for duty in picture.duties:
        crew = picture.duty_crew.get(duty.id, [])
        rows.append({
            "id": duty.id, "title": duty.title, "kind": duty.kind, "kind_name": DUTY_KIND_NAMES.get(duty.kind),
            "start_utc": times.to_storage(duty.start), "start_local": _naive_local(duty.start),
            "end_utc": times.to_storage(duty.end), "end_local": _naive_local(duty.end),
            "hours": round(duty.hours, 2), "station": duty.station, "area": duty.area, "status": duty.status,
            "min_crew": duty.min_crew, "max_crew": duty.max_crew, "crew": _crew(crew), "crew_count": len(crew),
            "crew_names": "; ".join(m.name for m in crew), "open_places": duty.open_places,
            "needed_skills": ", ".join(f"{SKILL_NAMES.get(k, k)} x{n}" for k, n in duty.required_skills.items()),
            "patrol_id": duty.patrol_id or None, "synthetic": duty.synthetic,
        })
    return rows


def hours_rows(picture: Picture, months: list[str], current_month: str) -> list[dict[str, Any]]:
    """Per volunteer (everyone but regular officers, whose hours are not volunteer hours) and month: hours
    worked against their commitment. Active people every month; people who have left only in months they
    worked."""
    worked: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"duty": 0.0, "patrol": 0.0})
    for entry in picture.worked:
        worked[(entry.person_id, entry.month)]["patrol" if entry.kind == JOINT_PATROL else "duty"] += entry.hours
    # The same rule as the Hours tab: a month before the person was added is not below anything.
    joined = commitment_months({p["id"]: p["created_at"] for p in picture.people.values()},
                               ((entry.person_id, entry.month) for entry in picture.worked))
    rows = []
    people = sorted(picture.people.values(), key=lambda p: ((p["name"] or "").casefold(), p["id"]))
    for person in people:
        if person["role"] == "officer":
            continue
        for month in months:
            hours = worked.get((person["id"], month))
            if hours is None and not person["active"]:
                continue
            duty, patrol = (hours["duty"], hours["patrol"]) if hours else (0.0, 0.0)
            total = round(duty + patrol, 2)
            applies = month >= joined.get(person["id"], "")
            commitment = float(person["monthly_commitment_hours"] or 0.0) if applies else None
            rows.append({
                "person_id": person["id"], "collar_number": person["collar_number"] or "", "role": person["role"],
                "role_name": PERSON_ROLE_NAMES.get(person["role"], person["role"]),
                "station": person["station"] or "", "month": month, "hours": total, "duty_hours": round(duty, 2),
                "patrol_hours": round(patrol, 2), "commitment_hours": commitment,
                "difference_hours": round(total - commitment, 2) if commitment is not None else None,
                "below_commitment": commitment is not None and month < current_month and total < commitment,
                "name": person["name"],
            })
    return rows
