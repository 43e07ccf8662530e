"""Every bad package the SQLite central store refuses, the PostgreSQL one refuses too, in one line, with every
table as it was (a dump of all of them) but for the one `refused` row that records it in merge_audit."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fixtures.laptops import Laptop
from pg_helpers import dump, new_central

from ruralwatch.central.postgres import PgCentral
from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.sync import crypto, package


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path

_inboxes = itertools.count()


class World:
    """Laptop `a`, trusted by a PostgreSQL central store that already holds one of its packages."""

    def __init__(self, tmp: Path, dsn: str) -> None:
        self.tmp = tmp
        self.dsn = dsn
        self.a = Laptop(tmp / "a.db")
        self.central = new_central(dsn)
        identity = self.a.services.sync.identity()
        self.central.trust(identity.device_id, identity.public_key, "a")
        self.a.services.sync.trust(self.central.device_id, self.central.keys.public_hex(), "central")
        photo = tmp / "photo.png"
        photo.write_bytes(b"\x89PNG fake")
        self.incident = self.a.services.incidents.record(self.make("Brook Farm"), attach=[photo])
        first = tmp / "first.rwsync"
        self.a.services.sync.export(first, since_last_for=self.central.device_id)
        assert self.central.merge_folder(self._alone(first), None)[0].status == "applied"
        self.a.record("Mill Lane")
        self.good = tmp / "good.rwsync"
        self.a.services.sync.export(self.good)
        self.before = dump(dsn)

    @staticmethod
    def make(place: str, **more: Any) -> IncidentInput:
        return IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3, place=place,
                             **more)

    def _alone(self, path: Path) -> Path:
        folder = self.tmp / f"in-{next(_inboxes)}"
        folder.mkdir()
        target = folder / path.name
        target.write_bytes(path.read_bytes())
        return folder

    def refused(self, path: Path, match: str, passphrase: str | None = None) -> None:
        central = PgCentral.open(self.central.target)
        try:
            audits = central.conn.execute("SELECT count(*) FROM merge_audit WHERE action = 'refused'").fetchone()
            (result,) = central.merge_folder(self._alone(path), passphrase)
        finally:
            central.close()
        assert result.status == "refused" and match in result.message and "\n" not in result.message
        assert dump(self.dsn) == self.before
        with psycopg.connect(self.dsn) as conn:
            after = conn.execute("SELECT count(*) FROM merge_audit WHERE action = 'refused'").fetchone()
            assert audits is not None and after == (audits[0] + 1,)

    def variant(self, name: str, rewrite: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
        return write_zip(self.tmp / name, rewrite(entries(self.good)))

    def forged(self, name: str, tables: dict[str, list[dict[str, Any]]],
               keys: crypto.KeyPair | None = None) -> Path:
        """A package signed with laptop a's own key (or `keys`), carrying `tables` as they are."""
        header = json.loads(entries(self.good)["manifest.json"])
        header = {k: header[k] for k in ("schema_version", "source_device", "created_at", "clock", "seen")}
        header.update(package_id=f"forged-{name}", counts={t: len(rows) for t, rows in tables.items()})
        own = crypto.KeyPair.from_hex(str(self.a.store.meta("sync_private_key")))
        package.build(self.tmp / f"{name}.rwsync", header, tables, {}, keys or own)
        return self.tmp / f"{name}.rwsync"

    def close(self) -> None:
        self.central.close()
        self.a.store.close()


@pytest.fixture
def world(tmp_path: Path, pg_dsn: str) -> Iterator[World]:
    w = World(tmp_path, pg_dsn)
    yield w
    w.close()


def test_the_good_package_is_applied(world: World) -> None:
    (result,) = world.central.merge_folder(world._alone(world.good), None)
    assert result.status == "applied" and result.inserted == 1
    assert dump(world.dsn) != world.before


def test_truncated_not_a_zip_and_something_else(world: World) -> None:
    data = world.good.read_bytes()
    (world.tmp / "cut.rwsync").write_bytes(data[: len(data) // 2])
    world.refused(world.tmp / "cut.rwsync", "not a RuralWatch sync package")
    (world.tmp / "text.rwsync").write_text("hello, not a package")
    world.refused(world.tmp / "text.rwsync", "not a RuralWatch sync package")
    write_zip(world.tmp / "other.rwsync", {"readme.txt": b"hi"})
    world.refused(world.tmp / "other.rwsync", "not a RuralWatch sync package")


def test_altered_payload_and_tampered_manifest(world: World) -> None:
    def alter(parts: dict[str, bytes]) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(parts["payload.bin"])) as archive:
            inner = {name: archive.read(name) for name in archive.namelist()}
        inner["tables/incidents.jsonl"] = inner["tables/incidents.jsonl"].replace(b"Mill Lane", b"Mill Land")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, data in inner.items():
                archive.writestr(name, data)
        return {**parts, "payload.bin": buffer.getvalue()}

    world.refused(world.variant("altered.rwsync", alter), "payload.bin does not match its checksum")

    def tamper(parts: dict[str, bytes]) -> dict[str, bytes]:
        manifest = json.loads(parts["manifest.json"])
        manifest["seen"] = {}
        return {**parts, "manifest.json": json.dumps(manifest).encode()}

    world.refused(world.variant("tampered.rwsync", tamper), "signature does not match")


def test_wrong_or_missing_passphrase(world: World) -> None:
    secret = world.tmp / "secret.rwsync"
    world.a.services.sync.export(secret, passphrase="right one")
    world.refused(secret, "wrong passphrase", passphrase="wrong one")
    world.refused(secret, "encrypted: give the passphrase")


def test_unknown_signer_and_a_key_that_is_not_the_trusted_one(world: World) -> None:
    stranger = Laptop(world.tmp / "c.db")
    try:
        stranger.record("Elsewhere")
        stranger.services.sync.export(world.tmp / "c.rwsync")
    finally:
        stranger.store.close()
    world.refused(world.tmp / "c.rwsync", "unknown signer: device")
    world.refused(world.forged("impostor", {}, crypto.KeyPair.generate()), "not the one trusted for device")


def test_newer_schema_and_own_packages(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(world.a.store, "schema_version", lambda: 99)
        world.a.services.sync.export(world.tmp / "future.rwsync")
    world.refused(world.tmp / "future.rwsync", "schema version 99, newer than this central store")
    world.central.package_for(world.a.store.device_id, world.tmp / "own.rwsync", None)
    world.before = dump(world.dsn)  # the outgoing package moved the laptop's watermark
    world.refused(world.tmp / "own.rwsync", "made by this device")


def test_rows_that_do_not_fit(world: World) -> None:
    good_row = json.loads(zipfile.ZipFile(io.BytesIO(entries(world.good)["payload.bin"]))
                          .read("tables/incidents.jsonl").splitlines()[-1])
    world.refused(world.forged("unknown-column", {"incidents": [{**good_row, "secret_column": 1}]}),
                  "columns this database does not (secret_column)")
    # A vehicle of an incident the central store has never received: refused at the end of the transaction.
    orphan = world.a.services.incidents.record(world.make("Orphan", vehicles=[VehicleInput(vrm="AB12 CDE")]))
    vehicle = world.a.store.db.execute("SELECT * FROM incident_vehicles WHERE incident_id = ?", [orphan.id])
    names = [d[0] for d in vehicle.description]
    row = dict(zip(names, vehicle.fetchone(), strict=True))
    world.refused(world.forged("orphan", {"incident_vehicles": [row]}), "does not fit this database")
    # Text where the laptop's schema has a number: SQLite would keep it as text; PostgreSQL refuses the package.
    world.refused(world.forged("text-lat", {"incidents": [{**good_row, "lat": "north"}]}),
                  "does not fit this database")
