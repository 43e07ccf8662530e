"""What a patrol briefing pack shows (ruralwatch.io.briefing draws it): plain frozen dataclasses the patrol service
fills from the store. Apart from the PDF writer, so that the services import them without reportlab (issue 21)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ruralwatch.mapping import boundaries


@dataclass(frozen=True)
class BriefingStop:
    seq: int
    label: str
    reason: str
    lat: float
    lon: float
    arrive: datetime
    leave: datetime
    dwell_minutes: float
    harm: float


@dataclass(frozen=True)
class BriefingIncident:
    kind: str  # a key of ruralwatch.core.kinds
    occurred: datetime
    place: str
    lat: float | None
    lon: float | None
    description: str
    crime_reference: str


@dataclass(frozen=True)
class VehicleOfInterest:
    vrm: str
    times_seen: int
    last_seen: datetime
    places: tuple[str, ...]
    kinds: tuple[str, ...]
    description: str  # make / model / colour
    listed: tuple[str, ...] = ()  # "source: reason" of each imported list it is on (ruralwatch.services.vehicles)


@dataclass(frozen=True)
class BriefingZone:
    """A near-repeat risk zone (ruralwatch.services.near_repeat): the ring round an incident, live until `until`."""

    kind: str  # a key of ruralwatch.core.kinds
    place: str
    lat: float
    lon: float
    radius_m: float
    occurred: datetime
    until: datetime
    earlier: int  # earlier incidents inside it


@dataclass(frozen=True)
class BriefingRepeatVictim:
    """Registered premises in the area victimised within the repeat window (ruralwatch.services.premises): at raised
    risk of being hit again. No contact details."""

    name: str
    kind: str  # as shown ("Farm")
    grid_ref: str
    schemes: tuple[str, ...]  # as shown ("Farm Watch")
    incidents: int  # within the window
    latest: datetime
    lat: float | None = None  # where the map draws it (from the grid reference when not given)
    lon: float | None = None


@dataclass(frozen=True)
class BriefingPremisesToVisit:
    """Registered premises inside a live near-repeat zone in the area: a crime-prevention visit is due."""

    name: str
    kind: str
    grid_ref: str
    schemes: tuple[str, ...]
    incident_kind: str  # a key of ruralwatch.core.kinds: the incident whose zone holds it
    incident_occurred: datetime
    distance_m: float
    last_visit: str | None  # a date
    repeat: bool  # victimised itself within the repeat window
    lat: float | None = None  # where the map draws it (from the grid reference when not given)
    lon: float | None = None


@dataclass(frozen=True)
class CrewLine:
    name: str
    role: str  # a key of PERSON_ROLES (or free text)
    collar_number: str
    skills: tuple[str, ...]  # keys of SKILLS (or free text)
    phone: str


@dataclass(frozen=True)
class ContactPoint:
    name: str
    detail: str  # e.g. ("Force control room", "101 / radio channel ...")


@dataclass(frozen=True)
class Briefing:
    title: str
    call_sign: str
    vehicle: str
    purpose: str  # a key of PATROL_PURPOSES (or free text)
    area_name: str
    start: datetime
    end: datetime
    stops: tuple[BriefingStop, ...]
    start_point: tuple[float, float] | None  # (lat, lon)
    area_outline: tuple[tuple[tuple[float, float], ...], ...]  # rings of (lat, lon), may be empty
    incidents: tuple[BriefingIncident, ...]  # in the area, last 14 days
    vehicles: tuple[VehicleOfInterest, ...]
    crew: tuple[CrewLine, ...]
    contacts: tuple[ContactPoint, ...]
    travel_minutes: float
    dwell_minutes: float
    generated_at: datetime
    notes: str = ""
    travel_basis: str = ""  # "by road" or "straight line × 1.4" (ruralwatch.patrols.plan.Plan.basis)
    # By road: the road route's (lat, lon) points, drawn instead of straight lines between the stops.
    route_path: tuple[tuple[float, float], ...] = ()
    # Districts and wards drawn round the route for context: the chosen force's (Essex's when not given).
    context: boundaries.AreaSet | None = field(default=None, compare=False, repr=False)
    # Near-repeat risk zones in the area, live when the patrol starts.
    zones: tuple[BriefingZone, ...] = ()
    # Registered premises in the area: victimised within the repeat window, and inside a live zone.
    repeat_victims: tuple[BriefingRepeatVictim, ...] = ()
    premises_to_visit: tuple[BriefingPremisesToVisit, ...] = ()
    repeat_window_days: int = 365
    # What the stops were chosen from, with published crime's caveats (Plan.source_note); "" when unknown.
    plan_source: str = ""
