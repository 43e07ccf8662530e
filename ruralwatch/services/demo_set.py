"""The whole demo set at once — incidents, roster and patrols, premises — so the window and `ruralwatch demo` load and
remove the same things."""

from __future__ import annotations

from dataclasses import dataclass

from ruralwatch.core.errors import ProgressCallback
from ruralwatch.services.container import Services
from ruralwatch.services.demo import DEFAULT_SEED, load_demo, load_demo_premises, remove_demo_premises
from ruralwatch.services.demo_roster import load_demo_roster, remove_demo_roster


@dataclass(frozen=True)
class DemoLoaded:
    incidents: int
    people: int
    duties: int
    patrols: int
    premises: int


@dataclass(frozen=True)
class DemoRemoved:
    incidents: int
    roster: int  # people, duties and patrols together
    premises: int
    alerts: int  # alerts composed about demo incidents (practice)


def load_demo_set(services: Services, seed: int = DEFAULT_SEED, count: int | None = None,
                  progress: ProgressCallback | None = None) -> DemoLoaded:
    """Load the demo incidents, the demo roster and patrols, and the demo premises; idempotent for a seed."""
    added = load_demo(services.incidents, seed=seed, count=count, progress=progress)
    roster = load_demo_roster(services.people, services.roster, services.patrols, seed=seed)
    premises = load_demo_premises(services.premises, services.incidents, seed=seed)
    return DemoLoaded(added, roster["people"], roster["duties"], roster["patrols"], premises)


def remove_demo_set(services: Services) -> DemoRemoved:
    """Tombstone every demo row (real rows are never touched); loading the demo again brings the same rows back."""
    alerts = services.alerts.remove_demo()  # first: they are found through their demo incidents
    incidents = services.incidents.delete_synthetic()
    return DemoRemoved(incidents, remove_demo_roster(services.people), remove_demo_premises(services.premises),
                       alerts)
