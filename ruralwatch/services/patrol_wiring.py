"""The services a patrol is planned and logged through, wired once: `Services.build` takes them from here, and so
does `ruralwatch demo`, which builds only the services it loads through (issue 21)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.harm import HarmService
from ruralwatch.services.patrols import PatrolService
from ruralwatch.services.people import PeopleService
from ruralwatch.services.roads import RoadService
from ruralwatch.services.roster import RosterService
from ruralwatch.store.database import Store


@dataclass(frozen=True)
class PatrolWiring:
    geography: GeographyService
    harm: HarmService
    analysis: AnalysisService
    people: PeopleService
    roster: RosterService
    roads: RoadService
    patrols: PatrolService


def wire_patrols(store: Store, hub: ChangeHub, clock: Callable[[], datetime]) -> PatrolWiring:
    """The patrol service and what it plans with: harm and hotspots, the people and their roster, the roads."""
    geography = GeographyService(store, hub)
    harm = HarmService(store, hub)
    analysis = AnalysisService(store, harm, geography)
    people = PeopleService(store, hub, clock=clock, geography=geography)
    roster = RosterService(store, people, hub, clock=clock)
    roads = RoadService(store, hub, clock=clock)
    patrols = PatrolService(store, hub, people, roster, analysis, harm, clock=clock, roads=roads)
    return PatrolWiring(geography, harm, analysis, people, roster, roads, patrols)
