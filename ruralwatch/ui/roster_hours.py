"""The roster panel's Hours tab: hours each volunteer gave per month against their commitment, totals by station
and kind, and export as CSV, XLSX or PDF (the PDF written off the UI thread)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.vocab import DUTY_KIND_NAMES, HOURS_STATUS_NAMES, PERSON_ROLE_NAMES
from ruralwatch.io.exports import check_target
from ruralwatch.services.hours import HoursService, HoursSummary
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_people import (
    bold,
    hours_text,
    minutes_text,
    show_status,
    status_label,
    to_qdate,
    with_buddy,
)
from ruralwatch.ui.widgets import item, make_table, select_part_on_click
from ruralwatch.ui.widgets.flow_layout import FlowLayout, together

STATUS_TIPS = {"below": "below", "over": "over the commitment", "so_far": "so far: the month is not over",
               "to_come": "to come: the month has not started"}
MONTH_LABELS = {"from": "Since", "to": "Until"}  # the service's field names, as the boxes are labelled
FORMATS = {".csv": "CSV (*.csv)", ".xlsx": "Excel workbook (*.xlsx)", ".pdf": "PDF report (*.pdf)"}


def _month_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day.replace(day=1)))
    edit.setDisplayFormat("yyyy-MM")
    edit.setCalendarPopup(True)
    # Select all and type "2027-01": Qt dropped the year typed over the selection and took only the month, so the
    # box said 2026-01 ("the period ends before it starts"). Select all now selects the year to type over.
    select_part_on_click(edit)
    return edit


def _month(edit: QDateEdit) -> str:
    return edit.date().toString("yyyy-MM")


def _month_label(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%b %Y")


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


class HoursTab(QWidget):
    shown = Signal(object)  # HoursSummary
    exported = Signal(object)  # Path
    TOTAL = 1  # the table's Total column, straight after the name
    FIRST_MONTH = 2  # the first month's column

    def __init__(self, hours: HoursService, ops: Operations, problems: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hours = hours
        self.ops = ops
        self.problems = problems
        self.summary: HoursSummary | None = None
        self.months: list[str] = []
        # The month running as the hours service's clock says, the clock that judges "so far" and "to come".
        this_month = date.fromisoformat(f"{hours.this_month()}-01")
        # Last month and this one: three months docked at 1366x768 cut the running month off at the right edge.
        self.month_from = _month_edit(_months_before(this_month, 1))
        self.month_to = _month_edit(this_month)
        for edit in (self.month_from, self.month_to):
            edit.dateChanged.connect(self.refresh)
        self.include_left = QCheckBox("Include people &who have left")
        self.include_left.toggled.connect(self.refresh)
        self.export_buttons = []
        controls = FlowLayout()  # wraps in a docked panel at 1366x768 (it was 790 px wide, half of it off-screen)
        controls.addWidget(together(with_buddy("&Since", self.month_from), self.month_from))
        controls.addWidget(together(with_buddy("&Until", self.month_to), self.month_to))
        controls.addWidget(self.include_left)
        for text, suffix in (("&Export CSV…", ".csv"), ("Export &XLSX…", ".xlsx"), ("Export &PDF…", ".pdf")):
            button = QPushButton(text)
            button.clicked.connect(lambda _checked=False, s=suffix: self.export(suffix=s))
            controls.addWidget(button)
            self.export_buttons.append(button)
            button.setVisible(hours.store.actor.can("export.data"))  # not offered to a role that may not export

        self.table = make_table(["Name"])
        self.table.setSelectionBehavior(self.table.SelectionBehavior.SelectItems)
        # By pixels, so bringing the running month into view moves the names as little as it can.
        self.table.setHorizontalScrollMode(self.table.ScrollMode.ScrollPerPixel)
        self.table.horizontalScrollBar().rangeChanged.connect(self.show_this_month)
        self.status = status_label()
        self.by_station = make_table(["Station", "Hours"])
        self.by_kind = make_table(["Kind", "Hours"])
        totals = QWidget()
        totals_layout = QHBoxLayout(totals)
        totals_layout.setContentsMargins(0, 0, 0, 0)
        for title, table in (("Total by station", self.by_station), ("Total by kind of duty", self.by_kind)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            totals_layout.addWidget(box)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(totals)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        totals.setMinimumHeight(self.by_station.verticalHeader().defaultSectionSize() * 7 + 40)
        # Whose hours: a Special sees only their own (roster.all_hours, the rule the CLI and exports follow too).
        self.sees_everyone = hours.sees_everyone()
        self.own_person_id = hours.own_person_id()
        whose = "Everyone's hours" if self.sees_everyone else "Your own hours"
        # Where the figures come from and who puts them right: a new Special could not tell (a walk at 1366x768).
        self.source = QLabel(f"<b>{whose}</b>, counted from duties once marked completed and joint patrols once "
                             "ended (their logged start to end). A duty or patrol missing, or hours wrong? Your "
                             "Specials coordinator marks duties completed and corrects them.")
        self.source.setWordWrap(True)
        legend = QLabel("Hours given / monthly commitment, + hours planned (duties and patrols still to come). "
                        "Red and “below”: under commitment in a finished month; "
                        "“so far”: the month still running (“to come”: not started), never below yet; “over”: "
                        "given and planned pass it; “—”: before the person was added.")
        legend.setWordWrap(True)
        legend.setStyleSheet(theme.hint_style())
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.source)
        layout.addWidget(legend)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        # Worked out when first shown (or asked for), not with the window: the summary needs pandas, which the
        # window otherwise never loads before an analysis (about 50 MB; issue 21).

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        if self.summary is None:
            self.refresh()
        super().showEvent(event)

    def refresh_if_loaded(self) -> None:
        """Refresh if the summary has been worked out before (else the first show does it)."""
        if self.summary is not None:
            self.refresh()

    def report(self, message: str, problem: bool = True) -> None:
        if problem:
            self.problems.append(message)
        show_status(self.status, message, problem)

    def set_months(self, month_from: str, month_to: str) -> None:
        """Show `YYYY-MM` to `YYYY-MM` (inclusive)."""
        for edit, month in ((self.month_from, month_from), (self.month_to, month_to)):
            edit.blockSignals(True)
            edit.setDate(QDate.fromString(month + "-01", "yyyy-MM-dd"))
            edit.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        try:
            summary = self.hours.summary(_month(self.month_from), _month(self.month_to),
                                         include_inactive=self.include_left.isChecked())
        except ValidationError as exc:
            # In the boxes' own words ("Until: ..."), not the service's field names ("to: ...").
            self.report("Hours not shown: " + "; ".join(
                f"{MONTH_LABELS.get(e.field, e.field)}: {e.message}" for e in exc.errors))
            return
        except RuralWatchError as exc:
            self.report(f"Hours not shown: {exc}")
            return
        self.summary = summary
        show_status(self.status, "")
        frame = summary.by_person
        self.months = sorted(set(frame["month"])) if len(frame) else []
        # The total straight after the name, then the months: docked at 1366x768 the last month and the total were
        # off to the right (and role and station, before them, had pushed the hours out of view).
        headers = ["Name", "Total", *(_month_label(m) for m in self.months), "Below commitment", "Role", "Station"]
        after = self.FIRST_MONTH + len(self.months) + 1  # role, then station
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        people = frame.drop_duplicates("person_id")[["person_id", "name", "role", "station"]].values.tolist()
        # The signed-in person's own line first (stable sort: the others stay by name), marked as theirs.
        people.sort(key=lambda person: person[0] != self.own_person_id)
        self.table.setRowCount(len(people))
        self.below_rows: set[int] = set()
        below_tone = theme.tone("problem")
        for row, (person_id, name, role, station) in enumerate(people):
            lines = frame[frame["person_id"] == person_id].set_index("month")
            below_months = 0
            for column, month in enumerate(self.months, start=self.FIRST_MONTH):
                if month not in lines.index:
                    continue
                line = lines.loc[month]
                if not bool(line["applies"]):  # before the person was added: nothing to judge, no colour
                    hours = float(line["hours"])
                    cell = item(f"{hours_text(hours)} h" if hours else "—", number=True)
                    cell.setToolTip(f"{name}, {month}: before they were added; no commitment that month")
                    self.table.setItem(row, column, cell)
                    continue
                # The month's status by the service's one rule (as the PDF, CSV and CLI print it): only a finished
                # month can be "below"; the one running is "so far".
                status = str(line["status"])
                below = status == "below"
                given, committed, planned = float(line["hours"]), float(line["commitment"]), float(line["planned"])
                text = f"{hours_text(given)} / {hours_text(committed)} h"
                # What the roster already holds for the month: auto-fill's share is seen before the month is over.
                if planned:
                    text += f" + {hours_text(planned)} planned"
                word = HOURS_STATUS_NAMES.get(status, "")
                cell = item(text + (f" · {word}" if word else ""), number=True)
                cell.setToolTip(f"{name}, {month}: {minutes_text(given)} given of {minutes_text(committed)} committed"
                                + (f", {minutes_text(planned)} more planned" if planned else "")
                                + (f" ({STATUS_TIPS[status]})" if status in STATUS_TIPS else ""))
                if below:
                    below_months += 1
                    cell.setBackground(below_tone.background)
                    cell.setForeground(below_tone.text)
                self.table.setItem(row, column, cell)
            total = float(lines["hours"].sum())
            judged = int(lines["judged"].sum())
            committed = float(lines.loc[lines["applies"], "commitment"].sum())
            own = person_id == self.own_person_id
            name_cell = bold(item(f"{name} (you)", person_id)) if own and self.sees_everyone else item(name, person_id)
            if below_months:
                self.below_rows.add(row)
                name_cell.setBackground(below_tone.background)
                name_cell.setForeground(below_tone.text)
            self.table.setItem(row, 0, name_cell)
            self.table.setItem(row, after, item(PERSON_ROLE_NAMES.get(role, role)))
            self.table.setItem(row, after + 1, item(station))
            self.table.setItem(row, self.TOTAL,
                               item(f"{hours_text(total)} / {hours_text(committed)} h", number=True))
            # Out of the finished months with a commitment: a month still running is not one it could be below in.
            below_cell = item(f"below in {below_months} of {judged} finished" if below_months else "—")
            if below_months:
                below_cell.setForeground(theme.error_colour())
            self.table.setItem(row, self.FIRST_MONTH + len(self.months), below_cell)
        theme.fit_columns_to_font(self.table)  # and again when Larger text changes the font (cut off before)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for table, frame_part, label in ((self.by_station, summary.by_station, "Station"),
                                         (self.by_kind, summary.by_kind, "Kind")):
            rows = frame_part.values.tolist()
            table.setRowCount(len(rows) + 1)
            for row, (key, hours) in enumerate(rows):
                name = DUTY_KIND_NAMES.get(key, key) if label == "Kind" else key
                table.setItem(row, 0, item(name))
                table.setItem(row, 1, item(hours_text(float(hours)), number=True))
            table.setItem(len(rows), 0, bold(item("All")))
            table.setItem(len(rows), 1, bold(item(hours_text(float(sum(h for _, h in rows))), number=True)))
            theme.fit_columns_to_font(table)
        if not people:
            show_status(self.status, "No hours of yours to show: your account is not linked to your entry in the "
                        "roster. Ask an administrator to link it (Account ▸ Accounts…)."
                        if not self.sees_everyone and not self.own_person_id
                        else "No volunteers to show for these months.")
        self.shown.emit(summary)
        self.show_this_month()

    def this_month_column(self) -> int | None:
        """The column of the month running now, else the nearest month shown (the last one, for a past span)."""
        if not self.months:
            return None
        this_month = self.hours.this_month()
        shown = [m for m in self.months if m <= this_month] or self.months[:1]
        return self.FIRST_MONTH + self.months.index(shown[-1])

    def show_this_month(self, *_args: object) -> None:
        """For one's own hours, scroll just far enough that the month running now is whole in view, over a span
        too wide for the panel (their own name may go; the one month a volunteer looks at was cut off at the right
        edge). Again whenever the table's width changes. Those who see everyone keep the names in view."""
        column = self.this_month_column()
        if column is None or self.sees_everyone:
            return
        header = self.table.horizontalHeader()
        bar = self.table.horizontalScrollBar()
        right = header.sectionPosition(column) + header.sectionSize(column)
        left = header.sectionPosition(column)
        width = self.table.viewport().width()
        # From the left edge each time (a resize mid-refresh had scrolled by the old, wider columns).
        bar.setValue(max(0, min(right - width, left)))

    def below_commitment(self) -> list[str]:
        """Names of the people shown below their commitment in at least one month."""
        return [self.table.item(row, 0).text() for row in sorted(self.below_rows)]

    def export(self, path: Path | None = None, suffix: str = ".csv") -> None:
        """Write what is shown: CSV and XLSX at once, the PDF off the UI thread. `exported` fires when done."""
        summary = self.summary
        if summary is None:
            self.report("Nothing to export: choose months first.")
            return
        if path is None:
            suggested = Path.home() / f"volunteer-hours-{summary.month_from}-to-{summary.month_to}{suffix}"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export hours", str(suggested), FORMATS[suffix])
            if not chosen:
                return
            path = Path(chosen)
            if path.suffix.lower() not in FORMATS:
                path = path.with_name(path.name + suffix)
        try:
            target = check_target(path)
        except RuralWatchError as exc:
            self.report(f"Not exported: {exc}")
            return
        if target.suffix.lower() != ".pdf":
            try:
                self.hours.export(summary, target)
            except (RuralWatchError, OSError) as exc:
                self.report(f"Not exported: {exc}")
                return
            self._exported(target)
            return
        def failed(exc: BaseException) -> None:
            self.report(f"Not exported: {exc}")

        self.report(f"Writing {target.name}…", problem=False)
        self.ops.run("Writing the hours report…",
                     lambda services, _progress: services.hours.export(summary, target), self._exported,
                     on_failed=failed)

    def _exported(self, target: Path) -> None:
        self.report(f"Saved {target}.", problem=False)
        self.exported.emit(target)
