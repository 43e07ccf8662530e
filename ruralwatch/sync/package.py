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
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruralwatch.sync import crypto
from ruralwatch.sync.errors import PackageError

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
HLC_PATTERN = re.compile(r"^\d{15}-\d{6}-[^-\s]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TABLE_PART = re.compile(r"^tables/([a-z_]+)\.jsonl$")
_BLOB_PART = re.compile(r"^blobs/([0-9a-f]{64})$")
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
# What json.loads raises on untrusted text: JSONDecodeError and UnicodeDecodeError are ValueErrors, and so is a
# number too long to convert (over 4300 digits); nesting deeper than the interpreter's stack is a RecursionError.
_BAD_JSON = (ValueError, RecursionError)
# SQLite stores integers in 64 bits: a larger one in a row would make the merge raise OverflowError.
_SQLITE_INT = range(-(2**63), 2**63)
_REQUIRED = ("format_version", "package_id", "schema_version", "source_device", "created_at", "clock", "counts",
             "parts", "payload", "seen", "encryption", "signature")


@dataclass
class Contents:
    """What a package carries: rows per table (in file order, i.e. by hlc) and blob data by SHA-256."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)

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


def build(
    out: Path,
    header: dict[str, Any],
    tables: dict[str, list[dict[str, Any]]],
    blobs: dict[str, bytes],
    keys: crypto.KeyPair,
    passphrase: str | None = None,
) -> dict[str, Any]:
    """Write a signed package to `out` (via a temporary file and an atomic rename). Returns the manifest.

    `header` holds package_id, schema_version, source_device, created_at, clock, counts and seen.
    """
    parts: dict[str, bytes] = {f"tables/{name}.jsonl": _jsonl(rows) for name, rows in tables.items()}
    parts.update({f"blobs/{sha}": data for sha, data in sorted(blobs.items())})
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
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
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True))
            archive.writestr(PAYLOAD_NAME, payload)
            archive.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return manifest


def _check_names(names: list[str], where: str) -> None:
    for name in names:
        if (
            "\\" in name or name.startswith("/") or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name)
            or "\x00" in name
        ):
            raise PackageError(f"refused: {where} has an unsafe entry name {name!r}")
    if len(set(names)) != len(names):
        raise PackageError(f"refused: {where} has duplicate entries")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, declared: int, label: str) -> bytes:
    """An entry's bytes, never reading more than the declared size allows (zip headers can lie)."""
    # Capped: zipfile cannot be asked for more than sys.maxsize bytes (OverflowError), and no entry is that big.
    limit = min(declared + SIZE_SLACK, sys.maxsize - 1)
    if info.file_size > limit:
        raise PackageError(f"refused: {label} is far larger than the manifest says ({info.file_size:,} bytes, "
                           f"{declared:,} declared)")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise PackageError(f"refused: {label} is far larger than the manifest says")
    return data


def _digest_ok(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("size"), int) and value["size"] >= 0
            and isinstance(value.get("sha256"), str) and bool(_SHA256.match(value["sha256"])))


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
    )
    if not ok:
        raise PackageError("refused: the package manifest is malformed")
    return manifest


class PackageReader:
    """An opened package whose structure and signature have been checked; the payload is read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise PackageError(f"no package file at {self.path}")
        try:
            self._bytes = self.path.read_bytes()
            self._archive = zipfile.ZipFile(io.BytesIO(self._bytes))
            infos = self._archive.infolist()
        except _DAMAGED:
            raise PackageError(f"{self.path.name} is not a RuralWatch sync package (not a zip file, or it is "
                               f"truncated or damaged)") from None
        _check_names([i.filename for i in infos], self.path.name)
        by_name = {i.filename: i for i in infos}
        if set(by_name) != {MANIFEST_NAME, PAYLOAD_NAME}:
            raise PackageError(f"{self.path.name} is not a RuralWatch sync package (it should hold exactly "
                               f"{MANIFEST_NAME} and {PAYLOAD_NAME})")
        self._payload_info = by_name[PAYLOAD_NAME]
        try:
            raw = _read_entry(self._archive, by_name[MANIFEST_NAME], MAX_MANIFEST_BYTES, MANIFEST_NAME)
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
        self.sha256 = hashlib.sha256(self._bytes).hexdigest()

    @property
    def package_id(self) -> str:
        return str(self.manifest["package_id"])

    @property
    def source_device(self) -> str:
        return str(self.manifest["source_device"])

    def contents(self, passphrase: str | None, tables: Iterable[str]) -> Contents:
        """Verify, decrypt and parse the payload. `tables`: the table names this database accepts."""
        allowed = set(tables)
        manifest = self.manifest
        try:
            payload = _read_entry(self._archive, self._payload_info, manifest["payload"]["size"], PAYLOAD_NAME)
        except _DAMAGED:
            raise PackageError(f"{self.path.name} is damaged (payload.bin cannot be read)") from None
        if _digest(payload) != manifest["payload"]:
            raise PackageError("refused: payload.bin does not match its checksum in the manifest (damaged or "
                               "altered)")
        if manifest["encryption"] is not None:
            if not passphrase:
                raise PackageError("this package is encrypted: give the passphrase with --passphrase-file")
            payload = crypto.decrypt(manifest["encryption"], passphrase, payload, _associated(manifest))
        parts = self._parts(payload)
        contents = Contents()
        for name, data in parts.items():
            table_match, blob_match = _TABLE_PART.match(name), _BLOB_PART.match(name)
            if table_match and table_match.group(1) in allowed:
                contents.tables[table_match.group(1)] = _parse_rows(data, name)
            elif blob_match:
                if hashlib.sha256(data).hexdigest() != blob_match.group(1):
                    raise PackageError(f"refused: {name} does not match its name")
                contents.blobs[blob_match.group(1)] = data
            else:
                raise PackageError(f"refused: the package holds {name!r}, which is not a table this database syncs")
        counts = {t: len(rows) for t, rows in contents.tables.items() if rows}
        declared = {t: n for t, n in manifest["counts"].items() if n}
        if counts != declared:
            raise PackageError("refused: the package's row counts do not match its manifest")
        return contents

    def _parts(self, payload: bytes) -> dict[str, bytes]:
        declared: dict[str, Any] = self.manifest["parts"]
        try:
            inner = zipfile.ZipFile(io.BytesIO(payload))
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
        parts: dict[str, bytes] = {}
        for info in infos:
            try:
                data = _read_entry(inner, info, declared[info.filename]["size"], info.filename)
            except _DAMAGED:
                raise PackageError(f"refused: {info.filename} in the payload is damaged") from None
            if _digest(data) != declared[info.filename]:
                raise PackageError(f"refused: {info.filename} does not match its checksum in the manifest "
                                   f"(damaged or altered)")
            parts[info.filename] = data
        return parts


def _parse_rows(data: bytes, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        for line in data.decode("utf-8").splitlines():
            if line:
                rows.append(json.loads(line))
    except _BAD_JSON:
        raise PackageError(f"refused: {name} is not valid JSON lines") from None
    for row in rows:
        if not _row_ok(row):
            raise PackageError(f"refused: {name} holds a malformed row")
    return rows


def _row_ok(row: Any) -> bool:
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
        return False
    if not isinstance(row.get("hlc"), str) or not HLC_PATTERN.match(row["hlc"]):
        return False
    if row.get("deleted") not in (0, 1) or not isinstance(row.get("device_id"), str):
        return False
    try:
        clocks = json.loads(row["field_hlc"])
    except (TypeError, KeyError, *_BAD_JSON):
        return False
    return (isinstance(clocks, dict) and "*" in clocks
            and all(isinstance(c, str) and HLC_PATTERN.match(c) for c in clocks.values())
            and {type(v) for v in row.values()} <= _JSON_SCALARS
            and all(v in _SQLITE_INT for v in row.values() if isinstance(v, int)))
