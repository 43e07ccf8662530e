"""The Area box of a person and of a duty: the force's districts to pick from or type, the one rule for both."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QWidget

from ruralwatch.services.geography import GeographyService
from ruralwatch.ui.widgets.completion import close_list_on_leave


class _ListWhileSeveral(QObject):
    """Tab (or Shift+Tab) out of an area box whose text several areas begin with opens the list of them and keeps
    the cursor in the box: "epping" + Tab was left as typed and refused only at Save ("3 districts or wards begin
    with 'epping'"). A name one area begins with, a whole name, or a row picked in the open list leaves as before."""

    def __init__(self, box: QComboBox, several: Callable[[str], list[str]]) -> None:
        super().__init__(box)
        self.several = several
        self._mode: Qt.MatchFlag | None = None  # the completer's own filter while the list shows beginnings only
        box.lineEdit().installEventFilter(self)
        # The completer's list, when open, takes the keys before the box (and hands Tab on past its filters).
        box.completer().popup().installEventFilter(self)

    @property
    def box(self) -> QComboBox:
        return cast(QComboBox, self.parent())  # the parent, not an attribute: no reference cycle (see widget_lists)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Hide and self._mode is not None:
            self.box.completer().setFilterMode(self._mode)  # the list closed: typing finds names anywhere again
            self._mode = None
        if (event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent)
                or event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)):
            return False
        popup = self.box.completer().popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            return False  # a row chosen in the list: Tab takes it
        text = self.box.currentText().strip()
        matches = self.several(text) if text else []
        if len(matches) < 2 or any(m.casefold() == text.casefold() for m in matches):
            return False
        completer = self.box.completer()
        # The areas the text begins, as the save's refusal names them (listed by "contains", "epping" showed every
        # ward of Epping Forest).
        if self._mode is None:
            self._mode = completer.filterMode()
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        completer.setCompletionPrefix(text)
        completer.complete()
        return True


def list_while_several(box: QComboBox, several: Callable[[str], list[str]]) -> None:
    """Make Tab open the list instead of leaving `box` while `several(text)` names more than one area."""
    _ListWhileSeveral(box, several)


class DistrictBox(QComboBox):
    """An editable box listing the force's districts (blank first: no area), completed as typed (any case, anywhere in
    the name). A name typed in part ("Uttles") becomes the district on leaving the box; the service
    (GeographyService.checked_district) refuses one that is no district, and the form keeps what was typed. An area
    stored before areas were checked is shown as it was (`setEditText`) and may stay. Tab on a beginning several
    districts share opens the list of them instead of leaving."""

    def __init__(self, geography: GeographyService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.geography = geography
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        names = geography.district_names()
        self.addItem("")
        self.addItems(names)
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)
        close_list_on_leave(self)
        list_while_several(self, geography.districts_starting_with)
        # The force's own district: a Norfolk walk read "e.g. Uttlesford", which Norfolk then refused.
        self.lineEdit().setPlaceholderText(f"district, e.g. {names[0]}" if names else "district")
        # Leaving the box settles it. Not through editingFinished or a focus-out filter: with the completer's list
        # open (as it is while a name is typed) the completer eats the focus-out, and on the real display Tab moved
        # on with "uttles" left as typed.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def _focus_moved(self, old: QWidget | None, new: QWidget | None) -> None:
        mine = (self, self.lineEdit())
        if old in mine and new not in mine:
            self.settle()

    def settle(self) -> None:
        """The box's text made the district it stands for when only one begins with it."""
        text = self.currentText()
        chosen = self.geography.complete_district(text)
        if chosen is not None and chosen != text:
            self.setEditText(chosen)
