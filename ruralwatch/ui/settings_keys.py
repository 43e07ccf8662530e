"""Every per-user window setting (QSettings), declared once with its key, type and default (vorta's
store/settings.py). Read and write them through these, never with a literal key.

The per-laptop policies kept in the database (rostering rules, retention periods, planning defaults) are not
here: they are Qt-free, in ruralwatch.services.policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    type: type | None = None  # None: the stored value as it is (saved window geometry and state)

    def read(self, settings: QSettings | None = None) -> T:
        settings = settings if settings is not None else QSettings()
        if self.type is None:
            value: Any = settings.value(self.key, self.default)
        else:
            value = settings.value(self.key, self.default, type=self.type)
        return self.default if value is None else value

    def write(self, value: T, settings: QSettings | None = None) -> None:
        (settings if settings is not None else QSettings()).setValue(self.key, value)


# --- display (File ▸ Settings, View) ---------------------------------------------------------------------------
LARGE_TEXT = Setting("view/large_text", False, bool)
COLOUR_SCHEME = Setting("view/colours", "system", str)  # "system", "light" or "dark"

# --- security ----------------------------------------------------------------------------------------------------
IDLE_MINUTES = Setting("security/idle_minutes", 10, int)  # the idle lock's timeout
LAST_ACCOUNT = Setting("signin/last_account", "", str)  # offered first at the next sign-in

# --- the main window's layout ------------------------------------------------------------------------------------
# The window's size and place belong to the computer (its screen); the panels to the RuralWatch account, since a
# vehicle laptop is shared under one login: a coordinator signing in after the analyst found the analyst's panels.
WINDOW_GEOMETRY: Setting[QByteArray | None] = Setting("main/geometry", None)
# Per computer login until accounts had their own; no longer read, removed when a layout is saved.
OLD_LAYOUT_KEYS = ("main/splitter", "main/docks")


def _account_part(username: str) -> str:
    # Account names are compared without case; "/" would open a settings group of its own.
    return quote(username.casefold(), safe="")


def splitter_state(username: str) -> Setting[QByteArray | None]:
    """The table and map's split, for one account."""
    return Setting(f"accounts/{_account_part(username)}/splitter", None)


def dock_state(username: str) -> Setting[QByteArray | None]:
    """Which panels are open and where, for one account."""
    return Setting(f"accounts/{_account_part(username)}/docks", None)

# The map's "No basemap yet" note, for one account: how many sign-ins showed it. After BASEMAP_NOTE_SIGNINS (or once
# its × is pressed, which sets it there) only a small line with "Add basemap…" is left: the note covered the map at
# every sign-in.
BASEMAP_NOTE_SIGNINS = 3


def basemap_note_shown(username: str) -> Setting[int]:
    return Setting(f"accounts/{_account_part(username)}/basemap_note_shown", 0, int)

# --- the GNSS receiver (ui/positioning.py, ui/position_bar.py) ----------------------------------------------------
# "none", "serial" (a receiver), "replay" (an NMEA log) or "platform" (the system's location service, GNSS_PLATFORM)
GNSS_SOURCE = Setting("gnss/source", "none", str)
GNSS_PLATFORM = Setting("gnss/platform", "", str)  # Qt's name of the location service, e.g. geoclue2, winrt
GNSS_TARGET = Setting("gnss/target", "", str)  # the serial port (e.g. /dev/ttyACM0, COM4) or the log file
GNSS_BAUD = Setting("gnss/baud", 4800, int)  # NMEA 0183's standard rate; many USB receivers use 9600
GNSS_SPEED = Setting("gnss/replay_speed", 1.0, float)  # a log replayed this many times faster than real time


# --- analysis ----------------------------------------------------------------------------------------------------
# The crime types the analysis panel leaves out (keys, one a line: published types by name, our kinds by key), one
# choice for all its tabs: an analyst who left shoplifting out of Hotspots saw it counted again in Areas.
ANALYSIS_TYPES_LEFT_OUT = Setting("analysis/types_left_out", "", str)
# The patrol planner's crime types left out for a new patrol's first suggestion (a patrol keeps its own).
PLAN_TYPES_LEFT_OUT = Setting("patrols/plan_types_left_out", "", str)
