"""The one way a form shows an inline message (a refusal, what a save did, a crew check): a fixed-height area
that keeps its room while empty or hidden, so a message appearing, changing or going never moves the fields and
buttons around it. A walk at 1366x768 saw Account ▸ Accounts…, the roster's availability and the patrol crew
check push their controls as a message came and went: a click meant for a button landed on the one that had
moved there, and a typed reason went into another box. A message longer than the area scrolls inside it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QWidget


class MessageArea(QScrollArea):
    """A wrapped, selectable message in room for `lines` lines, reserved whether shown, empty or hidden.

    It answers as the QLabel it replaces does (`text`, `setText`, `setTextFormat`, `setWordWrap`, `clear`, a
    style sheet's colour), so a form swaps one for the other; `label` is the QLabel inside."""

    def __init__(self, lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setContentsMargins(0, 0, 0, 0)
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a stop on the Tab chain
        # Transparent: the message reads on the form's own background.
        self.viewport().setAutoFillBackground(False)
        self.label.setAutoFillBackground(False)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)  # hidden = empty: its room stays, nothing under it moves up
        self.setSizePolicy(policy)
        self._fit()

    def _fit(self) -> None:
        """The reserved height: `lines` lines of the current text size (Larger text makes it taller)."""
        self.setFixedHeight(self.lines * self.fontMetrics().lineSpacing() + 4)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    # --- the QLabel calls forms make ------------------------------------------------------------------------

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        self.label.setText(text)
        self.verticalScrollBar().setValue(0)  # a new message is read from its first line

    def clear(self) -> None:
        self.label.clear()

    def setTextFormat(self, text_format: Qt.TextFormat) -> None:  # noqa: N802
        self.label.setTextFormat(text_format)

    def setWordWrap(self, _on: bool) -> None:  # noqa: N802 (always wrapped: the area's width is the form's)
        self.label.setWordWrap(True)

    def overflows(self) -> bool:
        """Whether the message is longer than the room it has (the rest is reached by scrolling)."""
        return self.label.heightForWidth(self.viewport().width()) > self.viewport().height()
