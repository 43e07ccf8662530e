"""Local accounts: create an encrypted database with its administrator, sign in, manage accounts.

Signing in unwraps the database key with the account's password (ruralwatch.store.keyring), opens the
encrypted store and puts the account on it as the actor every service checks and every audit entry names.
"""

from __future__ import annotations

import builtins  # below the service's own `def list`, `list[...]` in its signatures would name that method
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import FieldError, NotFoundError, RuralWatchError, ValidationError
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES, SYSTEM, Actor, needs_person
from ruralwatch.core.vocab import PERSON_ROLE_NAMES
from ruralwatch.core.words import plural
from ruralwatch.services import field_access
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store import account_records
from ruralwatch.store.audit import AuditLog, admin_keys, record_event, replayed
from ruralwatch.store.backups import quiet_cipher_log
from ruralwatch.store.database import (
    BUSY_TIMEOUT_MS,
    DatabaseError,
    EncryptedDatabaseError,
    Store,
    connect,
    is_encrypted,
    open_store,
    opens_with,
    schema_copies,
    shred,
)
from ruralwatch.store.identity import AccountKeys
from ruralwatch.store.keyring import MIN_PASSWORD as MIN_PASSWORD  # re-exported: the window's password hint
from ruralwatch.store.keyring import (
    KdfParams,
    Keyring,
    PasswordChangeRequired,
    SignInError,
    Unlocked,
    check_password,
    keyring_path,
    new_database_key,
)

REKEY_WAIT_MS = 2_000
TOPIC = "accounts"
# In the audit entry of a password an administrator set (a new account, a reset): it works once.
ONE_TIME_FIELD = "one_time_password"


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    display_name: str
    role: str
    person_id: str | None
    active: bool
    created_at: str
    password_changed_at: str | None

    @property
    def role_name(self) -> str:
        return ACCOUNT_ROLE_NAMES.get(self.role, self.role)


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise ValidationError.single("username", "an account name is 1-64 characters without spaces")
    return name


def check_new_account(username: str, password: str, again: str | None = None, role: str | None = None) -> str:
    """Every mistake in a new account's name, role (when given; "" is none chosen) and password(s) at once, in the
    order of the fields, as one ValidationError; else the name, stripped. Forms checked the name after the
    passwords, so a name with a space was reported only once the password had been put right."""
    errors: list[FieldError] = []
    name = ""
    try:
        name = _check_username(username)
    except ValidationError as exc:
        errors += exc.errors
    if role is not None:
        try:
            _check_role(role)
        except ValidationError as exc:
            errors += exc.errors
    try:
        check_password(password)
    except ValidationError as exc:
        errors += exc.errors
    if again is not None and again != password:
        errors.append(FieldError("password_again", "the two passwords differ: type the same password twice"))
    if errors:
        raise ValidationError(errors)
    return name


def _check_role(role: str) -> None:
    if not role:
        raise ValidationError.single("role", f"choose the account's role: {', '.join(ACCOUNT_ROLE_NAMES.values())}")
    if role not in ACCOUNT_ROLE_NAMES:
        raise ValidationError.single("role", f"{role!r} is not one of {', '.join(ACCOUNT_ROLE_NAMES)}")


def create_database(path: Path, admin: str, password: str, params: KdfParams | None = None,
                    display_name: str = "") -> Store:
    """A new encrypted database with its first account, an administrator. Refuses an existing file."""
    path = Path(path).expanduser()
    name = _check_username(admin)
    check_password(password)
    if path.exists() and path.stat().st_size > 0:
        raise ValidationError.single("db", f"{path} already exists; sign in to it instead")
    if keyring_path(path).exists():
        raise ValidationError.single("db", f"{keyring_path(path)} already exists; remove it or choose another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_database_key()
    keyring = Keyring.create(path)
    keys = AccountKeys.generate()
    keyring.set_root(keys.sign_public)  # the first administrator is the root every account record chains to
    keyring.wrap(name, password, key, params, keys)
    try:
        store = open_store(path, key=key)
    except BaseException:
        keyring.path.unlink(missing_ok=True)
        raise
    def sign_as_root(account_id: str) -> None:  # the first administrator signs its own record
        account_records.sign(store, account_id, account_id, keys, keys.sign_public, set_key=True)

    actor = _add_account(store, name, "administrator", display_name, sign=sign_as_root)
    store.actor = actor
    store.signer = keys
    with store.transaction():
        record_event(store, "create_database", "accounts", actor.account_id, {"administrator": name})
    field_access.begin_session(store, keyring.root, keys)
    return store


def encrypt_database(path: Path, admin: str, password: str, params: KdfParams | None = None) -> Path:
    """Convert a plain (pre-encryption) database into an encrypted one with an administrator.

    The encrypted copy is written beside it and checked, then replaces the original; the plain file is
    overwritten with zeros before it is removed, so no readable copy is left behind (a journaling or
    SSD file system may still hold old blocks: the user guide says to encrypt the disk as well).
    """
    path = Path(path).expanduser()
    name = _check_username(admin)
    check_password(password)
    if path.is_dir():
        raise ValidationError.single("db", f"{path} is a folder, not a database file")
    if not path.is_file():
        raise ValidationError.single("db", f"there is no database at {path}")
    if is_encrypted(path):
        raise ValidationError.single("db", f"{path} is encrypted already, or not a database at all")
    plain = open_store(path)  # migrates it to the current schema first
    plain.close()
    key = new_database_key()
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    conn = connect(path, None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", [str(target)])
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    check = open_store(target, key=key)
    check.close()
    keyring = Keyring.create(path)
    keys = AccountKeys.generate()
    keyring.set_root(keys.sign_public)
    keyring.wrap(name, password, key, params, keys)
    # Copies made before schema upgrades are plain too: they would leave the data readable beside the
    # encrypted file. The encrypted database holds everything they held.
    for old_copy in schema_copies(path):
        if not is_encrypted(old_copy):
            shred(old_copy)
    shred(path)
    for suffix in ("-wal", "-shm"):
        shred(path.with_name(path.name + suffix))
    target.replace(path)
    store = open_store(path, key=key)
    try:
        store.actor = _add_account(
            store, name, "administrator", "",
            sign=lambda account_id: account_records.sign(store, account_id, account_id, keys, keys.sign_public,
                                                    set_key=True))
        store.signer = keys
        with store.transaction():
            record_event(store, "encrypt_database", "accounts", store.actor.account_id, {"administrator": name})
        field_access.begin_session(store, keyring.root, keys)
    finally:
        store.close()
    return path


def sign_in(path: Path, username: str, password: str, now: datetime | None = None,
            new_password: str | None = None, params: KdfParams | None = None) -> Store:
    """Open the encrypted database as this account. Wrong password, unknown, disabled or locked: SignInError.

    A one-time password (set by an administrator: a new account's, a reset) signs in only with `new_password`, the
    account's own, which replaces it (audited as a password change); without one, PasswordChangeRequired.
    `params`: the new entry's cost (tests only)."""
    path = Path(path).expanduser()
    keyring, unlocked = unlock_account(path, username, password, now)
    return sign_in_unlocked(path, keyring, unlocked, username, password, now, new_password, params)


def unlock_account(path: Path, username: str, password: str, now: datetime | None = None) -> tuple[Keyring, Unlocked]:
    """The database's keyring and this account's key from it (the password checked, failures counted): the first
    half of `sign_in`, for a caller that checks the file before opening it (backups.sign_in_checked)."""
    keyring = Keyring.load(path)
    return keyring, keyring.open(username, password, now)


def sign_in_unlocked(path: Path, keyring: Keyring, unlocked: Unlocked, username: str, password: str,
                     now: datetime | None = None, new_password: str | None = None,
                     params: KdfParams | None = None) -> Store:
    """The second half of `sign_in`: open the database with the key `unlock_account` gave and sign the account in."""
    one_time = keyring.is_one_time(unlocked.name)
    if one_time:
        if new_password is None:
            raise PasswordChangeRequired(username.strip())
        check_own_password(password, new_password)
    store = _open_keyed(path, keyring, unlocked)
    try:
        planted = _remove_planted_schema(store)
        row = store.db.execute(
            "SELECT id, username, role, active, person_id, public_key FROM accounts WHERE username = ? COLLATE NOCASE",
            [username.strip()],
        ).fetchone()
        if row is None or not row[3]:
            raise SignInError(f"the account {username.strip()} is disabled or was removed")
        store.actor = Actor(row[1], row[2], row[0], row[4])
        keys = _upgrade_entry(keyring, unlocked, password, store.key)
        store.signer = keys
        if keyring.root is None and keys is not None and row[2] == "administrator":
            _become_root(store, keyring, unlocked, password, keys)
        if keyring.root is not None:
            _check_records(store, keyring, row[0], row[5], keys)
            field_access.begin_session(store, keyring.root, keys)
        with store.transaction():
            _record_failures(store, keyring)
            if planted:
                record_event(store, "tamper_detected", "sqlite_master", None,
                             {"problem": "triggers or views added outside RuralWatch were removed", "removed": planted})
            record_event(store, "login", "accounts", row[0])
        if one_time:
            clock = (lambda: now) if now is not None else times.utc_now
            AccountService(store, clock=clock).change_own_password(password, new_password or "", params)
    except BaseException:
        store.close()
        raise
    return store


def check_own_password(one_time: str, new_password: str) -> None:
    """The password an account chooses in place of the one-time one an administrator set (who knows that one)."""
    check_password(new_password)
    if new_password == one_time:
        raise ValidationError.single("password", "choose a password of your own, not the one the administrator "
                                                 "set")


def _remove_planted_schema(store: Store) -> list[str]:
    """RuralWatch makes no triggers or views: one in the file was planted below the app (to run in an entitled
    account's session). Dropped before anything is written, and named in the audit log by the caller."""
    planted = store.db.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall()
    if planted:
        with store.transaction():
            for kind, name in planted:
                store.db.execute(f"DROP {'TRIGGER' if kind == 'trigger' else 'VIEW'} IF EXISTS [{name}]")
    return [f"{kind} {name}" for kind, name in planted]


def _open_keyed(path: Path, keyring: Keyring, unlocked: Unlocked) -> Store:
    """Open with the account's database key; if a key rotation re-keyed the file but stopped before the keyring
    was updated, the new key (sealed beside the old one) opens it, and the rotation is finished here."""
    try:
        store = open_store(path, key=unlocked.key)
    except EncryptedDatabaseError:
        if unlocked.pending_key is None:
            raise
        store = open_store(path, key=unlocked.pending_key)
        keyring.promote_next()
        return store
    if unlocked.pending_key is not None:
        keyring.discard_next()  # the rotation never re-keyed the file: the old key stays
    return store


def _upgrade_entry(keyring: Keyring, unlocked: Unlocked, password: str, key: bytes | None) -> AccountKeys | None:
    """An entry from before accounts had their own keys (or made before the keyring had a root) is re-made now,
    while the password is at hand: same password and cost, new key pairs (or the same ones)."""
    if keyring.is_upgraded(unlocked.name) or key is None:
        return unlocked.keys
    if keyring.root is None and unlocked.keys is not None:
        return unlocked.keys  # already has keys; the root comes with the first administrator's sign-in
    return keyring.wrap(unlocked.name, password, key, keyring.params_of(unlocked.name), unlocked.keys,
                        one_time=keyring.is_one_time(unlocked.name))


def _become_root(store: Store, keyring: Keyring, unlocked: Unlocked, password: str, keys: AccountKeys) -> None:
    """A keyring from before signed accounts: the first administrator to sign in becomes its root and vouches
    for every account record as it stands (audited); the other accounts then need a new password from an
    administrator before they sign in again (the accounts list says so). Not an account whose record the audit
    log says was changed behind RuralWatch's back (a role raised with SQL before the upgrade): its sign-in is
    refused instead. The records are signed first and the keyring saved after, so a busy database leaves the
    keyring as it was."""
    altered = [p for p in AuditLog(store).verify().problems
               if p.table == "accounts" and p.row_id == store.actor.account_id]
    if altered:
        with store.transaction():
            record_event(store, "tamper_detected", "accounts", store.actor.account_id,
                         {"problem": altered[0].message})
        raise SignInError(f"the account record of {store.actor.username} was changed outside RuralWatch "
                          f"({altered[0].message}): it cannot vouch for the accounts; another administrator must "
                          "sign in first")
    keyring.set_root(keys.sign_public)
    with store.transaction():
        signed = []
        for (account_id,) in store.db.execute("SELECT id FROM accounts").fetchall():
            # Only its own key: any other keyring entry could have been written by whoever holds the database key.
            # The others get keys an administrator vouches for when their passwords are set again.
            own = keys.sign_public if account_id == store.actor.account_id else None
            account_records.sign(store, account_id, store.actor.account_id, keys, own, set_key=True)
            signed.append(("accounts", account_id))
        record_event(store, "sign_accounts", "accounts", store.actor.account_id, {"root": keys.sign_public},
                     covers=signed)
    keyring.wrap(unlocked.name, password, store.key, keyring.params_of(unlocked.name), keys,  # type: ignore[arg-type]
                 one_time=keyring.is_one_time(unlocked.name))


def _check_records(store: Store, keyring: Keyring, account_id: str, public_key: str | None,
                   keys: AccountKeys | None) -> None:
    """Refuse the sign-in of an account whose record is not signed by a trusted administrator (a role raised by
    editing the file), and say so in the audit log."""
    root = keyring.root or ""
    problem = account_records.problems(store, root).get(account_id)
    if problem is None:  # signed, but an older record than the one an administrator last vouched for?
        problem = replayed(store, admin_keys(store, root)).get(f"accounts:{account_id}")
    if problem is None and public_key and keys is not None and public_key != keys.sign_public:
        problem = f"the account record of {store.actor.username} names another signing key than its keyring entry"
    if problem is None:
        return
    with store.transaction():
        record_event(store, "tamper_detected", "accounts", account_id, {"problem": problem})
    raise SignInError(f"{problem}: sign-in refused; an administrator should check the audit log and restore the "
                      "accounts from a backup")


def confirm_password(store: Store, password: str, now: datetime | None = None) -> None:
    """Check the signed-in account's password as a sign-in does (for the window's lock screen): wrong ones count
    towards the lock-out, and the failures go into the audit log once the right one is given. SignInError if
    wrong or locked out."""
    keyring = Keyring.load(store.path)
    keyring.unlock(store.actor.username, password, now)
    try:
        with store.transaction():
            _record_failures(store, keyring)
    except (RuralWatchError, DatabaseError, OSError):
        pass  # they stay in the keyring and reach the audit log at the next sign-in


def _record_failures(store: Store, keyring: Keyring) -> None:
    """Move the failed sign-ins the keyring holds into the audit log (inside the caller's transaction)."""
    for who, at in keyring.take_failures():
        record_event(store, "failed_login", "accounts", None, {"account": who, "at": at})


def _add_account(store: Store, username: str, role: str, display_name: str, person_id: str | None = None,
                 sign: Callable[[str], None] | None = None, one_time: bool = False,
                 clock: Callable[[], datetime] = times.system_clock) -> Actor:
    account_id = str(uuid.uuid4())
    now = times.to_storage(clock())
    with store.transaction():
        store.db.execute(
            "INSERT INTO accounts(id, username, display_name, role, person_id, active, created_at, password_changed_at)"
            " VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            [account_id, username, display_name.strip() or username, role, person_id, now, now],
        )
        changes: dict[str, Any] = {"username": [None, username], "role": [None, role]}
        if sign is not None:
            sign(account_id)
            # The key the administrator vouched for: audit verify checks the account's entries against it.
            changes["public_key"] = [None, store.db.execute("SELECT public_key FROM accounts WHERE id = ?",
                                                            [account_id]).fetchone()[0]]
        if one_time:
            changes[ONE_TIME_FIELD] = [None, True]
        record_event(store, "create", "accounts", account_id, changes, covers=[("accounts", account_id)])
    return Actor(username, role, account_id)


@dataclass(frozen=True)
class AccountStatus:
    """Whether an account can sign in now, as the accounts list shows it."""

    # "disabled", "untrusted" (its record does not verify), "needs_password", "locked", "one_time" (an
    # administrator set it, adding the account or resetting: they choose their own at sign-in) or "active"
    state: str
    failures: int = 0  # wrong passwords in a row
    locked_until: str | None = None

    def describe(self) -> str:
        if self.state == "disabled":
            return "Disabled"
        if self.state == "untrusted":
            return "Record not signed by an administrator: sign-in refused"
        if self.state == "needs_password":
            return "Needs a new password"
        if self.state == "locked":
            return f"Locked until {times.format_local(self.locked_until or '')}"
        if self.state == "one_time":
            return "One-time password (chooses own at sign-in)"
        return f"Active ({self.failures} wrong {plural(self.failures, 'password')})" if self.failures else "Active"


class AccountService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock

    def _keyring(self) -> Keyring:
        if self.store.key is None:
            raise RuralWatchError("this database is not encrypted, so it has no accounts; run `ruralwatch encrypt`")
        return Keyring.load(self.store.path)

    def list(self) -> list[Account]:
        self.store.actor.require("accounts.manage")
        return [_account(row) for row in self.store.db.query("SELECT * FROM accounts ORDER BY username")]

    def statuses(self) -> dict[str, AccountStatus]:
        """Each account's sign-in state (disabled, locked out, failures so far), by username."""
        self.store.actor.require("accounts.manage")
        keyring = self._keyring()
        now = self._now()
        untrusted = account_records.problems(self.store, keyring.root) if keyring.root else {}
        found: dict[str, AccountStatus] = {}
        for account in self.list():
            status = _status(account, keyring, now)
            if account.id in untrusted and status.state != "disabled":
                status = AccountStatus("untrusted")
            found[account.username] = status
        return found

    def status(self, username: str) -> AccountStatus:
        self.store.actor.require("accounts.manage")
        return _status(self.get(username), self._keyring(), self._now())

    def get(self, username: str) -> Account:
        rows = list(self.store.db.query("SELECT * FROM accounts WHERE username = ? COLLATE NOCASE",
                                        [username.strip()]))
        if not rows:
            raise NotFoundError(f"no account called {username.strip()}")
        return _account(rows[0])

    def check_addable(self, username: str, person_id: str | None = None) -> str:
        """What `add` checks before the password: the name (its form, and that it is free) and the person; the
        name, stripped. The command line asks for the password only after this, so a bad name is not reported
        after the password (or as a missing one)."""
        self.store.actor.require("accounts.manage")
        name = _check_username(username)
        keyring = self._keyring()
        if keyring._entry_name(name) or self.store.db.execute(
            "SELECT 1 FROM accounts WHERE username = ? COLLATE NOCASE", [name]
        ).fetchone():
            raise ValidationError.single("username", f"{name} already exists")
        self._check_person(person_id or None)
        return name

    def add(self, username: str, role: str, password: str, display_name: str = "", person_id: str | None = None,
            params: KdfParams | None = None) -> Account:
        self.store.actor.require("accounts.manage")
        name = _check_username(username)
        _check_role(role)
        check_password(password)
        keyring = self._keyring()
        name = self.check_addable(name, person_id)
        person_id = person_id or None
        if not display_name.strip() and person_id is not None:
            # Left blank, the name shown is the roster person's ("Amelia Archer"), not the account name ("amelia").
            display_name = self.store.db.execute("SELECT name FROM people WHERE id = ?", [person_id]).fetchone()[0]
        signer = self._signer()
        # The administrator knows this password, as after a reset: it works once, to sign in and choose their own
        # (sign_in). Only the first administrator, made with the database, chooses theirs at once.
        keys = keyring.wrap(name, password, self.store.key, params, one_time=True)  # type: ignore[arg-type]

        def sign_and_grant(account_id: str) -> None:
            self._sign(account_id, signer, keys.sign_public)
            field_access.vouch_for_new_keys(self.store, account_id, keys, keyring.root)

        try:
            actor = _add_account(self.store, name, role, display_name, person_id, sign=sign_and_grant,
                                 one_time=True, clock=self._now)
        except BaseException:
            keyring.remove(name)
            raise
        self.hub.publish(Change(TOPIC, "created"))
        return self.get(actor.username)

    def set_role(self, username: str, role: str) -> Account:
        self.store.actor.require("accounts.manage")
        _check_role(role)
        account = self.get(username)
        if account.role == "administrator" and role != "administrator":
            self._keep_an_administrator(account)
        signer = self._signer()
        lost = sorted(set(field_access.readable(account.role)) - set(field_access.readable(role)))
        field_access.check_can_rotate(self.store, lost, self._keyring().root)
        root = self._keyring().root
        with self.store.transaction():
            key_set = field_access.signed_by(self.store, account.id, root) if role != "administrator" else None
            self.store.db.execute("UPDATE accounts SET role = ? WHERE id = ?", [role, account.id])
            self._sign(account.id, signer)
            if account.role == "administrator" and role != "administrator":
                self._resign_signed_by(account.id, signer)
                field_access.sign_again(self.store, key_set, account.id)
            record_event(self.store, "update", "accounts", account.id, {"role": [account.role, role]},
                         covers=[("accounts", account.id)])
            field_access.after_access_lost(self.store, account.id, lost, root,
                                           f"{account.username} is no longer {account.role}")
        self.hub.publish(Change(TOPIC, "updated"))
        return self.get(username)

    def set_person(self, username: str, person_id: str | None) -> Account:
        """Link the account to the volunteer or officer it belongs to (None: no one). A linked Special or volunteer
        gives their own availability and sees their own duties; one person has at most one account."""
        self.store.actor.require("accounts.manage")
        account = self.get(username)
        person_id = self._check_person(person_id or None, account.id)
        if person_id == account.person_id:
            return account
        signer = self._signer()
        with self.store.transaction():
            self.store.db.execute("UPDATE accounts SET person_id = ? WHERE id = ?", [person_id, account.id])
            self._sign(account.id, signer)
            record_event(self.store, "update", "accounts", account.id, {"person_id": [account.person_id, person_id]},
                         covers=[("accounts", account.id)])
        self.hub.publish(Change(TOPIC, "updated"))
        return self.get(username)

    @staticmethod
    def needs_person(role: str, person_id: str | None) -> bool:
        """Whether an account of `role` linked to `person_id` must still be linked to its person in the roster to
        give its availability and see its own duties (a Special, an RET officer)."""
        return needs_person(role, person_id)

    def person_choices(self) -> builtins.list[tuple[str, str]]:
        """(id, "Name, role, collar number") of every person an account may belong to: current people first."""
        self.store.actor.require("accounts.manage")
        rows = self.store.db.execute(
            "SELECT id, name, role, collar_number, active FROM people WHERE deleted = 0 "
            "ORDER BY active DESC, name COLLATE NOCASE, id"
        ).fetchall()
        choices = []
        for person_id, name, role, collar, active in rows:
            parts = [name, PERSON_ROLE_NAMES.get(role, role), collar or "", "" if active else "left"]
            choices.append((person_id, ", ".join(part for part in parts if part)))
        return choices

    def _check_person(self, person_id: str | None, account_id: str | None = None) -> str | None:
        if person_id is None:
            return None
        found = self.store.db.execute("SELECT name FROM people WHERE id = ? AND deleted = 0", [person_id]).fetchone()
        if found is None:
            raise ValidationError.single("person", f"there is no person {person_id} in the roster")
        other = self.store.db.execute(
            "SELECT username FROM accounts WHERE person_id = ? AND id IS NOT ?", [person_id, account_id]
        ).fetchone()
        if other is not None:
            raise ValidationError.single("person", f"{found[0]} already has an account: {other[0]}")
        return person_id

    def set_active(self, username: str, active: bool) -> Account:
        """Disable (or enable again) an account; a disabled account cannot sign in. Its key is removed."""
        self.store.actor.require("accounts.manage")
        account = self.check_can_disable(username) if not active else self.get(username)
        signer = self._signer()
        lost = [] if active else field_access.readable(account.role)
        field_access.check_can_rotate(self.store, lost, self._keyring().root)
        root = self._keyring().root
        with self.store.transaction():
            key_set = None if active else field_access.signed_by(self.store, account.id, root)
            self.store.db.execute("UPDATE accounts SET active = ? WHERE id = ?", [int(active), account.id])
            self._sign(account.id, signer)
            if not active and account.role == "administrator":
                self._resign_signed_by(account.id, signer)
                field_access.sign_again(self.store, key_set, account.id)
            record_event(self.store, "update", "accounts", account.id, {"active": [account.active, active]},
                         covers=[("accounts", account.id)])
            field_access.after_access_lost(self.store, account.id, lost, root, f"{account.username} was disabled")
        if not active:
            self._keyring().remove(account.username)
            self._rotate_database_key(account)
        self.hub.publish(Change(TOPIC, "updated"))
        return self.get(username)

    def check_can_disable(self, username: str) -> Account:
        """The account, when this administrator may disable it (not their own, not the last administrator): asked
        before the window asks "are you sure", so a refusal comes first."""
        self.store.actor.require("accounts.manage")
        account = self.get(username)
        if account.username.casefold() == self.store.actor.username.casefold():
            raise ValidationError.single("username", "you cannot disable your own account")
        if account.role == "administrator":
            self._keep_an_administrator(account)
        return account

    def rotate_key(self) -> None:
        """Re-key the database now (after a rotation that could not finish when an account was disabled)."""
        self.store.actor.require("accounts.manage")
        self._rotate_database_key(self.get(self.store.actor.username), reason="requested")

    def _rotate_database_key(self, disabled: Account, reason: str = "disabled") -> None:
        """A disabled account may have kept a copy of the keyring: re-key the database with a new key sealed only
        to the accounts left, so that copy no longer opens it. The new key is sealed beside the old one before the
        file is re-keyed, so a crash in between loses nothing (sign-in finishes the rotation)."""
        if self.store.key is None:
            return
        keyring = self._keyring()
        new_key = new_database_key()
        old_key = self.store.key
        left_out = keyring.reseal(new_key)
        # Re-keying needs the database to itself: wait a little for another writer, not the usual minute.
        self.store.db.execute(f"PRAGMA busy_timeout = {REKEY_WAIT_MS}")
        try:
            self.store.db.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        finally:
            self.store.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # SQLCipher answers "ok" without re-keying when another connection holds the database: check with fresh
        # connections that the new key opens it and the old one no longer does before the keyring moves on.
        with quiet_cipher_log():  # the old key is expected to fail: no page-check noise on stderr
            rekeyed = opens_with(self.store.path, new_key) and not opens_with(self.store.path, old_key)
        if not rekeyed:
            keyring.discard_next()  # the old key stays everywhere; the audit has the disabling, not a rotation
            raise RuralWatchError(f"{disabled.username} is disabled, but the database key could not be changed now "
                                  "(another RuralWatch window or command has the database open): close them and run "
                                  "`ruralwatch accounts rotate-key`, so that an old copy of the keyring opens "
                                  "nothing new")
        self.store.key = new_key
        keyring.promote_next()
        with self.store.transaction():
            record_event(self.store, "rotate_database_key", "accounts", disabled.id,
                         {"reason": f"{reason} {disabled.username}", "need_new_password": sorted(left_out)})

    def reset_password(self, username: str, new_password: str, params: KdfParams | None = None) -> None:
        """An administrator sets a new password (e.g. forgotten); also lifts a lock-out. The account gets new key
        pairs. Not one's own account (change it, which keeps the keys), nor the root's, whose key every record's
        signature chain ends at."""
        self.store.actor.require("accounts.manage")
        account = self.get(username)
        if account.username.casefold() == self.store.actor.username.casefold():
            raise ValidationError.single("username", "change your own password with `accounts passwd` (Change my "
                                                     "password), which keeps your keys")
        root = self._keyring().root
        record_key = self.store.db.execute("SELECT public_key FROM accounts WHERE id = ?", [account.id]).fetchone()
        if root and record_key and record_key[0] == root:
            raise ValidationError.single("username", f"{account.username} holds the database's root key, which "
                                                     "every account record's signature chain ends at: only they "
                                                     "can change their password")
        # The administrator knows this password: it works once, to sign in and choose their own (sign_in).
        self._set_password(account, new_password, params, "reset_password", one_time=True)

    def change_own_password(self, old_password: str, new_password: str, params: KdfParams | None = None) -> None:
        keyring = self._keyring()
        unlocked = keyring.open(self.store.actor.username, old_password)  # the old password must be right
        # The same key pairs under the new password: the record (signed by an administrator) still names them.
        self._set_password(self.get(self.store.actor.username), new_password, params, "change_password",
                           keys=unlocked.keys)

    def unlock(self, username: str) -> None:
        self.store.actor.require("accounts.manage")
        account = self.get(username)
        self._keyring().unlock_account(account.username)
        with self.store.transaction():
            record_event(self.store, "unlock_account", "accounts", account.id)

    def _set_password(self, account: Account, password: str, params: KdfParams | None, action: str,
                      keys: AccountKeys | None = None, one_time: bool = False) -> None:
        check_password(password)
        if not account.active:
            raise ValidationError.single("username", f"{account.username} is disabled; enable it first")
        # A reset gives the account new key pairs (nobody else holds its old private keys): its record must be
        # signed again, by the administrator doing the reset.
        signer = self._signer() if keys is None else None
        keyring = self._keyring()
        made = keys or AccountKeys.generate()
        # The database first, the keyring after: a busy database leaves the keyring as it was.
        with self.store.transaction():
            key_set = field_access.signed_by(self.store, account.id, keyring.root) if signer is not None else None
            self.store.db.execute("UPDATE accounts SET password_changed_at = ? WHERE id = ?",
                                  [times.to_storage(self._now()), account.id])
            changes: dict[str, Any] | None = None
            if signer is not None:
                self._sign(account.id, signer, made.sign_public)
                field_access.vouch_for_new_keys(self.store, account.id, made, keyring.root)
                # What this administrator signed was signed with the key now replaced: sign it again.
                self._resign_signed_by(account.id, signer)
                field_access.sign_again(self.store, key_set, account.id)
                changes = {"public_key": [None, made.sign_public]}  # vouched for, as at creation
            if one_time:
                changes = {**(changes or {}), ONE_TIME_FIELD: [None, True]}
            record_event(self.store, action, "accounts", account.id, changes, covers=[("accounts", account.id)])
        keyring.wrap(account.username, password, self.store.key, params, made,  # type: ignore[arg-type]
                     one_time=one_time)
        if account.username.casefold() == self.store.actor.username.casefold():
            self.store.signer = made

    def _resign_signed_by(self, account_id: str, signer: AccountKeys) -> None:
        """Records `account_id` signed are signed again by the acting administrator (inside the caller's
        transaction): when that account stops being a trusted signer (demoted, disabled) or its key changes, the
        records it vouched for must not fall with it."""
        others = [row[0] for row in self.store.db.execute(
            "SELECT id FROM accounts WHERE signed_by = ? AND id != ?", [account_id, account_id]).fetchall()]
        for other in others:
            self._sign(other, signer)
        if others:
            record_event(self.store, "sign_accounts", "accounts", account_id, {"signed_again": len(others)},
                         covers=[("accounts", other) for other in others])

    def _signer(self) -> AccountKeys:
        """The signed-in administrator's own keys, which sign the account records it changes."""
        signer = self.store.signer
        if signer is None:
            raise RuralWatchError("account records are signed by an administrator's own keys: sign in again as an "
                                  "administrator to change accounts")
        return signer

    def _sign(self, account_id: str, signer: AccountKeys, public_key: str | None = None) -> None:
        """Sign the account's record as the acting administrator (inside the caller's transaction)."""
        account_records.sign(self.store, account_id, self.store.actor.account_id, signer, public_key,
                             set_key=public_key is not None)

    def _keep_an_administrator(self, account: Account) -> None:
        others = self.store.db.execute(
            "SELECT COUNT(*) FROM accounts WHERE role = 'administrator' AND active = 1 AND id != ?", [account.id]
        ).fetchone()[0]
        if not others:
            raise ValidationError.single("role", "this is the last administrator; make another one first")


def _account(row: dict) -> Account:
    return Account(
        id=row["id"], username=row["username"], display_name=row["display_name"] or row["username"],
        role=row["role"], person_id=row["person_id"], active=bool(row["active"]), created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
    )


__all__ = ["Account", "AccountService", "PasswordChangeRequired", "SYSTEM", "check_own_password", "create_database",
           "encrypt_database", "sign_in"]


def _status(account: Account, keyring: Keyring, now: datetime) -> AccountStatus:
    if not account.active:
        return AccountStatus("disabled")
    if not keyring.has_key(account.username):
        return AccountStatus("needs_password")
    failures, until = keyring.failures_of(account.username)
    if until and times.from_storage(until) > now:
        return AccountStatus("locked", failures, until)
    if keyring.is_one_time(account.username):
        return AccountStatus("one_time", failures)
    return AccountStatus("active", failures)
