"""The analyst's panel: hotspots, forecast accuracy, harm by area, timing and near repeats (the Knox test), all
run off the UI thread."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.analysis.figures import area_table, concentration_text
from ruralwatch.analysis.hotspots import Hotspot
from ruralwatch.analysis.options import hotspot_value, value_help, value_name
from ruralwatch.core.crime_types import type_choices, type_groups
from ruralwatch.core.errors import CancelledError, ValidationError
from ruralwatch.core.kinds import is_kind
from ruralwatch.core.month_split import span_text
from ruralwatch.core.permissions import role_may_not
from ruralwatch.io.report import ReportSection, analysis_report_html, hotspot_table
from ruralwatch.mapping.geography import Geography
from ruralwatch.services.analysis import (
    DEFAULT_BANDWIDTH_M,
    DEFAULT_CELL_M,
    REPORT_SOURCES,
    AnalysisService,
    HotspotQuery,
    HotspotRun,
)
from ruralwatch.services.container import Services
from ruralwatch.services.near_repeat import ZONE_KINDS, KnoxQuery, KnoxRun
from ruralwatch.ui import settings_keys, theme
from ruralwatch.ui.alert_dialog import AlertComposeDialog
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask, Progress
from ruralwatch.ui.widgets import FieldMarks, fit_to_width, make_table, vocab_combo
from ruralwatch.ui.widgets.type_choice import TypeChoice

if TYPE_CHECKING:  # pandas is loaded when an analysis runs, not with the window (issue 21)
    import pandas as pd

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
METHOD_NAMES = {
    "naive": "Last period's counts (baseline)", "grid": "Grid (weighted)", "kde": "Kernel density",
    "gistar": "Getis-Ord Gi*", "blend": "Blend (recency, neighbourhood, near repeats)",
}


SOURCE_NAMES = {"published": "published crime (data.police.uk)", "incidents": "our incidents",
                "all": "published crime and our incidents, each month from one"}
# Each tab's Data box: "Both" counts each month from one source (core.month_split), never the two added.
SOURCE_CHOICES = (("published", "Published crime (data.police.uk)"), ("incidents", "Our incidents"),
                  ("all", "Both, each month once"))
BOTH_TIP = ("Both: published crime for the months the force's published crime holds, our incidents for the rest "
            "(the months not out yet, any month not imported), so a crime we recorded that was later published "
            "counts once. The line under the result names the months of each.")


def _source_combo() -> QComboBox:
    combo = vocab_combo(SOURCE_CHOICES)
    combo.setToolTip(BOTH_TIP)
    return combo


def _trend_table(trend: pd.DataFrame | None) -> pd.DataFrame | None:
    if trend is None:
        return None
    import pandas as pd

    table = trend.rename(columns={"month": "Month", "count": "Crimes", "count_year_before": "A year before"})
    for column in ("Crimes", "A year before"):
        # Kept as Python ints beside None: a plain list made a float column and the report wrote "14,786.00".
        table[column] = pd.Series([None if pd.isna(v) else int(v) for v in table[column]], dtype=object)
    return table


def _round_axis(peak: float) -> tuple[int, int]:
    """(top, tick count) of a count axis from 0 in whole steps of 1, 2, 2.5 or 5 times a power of ten, at most
    five intervals: the default split 0..peak×1.1 into 0, 1590, 3180, 4770, 6361 (and 0, 0, 1, 2, 3 for few)."""
    wanted = max(peak * 1.05, 1.0)  # a little headroom above the highest month
    scale = 1
    while True:
        for factor in (1.0, 2.0, 2.5, 5.0):
            step = factor * scale
            if step != int(step):
                continue
            intervals = math.ceil(wanted / step)
            if intervals <= 5:
                return int(intervals * step), intervals + 1
        scale *= 10


def _png_bytes(widget: QWidget) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    return bytes(buffer.data())


def _month_edit(placeholder: str, optional: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setInputMask("")
    edit.setMaxLength(7)
    _fit_placeholder(edit, optional)
    return edit


def _fit_placeholder(edit: QLineEdit, optional: str = "") -> None:
    """Never narrower than its placeholder: at 1366x768 the Hotspots period boxes read 'from YYYY-MM (...'.
    `optional`: what a blank box means, said in the tooltip rather than the box."""
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 16)
    if optional:
        edit.setToolTip(f"Optional: {optional}")


REPORT_STEPS = 9  # the hotspots' four, then reading, areas, concentration, timing and writing
ACCURACY_HELP = ("PAI: share of test crimes in the top cells divided by their share of the area (higher is better). "
                 "PEI: how close to the best possible (1 = perfect).")
NEXT_TO_HELP = ("Where the hotspot is: its ward and district. \"(next to 3)\": the cell touches hotspot 3's cell (or "
                "a hotspot cell that does), so the two are one place spread over neighbouring cells.")
# The Accuracy table's methods, short enough for the table to fit the panel without scrolling sideways (at
# 1366x768 only 'PAI 1%' showed beside the long names); the long name is each row's tooltip.
METHOD_SHORT = {"naive": "Baseline", "grid": "Grid", "kde": "KDE", "gistar": "Gi*", "blend": "Blend"}


def _area_combo(geography: Geography) -> QComboBox:
    combo = QComboBox()
    _fill_areas(combo, geography)
    return combo


def _fill_areas(combo: QComboBox, geography: Geography) -> None:
    """"All of <force>" then the force's districts; keeps the chosen district when it is still there."""
    current = combo.currentData()
    combo.clear()
    combo.addItem(f"All of {geography.force.name}", None)
    for area in geography.areas.districts():
        combo.addItem(area.name, area.name)
    index = combo.findData(current) if current else 0
    combo.setCurrentIndex(max(index, 0))


def _text_frame(headings: list[str], rows: list[list[str]]) -> pd.DataFrame:
    import pandas as pd  # a report is being made from frames: pandas is loaded already

    return pd.DataFrame(rows, columns=headings)


def _fill_table(table: QTableWidget, headers: list[str], rows: list[list[Any]], right: Iterable[int] = ()) -> None:
    """Numbers right-aligned with thousands commas; `right`: columns of figures given as text, aligned so too."""
    right = set(right)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                text = ""
            else:
                # Counts with their thousands comma, as the floats beside them ('8235' next to '797,020.80').
                text = (f"{value:,.2f}" if isinstance(value, float)
                        else f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value))
            item = QTableWidgetItem(text)
            if isinstance(value, (int, float)) or c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _names_give_way(table: QTableWidget, column: int) -> None:
    """The figures whole, the place names elided (whole in their tooltips): at 1366x768 the docked Hotspots table
    sized "Ravensthorpe, Peterborough" to its text and cut the harm column to "19,32", and the Areas table's
    "(outside every district)" pushed its harm per km² out of sight."""
    for row in range(table.rowCount()):
        cell = table.item(row, column)
        if cell is not None:
            cell.setToolTip(cell.text())
    fit_to_width(table, column)


def _status_label(text: str = "") -> QLabel:
    """A wrapped status line that grows to show all its lines instead of being clipped by the table below."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    # Height-for-width is not honoured inside a dock with a stretching table below: reserve three lines.
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * 3 + 4)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


HOUR_TABLE_BEFORE_RUN = ("Press Show timing: the hours and days of the week our own incidents happened (UK time) "
                         "show here. Published crime gives only the month of each crime, so this table comes from "
                         "the incidents recorded in RuralWatch.")


def hour_table_note(result: dict[str, Any], force: str, can_record: bool = True) -> str:
    """Why the hour-by-weekday table of a timing result is empty, and what would fill it. `can_record`: whether the
    reader may record incidents (an analyst was told to press New incident, greyed for them)."""
    total = int(result.get("incidents_total") or 0)
    if not total:
        return ("No incidents of our own are recorded yet, so there are no times of day to show: published crime "
                "(data.police.uk) gives only the month of each crime, never the time. This table fills in as "
                + ("incidents are recorded (New incident, Ctrl+N) or arrive from other laptops by sync."
                   if can_record else "officers record incidents, here or on laptops that sync with this one."))
    area, month_from, month_to = result.get("area"), result.get("month_from"), result.get("month_to")
    where = f" in {area}" if area else ""
    if month_from or month_to:
        where += f" from {month_from or 'the first'} to {month_to or 'the latest'} month"
    ours = f"None of our incidents ({total:,} in all)"
    if not where:
        return f"{ours} has a time to show."
    other = f"another district or All of {force}" if area else "a longer period"
    return f"{ours} happened{where}. Choose {other} to see when ours happen."


def season_note(result: dict[str, Any]) -> str:
    """The hare coursing season line of a timing result, in words for its source: it always comes from our own
    incidents (published crime has no hare coursing category), and 'No hare coursing incidents recorded' under a
    published-crime chart read as if the published data held none."""
    season = result["season"]
    ours = "incidents of ours (published crime has no such category)" if result.get("source") == "published" \
        else "reports"
    if season is not None and len(season):
        totals = ", ".join(f"{label}: {int(row.sum())}" for label, row in season.iterrows())
        return f"Hare coursing {ours} per season (September to March): {totals}."
    area, month_from, month_to = result.get("area"), result.get("month_from"), result.get("month_to")
    where = f" in {area}" if area else ""
    if month_from or month_to:
        where += f" from {month_from or 'the first'} to {month_to or 'the latest'} month"
    if result.get("source") == "published":
        return ("Hare coursing by season comes from our own incidents: published crime has no hare coursing "
                f"category. None of ours{where} is hare coursing.")
    return f"None of our incidents{where} is hare coursing."


def _not_done(exc: BaseException) -> str:
    """A refused run in the tab's status line: the messages alone ("train_from: no crimes…" and the Knox tab's
    "kinds: 0 incident(s)…" showed a code name the panel labels otherwise)."""
    text = "; ".join(e.message for e in exc.errors) if isinstance(exc, ValidationError) else str(exc)
    return f"Not done: {text[:1].upper()}{text[1:]}"


def _buddy(text: str, widget: QWidget) -> QLabel:
    """A label whose Alt+letter moves the focus to `widget` (for rows of several widgets)."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _table() -> QTableWidget:
    """A results table: the columns come with the results (`_fill_table`); several rows may be selected."""
    return make_table(selection=QAbstractItemView.SelectionMode.ExtendedSelection, alternating=False,
                      stretch_last=False)


class AnalysisPanel(QWidget):
    """Runs analyses in the background (each with its own database connection) and shows the results."""

    hotspots_ready = Signal(object)  # HotspotRun
    evaluation_ready = Signal(object)  # dict
    areas_ready = Signal(object)
    timing_ready = Signal(object)
    report_saved = Signal(object)  # Path
    knox_ready = Signal(object)  # KnoxRun
    knox_zone_saved = Signal(object)  # SavedKnoxZone

    def __init__(self, services: Services, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ops = ops
        self.last_run: HotspotRun | None = None
        self.last_knox: KnoxRun | None = None
        # One crime type choice for every tab, above them: an analyst who left shoplifting out of Hotspots saw it
        # counted again in Areas. Both lists (published types, our kinds); each tab takes those of its data.
        self.types = TypeChoice("Crime types")
        self.types.setToolTip("Which crimes count on every tab (Hotspots, Accuracy, Areas, Time, Knox) and in the "
                              "report. Click to choose.")
        self.types.set_groups(type_groups(), tuple(settings_keys.ANALYSIS_TYPES_LEFT_OUT.read().split("\n")))
        self.types.changed.connect(
            lambda: settings_keys.ANALYSIS_TYPES_LEFT_OUT.write("\n".join(self.types.left_out())))
        tabs = QTabWidget()
        tabs.addTab(self._hotspots_tab(), "Hotspots")
        tabs.addTab(self._accuracy_tab(), "Accuracy")
        tabs.addTab(self._areas_tab(), "Areas")
        # The charts page scrolls itself: its two charts' heights made it the tallest page, and a panel as tall as
        # its tallest page scrolled the whole dock (tab bar and all) on every tab at 1366x768.
        self.time_page = self._time_tab()
        time_scroll = QScrollArea()
        time_scroll.setWidgetResizable(True)
        time_scroll.setFrameShape(QFrame.Shape.NoFrame)
        time_scroll.setWidget(self.time_page)
        tabs.addTab(time_scroll, "Time")
        # "Knox": the five names fit a narrow dock (at 1366x768 "Near-repeat (Knox)" was cut off).
        tabs.addTab(self._near_repeat_tab(), "Knox")
        tabs.setTabToolTip(tabs.count() - 1, "Near repeats: the Knox test, and the near-repeat zone it justifies")
        self.tabs = tabs
        tabs.currentChanged.connect(self._tab_shown)
        self._data_chosen = False  # each tab's Data box set to what is held, when the panel is first shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        types_row = QHBoxLayout()
        types_row.addWidget(self.types)
        types_row.addStretch(1)
        layout.addLayout(types_row)
        layout.addWidget(tabs)

    # --- background work ----------------------------------------------------------------------------------


    def reload_geography(self) -> None:
        """The force or its districts changed: refill the district choices."""
        geography = self.services.geography.current()
        for combo in (self.area, self.time_area):
            _fill_areas(combo, geography)
    def _in_background(self, title: str, work: Callable[[AnalysisService, Progress], Any],
                       done: Callable[[Any], None], status: QLabel, marks: FieldMarks | None = None) -> None:
        """`marks`: the tab's fields, outlined when the service names them (the Accuracy tab said 'Give a month,
        YYYY-MM' with four month boxes and none marked)."""
        def failed(exc: BaseException) -> None:
            # The messages alone: "train_from: no crimes…" showed a code name the panel labels otherwise.
            if isinstance(exc, ValidationError) and marks is not None:
                marks.show(exc)
            status.setText(_not_done(exc))
            status.setStyleSheet(theme.error_style(bold=False))

        if marks is not None:
            marks.clear()
        status.setText(f"{title}…")
        status.setStyleSheet("")
        self.ops.run(title, lambda services, progress: work(services.analysis, progress), done, on_failed=failed)

    # --- hotspots -----------------------------------------------------------------------------------------

    def _hotspots_tab(self) -> QWidget:
        page = QWidget()
        self.source = _source_combo()
        self.method = vocab_combo((("kde", "Kernel density (quartic)"), ("grid", "Grid counts"),
                              ("gistar", "Getis-Ord Gi* (significant)")))
        self.weight = vocab_combo((("harm", "Crime harm (CCHI days)"), ("count", "Count")))
        self.month_from = _month_edit("from YYYY-MM", "blank: from the first month held")
        self.month_to = _month_edit("to YYYY-MM", "blank: to the latest month held")
        self.top_n = QSpinBox()
        self.top_n.setRange(1, 500)
        self.top_n.setValue(20)
        self.top_n.setSuffix(" places")
        # One per place by default: a walk's 20 hotspots were 3 town centres' neighbouring cells, Castle in
        # Colchester five times. Unticked, every cell is ranked and a neighbour says "next to N".
        self.one_per_place = QCheckBox("One per place")
        self.one_per_place.setChecked(True)
        self.one_per_place.setToolTip("Ticked: a cell within the bandwidth of a hotter hotspot (kernel density) or "
                                      "touching one (grid, Gi*) is part of that place and not listed again. "
                                      "Unticked: every cell is ranked; a neighbour's Area says \"next to N\".")
        self.one_per_place.toggled.connect(
            lambda on: self.top_n.setSuffix(" places" if on else " cells"))
        self.cell_m = QSpinBox()
        self.cell_m.setRange(50, 5000)
        self.cell_m.setSingleStep(50)
        self.cell_m.setValue(int(DEFAULT_CELL_M))
        self.cell_m.setSuffix(" m")
        self.bandwidth_m = QDoubleSpinBox()
        self.bandwidth_m.setRange(50, 20_000)
        self.bandwidth_m.setSingleStep(250)
        self.bandwidth_m.setDecimals(0)
        self.bandwidth_m.setValue(DEFAULT_BANDWIDTH_M)
        self.bandwidth_m.setSuffix(" m")
        self.bandwidth_m.setToolTip("Kernel bandwidth (KDE) and neighbourhood radius (Gi*)")
        period = QHBoxLayout()
        period.addWidget(self.month_from)
        period.addWidget(self.month_to)
        form = QFormLayout()
        self.area = _area_combo(self.services.geography.current())
        # Alt+letters in the panels avoid the menu bar's (F I T V M A C H) and the incident filters' (R O L):
        # a dock is part of the main window, so Qt would alternate between the two (tests/ui/test_keyboard.py).
        form.addRow("&Data", self.source)
        form.addRow("Di&strict", self.area)
        form.addRow("M&ethod", self.method)
        form.addRow("Wei&ght", self.weight)
        form.addRow(_buddy("&Period", self.month_from), period)
        top = QHBoxLayout()
        top.addWidget(self.top_n)
        top.addWidget(self.one_per_place, 1)
        form.addRow(_buddy("Sho&w top", self.top_n), top)
        form.addRow("Cell si&ze", self.cell_m)
        form.addRow("&Bandwidth", self.bandwidth_m)
        self.run_button = QPushButton("Fi&nd hotspots")
        self.run_button.clicked.connect(self.run_hotspots)
        for edit in (self.month_from, self.month_to):
            edit.returnPressed.connect(self.run_hotspots)
        self.hotspot_status = _status_label()
        self.hotspot_table = _table()
        self.alert_button = QPushButton("Communit&y alert from hotspot…")
        self.alert_button.setToolTip("Compose an alert to the community for the ward (or district) of the selected "
                                     "hotspot; a supervisor approves it before it is sent")
        self.alert_button.setEnabled(False)
        if not self.services.store.actor.can("alerts.compose"):
            self.alert_button.setToolTip(f"{self.alert_button.toolTip()}. {role_may_not('alerts.compose')}")
        self.alert_button.clicked.connect(self.alert_from_hotspot)
        self.hotspot_table.itemSelectionChanged.connect(
            lambda: self.alert_button.setEnabled(self.services.store.actor.can("alerts.compose")
                                                 and self.selected_hotspot() is not None))
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.run_button)
        layout.addWidget(self.hotspot_status)
        layout.addWidget(self.hotspot_table, 1)
        layout.addWidget(self.alert_button)
        return page

    def selected_hotspot(self) -> Hotspot | None:
        rows = self.hotspot_table.selectionModel().selectedRows() if self.hotspot_table.selectionModel() else []
        if self.last_run is None or not rows or rows[0].row() >= len(self.last_run.hotspots):
            return None
        return self.last_run.hotspots[rows[0].row()]

    def alert_from_hotspot(self) -> AlertComposeDialog | None:
        """The compose dialog for the selected hotspot's area (kind: the one kind analysed, else "suspicious
        activity"; the officer chooses)."""
        hotspot = self.selected_hotspot()
        if hotspot is None or self.last_run is None:
            return None
        kinds = [k for k in self.last_run.query.kinds if is_kind(k)]
        draft = self.services.alerts.draft_for_point(hotspot.centre_lat, hotspot.centre_lon,
                                                     kinds[0] if len(kinds) == 1 else "suspicious_activity")
        dialog = AlertComposeDialog(self.services, draft, parent=self)
        dialog.show()
        return dialog

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._data_chosen:
            self._data_chosen = True
            self.start_on_held_data()

    def start_on_held_data(self) -> None:
        """With no published crime imported, each tab's Data starts on our incidents: a new analyst's first runs
        on published crime found nothing ("0 hotspots from 0 crimes") and nothing said why."""
        if not self.services.published.any_held():
            for combo in (self.source, self.eval_source, self.area_source, self.time_source):
                combo.setCurrentIndex(combo.findData("incidents"))

    def chosen_types(self, source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(only these, leave out these) of the panel's choice for a tab's data (`source`, or "all" for both
        lists): the shorter list, so the summary names the fewer types ('Burglary, Vehicle crime' rather than 'all
        but' eleven others). None of the data's types ticked: all left out, which the service refuses in words."""
        held = {key for key, _name in type_choices(source)}
        chosen = tuple(key for key in self.types.chosen() if key in held)
        left_out = tuple(key for key in self.types.left_out() if key in held)
        if not left_out:
            return (), ()
        return (chosen, ()) if chosen and len(chosen) <= len(left_out) else ((), left_out)

    def hotspot_query(self) -> HotspotQuery:
        kinds, exclude_kinds = self.chosen_types(self.source.currentData())
        return HotspotQuery(
            method=self.method.currentData(), weight=self.weight.currentData(), source=self.source.currentData(),
            month_from=self.month_from.text().strip() or None, month_to=self.month_to.text().strip() or None,
            top_n=self.top_n.value(), cell_m=float(self.cell_m.value()), bandwidth_m=self.bandwidth_m.value(),
            radius_m=self.bandwidth_m.value(), area=self.area.currentData(), places=self.one_per_place.isChecked(),
            kinds=kinds, exclude_kinds=exclude_kinds,
        )

    def run_hotspots(self) -> None:
        query = self.hotspot_query()
        self.hotspot_status.setToolTip("")  # the last run's types
        self._in_background("Finding hotspots", lambda service, progress: service.hotspots(query, progress),
                            self._show_hotspots, self.hotspot_status)

    def _show_hotspots(self, run: HotspotRun) -> None:
        self.last_run = run
        # What the value counts: "Density /km²" did not say of what (harm days or crimes).
        headers = ["Rank", "Area", value_name(run.query.method, run.query.weight)] + (
            ["z"] if run.query.method == "gistar" else [])
        rows = [[h.rank, area, hotspot_value(h.value, run.query.weight)]
                + ([round(h.z or 0.0, 2)] if run.query.method == "gistar" else [])
                for h, area in zip(run.hotspots, run.labels(), strict=True)]
        _fill_table(self.hotspot_table, headers, rows)
        _names_give_way(self.hotspot_table, 1)
        # What the figure is, in plain words, where the user looks: the column's heading and its cells.
        help_text = value_help(run.query.method, run.query.weight)
        self.hotspot_table.horizontalHeaderItem(2).setToolTip(help_text)
        for row in range(self.hotspot_table.rowCount()):
            self.hotspot_table.item(row, 2).setToolTip(help_text)
        self.hotspot_table.horizontalHeaderItem(1).setToolTip(NEXT_TO_HELP)
        # In a docked panel at 1366x768 the summary ran to six lines and more, and the dock scrolled: it counts the
        # crime types ('all but 7 types') and leaves the study area (the Counted line says it) and the outline's
        # source to its tooltip, which has it all, as the report does.
        tail = (f"\n{run.months_note()}" if run.months else "") + (f"\n{run.warning}" if run.warning else "")
        self.hotspot_status.setText(f"{run.count_words()} from {run.points:,} crimes, {run.area_km2:,.0f} km², "
                                    f"{run.seconds:.1f} s.\n{run.counted(short=True)}" + tail)
        self.hotspot_status.setToolTip(
            f"{run.count_words()} from {run.points:,} crimes, study area: {run.study_area}, {run.area_km2:,.0f} km², "
            f"{run.seconds:.1f} s.\n{run.counted()}" + tail)
        self.hotspots_ready.emit(run)

    # --- accuracy -----------------------------------------------------------------------------------------

    def _accuracy_tab(self) -> QWidget:
        page = QWidget()
        self.accuracy_page = page
        self.train_from, self.train_to = _month_edit("YYYY-MM"), _month_edit("YYYY-MM")
        self.test_from, self.test_to = _month_edit("YYYY-MM"), _month_edit("YYYY-MM")
        self.eval_source = _source_combo()
        self.eval_source.setToolTip(BOTH_TIP + " Forecast accuracy needs every training and test month from the "
                                    "same source: learnt from one and scored on the other, it would measure the "
                                    "sources, not the forecast.")
        train = QHBoxLayout()
        train.addWidget(self.train_from)
        train.addWidget(self.train_to)
        test = QHBoxLayout()
        test.addWidget(self.test_from)
        test.addWidget(self.test_to)
        form = QFormLayout()
        form.addRow("&Data", self.eval_source)
        form.addRow(_buddy("Trai&n on", self.train_from), train)
        form.addRow(_buddy("Te&st on", self.test_from), test)
        self.evaluate_button = QPushButton("Measure forecast acc&uracy")
        self.evaluate_button.clicked.connect(self.run_evaluation)
        # Enter in a month box runs it, as the button beside them would: a walk typed the four months, pressed
        # Enter, and was left reading the last run's error.
        for edit in (self.train_from, self.train_to, self.test_from, self.test_to):
            edit.returnPressed.connect(self.run_evaluation)
        self.eval_marks = FieldMarks(
            {"train_from": self.train_from, "train_to": self.train_to, "test_from": self.test_from,
             "test_to": self.test_to, "source": self.eval_source},
            labels={"train_from": "Train on (from)", "train_to": "Train on (to)", "test_from": "Test on (from)",
                    "test_to": "Test on (to)", "source": "Data"})
        self.eval_status = _status_label(ACCURACY_HELP)
        self.eval_table = _table()
        self.eval_note = _status_label()  # three lines kept for it: at 1366x768 a plain label was cut off
        self.eval_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.evaluate_button)
        layout.addWidget(self.eval_status)
        layout.addWidget(self.eval_table, 1)
        layout.addWidget(self.eval_note)
        return page

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.accuracy_page:
            self.offer_accuracy_months()

    def _accuracy_months(self) -> tuple[QLineEdit, ...]:
        return self.train_from, self.train_to, self.test_from, self.test_to

    def offer_accuracy_months(self) -> None:
        """Four blank boxes get the latest span of published crime held with no month missing (a new analyst had
        only placeholders to go on); worked out quietly off the UI thread (0.6 s for a year of Essex)."""
        if any(edit.text() for edit in self._accuracy_months()):
            return

        def fill(span: tuple[str, str, str, str] | None) -> None:
            if span is None or any(edit.text() for edit in self._accuracy_months()):
                return  # typed meanwhile: what was typed stays
            for edit, month in zip(self._accuracy_months(), span, strict=True):
                edit.setText(month)
            self.eval_status.setText(f"Offered: training {span_text(span[0], span[1])}, "
                                     f"test {span_text(span[2], span[3])}, "
                                     "the latest months of published crime held with none missing. " + ACCURACY_HELP)

        self.ops.run("Finding the months held", lambda services, _p: services.analysis.latest_complete_span(),
                     fill, on_failed=lambda _exc: None, quiet=True)  # no offer is no harm

    def run_evaluation(self) -> None:
        args = (self.train_from.text().strip(), self.train_to.text().strip(), self.test_from.text().strip(),
                self.test_to.text().strip())
        source = self.eval_source.currentData()
        kinds, exclude_kinds = self.chosen_types(source)
        self._in_background(
            "Measuring forecast accuracy",
            lambda service, progress: service.evaluate(*args, source=source, progress=progress, kinds=kinds,
                                                       exclude_kinds=exclude_kinds),
            self._show_evaluation, self.eval_status, self.eval_marks,
        )

    def _show_evaluation(self, result: dict[str, Any]) -> None:
        shares = ("0.01", "0.03", "0.05")
        rows = []
        for name, figures in result["methods"].items():
            rows.append([METHOD_SHORT.get(name, name)] + [figures["pai"][f] for f in shares]
                        + [figures["pei"][f] for f in shares] + [figures["harm_captured"]["0.01"]])
        # The ceiling: the test period's own busiest cells (PEI is 1 there by definition).
        rows.append(["Best"] + [result["oracle"]["pai"][f] for f in shares] + [1.0, 1.0, 1.0]
                    + [result["oracle"]["harm_captured"]["0.01"]])
        # Two-line headings and short names: the eight columns fit the panel, no scrolling sideways.
        _fill_table(self.eval_table, ["Method", "PAI\n1%", "PAI\n3%", "PAI\n5%", "PEI\n1%", "PEI\n3%", "PEI\n5%",
                                      "Harm\n1%"], rows)
        long_names = [*(METHOD_NAMES.get(name, name) for name in result["methods"]),
                      "Best possible: the test period's own busiest cells"]
        for row, name in enumerate(long_names):
            self.eval_table.item(row, 0).setToolTip(name)
        self.eval_status.setText(
            f"Trained on {result['train']['crimes']:,} crimes ({result['train']['from']} to {result['train']['to']}),"
            f" tested on {result['test']['crimes']:,} ({result['test']['from']} to {result['test']['to']}); "
            f"{result['cell_m']:.0f} m cells over {result['study_area']}, {result['area_km2']:,.0f} km²."
            f"\n{result['counted']}" + (f"\n{result['warning']}" if result["warning"] else "")
        )
        # The rest under the table (the status keeps to the three lines it has room for); in the table's tooltip
        # alone a walk never saw what the blend had chosen.
        chosen = (f"The blend chose {result['blend']['chosen']}, on the training months "
                  f"{', '.join(result['blend']['chosen_on']) or '(too few)'} only.")
        self.eval_table.setToolTip(f"Harm 1%: the share of the test period's crime harm in the top 1% of cells. Best "
                                   f"possible: the test period's own busiest cells. {chosen}")
        self.eval_note.setText(chosen + (f"\n{result['months_note']}" if result.get("months_note") else ""))
        self.evaluation_ready.emit(result)

    # --- areas --------------------------------------------------------------------------------------------

    def _areas_tab(self) -> QWidget:
        page = QWidget()
        self.area_level = vocab_combo((("district", "Districts"), ("ward", "Wards")))
        self.area_source = _source_combo()
        form = QFormLayout()
        form.addRow("Ar&eas", self.area_level)
        form.addRow("&Data", self.area_source)
        button = QPushButton("Harm &by area")
        button.clicked.connect(self.run_areas)
        self.area_status = _status_label()
        self.area_table = _table()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(button)
        layout.addWidget(self.area_status)
        layout.addWidget(self.area_table, 1)
        return page

    def run_areas(self) -> None:
        level, source = self.area_level.currentData(), self.area_source.currentData()
        kinds, exclude_kinds = self.chosen_types(source)

        def work(service: AnalysisService, _progress: Progress) -> tuple[pd.DataFrame, dict[str, Any], str]:
            # "Both": the month split worked out once, for the table and the concentration alike.
            split = service.month_split(None, None) if source == "all" else None
            frame, counted = service.by_area_counted(level, source, split=split, kinds=kinds,
                                                     exclude_kinds=exclude_kinds)
            # Nothing counted but other forces' crime held: the line says why the table is all zeros.
            note = service.other_forces_note() if not frame["count"].sum() else ""
            return (frame, service.concentration(source, split=split, kinds=kinds, exclude_kinds=exclude_kinds),
                    "\n".join(line for line in (counted, note) if line))

        self._in_background("Summing harm by area", work, self._show_areas, self.area_status)

    def _show_areas(self, result: tuple[pd.DataFrame, dict[str, Any], str]) -> None:
        frame, concentration, counted = result
        # The figures as the command line and the report write them (harm in whole days).
        headings, rows = area_table(frame.to_dict(orient="records"), "area")
        # Two-line headings ("Harm per\nkm²") keep the figures' columns narrow: with one-line ones the district
        # names were left "Peterb…" in a laptop's dock.
        headings = [headings[0], *(" ".join(h.split()[:-1]) + "\n" + h.split()[-1] if " " in h else h
                                   for h in headings[1:])]
        _fill_table(self.area_table, headings, rows, right=range(1, len(headings)))
        _names_give_way(self.area_table, 0)
        self.area_status.setText(concentration_text(concentration) + (f"\n{counted}" if counted else ""))
        self.areas_ready.emit((frame, concentration))

    # --- time ---------------------------------------------------------------------------------------------

    def _time_tab(self) -> QWidget:
        page = QWidget()
        self.time_source = _source_combo()
        button = QPushButton("Show timin&g")
        button.clicked.connect(self.run_timing)
        export = QPushButton("Save charts as &PNG…")
        export.clicked.connect(lambda: self.export_charts())  # not clicked(checked) as the path
        report = QPushButton("Save a&nalysis report…")
        report.setToolTip("One HTML file for the chosen area and period (hotspots, harm by area, timing, charts); "
                          "print it to PDF from a browser")
        report.clicked.connect(lambda: self.save_report())
        self.time_area = _area_combo(self.services.geography.current())
        self.trend_chart = QChartView()
        self.trend_chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.trend_chart.setMinimumHeight(220)
        self.hour_table = _table()
        # An empty white box told a walk nothing (a database of published crime only, which has no times): the
        # table gives way to a note saying why it is empty and what fills it.
        self.hour_note = QLabel(HOUR_TABLE_BEFORE_RUN)
        self.hour_note.setWordWrap(True)
        self.hour_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hour_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.hour_note.setMargin(12)
        self.hour_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hour_stack = QStackedWidget()
        self.hour_stack.addWidget(self.hour_table)
        self.hour_stack.addWidget(self.hour_note)
        self.hour_stack.setCurrentWidget(self.hour_note)
        self.hour_stack.setMinimumHeight(200)
        self.time_status = _status_label()
        # One field a row, as on the other tabs: the two choices, their labels and the button side by side made
        # this the widest page, and at 1366x768 the whole panel scrolled sideways ('Show timi' cut off).
        form = QFormLayout()
        form.addRow("&Data", self.time_source)
        form.addRow("Di&strict", self.time_area)
        buttons = QHBoxLayout()
        buttons.addWidget(export)
        buttons.addWidget(report)
        buttons.addStretch()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(button)
        layout.addLayout(buttons)
        layout.addWidget(self.time_status)
        trend_label = QLabel("Monthly trend, with the same months a year before")
        trend_label.setWordWrap(True)
        layout.addWidget(trend_label)
        layout.addWidget(self.trend_chart, 1)
        layout.addWidget(_buddy("Our incidents by hour (UK time) and day of &week", self.hour_table))
        layout.addWidget(self.hour_stack, 1)
        return page

    def run_timing(self) -> None:
        source, area = self.time_source.currentData(), self.time_area.currentData()
        kinds, exclude_kinds = self.chosen_types("all")  # both lists: the hour table is always our incidents
        self._in_background("Working out timing",
                            lambda service, _p: service.timing(source, kinds, area=area, exclude_kinds=exclude_kinds),
                            self._show_timing, self.time_status)

    def save_report(self, path: Path | None = None) -> None:
        """Hotspots, harm by district and timing for the chosen area and period, as one HTML file."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save analysis report",
                                                    str(Path.home() / "ruralwatch-analysis.html"),
                                                    "Web page (*.html)")
            if not chosen:
                return
            path = Path(chosen)
        area = self.time_area.currentData()
        query = replace(self.hotspot_query(), area=area)
        source = self.time_source.currentData()
        time_types = self.chosen_types("all")

        def work(service: AnalysisService, progress: Progress) -> dict[str, Any]:
            # Every stage a step of one bar: the hotspots' own four steps filled it, and it sat at 100% through the
            # areas, concentration and timing that followed (most of the time), with Cancel seen nowhere there.
            def stage(done: int, note: str) -> None:
                if not progress(done, REPORT_STEPS, note):
                    raise CancelledError("cancelled")

            run = service.hotspots(query, lambda done, _total, note="": progress(done, REPORT_STEPS, note))
            stage(4, "Reading the crimes for harm by district")
            # The same period and source: the hotspots' month split serves the areas and concentration too, and
            # the crimes are read once for both (each read is seconds for a year of a force).
            located = service.points(query.source, query.month_from, query.month_to, "harm", split=run.months)
            stage(5, "Summing harm by district")
            types = {"kinds": run.query.kinds, "exclude_kinds": run.query.exclude_kinds}
            areas = service.by_area_counted("district", query.source, query.month_from, query.month_to, run.months,
                                            points=located, **types)
            stage(6, "Working out how concentrated harm is")
            concentration = service.concentration(query.source, query.month_from, query.month_to, split=run.months,
                                                  points=located, **types)
            stage(7, "Counting crimes per month")
            timing = service.timing(source, time_types[0], month_from=query.month_from, month_to=query.month_to,
                                    area=area, exclude_kinds=time_types[1])
            stage(8, "Writing the report")
            return {"run": run, "areas": areas, "concentration": concentration, "timing": timing}

        def done(result: dict[str, Any]) -> None:
            self._show_timing(result["timing"])
            chart_png = _png_bytes(self.trend_chart)
            run = result["run"]
            force = run.force or self.services.geography.current().force.name
            period = f"{query.month_from or 'the start'} to {query.month_to or 'the latest month'}"
            shares = result["concentration"]["harm_share_top_cells"]
            method = self.method.itemText(self.method.findData(query.method))
            weighed = "weighted by crime harm (CCHI days)," if query.weight == "harm" else "by count,"
            sections = [
                ReportSection(
                    # In the panel's words ("20 kde hotspots weighted by harm" showed the code names).
                    "Hotspots", f"{run.count_words()} by {method.lower()}, {weighed} from {run.points:,} "
                    f"crimes in {area or force}. {run.counted()}" + (f" {run.months_note()}" if run.months else ""),
                    hotspot_table(run), notes=[value_help(query.method, query.weight)]
                    + ([NEXT_TO_HELP] if run.places() < len(run.hotspots) else [])),
                ReportSection(
                    "Harm by district", f"{100 * (shares['0.01'] or 0):.0f}% of all harm lies in the top 1% of "
                    f"{query.cell_m:.0f} m cells, {100 * (shares['0.05'] or 0):.0f}% in the top 5%. "
                    f"{result['areas'][1]}",
                    # The Areas tab's figures (harm in whole days), not every number to two decimals.
                    _text_frame(*area_table(result["areas"][0].to_dict(orient="records"))), right=1),
                ReportSection("Crimes per month", "With the same months a year before (blank: no data). Crime types: "
                              f"{result['timing']['types']}."
                              + (f" {result['timing']['months'].sentence()}" if result["timing"]["months"] else ""),
                              png=chart_png, table=_trend_table(result["timing"]["monthly_trend"])),
            ]
            html_text = analysis_report_html(
                f"RuralWatch analysis: {area or force}",
                f"Period: {period}. Data: {SOURCE_NAMES[query.source]}. Crime types: {run.types_words()}. Harm by "
                "district and its concentration are force-wide for comparison.", sections,
                generated=datetime.now().strftime("%Y-%m-%d %H:%M"), sources=REPORT_SOURCES,
            )
            path.write_text(html_text, encoding="utf-8")
            self.time_status.setText(f"Report saved to {path}")
            self.report_saved.emit(path)

        self._in_background("Writing the analysis report", work, done, self.time_status)

    def _month_labels_that_fit(self) -> int:
        """How many "2018-10" labels the chart's width holds side by side (at most 6): in a laptop's narrow dock
        every month was labelled and each was cut to "201…"."""
        metrics = self.trend_chart.fontMetrics()
        room = self.trend_chart.viewport().width() - 6 * metrics.averageCharWidth() - 60  # the counts' axis, margins
        return max(2, min(6, room // (metrics.horizontalAdvance("2018-10") + 3 * metrics.averageCharWidth())))

    def _show_timing(self, result: dict[str, Any]) -> None:
        trend = result["monthly_trend"]
        chart = QChart()
        if theme.is_dark():  # the charts' own default is a white card whatever the palette
            chart.setTheme(QChart.ChartTheme.ChartThemeDark)
        # The types counted in the chart's own title: a saved PNG or the report's chart never hides a filter.
        types = result.get("types", "all")
        chart.setTitle("Crimes per month" + ("" if types == "all" else f" ({types})"))
        if trend is not None and len(trend):
            import pandas as pd  # a trend to draw is a DataFrame: pandas is loaded already

            x_axis = QCategoryAxis()
            x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
            step = max(1, math.ceil(len(trend) / self._month_labels_that_fit()))
            for i, month in enumerate(trend["month"]):
                if i % step == 0:
                    x_axis.append(str(month), i)
            x_axis.setRange(0, max(len(trend) - 1, 1))
            y_axis = QValueAxis()
            y_axis.setLabelFormat("%d")
            peak = max(float(trend["count"].max(skipna=True) or 0), float(trend["count_year_before"].max(skipna=True)
                                                                          if trend["count_year_before"].notna().any()
                                                                          else 0))
            top, ticks = _round_axis(peak)
            y_axis.setRange(0, top)
            y_axis.setTickCount(ticks)
            chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
            for column, name, colour in (("count", "This period", "#64b5f6" if theme.is_dark() else "#1f77b4"),
                                         ("count_year_before", "Same month a year before", "#9e9e9e")):
                # One series per run of months with data: a gap in the data stays a gap in the line.
                first = True
                series = None
                for i, value in enumerate(trend[column]):
                    if pd.isna(value):
                        series = None
                        continue
                    if series is None:
                        series = QLineSeries()
                        series.setColor(QColor(colour))
                        series.setName(name)
                        chart.addSeries(series)
                        series.attachAxis(x_axis)
                        series.attachAxis(y_axis)
                        if not first:
                            chart.legend().markers(series)[0].setVisible(False)
                        first = False
                    series.append(i, float(value))
        self.trend_chart.setChart(chart)
        table = result["hour_by_weekday"]
        if table is None:
            self.hour_table.clear()  # no table of an earlier run left behind the note
            self.hour_table.setRowCount(0)
            self.hour_note.setText(hour_table_note(result, self.services.geography.current().force.name,
                                                   self.services.store.actor.can("incident.record")))
            self.hour_stack.setCurrentWidget(self.hour_note)
        else:
            self.hour_stack.setCurrentWidget(self.hour_table)
            values = table.to_numpy()
            peak = float(values.max()) or 1.0
            _fill_table(self.hour_table, ["Day"] + [f"{h:02d}" for h in range(24)],
                        [[WEEKDAYS[d]] + [int(v) for v in values[d]] for d in range(7)])
            header = self.hour_table.horizontalHeader()
            for column in range(1, 25):  # 24 narrow hour columns fit the panel without scrolling
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            for d in range(7):
                for h in range(24):
                    heat = theme.heat_tone(values[d][h] / peak)
                    self.hour_table.item(d, h + 1).setBackground(heat.background)
                    self.hour_table.item(d, h + 1).setForeground(heat.text)
        months = result.get("months")
        types = result.get("types", "all")  # said when the choice leaves some out, as the chart's title does
        self.time_status.setText(("" if types == "all" else f"Crime types: {types}. ") + season_note(result)
                                 + (f"\n{months.sentence()}" if months else ""))
        self.timing_ready.emit(result)

    def export_charts(self, path: Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save charts", str(Path.home() / "timing.png"),
                                                    "PNG image (*.png)")
            if not chosen:
                return None
            path = Path(chosen)
        self.time_page.grab().save(str(path), "PNG")
        return path

    # --- near repeats -------------------------------------------------------------------------------------

    def _near_repeat_tab(self) -> QWidget:
        page = QWidget()
        # Thefts and burglaries (where near repeats are documented) by default; either way only the kinds the
        # panel's Crime types leave in are tested.
        self.knox_kinds = QComboBox()
        self.knox_kinds.addItem("Thefts and burglaries", ZONE_KINDS)
        self.knox_kinds.addItem("Every kind chosen in Crime types", ())
        self.knox_kinds.setToolTip("Our incidents only (published crime has months, the test counts days), of the "
                                   "kinds ticked in Crime types above the tabs")
        self.knox_from = QLineEdit()
        self.knox_from.setPlaceholderText("from YYYY-MM-DD")
        _fit_placeholder(self.knox_from, "blank: the last year of incidents")
        self.knox_to = QLineEdit()
        self.knox_to.setPlaceholderText("to YYYY-MM-DD")
        _fit_placeholder(self.knox_to, "blank: up to now")
        self.knox_iterations = QSpinBox()
        self.knox_iterations.setRange(19, 9999)
        self.knox_iterations.setValue(99)
        self.knox_iterations.setToolTip("Permutations of the dates: 99 gives p down to 0.01, 999 down to 0.001")
        period = QHBoxLayout()
        period.addWidget(self.knox_from)
        period.addWidget(self.knox_to)
        form = QFormLayout()
        form.addRow("&Kinds", self.knox_kinds)
        form.addRow(_buddy("&Period", self.knox_from), period)
        form.addRow("Permutatio&ns", self.knox_iterations)
        self.knox_button = QPushButton("Run the Knox t&est")
        self.knox_button.clicked.connect(self.run_knox)
        for edit in (self.knox_from, self.knox_to):
            edit.returnPressed.connect(lambda: self.run_knox())
        self.knox_use = QPushButton("&Use as the near-repeat zone")
        self.knox_use.setToolTip("Zones round new incidents take the distance and days this result justifies")
        self.knox_use.setEnabled(False)
        self.knox_use.clicked.connect(self.use_knox_zone)
        buttons = QHBoxLayout()
        buttons.addWidget(self.knox_button)
        buttons.addWidget(self.knox_use)
        self.knox_status = _status_label("Pairs of our incidents close in space and time, against chance: Knox ratio "
                                         "(observed / expected pairs); highlighted cells are significantly raised.")
        self.knox_table = _table()
        self.knox_summary = QLabel()
        self.knox_summary.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.knox_status)
        layout.addWidget(self.knox_table, 1)
        layout.addWidget(self.knox_summary)
        return page

    def knox_query(self) -> KnoxQuery:
        def day(edit: QLineEdit, name: str) -> date | None:
            text = edit.text().strip()
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValidationError.single(name, f"{text!r} is not a date (use YYYY-MM-DD)") from None

        kinds, exclude_kinds = self.chosen_types("incidents")
        preset = tuple(self.knox_kinds.currentData())
        if preset:  # thefts and burglaries, less those Crime types leave out
            left_out = set(self.types.left_out())
            kinds, exclude_kinds = tuple(k for k in preset if k not in left_out), ()
            if not kinds:
                raise ValidationError.single("kinds", "every theft and burglary kind is left out in Crime types: "
                                             "tick one, or test every kind chosen")
        return KnoxQuery(kinds=kinds, exclude_kinds=exclude_kinds, date_from=day(self.knox_from, "from"),
                         date_to=day(self.knox_to, "to"), iterations=self.knox_iterations.value())

    def run_knox(self) -> BackgroundTask | None:
        try:
            query = self.knox_query()
        except ValidationError as exc:
            self.knox_status.setText(_not_done(exc))
            self.knox_status.setStyleSheet(theme.error_style(bold=False))
            return None
        self.knox_use.setEnabled(False)
        # The last result goes: left under "Running…" or "cancelled" it read as the answer to the new question.
        self.knox_table.setRowCount(0)
        self.knox_summary.clear()

        def failed(exc: BaseException) -> None:
            self.knox_status.setText(_not_done(exc))
            self.knox_status.setStyleSheet(theme.error_style(bold=False))

        def cancelled(_exc: BaseException) -> None:
            self.knox_status.setText("Knox test cancelled")
            self.knox_status.setStyleSheet("")

        self.knox_status.setText("Running the Knox test…")
        self.knox_status.setStyleSheet("")
        return self.ops.run("Running the Knox test",
                            lambda services, progress: services.near_repeat.knox(query, progress),
                            self._show_knox, on_failed=failed, on_cancelled=cancelled)

    def _show_knox(self, run: KnoxRun) -> None:
        self.last_knox = run
        result = run.result
        ratios, raised = result.ratios, result.raised
        rows = []
        for i, label in enumerate(result.bands.distance_labels):
            cells: list[Any] = [label]
            for j in range(len(result.bands.time_labels)):
                ratio = ratios[i, j]
                cells.append("-" if math.isnan(ratio) else f"{ratio:.2f}" + (" *" if raised[i, j] else ""))
            rows.append(cells)
        # Two-line headings ("0-7\ndays") and the bands sharing the width: at 1366x768 the docked table scrolled
        # sideways to its fourth band.
        _fill_table(self.knox_table, ["Distance"] + [label.replace(" days", "\ndays")
                                                     for label in result.bands.time_labels], rows)
        header = self.knox_table.horizontalHeader()
        for column in range(1, len(result.bands.time_labels) + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        strong = theme.heat_tone(0.8)
        for i in range(len(result.bands.distance_labels)):
            for j in range(len(result.bands.time_labels)):
                item = self.knox_table.item(i, j + 1)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{int(result.observed[i, j]):,} pairs observed, {result.expected[i, j]:,.1f} "
                                f"expected; p = {result.p_values[i, j]:.3f}"
                                + ("; risk significantly raised" if raised[i, j] else ""))
                if raised[i, j]:
                    item.setBackground(strong.background)
                    item.setForeground(strong.text)
        self.knox_status.setText(
            f"{result.incidents:,} incidents ({run.first} to {run.last}; kinds: {run.query.types_words()}), "
            f"{result.pairs:,} pairs, "
            f"{result.iterations} permutations, {result.seconds:.1f} s. Knox ratio: observed / expected pairs; "
            "* and highlighted: significantly raised (p < 0.05). Hover a cell for its counts.")
        self.knox_status.setStyleSheet("")
        self.knox_summary.setText(result.summary())
        self.knox_use.setEnabled(result.suggested_zone() is not None
                                 and self.services.store.actor.can("analysis.run"))
        self.knox_ready.emit(run)

    def use_knox_zone(self) -> None:
        if self.last_knox is None:
            return
        try:
            saved = self.services.near_repeat.save_knox_zone(self.last_knox)
        except ValidationError as exc:
            self.knox_status.setText(f"Not saved: {exc}")
            return
        self.knox_status.setText(f"Near-repeat zones now default to {saved.metres:g} m and {saved.days} days "
                                 "(Settings can still set their own).")
        self.knox_zone_saved.emit(saved)
