"""Property: incremental packages that are written and then lost (a USB stick left in a car, a mail never sent)
leave no row behind. A walk exported `--since-last-for CENTRAL`, lost the file, exported again: the second
package started where the lost one had, and the rows of the lost one never reached the central store.
The audit entries a package carries follow the same rule: they had started after the last entry written for the
peer, so a lost file left a gap for ever in the receiver's copy of the sender's audit chain.
Since a laptop leaves out what it sent before (a laptop that only sends sent everything since its last import every
time), a lost package is found by its receiver (the next package assumes it holds what it lacks: its `seen` does not
move past the gap) and sent again once the receiver's own package says so: two rounds that arrive, not one."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fixtures.laptops import edit_or_delete
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sync_merge import Device, make, syncable_rows, trust_all

laptop = st.integers(0, 1)
operation = st.one_of(
    st.tuples(st.just("create"), laptop),
    st.tuples(st.just("edit"), laptop, st.integers(0, 20), st.sampled_from(["place", "description", "status"])),
    st.tuples(st.just("delete"), laptop, st.integers(0, 20)),
    # to_central: laptop -> central (True) or central -> laptop; lost: the file never arrives
    st.tuples(st.just("package"), laptop, st.booleans(), st.booleans()),
)
VALUES = {"place": "Mill Lane", "description": "seen again", "status": "closed"}


def _audit_head(device: Device) -> int:
    return int(device.store.db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_log").fetchone()[0])


def _chain_held(receiver: Device, sender: Device) -> list[int]:
    """The seqs of `sender`'s audit chain `receiver` holds, in order."""
    return [int(row[0]) for row in receiver.store.db.execute(
        "SELECT seq FROM device_audit WHERE device_id = ? ORDER BY seq", [sender.store.device_id])]


def _send(source: Device, target: Device, path: Path, lost: bool = False, resend: bool = False) -> int:
    result = source.sync.export(path, since_last_for=target.store.device_id, resend=resend)
    if lost:
        path.unlink()
    else:
        target.sync.import_package(path)
    return sum(result.rows.values())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=16))
def test_lost_incremental_packages_leave_no_row_behind(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        laptops = [Device(folder / f"laptop{n}.db") for n in range(2)]
        central = Device(folder / "central.db")
        try:
            trust_all(central, *laptops)
            for number, op in enumerate(ops):
                kind, device = op[0], laptops[op[1]]
                if kind == "create":
                    device.incidents.record(make(place=f"Farm {number}"))
                elif kind in ("edit", "delete"):
                    changes = {op[3]: f"{VALUES[op[3]]} {number}"} if kind == "edit" else None
                    edit_or_delete(device.store, op[2], changes)
                else:
                    source, target = (device, central) if op[2] else (central, device)
                    _send(source, target, folder / f"p{number:03d}.rwsync", lost=op[3])
            # Two incremental rounds that arrive: the first tells each side what the other lacks (a package lost),
            # the second brings it; every laptop's rows reach the central store, and back.
            for turn in range(2):
                sent_up = []
                for index, device in enumerate(laptops):
                    sent_up.append(_audit_head(device))
                    _send(device, central, folder / f"up{turn}-{index}.rwsync")
                sent_down = []
                for index, device in enumerate(laptops):
                    sent_down.append(_audit_head(central))
                    _send(central, device, folder / f"down{turn}-{index}.rwsync")
            held = syncable_rows(central.store)
            for device in laptops:
                assert syncable_rows(device.store)["incidents"] == held["incidents"]
            # Each receiver holds each sender's audit chain without a gap, up to what the round's package carried.
            for device, up, down in zip(laptops, sent_up, sent_down, strict=True):
                for receiver, sender, head in ((central, device, up), (device, central, down)):
                    seqs = _chain_held(receiver, sender)
                    assert seqs == list(range(1, len(seqs) + 1)), (receiver.path.stem, sender.path.stem, seqs)
                    assert len(seqs) >= head
            # Once both sides have said what they hold, nothing is left to send either way.
            for index, device in enumerate(laptops):
                assert _send(device, central, folder / f"again{index}.rwsync") == 0
                assert central.sync.pending(device.store.device_id) == 0
        finally:
            for device in [*laptops, central]:
                device.close()


def test_a_send_only_laptop_sends_each_row_and_audit_entry_once(tmp_path: Path) -> None:
    """A laptop that exports packages but never imports one resent every row and audit entry since its last import
    with every package. Now what it sent is left out of the next one."""
    laptop, central = Device(tmp_path / "laptop.db"), Device(tmp_path / "central.db")
    try:
        trust_all(laptop, central)
        for place in ("Brook Farm", "Mill Lane"):
            laptop.incidents.record(make(place=place))
        assert _send(laptop, central, tmp_path / "first.rwsync") == 2
        assert laptop.sync.pending(central.store.device_id) == 0  # sent: not pending any more
        laptop.incidents.record(make(place="Top Field"))
        head = _audit_head(laptop)
        assert _send(laptop, central, tmp_path / "second.rwsync") == 1  # only the new one
        carried = [int(r[0]) for r in central.store.db.execute(
            "SELECT seq FROM device_audit WHERE device_id = ? AND package_id = (SELECT package_id FROM sync_packages "
            "ORDER BY applied_at DESC, rowid DESC LIMIT 1)", [laptop.store.device_id])]
        assert carried and min(carried) > 2 and max(carried) <= head + 1, "only the entries since the first package"
        assert _chain_held(central, laptop) == list(range(1, len(_chain_held(central, laptop)) + 1))
        assert len({row["place"] for row in syncable_rows(central.store)["incidents"]}) == 3
    finally:
        laptop.close()
        central.close()


def test_a_lost_package_is_sent_again_once_the_receiver_says_so_or_on_demand(tmp_path: Path) -> None:
    laptop, central = Device(tmp_path / "laptop.db"), Device(tmp_path / "central.db")
    try:
        trust_all(laptop, central)
        first = laptop.incidents.record(make(place="Brook Farm"))
        assert _send(laptop, central, tmp_path / "lost.rwsync", lost=True) == 1
        assert laptop.sync.pending(central.store.device_id) == 0  # sent (the laptop cannot know it was lost)
        laptop.incidents.record(make(place="Top Field"))
        assert _send(laptop, central, tmp_path / "second.rwsync") == 1  # only what is new
        # The second package took the central store to hold Brook Farm: it does not, so it does not say it holds
        # the laptop's writes past the gap, and its package back tells the laptop.
        assert laptop.store.device_id not in central.sync.seen()
        _send(central, laptop, tmp_path / "back.rwsync")
        assert laptop.sync.pending(central.store.device_id) == 2
        assert _send(laptop, central, tmp_path / "again.rwsync") == 2  # Brook Farm goes again
        assert central.raw("incidents", first.id)["place"] == "Brook Farm"
        # Both sides have said what they hold: the next package is only what is new.
        _send(central, laptop, tmp_path / "back2.rwsync")
        assert laptop.sync.pending(central.store.device_id) == 0
        laptop.incidents.record(make(place="Mill Lane"))
        assert _send(laptop, central, tmp_path / "third.rwsync") == 1
        # Lost again, and sent again on demand ("send everything again"), without waiting for the central store.
        laptop.incidents.record(make(place="Long Meadow"))
        assert _send(laptop, central, tmp_path / "lost2.rwsync", lost=True) == 1
        assert _send(laptop, central, tmp_path / "resent.rwsync", resend=True) == 2  # Mill Lane too: unacknowledged
        assert {row["place"] for row in syncable_rows(central.store)["incidents"]} == {
            "Brook Farm", "Top Field", "Mill Lane", "Long Meadow"}
    finally:
        laptop.close()
        central.close()
