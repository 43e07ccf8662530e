"""Alerts to the community in the window: the compose dialog (from an incident) and the alerts list where a
supervisor approves and the coordinator exports.

Thin over ruralwatch.services.alerts: the service drafts, checks, stores, approves and exports; what an export says
is ruralwatch.core.alert.PublicAlert, shown live in the preview exactly as the text export writes it. A warning on
the texts (a registration not released, a grid reference, a phone number) is shown under the form as it is typed;
the draft can be saved with it but not approved. A refused save keeps what was typed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.alert import (
    ALERT_STATUS_NAMES,
    DAY_PARTS,
    AlertInput,
    AlertVehicle,
    TimeWindow,
)
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.kinds import KINDS
from ruralwatch.core.permissions import role_may_not
from ruralwatch.core.vrm import display_vrm
from ruralwatch.io.alert_export import SUFFIXES, alert_text
from ruralwatch.services.alerts import Alert
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.ui.widgets import HubBridge, item, make_table, select_data, select_part_on_click, vocab_combo

WARN_STYLE = "color: #a4161a;"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AlertComposeDialog(QDialog):
    """Compose (or edit) one alert. `saved(alert_id)` once stored; the dialog then closes."""

    saved = Signal(str)

    def __init__(self, services: Services, draft: AlertInput, alert_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.alert_id = alert_id
        self.draft = draft
        self.vehicles: list[AlertVehicle] = services.alerts.vehicles_of(draft.incident_id)
        self.setWindowTitle("Edit alert to the community" if alert_id else "Alert the community")
        self.resize(1080, 660)  # fits a 1366x768 screen with the taskbar

        form = QFormLayout()
        self.kind = vocab_combo((k.key, k.name) for k in KINDS)
        select_data(self.kind, draft.kind)
        self.kind.setEnabled(draft.incident_id is None)  # an incident's alert says the incident's kind
        form.addRow("&What:", self.kind)

        self.area = QComboBox()
        if draft.ward:
            self.area.addItem(f"Ward: {draft.ward}, {draft.district}", "ward")
        self.area.addItem(f"District: {draft.district}", "district")
        select_data(self.area, draft.area_level)
        self.area.setToolTip("The alert names this area, never the place, a grid reference or a point")
        form.addRow("&Where:", self.area)

        when = QHBoxLayout()
        self.part = vocab_combo(DAY_PARTS)
        select_data(self.part, draft.window.part)
        self.first = QDateEdit(_qdate(draft.window.first))
        self.last = QDateEdit(_qdate(draft.window.last))
        for edit in (self.first, self.last):
            select_part_on_click(edit)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        when.addWidget(self.part)
        when.addWidget(QLabel("from"))
        when.addWidget(self.first)
        when.addWidget(QLabel("to"))
        when.addWidget(self.last)
        form.addRow("W&hen:", when)

        self.summary = QPlainTextEdit(draft.summary)
        self.summary.setTabChangesFocus(True)
        form.addRow("&Summary:", self.summary)
        self.advice = QPlainTextEdit(draft.advice)
        self.advice.setTabChangesFocus(True)
        form.addRow("&Advice:", self.advice)
        self.how_to_report = QPlainTextEdit(draft.how_to_report)
        self.how_to_report.setTabChangesFocus(True)
        form.addRow("How to &report:", self.how_to_report)
        for box in (self.summary, self.advice, self.how_to_report):
            box.setMinimumHeight(70)

        self.release: dict[str, QCheckBox] = {}
        vehicles_box = QGroupBox("Vehicles (registrations are left out unless released)")
        vehicles_layout = QVBoxLayout(vehicles_box)
        for vehicle in self.vehicles:
            if vehicle.role != "suspect":
                continue
            shown = display_vrm(vehicle.vrm) if vehicle.vrm else "registration not visible to your role"
            tick = QCheckBox(f"Release {shown} ({vehicle.description()})")
            tick.setChecked(vehicle.id in draft.released_vehicles)
            tick.setEnabled(bool(vehicle.vrm))
            self.release[vehicle.id] = tick
            vehicles_layout.addWidget(tick)
        if not self.release:
            vehicles_layout.addWidget(QLabel("No suspect vehicles on the incident."))

        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARN_STYLE)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(WARN_STYLE)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(vehicles_box)
        left.addWidget(self.warnings)
        left.addWidget(self.error)
        left.addStretch(1)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setObjectName("alertPreview")
        right = QVBoxLayout()
        right.addWidget(QLabel("What the community will read (plain text export):"))
        right.addWidget(self.preview)

        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Sa&ve draft")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.buttons)

        for combo in (self.kind, self.area, self.part):
            combo.currentIndexChanged.connect(self.update_preview)
        for edit in (self.first, self.last):
            edit.dateChanged.connect(self.update_preview)
        for text in (self.summary, self.advice, self.how_to_report):
            text.textChanged.connect(self.update_preview)
        for tick in self.release.values():
            tick.toggled.connect(self.update_preview)
        self.update_preview()

    def current_input(self) -> AlertInput:
        return replace(
            self.draft, kind=str(self.kind.currentData()), summary=self.summary.toPlainText(),
            area_level=str(self.area.currentData()),
            window=TimeWindow(_date(self.first.date()), _date(self.last.date()), str(self.part.currentData() or "")),
            advice=self.advice.toPlainText(), how_to_report=self.how_to_report.toPlainText(),
            released_vehicles=frozenset(vid for vid, tick in self.release.items() if tick.isChecked()))

    def update_preview(self) -> None:
        inp = self.current_input()
        found = self.services.alerts.warnings(inp)
        self.warnings.setText("\n".join(f"⚠ {w}" for w in found))
        self.warnings.setVisible(bool(found))
        problems = inp.window.check()
        if problems:
            self.preview.setPlainText("\n".join(p.message for p in problems))
            return
        self.preview.setPlainText(alert_text(self.services.alerts.preview(inp)))

    def save(self) -> None:
        """Store the draft; on a refusal say why under the form and keep everything typed."""
        inp = self.current_input()
        try:
            if self.alert_id:
                alert = self.services.alerts.update(self.alert_id, inp)
            else:
                alert = self.services.alerts.compose(inp)
        except (ValidationError, RuralWatchError) as exc:
            self.error.setText(str(exc))
            return
        self.alert_id = alert.id
        self.saved.emit(alert.id)
        self.accept()


COLUMNS = ("Alert", "Status", "When", "Where", "Summary")


class AlertsDialog(QDialog):
    """The alerts: a supervisor approves, the coordinator exports (which issues the alert)."""

    exported = Signal(str)  # the file written

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Alerts to the community")
        self.resize(1040, 620)
        self.table = make_table(COLUMNS, selection=QAbstractItemView.SelectionMode.SingleSelection)
        for column in range(len(COLUMNS) - 1):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # contacts to copy
        actor = services.store.actor
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setEnabled(actor.can("alerts.compose"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.approve_button = QPushButton("A&pprove")
        self.approve_button.setEnabled(actor.can("alerts.approve"))
        self.approve_button.clicked.connect(self.approve_selected)
        self.format = QComboBox()
        for key, name in (("text", "Plain text"), ("html", "HTML"), ("pdf", "PDF")):
            self.format.addItem(name, key)
        self.export_button = QPushButton("E&xport…")
        self.export_button.setEnabled(actor.can("alerts.issue"))
        self.export_button.clicked.connect(self.export_selected)
        for button, action in ((self.edit_button, "alerts.compose"), (self.approve_button, "alerts.approve"),
                               (self.export_button, "alerts.issue")):
            if not actor.can(action):  # greyed for good: say why, as the services would refuse it
                button.setToolTip(role_may_not(action))
        buttons = QHBoxLayout()
        for widget in (self.edit_button, self.approve_button, self.format, self.export_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.detail, 2)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        # Tests and callers may replace it: where an export goes (None: cancelled).
        self.choose_target = self._ask_target
        self.bridge = HubBridge(services.hub, self._on_change, self)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.topic == "alerts":
            self.refresh()

    def refresh(self) -> None:
        selected = self.selected_id()
        alerts = self.services.alerts.list()
        self.table.setRowCount(len(alerts))
        for row, alert in enumerate(alerts):
            cells = (alert.reference, ALERT_STATUS_NAMES.get(alert.status, alert.status), alert.window.text(),
                     alert.area, alert.summary)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, item(text, alert.id if column == 0 else None))
            if alert.id == selected:
                self.table.selectRow(row)
        if selected is None and alerts:
            self.table.selectRow(0)
        self._show_selected()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        cell = self.table.item(rows[0].row(), 0)
        return str(cell.data(Qt.ItemDataRole.UserRole)) if cell is not None else None

    def selected(self) -> Alert | None:
        alert_id = self.selected_id()
        return self.services.alerts.get(alert_id) if alert_id else None

    def _show_selected(self) -> None:
        alert = self.selected()
        if alert is None:
            self.detail.setPlainText("No alert selected.")
            return
        found = self.services.alerts.warnings(alert.input())
        head = [f"Status: {ALERT_STATUS_NAMES[alert.status]} — composed by {alert.composed_by}"
                + (f", approved by {alert.approved_by}" if alert.approved_by else "")
                + (f", issued by {alert.issued_by}" if alert.issued_by else "")]
        head += [f"WARNING: {w}" for w in found]
        self.detail.setPlainText("\n".join(head) + "\n\n" + alert_text(self.services.alerts.public(alert.id)))
        self.approve_button.setEnabled(self.services.store.actor.can("alerts.approve") and alert.status == "draft")
        self.export_button.setEnabled(self.services.store.actor.can("alerts.issue")
                                      and alert.status in ("approved", "issued"))
        self.edit_button.setEnabled(self.services.store.actor.can("alerts.compose") and alert.status != "issued")

    def edit_selected(self) -> AlertComposeDialog | None:
        alert = self.selected()
        if alert is None:
            return None
        dialog = AlertComposeDialog(self.services, alert.input(), alert.id, self)
        dialog.saved.connect(lambda _id: self.refresh())
        dialog.show()
        return dialog

    def approve_selected(self) -> bool:
        alert = self.selected()
        if alert is None:
            return False
        try:
            self.services.alerts.approve(alert.id)
        except RuralWatchError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(f"Alert {alert.reference} approved: it can be exported and sent.")
        self.refresh()
        return True

    def _ask_target(self, alert: Alert, fmt: str) -> Path | None:
        suffix = SUFFIXES[fmt]
        suggested = Path.home() / f"alert-{alert.reference}{suffix}"  # the user's folder, as other exports
        name, _ = QFileDialog.getSaveFileName(self, "Export alert", str(suggested),
                                              f"{self.format.currentText()} (*{suffix})")
        return Path(name) if name else None

    def export_selected(self) -> Path | None:
        alert = self.selected()
        if alert is None:
            return None
        fmt = str(self.format.currentData())
        target = self.choose_target(alert, fmt)
        if target is None:
            return None
        try:
            written = self.services.alerts.export(alert.id, fmt, target)
        except RuralWatchError as exc:
            self.status.setText(str(exc))
            return None
        members = self.services.alerts.recipients(alert.id)
        # Who to send it to, by name: a count alone left the coordinator to look them up.
        listed = "".join(f"\n• {m.premises} ({m.scheme})" + (f": {m.contact}" if m.contact else "")
                         for m in members)
        self.status.setText(f"Alert {alert.reference} written to {written}. "
                            + (f"Send it to the {len(members)} scheme member(s) in the area:{listed}" if members else
                               "No premises in the register are scheme members in the area."))
        self.exported.emit(str(written))
        self.refresh()
        return written
