"""What every part of the patrol service shares: its collaborators, the repository, the clock, reading patrols."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.errors import NotFoundError
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.mapping import boundaries
from ruralwatch.patrols.plan import Plan, timed_plan
from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.harm import HarmService
from ruralwatch.services.people import PeopleService
from ruralwatch.services.roads import RoadService
from ruralwatch.services.roster import RosterService
from ruralwatch.store.database import Store
from ruralwatch.store.patrols import PatrolRepository

TOPIC = "patrols"


class PatrolServiceBase:
    def __init__(
        self, store: Store, hub: ChangeHub, people: PeopleService, roster: RosterService,
        analysis: AnalysisService, harm: HarmService, clock: Callable[[], datetime] = times.system_clock,
        roads: RoadService | None = None,
    ) -> None:
        self.store = store
        self.hub = hub
        self.people = people
        self.roster = roster
        self.analysis = analysis
        self.harm = harm
        self._now = clock  # an attribute, not captured by the parts: tests set it to fix "now"
        self.repo = PatrolRepository(store, lambda: self._now())  # rows' created_at/updated_at
        self.roads = roads or RoadService(store, hub, clock=clock)

    def get(self, patrol_id: str) -> PatrolRecord:
        found = self.repo.find(patrol_id)
        if found is None:  # a short id, as `patrol list` prints
            found = self.repo.find(self.repo.full_id(patrol_id))
        if found is None:
            raise NotFoundError(f"no patrol with id {patrol_id}")
        return found

    def timed(self, record: PatrolRecord) -> Plan:
        """A saved plan with its totals, retimed in the saved order as edit_plan times it: by road when the road
        network reaches every stop (with the road route to draw), else on the straight line."""
        return timed_plan(record, self.roads.router())

    def list(self, status: str | None = None, limit: int = 500) -> list[PatrolRecord]:
        return self.repo.latest(status, limit)

    def _area(self, name: str) -> boundaries.Area:
        """A district or ward of the chosen force, or the one a typed beginning stands for, as the window's box
        takes it (ValidationError on `area` otherwise)."""
        return self.analysis.geography.find_area(name)

    def _publish(self, action: str, patrol_id: str) -> None:
        self.hub.publish(Change(TOPIC, action, (patrol_id,)))

    def _set(self, patrol_id: str, values: dict[str, Any]) -> PatrolRecord:
        with self.store.transaction():
            self.repo.update(patrol_id, values)
        self._publish("updated", patrol_id)
        return self.get(patrol_id)


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geo.haversine_km(geo.LatLon(lat1, lon1), geo.LatLon(lat2, lon2)) * 1000
