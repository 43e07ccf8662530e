"""Auto-fill's proposal: the places it would fill and the gaps it would leave, with why; Apply or Close."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QVBoxLayout, QWidget

from ruralwatch.core.words import plural
from ruralwatch.services.roster import AutofillOutcome
from ruralwatch.ui import theme
from ruralwatch.ui.roster_grid import when_text
from ruralwatch.ui.widgets import item, make_table


class AutofillDialog(QDialog):
    """What auto-fill would do: the places it fills and the gaps it leaves, with why. Apply or close."""

    def __init__(self, outcome: AutofillOutcome, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.setWindowTitle(f"Auto-fill {period}")
        self.resize(900, 560)
        missing = sum(m for _, m, _ in outcome.gaps)
        summary = QLabel(f"Auto-fill would fill {len(outcome.assignments)} "
                         f"{plural(len(outcome.assignments), 'place')} and leave {missing} open "
                         f"on {len(outcome.gaps)} {plural(len(outcome.gaps), 'duty', 'duties')}. "
                         "It never breaks a rostering rule.")
        summary.setWordWrap(True)
        self.assignments = make_table(["When", "Duty", "Station", "Person"])
        in_time_order = sorted(outcome.assignments, key=lambda a: (a[0].start, a[0].station, a[2]))
        for row, (duty, _pid, name) in enumerate(in_time_order):
            self.assignments.insertRow(row)
            for column, text in enumerate((when_text(duty), duty.title, duty.station, name)):
                self.assignments.setItem(row, column, item(text, duty.id))
        self.assignments.resizeColumnsToContents()
        self.gaps = make_table(["When", "Duty", "Station", "Open", "Why"])
        self.gaps.setTextElideMode(Qt.TextElideMode.ElideNone)
        for row, (duty, places, reasons) in enumerate(outcome.gaps):
            self.gaps.insertRow(row)
            cells = [item(when_text(duty), duty.id), item(duty.title), item(duty.station),
                     item(f"⚠ {places} open", number=True), item("; ".join(reasons))]
            for column, cell in enumerate(cells):
                gap = theme.tone("gap")
                cell.setBackground(gap.background)
                cell.setForeground(gap.text)
                cell.setToolTip("; ".join(reasons))
                self.gaps.setItem(row, column, cell)
        for column in range(4):
            self.gaps.resizeColumnToContents(column)
        # Why those still below their commitment got no more, in the words the list of people uses: a fill gave RET
        # officers every Maldon Saturday night and said nothing of the Maldon Specials being unavailable then.
        self.below = make_table(["Person", "Month", "Hours", "Why not more"])
        self.below.setTextElideMode(Qt.TextElideMode.ElideNone)
        for row, (below, name) in enumerate(outcome.below):
            self.below.insertRow(row)
            cells = [item(name, below.person_id), item(f"{below.month[0]:04d}-{below.month[1]:02d}"),
                     item(f"{below.hours:g} of {below.commitment:g} h", number=True), item("; ".join(below.reasons))]
            for column, cell in enumerate(cells):
                cell.setToolTip("; ".join(below.reasons))
                self.below.setItem(row, column, cell)
        for column in range(3):
            self.below.resizeColumnToContents(column)
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton(f"&Apply {len(outcome.assignments)} assignments",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(bool(outcome.assignments))
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(QLabel(f"Places to fill ({len(outcome.assignments)})"))
        layout.addWidget(self.assignments, 3)
        layout.addWidget(QLabel(f"Gaps left open ({len(outcome.gaps)})"))
        layout.addWidget(self.gaps, 2)
        self.below_heading = QLabel(f"Still below their commitment after this ({len(outcome.below)}), and why")
        layout.addWidget(self.below_heading)
        layout.addWidget(self.below, 2)
        for widget in (self.below_heading, self.below):
            widget.setVisible(bool(outcome.below))
        layout.addWidget(buttons)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.gaps.resizeRowsToContents()  # the reasons wrap once the table has its width
        self.below.resizeRowsToContents()
        # A short list takes only its rows, leaving the rest to the long one: 30 places showed in 8 rows above
        # one gap and 170 px of nothing.
        for table in (self.assignments, self.gaps, self.below):
            _fit_height_to_rows(table)


def _fit_height_to_rows(table: QTableWidget) -> None:
    """Cap a table's height at what its rows need (at least one row's worth); more rows scroll as before."""
    rows = table.verticalHeader().length() or table.verticalHeader().defaultSectionSize()
    scroll = table.horizontalScrollBar()
    needed = (table.horizontalHeader().height() + rows + 2 * table.frameWidth()
              + (scroll.sizeHint().height() if scroll.isVisible() else 0))
    table.setMaximumHeight(max(needed, table.minimumSizeHint().height()))
