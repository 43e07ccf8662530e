"""All services over one store, sharing one change hub: what the window and the CLI are given."""

from __future__ import annotations

from dataclasses import dataclass

from ruralwatch.services.analysis import AnalysisService
from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.harm import HarmService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.published import PublishedCrimeService
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

    @classmethod
    def build(cls, store: Store) -> Services:
        hub = ChangeHub()
        harm = HarmService(store, hub)
        return cls(
            store=store,
            hub=hub,
            incidents=IncidentService(store, hub),
            basemaps=BasemapService(store, hub),
            harm=harm,
            published=PublishedCrimeService(store, hub),
            analysis=AnalysisService(store, harm),
            sync=SyncService(store, hub),
        )
