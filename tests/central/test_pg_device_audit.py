"""A laptop whose audit log was cut, rewritten or wiped between two packages is flagged by the PostgreSQL central store
as by the SQLite one (the cases of tests/unit/test_device_audit.py, with both engines receiving the same packages):
an alert in `audit_alerts`, the same warnings on the merge's result, the head of every package kept; an ordinary
sync, or packages arriving out of order or one lost, raise nothing."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.laptops import Laptop, rechain, trust_each_other
from pg_helpers import merge, new_central

from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.sqlite_engine import SqliteCentral
from ruralwatch.central.station import sync_with_central
from ruralwatch.central.target import PgTarget
from ruralwatch.services.device_audit import alerts
from ruralwatch.services.sync import ImportResult
from ruralwatch.store.audit import HEAD_KEY
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync.package import PackageReader

_names = itertools.count()


class Pair:
    """One laptop; its packages go to a SQLite central store and a PostgreSQL one alike."""

    def __init__(self, tmp: Path, dsn: str) -> None:
        self.tmp = tmp
        self.laptop = Laptop(tmp / "laptop.db")
        self.sqlite = Laptop(tmp / "central.db")
        trust_each_other(self.laptop, self.sqlite)
        self.pg: PgCentral = new_central(dsn)
        identity = self.laptop.services.sync.identity()
        self.pg.trust(identity.device_id, identity.public_key, "laptop")

    @property
    def device(self) -> str:
        return self.laptop.store.device_id

    def make(self, since: bool = True, resend: bool = False) -> Path:
        """A package for the centre. Both central stores are one receiver to the laptop (the SQLite one's id)."""
        path = self.tmp / f"{next(_names):04d}-laptop.rwsync"
        self.laptop.services.sync.export(path, since_last_for=self.sqlite.store.device_id if since else None,
                                         resend=resend)
        return path

    def deliver(self, path: Path) -> tuple[ImportResult, ImportResult]:
        return self.sqlite.services.sync.import_package(path), merge(self.pg, path)

    def send(self, resend: bool = False) -> list[str]:
        """One package into both; their warnings, which must be the same."""
        on_sqlite, on_pg = self.deliver(self.make(resend=resend))
        assert on_pg.status == "applied"
        assert on_pg.warnings == on_sqlite.warnings
        return on_pg.warnings

    def pg_alerts(self) -> list[tuple[str, str]]:
        return [(str(d), str(m)) for d, m in self.pg.conn.execute(
            "SELECT device_id, message FROM audit_alerts ORDER BY id")]

    def commit(self) -> None:
        self.laptop.store.db.conn.commit()


@pytest.fixture
def pair(tmp_path: Path, pg_dsn: str) -> Iterator[Pair]:
    made = Pair(tmp_path, pg_dsn)
    yield made
    made.laptop.store.close()
    made.sqlite.store.close()
    made.pg.close()


def test_ordinary_syncs_keep_the_chain_and_every_head_and_raise_nothing(pair: Pair) -> None:
    pair.laptop.record("Brook Farm")
    assert pair.send() == []
    pair.laptop.record("Mill Lane")
    assert pair.send() == []
    held = pair.pg.conn.execute("SELECT count(*), max(seq), count(hash) FROM device_audit WHERE device_id = %s",
                                [pair.device]).fetchone()
    on_sqlite = pair.sqlite.store.db.execute("SELECT COUNT(*), MAX(seq) FROM device_audit WHERE device_id = ?",
                                             [pair.device]).fetchone()
    assert held == (on_sqlite[0], on_sqlite[1], on_sqlite[0]) and held[0] == held[1]
    heads = pair.pg.conn.execute("SELECT seq FROM device_audit_heads WHERE device_id = %s ORDER BY made",
                                 [pair.device]).fetchall()
    assert [h[0] for h in heads] == sorted(h[0] for h in heads) and len(heads) == 2 and heads[-1][0] == held[1]
    assert pair.pg_alerts() == []
    assert pair.pg.status().audit_alerts == []


def test_a_laptop_whose_log_was_cut_is_flagged(pair: Pair) -> None:
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        pair.laptop.record(place)
    assert pair.send() == []
    db = pair.laptop.store.db
    cut_from = db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0] - 3
    db.execute("DELETE FROM audit_log WHERE seq > ?", [cut_from])
    head = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    db.execute("UPDATE meta SET value = ? WHERE key = ?", [f"{head[0]}:{head[1]}", HEAD_KEY])
    pair.commit()
    warnings = pair.send()
    assert any("was cut or wiped" in w for w in warnings), warnings
    assert pair.pg_alerts() == [(pair.device, f"device {pair.device}: " + "; ".join(warnings))]
    found = pair.pg.status().audit_alerts
    assert [a.device_id for a in found] == [pair.device] and "cut or wiped" in found[0].message
    audit = pair.pg.conn.execute("SELECT count(*) FROM merge_audit WHERE action = 'device_audit_alert'").fetchone()
    assert audit == (1,)


def _rewrite_after_a_sync(pair: Pair) -> None:
    """Two incidents synced, then the first one's entry edited and the chain re-hashed after it, then one more."""
    pair.laptop.record("Brook Farm")
    pair.laptop.record("Mill Lane")
    assert pair.send() == []
    db = pair.laptop.store.db
    seq, changes = db.execute("SELECT seq, changes FROM audit_log WHERE action = 'create' ORDER BY seq LIMIT 1"
                              ).fetchone()
    edited = json.loads(changes)
    edited["place"] = [None, "Somewhere else"]
    db.execute("UPDATE audit_log SET changes = ? WHERE seq = ?", [json.dumps(edited), seq])
    rechain(pair.laptop.store, seq)
    pair.commit()
    pair.laptop.record("Church Road")


def test_a_laptop_whose_log_was_rewritten_and_rehashed_is_flagged(pair: Pair) -> None:
    _rewrite_after_a_sync(pair)
    # The whole chain again (a full export): the entries held here have other hashes now.
    on_sqlite, on_pg = pair.deliver(pair.make(since=False))
    assert on_pg.warnings == on_sqlite.warnings
    assert any("rewritten" in w for w in on_pg.warnings), on_pg.warnings
    assert [d for d, _ in pair.pg_alerts()] == [pair.device]


def test_a_laptop_whose_recent_entries_were_rewritten_is_flagged(pair: Pair) -> None:
    """The case of tests/unit/test_device_audit.py: the next incremental package does not follow on."""
    _rewrite_after_a_sync(pair)
    warnings = pair.send()
    assert any("rewritten" in w for w in warnings), warnings
    assert [d for d, _ in pair.pg_alerts()] == [pair.device] == [a.device_id for a in alerts(pair.sqlite.store)]


def test_a_laptop_whose_log_was_wiped_is_flagged(pair: Pair) -> None:
    pair.laptop.record("Brook Farm")
    assert pair.send() == []
    pair.laptop.store.db.execute("DELETE FROM audit_log")
    pair.laptop.store.db.execute("DELETE FROM meta WHERE key = ?", [HEAD_KEY])
    pair.commit()
    warnings = pair.send()
    assert any("cut or wiped" in w for w in warnings), warnings
    assert len(pair.pg_alerts()) == 1


def test_packages_out_of_order_or_one_lost_raise_nothing(pair: Pair) -> None:
    made = []
    for place in ("Brook Farm", "Mill Lane", "Church Road"):
        pair.laptop.record(place)
        made.append(pair.make())
    for path in (made[2], made[0]):  # the newest first (the second is lost), then an older one, late
        on_sqlite, on_pg = pair.deliver(path)
        assert on_pg.warnings == on_sqlite.warnings == []
    assert pair.pg_alerts() == []


def test_an_entry_altered_without_rehashing_is_flagged(pair: Pair) -> None:
    pair.laptop.record("Brook Farm")
    db = pair.laptop.store.db
    db.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    pair.commit()
    warnings = pair.send()
    assert any("does not match its own hash" in w for w in warnings), warnings


def test_an_entry_altered_without_rehashing_is_alerted_once_by_both_engines(pair: Pair) -> None:
    """It is never kept, so every package that carries it again (sent again: the laptop only sends) carries it
    again: one alert for it, not one per package; an entry altered otherwise is alerted again."""
    pair.laptop.record("Brook Farm")
    db = pair.laptop.store.db
    seq = db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    db.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = ?", [seq])
    pair.commit()
    assert pair.send() == [f"its entry {seq} does not match its own hash (altered without re-hashing)"]
    pair.laptop.record("Mill Lane")
    assert pair.send(resend=True) == []
    assert len(pair.pg_alerts()) == 1 == len(alerts(pair.sqlite.store))
    db.execute("UPDATE audit_log SET actor = 'a third person' WHERE seq = ?", [seq])
    pair.commit()
    assert len(pair.send(resend=True)) == 1
    assert len(pair.pg_alerts()) == 2 == len(alerts(pair.sqlite.store))


def test_status_reports_the_alerts_on_the_sqlite_engine_too(pair: Pair) -> None:
    pair.laptop.record("Brook Farm")
    pair.send()
    pair.laptop.store.db.execute("DELETE FROM audit_log")
    pair.laptop.store.db.execute("DELETE FROM meta WHERE key = ?", [HEAD_KEY])
    pair.commit()
    pair.send()
    on_sqlite = SqliteCentral(pair.sqlite.store).status().audit_alerts
    on_pg = pair.pg.status().audit_alerts
    assert [(a.device_id, a.message) for a in on_sqlite] == [(a.device_id, a.message) for a in on_pg]
    assert len(on_pg) == 1 and on_pg[0].package_id


def test_a_lost_package_s_entries_reach_the_postgresql_store_at_the_next_sync_central(
        tmp_path: Path, pg_dsn: str) -> None:
    """The PostgreSQL central store's package back says how far it holds the laptop's audit chain (`sync central`
    imports it), so the laptop's next package starts there: a package written for it and lost leaves no gap, and
    entries sent twice are kept once."""
    laptop = Laptop(tmp_path / "laptop.db")
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        laptop.services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
        sync = laptop.services.sync
        laptop.record("Brook Farm")
        first = sync_with_central(sync, PgTarget(pg_dsn))
        assert first.merged.warnings == []
        acknowledged = _pg_held(central, identity.device_id)
        assert acknowledged == list(range(1, len(acknowledged) + 1))
        laptop.record("Mill Lane")
        lost = tmp_path / "lost.rwsync"
        sync.export(lost, since_last_for=central.device_id)  # written, never merged
        laptop.record("Church Road")
        twice = tmp_path / "twice.rwsync"
        sync.export(twice, since_last_for=central.device_id)
        assert merge(central, twice).warnings == []
        laptop.record("Top Field")
        second = sync_with_central(sync, PgTarget(pg_dsn))  # carries twice's entries again
        assert second.merged.warnings == []
        held = _pg_held(central, identity.device_id)
        head = laptop.store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
        assert held == list(range(1, len(held) + 1)) and len(held) >= head - 2  # all but the last import, export
        assert central.status().audit_alerts == []
        # Its package back said so: the laptop's next package starts after it.
        nxt = tmp_path / "next.rwsync"
        sync.export(nxt, since_last_for=central.device_id)
        carried = PackageReader(nxt).contents(None, SYNCABLE_TABLES).audit
        assert carried[0]["seq"] == len(held) + 1
    finally:
        central.close()
        laptop.store.close()


def _pg_held(central: PgCentral, device: str) -> list[int]:
    return [int(r[0]) for r in central.conn.execute(
        "SELECT seq FROM device_audit WHERE device_id = %s ORDER BY seq", [device])]
