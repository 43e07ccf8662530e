"""The field keys of a database: who holds which, how they are made, granted, rotated and checked.

- The public half of each category's current key pair is in `meta` (`field_keys`), signed by the administrator who
  made or last rotated it; a key set whose signer is not a trusted administrator (ruralwatch.store.account_records)
  is not used, so nobody can swap in a public key of their own and collect what others write.
- The private halves are in `field_key_grants`, one row per account and category, sealed to that account's X25519
  key (ruralwatch.store.identity.seal). An account's X25519 public key is in its row (`box_public`), signed by the
  account's own Ed25519 key (`box_signature`), which its administrator-signed record names: a grant cannot be
  redirected to someone else's key without that account's password.
- Whoever holds a category's private key grants it, at sign-in, to every trusted active account whose role is
  entitled and has none yet; an administrator who lowers a role or disables an account rotates the categories
  that account could read: a new key pair, every value re-sealed, the old grants gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.permissions import ACTIONS
from ruralwatch.core.protected_fields import CATEGORIES, CATEGORY_BY_KEY, PROTECTED
from ruralwatch.store import account_records
from ruralwatch.store.database import Store
from ruralwatch.store.field_vault import FieldVault, associated_data, is_sealed
from ruralwatch.store.identity import AccountKeys, IdentityError, canonical, seal, unseal, verify_signature

META_KEY = "field_keys"
GRANTS = "field_key_grants"
_BOX_CLAIM = b"ruralwatch box key v1:"


class FieldKeysError(RuralWatchError):
    """The field keys cannot be used: changed outside RuralWatch, or not held by this account."""


def _raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(private: X25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())


# --- the signed key set in meta -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeySet:
    text: str  # as stored, so a session can tell cheaply whether it changed
    keys: dict[str, tuple[int, bytes]]  # category -> (version, raw public key)


def record_text(store: Store) -> str | None:
    row = store.db.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    return str(row[0]) if row else None


def problem(store: Store, root: str | None, text: str | None = None) -> str | None:
    """Why the stored key set must not be used (None: it is signed by a trusted, active administrator)."""
    text = record_text(store) if text is None else text
    if text is None:
        return None
    try:
        record = json.loads(text)
        keys, signer_id, signature = record["keys"], record["signed_by"], record["signature"]
    except (ValueError, KeyError, TypeError):
        return "the field keys record is damaged"
    rows = {r[0]: r for r in store.db.execute("SELECT id, role, active, public_key FROM accounts")}
    signer = rows.get(signer_id)
    untrusted = account_records.problems(store, root or "")
    if signer is None or signer_id in untrusted or signer[1] != "administrator" or not signer[2]:
        return "the field keys are not signed by a trusted administrator (changed outside RuralWatch)"
    if not signer[3] or not verify_signature(signer[3], signature, canonical(keys)):
        return "the field keys do not match their signature (changed outside RuralWatch)"
    return None


def load(store: Store, root: str | None) -> KeySet | None:
    """The verified key set; None when the database has none yet. FieldKeysError when it must not be used."""
    text = record_text(store)
    if text is None:
        return None
    found = problem(store, root, text)
    if found:
        raise FieldKeysError(found)
    keys = json.loads(text)["keys"]
    return KeySet(text, {c: (int(v["version"]), bytes.fromhex(v["public"])) for c, v in keys.items()})


def _write_record(store: Store, keys: dict[str, tuple[int, bytes]], signer_id: str, signer: AccountKeys) -> None:
    body = {c: {"version": v, "public": pub.hex()} for c, (v, pub) in sorted(keys.items())}
    text = json.dumps({"keys": body, "signed_by": signer_id, "signature": signer.sign(canonical(body))},
                      sort_keys=True)
    store.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     [META_KEY, text])


# --- each account's attested box key -------------------------------------------------------------------------

def attest(store: Store, account_id: str, keys: AccountKeys) -> bool:
    """Write the account's box key signed by its own signing key (inside the caller's transaction). Returns
    whether anything changed (the caller covers the account row in the audit log)."""
    row = store.db.execute("SELECT box_public, box_signature FROM accounts WHERE id = ?", [account_id]).fetchone()
    signature = keys.sign(_BOX_CLAIM + account_id.encode() + b":" + keys.box_public.encode())
    if row is not None and row[0] == keys.box_public and row[1] == signature:
        return False
    store.db.execute("UPDATE accounts SET box_public = ?, box_signature = ? WHERE id = ?",
                     [keys.box_public, signature, account_id])
    return True


def attested_box(row: dict[str, Any]) -> str | None:
    """The account's box key if its own signing key (named in its signed record) vouches for it."""
    box, signature, signing = row.get("box_public"), row.get("box_signature"), row.get("public_key")
    if not (box and signature and signing):
        return None
    claim = _BOX_CLAIM + str(row["id"]).encode() + b":" + str(box).encode()
    return str(box) if verify_signature(signing, signature, claim) else None


# --- grants --------------------------------------------------------------------------------------------------

def _grant_aad(account_id: str, category: str, version: int) -> bytes:
    return f"field key:{category}:{version}:{account_id}".encode()


def own_private_keys(store: Store, account_id: str, keys: AccountKeys) -> dict[tuple[str, int], X25519PrivateKey]:
    held: dict[tuple[str, int], X25519PrivateKey] = {}
    for category, version, sealed in store.db.execute(
            f"SELECT category, version, sealed FROM {GRANTS} WHERE account_id = ?", [account_id]):
        try:
            raw = unseal(json.loads(sealed), keys.box, _grant_aad(account_id, category, int(version)))
        except (IdentityError, ValueError):
            continue  # not for this key (a password reset made new keys): an entitled holder grants it again
        held[(category, int(version))] = X25519PrivateKey.from_private_bytes(raw)
    return held


def _accounts(store: Store) -> Iterator[dict[str, Any]]:
    cursor = store.db.execute("SELECT id, role, active, public_key, box_public, box_signature FROM accounts")
    names = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        yield dict(zip(names, values, strict=True))


def entitled(role: str, category: str) -> bool:
    return role in ACTIONS[CATEGORY_BY_KEY[category].action][1]


def complete_grants(store: Store, vault: FieldVault, root: str | None) -> int:
    """Grant every current key this session holds to each trusted, active, entitled account that lacks it, and
    drop grants of accounts no longer entitled (inside the caller's transaction). Returns grants written."""
    untrusted = account_records.problems(store, root or "")
    existing = {(a, c, int(v)) for a, c, v in store.db.execute(f"SELECT account_id, category, version FROM {GRANTS}")}
    written = 0
    for account in _accounts(store):
        for category, (version, _) in vault.public.items():
            allowed = account["active"] and account["id"] not in untrusted and entitled(account["role"], category)
            if not allowed:
                store.db.execute(f"DELETE FROM {GRANTS} WHERE account_id = ? AND category = ?",
                                 [account["id"], category])
                continue
            box = attested_box(account)
            private = vault.private.get((category, version))
            if box is None or private is None or (account["id"], category, version) in existing:
                continue
            sealed = seal(_raw_private(private), box, _grant_aad(account["id"], category, version))
            store.db.execute(
                f"INSERT INTO {GRANTS}(account_id, category, version, sealed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(account_id, category, version) DO UPDATE SET sealed = excluded.sealed",
                [account["id"], category, version, json.dumps(sealed)])
            written += 1
    return written


# --- making and rotating keys ----------------------------------------------------------------------------------

def protected_columns(category: str) -> Iterator[tuple[str, str]]:
    for table, columns in PROTECTED.items():
        for column, owner in columns.items():
            if owner == category:
                yield table, column


def create(store: Store, signer_id: str, signer: AccountKeys) -> tuple[FieldVault, list[tuple[str, str]]]:
    """The first key set (an administrator's first sign-in after the upgrade, or a new database): a key pair per
    category, and every value already stored sealed under it. Inside the caller's transaction; returns the vault
    and the rows changed (table, id), for the caller's audit entry."""
    private = {c.key: X25519PrivateKey.generate() for c in CATEGORIES}
    public = {c: (1, _raw_public(k)) for c, k in private.items()}
    vault = FieldVault(public, {(c, 1): k for c, k in private.items()})
    _write_record(store, public, signer_id, signer)
    changed: list[tuple[str, str]] = []
    for table, columns in PROTECTED.items():
        for column in columns:
            changed += reseal_column(store, table, column, None, vault)
    return vault, changed


def rotate(store: Store, vault: FieldVault, categories: Iterable[str], signer_id: str,
           signer: AccountKeys) -> list[tuple[str, str]]:
    """New key pairs for `categories`, every value re-sealed under them and the old grants removed (inside the
    caller's transaction). The vault must hold the current keys. Returns the rows changed (table, id)."""
    public = dict(vault.public)
    old = FieldVault(dict(vault.public), dict(vault.private))
    rotated = [c for c in categories if c in public]
    for category in rotated:
        if not vault.holds(category):
            raise FieldKeysError(f"this account does not hold the key to {CATEGORY_BY_KEY[category].description}")
        version = public[category][0] + 1
        private = X25519PrivateKey.generate()
        public[category] = (version, _raw_public(private))
        vault.private[(category, version)] = private
    vault.public.update(public)
    changed: list[tuple[str, str]] = []
    for category in rotated:
        for table, column in protected_columns(category):
            changed += reseal_column(store, table, column, old, vault)
        store.db.execute(f"DELETE FROM {GRANTS} WHERE category = ? AND version < ?", [category, public[category][0]])
    _write_record(store, public, signer_id, signer)
    return changed


def reseal_column(store: Store, table: str, column: str, old: FieldVault | None,
                  new: FieldVault) -> list[tuple[str, str]]:
    """Seal every value of one column under the new vault's key: clear values (from before the field keys), and
    with `old`, values under an older key. Values neither opens are left (they stay unreadable, as before)."""
    category = PROTECTED[table][column]
    updates: list[tuple[str, str]] = []
    for row_id, value in store.db.execute(
            f"SELECT id, [{column}] FROM [{table}] WHERE [{column}] IS NOT NULL AND [{column}] != ''").fetchall():
        aad = associated_data(table, column, row_id)
        if is_sealed(value):
            clear = old.open(value, aad) if old is not None else None
            if clear is None:
                continue
        else:
            clear = str(value)
        updates.append((new.seal(category, clear, aad), row_id))
    store.db.conn.executemany(f"UPDATE [{table}] SET [{column}] = ? WHERE id = ?", updates)
    return [(table, row_id) for _, row_id in updates]


def has_sealed_values(store: Store) -> bool:
    for table, columns in PROTECTED.items():
        for column in columns:
            if store.db.execute(f"SELECT 1 FROM [{table}] WHERE [{column}] LIKE 'rwf1:%' LIMIT 1").fetchone():
                return True
    return False
