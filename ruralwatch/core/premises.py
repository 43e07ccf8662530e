"""The premises register: farms, estates, yards, churches and other rural premises, their watch-scheme membership,
crime-prevention visits and registered property (machinery and equipment with serial numbers and markings).

Catalogues (kinds of premises, watch schemes) are here once, for the store, the services, the window and the
command line. Property kinds and markings are the stolen-item catalogues of ruralwatch.core.kinds, so a registered
item and a stolen one are described alike. `normalise_serial` is the one rule for comparing serial numbers.
No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.kinds import EQUIPMENT_CATEGORIES, PROPERTY_MARKINGS

PREMISES_KINDS: tuple[tuple[str, str], ...] = (
    ("farm", "Farm"),
    ("estate", "Estate"),
    ("yard", "Yard / depot"),
    ("stables", "Stables / equestrian"),
    ("church", "Church / place of worship"),
    ("heritage_site", "Heritage site"),
    ("business", "Rural business"),
    ("dwelling", "Isolated dwelling"),
    ("other", "Other rural premises"),
)
PREMISES_KIND_NAMES = dict(PREMISES_KINDS)

WATCH_SCHEMES: tuple[tuple[str, str], ...] = (
    ("farm_watch", "Farm Watch"),
    ("horse_watch", "Horse Watch"),
    ("church_watch", "Church Watch"),
    ("country_watch", "Country Watch"),
    ("heritage_watch", "Heritage Watch"),
    ("neighbourhood_watch", "Neighbourhood Watch"),
)
WATCH_SCHEME_NAMES = dict(WATCH_SCHEMES)

PROPERTY_KINDS = EQUIPMENT_CATEGORIES
PROPERTY_KIND_NAMES = dict(PROPERTY_KINDS)
MARKING_NAMES = dict(PROPERTY_MARKINGS)

# Personal data: sealed (ruralwatch.core.protected_fields), hidden from roles without `personal.reporters`, and
# anonymised by retention (ruralwatch.services.retention) once the premises has left the register.
CONTACT_FIELDS: tuple[str, ...] = ("contact_name", "contact_phone", "contact_email")

REPEAT_WINDOW_DAYS = 365  # the default window for "victimised before" (a policy per laptop)
MAX_TEXT = 2_000
_PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NOT_SERIAL = re.compile(r"[^0-9A-Z]")


def normalise_serial(text: str | None) -> str:
    """A serial number as compared: upper case, every space, dash and other separator dropped
    ("sn 12-ab/3" -> "SN12AB3"). Makers and owners write the same number with and without separators."""
    return _NOT_SERIAL.sub("", (text or "").upper())


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _long_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class PremisesInput:
    """What a user typed for a premises, loosely typed (the form and the command line)."""

    name: str
    kind: str = "farm"
    grid_ref: str = ""
    lat: str | float | None = None
    lon: str | float | None = None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    schemes: list[str] = field(default_factory=list)
    notes: str = ""
    registered_on: str | date | None = None
    closed_on: str | date | None = None  # left the register (sold, closed): the retention clock of its contacts


@dataclass
class PropertyInput:
    kind: str = "plant_machinery"
    make: str = ""
    model: str = ""
    serial_number: str = ""
    marking: str = "none"
    marking_ref: str = ""  # the CESAR/Datatag number
    description: str = ""
    photos: list[str] = field(default_factory=list)  # file references (paths or names), not the files


@dataclass
class VisitInput:
    visited_on: str | date | None
    officer: str = ""
    advice: str = ""


def _day(value: str | date | None, name: str, errors: list[FieldError]) -> str | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return times.parse_date(_text(value), name).isoformat()
    except ValidationError as exc:
        errors.extend(exc.errors)
    return None


def premises_location(inp: PremisesInput) -> dict[str, Any]:
    """The grid reference (at the precision typed; from lat/lon, 1 m) with its easting/northing and lat/lon (OSTN15),
    from either the grid reference or lat/lon. ValidationError naming `grid_ref` or `location`."""
    digits = 10  # a point given as lat/lon: to the metre
    typed = _text(inp.grid_ref)
    metres = geo.easting_northing_in(typed)
    if typed and (metres is not None or geo.lat_lon_in(typed) is not None):
        # Read as every grid reference box reads it (geo.typed_point): an easting and northing, or a pasted
        # latitude and longitude; stored to the metre.
        point = geo.typed_point(typed, "grid_ref")
        easting, northing = metres or geo.lat_lon_to_easting_northing(point.lat, point.lon)
    elif typed:
        easting, northing = geo.grid_ref_to_easting_northing(typed, "grid_ref")
        point = geo.grid_ref_to_lat_lon(typed, "grid_ref")
        digits = geo.grid_ref_digits(typed, "grid_ref")  # kept as typed: 8 figures stay 8
    elif inp.lat not in (None, "") and inp.lon not in (None, ""):
        try:
            lat, lon = float(str(inp.lat)), float(str(inp.lon))
        except ValueError:
            raise ValidationError.single("location", "latitude and longitude must be numbers") from None
        point = geo.check_lat_lon(lat, lon, "location")
        easting, northing = geo.lat_lon_to_easting_northing(point.lat, point.lon)
    else:
        raise ValidationError.single("grid_ref", f"give the premises' OS grid reference ({geo.GRID_REF_SHORT})")
    return {"grid_ref": geo.easting_northing_to_grid_ref(easting, northing, digits), "easting": round(easting, 1),
            "northing": round(northing, 1), "lat": round(point.lat, 6), "lon": round(point.lon, 6)}


def validate_premises(inp: PremisesInput) -> dict[str, Any]:
    """Every problem at once (a form marks them all), or the column values to store."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    name = _text(inp.name)
    if not name:
        errors.append(FieldError("name", "give the premises a name"))
    elif len(name) > 200:
        errors.append(FieldError("name", "at most 200 characters"))
    values["name"] = name
    kind = _text(inp.kind)
    if kind not in PREMISES_KIND_NAMES:
        errors.append(FieldError("kind", f"{kind!r} is not a kind of premises ({', '.join(PREMISES_KIND_NAMES)})"))
    values["kind"] = kind
    try:
        values.update(premises_location(inp))
    except ValidationError as exc:
        errors.extend(exc.errors)
    values["address"] = _long_text(inp.address)[:MAX_TEXT]
    values["contact_name"] = _text(inp.contact_name)
    phone = _text(inp.contact_phone)
    if phone and not _PHONE.match(phone):
        errors.append(FieldError("contact_phone", f"{phone!r} is not a phone number"))
    values["contact_phone"] = phone
    email = _text(inp.contact_email)
    if email and not _EMAIL.match(email):
        errors.append(FieldError("contact_email", f"{email!r} is not an email address"))
    values["contact_email"] = email
    schemes: list[str] = []
    for scheme in inp.schemes:
        key = _text(scheme)
        key = next((k for k, label in WATCH_SCHEMES if key in (k, label) or key.lower() == label.lower()), key)
        if key not in WATCH_SCHEME_NAMES:
            errors.append(FieldError("schemes", f"{key!r} is not a watch scheme ({', '.join(WATCH_SCHEME_NAMES)})"))
        elif key not in schemes:
            schemes.append(key)
    values["schemes"] = ",".join(sorted(schemes))
    if len(_long_text(inp.notes)) > MAX_TEXT:
        errors.append(FieldError("notes", f"at most {MAX_TEXT:,} characters"))
    values["notes"] = _long_text(inp.notes)
    values["registered_on"] = _day(inp.registered_on, "registered_on", errors)
    values["closed_on"] = _day(inp.closed_on, "closed_on", errors)
    if values["registered_on"] and values["closed_on"] and values["closed_on"] < values["registered_on"]:
        errors.append(FieldError("closed_on", "the premises left the register before it joined"))
    if errors:
        raise ValidationError(errors)
    return values


def validate_property(inp: PropertyInput) -> dict[str, Any]:
    errors: list[FieldError] = []
    kind = _text(inp.kind)
    if kind not in PROPERTY_KIND_NAMES:
        errors.append(FieldError("kind", f"{kind!r} is not a kind of property ({', '.join(PROPERTY_KIND_NAMES)})"))
    marking = _text(inp.marking) or "none"
    if marking not in MARKING_NAMES:
        errors.append(FieldError("marking", f"{marking!r} is not a marking ({', '.join(MARKING_NAMES)})"))
    serial = normalise_serial(inp.serial_number)
    if _text(inp.serial_number) and not serial:
        errors.append(FieldError("serial_number", "a serial number needs letters or digits"))
    description = _long_text(inp.description)
    if not (serial or _text(inp.make) or _text(inp.model) or description):
        errors.append(FieldError("serial_number", "describe the item: a serial number, make, model or description"))
    photos = [_text(p) for p in inp.photos if _text(p)]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "make": _text(inp.make), "model": _text(inp.model), "serial_number": serial,
            "serial_as_written": _text(inp.serial_number), "marking": marking,
            "marking_ref": _text(inp.marking_ref), "description": description[:MAX_TEXT],
            "photos": "\n".join(photos)}


def validate_visit(inp: VisitInput) -> dict[str, Any]:
    errors: list[FieldError] = []
    day = _day(inp.visited_on, "visited_on", errors)
    if day is None and not errors:
        errors.append(FieldError("visited_on", "say when the visit was"))
    officer = _text(inp.officer)
    if not officer:
        errors.append(FieldError("officer", "name the officer who visited"))
    if len(_long_text(inp.advice)) > MAX_TEXT:
        errors.append(FieldError("advice", f"at most {MAX_TEXT:,} characters"))
    if errors:
        raise ValidationError(errors)
    return {"visited_on": day, "officer": officer, "advice": _long_text(inp.advice)}


# --- read models ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    id: str
    premises_id: str
    visited_on: str
    officer: str
    advice: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RegisteredProperty:
    id: str
    premises_id: str
    kind: str
    make: str
    model: str
    serial_number: str  # normalised
    serial_as_written: str
    marking: str
    marking_ref: str
    description: str
    photos: tuple[str, ...]

    @property
    def label(self) -> str:
        what = " ".join(p for p in (self.make, self.model) if p) or self.description or PROPERTY_KIND_NAMES.get(
            self.kind, self.kind)
        return what

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["photos"] = list(self.photos)
        return data

    def to_input(self) -> PropertyInput:
        return PropertyInput(kind=self.kind, make=self.make, model=self.model,
                             serial_number=self.serial_as_written or self.serial_number, marking=self.marking,
                             marking_ref=self.marking_ref, description=self.description, photos=list(self.photos))


@dataclass(frozen=True)
class Premises:
    id: str
    name: str
    kind: str
    grid_ref: str
    easting: float
    northing: float
    lat: float
    lon: float
    address: str
    contact_name: str  # "" for roles that may not see personal data
    contact_phone: str
    contact_email: str
    schemes: tuple[str, ...]
    notes: str
    registered_on: str | None
    closed_on: str | None
    synthetic: bool
    updated_at: str

    @property
    def kind_name(self) -> str:
        return PREMISES_KIND_NAMES.get(self.kind, self.kind)

    @property
    def scheme_names(self) -> list[str]:
        return [WATCH_SCHEME_NAMES.get(s, s) for s in self.schemes]

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["schemes"] = list(self.schemes)
        return data

    def to_input(self) -> PremisesInput:
        return PremisesInput(name=self.name, kind=self.kind, grid_ref=self.grid_ref, address=self.address,
                             contact_name=self.contact_name, contact_phone=self.contact_phone,
                             contact_email=self.contact_email, schemes=list(self.schemes), notes=self.notes,
                             registered_on=self.registered_on, closed_on=self.closed_on)
