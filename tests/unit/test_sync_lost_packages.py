"""Property: incremental packages that are written and then lost (a USB stick left in a car, a mail never sent)
leave no row behind. A walk exported `--since-last-for CENTRAL`, lost the file, exported again: the second
package started where the lost one had, and the rows of the lost one never reached the central store.
The audit entries a package carries follow the same rule: they had started after the last entry written for the
peer, so a lost file left a gap for ever in the receiver's copy of the sender's audit chain."""

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


def _send(source: Device, target: Device, path: Path, lost: bool = False) -> int:
    result = source.sync.export(path, since_last_for=target.store.device_id)
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
            # One incremental round that arrives: every laptop's rows reach the central store, and back.
            sent_up = []
            for index, device in enumerate(laptops):
                sent_up.append(_audit_head(device))
                _send(device, central, folder / f"up{index}.rwsync")
            sent_down = []
            for index, device in enumerate(laptops):
                sent_down.append(_audit_head(central))
                _send(central, device, folder / f"down{index}.rwsync")
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


def test_a_lost_package_is_sent_again_and_a_round_trip_keeps_packages_small(tmp_path: Path) -> None:
    laptop, central = Device(tmp_path / "laptop.db"), Device(tmp_path / "central.db")
    try:
        trust_all(laptop, central)
        first = laptop.incidents.record(make(place="Brook Farm"))
        assert _send(laptop, central, tmp_path / "lost.rwsync", lost=True) == 1
        assert laptop.sync.pending(central.store.device_id) == 1  # not acknowledged: still pending
        laptop.incidents.record(make(place="Top Field"))
        assert _send(laptop, central, tmp_path / "second.rwsync") == 2  # the lost row goes again
        assert central.raw("incidents", first.id)["place"] == "Brook Farm"
        # The central store's package back says what it holds: the next package is only what is new.
        _send(central, laptop, tmp_path / "back.rwsync")
        assert laptop.sync.pending(central.store.device_id) == 0
        laptop.incidents.record(make(place="Mill Lane"))
        assert _send(laptop, central, tmp_path / "third.rwsync") == 1
    finally:
        laptop.close()
        central.close()
