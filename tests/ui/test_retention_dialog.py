"""Account ▸ Retention of personal data: the list of what is due (no personal values in it), anonymising exactly
that list, and refusing when it changed in between. Real services and store; work off the UI thread; no sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

from ruralwatch.core.clock import HybridLogicalClock
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.ui.retention_dialog import RetentionDialog


def _closed_long_ago(services: Services, reporter: str, phone: str) -> str:
    """A closed incident with a reporter's contact details, recorded in June 2024: due after 12 months."""
    store = services.store
    real_clock = store.clock
    then = int(datetime(2024, 6, 1, 12, tzinfo=UTC).timestamp() * 1000)
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: then)
    try:
        return services.incidents.record(IncidentInput(
            kind="hare_coursing", occurred_start="2024-05-31 07:00", lat=51.9, lon=0.35, status="closed",
            reporter_name=reporter, reporter_phone=phone)).id
    finally:
        store.clock = real_clock


def _cells(dialog: RetentionDialog) -> list[str]:
    table = dialog.table
    return [table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())]


def test_review_then_anonymise_exactly_what_was_listed(qtbot, services: Services) -> None:
    incident_id = _closed_long_ago(services, "Ann Farmer", "07700 900123")
    dialog = RetentionDialog(services)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=30_000) as previewed:
        pass
    assert previewed.args[0].total == 1 and dialog.table.rowCount() == 1
    assert dialog.apply_button.isEnabled()
    text = " ".join(_cells(dialog))
    assert "reporter_name" in text and "Ann Farmer" not in text and "07700" not in text  # fields, never values

    asked: list[str] = []
    dialog.confirm = lambda question: asked.append(question) or True
    with qtbot.waitSignal(dialog.applied, timeout=30_000) as applied:
        dialog.ask_and_apply()
    assert applied.args[0].total == 1 and "1 records" in asked[0]
    after = services.incidents.get(incident_id)
    assert after.reporter_name != "Ann Farmer" and after.reporter_phone == ""
    actions = [r[0] for r in services.store.db.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions[-1] == "retention"
    with qtbot.waitSignal(dialog.previewed, timeout=30_000) as again:  # the list is worked out again
        pass
    assert again.args[0].total == 0 and not dialog.apply_button.isEnabled()


def test_declining_changes_nothing(qtbot, services: Services) -> None:
    incident_id = _closed_long_ago(services, "Ann Farmer", "07700 900123")
    dialog = RetentionDialog(services)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=30_000):
        pass
    dialog.confirm = lambda question: False
    assert dialog.ask_and_apply() is None
    assert services.incidents.get(incident_id).reporter_name == "Ann Farmer"


def test_a_list_that_changed_in_between_is_refused_whole(qtbot, services: Services) -> None:
    first = _closed_long_ago(services, "Ann Farmer", "07700 900123")
    dialog = RetentionDialog(services)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=30_000):
        pass
    _closed_long_ago(services, "Bob Late", "07700 900456")  # e.g. arrived by sync after the list was made
    dialog.confirm = lambda question: True
    with qtbot.waitSignal(dialog.previewed, timeout=30_000) as again:
        dialog.ask_and_apply()
    assert "Nothing was anonymised" in dialog.message.text() and again.args[0].total == 2
    assert services.incidents.get(first).reporter_name == "Ann Farmer"
