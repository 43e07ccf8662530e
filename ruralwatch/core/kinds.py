"""The one catalogue of incident kinds, their sub-kinds and their kind-specific detail fields.

Keys are stable snake_case strings stored in the database and exchanged through sync; display names
may change freely. Every layer (store, services, UI, CLI, map, exports) reads kinds from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    DATE = "date"


@dataclass(frozen=True)
class DetailField:
    """A kind-specific field, stored as a column of `incidents` so sync merges it per field."""

    key: str
    label: str
    type: FieldType
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int = 0
    maximum: int = 10_000
    # The incident form's label when `label` has no letter free for Alt (the form's own fields take most of the
    # alphabet); exports, reports and messages keep `label`.
    form_label: str = ""

    @property
    def on_form(self) -> str:
        return self.form_label or self.label

    @property
    def cli_option(self) -> str:
        return "--" + self.key.split("_", 1)[1].replace("_", "-")


@dataclass(frozen=True)
class IncidentKind:
    key: str
    name: str
    colour: str  # map marker colour, chosen to stay distinct for colour-blind users where possible
    icon: str  # short glyph shown in the marker and legend
    subkinds: tuple[tuple[str, str], ...] = ()
    details: tuple[DetailField, ...] = field(default=())


ENCAMPMENT_LAND_TYPES: tuple[tuple[str, str], ...] = (
    ("private", "Private land"),
    ("council", "Council land"),
    ("agricultural", "Agricultural land"),
)

ENCAMPMENT_NOTICES: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("s61", "s61 CJPOA 1994"),
    ("s62", "s62A CJPOA 1994"),
    ("s60c", "s60C CJPOA 1994"),
)

EQUIPMENT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("plant_machinery", "Plant / machinery"),
    ("gps_unit", "GPS unit"),
    ("quad_atv", "Quad bike / ATV"),
    ("tools", "Tools"),
    ("vehicle", "Vehicle / trailer"),
)

PROPERTY_MARKINGS: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("cesar", "CESAR"),
    ("datatag", "Datatag"),
    ("other", "Other"),
)

HARE_COURSING_DETAILS = (
    DetailField("hc_people", "People involved", FieldType.INTEGER, maximum=200),
    DetailField("hc_dogs", "Dogs", FieldType.INTEGER, maximum=200, form_label="Number of dogs"),
    DetailField("hc_landowner_informed", "Landowner informed", FieldType.BOOLEAN),
)

ENCAMPMENT_DETAILS = (
    DetailField("enc_caravans", "Caravans", FieldType.INTEGER, maximum=1000, form_label="Number of caravans"),
    DetailField("enc_vehicles", "Vehicles", FieldType.INTEGER, maximum=1000),
    DetailField("enc_people", "People", FieldType.INTEGER, maximum=5000),
    DetailField("enc_land_type", "Land type", FieldType.CHOICE, choices=ENCAMPMENT_LAND_TYPES),
    DetailField("enc_notice", "Notice served", FieldType.CHOICE, choices=ENCAMPMENT_NOTICES,
                form_label="Notice served (power)"),
    DetailField("enc_date_left", "Date left", FieldType.DATE),
)

KINDS: tuple[IncidentKind, ...] = (
    IncidentKind("hare_coursing", "Hare coursing", "#d62728", "H", details=HARE_COURSING_DETAILS),
    IncidentKind("equipment_theft", "Equipment theft", "#1f77b4", "E", subkinds=EQUIPMENT_CATEGORIES),
    IncidentKind("unlawful_encampment", "Unlawful encampment", "#ff7f0e", "U", details=ENCAMPMENT_DETAILS),
    IncidentKind("fly_tipping", "Fly-tipping", "#8c564b", "F"),
    IncidentKind("livestock_worrying", "Livestock worrying", "#e377c2", "L"),
    IncidentKind("fuel_theft", "Fuel theft", "#17becf", "D"),
    IncidentKind("poaching_wildlife", "Poaching / wildlife crime", "#2ca02c", "P"),
    IncidentKind("heritage_crime", "Heritage crime", "#9467bd", "R"),
    IncidentKind("farm_burglary", "Farm burglary", "#393b79", "B"),
    IncidentKind("suspicious_activity", "Suspicious activity", "#7f7f7f", "S"),
    IncidentKind("other_rural", "Other rural crime", "#bcbd22", "O"),
)

_BY_KEY = {kind.key: kind for kind in KINDS}

ALL_DETAIL_FIELDS: tuple[DetailField, ...] = tuple(f for kind in KINDS for f in kind.details)


def kind_by_key(key: str) -> IncidentKind:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise KeyError(f"unknown incident kind {key!r} (known: {known})") from None


def is_kind(key: str) -> bool:
    return key in _BY_KEY


def kind_name(key: str) -> str:
    kind = _BY_KEY.get(key)
    return kind.name if kind else key
