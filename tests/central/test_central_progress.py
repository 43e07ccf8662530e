"""The central merge (both engines) and the station sync report through the one progress shape (done, total, note),
and Cancel stops them with nothing half merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.laptops import Laptop
from fixtures.progress import Recorder
from pg_helpers import dump, new_central

from ruralwatch.central.station import STEPS, sync_with_central
from ruralwatch.central.target import PgTarget
from ruralwatch.core.errors import CancelledError


def _two_packages(tmp_path: Path) -> tuple[Laptop, Path]:
    """A folder of two packages from one laptop (three incidents, then one more)."""
    laptop = Laptop(tmp_path / "laptop.db")
    folder = tmp_path / "inbox"
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        laptop.record(place)
    laptop.services.sync.export(folder / "1-laptop.rwsync")
    laptop.record("Top Field")
    laptop.services.sync.export(folder / "2-laptop.rwsync")
    return laptop, folder


def _trusting(central: Laptop, laptop: Laptop) -> None:
    identity = laptop.services.sync.identity()
    central.services.sync.trust(identity.device_id, identity.public_key, "laptop")


def test_the_sqlite_central_merge_reports_each_package(tmp_path: Path) -> None:
    laptop, folder = _two_packages(tmp_path)
    central = Laptop(tmp_path / "central.db")
    _trusting(central, laptop)
    progress = Recorder()
    results = central.services.sync.merge_folder(folder, None, progress)
    assert [r.status for r in results] == ["applied", "applied"]
    assert progress.calls == [(0, 2, "Merging package 1 of 2, 1-laptop.rwsync"),
                              (1, 2, "Merging package 2 of 2, 2-laptop.rwsync")]


def test_cancel_between_packages_keeps_only_the_whole_ones_before(tmp_path: Path) -> None:
    laptop, folder = _two_packages(tmp_path)
    central = Laptop(tmp_path / "central.db")
    _trusting(central, laptop)
    with pytest.raises(CancelledError, match="2-laptop.rwsync was not merged"):
        central.services.sync.merge_folder(folder, None, Recorder("package 2"))
    assert central.services.incidents.count() == 3
    with pytest.raises(CancelledError):
        Laptop(tmp_path / "other.db").services.sync.merge_folder(folder, None, Recorder("package 1"))
    assert central.store.db.execute("SELECT COUNT(*) FROM sync_packages").fetchone()[0] == 1


def test_the_postgres_merge_reports_its_steps_and_a_cancel_inside_rolls_back(tmp_path: Path, pg_dsn: str) -> None:
    laptop, folder = _two_packages(tmp_path)
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        before = dump(pg_dsn)
        cancelling = Recorder("1-laptop.rwsync: incidents merged")
        with pytest.raises(CancelledError, match="1-laptop.rwsync was not merged"):
            central.merge_folder(folder, None, cancelling)
        assert dump(pg_dsn) == before, "the package being merged was rolled back"
        progress = Recorder()
        results = central.merge_folder(folder, None, progress)
    finally:
        central.close()
    assert [r.status for r in results] == ["applied", "applied"]
    assert {total for _done, total, _note in progress.calls} == {2}
    notes = [note for _done, _total, note in progress.calls]
    assert notes[:2] == ["Merging package 1 of 2, 1-laptop.rwsync: reading it",
                         "Merging package 1 of 2, 1-laptop.rwsync: checking it against the central store"]
    assert "Merging package 1 of 2, 1-laptop.rwsync: incidents merged" in notes
    assert (2, 2, "Merging package 2 of 2, 2-laptop.rwsync: merged") == progress.calls[-1]


def test_the_station_sync_reports_three_steps_and_cancel_in_the_merge_keeps_it_out(tmp_path: Path,
                                                                                   pg_dsn: str) -> None:
    laptop = Laptop(tmp_path / "laptop.db")
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        laptop.services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
        laptop.record("Brook Farm")
        before = dump(pg_dsn)
        with pytest.raises(CancelledError):
            sync_with_central(laptop.services.sync, PgTarget(pg_dsn), Recorder("incidents merged"))
        assert dump(pg_dsn) == before
        progress = Recorder()
        done = sync_with_central(laptop.services.sync, PgTarget(pg_dsn), progress)
    finally:
        central.close()
    assert done.merged.status == "applied"
    assert {total for _done, total, _note in progress.calls} == {STEPS}
    assert progress.calls[0] == (0, STEPS, "Exporting this laptop's changes")
    assert progress.calls[1][:2] == (1, STEPS) and progress.calls[1][2].startswith("Merging ")
    assert any(note.endswith(": incidents merged") for _d, _t, note in progress.calls)
    assert progress.calls[-1] == (2, STEPS, "Fetching what the rest of the force changed")
