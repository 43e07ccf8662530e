"""The dose: minutes actually spent at each planned stop against the plan, and per place over a period next to
crime and harm there."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vocab import PATROL_EVENT_NAMES
from ruralwatch.patrols.dose import minutes_at_stops
from ruralwatch.services.patrols.base import metres
from ruralwatch.services.patrols.log import PatrolLog


@dataclass(frozen=True)
class StopDose:
    key: str
    label: str
    planned_minutes: float
    actual_minutes: float
    visited: bool


@dataclass(frozen=True)
class PatrolDose:
    stops: list[StopDose]
    missed: list[str]  # labels of planned stops never arrived at
    events_by_kind: dict[str, int]
    planned_minutes: float
    actual_minutes: float


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


class PatrolDoses(PatrolLog):
    def dose(self, patrol_id: str) -> PatrolDose:
        """Minutes actually spent at each planned stop (arrived -> left) against the plan; missed stops."""
        patrol = self.get(patrol_id)
        log = self.log_of(patrol_id)
        actual = minutes_at_stops(log, patrol.ended_at)
        stops = [
            StopDose(s.key, s.label, s.dwell_minutes, round(actual.get(s.key, 0.0), 1), s.key in actual)
            for s in patrol.stops
        ]
        return PatrolDose(
            stops=stops, missed=[s.label for s in stops if not s.visited],
            events_by_kind=dict(Counter(PATROL_EVENT_NAMES.get(e.kind, e.kind) for e in log)),
            planned_minutes=sum(s.planned_minutes for s in stops), actual_minutes=sum(s.actual_minutes for s in stops),
        )

    def dosage(self, start: datetime, end: datetime, radius_m: float = 500.0) -> list[HotspotDosage]:
        """Per visited place over a period: visits and patrol minutes, next to crime and harm in the period
        and in the same length of time before it (within `radius_m`)."""
        patrols = [p for p in self.list(status=PatrolStatus.COMPLETED.value, limit=100_000) if start <= p.start < end]
        visits: dict[str, dict[str, Any]] = {}
        for patrol in patrols:
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
