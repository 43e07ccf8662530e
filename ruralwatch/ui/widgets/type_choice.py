"""A compact many-of choice: a button reading "Crime types: all" (or "all but Shoplifting", "all but 4", "3 of 26",
or the one chosen) that drops down a checkable list with All and None. The Analysis panel's crime type choice (one
for all its tabs) and the patrol planner's; the list stays open while boxes are ticked."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)


class TypeChoice(QToolButton):
    changed = Signal()

    def __init__(self, what: str = "Crime types", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.list = QListWidget()
        self.list.setAccessibleName(what)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        buttons = QHBoxLayout()
        self.all_button = QPushButton("All")
        self.none_button = QPushButton("None")
        self.all_button.clicked.connect(lambda: self.set_left_out(()))
        self.none_button.clicked.connect(lambda: self.set_left_out(tuple(self.keys())))
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(box)
        menu.addAction(action)
        menu.aboutToShow.connect(self._fit_list)
        self.setMenu(menu)
        self.list.itemChanged.connect(lambda _item: self._changed())
        self._update_text()

    def set_choices(self, choices: list[tuple[str, str]], left_out: tuple[str, ...] = ()) -> None:
        """(key, name) pairs, every one ticked but those `left_out`."""
        self.list.blockSignals(True)
        self.list.clear()
        for key, name in choices:
            self._add(key, name, left_out)
        self.list.blockSignals(False)
        self._update_text()

    def set_groups(self, groups: list[tuple[str, list[tuple[str, str]]]], left_out: tuple[str, ...] = ()) -> None:
        """Choices under headings (not ticked themselves): published crime types, then our kinds, told apart."""
        self.set_choices([], ())
        self.list.blockSignals(True)
        for heading, choices in groups:
            title = QListWidgetItem(heading)
            title.setFlags(Qt.ItemFlag.NoItemFlags)
            font = title.font()
            font.setBold(True)
            title.setFont(font)
            self.list.addItem(title)
            for key, name in choices:
                self._add(key, name, left_out)
        self.list.blockSignals(False)
        self._update_text()

    def _add(self, key: str, name: str, left_out: tuple[str, ...]) -> None:
        entry = QListWidgetItem(name)
        entry.setData(Qt.ItemDataRole.UserRole, key)
        entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Unchecked if key in left_out else Qt.CheckState.Checked)
        self.list.addItem(entry)

    def set_left_out(self, left_out: tuple[str, ...]) -> None:
        self.list.blockSignals(True)
        for entry in self._entries():
            key = entry.data(Qt.ItemDataRole.UserRole)
            entry.setCheckState(Qt.CheckState.Unchecked if key in left_out else Qt.CheckState.Checked)
        self.list.blockSignals(False)
        self._changed()

    def keys(self) -> list[str]:
        return [entry.data(Qt.ItemDataRole.UserRole) for entry in self._entries()]

    def chosen(self) -> tuple[str, ...]:
        return tuple(e.data(Qt.ItemDataRole.UserRole) for e in self._entries()
                     if e.checkState() == Qt.CheckState.Checked)

    def left_out(self) -> tuple[str, ...]:
        return tuple(e.data(Qt.ItemDataRole.UserRole) for e in self._entries()
                     if e.checkState() != Qt.CheckState.Checked)

    def _entries(self) -> list[QListWidgetItem]:
        """The choices, not their headings."""
        items = [self.list.item(row) for row in range(self.list.count())]
        return [item for item in items if item.data(Qt.ItemDataRole.UserRole) is not None]

    def _changed(self) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        chosen = [e.text() for e in self._entries() if e.checkState() == Qt.CheckState.Checked]
        total = len(self._entries())
        if len(chosen) == total:
            words = "all"
        elif not chosen:
            words = "none"
        elif len(chosen) == 1:
            words = chosen[0]
        elif total - len(chosen) == 1:
            words = "all but " + next(e.text() for e in self._entries() if e.checkState() != Qt.CheckState.Checked)
        elif total - len(chosen) < len(chosen):  # the fewer named: '22 of 26' said less than what was left out
            words = f"all but {total - len(chosen)}"
        else:
            words = f"{len(chosen)} of {total}"
        self.setText(f"{self.what}: {words}")
        left = [e.text() for e in self._entries() if e.checkState() != Qt.CheckState.Checked]
        self.setToolTip(f"{self.what} counted: all. Click to choose." if not left else
                        f"{self.what} counted: {', '.join(chosen) or 'none'}. Left out: {', '.join(left)}.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Room between the text and the menu arrow: the style's hint put the arrow against the last letter ("all▾",
        # and "26" under it); the text is centred left of the arrow, so half of this is the gap.
        hint = super().sizeHint()
        return QSize(hint.width() + 2 * self.fontMetrics().horizontalAdvance("  "), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.sizeHint()

    def _fit_list(self) -> None:
        # Every entry in view without a scroll bar when the screen allows (15 published types, 11 kinds, 2 headings).
        rows = max(1, min(self.list.count(), 28))
        self.list.setMinimumHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth())
        self.list.setMinimumWidth(self.list.sizeHintForColumn(0) + 40)
