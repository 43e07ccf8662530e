"""Today as the app's clock says (ruralwatch.core.times.utc_now, UK local), for the date boxes' defaults: the
system date would ignore an injected clock (tests, screenshots, a training replay)."""

from __future__ import annotations

from PySide6.QtCore import QDate

from ruralwatch.core import times


def today() -> QDate:
    return QDate(times.to_local(times.utc_now()).date())
