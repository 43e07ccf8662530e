"""Marking the fields a ValidationError names: a red border on each (a class selector keeps it off the
field's children), the reason as its tooltip, and optionally every problem listed in a summary label.
What the user typed is left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, SignalInstance
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QWidget,
)

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.ui import theme
from ruralwatch.ui.widgets.message_area import MessageArea

HEADING = "Not saved. Please correct:"
T = TypeVar("T")
# A field's name in the summary: a mapping (missing names are spelled out) or a function of the field name.
Labels = Mapping[str, str] | Callable[[str], str]
# For fields no widget stands for (e.g. "vehicles[2].vrm", a cell): mark them and return what to focus.
Resolver = Callable[[str, str], QWidget | None]


# A table cell's problem (the reason), set by a form that refused it; OutlinedProblems draws the outline.
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 40


class OutlinedProblems(QStyledItemDelegate):
    """Draws a cell as usual, and a cell with a problem (PROBLEM_ROLE) outlined in the error colour, as a bad
    field is: a tint alone was lost under the selection when the form moved to the cell."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        if index.data(PROBLEM_ROLE):
            painter.save()
            painter.setPen(QPen(theme.error_colour(), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()


def mark(widget: QWidget, message: str) -> None:
    widget.setStyleSheet(theme.invalid_style(widget.metaObject().className()))
    widget.setToolTip(message)


def unmark(widget: QWidget) -> None:
    widget.setStyleSheet("")
    widget.setToolTip("")


def edit_signals(widget: QWidget) -> list[SignalInstance]:
    """The signals that say a person changed what a field holds."""
    if isinstance(widget, QLineEdit):
        return [widget.textEdited]
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return [widget.textChanged]
    if isinstance(widget, QComboBox):
        return [widget.activated] + ([widget.editTextChanged] if widget.isEditable() else [])
    if isinstance(widget, QDateTimeEdit):
        return [widget.dateTimeChanged]
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        return [widget.valueChanged]
    if isinstance(widget, QAbstractButton):
        return [widget.toggled] if widget.isCheckable() else []
    if isinstance(widget, QAbstractSpinBox):
        return [widget.editingFinished]
    return []


class FieldMarks:
    """The marks of one form. `widgets` maps field names (as in `FieldError.field`) to their widgets; a field
    named `items[2].value` falls back to the widget of `items`."""

    def __init__(self, widgets: Mapping[str, QWidget], summary: QLabel | MessageArea | None = None,
                 labels: Labels | None = None, resolve: Resolver | None = None,
                 linked: tuple[frozenset[str], ...] = ()) -> None:
        self.widgets = widgets
        # Fields judged together ("reported before it happened" names one, but either may be the one to fix):
        # changing any of a group takes the marks of all of it.
        self.linked = linked
        self.summary = summary
        self.labels = labels or {}
        self.resolve = resolve
        self.marked: dict[str, str] = {}  # field -> message, of the fields marked now
        self.heading = HEADING
        self._lines: list[tuple[str, str]] = []  # (field, its line in the summary), as listed
        if summary is not None:
            summary.setWordWrap(True)
            summary.setStyleSheet(theme.error_style())
            summary.hide()
        # Changing a marked field takes its mark and its line away (the walk at 1366x768 found a fixed grid
        # reference still outlined and still listed as wrong).
        for widget in {id(w): w for w in widgets.values()}.values():
            for signal in edit_signals(widget):
                signal.connect(lambda *_args, w=widget: self.field_edited(w))

    def label(self, field: str) -> str:
        if callable(self.labels):
            return self.labels(field)
        return self.labels.get(field, field.replace("_", " "))

    def widget(self, field: str) -> QWidget | None:
        return self.widgets.get(field) or self.widgets.get(field.partition("[")[0])

    def clear(self) -> None:
        for widget in self.widgets.values():
            unmark(widget)
        self.marked = {}
        self._lines = []
        if self.summary is not None:
            self.summary.hide()

    def field_edited(self, widget: QWidget) -> None:
        """A person changed `widget`: its mark goes, and its problems leave the summary (all of it, with the last)."""
        edited = {name for name, w in self.widgets.items() if w is widget}
        edited |= {other for group in self.linked if group & edited for other in group}
        fields = {f for f, _line in self._lines if f in edited or self.widget(f) is widget}
        if not fields:
            return
        for field in fields:
            marked = self.widget(field)
            if marked is not None:
                unmark(marked)
        self._lines = [(f, line) for f, line in self._lines if f not in fields]
        for field in fields:
            self.marked.pop(field, None)
        self._show_summary()

    def _show_summary(self) -> None:
        """The heading and the problems still listed; hidden when none is left."""
        if self.summary is None:
            return
        self.summary.setStyleSheet(theme.error_style())  # a summary area may also carry other messages
        self.summary.setText(self.heading + "\n" + "\n".join(line for _field, line in self._lines))
        self.summary.setVisible(bool(self._lines))

    def add(self, field: str, message: str, heading: str = "Please check:") -> None:
        """Mark one field found wrong while the form is filled (its box left), keeping the other marks; it goes when
        the field is edited, like a save's."""
        widget = self.widget(field)
        if widget is None:
            return
        mark(widget, message)
        self.marked[field] = message
        if not self._lines:
            self.heading = heading
        self._lines = [(f, line) for f, line in self._lines if f != field]
        self._lines.append((field, f"• {self.label(field)}: {message}"))
        self._show_summary()

    def show(self, error: ValidationError, heading: str = HEADING, focus: bool = True) -> QWidget | None:
        """Clear the old marks, mark every named field, list the problems under `heading` and focus the first
        marked field; returns it (None when no field of the form was named)."""
        self.clear()
        first: QWidget | None = None
        for problem in error.errors:
            widget = self.resolve(problem.field, problem.message) if self.resolve else None
            if widget is None:
                widget = self.widget(problem.field)
                if widget is None:
                    continue
                mark(widget, problem.message)
            self.marked[problem.field] = problem.message
            first = first or widget
        self.heading = heading
        self._lines = [(p.field, f"• {self.label(p.field)}: {p.message}") for p in error.errors]
        if self._lines:
            self._show_summary()
        elif self.summary is not None:  # an error naming nothing still shows its heading, as before
            self.summary.setStyleSheet(theme.error_style())
            self.summary.setText(heading + "\n")
            self.summary.show()
        if focus and first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return first


class MarkedFields:
    """The fields a dialog marked while it shows the message itself (sign-in, accounts): each mark goes when the
    field is edited or the message is cleared."""

    def __init__(self) -> None:
        self._marked: list[QWidget] = []

    def mark(self, widget: QWidget, message: str) -> None:
        mark(widget, message)
        if widget not in self._marked:
            self._marked.append(widget)

    def unmark(self, widget: QWidget) -> None:
        if widget in self._marked:
            unmark(widget)
            self._marked.remove(widget)

    def is_marked(self, widget: QWidget) -> bool:
        return widget in self._marked

    def any(self) -> bool:
        return bool(self._marked)

    def clear(self) -> None:
        for widget in self._marked:
            unmark(widget)
        self._marked.clear()


def saved_or_marked(marks: FieldMarks, save: Callable[[], T], field: str) -> T | None:
    """`save()`'s result; None when it was refused: a ValidationError marks its fields, any other error the user
    can act on is shown against `field`. What the form holds is left as typed either way."""
    try:
        return save()
    except ValidationError as exc:
        marks.show(exc)
    except RuralWatchError as exc:
        marks.show(ValidationError.single(field, str(exc)))
    return None
