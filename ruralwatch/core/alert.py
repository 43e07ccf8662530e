"""Alerts to the community: what an alert holds, the rules it follows, and the one allow-list of what leaves.

An alert is composed from an incident (or a hotspot) by an officer, approved by a supervisor and issued to the
community (Farm Watch and other schemes) as text, HTML or PDF (ruralwatch.io.alert_export). What an exported alert
may say is *only* the fields of `PublicAlert`, built by `public_alert` from the stored alert: the incident kind's
name, the officer's own texts, the generalised area (a ward or a district, never the place, a grid reference or a
point), the rounded time window, the vehicles the officer released (registration only when ticked for release) and
the force's name. Nothing is taken from an incident unless it is named here, so a field added to incidents later
cannot leak into an alert.

The officer's texts are free text; `text_warnings` flags in them what looks like a registration that is not
released, a grid reference, a phone number or an email address, and an alert with a warning cannot be approved.
No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.core.kinds import EQUIPMENT_CATEGORIES, is_kind, kind_name
from ruralwatch.core.vrm import display_vrm, normalise_vrm, vrm_format

ALERT_STATUSES: tuple[tuple[str, str], ...] = (
    ("draft", "Draft"),
    ("approved", "Approved"),
    ("issued", "Issued"),
)
ALERT_STATUS_NAMES = dict(ALERT_STATUSES)
AREA_LEVELS: tuple[tuple[str, str], ...] = (("ward", "Ward"), ("district", "District"))
# Parts of the day an alert may name (UK local time): start hour (inclusive) of each; overnight runs 22:00-05:00.
DAY_PARTS: tuple[tuple[str, str], ...] = (
    ("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening"), ("overnight", "Overnight"),
    ("", "Whole days"),
)
DAY_PART_NAMES = dict(DAY_PARTS)
_PART_HOURS = (("overnight", 0, 5), ("morning", 5, 12), ("afternoon", 12, 17), ("evening", 17, 22),
               ("overnight", 22, 24))
MAX_WINDOW_DAYS = 31
MAX_TEXT = 4_000

# The standard wording of how to report (editable per alert): the national non-emergency number, the anonymous
# line and the emergency number for a crime in progress.
DEFAULT_HOW_TO_REPORT = (
    "If you see this happening now, call 999. Report information or suspicious activity online or by calling "
    "101. To stay anonymous, call Crimestoppers on 0800 555 111 or use crimestoppers-uk.org."
)
# Numbers the standard wording may hold: not flagged as a personal phone number.
PUBLIC_NUMBERS = frozenset({"999", "101", "112", "0800555111", "18000"})

DEFAULT_ADVICE: dict[str, str] = {
    "hare_coursing": "Do not approach or challenge coursers. Note vehicle descriptions and registrations, the "
                     "number of people and dogs and the direction they leave in, from a safe place.",
    "equipment_theft": "Remove GPS units and screens from machinery at night and lock them away. Mark equipment "
                       "(CESAR, Datatag), record serial numbers and keep yards and buildings locked and lit.",
    "unlawful_encampment": "Do not approach. Note the number of caravans and vehicles and report it.",
    "fly_tipping": "Do not touch or move waste: it can be hazardous and it is evidence. Note vehicles seen.",
    "livestock_worrying": "Keep dogs on a lead near livestock. Report loose dogs among livestock straight away.",
    "fuel_theft": "Lock fuel tanks and bowsers, fit alarms where you can and check fuel levels often.",
    "poaching_wildlife": "Do not approach. Note lights, vehicles and times, and report them.",
    "heritage_crime": "Report anyone on church roofs or scheduled monuments, and vehicles parked nearby at night.",
    "farm_burglary": "Keep buildings locked, lit and alarmed; do not leave keys in vehicles or machinery.",
    "suspicious_activity": "Note vehicle descriptions and registrations, times and what was seen, and report it.",
}
GENERAL_ADVICE = "Stay safe: do not approach anyone. Note what you see and report it."

_CATEGORY_NAMES = dict(EQUIPMENT_CATEGORIES)


@dataclass(frozen=True)
class TimeWindow:
    """When it happened, as an alert says it: a part of one day, one night, or a range of whole days."""

    first: date
    last: date
    part: str = ""  # a DAY_PARTS key; "overnight" runs from the evening of `first` into `last` (= first + 1)

    def text(self) -> str:
        """As a heading: "evening of 3 March 2026", "overnight 3–4 March 2026", "1–3 March 2026"."""
        if self.part == "overnight":
            return f"overnight {_day_pair(self.first, self.last)}"
        if self.part:
            return f"{self.part} of {_long(self.first)}"
        return _day_pair(self.first, self.last)

    def phrase(self) -> str:
        """In a sentence: "on the evening of 3 March 2026", "between 1 and 3 March 2026"."""
        if self.part == "overnight":
            return f"overnight on {_day_pair(self.first, self.last)}"
        if self.part:
            return f"on the {self.text()}"
        if self.first == self.last:
            return f"on {_long(self.first)}"
        return f"between {_day_pair(self.first, self.last, joiner=' and ')}"

    def check(self) -> list[FieldError]:
        problems = []
        if self.part not in DAY_PART_NAMES:
            problems.append(FieldError("window_part", f"{self.part!r} is not a part of the day"))
        if self.last < self.first:
            problems.append(FieldError("window_to", "the window ends before it starts"))
        elif self.part == "overnight" and self.last != self.first + timedelta(days=1):
            problems.append(FieldError("window_to", "overnight is one night: from one day into the next"))
        elif self.part not in ("", "overnight") and self.last != self.first:
            problems.append(FieldError("window_to", f"{self.part} is part of one day: give one day, or whole days"))
        elif (self.last - self.first).days > MAX_WINDOW_DAYS:
            problems.append(FieldError("window_to", f"a window of at most {MAX_WINDOW_DAYS} days"))
        return problems


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _day_pair(first: date, last: date, joiner: str = "–") -> str:
    if first == last:
        return _long(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{joiner}{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B}{joiner}{last.day} {last:%B %Y}"
    return f"{_long(first)}{joiner}{_long(last)}"


def _part_of(moment: datetime) -> tuple[str, date, date]:
    local = times.to_local(moment)
    day = local.date()
    for part, start, end in _PART_HOURS:
        if start <= local.hour < end:
            if part == "overnight":
                return (part, day - timedelta(days=1), day) if local.hour < 5 else (part, day, day + timedelta(1))
            return part, day, day
    raise AssertionError("every hour is in a part of the day")  # pragma: no cover


def window_for(start: datetime, end: datetime | None = None) -> TimeWindow:
    """The rounded window of an incident that happened from `start` (to `end`): the part of the day when both
    fall in the same one, else the whole days from the first to the last. Never the minute."""
    part, first, last = _part_of(start)
    if end is None or end <= start:
        return TimeWindow(first, last, part)
    end_part, end_first, end_last = _part_of(end)
    if (end_part, end_first, end_last) == (part, first, last):
        return TimeWindow(first, last, part)
    first_day, last_day = times.to_local(start).date(), times.to_local(end).date()
    if (last_day - first_day).days > MAX_WINDOW_DAYS:
        last_day = first_day + timedelta(days=MAX_WINDOW_DAYS)
    return TimeWindow(first_day, last_day, "")


# --- the officer's texts: what must not be in them -------------------------------------------------------------

# Registrations as they are written in text: upper case, with or without the usual space. Dateless and Northern
# Irish marks are left out: they read like road numbers ("A120", "B1053").
_VRM_IN_TEXT = re.compile(r"\b(?:[A-Z]{2}[0-9]{2} ?[A-Z]{3}|[A-Z][0-9]{1,3} ?[A-Z]{3}|[A-Z]{3} ?[0-9]{1,3}[A-Z])\b")
_GRID_IN_TEXT = re.compile(r"\b([A-Za-z]{2}) ?([0-9]{2,5}) ?([0-9]{2,5})\b|\b([A-Za-z]{2}) ?([0-9]{4,10})\b")
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+44[\s-]?|0)(?:[0-9][\s-]?){8,10}[0-9](?!\w)")
_EMAIL_IN_TEXT = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


@dataclass(frozen=True)
class AlertWarning:
    field: str  # "summary", "advice" or "how_to_report"
    kind: str  # "registration", "grid_ref", "phone", "email"
    found: str  # the text found
    message: str

    def __str__(self) -> str:
        return self.message


def text_warnings(text: str, field_name: str, released: frozenset[str] = frozenset(),
                  known_vrms: frozenset[str] = frozenset()) -> list[AlertWarning]:
    """What in an officer's text looks like personal data or a fine location: a registration not released
    (`released`: normalised registrations that are; `known_vrms`: the incident's own, found in any case or
    spacing), an OS grid reference, a phone number (other than the public ones) or an email address."""
    found: list[AlertWarning] = []
    label = {"summary": "Summary", "advice": "Advice", "how_to_report": "How to report"}.get(field_name, field_name)
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, message: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            found.append(AlertWarning(field_name, kind, value, f"{label}: {message}"))

    for match in _VRM_IN_TEXT.finditer(text):
        vrm = normalise_vrm(match.group(0))
        if vrm_format(vrm) and vrm not in released:
            add("registration", display_vrm(vrm), f"{display_vrm(vrm)} looks like a registration that is not "
                                                   "released: tick it for release or take it out")
    squeezed = normalise_vrm(text)
    for vrm in sorted(known_vrms - released):
        if vrm and vrm in squeezed:
            add("registration", display_vrm(vrm), f"{display_vrm(vrm)} is a registration on the incident that is "
                                                   "not released: tick it for release or take it out")
    for match in _GRID_IN_TEXT.finditer(text):
        candidate = match.group(0)
        digits = re.sub(r"\D", "", candidate)
        if len(digits) < 4 or len(digits) % 2:
            continue
        try:
            geo.grid_ref_to_easting_northing(candidate)
        except ValidationError:
            continue
        add("grid_ref", candidate, f"{candidate} looks like a grid reference: name the area instead")
    for match in _PHONE_IN_TEXT.finditer(text):
        number = re.sub(r"\D", "", match.group(0))
        if number not in PUBLIC_NUMBERS:
            add("phone", match.group(0).strip(), f"{match.group(0).strip()} looks like a phone number: alerts give "
                                                 "only 999, 101 and Crimestoppers")
    for match in _EMAIL_IN_TEXT.finditer(text):
        add("email", match.group(0), f"{match.group(0)} looks like an email address")
    return found


# --- what is stored and edited ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertVehicle:
    """A vehicle on the source incident, as the compose form offers it for release."""

    id: str
    vrm: str  # normalised; "" when the reader may not see registrations
    role: str
    make: str = ""
    model: str = ""
    colour: str = ""

    def description(self) -> str:
        return " ".join(p for p in (self.colour, self.make, self.model) if p) or "vehicle"


@dataclass
class AlertInput:
    """What the officer composes or edits."""

    kind: str
    summary: str
    area_level: str
    ward: str | None
    district: str
    window: TimeWindow
    advice: str = ""
    how_to_report: str = DEFAULT_HOW_TO_REPORT
    released_vehicles: frozenset[str] = frozenset()  # incident_vehicles ids
    incident_id: str | None = None

    @property
    def area_text(self) -> str:
        return area_text(self.area_level, self.ward, self.district)


def area_text(level: str, ward: str | None, district: str) -> str:
    """The generalised place in a sentence: "the Thaxted ward of Uttlesford" or "Uttlesford"."""
    if level == "ward" and ward:
        return f"the {ward} ward of {district}" if district else f"the {ward} ward"
    return district


def area_label(level: str, ward: str | None, district: str) -> str:
    """The generalised place as a heading: "Thaxted ward, Uttlesford" or "Uttlesford"."""
    if level == "ward" and ward:
        return f"{ward} ward, {district}" if district else f"{ward} ward"
    return district


def validate_alert(inp: AlertInput) -> list[FieldError]:
    problems: list[FieldError] = []
    if not is_kind(inp.kind):
        problems.append(FieldError("kind", f"{inp.kind!r} is not an incident kind"))
    if not inp.summary.strip():
        problems.append(FieldError("summary", "say what happened"))
    for name in ("summary", "advice", "how_to_report"):
        if len(getattr(inp, name)) > MAX_TEXT:
            problems.append(FieldError(name, f"at most {MAX_TEXT:,} characters"))
    if inp.area_level not in dict(AREA_LEVELS):
        problems.append(FieldError("area_level", f"{inp.area_level!r}: choose ward or district"))
    elif inp.area_level == "ward" and not inp.ward:
        problems.append(FieldError("area_level", "no ward is known here: choose the district"))
    if not inp.district.strip():
        problems.append(FieldError("area_level", "the alert needs an area"))
    problems.extend(inp.window.check())
    return problems


def alert_warnings(inp: AlertInput, vehicles: list[AlertVehicle]) -> list[AlertWarning]:
    released = frozenset(v.vrm for v in vehicles if v.id in inp.released_vehicles and v.vrm)
    known = frozenset(v.vrm for v in vehicles if v.vrm)
    found: list[AlertWarning] = []
    for name in ("summary", "advice", "how_to_report"):
        found += text_warnings(getattr(inp, name), name, released, known)
    return found


def default_summary(kind: str, area: str, window: TimeWindow, item_categories: list[str] | None = None,
                    suspect_vehicles: int = 0) -> str:
    """The plain-language summary a draft starts with (the officer edits it): kind, area, window; nothing else
    of the incident."""
    what = kind_name(kind) if is_kind(kind) else "An incident"
    sentence = f"{what} was reported in {area} {window.phrase()}."
    extra = []
    names = sorted({_CATEGORY_NAMES.get(c, "") for c in item_categories or ()} - {""})
    if names:
        extra.append(f"Property taken: {', '.join(names)}.")
    if suspect_vehicles:
        extra.append("A vehicle was seen." if suspect_vehicles == 1 else f"{suspect_vehicles} vehicles were seen.")
    return " ".join([sentence, *extra])


def default_advice(kind: str) -> str:
    return DEFAULT_ADVICE.get(kind, GENERAL_ADVICE)


# --- what leaves: the allow-list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicVehicle:
    description: str  # colour, make, model
    registration: str  # "" unless released


@dataclass(frozen=True)
class PublicAlert:
    """Everything an exported alert says; the exporters print these fields and nothing else."""

    title: str
    what: str  # the kind's name
    area: str  # the generalised place
    when: str  # the rounded window
    summary: str
    vehicles: tuple[PublicVehicle, ...]
    advice: str
    how_to_report: str
    issued_by: str  # "Essex Police" (the force's name)
    issued_on: str  # the day it was issued, e.g. "5 March 2026"
    reference: str  # the alert's short number, to quote back
    lines: tuple[str, ...] = field(default=())  # the plain text, line by line (built by public_alert)


PUBLIC_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PublicAlert))


DEMO_TITLE = "DEMO DATA, NOT A REAL ALERT"


def public_alert(inp: AlertInput, vehicles: list[AlertVehicle], force_name: str, issued_on: date,
                 reference: str, demo: bool = False) -> PublicAlert:
    """The exported alert, built field by field from an explicit list: kind name, the officer's texts, area,
    window, suspect vehicles (registration only when released), force, date, reference. An alert about demo data
    says so in its title and its last line, so a practice export cannot pass for a real warning."""
    shown = tuple(
        PublicVehicle(v.description(),
                      display_vrm(v.vrm) if v.id in inp.released_vehicles and v.vrm else "")
        for v in vehicles if v.role == "suspect")
    what = kind_name(inp.kind) if is_kind(inp.kind) else "Incident"
    area = area_label(inp.area_level, inp.ward, inp.district)
    window = inp.window.text()
    draft = PublicAlert(
        title=(f"{DEMO_TITLE}: " if demo else "") + f"Community alert: {what.lower()}, {area}", what=what, area=area,
        when=window[0].upper() + window[1:], summary=inp.summary.strip(), vehicles=shown,
        advice=inp.advice.strip(), how_to_report=inp.how_to_report.strip(),
        issued_by=f"{force_name} ({DEMO_TITLE.lower()})" if demo else force_name,
        issued_on=_long(issued_on), reference=reference)
    return PublicAlert(**{**{name: getattr(draft, name) for name in PUBLIC_FIELDS if name != "lines"},
                          "lines": tuple(_text_lines(draft))})


def _text_lines(alert: PublicAlert) -> list[str]:
    lines = [alert.title.upper(), "", f"What: {alert.what}", f"Where: {alert.area}", f"When: {alert.when}", "",
             alert.summary]
    if alert.vehicles:
        lines += ["", "Vehicles seen:"]
        lines += [f"- {v.description}" + (f", registration {v.registration}" if v.registration else "")
                  for v in alert.vehicles]
    if alert.advice:
        lines += ["", "Advice:", alert.advice]
    if alert.how_to_report:
        lines += ["", "How to report:", alert.how_to_report]
    lines += ["", f"Issued by {alert.issued_by} on {alert.issued_on} (alert {alert.reference})."]
    return lines
