"""The main window: incidents table with filters, the offline map, and the actions on incidents."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWhatsThis,
    QWidget,
)

from ruralwatch import __version__
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.incident import Incident, IncidentFilter
from ruralwatch.core.kinds import KINDS
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES
from ruralwatch.core.vocab import STATUSES
from ruralwatch.core.words import count_of
from ruralwatch.mapping.map_page import TileLayerSpec
from ruralwatch.mapping.premises_layer import premises_geojson
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.services.sync import SETTINGS_TOPIC as SYNC_SETTINGS_TOPIC
from ruralwatch.ui import settings_keys as keys
from ruralwatch.ui import theme
from ruralwatch.ui.basemap_actions import BasemapActions
from ruralwatch.ui.idle_lock import IdleLock
from ruralwatch.ui.incident_model import GRID_REF_COLUMN, IncidentTableModel
from ruralwatch.ui.map_picking import MapPicking
from ruralwatch.ui.map_view import MapView
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.restoring import RestoreRequest
from ruralwatch.ui.tasks import BackgroundTask, Progress
from ruralwatch.ui.tiles import install_tile_handler
from ruralwatch.ui.widgets import HubBridge, add_dock, configure_table, vocab_combo
from ruralwatch.ui.widgets.docks import DockScrollArea
from ruralwatch.ui.widgets.field_marks import mark, unmark
from ruralwatch.ui.widgets.today import FollowingDateEdit
from ruralwatch.ui.widgets.unsaved import CANCEL, SAVE, ask_save_discard_cancel
from ruralwatch.ui.window_actions import GreyedExplainer, apply_permissions, build_actions, explain_greyed

if TYPE_CHECKING:  # the dialogs, panels and what only their results name: imported where used (issue 21)
    from ruralwatch.core.patrol import PatrolRecord
    from ruralwatch.services.data_location import MovedDatabase
    from ruralwatch.services.demo_set import DemoLoaded, DemoRemoved
    from ruralwatch.services.published import ImportReport
    from ruralwatch.services.roads import NetworkInfo
    from ruralwatch.services.vehicles import ListImport
    from ruralwatch.ui.alert_dialog import AlertComposeDialog, AlertsDialog
    from ruralwatch.ui.analysis_panel import AnalysisPanel
    from ruralwatch.ui.backups_dialog import BackupsDialog
    from ruralwatch.ui.export_dialog import ExportDialog
    from ruralwatch.ui.first_steps import FirstStepsDialog
    from ruralwatch.ui.incident_form import IncidentDialog
    from ruralwatch.ui.patrol_panel import PatrolPanel
    from ruralwatch.ui.premises_panel import PremisesPanel, SerialCheckDialog
    from ruralwatch.ui.retention_dialog import RetentionDialog
    from ruralwatch.ui.roster_panel import RosterPanel
    from ruralwatch.ui.settings_dialog import SettingsDialog
    from ruralwatch.ui.sync_panel import SyncPanel

SEARCH_DELAY_MS = 250
# Bump when the docks or toolbars change, so a layout saved by an older version is not restored onto them.
LAYOUT_VERSION = 3
DEFAULT_SIZE = (1400, 860)
# The panel an account first finds open, by role, until it has a layout of its own: what the role signs in for.
FIRST_PANEL = {"analyst": "analysisDock", "coordinator": "rosterDock", "ret_officer": "patrolDock",
               "special": "patrolDock"}
# The narrowest a docked panel opens (it scrolls below its own width); see fit_dock.
MIN_DOCK_WIDTH = 340


def _held_part(count: int, why: str) -> str:
    """A file's rows already held, in an import's details: nothing when none ("0 already held (none)" read oddly)."""
    if not count:
        return ""
    return f"{count:,} already held{f' ({why})' if why else ''}, "


class MainWindow(QMainWindow):
    incidents_changed = Signal()
    map_page_exported = Signal(object)  # the HTML file's Path, once written
    basemap_added = Signal(object)  # the Basemap, once registered
    closed = Signal()  # after closeEvent: ruralwatch.ui.application runs the window until this

    def __init__(self, services: Services, page_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.service = services.incidents
        service = self.service
        # Looked up at each call: tests replace report_problem to read the message.
        self.last_import_box: QMessageBox | None = None  # the result of the last import, until it is closed
        self.ops = Operations(services, self, lambda title, message: self.report_problem(title, message),
                              lambda message: self.statusBar().showMessage(message, 8000))
        self.tasks = self.ops.running  # what is running now (tests wait for it to empty)
        self.forms: list[IncidentDialog] = []
        self.moved_database: MovedDatabase | None = None  # set by Settings ▸ Move: the window then closes
        self.signed_out = False  # set by Account ▸ Sign out: the window closes and the sign-in comes back
        # Set once what the panels hold unsaved was asked about (or need not be): closing then does not ask again.
        self._unsaved_settled = False
        self.has_closed = False  # closeEvent has run: `closed` was emitted (application._until_closed asks)
        # Set by File ▸ Backups and restore once a restore is checked: the window closes, the application restores
        # with the database closed and brings the sign-in back.
        self.restore_request: RestoreRequest | None = None
        self.basemap_actions = BasemapActions(self)
        self._focus_map_on_select = True
        self.setWindowTitle(f"RuralWatch {__version__} — {service.store.path.name}")
        self.resize(*DEFAULT_SIZE)

        self.model = IncidentTableModel(service, self)
        self.table = QTableView()
        configure_table(self.table, stretch_last=False)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Grid ref third, after When and Kind: last but two, it was off-screen at 1366x768 beside the map, and it is
        # what an officer reads out or types into the form. Only the view's order: the model's columns stay.
        header.moveSection(header.visualIndex(GRID_REF_COLUMN), 2)
        self.size_table_columns()
        self.table.viewport().installEventFilter(self)  # narrow: When and Kind go short (size_table_columns)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter on a row opens it, as a double-click does (a walk
            opener = QShortcut(QKeySequence(key), self.table)  # pressed Enter and nothing happened)
            opener.setContext(Qt.ShortcutContext.WidgetShortcut)
            opener.activated.connect(self.edit_selected)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.tile_handler = install_tile_handler(self.basemap_actions.file_of)
        self.map = MapView(page_folder, self.basemap_actions.usable(), self, geography=services.geography.current())
        self.map.open_requested.connect(self._on_map_open_requested)
        self.map.marker_clicked.connect(self._on_marker_clicked)
        self.map.map_clicked.connect(lambda lat, lon: self.picking.map_clicked(lat, lon))
        self._basemap_note()
        self.map.ready.connect(self.refresh_map)
        self.map.ready.connect(self.refresh_context)

        self.demo_banner = QLabel("Demo data loaded: the incidents in italics are synthetic, not real reports.")
        theme.follow_palette(self.demo_banner, lambda: theme.set_style(
            self.demo_banner, f"{theme.tone_style('notice')} padding: 5px; font-weight: bold;"))
        self.demo_banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._build_filters())
        # Right above the table, where the eye goes when it stays blank: a filter that matched nothing left an empty
        # table and no hint (a walk took it for lost data); the count in the status bar was not seen.
        self.empty_note = QLabel()
        self.empty_note.setObjectName("emptyNote")
        self.empty_note.setWordWrap(True)
        self.empty_note.setTextFormat(Qt.TextFormat.RichText)
        self.empty_note.linkActivated.connect(lambda _link: self.clear_filters())
        self._empty_note_tone = "notice"  # "problem" while it says the dates are the wrong way round
        theme.follow_palette(self.empty_note, lambda: theme.set_style(
            self.empty_note, f"{theme.tone_style(self._empty_note_tone)} padding: 4px;"))
        self.empty_note.hide()
        left_layout.addWidget(self.empty_note)
        left_layout.addWidget(self.table)
        splitter.addWidget(left)
        splitter.addWidget(self.map)
        splitter.setSizes([700, 700])
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.splitter = splitter

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.demo_banner)
        layout.addWidget(splitter)
        self.setCentralWidget(central)

        # Each docked panel is built (and its module imported) when it is first shown or asked for, not at start:
        # together they were about half a second of a start-up that shows one of them at most (issue 21).
        self._panels: dict[str, QWidget] = {}
        self.analysis_dock = add_dock(self, "Analysis", "analysisDock", None, build=self._panel)
        self.sync_dock = add_dock(self, "Sync", "syncDock", None, build=self._panel)
        self.roster_dock = add_dock(self, "Roster", "rosterDock", None, build=self._panel)
        self.patrol_dock = add_dock(self, "Patrols", "patrolDock", None, build=self._panel)
        self.premises_dock = add_dock(self, "Premises", "premisesDock", None, build=self._panel)
        self._panel_builders = {"analysisDock": self._build_analysis, "syncDock": self._build_sync,
                                "rosterDock": self._build_roster, "patrolDock": self._build_patrols,
                                "premisesDock": self._build_premises}
        for dock in self._docks():  # shown is built (PanelDock); a tab brought forward too
            dock.visibilityChanged.connect(lambda shown, d=dock: shown and self._panel(d))
        # The roster in front takes the window's whole width: docked beside the table and the map (which keep
        # about 630 px) its month showed one week at a time, with the duties' titles cut. Another panel in front,
        # the roster closed or floated, and the incidents and the map are back.
        self._roster_wide = False  # the roster in front has the window's width (_give_roster_the_width)
        self._docked_width: int | None = None  # the panels' width before the roster took the window's
        self.roster_dock.visibilityChanged.connect(self._give_roster_the_width)
        self.roster_dock.topLevelChanged.connect(lambda _floating: self._give_roster_the_width(
            self.roster_dock.isVisible() and not self.roster_dock.visibleRegion().isEmpty()))
        self._behind_tab: QDockWidget | None = None  # a panel switched off while behind another's tab (_focus_dock)
        # The panels share one place on the right, as tabs: side by side or stacked they left the map no room and
        # pushed the window past a laptop's screen. A panel can still be dragged out to float.
        for dock in (self.sync_dock, self.roster_dock, self.patrol_dock, self.premises_dock):
            self.tabifyDockWidget(self.analysis_dock, dock)
        # A panel's layers go with it: closing Patrols takes its route off the map, closing Analysis its hotspot
        # cells (a new user found them left behind); reopening the panel shows them again.
        self.map.set_panel_layer("route", False)
        self.map.set_panel_layer("hotspots", False)
        self.patrol_dock.toggleViewAction().toggled.connect(lambda on: self.map.set_panel_layer("route", on))
        self.analysis_dock.toggleViewAction().toggled.connect(lambda on: self.map.set_panel_layer("hotspots", on))
        # Which of the incident forms and the patrol panel a map click goes to.
        self.picking = MapPicking(self.map, lambda: self.patrol_panel,
                                  lambda message, timeout: self.statusBar().showMessage(message, timeout))

        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)
        self._build_actions()

        self.bridge = HubBridge(service.hub, self._on_change, self)
        self._refresh_timer = QTimer(self, singleShot=True, interval=50)
        self._refresh_timer.timeout.connect(self.refresh)

        if not self._restore_layout() and not self._default_size_fits():
            # A laptop screen smaller than the default size (1366x768, or 1920x1080 at 150%): open maximised, so
            # the window manager fits the frame, title bar and status bar onto the screen.
            self.setWindowState(Qt.WindowState.WindowMaximized)
        for dock in self._docks():
            if not dock.isHidden():  # open in the restored or first layout: shown with the window
                self._panel(dock)
        self.fit_to_screen()
        self._update_status()

    # --- the docked panels, each built on first use ------------------------------------------------------

    def _docks(self) -> tuple[QDockWidget, ...]:
        return (self.analysis_dock, self.sync_dock, self.roster_dock, self.patrol_dock, self.premises_dock)

    def _panel(self, dock: QDockWidget) -> QWidget:
        """The dock's panel, built now if it was not yet (into the dock's scroll area, in place of its placeholder)."""
        name = dock.objectName()
        panel = self._panels.get(name)
        if panel is None:
            panel = self._panels[name] = self._panel_builders[name]()
            scroll = dock.widget()
            assert isinstance(scroll, DockScrollArea)
            scroll.put(panel)
        return panel

    def _built(self, dock: QDockWidget) -> QWidget | None:
        """The dock's panel if it was built (a panel never shown has nothing to refresh, save or dispose of)."""
        return self._panels.get(dock.objectName())

    @property
    def analysis(self) -> AnalysisPanel:
        return cast("AnalysisPanel", self._panel(self.analysis_dock))

    @property
    def sync_panel(self) -> SyncPanel:
        return cast("SyncPanel", self._panel(self.sync_dock))

    @property
    def roster_panel(self) -> RosterPanel:
        return cast("RosterPanel", self._panel(self.roster_dock))

    @property
    def patrol_panel(self) -> PatrolPanel:
        return cast("PatrolPanel", self._panel(self.patrol_dock))

    @property
    def premises_panel(self) -> PremisesPanel:
        return cast("PremisesPanel", self._panel(self.premises_dock))

    def _build_analysis(self) -> AnalysisPanel:
        from ruralwatch.ui.analysis_panel import AnalysisPanel

        panel = AnalysisPanel(self.services, self.ops, self)
        panel.hotspots_ready.connect(lambda run: self.map.show_hotspots(run.geojson()))
        panel.hotspot_table.itemSelectionChanged.connect(self._on_hotspot_selected)
        # Never narrower than the panel: at 1366x768 a narrow dock cut tab names and period boxes off at the side.
        self.analysis_dock.widget().setMinimumWidth(panel.minimumSizeHint().width())
        return panel

    def _build_sync(self) -> SyncPanel:
        from ruralwatch.ui.sync_panel import SyncPanel

        panel = SyncPanel(self.services, self.ops, self)
        panel.central_conflicts_state.connect(self._grey_central_conflicts)
        return panel

    def _build_roster(self) -> RosterPanel:
        from ruralwatch.ui.roster_panel import RosterPanel

        panel = RosterPanel(self.services, self.ops, self)
        panel.patrol_requested.connect(self.show_patrol)
        return panel

    def _build_patrols(self) -> PatrolPanel:
        from ruralwatch.ui.patrol_panel import PatrolPanel

        panel = PatrolPanel(self.services, self.map, self.ops, self)
        panel.newIncidentRequested.connect(self._on_patrol_new_incident)
        panel.pickRequested.connect(self.picking.patrol_pick)
        return panel

    def _build_premises(self) -> PremisesPanel:
        from ruralwatch.ui.premises_panel import PremisesPanel

        panel = PremisesPanel(self.services, self)
        # An incident under a premises or in a serial check opens as a double-click in the table opens it.
        panel.incident_requested.connect(self.show_incident)
        panel.pick_requested.connect(self.picking.form_pick)
        return panel

    # --- building ----------------------------------------------------------------------------------------

    def _build_filters(self) -> QWidget:
        bar = QWidget()
        row = QVBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search place, description, crime ref, VRM… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.kind_filter = vocab_combo(((kind.key, kind.name) for kind in KINDS), blank="All kinds")
        self.status_filter = vocab_combo(STATUSES, blank="Any status")
        self.use_from = QCheckBox("F&rom")
        self.date_from = FollowingDateEdit(months=-3)
        self.use_to = QCheckBox("T&o")
        self.date_to = FollowingDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        clear = QPushButton("C&lear")
        clear.setToolTip("Clear all filters")
        clear.clicked.connect(self.clear_filters)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        for combo in (self.kind_filter, self.status_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        for check, edit in ((self.use_from, self.date_from), (self.use_to, self.date_to)):
            # Ticked, a date nobody chose is today's (or three months back) again: the window may have been open
            # since yesterday. Quietly: the tick itself refreshes, once.
            check.toggled.connect(lambda on, e=edit: on and e.follow_today(quietly=True))
            check.toggled.connect(self.apply_filters)
            check.toggled.connect(edit.setEnabled)  # a date that does not filter should not look as if it does
            edit.setEnabled(False)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self.apply_filters)

        # Three rows, and combos that may be narrower than their longest entry, so the table pane can be narrow
        # enough on a 1366x768 laptop screen (with a panel docked) to leave the map a usable width.
        for combo in (self.kind_filter, self.status_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.search.setMinimumWidth(160)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(clear)
        middle = QHBoxLayout()
        middle.addWidget(self.kind_filter, 2)
        middle.addWidget(self.status_filter, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.use_from)
        bottom.addWidget(self.date_from, 1)
        bottom.addWidget(self.use_to)
        bottom.addWidget(self.date_to, 1)
        for layout in (top, middle, bottom):
            row.addLayout(layout)
        return bar

    def _build_actions(self) -> None:
        """The actions come from window_actions.ACTIONS; here only where each one shows."""
        build_actions(self)
        # Delete belongs to the incidents table: window-wide it would clash with the panels' own Delete keys
        # (plan stops, duty crew), and a key bound twice in one window silently does nothing in Qt.
        self.removeAction(self.delete_action)
        self.table.addAction(self.delete_action)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.edit_action, self.delete_action, self.refresh_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (self.demo_action, self.remove_demo_action, self.import_action, self.roads_action,
                       self.export_action, self.sync_dock.toggleViewAction(), self.central_conflicts_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.backups_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        incidents_menu = menu.addMenu("&Incidents")
        for action in (self.new_action, self.edit_action, self.delete_action, self.find_action,
                       self.refresh_action):
            incidents_menu.addAction(action)
        incidents_menu.addSeparator()
        incidents_menu.addAction(self.alert_action)
        incidents_menu.addAction(self.alerts_list_action)
        # The incidents table's context menu: what can be done with the incident under the pointer.
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._incident_context_menu)
        team_menu = menu.addMenu("&Team")
        team_menu.addAction(self.patrol_dock.toggleViewAction())
        team_menu.addAction(self.roster_dock.toggleViewAction())
        roster_tabs = team_menu.addMenu("Roster &tab")
        for action in (self.roster_people_action, self.roster_duties_action, self.roster_hours_action):
            roster_tabs.addAction(action)
        team_menu.addAction(self.premises_dock.toggleViewAction())
        team_menu.addSeparator()
        team_menu.addAction(self.vehicle_list_action)
        team_menu.addAction(self.serial_check_action)
        menu.addMenu("&View").addAction(self.large_text_action)
        map_menu = menu.addMenu("&Map")
        map_menu.addAction(self.fit_action)
        map_menu.addAction(self.heat_action)
        self.basemap_menu = self.basemap_actions.menu = map_menu.addMenu("&Basemap")
        map_menu.addAction(self.add_basemap_action)
        self.remove_basemap_menu = self.basemap_actions.remove_menu = map_menu.addMenu("&Remove basemap")
        map_menu.addSeparator()
        map_menu.addAction(self.export_png_action)
        map_menu.addAction(self.export_html_action)
        self.basemap_actions.rebuild_menus()
        analysis_menu = menu.addMenu("&Analysis")
        self.analysis_toggle = self.analysis_dock.toggleViewAction()
        analysis_menu.addAction(self.analysis_toggle)
        for dock in (self.sync_dock, self.patrol_dock, self.roster_dock, self.analysis_dock, self.premises_dock):
            # `toggled` comes before the dock's own toggle (on `triggered`), so it still sees where the dock was.
            dock.toggleViewAction().toggled.connect(lambda on, d=dock: self._note_behind_tab(d, on))
            dock.toggleViewAction().triggered.connect(lambda shown, d=dock: self._focus_dock(d, shown))
        analysis_menu.addAction(self.harm_action)
        map_menu.addAction(self.context_action)
        self._build_account_menu(menu)
        help_menu = menu.addMenu("&Help")
        for action in (self.guide_action, self.shortcuts_action, self.about_action):
            help_menu.addAction(action)
        # Then click a control for what it does (Shift+F1 tells the same of the control with the focus).
        self.whats_this_action = QWhatsThis.createAction(self)
        self.whats_this_action.setText("&What's this?")
        # Its own Shift+F1 would take the key from the control with the focus, which answers it at once.
        self.whats_this_action.setShortcut(QKeySequence())
        help_menu.insertAction(self.shortcuts_action, self.whats_this_action)
        apply_permissions(self, self.services.store)
        # Greyed as the Sync panel's button is, with its words (the role, or no central store set), and again when
        # a connection string is saved in Settings.
        self._central_conflicts_tip = self.central_conflicts_action.statusTip()  # the spec's, put back once allowed
        self._grey_central_conflicts(self._central_conflicts_refusal())
        self.greyed_explainer = GreyedExplainer(self.statusBar())
        for each in menu.findChildren(QMenu):
            self.greyed_explainer.watch(each)

    def _central_conflicts_refusal(self) -> str:
        """The Sync panel's words for why Central store conflicts… cannot open (without building the panel)."""
        from ruralwatch.ui.central_conflicts import why_not

        return why_not(self.services.store.actor, self.services.sync.central_dsn())

    def _grey_central_conflicts(self, refused: str) -> None:
        action = self.central_conflicts_action
        action.setEnabled(not refused)
        action.setToolTip(self._central_conflicts_tip)
        action.setStatusTip(self._central_conflicts_tip)
        if refused:
            explain_greyed(action, refused)

    # --- accounts and permissions ------------------------------------------------------------------------
    # The signed-in account (services.store.actor): its menu, the idle lock, and the actions its role may not
    # do disabled up front (the services refuse them anyway). A plain test store's actor is SYSTEM: no lock.

    def _build_account_menu(self, menu: QMenuBar) -> None:
        store = self.services.store
        actor = store.actor
        signed_in = store.encrypted and not actor.is_system
        role = ACCOUNT_ROLE_NAMES.get(actor.role, actor.role)
        self.idle_lock = IdleLock(self, store, float(keys.IDLE_MINUTES.read())) if signed_in else None
        if self.idle_lock is not None:
            self.idle_lock.sign_out_requested.connect(lambda: self.sign_out(ask=False))
        if signed_in:
            self.setWindowTitle(f"{self.windowTitle()} — {actor.username} ({role})")
        self.account_label = QLabel(f"Signed in as {actor.username} ({role})" if signed_in else "Not signed in")
        self.account_label.setStyleSheet("padding: 0 8px; border-left: 1px solid palette(mid);")
        self.statusBar().addPermanentWidget(self.account_label)

        account_menu = menu.addMenu("A&ccount")  # Alt+A is the Analysis menu
        self.account_menu = account_menu
        who = QAction(f"Signed in as {actor.username} ({role})" if signed_in else "Not signed in (plain database)",
                      self)
        who.setEnabled(False)
        who.setProperty("informational", True)  # a label, not a command: needs no mnemonic
        account_menu.addAction(who)
        account_menu.addSeparator()
        for action in (self.change_password_action, self.lock_action, self.sign_out_action):
            action.setEnabled(signed_in)
            account_menu.addAction(action)
        account_menu.addSeparator()
        account_menu.addAction(self.accounts_action)
        account_menu.addAction(self.audit_action)
        account_menu.addAction(self.retention_action)

    def open_settings(self) -> SettingsDialog:
        """Settings (non-modal, like the forms); saving applies the display options at once."""
        from ruralwatch.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self)
        dialog.saved.connect(self._apply_settings)
        dialog.setup_requested.connect(lambda: (dialog.reject(), self.open_first_steps()))
        dialog.data_moved.connect(self.close_after_move)
        dialog.show()
        return dialog

    def _incident_context_menu(self, position: QPoint) -> None:
        menu = QMenu(self.table)
        self.greyed_explainer.watch(menu)
        for action in (self.edit_action, self.alert_action, self.delete_action):
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def alert_selected(self) -> AlertComposeDialog | None:
        """Compose an alert to the community from the selected incident (the ward containing it, the rounded
        window; a supervisor approves it in the alerts list)."""
        from ruralwatch.ui.alert_dialog import AlertComposeDialog

        incident_id = self.selected_id()
        if not incident_id:
            self.statusBar().showMessage("Select an incident first", 3000)
            return None
        dialog = AlertComposeDialog(self.services, self.services.alerts.draft_for_incident(incident_id), parent=self)
        dialog.saved.connect(lambda _id: self.statusBar().showMessage(
            "Alert saved as a draft: a supervisor approves it in Incidents ▸ Community alerts", 8000))
        dialog.show()
        return dialog

    def open_alerts(self) -> AlertsDialog:
        from ruralwatch.ui.alert_dialog import AlertsDialog

        dialog = AlertsDialog(self.services, self)
        dialog.show()
        return dialog

    def open_backups(self) -> BackupsDialog:
        """Backups and restore (non-modal); a checked restore closes the window (close_to_restore)."""
        from ruralwatch.ui.backups_dialog import BackupsDialog

        dialog = BackupsDialog(self.services, self)
        dialog.restore_requested.connect(self.close_to_restore)
        dialog.show()
        return dialog

    def close_to_restore(self, request: RestoreRequest) -> bool:
        """Close so the backup can replace the database (it cannot under an open window). Asks first when a form
        holds what is not saved: it would be lost with the window, and the restore replaces the data anyway."""
        unsaved = self.unsaved_forms()
        if unsaved and not self.confirm_close(
                "Restore the backup?", f"{len(unsaved)} incident form(s) have unsaved changes: they are lost when "
                f"the window closes to restore the backup of {request.made}. Restore all the same?"):
            return False
        if not self.settle_unsaved_panels("Restore the backup?", "restoring the backup"):
            return False
        self.restore_request = request
        self.close()
        return True

    def unsaved_panel_changes(self) -> list[str]:
        """What the docked panels hold that is not saved (the roster's availability), a phrase each."""
        return self.roster_panel.unsaved_changes() if self._built(self.roster_dock) else []

    def settle_unsaved_panels(self, title: str, doing: str) -> bool:
        """Before the window closes: Save, Discard or Cancel what a panel holds unsaved (availability typed in the
        Roster panel was lost on signing out or closing, without a word). True to go on closing."""
        changes = self.unsaved_panel_changes()
        if not changes:
            self._unsaved_settled = True
            return True
        what = "; ".join(changes)
        answer = self.ask_unsaved_panels(title, f"The Roster panel has changes that are not saved: {what}.\n\n"
                                                f"Save them before {doing}?")
        if answer == CANCEL:
            return False
        if answer == SAVE and not self.roster_panel.save_unsaved():
            self.roster_dock.show()  # the refusal is shown beside the availability: the window stays open
            self.roster_dock.raise_()
            return False
        self._unsaved_settled = True
        return True

    def ask_unsaved_panels(self, title: str, question: str) -> str:
        """SAVE, DISCARD or CANCEL, like every other form with unsaved changes. Tests replace this."""
        return ask_save_discard_cancel(self, title, question)

    def confirm_close(self, title: str, question: str) -> bool:
        """Tests replace this to answer."""
        answer = QMessageBox.question(self, title, question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def open_retention(self) -> RetentionDialog:
        from ruralwatch.ui.retention_dialog import RetentionDialog

        dialog = RetentionDialog(self.services, self)
        dialog.show()
        return dialog

    def open_export(self) -> ExportDialog:
        """Export incidents, starting from the table's kind and date filters (non-modal)."""
        from ruralwatch.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.services, self.current_filter(), parent=self)
        dialog.exported.connect(lambda result: self.statusBar().showMessage(result.summary()[:1].upper()
                                                                            + result.summary()[1:], 15000))
        dialog.show()
        return dialog

    def unsaved_forms(self) -> list[IncidentDialog]:
        return [form for form in self.forms if form.is_modified()]

    def close_after_move(self, moved: MovedDatabase) -> None:
        """The database was copied to its new folder: close, so the old files can go (ruralwatch.ui.application)."""
        self.moved_database = moved
        self._unsaved_settled = True  # the move refused to start with anything unsaved (settings_dialog)
        self.close()

    def _apply_settings(self) -> None:
        settings = QSettings()
        self.large_text_action.setChecked(keys.LARGE_TEXT.read(settings))
        if self.idle_lock is not None:
            self.idle_lock.set_minutes(float(keys.IDLE_MINUTES.read(settings)))

    def open_first_steps(self) -> FirstStepsDialog:
        from ruralwatch.ui.first_steps import first_steps

        dialog = first_steps(self)
        dialog.show()
        return dialog

    def change_own_password(self) -> None:
        from ruralwatch.ui.accounts_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.services.accounts, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.statusBar().showMessage("Password changed: use the new one next time", 6000)
        dialog.deleteLater()

    def lock_now(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock()

    def sign_out(self, ask: bool = True) -> bool:
        """Close the window and go back to signing in (ruralwatch.ui.application runs the next session). Asks
        first when a form is open (what it holds is lost); the lock screen's Sign out does not ask."""
        if self.idle_lock is None:  # a plain (test) database has no accounts to sign in to
            return False
        if ask and self.forms:
            answer = QMessageBox.question(
                self, "Sign out", f"Sign out {self.services.store.actor.username}?\n\nThe open incident form(s) "
                "close, and what they hold that is not saved is lost.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        if ask and not self.settle_unsaved_panels("Sign out", "signing out"):
            return False
        self._unsaved_settled = True  # the lock screen's Sign out does not ask: nobody is at the window
        self.signed_out = True
        self.close()
        return True

    def open_accounts(self) -> None:
        from ruralwatch.ui.accounts_dialog import AccountsDialog

        if not self.services.store.actor.can("accounts.manage"):
            return
        dialog = AccountsDialog(self.services.accounts, parent=self)
        dialog.exec()
        dialog.deleteLater()

    def open_audit_log(self) -> None:
        from ruralwatch.ui.audit_view import AuditDialog

        if not self.services.store.actor.can("audit.view"):
            return
        dialog = AuditDialog(self.services, self)
        dialog.exec()
        dialog.deleteLater()

    # --- filters and refresh -----------------------------------------------------------------------------

    def current_filter(self) -> IncidentFilter:
        kind = self.kind_filter.currentData()
        status = self.status_filter.currentData()
        return IncidentFilter(
            kinds=(kind,) if kind else (),
            statuses=(status,) if status else (),
            start_from=self.date_from.date().toPython() if self.use_from.isChecked() else None,
            start_to=self.date_to.date().toPython() if self.use_to.isChecked() else None,
            text=self.search.text(),
        )

    def apply_filters(self) -> None:
        self.model.set_filter(self.current_filter())
        self.table.scrollToTop()  # a new set of rows starts at its first (newest) one, not where the old one was
        self.refresh_map(layers=False)  # the zones and premises do not follow the table's filter: nothing to redo
        self._update_status()

    def clear_filters(self) -> None:
        for widget in (self.search, self.kind_filter, self.status_filter, self.use_from, self.use_to):
            widget.blockSignals(True)
        self.search.clear()
        self.kind_filter.setCurrentIndex(0)
        self.status_filter.setCurrentIndex(0)
        self.use_from.setChecked(False)
        self.use_to.setChecked(False)
        for edit in (self.date_from, self.date_to):
            edit.reset(quietly=True)  # back to following today
        for widget in (self.search, self.kind_filter, self.status_filter, self.use_from, self.use_to):
            widget.blockSignals(False)
        self.apply_filters()

    def refresh(self) -> None:
        """Read everything again: the incidents and map, and the roster, patrol, premises and sync panels (a walk added
        people and duties with the command line beside the window, and Refresh left the roster as it was until the
        next sign-in; changes made in this window reach the panels by themselves)."""
        selected = self.selected_id()
        self.model.reload(keep_loaded=True)
        self.refresh_map()
        self._update_status()
        if selected:
            self.select_incident(selected)
        # Only the panels built so far: one built later reads everything when it is.
        if self._built(self.roster_dock):
            self.roster_panel.refresh()
        if self._built(self.patrol_dock):
            self.patrol_panel.reload()
        if self._built(self.premises_dock):
            self.premises_panel.refresh()
        if self._built(self.sync_dock):
            self.sync_panel.reload()  # the Pending column counts what a command beside the window wrote too

    def refresh_map(self, layers: bool = True) -> None:
        """The incidents of the table's filter on the map and, with `layers`, the near-repeat zones and premises."""
        # The page fetches the rows through this thread: the zones and premises are worked out once it has them,
        # while it draws them (their scripts run after the incidents are drawn either way).
        # Once the page has the rows, their pages leave this process's page cache (about 25 MB with 100,000
        # incidents); a filter change reads the map's index again (0.49 s of CPU cold against 0.44 s warm).
        self.map.show_incidents(self.service.map_json_parts(self.model.filter),
                                taken=self._refresh_map_layers if layers else self.services.store.release_cache)

    def _refresh_map_layers(self) -> None:
        self.refresh_near_repeat_zones()
        self.refresh_premises_layer()
        self.services.store.release_cache()

    def refresh_premises_layer(self) -> None:
        """The registered premises on the map, those victimised within the repeat window outlined red."""
        try:
            premises = self.services.premises
            self.map.show_premises(premises_geojson(premises.map_layer(), premises.repeat_window()))
        except RuralWatchError:  # a role that may not see the register: no layer
            self.map.show_premises({"type": "FeatureCollection", "features": []})

    def refresh_near_repeat_zones(self) -> None:
        """The near-repeat risk zones live now (recent thefts and burglaries), whatever the table's filter."""
        zones = self.services.near_repeat
        self.map.show_near_repeat_zones(zones.zones_geojson(zones.active_zones()))

    def refresh_context(self) -> None:
        """Published crime for its own grey map layer (only when some has been imported)."""
        if self.services.published.count():
            self.map.show_context(self.services.published.map_json())

    def _on_hotspot_selected(self) -> None:
        rows = self.analysis.hotspot_table.selectionModel().selectedRows()
        if rows:
            self.map.focus_hotspot(rows[0].row() + 1)

    def import_vehicle_list(self, path: Path | None = None, source: str | None = None) -> bool:
        """Ask for a list file and its source (unless given) and import it in the background; the result stays
        on screen with the rows not taken and why. False when a choice was cancelled."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import a list of vehicles of interest", str(Path.home()),
                                                  "Lists (*.csv *.xlsx);;All files (*)")
            if not name:
                return False
            path = Path(name)
        if source is None:
            known = sorted(self.services.vehicles.sources()) or ["ANPR hotlist", "Force intelligence"]
            source, ok = QInputDialog.getItem(self, "Source of the list", "Which list is this? (a source's new "
                                              "list replaces its previous one)", known, 0, True)
            if not ok or not source.strip():
                return False
        chosen_path, chosen_source = path, source

        def done(result: ListImport) -> None:
            box = QMessageBox(QMessageBox.Icon.Information, "Vehicles of interest imported",
                              result.summary()[:1].upper() + result.summary()[1:], QMessageBox.StandardButton.Ok,
                              self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

        self.ops.run("Importing vehicles of interest…",
                     lambda services, _progress: services.vehicles.import_list(chosen_path, chosen_source), done,
                     failure_title="List not imported")
        return True

    def import_published(self, paths: list[Path] | None = None) -> bool:
        """Ask for files (unless given) and import them in the background; False when the choice was cancelled."""
        if paths is None:
            names, _ = QFileDialog.getOpenFileNames(self, "Import data.police.uk street-level crime",
                                                    str(Path.home()),
                                                    "CSV files or the download's zip (*.csv *.zip);;All files (*)")
            if not names:
                return False
            paths = [Path(n) for n in names]
        chosen = list(paths)

        def done(result: tuple[ImportReport, str]) -> None:
            from ruralwatch.services.published import held_words

            report, other_forces = result
            self.refresh_context()
            self.statusBar().showMessage(report.summary(), 10000)
            # The result stays until read (not only ten seconds in the status bar), each file's counts below.
            box = QMessageBox(QMessageBox.Icon.Information, "Published crime imported", report.summary(),
                              QMessageBox.StandardButton.Ok, self)
            # Where they went: not into the incident table (a new user looked for them there).
            box.setInformativeText("Published crime is not added to your incidents: it shows on the map as the "
                                   "Published crime layer (Map menu) and in the Analysis panel's hotspots and "
                                   "harm by area." + (f"\n\n{other_forces}" if other_forces else ""))
            box.setDetailedText("\n".join(
                f"{Path(f.file_name).name}: {f.rows_read:,} read, {f.imported:,} imported, "
                + _held_part(f.duplicates, held_words(f.already_held))
                + f"{f.rejected:,} rejected" for f in report.per_file))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            # Forgotten once closed: it deletes itself then, and a later look at it would touch a deleted box.
            box.finished.connect(lambda _result, b=box: self._forget_import_box(b))
            box.open()
            self.last_import_box = box

        self.ops.run("Importing published crime…",
                     lambda services, progress: (services.published.import_paths(chosen, progress),
                                                 # Another force's files are counted but left out: say so now.
                                                 services.analysis.other_forces_note()), done,
                     on_cancelled=lambda _exc: self.statusBar().showMessage(
                         "Published crime import cancelled: nothing was imported", 10000),
                     failure_title="Published crime not imported")
        return True

    def _forget_import_box(self, box: QMessageBox) -> None:
        if self.last_import_box is box:
            self.last_import_box = None

    def import_roads(self, path: Path | None = None) -> bool:
        """Ask for an OpenStreetMap extract (unless given) and read it into the road network in the background
        (progress, cancel); False when the choice was cancelled. A bad file changes nothing and says why."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import a road network (OpenStreetMap extract)",
                                                  str(Path.home()),
                                                  "OpenStreetMap extracts (*.osm.pbf *.pbf *.osm);;All files (*)")
            if not name:
                return False
            path = Path(name)
        chosen = path

        def done(info: NetworkInfo) -> None:
            from ruralwatch.services.roads import ATTRIBUTION as ROADS_ATTRIBUTION

            self.statusBar().showMessage(
                f"Road network imported from {info.source}: {info.nodes:,} junctions, {info.edges:,} road links. "
                f"Plans in its area are now timed by road. {ROADS_ATTRIBUTION}", 15000)

        self.ops.run("Importing the road network…",
                     lambda services, progress: services.roads.import_file(chosen, progress), done,
                     failure_title="Road network not imported")
        return True

    def edit_harm_weights(self) -> None:
        from ruralwatch.ui.harm_dialog import HarmWeightsDialog

        dialog = HarmWeightsDialog(self.services.harm, self)
        dialog.exec()
        dialog.deleteLater()

    def _on_change(self, change: Change) -> None:
        if change.topic == "incidents":
            self._refresh_timer.start()
        elif change.topic == "near_repeat":  # the zone's metres or days changed
            self.refresh_near_repeat_zones()
        elif change.topic == "premises":  # the register or its repeat window changed
            self.refresh_premises_layer()
        elif change.topic == "basemaps":
            self.tile_handler.forget()
            self.basemap_actions.reload()
        elif change.topic == "geography":  # another force, or new districts or wards: redraw the outlines
            self.map.geography = self.services.geography.current()
            self.map.load_page(self.basemap_actions.usable())
            if self._built(self.analysis_dock):  # a panel built later reads the new one itself
                self.analysis.reload_geography()
        elif change.topic == SYNC_SETTINGS_TOPIC:  # a central store set or cleared: Central store conflicts…
            self._grey_central_conflicts(self._central_conflicts_refusal())

    def _update_status(self) -> None:
        total = self.service.count()
        shown = self.model.total
        self.count_label.setText(f"{shown:,} shown of {count_of(total, 'incident')}")
        self._update_empty_note(shown, total)
        demo = self.service.has_synthetic()
        self.demo_banner.setVisible(demo)
        # The File menu offers what can be done: load the demo, or once it is there, remove it.
        self.demo_action.setVisible(not demo)
        self.remove_demo_action.setVisible(demo)

    def _update_empty_note(self, shown: int, total: int) -> None:
        """Say so when the filters leave nothing to show, and how to see everything again; dates the wrong way
        round are outlined and named (a walk saw only an empty table)."""
        problem = self.model.filter.date_order_problem()
        for edit in (self.date_from, self.date_to):
            if problem:
                mark(edit, problem)
            else:
                unmark(edit)
        tone = "problem" if problem else "notice"
        if tone != self._empty_note_tone:
            self._empty_note_tone = tone
            theme.set_style(self.empty_note, f"{theme.tone_style(tone)} padding: 4px;")
        if problem:
            self.empty_note.setText(html.escape(problem))
        elif shown or not self.model.filter.narrows:
            self.empty_note.hide()
            return
        else:
            everything = f" to see all {total:,}" if total > 1 else " to see the one there is" if total else ""
            self.empty_note.setText(f"No incidents match these filters. <a href=\"clear\">Clear them</a> "
                                    f"(Alt+L){everything}.")
        self.empty_note.show()

    # --- selection and actions ---------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.incident_id(rows[0].row()) if rows else None

    def select_incident(self, incident_id: str, focus_map: bool = True) -> bool:
        row = self.model.row_of(incident_id)
        while row is None and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
            row = self.model.row_of(incident_id)
        if row is None:
            return False
        self._focus_map_on_select = focus_map
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self._focus_map_on_select = True
        return True

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        incident_id = self.selected_id()
        handle = self.service.map_handle(incident_id) if incident_id else None
        if handle is not None and self._focus_map_on_select:
            self.map.focus_incident(handle)

    def _note_behind_tab(self, dock: QDockWidget, on: bool) -> None:
        """Whether the panel being switched off is open but behind another panel's tab (nothing of it shows)."""
        self._behind_tab = dock if not on and dock.isVisible() and dock.visibleRegion().isEmpty() else None

    def show_roster_people(self) -> None:
        self.show_roster_tab("people")

    def show_roster_duties(self) -> None:
        self.show_roster_tab("duties")

    def show_roster_hours(self) -> None:
        self.show_roster_tab("hours")

    def show_roster_tab(self, name: str) -> None:
        """Team ▸ Roster tab ▸ …: the roster panel shown and brought forward on that tab, the focus in it."""
        self.roster_panel.show_tab(name)
        if not self.roster_dock.isVisible():
            self.roster_dock.show()
        self._focus_dock(self.roster_dock, True)
        self._focus_dock_page(self.roster_panel.tabs.currentWidget())

    def _focus_dock_page(self, page: QWidget) -> None:
        """The first widget of a panel's page that takes the focus (Tab goes on from there)."""
        candidate = page.nextInFocusChain()
        while candidate is not None and candidate is not page:
            if (page.isAncestorOf(candidate) and candidate.isVisibleTo(page) and candidate.isEnabled()
                    and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus):
                candidate.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
            candidate = candidate.nextInFocusChain()

    def _focus_dock(self, dock: QDockWidget, shown: bool) -> None:
        """A panel opened from the menu or its shortcut takes the focus, so Tab then works inside it. A panel open
        behind another one's tab is brought to the front instead of closed: a walk pressed Ctrl+Shift+R to see the
        roster behind the Patrols tab, and it closed."""
        if not shown and self._behind_tab is dock:
            self._behind_tab = None
            dock.show()
            shown = True
        panel = dock.widget()
        if not shown or panel is None:
            return
        dock.raise_()
        self.fit_dock(dock)
        self._focus_dock_page(panel)

    def roster_has_the_width(self) -> bool:
        """Whether the incidents and the map are put aside for the roster in front (see _give_roster_the_width)."""
        central = self.centralWidget()
        return central is not None and central.isHidden() and self._roster_wide

    def _give_roster_the_width(self, in_front: bool) -> None:
        lock = getattr(self, "idle_lock", None)
        central = self.centralWidget()
        if central is None or (lock is not None and getattr(lock, "is_locked", False)):
            return  # the lock hides the incidents itself, and gives back what it hid
        wide = in_front and not self.roster_dock.isFloating()
        if wide and not self._roster_wide and not central.isHidden():
            self._docked_width = self.roster_dock.width()  # what the panels get back when the roster steps back
        self._roster_wide = wide
        if central.isHidden() != wide:
            central.setVisible(not wide)
            if not wide:
                self._docks_back_to_their_width()

    def _docks_back_to_their_width(self) -> None:
        """The docked panels as wide as before the roster took the width (at most two fifths of the window): left
        as they were, the panel in front kept most of the window beside a table cut to two columns, and a layout
        saved then came back that wide at the next start (a walk)."""
        limit = max(MIN_DOCK_WIDTH, int(self.width() * 0.4))
        width = min(self._docked_width or limit, limit)
        docked = [dock for dock in self._docks() if dock.isVisible() and not dock.isFloating()]
        if docked:
            self.resizeDocks(docked, [width] * len(docked), Qt.Orientation.Horizontal)

    def fit_dock(self, dock: QDockWidget) -> None:
        """A docked panel opens at most two fifths of the window wide, so the table and the map keep theirs."""
        if dock.isFloating() or self.roster_has_the_width():
            return
        limit = max(MIN_DOCK_WIDTH, int(self.width() * 0.4))
        if max(dock.width(), dock.sizeHint().width()) > limit:
            self.resizeDocks([dock], [limit], Qt.Orientation.Horizontal)

    def table_widths(self, compact: bool) -> tuple[int, ...]:
        """Column widths from the table's font (sample texts, or a number of average characters), so Larger text
        widens them: fixed pixel widths cut the time off the When column. `compact`: When and Kind in short."""
        metrics = self.table.fontMetrics()
        average = metrics.averageCharWidth()
        pad = 2 * average + 8  # the cell's margins, and italic (demo) rows run a little wider
        return (
            # When, as times.format_local (or short_local) writes it
            metrics.horizontalAdvance("28 Dec 23:59" if compact else "2026-12-31 23:59") + pad,
            # Kind, with its colour swatch; narrow, its longest short name on one line ("Farm burglary" wrapped)
            (max(metrics.horizontalAdvance(kind.short_name) for kind in KINDS) if compact else average * 24)
            + pad + 16,
            average * 15 + pad,  # Status
            average * 30 + pad,  # Place
            # a 10-figure reference on one line (sized for 8 figures, "TL 52345 12345" wrapped over two)
            metrics.horizontalAdvance("TL 88888 88888") + pad,  # Grid ref
            average * 15 + pad,  # Vehicles
            average * 13 + pad,  # Crime ref
        )

    def size_table_columns(self) -> None:
        """Widths for the table's present width: narrower than When, Kind and Grid ref side by side (a panel docked
        beside it, ~410 px at 1366x768, showed When and Kind only), When and Kind go short so the Grid ref fits."""
        wide = self.table_widths(compact=False)
        room = self.table.viewport().width()
        compact = 0 < room < wide[0] + wide[1] + wide[GRID_REF_COLUMN]
        self.model.set_compact(compact)
        self._table_compact = compact
        header = self.table.horizontalHeader()
        for column, width in enumerate(self.table_widths(compact)):
            contents = header.sectionSizeFromContents(column).width()
            header.resizeSection(column, width if compact and column in (0, 1) else max(width, contents))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            wide = self.table_widths(compact=False)
            compact = 0 < self.table.viewport().width() < wide[0] + wide[1] + wide[GRID_REF_COLUMN]
            if compact != getattr(self, "_table_compact", None):
                self.size_table_columns()
        return super().eventFilter(watched, event)

    def _default_size_fits(self) -> bool:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return True
        free = screen.availableGeometry()
        # Room for a window manager's frame and title bar around the default size.
        return free.width() >= DEFAULT_SIZE[0] + 16 and free.height() >= DEFAULT_SIZE[1] + 48

    def fit_to_screen(self) -> None:
        """Keep the window on its screen's free area: a remembered or default size larger than this laptop's
        screen is shrunk and moved back onto it."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), free.width() - extra_w)
        height = min(self.height(), free.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), free.x()), free.right() - frame.width() + 1)
        y = min(max(frame.y(), free.y()), free.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def _focus_search(self) -> None:
        # The roster in front puts the incidents aside; asking to search them brings them back beside it.
        if self.roster_has_the_width():
            self._give_roster_the_width(False)
        self.search.setFocus()
        self.search.selectAll()

    def new_incident(self) -> IncidentDialog:
        from ruralwatch.ui.incident_form import IncidentDialog

        return self._show_form(IncidentDialog(self.service, None, self, premises=self.services.premises,
                                              examples=self.services.geography.place_examples()))

    def open_incident(self, incident_id: str) -> IncidentDialog | None:
        from ruralwatch.ui.incident_form import IncidentDialog

        for form in self.forms:
            if form.incident and form.incident.id == incident_id:
                form.raise_()
                form.activateWindow()
                return form
        try:
            incident = self.service.get(incident_id)
        except RuralWatchError as exc:
            self.report_problem("RuralWatch", str(exc))
            return None
        return self._show_form(IncidentDialog(self.service, incident, self, premises=self.services.premises,
                                              examples=self.services.geography.place_examples()))

    def show_incident(self, incident_id: str) -> IncidentDialog | None:
        """An incident asked for from a panel: selected in the table and on the map when the filters show it,
        and its form opened."""
        self.select_incident(incident_id)
        return self.open_incident(incident_id)

    def show_patrol(self, patrol_id: str) -> PatrolRecord | None:
        """A patrol asked for from a panel (a roster duty's): Team ▸ Patrols brought forward with it open."""
        self.patrol_dock.show()
        self.patrol_dock.raise_()
        self.fit_dock(self.patrol_dock)
        self.patrol_panel.reload()  # planned a moment ago: in the list before the change hub's refresh comes
        self.patrol_panel.select_patrol(patrol_id)
        record = self.patrol_panel.open_patrol(patrol_id)
        if record is not None and record.status.can_start and not self.services.store.actor.can("patrol.plan"):
            # A crew member who may not plan stops (a Special) came to start it: its Plan tab is all greyed.
            self.patrol_panel.tabs.setCurrentWidget(self.patrol_panel.log)
        return record

    def _show_form(self, form: IncidentDialog) -> IncidentDialog:
        """Forms are not modal: several can be open, and the map stays usable for picking a place."""
        self.forms.append(form)
        form.saved_incident.connect(self._on_form_saved)
        form.pick_requested.connect(lambda on, f=form: self.picking.form_pick(f, on))
        form.finished.connect(lambda _result, f=form: self._on_form_closed(f))
        form.show()
        return form

    def _on_form_saved(self, saved: Incident) -> None:
        try:
            note = self.services.near_repeat.note_on_recording(saved.id)
            if note:  # a theft or burglary: the registered premises in its zone are the ones to visit
                inside = len(self.services.premises.in_zone_of(saved.id))
                if inside:
                    note += f" {inside} registered premises in the zone (Team ▸ Premises ▸ To visit)."
        except RuralWatchError:
            note = ""
        self.statusBar().showMessage(f"Incident saved. {note}" if note else "Incident saved", 12000 if note else 4000)
        self.refresh()
        self.select_incident(saved.id)

    def _on_form_closed(self, form: IncidentDialog) -> None:
        if form in self.forms:
            self.forms.remove(form)
        self.picking.form_closed(form)
        form.deleteLater()

    def _on_patrol_new_incident(self, event_id: str, lat: float, lon: float) -> None:
        """A "new incident" logged on a patrol opens the incident form at that place and links what is saved."""
        form = self.new_incident()
        if not math.isnan(lat) and not math.isnan(lon):
            form.set_location(lat, lon)
        form.saved_incident.connect(
            lambda incident, eid=event_id: self.services.patrols.link_incident(eid, incident.id)
        )

    # The map pick state lives in self.picking; these names stay for the tests.
    @property
    def _picking_form(self) -> IncidentDialog | None:
        return self.picking.form

    def _on_map_clicked(self, lat: float, lon: float) -> None:
        self.picking.map_clicked(lat, lon)

    def _on_map_open_requested(self, handle: int) -> None:
        incident_id = self.service.id_for_map_handle(handle)
        if incident_id:
            self.open_incident(incident_id)

    def _on_marker_clicked(self, handle: int) -> None:
        """Keep the table in step with the map: select the clicked incident's row, loading rows if needed."""
        incident_id = self.service.id_for_map_handle(handle)
        if incident_id is None or not self.select_incident(incident_id, focus_map=False):
            self.statusBar().showMessage("That incident is outside the table's filters", 4000)

    def edit_selected(self) -> Incident | None:
        incident_id = self.selected_id()
        if not incident_id:
            self.statusBar().showMessage("Select an incident first", 3000)
            return None
        return self.open_incident(incident_id)

    def delete_selected(self, confirm: bool = True) -> bool:
        incident_id = self.selected_id()
        if not incident_id:
            self.statusBar().showMessage("Select an incident first", 3000)
            return False
        open_forms = [form for form in self.forms if form.incident and form.incident.id == incident_id]
        if confirm:
            # Its form, if open, goes with it (left open, it edited an incident that no longer was).
            closing = "\n\nIts open form closes without saving." if open_forms else ""
            answer = QMessageBox.question(
                self, "Delete incident",
                "Delete the selected incident?\n\nIt disappears from lists and maps; the deletion is kept "
                f"so that it also reaches other laptops when they sync.{closing}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        self.service.delete(incident_id)
        # Selecting it zoomed the map to street level; without it there is nothing to see there.
        self.map.leave_focus()
        for form in open_forms:
            form.discard()
        self.statusBar().showMessage("Incident deleted", 4000)
        return True

    def check_serial(self) -> SerialCheckDialog:
        """Team ▸ Check a serial number…: stolen items and registered property (the Premises panel's dialog)."""
        return self.premises_panel.open_serial_check()

    def load_demo_data(self) -> None:
        from ruralwatch.services.demo_set import load_demo_set

        def work(services: Services, progress: Progress) -> DemoLoaded:
            return load_demo_set(services, progress=progress)

        def done(loaded: DemoLoaded) -> None:
            self.refresh()
            message = (f"Demo data: {loaded.incidents:,} incidents, {loaded.people} people and {loaded.patrols} "
                       f"patrols added")
            if loaded.left_out_people:
                # A status-bar line would be gone before it was read: say it where it stays until answered.
                QMessageBox.information(self, "Demo data loaded", message + loaded.left_out_note() + ".")
            self.statusBar().showMessage(message, 6000)

        self.ops.run("Loading demo data…", work, done,
                     on_cancelled=lambda exc: self.statusBar().showMessage(str(exc), 6000),
                     failure_title="Demo data not loaded")

    def remove_demo_data(self) -> bool:
        """Ask, then remove the demo set; False when the user kept it."""
        from ruralwatch.services.demo_set import remove_demo_set

        answer = QMessageBox.question(
            self, "Remove demo data",
            "Remove every demo incident, person, duty, patrol and premises? What you entered yourself is "
            "kept. The demo can be loaded again later from the File menu.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False

        def done(removed: DemoRemoved) -> None:
            self.refresh()
            self.statusBar().showMessage(f"Demo data removed: {removed.incidents:,} incidents, {removed.roster} "
                                         f"people, duties and patrols and {removed.premises} premises"
                                         f"{removed.kept_note()}", 20000 if removed.kept_people else 6000)

        self.ops.run("Removing demo data…", lambda services, _progress: remove_demo_set(services), done,
                     failure_title="Demo data not removed")
        return True

    def report_problem(self, title: str, message: str) -> None:
        """One place that tells the user something went wrong (tests replace it to read the message)."""
        self.last_problem = f"{title}: {message}"
        QMessageBox.warning(self, title, message)

    # --- basemaps and map export -------------------------------------------------------------------------

    # Basemaps are handled by self.basemap_actions (ui/basemap_actions.py); the window keeps its public names.

    @property
    def basemap_problems(self) -> list[str]:
        return self.basemap_actions.problems

    def _usable_basemaps(self) -> list[TileLayerSpec]:
        return self.basemap_actions.usable()

    def _basemap_note(self) -> None:
        """With no basemap, the map's note says how to add one for the first few sign-ins (or until its × is
        pressed); then only a line at its foot, still with "Add basemap…" (the note covered the map every time)."""
        shown = keys.basemap_note_shown(self.services.store.actor.username)
        times = shown.read()
        self.map.hint_compact = times >= keys.BASEMAP_NOTE_SIGNINS
        if not self.map.basemap_names and not self.map.hint_compact:
            shown.write(times + 1)
        self.map.hint_dismissed.connect(lambda: shown.write(keys.BASEMAP_NOTE_SIGNINS))
        self.map.add_basemap_requested.connect(lambda: self.add_basemap())

    def add_basemap(self, path: Path | None = None, name: str | None = None, copy: bool | None = None) -> bool:
        """Register an MBTiles file, copied beside the database first with `copy` (asked when None);
        `basemap_added` fires once it is on the map's list. False when refused or cancelled at once."""
        return self.basemap_actions.add(path, name, copy)

    def ask_copy_basemap(self, path: Path) -> bool | None:
        """Copy the file beside the database (True), use it where it is (False), or cancel (None).
        Tests replace this to answer."""
        return self.basemap_actions.ask_copy(path, self)

    def remove_basemap(self, basemap_id: str) -> None:
        self.basemap_actions.remove(basemap_id)

    def export_png(self, path: Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export map as PNG", str(Path.home() / "map.png"),
                                                    "PNG image (*.png)")
            if not chosen:
                return None
            path = Path(chosen)
        if not self.map.grab().save(str(path), "PNG"):
            self.report_problem("Map not exported", f"Could not write {path}")
            return None
        self.statusBar().showMessage(f"Map saved to {path}", 6000)
        return path

    def export_html(self, path: Path | None = None) -> BackgroundTask | None:
        """The map of the table's incidents as one HTML file that opens offline in any browser; written off the UI
        thread (100,000 incidents take a second or two), audited like any export. `map_page_exported` on success."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export map as HTML", str(Path.home() / "map.html"),
                                                    "Web page (*.html)")
            if not chosen:
                return None
            path = Path(chosen)
        target, flt = path, self.model.filter

        def done(count: int) -> None:
            self.statusBar().showMessage(
                f"Map saved to {target}: {count:,} incidents, no basemap (it opens offline in any browser)", 8000)
            self.map_page_exported.emit(target)

        return self.ops.run("Exporting the map…",
                            lambda services, progress: services.exports.map_page(flt, target, progress), done,
                            on_cancelled=lambda _exc: self.statusBar().showMessage(
                                f"Map export cancelled: {target.name} was not written", 8000),
                            failure_title="Map not exported")

    def open_guide(self) -> None:
        from ruralwatch.ui.help_dialogs import GuideDialog

        GuideDialog(self).show()

    def open_shortcuts(self) -> None:
        from ruralwatch.ui.help_dialogs import ShortcutsDialog

        ShortcutsDialog(self).show()

    def _about(self) -> None:
        QMessageBox.about(
            self, "About RuralWatch",
            f"<b>RuralWatch {__version__}</b><br>Offline rural crime recording and volunteer coordination.<br><br>"
            "Map: Leaflet (BSD-2-Clause), Leaflet.markercluster (MIT), Leaflet.heat (BSD-2-Clause).<br>"
            "Boundaries (force area, districts, wards): Office for National Statistics, Open Government Licence v3.0; "
            "contains OS data © Crown copyright and database right.",
        )

    # --- window state ------------------------------------------------------------------------------------

    def set_large_text(self, on: bool) -> None:
        """Scale every font of the window by a third: readable at arm's length in a vehicle."""
        app = QApplication.instance()
        if not hasattr(self, "_base_point_size"):
            self._base_point_size = app.font().pointSizeF()
        font = app.font()
        font.setPointSizeF(self._base_point_size * (4 / 3 if on else 1))
        app.setFont(font)
        theme.refresh_fonts(app)  # styled widgets and fitted tables do not follow setFont on their own
        self.size_table_columns()
        keys.LARGE_TEXT.write(on)

    def _restore_layout(self) -> bool:
        """Apply the remembered text size and geometry (this computer's) and the signed-in account's panels, or
        its role's first panel; True when a geometry was remembered."""
        settings = QSettings()
        if keys.LARGE_TEXT.read(settings):
            self.large_text_action.setChecked(True)
        geometry = keys.WINDOW_GEOMETRY.read(settings)
        if geometry is not None:
            self.restoreGeometry(geometry)
        actor = self.services.store.actor
        state = keys.splitter_state(actor.username).read(settings)
        if state is not None:
            self.splitter.restoreState(state)
        docks = keys.dock_state(actor.username).read(settings)
        if docks is None or not self.restoreState(docks, LAYOUT_VERSION):
            first = FIRST_PANEL.get(actor.role)
            if first is not None:
                dock = self.findChild(QDockWidget, first)
                dock.show()
                dock.raise_()
        for dock in self.findChildren(QDockWidget):
            # An account's role can change after it saved its layout: a panel its role may not use (its menu entry
            # greyed) stays shut (a Special saw the Sync panel, and typed a passphrase before being refused).
            if not dock.toggleViewAction().isEnabled():
                dock.hide()
        return geometry is not None

    def _save_layout(self) -> None:
        if self.roster_has_the_width():  # saved as the panels are docked beside the incidents, not the window wide
            self._give_roster_the_width(False)
        settings = QSettings()
        keys.WINDOW_GEOMETRY.write(self.saveGeometry(), settings)
        username = self.services.store.actor.username
        keys.splitter_state(username).write(self.splitter.saveState(), settings)
        keys.dock_state(username).write(self.saveState(LAYOUT_VERSION), settings)
        for old in keys.OLD_LAYOUT_KEYS:  # one login's panels, which every account used to get
            settings.remove(old)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not event.spontaneous():
            QTimer.singleShot(0, self, self.fit_to_screen)  # once the window manager has put its frame on
            self.has_closed = False  # shown again after a close: closing it is a close again

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.has_closed:  # dispose() closes a window that signed out already: its panels are disposed
            super().closeEvent(event)
            return
        if not self._unsaved_settled and not self.settle_unsaved_panels("Close RuralWatch", "closing"):
            event.ignore()
            return
        self._save_layout()
        self.bridge.dispose()
        if self.idle_lock is not None:
            self.idle_lock.dispose()
        for dock in (self.roster_dock, self.patrol_dock, self.premises_dock):
            panel = self._built(dock)
            if panel is not None:
                panel.dispose()  # type: ignore[attr-defined]
        super().closeEvent(event)
        self.has_closed = True
        self.closed.emit()

    def dispose(self) -> None:
        """Close and delete the web view before Qt tears down (avoids a crash at exit; see docs)."""
        for form in list(self.forms):
            form.close()
        self._unsaved_settled = True  # disposing is not a person closing the window: nobody to ask
        self.close()
        self.map.close()
        self.map.deleteLater()
        self.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
