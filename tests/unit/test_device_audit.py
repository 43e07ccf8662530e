"""A laptop whose audit log was cut, rewritten or wiped is flagged by the central store at its next sync: each
package carries the sender's audit entries since it last sent, and the receiver keeps every device's chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures.laptops import Laptop, rechain, trust_each_other

from ruralwatch.services import sync as sync_module
from ruralwatch.services.device_audit import alerts
from ruralwatch.services.sync import ImportResult
from ruralwatch.store.audit import HEAD_KEY, AuditLog
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import package
from ruralwatch.sync.package import PackageReader


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    laptop, central = Laptop(tmp_path / "laptop.db"), Laptop(tmp_path / "central.db")
    trust_each_other(laptop, central)
    yield laptop, central
    laptop.store.close()
    central.store.close()


def test_ordinary_syncs_keep_the_laptops_chain_at_the_centre_and_raise_nothing(pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    assert laptop.send_to(central, tmp_path).warnings == []
    laptop.record("Mill Lane")
    assert laptop.send_to(central, tmp_path).warnings == []
    held = central.store.db.execute("SELECT COUNT(*), MAX(seq) FROM device_audit WHERE device_id = ?",
                                    [laptop.store.device_id]).fetchone()
    own_head = laptop.store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    assert held[1] >= own_head - 1  # everything up to the second export (its own "export" entry comes after)
    assert held[0] == held[1]
    assert alerts(central.store) == []
    assert AuditLog(central.store).verify().ok


def test_a_laptop_whose_log_was_cut_is_flagged_at_its_next_sync(pair, tmp_path: Path) -> None:
    laptop, central = pair
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        laptop.record(place)
    laptop.send_to(central, tmp_path)
    cut_from = laptop.store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0] - 3
    laptop.store.db.execute("DELETE FROM audit_log WHERE seq > ?", [cut_from])
    head = laptop.store.db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    laptop.store.db.execute("UPDATE meta SET value = ? WHERE key = ?", [f"{head[0]}:{head[1]}", HEAD_KEY])
    laptop.store.db.conn.commit()
    warnings = laptop.send_to(central, tmp_path).warnings
    assert any("was cut or wiped" in w for w in warnings), warnings
    flagged = AuditLog(central.store).verify()
    assert "device_audit" in {p.kind for p in flagged.problems}


def test_a_laptop_whose_log_was_rewritten_and_rehashed_is_flagged(pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    laptop.record("Mill Lane")
    laptop.send_to(central, tmp_path)
    seq, changes = laptop.store.db.execute(
        "SELECT seq, changes FROM audit_log WHERE action = 'create' ORDER BY seq LIMIT 1").fetchone()
    edited = json.loads(changes)
    edited["place"] = [None, "Somewhere else"]
    laptop.store.db.execute("UPDATE audit_log SET changes = ? WHERE seq = ?", [json.dumps(edited), seq])
    rechain(laptop.store, seq)
    laptop.store.db.conn.commit()
    laptop.record("Church Road")
    warnings = laptop.send_to(central, tmp_path).warnings
    assert any("rewritten" in w for w in warnings), warnings
    assert [a.device_id for a in alerts(central.store)] == [laptop.store.device_id]


def test_a_laptop_whose_log_was_wiped_is_flagged(pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    laptop.send_to(central, tmp_path)
    laptop.store.db.execute("DELETE FROM audit_log")
    laptop.store.db.execute("DELETE FROM meta WHERE key = ?", [HEAD_KEY])
    laptop.store.db.conn.commit()
    warnings = laptop.send_to(central, tmp_path).warnings
    assert any("cut or wiped" in w for w in warnings), warnings


def test_packages_arriving_out_of_order_or_one_lost_raise_nothing(pair, tmp_path: Path) -> None:
    """Found in review: two incremental packages imported newest first were taken for a cut log, and a package
    never imported left a permanent gap alarm."""
    laptop, central = pair
    made = []
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        laptop.record(place)
        package = tmp_path / f"{len(made):04d}-laptop.rwsync"
        laptop.services.sync.export(package, since_last_for=central.store.device_id)
        made.append(package)
    assert central.services.sync.import_package(made[2]).warnings == []  # the newest first (the second is lost)
    assert central.services.sync.import_package(made[0]).warnings == []  # then an older one, late
    assert alerts(central.store) == []


def _audit_seqs(path: Path) -> list[int]:
    """The seqs of the audit entries a package carries."""
    return [entry["seq"] for entry in PackageReader(path).contents(None, SYNCABLE_TABLES).audit]


def _held(receiver: Laptop, sender: Laptop) -> list[int]:
    return [int(row[0]) for row in receiver.store.db.execute(
        "SELECT seq FROM device_audit WHERE device_id = ? ORDER BY seq", [sender.store.device_id])]


def _head(laptop: Laptop) -> int:
    return int(laptop.store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0])


def test_a_lost_package_s_audit_entries_go_again_until_the_receiver_says_it_holds_them(pair, tmp_path: Path) -> None:
    """Found in review: the entries a package carried started after the last ones *written* for the peer, so a
    package file lost left a gap in the receiver's copy of the chain for ever."""
    laptop, central = pair
    laptop.record("Brook Farm")
    laptop.send_to(central, tmp_path)
    central.send_to(laptop, tmp_path)  # says how far it holds the laptop's chain
    acknowledged = len(_held(central, laptop))
    laptop.record("Mill Lane")
    lost = tmp_path / "lost.rwsync"
    laptop.services.sync.export(lost, since_last_for=central.store.device_id)
    assert _audit_seqs(lost)[0] == acknowledged + 1
    lost.unlink()
    laptop.record("Church Road")
    again = tmp_path / "again.rwsync"
    laptop.services.sync.export(again, since_last_for=central.store.device_id)
    assert _audit_seqs(again)[0] > acknowledged + 1  # sent before: not again (the laptop cannot know it was lost)
    assert central.services.sync.import_package(again).warnings == []  # a gap is no alert
    assert acknowledged + 1 not in _held(central, laptop)
    # The central store's package says how far it holds the chain without a gap: the laptop fills it.
    central.send_to(laptop, tmp_path)
    refill = tmp_path / "refill.rwsync"
    laptop.services.sync.export(refill, since_last_for=central.store.device_id)
    assert _audit_seqs(refill)[0] == acknowledged + 1  # the lost package's entries go again
    assert central.services.sync.import_package(refill).warnings == []
    held = _held(central, laptop)
    assert held == list(range(1, len(held) + 1)) and len(held) >= _head(laptop) - 1  # all but its export entry
    # Once the central store has said so, the next package carries only what is new.
    central.send_to(laptop, tmp_path)
    newest = tmp_path / "newest.rwsync"
    laptop.services.sync.export(newest, since_last_for=central.store.device_id)
    assert _audit_seqs(newest)[0] == len(held) + 1


def test_a_laptop_that_only_sends_sends_each_entry_once_and_it_is_kept_once(pair, tmp_path: Path) -> None:
    """It sent its whole chain with every package (the central store never said what it holds)."""
    laptop, central = pair
    laptop.record("Brook Farm")
    assert laptop.send_to(central, tmp_path).warnings == []
    first = len(_held(central, laptop))
    laptop.record("Mill Lane")
    second = tmp_path / "second.rwsync"
    laptop.services.sync.export(second, since_last_for=central.store.device_id)
    assert _audit_seqs(second)[0] == first + 1  # what the first package carried is not sent again
    assert central.services.sync.import_package(second).warnings == []
    held = _held(central, laptop)
    assert held == list(range(1, len(held) + 1))  # no entry twice, none missing
    assert alerts(central.store) == []
    assert AuditLog(central.store).verify().ok


def test_a_peer_whose_packages_do_not_say_what_it_holds_gets_what_it_got_before(
        pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A central store on an older RuralWatch writes no `audit_held`: its packages still import, and the laptop's
    entries for it start after the last ones it wrote for it, as before."""
    laptop, central = pair
    build = package.build

    def older(out: Path, header: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        header = {k: v for k, v in header.items() if k != package.AUDIT_HELD}
        return build(out, header, *args, **kwargs)

    laptop.record("Brook Farm")
    laptop.send_to(central, tmp_path)
    written = _head(laptop) - 1  # the package's head: its own export entry comes after it
    with monkeypatch.context() as old:
        old.setattr(sync_module.package, "build", older)
        back = tmp_path / "older.rwsync"
        central.services.sync.export(back, since_last_for=laptop.store.device_id)
    assert package.AUDIT_HELD not in PackageReader(back).manifest
    assert laptop.services.sync.import_package(back).status == "applied"
    laptop.record("Mill Lane")
    following = tmp_path / "following.rwsync"
    laptop.services.sync.export(following, since_last_for=central.store.device_id)
    assert _audit_seqs(following)[0] == written + 1
    assert central.services.sync.import_package(following).warnings == []


def test_what_a_peer_holds_is_taken_from_its_newest_package_whatever_order_they_arrive_in(
        pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    laptop.send_to(central, tmp_path)
    made = []
    for day, place in ((20, "Mill Lane"), (21, "Church Road")):
        central.services.sync._now = lambda day=day: datetime(2026, 11, day, 9, 0, tzinfo=UTC)
        path = tmp_path / f"central-{day}.rwsync"
        central.services.sync.export(path, since_last_for=laptop.store.device_id)
        made.append((path, PackageReader(path).manifest[package.AUDIT_HELD][laptop.store.device_id]))
        laptop.record(place)
        laptop.send_to(central, tmp_path)
    (older, _), (newer, newest_held) = made
    laptop.services.sync.import_package(newer)
    laptop.services.sync.import_package(older)  # late: says less than the newer one did
    following = tmp_path / "following.rwsync"
    laptop.services.sync.export(following, since_last_for=central.store.device_id)
    assert _audit_seqs(following)[0] == newest_held + 1


def _alter(laptop: Laptop, seq: int, actor: str) -> None:
    """Edit an entry below RuralWatch without re-hashing it (as someone holding the key can)."""
    laptop.store.db.execute("UPDATE audit_log SET actor = ? WHERE seq = ?", [actor, seq])
    laptop.store.db.conn.commit()


def _resent(laptop: Laptop, central: Laptop, tmp_path: Path, name: str) -> ImportResult:
    """A package sending again what the central store has not said it holds (the altered entry among it), imported
    there: the result, with the package's path."""
    made = laptop.services.sync.export(tmp_path / f"{name}.rwsync", since_last_for=central.store.device_id,
                                       resend=True)
    return central.services.sync.import_package(made.path)


def test_an_entry_altered_without_rehashing_is_alerted_once_however_often_it_comes_again(pair, tmp_path) -> None:
    """The altered entry is never kept, so every later package carries it again: each package raised the same alert
    again. Alerted once per alteration; an entry altered otherwise is alerted again, and verify still reports it."""
    laptop, central = pair
    laptop.record("Brook Farm")
    seq, actor = laptop.store.db.execute(
        "SELECT seq, actor FROM audit_log WHERE action = 'create' ORDER BY seq LIMIT 1").fetchone()
    _alter(laptop, seq, "someone else")
    first = laptop.send_to(central, tmp_path).warnings
    assert first == [f"its entry {seq} does not match its own hash (altered without re-hashing)"]
    for place in ("Mill Lane", "Church Road"):
        laptop.record(place)
        assert seq in _audit_seqs(Path(_resent(laptop, central, tmp_path, place).path))  # sent again, unchanged
    assert len(alerts(central.store)) == 1
    assert "device_audit" in {p.kind for p in AuditLog(central.store).verify().problems}
    _alter(laptop, seq, "a third person")  # another alteration of the same entry: a new problem
    assert _resent(laptop, central, tmp_path, "third").warnings == first
    assert len(alerts(central.store)) == 2


def test_an_altered_entry_put_right_is_kept_and_the_same_alteration_later_is_alerted_again(pair, tmp_path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    seq, actor = laptop.store.db.execute(
        "SELECT seq, actor FROM audit_log WHERE action = 'create' ORDER BY seq LIMIT 1").fetchone()
    _alter(laptop, seq, "someone else")
    assert laptop.send_to(central, tmp_path).warnings
    assert _resent(laptop, central, tmp_path, "again").warnings == []
    _alter(laptop, seq, actor)  # put back as it was: kept at the next package that carries it
    assert _resent(laptop, central, tmp_path, "put-right").warnings == []
    assert central.store.db.execute("SELECT 1 FROM device_audit WHERE device_id = ? AND seq = ?",
                                    [laptop.store.device_id, seq]).fetchone()
    _alter(laptop, seq, "someone else")  # the same alteration again, after it was put right: a new one
    assert any("does not match its own hash" in w for w in laptop.send_to(central, tmp_path, since=False).warnings)
    assert len(alerts(central.store)) == 2


def test_what_was_reported_is_kept_only_with_the_merge_that_reported_it(pair, tmp_path, monkeypatch) -> None:
    """A merge that fails keeps nothing, not even that it reported the entry: its next import says it (once)."""
    laptop, central = pair
    laptop.record("Brook Farm")
    seq = laptop.store.db.execute("SELECT MIN(seq) FROM audit_log WHERE action = 'create'").fetchone()[0]
    _alter(laptop, seq, "someone else")
    made = laptop.services.sync.export(tmp_path / "one.rwsync", since_last_for=central.store.device_id)

    def fail(*_args: Any) -> None:
        raise sync_module.PackageError("refused: the clock broke")

    monkeypatch.setattr(central.services.sync, "_note_audit_held", fail)
    with pytest.raises(sync_module.PackageError):
        central.services.sync.import_package(made.path)
    monkeypatch.undo()
    assert central.services.sync.import_package(made.path).warnings
    assert laptop.send_to(central, tmp_path).warnings == []
    assert len(alerts(central.store)) == 1
