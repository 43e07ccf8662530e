"""The database key, wrapped once per account: `<database>.keys` beside the database file.

The database key is 32 random bytes. Each account's password goes through Argon2id (memory-hard) to a key
that wraps the database key with AES-256-GCM; the account name and the keyring's id are the associated data,
so a wrapped key cannot be moved to another account or keyring. A wrong password fails the GCM check: no
password hash is stored anywhere. Changing a password re-wraps one entry; the database is not re-encrypted.

Failed sign-ins are counted here (the database cannot be opened without a password): after MAX_FAILURES in a
row the account is locked for LOCKOUT; the failures are moved into the audit log at the next sign-in.
The file is replaced atomically and readable only by its owner.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.store.database import KEY_BYTES

FORMAT = "ruralwatch-keyring"
VERSION = 1
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10


class KeyringError(RuralWatchError):
    """The keyring is missing, damaged or from another database."""


class SignInError(RuralWatchError):
    """Wrong account name or password, or the account is locked."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults follow RFC 9106's second recommended option (64 MiB, 3 passes)."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 2


# Only for tests: the same code path at a cost a test suite can afford. Never used by the application.
TEST_PARAMS = KdfParams(time_cost=1, memory_cost=8, parallelism=1)
# What an entry may hold (Argon2's own minimums; a cap so a damaged entry cannot ask for terabytes).
_KDF_LIMITS = {"time_cost": (1, 64), "memory_cost": (8, 4 * 1024 * 1024), "parallelism": (1, 64)}
_FIELD_BYTES = {"salt": (8, 64), "nonce": (12, 12), "wrapped": (KEY_BYTES + 16, KEY_BYTES + 16)}
_DUMMY_SALT = bytes(16)


def keyring_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError.single("password", f"use at least {MIN_PASSWORD} characters (a short phrase is good)")


def _derive(password: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(password.encode(), salt, time_cost=params.time_cost, memory_cost=params.memory_cost,
                           parallelism=params.parallelism, hash_len=32, type=Type.ID)


class Keyring:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    # --- files --------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, db_path: Path) -> Keyring:
        path = keyring_path(db_path)
        if path.exists():
            raise KeyringError(f"{path} already exists: this database already has accounts")
        return cls(path, {"format": FORMAT, "version": VERSION, "id": secrets.token_hex(16), "accounts": {},
                          "failures": {}})

    @classmethod
    def load(cls, db_path: Path) -> Keyring:
        path = keyring_path(db_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyringError(f"{path} is missing: without it the encrypted database {db_path.name} cannot be "
                               "opened (restore it from the backup made with the database)") from None
        except (OSError, ValueError) as exc:
            raise KeyringError(f"{path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("accounts"), dict):
            raise KeyringError(f"{path} is not a RuralWatch keyring")
        if data.get("version") != VERSION:
            raise KeyringError(f"{path} has keyring version {data.get('version')}; this RuralWatch reads {VERSION}")
        data.setdefault("failures", {})
        return cls(path, data)

    def save(self) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self.data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        finally:
            Path(temporary).unlink(missing_ok=True)

    def copy_to(self, db_path: Path) -> Path:
        """The same keyring beside another copy of the database (a backup), same key."""
        target = Keyring(keyring_path(db_path), json.loads(json.dumps(self.data)))
        target.save()
        return target.path

    # --- accounts -----------------------------------------------------------------------------------------

    def usernames(self) -> list[str]:
        return sorted(self.data["accounts"])

    def has_key(self, username: str) -> bool:
        """Whether the account can sign in at all (a disabled account's wrapped key is removed)."""
        return self._entry_name(username) is not None

    def failures_of(self, username: str) -> tuple[int, str | None]:
        """Wrong passwords in a row and, when locked out, until when (storage time)."""
        wanted = username.strip().casefold()
        entry: Any = next((f for name, f in self.data["failures"].items() if name.casefold() == wanted), {})
        if not isinstance(entry, dict):
            return 0, None
        return int(entry.get("count", 0) or 0), entry.get("locked_until")

    def _entry_name(self, username: str) -> str | None:
        wanted = username.strip().casefold()
        return next((name for name in self.data["accounts"] if name.casefold() == wanted), None)

    def wrap(self, username: str, password: str, key: bytes, params: KdfParams | None = None) -> None:
        """Add or replace `username`'s wrapped copy of the database key. Saves."""
        check_password(password)
        if len(key) != KEY_BYTES:
            raise ValueError("a database key is 32 bytes")
        params = params or KdfParams()
        name = self._entry_name(username) or username.strip()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        wrapped = AESGCM(_derive(password, salt, params)).encrypt(nonce, key, self._aad(name))
        self.data["accounts"][name] = {
            "kdf": "argon2id", **asdict(params), "salt": salt.hex(), "nonce": nonce.hex(), "wrapped": wrapped.hex(),
        }
        self.data["failures"].pop(name, None)
        self.save()

    def remove(self, username: str) -> None:
        name = self._entry_name(username)
        if name is not None:
            del self.data["accounts"][name]
            self.data["failures"].pop(name, None)
            self.save()

    def unlock(self, username: str, password: str, now: datetime | None = None) -> bytes:
        """The database key for this account and password. Counts failures and locks out; saves."""
        now = now or times.utc_now()
        name = self._entry_name(username)
        # An unknown name takes the wrong password's path (the key derivation at the default cost, the failure
        # counted and saved, the same message): the answer must not tell which account names exist.
        wanted = username.strip()[:64]
        counted = name or next((k for k in self.data["failures"] if k.casefold() == wanted.casefold()), wanted)
        failures = self.data["failures"].get(counted, {"count": 0, "log": []})
        locked_until = failures.get("locked_until")
        if locked_until and times.from_storage(locked_until) > now:
            raise SignInError(f"{counted} is locked after {MAX_FAILURES} failed sign-ins until "
                              f"{times.format_local(locked_until)}; ask an administrator, or wait")
        try:
            if name is None:
                _derive(password, _DUMMY_SALT, KdfParams())
                raise InvalidTag
            params, salt, nonce, wrapped = self._unwrap_fields(name)
            key = AESGCM(_derive(password, salt, params)).decrypt(nonce, wrapped, self._aad(name))
        except InvalidTag:
            failures["count"] = int(failures.get("count", 0)) + 1
            failures.setdefault("log", []).append(times.to_storage(now))
            if failures["count"] >= MAX_FAILURES:
                failures["locked_until"] = times.to_storage(now + LOCKOUT)
            self.data["failures"][counted] = failures
            self.save()
            left = MAX_FAILURES - failures["count"]
            tries = "1 try" if left == 1 else f"{left} tries"
            hint = f" ({tries} left before the account locks)" if left > 0 else " (the account is now locked)"
            raise SignInError("unknown account or wrong password" + hint) from None
        except (KeyError, ValueError, TypeError) as exc:
            raise KeyringError(f"{self.path}: the entry for {name} is damaged ({exc})") from None
        if failures.get("log"):
            # Keep the failed attempts until the caller has written them to the audit log (take_failures).
            self.data["failures"][name] = {"count": 0, "log": failures["log"]}
            self.save()
        return key

    def _unwrap_fields(self, name: str) -> tuple[KdfParams, bytes, bytes, bytes]:
        """An entry's KDF parameters, salt, nonce and wrapped key, checked: KeyringError (one line) if damaged."""
        entry = self.data["accounts"][name]

        def damaged(why: str) -> KeyringError:
            return KeyringError(f"{self.path}: the entry for {name} is damaged ({why}); restore the keyring from a "
                                "backup, or ask an administrator to reset the password")

        if not isinstance(entry, dict) or entry.get("kdf") != "argon2id":
            raise damaged("not an Argon2id entry")
        costs: dict[str, int] = {}
        for field, (low, high) in _KDF_LIMITS.items():
            value = entry.get(field)
            if type(value) is not int or not low <= value <= high:
                raise damaged(f"{field} {value!r} is not a whole number from {low} to {high}")
            costs[field] = value
        if costs["memory_cost"] < 8 * costs["parallelism"]:
            raise damaged("memory_cost is below 8 KiB per lane")
        raw: dict[str, bytes] = {}
        for field, (shortest, longest) in _FIELD_BYTES.items():
            try:
                raw[field] = bytes.fromhex(entry[field])
            except (KeyError, TypeError, ValueError):
                raise damaged(f"{field} is missing or not hexadecimal") from None
            if not shortest <= len(raw[field]) <= longest:
                raise damaged(f"{field} has {len(raw[field])} bytes")
        return KdfParams(**costs), raw["salt"], raw["nonce"], raw["wrapped"]

    def take_failures(self) -> list[tuple[str, str]]:
        """(account, when) of failed sign-ins not yet audited; clears them. Saves."""
        taken = [(name, at) for name, f in self.data["failures"].items() for at in f.get("log", [])]
        if taken:
            for failures in self.data["failures"].values():
                failures["log"] = []
            self.save()
        return sorted(taken, key=lambda pair: pair[1])

    def unlock_account(self, username: str) -> None:
        """An administrator lifts a lock-out."""
        name = self._entry_name(username)
        if name is not None and name in self.data["failures"]:
            self.data["failures"][name].update(count=0, locked_until=None)
            self.save()

    def _aad(self, name: str) -> bytes:
        return f"{self.data['id']}:{name.casefold()}".encode()


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
