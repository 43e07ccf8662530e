"""Conflicts to review, one widget for the Sync panel (this database's conflicts) and the Central store conflicts
dialog (the central store's, on either engine): both values side by side with the device that wrote each, Keep mine,
Keep theirs and Merge… (the dialog where the merged value is typed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.services.sync import Conflict
from ruralwatch.ui.signin import FormDialog
from ruralwatch.ui.widgets import make_table, show_rows
from ruralwatch.ui.widgets.elide import ElidingButton

# settle(value typed, on_done, on_failed): the merged value resolved now (the Sync panel) or off the UI thread (the
# central store); either way the dialog hears the outcome through the two callbacks.
Settle = Callable[[str, Callable[[Conflict], None], Callable[[BaseException], None]], None]


def field_label(conflict: Conflict) -> str:
    if conflict.kind == "delete_vs_edit":
        return "deleted on one device, edited on another"
    return conflict.field.replace("_", " ")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MergeDialog(FormDialog):
    """Type the value that settles a conflict, with both values in front of you (the table shows them in columns
    a narrow dock scrolls away). The service checks it; a value the field cannot hold is said here, kept as typed."""

    def __init__(self, settle: Settle, conflict: Conflict, record: str, parent: QWidget | None = None,
                 mine: str = "&Mine:") -> None:
        field = field_label(conflict)
        super().__init__("Merge values", f"Both values of <b>{_html(field)}</b> of {_html(record)}. Type the value to "
                         "keep: it is written as a new edit and goes to every device with the next packages.",
                         "&Keep this value", parent=parent)
        self.settle = settle
        self.conflict = conflict
        self.resolved: Conflict | None = None
        for label, value, device in ((mine, conflict.local_value, conflict.local_device),
                                     ("&Theirs:", conflict.incoming_value, conflict.incoming_device)):
            shown = self.add_field(label, QLineEdit("" if value is None else str(value)),
                                   f"from {device}" if device else "")
            shown.setReadOnly(True)
            shown.setCursorPosition(0)
        self.value = self.add_field("&Merged:", QLineEdit("" if conflict.local_value is None
                                                          else str(conflict.local_value)))
        self.setMinimumWidth(640)
        self.value.setFocus()
        self.value.selectAll()

    def submit(self) -> None:
        self.submit_button.setEnabled(False)  # one resolution at a time while a central store answers
        self.settle(self.value.text(), self._done, self._failed)

    def _done(self, resolved: Conflict) -> None:
        self.submit_button.setEnabled(True)
        self.resolved = resolved
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.show_validation(exc, {"value": self.value})
        elif isinstance(exc, RuralWatchError):
            self.show_error(str(exc)[:1].upper() + str(exc)[1:])
        else:
            self.show_error(f"An unexpected error stopped it ({type(exc).__name__}: {exc}).")


class ConflictReview(QWidget):
    """The table of conflicts and the three ways to settle the one selected (`chosen` says which)."""

    chosen = Signal(str)  # "mine" | "theirs" | "merged"

    def __init__(self, mine_header: str = "Value here (mine)", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conflicts: list[Conflict] = []
        self._labels: list[str] = []
        # Each value with the device that wrote it: "mine" and "theirs" alone did not say which laptop (on the
        # central store both are laptops).
        self.table = make_table(["Record", "Field", mine_header, "Written by", "Incoming (theirs)", "Written by",
                                 "Kept", "Kind"], alternating=False)
        show_rows(self.table, 4)
        # Stacked, each as wide as the dock, and shortened with "…" (whole in the tooltip) when a device's name
        # makes it longer: side by side, "Keep mine (this device)" and "Keep theirs (Central store…)" set the
        # panel's width.
        self.keep_mine = ElidingButton("Keep mi&ne")
        self.keep_theirs = ElidingButton("&Keep theirs")
        self.merge = QPushButton("Merge…")
        self.table.itemSelectionChanged.connect(self._name_choices)
        for button, choice in ((self.keep_mine, "mine"), (self.keep_theirs, "theirs"), (self.merge, "merged")):
            button.clicked.connect(lambda _checked=False, choice=choice: self.chosen.emit(choice))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        for button in (self.keep_mine, self.keep_theirs, self.merge):
            layout.addWidget(button)

    def show_conflicts(self, conflicts: list[Conflict], labels: list[str]) -> None:
        self._conflicts, self._labels = list(conflicts), list(labels)
        rows = [[label, field_label(c), c.local_value, c.local_device or "?", c.incoming_value,
                 c.incoming_device or "?", c.local_device if c.winner == "local" else c.incoming_device,
                 c.kind.replace("_", " ")] for c, label in zip(conflicts, labels, strict=True)]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = QTableWidgetItem("" if value is None else str(value))
                cell.setToolTip(cell.text())  # whole, where a narrow column elides it
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()
        self._name_choices()

    def selected(self) -> tuple[Conflict, str] | None:
        rows = self.table.selectionModel().selectedRows()
        return (self._conflicts[rows[0].row()], self._labels[rows[0].row()]) if rows else None

    def set_choices_enabled(self, enabled: bool, why: str = "") -> None:
        for button in (self.keep_mine, self.keep_theirs, self.merge):
            button.setEnabled(enabled)
            if why:
                button.setToolTip(why)

    def _name_choices(self) -> None:
        """The Keep buttons name the device whose value each keeps, for the conflict selected."""
        chosen = self.selected()
        conflict = chosen[0] if chosen else None
        for button, text, device in ((self.keep_mine, "Keep mi&ne", conflict and conflict.local_device),
                                     (self.keep_theirs, "&Keep theirs", conflict and conflict.incoming_device)):
            button.setText(f"{text} ({device.replace('&', '&&')})" if device else text)


def run_merge_dialog(dialog: MergeDialog, run: Callable[[Any], int]) -> bool:
    """Run it (through `run`, which tests replace) and let it go; whether a value was kept."""
    try:
        return run(dialog) == MergeDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
