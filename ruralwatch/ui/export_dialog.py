"""File ▸ Export…: incidents, patrols (routes, stops, logs), duties, hours or all of it, as CSV, GeoJSON or an Excel
workbook, for a period (and, for incidents, kinds).

The same ExportService as `ruralwatch export` (role check, personal data only for roles entitled to it, the audit
entry); the work runs off the UI thread with progress and cancel, and a cancelled or failed export leaves the
target file as it was. A wrong date range or file keeps everything typed and says what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.incident import IncidentFilter
from ruralwatch.core.kinds import KINDS
from ruralwatch.io.export_choices import WHATS, what_name
from ruralwatch.io.exports import (
    ExportOptions,
    ExportResult,
    resolve_target,
    writes_folder,
)
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets import select_part_on_click, settle_default_button
from ruralwatch.ui.widgets.today import today

# (format key, what the user sees, file ending)
EXPORT_FORMATS = (
    ("csv", "CSV: one row per record (spreadsheets, other tools)", ".csv"),
    ("xlsx", "Excel workbook: a sheet per table", ".xlsx"),
    ("geojson", "GeoJSON: points and routes (QGIS and other GIS)", ".geojson"),
)


class ExportDialog(QDialog):
    exported = Signal(object)  # the ExportResult

    def __init__(self, services: Services, start: IncidentFilter | None = None, folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.services = services
        # The dialog's own background work (progress over the dialog); changes reach the window's hub.
        self.ops = Operations(services, self, lambda title, message: self.show_error(f"{title}: {message}"))
        self.task: BackgroundTask | None = None
        start = start or IncidentFilter()
        layout = QVBoxLayout(self)
        intro = QLabel("Exports what is recorded in RuralWatch (not published crime) in the period chosen; deleted "
                       "records never. The export is recorded in the audit log.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)

        self.what_choice = QComboBox()
        for key in WHATS:
            self.what_choice.addItem("", key)  # named for the format below (_name_whats)
        self.what_choice.setToolTip("All: a workbook with a README sheet, or a folder of CSV or GeoJSON files")
        self.what_choice.currentIndexChanged.connect(self._what_changed)
        form.addRow("&What:", self.what_choice)

        self.format = QComboBox()
        for key, text, _suffix in EXPORT_FORMATS:
            self.format.addItem(text, key)
        self.format.currentIndexChanged.connect(self._match_suffix)
        self.format.currentIndexChanged.connect(self._name_whats)
        form.addRow("&Format:", self.format)
        self._name_whats()

        self.path = QLineEdit(str((folder or Path.home()) / f"ruralwatch-incidents-{today().toPython():%Y-%m-%d}.csv"))
        self.path.setToolTip("For everything as CSV or GeoJSON: a new or empty folder, one file per table")
        browse = QPushButton("C&hoose…")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        file_label = QLabel("F&ile:")
        file_label.setBuddy(self.path)
        form.addRow(file_label, row)

        self.use_from = QCheckBox("F&rom")
        self.date_from = select_part_on_click(QDateEdit(QDate(start.start_from) if start.start_from
                                                    else today().addMonths(-12)))
        self.use_from.setChecked(start.start_from is not None)
        self.use_to = QCheckBox("T&o")
        self.date_to = select_part_on_click(QDateEdit(QDate(start.start_to) if start.start_to else today()))
        self.use_to.setChecked(start.start_to is not None)
        dates = QHBoxLayout()
        for check, edit in ((self.use_from, self.date_from), (self.use_to, self.date_to)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(check.isChecked())
            check.toggled.connect(edit.setEnabled)
            dates.addWidget(check)
            dates.addWidget(edit)
        dates.addStretch(1)
        period = QLabel("&Period (UK days):")
        period.setBuddy(self.use_from)
        form.addRow(period, dates)

        self.kinds = QListWidget()
        self.kinds.setMaximumHeight(150)
        wanted = set(start.kinds)
        for kind in KINDS:
            item = QListWidgetItem(kind.name)
            item.setData(Qt.ItemDataRole.UserRole, kind.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = not wanted or kind.key in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.kinds.addItem(item)
        kinds_label = QLabel("&Kinds:")
        kinds_label.setBuddy(self.kinds)
        kinds_label.setToolTip("Space ticks or clears the selected kind")
        form.addRow(kinds_label, self.kinds)

        self.personal = QCheckBox()
        form.addRow(self.personal)
        if start.statuses or start.text:
            note = QLabel("The table's status and search filters are not applied: the export takes the period "
                          "and kinds above.")
            note.setWordWrap(True)
            form.addRow(note)

        self.error = QLabel()
        self.error.setStyleSheet(theme.error_style())
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.start_export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        settle_default_button(self, self.export_button)  # not Choose…
        self._what_changed()

    def _name_whats(self) -> None:
        """Each choice of What in the words of the format chosen (a CSV holds no workbook's sheets)."""
        for index in range(self.what_choice.count()):
            name = what_name(str(self.what_choice.itemData(index)), self.fmt())
            self.what_choice.setItemText(index, name[:1].upper() + name[1:])

    def what(self) -> str:
        return str(self.what_choice.currentData())

    def _to_folder(self) -> bool:
        """`all` as CSV or GeoJSON is a folder of files, one per table."""
        return writes_folder(self.what(), self.fmt())

    def _what_changed(self) -> None:
        """Kinds are for incidents only; personal data means reporters' details with incidents and people's names
        with patrols, duties and hours, each for the roles entitled to it."""
        what = self.what()
        self.kinds.setEnabled(what in ("incidents", "all"))
        actor = self.services.store.actor
        needs = [*(["personal.reporters"] if what in ("incidents", "all") else []),
                 *(["personal.volunteers"] if what in ("patrols", "duties", "hours", "all") else [])]
        parts = [*(["reporters' names and phone numbers"] if "personal.reporters" in needs else []),
                 *(["people's names"] if "personal.volunteers" in needs else [])]
        self.personal.setText("Include " + " and ".join(parts) if parts else "No personal data in this export")
        allowed = bool(needs) and all(actor.can(n) for n in needs)
        self.personal.setEnabled(allowed)
        if not allowed:
            self.personal.setChecked(False)
        self.personal.setToolTip("Share such a file only with those entitled to personal data" if allowed else
                                 "Your role may not export this personal data (vehicle registrations are left blank "
                                 "for roles not entitled to them)")
        self._match_suffix()

    # --- input -----------------------------------------------------------------------------------------------

    def fmt(self) -> str:
        return str(self.format.currentData())

    def _match_suffix(self) -> None:
        """Changing the format changes the file name's ending to match (other names are left alone); a folder of
        files has no ending. The default name follows what is exported."""
        text = self.path.text().strip()
        if not text:
            return
        path = Path(text)
        stem = path.stem if path.suffix.lower() in {s for _k, _t, s in EXPORT_FORMATS} | {".json"} else path.name
        if stem.startswith("ruralwatch-"):  # our own default name: it names what is exported
            words = stem.split("-")
            day = "-".join(words[-3:]) if len(words) >= 4 else f"{today().toPython():%Y-%m-%d}"
            stem = f"ruralwatch-{self.what()}-{day}"
        self.path.setText(str(path.with_name(stem if self._to_folder() else stem + self._suffix())))

    def _suffix(self) -> str:
        return next(suffix for key, _text, suffix in EXPORT_FORMATS if key == self.fmt())

    def choose_file(self) -> None:
        if self._to_folder():
            chosen = QFileDialog.getExistingDirectory(self, "Export into a new or empty folder",
                                                      str(Path(self.path.text()).parent))
            if chosen:
                self.path.setText(chosen)
            return
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                                      f"{self.format.currentText()} (*{self._suffix()})")
        if chosen:
            self.path.setText(chosen if Path(chosen).suffix else chosen + self._suffix())

    def ticked_kinds(self) -> list[str]:
        return [self.kinds.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.kinds.count())
                if self.kinds.item(i).checkState() == Qt.CheckState.Checked]

    def options(self) -> ExportOptions:
        ticked = self.ticked_kinds()
        if not ticked and self.kinds.isEnabled():
            raise ValidationError.single("kind", "tick at least one kind")
        return ExportOptions.parse(
            self.date_from.date().toPython() if self.use_from.isChecked() else None,
            self.date_to.date().toPython() if self.use_to.isChecked() else None,
            () if len(ticked) == self.kinds.count() or not self.kinds.isEnabled() else ticked,  # all: no filter
            self.personal.isChecked(), self.what(),
        )

    def show_error(self, message: str) -> None:
        self.error.setText(message[:1].upper() + message[1:])
        self.error.show()

    # --- exporting -------------------------------------------------------------------------------------------

    def start_export(self) -> BackgroundTask | None:
        """Check the input (keeping it all on a mistake), then export off the UI thread."""
        self.error.hide()
        text = self.path.text().strip()
        if not text:
            self.show_error("Choose the file to write.")
            return None
        try:
            options = self.options()
            fmt, target = resolve_target(self.what(), self.fmt(), Path(text))
        except RuralWatchError as exc:
            self.show_error(str(exc))
            return None

        def done(result: ExportResult) -> None:
            self.exported.emit(result)
            self.accept()

        self.export_button.setEnabled(False)
        self.task = self.ops.run(
            "Exporting…",
            lambda services, progress: services.exports.export(options, fmt, target, progress), done,
            on_failed=lambda exc: self.show_error(f"Not exported: {exc}"),
            on_cancelled=lambda _exc: self.show_error(f"Export cancelled: {target.name} was not written."),
        )
        self.task.finished.connect(lambda: self.export_button.setEnabled(True))
        return self.task
