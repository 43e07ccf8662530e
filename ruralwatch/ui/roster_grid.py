"""The Duties tab's calendar: how a duty looks in it (DutyLook, describe) and the week or month grid."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.people import DutyRecord
from ruralwatch.core.vocab import DUTY_KIND_NAMES, DUTY_STATUSES, PATROL_STATUS_NAMES, SKILLS
from ruralwatch.services.roster import RosterPatrol
from ruralwatch.ui import theme
from ruralwatch.ui.widgets import configure_table

SKILL_NAMES = dict(SKILLS)
STATUS_NAMES = dict(DUTY_STATUSES)
DUTY_ID = Qt.ItemDataRole.UserRole
PATROL_ID = Qt.ItemDataRole.UserRole + 1  # a joint patrol's cell: shown, not edited here
PATROL_TONES = {"in_progress": "notice", "completed": "done"}  # else "planned"


def local_time(moment: datetime) -> datetime:
    return times.to_local(moment)


def span_text(duty: DutyRecord, wrappable: bool = False) -> str:
    """E.g. "18:00–22:00"; `wrappable`: with a zero-width space after the dash, so a narrow grid cell (larger text, a
    laptop-width panel) wraps the end time onto the next line instead of eliding it to "19:0…"."""
    dash = "–\u200b" if wrappable else "–"
    return f"{local_time(duty.start):%H:%M}{dash}{local_time(duty.end):%H:%M}"


def when_text(duty: DutyRecord) -> str:
    return f"{local_time(duty.start):%a %d %b %Y}, {span_text(duty)}"


def ran_text(duty: DutyRecord, wrappable: bool = False) -> str:
    """When its patrol really ran, e.g. "18:05–21:35 actual" ("18:05–… actual" while out); "" before it started.
    A walk's Special saw the planned 18:00–22:00 in their calendar after the patrol ran at other times."""
    if duty.actual_start is None:
        return ""
    dash = "–\u200b" if wrappable else "–"
    end = f"{local_time(duty.actual_end):%H:%M}" if duty.actual_end else "…"
    return f"{local_time(duty.actual_start):%H:%M}{dash}{end} actual"


def missing_skills(duty: DutyRecord, skills_of: dict[str, tuple[str, ...]]) -> list[str]:
    """Skill labels the crew is still short of."""
    missing = []
    for skill, count in duty.required_skills.items():
        holders = sum(1 for pid, _ in duty.crew if skill in skills_of.get(pid, ()))
        if holders < count:
            missing.append(SKILL_NAMES.get(skill, skill))
    return missing


@dataclass(frozen=True)
class DutyLook:
    """How a duty shows in the calendar: its text, tooltip and state ("gap", "ok", "completed", "cancelled")."""

    duty: DutyRecord
    text: str
    tooltip: str
    state: str
    open_places: int


def describe(duty: DutyRecord, skills_of: dict[str, tuple[str, ...]], compact: bool) -> DutyLook:
    missing = missing_skills(duty, skills_of) if duty.status == "planned" else []
    open_places = max(duty.open_places, 1 if missing and duty.status == "planned" else 0)
    crew = f"{len(duty.crew)}/{duty.min_crew}"
    if duty.status != "planned":
        marker = STATUS_NAMES.get(duty.status, duty.status).lower()
        state = duty.status
    elif duty.open_places:
        marker = f"⚠ {duty.open_places} open" + (f", {len(duty.away)} away" if duty.away else "")
        state = "gap"
    elif duty.at_risk:  # crewed on paper, but someone on it has since marked the day away
        marker = f"⚠ at risk: {len(duty.away)} away"
        state = "gap"
    elif missing:
        marker = "⚠ skill short"
        state = "gap"
    else:
        marker = "✓ crewed"
        state = "ok"
    place = duty.station or duty.area or "no station"
    if compact:
        # A patrol that ran says so with its actual start ("ran 18:05"; the tooltip and the week view say "actual"):
        # it read as the planned start. Short, on a line of its own: a day column is ~60 px docked at 1366x768.
        start = (f"ran {local_time(duty.actual_start):%H:%M}\n" if duty.actual_start
                 else f"{local_time(duty.start):%H:%M} ")
        text = f"{start}{duty.title}\n{place}\n{crew} · {marker}"
    else:
        span = ran_text(duty, wrappable=True) or span_text(duty, wrappable=True)
        text = f"{span}\n{duty.title}\n{place}\ncrew {crew}\n{marker}"
    needs = ", ".join(f"{SKILL_NAMES.get(s, s)} ×{n}" for s, n in duty.required_skills.items()) or "none"
    lines = [
        duty.title, when_text(duty) + (f" planned; ran {ran_text(duty)}" if duty.actual_start else ""),
        f"{DUTY_KIND_NAMES.get(duty.kind, duty.kind)} · {STATUS_NAMES.get(duty.status)}",
        f"Station: {duty.station or '–'}   Area: {duty.area or '–'}",
        f"Crew: {len(duty.crew)} (at least {duty.min_crew}, at most {duty.max_crew})",
        f"Skills needed: {needs}",
    ]
    if duty.crew:
        lines.append("On it: " + ", ".join(name for _, name in duty.crew))
    if duty.at_risk:
        lines.append("At risk: " + "; ".join(duty.away))
    if open_places and duty.status == "planned":
        lines.append(f"Open places: {duty.open_places}" + (f"; short of {', '.join(missing)}" if missing else ""))
    return DutyLook(duty, text, "\n".join(lines), state, open_places)


# --- the calendar grid ------------------------------------------------------------------------------------------

ZWSP = "\u200b"  # a break opportunity with no space (span_text's "19:00–\u200b22:00")
_PIECE = re.compile(r"[^ \u200b]+[ \u200b]*|[ \u200b]+")


def wrap_lines(text: str, width: int, advance: Callable[[str], int]) -> list[str]:
    """`text` broken into lines of at most `width` (`advance` measures a string): at spaces and zero-width spaces
    only, and a word wider than the whole line elided on its own line ("preven…"; the whole text is the tooltip).
    Qt's own wrapping elided whole lines (docked, "Plant theft preve… patrol", "Eveni…"); hyphenating long words
    instead broke times and words where no one would ("18:00–2-2:00", "comple-ted")."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, first = "", len(lines)
        for piece in _PIECE.findall(paragraph):
            word = piece.rstrip(" " + ZWSP)
            separator = piece[len(word):]
            if not word or advance((line + word).replace(ZWSP, "")) <= width:
                line += piece
                continue
            if line.strip(" " + ZWSP):
                lines.append(line)
                line = ""
            if advance(word) > width:
                lines.append(_elided(word, width, advance))
                continue
            line = word + separator
        if line.strip(" " + ZWSP) or len(lines) == first:  # not an empty line after an elided word
            lines.append(line)
    return [line.replace(ZWSP, "").rstrip() for line in lines]


def _elided(word: str, width: int, advance: Callable[[str], int]) -> str:
    """As much of `word` as fits before "…" (at least its first letter)."""
    cut = len(word) - 1
    while cut > 1 and advance(word[:cut] + "…") > width:
        cut -= 1
    return word[:cut] + "…"


SELECTED_FRAME = 3  # px: the frame round the selected duty


class WrappingDelegate(QStyledItemDelegate):
    """Paints a duty's or patrol's text with `wrap_lines` (whole words, long ones hyphenated, never elided) and
    asks for the height those lines need, so a narrow day column shows every word of a title."""

    @staticmethod
    def _margin(widget: QWidget | None) -> int:
        style = widget.style() if widget is not None else QApplication.style()
        return style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1

    def lines(self, option: QStyleOptionViewItem, text: str) -> list[str]:
        metrics = QFontMetrics(option.font)
        width = option.rect.width() - 2 * self._margin(option.widget)
        # initStyleOption hands the text over with its line breaks as U+2028 (Qt's line separator).
        return wrap_lines(text.replace("\u2028", "\n"), max(width, 1), metrics.horizontalAdvance)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""  # background, selection and focus from the style; the text from our lines
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if selected:
            # The selected duty in the strong highlight even while the calendar has no focus (the pale inactive
            # one looked like the light blue of a crewed duty: a walk could not tell which was selected).
            for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
                opt.palette.setColor(QPalette.ColorGroup.Inactive, role,
                                     opt.palette.color(QPalette.ColorGroup.Active, role))
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if selected:
            # And a frame in the text colour round it, so no cell tone can be mistaken for the selection.
            painter.save()
            palette = widget.palette() if widget is not None else opt.palette  # not the cell's own tone's text
            pen = QPen(palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text))
            pen.setWidth(SELECTED_FRAME)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(opt.rect.adjusted(1, 1, -SELECTED_FRAME + 1, -SELECTED_FRAME + 1))
            painter.restore()
        if not text:
            return
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        margin = self._margin(widget)
        metrics = QFontMetrics(opt.font)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(role))
        top = opt.rect.top() + margin
        for line in self.lines(opt, text):
            painter.drawText(QRect(opt.rect.left() + margin, top, opt.rect.width() - 2 * margin,
                                   metrics.lineSpacing()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), line)
            top += metrics.lineSpacing()
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 (Qt's name)
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if not opt.text or opt.rect.width() <= 0:
            return base
        height = len(self.lines(opt, opt.text)) * QFontMetrics(opt.font).lineSpacing() + 2 * self._margin(opt.widget)
        return QSize(base.width(), max(base.height(), height))



class CalendarGrid(QTableWidget):
    """Seven day columns. A week shows one block of rows; a month one block per week, each under a row of dates.
    Each duty is its own cell, so arrow keys move between duties and Enter opens one."""

    duty_selected = Signal(object)  # duty id or None
    duty_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        configure_table(self, behavior=QAbstractItemView.SelectionBehavior.SelectItems, alternating=False,
                        stretch_last=False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.wrapping = WrappingDelegate(self)
        self.setItemDelegate(self.wrapping)
        # Stretched columns take their new widths after the table's own resize: heights follow the widths.
        self._heights_due = False
        self.horizontalHeader().sectionResized.connect(self._fit_heights_soon)
        self._fit_minimum_width()
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.cells: dict[str, tuple[int, int]] = {}  # duty id -> (row, column)
        self.patrol_cells: dict[str, tuple[int, int]] = {}  # patrol id -> (row, column)
        self.date_rows: list[int] = []  # month view: the rows that hold dates
        self.itemSelectionChanged.connect(lambda: self.duty_selected.emit(self.selected_duty_id()))
        self.itemActivated.connect(self._activated)

    def _activated(self, cell: QTableWidgetItem) -> None:
        duty_id = cell.data(DUTY_ID)
        if duty_id:
            self.duty_activated.emit(duty_id)

    def selected_duty_id(self) -> str | None:
        chosen = self.selectedItems()
        return chosen[0].data(DUTY_ID) if chosen else None

    def select_duty(self, duty_id: str) -> bool:
        where = self.cells.get(duty_id)
        if where is None:
            return False
        self.setCurrentCell(*where)
        self.scrollToItem(self.item(*where))
        return True

    def look_of(self, duty_id: str) -> QTableWidgetItem | None:
        where = self.cells.get(duty_id)
        return self.item(*where) if where else None

    def patrol_cell(self, patrol_id: str) -> QTableWidgetItem | None:
        where = self.patrol_cells.get(patrol_id)
        return self.item(*where) if where else None

    def show_days(self, first: date, weeks: int, month: int | None, looks: list[DutyLook], today: date,
                  patrols: list[RosterPatrol] | tuple[()] = ()) -> None:
        """`first` is a Monday. `month` set: the month view (dates in their own rows, other months greyed).
        `patrols` (joint patrols not on the roster as a duty) show beside the duties of their day, by time."""
        by_day: dict[date, list[DutyLook | RosterPatrol]] = {}
        for entry in [*looks, *patrols]:
            by_day.setdefault(local_time(entry.duty.start if isinstance(entry, DutyLook) else entry.start).date(),
                              []).append(entry)
        for entries in by_day.values():
            entries.sort(key=lambda e: e.duty.start if isinstance(e, DutyLook) else e.start)
        self.blockSignals(True)
        self.clearContents()
        self.cells = {}
        self.patrol_cells = {}
        if month is None:
            days = [first + timedelta(days=d) for d in range(7)]
            # Day and date on two lines: on one, larger text cut them to "ue 01 De" in a laptop-width panel.
            # "today" on a line of its own: after the date it cut "24 Nov" to "Nov · tod" in a docked panel.
            self.setHorizontalHeaderLabels([f"{day:%a}\n{day:%d %b}" + ("\ntoday" if day == today else "")
                                            for day in days])
        else:
            # Short day names, the full one on hover: docked, "Wednesday" was cut to "Wednesda".
            self.setHorizontalHeaderLabels([f"{first + timedelta(days=d):%a}" for d in range(7)])
            for d in range(7):
                self.horizontalHeaderItem(d).setToolTip(f"{first + timedelta(days=d):%A}")
        rows: list[list[QTableWidgetItem | None]] = []
        date_rows: list[int] = []
        for week in range(weeks):
            days = [first + timedelta(days=7 * week + d) for d in range(7)]
            if month is not None:
                date_rows.append(len(rows))
                rows.append([self._date_cell(day, month, today) for day in days])
            depth = max(1, *(len(by_day.get(day, [])) for day in days))
            for n in range(depth):
                row: list[QTableWidgetItem | None] = []
                for column, day in enumerate(days):
                    day_looks = by_day.get(day, [])
                    if n < len(day_looks) and isinstance(day_looks[n], RosterPatrol):
                        patrol = day_looks[n]
                        row.append(self._patrol_cell(patrol, compact=month is not None))
                        self.patrol_cells[patrol.id] = (len(rows), column)
                    elif n < len(day_looks):
                        look = day_looks[n]
                        assert isinstance(look, DutyLook)
                        row.append(self._duty_cell(look))
                        self.cells[look.duty.id] = (len(rows), column)
                    else:
                        row.append(None)
                rows.append(row)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell is None:
                    cell = QTableWidgetItem()
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.setItem(r, c, cell)
        self.date_rows = date_rows
        self.resizeRowsToContents()
        self.blockSignals(False)

    def _date_cell(self, day: date, month: int, today: date) -> QTableWidgetItem:
        cell = QTableWidgetItem(f"{day:%d %b}" if day.day == 1 or day == today else f"{day.day}")
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
        heading = theme.tone("today" if day == today else "date_row")
        cell.setBackground(heading.background)
        cell.setForeground(heading.text)
        font = QFont(cell.font())
        font.setBold(True)
        cell.setFont(font)
        if day.month != month:
            cell.setForeground(theme.readable_on(heading.background, theme.hint_colour()))
        cell.setToolTip(f"{day:%A %d %B %Y}" + (" (today)" if day == today else ""))
        return cell

    def _duty_cell(self, look: DutyLook) -> QTableWidgetItem:
        cell = QTableWidgetItem(look.text)
        cell.setData(DUTY_ID, look.duty.id)
        cell.setToolTip(look.tooltip)
        cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        shade = theme.tone({"gap": "gap", "ok": "planned"}.get(look.state, "done"))
        cell.setBackground(shade.background)
        cell.setForeground(shade.text)
        if look.state == "cancelled":
            font = QFont(cell.font())
            font.setStrikeOut(True)
            cell.setFont(font)
        return cell

    def _patrol_cell(self, patrol: RosterPatrol, compact: bool) -> QTableWidgetItem:
        status = PATROL_STATUS_NAMES.get(patrol.status, patrol.status)
        marker = f"▶ {status.lower()}" if patrol.status == "in_progress" else status.lower()
        span = f"{local_time(patrol.start):%H:%M}–{local_time(patrol.end):%H:%M}"
        crew = ", ".join(patrol.crew) or "no crew"
        text = (f"{local_time(patrol.start):%H:%M} {patrol.title}\n{marker}" if compact
                else f"{span}\n{patrol.title}\ncrew {len(patrol.crew)}\n{marker}")
        cell = QTableWidgetItem(text)
        cell.setData(PATROL_ID, patrol.id)
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not a duty: nothing to select, assign or edit here
        cell.setToolTip(f"{patrol.title}\n{local_time(patrol.start):%a %d %b %Y}, {span} · {status}\nOn it: {crew}"
                        "\nA joint patrol: plan, log or change it in Team ▸ Patrols.")
        cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        shade = theme.tone(PATROL_TONES.get(patrol.status, "planned"))
        cell.setBackground(shade.background)
        cell.setForeground(shade.text)
        font = QFont(cell.font())
        font.setItalic(True)
        cell.setFont(font)
        return cell

    def _fit_minimum_width(self) -> None:
        """A day column is never narrower than a start time ("19:00–") and its margins: below that the grid
        scrolls sideways rather than breaking times apart."""
        margin = WrappingDelegate._margin(self)
        italic = QFont(self.font())
        italic.setItalic(True)  # a joint patrol's cell
        # Every digit: "22:00" was wider than "00:00–" in some fonts and did not fit its line.
        widest = max(QFontMetrics(font).horizontalAdvance(f"{d}{d}:{d}{d}{dash}")
                     for font in (self.font(), italic) for d in "0123456789" for dash in ("", "–"))
        self.horizontalHeader().setMinimumSectionSize(widest + 2 * margin + 2)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Larger text: wider times, taller wrapped cells
            self._fit_minimum_width()
            self.resizeRowsToContents()

    def _fit_heights_soon(self, *_args: object) -> None:
        if not self._heights_due:  # seven columns resize at once: one pass for all of them
            self._heights_due = True
            QTimer.singleShot(0, self, self._fit_heights)

    def _fit_heights(self) -> None:
        self._heights_due = False
        self.resizeRowsToContents()

    def cell_lines(self, row: int, column: int) -> list[str]:
        """The lines a cell's text is painted in at the column's present width."""
        cell = self.item(row, column)
        if cell is None:
            return []
        option = QStyleOptionViewItem()
        option.initFrom(self.viewport())
        option.font = cell.font() if cell.data(Qt.ItemDataRole.FontRole) is not None else self.font()
        option.rect = QRect(0, 0, self.columnWidth(column), self.rowHeight(row))
        option.widget = self
        return self.wrapping.lines(option, cell.text())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.resizeRowsToContents()  # wrapped text needs new heights when the columns change width
