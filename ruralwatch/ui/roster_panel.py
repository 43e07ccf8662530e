"""The Specials coordinator's roster panel: People, Duties (calendar, crews, auto-fill, .ics) and Hours.

It listens to the change hub itself through a HubBridge (ruralwatch.ui.widgets): a change published on the UI
thread refreshes at once (coalesced); one published from another thread is queued to the UI thread. Background
work runs through the window's operations (ruralwatch.ui.operations), which replay what it changed onto this hub
when it ends.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.roster_duties_tab import DutiesTab
from ruralwatch.ui.roster_hours import HoursTab
from ruralwatch.ui.roster_people import PeopleTab
from ruralwatch.ui.widgets import HubBridge

# Topics that change what the panel shows (hours also come from completed patrols).
TOPICS = frozenset({"people", "duties", "patrols"})
REFRESH_DELAY_MS = 50


class RosterPanel(QWidget):
    """People, their availability, duties and hours, for the Special Constabulary coordinator."""

    refreshed = Signal()
    person_saved = Signal(object)  # Person
    duty_saved = Signal(object)  # DutyRecord
    assigned = Signal(str, str)  # duty id, person id
    autofill_ready = Signal(object)  # AutofillOutcome: the proposal, before anything changes
    autofill_applied = Signal(object)  # AutofillOutcome: what was applied
    ics_exported = Signal(object)  # Path
    hours_exported = Signal(object)  # Path
    patrol_requested = Signal(str)  # a duty's patrol to open in Team ▸ Patrols

    def __init__(self, services: Services, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ops = ops
        self.problems: list[str] = []  # every problem reported to the user, newest last

        self.people_tab = PeopleTab(services.people, self.problems, roster=services.roster)
        self.duties_tab = DutiesTab(services, ops, self.problems)
        self.hours_tab = HoursTab(services.hours, ops, self.problems)
        # No Alt+letters on the tabs (Ctrl+Tab and Ctrl+PgDn switch them): the pages need the few letters that the
        # menu bar and the incident filters leave free (tests/ui/test_keyboard.py).
        self.tabs = QTabWidget()
        self.tabs.addTab(self.people_tab, "People")
        self.tabs.addTab(self.duties_tab, "Duties")
        self.tabs.addTab(self.hours_tab, "Hours")
        self.tabs.setTabToolTip(0, "Volunteers and officers, their weekly availability and dates away")
        self.tabs.setTabToolTip(1, "Duties by week or month, crews, auto-fill and calendar export")
        self.tabs.setTabToolTip(2, "Hours given against monthly commitment")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs)

        self.people_tab.person_saved.connect(self.person_saved)
        self.duties_tab.duty_saved.connect(self.duty_saved)
        self.duties_tab.assigned.connect(self.assigned)
        self.duties_tab.autofill_ready.connect(self.autofill_ready)
        self.duties_tab.autofill_applied.connect(self.autofill_applied)
        self.duties_tab.ics_exported.connect(self.ics_exported)
        self.duties_tab.patrol_requested.connect(self.patrol_requested)
        self.hours_tab.exported.connect(self.hours_exported)
        self.people_tab.duties_requested.connect(self.show_duties)

        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._bridge = HubBridge(services.hub, self._on_change, self)
        self.destroyed.connect(lambda *_: self.dispose())

    # --- change hub ---------------------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.topic in TOPICS:
            self._refresh_timer.start()

    def dispose(self) -> None:
        """Stop listening to the hub and drop a pending refresh (also done when the panel is destroyed).
        Call it before closing the store the panel reads."""
        self._bridge.dispose()
        try:
            self._refresh_timer.stop()
        except RuntimeError:  # already deleted with the panel
            pass

    # --- public -------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload every tab from the database (kept: selections, the week shown, unsaved availability)."""
        self._refresh_timer.stop()
        self.people_tab.refresh()
        self.duties_tab.refresh()
        self.hours_tab.refresh_if_loaded()
        self.refreshed.emit()

    def unsaved_changes(self) -> list[str]:
        """What the panel holds that is not saved (availability typed, Save not pressed), a phrase each."""
        return self.people_tab.unsaved_changes()

    def save_unsaved(self) -> bool:
        """Save it; False, with the problem shown on the People tab, when a value is refused."""
        if self.people_tab.save_unsaved():
            return True
        self.show_tab("people")
        return False

    def show_duties(self, duty_ids: list[str]) -> None:
        """The Duties tab on the first of these duties (those a day away just put at risk), to assign someone else."""
        if not duty_ids:
            return
        self.show_tab("duties")
        self.duties_tab.select_duty(duty_ids[0])
        if len(duty_ids) > 1:
            self.duties_tab.report(f"{len(duty_ids)} duties are at risk (amber): this is the first of them.",
                                   problem=False)

    def show_tab(self, name: str) -> None:
        """Bring a tab to the front: "people", "duties" or "hours"."""
        tabs = {"people": self.people_tab, "duties": self.duties_tab, "hours": self.hours_tab}
        self.tabs.setCurrentWidget(tabs[name])
