"""People, duties, assignments, patrols and their logs travel through sync like incidents do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.services.container import Services
from ruralwatch.store import open_store


def test_a_laptops_roster_and_patrol_log_reach_the_central_database(tmp_path: Path) -> None:
    laptop_store, central_store = open_store(tmp_path / "laptop.db"), open_store(tmp_path / "central.db")
    try:
        laptop, central = Services.build(laptop_store), Services.build(central_store)
        identity = laptop.sync.identity()
        central.sync.trust(identity.device_id, identity.public_key, name="laptop")

        special = laptop.people.add(PersonInput(name="Sam Reed", role="special", phone="07700 900123")).id
        officer = laptop.people.add(PersonInput(name="Pat Kemp", role="officer")).id
        laptop.people.set_weekly(special, [WeeklySlotInput(5, "05:00", "14:00")])
        duty = laptop.roster.add_duty(DutyInput(title="Dawn patrol", kind="joint_patrol", start="2026-12-05 06:00",
                                                end="2026-12-05 10:00")).id
        laptop.roster.assign(duty, special)
        patrol, _ = laptop.patrols.create(PatrolInput(day="2026-11-20", start="06:00", end="10:00", area="Maldon",
                                                      purpose="general_rural_patrol", crew=[officer, special]))
        laptop.patrols.start(patrol.id, at=datetime(2026, 11, 20, 6, 5, tzinfo=UTC))
        laptop.patrols.log(patrol.id, PatrolEventInput(kind="person_spoken", at="2026-11-20 06:30",
                                                       grid_ref="TL 8500 0700", detail="Farmer at gate"))
        laptop.patrols.end(patrol.id, at=datetime(2026, 11, 20, 9, 50, tzinfo=UTC))

        package = tmp_path / "laptop.rwsync"
        laptop.sync.export(package)
        assert central.sync.import_package(package).status == "applied"

        assert [p.name for p in central.people.list()] == ["Pat Kemp", "Sam Reed"]
        assert central.people.weekly_pattern(special) == laptop.people.weekly_pattern(special)
        assert [name for _, name in central.roster.duty(duty).crew] == ["Sam Reed"]
        received = central.patrols.get(patrol.id)
        assert received.status == "completed" and len(received.crew) == 2
        assert [e.detail for e in central.patrols.log_of(patrol.id) if e.kind == "person_spoken"] == ["Farmer at gate"]
        hours = central.hours.summary("2026-11", "2026-11").by_person.set_index("name")
        assert round(hours.loc["Sam Reed", "hours"], 2) == 3.75
    finally:
        laptop_store.close()
        central_store.close()
