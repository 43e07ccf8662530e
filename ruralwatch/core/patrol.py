"""Joint patrols: what a form or the CLI gives for a patrol and for an event logged on it, checked; and the
patrol and its logged events as the service returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.patrol_plan import PlanSettings, PlanStop, settings_from_json, stop_to_json, stops_from_json
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.people import parse_time_of_day
from ruralwatch.core.vocab import PATROL_EVENT_KINDS, PATROL_PURPOSES
from ruralwatch.core.vrm import parse_vrm

MAX_PATROL_HOURS = 14


@dataclass
class PatrolInput:
    day: str | date  # local date of the start
    start: str  # HH:MM local
    end: str  # HH:MM local; at or before start: the patrol runs past midnight
    area: str  # a district or ward name (checked against the boundaries by the service)
    purpose: str
    title: str = ""
    vehicle: str = ""
    call_sign: str = ""
    crew: list[str] = field(default_factory=list)  # person ids
    start_lat: float | None = None  # base the route starts and ends at
    start_lon: float | None = None
    notes: str = ""


EVENING_START = time(18, 0)  # a patrol planned ahead is for the evening, 18:00-22:00
PATROL_LENGTH = timedelta(hours=4)


def new_patrol_window(now_local: datetime) -> tuple[date, time, time]:
    """The day and times a new patrol offers (UK local): tonight's evening until it has begun (a walk planning at
    02:00 for "tonight" got the next day); once it has, from the next quarter hour, today, for four hours. A walk
    at 21:35 got tomorrow's evening, was asked whether to start a patrol "planned for Tue" and found the patrol it
    ran on Monday listed under Tuesday."""
    if now_local.time() < EVENING_START:
        begin = datetime.combine(now_local.date(), EVENING_START)
    else:
        minutes = (now_local.minute // 15 + 1) * 15
        begin = now_local.replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(minutes=minutes)
    return begin.date(), begin.time(), (begin + PATROL_LENGTH).time()


def patrol_window(day: str | date, start: str, end: str) -> tuple[datetime, datetime]:
    """The local date and HH:MM times as a UTC window; an end at or before the start is the next day."""
    errors: list[FieldError] = []
    parsed_day: date | None = None
    parsed_start: time | None = None
    parsed_end: time | None = None
    try:
        parsed_day = times.parse_date(day, "date")
    except ValidationError as exc:
        errors.extend(exc.errors)
    try:
        parsed_start = parse_time_of_day(start, "start")
    except ValidationError as exc:
        errors.extend(exc.errors)
    try:
        parsed_end = parse_time_of_day(end, "end")
    except ValidationError as exc:
        errors.extend(exc.errors)
    if errors or parsed_day is None or parsed_start is None or parsed_end is None:
        raise ValidationError(errors)
    begin = datetime.combine(parsed_day, parsed_start, times.LOCAL_ZONE)
    finish = datetime.combine(parsed_day, parsed_end, times.LOCAL_ZONE)
    if finish <= begin:
        if parsed_day == date.max:  # the next day would be past the last date a datetime can hold
            raise ValidationError.single("date", f"{parsed_day.isoformat()} is out of range")
        finish = datetime.combine(parsed_day + timedelta(days=1), parsed_end, times.LOCAL_ZONE)
    begin, finish = times.parse_moment(begin, "start"), times.parse_moment(finish, "end")
    if (finish - begin) > timedelta(hours=MAX_PATROL_HOURS):
        raise ValidationError.single("end", f"a patrol lasts at most {MAX_PATROL_HOURS} hours")
    return begin, finish


def validate_patrol(inp: PatrolInput) -> dict[str, object]:
    """Column values for `patrols` (without the area check and the crew), or one ValidationError for all."""
    errors: list[FieldError] = []
    window = None
    try:
        window = patrol_window(inp.day, inp.start, inp.end)
    except ValidationError as exc:
        errors.extend(exc.errors)
    purposes = dict(PATROL_PURPOSES)
    if inp.purpose not in purposes:
        errors.append(FieldError("purpose", f"{inp.purpose!r} is not one of {', '.join(purposes)}"))
    if not (inp.area or "").strip():
        errors.append(FieldError("area", "choose a district or ward"))
    if (inp.start_lat is None) != (inp.start_lon is None):
        errors.append(FieldError("base", "give both latitude and longitude of the base, or neither"))
    elif inp.start_lat is not None and inp.start_lon is not None:
        try:
            geo.check_lat_lon(inp.start_lat, inp.start_lon, "base")
        except ValidationError as exc:
            errors.extend(exc.errors)
    if len(set(inp.crew)) != len(inp.crew):
        errors.append(FieldError("crew", "the same person is on the crew twice"))
    if errors or window is None:
        raise ValidationError(errors)
    title = " ".join((inp.title or "").split()) or f"{purposes[inp.purpose]}, {inp.area.strip()}"
    return {
        "title": title,
        "starts_at": times.to_storage(window[0]),
        "ends_at": times.to_storage(window[1]),
        "area_kind": "area",
        "area_name": inp.area.strip(),
        "purpose": inp.purpose,
        "vehicle": (inp.vehicle or "").strip(),
        "call_sign": (inp.call_sign or "").strip().upper(),
        "start_lat": inp.start_lat,
        "start_lon": inp.start_lon,
        "notes": (inp.notes or "").strip(),
    }


@dataclass
class PatrolEventInput:
    kind: str
    at: str | datetime | None = None  # None: now
    lat: float | None = None
    lon: float | None = None
    grid_ref: str = ""  # used when no lat/lon is given
    stop_key: str = ""
    vrm: str = ""
    detail: str = ""
    incident_id: str = ""


def validate_event(inp: PatrolEventInput, now: datetime) -> dict[str, object]:
    errors: list[FieldError] = []
    kinds = dict(PATROL_EVENT_KINDS)
    if inp.kind not in kinds:
        errors.append(FieldError("kind", f"{inp.kind!r} is not one of {', '.join(kinds)}"))
    moment = now
    if inp.at:
        try:
            moment = times.parse_moment(inp.at, "at")
            times.check_not_future(moment, "at", now)
        except ValidationError as exc:
            errors.extend(exc.errors)
    lat, lon = inp.lat, inp.lon
    if (lat is None) != (lon is None):
        errors.append(FieldError("location", "give both latitude and longitude"))
    elif lat is not None and lon is not None:
        try:
            geo.check_lat_lon(lat, lon)
        except ValidationError as exc:
            errors.extend(exc.errors)
    elif inp.grid_ref.strip():
        try:
            point = geo.typed_point(inp.grid_ref, "grid_ref")
            lat, lon = point.lat, point.lon
        except ValidationError as exc:
            errors.extend(exc.errors)
    vrm = ""
    if inp.kind == "stop_check":
        try:
            vrm = parse_vrm(inp.vrm, "vrm")
        except ValidationError as exc:
            errors.extend(exc.errors)
    elif inp.vrm.strip():
        try:
            vrm = parse_vrm(inp.vrm, "vrm")
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return {
        "kind": inp.kind,
        "at": times.to_storage(moment),
        "lat": lat,
        "lon": lon,
        "stop_key": inp.stop_key or None,
        "vrm": vrm or None,
        "detail": (inp.detail or "").strip(),
        "incident_id": inp.incident_id or None,
    }


# --- read models -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatrolRecord:
    id: str
    title: str
    start: datetime
    end: datetime
    area: str
    purpose: str
    vehicle: str
    call_sign: str
    status: PatrolStatus
    crew: tuple[tuple[str, str], ...]  # (person id, name)
    stops: tuple[PlanStop, ...]  # the saved plan, in route order
    settings: PlanSettings
    base: tuple[float, float] | None
    started_at: str | None
    ended_at: str | None
    briefed_at: str | None
    notes: str
    synthetic: bool
    # What the last suggested plan said its stops came from, as saved with it; None for a plan saved before RuralWatch
    # kept it (migration 22).
    plan_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "start": times.to_storage(self.start),
            "end": times.to_storage(self.end), "area": self.area, "purpose": self.purpose, "vehicle": self.vehicle,
            "call_sign": self.call_sign, "status": self.status.value,
            "crew": [{"id": pid, "name": name} for pid, name in self.crew],
            "stops": [stop_to_json(stop) for stop in self.stops],
            "started_at": self.started_at, "ended_at": self.ended_at, "briefed_at": self.briefed_at,
        }

    @property
    def ran_from(self) -> datetime:
        """When it started, else its planned start: a patrol is listed by when it ran (one planned for Tuesday and
        run on Monday evening stayed listed under Tuesday)."""
        return times.from_storage(self.started_at) if self.started_at else self.start

    @property
    def ran_until(self) -> datetime | None:
        """When it ended; its planned end until it started; None while under way."""
        if self.ended_at:
            return times.from_storage(self.ended_at)
        return None if self.started_at else self.end

    def stop_numbered(self, seq: int) -> PlanStop | None:
        return next((stop for stop in self.stops if stop.seq == seq), None)

    def stop_keyed(self, key: str) -> PlanStop | None:
        return next((stop for stop in self.stops if stop.key == key), None)


# The head of a restored event's correction reason ("restored" or "restored: why"): how its row says it was restored.
RESTORED = "restored"


@dataclass(frozen=True)
class LoggedEvent:
    id: str
    kind: str
    at: str
    lat: float | None
    lon: float | None
    stop_key: str | None
    vrm: str | None
    flagged: bool
    detail: str
    incident_id: str | None
    # Who logged it (account name; empty for an event logged before RuralWatch kept it, or by the system).
    logged_by: str = ""
    logged_by_person: str | None = None
    # The latest correction (storage time, account, why) and the withdrawal: a withdrawn event stays in the log,
    # shown with its reason, and counts nowhere (dose, after-action, exports).
    corrected_at: str | None = None
    corrected_by: str = ""
    correction_reason: str = ""
    withdrawn_at: str | None = None
    withdrawn_by: str = ""
    withdrawn_reason: str = ""

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def restored(self) -> bool:
        """Its latest correction was the undoing of a withdrawal (restore_event writes RESTORED as the reason's
        head; a later correction replaces it), so the log reads "(restored)" with no column of its own."""
        reason = self.correction_reason
        return (self.corrected_at is not None and not self.withdrawn
                and (reason == RESTORED or reason.startswith(f"{RESTORED}: ")))


def patrol_from_row(row: dict[str, Any], crew: tuple[tuple[str, str], ...]) -> PatrolRecord:
    """A stored `patrols` row (either engine's) and its crew as a record."""
    base = (row["start_lat"], row["start_lon"]) if row["start_lat"] is not None else None
    return PatrolRecord(
        id=row["id"], title=row["title"], start=times.from_storage(row["starts_at"]),
        end=times.from_storage(row["ends_at"]), area=row["area_name"], purpose=row["purpose"],
        vehicle=row["vehicle"] or "", call_sign=row["call_sign"] or "", status=PatrolStatus(row["status"]),
        crew=crew, stops=stops_from_json(row["plan"]), settings=settings_from_json(row["plan_settings"]),
        base=base, started_at=row["started_at"], ended_at=row["ended_at"], briefed_at=row["briefed_at"],
        notes=row["notes"] or "", synthetic=bool(row["synthetic"]), plan_note=row.get("plan_note"),
    )


def event_from_row(row: dict[str, Any]) -> LoggedEvent:
    """A stored `patrol_events` row (its registration already opened, or blank) as a logged event."""
    return LoggedEvent(
        id=row["id"], kind=row["kind"], at=row["at"], lat=row["lat"], lon=row["lon"], stop_key=row["stop_key"],
        vrm=row["vrm"], flagged=bool(row["vrm_flagged"]), detail=row["detail"] or "", incident_id=row["incident_id"],
        # .get: a central store's or export's row from before migration 24 has none of these columns
        logged_by=row.get("logged_by") or "", logged_by_person=row.get("logged_by_person"),
        corrected_at=row.get("corrected_at"), corrected_by=row.get("corrected_by") or "",
        correction_reason=row.get("correction_reason") or "", withdrawn_at=row.get("withdrawn_at"),
        withdrawn_by=row.get("withdrawn_by") or "", withdrawn_reason=row.get("withdrawn_reason") or "",
    )
