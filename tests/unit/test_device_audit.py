"""A laptop whose audit log was cut, rewritten or wiped is flagged by the central store at its next sync: each
package carries the sender's audit entries since it last sent, and the receiver keeps every device's chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.laptops import Laptop, rechain, trust_each_other

from ruralwatch.services.device_audit import alerts
from ruralwatch.store.audit import HEAD_KEY, AuditLog


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
