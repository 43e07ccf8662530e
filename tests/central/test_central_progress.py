"""The central merge (both engines) and the station sync report through the one progress shape (done, total, note),
and Cancel stops them with nothing half merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.laptops import Laptop
from fixtures.progress import Recorder
from pg_helpers import dump, new_central

from ruralwatch.central import pg_merge
from ruralwatch.central.station import CANCELLED_MERGE, STEPS, sync_with_central
from ruralwatch.central.target import PgTarget
from ruralwatch.core.errors import CancelledError
from ruralwatch.services import sync as sync_module
from ruralwatch.services.sync import STEP_TICKS
from ruralwatch.sync import package


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


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 rows and a report every 2 (not 500 and 5,000, nor 25,000 on PostgreSQL): a few incidents then
    show the reports inside a merge."""
    monkeypatch.setattr(sync_module, "_BATCH", 2)
    monkeypatch.setattr(sync_module, "REPORT_ROWS", 2)
    monkeypatch.setattr(package, "REPORT_ROWS", 2)
    monkeypatch.setattr(pg_merge, "PIPELINE_BATCH_ROWS", 2)


def _moves_forward(progress: Recorder, steps: int) -> list[int]:
    """The bar's positions, checked: one total, never going back, within it."""
    assert {total for _done, total, _note in progress.calls} == {steps * STEP_TICKS}
    bar = [done for done, _total, _note in progress.calls]
    assert bar == sorted(bar) and 0 <= bar[0] and bar[-1] <= steps * STEP_TICKS
    return bar


def test_the_sqlite_central_merge_reports_inside_each_package(tmp_path: Path, small_batches: None) -> None:
    """A folder merge reported once per package: the bar stood still while a package merged. Now each batch of
    rows moves it, within the package's share."""
    laptop, folder = _two_packages(tmp_path)
    central = Laptop(tmp_path / "central.db")
    _trusting(central, laptop)
    progress = Recorder()
    results = central.services.sync.merge_folder(folder, None, progress)
    assert [r.status for r in results] == ["applied", "applied"]
    bar = _moves_forward(progress, 2)
    first = "Merging package 1 of 2, 1-laptop.rwsync"
    assert progress.calls[0] == (0, 2 * STEP_TICKS, f"{first}: Reading package")
    inside = [done for done, _t, note in progress.calls if note == f"{first}: Merging incidents 2 of 3"]
    assert len(inside) == 1 and 0 < inside[0] < STEP_TICKS, "the bar moves inside the first package's merge"
    assert "Merging package 2 of 2, 2-laptop.rwsync: Recording the merge" in progress.notes
    assert len(set(bar)) > 4


def test_cancel_inside_a_package_rolls_it_back_and_keeps_the_whole_ones_before(tmp_path: Path,
                                                                               small_batches: None) -> None:
    laptop, folder = _two_packages(tmp_path)
    central = Laptop(tmp_path / "central.db")
    _trusting(central, laptop)
    with pytest.raises(CancelledError, match=r"1-laptop.rwsync was not merged \(its merge was rolled back whole\)$"):
        central.services.sync.merge_folder(folder, None, Recorder("Merging incidents 2 of 3"))
    assert central.services.incidents.count() == 0, "no batch of the cancelled package stays"
    assert central.store.db.execute("SELECT COUNT(*) FROM sync_packages").fetchone()[0] == 0
    with pytest.raises(CancelledError, match="2-laptop.rwsync was not merged .*; the packages before it stay merged"):
        central.services.sync.merge_folder(folder, None, Recorder("package 2 of 2, 2-laptop.rwsync: Merging"))
    assert central.services.incidents.count() == 3
    assert central.store.db.execute("SELECT COUNT(*) FROM sync_packages").fetchone()[0] == 1


def test_the_postgres_merge_reports_each_batch_and_a_cancel_inside_rolls_back(tmp_path: Path, pg_dsn: str,
                                                                              small_batches: None) -> None:
    laptop, folder = _two_packages(tmp_path)
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        before = dump(pg_dsn)
        # Between two batches of the first package: its first batch is written, and rolled back with the rest.
        cancelling = Recorder("1-laptop.rwsync: merging incidents 2 of 3")
        rolled_back = r"1-laptop.rwsync was not merged \(its merge was rolled back whole\)$"
        with pytest.raises(CancelledError, match=rolled_back):
            central.merge_folder(folder, None, cancelling)
        assert dump(pg_dsn) == before, "the package being merged was rolled back"
        progress = Recorder()
        results = central.merge_folder(folder, None, progress)
    finally:
        central.close()
    assert [r.status for r in results] == ["applied", "applied"]
    bar = _moves_forward(progress, 2)
    first = "Merging package 1 of 2, 1-laptop.rwsync"
    assert progress.notes[:2] == [f"{first}: reading it", f"{first}: checking it against the central store"]
    (inside,) = [done for done, _t, note in progress.calls if note == f"{first}: merging incidents 2 of 3"]
    assert 0 < inside < STEP_TICKS, "the bar moves inside the package's merge, between batches"
    assert f"{first}: incidents merged" in progress.notes
    assert bar[-1] == 2 * STEP_TICKS and progress.notes[-1] == "Merging package 2 of 2, 2-laptop.rwsync: merged"


def test_the_station_sync_moves_its_bar_inside_each_step_and_cancel_in_the_merge_keeps_it_out(
        tmp_path: Path, pg_dsn: str, small_batches: None) -> None:
    """The station sync reported its three steps and the merge's own steps on one spot of the bar. Now the
    export, the merge (per batch of rows) and the import each fill their share; Cancel inside the merge rolls it
    back and says so."""
    laptop = Laptop(tmp_path / "laptop.db")
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        laptop.services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
        for place in ("Brook Farm", "Mill Lane", "Church Road"):
            laptop.record(place)
        before = dump(pg_dsn)
        with pytest.raises(CancelledError) as cancelled:
            sync_with_central(laptop.services.sync, PgTarget(pg_dsn), Recorder("merging incidents 2 of 3"))
        assert str(cancelled.value) == CANCELLED_MERGE
        assert dump(pg_dsn) == before
        progress = Recorder()
        done = sync_with_central(laptop.services.sync, PgTarget(pg_dsn), progress)
    finally:
        central.close()
    assert done.merged.status == "applied"
    bar = _moves_forward(progress, STEPS)
    assert progress.calls[0] == (0, STEPS * STEP_TICKS, "Exporting this laptop's changes")
    exporting = [d for d, _t, n in progress.calls if n.startswith("Exporting this laptop's changes: Writing package")]
    merging = [d for d, _t, n in progress.calls if n.endswith(": merging incidents 2 of 3")]
    importing = [d for d, _t, n in progress.calls if n.startswith("Fetching what the rest of the force changed: ")]
    assert exporting and 0 < exporting[-1] < STEP_TICKS
    assert len(merging) == 1 and STEP_TICKS < merging[0] < 2 * STEP_TICKS
    assert importing and all(2 * STEP_TICKS <= d <= 3 * STEP_TICKS for d in importing)
    assert len(set(bar)) > 6
