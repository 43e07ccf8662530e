"""All services over one store, sharing one change hub: what the window and the CLI are given."""

from __future__ import annotations

from dataclasses import dataclass

from ruralwatch.services.basemaps import BasemapService
from ruralwatch.services.changes import ChangeHub
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.database import Store


@dataclass
class Services:
    store: Store
    hub: ChangeHub
    incidents: IncidentService
    basemaps: BasemapService

    @classmethod
    def build(cls, store: Store) -> Services:
        hub = ChangeHub()
        return cls(store, hub, IncidentService(store, hub), BasemapService(store, hub))
