"""A value typed to settle a sync conflict (*Merge…*, `sync resolve ID merged --value V`), checked before it is kept.

The decision is written as a fresh edit that wins on every device, so a value the record cannot hold would spread:
a status that is none of the statuses, or text in a number field, which a PostgreSQL central store refuses (and with
it every later package of the laptop). A field with a list of codes takes one of them (or its name, as the window
shows it); any other field takes the kind of value both sides held: a whole number, a number, text or JSON.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.alert import ALERT_STATUSES
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import (
    ENCAMPMENT_LAND_TYPES,
    ENCAMPMENT_NOTICES,
    EQUIPMENT_CATEGORIES,
    KINDS,
    PROPERTY_MARKINGS,
)
from ruralwatch.core.premises import PREMISES_KINDS
from ruralwatch.core.vocab import (
    AVAILABILITY_EXCEPTION_KINDS,
    DUTY_KINDS,
    DUTY_STATUSES,
    PATROL_EVENT_KINDS,
    PATROL_PURPOSES,
    PATROL_STATUSES,
    PERSON_ROLES,
    SPECIAL_RANKS,
    STATUSES,
    VEHICLE_ROLES,
)

Codes = tuple[tuple[str, str], ...]

# (table, field) -> its codes and their names, from the one catalogue of each vocabulary.
CODED: dict[tuple[str, str], Codes] = {
    ("incidents", "kind"): tuple((kind.key, kind.name) for kind in KINDS),
    ("incidents", "subkind"): tuple(sub for kind in KINDS for sub in kind.subkinds),
    ("incidents", "status"): STATUSES,
    ("incidents", "enc_land_type"): ENCAMPMENT_LAND_TYPES,
    ("incidents", "enc_notice"): ENCAMPMENT_NOTICES,
    ("incident_vehicles", "role"): VEHICLE_ROLES,
    ("stolen_items", "category"): EQUIPMENT_CATEGORIES,
    ("stolen_items", "marking"): PROPERTY_MARKINGS,
    ("people", "role"): PERSON_ROLES,
    ("people", "rank"): SPECIAL_RANKS,
    ("availability_exceptions", "kind"): AVAILABILITY_EXCEPTION_KINDS,
    ("duties", "kind"): DUTY_KINDS,
    ("duties", "status"): DUTY_STATUSES,
    ("patrols", "purpose"): PATROL_PURPOSES,
    ("patrols", "status"): PATROL_STATUSES,
    ("patrol_events", "kind"): PATROL_EVENT_KINDS,
    ("premises", "kind"): PREMISES_KINDS,
    ("premises_property", "kind"): EQUIPMENT_CATEGORIES,
    ("premises_property", "marking"): PROPERTY_MARKINGS,
    ("community_alerts", "status"): ALERT_STATUSES,
}


_STORED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _refuse(message: str) -> ValidationError:
    return ValidationError.single("value", message)


def merged_value(table: str, field: str, local: Any, incoming: Any, value: Any) -> Any:
    """`value` as the record keeps it, or a ValidationError ("value") saying what the field takes."""
    label = field.replace("_", " ")  # as the conflict lists show it
    codes = CODED.get((table, field))
    if codes is not None:
        typed = str(value).strip()
        for code, name in codes:
            if typed == code or typed.casefold() == name.casefold():
                return code
        names = ", ".join(name for _code, name in codes)
        raise _refuse(f"{label} is one of a list ({names}): {typed!r} is not one of them; keep one of the two values "
                      f"or type one from the list")
    sample = next((v for v in (local, incoming) if v is not None), None)
    if field == "deleted" or isinstance(sample, bool):
        flags = {"0": 0, "1": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
        flag = flags.get(str(value).strip().casefold())
        if flag is None:
            raise _refuse(f"{label} is yes or no: {value!r} is neither")
        return flag
    if isinstance(sample, int):
        try:
            return int(str(value).strip())
        except ValueError:
            raise _refuse(f"{label} takes a whole number: {value!r} is not one") from None
    if isinstance(sample, float):
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise _refuse(f"{label} takes a number: {value!r} is not one")
        return number
    if isinstance(sample, (dict, list)):
        parsed = value
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
        if not isinstance(parsed, type(sample)):
            raise _refuse(f"{label} holds structured data (JSON {'object' if isinstance(sample, dict) else 'list'}): "
                          f"keep one of the two values")
        return parsed
    if isinstance(sample, str) and _STORED_TIME.match(sample):  # a moment: typed in UK local time, kept in UTC
        return times.to_storage(times.parse_moment(str(value), "value"))
    if isinstance(sample, str) and _DATE.match(sample):
        return times.parse_date(str(value), "value").isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value)  # `--value 5` for a text field: the text typed, not a number
