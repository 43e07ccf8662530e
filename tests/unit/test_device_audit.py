"""A laptop whose audit log was cut, rewritten or wiped is flagged by the central store at its next sync: each
package carries the sender's audit entries since it last sent, and the receiver keeps every device's chain."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.services.device_audit import alerts
from ruralwatch.store import open_store
from ruralwatch.store.audit import GENESIS, HEAD_KEY, AuditLog, entry_fields, entry_hash

_numbers = itertools.count()


class Device:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = open_store(path)
        self.services = Services.build(self.store)

    def record(self, place: str) -> None:
        self.services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30",
                                                     lat=51.9, lon=0.3, place=place))

    def send_to(self, central: Device, folder: Path) -> list[str]:
        package = folder / f"{next(_numbers):04d}-{self.path.stem}.rwsync"
        self.services.sync.export(package, since_last_for=central.store.device_id)
        return central.services.sync.import_package(package).warnings


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Device, Device]]:
    laptop, central = Device(tmp_path / "laptop.db"), Device(tmp_path / "central.db")
    for x, y in ((laptop, central), (central, laptop)):
        identity = y.services.sync.identity()
        x.services.sync.trust(identity.device_id, identity.public_key, name=y.path.stem)
    yield laptop, central
    laptop.store.close()
    central.store.close()


def _rechain_from(store, seq: int) -> None:  # noqa: ANN001 - an insider re-hashing the chain after an edit
    prev = store.db.execute("SELECT hash FROM audit_log WHERE seq = ?", [seq - 1]).fetchone()
    prev = prev[0] if prev else GENESIS
    rows = store.db.execute("SELECT seq, at, actor, action, target_table, record_id, changes, row_hash FROM "
                            "audit_log WHERE seq >= ? ORDER BY seq", [seq]).fetchall()
    for number, at, actor, action, table, record_id, changes, digest in rows:
        own = entry_hash(entry_fields(number, at, actor, action, table, record_id,
                                      json.loads(changes) if changes else None, digest), prev)
        store.db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", [prev, own, number])
        prev = own
    store.db.execute("UPDATE meta SET value = ? WHERE key = ?", [f"{rows[-1][0]}:{prev}", HEAD_KEY])
    store.db.conn.commit()


def test_ordinary_syncs_keep_the_laptops_chain_at_the_centre_and_raise_nothing(pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    assert laptop.send_to(central, tmp_path) == []
    laptop.record("Mill Lane")
    assert laptop.send_to(central, tmp_path) == []
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
    warnings = laptop.send_to(central, tmp_path)
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
    _rechain_from(laptop.store, seq)
    laptop.record("Church Road")
    warnings = laptop.send_to(central, tmp_path)
    assert any("rewritten" in w for w in warnings), warnings
    assert [a.device_id for a in alerts(central.store)] == [laptop.store.device_id]


def test_a_laptop_whose_log_was_wiped_is_flagged(pair, tmp_path: Path) -> None:
    laptop, central = pair
    laptop.record("Brook Farm")
    laptop.send_to(central, tmp_path)
    laptop.store.db.execute("DELETE FROM audit_log")
    laptop.store.db.execute("DELETE FROM meta WHERE key = ?", [HEAD_KEY])
    laptop.store.db.conn.commit()
    warnings = laptop.send_to(central, tmp_path)
    assert any("cut or wiped" in w for w in warnings), warnings


def test_packages_arriving_out_of_order_or_one_lost_raise_nothing(pair, tmp_path: Path) -> None:
    """Found in review: two incremental packages imported newest first were taken for a cut log, and a package
    never imported left a permanent gap alarm."""
    laptop, central = pair
    made = []
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        laptop.record(place)
        package = tmp_path / f"{next(_numbers):04d}-laptop.rwsync"
        laptop.services.sync.export(package, since_last_for=central.store.device_id)
        made.append(package)
    assert central.services.sync.import_package(made[2]).warnings == []  # the newest first (the second is lost)
    assert central.services.sync.import_package(made[0]).warnings == []  # then an older one, late
    assert alerts(central.store) == []
