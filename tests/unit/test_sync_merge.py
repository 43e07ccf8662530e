"""Sync between devices: package round trip, per-field merge, tombstones, conflicts and their resolution."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.sync import ImportResult, SyncService
from ruralwatch.store import Store, open_store
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.syncable import SyncTable, field_clock

_counter = itertools.count()


class Device:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store: Store = open_store(path)
        self.sync = SyncService(self.store)
        self.incidents = IncidentService(self.store)

    def close(self) -> None:
        self.store.close()

    def raw(self, table: str, row_id: str) -> dict[str, Any]:
        return SyncTable(self.store, table).get_raw(row_id)

    def edit(self, row_id: str, **values: Any) -> None:
        with self.store.transaction():
            SyncTable(self.store, "incidents").update(row_id, values)

    def delete(self, row_id: str) -> None:
        with self.store.transaction():
            SyncTable(self.store, "incidents").tombstone(row_id)


def trust_all(*devices: Device) -> None:
    for a, b in itertools.permutations(devices, 2):
        identity = b.sync.identity()
        a.sync.trust(identity.device_id, identity.public_key, name=b.path.stem)


def send(source: Device, target: Device, folder: Path, since: bool = False, passphrase: str | None = None
         ) -> ImportResult:
    path = folder / f"{next(_counter):04d}-{source.path.stem}.rwsync"
    source.sync.export(path, since_last_for=target.store.device_id if since else None, passphrase=passphrase)
    return target.sync.import_package(path, passphrase)


def syncable_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in SYNCABLE_TABLES:
        cursor = store.db.execute(f"SELECT * FROM {table} ORDER BY id")
        names = [d[0] for d in cursor.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    out["blobs"] = [
        {"sha256": r[0], "size": r[1], "data": bytes(r[2])}
        for r in store.db.execute("SELECT sha256, size, data FROM blobs ORDER BY sha256")
    ]
    return out


def make(**overrides: Any) -> IncidentInput:
    fields: dict[str, Any] = {
        "kind": "fly_tipping", "occurred_start": "2026-11-20 09:30", "lat": 51.9, "lon": 0.3, "place": "Brook Farm",
    }
    fields.update(overrides)
    return IncidentInput(**fields)


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[tuple[Device, Device]]:
    a, b = Device(tmp_path / "a.db"), Device(tmp_path / "b.db")
    trust_all(a, b)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def shared(devices: tuple[Device, Device], tmp_path: Path) -> tuple[Device, Device, str]:
    """A and B both hold one incident recorded on A."""
    a, b = devices
    incident = a.incidents.record(make(description="first"))
    send(a, b, tmp_path)
    return a, b, incident.id


def test_round_trip_carries_everything(devices: tuple[Device, Device], tmp_path: Path) -> None:
    a, b = devices
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    first = a.incidents.record(
        make(kind="equipment_theft", subkind="tools", vehicles=[VehicleInput(vrm="AB12 CDE")],
             items=[StolenItemInput(category="tools", description="strimmer", value_gbp="120")]),
        attach=[photo],
    )
    second = a.incidents.record(make(place="Mill Lane"))
    a.incidents.update(first.id, make(kind="equipment_theft", subkind="tools", place="Edited",
                                      vehicles=[VehicleInput(vrm="XY99 ZZZ")]))
    a.incidents.delete(second.id)

    result = send(a, b, tmp_path, passphrase="correct horse")

    assert result.status == "applied" and result.inserted == result.rows > 0
    assert syncable_rows(b.store) == syncable_rows(a.store)
    assert b.raw("incidents", second.id)["deleted"] == 1
    assert b.incidents.attachment_data(first.attachments[0].sha256) == photo.read_bytes()


def test_reimport_is_skipped_and_changes_nothing(devices: tuple[Device, Device], tmp_path: Path) -> None:
    a, b = devices
    a.incidents.record(make())
    path = tmp_path / "a.rwsync"
    a.sync.export(path)
    assert b.sync.import_package(path).status == "applied"
    before = syncable_rows(b.store)
    again = b.sync.import_package(path)
    assert again.status == "skipped" and again.message == "already applied"
    # Merging is idempotent anyway: a second package with the same state changes nothing.
    a.sync.export(tmp_path / "again.rwsync")
    third = b.sync.import_package(tmp_path / "again.rwsync")
    assert third.status == "applied" and third.inserted == third.updated == 0
    assert syncable_rows(b.store) == before


def test_tombstones_travel(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.incidents.delete(incident_id)
    send(a, b, tmp_path, since=True)
    assert b.raw("incidents", incident_id)["deleted"] == 1
    assert syncable_rows(b.store)["incidents"] == syncable_rows(a.store)["incidents"]


def test_incremental_export_sends_only_new_rows(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    send(b, a, tmp_path)  # A learns what B has seen
    assert a.sync.export(tmp_path / "nothing.rwsync", since_last_for=b.store.device_id).rows["incidents"] == 0
    a.edit(incident_id, place="Changed")
    a.incidents.record(make(place="New"))
    result = a.sync.export(tmp_path / "delta.rwsync", since_last_for=b.store.device_id)
    assert result.rows["incidents"] == 2
    b.sync.import_package(tmp_path / "delta.rwsync")
    assert syncable_rows(b.store) == syncable_rows(a.store)


def test_what_a_peer_sent_is_not_sent_back_to_it(devices: tuple[Device, Device], tmp_path: Path) -> None:
    """B imported all of A, then exported for A: every row went back (a walk saw 4,019 rows return, applied as
    unchanged). Only what A does not hold goes: B's own rows and B's edits of A's rows, and rows B had from a
    third laptop."""
    a, b = devices
    for place in ("One", "Two", "Three"):
        a.incidents.record(make(place=place))
    send(a, b, tmp_path)
    b_own = b.incidents.record(make(place="B's own"))
    out = tmp_path / "back.rwsync"
    result = b.sync.export(out, since_last_for=a.store.device_id)
    # Sent: not pending (not sent again) unless A's next package says it did not arrive
    assert result.rows["incidents"] == 1 and b.sync.pending(a.store.device_id) == 0
    assert a.sync.import_package(out).inserted == 1
    assert send(a, b, tmp_path, since=True).rows == 0  # A's package says what it holds, and carries nothing
    assert b.sync.pending(a.store.device_id) == 0
    edited = next(r for r in syncable_rows(a.store)["incidents"] if r["place"] == "Two")["id"]
    b.edit(edited, description="B's note on A's incident")  # one field: the row is news again
    c = Device(tmp_path / "c.db")
    try:
        trust_all(a, b, c)
        from_c = c.incidents.record(make(place="From C"))
        send(c, b, tmp_path)
        assert b.sync.pending(a.store.device_id) == 2
        result = b.sync.export(tmp_path / "news.rwsync", since_last_for=a.store.device_id)
        assert result.rows["incidents"] == 2
        a.sync.import_package(tmp_path / "news.rwsync")
        assert a.raw("incidents", edited)["description"] == "B's note on A's incident"
        assert a.raw("incidents", from_c.id)["place"] == "From C" and a.raw("incidents", b_own.id)
        assert syncable_rows(a.store)["incidents"] == syncable_rows(b.store)["incidents"]
    finally:
        c.close()


def test_concurrent_edits_to_different_fields_both_survive(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.edit(incident_id, place="A's place")
    b.edit(incident_id, description="B's description")
    send(a, b, tmp_path)
    send(b, a, tmp_path)
    for device in (a, b):
        row = device.raw("incidents", incident_id)
        assert (row["place"], row["description"]) == ("A's place", "B's description")
        assert device.sync.conflicts() == []
    assert syncable_rows(a.store) == syncable_rows(b.store)


def test_same_field_is_last_writer_wins_with_a_conflict(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.edit(incident_id, place="A's place")
    b.edit(incident_id, place="B's place")
    clock_a = field_clock(a.raw("incidents", incident_id)["field_hlc"], "place")
    clock_b = field_clock(b.raw("incidents", incident_id)["field_hlc"], "place")
    winner = "A's place" if clock_a > clock_b else "B's place"
    send(a, b, tmp_path)
    send(b, a, tmp_path)
    assert a.raw("incidents", incident_id)["place"] == b.raw("incidents", incident_id)["place"] == winner
    (on_b,) = b.sync.conflicts()
    assert (on_b.field, on_b.kind, on_b.local_value, on_b.incoming_value) == ("place", "edit", "B's place", "A's place")
    assert on_b.winner == ("incoming" if winner == "A's place" else "local")
    assert (on_b.local_hlc, on_b.incoming_hlc) == (clock_b, clock_a)
    # B's package already carries the merged state and B has seen A's clock: the conflict is recorded once,
    # where both values first met.
    assert a.sync.conflicts() == []
    assert syncable_rows(a.store) == syncable_rows(b.store)


def test_resolving_a_conflict_stamps_the_injected_clock(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    # The choice is a new local edit: its updated_at (and the conflict's resolved_at) come from the services' clock,
    # as every other service's writes do, not from the wall clock.
    from datetime import UTC, datetime

    from ruralwatch.core import times
    from ruralwatch.services.container import Services

    a, b, incident_id = shared
    a.edit(incident_id, place="A's place")
    b.edit(incident_id, place="B's place")
    send(a, b, tmp_path)
    (conflict,) = b.sync.conflicts()
    fixed = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    services = Services.build(b.store, clock=lambda: fixed)
    resolved = services.sync.resolve(conflict.id, "mine")
    row = b.raw("incidents", incident_id)
    assert row["place"] == "B's place"
    assert row["updated_at"] == resolved.resolved_at == times.to_storage(fixed)


def test_delete_against_concurrent_edit_is_recorded(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.delete(incident_id)
    b.edit(incident_id, description="more detail from B")
    send(a, b, tmp_path)
    row = b.raw("incidents", incident_id)
    assert row["deleted"] == 1 and row["description"] == "more detail from B"  # the edit stays for review
    (conflict,) = b.sync.conflicts()
    assert (conflict.kind, conflict.field, conflict.winner) == ("delete_vs_edit", "deleted", "incoming")
    assert (conflict.local_value, conflict.incoming_value) == (0, 1)
    send(b, a, tmp_path)
    assert a.sync.conflicts() == []  # recorded once, on B, where the two first met
    assert syncable_rows(a.store) == syncable_rows(b.store)


def test_sequential_edits_are_not_conflicts(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.edit(incident_id, place="A's place")
    send(a, b, tmp_path, since=True)
    b.edit(incident_id, place="B saw A's place and changed it")
    send(b, a, tmp_path, since=True)
    send(a, b, tmp_path, since=True)
    assert a.raw("incidents", incident_id)["place"] == "B saw A's place and changed it"
    assert a.sync.conflicts() == [] and b.sync.conflicts() == []
    # Delete after seeing the edit: no conflict either.
    a.delete(incident_id)
    send(a, b, tmp_path, since=True)
    assert b.sync.conflicts() == [] and b.raw("incidents", incident_id)["deleted"] == 1


@pytest.mark.parametrize(("choice", "expected"), [("mine", "B's place"), ("theirs", "A's place"),
                                                   ("merged", "A's and B's place")])
def test_resolve_writes_a_new_edit_that_syncs(
    shared: tuple[Device, Device, str], tmp_path: Path, choice: str, expected: str
) -> None:
    a, b, incident_id = shared
    a.edit(incident_id, place="A's place")
    b.edit(incident_id, place="B's place")
    send(a, b, tmp_path)
    (conflict,) = b.sync.conflicts()
    before = b.raw("incidents", incident_id)["hlc"]
    resolved = b.sync.resolve(conflict.id, choice, "A's and B's place" if choice == "merged" else None)
    assert resolved.resolution == choice and resolved.resolved_at
    assert b.sync.conflicts() == []
    row = b.raw("incidents", incident_id)
    assert row["place"] == expected
    # The audit log says a conflict was settled and which way (it read as a plain "update" of the place).
    action, changes = b.store.db.execute("SELECT action, changes FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert action == "resolve_conflict" and json.loads(changes)["resolution"] == [None, choice]
    assert json.loads(changes)["place"][1] == expected
    if row["hlc"] != before:
        assert field_clock(row["field_hlc"], "place") == row["hlc"] > before
    send(b, a, tmp_path)
    assert a.raw("incidents", incident_id)["place"] == expected
    with pytest.raises(ValidationError, match="already resolved"):
        b.sync.resolve(conflict.id, "mine")


def test_resolve_delete_vs_edit_can_restore(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.delete(incident_id)
    b.edit(incident_id, description="keep me")
    send(a, b, tmp_path)
    (conflict,) = b.sync.conflicts()
    b.sync.resolve(conflict.id, "mine")
    assert b.raw("incidents", incident_id)["deleted"] == 0
    action, changes = b.store.db.execute("SELECT action, changes FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert action == "resolve_conflict" and json.loads(changes)["resolution"] == [None, "mine"]
    from ruralwatch.services.audit import AuditService

    assert AuditService(b.store).verify().ok  # the resolved row matches its entry
    send(b, a, tmp_path)
    row = a.raw("incidents", incident_id)
    assert row["deleted"] == 0 and row["description"] == "keep me"


def test_import_advances_the_local_clock(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.edit(incident_id, place="A")
    send(a, b, tmp_path)
    incoming = b.raw("incidents", incident_id)["hlc"]
    b.edit(incident_id, place="B after A")
    assert b.raw("incidents", incident_id)["hlc"] > incoming


def test_seen_vector_and_watermark_are_local_bookkeeping(shared: tuple[Device, Device, str]) -> None:
    a, b, _ = shared
    seen = b.sync.seen()
    assert a.store.device_id in seen and b.store.device_id in seen
    peer = b.store.db.execute("SELECT received_seen FROM sync_peers WHERE device_id = ?",
                              [a.store.device_id]).fetchone()[0]
    assert json.loads(peer)[a.store.device_id] == seen[a.store.device_id]


def test_delete_vs_edit_found_on_the_deleting_side(shared: tuple[Device, Device, str], tmp_path: Path) -> None:
    a, b, incident_id = shared
    a.delete(incident_id)
    b.edit(incident_id, description="more detail from B")
    send(b, a, tmp_path)
    (conflict,) = a.sync.conflicts()
    assert (conflict.kind, conflict.winner, conflict.local_value, conflict.incoming_value) == (
        "delete_vs_edit", "local", 1, 0)
    assert a.raw("incidents", incident_id)["description"] == "more detail from B"



def _everything_but_the_audit(store: Store) -> dict[str, list[str]]:
    tables = [row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {t: sorted(repr(r) for r in store.db.execute(f"SELECT * FROM [{t}]").fetchall())
             for t in tables if t not in ("audit_log", "meta")}
    found["meta"] = sorted(repr(r) for r in store.db.execute("SELECT * FROM meta WHERE key != 'audit.head'"))
    return found


def test_a_refused_package_leaves_one_audit_entry_and_nothing_else(devices: tuple[Device, Device],
                                                                   tmp_path: Path) -> None:
    """Untrusted signer, wrong passphrase, a damaged file: each refusal is recorded (file, SHA-256, reason)."""
    import hashlib

    from ruralwatch.store.audit import AuditLog
    from ruralwatch.sync.errors import PackageError

    a, b = devices
    a.incidents.record(make())
    stranger = Device(tmp_path / "stranger.db")
    try:
        stranger.incidents.record(make(place="Stranger's farm"))
        untrusted = tmp_path / "inbox" / "untrusted.rwsync"
        untrusted.parent.mkdir()
        stranger.sync.export(untrusted)
    finally:
        stranger.close()
    locked = tmp_path / "locked.rwsync"
    a.sync.export(locked, passphrase="the right one")
    damaged = tmp_path / "damaged.rwsync"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    before = _everything_but_the_audit(b.store)
    log = AuditLog(b.store)
    cases = ((untrusted, None, "unknown signer"), (locked, "wrong", "wrong passphrase"),
             (damaged, None, "not a RuralWatch sync package"))
    for path, passphrase, reason in cases:
        with pytest.raises(PackageError, match=reason):
            b.sync.import_package(path, passphrase)
    assert [r.status for r in b.sync.merge_folder(untrusted.parent)] == ["refused"]  # central merge: recorded too
    assert _everything_but_the_audit(b.store) == before
    entries = sorted(log.entries(action="sync_refused"), key=lambda e: e.seq)
    assert len(entries) == 4
    for entry, (path, _, reason) in zip(entries, [*cases, cases[0]], strict=True):
        changes = entry.changes or {}
        assert (entry.table, changes["file"]) == ("sync_packages", path.name)
        assert changes["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert reason in changes["reason"]
    assert log.verify().ok


def test_a_conflict_resolved_on_one_device_is_closed_on_another_when_the_resolution_arrives(
        tmp_path: Path) -> None:
    a, b, c = Device(tmp_path / "a.db"), Device(tmp_path / "b.db"), Device(tmp_path / "c.db")
    try:
        trust_all(a, b, c)
        incident_id = a.incidents.record(make(description="first")).id
        send(a, b, tmp_path)
        send(a, c, tmp_path)
        a.edit(incident_id, place="A's place")
        b.edit(incident_id, place="B's place")
        send(a, c, tmp_path)
        send(b, c, tmp_path)  # the central store meets both values: a conflict here
        send(a, b, tmp_path)  # and so does B
        (on_b,) = b.sync.conflicts()
        assert len(c.sync.conflicts()) == 1
        b.sync.resolve(on_b.id, "mine")  # B's coordinator decides; the choice is a new edit
        send(b, c, tmp_path)
        assert c.sync.conflicts() == []
        (settled,) = c.sync.conflicts(include_resolved=True)
        assert settled.resolution == "superseded"
        assert c.raw("incidents", incident_id)["place"] == "B's place"
    finally:
        for device in (a, b, c):
            device.close()


_DEVICES = ("a0a0a0a0a0a0a0a0", "b1b1b1b1b1b1b1b1", "c2c2c2c2c2c2c2c2")
_clocks = st.builds(lambda ms, n, device: f"{ms:015d}-{n:06d}-{device}", st.integers(0, 30), st.integers(0, 2),
                    st.sampled_from(_DEVICES))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_clocks, st.dictionaries(st.sampled_from(["*", "place", "status", "deleted"]),
                                                        _clocks, max_size=4)), max_size=12),
       view=st.dictionaries(st.sampled_from(_DEVICES), _clocks.map(lambda c: c.rsplit("-", 1)[0]), max_size=3),
       threshold=st.sampled_from(["", "000000000000010"]), broken=st.booleans())
def test_the_pending_count_is_the_rows_an_export_would_carry(rows, view, threshold, broken) -> None:
    """SyncService.pending counts in SQL what export filters in Python (merge.row_known_to): the same rows."""
    from sqlcipher3 import dbapi2 as sqlite  # the store's driver and SQLite

    from ruralwatch.services.sync import _PENDING_SQL
    from ruralwatch.sync.merge import Side, row_known_to

    peer, view = _DEVICES[0], {device: f"{clock}-{device}" for device, clock in view.items()}
    stored = [(hlc, json.dumps(fields) if fields else None) for hlc, fields in rows]
    if broken:
        stored.append(("000000000000020-000000-" + _DEVICES[1], "not json"))
    conn = sqlite.connect(":memory:")
    conn.execute("CREATE TABLE t (hlc TEXT, field_hlc TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", stored)
    counted = conn.execute(_PENDING_SQL.format(table="t", real="1 = 1"),  # no demo rows here (sync.demo_rows)
                           {"threshold": threshold, "peer": peer, "view": json.dumps(view)}).fetchone()[0]
    side = Side(peer, view)
    assert counted == sum(1 for hlc, fields in stored if hlc > threshold and not row_known_to(side, hlc, fields))


def test_central_conflicts_name_the_laptop_that_wrote_each_value(tmp_path: Path) -> None:
    """On the central store "mine" and "theirs" are two laptops: a walk could not tell which value came from which."""
    central, three, five = (Device(tmp_path / f"{name}.db") for name in ("central", "laptop3", "laptop5"))
    try:
        for laptop, name in ((three, "RET laptop 3"), (five, "RET laptop 5")):
            identity = laptop.sync.identity()
            central.sync.trust(identity.device_id, identity.public_key, name=name)
            laptop.sync.trust(central.sync.identity().device_id, central.sync.identity().public_key, name="Central")
        incident_id = three.incidents.record(make(place="Brook Farm")).id
        send(three, central, tmp_path)
        send(central, five, tmp_path)
        three.edit(incident_id, place="Brook Farm, north gate")
        five.edit(incident_id, place="Brook Farm, yard")
        send(three, central, tmp_path, since=True)
        send(five, central, tmp_path, since=True)
        (conflict,) = central.sync.conflicts()
        assert (conflict.local_value, conflict.local_device) == ("Brook Farm, north gate", "RET laptop 3")
        assert (conflict.incoming_value, conflict.incoming_device) == ("Brook Farm, yard", "RET laptop 5")
    finally:
        for device in (central, three, five):
            device.close()


def test_a_merged_value_the_field_cannot_hold_is_refused_and_changes_nothing(
    shared: tuple[Device, Device, str], tmp_path: Path
) -> None:
    """A walk merged by typing: the value was written as typed, so a status that is none of the statuses (or text
    in a number field, which a PostgreSQL central store then refuses with every later package) spread everywhere."""
    a, b, incident_id = shared
    a.edit(incident_id, status="closed", hc_people=3, occurred_start="2026-11-20T09:35:00Z")
    b.edit(incident_id, status="no_further_action", hc_people=4, occurred_start="2026-11-20T09:45:00Z")
    send(a, b, tmp_path)
    conflicts = {c.field: c for c in b.sync.conflicts()}
    before = b.raw("incidents", incident_id)
    for field, typed, said in (("status", "finished", "status is one of a list (Open, "),
                               ("hc_people", "five", "hc people takes a whole number: 'five'"),
                               ("occurred_start", "tomorrow", "'tomorrow' is not a date and time")):
        with pytest.raises(ValidationError, match=re.escape(said)) as refused:
            b.sync.resolve(conflicts[field].id, "merged", typed)
        assert refused.value.errors[0].field == "value"
    assert b.raw("incidents", incident_id) == before and len(b.sync.conflicts()) == 3
    # What the window's box gives is text: a status by its name, a number and a UK local time are kept as stored.
    b.sync.resolve(conflicts["status"].id, "merged", "Closed")
    b.sync.resolve(conflicts["hc_people"].id, "merged", " 5 ")
    b.sync.resolve(conflicts["occurred_start"].id, "merged", "2026-11-20 09:40")
    row = b.raw("incidents", incident_id)
    assert (row["status"], row["hc_people"], row["occurred_start"]) == ("closed", 5, "2026-11-20T09:40:00Z")
    assert b.sync.conflicts() == []
