"""Volunteers and officers, their availability and duties: what a form or the CLI gives, checked.

Forms and the CLI hand in text; `validate_*` turns it into typed values or raises one ValidationError naming
every bad field, so a form can mark them all and keep what was typed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.vocab import (
    AVAILABILITY_EXCEPTION_KINDS,
    DUTY_KINDS,
    DUTY_STATUSES,
    PERSON_ROLES,
    SKILLS,
    SPECIAL_RANKS,
)

DEFAULT_SPECIAL_COMMITMENT_HOURS = 16.0
MAX_DUTY_HOURS = 24
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


def parse_time_of_day(text: str, field_name: str) -> time:
    """``HH:MM`` (24-hour); ``24:00`` is the end of the day and becomes 00:00."""
    match = _TIME_OF_DAY.match(text or "")
    if not match:
        raise ValidationError.single(field_name, f"{text!r} is not a time of day (use HH:MM, 24-hour)")
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValidationError.single(field_name, f"{text!r} is not a time of day (use HH:MM, 24-hour)")
    return time(hour, minute)


def format_time_of_day(moment: time) -> str:
    return moment.strftime("%H:%M")


def collar_key(collar: str | None) -> str:
    """The one form collar numbers are compared and kept unique by: no spaces, upper case ("SC 4125", "sc4125"
    and "SC4125" are one person's). Shown as typed (`tidy_collar`): forces write them with or without the space,
    and rows stored before this rule keep theirs, as no migration rewrites them."""
    return "".join((collar or "").split()).upper()


def person_matches(typed: str, shown: str, collar: str | None) -> bool:
    """Whether a people filter finds a person: what was typed (any case, runs of spaces as one) within what their
    row shows, or a collar number typed with or without its spaces by `collar_key` ("SC4125" and "sc 41" find
    "SC 4125", which the row shows as stored). Nothing typed finds everyone."""
    needle = " ".join(typed.split()).casefold()
    if not needle or needle in " ".join(shown.split()).casefold():
        return True
    key = collar_key(typed)
    return bool(key) and key in collar_key(collar)


def tidy_collar(collar: str | None) -> str:
    """A collar number as stored and shown: as typed, upper case, runs of spaces made one."""
    return " ".join((collar or "").split()).upper()


@dataclass
class PersonInput:
    name: str
    role: str
    collar_number: str = ""
    rank: str = ""
    independent_patrol: bool = False
    driving_authorised: bool = False
    skills: list[str] = field(default_factory=list)
    station: str = ""
    area: str = ""
    monthly_commitment_hours: float | str | None = None  # None: the role's default
    phone: str = ""
    email: str = ""
    active: bool = True
    left_on: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    collar_number: str
    rank: str
    independent_patrol: bool
    driving_authorised: bool
    skills: tuple[str, ...]
    station: str
    area: str
    monthly_commitment_hours: float
    phone: str
    email: str
    active: bool
    left_on: str
    notes: str
    synthetic: bool = False


def validate_person(inp: PersonInput) -> dict[str, object]:
    """Column values for `people`, or ValidationError naming every bad field."""
    errors: list[FieldError] = []
    name = " ".join((inp.name or "").split())
    if not name:
        errors.append(FieldError("name", "a name is needed"))
    roles = dict(PERSON_ROLES)
    if not inp.role:
        errors.append(FieldError("role", "choose a role: " + ", ".join(roles.values())))
    elif inp.role not in roles:
        errors.append(FieldError("role", f"{inp.role!r} is not one of {', '.join(roles)}"))
    ranks = dict(SPECIAL_RANKS)
    rank = (inp.rank or "").strip()
    if inp.role == "special":
        rank = rank or "sc"
        if rank not in ranks:
            errors.append(FieldError("rank", f"{rank!r} is not one of {', '.join(ranks)}"))
    skill_names = dict(SKILLS)
    bad = [s for s in inp.skills if s not in skill_names]
    if bad:
        known = ", ".join(skill_names)
        errors.append(FieldError("skills", f"unknown skill {', '.join(map(repr, bad))}; known: {known}"))
    commitment = _commitment(inp, errors)
    phone = (inp.phone or "").strip()
    if phone and not _PHONE.match(phone):
        errors.append(FieldError("phone", f"{phone!r} does not look like a phone number"))
    email = (inp.email or "").strip()
    if email and not _EMAIL.match(email):
        errors.append(FieldError("email", f"{email!r} does not look like an email address"))
    left_on = (inp.left_on or "").strip()
    if left_on:
        try:
            times.parse_date(left_on, "left_on")
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "role": inp.role,
        "collar_number": tidy_collar(inp.collar_number),
        "rank": rank if inp.role == "special" else "",
        "independent_patrol": int(bool(inp.independent_patrol) or inp.role == "officer"),
        "driving_authorised": int(bool(inp.driving_authorised)),
        "skills": sorted(set(inp.skills)),
        "station": (inp.station or "").strip(),
        "area": (inp.area or "").strip(),
        "monthly_commitment_hours": commitment,
        "phone": phone,
        "email": email,
        "active": int(bool(inp.active) and not left_on),
        "left_on": left_on,
        "notes": (inp.notes or "").strip(),
    }


def _commitment(inp: PersonInput, errors: list[FieldError]) -> float:
    value = inp.monthly_commitment_hours
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_SPECIAL_COMMITMENT_HOURS if inp.role == "special" else 0.0
    try:
        hours = float(value)
    except ValueError:
        errors.append(FieldError("monthly_commitment_hours", f"{value!r} is not a number of hours"))
        return 0.0
    if not 0 <= hours <= 200:
        errors.append(FieldError("monthly_commitment_hours", "a monthly commitment is 0 to 200 hours"))
    return hours


@dataclass(frozen=True)
class WeeklySlotInput:
    weekday: int  # 0 = Monday
    start: str  # HH:MM, UK local
    end: str  # HH:MM; at or before start: runs past midnight


def validate_weekly(slots: list[WeeklySlotInput]) -> list[tuple[int, time, time]]:
    errors: list[FieldError] = []
    checked: list[tuple[int, time, time]] = []
    placed: list[tuple[int, tuple[int, int]]] = []  # (slot number, its minutes in the week) of the slots checked
    for n, slot in enumerate(slots, start=1):
        if not 0 <= slot.weekday <= 6:
            errors.append(FieldError(f"slot {n}", "the weekday is 0 (Monday) to 6 (Sunday)"))
            continue
        try:
            start = parse_time_of_day(slot.start, f"slot {n} start")
            end = parse_time_of_day(slot.end, f"slot {n} end")
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        if start == end and slot.end.strip() != "24:00":
            errors.append(FieldError(f"slot {n}", "the slot starts and ends at the same time"))
            continue
        # A slot repeated or overlapping another was saved as it was: Add slot offered Monday 18:00-23:00 each
        # time, and a coordinator's three clicks kept three copies of one evening.
        span = _week_span(slot.weekday, start, end)
        for (m, other), (day, begin, until) in zip(placed, checked, strict=True):
            if _overlaps(span, other):
                what, advice = ((f"the same as slot {m}", "remove one") if span == other else
                                (f"overlaps slot {m}", "make them one slot or change the hours"))
                errors.append(FieldError(
                    f"slot {n}", f"{what} ({_DAY_NAMES[day]} {begin:%H:%M}–{until:%H:%M}): {advice}"))
                break
        placed.append((n, span))
        checked.append((slot.weekday, start, end))
    if errors:
        raise ValidationError(errors)
    return checked


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * _DAY_MINUTES


def _week_span(weekday: int, start: time, end: time) -> tuple[int, int]:
    """Minutes from Monday 00:00 to the slot's start and end (an end at or before the start is the next day;
    00:00-24:00 is the whole day)."""
    begin = weekday * _DAY_MINUTES + start.hour * 60 + start.minute
    length = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % _DAY_MINUTES or _DAY_MINUTES
    return begin, begin + length


def _overlaps(one: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether two slots share a minute, round the week (Sunday night runs into Monday); touching is not."""
    return any(one[0] < other[1] + shift and other[0] + shift < one[1]
               for shift in (-_WEEK_MINUTES, 0, _WEEK_MINUTES))


def validate_exception(
    on: str, kind: str, start: str = "", end: str = ""
) -> tuple[date, str, time | None, time | None]:
    errors: list[FieldError] = []
    on_date: date | None = None
    try:
        on_date = times.parse_date(on, "date")
    except ValidationError as exc:
        errors.extend(exc.errors)
    if kind not in dict(AVAILABILITY_EXCEPTION_KINDS):
        errors.append(FieldError("kind", f"{kind!r} is not one of away, extra"))
    start_t = end_t = None
    if bool(start.strip()) != bool(end.strip()):
        errors.append(FieldError("end" if start.strip() else "start", "give both times, or neither for the whole day"))
    elif start.strip():
        try:
            start_t = parse_time_of_day(start, "start")
            end_t = parse_time_of_day(end, "end")
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors or on_date is None:
        raise ValidationError(errors)
    return on_date, kind, start_t, end_t


@dataclass
class DutyInput:
    title: str
    kind: str
    start: str | datetime  # UK local when no zone is given
    end: str | datetime
    station: str = ""
    area: str = ""
    required_skills: dict[str, int] = field(default_factory=dict)
    allowed_roles: list[str] = field(default_factory=lambda: [key for key, _ in PERSON_ROLES])
    min_crew: int | str = 1
    max_crew: int | str = 2
    patrol_id: str = ""
    status: str = "planned"
    notes: str = ""


@dataclass(frozen=True)
class DutyRecord:
    """A duty with its crew, as the roster service returns it."""

    id: str
    title: str
    kind: str
    start: datetime
    end: datetime
    station: str
    area: str
    required_skills: dict[str, int]
    allowed_roles: tuple[str, ...]
    min_crew: int
    max_crew: int
    patrol_id: str | None
    status: str
    notes: str
    crew: tuple[tuple[str, str], ...]  # (person id, name) in the order assigned
    updated_at: str
    synthetic: bool
    # Crew marked away at its time since they were rostered: "Dev Hughes is away on Sat 10 Oct" (planned duties
    # only; an assignment made overriding "unavailable" is the coordinator's known risk and not repeated).
    away: tuple[str, ...] = ()
    # What the hours reports count for it (rostering.hours.counted_hours): its patrol's logged time once that has
    # run, else planned time; None where not worked out (then its own length).
    counted: float | None = None
    logged: bool = False
    # When its patrol really ran, once started (end None while it is out): the calendar shows these, not the plan.
    actual_start: datetime | None = None
    actual_end: datetime | None = None

    @property
    def hours(self) -> float:
        """The duty's planned length."""
        return (self.end - self.start).total_seconds() / 3600

    @property
    def counted_hours(self) -> float:
        return self.hours if self.counted is None else self.counted

    @property
    def at_risk(self) -> bool:
        """Crewed on paper, but someone on it has since said they are away."""
        return self.status == "planned" and bool(self.away)

    @property
    def open_places(self) -> int:
        return max(0, self.min_crew - len(self.crew)) if self.status == "planned" else 0


def validate_duty(inp: DutyInput) -> dict[str, object]:
    """Column values for `duties`, or ValidationError naming every bad field."""
    errors: list[FieldError] = []
    title = " ".join((inp.title or "").split())
    if not title:
        errors.append(FieldError("title", "a title is needed"))
    if inp.kind not in dict(DUTY_KINDS):
        errors.append(FieldError("kind", f"{inp.kind!r} is not one of {', '.join(dict(DUTY_KINDS))}"))
    if inp.status not in dict(DUTY_STATUSES):
        errors.append(FieldError("status", f"{inp.status!r} is not one of {', '.join(dict(DUTY_STATUSES))}"))
    start = end = None
    for name, value in (("start", inp.start), ("end", inp.end)):
        try:
            moment = times.parse_moment(value, name)
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        if name == "start":
            start = moment
        else:
            end = moment
    if start and end:
        hours = (end - start).total_seconds() / 3600
        if hours <= 0:
            errors.append(FieldError("end", "the duty ends before it starts"))
        elif hours > MAX_DUTY_HOURS:
            errors.append(FieldError("end", f"a duty lasts at most {MAX_DUTY_HOURS} hours"))
    skills = dict(SKILLS)
    for skill, count in inp.required_skills.items():
        if skill not in skills:
            errors.append(FieldError("required_skills", f"unknown skill {skill!r}"))
        elif not isinstance(count, int) or count < 1:
            errors.append(FieldError("required_skills", f"{skills[skill]}: need at least one"))
    roles = dict(PERSON_ROLES)
    if not inp.allowed_roles or any(r not in roles for r in inp.allowed_roles):
        errors.append(FieldError("allowed_roles", f"choose one or more of {', '.join(roles)}"))
    min_crew = _count(inp.min_crew, "min_crew", errors)
    max_crew = _count(inp.max_crew, "max_crew", errors)
    if min_crew is not None and max_crew is not None:
        if max_crew < min_crew:
            errors.append(FieldError("max_crew", "the maximum crew is below the minimum"))
        elif sum(inp.required_skills.values()) > max_crew and not any(e.field == "required_skills" for e in errors):
            errors.append(FieldError("required_skills", "more skilled places are needed than the maximum crew"))
    if errors or start is None or end is None:
        raise ValidationError(errors)
    return {
        "title": title,
        "kind": inp.kind,
        "starts_at": times.to_storage(start),
        "ends_at": times.to_storage(end),
        "station": (inp.station or "").strip(),
        "area": (inp.area or "").strip(),
        "required_skills": dict(sorted(inp.required_skills.items())),
        "allowed_roles": sorted(set(inp.allowed_roles)),
        "min_crew": min_crew,
        "max_crew": max_crew,
        "patrol_id": inp.patrol_id or None,
        "status": inp.status,
        "notes": (inp.notes or "").strip(),
    }


def _count(value: int | str, field_name: str, errors: list[FieldError]) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.append(FieldError(field_name, f"{value!r} is not a whole number"))
        return None
    if not 1 <= number <= 50:
        errors.append(FieldError(field_name, "a crew is 1 to 50 people"))
        return None
    return number


def duty_from_row(row: dict[str, Any], crew: tuple[tuple[str, str], ...],
                  away: tuple[str, ...] = ()) -> DutyRecord:
    """A stored `duties` row (either engine's) and its crew as a record."""
    return DutyRecord(
        id=row["id"], title=row["title"], kind=row["kind"], start=times.from_storage(row["starts_at"]),
        end=times.from_storage(row["ends_at"]), station=row["station"] or "", area=row["area"] or "",
        required_skills=json.loads(row["required_skills"] or "{}"),
        allowed_roles=tuple(json.loads(row["allowed_roles"] or "[]")), min_crew=row["min_crew"],
        max_crew=row["max_crew"], patrol_id=row["patrol_id"], status=row["status"], notes=row["notes"] or "",
        crew=crew, updated_at=row["updated_at"], synthetic=bool(row["synthetic"]), away=away,
    )
