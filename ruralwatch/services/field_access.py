"""Who holds the field keys, kept in step with the accounts (ruralwatch.store.field_keys has the mechanics).

- At sign-in, the account vouches for its own box key, opens the grants made to it, and passes on every key it
  holds to entitled accounts that lack it. The first administrator to sign in after the upgrade makes the keys and
  seals every value already stored.
- When an administrator creates an account or resets a password, it vouches for the new account's box key (it made
  the key pair) and grants it what its role may read, in the same transaction.
- When a role is lowered or an account disabled, each category it could read gets a new key pair and every value
  is sealed again (it may have kept the old key): in the same transaction as the change itself.
Every change here is audited, with the rows it re-sealed covered (ruralwatch.store.audit).
"""

from __future__ import annotations

from collections.abc import Iterable

from ruralwatch.core.protected_fields import CATEGORIES
from ruralwatch.store import field_keys
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.field_keys import FieldKeysError, entitled
from ruralwatch.store.field_vault import FieldVault
from ruralwatch.store.identity import AccountKeys

ACCOUNTS = "accounts"


def begin_session(store: Store, root: str | None, keys: AccountKeys | None) -> None:
    """Load (or, for an administrator on a database without them, make) the field keys the signed-in account
    holds into `store.fields`. A key set changed outside RuralWatch is reported in the audit log and not used:
    protected fields can then be read where a grant opens, but not written (FieldKeysError says why)."""
    if store.key is None or keys is None or store.actor.is_system:
        return
    actor = store.actor
    with store.transaction():
        if field_keys.attest(store, actor.account_id, keys):
            record_event(store, "vouch_box_key", ACCOUNTS, actor.account_id, covers=[(ACCOUNTS, actor.account_id)])
    try:
        keyset = field_keys.load(store, root)
    except FieldKeysError as exc:
        with store.transaction():
            record_event(store, "tamper_detected", "meta", field_keys.META_KEY, {"problem": str(exc)})
        store.fields = FieldVault({}, field_keys.own_private_keys(store, actor.account_id, keys))
        return
    if keyset is None:
        if actor.role == "administrator":
            _create(store, root, keys)
        return
    vault = FieldVault(dict(keyset.keys), field_keys.own_private_keys(store, actor.account_id, keys))
    store.fields, store.field_keys_text = vault, keyset.text
    with store.transaction():
        granted = field_keys.complete_grants(store, vault, root)
        if granted:
            record_event(store, "grant_field_keys", ACCOUNTS, actor.account_id, {"grants": granted})


def _create(store: Store, root: str | None, keys: AccountKeys) -> None:
    if field_keys.has_sealed_values(store):
        # Sealed values but no key set: it was removed behind RuralWatch's back. New keys would not open them.
        with store.transaction():
            record_event(store, "tamper_detected", "meta", field_keys.META_KEY,
                         {"problem": "the field keys record was removed outside RuralWatch"})
        return
    with store.transaction():
        vault, sealed = field_keys.create(store, store.actor.account_id, keys)
        granted = field_keys.complete_grants(store, vault, root)
        record_event(store, "create_field_keys", "meta", field_keys.META_KEY,
                     {"categories": sorted(vault.public), "rows_sealed": len(sealed), "grants": granted},
                     covers=[("meta", field_keys.META_KEY), *sealed])
    store.fields, store.field_keys_text = vault, field_keys.record_text(store)


def vouch_for_new_keys(store: Store, account_id: str, keys: AccountKeys, root: str | None) -> None:
    """A new account or a reset password (inside the caller's transaction, before its audit entry covers the
    account row): the administrator who made the key pairs vouches for the box key, the grants sealed to the old
    one go, and the account is granted what its role may read."""
    field_keys.attest(store, account_id, keys)
    store.db.execute(f"DELETE FROM {field_keys.GRANTS} WHERE account_id = ?", [account_id])
    if store.fields is not None:
        field_keys.complete_grants(store, store.fields, root)


def after_access_lost(store: Store, account_id: str, readable_before: Iterable[str], root: str | None,
                      reason: str) -> None:
    """A role lowered or an account disabled (inside the caller's transaction, after the change): the categories
    it could read and may no longer get new keys and re-sealed values; every other account keeps its access."""
    vault = store.fields
    if vault is None or not vault.public:
        return
    categories = [c for c in readable_before if c in vault.public]
    if not categories:
        field_keys.complete_grants(store, vault, root)
        return
    signer = store.signer
    if signer is None:  # pragma: no cover - account changes need an administrator's own keys before this
        raise FieldKeysError("field keys are rotated by an administrator's own keys: sign in again")
    changed = field_keys.rotate(store, vault, categories, store.actor.account_id, signer)
    field_keys.complete_grants(store, vault, root)
    store.field_keys_text = field_keys.record_text(store)
    record_event(store, "rotate_field_keys", "meta", field_keys.META_KEY,
                 {"categories": categories, "reason": reason, "rows_sealed": len(changed)},
                 covers=[("meta", field_keys.META_KEY), *changed])


def readable(role: str) -> list[str]:
    return [c.key for c in CATEGORIES if entitled(role, c.key)]


def check_can_rotate(store: Store, categories: Iterable[str]) -> None:
    """Before an account change that will rotate `categories`: refuse it (changing nothing) when this session does
    not hold their keys, rather than leave the old ones with someone who may no longer read them."""
    vault = store.fields
    if vault is None or not vault.public:
        return
    missing = [c for c in categories if c in vault.public and not vault.holds(c)]
    if missing:
        raise FieldKeysError("this administrator does not hold the keys to " + ", ".join(missing) + ": sign in "
                             "again (an administrator who holds them grants them at sign-in) and retry")
