"""Patrols ▸ "Preview a targeted plan…": a harm-targeted plan for an area and a window, suggested off the UI
thread and shown without saving anything, and exported as a plan pack (PDF) for the officer who will plan, crew and
brief it. The same service calls as `ruralwatch patrol plan [-o pack.pdf]`, under the same permission
(patrol.preview): analysts, who may not plan patrols, target them by crime harm here."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.patrol_plan import PLAN_SOURCES, PlanSettings
from ruralwatch.core.permissions import role_may_not, who_may
from ruralwatch.core.vocab import PATROL_PURPOSES
from ruralwatch.patrols.plan import Plan
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.patrol_plan import hhmm, next_evening, set_rows
from ruralwatch.ui.widgets import make_table, select_part_on_click

PREVIEW_TIP = ("Suggest a plan from crime harm for an area and time, without saving it, and export it as a plan "
               "pack (PDF) for the officer who plans and briefs the patrol")
NOT_A_PREVIEWER = role_may_not("patrol.preview")


class PlanPreviewDialog(QDialog):
    """Area, day, window, purpose and source; Preview shows the plan, Export plan pack writes it."""

    previewed = Signal(object)  # Plan
    exported = Signal(object)  # Path

    def __init__(self, services: Services, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ops = ops
        self.plan: Plan | None = None
        self._planned_for: tuple[str, str] = ("", "")  # (area, purpose) of the plan shown
        self.setWindowTitle("Preview a targeted patrol plan")
        self.area = QComboBox()
        self.area.setEditable(True)
        self.area.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        areas = services.geography.current().areas
        for area in (*areas.districts(), *areas.wards()):
            self.area.addItem(area.label)
        self.day = QDateEdit(next_evening())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.start, self.end = QTimeEdit(QTime(18, 0)), QTimeEdit(QTime(22, 0))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        for edit in (self.day, self.start, self.end):
            select_part_on_click(edit)
        self.end.setToolTip("UK time; at or before the start means the patrol runs past midnight")
        self.purpose = QComboBox()
        for key, words in PATROL_PURPOSES:
            self.purpose.addItem(words, key)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData("general_rural_patrol")))
        self.source = QComboBox()
        for key, words in PLAN_SOURCES:
            self.source.addItem(words, key)
        window = QHBoxLayout()
        window.addWidget(self.start)
        window.addWidget(QLabel("to"))
        window.addWidget(self.end)
        window.addStretch()
        form = QFormLayout()
        form.addRow("&Area", self.area)
        form.addRow("&Day", self.day)
        window_label = QLabel("&Window (UK time)")  # a row of widgets: the label needs its buddy
        window_label.setBuddy(self.start)
        form.addRow(window_label, window)
        form.addRow("&Purpose", self.purpose)
        form.addRow("&Harm from", self.source)
        self.preview_button = QPushButton("P&review")
        self.preview_button.clicked.connect(self.preview)
        self.export_button = QPushButton("E&xport plan pack…")
        self.export_button.setToolTip("The plan as a PDF: the route map, stops and times, and the area's recent "
                                      "incidents and zones, for the officer who plans, crews and briefs it")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export())
        may = services.store.actor.can("patrol.preview")
        self.preview_button.setEnabled(may)
        if not may:
            self.preview_button.setToolTip(NOT_A_PREVIEWER)
        self.table = make_table(["#", "Arrive", "Leave", "Dwell", "Place", "Why"], word_wrap=False)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.note = QLabel("Nothing is saved: the plan is for an officer who plans patrols ("
                           f"{who_may('patrol.plan')}) to record, crew and brief.")
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.note)
        layout.addWidget(close)
        self.resize(720, 560)

    def settings(self) -> PlanSettings:
        return PlanSettings(harm_source=str(self.source.currentData()))

    def preview(self) -> None:
        """Suggest the plan off the UI thread and show it (nothing saved); emits previewed."""
        area, purpose = self.area.currentText().strip(), str(self.purpose.currentData())
        day, start, end = (self.day.date().toPython(), self.start.time().toString("HH:mm"),
                           self.end.time().toString("HH:mm"))
        settings = self.settings()
        self.preview_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self._say("Finding hotspots and fitting a route…")

        def work(services: Services, _progress: object) -> tuple[Plan, str]:
            plan = services.patrols.plan_for_window(area, day, start, end, purpose, settings)
            empty = "" if plan.stops else services.patrols.nothing_to_plan(area, plan.start, settings.harm_source)
            return plan, empty

        def done(result: tuple[Plan, str]) -> None:
            plan, empty = result
            self.preview_button.setEnabled(True)
            self.plan, self._planned_for = plan, (area, purpose)
            set_rows(self.table, [[s.seq, hhmm(s.arrive), hhmm(s.leave), f"{s.dwell_minutes:g} min", s.label,
                                   s.reason] for s in plan.stops])
            self.export_button.setEnabled(bool(plan.stops))
            if plan.stops:
                self._say(f"{len(plan.stops)} stops. Travel {plan.travel_minutes:.0f} min + dwell "
                          f"{plan.dwell_minutes:.0f} min in a {plan.window_minutes:.0f} min window; "
                          f"{len(plan.dropped)} lower-harm places did not fit. Travel timed {plan.basis}."
                          + (f"\n{plan.source_note}" if plan.source_note else ""))
            else:
                self._say(empty, warning=True)
            self.previewed.emit(plan)

        def failed(exc: BaseException) -> None:
            self.preview_button.setEnabled(True)
            self._say(f"No plan: {exc}", warning=True)

        self.ops.run("Suggesting a patrol plan…", work, done, on_failed=failed, parent=self)

    def export(self, path: Path | None = None) -> None:
        """Write the previewed plan as a plan pack (asks for the file unless given); emits exported."""
        if self.plan is None or not self.plan.stops:
            return
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Export plan pack", str(Path.home() / "plan-pack.pdf"),
                                                  "PDF (*.pdf)")
            if not name:
                return
            path = Path(name)
        plan, (area, purpose) = self.plan, self._planned_for
        chosen = path

        def done(written: Path) -> None:
            self._say(f"Plan pack written to {written}")
            self.exported.emit(written)

        self.ops.run("Writing the plan pack…",
                     lambda services, _progress: services.patrols.write_plan_pack(area, plan, chosen, purpose),
                     done, failure_title="Plan pack not written", parent=self)

    def _say(self, text: str, warning: bool = False) -> None:
        self.totals.setStyleSheet(theme.warning_style() if warning else "")
        self.totals.setText(html.escape(text).replace("\n", "<br>"))
