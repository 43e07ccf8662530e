"""Every command group's spec, in the order `ruralwatch --help` lists their commands."""

from __future__ import annotations

from ruralwatch.cli.commands import (
    accounts,
    alerts,
    analysis,
    backup,
    basemap,
    central,
    data_folder,
    demo,
    export,
    geography,
    grid_ref,
    incidents,
    patrols,
    premises,
    published,
    retention,
    roads,
    roster,
    setup,
    sync,
    vehicles,
)
from ruralwatch.cli.spec import CommandSpec

SPECS: tuple[CommandSpec, ...] = (
    demo.SPEC,
    incidents.SPEC,
    basemap.SPEC,
    analysis.SPEC,
    geography.SPEC,
    export.SPEC,
    sync.SYNC,
    central.CENTRAL,
    roster.SPEC,
    patrols.SPEC,
    vehicles.SPEC,
    premises.SPEC,
    premises.PROPERTY_SPEC,
    alerts.SPEC,
    roads.SPEC,
    retention.SPEC,
    setup.SPEC,
    accounts.SPEC,
    backup.BACKUP,
    backup.RESTORE,
    data_folder.SPEC,
    published.SPEC,
    grid_ref.SPEC,
)
