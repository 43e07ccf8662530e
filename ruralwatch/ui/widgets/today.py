"""Today as the app's clock says (ruralwatch.core.times.utc_now, UK local), for the date boxes' defaults: the
system date would ignore an injected clock (tests, screenshots, a training replay)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import QDate, QSignalBlocker, QTimer
from PySide6.QtWidgets import QDateEdit, QWidget

from ruralwatch.core import times
from ruralwatch.ui.widgets.typing_boxes import select_part_on_click


def today() -> QDate:
    return QDate(times.to_local(times.utc_now()).date())


def ms_to_midnight() -> int:
    """Milliseconds until the next UK local midnight, a second past it (a timer never fires a little early)."""
    now = times.to_local(times.utc_now())
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=times.LOCAL_ZONE)
    return max(1_000, int((midnight - now).total_seconds() * 1000) + 1_000)


class FollowingDateEdit(QDateEdit):
    """A date box that keeps to today (`months` from it) until the user picks a date of their own.

    A box set when the window opened went stale: on a night shift the incident table's *To* still said yesterday
    after midnight and hid the night's incidents. So until the user edits it, the box moves on at midnight and is
    set again when its filter is switched on (`follow_today`); `reset` makes it follow again (Clear)."""

    def __init__(self, months: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(today().addMonths(months), parent)
        select_part_on_click(self)
        self.months = months
        self.chosen = False  # the user set this date: leave it alone
        self._following = False  # set while the box moves itself (not the user's choice)
        self.dateChanged.connect(self._on_date_changed)
        self.midnight = QTimer(self, singleShot=True)
        self.midnight.timeout.connect(self.new_day)
        self.midnight.start(ms_to_midnight())

    def _on_date_changed(self) -> None:
        if not self._following:
            self.chosen = True

    def follow_today(self, quietly: bool = False) -> bool:
        """Today's date (plus `months`) unless the user chose one; True when the date changed. `quietly` sends no
        dateChanged (the caller refreshes anyway)."""
        wanted = today().addMonths(self.months)
        if self.chosen or self.date() == wanted:
            return False
        self._following = True
        try:
            if quietly:
                with QSignalBlocker(self):
                    self.setDate(wanted)
            else:
                self.setDate(wanted)
        finally:
            self._following = False
        return True

    def new_day(self) -> None:
        self.follow_today()
        self.midnight.start(ms_to_midnight())

    def reset(self, quietly: bool = False) -> None:
        self.chosen = False
        self.follow_today(quietly)
