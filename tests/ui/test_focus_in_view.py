"""A field the keyboard reaches below the fold of a scrolled form is scrolled into view: a walk at 1366x768 typed a
patrol vehicle, a VRM and a vehicle's make into boxes it could not see (Alt+letter and "Add vehicle" move the
focus without Tab, and Qt's scroll area follows only Tab)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from ruralwatch.services.container import Services
from ruralwatch.ui.theme import mnemonic_of


def _shown(scroll: QScrollArea, widget: QWidget) -> bool:
    """The whole of `widget` lies inside the scroll area's visible viewport."""
    viewport = scroll.viewport()
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    return viewport.rect().contains(QRect(top_left, widget.size()))


def _activate(qtbot, dialog: QWidget) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)


def _alt(qtbot, label_text: str) -> None:
    key = mnemonic_of(label_text)
    assert key is not None
    qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)


def test_alt_letter_to_a_detail_below_the_fold_scrolls_the_incident_form(qtbot, services: Services) -> None:
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.resize(760, 520)  # a laptop's form: the encampment details start below the fold
    _activate(qtbot, dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("unlawful_encampment"))
    notice = dialog.detail_widgets["enc_notice"]
    qtbot.waitUntil(lambda: notice.isVisible() and not _shown(dialog.scroll, notice), timeout=5_000)  # laid out

    label = next(w for w in dialog.findChildren(QWidget) if getattr(w, "buddy", lambda: None)() is notice)
    _alt(qtbot, label.text())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is notice, timeout=5_000)
    qtbot.waitUntil(lambda: _shown(dialog.scroll, notice), timeout=5_000)
    dialog.close()


def test_alt_letter_to_the_patrol_vehicle_scrolls_the_patrol_form(qtbot, services: Services) -> None:
    from ruralwatch.ui.patrol_plan import PatrolForm

    form = PatrolForm(services)
    qtbot.addWidget(form)
    form.resize(500, 420)  # the Patrols panel beside the map
    _activate(qtbot, form)
    form.title.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.title, timeout=5_000)
    assert not _shown(form.scroll, form.vehicle)
    label = next(w for w in form.findChildren(QWidget) if getattr(w, "buddy", lambda: None)() is form.vehicle)
    _alt(qtbot, label.text())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.vehicle, timeout=5_000)
    qtbot.waitUntil(lambda: _shown(form.scroll, form.vehicle), timeout=5_000)
    form.close()
