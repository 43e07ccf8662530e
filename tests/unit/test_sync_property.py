"""Property: whatever three devices do, receivers that merge all their packages (any order, some twice) agree."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fixtures.laptops import edit_or_delete
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sync_merge import Device, make, syncable_rows, trust_all

from ruralwatch.sync.errors import PackageError

FIELD_VALUES = {
    "place": st.sampled_from(["Brook Farm", "Mill Lane", "Top Field", ""]),
    "description": st.text(alphabet="abc ", max_size=6),
    "status": st.sampled_from(["open", "closed", "under_investigation"]),
    "lat": st.sampled_from([51.9, 52.0, 51.85]),
}

device_index = st.integers(0, 2)
operation = st.one_of(
    st.tuples(st.just("create"), device_index),
    st.tuples(st.just("edit"), device_index, st.integers(0, 20), st.sampled_from(sorted(FIELD_VALUES)),
              st.data()),
    st.tuples(st.just("delete"), device_index, st.integers(0, 20)),
    st.tuples(st.just("sync"), device_index, device_index, st.booleans()),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=14), data=st.data())
def test_receivers_converge(ops: list[tuple], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        devices = [Device(folder / f"{name}.db") for name in "abc"]
        packages: list[Path] = []
        try:
            trust_all(*devices)
            for op in ops:
                kind, device = op[0], devices[op[1]]
                if kind == "create":
                    device.incidents.record(make())
                elif kind in ("edit", "delete"):
                    changes = {op[3]: op[4].draw(FIELD_VALUES[op[3]])} if kind == "edit" else None
                    edit_or_delete(device.store, op[2], changes)
                else:
                    target = devices[op[2]]
                    if target is device:
                        continue
                    path = folder / f"p{len(packages):03d}.rwsync"
                    device.sync.export(path, since_last_for=target.store.device_id if op[3] else None)
                    target.sync.import_package(path)
                    packages.append(path)
            for index, device in enumerate(devices):
                path = folder / f"final{index}.rwsync"
                device.sync.export(path)
                packages.append(path)

            results = []
            for number in range(3):
                order = data.draw(st.permutations(packages), label=f"order {number}")
                repeats = data.draw(st.lists(st.sampled_from(packages), max_size=3), label=f"repeats {number}")
                receiver = Device(folder / f"receiver{number}.db")
                try:
                    trust_all(receiver, *devices)
                    for path in [*order, *repeats]:
                        receiver.sync.import_package(path)
                    results.append(syncable_rows(receiver.store))
                finally:
                    receiver.close()
            assert results[0] == results[1] == results[2]

            # A device with its own history that merges everything ends in the same state too.
            for path in packages:
                try:
                    devices[0].sync.import_package(path)
                except PackageError as exc:
                    assert "made by this device" in str(exc)
            assert syncable_rows(devices[0].store) == results[0]
        finally:
            for device in devices:
                device.close()
