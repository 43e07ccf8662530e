"""All services over one store, sharing one change hub: what the window and the CLI are given."""

from __future__ import annotations

from dataclasses import dataclass

from ruralwatch.services.accounts import AccountService
from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.audit import AuditService
from ruralwatch.services.backups import BackupService
from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.exporting import ExportService
from ruralwatch.services.harm import HarmService
from ruralwatch.services.hours import HoursService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.patrols import PatrolService
from ruralwatch.services.people import PeopleService
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.services.retention import RetentionService
from ruralwatch.services.roster import RosterService
from ruralwatch.services.sync import SyncService
from ruralwatch.store.database import Store


@dataclass
class Services:
    store: Store
    hub: ChangeHub
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

    @classmethod
    def build(cls, store: Store) -> Services:
        hub = ChangeHub()
        harm = HarmService(store, hub)
        analysis = AnalysisService(store, harm)
        people = PeopleService(store, hub)
        roster = RosterService(store, people, hub)
        return cls(
            store=store,
            hub=hub,
            incidents=IncidentService(store, hub),
            basemaps=BasemapService(store, hub),
            harm=harm,
            published=PublishedCrimeService(store, hub),
            analysis=analysis,
            sync=SyncService(store, hub),
            people=people,
            roster=roster,
            patrols=PatrolService(store, hub, people, roster, analysis, harm),
            hours=HoursService(store),
            accounts=AccountService(store, hub),
            audit=AuditService(store),
            retention=RetentionService(store, hub),
            exports=ExportService(store),
            backups=BackupService(store),
        )
