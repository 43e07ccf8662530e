"""All services over one store, sharing one change hub: what the window and the CLI are given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ruralwatch.core import times
from ruralwatch.services.accounts import AccountService
from ruralwatch.services.alerts import AlertService
from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.audit import AuditService
from ruralwatch.services.backups import BackupService
from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.exporting import ExportService
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.harm import HarmService
from ruralwatch.services.hours import HoursService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.near_repeat import NearRepeatService
from ruralwatch.services.patrol_wiring import wire_patrols
from ruralwatch.services.patrols import PatrolService
from ruralwatch.services.people import PeopleService
from ruralwatch.services.premises import PremisesService
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.services.retention import RetentionService
from ruralwatch.services.roads import RoadService
from ruralwatch.services.roster import RosterService
from ruralwatch.services.sync import SyncService
from ruralwatch.services.vehicles import VehicleListService
from ruralwatch.store.database import Store


@dataclass
class Services:
    store: Store
    hub: ChangeHub
    geography: GeographyService
    incidents: IncidentService
    basemaps: BasemapService
    harm: HarmService
    published: PublishedCrimeService
    analysis: AnalysisService
    sync: SyncService
    people: PeopleService
    roster: RosterService
    patrols: PatrolService
    hours: HoursService
    accounts: AccountService
    audit: AuditService
    retention: RetentionService
    exports: ExportService
    backups: BackupService
    vehicles: VehicleListService
    roads: RoadService
    near_repeat: NearRepeatService
    premises: PremisesService
    alerts: AlertService

    @classmethod
    def build(cls, store: Store, hub: ChangeHub | None = None,
              clock: Callable[[], datetime] = times.system_clock) -> Services:
        """Every service over `store`, announcing changes on `hub` (a new one when None) and reading the time
        from `clock` (tests inject a fixed one so nothing depends on today's date)."""
        hub = hub or ChangeHub()
        wired = wire_patrols(store, hub, clock)
        incidents = IncidentService(store, hub, clock=clock)
        return cls(
            store=store,
            hub=hub,
            geography=wired.geography,
            incidents=incidents,
            basemaps=BasemapService(store, hub),
            harm=wired.harm,
            published=PublishedCrimeService(store, hub, clock=clock),
            analysis=wired.analysis,
            sync=SyncService(store, hub, clock=clock),
            people=wired.people,
            roster=wired.roster,
            patrols=wired.patrols,
            hours=HoursService(store, clock=clock),
            accounts=AccountService(store, hub, clock=clock),
            audit=AuditService(store),
            retention=RetentionService(store, hub, clock=clock),
            exports=ExportService(store),
            backups=BackupService(store, clock=clock),
            vehicles=VehicleListService(store, hub, clock=clock),
            roads=wired.roads,
            near_repeat=NearRepeatService(store, hub, clock=clock),
            premises=PremisesService(store, hub, clock=clock),
            alerts=AlertService(store, hub, wired.geography, incidents, clock=clock),
        )
