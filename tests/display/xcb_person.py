"""Run by test_real_display.py on Xvfb (the xcb platform): the app driven only as a person drives it.

Keys and clicks go to the real widgets (QTest), menus open from the menu bar or by their shortcuts, dialogs are
answered by typing and Enter. A dialog opened with exec() (file choosers, questions) blocks the code that opened
it, so its answer is put in place first (`answering`) and given from the event loop once the dialog is up; an
answer that fails closes the dialog, so a broken scenario fails instead of hanging. The clock is fixed (the
services' and `times.utc_now`); nothing reads today's date. No sleeps: every wait is for a signal or a state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import on_xcb
from pypdf import PdfReader
from PySide6.QtCore import QDeadlineTimer, QEvent, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStyle,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.patrol import PatrolInput, patrol_window
from ruralwatch.core.vrm import normalise_vrm
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.demo_roster import load_demo_roster
from ruralwatch.store import Store
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui import theme

FIXED_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the demo data's "now", as in tests/ui
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLISHED_CSV = FIXTURES / "police-uk" / "2018-03-essex-street-first150.csv"
PASSWORD = "correct horse battery"
WAIT_MS = 30_000
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class Clock:
    """The app's clock in these scenarios: fixed, moved on by the scenario as a patrol goes on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, text: str) -> None:
        naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
        self.now = naive.replace(tzinfo=times.LOCAL_ZONE).astimezone(UTC)

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Services get it at build time; the UI reads `times.utc_now` when it acts (starting a patrol, the roster's
    today), so that is replaced too."""
    assert on_xcb(), "scenario modules run on the xcb platform (tests/display/test_real_display.py runs them)"
    fixed = Clock(FIXED_NOW)
    monkeypatch.setattr(times, "utc_now", fixed)
    return fixed


@pytest.fixture
def services(store: Store, clock: Clock) -> Services:
    return Services.build(store, clock=clock)


@pytest.fixture
def demo(services: Services) -> Services:
    load_demo(services.incidents, count=600, now=FIXED_NOW)
    load_demo_roster(services.people, services.roster, services.patrols, now=FIXED_NOW)
    return services


# --- what a person does ----------------------------------------------------------------------------------------


def click(widget: QWidget, pos: QPoint | None = None) -> None:
    QTest.mouseClick(widget, LEFT, Qt.KeyboardModifier.NoModifier, pos if pos is not None else widget.rect().center())


def press(widget: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key, modifiers)


def type_into(widget: QWidget, text: str) -> None:
    """Click into a text field, select what is there and type over it."""
    click(widget)
    focus = QApplication.focusWidget()
    assert focus is not None and (focus is widget or widget.isAncestorOf(focus) or focus.isAncestorOf(widget)), \
        f"a click did not put the focus in {widget!r} (it is in {focus!r})"
    press(widget, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(widget, text)


def type_time(edit: QWidget, text: str) -> None:
    """Click once at the start of a date or time box and type the digits: the click selects the part clicked."""
    line = edit.lineEdit()
    click(line, QPoint(6, line.height() // 2))
    assert QApplication.focusWidget() is edit
    QTest.keyClicks(edit, text)


def type_in_cell(qtbot, table: Any, where: QPoint, text: str) -> None:
    """Click a table cell, F2 to edit it, type over it and Enter."""
    click(table.viewport(), where)
    press(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), f"F2 opened no editor in the cell (focus: {editor!r})"
    press(editor, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(editor, text)
    press(editor, Qt.Key.Key_Return)
    # The table takes the text on the next turn of the event loop (Qt queues the commit after Enter).
    index = table.indexAt(where)
    qtbot.waitUntil(lambda: table.model().data(index) == text, timeout=5_000)


def choose_in_combo(combo: QComboBox, text: str) -> None:
    """Focus the box and type the start of the entry, as a person picks from a list by keyboard. A box one types
    in (the incident's Kind) lists what the words name: Tab takes the first."""
    click(combo)
    if combo.isEditable():
        QTest.keyClicks(combo.lineEdit(), text)
        completer = combo.lineEdit().completer()
        target = completer.popup() if completer is not None and completer.popup().isVisible() else combo.lineEdit()
        press(target, Qt.Key.Key_Tab)
        assert combo.currentText().startswith(text) and combo.currentData() is not None, combo.currentText()
        return
    popup = combo.view()
    if popup.isVisible():  # a click opened its list: type there, Enter takes the entry
        QTest.keyClicks(popup, text)
        press(popup, Qt.Key.Key_Return)
    else:
        QTest.keyClicks(combo, text)
    assert combo.currentText().startswith(text), (combo.currentText(), text)


def from_menu(qtbot, window: QMainWindow, menu: str, entry: str) -> None:
    """Click a menu's title in the menu bar, then its entry."""
    bar = window.menuBar()
    title = next(a for a in bar.actions() if a.text().replace("&", "") == menu)
    click(bar, bar.actionGeometry(title).center())
    popup = title.menu()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    action = next(a for a in popup.actions() if a.text().replace("&", "").startswith(entry))
    assert action.isEnabled(), f"{menu} ▸ {entry} is disabled"
    click(popup, popup.actionGeometry(action).center())


def tick(qtbot, listing: QListWidget, starts: str) -> None:
    """Click the check box of the entry whose text starts with `starts`."""
    entry = next(listing.item(i) for i in range(listing.count()) if listing.item(i).text().startswith(starts))
    listing.scrollToItem(entry)
    rect = listing.visualItemRect(entry)
    # The indicator sits at the row's left, centred on its height (a row may hold two lines: who, then hints).
    indicator = listing.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    box = QPoint(rect.left() + 3 + indicator // 2, rect.center().y())
    before = entry.checkState()
    click(listing.viewport(), box)
    qtbot.waitUntil(lambda: entry.checkState() != before, timeout=5_000)


def laid_out_at(widget: QWidget, ancestor: QWidget) -> QPoint:
    """Where `widget` is inside `ancestor` once the layouts waiting to run have run (as on the next paint)."""
    for _ in range(5):  # a layout that runs can ask for its parent's to run again
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return widget.mapTo(ancestor, QPoint(0, 0))


def wait_active(qtbot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=10_000)


class Answer:
    """An answer for the next modal dialog of a kind, given from the event loop once it is up."""

    def __init__(self, kind: type[QWidget], answer: Callable[[Any], None], timeout_ms: int) -> None:
        self.kind = kind
        self.answer = answer
        self.deadline = QDeadlineTimer(timeout_ms)
        self.done = False
        self.error: BaseException | None = None
        self.dialog: QWidget | None = None
        self.timer = QTimer()
        self.timer.setInterval(20)  # look again on the next turns of the event loop; not a sleep
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self) -> None:
        modal = QApplication.activeModalWidget()
        # Answered once it has the keyboard (the window manager activates it), as a person waits to see it.
        if isinstance(modal, self.kind) and modal.isVisible() and modal.isActiveWindow():
            self.timer.stop()
            self.dialog = modal
            try:
                self.answer(modal)
            except BaseException as exc:  # noqa: BLE001 - kept and raised by the scenario
                self.error = exc
                if modal.isVisible() and isinstance(modal, QDialog):
                    modal.reject()  # never leave the scenario blocked in the dialog's exec()
            self.done = True
        elif self.deadline.hasExpired():
            self.timer.stop()
            self.error = AssertionError(f"no {self.kind.__name__} came up (the modal widget is {modal!r})")
            if isinstance(modal, QDialog):
                modal.reject()
            self.done = True


@contextmanager
def answering(qtbot, kind: type[QWidget], answer: Callable[[Any], None],
              timeout_ms: int = WAIT_MS) -> Iterator[Answer]:
    """Put an answer in place, run the body (which opens the dialog, perhaps blocking in exec()), then wait for
    the answer to have been given and raise what went wrong in it."""
    pending = Answer(kind, answer, timeout_ms)
    try:
        yield pending
        qtbot.waitUntil(lambda: pending.done, timeout=timeout_ms + 5_000)
    finally:
        pending.timer.stop()
    if pending.error is not None:
        raise pending.error


def file_chooser_answer(path: Path) -> Callable[[QFileDialog], None]:
    """Type a full path into a file chooser's name box and press Enter."""

    def answer(dialog: QFileDialog) -> None:
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        assert name_box is not None, "not Qt's own file chooser: nothing to type the file name into"
        type_into(name_box, str(path))
        press(name_box, Qt.Key.Key_Return)
        assert not dialog.isVisible(), f"the file chooser stayed open after Enter on {path}"

    return answer


def button_answer(button: QMessageBox.StandardButton) -> Callable[[QMessageBox], None]:
    def answer(box: QMessageBox) -> None:
        click(box.button(button))

    return answer


def wait_idle(qtbot, window) -> None:
    """Until no background work of the window is running."""
    qtbot.waitUntil(lambda: not window.tasks, timeout=60_000)


def _outline_colour(table: QWidget, rect: Any) -> str:
    """The colour drawn just inside a cell's left edge, as on screen."""
    image = table.viewport().grab().toImage()
    return image.pixelColor(rect.left() + 1, rect.center().y()).name()


# --- 1. the first start ----------------------------------------------------------------------------------------


def test_first_start_creates_the_database_with_enter(qtbot, tmp_path: Path) -> None:
    from ruralwatch.services.database_files import ENCRYPTED, inspect_database
    from ruralwatch.store.keyring import keyring_path
    from ruralwatch.ui.application import run_gui
    from ruralwatch.ui.first_steps import FirstStepsDialog
    from ruralwatch.ui.signin import FirstRunDialog

    db_path = tmp_path / "data" / "ruralwatch.db"
    seen: dict[str, Any] = {}

    def fill_in(dialog: FirstRunDialog) -> None:
        # The account name has the focus: a person types at once, then clicks into each password box.
        assert QApplication.focusWidget() is dialog.username
        QTest.keyClicks(dialog.username, "jsmith")
        type_into(dialog.display_name, "PC Jo Smith")
        type_into(dialog.password, "short")
        type_into(dialog.password_again, "short")
        press(dialog.password_again, Qt.Key.Key_Return)  # too short: said in the dialog, which stays
        assert dialog.isVisible() and "at least" in dialog.error_label.text().lower()
        type_into(dialog.password, PASSWORD)
        type_into(dialog.password_again, PASSWORD)
        press(dialog.password_again, Qt.Key.Key_Return)  # Enter creates it (not the folder chooser)

    def look_at_window(app: QApplication, window) -> int:
        seen["title"] = window.windowTitle()
        seen["account"] = window.account_label.text()
        # The first steps are offered once on the empty database; Escape closes them.
        qtbot.waitUntil(lambda: any(isinstance(w, FirstStepsDialog) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=WAIT_MS)
        steps = next(w for w in QApplication.topLevelWidgets() if isinstance(w, FirstStepsDialog) and w.isVisible())
        wait_active(qtbot, steps)
        press(steps, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not steps.isVisible(), timeout=5_000)
        seen["encrypted"] = window.services.store.encrypted
        seen["actor"] = (window.services.store.actor.username, window.services.store.actor.role)
        wait_idle(qtbot, window)
        return 0

    with answering(qtbot, FirstRunDialog, fill_in):
        code = run_gui(db_path, params=TEST_PARAMS, event_loop=look_at_window, choose_folder=True)
    assert code == 0
    assert seen["actor"] == ("jsmith", "administrator") and seen["encrypted"]
    assert "jsmith (Administrator)" in seen["title"] and seen["account"] == "Signed in as jsmith (Administrator)"
    assert inspect_database(db_path).state == ENCRYPTED and keyring_path(db_path).exists()


# --- 2. an incident through the shortcut and the form ---------------------------------------------------------


def test_new_incident_with_ctrl_n_typed_and_saved_with_ctrl_s(qtbot, window, services: Services) -> None:
    from ruralwatch.ui.incident_form import IncidentDialog

    wait_active(qtbot, window)
    press(window.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: bool(window.forms) and window.forms[-1].isVisible(), timeout=5_000)
    form: IncidentDialog = window.forms[-1]
    wait_active(qtbot, form)
    choose_in_combo(form.kind, "Hare")
    type_time(form.occurred_start, "202611240630")
    assert form.occurred_start.dateTime().toString("yyyy-MM-dd HH:mm") == "2026-11-24 06:30"
    # Pick on map, then a click on the map fills the grid reference (typed over below, for a known place).
    click(form.pick_button)
    picking: list[object] = []
    window.map.run_js("document.querySelector('.rw-picking') !== null", picking.append)
    qtbot.waitUntil(lambda: picking == [True], timeout=10_000)  # the page is in pick mode now
    target = window.map.focusProxy() or window.map
    with qtbot.waitSignal(window.map.map_clicked, timeout=10_000):
        click(target, target.rect().center())
    assert form.grid_ref.text().startswith("T") and not form.pick_button.isChecked()
    type_into(form.grid_ref, "TL 61234 32456")
    press(form.grid_ref, Qt.Key.Key_Tab)  # leaving the box fills in latitude and longitude
    assert form.lat.text().startswith("51.") and form.lon.text().startswith("0.")
    type_into(form.place, "Brook Farm")
    # A bad VRM is refused and its cell outlined; the form keeps everything typed.
    click(form.vehicles.add_button)
    table = form.vehicles.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=5_000)
    cell = table.visualRect(table.model().index(0, 0)).center()
    type_in_cell(qtbot, table, cell, "NOT A PLATE 999")
    press(form, Qt.Key.Key_S, CTRL)  # a button's shortcut "animates" the click: it comes a moment later
    qtbot.waitUntil(lambda: form.error_label.text() != "", timeout=5_000)
    assert "Vehicle 1: 'NOT A PLATE 999' is not a UK registration" in form.error_label.text()
    assert services.incidents.count() == 0 and form.isVisible()
    assert form.place.text() == "Brook Farm"
    # The bad cell is outlined in the error colour, as the guide says (a tint alone was lost under the selection).
    rect = table.visualRect(table.model().index(0, 0))
    qtbot.waitUntil(lambda: _outline_colour(table, rect) == theme.error_colour().name(), timeout=5_000)
    type_in_cell(qtbot, table, cell, "ab12cde")
    with qtbot.waitSignal(form.saved_incident, timeout=WAIT_MS) as saved:
        press(form, Qt.Key.Key_S, CTRL)
    incident = services.incidents.get(saved.args[0].id)
    assert (incident.kind, incident.place) == ("hare_coursing", "Brook Farm")
    assert times.format_local(incident.occurred_start) == "2026-11-24 06:30"
    assert [normalise_vrm(v["vrm"]) for v in incident.vehicles] == ["AB12CDE"]
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=5_000)
    assert window.count_label.text() == "1 shown of 1 incident"


# --- 3. published crime from the File menu --------------------------------------------------------------------


def test_import_published_crime_from_the_file_menu(qtbot, window, services: Services) -> None:
    wait_active(qtbot, window)
    with answering(qtbot, QFileDialog, file_chooser_answer(PUBLISHED_CSV)):
        from_menu(qtbot, window, "File", "Import published crime")
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(),
                    timeout=60_000)
    box = window.last_import_box
    assert "150 published crimes imported" in box.text()
    assert services.published.count() == 150
    wait_active(qtbot, box)
    press(box, Qt.Key.Key_Return)  # OK
    qtbot.waitUntil(lambda: window.last_import_box is None, timeout=5_000)
    # Ctrl+I again, the same file: nothing doubled.
    wait_active(qtbot, window)
    with answering(qtbot, QFileDialog, file_chooser_answer(PUBLISHED_CSV)):
        press(window.table, Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(lambda: window.last_import_box is not None and window.last_import_box.isVisible(),
                    timeout=60_000)
    assert services.published.count() == 150
    assert "150" in window.last_import_box.detailedText() and "already held" in window.last_import_box.detailedText()
    press(window.last_import_box, Qt.Key.Key_Return)
    assert window.problems == []


# --- 4. planning and briefing a patrol ------------------------------------------------------------------------

PATROL_DAY = "2026-11-27"


def _free_person(services: Services, role: str, independent: bool | None = None) -> Any:
    """Someone of the role who may crew the test patrol (Fri 27 Nov 18:00-22:00) without breaking a rule."""
    start, end = patrol_window(datetime.strptime(PATROL_DAY, "%Y-%m-%d").date(), "18:00", "22:00")
    return next(p for p in services.people.list(active_only=True)
                if p.role == role and (independent is None or p.independent_patrol == independent)
                and not services.patrols.check_crew([p.id], "general_rural_patrol", start, end, None,
                                                    roster_rules=True))


def _open_patrols(qtbot, window) -> Any:
    wait_active(qtbot, window)
    press(window.table, Qt.Key.Key_T, CTRL | SHIFT)
    panel = window.patrol_panel
    qtbot.waitUntil(panel.isVisible, timeout=5_000)
    return panel


def test_plan_and_brief_a_patrol(qtbot, demo: Services, window, tmp_path: Path) -> None:
    officer, special = _free_person(demo, "officer"), _free_person(demo, "special")
    panel = _open_patrols(qtbot, window)
    click(panel.new_button)
    form = panel.form
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is form, timeout=5_000)
    type_time(form.day, PATROL_DAY.replace("-", ""))
    type_time(form.start, "1800")
    type_time(form.end, "2200")
    assert (form.day.date().toString("yyyy-MM-dd"), form.start.time().toString("HH:mm"),
            form.end.time().toString("HH:mm")) == (PATROL_DAY, "18:00", "22:00")
    type_into(form.area.lineEdit(), "Uttlesford")
    type_into(form.call_sign, "RURAL21")
    # Each person's availability and skills are shown beside their name before anyone is ticked.
    entry = next(form.crew.item(i) for i in range(form.crew.count()) if form.crew.item(i).text().startswith(
        officer.name))
    assert "✓ available" in entry.text() and entry.toolTip().startswith("Skills: ")
    tick(qtbot, form.crew, officer.name)
    tick(qtbot, form.crew, special.name)
    assert form.crew_issues.text() == "✓ The crew meets the rules."
    click(form.save_button)
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is panel.plan, timeout=5_000)
    record = demo.patrols.get(panel.record.id)
    assert record.status == "planned" and record.call_sign == "RURAL21" and record.area == "Uttlesford"
    assert {pid for pid, _ in record.crew} == {officer.id, special.id}
    assert times.to_local(record.start).strftime("%Y-%m-%d %H:%M") == f"{PATROL_DAY} 18:00"

    with qtbot.waitSignal(panel.planReady, timeout=60_000) as ready:
        click(panel.plan.suggest_button)
    plan = ready.args[0]
    assert len(plan.stops) >= 3
    qtbot.waitUntil(lambda: len(demo.patrols.get(record.id).stops) == len(plan.stops), timeout=5_000)
    assert panel.plan.table.rowCount() == len(plan.stops)

    target = tmp_path / "briefing-rural21.pdf"
    with qtbot.waitSignal(panel.briefSaved, timeout=60_000) as briefed:
        with answering(qtbot, QFileDialog, file_chooser_answer(target)):
            click(panel.plan.brief_button)
    assert briefed.args == [target] and target.exists()
    assert "RURAL21" in "".join(page.extract_text() for page in PdfReader(target).pages)
    qtbot.waitUntil(lambda: demo.patrols.get(record.id).status == "briefed", timeout=5_000)
    wait_idle(qtbot, window)
    assert panel.problems == []


# --- 5. a stop-check in the patrol log ------------------------------------------------------------------------


def _briefed_patrol(demo: Services, tmp_path: Path) -> Any:
    """Set-up (not what is tested): a planned and briefed patrol for the evening of the test day."""
    officer, special = _free_person(demo, "officer"), _free_person(demo, "special")
    record, _issues = demo.patrols.create(PatrolInput(
        day=datetime.strptime(PATROL_DAY, "%Y-%m-%d").date(), start="18:00", end="22:00", area="Uttlesford",
        purpose="general_rural_patrol", title="", vehicle="", call_sign="RURAL22", crew=[officer.id, special.id]))
    demo.patrols.save_plan(record.id, demo.patrols.suggest_for(record.id), demo.patrols.default_settings())
    demo.patrols.brief(record.id, tmp_path / "brief.pdf")
    return demo.patrols.get(record.id)


def test_stop_checks_in_the_patrol_log_keep_every_alert(qtbot, demo: Services, window, clock: Clock,
                                                          tmp_path: Path) -> None:
    record = _briefed_patrol(demo, tmp_path)
    clock.set_local(f"{PATROL_DAY} 17:55")
    panel = _open_patrols(qtbot, window)
    qtbot.waitUntil(lambda: record.id in panel._listed, timeout=5_000)
    row = panel._listed.index(record.id)
    table = panel.patrol_table
    click(table.viewport(), table.visualRect(table.model().index(row, 1)).center())
    press(table, Qt.Key.Key_Return)  # Enter opens the selected patrol
    log = panel.log
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is panel.plan, timeout=5_000)  # briefed: the plan first
    click(panel.tabs.tabBar(), panel.tabs.tabBar().tabRect(3).center())
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is log, timeout=5_000)
    click(log.start_button)
    assert demo.patrols.get(record.id).status == "in_progress"
    # Not at a planned stop until the crew says which: the first stop chosen with the keyboard, then Arrived.
    assert log.stop_choice.currentData() is None
    press(log.stop_choice, Qt.Key.Key_Down)
    assert log.stop_choice.currentData() == demo.patrols.get(record.id).stops[0].key
    click(log.kind_buttons["arrived_stop"])
    assert demo.patrols.log_of(record.id)[-1].kind == "arrived_stop"
    clock.advance(6)
    wanted = demo.patrols.vehicles_of_interest(clock.now)[:2]
    assert len(wanted) == 2
    buttons_at = laid_out_at(log.kind_buttons["note"], log)
    for vehicle in wanted:
        type_into(log.vrm, vehicle.vrm.replace(" ", "").lower())
        assert log.vrm.text() == vehicle.vrm.replace(" ", "").upper()  # capitals as typed
        press(log.vrm, Qt.Key.Key_Return)  # Enter logs the stop-check
        clock.advance(2)
    events = [e for e in demo.patrols.log_of(record.id) if e.kind == "stop_check"]
    assert [normalise_vrm(e.vrm) for e in events] == [normalise_vrm(v.vrm) for v in wanted]
    assert all(e.flagged for e in events)
    # Both alerts are on show, newest first; the buttons did not move.
    texts = log.alert_texts()
    assert len(texts) == 2 and wanted[1].vrm in texts[0] and wanted[0].vrm in texts[1]
    assert laid_out_at(log.kind_buttons["note"], log) == buttons_at
    type_into(log.vrm, "AB12 CDE")
    press(log.vrm, Qt.Key.Key_Return)
    assert "not a vehicle of interest" in log.message.text()
    assert len(log.alert_texts()) == 2  # an ordinary check does not wipe the alerts
    # A bad registration is outlined and said, nothing logged.
    type_into(log.vrm, "!!")
    press(log.vrm, Qt.Key.Key_Return)
    assert log.message.text().startswith("Not logged") and log.vrm.toolTip()
    assert len([e for e in demo.patrols.log_of(record.id) if e.kind == "stop_check"]) == 3
    # Every control says what it does with Shift+F1 (What's this).
    click(log.vrm)
    press(log.vrm, Qt.Key.Key_F1, SHIFT)
    qtbot.waitUntil(lambda: any(w.metaObject().className() == "QWhatsThat" and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5_000)
    bubble = next(w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QWhatsThat")
    press(bubble, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not any(w.metaObject().className() == "QWhatsThat" and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=5_000)
    for widget in (log.vrm, log.grid_ref, log.pick_button, log.stop_choice, log.detail, log.start_button,
                   log.end_button, *log.kind_buttons.values()):
        assert widget.whatsThis(), widget
    # End (asks first): Yes.
    clock.advance(10)
    with answering(qtbot, QMessageBox, button_answer(QMessageBox.StandardButton.Yes)):
        click(log.end_button)
    qtbot.waitUntil(lambda: demo.patrols.get(record.id).status == "completed", timeout=5_000)
    assert panel.tabs.currentWidget() is panel.dose
    assert panel.problems == []


# --- 6. roster auto-fill --------------------------------------------------------------------------------------


def test_roster_auto_fill_applied_with_enter(qtbot, demo: Services, window) -> None:
    wait_active(qtbot, window)
    press(window.table, Qt.Key.Key_R, CTRL | SHIFT)
    roster = window.roster_panel
    qtbot.waitUntil(roster.isVisible, timeout=5_000)
    click(roster.tabs.tabBar(), roster.tabs.tabBar().tabRect(1).center())
    duties = roster.duties_tab
    qtbot.waitUntil(duties.isVisible, timeout=5_000)
    click(duties.month_button)
    start, end = duties.period()
    assert (start.month, start.year) == (11, 2026)  # the clock's month, not today's
    before = sum(len(d.crew) for d in demo.roster.duties(start, end))
    with qtbot.waitSignal(roster.autofill_ready, timeout=60_000) as ready:
        click(duties.autofill_button)
    proposal = ready.args[0]
    assert proposal.assignments
    dialog = duties.autofill_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    wait_active(qtbot, dialog)
    with qtbot.waitSignal(roster.autofill_applied, timeout=60_000) as applied:
        press(dialog, Qt.Key.Key_Return)  # Enter applies (the proposal was what the person opened it for)
    after = sum(len(d.crew) for d in demo.roster.duties(start, end))
    assert after - before == len(applied.args[0].assignments) == len(proposal.assignments)
    assert duties.status.text().startswith(f"Auto-fill assigned {len(proposal.assignments)} places")


def test_the_running_patrol_is_on_the_roster_week(qtbot, demo: Services, window, clock: Clock,
                                                  tmp_path: Path) -> None:
    record = _briefed_patrol(demo, tmp_path)
    clock.set_local(f"{PATROL_DAY} 18:05")
    demo.patrols.start(record.id)
    wait_active(qtbot, window)
    press(window.table, Qt.Key.Key_R, CTRL | SHIFT)
    roster = window.roster_panel
    qtbot.waitUntil(roster.isVisible, timeout=5_000)
    click(roster.tabs.tabBar(), roster.tabs.tabBar().tabRect(1).center())
    duties = roster.duties_tab
    click(duties.week_button)
    qtbot.waitUntil(lambda: duties.grid.patrol_cell(record.id) is not None, timeout=5_000)
    cell = duties.grid.patrol_cell(record.id)
    assert "RURAL22" in cell.text() and "in progress" in cell.text().lower()


# --- 7. sync export --------------------------------------------------------------------------------------------


def test_sync_export_with_a_passphrase(qtbot, demo: Services, window, tmp_path: Path) -> None:
    wait_active(qtbot, window)
    press(window.table, Qt.Key.Key_S, CTRL | SHIFT)
    sync = window.sync_panel
    qtbot.waitUntil(sync.isVisible, timeout=5_000)
    export = next(b for b in sync.findChildren(QAbstractButton) if b.text() == "E&xport changes…")
    click(export)  # no passphrase yet: said, nothing written
    assert "passphrase first" in sync.status.text()
    type_into(sync.passphrase, "a shared passphrase for the team")
    type_into(sync.passphrase_again, "a shared passphrase for the tema")  # mistyped: said, nothing written
    click(export)
    assert "differ" in sync.status.text() and sync.passphrase_again.hasFocus()
    type_into(sync.passphrase_again, "a shared passphrase for the team")
    demo.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3,
                                        place="A real gateway"))
    target = tmp_path / "changes.rwsync"
    with qtbot.waitSignal(sync.exported, timeout=60_000) as exported:
        with answering(qtbot, QFileDialog, file_chooser_answer(target)):
            click(export)
    result = exported.args[0]
    assert target.exists() and target.stat().st_size > 0 and result.encrypted
    rows = sum(result.rows.values())
    assert result.rows["incidents"] == 1 and result.demo_left_out > demo.incidents.count()  # demo data stays here
    # One row is "1 row" (it said "1 rows").
    assert sync.status.text() == (f"Exported {rows:,} row{'' if rows == 1 else 's'} to changes.rwsync (encrypted); "
                                  f"{result.demo_left_out:,} demo rows stay on this laptop (demo data is never sent)")
    assert sync.status.toolTip() == str(target)  # the file's name shown, its whole path in the tooltip


# --- 8. the lock ----------------------------------------------------------------------------------------------


@pytest.fixture
def signed_in_window(qtbot, tmp_path: Path, clock: Clock) -> Iterator:
    from PySide6.QtCore import QSettings

    from ruralwatch.services.accounts import create_database, sign_in
    from ruralwatch.ui import settings_keys
    from ruralwatch.ui.main_window import MainWindow

    path = tmp_path / "enc.db"
    create_database(path, "jsmith", PASSWORD, TEST_PARAMS).close()
    store = sign_in(path, "jsmith", PASSWORD)
    settings_keys.IDLE_MINUTES.write(5, QSettings())
    win = MainWindow(Services.build(store, clock=clock), tmp_path / "page")
    problems: list[str] = []
    win.report_problem = lambda title, message: problems.append(f"{title}: {message}")
    with qtbot.waitSignal(win.map.incidents_shown, timeout=60_000):
        win.show()
    yield win
    win.dispose()
    store.close()


def test_lock_and_unlock_by_typing_the_password(qtbot, signed_in_window) -> None:
    win = signed_in_window
    lock = win.idle_lock
    wait_active(qtbot, win)
    with qtbot.waitSignal(lock.locked, timeout=5_000):
        from_menu(qtbot, win, "Account", "Lock now")
    assert win.centralWidget().isHidden() and lock.screen.isVisible() and not win.menuBar().isEnabled()
    field = lock.screen.password
    assert QApplication.focusWidget() is field  # type at once
    QTest.keyClicks(field, "not my password")
    press(field, Qt.Key.Key_Return)
    assert lock.is_locked and lock.screen.error_label.text().startswith("Wrong password")
    with qtbot.waitSignal(lock.unlocked, timeout=5_000):
        QTest.keyClicks(field, PASSWORD)
        press(field, Qt.Key.Key_Return)
    assert not win.centralWidget().isHidden() and win.menuBar().isEnabled()

    # Ctrl+L locks too; then, unlocked, a short idle time runs out with no input and locks on its own.
    with qtbot.waitSignal(lock.locked, timeout=5_000):
        press(win.table, Qt.Key.Key_L, CTRL)
    QTest.keyClicks(field, PASSWORD)
    press(field, Qt.Key.Key_Return)
    assert not lock.is_locked
    with qtbot.waitSignal(lock.locked, timeout=10_000):
        lock.set_minutes(0.01)  # 0.6 s without input
    assert lock.screen.isVisible() and win.centralWidget().isHidden()
    QTest.keyClicks(field, PASSWORD)
    press(field, Qt.Key.Key_Return)
    assert not lock.is_locked
