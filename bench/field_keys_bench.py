"""Field-level encryption: what sealing costs on service writes, and how long a rotation takes.

Prints, for an encrypted database signed in as an administrator:
- incidents with a reporter's name and phone and one vehicle written through the services, rows/s, with the field
  keys in use and with them set aside (the same code path, values left in clear);
- the rotation that lowering a RET officer's role makes (every reporter and volunteer value sealed again).

Usage: python bench/field_keys_bench.py [ROWS]   (default 20,000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.accounts import AccountService, create_database
from ruralwatch.services.container import Services
from ruralwatch.store.keyring import TEST_PARAMS


def _inputs(count: int) -> list[tuple[None, IncidentInput]]:
    return [(None, IncidentInput(
        kind="equipment_theft", occurred_start="2026-11-20 06:30", lat=51.9 + (n % 100) / 1000, lon=0.3,
        place=f"Farm {n}", reporter_name=f"Reporter {n}", reporter_phone=f"07700 9{n:05d}",
        vehicles=[VehicleInput(f"KX{n % 100:02d}ABC", role="suspect")])) for n in range(count)]


def _write(path: Path, count: int, sealed: bool) -> tuple[float, object]:
    store = create_database(path, "admin", "a long benchmark password", TEST_PARAMS)
    AccountService(store).add("officer", "ret_officer", "a long benchmark password", params=TEST_PARAMS)
    if not sealed:  # what the same writes cost without field keys: the key set removed before any value is written
        with store.transaction():
            store.db.execute("DELETE FROM meta WHERE key = 'field_keys'")
        store.fields = None
    inputs = _inputs(count)
    started = time.perf_counter()
    Services.build(store).incidents.record_many(inputs)
    return time.perf_counter() - started, store


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        plain_s, plain = _write(Path(folder) / "clear.db", count, sealed=False)
        plain.close()  # type: ignore[attr-defined]
        sealed_s, store = _write(Path(folder) / "sealed.db", count, sealed=True)
        print(f"{count:,} incidents through the services: {count / plain_s:,.0f} rows/s with values in clear, "
              f"{count / sealed_s:,.0f} rows/s sealed")
        started = time.perf_counter()
        AccountService(store).set_role("officer", "special")  # type: ignore[arg-type]
        print(f"rotation after lowering a RET officer ({count:,} incidents, {2 * count:,} values sealed again): "
              f"{time.perf_counter() - started:.2f} s")
        store.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
