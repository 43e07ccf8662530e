"""The audit log: every change chained in the same transaction; tampering with an entry or a row is caught."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.store import Store
from ruralwatch.store.audit import PERSONAL_MARK, AuditLog
from ruralwatch.store.keyring import TEST_PARAMS, SignInError

PASSWORD = "correct horse battery"


def _incident(services: Services, place: str = "Brook Farm") -> str:
    return services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 06:30", lat=51.95, lon=0.35, place=place,
        reporter_name="Jo Farmer", reporter_phone="07700 900123",
    )).id


def test_every_write_is_chained_and_verifies(store: Store) -> None:
    services = Services.build(store)
    incident = _incident(services)
    services.incidents.update(incident, IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 06:30", lat=51.95, lon=0.35, place="Brook Farm, gate 2",
        reporter_name="Jo Farmer", reporter_phone="07700 900123",
    ))
    services.incidents.delete(incident)
    log = AuditLog(store)
    actions = [(e.action, e.table) for e in reversed(log.entries())]
    assert actions == [("create", "incidents"), ("update", "incidents"), ("delete", "incidents")]
    update = log.entries(action="update")[0]
    assert update.changes == {"place": ["Brook Farm", "Brook Farm, gate 2"]}
    assert log.verify().ok


def test_an_edit_that_does_not_say_when_it_was_reported_keeps_the_recorded_time(store: Store) -> None:
    """Validation dates a report with no reported time 'now': an edit without one moved the report's time to the
    moment of the edit (and the audit entry said so)."""
    services = Services.build(store)
    recorded = services.incidents.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 06:30", reported_at="2026-11-20 07:15", lat=51.95,
        lon=0.35, place="Brook Farm"))
    edited = services.incidents.update(recorded.id, IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 06:30", lat=51.95, lon=0.35, place="Brook Farm, gate 2"))
    assert edited.reported_at == recorded.reported_at
    assert AuditLog(store).entries(action="update")[0].changes == {"place": ["Brook Farm", "Brook Farm, gate 2"]}


def test_personal_values_are_never_in_the_log(store: Store) -> None:
    _incident(Services.build(store))
    created = AuditLog(store).entries(action="create")[0].changes
    assert created["reporter_phone"] == [None, PERSONAL_MARK] and created["reporter_name"] == [None, PERSONAL_MARK]
    dump = "\n".join(str(row) for row in store.db.execute("SELECT * FROM audit_log"))
    assert "07700 900123" not in dump and "Jo Farmer" not in dump


def test_a_refused_write_leaves_no_entry(store: Store) -> None:
    services = Services.build(store)
    before = AuditLog(store).count()
    with pytest.raises(ValidationError):
        services.incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2099-01-01 00:00",
                                                lat=51.95, lon=0.35))
    with pytest.raises(RuntimeError), store.transaction():
        _incident(services)  # written, then the transaction is rolled back: its audit entry goes with it
        raise RuntimeError("rolled back")
    assert AuditLog(store).count() == before


def test_editing_an_entry_breaks_the_chain_at_that_entry(store: Store) -> None:
    services = Services.build(store)
    for n in range(3):
        _incident(services, f"Farm {n}")
    store.db.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
    result = AuditLog(store).verify()
    assert not result.ok and result.first_broken == 2 and "altered" in result.problem


def test_removing_the_newest_entries_is_caught(store: Store) -> None:
    services = Services.build(store)
    for n in range(3):
        _incident(services, f"Farm {n}")
    store.db.execute("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    result = AuditLog(store).verify()
    assert not result.ok and "removed" in result.problem


def test_a_row_edited_behind_the_applications_back_is_caught(store: Store) -> None:
    services = Services.build(store)
    incident = _incident(services)
    assert AuditLog(store).verify().ok
    store.db.execute("UPDATE incidents SET place = 'Somewhere else' WHERE id = ?", [incident])
    result = AuditLog(store).verify()
    assert not result.ok and incident in result.problem and "outside RuralWatch" in result.problem


def test_sign_ins_and_failed_sign_ins_are_audited_and_the_file_is_unreadable_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "rw.db"
    create_database(path, "admin", PASSWORD, TEST_PARAMS).close()
    with pytest.raises(SignInError):
        sign_in(path, "admin", "not the password")
    store = sign_in(path, "admin", PASSWORD)
    try:
        actions = [e.action for e in reversed(AuditLog(store).entries())]
        assert actions[-2:] == ["failed_login", "login"]
        assert AuditLog(store).verify().ok
    finally:
        store.close()
    plain = sqlite3.connect(path)  # the standard library's SQLite, as `sqlite3 FILE` would
    try:
        with pytest.raises(sqlite3.DatabaseError):
            plain.execute("SELECT COUNT(*) FROM incidents").fetchone()
    finally:
        plain.close()


def test_verify_reports_progress_over_entries_and_rows_and_stops_when_cancelled(store: Store,
                                                                                 monkeypatch) -> None:
    # The window runs Verify off the UI thread with progress and Cancel: it needs both from the walk.
    from ruralwatch.core.errors import CancelledError
    from ruralwatch.store import audit as audit_module

    services = Services.build(store)
    for number in range(3):
        _incident(services, f"Farm {number}")
    monkeypatch.setattr(audit_module._Ticker, "EVERY", 1)
    seen: list[tuple[int, int]] = []
    notes: set[str] = set()
    result = services.audit.verify(lambda done, total, note="": seen.append((done, total)) or notes.add(note) or True)
    assert result.ok
    assert notes == {"Checking every audit entry and the rows it covers"}  # the words the window and CLI show
    total = seen[0][1]
    assert seen[0] == (0, total) and {t for _, t in seen} == {total}
    assert total >= result.entries + 3 and seen[-1][0] == total  # every entry, then every row
    with pytest.raises(CancelledError):
        services.audit.verify(lambda done, total, _note="": done < 2)
