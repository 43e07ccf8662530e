"""File ▸ Export incidents…: CSV, GeoJSON or an Excel workbook of the incidents a period and kinds select.

The same ExportService as `ruralwatch export` (role check, personal data only for roles entitled to it, the audit
entry); the work runs off the UI thread with progress and cancel, and a cancelled or failed export leaves the
target file as it was. A wrong date range or file keeps everything typed and says what is wrong.
"""

from __future__ import annotations

from datetime import date
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
from ruralwatch.io.exports import ExportOptions, ExportResult, check_target
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets import settle_default_button

# (format key, what the user sees, file ending)
EXPORT_FORMATS = (
    ("csv", "CSV: one row per incident (spreadsheets, other tools)", ".csv"),
    ("xlsx", "Excel workbook: incidents, vehicles and stolen items sheets", ".xlsx"),
    ("geojson", "GeoJSON: incidents as points (QGIS and other GIS)", ".geojson"),
)


class ExportDialog(QDialog):
    exported = Signal(object)  # the ExportResult

    def __init__(self, services: Services, start: IncidentFilter | None = None, folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export incidents")
        self.services = services
        # The dialog's own background work (progress over the dialog); changes reach the window's hub.
        self.ops = Operations(services, self, lambda title, message: self.show_error(f"{title}: {message}"))
        self.task: BackgroundTask | None = None
        start = start or IncidentFilter()
        actor = services.store.actor
        layout = QVBoxLayout(self)
        intro = QLabel("Exports the incidents recorded in RuralWatch (not published crime) in the period and "
                       "kinds chosen; deleted incidents never. The export is recorded in the audit log.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)

        self.format = QComboBox()
        for key, text, _suffix in EXPORT_FORMATS:
            self.format.addItem(text, key)
        self.format.currentIndexChanged.connect(self._match_suffix)
        form.addRow("&Format:", self.format)

        self.path = QLineEdit(str((folder or Path.home()) / f"ruralwatch-incidents-{date.today():%Y-%m-%d}.csv"))
        browse = QPushButton("C&hoose…")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        file_label = QLabel("F&ile:")
        file_label.setBuddy(self.path)
        form.addRow(file_label, row)

        self.use_from = QCheckBox("F&rom")
        self.date_from = QDateEdit(QDate(start.start_from) if start.start_from else QDate.currentDate().addMonths(-12))
        self.use_from.setChecked(start.start_from is not None)
        self.use_to = QCheckBox("T&o")
        self.date_to = QDateEdit(QDate(start.start_to) if start.start_to else QDate.currentDate())
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

        self.personal = QCheckBox("Include reporters' &names and phone numbers")
        if actor.can("personal.reporters"):
            self.personal.setToolTip("Share such a file only with those entitled to personal data")
        else:
            self.personal.setEnabled(False)
            self.personal.setToolTip("Your role may not export personal data (vehicle registrations are left blank)")
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

    # --- input -----------------------------------------------------------------------------------------------

    def fmt(self) -> str:
        return str(self.format.currentData())

    def _match_suffix(self) -> None:
        """Changing the format changes the file name's ending to match (other names are left alone)."""
        text = self.path.text().strip()
        if not text:
            return
        path = Path(text)
        endings = {suffix for _key, _text, suffix in EXPORT_FORMATS}
        if path.suffix.lower() in endings | {".json"}:
            self.path.setText(str(path.with_suffix(self._suffix())))

    def _suffix(self) -> str:
        return next(suffix for key, _text, suffix in EXPORT_FORMATS if key == self.fmt())

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export incidents to", self.path.text(),
                                                      f"{self.format.currentText()} (*{self._suffix()})")
        if chosen:
            self.path.setText(chosen if Path(chosen).suffix else chosen + self._suffix())

    def ticked_kinds(self) -> list[str]:
        return [self.kinds.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.kinds.count())
                if self.kinds.item(i).checkState() == Qt.CheckState.Checked]

    def options(self) -> ExportOptions:
        ticked = self.ticked_kinds()
        if not ticked:
            raise ValidationError.single("kind", "tick at least one kind")
        return ExportOptions.parse(
            self.date_from.date().toPython() if self.use_from.isChecked() else None,
            self.date_to.date().toPython() if self.use_to.isChecked() else None,
            () if len(ticked) == self.kinds.count() else ticked,  # every kind ticked: no kind filter
            self.personal.isChecked(),
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
            target = check_target(Path(text))
        except RuralWatchError as exc:
            self.show_error(str(exc))
            return None
        fmt = self.fmt()

        def done(result: ExportResult) -> None:
            self.exported.emit(result)
            self.accept()

        self.export_button.setEnabled(False)
        self.task = self.ops.run(
            "Exporting incidents…",
            lambda services, progress: services.exports.export(options, fmt, target, progress), done,
            on_failed=lambda exc: self.show_error(f"Not exported: {exc}"),
            on_cancelled=lambda _exc: self.show_error(f"Export cancelled: {target.name} was not written."),
        )
        self.task.finished.connect(lambda: self.export_button.setEnabled(True))
        return self.task
