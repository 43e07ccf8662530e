"""The dose: minutes actually spent at each planned stop against the plan, and per place over a period next to
crime and harm there.

Two measures side by side: what the crew logged (arrived -> left, ruralwatch.patrols.dose) and, when the patrol
has a recorded track, where the track really was (minutes within the dose radius, visits, first and last time:
ruralwatch.patrols.track_dose). Dosage over a period uses the track where there is one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vocab import PATROL_EVENT_NAMES
from ruralwatch.patrols.dose import minutes_at_stops
from ruralwatch.patrols.track_dose import Place, Presence, measure
from ruralwatch.services.patrols.base import metres
from ruralwatch.services.patrols.track import PatrolTracks


@dataclass(frozen=True)
class StopDose:
    key: str
    label: str
    planned_minutes: float
    actual_minutes: float  # from the log
    visited: bool  # from the log
    measured_minutes: float | None = None  # from the track (None: the patrol has no track)
    visits: int | None = None  # times the track came within the radius
    first_at: str | None = None  # storage text (UTC): when the track first came within the radius
    last_at: str | None = None  # ... and last left it
    due: bool = True  # its planned arrival has passed (or the patrol is over): not visited is then missed


@dataclass(frozen=True)
class PatrolDose:
    stops: list[StopDose]
    missed: list[str]  # labels of planned stops never arrived at
    events_by_kind: dict[str, int]
    planned_minutes: float
    actual_minutes: float
    tracked: bool = False  # measured from a recorded track too
    radius_m: float | None = None
    measured_minutes: float | None = None
    never_reached: list[str] = field(default_factory=list)  # labels of planned stops the track never came near
    track_points: int = 0


@dataclass(frozen=True)
class UnplannedTime:
    """Time the track spent at a harm hotspot of the patrol's area that was not on its plan."""

    key: str
    label: str
    lat: float
    lon: float
    minutes: float
    visits: int


@dataclass(frozen=True)
class HotspotDosage:
    key: str
    label: str
    lat: float
    lon: float
    visits: int
    minutes: float
    crimes_before: int
    crimes_during: int
    harm_before: float
    harm_during: float


class PatrolDoses(PatrolTracks):
    def dose(self, patrol_id: str) -> PatrolDose:
        """Minutes actually spent at each planned stop (arrived -> left) against the plan; missed stops. With a
        recorded track, also the minutes the track spent within the dose radius of each stop, and its visits."""
        patrol = self.get(patrol_id)
        log = self.log_of(patrol.id)
        actual = minutes_at_stops(log, patrol.ended_at)
        track = self.repo.track_of(patrol.id)
        radius = self.dose_radius_m()
        measured: dict[str, Presence] = (
            measure(track, [Place(s.key, s.lat, s.lon) for s in patrol.stops], radius) if track else {})
        # A stop is visited when the crew logged anything there, not only "arrived": a walk found two stop-checks
        # logged at a stop and the stop reported missed.
        logged_at = {e.stop_key for e in log if e.stop_key}
        # While the patrol runs, a stop whose planned arrival is still to come is not missed, only not yet visited.
        now = self._now()
        running = patrol.status == PatrolStatus.IN_PROGRESS
        stops = []
        for s in patrol.stops:
            found = measured.get(s.key)
            stops.append(StopDose(
                s.key, s.label, s.dwell_minutes, round(actual.get(s.key, 0.0), 1),
                s.key in actual or s.key in logged_at,
                measured_minutes=round(found.minutes, 1) if found else None,
                visits=found.visits if found else None,
                first_at=times.to_storage(found.first) if found and found.first else None,
                last_at=times.to_storage(found.last) if found and found.last else None,
                due=not running or s.arrive <= now,
            ))
        return PatrolDose(
            stops=stops, missed=[s.label for s in stops if not s.visited and s.due],
            events_by_kind=dict(Counter(PATROL_EVENT_NAMES.get(e.kind, e.kind) for e in log)),
            planned_minutes=sum(s.planned_minutes for s in stops), actual_minutes=sum(s.actual_minutes for s in stops),
            tracked=bool(track), radius_m=radius if track else None,
            measured_minutes=round(sum(p.minutes for p in measured.values()), 1) if track else None,
            never_reached=[s.label for s in stops if s.visits == 0 and s.due], track_points=len(track),
        )

    def unplanned_hotspots(self, patrol_id: str) -> list[UnplannedTime]:
        """Harm hotspots of the patrol's area (as its plan was drawn from, ruralwatch.services.patrols.places) that
        were not on its plan but where the recorded track spent time, most minutes first. Works the hotspots out
        again (a KDE over a year of incidents: about a second), so it is asked for, not part of every dose."""
        patrol = self.get(patrol_id)
        track = self.repo.track_of(patrol.id)
        if not track:
            return []
        planned = {s.key for s in patrol.stops}
        spots = [c for c in self.candidates(patrol.area, patrol.start, patrol.purpose)
                 if c.key.startswith("cell:") and c.key not in planned]
        found = measure(track, [Place(c.key, c.lat, c.lon) for c in spots], self.dose_radius_m())
        result = [UnplannedTime(c.key, c.label, c.lat, c.lon, round(found[c.key].minutes, 1), found[c.key].visits)
                  for c in spots if found[c.key].reached]
        return sorted(result, key=lambda u: -u.minutes)

    def dosage(self, start: datetime, end: datetime, radius_m: float = 500.0) -> list[HotspotDosage]:
        """Per visited place over a period: visits and patrol minutes, next to crime and harm in the period
        and in the same length of time before it (within `radius_m`)."""
        patrols = [p for p in self.list(status=PatrolStatus.COMPLETED.value, limit=100_000) if start <= p.start < end]
        visits: dict[str, dict[str, Any]] = {}
        radius = self.dose_radius_m()
        for patrol in patrols:
            track = self.repo.track_of(patrol.id)
            if track:  # where the crew really was, when it was recorded
                minutes = {key: p.minutes for key, p in measure(
                    track, [Place(s.key, s.lat, s.lon) for s in patrol.stops], radius).items() if p.reached}
            else:
                minutes = minutes_at_stops(self.log_of(patrol.id), patrol.ended_at)
            for stop in patrol.stops:
                if stop.key not in minutes:
                    continue
                entry = visits.setdefault(stop.key, {"stop": stop, "visits": 0, "minutes": 0.0})
                entry["visits"] += 1
                entry["minutes"] += minutes[stop.key]
        if not visits:
            return []
        incidents = self.repo.located_incidents(start - (end - start), end)
        weights = self.harm.weights()
        boundary = times.to_storage(start)
        result = []
        for key, entry in visits.items():
            stop = entry["stop"]
            before = during = 0
            harm_before = harm_during = 0.0
            for row in incidents:
                if metres(stop.lat, stop.lon, row["lat"], row["lon"]) > radius_m:
                    continue
                harm = self.harm.for_incident(row["kind"], row["value"], weights)
                if row["occurred_start"] < boundary:
                    before += 1
                    harm_before += harm
                else:
                    during += 1
                    harm_during += harm
            result.append(HotspotDosage(key, stop.label, stop.lat, stop.lon, entry["visits"],
                                        round(entry["minutes"], 1), before, during, round(harm_before, 1),
                                        round(harm_during, 1)))
        result.sort(key=lambda d: -d.minutes)
        return result
