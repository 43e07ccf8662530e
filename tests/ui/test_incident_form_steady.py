"""Nothing a user did not ask for moves the incident form's fields under the pointer (a walk at 1366x768: the place
line, the red "Not saved" block and the Equipment row each moved the grid-ref box, and a click meant for it typed
"TL 523 123" into Reported). An impossible latitude is marked on Lat as soon as the box is left."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from ruralwatch.services.container import Services
from ruralwatch.store import Store
from tests.ui.conftest import FIXED_NOW


def _form(qtbot, store: Store):  # type: ignore[no-untyped-def]
    from ruralwatch.ui.incident_form import IncidentDialog

    services = Services.build(store, clock=lambda: FIXED_NOW)
    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def is_marked(dialog, field: str) -> bool:  # type: ignore[no-untyped-def]
    return field in dialog.marks.marked


def _where(dialog) -> QPoint:  # type: ignore[no-untyped-def]
    return dialog.grid_ref.mapTo(dialog, QPoint(0, 0))


def _settle(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    # Layouts apply on the event loop: wait until the scroll area has given the form the height it needs.
    content = dialog.scroll.widget()
    content.layout().activate()
    qtbot.waitUntil(lambda: content.height() >= content.minimumSizeHint().height())


def test_the_grid_ref_box_stays_put(qtbot, store: Store) -> None:
    dialog = _form(qtbot, store)
    _settle(qtbot, dialog)
    start = _where(dialog)
    # A grid reference converts: "In <place>." appears under Lat / lon.
    dialog.grid_ref.setText("TL 5230 1230")
    dialog.grid_ref.editingFinished.emit()
    assert dialog.location_note.text()
    _settle(qtbot, dialog)
    assert _where(dialog) == start
    # Save refused (no kind): the "Not saved" message appears.
    dialog.save()
    assert dialog.saved is None
    assert dialog.error_label.text()
    _settle(qtbot, dialog)
    assert _where(dialog) == start
    # One field corrected: the message goes again.
    dialog.kind.setCurrentIndex(dialog.kind.findData("fly_tipping"))
    dialog.marks.field_edited(dialog.kind)
    _settle(qtbot, dialog)
    assert _where(dialog) == start
    # Equipment theft brings its Equipment choice.
    dialog.kind.setCurrentIndex(dialog.kind.findData("equipment_theft"))
    assert dialog.subkind.isVisibleTo(dialog)
    _settle(qtbot, dialog)
    assert _where(dialog) == start


def test_an_impossible_latitude_is_marked_on_lat_when_left(qtbot, store: Store) -> None:
    dialog = _form(qtbot, store)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.lat.setFocus()
    qtbot.waitUntil(dialog.lat.hasFocus)
    qtbot.keyClicks(dialog.lat, "512026.789072")
    dialog.lon.setText("0.211")
    qtbot.keyClick(dialog.lat, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: is_marked(dialog, "lat"))
    assert not is_marked(dialog, "location")
    assert "512026.789072" in dialog.lat.toolTip()
    # The save's refusal also names Lat, not the grid ref box.
    dialog.save()
    assert dialog.saved is None
    assert is_marked(dialog, "lat")
    assert not is_marked(dialog, "location")
