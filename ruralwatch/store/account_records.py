"""Account records signed by an administrator, so that a role cannot be raised by editing the database.

Every account row (its name, role, whether it is active, the person it belongs to and its signing key) is signed
with the Ed25519 key of the administrator who last changed it; the first administrator (the keyring's root) signs
its own. A record is trusted when its signature chain ends at the root: each signer's own record must itself be
trusted and say "administrator". Anyone who holds the database key can still edit the table, but cannot sign as an
administrator without that administrator's password, and cannot swap the root without breaking every other
account's sign-in (ruralwatch.store.keyring). Checked at every sign-in and by `audit verify`.
"""

from __future__ import annotations

from typing import Any

from ruralwatch.store.database import Store
from ruralwatch.store.identity import AccountKeys, canonical, verify_signature

COLUMNS = "id, username, role, active, person_id, public_key, signed_by, signature"


def record_payload(row: dict[str, Any]) -> bytes:
    """What is signed: the fields that decide what an account may do and who it is."""
    return canonical({
        "id": row["id"], "username": str(row["username"]).casefold(), "role": row["role"],
        "active": bool(row["active"]), "person_id": row["person_id"], "public_key": row["public_key"],
    })


def _rows(store: Store) -> dict[str, dict[str, Any]]:
    cursor = store.db.execute(f"SELECT {COLUMNS} FROM accounts")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def sign(store: Store, account_id: str, signer_id: str, signer: AccountKeys, public_key: str | None = None,
         set_key: bool = False) -> None:
    """(Re-)sign one record as `signer_id`, inside the caller's transaction; with `set_key`, the account's signing
    key becomes `public_key` first (a new account, a reset password)."""
    if set_key:
        store.db.execute("UPDATE accounts SET public_key = ? WHERE id = ?", [public_key, account_id])
    row = _rows(store)[account_id]
    store.db.execute("UPDATE accounts SET signed_by = ?, signature = ? WHERE id = ?",
                     [signer_id, signer.sign(record_payload(row)), account_id])


def problems(store: Store, root: str) -> dict[str, str]:
    """Account id -> why its record is not trusted, for every account whose record fails."""
    rows = _rows(store)
    trusted: dict[str, bool] = {}
    found: dict[str, str] = {}

    def check(account_id: str, seen: frozenset[str]) -> str | None:
        row = rows[account_id]
        name = row["username"]
        if not row["signature"] or not row["signed_by"]:
            return f"the account record of {name} is not signed by an administrator"
        signer_id = row["signed_by"]
        if signer_id == account_id:
            if row["public_key"] != root or row["role"] != "administrator":
                return f"the account record of {name} signs itself but is not the first administrator's"
            key = root
        else:
            signer = rows.get(signer_id)
            if signer is None or signer_id in seen:
                return f"the account record of {name} is signed by an account that is not there"
            if (not is_trusted(signer_id, seen | {account_id}) or signer["role"] != "administrator"
                    or not signer["active"]):
                return (f"the account record of {name} is signed by {signer['username']}, who is not a trusted "
                        "administrator")
            key = signer["public_key"]
        if not key or not verify_signature(key, row["signature"], record_payload(row)):
            return f"the account record of {name} does not match its signature (changed outside RuralWatch)"
        if not row["public_key"]:
            # Made before accounts had keys: nothing yet binds a key to it, so anyone holding the database key could
            # write a keyring entry in its name. An administrator sets a new password, which vouches for new keys.
            return f"the account record of {name} names no signing key yet: an administrator must set a new password"
        return None

    def is_trusted(account_id: str, seen: frozenset[str]) -> bool:
        if account_id not in trusted:
            problem = check(account_id, seen)
            trusted[account_id] = problem is None
            if problem:
                found[account_id] = problem
        return trusted[account_id]

    for account_id in rows:
        is_trusted(account_id, frozenset())
    return found
