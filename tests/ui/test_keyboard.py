"""Keyboard access: every menu entry has its own Alt+letter, no shortcut is bound twice where both could fire
(Qt then silently does nothing), and every form label moves the focus to its field with Alt+letter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QWidget,
)

from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.patrol import LoggedEvent, PatrolRecord
from ruralwatch.core.patrol_plan import PlanSettings
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.store import Store
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui.theme import mnemonic_of

PASSWORD = "correct horse battery"


# --- menus and shortcuts ------------------------------------------------------------------------------------


def _menu_problems(menu: QMenu | object, path: str) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for action in menu.actions():
        if action.isSeparator() or action.property("informational"):
            continue
        text = action.text()
        key = mnemonic_of(text)
        where = f"{path} ▸ {text!r}"
        if key is None:
            problems.append(f"{where}: no mnemonic (&)")
        elif key in seen:
            problems.append(f"{where}: Alt+{key.upper()} also used by {seen[key]!r}")
        else:
            seen[key] = text
        if action.menu() is not None:
            problems += _menu_problems(action.menu(), where)
    return problems


def test_every_menu_and_menu_entry_has_its_own_mnemonic(window) -> None:
    assert _menu_problems(window.menuBar(), "menu bar") == []


def test_the_basemap_menu_numbers_its_entries(window) -> None:
    entries = [a.text() for a in window.basemap_menu.actions()]
    assert entries and [mnemonic_of(text) for text in entries] == [str(n) for n in range(1, len(entries) + 1)]
    assert entries[-1].endswith(" Plain background")


def _scope(owner: QWidget | QAction, context: Qt.ShortcutContext, window: QWidget) -> list[QWidget]:
    """The widgets within which a shortcut can fire (the whole window for window-wide ones)."""
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return [window]
    if isinstance(owner, QAction):
        return [w for w in owner.associatedObjects() if isinstance(w, QWidget) and not isinstance(w, QMenu)]
    return [owner]


def _overlap(first: list[QWidget], second: list[QWidget]) -> bool:
    return any(a is b or a.isAncestorOf(b) or b.isAncestorOf(a) for a in first for b in second)


def test_no_shortcut_is_bound_twice_where_both_could_fire(window) -> None:
    bound: list[tuple[str, str, list[QWidget]]] = []
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            bound.append((sequence.toString(), f"action {action.text()!r}",
                          _scope(action, action.shortcutContext(), window)))
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        bound.append((shortcut.key().toString(), f"shortcut on {type(parent).__name__}",
                      _scope(parent, shortcut.context(), window)))
    assert bound
    clashes = [f"{key}: {a} and {b}" for i, (key, a, scope_a) in enumerate(bound)
               for key_b, b, scope_b in bound[i + 1:] if key == key_b and _overlap(scope_a, scope_b)]
    assert clashes == []


def test_window_wide_shortcuts_are_unique(window) -> None:
    window_wide = {}
    for action in {id(a): a for a in window.findChildren(QAction)}.values():
        if action.shortcutContext() != Qt.ShortcutContext.WindowShortcut:
            continue
        for sequence in action.shortcuts():
            window_wide.setdefault(sequence.toString(), set()).add(action.text())
    assert {k: v for k, v in window_wide.items() if len(v) > 1} == {}
    assert {"Ctrl+N", "Ctrl+E", "Ctrl+F", "Ctrl+I", "Ctrl+L", "Ctrl+Shift+L"} <= set(window_wide)


def test_delete_in_the_incident_table_deletes_and_elsewhere_leaves_it(qtbot, window, monkeypatch) -> None:
    """Delete is the table's own key: the plan editor's and the duty crew's Delete keys must not cancel it."""
    incident = window.service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00",
                                                   lat=51.9, lon=0.4))
    window.refresh()
    assert window.select_incident(incident.id)
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.service.count() == 0, timeout=5_000)


def test_enter_on_a_row_of_the_incident_table_opens_it(qtbot, window, monkeypatch) -> None:
    """A walk selected a row and pressed Enter, as in any list: nothing happened (only double-click and Ctrl+E
    opened it)."""
    incident = window.service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-02 10:00",
                                                   lat=51.9, lon=0.4))
    window.refresh()
    assert window.select_incident(incident.id)
    opened: list[str] = []
    monkeypatch.setattr(window, "open_incident", lambda incident_id: opened.append(incident_id))
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=5_000)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: opened == [incident.id], timeout=5_000)
    assert window.count_label.text() == "1 shown of 1 incident"  # not "1 incidents"


def test_opening_a_panel_from_the_keyboard_puts_the_focus_in_it(qtbot, window) -> None:
    window.activateWindow()
    toggle = window.roster_dock.toggleViewAction()
    toggle.trigger()
    qtbot.waitUntil(lambda: window.roster_dock.isVisible(), timeout=5_000)
    focused = QCoreApplication.instance().focusWidget()
    assert focused is not None and window.roster_panel.isAncestorOf(focused)


# --- dock panels --------------------------------------------------------------------------------------------


def _alt_letters(root: QWidget) -> list[tuple[str, str, QWidget]]:
    """(letter, text, widget) for each visible widget under `root` that answers an Alt+letter: buttons and check
    boxes, labels with a buddy, group box titles and tab titles."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy() is not None):
            texts = [widget.text()]
        elif isinstance(widget, QGroupBox):
            texts = [widget.title()]
        elif isinstance(widget, QTabBar):
            texts = [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
        else:
            continue
        found += [(key, text, widget) for text in texts if (key := mnemonic_of(text))]
    return found


def _within(widget: QWidget, kinds: tuple[type, ...]) -> bool:
    while widget is not None:
        if isinstance(widget, kinds):
            return True
        widget = widget.parentWidget()
    return False


def test_panels_leave_the_menu_bar_its_alt_letters_and_share_none_within_a_page(window) -> None:
    """A docked panel is part of the main window: a panel widget with a menu's Alt+letter (or the incident filters'
    one, visible beside it) makes Alt+letter alternate between the two instead of opening the menu. Within one page
    of a panel (the tab bar and the page shown), no two widgets may share a letter either."""
    docks = (window.analysis_dock, window.sync_dock, window.roster_dock, window.patrol_dock)
    for dock in docks:
        dock.show()
    assert all(dock.isVisible() for dock in docks)
    taken: dict[str, str] = {}  # letter -> what already answers it everywhere in the window
    for action in window.menuBar().actions():
        key = mnemonic_of(action.text())
        if key and action.isVisible():
            taken[key] = f"the {action.text()!r} menu"
    assert len(taken) >= 5, taken
    for key, text, widget in _alt_letters(window):
        if widget.window() is window and not _within(widget, (QDockWidget, QMenuBar)):
            taken.setdefault(key, f"{text!r} beside the incident table")

    problems = []
    pages = 0
    panels = {"analysis": window.analysis, "sync": window.sync_panel, "roster": window.roster_panel,
              "patrol": window.patrol_panel}
    for name, panel in panels.items():
        assert panel.isVisible(), name
        views = [(tabs, index) for tabs in panel.findChildren(QTabWidget) for index in range(tabs.count())]
        for tabs, index in views or [(None, 0)]:
            where = name
            if tabs is not None:
                _bring_forward(tabs)  # a tab widget on a page of another (the roster's availability tabs)
                tabs.setCurrentIndex(index)
                assert tabs.widget(index).isVisible()
                where = f"{name} ▸ {tabs.tabText(index)!r}"
            pages += 1
            seen: dict[str, str] = {}
            for key, text, _widget in _alt_letters(panel):
                if key in taken:
                    problems.append(f"{where}: {text!r} takes Alt+{key.upper()}, already {taken[key]}")
                elif key in seen:
                    problems.append(f"{where}: Alt+{key.upper()} on both {seen[key]!r} and {text!r}")
                else:
                    seen[key] = text
            assert seen, f"{where}: no Alt+letters found (is the page shown?)"
    assert pages >= 10
    assert problems == []


def test_the_patrol_log_s_put_right_buttons_have_alt_letters_of_their_own(window) -> None:
    """Correct…, Withdraw… (and Restore, Correct start and end…, shown in their turn) had no Alt letter: each has
    one the menu bar and the incident filters leave, and no other control of the Log page, shown or not (the page
    shows its form while a patrol runs and its log once over), answers it."""
    log = window.patrol_panel.log
    buttons = (log.correct_button, log.withdraw_button, log.restore_button, log.times_button)
    assert all(mnemonic_of(b.text()) for b in buttons), [b.text() for b in buttons]
    taken = {mnemonic_of(a.text()) for a in window.menuBar().actions()} - {None}
    window.patrol_dock.show()
    taken |= {key for key, _text, widget in _alt_letters(window)
              if widget.window() is window and not _within(widget, (QDockWidget, QMenuBar))}
    page = [(mnemonic_of(w.text()), w) for w in log.findChildren(QWidget)
            if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None)]
    page = [(key, w) for key, w in page if key]
    assert [w.text() for key, w in page if key in taken] == []
    # The form (times, Start/End, where and what) is put away once the patrol is over, and only then is Correct
    # start and end… shown: each state's letters are its own.
    form = {log.when_label, log.when_now, log.start_button, log.end_button, *log.kind_buttons.values()}
    in_form = lambda w: w in form or log.where.isAncestorOf(w)  # noqa: E731
    running = [key for key, w in page if w is not log.times_button]
    over = [key for key, w in page if not in_form(w)]
    assert log.times_button in [w for _, w in page] and len(over) >= 4
    for keys in (running, over):
        assert sorted(keys) == sorted(set(keys)), [(key, w.text()) for key, w in page]


# Roster buttons without an Alt letter, each reached otherwise: a roster page with its tab bar already answers 11
# of the 15 letters the menu bar and the incident filters leave, and these texts hold none of the rest.
ROSTER_UNLETTERED = {
    "Remove slot": "Tab from the weekly slots", "Remove selected date": "Tab from the dates away",
    "◀ Previous": "Alt+Page Up", "Next ▶": "Alt+Page Down", "Unassign": "Delete in the crew list",
    "Cancel duty": "Tab from Mark completed", "Plan patrol from this duty": "Tab from the calendar",
}


def test_every_roster_page_gives_each_button_its_own_letter_and_its_tabs_are_in_the_team_menu(qtbot, window):
    """The roster's tabs had no Alt letters and there is none to give them (see ROSTER_UNLETTERED): Team ▸
    Roster tab ▸ People / Duties / Hours reach them by letters of the menus, and on every page (the availability
    tabs' too) each button has its own letter, none of the menu bar's."""
    window.roster_dock.show()
    panel = window.roster_panel
    menu_bar = {mnemonic_of(a.text()): a.text() for a in window.menuBar().actions() if mnemonic_of(a.text())}
    problems = []
    for tabs in panel.findChildren(QTabWidget):
        for index in range(tabs.count()):
            _bring_forward(tabs)
            tabs.setCurrentIndex(index)
            where = tabs.tabText(index)
            for button in panel.findChildren(QAbstractButton):
                text = button.text()
                if (button.isVisible() and text and not isinstance(button.parent(), QTabBar)
                        and not mnemonic_of(text) and text not in ROSTER_UNLETTERED):
                    problems.append(f"{where}: {text!r} has no Alt letter")
            seen: dict[str, str] = {}
            for key, text, _widget in _alt_letters(panel):
                if key in menu_bar:
                    problems.append(f"{where}: {text!r} takes Alt+{key.upper()} of the {menu_bar[key]!r} menu")
                elif key in seen:
                    problems.append(f"{where}: Alt+{key.upper()} on both {seen[key]!r} and {text!r}")
                seen.setdefault(key, text)
    assert problems == []

    team = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Team")
    roster_tab = next(a.menu() for a in team.actions() if a.menu() is not None and a.text() == "Roster &tab")
    assert [a.text() for a in roster_tab.actions()] == ["&People", "&Duties", "&Hours"]
    window.roster_dock.hide()
    for action, page in zip(roster_tab.actions(), (panel.people_tab, panel.duties_tab, panel.hours_tab),
                            strict=True):
        action.trigger()
        qtbot.waitUntil(lambda page=page: page.isVisible())
        assert panel.tabs.currentWidget() is page
        focused = QApplication.focusWidget()
        assert focused is not None and page.isAncestorOf(focused), (action.text(), focused)


def _bring_forward(widget: QWidget) -> None:
    """Show the pages of every tab widget that `widget` sits in."""
    child, parent = widget, widget.parentWidget()
    while parent is not None:
        holder = parent.parentWidget()
        if isinstance(parent, QStackedWidget) and isinstance(holder, QTabWidget):
            holder.setCurrentWidget(child)
        child, parent = parent, holder


# --- forms --------------------------------------------------------------------------------------------------


def _label_problems(root: QWidget) -> list[str]:
    """Form rows whose label has no buddy or no Alt+letter, and labels with an Alt+letter but no buddy."""
    problems = []
    for form in root.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if not isinstance(label, QLabel) or not label.text():
                continue
            if label.buddy() is None:
                problems.append(f"{type(root).__name__}: form label {label.text()!r} has no buddy")
            elif mnemonic_of(label.text()) is None:
                problems.append(f"{type(root).__name__}: form label {label.text()!r} has no mnemonic (&)")
            # Qt's own rule for a buddy: any focus but none (a field only there to copy, off the Tab chain, takes
            # click focus and still answers its label's Alt+letter).
            elif label.buddy().focusPolicy() == Qt.FocusPolicy.NoFocus:
                problems.append(f"{type(root).__name__}: {label.text()!r} points at a widget that takes no focus")
    for label in root.findChildren(QLabel):
        if label.textFormat() != Qt.TextFormat.RichText and mnemonic_of(label.text()) and label.buddy() is None:
            problems.append(f"{type(root).__name__}: label {label.text()!r} has an Alt+letter but no buddy")
    return problems


def _field_mnemonic_clashes(dialog: QWidget) -> list[str]:
    """Two labels of one dialog with the same Alt+letter (Alt then only cycles between them)."""
    seen: dict[str, str] = {}
    clashes = []
    for label in dialog.findChildren(QLabel):
        key = mnemonic_of(label.text()) if label.buddy() is not None else None
        if key is None or not label.isVisibleTo(dialog):
            continue
        if key in seen:
            clashes.append(f"Alt+{key.upper()}: {seen[key]!r} and {label.text()!r}")
        seen[key] = label.text()
    return clashes


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "enc.db"
    create_database(path, "admin", PASSWORD, TEST_PARAMS).close()
    store = sign_in(path, "admin", PASSWORD)
    yield store
    store.close()


def _dialogs(services: Services, admin: Store) -> list[QDialog]:
    from ruralwatch.ui.accounts_dialog import AccountsDialog, ChangePasswordDialog
    from ruralwatch.ui.audit_view import AuditDialog
    from ruralwatch.ui.export_dialog import ExportDialog
    from ruralwatch.ui.first_restore import FirstRestoreDialog
    from ruralwatch.ui.first_steps import FirstStepsDialog
    from ruralwatch.ui.harm_dialog import HarmWeightsDialog
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.patrol_event_dialog import EventCorrectionDialog, PatrolTimesDialog
    from ruralwatch.ui.roster_duty_dialog import DutyDialog
    from ruralwatch.ui.roster_people import LeftDateDialog, PersonDialog
    from ruralwatch.ui.settings_dialog import SettingsDialog
    from ruralwatch.ui.signin import FirstRunDialog, SignInDialog

    return [
        FirstRunDialog(admin.path.with_name("new.db"), TEST_PARAMS, choose_folder=True),
        FirstRestoreDialog(admin.path.with_name("new.db"), TEST_PARAMS),
        SignInDialog(admin.path, ("admin",)), SettingsDialog(Services.build(admin)), ExportDialog(services),
        IncidentDialog(services.incidents), HarmWeightsDialog(services.harm), DutyDialog(services.roster),
        PersonDialog(services.people), LeftDateDialog("Jo Smith"),
        AccountsDialog(AccountService(admin), params=TEST_PARAMS),
        ChangePasswordDialog(AccountService(admin), params=TEST_PARAMS), AuditDialog(Services.build(admin)),
        # The first start's second dialog: its steps and the police force (a walk missed an Alt letter there).
        FirstStepsDialog([("Load &demo data", "Synthetic incidents.", lambda: None, True)], None,
                         ([f.name for f in services.geography.forces()], services.geography.force().name,
                          services.geography.use_force, True)),
        # The patrol log's put-right dialogs, on a finished patrol (they only read it until Save).
        PatrolTimesDialog(services, _FINISHED), EventCorrectionDialog(services, _FINISHED, _EVENT),
        EventCorrectionDialog(services, _FINISHED, _EVENT, mode="withdraw"),
    ]


_FINISHED = PatrolRecord(
    id="p1", title="Night patrol", start=datetime(2026, 11, 2, 20, tzinfo=UTC),
    end=datetime(2026, 11, 2, 23, tzinfo=UTC),
    area="Braintree", purpose="hotspots", vehicle="", call_sign="", status=PatrolStatus.COMPLETED, crew=(), stops=(),
    settings=PlanSettings(), base=None, started_at="2026-11-02T20:05:00Z", ended_at="2026-11-02T23:10:00Z",
    briefed_at=None, notes="", synthetic=False)
_EVENT = LoggedEvent(id="e1", kind="note", at="2026-11-02T21:00:00Z", lat=None, lon=None, stop_key=None, vrm=None,
                     flagged=False, detail="gate open", incident_id=None)


def test_every_dialog_label_takes_the_focus_to_its_field(qtbot, services: Services, admin: Store) -> None:
    problems = []
    for dialog in _dialogs(services, admin):
        qtbot.addWidget(dialog)
        problems += _label_problems(dialog)
        problems += [f"{type(dialog).__name__}: {c}" for c in _field_mnemonic_clashes(dialog)]
    assert problems == []


def test_every_panel_label_takes_the_focus_to_its_field(window) -> None:
    problems = []
    for panel in (window, window.analysis, window.sync_panel, window.roster_panel, window.patrol_panel):
        problems += _label_problems(panel)
    assert problems == []


def test_every_kind_of_incident_details_has_alt_letters(qtbot, services: Services) -> None:
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    for kind, group in dialog.detail_groups.items():
        form = group.layout()
        assert isinstance(form, QFormLayout)
        keys = []
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            keys.append(mnemonic_of(label.text()))
        assert None not in keys and len(set(keys)) == len(keys), (kind, keys)


def _alt_letter_clashes(root: QWidget) -> list[str]:
    """Two visible widgets of one window (buttons, check boxes, labels with a buddy, group and tab titles) with the
    same Alt+letter: Alt then only moves between them, and a button's never presses."""
    seen: dict[str, str] = {}
    clashes = []
    for key, text, _widget in _alt_letters(root):
        if key in seen:
            clashes.append(f"Alt+{key.upper()}: {seen[key]!r} and {text!r}")
        else:
            seen[key] = text
    return clashes


def test_no_two_visible_widgets_of_a_form_share_an_alt_letter_for_any_kind(qtbot, services: Services,
                                                                           admin: Store) -> None:
    """The incident form with each kind chosen in turn (its details, vehicles, items and attachments shown), and the
    other main dialogs: a walk found Place/People, Caravans/Add photo, Vehicles/Add vehicle on an encampment and
    Description/Dogs on hare coursing."""
    from ruralwatch.core.kinds import KINDS
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.show()
    problems = []
    for kind in KINDS:
        dialog.kind.setCurrentIndex(dialog.kind.findData(kind.key))
        assert dialog.kind.currentData() == kind.key
        problems += [f"incident form, {kind.name}: {c}" for c in _alt_letter_clashes(dialog)]
    for other in _dialogs(services, admin):
        qtbot.addWidget(other)
        other.show()
        problems += [f"{type(other).__name__}: {c}" for c in _alt_letter_clashes(other)]
        other.close()
    assert problems == [], "\n".join(problems)


def test_dialogs_have_a_default_or_enter_action_and_escape_closes_them(qtbot, services: Services,
                                                                        admin: Store) -> None:
    for dialog in _dialogs(services, admin):
        qtbot.addWidget(dialog)
        dialog.show()
        name = type(dialog).__name__
        defaults = [b for b in dialog.findChildren(QPushButton) if b.isDefault()]
        if name != "AccountsDialog" and name != "AuditDialog":  # these answer Enter in their fields instead
            assert defaults, f"{name} has no default button"
        tables = [t for t in dialog.findChildren(QAbstractItemView) if not isinstance(t, QHeaderView)]
        assert all(t.focusPolicy() & Qt.FocusPolicy.TabFocus for t in tables if t.isVisibleTo(dialog)), name
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible(), f"Escape did not close {name}"
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_incident_form_places_an_incident_without_the_map(qtbot, services: Services) -> None:
    """Picking a place on the map has a typed alternative: a grid reference, or latitude and longitude."""
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.grid_ref, "TL 55000 35000")
    qtbot.keyClick(dialog.grid_ref, Qt.Key.Key_Return)  # finishing the field converts it (as leaving it does)
    assert dialog.lat.text() and dialog.lon.text()
    assert 51.9 < float(dialog.lat.text()) < 52.1


def test_a_latitude_and_longitude_pasted_as_the_grid_reference_moves_to_its_boxes(qtbot, services: Services) -> None:
    """A walk pasted "51.8802, 0.2712" from a phone's map into the grid reference box: the form now puts it in the
    latitude and longitude boxes, and the grid reference of that point where it was typed."""
    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.grid_ref, "51.8802, 0.2712")
    qtbot.keyClick(dialog.grid_ref, Qt.Key.Key_Return)
    # (to the metre: the ten-figure reference's square)
    assert float(dialog.lat.text()) == pytest.approx(51.8802, abs=2e-5)
    assert float(dialog.lon.text()) == pytest.approx(0.2712, abs=2e-5)
    assert dialog.grid_ref.text().startswith("TL 5") and len(dialog.grid_ref.text()) == len("TL 12345 12345")


def test_alt_letters_of_the_first_steps_reach_the_police_force(qtbot, window) -> None:
    """First steps opens over the window: Alt+F must go to its Police force box, not to the window's File menu."""
    dialog = window.open_first_steps()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    label = next(label for label in dialog.findChildren(QLabel) if label.buddy() is dialog.force)
    key = mnemonic_of(label.text())
    assert key is not None
    start = next(iter(dialog.buttons.values()))
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=5_000)
    qtbot.keyClick(start, key, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.force
    dialog.close()


def test_a_new_incident_opens_on_kind_alt_m_picks_and_the_end_starts_from_the_start(qtbot, services) -> None:
    """A walk found the new form with the focus in no field, 'Pick on map' answering only Ctrl+M though it
    underlines the M, and 'Went on until' at the time the form opened whatever Happened said."""
    from PySide6.QtCore import QDateTime

    from ruralwatch.ui.incident_form import IncidentDialog

    dialog = IncidentDialog(services.incidents)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.kind, timeout=5_000)

    assert mnemonic_of(dialog.pick_button.text()) == "m"
    qtbot.keyClick(dialog.kind, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.pick_button.isChecked, timeout=5_000)
    qtbot.keyClick(dialog.kind, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # Ctrl+M still works
    qtbot.waitUntil(lambda: not dialog.pick_button.isChecked(), timeout=5_000)

    started = QDateTime(dialog.occurred_start.dateTime()).addDays(-1).addSecs(-3 * 3600)
    dialog.occurred_start.setDateTime(started)
    assert dialog.occurred_end.dateTime() == started and not dialog.has_end.isChecked()
    dialog.has_end.setChecked(True)
    assert dialog.occurred_end.dateTime() == started  # ticked: it starts from Happened, not from "now"
    assert dialog.current_input().occurred_end == dialog.current_input().occurred_start
    dialog.close()


def test_escape_closes_first_steps_after_a_step_s_own_window_has_closed(qtbot, window) -> None:
    """A step's windows (file chooser, question, progress, result) belong to the main window: when the last one
    closed, Qt activated the main window and Escape went there with First steps still open (a real display showed
    it after Load demo data). Focus now comes back to First steps; a person who goes to the window stays there."""
    from PySide6.QtWidgets import QMessageBox

    from ruralwatch.ui.first_steps import FirstStepsDialog

    shown: list[QMessageBox] = []

    def step() -> None:  # as the import's result box, or the basemap's question: a box over the main window
        box = QMessageBox(QMessageBox.Icon.Information, "Done", "Step done.", QMessageBox.StandardButton.Ok, window)
        box.open()
        shown.append(box)

    steps = FirstStepsDialog([("Do a &step", "A step with a window of its own.", step, True)], window)
    steps.show()
    steps.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is steps, timeout=5_000)
    qtbot.mouseClick(steps.buttons["Do a &step"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown[0], timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # OK: the step's window closes
    qtbot.waitUntil(lambda: not shown[0].isVisible(), timeout=5_000)
    window.activateWindow()  # what the window manager does then (offscreen has none): the box's parent gets it
    qtbot.waitUntil(lambda: QApplication.activeWindow() is steps, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # the key goes where the focus is, as a person's
    assert not steps.isVisible()

    steps.show()  # the person clicks the main window: it keeps the focus, First steps stays open behind
    steps.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is steps, timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    QCoreApplication.processEvents()
    assert QApplication.activeWindow() is window and steps.isVisible()
    steps.close()
