"""A sync export and import report through the one progress shape (done, total, note) in honest words, and Cancel
at any step changes nothing: an export leaves no file behind (not even a partial one) and no record of itself, an
import is rolled back whole and leaves no trace (not even a refusal in the audit log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.laptops import Laptop, trust_each_other
from fixtures.progress import Recorder

from ruralwatch.core.errors import CancelledError
from ruralwatch.services import sync as sync_module
from ruralwatch.sync import package

PASSPHRASE = "shared secret"


def _dump(laptop: Laptop) -> dict[str, list[Any]]:
    """Every table's rows: what "changes nothing" is checked against."""
    db = laptop.store.db
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%' ORDER BY name")]
    return {table: db.execute(f"SELECT * FROM [{table}] ORDER BY 1").fetchall() for table in tables}


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A report every 2 rows instead of 5,000: a few incidents then show every kind of report.
    monkeypatch.setattr(sync_module, "REPORT_ROWS", 2)
    monkeypatch.setattr(package, "REPORT_ROWS", 2)
    laptop, central = Laptop(tmp_path / "laptop.db"), Laptop(tmp_path / "central.db")
    trust_each_other(laptop, central)
    for place in ("Brook Farm", "Mill Lane", "Church Road", "Top Field", "Long Meadow"):
        laptop.record(place)
    yield laptop, central
    laptop.store.close()
    central.store.close()


def test_an_export_says_what_it_reads_and_writes(pair, tmp_path: Path) -> None:
    laptop, central = pair
    progress = Recorder()
    out = tmp_path / "out" / "for-hq.rwsync"
    result = laptop.services.sync.export(out, central.store.device_id, PASSPHRASE, progress)
    assert out.is_file() and result.rows["incidents"] == 5
    notes = progress.notes
    assert notes[0] == "Reading changes"
    assert "Reading changes: 4 rows so far, incidents" in notes
    writing = [note for note in notes if note.startswith("Writing package")]
    assert writing == ["Writing package: incidents, 5 rows", "Writing package: compressing",
                       "Writing package: encrypting", "Writing package: saving for-hq.rwsync",
                       "Writing package: saving for-hq.rwsync"]
    totals = {total for _done, total, note in progress.calls if note.startswith("Writing package")}
    assert len(totals) == 1 and all(done < total for done, total, n in progress.calls if n.startswith("Writing"))


def test_cancel_at_any_step_of_an_export_leaves_no_file_and_changes_nothing(pair, tmp_path: Path) -> None:
    laptop, central = pair
    sync = laptop.services.sync
    sync.identity()  # the device's key pair is made once, on first use: not what is compared here
    steps = Recorder()
    sync.export(tmp_path / "for-hq.rwsync", central.store.device_id, PASSPHRASE, steps)
    (tmp_path / "for-hq.rwsync").unlink()
    before = _dump(laptop)
    for stop in range(len(steps.calls)):
        folder = tmp_path / f"cancelled-{stop}"
        folder.mkdir()
        progress = Recorder(stop)
        with pytest.raises(CancelledError, match="no package was written"):
            # resend: the same rows as the first export each time (what it sent is otherwise left out)
            sync.export(folder / "for-hq.rwsync", central.store.device_id, PASSPHRASE, progress, resend=True)
        assert progress.notes[-1] == steps.notes[stop]
        assert list(folder.iterdir()) == [], f"cancelled at {steps.notes[stop]!r}"
        assert _dump(laptop) == before, f"cancelled at {steps.notes[stop]!r}"


def test_an_export_cancelled_keeps_the_file_it_would_have_replaced(pair, tmp_path: Path) -> None:
    laptop, central = pair
    out = tmp_path / "for-hq.rwsync"
    out.write_bytes(b"an older package")
    steps = Recorder()
    laptop.services.sync.export(tmp_path / "other" / "for-hq.rwsync", None, PASSPHRASE, steps)
    last = len(steps.calls) - 1  # the last moment to cancel: the new file written, not yet renamed over the old
    assert steps.notes[last] == "Writing package: saving for-hq.rwsync"
    with pytest.raises(CancelledError):
        laptop.services.sync.export(out, None, PASSPHRASE, Recorder(last))
    assert out.read_bytes() == b"an older package"
    assert [p.name for p in tmp_path.iterdir() if "rwsync" in p.name] == [out.name]  # no temporary file left


def test_an_import_says_what_it_reads_and_merges(pair, tmp_path: Path) -> None:
    laptop, central = pair
    made = laptop.services.sync.export(tmp_path / "p.rwsync", None, PASSPHRASE)
    progress = Recorder()
    result = central.services.sync.import_package(made.path, PASSPHRASE, progress)
    assert result.status == "applied" and result.inserted == 5
    notes = progress.notes
    assert notes[:4] == ["Reading package", "Reading package: checking its checksum",
                         "Reading package: checking the passphrase", "Reading package: checking the passphrase"]
    assert notes[4:6] == ["Reading package: incidents, 0 of 5 rows", "Reading package: incidents, 5 of 5 rows"]
    merging = [(done, total, note) for done, total, note in progress.calls if note.startswith("Merging incidents")]
    assert [note for _d, _t, note in merging] == ["Merging incidents 0 of 5"]  # one batch of 500 rows
    assert merging[0][1] == result.rows  # the bar counts every row of the package
    assert progress.calls[-1] == (0, 0, "Recording the merge")  # a busy bar: how long it takes is not known


def test_cancel_at_any_step_of_an_import_changes_nothing(pair, tmp_path: Path) -> None:
    laptop, central = pair
    made = laptop.services.sync.export(tmp_path / "p.rwsync", None, PASSPHRASE)
    sync = central.services.sync
    before = _dump(central)
    steps = Recorder()
    other = Laptop(tmp_path / "other.db")  # the same package into a third database, to count its steps
    trust_each_other(laptop, other)
    other.services.sync.import_package(made.path, PASSPHRASE, steps)
    assert len(steps.calls) >= 8
    for stop in range(len(steps.calls)):
        progress = Recorder(stop)
        # One message whenever Cancel is pressed: reading the package said other words than merging it.
        with pytest.raises(CancelledError, match=r"^cancelled: p\.rwsync was not imported \(nothing changed\)$"):
            sync.import_package(made.path, PASSPHRASE, progress)
        assert progress.notes[-1] == steps.notes[stop]
        assert _dump(central) == before, f"cancelled at {steps.notes[stop]!r}"
    assert sync.import_package(made.path, PASSPHRASE).status == "applied"
    other.store.close()


def test_merge_reports_come_every_so_many_rows_of_each_table(pair, tmp_path: Path, monkeypatch) -> None:
    """With batches of 2 rows: "Merging incidents 2 of 5", 4 of 5, each table counted from its own start."""
    laptop, central = pair
    monkeypatch.setattr(sync_module, "_BATCH", 2)
    made = laptop.services.sync.export(tmp_path / "p.rwsync")
    progress = Recorder()
    result = central.services.sync.import_package(made.path, progress=progress)
    merging = [(done, note) for done, _total, note in progress.calls if note.startswith("Merging incidents")]
    assert [note for _done, note in merging] == ["Merging incidents 0 of 5", "Merging incidents 2 of 5",
                                                  "Merging incidents 4 of 5"]
    before = merging[0][0]
    assert [done - before for done, _note in merging] == [0, 2, 4] and result.inserted == 5
