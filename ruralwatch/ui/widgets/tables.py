"""The one table factory: read-only rows, one selected at a time, and Tab leaves the table.

Tab moving to the next widget (arrows move inside) is what keyboard users expect of a list; a table that
swallows Tab traps them in it (the roster tables did this right; the others drifted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget, QTableWidgetItem
from shiboken6 import isValid

Selection = QAbstractItemView.SelectionMode
Behavior = QAbstractItemView.SelectionBehavior


def configure_table(
    table: QTableView,
    *,
    editable: bool = False,
    selection: QAbstractItemView.SelectionMode = Selection.SingleSelection,
    behavior: QAbstractItemView.SelectionBehavior = Behavior.SelectRows,
    alternating: bool = True,
    stretch_last: bool = True,
    word_wrap: bool = True,
) -> QTableView:
    """Give any table view (a QTableWidget, the incidents' QTableView, the roster calendar) the shared set-up."""
    if not editable:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(behavior)
    table.setSelectionMode(selection)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    table.setAlternatingRowColors(alternating)
    table.setWordWrap(word_wrap)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(stretch_last)
    return table


def make_table(headers: Sequence[str] = (), **options: Any) -> QTableWidget:
    """A QTableWidget with these column headers; `options` as for `configure_table`."""
    table = QTableWidget(0, len(headers))
    if headers:
        table.setHorizontalHeaderLabels(list(headers))
    configure_table(table, **options)
    return table


def item(text: Any, data: Any = None, number: bool = False) -> QTableWidgetItem:
    """A read-only cell: `data` kept under UserRole, numbers right-aligned."""
    cell = QTableWidgetItem("" if text is None else str(text))
    if data is not None:
        cell.setData(Qt.ItemDataRole.UserRole, data)
    if number:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return cell


def fit_to_width(table: QTableView, stretch: int = 0) -> QTableView:
    """No sideways scrolling in a docked panel: column `stretch` (a name or a place) takes the room the others
    leave, its text elided (give its cells the whole text as a tooltip), the others as wide as their contents.
    Headers with a line break ("Planned\nmin") keep the number columns narrow under Larger text."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    return table


class _RowsShown(QObject):
    """Keeps a table tall enough for `rows` rows, its header and a sideways scroll bar, again after the font changes
    (View ▸ Larger text)."""

    def __init__(self, table: QTableView, rows: int, most: int | None = None) -> None:
        super().__init__(table)
        self.table, self.rows, self.most = table, rows, most
        table.installEventFilter(self)
        if most is not None:  # the height follows the rows: again as they come and go
            model = table.model()
            for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
                signal.connect(self._rows_changed)
        self.fit()

    def _rows_changed(self, *_args: Any) -> None:
        if isValid(self.table):  # the model empties itself as the table is destroyed
            self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # Rows take their height from the style sheet only once polished: measured at construction they were short.
        if event.type() in (QEvent.Type.Polish, QEvent.Type.Show, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()
        return False

    def fit(self) -> None:
        table = self.table
        row = max(table.verticalHeader().defaultSectionSize(), table.fontMetrics().height() + 8)
        header = table.horizontalHeader().sizeHint().height() if table.horizontalHeader().isVisible() else 0
        scroll = 0
        if table.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            scroll = table.horizontalScrollBar().sizeHint().height()
        if self.most is None:
            table.setMinimumHeight(header + self.rows * row + scroll + 2 * table.frameWidth())
            return
        shown = min(max(table.model().rowCount(), self.rows), self.most)
        table.setFixedHeight(header + shown * row + scroll + 2 * table.frameWidth())


def show_rows(table: QTableView, rows: int, most: int | None = None) -> QTableView:
    """At least `rows` rows stay in sight when a panel is short: a layout squeezed the Sync panel's Trusted devices
    to a row and a half at 1366x768 (a docked panel scrolls instead, see add_dock). With `most`, the table is as
    tall as its rows, `rows` to `most` of them (it scrolls beyond): an empty list takes little of the panel."""
    _RowsShown(table, rows, most)
    return table
