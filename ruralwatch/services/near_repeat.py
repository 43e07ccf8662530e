"""Near repeats: the Knox test on the force's own incidents, and the near-repeat risk zone round each incident.

The Knox test (ruralwatch.analysis.near_repeat) needs day-resolution dates, so it runs on the officers' own
incidents, never on published crime (data.police.uk gives months only). Its suggested zone can be saved; the zone
settings (metres, days) are per-laptop policies, and when none is set the saved Knox zone, else a default, applies.

A zone is the circle of `metres` round an incident, live for `days` after it happened; the earlier incidents inside
it are those within `metres` that happened up to `days` before it (the chain the zone continues).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ruralwatch.analysis import near_repeat as nr
from ruralwatch.core import kinds as kindmod
from ruralwatch.core import times
from ruralwatch.core.crime_types import resolve_choice, types_words
from ruralwatch.core.errors import FieldError, ProgressCallback, ValidationError, noted
from ruralwatch.core.geo import to_bng
from ruralwatch.core.words import count_of
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.policies import (
    KNOX_ZONE,
    NEAR_REPEAT_DAYS,
    NEAR_REPEAT_METRES,
    PendingPolicies,
    SavedKnoxZone,
    write_changed,
    write_pending,
)
from ruralwatch.store.database import Store

if TYPE_CHECKING:
    # Imported where used: every process that builds the services imports this module (issue 21), and the window
    # draws the live zones at every start, from a few hundred incidents: numpy without pandas.
    import numpy as np
    import pandas as pd

# Used when neither a setting nor a saved Knox result gives the zone: the near-repeat window most often reported
# for burglary and theft (Bowers & Johnson 2004; Johnson et al. 2007: 200-400 m, about two weeks).
DEFAULT_ZONE_METRES = 400.0
DEFAULT_ZONE_DAYS = 14
MIN_ZONE_METRES, MAX_ZONE_METRES = 50.0, 5000.0
MIN_ZONE_DAYS, MAX_ZONE_DAYS = 1, 365
# The kinds a zone is drawn for: thefts and burglaries, where near repeats are documented. Hare coursing,
# encampments and fly-tipping move on; their repeats are a different question.
ZONE_KINDS: tuple[str, ...] = ("equipment_theft", "fuel_theft", "farm_burglary", "heritage_crime")


@dataclass(frozen=True)
class KnoxQuery:
    kinds: tuple[str, ...] = ()  # incident kinds (empty: all), by key or name in any case (core.crime_types)
    exclude_kinds: tuple[str, ...] = ()  # incident kinds left out: the analysis panel's crime type choice
    date_from: date | None = None  # UK dates, inclusive
    date_to: date | None = None
    iterations: int = nr.DEFAULT_ITERATIONS
    seed: int = nr.DEFAULT_SEED
    distance_m: tuple[float, ...] = nr.DEFAULT_DISTANCE_EDGES_M
    days: tuple[int, ...] = nr.DEFAULT_DAY_EDGES

    def checked(self) -> KnoxQuery:
        # Our incidents only: published crime gives months, and the test counts days.
        kinds, exclude = resolve_choice(self.kinds, self.exclude_kinds, "incidents", ("kinds", "exclude_kinds"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError.single("to", "the period ends before it starts")
        if not 1 <= self.iterations <= nr.MAX_ITERATIONS:
            raise ValidationError.single("iterations", f"give 1 to {nr.MAX_ITERATIONS:,} iterations")
        try:
            nr.KnoxBands(tuple(self.distance_m), tuple(self.days))
        except ValueError as exc:
            raise ValidationError.single("bands", str(exc)) from None
        return replace(self, kinds=kinds, exclude_kinds=exclude)

    def types_words(self) -> str:
        """The kinds tested, in words ('all', 'Farm burglary, Fuel theft', 'all but Fly-tipping')."""
        return types_words(self.kinds, self.exclude_kinds)

    @property
    def bands(self) -> nr.KnoxBands:
        return nr.KnoxBands(tuple(self.distance_m), tuple(self.days))


@dataclass
class KnoxRun:
    query: KnoxQuery
    result: nr.KnoxResult
    first: str | None  # UK date of the earliest and latest incident tested
    last: str | None

    def to_dict(self) -> dict[str, Any]:
        query: dict[str, Any] = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.query).items()}
        query["date_from"] = self.query.date_from.isoformat() if self.query.date_from else None
        query["date_to"] = self.query.date_to.isoformat() if self.query.date_to else None
        return {"query": query, "types": self.query.types_words(), "first": self.first, "last": self.last,
                **self.result.to_dict()}


@dataclass(frozen=True)
class ZoneSettings:
    metres: float
    days: int
    source: str  # "setting", "knox" (a saved Knox result) or "default"
    knox: SavedKnoxZone | None = None


@dataclass(frozen=True)
class EarlierIncident:
    id: str
    kind: str
    occurred_start: str
    place: str
    distance_m: float
    days_before: int


@dataclass(frozen=True)
class NearRepeatZone:
    incident_id: str
    kind: str
    place: str
    lat: float
    lon: float
    occurred_start: str
    radius_m: float
    days: int
    until: str  # UTC storage text: the zone is live until then
    earlier: tuple[EarlierIncident, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_EPOCH = date(1970, 1, 1)


def _day_number(stored: str) -> int:
    """_day_numbers for one storage time, without pandas."""
    return (times.to_local(times.from_storage(stored)).date() - _EPOCH).days


def _day_numbers(stored: pd.Series) -> np.ndarray:
    """UK calendar day of each UTC storage time, as a day number (days since 1970-01-01)."""
    import numpy as np
    import pandas as pd

    local = pd.to_datetime(stored, utc=True).dt.tz_convert(times.LOCAL_ZONE).dt.tz_localize(None).dt.normalize()
    return ((local - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)


def _local_day_start(day: date) -> str:
    return times.to_storage(datetime(day.year, day.month, day.day, tzinfo=times.LOCAL_ZONE))


class NearRepeatService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self.clock = clock

    # --- the Knox test ------------------------------------------------------------------------------------

    @staticmethod
    def _located_query(kinds: tuple[str, ...] = (), start: str | None = None, end: str | None = None,
                       exclude_kinds: tuple[str, ...] = ()) -> tuple[str, list[str]]:
        """The live incidents with a place, of `kinds` (all when empty), from start to end (exclusive), in time
        order: what the Knox test (as a frame) and the zones (as rows) read."""
        clauses: list[str] = []
        params: list[str] = []
        if kinds:
            clauses.append(f" AND kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        if exclude_kinds:
            clauses.append(f" AND kind NOT IN ({', '.join('?' * len(exclude_kinds))})")
            params.extend(exclude_kinds)
        if start:
            clauses.append(" AND occurred_start >= ?")
            params.append(start)
        if end:
            clauses.append(" AND occurred_start < ?")
            params.append(end)
        return ("SELECT id, kind, occurred_start, place, lat, lon FROM incidents WHERE deleted = 0 "
                f"AND lat IS NOT NULL AND lon IS NOT NULL{''.join(clauses)} ORDER BY occurred_start, id", params)

    def _incidents(self, kinds: tuple[str, ...] = (), start: str | None = None, end: str | None = None,
                   exclude_kinds: tuple[str, ...] = ()) -> pd.DataFrame:
        frame = self.store.frame(*self._located_query(kinds, start, end, exclude_kinds))
        if frame.empty:
            import numpy as np
            import pandas as pd

            return frame.assign(easting=pd.Series(dtype=float), northing=pd.Series(dtype=float),
                                day=pd.Series(dtype=np.int64))
        frame["easting"], frame["northing"] = to_bng().transform(frame["lon"].to_numpy(dtype=float),
                                                                 frame["lat"].to_numpy(dtype=float))
        frame["day"] = _day_numbers(frame["occurred_start"])
        return frame

    def knox(self, query: KnoxQuery, progress: ProgressCallback | None = None) -> KnoxRun:
        """The Knox test over the incidents the query picks (kinds, UK dates from/to inclusive)."""
        self.store.actor.require("analysis.run")
        query = query.checked()
        started = time.perf_counter()
        frame = self._incidents(
            query.kinds, _local_day_start(query.date_from) if query.date_from else None,
            _local_day_start(query.date_to + timedelta(days=1)) if query.date_to else None, query.exclude_kinds)
        if len(frame) < 2:
            raise ValidationError.single("kinds", self._too_few(len(frame)))
        result = nr.knox_test(frame["easting"].to_numpy(), frame["northing"].to_numpy(), frame["day"].to_numpy(),
                              query.bands, query.iterations, query.seed,
                              progress=noted(progress, f"Comparing {len(frame):,} incidents with {query.iterations:,} "
                                                       "random shuffles of their dates"))
        result.seconds = time.perf_counter() - started
        first, last = (date(1970, 1, 1) + timedelta(days=int(frame["day"].min())),
                       date(1970, 1, 1) + timedelta(days=int(frame["day"].max())))
        return KnoxRun(query, result, first.isoformat(), last.isoformat())

    def _too_few(self, selected: int) -> str:
        """Why there is nothing to test. A new force's analyst with published crime only read '0 incident(s) with a
        place in that selection' and could not tell that the test never reads published crime."""
        located = self.store.db.execute(
            "SELECT COUNT(*) FROM incidents WHERE deleted = 0 AND lat IS NOT NULL AND lon IS NOT NULL").fetchone()[0]
        if not located:
            return ("no incidents of our own with a place are recorded yet, and the Knox test needs at least two (it "
                    "counts pairs in days and metres); published crime cannot stand in, as it gives only the month "
                    "of each crime")
        return (f"{count_of(selected, 'incident')} of ours with a place in these kinds and dates (of "
                f"{located:,} in all): the Knox test needs at least two (it counts pairs); choose more kinds or a "
                "longer period")

    def save_knox_zone(self, run: KnoxRun) -> SavedKnoxZone:
        """Keep the zone a Knox run justifies, as the default for the zone settings; ValidationError if none."""
        self.store.actor.require("analysis.run")
        zone = run.result.suggested_zone()
        if zone is None:
            raise ValidationError.single("knox", "this Knox result shows no raised near-repeat risk in the "
                                         "nearest band: there is no zone to save")
        saved = SavedKnoxZone(metres=zone[0], days=zone[1], incidents=run.result.incidents,
                              iterations=run.result.iterations, p_value=float(run.result.p_values[0, 0]),
                              ratio=float(run.result.ratios[0, 0]), kinds=list(run.query.kinds),
                              run_at=times.to_storage(self.clock()))
        write_changed(self.store, [(KNOX_ZONE, saved)])
        self.hub.publish(Change("near_repeat", "settings"))
        return saved

    # --- zone settings ------------------------------------------------------------------------------------

    def zone_settings(self) -> ZoneSettings:
        metres, days = NEAR_REPEAT_METRES.read(self.store), NEAR_REPEAT_DAYS.read(self.store)
        knox = KNOX_ZONE.read(self.store)
        if metres is not None and days is not None:
            return ZoneSettings(metres, days, "setting", knox)
        if knox is not None:
            return ZoneSettings(metres if metres is not None else knox.metres,
                                days if days is not None else knox.days, "knox", knox)
        return ZoneSettings(metres if metres is not None else DEFAULT_ZONE_METRES,
                            days if days is not None else DEFAULT_ZONE_DAYS,
                            "setting" if metres is not None or days is not None else "default", knox)

    def set_zone_settings(self, metres: float | str | None, days: int | str | None) -> ZoneSettings:
        """Set (or with None, clear: back to the Knox result or the default) the zone's metres and days."""
        write_pending(self.store, [self.zone_settings_change(metres, days)])
        return self.zone_settings()

    def zone_settings_change(self, metres: float | str | None, days: int | str | None) -> PendingPolicies:
        """The zone's metres and days checked (both), not yet written."""
        errors: list[FieldError] = []
        values: list[Any] = []
        for value, field_name, kind, low, high, unit in (
                (metres, "near_repeat_metres", float, MIN_ZONE_METRES, MAX_ZONE_METRES, "metres"),
                (days, "near_repeat_days", int, MIN_ZONE_DAYS, MAX_ZONE_DAYS, "days")):
            try:
                values.append(_number(value, field_name, kind, low, high, unit))
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        self.store.actor.require("analysis.run")
        return PendingPolicies(((NEAR_REPEAT_METRES, values[0]), (NEAR_REPEAT_DAYS, values[1])),
                               lambda: self.hub.publish(Change("near_repeat", "settings")))

    # --- zones --------------------------------------------------------------------------------------------

    def zone_for(self, incident_id: str) -> NearRepeatZone:
        """The zone round one incident (whatever its kind) and the earlier incidents inside it."""
        self.store.actor.require("incident.view")
        settings = self.zone_settings()
        row = self.store.db.execute(
            "SELECT id, kind, occurred_start, place, lat, lon FROM incidents WHERE id = ? AND deleted = 0",
            [incident_id]).fetchone()
        if row is None or row[4] is None:
            raise ValidationError.single("incident", f"no incident {incident_id} with a place")
        start = times.from_storage(row[2]) - timedelta(days=settings.days + 1)
        return self._zones(self._nearby(times.to_storage(start), row[2]), [row], settings)[0]

    def active_zones(self, now: datetime | None = None,
                     kinds: tuple[str, ...] = ZONE_KINDS) -> list[NearRepeatZone]:
        """Zones live at `now` (the clock when None): incidents of `kinds` no more than the zone's days before."""
        self.store.actor.require("incident.view")
        settings = self.zone_settings()
        moment = now or self.clock()
        since = times.to_storage(moment - timedelta(days=settings.days))
        rows = self.store.db.execute(
            f"SELECT id, kind, occurred_start, place, lat, lon FROM incidents WHERE deleted = 0 AND lat IS NOT NULL "
            f"AND occurred_start >= ? AND occurred_start <= ? AND kind IN ({', '.join('?' * len(kinds))}) "
            "ORDER BY occurred_start DESC, id", [since, times.to_storage(moment), *kinds]).fetchall()
        if not rows:
            return []
        earliest = times.from_storage(min(r[2] for r in rows)) - timedelta(days=settings.days + 1)
        nearby = self._nearby(times.to_storage(earliest), times.to_storage(moment + timedelta(seconds=1)))
        return self._zones(nearby, rows, settings)

    def _nearby(self, start: str, end: str) -> list[tuple[Any, ...]]:
        """The located incidents from start to end (exclusive), as rows: no pandas at window start."""
        return self.store.db.execute(*self._located_query((), start, end)).fetchall()

    def _zones(self, nearby: list[tuple[Any, ...]], rows: list[Any], settings: ZoneSettings) -> list[NearRepeatZone]:
        import numpy as np

        east, north = to_bng().transform(np.array([r[5] for r in nearby], dtype=float),
                                         np.array([r[4] for r in nearby], dtype=float))
        days = np.array([_day_number(r[2]) for r in nearby], dtype=np.int64)
        ids = np.array([r[0] for r in nearby], dtype=object)
        occurred_at = np.array([r[2] for r in nearby], dtype=object)
        zones = []
        for incident_id, kind, occurred, place, lat, lon in rows:
            x, y = to_bng().transform(lon, lat)
            distance = np.hypot(east - x, north - y)
            before = _day_number(occurred) - days
            inside = ((distance <= settings.metres) & (before >= 0) & (before <= settings.days)
                      & (ids != incident_id) & (occurred_at <= occurred))
            earlier = tuple(
                EarlierIncident(str(nearby[i][0]), str(nearby[i][1]), str(nearby[i][2]), str(nearby[i][3] or ""),
                                round(float(distance[i]), 1), int(before[i]))
                for i in np.flatnonzero(inside)[::-1])
            until = times.to_storage(times.from_storage(occurred) + timedelta(days=settings.days))
            zones.append(NearRepeatZone(incident_id, kind, place or "", float(lat), float(lon), occurred,
                                        settings.metres, settings.days, until, earlier))
        return zones

    def note_on_recording(self, incident_id: str) -> str:
        """One line for the officer who has just recorded a theft or burglary: its zone and the earlier incidents
        inside it; "" for other kinds (no zone is drawn for them)."""
        zone = self.zone_for(incident_id)
        if zone.kind not in ZONE_KINDS:
            return ""
        text = (f"Near-repeat risk zone: {zone.radius_m:g} m round it until {times.format_local(zone.until)}")
        if not zone.earlier:
            return text + "; no earlier incidents inside it."
        latest = zone.earlier[0]
        return (f"{text}; {len(zone.earlier)} earlier incident(s) inside it, the latest "
                f"{kindmod.kind_name(latest.kind).lower()} at {latest.place or 'an unnamed place'} "
                f"{latest.distance_m:.0f} m away, {latest.days_before} day(s) before.")

    def zones_geojson(self, zones: list[NearRepeatZone]) -> dict[str, Any]:
        """Zones for the map: a point per centre with its radius (the page draws the circle)."""
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [z.lon, z.lat]},
             "properties": {"id": z.incident_id, "kind": kindmod.kind_name(z.kind), "place": z.place,
                            "radius_m": z.radius_m, "until": times.format_local(z.until),
                            "earlier": len(z.earlier)}}
            for z in zones]}


def _number(value: Any, field_name: str, kind: Callable[[str], Any], low: float, high: float,
            unit: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = kind(str(value).strip())
    except ValueError:
        raise ValidationError.single(field_name, f"{value!r} is not a number of {unit}") from None
    if not low <= number <= high:
        raise ValidationError.single(field_name, f"give {low:g} to {high:g} {unit}, not {number:g}")
    return number

