"""Analysts see every harm weight with its source, and change one with a reason that is kept with it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.services.harm import HarmService
from ruralwatch.ui.widgets import make_table, settle_default_button
from ruralwatch.ui.widgets.stored_numbers import show_stored


class HarmWeightsDialog(QDialog):
    def __init__(self, service: HarmService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Crime harm weights (CCHI days)")
        self.resize(980, 620)
        self.table = make_table(["Weight", "Days", "Default", "Changed", "Source and reason"], alternating=False)
        self.table.itemSelectionChanged.connect(self._on_select)
        self.days = QDoubleSpinBox()
        self.days.setRange(0, 36_500)
        self.days.setDecimals(2)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Why this weight changes (kept with it)")
        save = QPushButton("&Save weight")
        save.clicked.connect(self.save)
        reset = QPushButton("&Back to default")
        reset.clicked.connect(self.reset)
        edit = QFormLayout()
        edit.addRow("&Days", self.days)
        edit.addRow("&Reason", self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(reset)
        buttons.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        intro = QLabel(
            "A weight is the Cambridge Crime Harm Index: the starting-point days of custody for a first offender. "
            f"Published crime uses the {service.force()} weights per data.police.uk category (the force chosen in "
            "Settings); RuralWatch's own kinds use the "
            "nearest CCHI offence (see docs/DATA-SOURCES.md)."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit)
        layout.addLayout(buttons)
        layout.addWidget(close)
        settle_default_button(self, save)  # Enter in Days or Reason saves the weight
        self.reload()

    def reload(self) -> None:
        weights = sorted(self.service.weights().values(), key=lambda w: w.key)
        self.keys = [w.key for w in weights]
        self.table.setRowCount(len(weights))
        for row, weight in enumerate(weights):
            values = [weight.key, f"{weight.days:g}", f"{weight.default_days:g}",
                      weight.updated_at or "" if weight.overridden else "", weight.note]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.keys[rows[0].row()] if rows else None

    def _on_select(self) -> None:
        key = self.selected_key()
        if key:
            show_stored(self.days, self.service.weights()[key].days)  # 0.125 days, not 0.13 saved again as such
            self.note.clear()

    def save(self) -> bool:
        key = self.selected_key()
        if key is None:
            return False
        try:
            self.service.set_weight(key, self.days.value(), self.note.text())
        except RuralWatchError as exc:
            QMessageBox.warning(self, "Weight not changed", str(exc))
            return False
        self.reload()
        return True

    def reset(self) -> None:
        key = self.selected_key()
        if key:
            self.service.reset_weight(key)
            self.reload()
