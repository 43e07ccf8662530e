"""The Area box of a person and of a duty: the force's districts to pick from or type, the one rule for both."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QWidget

from ruralwatch.services.geography import GeographyService
from ruralwatch.ui.widgets.completion import close_list_on_leave


class DistrictBox(QComboBox):
    """An editable box listing the force's districts (blank first: no area), completed as typed (any case,
    anywhere in the name). A name typed in part ("Uttles") becomes the district on leaving the box; the service
    (GeographyService.checked_district) refuses one that is no district, and the form keeps what was typed. An
    area stored before areas were checked is shown as it was (`setEditText`) and may stay."""

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
