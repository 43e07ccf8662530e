"""The audit log, newest first: filter by person, record and time; verify the hash chain.

Opens for roles with `audit.view`. Changes are shown as "field: before → after"; personal values appear
only as "[personal data]" (the log never holds them). Verify walks the whole chain and checks every row this
laptop wrote last against its entry (AuditLog.verify), and says in green or red what it found. Verify reads
every entry and row (seconds on a large database), so it runs off the UI thread with progress and Cancel.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, RuralWatchError
from ruralwatch.services.audit import ROW_HASHES_KEY, AuditEntry, VerifyResult
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets.tables import make_table
from ruralwatch.ui.widgets.typing_boxes import select_part_on_click

LIMIT = 1000
PROBLEMS_SHOWN = 20  # lines of a broken verify shown in the dialog; the command line lists them all
COLUMNS = ("#", "When", "Who", "What", "Record", "Changes")
RESULT_STYLE = "font-weight: bold; padding: 6px; border-radius: 4px;"
ACTION_NAMES = {
    "create": "Created", "update": "Changed", "delete": "Deleted", "restore": "Restored",
    "login": "Signed in", "failed_login": "Wrong password", "create_database": "Database created",
    "encrypt_database": "Database encrypted", "change_password": "Changed own password",
    "reset_password": "Password reset", "unlock_account": "Account unlocked", "export": "Exported",
    "import": "Imported", "merge": "Sync merged", "trust": "Device trusted", "settings": "Settings changed",
    "retention": "Retention applied", "backup": "Backup made", "baseline": "Audit baseline",
}
TABLE_NAMES = {
    "incidents": "incident", "incident_vehicles": "vehicle", "stolen_items": "stolen item",
    "attachments": "attachment", "people": "person", "availability": "availability",
    "availability_exceptions": "availability exception", "duties": "duty", "duty_assignments": "duty assignment",
    "patrols": "patrol", "patrol_crew": "patrol crew", "patrol_events": "patrol event", "accounts": "account",
}
MAX_VALUE = 80


# How a settled sync conflict went, as the audit log says it ("Conflict resolved: kept theirs").
RESOLUTIONS = {"mine": "kept mine", "theirs": "kept theirs", "merged": "merged value"}


def action_name(action: str, changes: dict[str, Any] | None = None) -> str:
    if action == "resolve_conflict":
        choice = (changes or {}).get("resolution")
        choice = choice[-1] if isinstance(choice, list) and choice else choice
        return "Conflict resolved" + (f": {RESOLUTIONS.get(str(choice), str(choice))}" if choice else "")
    if action == "trust" and isinstance(changes, dict) and changes.get("replaced_key"):
        return "Device key replaced"
    return ACTION_NAMES.get(action, action.replace("_", " ").capitalize())


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def describe_changes(changes: dict[str, Any] | None) -> str:
    """One readable line: "role: special → analyst; active: yes → no"; a new record's fields as "name: value"."""
    if not changes:
        return ""
    parts = []
    for field, value in changes.items():
        if field == "id":
            continue  # the Record column shows it
        if field == ROW_HASHES_KEY and isinstance(value, dict):
            parts.append(f"{value.get('count', 0):,} row hashes recorded")  # the rows a merge or import wrote
            continue
        if isinstance(value, list) and len(value) == 2:
            before, after = value
            if before is None:
                if after in ("", [], {}) or (field == "deleted" and after == 0):
                    continue  # a new record's empty fields say nothing
                parts.append(f"{field}: {_value(after)}")
            elif after is None:
                parts.append(f"{field}: {_value(before)} → (cleared)")
            else:
                parts.append(f"{field}: {_value(before)} → {_value(after)}")
        else:
            parts.append(f"{field}: {_value(value)}")
    return "; ".join(parts)


def _qt_local(moment: datetime) -> QDateTime:
    """A UK local time for a date-time field (the fields are read back as UK local time)."""
    return QDateTime(QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute))


def describe_record(entry: AuditEntry, account_names: dict[str, str] | None = None) -> str:
    """"incident 3f2a…", and an account by its name ("account dhughes"), not its record id."""
    table = TABLE_NAMES.get(entry.table or "", entry.table or "")
    record = entry.record_id or ""
    if entry.table == "accounts" and account_names:
        record = account_names.get(record, record)
    return " ".join(part for part in (table, record) if part)


class AuditDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audit = services.audit
        # Verify's own background work: its progress dialog sits over this one.
        self.ops = Operations(services, self, lambda title, message: self._show_outcome(f"{title}: {message}"))
        self.verify_task: BackgroundTask | None = None
        self.entries: list[AuditEntry] = []
        self.last_result: VerifyResult | None = None
        self.setWindowTitle("Audit log")
        self.resize(1100, 640)

        self.person = QComboBox()
        self.person.setMinimumWidth(140)
        self.record = QLineEdit()
        self.record.setPlaceholderText("record id or account name (optional); Enter to filter")
        self.record.setClearButtonEnabled(True)
        self.use_since = QCheckBox("&From")
        now = times.to_local(times.utc_now())
        self.since = QDateTimeEdit(_qt_local(now - timedelta(days=7)))
        self.use_until = QCheckBox("&To")
        self.until = QDateTimeEdit(_qt_local(now + timedelta(hours=1)))
        for check, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            select_part_on_click(edit)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self.reload)
            edit.dateTimeChanged.connect(self.reload)
        self.person.currentIndexChanged.connect(self.reload)
        self.record.returnPressed.connect(self.reload)
        self.record.editingFinished.connect(self.reload)
        clear = QPushButton("C&lear filters")
        clear.setAutoDefault(False)
        clear.clicked.connect(self.clear_filters)
        filters = QHBoxLayout()
        person_label = QLabel("&Person:")
        person_label.setBuddy(self.person)
        record_label = QLabel("&Record:")
        record_label.setBuddy(self.record)
        filters.addWidget(person_label)
        filters.addWidget(self.person)
        filters.addWidget(record_label)
        filters.addWidget(self.record, 1)
        filters.addWidget(self.use_since)
        filters.addWidget(self.since)
        filters.addWidget(self.use_until)
        filters.addWidget(self.until)
        filters.addWidget(clear)

        self.table = make_table(COLUMNS, selection=QAbstractItemView.SelectionMode.ExtendedSelection,
                                stretch_last=False, word_wrap=False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)

        self.count_label = QLabel()
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setAutoDefault(False)
        self.verify_button.setToolTip("Check that no entry was removed or altered, and that every record this "
                                      "laptop changed last still matches its entry")
        self.verify_button.clicked.connect(self.verify)
        self.result_label = QLabel()
        self.result_label.setObjectName("verifyResult")
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.verify_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        # Enter in the Record box filters: with Close as the default button it closed the log, filter and all.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self._fill_people()
        self.reload()

    def _fill_people(self) -> None:
        self.person.blockSignals(True)
        current = self.person.currentData()
        self.person.clear()
        self.person.addItem("Anyone", None)
        for name in self.audit.actors():
            self.person.addItem(name, name)
        index = self.person.findData(current)
        self.person.setCurrentIndex(max(0, index))
        self.person.blockSignals(False)

    # --- filters ------------------------------------------------------------------------------------------

    @staticmethod
    def _moment(edit: QDateTimeEdit) -> str:
        return times.to_storage(edit.dateTime().toPython())  # typed as UK local time, like every time shown

    def filters(self) -> dict[str, Any]:
        return {
            "actor": self.person.currentData(),
            "record_id": self.record.text().strip() or None,
            "since": self._moment(self.since) if self.use_since.isChecked() else None,
            "until": self._moment(self.until) if self.use_until.isChecked() else None,
        }

    def set_person(self, name: str | None) -> None:
        self.person.setCurrentIndex(max(0, self.person.findData(name)))

    def clear_filters(self) -> None:
        for widget in (self.person, self.record, self.use_since, self.use_until):
            widget.blockSignals(True)
        self.person.setCurrentIndex(0)
        self.record.clear()
        self.use_since.setChecked(False)
        self.use_until.setChecked(False)
        self.since.setEnabled(False)
        self.until.setEnabled(False)
        for widget in (self.person, self.record, self.use_since, self.use_until):
            widget.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        names: dict[str, str] = {}
        try:
            self.entries = self.audit.entries(limit=LIMIT, **self.filters())
            total = self.audit.count()
            names = self.audit.account_names()
        except RuralWatchError as exc:
            self.entries, total = [], 0
            self.count_label.setText(f"Cannot read the audit log: {exc}")
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            changes = describe_changes(entry.changes)
            values = (str(entry.seq), times.format_local(entry.at), entry.actor,
                      action_name(entry.action, entry.changes), describe_record(entry, names), changes)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, entry.seq)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 5 and changes:
                    item.setToolTip(changes.replace("; ", "\n"))
                if column == 4 and entry.record_id:
                    item.setToolTip(entry.record_id)
                self.table.setItem(row, column, item)
        shown = len(self.entries)
        more = f" (the newest {LIMIT:,}: narrow the filters to see older ones)" if shown >= LIMIT else ""
        self.count_label.setText(f"{shown:,} shown of {total:,} entries, newest first{more}")

    # --- verifying ----------------------------------------------------------------------------------------

    def verify(self) -> BackgroundTask | None:
        """Start verifying on a worker thread (None when it is already running); the result shows when it ends."""
        if self.verify_task is not None:
            return None
        self.verify_button.setEnabled(False)
        self.result_label.hide()
        self.verify_task = self.ops.run(
            "Verifying the audit log…", lambda services, progress: services.audit.verify(progress),
            on_done=self._show_result, on_failed=self._failed, failure_title="Audit log not verified",
            parent=self)
        self.verify_task.finished.connect(self._verify_ended)
        return self.verify_task

    def reject(self) -> None:
        if self.verify_task is not None:  # closed mid-verify: stop the walk, nobody is left to read it
            self.verify_task.cancelled.set()
        super().reject()

    def _verify_ended(self) -> None:
        self.verify_task = None
        self.verify_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CancelledError):
            self._show_outcome("Verify cancelled: nothing was checked to the end (press Verify to start again)")
        else:
            self.ops.report_failure("Audit log not verified", exc)

    def _show_outcome(self, text: str, shade: str = "") -> None:
        self.result_label.setStyleSheet(f"{shade} {RESULT_STYLE}")
        self.result_label.setText(text)
        self.result_label.show()

    def _show_result(self, result: VerifyResult) -> None:
        self.last_result = result
        text = result.summary(limit=PROBLEMS_SHOWN)  # every problem is listed by `ruralwatch audit verify`
        self._show_outcome(("✔ " if result.ok else "✘ ") + text[:1].upper() + text[1:],
                           theme.tone_style("ok_panel" if result.ok else "error_panel"))


__all__ = ["AuditDialog", "action_name", "describe_changes"]
