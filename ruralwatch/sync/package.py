"""The change package file (.rwsync): build one, and read an untrusted one safely.

Layout: an outer zip holding `manifest.json` and `payload.bin`. The payload is an inner zip of
`tables/<table>.jsonl` (one JSON object per row, every column, ordered by hlc) and `blobs/<sha256>`,
either as is or encrypted with AES-256-GCM (see crypto.py).

The manifest lists the size and SHA-256 of every inner part (`parts`) and of payload.bin (`payload`), and is
signed by the source device (Ed25519 over `canonical(manifest)`, i.e. everything but `signature`). When
encrypted, the manifest without `signature` and `payload` (which depend on the ciphertext) is the AES-GCM
associated data, so it is authenticated by the passphrase as well as by the signature.

Reading verifies everything before anything is returned: entry names, declared and actual sizes against the
manifest (zip bombs), the signature, every checksum, then decrypts and parses. Trust in the signer, the
schema version and "already applied" are the caller's checks (ruralwatch.services.sync).

Limits, checked before any work they would cost (a trusted signer is still not trusted to be sane):
- sizes: each table part at most MAX_TABLE_PART_BYTES, each blob MAX_BLOB_PART_BYTES, all parts together and
  payload.bin each at most MAX_PAYLOAD_BYTES, from the manifest AND from the zips' central directories; a member
  that inflates more than MAX_COMPRESSION_RATIO times (beyond RATIO_FREE_BYTES) is refused as a zip bomb;
- scrypt settings: see crypto.MAX_SCRYPT_*;
- clocks: the manifest's clock range and `seen` vector, and every row and field clock, at most
  clock.MAX_CLOCK_SKEW_MS ahead of this laptop's wall clock, so a peer with a wrong date cannot pin ours.
The file is never read whole: payload.bin is hashed, authenticated and read in chunks (a window on the file,
through crypto.GcmPlaintext when encrypted), and each part is streamed, hashed and parsed line by line, so
memory holds the rows returned plus one chunk, never a part's or the payload's bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruralwatch.core.clock import MAX_CLOCK_SKEW_MS, Hlc, skew_message
from ruralwatch.core.errors import CancelledError, ProgressCallback
from ruralwatch.sync import crypto
from ruralwatch.sync.errors import PackageError
from ruralwatch.sync.jsontext import loads as _loads

FORMAT_VERSION = 1
# What reading a damaged zip can raise (zipfile reports some damage as NotImplemented/RuntimeError/ValueError).
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError)
SUFFIX = ".rwsync"
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAME = "payload.bin"
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
# Zip entries may be this much larger than the manifest says before the package counts as lying.
SIZE_SLACK = 1024
MiB = 1024 * 1024
# A table's JSON lines: about 1-2 KB a row, so half a million incidents fit; the rows are parsed into memory.
MAX_TABLE_PART_BYTES = 1024 * MiB
# One attachment: the app takes files up to 50 MB (services/incidents.MAX_ATTACHMENT_BYTES).
MAX_BLOB_PART_BYTES = 64 * MiB
# Everything a package carries, and payload.bin itself. build() refuses to write more.
MAX_PAYLOAD_BYTES = 4096 * MiB
# JSON lines deflate 5-15 times, photos not at all; DEFLATE's ceiling is about 1,030. Small members are exempt.
MAX_COMPRESSION_RATIO = 100
RATIO_FREE_BYTES = MiB
READ_CHUNK = MiB
HLC_PATTERN = re.compile(r"^[0-9]{15}-[0-9]{6}-[^-\s]+$")  # ASCII digits: text order is clock order
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TABLE_PART = re.compile(r"^tables/([a-z_]+)\.jsonl$")
_BLOB_PART = re.compile(r"^blobs/([0-9a-f]{64})$")
# The sender's audit entries since it last sent to this receiver: the receiver keeps every device's chain and
# flags a log that was cut, rewritten or wiped (ruralwatch.services.device_audit).
AUDIT_PART = "audit/entries.jsonl"
# Optional in the manifest (a RuralWatch before it wrote none): device -> how far its maker holds that device's
# audit chain without a gap, so the device's next package to it starts there. Readers that do not know it ignore it.
AUDIT_HELD = "audit_held"
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
# What json.loads raises on untrusted text: JSONDecodeError and UnicodeDecodeError are ValueErrors, and so is a
# number too long to convert (over 4300 digits); nesting deeper than the interpreter's stack is a RecursionError.
_BAD_JSON = (ValueError, RecursionError)
# SQLite stores integers in 64 bits: a larger one in a row would make the merge raise OverflowError. The parser
# reads a larger integer literal as a float, so floats that large are refused too (no RuralWatch value is).
_SQLITE_INT = range(-(2**63), 2**63)
_FLOAT_LIMIT = float(2**63)
# Progress while a package is written or read (ruralwatch.core.errors.ProgressCallback): a report each this many
# rows parsed, and each this many bytes hashed or authenticated (a few a second: each report is where Cancel is seen).
REPORT_ROWS = 5_000
REPORT_BYTES = 16 * MiB
CANCELLED_WRITE = "cancelled: no package was written"


def cancelled_import(name: str) -> str:
    """What Cancel during an import says, whether the package was being read or merged (one message for both)."""
    return f"cancelled: {name} was not imported (nothing changed)"
_REQUIRED = ("format_version", "package_id", "schema_version", "source_device", "created_at", "clock", "counts",
             "parts", "payload", "seen", "encryption", "signature")


@dataclass
class Contents:
    """What a package carries: rows per table (in file order, i.e. by hlc) and blob data by SHA-256."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)  # the sender's audit entries, oldest first
    # Each table's rows' field clocks (their `field_hlc`), parsed once while the rows were checked, in the rows'
    # order: the merge takes them instead of parsing every `field_hlc` again (ruralwatch.sync.merge.plan_batch).
    clocks: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def canonical(manifest: dict[str, Any], without: Iterable[str] = ("signature",)) -> bytes:
    """The bytes that are signed (or used as associated data): sorted keys, no whitespace, ASCII."""
    skip = set(without)
    return json.dumps({k: v for k, v in manifest.items() if k not in skip}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _associated(manifest: dict[str, Any]) -> bytes:
    """AES-GCM associated data: the manifest without what depends on the ciphertext (payload, signature)."""
    return canonical(manifest, ("payload", "signature"))


def _digest(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for row in rows
    )


def table_words(table: str) -> str:
    """A table's name in a progress note ("incident_vehicles" -> "incident vehicles")."""
    return table.replace("_", " ")


def build(
    out: Path,
    header: dict[str, Any],
    tables: dict[str, list[dict[str, Any]]],
    blobs: dict[str, bytes],
    keys: crypto.KeyPair,
    passphrase: str | None = None,
    audit: list[dict[str, Any]] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Write a signed package to `out` (via a temporary file and an atomic rename). Returns the manifest.

    `header` holds package_id, schema_version, source_device, created_at, clock, counts, seen, and from a device
    that keeps audit chains audit_head and audit_held. `progress(done, total, note)`: each step ("Writing package:
    incidents, 100,000 rows", compressing, encrypting, saving); False (Cancel) stops it with CancelledError up to the
    rename, and nothing is left behind (the temporary file is removed; `out` is not touched).
    """
    written = [name for name, rows in tables.items() if rows]
    steps = len(written) + 4  # each table with rows, the compression, the encryption, the file and its rename
    done = 0

    def step(note: str) -> None:
        nonlocal done
        if progress is not None and not progress(done, steps, f"Writing package: {note}"):
            raise CancelledError(CANCELLED_WRITE)
        done = min(done + 1, steps)

    parts: dict[str, bytes] = {}
    for name, rows in tables.items():
        if rows:
            step(f"{table_words(name)}, {len(rows):,} {'row' if len(rows) == 1 else 'rows'}")
        parts[f"tables/{name}.jsonl"] = _jsonl(rows)
    if audit:
        parts[AUDIT_PART] = _jsonl(audit)
    parts.update({f"blobs/{sha}": data for sha, data in sorted(blobs.items())})
    for name, data in parts.items():
        if len(data) > _part_limit(name):
            raise PackageError(f"{name} is {len(data):,} bytes, more than a package may carry "
                               f"({_part_limit(name):,}); export for fewer changes (since the last export)")
    if sum(len(data) for data in parts.values()) > MAX_PAYLOAD_BYTES:
        raise PackageError(f"the changes are more than a package may carry ({MAX_PAYLOAD_BYTES:,} bytes); export "
                           f"since the last export")
    step("compressing")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    step("encrypting" if passphrase else "signing")
    manifest: dict[str, Any] = {
        **header,
        "format_version": FORMAT_VERSION,
        "parts": {name: _digest(data) for name, data in parts.items()},
        "encryption": crypto.new_encryption() if passphrase else None,
    }
    payload = inner.getvalue()
    if passphrase:
        payload = crypto.encrypt(manifest["encryption"], passphrase, payload, _associated(manifest))
    manifest["payload"] = _digest(payload)
    manifest["signature"] = {
        "algorithm": "ed25519",
        "public_key": keys.public_hex(),
        "value": keys.sign(canonical(manifest)),
    }
    out = check_out(out)
    saving = f"saving {out.name}"
    step(saving)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True))
            archive.writestr(PAYLOAD_NAME, payload)
            archive.close()
            raw.flush()
            os.fsync(raw.fileno())
        step(saving)  # the last moment Cancel leaves nothing: after the rename the package is written
        os.replace(temp_name, out)
    except OSError as exc:  # a full stick, one pulled out, a read-only folder: said in words, nothing left behind
        Path(temp_name).unlink(missing_ok=True)
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return manifest


def check_out(out: Path | str) -> Path:
    """The package's path, refused before any work when it names a folder or something that is not a file (a
    device, a pipe: the rename would replace it)."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise PackageError(f"cannot write {path}: it is a folder; give the package's file name in it")
    if path.exists() and not path.is_file():
        raise PackageError(f"cannot write {path}: it is not a regular file")
    return path


def _check_names(names: list[str], where: str) -> None:
    for name in names:
        if (
            "\\" in name or name.startswith("/") or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name)
            or "\x00" in name
        ):
            raise PackageError(f"refused: {where} has an unsafe entry name {name!r}")
    if len(set(names)) != len(names):
        raise PackageError(f"refused: {where} has duplicate entries")


def _part_limit(name: str) -> int:
    return MAX_BLOB_PART_BYTES if name.startswith("blobs/") else MAX_TABLE_PART_BYTES


def _check_member(info: zipfile.ZipInfo, declared: int, label: str) -> None:
    """The zip's own central directory against the manifest, before a byte is inflated (zip bombs)."""
    if info.file_size > min(declared + SIZE_SLACK, sys.maxsize - 1):
        raise PackageError(f"refused: {label} is far larger than the manifest says ({info.file_size:,} bytes, "
                           f"{declared:,} declared)")
    if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
        raise PackageError(f"refused: {label} inflates {info.file_size:,} bytes from {info.compress_size:,}, more "
                           f"than any real package (a zip bomb?)")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, declared: int, label: str) -> bytes:
    """An entry's bytes, never reading more than the declared size allows (zip headers can lie)."""
    _check_member(info, declared, label)
    limit = min(declared + SIZE_SLACK, sys.maxsize - 1)
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise PackageError(f"refused: {label} is far larger than the manifest says")
    return data


def _chunks(handle: Any, limit: int, label: str) -> Iterator[bytes]:
    """A member's bytes in READ_CHUNK pieces, refusing it once it passes `limit` (headers can lie)."""
    total = 0
    while chunk := handle.read(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            raise PackageError(f"refused: {label} is far larger than the manifest says")
        yield chunk


class _Window(crypto.SeekableReader):
    """A seekable read-only view of `size` bytes of `handle` from `start`: a stored zip member, read in place."""

    def __init__(self, handle: Any, start: int, size: int) -> None:
        super().__init__(size)
        self._handle, self._start = handle, start

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._size - self._pos))
        if not count:
            return 0
        self._handle.seek(self._start + self._pos)
        data = self._handle.read(count)
        view[:len(data)] = data
        self._pos += len(data)
        return len(data)


def _stored_window(handle: io.BufferedReader, info: zipfile.ZipInfo, file_size: int) -> _Window:
    """payload.bin as it lies in the file. RuralWatch stores it (it is compressed or encrypted already); a
    deflated one could only be read at random by inflating it again from the start for every seek."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or info.compress_size != info.file_size:
        raise PackageError(f"refused: {PAYLOAD_NAME} is compressed or encrypted by zip (RuralWatch stores it)")
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    if start + info.compress_size > file_size:
        raise zipfile.BadZipFile("truncated member")
    return _Window(handle, start, info.compress_size)


def _digest_ok(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("size"), int) and value["size"] >= 0
            and isinstance(value.get("sha256"), str) and bool(_SHA256.match(value["sha256"])))


def _held_ok(held: Any) -> bool:
    return isinstance(held, dict) and all(isinstance(k, str) and type(v) is int and 0 <= v < 2**63
                                          for k, v in held.items())


def _check_manifest(manifest: Any) -> dict[str, Any]:
    if not isinstance(manifest, dict) or manifest.get("format_version") is None:
        raise PackageError("not a RuralWatch sync package (its manifest is not one)")
    if manifest["format_version"] != FORMAT_VERSION:
        raise PackageError(f"refused: package format version {manifest['format_version']!r} is not one this "
                           f"RuralWatch reads (it reads version {FORMAT_VERSION}); update RuralWatch")
    missing = [key for key in _REQUIRED if key not in manifest]
    if missing:
        raise PackageError(f"refused: the package manifest lacks {', '.join(missing)}")
    signature = manifest["signature"]
    seen = manifest["seen"]
    ok = (
        isinstance(manifest["package_id"], str) and isinstance(manifest["source_device"], str)
        and isinstance(manifest["schema_version"], int) and isinstance(manifest["parts"], dict)
        and all(isinstance(k, str) and _digest_ok(v) for k, v in manifest["parts"].items())
        and _digest_ok(manifest["payload"]) and isinstance(manifest["counts"], dict)
        and isinstance(seen, dict) and all(isinstance(v, str) and HLC_PATTERN.match(v) for v in seen.values())
        and isinstance(signature, dict) and isinstance(signature.get("public_key"), str)
        and isinstance(signature.get("value"), str) and signature.get("algorithm") == "ed25519"
        and (manifest["encryption"] is None or isinstance(manifest["encryption"], dict))
        and _held_ok(manifest.get(AUDIT_HELD, {}))
        # What an incremental package took its receiver to hold (merge.advance_seen): a `seen`-shaped vector.
        and isinstance(manifest.get("base", {}), dict)
        and all(isinstance(v, str) and HLC_PATTERN.match(v) for v in manifest.get("base", {}).values())
    )
    if not ok:
        raise PackageError("refused: the package manifest is malformed")
    return manifest


class _Tally:
    """Size and SHA-256 of the chunks passed through `feed`."""

    def __init__(self) -> None:
        self.size = 0
        self.sha256 = hashlib.sha256()

    def add(self, data: bytes) -> None:
        self.size += len(data)
        self.sha256.update(data)

    def feed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.add(chunk)
            yield chunk

    def digest(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256.hexdigest()}


def _wall_now() -> int:
    return time.time_ns() // 1_000_000


def _check_clock(clock: str, now: int, where: str) -> None:
    """Refuse a clock more than MAX_CLOCK_SKEW_MS ahead of this laptop's (the merge would pin ours on it)."""
    stamp = Hlc.decode(clock)
    if stamp.millis - now > MAX_CLOCK_SKEW_MS:
        raise PackageError(f"refused: {skew_message(stamp.device, stamp.millis - now)} ({where})")


class PackageReader:
    """An opened package whose structure and signature have been checked; the payload is read on demand.

    The file is opened for each step and never read whole; `contents` refuses it if it changed in between.
    `wall_millis` is this laptop's wall clock (tests inject one) for the clock-skew bound.
    """

    def __init__(self, path: Path, wall_millis: Callable[[], int] = _wall_now) -> None:
        self.path = Path(path)
        self._wall = wall_millis
        self._identity: tuple[int, int, int] | None = None
        self._progress: ProgressCallback | None = None  # while `contents` reads the payload
        if not self.path.is_file():
            raise PackageError(f"no package file at {self.path}")
        with self._archive() as (handle, archive):
            infos = archive.infolist()
            _check_names([i.filename for i in infos], self.path.name)
            by_name = {i.filename: i for i in infos}
            if set(by_name) != {MANIFEST_NAME, PAYLOAD_NAME}:
                raise PackageError(f"{self.path.name} is not a RuralWatch sync package (it should hold exactly "
                                   f"{MANIFEST_NAME} and {PAYLOAD_NAME})")
            try:
                raw = _read_entry(archive, by_name[MANIFEST_NAME], MAX_MANIFEST_BYTES, MANIFEST_NAME)
                handle.seek(0)
                self.sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
            except _DAMAGED:
                raise PackageError(f"{self.path.name} is damaged (its manifest cannot be read)") from None
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except _BAD_JSON:
            raise PackageError(f"{self.path.name} is not a RuralWatch sync package (bad manifest)") from None
        self.manifest = _check_manifest(manifest)
        signature = self.manifest["signature"]
        try:
            signed = canonical(self.manifest)
        except _BAD_JSON:  # nesting that loads but is too deep to write back: no writer of ours made it
            raise PackageError(f"{self.path.name} is not a RuralWatch sync package (bad manifest)") from None
        if not crypto.verify(signature["public_key"], signature["value"], signed):
            raise PackageError("refused: the package's signature does not match its manifest (it was altered "
                               "or damaged)")
        self.signer_key: str = signature["public_key"].lower()

    @contextmanager
    def _archive(self) -> Iterator[tuple[io.BufferedReader, zipfile.ZipFile]]:
        """The file and its zip, opened for one step; the same file (size, time, inode) as the first step."""
        not_a_package = PackageError(f"{self.path.name} is not a RuralWatch sync package (not a zip file, or it "
                                     f"is truncated or damaged)")
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise PackageError(f"{self.path.name} cannot be read ({exc.strerror or exc})") from None
        with handle:
            status = os.fstat(handle.fileno())
            identity = (status.st_size, status.st_mtime_ns, status.st_ino)
            if not stat.S_ISREG(status.st_mode):
                raise PackageError(f"no package file at {self.path}")
            if self._identity is not None and identity != self._identity:
                raise PackageError(f"refused: {self.path.name} changed while it was being read; import it again")
            self._identity = identity
            try:
                archive = zipfile.ZipFile(handle)
            except _DAMAGED:
                raise not_a_package from None
            with archive:
                yield handle, archive

    @property
    def package_id(self) -> str:
        return str(self.manifest["package_id"])

    @property
    def source_device(self) -> str:
        return str(self.manifest["source_device"])

    def _check_declared(self) -> None:
        """Declared sizes and clocks: cheap, so checked before any byte of the payload is read."""
        manifest = self.manifest
        parts: dict[str, Any] = manifest["parts"]
        for name, digest in parts.items():
            if digest["size"] > _part_limit(name):
                raise PackageError(f"refused: {name} is declared as {digest['size']:,} bytes, more than a package "
                                   f"may carry ({_part_limit(name):,})")
        if (sum(d["size"] for d in parts.values()) > MAX_PAYLOAD_BYTES
                or manifest["payload"]["size"] > MAX_PAYLOAD_BYTES):
            raise PackageError(f"refused: the package is declared larger than a package may be "
                               f"({MAX_PAYLOAD_BYTES:,} bytes)")
        now = self._wall()
        declared_range = manifest["clock"]
        ranges = declared_range.values() if isinstance(declared_range, dict) else [declared_range]
        for clock in [*ranges, *manifest["seen"].values()]:
            if isinstance(clock, str) and HLC_PATTERN.match(clock):
                _check_clock(clock, now, "in the package's manifest")

    def _say(self, done: int, total: int, note: str) -> None:
        """A progress report while the payload is read; Cancel stops the read (nothing is merged from it)."""
        if self._progress is not None and not self._progress(done, total, f"Reading package: {note}"):
            raise CancelledError(cancelled_import(self.path.name))

    def _bytes_said(self, chunks: Iterable[bytes], note: str, size: int) -> Iterator[bytes]:
        """`chunks` as they are, reported every REPORT_BYTES (in MiB: done and total, the note unchanged)."""
        total = -(-size // MiB)
        self._say(0, total, note)
        seen, next_at = 0, REPORT_BYTES
        for chunk in chunks:
            seen += len(chunk)
            if seen >= next_at:
                self._say(min(seen // MiB, total), total, note)
                next_at = seen + REPORT_BYTES
            yield chunk

    def contents(self, passphrase: str | None, tables: Iterable[str],
                 progress: ProgressCallback | None = None) -> Contents:
        """Verify, decrypt and parse the payload. `tables`: the table names this database accepts. `progress(done,
        total, note)`: "Reading package: checking its checksum", "...: checking the passphrase", "...: incidents,
        20,000 of 100,000 rows"; False (Cancel) stops it with CancelledError."""
        allowed = set(tables)
        manifest = self.manifest
        self._progress = progress
        self._check_declared()
        settings: crypto.Settings | None = None
        if manifest["encryption"] is not None:
            if not passphrase:
                raise PackageError("this package is encrypted: give the passphrase with --passphrase-file")
            settings = crypto.check_settings(manifest["encryption"])
        with self._archive() as (handle, archive):
            try:
                info = archive.getinfo(PAYLOAD_NAME)
                declared_size = manifest["payload"]["size"]
                _check_member(info, declared_size, PAYLOAD_NAME)
                window = _stored_window(handle, info, self._identity[0] if self._identity else 0)
                digest = hashlib.sha256()
                for chunk in self._bytes_said(_chunks(window, min(declared_size + SIZE_SLACK, sys.maxsize - 1),
                                                      PAYLOAD_NAME), "checking its checksum", declared_size):
                    digest.update(chunk)
                actual = {"size": window.tell(), "sha256": digest.hexdigest()}
            except _DAMAGED:
                raise PackageError(f"{self.path.name} is damaged (payload.bin cannot be read)") from None
            if actual != manifest["payload"]:
                raise PackageError("refused: payload.bin does not match its checksum in the manifest (damaged or "
                                   "altered)")
            plain: Any = window
            if settings is not None:
                plain = self._authenticated(window, settings, passphrase or "")
            contents, top = self._parts(plain, allowed)
        counts = {t: len(rows) for t, rows in contents.tables.items() if rows}
        declared = {t: n for t, n in manifest["counts"].items() if n}
        if counts != declared:
            raise PackageError("refused: the package's row counts do not match its manifest")
        if top is not None:  # the clock furthest ahead of every row's clock and field clocks
            _check_clock(top, self._wall(), "in its rows")
        return contents

    def _authenticated(self, window: _Window, settings: crypto.Settings, passphrase: str) -> io.BufferedReader:
        """The plaintext of the payload, once its GCM tag has been checked over the whole ciphertext."""
        size = window.seek(0, io.SEEK_END)
        if size < crypto.TAG_BYTES:
            raise PackageError("wrong passphrase for this package (or the package was altered)")
        body = size - crypto.TAG_BYTES
        window.seek(body)
        tag = window.read(crypto.TAG_BYTES) or b""
        self._say(0, 0, "checking the passphrase")
        key = settings.key(passphrase)
        crypto.authenticate(key, settings.nonce, _associated(self.manifest),
                            self._bytes_said(_chunks(_Window(window, 0, body), body, PAYLOAD_NAME),
                                             "checking the passphrase", body), tag)
        # Buffered: the inner zip reads a few KB at a time, and each raw read starts a CTR decryptor.
        return io.BufferedReader(crypto.GcmPlaintext(_Window(window, 0, body), body, key, settings.nonce),
                                 READ_CHUNK)

    def _rows_said(self, table: str) -> Callable[[int], None] | None:
        """Reports of a table's rows parsed so far, against the count its manifest declares (checked after)."""
        if self._progress is None:
            return None
        declared = self.manifest["counts"].get(table)
        total = declared if type(declared) is int and declared > 0 else 0
        if not total:
            return None  # an empty part: nothing to say
        next_at = [0]

        def said(rows: int) -> None:
            if rows >= next_at[0]:
                self._say(min(rows, total), total, f"{table_words(table)}, {min(rows, total):,} of {total:,} rows")
                next_at[0] = rows + REPORT_ROWS

        return said

    def _parts(self, plain: Any, allowed: set[str]) -> tuple[Contents, str | None]:
        """The parts, parsed and checked; and the greatest clock of every row (None for no rows)."""
        declared: dict[str, Any] = self.manifest["parts"]
        try:
            inner = zipfile.ZipFile(plain)
            infos = inner.infolist()
        except _DAMAGED:
            raise PackageError("refused: the payload is not a readable archive") from None
        _check_names([i.filename for i in infos], "the payload")
        total_declared = sum(d["size"] for d in declared.values())
        if sum(i.file_size for i in infos) > total_declared + SIZE_SLACK * (len(infos) + 1):
            raise PackageError("refused: the payload is far larger than the manifest says")
        names = {i.filename for i in infos}
        if names != set(declared):
            raise PackageError("refused: the payload's parts do not match the manifest")
        for info in infos:  # every member's central-directory entry before any is inflated
            _check_member(info, declared[info.filename]["size"], info.filename)
        contents = Contents()
        top: str | None = None
        for info in infos:
            name = info.filename
            table_match, blob_match = _TABLE_PART.match(name), _BLOB_PART.match(name)
            is_audit = name == AUDIT_PART
            if not (table_match and table_match.group(1) in allowed) and not blob_match and not is_audit:
                raise PackageError(f"refused: the package holds {name!r}, which is not a table this database syncs")
            tally = _Tally()
            limit = min(declared[name]["size"] + SIZE_SLACK, sys.maxsize - 1)
            try:
                with inner.open(info) as handle:
                    if table_match:
                        check = _RowCheck()
                        contents.tables[table_match.group(1)] = _json_lines(
                            tally.feed(_chunks(handle, limit, name)), name, check, "a malformed row",
                            self._rows_said(table_match.group(1)))
                        contents.clocks[table_match.group(1)] = check.clocks
                        if check.clocks and (top is None or check.top > top):
                            top = check.top
                    elif is_audit:
                        contents.audit = _parse_entries(tally.feed(_chunks(handle, limit, name)), name)
                    else:  # kept whole (the merge stores it), gathered chunk by chunk into one buffer
                        buffer = io.BytesIO()
                        for chunk in tally.feed(_chunks(handle, limit, name)):
                            buffer.write(chunk)
                        data = buffer.getvalue()  # CPython hands over the buffer itself: no second copy
                        del buffer
            except _DAMAGED:
                raise PackageError(f"refused: {name} in the payload is damaged") from None
            if tally.digest() != declared[name]:
                raise PackageError(f"refused: {name} does not match its checksum in the manifest "
                                   f"(damaged or altered)")
            if blob_match:
                if hashlib.sha256(data).hexdigest() != blob_match.group(1):
                    raise PackageError(f"refused: {name} does not match its name")
                contents.blobs[blob_match.group(1)] = data
        return contents, top


_ENTRY_TEXT = ("at", "actor", "action", "prev_hash", "hash")


def _parse_entries(chunks: Iterable[bytes], name: str) -> list[dict[str, Any]]:
    """The sender's audit entries, streamed like the rows: each a JSON line with a whole-number seq and the
    chain's text fields."""
    return _json_lines(chunks, name, _entry_ok, "a malformed audit entry")


def _entry_ok(entry: Any) -> bool:
    return (isinstance(entry, dict) and type(entry.get("seq")) is int
            and all(isinstance(entry.get(key), str) for key in _ENTRY_TEXT))


def _json_lines(chunks: Iterable[bytes], name: str, ok: Callable[[Any], bool], what: str,
                said: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """JSON lines streamed in chunks. Split on b"\\n" only: JSON escapes every line end inside a string, but
    str.splitlines would also split at U+2028, U+0085... which the writer (ensure_ascii=False) leaves raw.
    `said(lines so far)` before the first chunk and after each one (a progress report)."""
    found: list[dict[str, Any]] = []
    if said is not None:
        said(0)

    def parse(line: bytes) -> dict[str, Any]:
        value = _loads(line)  # bytes: the parser checks the UTF-8 itself
        if not ok(value):
            raise PackageError(f"refused: {name} holds {what}")
        return value

    pending = b""
    try:
        for chunk in chunks:
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            found.extend(parse(line) for line in lines if line.strip(b" \t\r"))
            if said is not None:
                said(len(found))
        if pending.strip(b" \t\r"):
            found.append(parse(pending))
    except _BAD_JSON:
        raise PackageError(f"refused: {name} is not valid JSON lines") from None
    return found


_IS_INT = int.__instancecheck__  # isinstance(v, int) as a C function, for filter()


def _row_ok(row: Any) -> bool:
    return _RowCheck()(row)


class _RowCheck:
    """Whether a parsed line is a row a merge can take: an object whose values are JSON scalars (integers within
    SQLite's 64 bits), a non-empty text id, a clock, a tombstone of 0 or 1, a device, and field clocks (JSON text of
    an object with "*") that are all clocks. Called once per row (most of the time of reading a package beside the
    JSON itself), it keeps each row's parsed field clocks and the greatest clock seen."""

    def __init__(self) -> None:
        self.clocks: list[dict[str, str]] = []
        self.top = ""
        self._good: set[str] = set()  # clocks already matched: a row's clocks repeat its own and its neighbours'

    def _clocks_ok(self, values: list[Any]) -> bool:
        """Every value is a clock (those not seen before matched one at a time)."""
        try:
            fresh = set(values) - self._good
        except TypeError:  # an unhashable value: not a clock
            return False
        for value in fresh:
            if not isinstance(value, str) or not HLC_PATTERN.match(value):
                return False
        self._good |= fresh
        return True

    def __call__(self, row: Any) -> bool:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            return False
        hlc = row.get("hlc")
        if not isinstance(hlc, str) or row.get("deleted") not in (0, 1) or not isinstance(row.get("device_id"), str):
            return False
        try:
            clocks = _loads(row["field_hlc"])
        except (TypeError, AttributeError, KeyError, *_BAD_JSON):
            return False
        if not isinstance(clocks, dict) or "*" not in clocks or not self._clocks_ok([hlc, *clocks.values()]):
            return False
        values = row.values()
        types = set(map(type, values))
        if not types <= _JSON_SCALARS or not all(map(_SQLITE_INT.__contains__, filter(_IS_INT, values))):
            return False
        if float in types and not all(-_FLOAT_LIMIT < v < _FLOAT_LIMIT for v in values if type(v) is float):
            return False
        self.clocks.append(clocks)
        # Text order is clock order (fixed width), so the greatest text is the clock furthest ahead.
        top = max(hlc, *clocks.values())
        if top > self.top:
            self.top = top
        return True
