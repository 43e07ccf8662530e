"""The patrol log's put-right dialogs keep their fields' sizes and show the whole refusal (a walk saw the times
boxes squeezed to ~10 px and the withdraw dialog's intro and error cut off when the error appeared)."""

from __future__ import annotations

from ruralwatch.services.container import Services
from ruralwatch.ui.patrol_event_dialog import EventCorrectionDialog, PatrolTimesDialog
from tests.ui.test_keyboard import _EVENT, _FINISHED


def test_times_dialog_keeps_its_fields_when_refused(qtbot, services: Services) -> None:
    dialog = PatrolTimesDialog(services, _FINISHED)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = (dialog.started.height(), dialog.ended.height(), dialog.reason.height())
    dialog.submit()  # nothing changed: refused by the dialog itself
    qtbot.waitUntil(lambda: dialog.errors.isVisible())
    assert "Not saved" in dialog.errors.text() and "• Ended:" in dialog.errors.text()  # the form's word
    assert (dialog.started.height(), dialog.ended.height(), dialog.reason.height()) == before
    assert not dialog.errors.overflows()


def test_withdraw_dialog_keeps_its_intro_and_shows_the_error(qtbot, services: Services) -> None:
    dialog = EventCorrectionDialog(services, _FINISHED, _EVENT, mode="withdraw")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.reason.height()
    dialog.submit()  # no reason
    qtbot.waitUntil(lambda: dialog.errors.isVisible())
    assert dialog.errors.text()
    assert dialog.reason.height() == before
    assert not dialog.errors.overflows()
