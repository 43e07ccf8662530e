"""Loading the demo set reports through the one progress shape (done, total, note) and Cancel anywhere keeps nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fixtures.progress import Recorder

from ruralwatch.core.errors import CancelledError
from ruralwatch.services.container import Services
from ruralwatch.services.demo_roster import ROSTER_STEPS, load_demo_roster
from ruralwatch.services.demo_set import load_demo_set
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
COUNT = 450


def _rows(store: Store) -> dict[str, int]:
    tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'")]
    return {t: store.db.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0] for t in tables}


def test_the_demo_set_reports_done_of_total_with_a_note(store: Store) -> None:
    progress = Recorder()
    loaded = load_demo_set(Services.build(store), count=COUNT, progress=progress, now=NOW)
    # The count said is the table's: the demo set's and the premises' two thefts (it said COUNT, the table COUNT + 2).
    assert loaded.incidents == COUNT + 2 == Services.build(store).incidents.count() and loaded.people == 40
    totals = {total for _done, total, _note in progress.calls}
    assert len(totals) == 1, "one bar for the whole set"
    (total,) = totals
    assert total > COUNT + ROSTER_STEPS + 2, "the steps after the incidents take a share of the bar"
    dones = [done for done, _total, _note in progress.calls]
    assert dones == sorted(dones) and dones[-1] < total
    at_people = next(done for done, _t, note in progress.calls if note == "Adding the demo people")
    assert at_people / total < 0.7, "the bar is not nearly full while the roster is still to come"
    notes = [note for _done, _total, note in progress.calls]
    assert all(notes), "every report says what is being done, in the user's words"
    assert "Adding demo incidents: 400 of 450" in notes
    for step in ("Adding the demo people", "Adding the demo duties", "Adding the demo patrols",
                 "Adding the demo premises", "Adding the demo vehicles-of-interest list"):
        assert step in notes


@pytest.mark.parametrize("stop", ["demo incidents", "demo patrols", "audit log", "premises", "vehicles-of-interest"])
def test_cancel_anywhere_in_the_demo_set_changes_nothing(store: Store, stop: str) -> None:
    services = Services.build(store)
    before = _rows(store)
    with pytest.raises(CancelledError):
        load_demo_set(services, count=COUNT, progress=Recorder(stop), now=NOW)
    assert _rows(store) == before
    assert services.incidents.count() == 0 and services.people.list() == []


def test_the_demo_roster_alone_reports_its_steps_and_cancels_whole(store: Store) -> None:
    services = Services.build(store)
    progress = Recorder("demo patrols")
    with pytest.raises(CancelledError):
        load_demo_roster(services.people, services.roster, services.patrols, now=NOW, progress=progress)
    assert [(d, t) for d, t, _n in progress.calls] == [(0, ROSTER_STEPS), (1, ROSTER_STEPS), (2, ROSTER_STEPS),
                                                       (3, ROSTER_STEPS)]
    assert services.people.list() == [] and services.patrols.list() == []
