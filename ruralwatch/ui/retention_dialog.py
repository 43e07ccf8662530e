"""Retention of personal data in the window: what is due for anonymising, and doing it (administrators).

The same RetentionService as `ruralwatch retention preview|apply`: the list names records and fields, never the
personal values; applying insists on the preview's token, so what is anonymised is exactly what was shown (an edit
or a sync in between refuses the whole run and the list is worked out again). Both run off the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.services.container import Services
from ruralwatch.services.retention import (
    CATEGORY_NAMES,
    PreviewChangedError,
    RetentionPreview,
    RetentionResult,
)
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets import make_table, settle_default_button

COLUMNS = ("What", "Record", "Clock started", "Due on", "Fields to clear")


class RetentionDialog(QDialog):
    previewed = Signal(object)  # RetentionPreview
    applied = Signal(object)  # RetentionResult

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retention of personal data")
        self.resize(960, 560)
        self.services = services
        # The dialog's own background work (progress over the dialog); changes reach the window's hub.
        self.ops = Operations(services, self, lambda title, message: self.message.setText(f"{title}: {message}"))
        self.preview: RetentionPreview | None = None
        self.task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel("Working out what is due…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = make_table(COLUMNS, selection=QAbstractItemView.SelectionMode.ExtendedSelection,
                                stretch_last=False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("&Anonymise these now…")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.ask_and_apply)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)
        settle_default_button(self, close)  # Enter never anonymises by accident
        self.refresh()

    # --- the preview -----------------------------------------------------------------------------------------

    def _run(self, title: str, work, done, failed=None) -> BackgroundTask:  # noqa: ANN001 (callables)
        self.apply_button.setEnabled(False)
        self.refresh_button.setEnabled(False)
        on_failed = failed or self._failed
        self.task = self.ops.run(title, lambda services, _progress: work(services.retention), done,
                                 on_failed=on_failed)
        self.task.finished.connect(lambda: self.refresh_button.setEnabled(True))
        return self.task

    def refresh(self) -> BackgroundTask:
        return self._run("Working out what is due…", lambda service: service.preview(), self.show_preview)

    def show_preview(self, preview: RetentionPreview) -> None:
        self.preview = preview
        records = preview.records()
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            values = (CATEGORY_NAMES[record.category], record.description, record.clock_started.isoformat(),
                      record.due_on.isoformat(), ", ".join(record.fields))
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        counts = "; ".join(f"{c.label}: {c.count:,}" + ("" if c.months else " (kept: 0 months)")
                           for c in preview.categories)
        last = self.services.retention.last_run()
        last_text = (f" Last anonymised {times.format_local(last['applied_at'])}: {last['total']:,} records."
                     if last else " Never anonymised on this laptop yet.")
        if preview.total:
            self.summary.setText(f"<b>{preview.total:,} records are due</b> as of {preview.as_of.isoformat()} "
                                 f"under the periods in Settings. {counts}.{last_text}")
        else:
            self.summary.setText(f"Nothing is due as of {preview.as_of.isoformat()}.{last_text}")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.apply_button.setEnabled(preview.total > 0)
        self.previewed.emit(preview)

    # --- applying --------------------------------------------------------------------------------------------

    def confirm(self, question: str) -> bool:
        """Tests replace this to answer."""
        answer = QMessageBox.question(self, "Anonymise personal data?", question)
        return answer == QMessageBox.StandardButton.Yes

    def ask_and_apply(self) -> BackgroundTask | None:
        preview = self.preview
        if preview is None or not preview.total:
            return None
        if not self.confirm(
            f"Clear the personal data of these {preview.total:,} records now? Names, phone numbers, vehicle "
            "registrations and the points of patrol tracks are replaced or removed for good (backups keep them until "
            "they rotate away); the incidents, people and patrols stay, and sync carries the change to the other "
            "devices."
        ):
            return None
        token = preview.token
        return self._run("Anonymising…", lambda service: service.apply(preview.as_of, token), self.show_result)

    def show_result(self, result: RetentionResult) -> None:
        self.message.setStyleSheet(theme.ok_style())
        self.message.setText(f"Anonymised {result.total:,} records ({result.fields_changed:,} fields). It is in "
                             "the audit log.")
        self.message.show()
        self.applied.emit(result)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet(theme.error_style())
        if isinstance(exc, PreviewChangedError):
            self.message.setText("Nothing was anonymised: what is due changed since the list was made (an edit or "
                                 "a sync). The list has been worked out again; check it and try again.")
            self.message.show()
            self.refresh()
            return
        self.message.setText(f"Nothing was anonymised: {exc}")
        self.message.show()
        self.apply_button.setEnabled(self.preview is not None and self.preview.total > 0)
