"""A patrol plan's saved parts: its stops (one typed record) and the settings it was timed with, and the one
codec between them and the JSON kept in the ``patrols`` table (``plan`` and ``plan_settings`` columns).

The planner (ruralwatch.patrols.plan) makes these; the service saves and reads them; the window, the CLI and
the briefing use them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.month_split import MonthSplit

# Which crimes a suggested plan weighs by harm: the one catalogue the window's box and `patrol plan --source` offer.
# "auto": our incidents when any fall in the area in the plan's months, else published crime.
PLAN_SOURCES: tuple[tuple[str, str], ...] = (
    ("auto", "Ours, else published crime"),
    ("incidents", "Our incidents"),
    ("published", "Published crime"),
    ("all", "Both, each month once"),
)
PLAN_SOURCE_KEYS = tuple(key for key, _ in PLAN_SOURCES)


@dataclass(frozen=True)
class PlanSettings:
    dwell_minutes: float = 15.0  # Koper curve: 10-15 minutes per hotspot; configurable
    road_factor: float = 1.4  # straight-line distance x this = road distance
    speed_kmh: float = 48.0  # average rural driving speed (30 mph)
    max_candidates: int = 50
    harm_source: str = "auto"  # a key of PLAN_SOURCES: what Suggest plan weighs
    planned_from: str = ""  # what the last suggestion used (incidents, published, all); "" before one
    # A suggestion from both ("all"): which months came from which source, kept with the plan as its note is (the
    # note said it only in words); None otherwise and for plans saved before it was kept.
    planned_months: MonthSplit | None = None
    # The crime types Suggest plan leaves out (published types by name, our kinds by key; core.crime_types): an
    # analyst's rural patrol need not be sent to the town centre's shoplifting. Empty: every type counts.
    exclude_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanStop:
    """One stop of a timed plan, as planned and as saved."""

    seq: int  # 1-based position in the route
    key: str  # the place's stable id, e.g. "cell:123:456" or "incident:<uuid>"; events name their stop by it
    lat: float
    lon: float
    label: str
    reason: str
    harm: float
    arrive: datetime
    leave: datetime
    dwell_minutes: float
    travel_minutes: float  # from the previous stop, or from the start point for the first stop (0 without one)


# --- stops <-> JSON -------------------------------------------------------------------------------------------
#
# Written: a JSON array of objects, one per stop in route order, with every PlanStop field and the times as
# storage text (times.to_storage). Read: every shape a database may hold, so old databases keep working:
#   1. NULL or empty text: a patrol row that never had a plan written (rows from before a plan was saved);
#   2. "[]": a patrol recorded with no stops yet (what `create` writes);
#   3. the array of stop objects. Readers before this codec tolerated stops without "travel_minutes",
#      "reason" or "harm" (nothing read them), and numbers stored as integers: those read as 0, "" and floats.


def stop_to_json(stop: PlanStop) -> dict[str, Any]:
    """One stop as the JSON object saved (and printed by `patrol show --json`)."""
    return {
        "seq": stop.seq, "key": stop.key, "lat": stop.lat, "lon": stop.lon, "label": stop.label,
        "reason": stop.reason, "harm": stop.harm, "arrive": times.to_storage(stop.arrive),
        "leave": times.to_storage(stop.leave), "dwell_minutes": stop.dwell_minutes,
        "travel_minutes": stop.travel_minutes,
    }


def stop_from_json(value: Mapping[str, Any], position: int) -> PlanStop:
    """A saved stop object; `position` (1-based) stands in for a missing "seq"."""
    return PlanStop(
        seq=int(value.get("seq", position)), key=str(value["key"]), lat=float(value["lat"]),
        lon=float(value["lon"]), label=str(value.get("label") or ""), reason=str(value.get("reason") or ""),
        harm=float(value.get("harm") or 0.0), arrive=times.from_storage(value["arrive"]),
        leave=times.from_storage(value["leave"]), dwell_minutes=float(value["dwell_minutes"]),
        travel_minutes=float(value.get("travel_minutes") or 0.0),
    )


def stops_to_json(stops: Iterable[PlanStop]) -> str:
    return json.dumps([stop_to_json(stop) for stop in stops])


def stops_from_json(text: str | None) -> tuple[PlanStop, ...]:
    if not text or not text.strip():
        return ()
    return tuple(stop_from_json(value, n) for n, value in enumerate(json.loads(text) or [], start=1))


# --- settings <-> JSON ----------------------------------------------------------------------------------------


def settings_to_dict(settings: PlanSettings) -> dict[str, Any]:
    values = asdict(settings)
    # The month split as --json gives it ({"published": [...], "incidents": [...]}); left out when there is none,
    # so settings saved before it (and the planning defaults) read and compare as they were.
    values.pop("planned_months")
    if settings.planned_months is not None:
        values["planned_months"] = settings.planned_months.to_dict()
    values["exclude_types"] = list(settings.exclude_types)
    if not settings.exclude_types:  # as planned_months: settings without it read and compare as they were
        values.pop("exclude_types")
    return values


def settings_to_json(settings: PlanSettings) -> str:
    return json.dumps(settings_to_dict(settings))


def settings_from_json(text: str | None, default: PlanSettings | None = None) -> PlanSettings:
    """Saved settings over `default` (the built-in defaults); keys this version does not know are ignored."""
    base = default or PlanSettings()
    if not text:
        return base
    known = {f.name for f in fields(PlanSettings)}
    values = {k: v for k, v in json.loads(text).items() if k in known}
    months = values.pop("planned_months", None)
    if isinstance(months, dict):
        values["planned_months"] = MonthSplit(tuple(months.get("published") or ()),
                                              tuple(months.get("incidents") or ()))
    if "exclude_types" in values:
        values["exclude_types"] = tuple(str(key) for key in values["exclude_types"] or ())
    return replace(base, **values)
