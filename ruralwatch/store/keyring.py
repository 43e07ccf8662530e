"""The database key, kept once per account: `<database>.keys` beside the database file.

The database key is 32 random bytes. Each account has its own key pairs (ruralwatch.store.identity): its
password goes through Argon2id (memory-hard) to a key that encrypts the account's private keys with AES-256-GCM,
and the database key is sealed to the account's X25519 public key. The associated data binds the private keys to
the keyring's id, the account name, the keyring's root (the first administrator's signing key) and the account's
own public keys: none of them can be changed, or an entry moved to another account or keyring, without breaking
that account's sign-in, which nobody but the account can repair. A wrong password fails the GCM check: no
password hash is stored anywhere. Changing a password re-encrypts one entry; an administrator can seal a new
database key to every account without knowing their passwords (rotation when an account is disabled).

Version 1 keyrings wrapped the database key directly under the password; such entries still open, and each is
upgraded to its own key pairs the next time its account signs in (see ruralwatch.services.accounts).

Failed sign-ins are counted here (the database cannot be opened without a password): after MAX_FAILURES in a
row the account is locked for LOCKOUT; the failures are moved into the audit log at the next sign-in.
The file is replaced atomically and readable only by its owner. Every change is made under a lock on the keyring's
folder to the keyring as it is on disk at that moment (read again under the lock), so two programs changing
it at once (the window's lock screen counting a failure while `accounts add` runs) both keep their change.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from ruralwatch.store.identity import AccountKeys, IdentityError, seal, unseal

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; changes are still atomic, one at a time
    fcntl = None  # type: ignore[assignment]

FORMAT = "ruralwatch-keyring"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10


class KeyringError(RuralWatchError):
    """The keyring is missing, damaged or from another database."""


class SignInError(RuralWatchError):
    """Wrong account name or password, or the account is locked."""

    # Refused before anything was done: the command line's line says so, as the windows' do (cli/user_words.py).
    nothing_changed = True


class PasswordChangeRequired(SignInError):
    """The right password, but a one-time one an administrator set: the account must choose its own first."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"{username}'s password was set by an administrator and works only once: choose your own "
                         f"in the window's sign-in, or with `ruralwatch --user {username} accounts passwd`")


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
_FIELD_BYTES = {"salt": (8, 64), "nonce": (12, 12)}
# The encrypted part: a version-1 entry's wrapped database key, or a version-2 entry's two private keys.
_BLOB_BYTES = {"wrapped": KEY_BYTES + 16, "private": 64 + 16}
_DUMMY_SALT = bytes(16)


def keyring_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError.single("password", f"use at least {MIN_PASSWORD} characters (a short phrase is good)")


def _derive(password: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(password.encode(), salt, time_cost=params.time_cost, memory_cost=params.memory_cost,
                           parallelism=params.parallelism, hash_len=32, type=Type.ID)


def _read(path: Path, db_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyringError(f"{path} is missing: without it the encrypted database {db_path.name} cannot be "
                           "opened (restore it from the backup made with the database)") from None
    except ValueError:  # not JSON, or not UTF-8: cut short or overwritten
        raise KeyringError(f"{path} is damaged (it is not a RuralWatch keyring any more): restore it from the "
                           f"backup made with {db_path.name}") from None
    except OSError as exc:
        raise KeyringError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("accounts"), dict):
        raise KeyringError(f"{path} is not a RuralWatch keyring")
    if data.get("version") not in READABLE_VERSIONS:
        raise KeyringError(f"{path} has keyring version {data.get('version')}; this RuralWatch reads "
                           f"{', '.join(map(str, READABLE_VERSIONS))}")
    data.setdefault("failures", {})
    data["version"] = VERSION  # written back as version 2; version-1 entries keep their shape until upgraded
    return data


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
        return cls(keyring_path(db_path), _read(keyring_path(db_path), db_path))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the keyring's folder (the file itself is replaced on every save, so a lock on it
        would not exclude a program that opened the new one; a lock file would be left behind beside copies)."""
        handle = os.open(self.path.parent, os.O_RDONLY)
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock

    def _change(self, mutate: Callable[[dict[str, Any]], Any]) -> Any:
        """Apply `mutate` to the keyring as it is on disk now (under the lock) and save: another program's change
        made since this one was loaded is kept. What only this object holds (a root set for a keyring being made
        or upgraded) is carried over."""
        with self._locked():
            fresh = _read(self.path, self.path) if self.path.exists() else self.data
            if self.data.get("root") and not fresh.get("root"):
                fresh["root"] = self.data["root"]
            result = mutate(fresh)
            self.data = fresh
            self.save()
        return result

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

    @property
    def root(self) -> str | None:
        """The first administrator's signing key: every account record's signature chain ends at it."""
        root = self.data.get("root")
        return str(root) if root else None

    def set_root(self, sign_public: str) -> None:
        """Only when there is none (a new keyring, or the upgrade of a version-1 one); not saved here."""
        if self.root is not None and self.root != sign_public:
            raise KeyringError(f"{self.path} already has a root key")
        self.data["root"] = sign_public

    def public_keys(self, username: str) -> tuple[str, str] | None:
        """(signing, box) public keys of the account's entry; None for a version-1 entry or no entry."""
        name = self._entry_name(username)
        entry = self.data["accounts"].get(name) if name else None
        if not isinstance(entry, dict) or "sign_public" not in entry:
            return None
        return str(entry["sign_public"]), str(entry["box_public"])

    def is_upgraded(self, username: str) -> bool:
        """An entry with its own key pairs, made under the keyring's current root."""
        name = self._entry_name(username)
        entry = self.data["accounts"].get(name) if name else None
        return isinstance(entry, dict) and "sign_public" in entry and bool(entry.get("root")) == bool(self.root)

    def key_for(self, keys: AccountKeys) -> bytes | None:
        """The database key this keyring seals to `keys` (the signed-in account's): how a backup made before a key
        rotation is opened and checked without asking for a password again. None if it seals nothing to them."""
        for name, entry in self.data["accounts"].items():
            if entry.get("box_public") == keys.box_public and "sealed" in entry:
                try:
                    return unseal(entry["sealed"], keys.box, self._sealed_aad(name))
                except IdentityError:
                    return None
        return None

    def is_one_time(self, username: str) -> bool:
        """An entry whose password an administrator set (a new account, a reset): it opens only to choose a new
        one."""
        name = self._entry_name(username)
        entry = self.data["accounts"].get(name) if name else None
        return isinstance(entry, dict) and entry.get("one_time") is True

    def params_of(self, username: str) -> KdfParams:
        """The entry's Argon2id cost, kept when the entry is re-made with the same password."""
        name = self._entry_name(username)
        entry = self.data["accounts"].get(name, {}) if name else {}
        try:
            return KdfParams(int(entry["time_cost"]), int(entry["memory_cost"]), int(entry["parallelism"]))
        except (KeyError, ValueError, TypeError):
            return KdfParams()

    def discard_next(self) -> None:
        """A rotation that never re-keyed the database: drop the new key it sealed. Saves if anything changed."""
        if any("sealed_next" in entry for entry in self.data["accounts"].values()):
            self._change(lambda data: [entry.pop("sealed_next", None) for entry in data["accounts"].values()])

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

    def wrap(self, username: str, password: str, key: bytes, params: KdfParams | None = None,
             keys: AccountKeys | None = None, one_time: bool = False) -> AccountKeys:
        """Add or replace `username`'s entry: its private keys (new ones unless `keys` is given: a password change
        keeps them) under the password, the database key sealed to it. `one_time`: a password an administrator
        set, marked in the entry (and bound into its associated data, so the mark cannot be dropped without
        breaking the entry). Saves; returns the account's keys."""
        check_password(password)
        if len(key) != KEY_BYTES:
            raise ValueError("a database key is 32 bytes")
        params = params or KdfParams()
        keys = keys or AccountKeys.generate()
        name = self._entry_name(username) or username.strip()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        entry: dict[str, Any] = {"kdf": "argon2id", **asdict(params), "salt": salt.hex(), "nonce": nonce.hex(),
                                 "sign_public": keys.sign_public, "box_public": keys.box_public, "root": self.root}
        if one_time:
            entry["one_time"] = True
        entry["private"] = AESGCM(_derive(password, salt, params)).encrypt(
            nonce, keys.private_bytes(), self._private_aad(name, entry)).hex()
        entry["sealed"] = seal(key, keys.box_public, self._sealed_aad(name))

        def put(data: dict[str, Any]) -> None:
            data["accounts"][name] = entry
            data["failures"].pop(name, None)

        self._change(put)
        return keys

    def reseal(self, new_key: bytes) -> list[str]:
        """Seal `new_key` beside the current key in every upgraded entry (as "sealed_next"), before the database
        is re-keyed, so a crash in between loses nothing: sign-in tries both. Saves. Returns the accounts whose
        version-1 entries cannot receive it (they need a new password from an administrator)."""
        def seal_next(data: dict[str, Any]) -> list[str]:
            left_out = []
            for name, entry in data["accounts"].items():
                if "box_public" in entry:
                    entry["sealed_next"] = seal(new_key, entry["box_public"], self._sealed_aad(name))
                else:
                    left_out.append(name)
            return left_out

        return list(self._change(seal_next))

    def promote_next(self) -> None:
        """The database now uses the new key: it becomes every entry's key; version-1 entries, which could not
        receive it, are removed (their accounts need a new password). Saves."""
        def promote(data: dict[str, Any]) -> None:
            for name in list(data["accounts"]):
                entry = data["accounts"][name]
                if "sealed_next" in entry:
                    entry["sealed"] = entry.pop("sealed_next")
                elif "box_public" not in entry:
                    del data["accounts"][name]

        self._change(promote)

    def remove(self, username: str) -> None:
        name = self._entry_name(username)
        if name is not None:
            self._change(lambda data: (data["accounts"].pop(name, None), data["failures"].pop(name, None)))

    def unlock(self, username: str, password: str, now: datetime | None = None) -> bytes:
        """The database key for this account and password. Counts failures and locks out; saves."""
        return self.open(username, password, now).key

    def open(self, username: str, password: str, now: datetime | None = None, count: bool = True) -> Unlocked:
        """The account's database key and (for an upgraded entry) its own keys. Counts failures and locks out;
        saves (with `count` False, a wrong password is only refused: a check made on the side, e.g. by restore)."""
        now = now or times.utc_now()
        name = self._entry_name(username)
        # An unknown name takes the wrong password's path (the key derivation at the default cost, the failure
        # counted and saved, the same message): the answer must not tell which account names exist.
        wanted = username.strip()[:64]
        counted = name or next((k for k in self.data["failures"] if k.casefold() == wanted.casefold()), wanted)
        failures = self.data["failures"].get(counted, {"count": 0, "log": []})
        locked_until = failures.get("locked_until")
        if locked_until and times.from_storage(locked_until) > now:
            # The name as typed, never the stored spelling: that would tell an existing account from a made-up one.
            raise SignInError(f"{wanted} is locked after {MAX_FAILURES} failed sign-ins until "
                              f"{times.format_local(locked_until)}; ask an administrator, or wait")
        keys: AccountKeys | None = None
        pending: bytes | None = None
        try:
            if name is None:
                _derive(password, _DUMMY_SALT, KdfParams())
                raise InvalidTag
            entry = self.data["accounts"][name]
            params, salt, nonce, blob = self._unwrap_fields(name)
            kek = _derive(password, salt, params)
            if "private" in entry:
                if entry.get("root") and entry["root"] != self.root:
                    raise KeyringError(f"{self.path}: the keyring's administrator key is not the one {name}'s "
                                       "entry was made under: the keyring was altered; restore it from a backup")
                keys = AccountKeys.from_private_bytes(AESGCM(kek).decrypt(nonce, blob, self._private_aad(name, entry)))
                key = unseal(entry["sealed"], keys.box, self._sealed_aad(name))
                if "sealed_next" in entry:
                    pending = unseal(entry["sealed_next"], keys.box, self._sealed_aad(name))
            else:
                key = AESGCM(kek).decrypt(nonce, blob, self._aad(name))
        except InvalidTag:
            if not count:
                raise SignInError("unknown account or wrong password") from None
            def count_failure(data: dict[str, Any]) -> dict[str, Any]:
                # Counted on the keyring as it is now: failures another program counted meanwhile stay.
                current = data["failures"].get(counted, {"count": 0, "log": []})
                current["count"] = int(current.get("count", 0)) + 1
                current.setdefault("log", []).append(times.to_storage(now))
                if current["count"] >= MAX_FAILURES:
                    current["locked_until"] = times.to_storage(now + LOCKOUT)
                data["failures"][counted] = current
                return current

            failures = self._change(count_failure)
            left = MAX_FAILURES - failures["count"]
            tries = "1 try" if left == 1 else f"{left} tries"
            hint = f" ({tries} left before the account locks)" if left > 0 else " (the account is now locked)"
            raise SignInError("unknown account or wrong password" + hint) from None
        except (KeyError, ValueError, TypeError, IdentityError) as exc:
            raise KeyringError(f"{self.path}: the entry for {name} is damaged ({exc})") from None
        if failures.get("log") or failures.get("count"):
            # Keep the failed attempts until the caller has written them to the audit log (take_failures).
            def reset_count(data: dict[str, Any]) -> None:
                log = data["failures"].get(name, {}).get("log", [])
                data["failures"][name] = {"count": 0, "log": log}

            self._change(reset_count)
        return Unlocked(name, key, keys, pending)

    def _unwrap_fields(self, name: str) -> tuple[KdfParams, bytes, bytes, bytes]:
        """An entry's KDF parameters, salt, nonce and encrypted part (the wrapped key of a version-1 entry, the
        private keys of a version-2 one), checked: KeyringError (one line) if damaged."""
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
        blob_field = "private" if "private" in entry else "wrapped"
        try:
            blob = bytes.fromhex(entry[blob_field])
        except (KeyError, TypeError, ValueError):
            raise damaged(f"{blob_field} is missing or not hexadecimal") from None
        if len(blob) != _BLOB_BYTES[blob_field]:
            raise damaged(f"{blob_field} has {len(blob)} bytes")
        return KdfParams(**costs), raw["salt"], raw["nonce"], blob

    def take_failures(self) -> list[tuple[str, str]]:
        """(account, when) of failed sign-ins not yet audited; clears them. Saves."""
        if not any(f.get("log") for f in self.data["failures"].values()):
            return []

        def take(data: dict[str, Any]) -> list[tuple[str, str]]:
            taken = [(name, at) for name, f in data["failures"].items() for at in f.get("log", [])]
            for failures in data["failures"].values():
                failures["log"] = []
            return taken

        return sorted(self._change(take), key=lambda pair: pair[1])

    def unlock_account(self, username: str) -> None:
        """An administrator lifts a lock-out."""
        name = self._entry_name(username)
        if name is not None and name in self.data["failures"]:
            self._change(lambda data: data["failures"].get(name, {}).update(count=0, locked_until=None))

    def _aad(self, name: str) -> bytes:
        """Version-1 entries: the database key wrapped directly under the password."""
        return f"{self.data['id']}:{name.casefold()}".encode()

    def _private_aad(self, name: str, entry: dict[str, Any]) -> bytes:
        # The entry's own record of the root (None only for entries made before there was one): changing it, or
        # the keys, breaks this account's sign-in; a keyring root that differs from it is refused in `open`.
        # A one-time entry says so in its associated data: removing the mark (to keep using a password an
        # administrator knows) breaks the entry instead. Entries without the mark keep the data they were made with.
        once = ":one-time" if entry.get("one_time") is True else ""
        return (f"{self.data['id']}:{name.casefold()}:{entry.get('root') or ''}:{entry['sign_public']}:"
                f"{entry['box_public']}:private{once}").encode()

    def _sealed_aad(self, name: str) -> bytes:
        return f"{self.data['id']}:{name.casefold()}:sealed".encode()


@dataclass(frozen=True)
class Unlocked:
    """What an account's password opens: the database key and, once its entry is upgraded, its own keys.
    `pending_key` is a new database key sealed before a rotation that may not have finished."""

    name: str
    key: bytes
    keys: AccountKeys | None
    pending_key: bytes | None = None


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
