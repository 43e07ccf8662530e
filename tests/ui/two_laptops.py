"""Two RET laptops that trust a central store and are trusted by it, for the tests that make a real conflict: each
laptop edits the same incident's place without seeing the other's edit (tests/ui/test_central_conflicts_ui.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.sync import SyncService
from ruralwatch.store import open_store

LATE, EARLY = "Farm, north gate", "Farm, by the barn"  # laptop 1's place, laptop 2's


@contextmanager
def laptop_sync(path: Path) -> Iterator[SyncService]:
    store = open_store(path)
    try:
        yield SyncService(store)
    finally:
        store.close()


def two_laptops(tmp_path: Path, central_id: str, central_key: str, central_name: str,
                trust_laptop: Callable[[str, str, str], object]) -> list[Path]:
    """laptop1.db and laptop2.db, each trusting the central store; `trust_laptop(device id, key, name)` is the
    central store trusting each (its own engine's trust)."""
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    for n, path in enumerate(laptops, start=1):
        with laptop_sync(path) as sync:
            me = sync.identity()
            sync.trust(central_id, central_key, central_name)
            trust_laptop(me.device_id, me.public_key, f"RET laptop {n}")
    return laptops


def record_incident(path: Path) -> str:
    store = open_store(path)
    try:
        return IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                           lat=51.9, lon=0.3, place="Farm")).id
    finally:
        store.close()


def edit_places(laptops: list[Path], incident_id: str) -> None:
    """Laptop 1 writes LATE, laptop 2 EARLY: neither has seen the other's edit."""
    for path, place in zip(laptops, (LATE, EARLY), strict=True):
        store = open_store(path)
        try:
            incidents = IncidentService(store)
            edited = incidents.get(incident_id).to_input()
            edited.place = place
            incidents.update(incident_id, edited)
        finally:
            store.close()
