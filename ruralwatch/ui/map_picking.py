"""Which picker a click on the map goes to: a form's "pick on map" (an incident form, a premises form), or the
patrol panel's (a patrol event or base). One picker at a time: a new one switches the previous one off."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QLineEdit, QPushButton

from ruralwatch.ui.map_view import MapView

if TYPE_CHECKING:  # the window owns it; importing it here only for the hints
    from ruralwatch.ui.patrol_panel import PatrolPanel


class PickingForm(Protocol):
    """A form with a "Pick on map" button (ui.widgets.map_pick): IncidentDialog, PremisesDialog."""

    pick_button: QPushButton
    grid_ref: QLineEdit
    pick_hint: str  # the status line while it picks

    def set_location(self, lat: float, lon: float) -> None: ...
    def raise_(self) -> None: ...
    def activateWindow(self) -> None: ...
    def frameGeometry(self) -> QRect: ...
    def screen(self) -> QScreen: ...
    def move(self, x: int, y: int, /) -> None: ...


class MapPicking:
    def __init__(self, map_view: MapView, patrol_panel: Callable[[], PatrolPanel],
                 status: Callable[[str, int], None]) -> None:
        self.map = map_view
        self._patrol_panel = patrol_panel  # asked for when needed: the window builds the panel on first use
        self._status = status
        self.form: PickingForm | None = None  # the form picking, if one is
        self.patrol = False  # the patrol panel is picking

    def _update_map(self) -> None:
        self.map.set_pick_mode(self.patrol or self.form is not None)

    def form_pick(self, form: PickingForm, on: bool) -> None:
        """A form's pick button was toggled."""
        if on:
            if self.form and self.form is not form:
                self.form.pick_button.setChecked(False)
            if self.patrol:
                self._patrol_panel().cancel_pick()
            self.form = form
            self._clear_of_map(form)
            self._status(form.pick_hint, 8000)
        elif self.form is form:
            self.form = None
            self._status("", 0)  # the "click the map" hint goes with the picking (it stayed after Esc)
        self._update_map()

    def _clear_of_map(self, form: PickingForm) -> None:
        """Move the form off the map it is picking on (centred, it covered the map with a dock open): beside the
        map where there is room, else to the screen's edge farthest from the map's middle."""
        top_left = self.map.mapToGlobal(self.map.rect().topLeft())
        map_left, map_right = top_left.x(), top_left.x() + self.map.width()
        frame = form.frameGeometry()
        screen = form.screen().availableGeometry()
        if frame.left() >= map_right or frame.right() <= map_left:
            return  # not over the map
        if map_left - screen.left() >= frame.width():
            x = map_left - frame.width()
        elif screen.right() - map_right >= frame.width():
            x = map_right
        elif (map_left + map_right) // 2 > screen.center().x():
            x = screen.left()
        else:
            x = screen.right() - frame.width()
        form.move(x, frame.top())

    def form_closed(self, form: PickingForm) -> None:
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
            self._patrol_panel().place_picked(lat, lon)
            return
        form = self.form
        if form is None:
            return
        form.set_location(lat, lon)
        form.raise_()
        form.activateWindow()
        self._status(f"Location set: {form.grid_ref.text()}", 6000)
