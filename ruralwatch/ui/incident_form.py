"""Create and edit an incident. A failed save keeps everything typed and points at each bad field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QModelIndex, QObject, QSize, Qt, QTimeZone, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import geo, times
from ruralwatch.core.errors import FieldError, NotFoundError, RuralWatchError, ValidationError
from ruralwatch.core.incident import Incident, IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.core.kinds import (
    EQUIPMENT_CATEGORIES,
    KINDS,
    PROPERTY_MARKINGS,
    DetailField,
    FieldType,
    KindChoice,
    find_kinds,
    kind_by_key,
)
from ruralwatch.core.permissions import role_may_not
from ruralwatch.core.vocab import STATUSES, VEHICLE_ROLES
from ruralwatch.core.words import plural
from ruralwatch.services.geography import GeographyService, PlaceExamples
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.premises import PremisesService
from ruralwatch.ui import theme
from ruralwatch.ui.widgets import (
    PROBLEM_ROLE,
    FieldMarks,
    OutlinedProblems,
    fit_to_width,
    make_table,
    select_data,
    select_part_on_click,
    vocab_combo,
)
from ruralwatch.ui.widgets.completion import close_list_on_leave
from ruralwatch.ui.widgets.follow_focus import follow_focus
from ruralwatch.ui.widgets.map_pick import pick_on_map_button
from ruralwatch.ui.widgets.message_area import MessageArea
from ruralwatch.ui.widgets.today import today

FIELD_LABELS = {
    "kind": "Kind", "subkind": "Equipment", "occurred_start": "Happened", "occurred_end": "Went on until",
    "reported_at": "Reported", "grid_ref": "OS grid ref", "location": "Location", "lat": "Latitude",
    "lon": "Longitude", "place": "Place", "description": "Description", "status": "Status",
    "crime_reference": "Crime ref", "reporter_name": "Reporter name", "reporter_phone": "Reporter phone",
    "vehicles": "Vehicle", "items": "Stolen item", "attachments": "Attachments", "premises_id": "At premises",
}
NO_PREMISES = "(no registered premises)"
DATETIME_FORMAT = "yyyy-MM-dd HH:mm"
# Alt+letters of the form's own fields and buttons shown for every kind (Kind, Happened, until, Reported, grid ref,
# Pick on map, Lat / lon, Place, At premises, Description, Status, Crime ref, Name, Phone, Add vehicle, Add photo),
# and those shown for one kind only (Equipment and Add item): a kind's details take none of these.
FORM_MNEMONICS = frozenset("khurgmlptdscnova")
KIND_MNEMONICS = {"equipment_theft": frozenset("ei")}
UK = QTimeZone(b"Europe/London")


def _detail_mnemonics(labels: list[str], taken: frozenset[str]) -> list[str]:
    """The labels of one kind's details, each with its own Alt+letter not in `taken`, chosen together (a greedy
    pick gave 'Vehicles' the only letter 'People' could have). Word starts first; a label with no free letter is
    left without one (test_keyboard names it)."""
    def choices(label: str) -> list[int]:
        starts = [i for i, ch in enumerate(label) if ch.isalnum() and (i == 0 or not label[i - 1].isalnum())]
        others = [i for i, ch in enumerate(label) if ch.isalnum() and i not in starts]
        return [i for i in (*starts, *others) if label[i].isascii() and label[i].lower() not in taken]

    options = [choices(label.replace("&", "&&")) for label in labels]
    best: list[int | None] = [None] * len(labels)

    def place(n: int, used: set[str], chosen: list[int | None]) -> bool:
        if n == len(labels):
            best[:] = chosen
            return True
        text = labels[n].replace("&", "&&")
        for i in options[n]:
            if text[i].lower() not in used and place(n + 1, used | {text[i].lower()}, [*chosen, i]):
                return True
        return False

    place(0, set(), [])
    texts = []
    for label, i in zip(labels, best, strict=True):
        plain = label.replace("&", "&&")
        texts.append(plain if i is None else f"{plain[:i]}&{plain[i:]}")
    return texts


def _datetime_edit() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATETIME_FORMAT)
    edit.setTimeZone(UK)
    return select_part_on_click(edit)


def _to_qdatetime(stored: str) -> QDateTime:
    moment = times.from_storage(stored)
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), UK)


def _from_qdatetime(value: QDateTime) -> str:
    # UTC text: validation reads the zone, so what the officer saw in UK time is what is stored.
    return value.toUTC().toString("yyyy-MM-ddTHH:mm:ss") + "Z"


def _title(incident: Incident | None, read_only: bool = False) -> str:
    """Several forms can be open at once: the title says which incident each one is."""
    if incident is None:
        return "New incident"
    return (f"{'Incident' if read_only else 'Edit incident'}: {kind_by_key(incident.kind).name}, "
            f"{incident.place or 'no place'}, "
            f"{times.format_local(incident.occurred_start)[:10]}")


FORM_WIDTH = 1000  # the incident form's width where the screen has room

class KindBox(QComboBox):
    """The kind: type any word of a kind's name, or a word an officer would use for it ("theft", "stolen", "quad",
    "GPS", "traveller"; the catalogue's synonyms), and pick from the list; Enter or Tab takes the top entry. A walk
    typed "Theft" and found nothing: a plain list box finds an entry only by its first letters. An entry with a
    sub-kind ("Equipment theft (Quad bike / ATV)") also chooses the equipment (`subkind_chosen`)."""

    subkind_chosen = Signal(str)
    CHOICE_ROLE = Qt.ItemDataRole.UserRole + 1
    INSERT_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, blank: bool) -> None:
        super().__init__()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        if blank:  # a new incident starts with no kind, so nothing is recorded as hare coursing by default
            self.addItem("", None)
        for kind in KINDS:
            self.addItem(kind.name, kind.key)
        self.lineEdit().setPlaceholderText("Choose the kind, or type a word: theft, quad, hare, traveller…")
        self.choices = QStandardItemModel(self)
        completer = QCompleter(self.choices, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionRole(self.INSERT_ROLE)  # what goes in the box: the kind's name
        completer.activated[QModelIndex].connect(
            lambda index: self.choose(index.data(self.CHOICE_ROLE)))
        self.setCompleter(None)  # the box's own completer matches only the start of a name
        self.lineEdit().setCompleter(completer)
        self.lineEdit().textEdited.connect(self._fill_list)
        self.lineEdit().editingFinished.connect(self.settle)
        close_list_on_leave(self)
        self._fill_list("")

    def _fill_list(self, text: str) -> None:
        """The entries `text` names, best first (before the completer shows its list)."""
        self.choices.clear()
        for choice in find_kinds(text):
            entry = QStandardItem(choice.label)
            entry.setData(choice, self.CHOICE_ROLE)
            entry.setData(kind_by_key(choice.kind).name, self.INSERT_ROLE)
            self.choices.appendRow(entry)

    def choose(self, choice: KindChoice | None) -> None:
        if choice is None:
            return
        select_data(self, choice.kind)
        self.setEditText(self.currentText())
        if choice.subkind:
            self.subkind_chosen.emit(choice.subkind)

    def settle(self) -> None:
        """Leaving the box (Tab, Enter, a click elsewhere): the text typed becomes the kind it names first. Text that
        names no kind is kept as typed, with no kind chosen (a new incident) or the kind as it was (an edit)."""
        text = self.currentText().strip()
        if text.casefold() == self.itemText(self.currentIndex()).casefold():
            self.setEditText(self.itemText(self.currentIndex()))
            return
        found = find_kinds(text) if text else []
        if found:
            self.choose(found[0])
        elif self.findData(None) >= 0:
            self.setCurrentIndex(self.findData(None))
            self.setEditText(text)
        else:
            self.setEditText(self.itemText(self.currentIndex()))


class RowTable(QWidget):
    """A small editable table (vehicles, stolen items) with Add and Remove buttons."""

    def __init__(self, headers: list[str], add_label: str) -> None:
        super().__init__()
        self.table = make_table(headers, editable=True, selection=QAbstractItemView.SelectionMode.ExtendedSelection,
                                alternating=False)
        # Three rows tall (more scroll inside it): left to grow, the first table took the room the second needed,
        # and at 1366x768 Vehicles started below the fold.
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height()
                                  + 3 * self.table.verticalHeader().defaultSectionSize()
                                  + 2 * self.table.frameWidth() + 2)
        self.table.setItemDelegate(_RowDelegate(self))  # a refused cell is outlined like a field
        self.table.installEventFilter(self)  # Tab on a cell not being edited goes on to the next cell too
        self.row_ids: list[str | None] = []
        self.saved_rows: list[int] = []  # the rows the form last read for saving (empty ones are not saved)
        self.add_button = QPushButton(add_label)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def append(self, row_id: str | None) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.row_ids.append(row_id)
        return row

    def start_typing(self, row: int, column: int) -> None:
        """A row added with its button: its first typed cell open for typing, with the focus (it went nowhere: the
        focus stayed on the button; then only the cell was current, and a Tab left the table for the button,
        where Space added a second, empty row)."""
        self.table.setCurrentCell(row, column)  # first: focus on a table with no current cell goes to the first
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # cell, the stolen item's category box
        cell = self.table.item(row, column)
        if cell is not None and cell.flags() & Qt.ItemFlag.ItemIsEditable:
            self.table.editItem(cell)

    def commit_edit(self) -> None:
        """A cell still being typed in (Ctrl+S before Enter or Tab) keeps what it holds: the save said
        "registration is empty" of a VRM typed and not yet entered."""
        if self.table.state() != QAbstractItemView.State.EditingState:
            return
        editor = self.table.indexWidget(self.table.currentIndex())
        if editor is not None:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
            del self.row_ids[row]

    def typed_in(self, row: int, columns: tuple[int, ...]) -> bool:
        """Whether anything was typed in these cells of the row."""
        return any(self.text(row, column) for column in columns)

    def text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item else ""

    def combo(self, row: int, column: int) -> Any:
        widget = self.table.cellWidget(row, column)
        return widget.currentData() if isinstance(widget, QComboBox) else None

    def set_text(self, row: int, column: int, value: Any) -> None:
        self.table.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))

    def set_combo(self, row: int, column: int, choices: tuple[tuple[str, str], ...], key: Any) -> None:
        combo = vocab_combo(choices)
        select_data(combo, key)
        combo.installEventFilter(self)
        self.table.setCellWidget(row, column, combo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Tab in a cell's list box goes on to the row's next cell, as Tab in a typed cell does. Left to Qt, it
        jumped to the top of the form (the box is last in the focus chain): a walk's Tab from Role then typed the
        vehicle's make into the Kind box, which changed the incident to Heritage crime."""
        back = _tab_back(event)
        if back is not None and isinstance(watched, QComboBox):
            index = self.table.indexAt(watched.pos())
            self.tab_from(index.row(), index.column(), back)
            return True
        if back is not None and watched is self.table and self.table.currentRow() >= 0:
            self.tab_from(self.table.currentRow(), self.table.currentColumn(), back)
            return True
        return super().eventFilter(watched, event)

    def tab_from(self, row: int, column: int, back: bool) -> None:
        """The next (or previous) cell of the row: typed ones start editing, so keys go in them; past the row's
        end, the focus leaves the table (its buttons), before its start, back to the table."""
        column += -1 if back else 1
        if not 0 <= column < self.table.columnCount():
            if back:
                self.table.setCurrentCell(row, 0)
                self.table.setFocus(Qt.FocusReason.BacktabFocusReason)
            else:
                self.add_button.setFocus(Qt.FocusReason.TabFocusReason)
            return
        self.table.setCurrentCell(row, column)
        widget = self.table.cellWidget(row, column)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.BacktabFocusReason if back else Qt.FocusReason.TabFocusReason)
            return
        self.table.setFocus(Qt.FocusReason.TabFocusReason)
        cell = self.table.item(row, column)
        if cell is not None and cell.flags() & Qt.ItemFlag.ItemIsEditable:
            self.table.editItem(cell)


def _tab_back(event: QEvent) -> bool | None:
    """For a Tab key press: whether it goes back (Shift+Tab); None for any other event."""
    if event.type() != QEvent.Type.KeyPress:
        return None
    key = event.key()  # type: ignore[attr-defined]
    if key not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
        return None
    return key == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)  # type: ignore[attr-defined]


class _RowDelegate(OutlinedProblems):
    """Tab in a cell being typed in keeps what was typed and goes on to the row's next cell, as Tab in a cell's list
    box does (Qt's own next cell was the list box's hidden text cell, or, with the table's Tab off, the button)."""

    def __init__(self, rows: RowTable) -> None:
        super().__init__(rows.table)
        self.rows = rows

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        back = _tab_back(event)
        if back is None or not isinstance(watched, QWidget):
            return super().eventFilter(watched, event)
        index = self.rows.table.currentIndex()
        self.commitData.emit(watched)
        self.closeEditor.emit(watched, QAbstractItemDelegate.EndEditHint.NoHint)
        self.rows.tab_from(index.row(), index.column(), back)
        return True


class IncidentDialog(QDialog):
    """The incident form. `saved` holds the stored incident after a successful save.

    Not modal, so the officer can look at the map, and click it to place the incident, while typing.
    """

    pick_hint = "Click the map where it happened (Esc in the form to stop)"  # MapPicking's status line
    saved_incident = Signal(object)
    pick_requested = Signal(bool)

    def __init__(self, service: IncidentService, incident: Incident | None = None, parent: QWidget | None = None,
                 premises: PremisesService | None = None, examples: PlaceExamples | None = None):
        super().__init__(parent)
        self.service = service
        # The premises register, for "At premises" (None: the form leaves an incident's premises as stored).
        self.premises_service = premises if premises and premises.store.actor.can("premises.view") else None
        self.incident = incident
        # An account that may not record incidents (an analyst) sees one read-only: an editable form that refuses
        # to save threw its typing away.
        self.read_only = incident is not None and not service.store.actor.can("incident.record")
        self.saved: Incident | None = None
        self.pending_files: list[Path] = []
        self.removed_attachments: list[str] = []
        self._syncing_location = False
        # The grid reference the lat/lon boxes already hold the point of (written by the form, or read once): read
        # again it would move a point stored to the metre onto the centre of its square.
        self._placed_grid_ref = ""
        self._shown_kind: str | None = None  # the kind whose fields are on show (None while building)
        # Inside the force (the window passes services.geography's): Essex's letters read wrong in North Yorkshire.
        self.examples = examples or GeographyService(service.store).place_examples()
        self.setWindowTitle(_title(incident, self.read_only))
        available = self.screen().availableGeometry() if self.screen() else None
        # Fit a 768-pixel laptop screen: Save and Cancel must never fall off the bottom. Wide enough for the stolen
        # items' eight columns at 1366 (at 760 they scrolled sideways, "Recovered" cut off), never past the screen.
        self.resize(min(FORM_WIDTH, available.width() - 40) if available else FORM_WIDTH,
                    min(860, available.height() - 60) if available else 860)
        self._build()
        if incident:
            self._fill(incident)
        else:
            # The app's clock, not Qt's: the same "now" the service checks "not in the future" against.
            now = QDateTime.fromSecsSinceEpoch(int(times.utc_now().timestamp()), UK)
            self.occurred_start.setDateTime(now)
            self.reported_at.setDateTime(now)
            self.occurred_end.setDateTime(now)
        # Until "Went on until" is ticked its time follows Happened, so ticking it starts from the start, not from
        # the time the form was opened (an end of "now" was saved by accident).
        self.occurred_start.dateTimeChanged.connect(self._end_follows_start)
        self._shown_kind = self.kind.currentData()
        self._on_kind_changed()
        self.occurred_start.dateTimeChanged.connect(lambda _moment: self._update_repeat())
        self._update_repeat()
        if self.read_only:
            self._make_read_only()
        self._initial = self._snapshot()
        self.kind.setFocus(Qt.FocusReason.OtherFocusReason)  # the first thing to fill (it opened with none)

    def _make_read_only(self) -> None:
        """Show the incident without a way to change it, and say why in the permission catalogue's words. Text stays
        selectable (a crime reference to copy); Save goes, Cancel becomes Close."""
        self.read_only_note.setText(f"Read only. {role_may_not('incident.record')}.")
        self.read_only_note.setStyleSheet(f"{theme.tone_style('notice')} padding: 4px;")
        self.read_only_note.show()
        for box in self.findChildren(QLineEdit):
            if not isinstance(box.parent(), (QComboBox, QAbstractSpinBox)):
                box.setReadOnly(True)
        for text in self.findChildren(QPlainTextEdit):
            text.setReadOnly(True)
        for table in (self.vehicles.table, self.items.table):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for widget in (*self.findChildren(QComboBox), *self.findChildren(QAbstractSpinBox),
                       *self.findChildren(QCheckBox), *self.findChildren(QPushButton)):
            if self.buttons.isAncestorOf(widget):
                continue
            widget.setEnabled(False)
        for table in (self.vehicles.table, self.items.table):
            for row in range(table.rowCount()):
                for column in range(table.columnCount()):
                    cell = table.cellWidget(row, column)
                    if cell is not None:
                        cell.setEnabled(False)
                    # No edit triggers still let a click or Space tick a checkable cell (an analyst's View ticked
                    # "Recovered"): the tick shows, but no longer toggles.
                    item = table.item(row, column)
                    if item is not None:
                        item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable))
        self.save_button.hide()
        self.save_button.setEnabled(False)  # Ctrl+S does nothing either
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        close.setText("Close")
        close.setDefault(True)

    def _end_follows_start(self, moment: QDateTime) -> None:
        if not self.has_end.isChecked():
            self.occurred_end.setDateTime(moment)

    # --- layout ------------------------------------------------------------------------------------------

    def _build(self) -> None:
        # Beside Save and Cancel, in room kept while empty: at the top of the form the "Not saved" block pushed
        # every field down ~62 px and back when one was corrected (a click meant for the grid ref landed in
        # Reported and typed "TL 523 123" into its date).
        self.error_label = MessageArea(lines=3)
        self.error_label.setStyleSheet(theme.error_style())
        self.error_label.setObjectName("errorSummary")
        self.error_label.hide()
        if self.incident and self.incident.synthetic:
            demo_note = QLabel("Demo data: this incident is synthetic, not a real report.")
            demo_note.setStyleSheet(f"{theme.tone_style('notice')} padding: 4px;")
        else:
            demo_note = None

        self.kind = KindBox(blank=self.incident is None)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.subkind = vocab_combo(EQUIPMENT_CATEGORIES)
        self.kind.subkind_chosen.connect(lambda key: select_data(self.subkind, key))
        self.subkind_label = QLabel("&Equipment")
        self.subkind_label.setBuddy(self.subkind)
        self.status = vocab_combo(STATUSES)
        self.occurred_start = _datetime_edit()
        self.has_end = QCheckBox("Went on &until")
        self.occurred_end = _datetime_edit()
        self.occurred_end.setEnabled(False)
        self.has_end.toggled.connect(self.occurred_end.setEnabled)
        self.reported_at = _datetime_edit()

        examples = self.examples
        self.grid_ref = QLineEdit()
        self.grid_ref.setPlaceholderText(f"e.g. {examples.grid_ref}")
        self.lat = QLineEdit()
        self.lat.setPlaceholderText(f"latitude, e.g. {examples.lat}")
        self.lon = QLineEdit()
        self.lon.setPlaceholderText(f"longitude, e.g. {examples.lon}")
        self.grid_ref.editingFinished.connect(self._grid_ref_edited)
        self.lat.editingFinished.connect(lambda: self._coordinate_left("lat"))
        self.lon.editingFinished.connect(lambda: self._coordinate_left("lon"))
        self.place = QLineEdit()
        self.place.setPlaceholderText("farm, field, road or landmark")
        # The registered premises it happened at: type part of a name to search the register.
        self.premises_combo = QComboBox()
        self.premises_combo.setEditable(True)
        self.premises_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.premises_combo.addItem(NO_PREMISES, "")
        for found in self.premises_service.list() if self.premises_service else []:
            self.premises_combo.addItem(f"{found.name} ({found.grid_ref})", found.id)
        completer = self.premises_combo.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        close_list_on_leave(self.premises_combo)
        self.premises_combo.setToolTip("The registered premises (Team ▸ Premises) it happened at: type part of "
                                       "its name. An earlier incident there within the window is flagged.")
        self.premises_combo.currentIndexChanged.connect(lambda _index: self._update_repeat())
        # Where the location lies: its ward and district, or how far outside the force's area (a wrong letter pair
        # or a map click in the wrong county is otherwise saved without a word).
        self.location_note = QLabel()
        # Its line is kept while it says nothing: when "In <place>." appeared, everything under it moved down a
        # line, the Description box under the pointer on its way to a click.
        # (a hidden row of the form takes no room, so the label stays shown and is emptied instead). Exactly one
        # line, unwrapped: a wrapped label asked the form for more than its minimum once it had text (14 px more
        # on a laptop's display); a note wider than the form is cut, and read whole in its tooltip.
        self.location_note.setFixedHeight(self.fontMetrics().lineSpacing() + 2)
        self.location_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.repeat_label = QLabel()
        self.repeat_label.setWordWrap(True)
        self.repeat_label.setStyleSheet(theme.warning_style())
        self.repeat_label.hide()
        self.description = QPlainTextEdit()
        # Five lines, whatever else is shown: it took up the room left over, so it grew when the kind's rows or the
        # place line appeared (the box moved under the pointer) and pushed Stolen items below a laptop's fold.
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.crime_reference = QLineEdit()

        # Start and end on one row, Status and Crime ref on another: two lines fewer, so at 1366x768 the Stolen
        # items and Vehicles tables start above the fold.
        when = QHBoxLayout()
        when.addWidget(self.occurred_start, 1)
        when.addSpacing(12)
        when.addWidget(self.has_end)
        when.addWidget(self.occurred_end, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        crime_label = QLabel("&Crime ref")
        crime_label.setBuddy(self.crime_reference)
        status_row.addSpacing(12)
        status_row.addWidget(crime_label)
        status_row.addWidget(self.crime_reference, 1)
        lat_lon = QHBoxLayout()
        lat_lon.addWidget(self.lat)
        lat_lon.addWidget(self.lon)
        self.pick_button = pick_on_map_button("Then click the map where it happened")
        self.pick_button.toggled.connect(self.pick_requested)
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.grid_ref, 1)
        grid_row.addWidget(self.pick_button)

        # Equipment beside Kind, its room kept for every kind: as a row of its own under Kind, choosing
        # "Equipment theft" moved the grid-ref box down under the pointer.
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind, 3)
        kind_row.addSpacing(12)
        kind_row.addWidget(self.subkind_label)
        kind_row.addWidget(self.subkind, 2)
        for widget in (self.subkind_label, self.subkind):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        kind_label = QLabel("&Kind")
        kind_label.setBuddy(self.kind)
        main = QFormLayout()
        main.addRow(kind_label, kind_row)
        happened_label = QLabel("&Happened")
        happened_label.setBuddy(self.occurred_start)
        main.addRow(happened_label, when)
        main.addRow("&Reported", self.reported_at)
        grid_label = QLabel("OS &grid ref")
        grid_label.setBuddy(self.grid_ref)  # a label for a row of widgets needs its buddy for the Alt shortcut
        main.addRow(grid_label, grid_row)
        lat_lon_label = QLabel("&Lat / lon")
        lat_lon_label.setBuddy(self.lat)
        main.addRow(lat_lon_label, lat_lon)
        main.addRow("", self.location_note)
        main.addRow("&Place", self.place)
        if self.premises_service is not None:
            main.addRow("A&t premises", self.premises_combo)
            main.addRow("", self.repeat_label)
        main.addRow("&Description", self.description)
        status_label = QLabel("&Status")
        status_label.setBuddy(self.status)
        main.addRow(status_label, status_row)

        self.reporter_name = QLineEdit()
        self.reporter_phone = QLineEdit()
        reporter = QGroupBox("Reporter: personal data")
        reporter.setToolTip("Personal data: kept only as long as the retention rules allow")
        reporter_form = QFormLayout(reporter)
        reporter_form.addRow("&Name", self.reporter_name)
        reporter_form.addRow("Ph&one", self.reporter_phone)

        self.detail_groups: dict[str, QGroupBox] = {}
        self.detail_widgets: dict[str, QWidget] = {}
        for kind in KINDS:
            if not kind.details:
                continue
            group = QGroupBox(f"{kind.name} details")
            form = QFormLayout(group)
            # One kind's details show at a time: each group avoids only the letters shown with it.
            texts = _detail_mnemonics([spec.on_form for spec in kind.details],
                                      FORM_MNEMONICS | KIND_MNEMONICS.get(kind.key, frozenset()))
            for spec, text in zip(kind.details, texts, strict=True):
                widget = self._detail_widget(spec)
                self.detail_widgets[spec.key] = widget
                label = QLabel(text)
                label.setBuddy(getattr(widget, "check", widget))  # a date row: its "Known" box takes the focus
                form.addRow(label, widget)
            self.detail_groups[kind.key] = group

        self.vehicles = RowTable(["VRM", "Role", "Make", "Model", "Colour"], "Add &vehicle")
        self.vehicles.add_button.clicked.connect(
            lambda: self.vehicles.start_typing(self._add_vehicle(VehicleInput(vrm="")), 0))  # the VRM
        vehicles_group = QGroupBox("Vehicles")
        QVBoxLayout(vehicles_group).addWidget(self.vehicles)

        # A stolen quad bike, tractor or trailer has its own registration: its column, not Vehicles as "Victim".
        self.items = RowTable(["Category", "Description", "Make", "Model", "Serial / VIN", "Registration",
                               "Marking", "Value £", "Recovered"], "Add &item")
        self.items.add_button.clicked.connect(
            lambda: self.items.start_typing(self._add_item(self._new_item()), 1))  # the description
        # Each column as wide as what it holds (the category box read "Quad bike /"), the description takes the rest.
        fit_to_width(self.items.table, stretch=1)
        # An empty Make or Model still has room to type in (sized to its contents, it was a sliver).
        self.items.table.horizontalHeader().setMinimumSectionSize(self.fontMetrics().averageCharWidth() * 9)
        self.items_group = QGroupBox("Stolen items")
        QVBoxLayout(self.items_group).addWidget(self.items)

        self.attachment_list = QListWidget()
        self.attachment_list.setViewMode(QListWidget.ViewMode.IconMode)
        self.attachment_list.setIconSize(QSize(96, 96))
        self.attachment_list.setMinimumHeight(130)
        add_file = QPushButton("&Add photo or document…")
        add_file.clicked.connect(self._choose_files)
        remove_file = QPushButton("Remove selected")
        remove_file.clicked.connect(self._remove_attachment)
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(add_file)
        file_buttons.addWidget(remove_file)
        file_buttons.addStretch()
        self.attachments_group = QGroupBox("Attachments")
        attachments_layout = QVBoxLayout(self.attachments_group)
        attachments_layout.addWidget(self.attachment_list)
        attachments_layout.addLayout(file_buttons)

        content = QWidget()
        column = QVBoxLayout(content)
        if demo_note:
            column.addWidget(demo_note)
        column.addLayout(main)
        for group in self.detail_groups.values():
            column.addWidget(group)
        column.addWidget(self.items_group)
        column.addWidget(vehicles_group)
        column.addWidget(reporter)
        column.addWidget(self.attachments_group)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        self.scroll = follow_focus(scroll)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self.read_only_note = QLabel()
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.hide()
        column.insertWidget(0, self.read_only_note)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error_label, 1)
        bottom.addWidget(buttons, 0, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(bottom)

        self.field_widgets: dict[str, QWidget] = {
            "kind": self.kind, "subkind": self.subkind, "occurred_start": self.occurred_start,
            "occurred_end": self.occurred_end, "reported_at": self.reported_at, "grid_ref": self.grid_ref,
            "lat": self.lat, "lon": self.lon, "location": self.grid_ref, "place": self.place,
            "description": self.description, "status": self.status, "crime_reference": self.crime_reference,
            "reporter_name": self.reporter_name, "reporter_phone": self.reporter_phone,
            "vehicles": self.vehicles.table, "items": self.items.table, "attachments": self.attachment_list,
            "premises_id": self.premises_combo, **self.detail_widgets,
        }
        self.marks = FieldMarks(self.field_widgets, self.error_label, self._field_label, resolve=self._mark_cell,
                                linked=(frozenset({"occurred_start", "occurred_end", "reported_at"}),))

    def _detail_widget(self, spec: DetailField) -> QWidget:
        if spec.type is FieldType.INTEGER:
            spin = QSpinBox()
            spin.setRange(-1, spec.maximum)
            spin.setSpecialValueText("not known")  # -1 shows as "not known" and is stored as empty
            spin.setValue(-1)
            return spin
        if spec.type is FieldType.BOOLEAN:
            return vocab_combo((("1", "Yes"), ("0", "No")), blank="Not known")
        if spec.type is FieldType.CHOICE:
            return vocab_combo(spec.choices, blank="Not known")
        date_row = QWidget()
        layout = QHBoxLayout(date_row)
        layout.setContentsMargins(0, 0, 0, 0)
        check = QCheckBox("Known")
        edit = select_part_on_click(QDateEdit(today()))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setEnabled(False)
        check.toggled.connect(edit.setEnabled)
        layout.addWidget(check)
        layout.addWidget(edit, 1)
        date_row.check = check  # type: ignore[attr-defined]
        date_row.edit = edit  # type: ignore[attr-defined]
        return date_row

    # --- filling and reading -----------------------------------------------------------------------------

    def _fill(self, incident: Incident) -> None:
        select_data(self.kind, incident.kind)
        select_data(self.subkind, incident.subkind)
        select_data(self.status, incident.status)
        self.occurred_start.setDateTime(_to_qdatetime(incident.occurred_start))
        if incident.occurred_end:
            self.has_end.setChecked(True)
            self.occurred_end.setDateTime(_to_qdatetime(incident.occurred_end))
        else:
            self.occurred_end.setDateTime(_to_qdatetime(incident.occurred_start))
        if incident.reported_at:
            self.reported_at.setDateTime(_to_qdatetime(incident.reported_at))
        self.lat.setText(f"{incident.lat:.6f}")
        self.lon.setText(f"{incident.lon:.6f}")
        self._write_grid_ref(incident.grid_ref)
        self._show_where()
        self.place.setText(incident.place)
        if incident.premises_id:
            index = self.premises_combo.findData(incident.premises_id)
            if index < 0:  # a premises this list does not hold (removed since): keep the link as it is
                self.premises_combo.addItem("(premises no longer on the register)", incident.premises_id)
                index = self.premises_combo.count() - 1
            self.premises_combo.setCurrentIndex(index)
        self.description.setPlainText(incident.description)
        self.crime_reference.setText(incident.crime_reference)
        self.reporter_name.setText(incident.reporter_name)
        self.reporter_phone.setText(incident.reporter_phone)
        for key, value in incident.details.items():
            self._set_detail(key, value)
        inp = incident.to_input()
        for vehicle in inp.vehicles:
            self._add_vehicle(vehicle)
        for item in inp.items:
            self._add_item(item)
        for attachment in incident.attachments:
            icon = self._thumbnail(self.service.attachment_data(attachment.sha256), attachment.media_type)
            entry = QListWidgetItem(icon, attachment.filename)
            entry.setData(Qt.ItemDataRole.UserRole, attachment.id)
            entry.setToolTip(f"{attachment.filename}\n{attachment.size / 1024:.0f} KB\nSHA-256 {attachment.sha256}")
            self.attachment_list.addItem(entry)

    def _set_detail(self, key: str, value: Any) -> None:
        widget = self.detail_widgets.get(key)
        if isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(widget, QComboBox):
            select_data(widget, str(int(value)) if isinstance(value, bool) else value)
        elif widget is not None and value:
            widget.check.setChecked(True)  # type: ignore[attr-defined]
            widget.edit.setDate(QDate.fromString(str(value), "yyyy-MM-dd"))  # type: ignore[attr-defined]

    def _detail_value(self, widget: QWidget) -> Any:
        if isinstance(widget, QSpinBox):
            return None if widget.value() < 0 else widget.value()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if widget.check.isChecked():  # type: ignore[attr-defined]
            return widget.edit.date().toString("yyyy-MM-dd")  # type: ignore[attr-defined]
        return None

    def _add_vehicle(self, vehicle: VehicleInput) -> int:
        row = self.vehicles.append(vehicle.id)
        self.vehicles.set_text(row, 0, vehicle.vrm)
        self.vehicles.set_combo(row, 1, VEHICLE_ROLES, vehicle.role)
        self.vehicles.set_text(row, 2, vehicle.make)
        self.vehicles.set_text(row, 3, vehicle.model)
        self.vehicles.set_text(row, 4, vehicle.colour)
        return row

    def _new_item(self) -> StolenItemInput:
        """A new stolen item is of the equipment chosen above (a walk's GPS unit theft got a "Tools" item)."""
        category = self.subkind.currentData() if self.subkind.isVisibleTo(self) else None
        return StolenItemInput(category=category) if category else StolenItemInput()

    def _add_item(self, item: StolenItemInput) -> int:
        row = self.items.append(item.id)
        self.items.set_combo(row, 0, EQUIPMENT_CATEGORIES, item.category)
        for column, value in ((1, item.description), (2, item.make), (3, item.model), (4, item.serial_number),
                              (5, item.vrm)):
            self.items.set_text(row, column, value)
        self.items.set_combo(row, 6, PROPERTY_MARKINGS, item.marking)
        self.items.set_text(row, 7, "" if item.value_gbp is None else f"{Decimal(item.value_gbp):.2f}")
        recovered = QTableWidgetItem()
        recovered.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        recovered.setCheckState(Qt.CheckState.Checked if item.recovered else Qt.CheckState.Unchecked)
        self.items.table.setItem(row, 8, recovered)
        return row

    def _kept_rows(self, rows: RowTable, typed: tuple[int, ...]) -> list[int]:
        """The table's rows that are saved: a stored one, or one with something typed or ticked. Remembered, so a
        refusal of the n-th row saved marks its own row of the table."""
        def ticked(row: int) -> bool:
            cell = rows.table.item(row, rows.table.columnCount() - 1)
            return bool(cell and cell.flags() & Qt.ItemFlag.ItemIsUserCheckable
                        and cell.checkState() == Qt.CheckState.Checked)

        kept = [r for r in range(rows.table.rowCount())
                if rows.row_ids[r] is not None or rows.typed_in(r, typed) or ticked(r)]
        rows.saved_rows = kept
        return kept

    def current_input(self) -> IncidentInput:
        """What the form holds now, exactly as typed; validation happens in the service."""
        kind = self.kind.currentData()
        own_details = {d.key for d in kind_by_key(kind).details} if kind else set()
        details = {}
        for key, widget in self.detail_widgets.items():
            if key in own_details:
                value = self._detail_value(widget)
                if value is not None:
                    details[key] = value
        # A row nothing was typed in is not saved (an "Add item" pressed twice saved an empty stolen item).
        vehicles = [
            VehicleInput(vrm=self.vehicles.text(r, 0), role=self.vehicles.combo(r, 1) or "suspect",
                         make=self.vehicles.text(r, 2), model=self.vehicles.text(r, 3),
                         colour=self.vehicles.text(r, 4), id=self.vehicles.row_ids[r])
            for r in self._kept_rows(self.vehicles, (0, 2, 3, 4))
        ]
        items = []
        if kind == "equipment_theft":
            for r in self._kept_rows(self.items, (1, 2, 3, 4, 5, 7)):
                recovered = self.items.table.item(r, 8)
                ticked = bool(recovered and recovered.checkState() == Qt.CheckState.Checked)
                items.append(StolenItemInput(
                    category=self.items.combo(r, 0), description=self.items.text(r, 1), make=self.items.text(r, 2),
                    model=self.items.text(r, 3), serial_number=self.items.text(r, 4), vrm=self.items.text(r, 5),
                    marking=self.items.combo(r, 6) or "none", value_gbp=self.items.text(r, 7) or None,
                    recovered=ticked, id=self.items.row_ids[r],
                ))
        lat, lon, grid_ref = self.lat.text().strip(), self.lon.text().strip(), self.grid_ref.text().strip()
        stored: tuple[float | str, float | str] | None = None
        if self.incident and self._place_untouched(lat, lon, grid_ref):
            # The boxes show the stored point to 6 decimals and the metre: the stored point itself goes back.
            stored = (self.incident.lat, self.incident.lon)
        elif grid_ref and self._lat_lon_from(grid_ref, lat, lon):
            # The grid reference is the place given (lat/lon were filled from it, to 6 decimals): stored exactly, it
            # reads back at the precision typed ("TL 8500 0700", not "TL 85005 07005").
            lat = lon = ""
        return IncidentInput(
            kind=kind or "",
            subkind=self.subkind.currentData() if kind == "equipment_theft" else None,
            occurred_start=_from_qdatetime(self.occurred_start.dateTime()),
            occurred_end=_from_qdatetime(self.occurred_end.dateTime()) if self.has_end.isChecked() else None,
            reported_at=_from_qdatetime(self.reported_at.dateTime()),
            lat=stored[0] if stored else lat or None, lon=stored[1] if stored else lon or None,
            grid_ref=None if stored else grid_ref or None,
            place=self.place.text(), description=self.description.toPlainText(),
            status=self.status.currentData(), crime_reference=self.crime_reference.text(),
            reporter_name=self.reporter_name.text(), reporter_phone=self.reporter_phone.text(),
            details=details, vehicles=vehicles, items=items, premises_id=self.chosen_premises(),
        )

    def chosen_premises(self) -> str | None:
        """The premises id chosen ("" for none; None when the form has no register to choose from). Text that
        names no premises on the list is kept as "?" + the text, for `save` to mark."""
        if self.premises_service is None:
            return None
        text = self.premises_combo.currentText().strip()
        if not text or text == NO_PREMISES:
            return ""
        index = self.premises_combo.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0:
            index = next((i for i in range(1, self.premises_combo.count())
                          if self.premises_combo.itemText(i).lower().startswith(text.lower() + " (")), -1)
        return str(self.premises_combo.itemData(index)) if index >= 0 else f"?{text}"

    def _update_repeat(self) -> None:
        """Say at once when the chosen premises was victimised before (within the window) this incident's time."""
        chosen = self.chosen_premises()
        if not self.premises_service or not chosen or chosen.startswith("?"):
            self.repeat_label.hide()
            return
        try:
            at = times.parse_moment(_from_qdatetime(self.occurred_start.dateTime()), "occurred_start")
            found = self.premises_service.repeat_for_premises(chosen, at)
        except RuralWatchError:
            self.repeat_label.hide()
            return
        earlier = [i for i in found.earlier if not self.incident or i.id != self.incident.id]
        self.repeat_label.setText(f"Victimised before: {len(earlier)} {plural(len(earlier), 'incident')} "
                                  f"there in the {found.window_days} days before ("
                                  + "; ".join(i.line() for i in earlier[:3]) + ")" if earlier else "")
        self.repeat_label.setVisible(bool(earlier))

    # --- behaviour ---------------------------------------------------------------------------------------

    def _on_kind_changed(self) -> None:
        kind = self.kind.currentData()
        if kind != self._shown_kind:
            dropped = self._entered_only_for(self._shown_kind) if self._shown_kind and kind else []
            if dropped and not self.confirm(
                "Change the kind?",
                f"{kind_by_key(kind).name} has no {' or '.join(dropped)}; what you entered there "
                "will not be kept.\n\nChange the kind anyway?",
            ):
                self.kind.blockSignals(True)
                select_data(self.kind, self._shown_kind)
                self.kind.blockSignals(False)
                return
            self._shown_kind = kind
        for key, group in self.detail_groups.items():
            group.setVisible(key == kind)
        is_theft = kind == "equipment_theft"
        self.subkind.setVisible(is_theft)
        self.subkind_label.setVisible(is_theft)
        self.items_group.setVisible(is_theft)

    def _entered_only_for(self, kind: str) -> list[str]:
        """What the user has filled in that belongs to `kind` alone (lost if the kind changes)."""
        lost = []
        details = [d for d in kind_by_key(kind).details if self._detail_value(self.detail_widgets[d.key]) is not None]
        if details:
            lost.append(f"{kind_by_key(kind).name.lower()} details ({', '.join(d.label.lower() for d in details)})")
        if kind == "equipment_theft" and self.items.table.rowCount():
            lost.append(f"stolen items ({self.items.table.rowCount()})")
        return lost

    def confirm(self, title: str, question: str) -> bool:
        """Ask before throwing anything away (tests replace this)."""
        answer = QMessageBox.question(self, title, question, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _snapshot(self) -> str:
        return repr((self.current_input(), self.pending_files, self.removed_attachments))

    def is_modified(self) -> bool:
        return self._snapshot() != self._initial

    def _place_untouched(self, lat: str, lon: str, grid_ref: str) -> bool:
        """The boxes still show the edited incident's place as the form filled them."""
        assert self.incident is not None
        return (lat, lon, grid_ref) == (f"{self.incident.lat:.6f}", f"{self.incident.lon:.6f}",
                                        self.incident.grid_ref)

    def _write_grid_ref(self, text: str) -> None:
        self.grid_ref.setText(text)
        self._placed_grid_ref = text

    @staticmethod
    def _lat_lon_from(grid_ref: str, lat: str, lon: str) -> bool:
        """Lat/lon are the grid reference's point as the form wrote them (within their 6 decimals)."""
        try:
            point = geo.typed_point(grid_ref)
            return abs(float(lat) - point.lat) <= 1e-6 and abs(float(lon) - point.lon) <= 1e-6
        except (ValueError, ValidationError):
            return False

    def _grid_ref_edited(self) -> None:
        text = self.grid_ref.text().strip()
        if self._syncing_location or not text or text == self._placed_grid_ref:
            return
        pair = geo.lat_lon_in(text)
        if pair is not None:  # a latitude and longitude pasted here: moved to their own boxes, which fill
            self.lat.setText(str(pair[0]))
            self.lon.setText(str(pair[1]))
            self.grid_ref.clear()  # the grid reference in its place
            self._lat_lon_edited()
            return
        try:
            point = geo.typed_point(text)  # letters, or an easting and northing in metres
        except ValidationError:
            self.location_note.clear()  # it no longer says where the typed reference is
            self.location_note.setToolTip("")
            return  # left as typed; the save reports it against this field
        self._syncing_location = True
        self.lat.setText(f"{point.lat:.6f}")
        self.lon.setText(f"{point.lon:.6f}")
        self._placed_grid_ref = text
        self._syncing_location = False
        self._show_where()

    def _coordinate_problem(self, axis: str) -> str:
        """Why the Lat (or Lon) box cannot be a coordinate in Great Britain; "" when empty or fine."""
        text = (self.lat if axis == "lat" else self.lon).text().strip()
        if not text:
            return ""
        try:
            geo.check_coordinate(axis, float(text), axis)
        except ValueError:
            return f"{text!r} is not a number"
        except ValidationError as exc:
            return exc.errors[0].message
        return ""

    def _coordinate_left(self, axis: str) -> None:
        """The Lat or Lon box left: marked at once when it cannot be right, then the grid ref follows the point."""
        problem = self._coordinate_problem(axis)
        if problem and not self.read_only:
            self.marks.add(axis, problem)
        self._lat_lon_edited()

    def _lat_lon_edited(self) -> None:
        if self._syncing_location:
            return
        try:
            point = geo.check_lat_lon(float(self.lat.text()), float(self.lon.text()))
        except (ValueError, ValidationError):
            self._show_where()
            return
        untouched = self.incident and self._place_untouched(self.lat.text().strip(), self.lon.text().strip(),
                                                            self.incident.grid_ref)
        self._syncing_location = True
        # Left as filled, the stored place keeps its reference at the precision it was given ("TL 8500 0700").
        self._write_grid_ref(self.incident.grid_ref if self.incident and untouched
                             else geo.lat_lon_to_grid_ref(point.lat, point.lon, 10))
        self._syncing_location = False
        self._show_where()

    def _show_where(self) -> None:
        """Say under the location where it is, in words; a warning when outside the force's area."""
        try:
            where = self.service.where(float(self.lat.text()), float(self.lon.text()))
        except (ValueError, RuralWatchError):
            self.location_note.clear()
            self.location_note.setToolTip("")
            return
        if where.inside:
            self.location_note.setText(f"In {where.place}.")
            self.location_note.setStyleSheet(theme.hint_style())
        else:
            self.location_note.setText(f"⚠ This is {where.place}: check the grid reference or the point picked.")
            self.location_note.setStyleSheet(theme.warning_style())
        self.location_note.setToolTip(self.location_note.text())

    def set_location(self, lat: float, lon: float) -> None:
        """A point picked on the map: fill latitude, longitude and the grid reference."""
        self._syncing_location = True
        self.lat.setText(f"{lat:.6f}")
        self.lon.setText(f"{lon:.6f}")
        try:
            self._write_grid_ref(geo.lat_lon_to_grid_ref(lat, lon, 10))
        except ValidationError:
            self.grid_ref.clear()  # outside the National Grid; the save explains why
        self._syncing_location = False
        self._show_where()
        self.pick_button.setChecked(False)

    def _clear_errors(self) -> None:
        self.marks.clear()
        for table in (self.vehicles.table, self.items.table):
            for row in range(table.rowCount()):
                for column in range(table.columnCount()):
                    cell = table.item(row, column)
                    if cell is not None:
                        cell.setData(Qt.ItemDataRole.BackgroundRole, None)
                        cell.setData(Qt.ItemDataRole.ForegroundRole, None)
                        cell.setData(PROBLEM_ROLE, None)

    def _mark_cell(self, field: str, message: str) -> QWidget | None:
        """`vehicles[2].vrm` -> the VRM cell of the third vehicle row, tinted red."""
        name, _, rest = field.partition("[")
        table = {"vehicles": self.vehicles.table, "items": self.items.table}.get(name)
        if table is None or "]" not in rest:
            return None
        row = self._table_row(name, int(rest.split("]", 1)[0]))
        column_key = rest.split(".", 1)[1] if "." in rest else ""
        columns = {"vehicles": {"vrm": 0, "role": 1},
                   "items": {"category": 0, "vrm": 5, "marking": 6, "value_gbp": 7}}[name]
        column = columns.get(column_key, 0)
        if row < table.rowCount():
            cell = table.item(row, column)
            if cell is None:
                cell = QTableWidgetItem("")
                table.setItem(row, column, cell)
            problem = theme.tone("problem")
            cell.setBackground(problem.background)
            cell.setForeground(problem.text)
            cell.setToolTip(message)
            cell.setData(PROBLEM_ROLE, message)
            table.setCurrentCell(row, column)
        return table

    def _field_label(self, field: str) -> str:
        """`vehicles[2].vrm` -> "Vehicles 3"; a detail field by its kind's label."""
        key = field.split("[", 1)[0]
        label = FIELD_LABELS.get(key) or next((d.label for k in KINDS for d in k.details if d.key == key), key)
        if "[" in field:
            label = f"{label} {self._table_row(key, int(field.split('[', 1)[1].split(']', 1)[0])) + 1}"
        return label

    def _table_row(self, name: str, saved: int) -> int:
        """The table row of the `saved`-th vehicle or item read for saving (rows left empty are not saved)."""
        rows = self.vehicles if name == "vehicles" else self.items
        return rows.saved_rows[saved] if saved < len(rows.saved_rows) else saved

    def show_errors(self, error: ValidationError) -> None:
        self._clear_errors()
        # "Location: not a valid latitude, longitude" outlined the grid ref box while Lat held the mistake: the box
        # actually wrong is marked instead.
        wrong = [(axis, problem) for axis in ("lat", "lon") if (problem := self._coordinate_problem(axis))]
        if wrong and any(p.field == "location" for p in error.errors):
            error = ValidationError([*(p for p in error.errors if p.field != "location"),
                                     *(FieldError(axis, problem) for axis, problem in wrong)])
        self.marks.show(error)  # the first marked field takes the focus, and the form scrolls to it

    def save(self) -> None:
        if self.read_only:
            return
        self._grid_ref_edited()
        self.vehicles.commit_edit()
        self.items.commit_edit()
        chosen = self.chosen_premises()
        if chosen and chosen.startswith("?"):
            self.show_errors(ValidationError.single(
                "premises_id", f"{chosen[1:]!r} is not on the premises register: pick one from the list"))
            return
        try:
            inp = self.current_input()
            if self.incident is None:
                incident = self.service.record(inp, attach=self.pending_files)
            else:
                incident = self.service.update(
                    self.incident.id, inp, attach=self.pending_files, detach=self.removed_attachments
                )
        except ValidationError as exc:
            self.show_errors(exc)
            return
        except RuralWatchError as exc:
            QMessageBox.warning(self, "Not saved", self._gone_message() or str(exc))
            return
        self.saved = self.service.get(incident.id)
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(False)
        self.pick_button.blockSignals(False)
        self.pick_requested.emit(False)
        self.saved_incident.emit(self.saved)
        self.accept()

    def _gone_message(self) -> str:
        """Why an edit could not be saved when its incident was deleted meanwhile (a sync, another window); "" when
        it is still there. The refusal named the incident by its internal id."""
        if self.incident is None:
            return ""
        try:
            self.service.get(self.incident.id)
        except NotFoundError:
            return ("This incident was deleted while its form was open (on this laptop or by a sync), so nothing was "
                    "saved. What you typed is still in the form: copy it into a new incident if it is needed.")
        return ""

    def discard(self) -> None:
        """Close without asking: its incident was deleted."""
        self.pick_button.setChecked(False)
        QDialog.reject(self)

    def reject(self) -> None:
        """Esc, Cancel or closing the window. Esc while picking on the map only stops picking; typed input is
        never thrown away without asking."""
        if self.pick_button.isChecked():
            self.pick_button.setChecked(False)
            return
        if self.saved is None and self.is_modified() and not self.confirm(
            "Discard changes?", "Close this form and lose what you typed in it?"
        ):
            return
        super().reject()

    # --- attachments -------------------------------------------------------------------------------------

    def _thumbnail(self, data: bytes | None, media_type: str, path: Path | None = None) -> QIcon:
        if media_type.startswith("image/"):
            pixmap = QPixmap()
            loaded = pixmap.load(str(path)) if path else pixmap.loadFromData(data or b"")
            if loaded:
                return QIcon(pixmap.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))
        return self.style().standardIcon(self.style().StandardPixmap.SP_FileIcon)

    def add_files(self, paths: list[Path]) -> None:
        import mimetypes

        for path in paths:
            media_type = mimetypes.guess_type(path.name)[0] or ""
            entry = QListWidgetItem(self._thumbnail(None, media_type, path), path.name)
            entry.setData(Qt.ItemDataRole.UserRole + 1, str(path))
            entry.setToolTip(f"{path}\n(added when you save)")
            self.attachment_list.addItem(entry)
            self.pending_files.append(path)

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Add photos or documents", str(Path.home()),
            "Photos and documents (*.jpg *.jpeg *.png *.heic *.pdf *.doc *.docx *.txt);;All files (*)",
        )
        self.add_files([Path(n) for n in names])

    def _remove_attachment(self) -> None:
        for entry in self.attachment_list.selectedItems():
            attachment_id = entry.data(Qt.ItemDataRole.UserRole)
            pending = entry.data(Qt.ItemDataRole.UserRole + 1)
            if attachment_id:
                self.removed_attachments.append(attachment_id)
            elif pending:
                self.pending_files.remove(Path(pending))
            self.attachment_list.takeItem(self.attachment_list.row(entry))
