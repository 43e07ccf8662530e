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


def describe(duty: DutyRecord, skills_of: dict[str, tuple[str, ...]]) -> DutyLook:
    """A duty's cell in the week (a month's day has a line per duty instead: month_line) and its tooltip."""
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


def station_tag(station: str) -> str:
    """A station in two or three letters for a month's line: "Saffron Walden" SW, "Braintree" Bra."""
    words = station.split()
    return "".join(w[0] for w in words).upper() if len(words) > 1 else station[:3]


def month_line(entry: DutyLook | RosterPatrol, tagged: bool = False) -> tuple[str, str]:
    """A duty's (or joint patrol's) one line in a month's day: its start and title, and on the right its crew
    against the least it needs with its state, e.g. ("18:30 Evening rural crime patrol", "⚠ 1/2"). The title is
    cut to the column when painted; the tooltip has it all. `tagged` (the day has the title more than once, at
    several stations): the station's letters before the crew, "SW 2/2", or the cut lines read alike."""
    if isinstance(entry, RosterPatrol):
        return (f"{local_time(entry.start):%H:%M} {entry.title}",
                "▶" if entry.status == "in_progress" else f"{len(entry.crew)}")
    duty = entry.duty
    # A patrol that ran says so with its actual start: it read as the planned one.
    start = f"ran {local_time(duty.actual_start):%H:%M}" if duty.actual_start else f"{local_time(duty.start):%H:%M}"
    crew = f"{len(duty.crew)}/{duty.min_crew}"
    marker = {"gap": "⚠ ", "cancelled": "✗ "}.get(entry.state, "")  # the tone says crewed or done
    tag = f"{station_tag(duty.station or duty.area)} " if tagged and (duty.station or duty.area) else ""
    return f"{start} {duty.title}", f"{tag}{marker}{crew}"


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
DAY_ENTRIES = Qt.ItemDataRole.UserRole + 2  # a month's day: its MonthEntry list, by start
DAY_DATE = Qt.ItemDataRole.UserRole + 3  # a month's day: its date
MONTH_TONES = {"gap": "gap", "ok": "planned"}  # else "done" (completed, cancelled)


@dataclass(frozen=True)
class MonthEntry:
    """One line of a month's day: a duty (duty_id set) or a joint patrol (read-only)."""

    left: str
    right: str
    tone: str
    duty_id: str | None
    italic: bool = False
    struck: bool = False
    tag: str = ""  # the station's letters at the start of `right`, if any: dropped first when the column is narrow


_START = re.compile(r"^((?:ran )?\d\d:\d\d) (.*)$", re.S)


def fit_month_line(entry: MonthEntry, metrics: QFontMetrics, width: int, gap: int) -> tuple[str, str]:
    """A month's line cut to `width` (`gap` between its left and right): the title cut first, then the station's
    letters dropped, the start time kept whole. Larger text cut the time itself ("18:…")."""
    def advance(text: str) -> int:
        return metrics.horizontalAdvance(text)

    match = _START.match(entry.left)
    start, title = (match.group(1), match.group(2)) if match else ("", entry.left)
    right = entry.right
    if entry.tag and advance(f"{start} {title[:1]}…") + gap + advance(right) > width:
        right = right.removeprefix(entry.tag)
    room = width - gap - advance(right)
    if not start:
        return metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(0, room)), right
    left = f"{start} {metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(0, room - advance(start + ' ')))}"
    if advance(left) > room:  # not even a letter of the title: the time alone
        left = start if advance(start) <= room else metrics.elidedText(start, Qt.TextElideMode.ElideRight, room)
    return left.rstrip(), right


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


def bold_width(bold: QFont, day: date, grid: CalendarGrid) -> int:
    """The date's width on its line, and a space."""
    return QFontMetrics(bold).horizontalAdvance(grid.date_text(day) + " ")


class MonthDelegate(QStyledItemDelegate):
    """A month's day: its date, then a line per duty in the duty's tone (start and title cut to the column, crew
    against the least needed on the right), and "+N more" on the date's line when the week's row holds fewer. Each
    duty had a cell of its own, four or five lines tall: a month needed four screens at 1366x768."""

    def __init__(self, grid: CalendarGrid) -> None:
        super().__init__(grid)
        self.grid = grid

    @staticmethod
    def line_height(metrics: QFontMetrics) -> int:
        return metrics.lineSpacing() + 1

    @classmethod
    def fitting(cls, count: int, height: int, metrics: QFontMetrics) -> tuple[int, int]:
        """How many of a day's `count` lines a cell `height` tall shows, and how many "+N more" stands for. "+N more"
        is on the date's line: on a line of its own, Larger text left room for one duty a day."""
        room = max(0, height // cls.line_height(metrics) - 1)  # the date takes the first line
        shown = min(count, room)
        return shown, count - shown

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        entries: list[MonthEntry] = index.data(DAY_ENTRIES) or []
        day: date | None = index.data(DAY_DATE)
        if day is None:
            return
        widget = opt.widget
        palette = widget.palette() if widget is not None else opt.palette
        metrics = QFontMetrics(opt.font)
        line = self.line_height(metrics)
        margin = WrappingDelegate._margin(widget)
        rect = opt.rect
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        # The date, on its day's heading tone; days of the months either side greyed.
        heading = theme.tone("today" if day == self.grid.today else "date_row")
        painter.fillRect(QRect(rect.left(), rect.top(), rect.width(), line), heading.background)
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(heading.text if day.month == self.grid.month
                       else theme.readable_on(heading.background, theme.hint_colour()))
        text_rect = QRect(rect.left() + margin, rect.top(), rect.width() - 2 * margin, line)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.grid.date_text(day))
        shown, more = self.fitting(len(entries), rect.height(), metrics)
        # How many need someone, seen before reading the lines; how many more than the row shows.
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         self.grid.date_note(entries, more, text_rect.width() - bold_width(bold, day, self.grid)))
        top = rect.top() + line
        chosen = self.grid.chosen_in(index.row(), index.column()) if selected else None
        for entry in entries[:shown]:
            band = QRect(rect.left() + 1, top, rect.width() - 2, line - 1)
            shade = theme.tone(entry.tone)
            mine = entry.duty_id is not None and entry.duty_id == chosen
            painter.fillRect(band, palette.color(QPalette.ColorRole.Highlight) if mine else shade.background)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText) if mine else shade.text)
            font = QFont(opt.font)
            font.setItalic(entry.italic)
            font.setStrikeOut(entry.struck)
            painter.setFont(font)
            fm = QFontMetrics(font)
            inner = band.adjusted(margin, 0, -margin, 0)
            left, right = fit_month_line(entry, fm, inner.width(), margin)
            painter.drawText(inner, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), right)
            painter.drawText(inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), left)
            top += line
        if selected:  # the chosen day framed in the text colour, whatever its lines' tones
            pen = QPen(palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text))
            pen.setWidth(SELECTED_FRAME)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -SELECTED_FRAME + 1, -SELECTED_FRAME + 1))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 (Qt's name)
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        return QSize(base.width(), 3 * self.line_height(metrics))  # the date and two duties at least


class CalendarGrid(QTableWidget):
    """Seven day columns. A week shows one block of rows, each duty its own cell, so arrow keys move between duties
    and Enter opens one. A month shows one row per week, each day a cell with a line per duty (MonthDelegate), the
    rows sharing the height so every week is in view: arrow keys move between days, Enter opens the day's week."""

    duty_selected = Signal(object)  # duty id or None
    duty_activated = Signal(str)
    day_opened = Signal(object)  # date: a month's day, to see its duties one by one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        configure_table(self, behavior=QAbstractItemView.SelectionBehavior.SelectItems, alternating=False,
                        stretch_last=False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.wrapping = WrappingDelegate(self)
        self.month_delegate = MonthDelegate(self)
        self.setItemDelegate(self.wrapping)
        self.month: int | None = None  # the month shown, None for a week
        self.today = date.min
        self._chosen: str | None = None  # a month's day: the duty chosen among its lines
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
        day = cell.data(DAY_DATE)
        if day is not None:
            self.day_opened.emit(day)
            return
        duty_id = cell.data(DUTY_ID)
        if duty_id:
            self.duty_activated.emit(duty_id)

    def selected_duty_id(self) -> str | None:
        chosen = self.selectedItems()
        if not chosen:
            return None
        if self.month is not None:
            return self.chosen_in(chosen[0].row(), chosen[0].column())
        return chosen[0].data(DUTY_ID)

    def day_duties(self, row: int, column: int) -> list[str]:
        """A month's day: the ids of its duties, by start (its joint patrols are not duties)."""
        cell = self.item(row, column)
        entries: list[MonthEntry] = (cell.data(DAY_ENTRIES) if cell is not None else None) or []
        return [e.duty_id for e in entries if e.duty_id]

    def chosen_in(self, row: int, column: int) -> str | None:
        """A month's day: the duty chosen in it (select_duty, a click on its line), else its first."""
        ids = self.day_duties(row, column)
        return self._chosen if self._chosen in ids else (ids[0] if ids else None)

    def select_duty(self, duty_id: str) -> bool:
        where = self.cells.get(duty_id)
        if where is None:
            return False
        self._chosen = duty_id
        if self.currentRow() == where[0] and self.currentColumn() == where[1]:
            self.duty_selected.emit(self.selected_duty_id())  # another duty of the day already selected
            self.viewport().update()
        self.setCurrentCell(*where)
        self.scrollToItem(self.item(*where))
        return True

    def day_cell(self, day: date) -> tuple[int, int] | None:
        """A month's day: its cell."""
        for row in range(self.rowCount()):
            for column in range(self.columnCount()):
                cell = self.item(row, column)
                if cell is not None and cell.data(DAY_DATE) == day:
                    return row, column
        return None

    def date_text(self, day: date) -> str:
        return f"{day:%d %b}" if day.day == 1 or day == self.today else f"{day.day}"

    def date_note(self, entries: list[MonthEntry], more: int, width: int) -> str:
        """The right of a month's date line: "⚠ 2" duties needing someone, "+3 more" than its row shows ("+3"
        when the column is too narrow for the words)."""
        gaps = sum(1 for e in entries if e.tone == "gap")
        metrics = QFontMetrics(self.font())
        for words in (" more", ""):
            note = " · ".join(([f"⚠ {gaps}"] if gaps else []) + ([f"+{more}{words}"] if more else []))
            if metrics.horizontalAdvance(note) <= width:
                break
        return note

    def month_lines(self, row: int, column: int) -> list[str]:
        """A month's day as painted at its cell's present size: the date (with "⚠ N" and "+N more" when the row
        holds fewer), then a line per duty shown (its text as cut to the column, then its crew)."""
        cell = self.item(row, column)
        if cell is None or cell.data(DAY_DATE) is None:
            return []
        entries: list[MonthEntry] = cell.data(DAY_ENTRIES) or []
        metrics = QFontMetrics(self.font())
        shown, more = MonthDelegate.fitting(len(entries), self.rowHeight(row), metrics)
        margin = WrappingDelegate._margin(self)
        day_text = self.date_text(cell.data(DAY_DATE))
        bold = QFont(self.font())
        bold.setBold(True)
        width = self.columnWidth(column) - 2 * margin - QFontMetrics(bold).horizontalAdvance(day_text + " ")
        lines = [f"{day_text} {self.date_note(entries, more, width)}".rstrip()]
        for entry in entries[:shown]:
            font = QFont(self.font())
            font.setItalic(entry.italic)
            left, right = fit_month_line(entry, QFontMetrics(font), self.columnWidth(column) - 2 - 2 * margin, margin)
            lines.append(f"{left} {right}")
        return lines

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        """A click on a duty's line in a month's day chooses that duty (the day's first otherwise)."""
        index = self.indexAt(event.position().toPoint())
        if self.month is not None and index.isValid():
            metrics = QFontMetrics(self.font())
            entries: list[MonthEntry] = index.data(DAY_ENTRIES) or []
            shown, _more = MonthDelegate.fitting(len(entries), self.rowHeight(index.row()), metrics)
            n = (event.position().toPoint().y() - self.visualRect(index).top()) // MonthDelegate.line_height(
                metrics) - 1
            if 0 <= n < shown and entries[n].duty_id:
                self._chosen = entries[n].duty_id
        before = self.currentIndex()
        super().mousePressEvent(event)
        if self.month is not None and before == self.currentIndex():  # the same day: another of its duties
            self.duty_selected.emit(self.selected_duty_id())
            self.viewport().update()

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
        self.today = today
        self.month = month
        if month is not None:
            self._show_month(first, weeks, by_day)
            self.blockSignals(False)
            return
        self.setItemDelegate(self.wrapping)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setMinimumSectionSize(-1)
        days = [first + timedelta(days=d) for d in range(7)]
        # Day and date on two lines: on one, larger text cut them to "ue 01 De" in a laptop-width panel.
        # "today" on a line of its own: after the date it cut "24 Nov" to "Nov · tod" in a docked panel.
        self.setHorizontalHeaderLabels([f"{day:%a}\n{day:%d %b}" + ("\ntoday" if day == today else "")
                                        for day in days])
        for d in range(7):
            self.horizontalHeaderItem(d).setToolTip("")
        rows: list[list[QTableWidgetItem | None]] = []
        for week in range(weeks):
            days = [first + timedelta(days=7 * week + d) for d in range(7)]
            depth = max(1, *(len(by_day.get(day, [])) for day in days))
            for n in range(depth):
                row: list[QTableWidgetItem | None] = []
                for column, day in enumerate(days):
                    day_looks = by_day.get(day, [])
                    if n < len(day_looks) and isinstance(day_looks[n], RosterPatrol):
                        patrol = day_looks[n]
                        row.append(self._patrol_cell(patrol))
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
        self.date_rows = []
        self.resizeRowsToContents()
        self.blockSignals(False)

    def _show_month(self, first: date, weeks: int, by_day: dict[date, list[DutyLook | RosterPatrol]]) -> None:
        """One row per week, the rows sharing the height (none below the date and two duties)."""
        self.setItemDelegate(self.month_delegate)
        # Short day names, the full one on hover: docked, "Wednesday" was cut to "Wednesda".
        self.setHorizontalHeaderLabels([f"{first + timedelta(days=d):%a}" for d in range(7)])
        for d in range(7):
            self.horizontalHeaderItem(d).setToolTip(f"{first + timedelta(days=d):%A}")
        self.setRowCount(weeks)
        for week in range(weeks):
            for column in range(7):
                day = first + timedelta(days=7 * week + column)
                self.setItem(week, column, self._day_cell(day, by_day.get(day, [])))
                for entry in by_day.get(day, []):
                    if isinstance(entry, DutyLook):
                        self.cells[entry.duty.id] = (week, column)
                    else:
                        self.patrol_cells[entry.id] = (week, column)
        self.date_rows = list(range(weeks))
        header = self.verticalHeader()
        header.setMinimumSectionSize(3 * MonthDelegate.line_height(QFontMetrics(self.font())))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def _day_cell(self, day: date, entries: list[DutyLook | RosterPatrol]) -> QTableWidgetItem:
        lines: list[MonthEntry] = []
        tips = [f"{day:%A %d %B %Y}" + (" (today)" if day == self.today else "")]
        titles = [e.duty.title for e in entries if isinstance(e, DutyLook)]
        for entry in entries:
            tagged = isinstance(entry, DutyLook) and titles.count(entry.duty.title) > 1
            left, right = month_line(entry, tagged)
            if isinstance(entry, RosterPatrol):
                lines.append(MonthEntry(left, right, PATROL_TONES.get(entry.status, "planned"), None, italic=True))
                status = PATROL_STATUS_NAMES.get(entry.status, entry.status)
                tips.append(f"{entry.title}\n{local_time(entry.start):%H:%M}–{local_time(entry.end):%H:%M} · "
                            f"{status} · joint patrol (Team ▸ Patrols)\nOn it: {', '.join(entry.crew) or 'no crew'}")
            else:
                where = entry.duty.station or entry.duty.area
                lines.append(MonthEntry(left, right, MONTH_TONES.get(entry.state, "done"), entry.duty.id,
                                        struck=entry.state == "cancelled",
                                        tag=f"{station_tag(where)} " if tagged and where else ""))
                tips.append(entry.tooltip)
        cell = QTableWidgetItem("\n".join([self.date_text(day), *(f"{e.left} {e.right}" for e in lines)]))
        cell.setData(DAY_DATE, day)
        cell.setData(DAY_ENTRIES, lines)
        cell.setToolTip("\n\n".join(tips) + ("\n\nEnter or double-click: the day's duties one by one"
                                              if entries else ""))
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
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

    def _patrol_cell(self, patrol: RosterPatrol) -> QTableWidgetItem:
        status = PATROL_STATUS_NAMES.get(patrol.status, patrol.status)
        marker = f"▶ {status.lower()}" if patrol.status == "in_progress" else status.lower()
        span = f"{local_time(patrol.start):%H:%M}–{local_time(patrol.end):%H:%M}"
        crew = ", ".join(patrol.crew) or "no crew"
        text = f"{span}\n{patrol.title}\ncrew {len(patrol.crew)}\n{marker}"
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
            self._fit_heights()

    def _fit_heights_soon(self, *_args: object) -> None:
        if not self._heights_due:  # seven columns resize at once: one pass for all of them
            self._heights_due = True
            QTimer.singleShot(0, self, self._fit_heights)

    def _fit_heights(self) -> None:
        self._heights_due = False
        if self.month is None:  # a month's rows share the height (Stretch)
            self.resizeRowsToContents()
        else:
            self.verticalHeader().setMinimumSectionSize(3 * MonthDelegate.line_height(QFontMetrics(self.font())))

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
        if self.month is None:
            self.resizeRowsToContents()  # wrapped text needs new heights when the columns change width
