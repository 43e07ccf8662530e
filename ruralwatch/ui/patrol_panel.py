"""The joint patrol panel: plan a patrol, brief the crew, log it as it happens, and measure the dose.

Tabs follow a patrol's life: Patrols (the list) -> Details (who, when, where) -> Plan (stops from the harm
hotspots, drawn on the map) -> Log (during the patrol, big buttons for a vehicle) -> Dose (afterwards).
Slow work (the hotspot run behind "Suggest plan", the briefing PDF, period dosage) runs off the UI thread on its
own database connection. The panel listens to the change hub, so edits made elsewhere show up here.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import CancelledError, NotFoundError, RuralWatchError, ValidationError
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_status import PatrolStatus
from ruralwatch.core.vocab import PATROL_STATUS_NAMES
from ruralwatch.patrols.plan import Candidate, Plan, candidate_of
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.services.patrols import TOPIC
from ruralwatch.services.patrols.track import TRACK_TOPIC
from ruralwatch.ui import theme
from ruralwatch.ui.map_view import MapView
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.patrol_log import DoseView, PatrolLog
from ruralwatch.ui.patrol_plan import (
    NOT_A_PLANNER,
    PatrolForm,
    PlanEditor,
    ran_text,
    route_of,
    route_of_plan,
    set_rows,
    window_text,
    wrapped_label,
)
from ruralwatch.ui.plan_preview import NOT_A_PREVIEWER, PREVIEW_TIP, PlanPreviewDialog
from ruralwatch.ui.position_bar import PositionBar
from ruralwatch.ui.tasks import Progress
from ruralwatch.ui.widgets import HubBridge, make_table

LIST_FILTERS = (
    ("All patrols", None),
    ("Planned, briefed or running", tuple(s.value for s in PatrolStatus if s.is_open)),
    ("Completed", (PatrolStatus.COMPLETED.value,)),
    ("Cancelled", (PatrolStatus.CANCELLED.value,)),
)
MINE = "mine"  # the list filter of an account linked to its person: the patrols they are crew on
TAB_FOR_STATUS = {PatrolStatus.PLANNED: 2, PatrolStatus.BRIEFED: 2, PatrolStatus.IN_PROGRESS: 3,
                  PatrolStatus.COMPLETED: 4, PatrolStatus.CANCELLED: 1}
REFRESH_DELAY_MS = 50
INFO_SHOWN_MS = 20_000  # how long a result stays at the foot of the panel


class PatrolPanel(QWidget):
    """Joint patrols from plan to dose. `map_view` (optional) shows the open patrol's route."""

    pickRequested = Signal(bool)  # route map clicks to place_picked while True
    newIncidentRequested = Signal(str, float, float)  # patrol event id, lat, lon (NaN when unknown)
    patrolOpened = Signal(object)  # PatrolRecord, or None for a new patrol
    planReady = Signal(object)  # Plan, after "Suggest plan"
    briefSaved = Signal(object)  # Path of the briefing pack
    eventLogged = Signal(object)  # LoggedEvent
    dosageReady = Signal(object)  # list[HotspotDosage]

    def __init__(self, services: Services, map_view: MapView | None, ops: Operations,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.map_view = map_view
        self.record: PatrolRecord | None = None
        self.problems: list[str] = []
        self.ops = ops
        self.tasks = ops.running  # what is running now (tests wait for it to empty)
        self._route: dict[str, Any] | None = None
        self._shown_route: dict[str, Any] | None | bool = False  # False: nothing pushed yet
        self._shown_track: tuple[str | None, int] | None = None  # (patrol id, points) last drawn
        self._pick_target: str | None = None
        self._pending: set[str] = set()

        # No Alt+letters on the tabs (Ctrl+Tab and Ctrl+PgDn switch them): a dock is part of the main window, so
        # its letters must avoid the menu bar's and the incident filters', and the pages need the few left.
        self.tabs = QTabWidget()
        self.tabs.addTab(self._list_tab(), "Patrols")
        self.form = PatrolForm(services)
        self.plan = PlanEditor(services, self.in_background, self.report)
        self.log = PatrolLog(services, self.report)
        self.dose = DoseView(services, self.in_background)
        self.tabs.addTab(self.form, "Details")
        self.tabs.addTab(self.plan, "Plan")
        self.tabs.addTab(self.log, "Log")
        self.tabs.addTab(self.dose, "Dose")
        # "Dose" is the analysts' word (the user guide explains it); a new officer reads what the tab holds here.
        self.tabs.setTabToolTip(self.tabs.indexOf(self.dose), "Dose: what the patrol delivered against its plan, "
                                "minutes spent at each planned stop (from the log, and the track when recorded)")
        self.status = wrapped_label()
        self.position = PositionBar(services, map_view, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.position)
        layout.addWidget(self.status)

        self.form.saved.connect(self._on_saved)
        self.form.pickBaseRequested.connect(lambda on: self._pick("base", on))
        self.plan.routeChanged.connect(self._on_route)
        self.plan.planReady.connect(self.planReady)
        self.plan.briefSaved.connect(self._on_briefed)
        self.log.pickRequested.connect(lambda on: self._pick("event", on))
        self.log.newIncidentRequested.connect(self.newIncidentRequested)
        self.log.eventLogged.connect(self._on_logged)
        self.log.statusChanged.connect(self._on_status_changed)
        self.log.eventCorrected.connect(self._on_corrected)
        self.position.moved.connect(self.log.set_position)
        self.dose.dosageReady.connect(self.dosageReady)
        if map_view is not None:
            map_view.ready.connect(self._redraw_route)

        self._bridge = HubBridge(services.hub, self._on_change, self)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._apply_changes)
        self._info_timer = QTimer(self, singleShot=True, interval=INFO_SHOWN_MS)
        self._info_timer.timeout.connect(self._info_expired)
        self.fill_list()
        self._show(None, refill_form=False)

    # --- the list -----------------------------------------------------------------------------------------

    def _list_tab(self) -> QWidget:
        page = QWidget()
        self.list_filter = QComboBox()
        for label, statuses in LIST_FILTERS:
            self.list_filter.addItem(label, statuses)
        if self.services.store.actor.person_id:  # a Special's own: those they are crew on, from a duty or not
            self.list_filter.addItem("My patrols (I am on the crew)", MINE)
        self.list_filter.currentIndexChanged.connect(lambda _i: self.fill_list())
        self.patrol_table = make_table(["When", "Title", "Status", "Crew"], word_wrap=False)
        self.patrol_table.doubleClicked.connect(lambda _index: self.open_selected())
        for keys in ("Return", "Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.patrol_table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_selected)
        self.new_button = QPushButton("&New patrol")
        self.open_button = QPushButton("Op&en")
        self.cancel_button = QPushButton("Cancel &patrol")
        # Targeting by harm without planning: the analyst's way in (the same rule as `patrol plan`).
        self.preview_button = QPushButton("Preview a tar&geted plan…")
        if self.services.store.actor.can("patrol.preview"):
            self.preview_button.setToolTip(PREVIEW_TIP)
        else:
            self.preview_button.setEnabled(False)
            self.preview_button.setToolTip(NOT_A_PREVIEWER)
        self.preview_button.clicked.connect(lambda: self.preview_plan())
        if not self.services.store.actor.can("patrol.plan"):  # greyed, not refused after a whole form was typed
            for button in (self.new_button, self.cancel_button):
                button.setEnabled(False)
                button.setToolTip(NOT_A_PLANNER)
        self.new_button.clicked.connect(self.new_patrol)
        self.open_button.clicked.connect(self.open_selected)
        self.cancel_button.clicked.connect(lambda: self.cancel_selected())
        show = QLabel("Sho&w")
        show.setBuddy(self.list_filter)
        top = QHBoxLayout()
        top.addWidget(show)
        top.addWidget(self.list_filter, 1)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch()
        preview = QHBoxLayout()
        preview.addWidget(self.preview_button)
        preview.addStretch()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.patrol_table, 1)
        layout.addLayout(buttons)
        layout.addLayout(preview)
        return page

    def preview_plan(self) -> PlanPreviewDialog | None:
        """The plan preview (analysts: harm-targeted plans and plan packs, nothing saved); None when not allowed."""
        if not self.services.store.actor.can("patrol.preview"):
            return None
        dialog = PlanPreviewDialog(self.services, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The suggested route on the map while the preview is open (an analyst judges a plan by where it goes);
        # the open patrol's own route comes back when it closes.
        dialog.previewed.connect(self._show_previewed_route)
        dialog.finished.connect(lambda _result: self._on_route(self._route))
        dialog.show()
        return dialog

    def _show_previewed_route(self, plan: Plan) -> None:
        if self.map_view is None:
            return
        self._shown_route = route_of_plan(plan) if plan.stops else None
        if self._shown_route is None:
            self.map_view.clear_route()
        else:
            self.map_view.show_route(self._shown_route)

    def fill_list(self) -> None:
        """Reload the patrol list, keeping the selected patrol selected."""
        keep = self.selected_patrol_id() or (self.record.id if self.record else None)
        statuses = self.list_filter.currentData()
        me = self.services.store.actor.person_id
        patrols = [p for p in self.services.patrols.list()
                   if statuses is None or (any(pid == me for pid, _ in p.crew) if statuses == MINE
                                           else p.status in statuses)]
        self._listed = [p.id for p in patrols]
        # By when each ran, once started (one run on Monday evening was listed under Tuesday, its planned day); the
        # planned window on hover.
        set_rows(self.patrol_table, [
            [ran_text(p), p.title, PATROL_STATUS_NAMES.get(p.status, p.status),
             ", ".join(name for _, name in p.crew)] for p in patrols
        ])
        for row, patrol in enumerate(patrols):
            if patrol.started_at:
                self.patrol_table.item(row, 0).setToolTip(f"Planned {window_text(patrol)}")
        if keep in self._listed:
            self.patrol_table.selectRow(self._listed.index(keep))

    def selected_patrol_id(self) -> str | None:
        rows = self.patrol_table.selectionModel().selectedRows()
        listed = getattr(self, "_listed", [])
        return listed[rows[0].row()] if rows and rows[0].row() < len(listed) else None

    def select_patrol(self, patrol_id: str) -> bool:
        if patrol_id not in self._listed:
            self.list_filter.setCurrentIndex(0)
        if patrol_id not in self._listed:
            return False
        self.patrol_table.selectRow(self._listed.index(patrol_id))
        return True

    # --- opening ------------------------------------------------------------------------------------------

    def new_patrol(self) -> None:
        self._show(None, refill_form=True)
        self.tabs.setCurrentWidget(self.form)
        self.form.day.setFocus()
        self.patrolOpened.emit(None)

    def open_selected(self) -> PatrolRecord | None:
        patrol_id = self.selected_patrol_id()
        if patrol_id is None:
            self.info("Select a patrol first.")
            return None
        return self.open_patrol(patrol_id)

    def open_patrol(self, patrol_id: str) -> PatrolRecord | None:
        """Show a patrol on every tab and go to the tab its status calls for."""
        try:
            record = self.services.patrols.get(patrol_id)
        except RuralWatchError as exc:
            self.report(str(exc))
            return None
        self._show(record, refill_form=True)
        self._shown_route = False  # opening a patrol always draws (and fits the map to) its route again
        self._on_route(route_of(record, self.plan.timed(record)) if record.stops else None)
        self.tabs.setCurrentIndex(TAB_FOR_STATUS.get(record.status, 1))
        self.patrolOpened.emit(record)
        return record

    def _show(self, record: PatrolRecord | None, refill_form: bool) -> None:
        if record is None or self.record is None or record.id != self.record.id:
            self.status.clear()  # what was said was about the patrol shown before
        self.record = record
        if refill_form:
            self.form.load(record)
        self.plan.set_patrol(record)
        self.log.set_patrol(record)
        self.dose.set_patrol(record)
        self.position.set_patrol(record)
        self._show_track()
        for index in (2, 3, 4):
            self.tabs.setTabEnabled(index, record is not None)

    # --- actions ------------------------------------------------------------------------------------------

    def confirm(self, title: str, question: str) -> bool:
        """Asks before something that cannot be undone. Tests replace it."""
        answer = QMessageBox.question(self, title, question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def cancel_selected(self) -> bool:
        patrol_id = self.selected_patrol_id()
        if patrol_id is None:
            self.info("Select a patrol first.")
            return False
        record = self.services.patrols.get(patrol_id)
        if not self.confirm("Cancel patrol", f"Cancel {record.title} ({window_text(record)})?"):
            return False
        try:
            self.services.patrols.cancel(patrol_id)
        except RuralWatchError as exc:
            self.report(f"Not cancelled: {exc}")
            return False
        self.info(f"Cancelled: {record.title}.")
        self._apply_changes({TOPIC})
        return True

    def save_patrol(self) -> PatrolRecord | None:
        return self.form.save()

    def suggest_plan(self) -> None:
        self.plan.suggest()

    def brief(self, path: Path | None = None) -> None:
        """Write the briefing pack for the open patrol (a save dialog when no path is given)."""
        self.plan.brief(path)

    def start_patrol(self) -> PatrolRecord | None:
        return self.log.start()

    def end_patrol(self, ask: bool = True) -> PatrolRecord | None:
        return self.log.end(ask)

    def log_event(self, kind: str) -> Any:
        return self.log.log_event(kind)

    def show_dosage(self) -> None:
        self.dose.show_dosage()

    def place_picked(self, lat: float, lon: float) -> None:
        """A map click while this panel asked for one (pickRequested(True))."""
        target, self._pick_target = self._pick_target, None
        if target == "base":
            self.form.set_base(lat, lon)
        elif target == "event":
            self.log.place_picked(lat, lon)

    def cancel_pick(self) -> None:
        """Stop waiting for a map click (e.g. an incident form took the map over); emits pickRequested(False)."""
        for button in (self.form.pick_base, self.log.pick_button):
            if button.isChecked():
                button.setChecked(False)

    def _pick(self, target: str, on: bool) -> None:
        if on:
            other = self.log.pick_button if target == "base" else self.form.pick_base
            if other.isChecked():
                other.blockSignals(True)
                other.setChecked(False)
                other.blockSignals(False)
            self._pick_target = target
            self.info("Click the map to choose the place.")
        elif self._pick_target == target:
            self._pick_target = None
        self.pickRequested.emit(self._pick_target is not None)

    # --- reactions ----------------------------------------------------------------------------------------

    def _on_saved(self, record: PatrolRecord) -> None:
        was_new = self.record is None
        if record.stops and record.status.can_edit_plan:
            try:  # the window or base may have moved: retime the plan in its order
                self.services.patrols.edit_plan(record.id, self.plan_order(record))
                record = self.services.patrols.get(record.id)
            except RuralWatchError as exc:
                self.report(f"Plan not retimed: {exc}")
        self._show(record, refill_form=False)
        self.fill_list()
        self.select_patrol(record.id)
        self.info(f"Saved: {record.title}.")
        if was_new:
            self.tabs.setCurrentWidget(self.plan)
            self.patrolOpened.emit(record)

    @staticmethod
    def plan_order(record: PatrolRecord) -> list[Candidate]:
        return [candidate_of(s) for s in record.stops]

    def _on_briefed(self, path: Path) -> None:
        self.info(f"Briefing pack saved to {path}")
        self.briefSaved.emit(path)

    def _on_logged(self, event: Any) -> None:
        self.eventLogged.emit(event)
        if self.record is not None and self.record.status is PatrolStatus.IN_PROGRESS:
            self.dose.set_patrol(self.services.patrols.get(self.record.id))

    def _on_corrected(self, _event: Any) -> None:
        """A logged event corrected, withdrawn or restored, or the patrol's times corrected: the Dose tab shows what
        now counts (also after the patrol)."""
        if self.record is not None and self.record.status.has_dose:
            self.dose.set_patrol(self.services.patrols.get(self.record.id))

    def _on_status_changed(self, record: PatrolRecord) -> None:
        self._show(record, refill_form=True)
        self.fill_list()
        if record.status is PatrolStatus.COMPLETED:
            self.tabs.setCurrentWidget(self.dose)

    def _on_change(self, change: Change) -> None:
        if change.topic in (TOPIC, "people", "roads"):  # a new road network retimes and redraws the plan
            self._pending.add(change.topic)
            self._refresh_timer.start()
        elif change.topic == TRACK_TOPIC and self.record is not None and self.record.id in change.ids:
            self._pending.add(change.topic)
            self._refresh_timer.start()

    def reload(self) -> None:
        """Read everything again (Refresh: a patrol planned from the command line meanwhile); a plan being
        edited keeps what was typed."""
        self._refresh_timer.stop()
        self._apply_changes({TOPIC, "people"})

    def _apply_changes(self, topics: set[str] | None = None) -> None:
        topics = topics or self._pending
        self._pending = set()
        if "people" in topics:
            self.form.reload_people()
        if topics == {TRACK_TOPIC}:  # only track points were written: the dose changed, nothing else
            if self.record is not None and self.record.status.has_dose:
                self.dose.set_patrol(self.record)
            self._show_track()
            return
        self.fill_list()
        if self.record is None:
            return
        try:
            fresh = self.services.patrols.get(self.record.id)
        except NotFoundError:  # its Details no longer stand for anything stored: back to the list
            self._show(None, refill_form=True)
            self.tabs.setCurrentIndex(0)
            self.info("The open patrol was deleted.")
            return
        if fresh != self.record or "roads" in topics:
            self._show(fresh, refill_form=not self.form.is_modified())

    # --- map ----------------------------------------------------------------------------------------------

    def _on_route(self, route: dict[str, Any] | None) -> None:
        self._route = route
        if self.map_view is None or route == self._shown_route:
            return
        self._shown_route = route
        if route is None:
            self.map_view.clear_route()
        else:
            self.map_view.show_route(route)

    def _redraw_route(self) -> None:
        """The map page was rebuilt (e.g. a basemap was added): draw the route (and the track) again."""
        if self.map_view is not None and self._route is not None:
            self.map_view.show_route(self._route)
        self._shown_track = None
        self._show_track()

    def _show_track(self) -> None:
        """The open patrol's recorded track on the map, one line per segment (nothing drawn for none)."""
        if self.map_view is None:
            return
        points = self.services.patrols.track_of(self.record.id) if self.record is not None else []
        segments = [[(p.lat, p.lon) for p in group] for _, group in groupby(points, key=lambda p: p.segment)]
        key = (self.record.id if self.record else None, len(points))
        if key == self._shown_track:
            return
        self._shown_track = key
        self.map_view.show_track(segments)

    # --- background work and messages ---------------------------------------------------------------------

    def in_background(self, title: str, operation: Callable[[Services], Any], done: Callable[[Any], None],
                      failure: str, after_failure: Callable[[], None] | None = None) -> None:
        """Run `operation(services)` off the UI thread (ruralwatch.ui.operations), then `done(result)`."""

        def work(services: Services, progress: Progress) -> Any:
            result = operation(services)
            if not progress(1, 1):
                raise CancelledError("cancelled")
            return result

        def failed(exc: BaseException) -> None:
            self.report(f"{failure}: {plain_words(exc)}")
            if after_failure is not None:
                after_failure()

        def cancelled(_exc: CancelledError) -> None:  # asked for (or superseded): not a problem to show
            if after_failure is not None:
                after_failure()

        self.ops.run(title, work, done, on_failed=failed, on_cancelled=cancelled)

    def report(self, message: str) -> None:
        """Something went wrong: shown in the panel (never a modal box), kept in `problems` for tests."""
        self.problems.append(message)
        self.status.setStyleSheet(theme.error_style())
        self.status.setText(message)

    def info(self, message: str) -> None:
        """A result worth a moment's notice ("Briefing pack saved…"): it goes by itself after a while, so it is not
        read hours later as news. Problems (`report`) stay until the next action."""
        self.status.setStyleSheet("")
        self.status.setText(message)
        self._info_timer.start()

    def _info_expired(self) -> None:
        if not self.status.styleSheet():  # a problem shown since stays
            self.status.clear()

    def dispose(self) -> None:
        """Stop listening to the change hub and let the receiver go (the window calls this when it closes)."""
        self.position.dispose()
        self._bridge.dispose()


def plain_words(exc: BaseException) -> str:
    """An error as the panel says it: a refusal's messages without the service's field names ("exclude_types")."""
    if isinstance(exc, ValidationError):
        return "; ".join(problem.message for problem in exc.errors)
    return str(exc)
