"""Personal data and intelligence under keys only entitled roles hold (ruralwatch.store.field_keys).

Each test plays the insider the threat model names: someone with an account of a lower role who opens the file
with their own password and RuralWatch's own modules, and reads or edits it below the app."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fixtures.accounts import add_account

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.core.permissions import ACCOUNT_ROLES
from ruralwatch.core.protected_fields import CATEGORIES, PROTECTED
from ruralwatch.services.accounts import AccountService, create_database, encrypt_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.store import Store, field_keys, open_store
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.field_keys import GRANTS, FieldKeysError, entitled
from ruralwatch.store.field_vault import FieldVault, associated_data, is_sealed
from ruralwatch.store.identity import AccountKeys, IdentityError, unseal
from ruralwatch.store.keyring import TEST_PARAMS, Keyring

ADMIN = ("admin", "the administrator's long password")
PASSWORD = "a long enough password"
ROLES = [role for role, _ in ACCOUNT_ROLES if role != "administrator"]
# One value per protected field; none of them may be readable in the file by a role not entitled to it.
SECRETS = {
    ("incidents", "reporter_name"): "Mary Reporter",
    ("incidents", "reporter_phone"): "07700 900456",
    ("people", "phone"): "07700 900123",
    ("people", "email"): "val@example.org",
    ("people", "notes"): "Prefers dawn shifts",
    ("incident_vehicles", "vrm"): "KX19ABC",
    ("patrol_events", "vrm"): "YR21XYZ",
}


# What each role may read, written out here (not derived from the code under test): PERMISSIONS.md's policy.
MAY_READ = {
    "ret_officer": {"reporters", "volunteers", "registrations"},
    "special": {"registrations"},
    "coordinator": {"volunteers", "registrations"},
    "analyst": set(),
}


def _user(role: str) -> str:
    return f"{role}-user"


def _fill(services: Services) -> None:
    """One row of every protected field, recorded through the services as an officer would."""
    services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 06:30", lat=51.95, lon=0.28, place="Stubble field",
        reporter_name=SECRETS[("incidents", "reporter_name")], reporter_phone=SECRETS[("incidents", "reporter_phone")],
        vehicles=[VehicleInput(SECRETS[("incident_vehicles", "vrm")], role="suspect")]))
    officer = services.people.add(PersonInput(name="Olive Officer", role="officer", station="Dunmow"))
    services.people.add(PersonInput(
        name="Val Volunteer", role="volunteer", station="Dunmow", phone=SECRETS[("people", "phone")],
        email=SECRETS[("people", "email")], notes=SECRETS[("people", "notes")]))
    patrol, _ = services.patrols.create(PatrolInput(
        day="2026-11-21", start="20:00", end="23:00", area="Uttlesford", purpose="general_rural_patrol",
        title="Night patrol", crew=[officer.id]))
    services.patrols.start(patrol.id)
    services.patrols.log(patrol.id, PatrolEventInput(kind="stop_check", vrm=SECRETS[("patrol_events", "vrm")]))


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """An encrypted database with an administrator, one account of every other role, and a row of every
    protected field recorded by the administrator."""
    path = tmp_path / "team.db"
    admin = create_database(path, ADMIN[0], ADMIN[1], TEST_PARAMS)
    try:
        for role in ROLES:
            add_account(admin, _user(role), role, PASSWORD)
        _fill(Services.build(admin))
    finally:
        admin.close()
    return path


def _insider(path: Path, username: str, password: str) -> tuple[Store, AccountKeys, str]:
    """What an account holder has below the app: the database key and their own private keys (from their keyring
    entry and password), and the file opened with RuralWatch's own modules as no one in particular."""
    unlocked = Keyring.load(path).open(username, password)
    assert unlocked.keys is not None
    store = open_store(path, key=unlocked.key)
    account_id = store.db.execute("SELECT id FROM accounts WHERE username = ?", [username]).fetchone()[0]
    return store, unlocked.keys, account_id


def _every_text_value(store: Store) -> str:
    """Every text value of every table (audit log, conflicts, grants and meta included), as one string."""
    values: list[str] = []
    tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in store.db.execute(f"SELECT * FROM [{table}]"):
            values += [v for v in row if isinstance(v, str)]
    return "\n".join(values)


def _try_every_key(store: Store, keys: AccountKeys) -> dict[tuple[str, str], str | None]:
    """Each protected field opened with every private key the account's box key unseals from any grant in the file
    (those sealed to other accounts are tried too: they must not open)."""
    held: dict[tuple[str, int], X25519PrivateKey] = {}
    for account_id, category, version, sealed in store.db.execute(
            f"SELECT account_id, category, version, sealed FROM {GRANTS}").fetchall():
        try:
            raw = unseal(json.loads(sealed), keys.box, f"field key:{category}:{version}:{account_id}".encode())
        except IdentityError:
            continue
        held[(category, int(version))] = X25519PrivateKey.from_private_bytes(raw)
    vault = FieldVault({}, held)
    opened: dict[tuple[str, str], str | None] = {}
    for (table, column) in SECRETS:
        row_id, value = store.db.execute(
            f"SELECT id, [{column}] FROM [{table}] WHERE [{column}] IS NOT NULL AND [{column}] != ''").fetchone()
        assert is_sealed(value), f"{table}.{column} is stored in clear"
        opened[(table, column)] = vault.open(value, associated_data(table, column, row_id))
    return opened


@pytest.mark.parametrize("role", ROLES)
def test_an_insider_reads_no_protected_field_their_role_may_not(team: Path, role: str) -> None:
    store, keys, _ = _insider(team, _user(role), PASSWORD)
    try:
        everything = _every_text_value(store)
        opened = _try_every_key(store, keys)
    finally:
        store.close()
    for (table, column), secret in SECRETS.items():
        may = PROTECTED[table][column] in MAY_READ[role]
        assert (opened[(table, column)] == secret) is may, (role, table, column)
        assert secret not in everything, f"{table}.{column} is readable in clear somewhere in the file"


@pytest.mark.parametrize("role", ROLES)
def test_signed_in_each_role_sees_exactly_what_its_keys_open(team: Path, role: str) -> None:
    store = sign_in(team, _user(role), PASSWORD)
    try:
        held = {c.key for c in CATEGORIES if store.fields is not None and store.fields.holds(c.key)}
        assert held == MAY_READ[role] == {c.key for c in CATEGORIES if entitled(role, c.key)}
        phones = [r[0] for r in store.db.execute(
            "SELECT rw_open(reporter_phone, 'incidents', 'reporter_phone', id) FROM incidents")]
        assert phones == [SECRETS[("incidents", "reporter_phone")] if "reporters" in held else ""]
    finally:
        store.close()


def test_a_special_records_a_reporter_they_cannot_read_back_but_an_officer_can(team: Path) -> None:
    special = sign_in(team, _user("special"), PASSWORD)
    try:
        recorded = Services.build(special).incidents.record(IncidentInput(
            kind="fly_tipping", occurred_start="2026-11-22 09:00", lat=51.9, lon=0.3, place="Lane end",
            reporter_name="Dora Walker", reporter_phone="07700 900789"))
        assert recorded.reporter_phone == ""
        raw = special.db.execute("SELECT reporter_phone FROM incidents WHERE id = ?", [recorded.id]).fetchone()[0]
        assert is_sealed(raw)
    finally:
        special.close()
    officer = sign_in(team, _user("ret_officer"), PASSWORD)
    try:
        assert Services.build(officer).incidents.get(recorded.id).reporter_phone == "07700 900789"
    finally:
        officer.close()


def test_a_lowered_role_or_disabled_account_keeps_nothing_it_could_read(team: Path) -> None:
    """The officer copies their private keys while entitled; after the demotion (and a disabling for the
    coordinator) every value is sealed under new keys their copies do not open, and the others still read."""
    officer, officer_keys, officer_id = _insider(team, _user("ret_officer"), PASSWORD)
    coordinator, coordinator_keys, coordinator_id = _insider(team, _user("coordinator"), PASSWORD)
    kept = {**field_keys.own_private_keys(officer, officer_id, officer_keys),
            **field_keys.own_private_keys(coordinator, coordinator_id, coordinator_keys)}
    officer.close()
    coordinator.close()
    assert {c for c, _ in kept} == {"reporters", "volunteers", "registrations"}
    admin = sign_in(team, *ADMIN)
    try:
        AccountService(admin).set_role(_user("ret_officer"), "special")
        AccountService(admin).set_active(_user("coordinator"), False)
        assert AuditLog(admin).verify().ok, AuditLog(admin).verify().summary()
    finally:
        admin.close()
    store, keys, account_id = _insider(team, _user("ret_officer"), PASSWORD)
    try:
        copy = FieldVault({}, kept)
        for (table, column) in SECRETS:
            if PROTECTED[table][column] == "registrations":
                continue  # still entitled as a Special: that key was never theirs to lose
            row_id, value = store.db.execute(
                f"SELECT id, [{column}] FROM [{table}] WHERE [{column}] != ''").fetchone()
            assert copy.open(value, associated_data(table, column, row_id)) is None, (table, column)
        assert {c for c, _ in field_keys.own_private_keys(store, account_id, keys)} == {"registrations"}
    finally:
        store.close()
    for username, password in ((ADMIN[0], ADMIN[1]), (_user("special"), PASSWORD)):
        other = sign_in(team, username, password)
        try:
            vehicles = Services.build(other).incidents.list()[0].vehicles
            assert vehicles[0]["vrm"] == SECRETS[("incident_vehicles", "vrm")]
        finally:
            other.close()


def test_a_public_key_swapped_in_by_an_insider_is_not_used_and_is_reported(team: Path) -> None:
    """The Special writes a key pair of their own into the key set, hoping to read what others record next."""
    store, keys, account_id = _insider(team, _user("special"), PASSWORD)
    try:
        mine = X25519PrivateKey.generate()
        record = json.loads(field_keys.record_text(store) or "{}")
        raw = mine.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        record["keys"]["reporters"]["public"] = raw.hex()
        store.db.execute("UPDATE meta SET value = ? WHERE key = ?", [json.dumps(record), field_keys.META_KEY])
        store.db.conn.commit()
    finally:
        store.close()
    officer = sign_in(team, _user("ret_officer"), PASSWORD)
    try:
        with pytest.raises(FieldKeysError, match="changed outside RuralWatch"):
            Services.build(officer).incidents.record(IncidentInput(
                kind="fly_tipping", occurred_start="2026-11-22 09:00", lat=51.9, lon=0.3, place="Lane end",
                reporter_phone="07700 900789"))
        assert officer.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 1  # nothing written
        tampers = [json.loads(r[0])["problem"] for r in officer.db.execute(
            "SELECT changes FROM audit_log WHERE action = 'tamper_detected'")]
        assert any("field keys" in t for t in tampers)
    finally:
        officer.close()
    admin = sign_in(team, *ADMIN)
    try:
        assert any(p.table == "meta" for p in AuditLog(admin).verify().problems)
    finally:
        admin.close()


def test_encrypting_a_plain_database_seals_what_it_already_holds(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    plain = open_store(path)
    try:
        _fill(Services.build(plain))
    finally:
        plain.close()
    encrypt_database(path, ADMIN[0], ADMIN[1], TEST_PARAMS)
    store, _, _ = _insider(path, *ADMIN)
    try:
        for table, column in SECRETS:
            assert all(is_sealed(v) for (v,) in store.db.execute(
                f"SELECT [{column}] FROM [{table}] WHERE [{column}] != ''")), (table, column)
    finally:
        store.close()
    admin = sign_in(path, *ADMIN)
    try:
        assert AuditLog(admin).verify().ok, AuditLog(admin).verify().summary()
        assert Services.build(admin).people.find("Val Volunteer").email == SECRETS[("people", "email")]
    finally:
        admin.close()


def _laptop(path: Path) -> None:
    admin = create_database(path, ADMIN[0], ADMIN[1], TEST_PARAMS)
    try:
        add_account(admin, "officer", "ret_officer", PASSWORD)
    finally:
        admin.close()


def test_sync_between_encrypted_laptops_carries_the_values_and_seals_them_again(tmp_path: Path) -> None:
    """Packages carry clear values inside their own encryption; the receiver seals them under its own keys,
    a conflict on a protected field is kept sealed too, and the audit stays clean on both sides."""
    a_path, b_path = tmp_path / "a.db", tmp_path / "b.db"
    _laptop(a_path)
    _laptop(b_path)
    passphrase = "a shared sync passphrase"
    a, b = sign_in(a_path, "officer", PASSWORD), sign_in(b_path, "officer", PASSWORD)
    try:
        sa, sb = Services.build(a), Services.build(b)
        for x, y in ((sa, sb), (sb, sa)):
            identity = y.sync.identity()
            x.sync.trust(identity.device_id, identity.public_key)
        incident = sa.incidents.record(IncidentInput(
            kind="hare_coursing", occurred_start="2026-11-20 06:30", lat=51.95, lon=0.28, place="Stubble field",
            reporter_phone="07700 900456", vehicles=[VehicleInput("KX19ABC")]))
        sa.sync.export(tmp_path / "1.rwsync", passphrase=passphrase)
        sb.sync.import_package(tmp_path / "1.rwsync", passphrase)
        assert sb.incidents.get(incident.id).reporter_phone == "07700 900456"
        assert sb.incidents.get(incident.id).vehicles[0]["vrm"] == "KX19ABC"
        assert is_sealed(b.db.execute("SELECT reporter_phone FROM incidents").fetchone()[0])
        # Both edit the same phone number before the next sync: a conflict, kept sealed.
        edit = _input_of(sa.incidents.get(incident.id))
        sa.incidents.update(incident.id, IncidentInput(**{**edit, "reporter_phone": "07700 900111"}))
        sb.incidents.update(incident.id, IncidentInput(**{**edit, "reporter_phone": "07700 900222"}))
        sa.sync.export(tmp_path / "2.rwsync", since_last_for=b.device_id, passphrase=passphrase)
        sb.sync.import_package(tmp_path / "2.rwsync", passphrase)
        conflicts = sb.sync.conflicts()
        assert [(c.field, {c.local_value, c.incoming_value}) for c in conflicts] == [
            ("reporter_phone", {"07700 900111", "07700 900222"})]
        assert "07700 900111" not in _every_text_value(b)
        for store in (a, b):
            assert AuditLog(store).verify().ok, AuditLog(store).verify().summary()
    finally:
        a.close()
        b.close()


def _input_of(incident: Any) -> dict[str, Any]:
    return {"kind": incident.kind, "occurred_start": incident.occurred_start, "lat": incident.lat,
            "lon": incident.lon, "place": incident.place, "reporter_phone": incident.reporter_phone,
            "vehicles": [VehicleInput(v["vrm"], role=v["role"]) for v in incident.vehicles]}


def test_the_file_is_unreadable_to_plain_sqlite(team: Path) -> None:
    """Below the field keys, the whole file stays encrypted (SQLCipher): the standard library cannot read it."""
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(team).execute("SELECT COUNT(*) FROM incidents").fetchone()


@pytest.mark.parametrize("role", ROLES)
def test_no_role_raises_itself_by_editing_the_file(team: Path, role: str) -> None:
    """The other half of the insider's aim: the role raised with SQL (and a grant row copied to themselves) gets
    neither a sign-in nor a key."""
    from ruralwatch.store.keyring import SignInError

    store, _, account_id = _insider(team, _user(role), PASSWORD)
    try:
        admin_id = store.db.execute("SELECT id FROM accounts WHERE username = ?", [ADMIN[0]]).fetchone()[0]
        store.db.execute("UPDATE accounts SET role = 'administrator' WHERE id = ?", [account_id])
        store.db.execute(f"INSERT OR IGNORE INTO {GRANTS}(account_id, category, version, sealed) "
                         f"SELECT ?, category, version, sealed FROM {GRANTS} WHERE account_id = ?",
                         [account_id, admin_id])
        store.db.conn.commit()
    finally:
        store.close()
    with pytest.raises(SignInError, match="changed outside RuralWatch"):
        sign_in(team, _user(role), PASSWORD)
    store, keys, account_id = _insider(team, _user(role), PASSWORD)
    try:
        opened = _try_every_key(store, keys)
    finally:
        store.close()
    assert {PROTECTED[t][c] for (t, c), v in opened.items() if v is not None} <= MAY_READ[role]


# --- what a review found an insider could still do, each closed --------------------------------------------------


def _record_reporter(path: Path, username: str, password: str, phone: str) -> str:
    store = sign_in(path, username, password)
    try:
        return Services.build(store).incidents.record(IncidentInput(
            kind="fly_tipping", occurred_start="2026-11-22 09:00", lat=51.9, lon=0.3, place="Lane end",
            reporter_phone=phone)).id
    finally:
        store.close()


def test_a_trigger_planted_to_run_in_an_entitled_session_reads_nothing(team: Path) -> None:
    """The analyst plants a trigger that would call rw_open when the administrator's sign-in writes its audit
    entry: triggers may not call it, the sign-in removes what RuralWatch never makes, and says so."""
    store, _, _ = _insider(team, _user("analyst"), PASSWORD)
    try:
        store.db.conn.executescript(
            "CREATE TABLE loot(v TEXT); CREATE TRIGGER grab AFTER INSERT ON audit_log BEGIN "
            "INSERT INTO loot SELECT rw_open(reporter_phone, 'incidents', 'reporter_phone', id) FROM incidents; END;")
    finally:
        store.close()
    admin = sign_in(team, *ADMIN)
    try:
        assert admin.db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 0
        removed = admin.db.execute("SELECT changes FROM audit_log WHERE action = 'tamper_detected'").fetchone()
        assert "trigger grab" in removed[0]
    finally:
        admin.close()
    store, _, _ = _insider(team, _user("analyst"), PASSWORD)
    try:
        assert store.db.execute("SELECT COUNT(*) FROM loot").fetchone()[0] == 0
    finally:
        store.close()


def test_a_demotion_undone_by_writing_the_old_record_back_is_refused(team: Path) -> None:
    """The officer keeps her signed record, is demoted, writes it back and covers it with an audit entry signed
    by her own key: the sign-in is refused, verify says so, and no later key reaches her."""
    from ruralwatch.core.permissions import Actor
    from ruralwatch.store.audit import record_event
    from ruralwatch.store.keyring import SignInError

    store, keys, account_id = _insider(team, _user("ret_officer"), PASSWORD)
    saved = store.db.execute("SELECT role, signed_by, signature FROM accounts WHERE id = ?", [account_id]).fetchone()
    store.close()
    admin = sign_in(team, *ADMIN)
    AccountService(admin).set_role(_user("ret_officer"), "special")
    admin.close()
    store, keys, account_id = _insider(team, _user("ret_officer"), PASSWORD)
    try:
        store.actor, store.signer = Actor(_user("ret_officer"), "special", account_id), keys
        with store.transaction():
            store.db.execute("UPDATE accounts SET role = ?, signed_by = ?, signature = ? WHERE id = ?",
                             [*saved, account_id])
            record_event(store, "login", "accounts", account_id, covers=[("accounts", account_id)])
    finally:
        store.close()
    with pytest.raises(SignInError, match="not the one an administrator last signed"):
        sign_in(team, _user("ret_officer"), PASSWORD)
    admin = sign_in(team, *ADMIN)
    try:
        assert any(p.kind == "record_replayed" for p in AuditLog(admin).verify().problems)
    finally:
        admin.close()
    _record_reporter(team, *ADMIN, phone="07700 900999")
    store, keys, _ = _insider(team, _user("ret_officer"), PASSWORD)
    try:
        assert _try_every_key(store, keys)[("incidents", "reporter_phone")] is None
    finally:
        store.close()


def test_an_older_key_set_written_back_is_not_used(team: Path) -> None:
    """The officer keeps the key set she holds, is demoted, and writes it back, hoping the next values are sealed
    under it: writes are refused instead, and verify says why."""
    store, _, _ = _insider(team, _user("ret_officer"), PASSWORD)
    old = field_keys.record_text(store)
    store.close()
    admin = sign_in(team, *ADMIN)
    AccountService(admin).set_role(_user("ret_officer"), "special")
    admin.close()
    store, _, _ = _insider(team, _user("ret_officer"), PASSWORD)
    try:
        store.db.execute("UPDATE meta SET value = ? WHERE key = ?", [old, field_keys.META_KEY])
        store.db.conn.commit()
    finally:
        store.close()
    with pytest.raises(FieldKeysError, match="older set written back"):
        _record_reporter(team, *ADMIN, phone="07700 900999")
    admin = sign_in(team, *ADMIN)
    try:
        assert any("older set written back" in p.message for p in AuditLog(admin).verify().problems)
    finally:
        admin.close()


def test_a_rotation_from_a_window_opened_before_another_rotation_keeps_everyone_reading(team: Path) -> None:
    """Two administrators' windows: one lowers the coordinator (registrations and volunteers rotate), then the
    other, opened before, lowers the officer. New values stay readable by those entitled and by no one else."""
    admin = sign_in(team, *ADMIN)
    add_account(admin, "admin2", "administrator", PASSWORD)
    admin.close()
    coordinator, coordinator_keys, coordinator_id = _insider(team, _user("coordinator"), PASSWORD)
    kept = field_keys.own_private_keys(coordinator, coordinator_id, coordinator_keys)
    coordinator.close()
    first = sign_in(team, *ADMIN)  # opened before the other rotation
    second = sign_in(team, "admin2", PASSWORD)
    AccountService(second).set_role(_user("coordinator"), "analyst")
    second.close()
    AccountService(first).set_role(_user("ret_officer"), "special")
    first.close()
    admin = sign_in(team, *ADMIN)
    add_account(admin, "officer2", "ret_officer", PASSWORD)
    admin.close()
    incident = _record_reporter(team, "officer2", PASSWORD, "07700 900321")
    for username, password in ((ADMIN[0], ADMIN[1]), ("officer2", PASSWORD)):
        store = sign_in(team, username, password)
        try:
            assert Services.build(store).incidents.get(incident).reporter_phone == "07700 900321"
        finally:
            store.close()
    admin = sign_in(team, *ADMIN)
    try:
        assert AuditLog(admin).verify().ok, AuditLog(admin).verify().summary()
    finally:
        admin.close()
    store, _, _ = _insider(team, *ADMIN)
    try:
        row_id, value = store.db.execute("SELECT id, vrm FROM incident_vehicles").fetchone()
        assert FieldVault({}, kept).open(value, associated_data("incident_vehicles", "vrm", row_id)) is None
    finally:
        store.close()


@pytest.mark.parametrize("change", ["demote", "reset", "disable"])
def test_the_key_set_outlives_the_administrator_who_signed_it(team: Path, change: str) -> None:
    admin = sign_in(team, *ADMIN)
    add_account(admin, "admin2", "administrator", PASSWORD)
    admin.close()
    second = sign_in(team, "admin2", PASSWORD)
    AccountService(second).set_role(_user("coordinator"), "special")  # a rotation: admin2 signs the key set
    second.close()
    admin = sign_in(team, *ADMIN)
    service = AccountService(admin)
    {"demote": lambda: service.set_role("admin2", "ret_officer"),
     "reset": lambda: service.reset_password("admin2", "another long password", params=TEST_PARAMS),
     "disable": lambda: service.set_active("admin2", False)}[change]()
    admin.close()
    incident = _record_reporter(team, _user("ret_officer"), PASSWORD, "07700 900654")
    admin = sign_in(team, *ADMIN)
    try:
        assert Services.build(admin).incidents.get(incident).reporter_phone == "07700 900654"
        assert AuditLog(admin).verify().ok, AuditLog(admin).verify().summary()
    finally:
        admin.close()


def test_copies_from_before_the_field_keys_are_removed_when_they_are_made(tmp_path: Path) -> None:
    """A database upgraded to field keys: the copy its schema upgrade left holds the values in clear under the
    database key every account has. It is shredded once the values are sealed."""
    path = tmp_path / "team.db"
    admin = create_database(path, ADMIN[0], ADMIN[1], TEST_PARAMS)
    with admin.transaction():  # as a database from before field keys: no key set yet
        admin.db.execute("DELETE FROM meta WHERE key = ?", [field_keys.META_KEY])
        admin.db.execute(f"DELETE FROM {GRANTS}")
    admin.close()
    copy = path.with_name(path.name + ".schema13-20261201T000000Z.bak")
    copy.write_bytes(b"an old copy with reporters in clear")
    admin = sign_in(path, *ADMIN)
    try:
        assert field_keys.record_text(admin) is not None
        assert not copy.exists()
    finally:
        admin.close()


def test_an_encrypted_database_exports_only_encrypted_packages(team: Path, tmp_path: Path) -> None:
    from ruralwatch.core.errors import ValidationError

    officer = sign_in(team, _user("ret_officer"), PASSWORD)
    try:
        with pytest.raises(ValidationError, match="give a passphrase"):
            Services.build(officer).sync.export(tmp_path / "clear.rwsync")
        assert not (tmp_path / "clear.rwsync").exists()
    finally:
        officer.close()
