"""Text that gives way in a narrow dock instead of widening it: a button whose label is shortened with "…" to the
width it is given, the whole of it in its tooltip. A button's minimum width is otherwise its whole label, and a
label naming a device ("Keep theirs (Central store (Chelmsford HQ))") pushed the Sync panel past its dock."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy, QStyle, QStyleOptionButton, QStylePainter, QWidget

# How much of its label a button keeps at least, in average characters ("Keep theirs (Ce…").
_LEAST_CHARS = 12


class ElidingButton(QPushButton):
    """A push button that shows as much of its text as fits, ending in "…" (`text()` is still the whole text, its
    shortcut letter included); when shortened, the whole text is its tooltip unless a tooltip of its own was set."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        # A push button's policy keeps it at its whole label's width; this one may shrink to minimumSizeHint.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._own_tip = ""
        self._shown_tip = ""

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt's name
        self._own_tip = tip
        super().setToolTip(tip)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        whole = super().minimumSizeHint()
        least = self.fontMetrics().averageCharWidth() * _LEAST_CHARS + self._padding()
        return QSize(min(whole.width(), least), whole.height())

    def _padding(self) -> int:
        """The button's width less its text's: frame and margins, from the style."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, QSize(0, 0), self).width()

    def shown_text(self) -> str:
        """The text as drawn at the button's present width."""
        room = max(0, self.width() - self._padding())
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room,
                                             Qt.TextFlag.TextShowMnemonic)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.shown_text()
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_PushButton, option)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._update_tip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._update_tip()

    def _update_tip(self) -> None:
        if self._own_tip:
            return
        whole = self.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        tip = whole if self.shown_text() != self.text() else ""
        if tip != self._shown_tip:
            self._shown_tip = tip
            super().setToolTip(tip)
