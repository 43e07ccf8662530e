"""The main window's menu actions declared as data (picard's action registry): text, shortcut, the window's
slot, status tip and the permission an action needs, each in one place. `build_actions` makes them in one loop;
`apply_permissions` disables, in one place, what the signed-in role may not do (the services refuse it anyway).
Which menu shows which action is layout, and stays with the window.

tests/ui/test_keyboard.py reads the mnemonics from the real menus: a text or shortcut changed here is a
keyboard change for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QStatusBar, QWidget

from ruralwatch.core.permissions import role_may_not
from ruralwatch.store.database import Store

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    name: str  # the window attribute that holds the QAction
    text: str
    shortcut: QKeySequence.StandardKey | str | None
    slot: str  # a window attribute path, e.g. "new_incident" or "map.set_heatmap_visible"
    tip: str | None  # the status tip (and tooltip); None for a plain toggle
    permission: str | None = None  # a key of core.permissions.ACTIONS
    checkable: bool = False  # a toggle: the slot gets the new state; any other slot is called with no argument


@dataclass(frozen=True)
class DockToggleSpec:
    """A dock's own show/hide action, with its menu text and shortcut."""

    name: str  # the window attribute holding the QDockWidget
    text: str
    shortcut: str
    permission: str | None = None


ACTIONS: tuple[ActionSpec, ...] = (
    # Incidents (and the toolbar)
    ActionSpec("new_action", "&New incident", Key.New, "new_incident", "Record a new incident", "incident.record"),
    ActionSpec("edit_action", "&Edit", "Ctrl+E", "edit_selected", "Edit the selected incident"),
    ActionSpec("delete_action", "&Delete", Key.Delete, "delete_selected", "Delete the selected incident",
               "incident.delete"),
    ActionSpec("refresh_action", "&Refresh", Key.Refresh, "refresh",
               "Read everything again: incidents, map, roster, patrols, premises (after the command line, say)"),
    ActionSpec("find_action", "&Find", Key.Find, "_focus_search", "Search incidents"),
    ActionSpec("alert_action", "Alert the &community…", None, "alert_selected",
               "Compose an alert to the community from the selected incident (area and time generalised)",
               "alerts.compose"),
    ActionSpec("alerts_list_action", "Community a&lerts…", None, "open_alerts",
               "The alerts to the community: approve (supervisors) and export them (coordinators)"),
    # File
    ActionSpec("demo_action", "Load &demo data", None, "load_demo_data", "Load the synthetic demo dataset",
               "data.purge"),
    ActionSpec("remove_demo_action", "Re&move demo data…", None, "remove_demo_data",
               "Remove every demo (synthetic) incident, person, duty and patrol; your own data is kept", "data.purge"),
    ActionSpec("import_action", "&Import published crime (data.police.uk)…", "Ctrl+I", "import_published",
               "Import street-level crime CSV files", "import.published"),
    ActionSpec("roads_action", "Import &road network (OpenStreetMap)…", None, "import_roads",
               "Read an OpenStreetMap extract (.osm.pbf or .osm) so plans are timed on the roads", "patrol.plan"),
    ActionSpec("export_action", "&Export incidents, patrols, duties, hours…", "Ctrl+Shift+E", "open_export",
               "Export the incidents of a period and kinds", "export.data"),
    ActionSpec("backups_action", "&Backups and restore…", None, "open_backups",
               "Back up now (here or to a USB stick), check the backups, restore one (administrators)",
               "data.backup"),
    # Its permission (sync.trust) is said in the catalogue's words by the Sync panel, which greys its button alike.
    ActionSpec("central_conflicts_action", "Central store c&onflicts…", None, "sync_panel.open_central_conflicts",
               "The central store's conflicts: both values, who wrote each; keep one or merge them"),
    ActionSpec("settings_action", "Se&ttings…", "Ctrl+,", "open_settings",
               "Display, idle lock, planning defaults, rostering rules, retention"),
    ActionSpec("quit_action", "&Quit", Key.Quit, "close", "Quit RuralWatch"),
    # View and Map
    ActionSpec("large_text_action", "&Larger text (for use in a vehicle)", "Ctrl+Shift+L", "set_large_text", None,
               checkable=True),
    ActionSpec("heat_action", "&Heatmap", "Ctrl+H", "map.set_heatmap_visible", None, checkable=True),
    ActionSpec("fit_action", "&Show all incidents", "Ctrl+0", "map.fit_incidents",
               "Zoom the map to every incident the list shows"),
    ActionSpec("add_basemap_action", "&Add basemap (MBTiles)…", None, "add_basemap",
               "Add an offline basemap from an MBTiles file"),
    ActionSpec("export_png_action", "Export map as &PNG…", "Ctrl+Shift+P", "export_png",
               "Save the current map view as a picture"),
    ActionSpec("export_html_action", "Export map as H&TML…", None, "export_html",
               "Save the map with the shown incidents as one HTML file"),
    ActionSpec("context_action", "Published &crime layer", None, "map.set_context_visible", None, checkable=True),
    # Analysis
    # Team ▸ Roster tab: the roster's tabs by Alt letters. Their tab bar has none, and can have none: a roster page
    # with the tab bar uses 11 of the 15 letters the menu bar and the incident filters leave, and the three tab
    # names hold no letter those pages leave free (tests/ui/test_keyboard.py checks both).
    ActionSpec("roster_people_action", "&People", None, "show_roster_people",
               "The roster's People tab: volunteers and officers, availability and dates away"),
    ActionSpec("roster_duties_action", "&Duties", None, "show_roster_duties",
               "The roster's Duties tab: the week or month of duties, crews, auto-fill"),
    ActionSpec("roster_hours_action", "&Hours", None, "show_roster_hours",
               "The roster's Hours tab: hours given against monthly commitment"),
    ActionSpec("vehicle_list_action", "Import &vehicles of interest list…", None, "import_vehicle_list",
               "Import a force list or ANPR hotlist (CSV or Excel): stop-checks and briefings match it",
               "vehicles.manage"),
    ActionSpec("serial_check_action", "Check a &serial number…", None, "check_serial",
               "Is this serial stolen? Searches stolen items and the property registered at premises",
               "premises.view"),
    ActionSpec("harm_action", "&Harm weights…", None, "edit_harm_weights", "See and change the crime harm weights",
               "harm.edit"),
    # Account
    ActionSpec("change_password_action", "Change my &password…", None, "change_own_password",
               "Change the password you sign in with"),
    ActionSpec("lock_action", "&Lock now", "Ctrl+L", "lock_now", "Hide the data until your password is typed again"),
    ActionSpec("sign_out_action", "&Sign out…", None, "sign_out",
               "Close the window and sign in again, as yourself or as someone else (a shared laptop)"),
    ActionSpec("accounts_action", "&Accounts…", None, "open_accounts",
               "Add accounts, change roles, reset passwords (administrators)", "accounts.manage"),
    ActionSpec("audit_action", "A&udit log…", None, "open_audit_log",
               "Who changed what and when; check that nothing was tampered with", "audit.view"),
    ActionSpec("retention_action", "&Retention of personal data…", None, "open_retention",
               "What personal data is due for anonymising, and doing it", "data.purge"),
    # Help
    ActionSpec("guide_action", "&User guide", Key.HelpContents, "open_guide", "The user guide, offline"),
    ActionSpec("shortcuts_action", "&Keyboard shortcuts", None, "open_shortcuts", "Every keyboard shortcut"),
    ActionSpec("about_action", "&About", None, "_about", "About RuralWatch and its data"),
)

DOCK_TOGGLES: tuple[DockToggleSpec, ...] = (
    DockToggleSpec("sync_dock", "&Sync with other laptops…", "Ctrl+Shift+S", "sync.exchange"),
    DockToggleSpec("patrol_dock", "&Patrols: plan, brief, log…", "Ctrl+Shift+T"),
    DockToggleSpec("roster_dock", "&Roster: people, duties, hours…", "Ctrl+Shift+R"),
    DockToggleSpec("premises_dock", "Pre&mises: register, property, visits…", "Ctrl+Shift+M", "premises.view"),
    DockToggleSpec("analysis_dock", "&Analysis panel", "Ctrl+Shift+A", "analysis.run"),
)


def make_action(window: QWidget, spec: ActionSpec) -> QAction:
    action = QAction(spec.text, window, checkable=spec.checkable)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.tip is not None:
        shortcut = QKeySequence(spec.shortcut).toString() if spec.shortcut is not None else ""
        action.setToolTip(f"{spec.tip} ({shortcut})" if shortcut else spec.tip)
        action.setStatusTip(spec.tip)
    find = attrgetter(spec.slot)
    if spec.checkable:
        action.toggled.connect(find(window))
    elif "." in spec.slot:
        # A panel's method ("sync_panel.open_central_conflicts"): looked up when triggered, since the window
        # builds a panel only when it is first wanted.
        action.triggered.connect(lambda _checked=False: find(window)())
    else:
        # triggered(bool checked) would fill a slot's first optional argument (import_published's files,
        # export_png's path, delete_selected's confirm) with False: call the slot with none.
        slot = find(window)
        action.triggered.connect(lambda _checked=False, run=slot: run())
    window.addAction(action)  # its shortcut works anywhere in the window
    return action


def build_actions(window: QWidget) -> None:
    """Make every declared action and dock toggle, each set on the window under its declared name."""
    for spec in ACTIONS:
        setattr(window, spec.name, make_action(window, spec))
    for toggle in DOCK_TOGGLES:
        action = dock_toggle(window, toggle)
        action.setText(toggle.text)
        action.setShortcut(QKeySequence(toggle.shortcut))


def dock_toggle(window: QObject, spec: DockToggleSpec) -> QAction:
    dock: QDockWidget = getattr(window, spec.name)
    return dock.toggleViewAction()


def apply_permissions(window: QObject, store: Store) -> None:
    """Disable what the signed-in role may not do, and say why in the permission catalogue's words (the services'
    refusal says the same), in the tooltip and the status tip. Edit becomes View for a role that may not record
    incidents: it opens the incident read-only."""
    needs = [(getattr(window, spec.name), spec.permission) for spec in ACTIONS if spec.permission]
    needs += [(dock_toggle(window, spec), spec.permission) for spec in DOCK_TOGGLES if spec.permission]
    for action, permission in needs:
        if not store.actor.can(permission):
            action.setEnabled(False)
            explain_greyed(action, role_may_not(permission))
    if not store.actor.can("incident.record"):
        edit: QAction = window.edit_action  # type: ignore[attr-defined]
        edit.setText("&View")
        why = f"View the selected incident, read-only. {role_may_not('incident.record')}"
        edit.setToolTip(why)
        edit.setStatusTip(why)
    if not store.encrypted:
        window.accounts_action.setEnabled(False)  # type: ignore[attr-defined]  # a plain database has no accounts


def explain_greyed(action: QAction, why: str) -> None:
    """A greyed action's tooltip and status tip: what it does, then why this account may not."""
    what = action.statusTip() or action.toolTip() or action.text().replace("&", "").rstrip("…")
    action.setToolTip(f"{what}. {why}")
    action.setStatusTip(f"{what}. {why}")


class GreyedExplainer(QObject):
    """Qt shows no status tip for a greyed menu entry (it cannot be hovered): say why it is greyed in the status bar
    while the pointer is on it, and let the menu show tooltips."""

    def __init__(self, status: QStatusBar) -> None:
        super().__init__(status)
        self.status = status

    def watch(self, menu: QMenu) -> None:
        menu.setToolTipsVisible(True)
        menu.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802  # Qt's name
        if isinstance(watched, QMenu) and event.type() == QEvent.Type.MouseMove:
            action = watched.actionAt(event.position().toPoint())  # type: ignore[attr-defined]
            tip = action.statusTip() if action is not None and not action.isEnabled() else ""
            if tip:
                # After the menu has handled the move: leaving an enabled entry clears the status bar.
                QTimer.singleShot(0, lambda: self.status.showMessage(tip))
        return False
