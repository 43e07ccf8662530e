"""Incident input and its validation.

`IncidentInput` holds what a user typed (in the window or on the command line), loosely typed. `validate`
checks every field, collects every problem at once (so a form can mark them all) and returns the column
values ready to store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.kinds import (
    ALL_DETAIL_FIELDS,
    EQUIPMENT_CATEGORIES,
    PROPERTY_MARKINGS,
    DetailField,
    FieldType,
    is_kind,
    kind_by_key,
)
from ruralwatch.core.vocab import STATUSES, VEHICLE_ROLES
from ruralwatch.core.vrm import display_vrm, parse_vrm

# Personal data: hidden from roles without the right to see it and anonymised by retention.
PERSONAL_FIELDS: frozenset[str] = frozenset({"reporter_name", "reporter_phone"})

MAX_TEXT = 10_000
_PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")


@dataclass
class VehicleInput:
    vrm: str
    role: str = "suspect"
    make: str = ""
    model: str = ""
    colour: str = ""
    id: str | None = None


@dataclass
class StolenItemInput:
    category: str = "tools"
    description: str = ""
    make: str = ""
    model: str = ""
    serial_number: str = ""
    marking: str = "none"
    value_gbp: str | Decimal | float | None = None
    recovered: bool = False
    id: str | None = None
    # A stolen vehicle's own registration (quad bike, tractor, trailer), optional: stop-checks and vehicle lists
    # match it like any VRM on an incident (it went under Vehicles as "Victim", which read as the victim's car).
    vrm: str = ""


@dataclass
class IncidentInput:
    kind: str
    occurred_start: str | datetime | None
    lat: str | float | None = None
    lon: str | float | None = None
    grid_ref: str | None = None
    occurred_end: str | datetime | None = None
    reported_at: str | datetime | None = None
    place: str = ""
    description: str = ""
    status: str = "open"
    subkind: str | None = None
    crime_reference: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    vehicles: list[VehicleInput] = field(default_factory=list)
    items: list[StolenItemInput] = field(default_factory=list)
    # The premises it happened at (ruralwatch.core.premises): an id to link, "" to unlink, None to leave as stored.
    premises_id: str | None = None


@dataclass
class ValidIncident:
    """Column values for `incidents` plus child rows, all checked."""

    values: dict[str, Any]
    vehicles: list[dict[str, Any]]
    items: list[dict[str, Any]]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            self.errors.extend(exc.errors)
            return None

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _float(value: Any, field_name: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(_text(value))
    except ValueError:
        raise ValidationError.single(field_name, f"{value!r} is not a number") from None


def _location(inp: IncidentInput) -> geo.LatLon:
    has_lat_lon = _text(inp.lat) != "" or _text(inp.lon) != ""
    if _text(inp.grid_ref) and not has_lat_lon:
        return geo.typed_point(_text(inp.grid_ref), "grid_ref")
    if not has_lat_lon:
        raise ValidationError.single("location", "give a location: latitude/longitude or an OS grid reference")
    lat, lon = _float(inp.lat, "lat"), _float(inp.lon, "lon")
    return geo.check_lat_lon(lat, lon, "location")


def _detail_value(spec: DetailField, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.type is FieldType.INTEGER:
        try:
            number = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            raise ValidationError.single(spec.key, f"{spec.label}: {raw!r} is not a whole number") from None
        if not spec.minimum <= number <= spec.maximum:
            raise ValidationError.single(
                spec.key, f"{spec.label}: must be between {spec.minimum} and {spec.maximum}"
            )
        return number
    if spec.type is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return int(raw)
        text = str(raw).strip().lower()
        if text in ("1", "yes", "y", "true"):
            return 1
        if text in ("0", "no", "n", "false"):
            return 0
        raise ValidationError.single(spec.key, f"{spec.label}: answer yes or no")
    if spec.type is FieldType.CHOICE:
        key = str(raw).strip()
        if key not in dict(spec.choices):
            allowed = ", ".join(k for k, _ in spec.choices)
            raise ValidationError.single(spec.key, f"{spec.label}: {key!r} is not one of {allowed}")
        return key
    return times.parse_date(raw, spec.key).isoformat()


def _money_pence(value: Any, field_name: str) -> int | None:
    text = _text(value).lstrip("£").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError.single(field_name, f"{value!r} is not an amount in pounds") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
        raise ValidationError.single(field_name, "value must be between £0 and £10,000,000")
    return int((amount * 100).to_integral_value())


def validate_incident(inp: IncidentInput, now: datetime | None = None) -> ValidIncident:
    """Check every field; raise one ValidationError listing every problem, or return storable values."""
    now = now or times.utc_now()
    errors = _Collector()
    values: dict[str, Any] = {}

    kind = _text(inp.kind)
    if not is_kind(kind):
        errors.add("kind", f"{kind!r} is not an incident kind" if kind else "choose the kind of incident")
        spec_kind = None
    else:
        spec_kind = kind_by_key(kind)
    values["kind"] = kind

    subkind = _text(inp.subkind) or None
    if spec_kind and subkind is not None and subkind not in dict(spec_kind.subkinds):
        errors.add("subkind", f"{subkind!r} is not a sub-kind of {spec_kind.name}")
    values["subkind"] = subkind if spec_kind and spec_kind.subkinds else None

    start = None
    if inp.occurred_start is None or _text(inp.occurred_start) == "":
        errors.add("occurred_start", "say when it happened")
    else:
        start = errors.run(times.parse_moment, inp.occurred_start, "occurred_start")
        if start is not None:
            errors.run(times.check_not_future, start, "occurred_start", now)
    values["occurred_start"] = times.to_storage(start) if start else None

    end = None
    if inp.occurred_end is not None and _text(inp.occurred_end) != "":
        end = errors.run(times.parse_moment, inp.occurred_end, "occurred_end")
        if end is not None:
            errors.run(times.check_not_future, end, "occurred_end", now)
            if start is not None and end < start:
                errors.add("occurred_end", "the end is before the start")
    values["occurred_end"] = times.to_storage(end) if end else None

    reported = now
    if inp.reported_at is not None and _text(inp.reported_at) != "":
        reported = errors.run(times.parse_moment, inp.reported_at, "reported_at")
        if reported is not None:
            errors.run(times.check_not_future, reported, "reported_at", now)
            if start is not None and reported < start:
                errors.add("reported_at", "reported before it happened")
    values["reported_at"] = times.to_storage(reported) if reported else None

    point = errors.run(_location, inp)
    values["lat"] = round(point.lat, 7) if point else None
    values["lon"] = round(point.lon, 7) if point else None

    status = _text(inp.status) or "open"
    if status not in dict(STATUSES):
        errors.add("status", f"{status!r} is not a status ({', '.join(k for k, _ in STATUSES)})")
    values["status"] = status

    for name, limit in (("place", 200), ("description", MAX_TEXT), ("crime_reference", 40),
                        ("reporter_name", 200)):
        text = _text(getattr(inp, name))
        if len(text) > limit:
            errors.add(name, f"too long ({len(text)} characters, at most {limit})")
        values[name] = text
    phone = _text(inp.reporter_phone)
    if phone and not _PHONE.match(phone):
        errors.add("reporter_phone", f"{phone!r} is not a phone number")
    values["reporter_phone"] = phone

    own_details = {d.key for d in spec_kind.details} if spec_kind else set()
    for spec in ALL_DETAIL_FIELDS:
        raw = inp.details.get(spec.key)
        if spec.key in own_details:
            values[spec.key] = errors.run(_detail_value, spec, raw)
        else:
            values[spec.key] = None  # details of another kind are not kept when the kind changes
    for key in inp.details:
        if key not in {d.key for d in ALL_DETAIL_FIELDS}:
            errors.add(key, "not a detail field of any incident kind")

    vehicles = []
    seen_vehicles: set[tuple[str, str]] = set()
    for index, vehicle in enumerate(inp.vehicles):
        vrm = errors.run(parse_vrm, vehicle.vrm, f"vehicles[{index}].vrm")
        role = _text(vehicle.role) or "suspect"
        if role not in dict(VEHICLE_ROLES):
            errors.add(f"vehicles[{index}].role", f"{role!r} is not suspect, victim or witness")
        elif vrm is not None:
            # The same vehicle in the same role twice is a data-entry slip, not two sightings.
            if (vrm, role) in seen_vehicles:
                errors.add(f"vehicles[{index}].vrm", f"{display_vrm(vrm)} is listed twice")
            seen_vehicles.add((vrm, role))
        vehicles.append({
            "id": vehicle.id, "vrm": vrm, "role": role, "make": _text(vehicle.make),
            "model": _text(vehicle.model), "colour": _text(vehicle.colour),
        })

    items = []
    if inp.items and kind != "equipment_theft":
        errors.add("items", "stolen items belong to equipment theft incidents")
    for index, item in enumerate(inp.items):
        category = _text(item.category)
        if category not in dict(EQUIPMENT_CATEGORIES):
            errors.add(f"items[{index}].category", f"{category!r} is not an equipment category")
        marking = _text(item.marking) or "none"
        if marking not in dict(PROPERTY_MARKINGS):
            errors.add(f"items[{index}].marking", f"{marking!r} is not a property marking")
        value = errors.run(_money_pence, item.value_gbp, f"items[{index}].value_gbp")
        item_vrm = errors.run(parse_vrm, item.vrm, f"items[{index}].vrm") if _text(item.vrm) else None
        items.append({
            "id": item.id, "category": category, "description": _text(item.description),
            "make": _text(item.make), "model": _text(item.model),
            "serial_number": _text(item.serial_number).upper(), "marking": marking,
            "value_pence": value, "recovered": int(bool(item.recovered)), "vrm": item_vrm,
        })

    if inp.premises_id is not None:
        values["premises_id"] = _text(inp.premises_id) or None

    if errors.errors:
        raise ValidationError(errors.errors)
    return ValidIncident(values, vehicles, items)


@dataclass(frozen=True)
class IncidentFilter:
    """What the table, the map and `incidents list` show. Dates are UK local calendar days, inclusive."""

    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start_from: date | None = None
    start_to: date | None = None
    text: str = ""
    include_deleted: bool = False
    match_vrms: bool = True  # the text also finds registrations (services turn it off for roles that may not see them)

    @property
    def narrows(self) -> bool:
        """Whether anything is filtered: an empty result then means "nothing matches", not "no incidents yet"."""
        return bool(self.kinds or self.statuses or self.start_from or self.start_to or self.text.strip())

    def date_order_problem(self) -> str | None:
        """Why no incident can match when *From* is after *To*, else None (said, not shown as an empty list)."""
        if self.start_from is None or self.start_to is None or self.start_from <= self.start_to:
            return None
        return (f"From {self.start_from.isoformat()} is after To {self.start_to.isoformat()}, so no incident can "
                "match: change one of the dates.")


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    sha256: str
    filename: str
    media_type: str
    size: int
    caption: str


@dataclass
class Incident:
    """One stored incident with its child rows, as read back from the store."""

    id: str
    kind: str
    subkind: str | None
    occurred_start: str
    occurred_end: str | None
    reported_at: str | None
    lat: float
    lon: float
    place: str
    description: str
    status: str
    crime_reference: str
    reporter_name: str
    reporter_phone: str
    synthetic: bool
    details: dict[str, Any]
    vehicles: list[dict[str, Any]]
    items: list[dict[str, Any]]
    attachments: list[AttachmentInfo]
    created_at: str
    updated_at: str
    device_id: str
    hlc: str
    deleted: bool
    premises_id: str | None = None

    @property
    def grid_ref(self) -> str:
        """At the precision it was given: "TL 8500 0700" typed reads back so, a point clicked to the metre."""
        return geo.point_grid_ref(self.lat, self.lon)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict keyed by field name (the `--json` output of the CLI)."""
        data = {
            "id": self.id, "kind": self.kind, "subkind": self.subkind,
            "occurred_start": self.occurred_start, "occurred_end": self.occurred_end,
            "reported_at": self.reported_at, "lat": self.lat, "lon": self.lon, "grid_ref": self.grid_ref,
            "place": self.place, "description": self.description, "status": self.status,
            "crime_reference": self.crime_reference, "reporter_name": self.reporter_name,
            "reporter_phone": self.reporter_phone, "synthetic": self.synthetic,
            "details": self.details,
            "vehicles": [{k: v for k, v in veh.items() if k != "incident_id"} for veh in self.vehicles],
            "items": [{k: v for k, v in item.items() if k != "incident_id"} for item in self.items],
            "attachments": [a.__dict__ for a in self.attachments],
            "created_at": self.created_at, "updated_at": self.updated_at, "deleted": self.deleted,
            "premises_id": self.premises_id,
        }
        return data

    def to_input(self) -> IncidentInput:
        """The editable form of this incident, for the form and for partial updates."""
        return IncidentInput(
            kind=self.kind, subkind=self.subkind, occurred_start=self.occurred_start,
            occurred_end=self.occurred_end, reported_at=self.reported_at, lat=self.lat, lon=self.lon,
            place=self.place, description=self.description, status=self.status,
            crime_reference=self.crime_reference, reporter_name=self.reporter_name,
            reporter_phone=self.reporter_phone, details=dict(self.details),
            vehicles=[
                VehicleInput(vrm=v["vrm"], role=v["role"], make=v["make"] or "", model=v["model"] or "",
                             colour=v["colour"] or "", id=v["id"])
                for v in self.vehicles
            ],
            items=[
                StolenItemInput(
                    category=i["category"], description=i["description"] or "", make=i["make"] or "",
                    model=i["model"] or "", serial_number=i["serial_number"] or "", marking=i["marking"],
                    value_gbp=None if i["value_pence"] is None else Decimal(i["value_pence"]) / 100,
                    recovered=bool(i["recovered"]), id=i["id"], vrm=i.get("vrm") or "",
                )
                for i in self.items
            ],
            premises_id=self.premises_id or "",
        )
