"""Protected fields (ruralwatch.core.protected_fields) sealed on their way into the database and opened on the way
out, for the session's field keys (ruralwatch.store.field_keys).

Writes seal whenever the database has field keys, whoever writes: sealing needs only the public keys. Reads open
what the session holds a key to and give "" for the rest, so a role without the key sees a blank field, as the
services would show it anyway. SQL that reads a protected column wraps it in `rw_open(value, table, column, id)`
(registered on every connection by ruralwatch.store.database).
"""

from __future__ import annotations

from typing import Any

from ruralwatch.core.protected_fields import PROTECTED
from ruralwatch.store import field_keys
from ruralwatch.store.database import Store
from ruralwatch.store.field_vault import FieldVault, associated_data, is_sealed
from ruralwatch.store.keyring import Keyring, keyring_path


def writing_vault(store: Store) -> FieldVault | None:
    """The vault to seal with: None while the database has no field keys (a plain database, or one not yet
    upgraded by an administrator). Follows a rotation made by another program since this session began (the
    stored key set changed): it is checked again before it is used. FieldKeysError if it fails that check.

    Inside a write transaction (store.transaction, BEGIN IMMEDIATE) it is read once: no other program can
    change it before the transaction ends, and this program's own changes (services/field_access) put the new
    vault on the store as they make them (which forgets the check). A bulk write sealed a reporter per row, and
    this read was 12% of it."""
    if store.field_keys_checked:
        return store.checked_vault
    vault = _current_vault(store)
    if store.in_write:
        store.field_keys_checked, store.checked_vault = True, vault
    return vault


def _current_vault(store: Store) -> FieldVault | None:
    text = field_keys.record_text(store)
    if text is None:
        return None
    vault = store.fields
    if vault is not None and store.field_keys_text == text:
        return vault
    root = Keyring.load(store.path).root if keyring_path(store.path).exists() else None
    keyset = field_keys.load(store, root)
    if keyset is None:  # pragma: no cover - the text was there a moment ago, in the same transaction
        return None
    if vault is None:
        vault = FieldVault(dict(keyset.keys))
        store.fields = vault
    else:
        vault.public = dict(keyset.keys)
    store.field_keys_text = text
    return vault


def seal_values(store: Store, table: str, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with their protected, non-blank clear values sealed (a copy; the same dict when nothing is)."""
    columns = PROTECTED.get(table)
    if not columns or not any(isinstance(values.get(c), str) and values[c] and not is_sealed(values[c])
                              for c in columns):
        return values
    vault = writing_vault(store)
    if vault is None:
        return values
    sealed = dict(values)
    for column, category in columns.items():
        value = sealed.get(column)
        if isinstance(value, str) and value and not is_sealed(value):
            sealed[column] = vault.seal(category, value, associated_data(table, column, row_id))
    return sealed


def open_values(store: Store, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row read from `table` with its protected values opened ("" where this session holds no key)."""
    columns = PROTECTED.get(table)
    if not columns or not any(is_sealed(row.get(c)) for c in columns):
        return row
    opened = dict(row)
    for column in columns:
        value = opened.get(column)
        if is_sealed(value):
            opened[column] = store.open_field(value, table, column, str(opened["id"]))
    return opened
