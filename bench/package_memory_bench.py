"""Peak memory of reading a sync package (PackageReader + contents), one scenario per process.

    python bench/package_memory_bench.py make FOLDER          # writes the packages (with the current code)
    python bench/package_memory_bench.py read FOLDER NAME     # reads one, prints peak RSS and the outcome

Run `read` under the code to compare (PYTHONPATH pointing at an older checkout for "before"). Scenarios:
- `blob`: an encrypted package carrying two 50 MiB attachments (random bytes; 50 MB is the app's limit);
- `table`: an encrypted package whose incidents table is about 100 MiB of JSON lines (250,000 rows);
- `bomb`: a signed package declaring a 300 MiB table part of blank lines, deflated to about 300 KB.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import crypto, package

PASSPHRASE = "bench pass phrase"
MiB = 1024 * 1024
KEYS = crypto.KeyPair.from_hex("11" * 32)
NOW = time.time_ns() // 1_000_000


def _header(package_id: str, counts: dict[str, int]) -> dict[str, Any]:
    clock = f"{NOW:015d}-000000-benchdevice"
    return {"package_id": package_id, "schema_version": 8, "source_device": "benchdevice",
            "created_at": "2026-12-06T10:00:00Z", "clock": {"min": clock, "max": clock}, "counts": counts,
            "seen": {"benchdevice": clock}}


def _row(i: int) -> dict[str, Any]:
    clock = f"{NOW:015d}-{i % 10**6:06d}-benchdevice"
    return {"id": f"{i:032x}", "hlc": clock, "field_hlc": json.dumps({"*": clock}), "deleted": 0,
            "device_id": "benchdevice", "created_at": "2026-12-06T10:00:00Z", "updated_at": "2026-12-06T10:00:00Z",
            "kind": "theft", "place": f"Field {i} by the {os.urandom(12).hex()} gate", "notes": os.urandom(60).hex(),
            "lat": 51.8 + i * 1e-6, "lon": 0.6}


def make(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    blobs = [os.urandom(50 * MiB) for _ in range(2)]
    package.build(folder / "blob.rwsync", _header("blob", {}), {}, {hashlib.sha256(b).hexdigest(): b for b in blobs},
                  KEYS, PASSPHRASE)
    del blobs
    rows = [_row(i) for i in range(250_000)]
    package.build(folder / "table.rwsync", _header("table", {"incidents": len(rows)}), {"incidents": rows}, {},
                  KEYS, PASSPHRASE)
    del rows
    blank = b"\n" * (300 * MiB)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("tables/incidents.jsonl", blank)
    manifest: dict[str, Any] = {**_header("bomb", {}), "format_version": package.FORMAT_VERSION, "encryption": None,
                                "parts": {"tables/incidents.jsonl": package._digest(blank)},
                                "payload": package._digest(inner.getvalue())}
    manifest["signature"] = {"algorithm": "ed25519", "public_key": KEYS.public_hex(),
                             "value": KEYS.sign(package.canonical(manifest))}
    with zipfile.ZipFile(folder / "bomb.rwsync", "w") as archive:
        archive.writestr(package.MANIFEST_NAME, json.dumps(manifest))
        archive.writestr(package.PAYLOAD_NAME, inner.getvalue())
    for path in sorted(folder.glob("*.rwsync")):
        print(f"{path.name}: {path.stat().st_size / MiB:,.1f} MiB")


def read(folder: Path, name: str) -> None:
    path = folder / f"{name}.rwsync"
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    try:
        contents = package.PackageReader(path).contents(PASSPHRASE, SYNCABLE_TABLES)
        outcome = f"read: {contents.row_count():,} rows, {sum(map(len, contents.blobs.values())) / MiB:,.0f} MiB blobs"
    except package.PackageError as exc:
        outcome = str(exc)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: {path.stat().st_size / MiB:,.1f} MiB file, peak RSS {peak:,.0f} MiB (after imports "
          f"{baseline:,.0f} MiB), {seconds:.1f} s; {outcome[:150]}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(Path(sys.argv[2]))
    else:
        read(Path(sys.argv[2]), sys.argv[3])
