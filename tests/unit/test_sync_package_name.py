"""A package's default file name says which laptop wrote it and when (UK local time), safe on any stick."""

from __future__ import annotations

from datetime import UTC, datetime

from ruralwatch.services.sync import SyncService, package_file_name
from ruralwatch.store import Store


def test_the_name_is_the_laptop_and_the_uk_local_minute() -> None:
    summer = datetime(2026, 7, 3, 23, 5, tzinfo=UTC)  # 00:05 the next day in London (BST)
    winter = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the same in London (GMT)
    assert package_file_name(summer, "43734af1") == "ruralwatch-43734af1-2026-07-04-0005.rwsync"
    assert package_file_name(winter, "43734af1") == "ruralwatch-43734af1-2026-11-24-1700.rwsync"


def test_a_name_keeps_only_letters_digits_and_dashes() -> None:
    moment = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert package_file_name(moment, "RET laptop 3 / Chelmsford: é*") == \
        "ruralwatch-RET-laptop-3-Chelmsford-2026-11-24-1700.rwsync"
    assert package_file_name(moment, " ../ ") == "ruralwatch-laptop-2026-11-24-1700.rwsync"


def test_the_service_names_its_package_from_its_own_clock_and_device(store: Store) -> None:
    service = SyncService(store, clock=lambda: datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    assert service.package_name() == f"ruralwatch-{store.device_id[:8]}-2026-11-24-1700.rwsync"
