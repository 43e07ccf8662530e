"""Every menu entry, toolbar button and shortcut of the main window reaches its action as a person would use it:
triggered with Qt's own arguments (a QAction's `triggered(bool checked)`), not called by a test with the right ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


class Asked:
    """What the window asked of the user through the standard dialogs (all answered "cancel")."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def file_dialog(self, kind: str, result: object):  # noqa: ANN201
        def ask(_parent, caption="", *_args, **_kwargs):  # noqa: ANN001, ANN202
            self.calls.append((kind, str(caption)))
            return result
        return ask


@pytest.fixture
def asked(monkeypatch) -> Iterator[Asked]:
    record = Asked()
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(record.file_dialog("open many", ([], ""))))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(record.file_dialog("open", ("", ""))))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(record.file_dialog("save", ("", ""))))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(record.file_dialog("folder", "")))
    for name in ("warning", "information", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(record.file_dialog(name, QMessageBox.StandardButton.Ok)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(record.file_dialog("question",
                                                                                 QMessageBox.StandardButton.No)))
    monkeypatch.setattr(QDialog, "exec", lambda self: (record.calls.append(("exec", type(self).__name__)),
                                                       QDialog.DialogCode.Rejected)[1])
    yield record


def _window_actions(window) -> list[QAction]:
    unique = {id(a): a for a in window.findChildren(QAction)}
    for widget in window.findChildren(QWidget):
        unique.update({id(a): a for a in widget.actions()})
    return [a for a in unique.values() if not a.isSeparator() and a.menu() is None and a.isEnabled()
            and a is not window.quit_action]


def _close_new_windows(qtbot, before: set[int]) -> None:
    """Close the dialogs an action opened, once the work they started (e.g. a preview) has ended."""
    import shiboken6
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from ruralwatch.ui.tasks import BackgroundTask

    opened = [w for w in QApplication.topLevelWidgets()
              if id(w) not in before and isinstance(w, QDialog) and not isinstance(w, QProgressDialog)]
    tasks = [task for widget in opened for task in widget.findChildren(BackgroundTask)]

    def work_ended() -> bool:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return all(not shiboken6.isValid(task.dialog) for task in tasks)

    qtbot.waitUntil(work_ended, timeout=20_000)
    for widget in opened:
        if shiboken6.isValid(widget) and widget.isVisible():
            widget.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_every_action_of_the_window_runs_when_triggered(qtbot, window, asked) -> None:
    """Triggering an action passes `checked` (a bool): a slot with an optional first argument took it for that
    argument ("'bool' object is not iterable" from File ▸ Import published crime…). Every enabled action is
    triggered once, twice for toggles; none may raise, report a problem or write a file."""
    from PySide6.QtWidgets import QApplication, QWhatsThis

    actions = _window_actions(window)
    assert len(actions) > 25, [a.text() for a in actions]
    before = {id(w) for w in QApplication.topLevelWidgets()}
    for action in actions:
        action.trigger()
        if action.isCheckable():
            action.trigger()
        qtbot.waitUntil(lambda: not window.tasks, timeout=20_000)
        _close_new_windows(qtbot, before)
        if QWhatsThis.inWhatsThisMode():  # Help ▸ What's This? waits for a click: the next test's clicks went to it
            QWhatsThis.leaveWhatsThisMode()
    assert window.problems == []
    assert QApplication.overrideCursor() is None  # nothing left waiting with a cursor of its own
    assert not list(Path.cwd().glob("False*")) and not list(Path.home().glob("False*"))


@pytest.mark.parametrize(("name", "kind"), [("import_action", "open many"), ("add_basemap_action", "open"),
                                            ("export_png_action", "save"), ("export_html_action", "save")])
def test_a_file_action_asks_for_its_file(qtbot, window, asked, name, kind) -> None:
    getattr(window, name).trigger()
    assert [k for k, _caption in asked.calls] == [kind]
    qtbot.waitUntil(lambda: not window.tasks, timeout=5_000)
    assert window.problems == []


def test_ctrl_i_asks_for_the_files_of_published_crime(qtbot, window, asked) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert asked.calls == [("open many", "Import data.police.uk street-level crime")]
    assert window.problems == []


def test_delete_from_the_menu_asks_first(qtbot, window, asked) -> None:
    from ruralwatch.core.incident import IncidentInput

    incident = window.service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00",
                                                   lat=51.9, lon=0.4))
    window.refresh()
    assert window.select_incident(incident.id)
    window.delete_action.trigger()
    assert ("question", "Delete incident") in asked.calls
    assert window.service.count() == 1


def test_every_shortcut_is_a_key_sequence_qt_understands(window) -> None:
    for action in _window_actions(window):
        for sequence in action.shortcuts():
            assert sequence == QKeySequence(sequence.toString()), action.text()


def test_save_charts_asks_for_its_file(qtbot, window, asked) -> None:
    """A button's clicked(bool checked) must not arrive as the file to save (it wrote a file named "False")."""
    from PySide6.QtWidgets import QPushButton

    window.analysis_dock.show()
    button = next(b for b in window.analysis.findChildren(QPushButton) if b.text() == "Save charts as &PNG…")
    button.click()
    assert [k for k, _caption in asked.calls] == ["save"]
