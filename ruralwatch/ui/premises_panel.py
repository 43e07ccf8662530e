"""The Premises panel (Team ▸ Premises): the register of farms, estates, yards, churches and other rural premises
with a filter; a form to add or edit one (grid reference checked; what was typed is kept when a save is
refused); each premises' registered property, crime-prevention visits and incidents; and "Check serial…", which
looks a serial number up among stolen items and registered property. Laid out one column deep so it fits a
500 px dock on a 1366x768 laptop. The rules are the service's (ruralwatch.services.premises)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import geo, times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.kinds import PROPERTY_MARKINGS, kind_name
from ruralwatch.core.premises import (
    MARKING_NAMES,
    PREMISES_KINDS,
    PROPERTY_KIND_NAMES,
    PROPERTY_KINDS,
    WATCH_SCHEMES,
    Premises,
    PremisesInput,
    PropertyInput,
    RegisteredProperty,
    Visit,
    VisitInput,
)
from ruralwatch.core.words import plural
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.services.geography import GeographyService, PlaceExamples
from ruralwatch.services.premises import PremisesService, PremisesToVisit, SerialCheck
from ruralwatch.ui import theme
from ruralwatch.ui.roster_people import show_status, status_label, with_buddy
from ruralwatch.ui.widgets import FieldMarks, HubBridge, item, make_table, saved_or_marked, select_data, vocab_combo
from ruralwatch.ui.widgets.map_pick import pick_on_map_button

REFRESH_DELAY_MS = 50
FILTER_DELAY_MS = 200
TOPICS = frozenset({"premises", "incidents", "near_repeat"})
# The panel's two views: the whole register, or the premises to visit for crime prevention (inside the
# near-repeat risk zone of a recent theft or burglary: PremisesService.to_visit).
VIEWS = (("register", "All premises"), ("to_visit", "To visit (near a recent theft)"))
REGISTER_COLUMNS = ["Name", "Kind", "Grid reference", "Schemes"]
TO_VISIT_COLUMNS = ["Name", "Incident nearby", "Last visit", "Repeat victim"]

PREMISES_LABELS = {
    "name": "Name", "kind": "Kind", "grid_ref": "Grid reference", "location": "Grid reference",
    "address": "Address", "contact_name": "Contact name", "contact_phone": "Contact phone",
    "contact_email": "Contact email", "schemes": "Watch schemes", "notes": "Notes",
    "registered_on": "Registered on", "closed_on": "Left the register on",
}
PROPERTY_LABELS = {"kind": "Kind", "make": "Make", "model": "Model", "serial_number": "Serial number",
                   "marking": "Marking", "marking_ref": "Marking number", "description": "Description",
                   "photos": "Photos"}
VISIT_LABELS = {"visited_on": "Date", "officer": "Officer", "advice": "Advice given"}


def _wide(widget: QWidget) -> QWidget:
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
    return widget


def _notes_box(height: int = 56) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setFixedHeight(height)
    box.setTabChangesFocus(True)
    return box


def _on_open(table: QTableWidget, slot: Callable[[int], object]) -> None:
    """Double-click, or Enter on the current row (as in the patrol list), opens that row."""
    table.doubleClicked.connect(lambda index: slot(index.row()))
    for keys in ("Return", "Enter"):
        shortcut = QShortcut(QKeySequence(keys), table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(lambda: slot(table.currentRow()))


def _buttons(dialog: QDialog, save: object) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(save)  # type: ignore[arg-type]
    buttons.rejected.connect(dialog.reject)
    return buttons


# --- the premises form ---------------------------------------------------------------------------------------


class PremisesDialog(QDialog):
    """Add or edit a premises. A refused save keeps everything typed and marks each bad field (a wrong grid
    reference included). Contact fields only for roles that may see personal data. Not modal, as the incident
    form: "Pick on map" fills the grid reference from a click on the window's map (the window's MapPicking)."""

    pick_hint = "Click the map at the premises (Esc in the form to stop)"  # MapPicking's status line
    saved_premises = Signal(object)  # Premises
    pick_requested = Signal(bool)  # the next map click should (stop) come to set_location

    def __init__(self, service: PremisesService, premises: Premises | None = None,
                 parent: QWidget | None = None, examples: PlaceExamples | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.premises = premises
        self.saved: Premises | None = None
        self.setWindowTitle(f"Edit {premises.name}" if premises else "New premises")
        self.name = QLineEdit()
        self.kind = vocab_combo(PREMISES_KINDS)
        self.grid_ref = QLineEdit()
        # Inside the force (the panel passes services.geography's).
        examples = examples or GeographyService(service.store).place_examples()
        self.grid_ref.setPlaceholderText(f"e.g. {examples.grid_ref}")
        self.pick_button = pick_on_map_button("Then click the map at the premises")
        self.pick_button.toggled.connect(self.pick_requested)
        self.address = QLineEdit()
        self.contact_name = QLineEdit()
        self.contact_phone = QLineEdit()
        self.contact_email = QLineEdit()
        self.scheme_boxes: dict[str, QCheckBox] = {}
        self.schemes_box = QGroupBox("Watch schemes")
        grid = QGridLayout(self.schemes_box)
        for n, (key, label) in enumerate(WATCH_SCHEMES):
            self.scheme_boxes[key] = box = QCheckBox(label)
            grid.addWidget(box, n // 2, n % 2)
        self.registered_on = QLineEdit()
        self.registered_on.setPlaceholderText("YYYY-MM-DD")
        self.closed_on = QLineEdit()
        self.closed_on.setPlaceholderText("YYYY-MM-DD, when it left the register")
        self.notes = _notes_box()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(with_buddy("&Name", self.name), self.name)
        form.addRow(with_buddy("&Kind", self.kind), self.kind)
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.grid_ref, 1)
        grid_row.addWidget(self.pick_button)
        form.addRow(with_buddy("&Grid reference", self.grid_ref), grid_row)
        form.addRow(with_buddy("&Address", self.address), self.address)
        personal = service.store.actor.can("personal.reporters")
        self.contact_widgets = (self.contact_name, self.contact_phone, self.contact_email)
        if personal:
            form.addRow(with_buddy("&Contact name", self.contact_name), self.contact_name)
            form.addRow(with_buddy("&Phone", self.contact_phone), self.contact_phone)
            # E, not M: Alt+M is Pick on map's (it was hidden by the button's Ctrl+M until the button took it)
            form.addRow(with_buddy("&Email", self.contact_email), self.contact_email)
        else:
            note = QLabel("Contact details are personal data: not shown to your role (they are kept).")
            note.setWordWrap(True)
            note.setStyleSheet(theme.hint_style())
            form.addRow(note)
        form.addRow(self.schemes_box)
        form.addRow(with_buddy("&Registered on", self.registered_on), self.registered_on)
        form.addRow(with_buddy("&Left the register on", self.closed_on), self.closed_on)
        form.addRow(with_buddy("N&otes", self.notes), self.notes)
        buttons = _buttons(self, self.save)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.marks = FieldMarks(summary=self.error_label, widgets={
            "name": self.name, "kind": self.kind, "grid_ref": self.grid_ref, "location": self.grid_ref,
            "address": self.address, "contact_name": self.contact_name, "contact_phone": self.contact_phone,
            "contact_email": self.contact_email, "schemes": self.schemes_box, "notes": self.notes,
            "registered_on": self.registered_on, "closed_on": self.closed_on,
        }, labels=PREMISES_LABELS)
        if premises:
            self._fill(premises)

    def _fill(self, premises: Premises) -> None:
        self.name.setText(premises.name)
        select_data(self.kind, premises.kind)
        self.grid_ref.setText(premises.grid_ref)
        self.address.setText(premises.address)
        self.contact_name.setText(premises.contact_name)
        self.contact_phone.setText(premises.contact_phone)
        self.contact_email.setText(premises.contact_email)
        for key, box in self.scheme_boxes.items():
            box.setChecked(key in premises.schemes)
        self.registered_on.setText(premises.registered_on or "")
        self.closed_on.setText(premises.closed_on or "")
        self.notes.setPlainText(premises.notes)

    def current_input(self) -> PremisesInput:
        """What the form holds, as typed; the service checks it."""
        return PremisesInput(
            name=self.name.text(), kind=self.kind.currentData(), grid_ref=self.grid_ref.text(),
            address=self.address.text(), contact_name=self.contact_name.text(),
            contact_phone=self.contact_phone.text(), contact_email=self.contact_email.text(),
            schemes=[key for key, box in self.scheme_boxes.items() if box.isChecked()], notes=self.notes.toPlainText(),
            registered_on=self.registered_on.text().strip() or None, closed_on=self.closed_on.text().strip() or None)

    def save(self) -> bool:
        def write() -> Premises:
            inp = self.current_input()
            return self.service.update(self.premises.id, inp) if self.premises else self.service.add(inp)

        saved = saved_or_marked(self.marks, write, "name")
        if saved is None:
            return False
        self.saved = saved
        self.pick_button.setChecked(False)
        self.saved_premises.emit(saved)
        self.accept()
        return True

    def set_location(self, lat: float, lon: float) -> None:
        """A point picked on the map: its grid reference (to the metre, as the incident form's)."""
        try:
            self.grid_ref.setText(geo.lat_lon_to_grid_ref(lat, lon, 10))
        except ValidationError:
            self.grid_ref.clear()  # outside the National Grid; the save says a grid reference is needed
        self.pick_button.setChecked(False)

    def reject(self) -> None:
        """Esc while picking on the map only stops picking."""
        if self.pick_button.isChecked():
            self.pick_button.setChecked(False)
            return
        super().reject()

    def done(self, result: int) -> None:
        self.pick_button.setChecked(False)  # the map stops sending clicks to a closed form
        super().done(result)


class PropertyDialog(QDialog):
    """Register an item of machinery or equipment at a premises."""

    saved_property = Signal(object)  # RegisteredProperty

    def __init__(self, service: PremisesService, premises: Premises, current: RegisteredProperty | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.premises = premises
        self.current = current
        self.saved: RegisteredProperty | None = None
        self.setWindowTitle(f"Property at {premises.name}")
        self.kind = vocab_combo(PROPERTY_KINDS)
        self.make = QLineEdit()
        self.model = QLineEdit()
        self.serial_number = QLineEdit()
        self.serial_number.setPlaceholderText("any spacing or dashes")
        self.marking = vocab_combo(PROPERTY_MARKINGS)
        self.marking_ref = QLineEdit()
        self.marking_ref.setPlaceholderText("the CESAR or Datatag number")
        self.description = QLineEdit()
        self.photos = _notes_box(48)
        self.photos.setPlaceholderText("photo files, one a line")
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self._browse)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(with_buddy("&Kind", self.kind), self.kind)
        form.addRow(with_buddy("Ma&ke", self.make), self.make)
        form.addRow(with_buddy("M&odel", self.model), self.model)
        form.addRow(with_buddy("&Serial number", self.serial_number), self.serial_number)
        form.addRow(with_buddy("M&arking", self.marking), self.marking)
        form.addRow(with_buddy("Marking &number", self.marking_ref), self.marking_ref)
        form.addRow(with_buddy("&Description", self.description), self.description)
        photos = QHBoxLayout()
        photos.addWidget(self.photos, 1)
        photos.addWidget(self.browse, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(with_buddy("&Photos", self.photos), photos)
        buttons = _buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.marks = FieldMarks(summary=self.error_label, widgets={
            "kind": self.kind, "make": self.make, "model": self.model, "serial_number": self.serial_number,
            "marking": self.marking, "marking_ref": self.marking_ref, "description": self.description,
            "photos": self.photos}, labels=PROPERTY_LABELS)
        if current:
            select_data(self.kind, current.kind)
            self.make.setText(current.make)
            self.model.setText(current.model)
            self.serial_number.setText(current.serial_as_written or current.serial_number)
            select_data(self.marking, current.marking)
            self.marking_ref.setText(current.marking_ref)
            self.description.setText(current.description)
            self.photos.setPlainText("\n".join(current.photos))

    def _browse(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Photos of the item", "", "Pictures (*.jpg *.jpeg *.png)")
        if files:
            held = [line for line in self.photos.toPlainText().splitlines() if line.strip()]
            self.photos.setPlainText("\n".join([*held, *files]))

    def current_input(self) -> PropertyInput:
        return PropertyInput(
            kind=self.kind.currentData(), make=self.make.text(), model=self.model.text(),
            serial_number=self.serial_number.text(), marking=self.marking.currentData(),
            marking_ref=self.marking_ref.text(), description=self.description.text(),
            photos=self.photos.toPlainText().splitlines())

    def save(self) -> bool:
        def write() -> RegisteredProperty:
            inp = self.current_input()
            if self.current:
                return self.service.update_property(self.current.id, inp)
            return self.service.add_property(self.premises.id, inp)

        saved = saved_or_marked(self.marks, write, "serial_number")
        if saved is None:
            return False
        self.saved = saved
        self.saved_property.emit(saved)
        self.accept()
        return True


class VisitDialog(QDialog):
    """Record a crime-prevention visit: when, who, what advice was given."""

    saved_visit = Signal(object)  # Visit

    def __init__(self, service: PremisesService, premises: Premises, officer: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.premises = premises
        self.saved: Visit | None = None
        self.setWindowTitle(f"Prevention visit to {premises.name}")
        self.visited_on = QLineEdit(times.to_local(times.utc_now()).date().isoformat())
        self.visited_on.setPlaceholderText("YYYY-MM-DD")
        self.officer = QLineEdit(officer)
        self.advice = _notes_box(90)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(with_buddy("&Date", self.visited_on), self.visited_on)
        form.addRow(with_buddy("&Officer", self.officer), self.officer)
        form.addRow(with_buddy("&Advice given", self.advice), self.advice)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.save))
        self.marks = FieldMarks(summary=self.error_label, widgets={
            "visited_on": self.visited_on, "officer": self.officer, "advice": self.advice}, labels=VISIT_LABELS)

    def save(self) -> bool:
        saved = saved_or_marked(self.marks, lambda: self.service.add_visit(self.premises.id, VisitInput(
            self.visited_on.text(), self.officer.text(), self.advice.toPlainText())), "visited_on")
        if saved is None:
            return False
        self.saved = saved
        self.saved_visit.emit(saved)
        self.accept()
        return True


class SerialCheckDialog(QDialog):
    """"Is this serial stolen?": stolen items on incidents and property registered at premises, every match with
    what, where and when. Each check is in the audit log. Double-click (or Enter on) a stolen match to open its
    incident, a registered one to select its premises in the panel. Not modal, so the incident form it opens takes
    clicks while the matches stay in sight."""

    checked = Signal(object)  # SerialCheck
    incident_requested = Signal(str)  # incident id: a stolen match opened
    premises_requested = Signal(str)  # premises id: a registered match opened

    def __init__(self, service: PremisesService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.result: SerialCheck | None = None
        self.setWindowTitle("Check a serial number")
        self.serial = QLineEdit()
        self.serial.setPlaceholderText("as written on the item: spaces, dashes and case do not matter")
        self.check_button = QPushButton("&Check")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(lambda: self.check())
        self.verdict = status_label()
        self.matches = make_table(["Found", "What", "Where", "When"])
        self.matches.setMinimumHeight(140)
        _on_open(self.matches, lambda row: self.open_match(row))
        self.matches.setToolTip("Double-click a match to open its incident or premises")
        row = QHBoxLayout()
        row.addWidget(with_buddy("&Serial number", self.serial))
        row.addWidget(self.serial, 1)
        row.addWidget(self.check_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.matches, 1)
        layout.addWidget(close)
        self.resize(720, 360)

    def check(self) -> SerialCheck | None:
        try:
            found = self.service.check_serial(self.serial.text())
        except ValidationError as exc:
            show_status(self.verdict, exc.errors[0].message, problem=True)
            self.matches.setRowCount(0)
            return None
        except RuralWatchError as exc:
            show_status(self.verdict, str(exc), problem=True)
            return None
        self.result = found
        self.matches.setRowCount(len(found.matches))
        for row, match in enumerate(found.matches):
            if match.source == "stolen":
                label = "Stolen (recovered)" if match.recovered else "Stolen"
                when = times.format_local(match.when) if match.when else ""
            else:
                label, when = "Registered", match.when or ""
            cells = [item(label, match.incident_id or match.premises_id), item(match.what), item(match.where),
                     item(when)]
            for column, cell in enumerate(cells):
                cell.setToolTip(match.line())
                self.matches.setItem(row, column, cell)
        self.matches.resizeColumnsToContents()
        # Where and when stay in sight: the long description takes what room is left (each row's tooltip has it
        # all); sized to its contents it pushed them off the right of the dialog.
        self.matches.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        if found.stolen:
            show_status(self.verdict, f"{found.serial}: STOLEN — reported on an incident "
                                      f"({len(found.matches)} {plural(len(found.matches), 'match', 'matches')})",
                        problem=True)
        elif found.matches:
            show_status(self.verdict, f"{found.serial}: registered, not reported stolen")
        else:
            show_status(self.verdict, f"{found.serial}: no stolen item and no registered property has it")
        self.checked.emit(found)
        return found

    def open_match(self, row: int) -> bool:
        """A stolen match opens its incident, a registered one its premises (through the panel)."""
        if self.result is None or not 0 <= row < len(self.result.matches):
            return False
        match = self.result.matches[row]
        if match.incident_id:
            self.incident_requested.emit(match.incident_id)
        elif match.premises_id:
            self.premises_requested.emit(match.premises_id)
        else:
            return False
        return True


# --- the panel -----------------------------------------------------------------------------------------------


class PremisesPanel(QWidget):
    """The register, filtered; the selected premises' details, property, visits and incidents."""

    refreshed = Signal()
    premises_saved = Signal(object)  # Premises
    property_saved = Signal(object)  # RegisteredProperty
    visit_saved = Signal(object)  # Visit
    incident_requested = Signal(str)  # incident id: double-clicked under a premises or in a serial check
    pick_requested = Signal(object, bool)  # a PremisesDialog's "Pick on map" toggled (the window's MapPicking)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.service = services.premises
        self.serial_check: SerialCheckDialog | None = None
        self.premises: list[Premises] = []
        self.to_visit: list[PremisesToVisit] = []
        self.problems: list[str] = []
        can_edit = services.store.actor.can("premises.edit")

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: name, address, grid reference, kind or scheme")
        self.filter.setClearButtonEnabled(True)
        self.scheme_filter = vocab_combo(WATCH_SCHEMES, blank="All schemes")
        self.view = vocab_combo(VIEWS)
        self.view.setToolTip("To visit: premises inside the near-repeat risk zone of a recent theft or burglary "
                             "(the zone's metres and days are in Settings), most recent incident first")
        self.new_button = QPushButton("New premises…")
        self.edit_button = QPushButton("Edit…")
        self.check_button = QPushButton("Check serial…")
        for button, enabled in ((self.new_button, can_edit), (self.edit_button, can_edit)):
            button.setEnabled(enabled)
            if not enabled:
                button.setToolTip("Your role may not edit the register")
        self.new_button.clicked.connect(lambda: self.open_new())
        self.edit_button.clicked.connect(lambda: self.open_edit())
        self.check_button.clicked.connect(lambda: self.open_serial_check())
        self.count_label = QLabel()
        self.status = status_label()

        self.table = make_table(REGISTER_COLUMNS)
        # The name and the kind as wide as their longest (up to a limit, then they wrap), the grid reference to its
        # contents and the last column what is left: with the name stretched and the others sized to their
        # contents, a docked panel (1366x768) squeezed the names to a letter or two.
        header = self.table.horizontalHeader()
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(lambda _index: self.open_edit() if can_edit else None)

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.property_table = make_table(["Item", "Serial", "Marking"])
        self.property_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.add_property_button = QPushButton("Add item…")
        self.edit_property_button = QPushButton("Edit item…")
        self.remove_property_button = QPushButton("Remove item")
        self.add_property_button.clicked.connect(lambda: self.open_add_property())
        self.edit_property_button.clicked.connect(lambda: self.open_edit_property())
        self.remove_property_button.clicked.connect(lambda: self.remove_property())
        self.visits_table = make_table(["Date", "Officer", "Advice given"])
        self.add_visit_button = QPushButton("Add visit…")
        self.add_visit_button.clicked.connect(lambda: self.open_add_visit())
        self.incidents_table = make_table(["When", "Kind", "Place"])
        self.incidents_table.setToolTip("Double-click an incident to open it")
        _on_open(self.incidents_table, lambda row: self.open_incident_at(row))
        self.edit_buttons = (self.add_property_button, self.edit_property_button, self.remove_property_button,
                             self.add_visit_button)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._page(self.property_table, self.add_property_button, self.edit_property_button,
                                    self.remove_property_button), "Property")
        self.tabs.addTab(self._page(self.visits_table, self.add_visit_button), "Visits")
        self.tabs.addTab(self._page(self.incidents_table), "Incidents")

        filters = QHBoxLayout()
        filters.addWidget(_wide(self.filter), 3)
        filters.addWidget(self.scheme_filter, 2)
        view_row = QHBoxLayout()
        view_row.addWidget(with_buddy("&Show", self.view))
        view_row.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.check_button):
            buttons.addWidget(button)
        buttons.addStretch()
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.details)
        detail_layout.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addLayout(view_row)
        layout.addLayout(filters)
        layout.addWidget(self.count_label)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.refresh)
        self.filter.textChanged.connect(lambda _text: self._filter_timer.start())
        self.scheme_filter.currentIndexChanged.connect(lambda _index: self.refresh())
        self.view.currentIndexChanged.connect(lambda _index: self.refresh())
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._bridge = HubBridge(services.hub, self._on_change, self)
        self.destroyed.connect(lambda *_: self.dispose())
        self.refresh()

    @staticmethod
    def _page(table: QTableWidget, *buttons: QPushButton) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(table, 1)
        if buttons:
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            row.addStretch()
            layout.addLayout(row)
        return page

    # --- change hub ---------------------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.topic in TOPICS:
            self._refresh_timer.start()

    def dispose(self) -> None:
        """Stop listening to the hub and drop a pending refresh. Call it before closing the store."""
        self._bridge.dispose()
        for timer in ("_refresh_timer", "_filter_timer"):
            try:
                getattr(self, timer).stop()
            except RuntimeError:  # already deleted with the panel
                pass

    # --- state --------------------------------------------------------------------------------------------

    def report(self, message: str, problem: bool = True) -> None:
        if problem:
            self.problems.append(message)
        show_status(self.status, message, problem)

    def refresh(self) -> None:
        self._refresh_timer.stop()
        self._filter_timer.stop()
        selected = self.selected_id()
        visiting = self.showing_to_visit()
        try:
            self.premises = self.service.list(self.filter.text(), scheme=self.scheme_filter.currentData())
            self.to_visit = self.service.to_visit() if visiting else []
        except RuralWatchError as exc:
            self.report(str(exc))
            self.premises, self.to_visit = [], []
        if visiting:  # in the to-visit order, only those the filters keep
            shown = {p.id: p for p in self.premises}
            self.to_visit = [v for v in self.to_visit if v.premises_id in shown]
            self.premises = [shown[v.premises_id] for v in self.to_visit]
        self.table.setHorizontalHeaderLabels(TO_VISIT_COLUMNS if visiting else REGISTER_COLUMNS)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.premises))
        for row, found in enumerate(self.premises):
            if visiting:
                cells = self._to_visit_cells(found, self.to_visit[row])
            else:
                cells = [item(found.name, found.id), item(found.kind_name), item(found.grid_ref),
                         item(", ".join(found.scheme_names))]
                cells[3].setToolTip(cells[3].text())  # cut short in a narrow dock
            if found.synthetic:  # as in the incident list: demo data in italics
                font = QFont(cells[0].font())
                font.setItalic(True)
                cells[0].setFont(font)
                cells[0].setToolTip("Demo data: synthetic premises, not a real one")
            for column, cell in enumerate(cells):
                if found.closed_on:
                    cell.setForeground(theme.hint_colour())
                self.table.setItem(row, column, cell)
        self.table.blockSignals(False)
        self._fit_columns()
        if not (selected and self.select(selected)):
            self.table.clearSelection()
        self._on_selection()
        if visiting:
            self.count_label.setText(f"{len(self.premises)} premises to visit: inside the near-repeat risk zone of "
                                     "a recent theft or burglary" if self.premises else
                                     "No premises to visit: none is inside a live near-repeat risk zone")
        else:
            self.count_label.setText(f"{len(self.premises)} premises" + (
                " shown" if self.filter.text() or self.scheme_filter.currentData() else ""))
        self.refreshed.emit()

    def _fit_columns(self) -> None:
        for column, letters in ((0, 22), (1, 14)):
            widest = self.fontMetrics().horizontalAdvance("x" * letters)
            fit = self.table.sizeHintForColumn(column)
            self.table.horizontalHeader().resizeSection(column, min(max(fit, 60), widest))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Larger text: longer names
            self._fit_columns()

    def showing_to_visit(self) -> bool:
        return self.view.currentData() == "to_visit"

    def show_to_visit(self, on: bool = True) -> None:
        select_data(self.view, "to_visit" if on else "register")

    @staticmethod
    def _to_visit_cells(found: Premises, visit: PremisesToVisit) -> list[QTableWidgetItem]:
        incident = (f"{kind_name(visit.incident_kind)} {times.format_local(visit.occurred_start)[:10]}, "
                    f"{visit.distance_m:.0f} m")
        repeat = (f"Yes: {visit.repeat_incidents} in {visit.window_days} days" if visit.repeat else "")
        cells = [item(found.name, found.id), item(incident), item(visit.last_visit or "never"), item(repeat)]
        cells[1].setToolTip(visit.line())
        if visit.repeat:
            cells[3].setForeground(theme.error_colour())
        return cells

    def select(self, premises_id: str) -> bool:
        for row, found in enumerate(self.premises):
            if found.id == premises_id:
                self.table.selectRow(row)
                return True
        return False

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.premises[rows[0].row()].id if rows and rows[0].row() < len(self.premises) else None

    def selected(self) -> Premises | None:
        chosen = self.selected_id()
        return next((p for p in self.premises if p.id == chosen), None)

    def selected_property(self) -> RegisteredProperty | None:
        rows = self.property_table.selectionModel().selectedRows()
        if not rows:
            return None
        data = self.property_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((p for p in self._property if p.id == data), None)

    def _on_selection(self) -> None:
        if not self.status.styleSheet():  # "Kubota saved" was about the premises selected before: it goes
            show_status(self.status, "")
        found = self.selected()
        can_edit = self.services.store.actor.can("premises.edit")
        self.edit_button.setEnabled(can_edit and found is not None)
        for button in self.edit_buttons:
            button.setEnabled(can_edit and found is not None)
        self._property: list[RegisteredProperty] = []
        if found is None:
            self.details.setText("Select premises to see their property, visits and incidents.")
            for table in (self.property_table, self.visits_table, self.incidents_table):
                table.setRowCount(0)
            return
        contact = ", ".join(c for c in (found.contact_name, found.contact_phone, found.contact_email) if c)
        lines = [f"<b>{_html(found.name)}</b> — {_html(found.kind_name)}, {_html(found.grid_ref)}"]
        if found.address:
            lines.append(_html(found.address))
        if contact:
            lines.append(f"Contact: {_html(contact)}")
        lines.append(f"Watch schemes: {_html(', '.join(found.scheme_names) or 'none')}")
        if found.closed_on:
            lines.append(f"Left the register on {found.closed_on}")
        incidents = self.service.incidents_at(found.id)
        window = self.service.repeat_window()
        if incidents:
            newest = times.from_storage(incidents[0].occurred_start)
            earlier = self.service.earlier_incidents(found.id, newest, window, exclude=incidents[0].id)
            if earlier:  # the latest incident here was a repeat
                lines.append(f"<span style='{theme.error_style()}'>Repeat victim: {len(earlier) + 1} incidents "
                             f"within {window} days</span>")
        self.details.setText("<br>".join(lines))
        self._property = self.service.property(found.id)
        self.property_table.setRowCount(len(self._property))
        for row, prop in enumerate(self._property):
            cells = [item(f"{PROPERTY_KIND_NAMES.get(prop.kind, prop.kind)}: {prop.label}", prop.id),
                     item(prop.serial_as_written or prop.serial_number),
                     item(MARKING_NAMES.get(prop.marking, prop.marking) + (f" {prop.marking_ref}"
                                                                           if prop.marking_ref else ""))]
            if prop.photos:
                cells[0].setToolTip("Photos: " + ", ".join(prop.photos))
            for column, cell in enumerate(cells):
                self.property_table.setItem(row, column, cell)
        visits = self.service.visits(found.id)
        self.visits_table.setRowCount(len(visits))
        for row, visit in enumerate(visits):
            for column, cell in enumerate((item(visit.visited_on, visit.id), item(visit.officer),
                                           item(visit.advice))):
                self.visits_table.setItem(row, column, cell)
        self.incidents_table.setRowCount(len(incidents))
        for row, incident in enumerate(incidents):
            for column, cell in enumerate((item(times.format_local(incident.occurred_start), incident.id),
                                           item(incident.kind_name), item(incident.place))):
                self.incidents_table.setItem(row, column, cell)
        for table in (self.property_table, self.visits_table, self.incidents_table):
            table.resizeColumnsToContents()
        self.property_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # --- actions (each returns the dialog it opened, window-modal, for the caller or a test to answer) ------

    def _after_save(self, premises: Premises) -> None:
        self.refresh()
        self.select(premises.id)
        self.report(f"{premises.name} saved", problem=False)
        self.premises_saved.emit(premises)

    def open_new(self) -> PremisesDialog:
        return self._premises_dialog(None)

    def open_edit(self) -> PremisesDialog | None:
        found = self.selected()
        return self._premises_dialog(found) if found else None

    def _premises_dialog(self, found: Premises | None) -> PremisesDialog:
        """Not modal (a window-modal form would block the map it picks on)."""
        dialog = PremisesDialog(self.service, found, parent=self,
                                examples=self.services.geography.place_examples())
        dialog.saved_premises.connect(self._after_save)
        dialog.pick_requested.connect(lambda on, d=dialog: self.pick_requested.emit(d, on))
        dialog.show()
        return dialog

    def open_add_property(self) -> PropertyDialog | None:
        return self._property_dialog(None)

    def open_edit_property(self) -> PropertyDialog | None:
        current = self.selected_property()
        return self._property_dialog(current) if current else None

    def _property_dialog(self, current: RegisteredProperty | None) -> PropertyDialog | None:
        found = self.selected()
        if found is None:
            return None
        dialog = PropertyDialog(self.service, found, current, parent=self)
        dialog.saved_property.connect(self._after_property)
        dialog.open()
        return dialog

    def _after_property(self, saved: RegisteredProperty) -> None:
        self._on_selection()
        self.report(f"{saved.label} saved", problem=False)
        self.property_saved.emit(saved)

    def remove_property(self) -> None:
        current = self.selected_property()
        if current is None:
            return
        try:
            self.service.remove_property(current.id)
        except RuralWatchError as exc:
            self.report(str(exc))
            return
        self._on_selection()
        self.report(f"{current.label} removed", problem=False)

    def open_add_visit(self) -> VisitDialog | None:
        found = self.selected()
        if found is None:
            return None
        dialog = VisitDialog(self.service, found, self.services.store.actor.username, parent=self)
        dialog.saved_visit.connect(lambda visit: (self._on_selection(), self.visit_saved.emit(visit)))
        dialog.open()
        return dialog

    def open_incident_at(self, row: int) -> bool:
        """The incident in that row of the Incidents tab opens (the window answers incident_requested)."""
        cell = self.incidents_table.item(row, 0) if row >= 0 else None
        incident_id = cell.data(Qt.ItemDataRole.UserRole) if cell is not None else None
        if not incident_id:
            return False
        self.incident_requested.emit(incident_id)
        return True

    def show_premises(self, premises_id: str) -> bool:
        """Select a premises in the register, clearing the filters when they hide it."""
        if self.select(premises_id):
            return True
        self.filter.clear()
        self.scheme_filter.setCurrentIndex(0)
        self.show_to_visit(False)
        self.refresh()
        return self.select(premises_id)

    def open_serial_check(self) -> SerialCheckDialog:
        """Not modal (an incident opened from a match must take clicks); one at a time, raised when open."""
        dialog = self.serial_check
        if dialog is None:
            dialog = self.serial_check = SerialCheckDialog(self.service, parent=self)
            dialog.incident_requested.connect(self.incident_requested)
            dialog.premises_requested.connect(self.show_premises)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
