"""The whole demo set at once — incidents, roster and patrols, premises — so the window and `ruralwatch demo` load and
remove the same things."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback
from ruralwatch.services.demo import DEFAULT_COUNT, DEFAULT_SEED, load_demo, load_demo_premises, remove_demo_premises
from ruralwatch.services.demo_roster import ROSTER_STEPS, demo_people_in_use, load_demo_roster, remove_demo_roster
from ruralwatch.sync.demo_rows import DEMO_LIST_SOURCE  # one name: the sync rule leaves its entries out

if TYPE_CHECKING:
    from ruralwatch.services.container import Services
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.services.patrols import PatrolService
    from ruralwatch.services.people import PeopleService
    from ruralwatch.services.premises import PremisesService
    from ruralwatch.services.roster import RosterService
    from ruralwatch.services.vehicles import VehicleListService
    from ruralwatch.store.database import Store


class DemoServices(Protocol):
    """The services the demo set is loaded through: the window's `Services` has them with all the others;
    `ruralwatch demo` builds only these (`demo_services`)."""

    @property
    def incidents(self) -> IncidentService: ...

    @property
    def people(self) -> PeopleService: ...

    @property
    def roster(self) -> RosterService: ...

    @property
    def patrols(self) -> PatrolService: ...

    @property
    def premises(self) -> PremisesService: ...

    @property
    def vehicles(self) -> VehicleListService: ...


@dataclass(frozen=True)
class _DemoServices:
    incidents: IncidentService
    people: PeopleService
    roster: RosterService
    patrols: PatrolService
    premises: PremisesService
    vehicles: VehicleListService


def demo_services(store: Store, clock: Callable[[], datetime] = times.system_clock) -> DemoServices:
    """The services the demo loads through, wired as `Services.build` wires them, without the others (sync,
    exports, backups, alerts, hours ...): their imports were a tenth of `ruralwatch demo` (issue 21)."""
    from ruralwatch.services.changes import ChangeHub
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.services.patrol_wiring import wire_patrols
    from ruralwatch.services.premises import PremisesService
    from ruralwatch.services.vehicles import VehicleListService

    hub = ChangeHub()
    wired = wire_patrols(store, hub, clock)
    return _DemoServices(IncidentService(store, hub, clock=clock), wired.people, wired.roster, wired.patrols,
                         PremisesService(store, hub, clock=clock), VehicleListService(store, hub, clock=clock))


@dataclass(frozen=True)
class DemoLoaded:
    incidents: int  # every incident added or restored, the premises' thefts with the demo set's
    people: int
    duties: int
    patrols: int
    premises: int
    listed_vehicles: int = 0  # on the demo's vehicles-of-interest list
    left_out_people: tuple[str, ...] = ()  # demo people whose collar number or name a real person has

    def left_out_note(self) -> str:
        """Which demo people were left out and why ("" when none was), to follow the counts of what was added."""
        if not self.left_out_people:
            return ""
        who = "person" if len(self.left_out_people) == 1 else "people"
        return (f"; left out {len(self.left_out_people)} demo {who} whose collar number or name one of your own "
                f"people has: {', '.join(self.left_out_people)}")


@dataclass(frozen=True)
class DemoRemoved:
    incidents: int
    roster: int  # people, duties and patrols together
    premises: int
    alerts: int  # alerts composed about demo incidents (practice)
    kept_people: tuple[str, ...] = ()  # names of demo people kept: on a real patrol's crew or a real duty

    def kept_note(self) -> str:
        """Why some demo people are still there ("" when none is), to follow the counts of what was removed."""
        if not self.kept_people:
            return ""
        who = "person" if len(self.kept_people) == 1 else "people"
        return (f"; kept {len(self.kept_people)} demo {who} still on your own patrols or duties, so those records "
                f"keep who was on them: {', '.join(self.kept_people)}")


def load_demo_set(services: DemoServices, seed: int = DEFAULT_SEED, count: int | None = None,
                  progress: ProgressCallback | None = None, now: datetime | None = None) -> DemoLoaded:
    """Load the demo incidents, the demo roster and patrols, and the demo premises; idempotent for a seed.

    All in one transaction: `progress(done, total, note)` returning False (the window's Cancel) raises
    CancelledError and nothing of the set is kept, not even the incidents loaded before it."""
    steps = _DemoSteps(progress, count or DEFAULT_COUNT)
    with services.incidents.store.transaction():
        added = load_demo(services.incidents, seed=seed, count=count, now=now, progress=steps.incidents)
        roster = load_demo_roster(services.people, services.roster, services.patrols, seed=seed, now=now,
                                  progress=steps.roster)
        steps.say("Adding the demo premises")
        premises = load_demo_premises(services.premises, services.incidents, seed=seed, now=now)
        steps.say("Adding the demo vehicles-of-interest list")
        listed = load_demo_vehicle_list(services, now or times.utc_now())
    # The premises' two thefts are incidents too: "1,800 incidents added" while the table showed 1,802.
    return DemoLoaded(added + premises.thefts, roster.people, roster.duties, roster.patrols, premises.premises,
                      listed, roster.left_out)


class _DemoSteps:
    """The demo set's progress on one bar: a unit per incident, then STEP_SHARE of the incidents' units for each
    step of the roster, the premises and the list (each takes about that long: at a unit each, the bar stood at 99%
    for half the load)."""

    STEP_SHARE = 8  # a later step counts as an eighth of the incidents

    def __init__(self, progress: ProgressCallback | None, incidents: int) -> None:
        self.progress = progress
        self.incidents_total = incidents
        self.step = max(1, incidents // self.STEP_SHARE)
        self.total = incidents + (ROSTER_STEPS + 2) * self.step
        self.steps_done = ROSTER_STEPS

    def _report(self, done: int, note: str) -> bool:
        return self.progress is None or self.progress(done, self.total, note)

    def incidents(self, done: int, _total: int, note: str = "", /) -> bool:
        return self._report(done, note)

    def roster(self, done: int, _total: int, note: str = "", /) -> bool:
        return self._report(self.incidents_total + done * self.step, note)

    def say(self, note: str) -> None:
        if not self._report(self.incidents_total + self.steps_done * self.step, note):
            raise CancelledError("cancelled: no demo data was loaded")
        self.steps_done += 1


# Registrations only on the list (not on the demo's incidents), in the current format; the list also names the
# two vehicles the demo's reports mention most, so a stop-check meets both a list entry and the team's sightings.
_DEMO_LIST_ONLY = (("DV21 KXO", "Linked to GPS unit thefts, Uttlesford", "Do not stop alone: request backup"),
                   ("DN68 PWE", "Hare coursing, known to travel from out of force", "Seize dogs if evidence"))


def load_demo_vehicle_list(services: DemoServices, now: datetime) -> int:
    """The demo's vehicles-of-interest list, imported as a force's would be (a CSV through the vehicles
    service, audited); live for 90 days from `now`. How many registrations it holds."""
    today = times.to_local(now).date()
    seen = [v.vrm for v in services.patrols.vehicles_of_interest(now)[:2]]
    rows = [(vrm, "Seen on several hare coursing reports", "Record dogs and occupants") for vrm in seen]
    rows += list(_DEMO_LIST_ONLY)
    with tempfile.TemporaryDirectory(prefix="ruralwatch-demo-list-") as folder:
        path = Path(folder) / "demo-hotlist.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Registration", "Reason", "Date added", "Expiry", "Handling"])
            for vrm, reason, handling in rows:
                writer.writerow([vrm, reason, (today - timedelta(days=30)).isoformat(),
                                 (today + timedelta(days=90)).isoformat(), handling])
        result = services.vehicles.import_list(path, DEMO_LIST_SOURCE)
    return result.added + result.updated + result.unchanged


def remove_demo_set(services: Services) -> DemoRemoved:
    """Tombstone every demo row (real rows are never touched); loading the demo again brings the same rows back."""
    alerts = services.alerts.remove_demo()  # first: they are found through their demo incidents
    if DEMO_LIST_SOURCE in services.vehicles.sources():
        services.vehicles.withdraw(DEMO_LIST_SOURCE)
    incidents = services.incidents.delete_synthetic()
    kept = tuple(services.people.get(pid).name for pid in demo_people_in_use(services.store))
    return DemoRemoved(incidents, remove_demo_roster(services.people), remove_demo_premises(services.premises),
                       alerts, kept)
