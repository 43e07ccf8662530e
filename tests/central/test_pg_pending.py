"""`central status` on PostgreSQL counts, per laptop, exactly the rows its next package would carry. It counted the
rows above one threshold clock not last written by the laptop: a device the laptop had not heard of (the central
store's own clock after a conflict resolution, or a laptop new to the central store) held that clock low, and rows
the laptop already held were counted as pending for it."""

from __future__ import annotations

from pathlib import Path

from fixtures.laptops import Laptop, edit_or_delete
from pg_helpers import new_central

from ruralwatch.central import pg_status
from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.station import sync_with_central
from ruralwatch.central.target import PgTarget


def _joined(central: PgCentral, path: Path, name: str) -> Laptop:
    laptop = Laptop(path)
    identity = laptop.services.sync.identity()
    central.trust(identity.device_id, identity.public_key, name)
    laptop.services.sync.trust(central.device_id, central.keys.public_hex(), "HQ")
    return laptop


def _pending_and_packaged(central: PgCentral, tmp_path: Path, laptops: list[Laptop]) -> list[tuple[int, int]]:
    """Per laptop: (status's pending count, rows of the package the central store would write for it now)."""
    pending = {d.device_id: d.pending for d in central.status().devices}
    out = []
    for n, laptop in enumerate(laptops):
        device = laptop.store.device_id
        made = central.package_for(device, tmp_path / f"check-{n}-{len(list(tmp_path.iterdir()))}.rwsync", None)
        out.append((pending[device], sum(made.rows.values())))
    return out


def test_pending_is_what_the_next_package_carries_after_a_new_laptop_and_a_resolution(tmp_path: Path,
                                                                                       pg_dsn: str) -> None:
    central = new_central(pg_dsn)
    target = PgTarget(pg_dsn)
    try:
        first, second = (_joined(central, tmp_path / f"laptop{n}.db", f"laptop {n}") for n in (1, 2))
        for place in ("Brook Farm", "Mill Lane", "Church Road"):
            first.record(place)
        for laptop in (first, second, second, first):  # the second holds the first's rows and has said so
            sync_with_central(laptop.services.sync, target)
        # A third laptop the second has not heard of: the second's threshold is nothing, yet it holds the first's
        # rows (3) and the third's one row is all it lacks.
        third = _joined(central, tmp_path / "laptop3.db", "laptop 3")
        third.record("Top Field")
        sync_with_central(third.services.sync, target)
        laptops = [first, second, third]
        assert _pending_and_packaged(central, tmp_path, laptops) == [(1, 1), (1, 1), (3, 3)]
        # A conflict, resolved at the central store: its own clock, which no laptop has heard of yet.
        for laptop in laptops:
            sync_with_central(laptop.services.sync, target)
        edit_or_delete(first.store, 0, {"place": "Brook Farm, north gate"})
        edit_or_delete(second.store, 0, {"place": "Brook Farm, by the barn"})
        for laptop in (first, second, third, first, second, third):
            sync_with_central(laptop.services.sync, target)
        (conflict,) = central.conflicts()
        central.resolve(conflict.id, "theirs")
        counted = _pending_and_packaged(central, tmp_path, laptops)
        assert [pending for pending, _ in counted] == [packaged for _, packaged in counted]
        assert all(packaged == 1 for _, packaged in counted), counted
    finally:
        central.close()


def test_a_package_lost_on_the_way_to_the_postgresql_central_store_is_sent_again(tmp_path: Path,
                                                                                 pg_dsn: str) -> None:
    """A laptop leaves out what it sent before; a package of it that never arrived must not leave a hole: the
    central store does not say it holds the laptop's writes past the gap, and the laptop's next sync sends them
    (and the next package after the central store's answer, for a laptop that exchanges files)."""
    central = new_central(pg_dsn)
    target = PgTarget(pg_dsn)
    try:
        laptop = _joined(central, tmp_path / "laptop.db", "laptop")
        laptop.record("Brook Farm")
        lost = tmp_path / "lost.rwsync"
        assert sum(laptop.services.sync.export(lost, since_last_for=central.device_id).rows.values()) == 1
        lost.unlink()
        laptop.record("Top Field")
        inbox = tmp_path / "inbox"
        sent = laptop.services.sync.export(inbox / "second.rwsync", since_last_for=central.device_id)
        assert sum(sent.rows.values()) == 1  # only what is new
        (merged,) = central.merge_folder(inbox, None)
        assert merged.status == "applied"
        assert laptop.store.device_id not in pg_status.seen(central)  # not past the gap
        # `sync central` sends what the central store has not acknowledged (its answer comes at once): Brook Farm
        # goes again, and Top Field, held there but not acknowledged.
        again = sync_with_central(laptop.services.sync, target)
        assert again.sent_rows == 2
        places = {str(r[0]) for r in central.conn.execute(b"SELECT place FROM incidents")}
        assert places == {"Brook Farm", "Top Field"}
        assert sync_with_central(laptop.services.sync, target).sent_rows == 0
        late = laptop.services.sync.export(tmp_path / "late.rwsync", since_last_for=central.device_id)
        assert sum(late.rows.values()) == 0  # acknowledged: nothing to send by file either
    finally:
        central.close()
