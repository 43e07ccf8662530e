"""Which picker a click on the map goes to: an incident form's "pick on map", or the patrol panel's (a patrol
event or base). One picker at a time: a new one switches the previous one off."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ruralwatch.ui.map_view import MapView

if TYPE_CHECKING:  # the window owns both; importing them here only for the hints
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.patrol_panel import PatrolPanel


class MapPicking:
    def __init__(self, map_view: MapView, patrol_panel: PatrolPanel, status: Callable[[str, int], None]) -> None:
        self.map = map_view
        self.patrol_panel = patrol_panel
        self._status = status
        self.form: IncidentDialog | None = None  # the incident form picking, if one is
        self.patrol = False  # the patrol panel is picking

    def _update_map(self) -> None:
        self.map.set_pick_mode(self.patrol or self.form is not None)

    def form_pick(self, form: IncidentDialog, on: bool) -> None:
        """An incident form's pick button was toggled."""
        if on:
            if self.form and self.form is not form:
                self.form.pick_button.setChecked(False)
            if self.patrol:
                self.patrol_panel.cancel_pick()
            self.form = form
            self._status("Click the map where it happened (Esc in the form to stop)", 8000)
        elif self.form is form:
            self.form = None
            self._status("", 0)  # the "click the map" hint goes with the picking (it stayed after Esc)
        self._update_map()

    def form_closed(self, form: IncidentDialog) -> None:
        if self.form is form:
            self.form_pick(form, False)

    def patrol_pick(self, on: bool) -> None:
        """The patrol log or form wants a place from the map."""
        was_picking, self.patrol = self.patrol, on
        if on:
            if self.form:
                self.form.pick_button.setChecked(False)
            self._status("Click the map to place the patrol event", 8000)
        elif was_picking:
            self._status("", 0)
        self._update_map()

    def map_clicked(self, lat: float, lon: float) -> None:
        if self.patrol:
            self.patrol_panel.place_picked(lat, lon)
            return
        form = self.form
        if form is None:
            return
        form.set_location(lat, lon)
        form.raise_()
        form.activateWindow()
        self._status(f"Location set: {form.grid_ref.text()}", 6000)
