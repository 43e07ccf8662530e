"""Packages from a trusted signer are still bounded (issue 15, items 8 and 13): clocks no further ahead than
MAX_CLOCK_SKEW_MS, scrypt costs and part sizes capped before any work, parts streamed, never read whole."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sync_merge import Device, make
from test_sync_package import World, entries

from ruralwatch.core.clock import HybridLogicalClock
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.sync import crypto, package

YEAR_2100 = 4_102_444_800_000
HOUR = 3_600_000


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.a.close()


def now_millis() -> int:
    return time.time_ns() // 1_000_000


def header_of(path: Path, **changes: Any) -> dict[str, Any]:
    manifest = json.loads(entries(path)["manifest.json"])
    header = {k: manifest[k] for k in ("package_id", "schema_version", "source_device", "created_at", "clock",
                                       "counts", "seen")}
    return {**header, **changes}


def contents_of(path: Path) -> package.Contents:
    return package.PackageReader(path).contents(None, SYNCABLE_TABLES)


def tables_of(path: Path) -> dict[str, list[dict[str, Any]]]:
    return contents_of(path).tables


# --- item 8: clocks far ahead --------------------------------------------------------------------------------


def test_a_package_from_a_laptop_dated_2100_is_refused_and_does_not_move_our_clock(world: World) -> None:
    wrong = world.a.store
    wrong.clock = HybridLogicalClock(wrong.device_id, wall_millis=lambda: YEAR_2100)
    world.a.incidents.record(make(place="Hill Top"))
    future = world.tmp / "future.rwsync"
    world.a.sync.export(future)
    device = wrong.device_id
    world.refused(future, rf"^refused: device {device}'s clock is [0-9]+ years ahead of this laptop's: check its date "
                          r"and time, then export again \(in the package's manifest\)$")
    receiver = Device(world.b.path)
    try:
        with pytest.raises(package.PackageError):
            receiver.sync.import_package(future)
        assert receiver.store.clock.now().millis < now_millis() + HOUR  # not pinned in 2100
    finally:
        receiver.close()


def test_one_field_clock_far_ahead_in_the_rows_is_refused(world: World) -> None:
    """The manifest's range looks fine; one field's clock inside a row is 3 days ahead."""
    contents = contents_of(world.good)
    tables = contents.tables
    row = tables["incidents"][0]
    ahead = f"{now_millis() + 73 * HOUR:015d}-000000-{world.a.store.device_id}"
    row["field_hlc"] = json.dumps({**json.loads(row["field_hlc"]), "place": ahead})
    forged = world.tmp / "field.rwsync"
    package.build(forged, header_of(world.good, package_id="field"), tables, contents.blobs, world.a.sync._keys())
    world.refused(forged, rf"^refused: device {world.a.store.device_id}'s clock is 3 days ahead of this laptop's: "
                          r"check its date and time, then export again \(in its rows\)$")


def test_a_seen_vector_far_ahead_is_refused(world: World) -> None:
    far = f"{YEAR_2100:015d}-000000-laptop9"
    forged = world.tmp / "seen.rwsync"
    header = header_of(world.good, package_id="seen")
    header["seen"] = {**header["seen"], "laptop9": far}
    contents = contents_of(world.good)
    package.build(forged, header, contents.tables, contents.blobs, world.a.sync._keys())
    world.refused(forged, "device laptop9's clock is [0-9]+ years ahead of this laptop's")


def test_a_clock_a_little_ahead_is_accepted(world: World) -> None:
    wrong = world.a.store
    wrong.clock = HybridLogicalClock(wrong.device_id, wall_millis=lambda: now_millis() + 2 * HOUR)
    world.a.incidents.record(make(place="Hill Top"))
    ahead = world.tmp / "ahead.rwsync"
    world.a.sync.export(ahead)
    receiver = Device(world.b.path)
    try:
        assert receiver.sync.import_package(ahead).status == "applied"
        assert receiver.store.clock.now().millis >= now_millis() + 2 * HOUR - 60_000  # followed, as an HLC does
    finally:
        receiver.close()


def test_text_with_line_separators_syncs(world: World) -> None:
    """JSON lines split on b"\\n" only: U+2028 and U+0085 are left raw by the writer and are not line ends."""
    world.a.incidents.record(make(place="North\u2028Field\x85Gate"))
    out = world.tmp / "separators.rwsync"
    world.a.sync.export(out)
    assert any(row.get("place") == "North\u2028Field\x85Gate" for row in tables_of(out)["incidents"])


# --- item 13: costs and sizes capped, parts streamed ---------------------------------------------------------


def test_scrypt_costlier_than_ours_is_refused_before_deriving(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**17)  # 4x our memory: 128 MiB (the cap is 2x)
    world.a.incidents.record(make(place="Hill Top"))
    costly = world.tmp / "costly.rwsync"
    world.a.sync.export(costly, passphrase="pass phrase")
    monkeypatch.undo()
    derived: list[int] = []
    monkeypatch.setattr(crypto, "_derive", lambda *args: derived.append(1) or b"\0" * 32)
    world.refused(costly, "costlier key derivation than it accepts", passphrase="pass phrase")
    assert derived == []


@pytest.mark.parametrize(("part", "size"), [("tables/incidents.jsonl", 2**30 + 1), ("payload", 2**32 + 1)])
def test_declared_sizes_over_the_caps_are_refused(world: World, part: str, size: int) -> None:
    assert size > (package.MAX_TABLE_PART_BYTES if part != "payload" else package.MAX_PAYLOAD_BYTES)
    manifest = json.loads(entries(world.good)["manifest.json"])
    target = manifest["payload"] if part == "payload" else manifest["parts"][part]
    target["size"] = size
    keys = world.a.sync._keys()
    manifest["signature"]["value"] = keys.sign(package.canonical(manifest))
    forged = world.tmp / "declared.rwsync"
    with zipfile.ZipFile(forged, "w") as archive:
        archive.writestr(package.MANIFEST_NAME, json.dumps(manifest))
        archive.writestr(package.PAYLOAD_NAME, entries(world.good)[package.PAYLOAD_NAME])
    world.refused(forged, "more than a package may carry|larger than a package may be")


def test_a_part_that_inflates_a_thousandfold_is_refused_before_it_is_inflated(world: World) -> None:
    """30 MB of blank lines (valid JSON lines, so the old reader accepted it, holding it all) from a ~30 KB file."""
    tables = tables_of(world.good)
    blank = package._jsonl(tables["incidents"]) + b"\n" * (30 * 1024 * 1024)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("tables/incidents.jsonl", blank)
    header = header_of(world.good, package_id="bomb", counts={"incidents": len(tables["incidents"])})
    manifest: dict[str, Any] = {**header, "format_version": package.FORMAT_VERSION, "encryption": None,
                                "parts": {"tables/incidents.jsonl": package._digest(blank)},
                                "payload": package._digest(inner.getvalue())}
    keys = world.a.sync._keys()
    manifest["signature"] = {"algorithm": "ed25519", "public_key": keys.public_hex(),
                             "value": keys.sign(package.canonical(manifest))}
    bomb = world.tmp / "bomb.rwsync"
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr(package.MANIFEST_NAME, json.dumps(manifest))
        archive.writestr(package.PAYLOAD_NAME, inner.getvalue())
    assert bomb.stat().st_size < 200_000
    reader = package.PackageReader(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(package.PackageError, match="zip bomb"):
            reader.contents(None, SYNCABLE_TABLES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    world.refused(bomb, "^refused: tables/incidents.jsonl inflates 31,4.* bytes from .*a zip bomb")


def test_an_encrypted_package_is_read_without_holding_it_whole(world: World) -> None:
    """A 24 MB attachment: the reader holds it once (it is returned), never the file, the payload or the
    decrypted payload beside it (the old reader peaked at about four copies)."""
    big = os.urandom(24 * 1024 * 1024)
    sha = hashlib.sha256(big).hexdigest()
    out = world.tmp / "big.rwsync"
    package.build(out, header_of(world.good, package_id="big"), tables_of(world.good), {sha: big},
                  world.a.sync._keys(), passphrase="pass phrase")
    del big
    gc.collect()
    reader = package.PackageReader(out)
    tracemalloc.start()
    try:
        contents = reader.contents("pass phrase", SYNCABLE_TABLES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hashlib.sha256(contents.blobs[sha]).hexdigest() == sha
    assert peak < 24 * 1024 * 1024 + 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    assert reader.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_a_package_changed_after_opening_is_refused(world: World) -> None:
    reader = package.PackageReader(world.good)
    data = world.good.read_bytes()
    world.good.write_bytes(data + b"\0")
    with pytest.raises(package.PackageError, match="changed while it was being read"):
        reader.contents(None, SYNCABLE_TABLES)


def test_build_refuses_an_attachment_the_reader_would_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "MAX_BLOB_PART_BYTES", 10)
    with pytest.raises(package.PackageError, match="more than a package may carry"):
        package.build(tmp_path / "x.rwsync", {}, {}, {"a" * 64: b"x" * 11}, crypto.KeyPair.generate())


@settings(max_examples=60, database=None, deadline=None)
@given(st.binary(max_size=3000), st.integers(0, 3100), st.integers(0, 3100), st.binary(max_size=40))
def test_gcm_plaintext_reads_what_aesgcm_decrypts(plaintext: bytes, start: int, length: int, associated: bytes
                                                  ) -> None:
    """The CTR view of a GCM message, at any offset and length, is the AESGCM plaintext."""
    key, nonce = os.urandom(32), os.urandom(12)
    sealed = crypto.AESGCM(key).encrypt(nonce, plaintext, associated)
    body, tag = sealed[:-16], sealed[-16:]
    crypto.authenticate(key, nonce, associated, [body[:7], body[7:]], tag)
    view = crypto.GcmPlaintext(io.BytesIO(body), len(body), key, nonce)
    view.seek(start)
    assert view.read(length) == plaintext[start:start + length]
    with pytest.raises(package.PackageError, match="wrong passphrase"):
        crypto.authenticate(key, nonce, associated + b"x", [body], tag)
