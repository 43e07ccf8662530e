"""Settings: the everyday comfort options and the rules a team sets, each saved through its service.

Display options are per user (QSettings); patrol planning defaults, rostering limits and retention periods
belong to the database (its services check the role and audit the change), so a section the signed-in role
may not change is shown read-only with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES
from ruralwatch.mapping.geography import ImportReport
from ruralwatch.paths import location_is_choosable, resolve_db_path
from ruralwatch.rostering.model import REACH_NAMES, REACHES
from ruralwatch.services.container import Services
from ruralwatch.services.data_location import DataFolderError, MovedDatabase, check_data_folder, move_database
from ruralwatch.services.policies import MAX_REPEAT_DAYS, PendingPolicies, save_all
from ruralwatch.ui import settings_keys as keys
from ruralwatch.ui import theme
from ruralwatch.ui.boundary_import import BoundaryImportButton
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.position_bar import ReceiverDialog
from ruralwatch.ui.retention_dialog import RetentionDialog
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets.field_marks import mark, unmark
from ruralwatch.ui.widgets.follow_focus import follow_focus
from ruralwatch.ui.widgets.stored_numbers import show_stored, typed_or_stored
from ruralwatch.ui.widgets.unsaved import CANCEL, SAVE, ask_save_discard_cancel

RETENTION_NAMES = {
    "reporter_months": "Reporters' contacts", "volunteer_months": "Volunteers' contacts",
    "victim_vrm_months": "Victims' and witnesses' VRMs", "suspect_vrm_months": "Suspects' VRMs",
    "track_months": "Patrol tracks", "premises_months": "Premises' contacts",
}


def _months(value: int) -> str:
    return "kept" if value == 0 else f"{value} month" + ("" if value == 1 else "s")


_CENTRAL_DSN_TIP = ("The force's central store, for File ▸ Sync with other laptops… ▸ Sync with the central store, on "
                   "the force network. Its password goes in ~/.pgpass or a service file, never here.")


class SettingsDialog(QDialog):
    saved = Signal()
    setup_requested = Signal()
    data_moved = Signal(object)  # a MovedDatabase: the window closes, then the old files are removed

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.services = services
        # The dialog's own background work (progress over the dialog); changes reach the window's hub.
        self.ops = Operations(services, self, lambda title, message: self.show_error(f"{title}: {message}"))
        actor = services.store.actor
        role = ACCOUNT_ROLE_NAMES.get(actor.role, actor.role)
        # The sections scroll; the error and Save/Cancel stay below them, always on screen (on a 1366x768 laptop
        # the sections are taller than the screen, and the buttons went off its bottom edge).
        body = QWidget()
        layout = QVBoxLayout(body)

        # Section titles carry no Alt+letter: the fields in them take all 26 (test_keyboard checks for clashes).
        display = QGroupBox("Display and security (this user)")
        form = QFormLayout(display)
        self.large_text = QCheckBox("&Larger text, for use in a vehicle")
        self.idle_minutes = QSpinBox(minimum=1, maximum=120, suffix=" min")
        self.idle_minutes.setToolTip("Lock the window after this long without keyboard or mouse input")
        form.addRow(self.large_text)
        self.colours = QComboBox()
        for value, text in theme.SCHEMES:
            self.colours.addItem(text, value)
        self.colours.setToolTip("Dark colours are easier on the eyes at night and keep the screen dim in a vehicle")
        form.addRow("Colo&urs", self.colours)
        form.addRow("Lock when &idle for", self.idle_minutes)
        layout.addWidget(display)

        plan = QGroupBox("Patrol planning defaults")
        form = QFormLayout(plan)
        self.dwell = QDoubleSpinBox(minimum=5, maximum=60, decimals=0, suffix=" min")
        self.dwell.setToolTip("Time at each hotspot (the Koper curve: 10-15 minutes does most good)")
        self.road_factor = QDoubleSpinBox(minimum=1.0, maximum=3.0, decimals=2, singleStep=0.05)
        self.road_factor.setToolTip("Road distance / straight-line distance between stops")
        self.speed = QDoubleSpinBox(minimum=10, maximum=110, decimals=0, suffix=" km/h")
        form.addRow("D&well at each stop", self.dwell)
        form.addRow("R&oad factor", self.road_factor)
        form.addRow("&Average speed", self.speed)
        self.dose_radius = QDoubleSpinBox(minimum=10, maximum=2000, decimals=0, singleStep=25, suffix=" m")
        self.dose_radius.setToolTip("The dose from a recorded track: time within this distance of a stop counts")
        form.addRow("&Dose radius around a stop", self.dose_radius)
        self.plan_group = self._guard(plan, "patrol.plan", role)
        layout.addWidget(plan)

        roster = QGroupBox("Rostering rules")
        form = QFormLayout(roster)
        self.min_rest = QDoubleSpinBox(minimum=0, maximum=48, decimals=1, suffix=" h")
        self.max_weekly = QDoubleSpinBox(minimum=1, maximum=168, decimals=1, suffix=" h")
        form.addRow("Rest &between duties at least", self.min_rest)
        form.addRow("&Hours per week at most", self.max_weekly)
        self.max_reach = QComboBox()
        for key in REACHES:
            self.max_reach.addItem(REACH_NAMES[key][:1].upper() + REACH_NAMES[key][1:], key)
        self.max_reach.setToolTip("Auto-fill and assignments: how far from their own station someone may be sent. "
                                  "Auto-fill always tries people from the duty's own station first.")
        form.addRow("Furthest a person ma&y be sent", self.max_reach)
        self._guard(roster, "roster.edit", role)
        layout.addWidget(roster)

        retention = QGroupBox("Retention of personal data (months; 0 = keep)")
        form = QFormLayout(retention)
        self.reporter_months = QSpinBox(minimum=0, maximum=1200)
        self.volunteer_months = QSpinBox(minimum=0, maximum=1200)
        self.victim_vrm_months = QSpinBox(minimum=0, maximum=1200)
        self.suspect_vrm_months = QSpinBox(minimum=0, maximum=1200)
        self.track_months = QSpinBox(minimum=0, maximum=1200)
        self.track_months.setToolTip("Recorded patrol tracks are location data about the crew: their points are "
                                     "removed this many months after the patrol ended (the patrol, its log and its "
                                     "dose figures stay)")
        form.addRow("Reporters' &contacts, after an incident closes", self.reporter_months)
        form.addRow("Volunteers' contacts, after they l&eave", self.volunteer_months)
        form.addRow("Victims' and witnesses' VRMs, after closin&g", self.victim_vrm_months)
        form.addRow("&Suspects' VRMs, after closing", self.suspect_vrm_months)
        form.addRow("Patrol tracks (the crew's &journeys), after the patrol", self.track_months)
        self.premises_months = QSpinBox(minimum=0, maximum=1200)
        self.premises_months.setToolTip("The contact (name, phone, email) of a premises is cleared this many months "
                                        "after it left the register (sold, closed); the premises and its history stay")
        form.addRow("Premises' contacts, after they leave the registe&r", self.premises_months)
        self.retention_due = QLabel()
        self.retention_due.setWordWrap(True)
        for spin in self._retention_spins().values():
            spin.valueChanged.connect(self._retention_edited)
        self.review_button = QPushButton("Review and a&nonymise…")
        self.review_button.clicked.connect(self.open_retention)
        form.addRow(self.retention_due)
        form.addRow(self.review_button)
        self._guard(retention, "data.purge", role)
        layout.addWidget(retention)

        near = QGroupBox("Near-repeat risk zones (this database)")
        form = QFormLayout(near)
        self.zone_metres = QDoubleSpinBox(minimum=50, maximum=5000, decimals=0, singleStep=50, suffix=" m")
        self.zone_metres.setToolTip("The ring drawn round each recent theft or burglary on the map and in briefings")
        self.zone_days = QSpinBox(minimum=1, maximum=365, suffix=" days")
        form.addRow("&Zone radius round an incident", self.zone_metres)
        form.addRow("Live for the ne&xt", self.zone_days)
        self.zone_source = QLabel()
        self.zone_source.setWordWrap(True)
        self.zone_source.setStyleSheet(theme.hint_style())
        form.addRow(self.zone_source)
        self._guard(near, "analysis.run", role)
        layout.addWidget(near)

        repeat = QGroupBox("Repeat victimisation (this database)")
        form = QFormLayout(repeat)
        self.repeat_days = QSpinBox(minimum=1, maximum=MAX_REPEAT_DAYS, suffix=" days")
        self.repeat_days.setToolTip("An incident at a registered premises with another there this many days before "
                                    "is flagged 'victimised before'; the map outlines such premises in red and the "
                                    "briefing lists them as repeat victims")
        form.addRow("Re&peat victim: an earlier incident within", self.repeat_days)
        self._guard(repeat, "premises.edit", role)
        layout.addWidget(repeat)

        geography = QGroupBox("Police force and boundaries (this database)")
        form = QFormLayout(geography)
        self.force = QComboBox()
        for force in services.geography.forces():
            self.force.addItem(force.name, force.code)
        self.force.setToolTip("Hotspots, harm by area, patrol areas, harm weights and the map follow this force. "
                              "Import current district or ward boundaries with the button below.")
        form.addRow("Wor&k for the force", self.force)
        self.geography_summary = QLabel()
        self.geography_summary.setWordWrap(True)
        self.geography_summary.setStyleSheet(theme.hint_style())
        form.addRow(self.geography_summary)
        self.import_boundaries = BoundaryImportButton(services, self.ops, geography)
        self.import_boundaries.imported.connect(self._show_geography)
        form.addRow(self.import_boundaries)
        self._guard(geography, "geography.manage", role)
        layout.addWidget(geography)

        central = QGroupBox("Central store (this laptop, at the station)")
        form = QFormLayout(central)
        self.central_dsn = QLineEdit()
        self.central_dsn.setPlaceholderText("postgresql://you@hq-server/ruralwatch  or  service=ruralwatch")
        self.central_dsn.setToolTip(_CENTRAL_DSN_TIP)
        self.central_dsn.setClearButtonEnabled(True)
        form.addRow("Head&quarters connection", self.central_dsn)
        self._guard(central, "sync.trust", role)
        layout.addWidget(central)

        self.receiver_button = QPushButton("GNSS recei&ver (this user)…")
        self.receiver_button.clicked.connect(lambda: ReceiverDialog(self).exec())
        layout.addWidget(self.receiver_button)
        self.data_folder = self._data_folder_group()
        layout.addWidget(self.data_folder)

        self.setup_button = QPushButton("Run the &first-start steps again…")
        self.setup_button.clicked.connect(self.setup_requested.emit)
        layout.addWidget(self.setup_button)

        self.error = QLabel()
        self.error.setStyleSheet(theme.error_style())
        self.error.setWordWrap(True)
        self.error.hide()
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        follow_focus(scroll)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self._fit_to_screen(body)
        self._watch_marked_fields()
        self.load()

    def _fit_to_screen(self, body: QWidget) -> None:
        """As tall as the sections need, but never taller than the screen's free area (then they scroll)."""
        screen = self.screen() or QApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        wanted = body.sizeHint().height() + 120  # the error line, the buttons and the margins
        if available is not None:
            self.resize(max(body.sizeHint().width() + 40, 560), min(wanted, available.height() - 60))

    def _data_folder_group(self) -> QGroupBox:
        """Where the data is, and moving it (administrators; only the remembered or default location)."""
        store = self.services.store
        group = QGroupBox("Data folder (this computer)")
        form = QFormLayout(group)
        self.data_path = QLabel(f"Database: {store.path}")
        self.data_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_path.setWordWrap(True)
        form.addRow(self.data_path)
        self.move_button = QPushButton("&Move to another folder…")
        self.move_button.clicked.connect(self.choose_new_folder)
        reason = self._why_not_movable()
        self.move_button.setEnabled(not reason)
        self.move_button.setToolTip(reason or "Copy the database, its keyring and backups to another folder, "
                                              "then close RuralWatch; it opens from there next time")
        form.addRow(self.move_button)
        return group

    def _why_not_movable(self) -> str:
        store = self.services.store
        if not store.actor.can("data.purge"):
            return "Only an administrator moves the data"
        if not store.encrypted:
            return "Only an encrypted database is moved"
        if not location_is_choosable(None) or Path(store.path).resolve() != resolve_db_path(None).resolve():
            return "This database was named with --db or $RURALWATCH_DB: move the file yourself"
        return ""

    def choose_new_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Move the RuralWatch data to", str(Path.home()))
        if folder:
            self.move_to(Path(folder))

    def move_to(self, folder: Path) -> BackgroundTask | None:
        """Check the folder, ask, then copy off the UI thread (progress and cancel); on success tell the window to
        close so the old files can be removed."""
        store = self.services.store
        refused = self._why_not_movable()
        if refused:
            self.show_error(refused + ".")
            return None
        unsaved = getattr(self.parent(), "unsaved_forms", list)()
        if unsaved:  # the window closes after the move: nothing typed may be lost with it
            self.show_error(f"{len(unsaved)} incident form(s) have unsaved changes: save or close them first.")
            return None
        in_panels = getattr(self.parent(), "unsaved_panel_changes", list)()
        if in_panels:
            self.show_error(f"The Roster panel has changes that are not saved ({'; '.join(in_panels)}): save them "
                            "first.")
            return None
        try:
            check_data_folder(folder, Path(store.path).name, current=store.path)
        except DataFolderError as exc:
            self.show_error(str(exc))
            return None
        question = (f"Copy the database, its keyring and its backups to {folder}, then close RuralWatch? Start it "
                    "again afterwards: it opens from the new folder, and the old files are removed when it closes.")
        changed = self.unsaved_sections()
        if changed:
            # RuralWatch closes after the move, and this dialog with it: what was changed here would be dropped.
            answer = self.ask_unsaved(question + "\n\nSettings changed here are not saved yet: "
                                      + ", ".join(changed) + ".")
            if answer == CANCEL:
                return None  # the dialog stays open with every change as typed
            if answer == SAVE and not self.apply():
                return None  # a refused value: its message is shown and nothing is moved
        elif not self.confirm("Move the data?", question):
            return None

        def done(moved: MovedDatabase) -> None:
            self.accept()
            self.data_moved.emit(moved)

        def failed(exc: BaseException) -> None:
            self.show_error(str(exc))

        self.move_task = self.ops.run(
            "Moving the data…", lambda services, progress: move_database(services.store, folder, progress), done,
            on_failed=failed)
        return self.move_task

    def ask_unsaved(self, question: str) -> str:
        """Before the move, with settings changed and not saved: SAVE, DISCARD or CANCEL. Tests replace this."""
        return ask_save_discard_cancel(self, "Move the data?", question, "&Save them and move", "&Move without them")

    def _inputs(self) -> dict[str, QWidget]:
        """Every field Save saves, by attribute name (a new field is found here without being listed)."""
        kinds = (QCheckBox, QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit)
        return {name: widget for name, widget in vars(self).items() if isinstance(widget, kinds)}

    @staticmethod
    def _value(widget: QWidget) -> object:
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QSpinBox | QDoubleSpinBox):
            return widget.value()
        assert isinstance(widget, QLineEdit)
        return widget.text()

    def _values(self) -> dict[str, object]:
        return {name: self._value(widget) for name, widget in self._inputs().items()}

    def unsaved_sections(self) -> list[str]:
        """The titles of the sections with a field changed since they were loaded or saved, in screen order."""
        inputs, saved = self._inputs(), getattr(self, "_saved_values", {})
        sections: list[str] = []
        for name, value in self._values().items():
            if name in saved and saved[name] != value:
                group = inputs[name].parent()
                while group is not None and not isinstance(group, QGroupBox):
                    group = group.parent()
                # The section's name without its note: "Retention of personal data", not "(months; 0 = keep)".
                title = group.title().split(" (")[0] if isinstance(group, QGroupBox) else "Settings"
                if title not in sections:
                    sections.append(title)
        order = [box.title().split(" (")[0] for box in self.findChildren(QGroupBox)]
        return sorted(sections, key=lambda t: order.index(t) if t in order else len(order))

    def confirm(self, title: str, question: str) -> bool:
        """Tests replace this to answer."""
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _retention_spins(self) -> dict[str, QSpinBox]:
        return {"reporter_months": self.reporter_months, "volunteer_months": self.volunteer_months,
                "victim_vrm_months": self.victim_vrm_months, "suspect_vrm_months": self.suspect_vrm_months,
                "track_months": self.track_months, "premises_months": self.premises_months}

    def _retention_changes(self) -> dict[str, tuple[int, int]]:
        """The periods typed here that differ from the saved ones: name -> (saved, typed)."""
        saved = self.services.retention.settings()
        typed = {name: spin.value() for name, spin in self._retention_spins().items()}
        return {name: (getattr(saved, name), value) for name, value in typed.items() if getattr(saved, name) != value}

    def _retention_edited(self) -> None:
        if getattr(self, "_loading", False):
            return  # load() fills the boxes from what is saved, then works out what is due once
        if self._retention_changes():
            self.retention_due.setText("Periods changed here: what is due follows them once they are saved "
                                       "(Review and anonymise… asks to save them first).")
        else:
            self._update_due()

    def open_retention(self) -> RetentionDialog | None:
        """The review lists what is due with the saved periods: periods typed here and not saved are saved first,
        when the user says so (a walk typed 1 month, pressed Review, and read 'Nothing is due' for the 12 saved)."""
        changes = self._retention_changes()
        if changes:
            listed = "\n".join(f"{RETENTION_NAMES[name]}: {_months(typed)} (saved: {_months(saved)})"
                                for name, (saved, typed) in changes.items())
            if not self.confirm("Save the new periods?", f"The review lists what is due with the saved periods. "
                                f"Save the ones typed here first and review with them?\n\n{listed}"):
                return None
            try:
                self.services.retention.set_settings(**{name: typed for name, (_saved, typed) in changes.items()})
            except RuralWatchError as exc:
                self.show_error(str(exc))
                return None
            for name, (_saved, typed) in changes.items():  # saved now: no longer a change to ask about
                self._saved_values[name] = typed
            self._update_due()
        dialog = RetentionDialog(self.services, self)
        dialog.applied.connect(lambda _result: self._update_due())
        dialog.show()
        return dialog

    def _guard(self, group: QGroupBox, action: str, role: str) -> QGroupBox:
        if not self.services.store.actor.can(action):
            group.setEnabled(False)
            group.setToolTip(f"Not for the {role} role")
        return group

    def load(self) -> None:
        self._loading = True
        try:
            self._load()
        finally:
            self._loading = False
        self._saved_values = self._values()
        self._update_due()

    def _load(self) -> None:
        settings = QSettings()
        self.large_text.setChecked(keys.LARGE_TEXT.read(settings))
        scheme = self.colours.findData(keys.COLOUR_SCHEME.read(settings) or keys.COLOUR_SCHEME.default)
        self.colours.setCurrentIndex(max(scheme, 0))
        self.idle_minutes.setValue(keys.IDLE_MINUTES.read(settings))
        self.force.setCurrentIndex(max(self.force.findData(self.services.geography.force().code), 0))
        self._show_geography()
        plan = self.services.patrols.default_settings()
        # Each as stored (a 1.355 road factor, a 12.5-minute dwell), not rounded to the box's usual decimals.
        show_stored(self.dwell, plan.dwell_minutes)
        show_stored(self.dose_radius, self.services.patrols.dose_radius_m())
        show_stored(self.road_factor, plan.road_factor)
        show_stored(self.speed, plan.speed_kmh)
        rules = self.services.roster.rules()
        show_stored(self.min_rest, rules.min_rest_hours)
        show_stored(self.max_weekly, rules.max_weekly_hours)
        self.max_reach.setCurrentIndex(max(0, self.max_reach.findData(rules.max_reach)))
        kept = self.services.retention.settings()
        self.reporter_months.setValue(kept.reporter_months)
        self.volunteer_months.setValue(kept.volunteer_months)
        self.victim_vrm_months.setValue(kept.victim_vrm_months)
        self.suspect_vrm_months.setValue(kept.suspect_vrm_months)
        self.track_months.setValue(kept.track_months)
        self.premises_months.setValue(kept.premises_months)
        self.repeat_days.setValue(self.services.premises.repeat_window())
        self.central_dsn.setText(self.services.sync.central_dsn())
        zone = self.services.near_repeat.zone_settings()
        show_stored(self.zone_metres, zone.metres)
        self.zone_days.setValue(zone.days)
        knox = zone.knox
        knox_text = (f"The Knox test saved on {times.format_local(knox.run_at)[:10]} ({knox.incidents:,} incidents) "
                     f"justified {knox.metres:g} m and {knox.days} days (nearest band {knox.ratio:.1f}x, "
                     f"p = {knox.p_value:.3f})." if knox else "No Knox test result saved (Analysis ▸ Near-repeat).")
        origin = {"setting": "Set here.", "knox": "From the saved Knox result.",
                  "default": "The default (400 m, 14 days)."}[zone.source]
        self.zone_source.setText(f"{origin} {knox_text}")
        self._shown = {box: box.value() for box in self._stored_boxes()}

    def _stored_boxes(self) -> list[QSpinBox | QDoubleSpinBox]:
        """The number boxes that show a value kept in the database."""
        return [self.dwell, self.road_factor, self.speed, self.dose_radius, self.min_rest, self.max_weekly,
                self.zone_metres, self.zone_days, self.repeat_days, *self._retention_spins().values()]

    def _typed(self, box: QSpinBox | QDoubleSpinBox, stored: float) -> float:
        """What Save gives for a box: the stored value itself while the box shows what it showed on opening (a value
        with more decimals than the box shows must not be rewritten and audited as shown), else what is typed."""
        return typed_or_stored(box, self._shown.get(box), stored)

    def _show_geography(self, imported: ImportReport | None = None) -> None:
        """The force's boundaries; after an import, also what it kept and left out (as `geography import` says)."""
        current = self.services.geography.current()
        wards = current.areas.wards()
        self.geography_summary.setText(
            f"{current.force.area_km2:,.0f} km², {len(current.areas.districts())} districts "
            f"({current.districts_source})" + (f", {len(wards)} wards ({current.wards_source})" if wards else
                                                ", no wards")
            + (f"\nLast import: {imported.summary()}." if imported is not None else ""))

    def _update_due(self) -> None:
        if self.services.store.actor.can("data.purge"):
            due = self.services.retention.preview().total
            self.retention_due.setText(f"{due:,} records are due for anonymising now (with the periods as saved)."
                                       if due else "Nothing is due for anonymising now.")

    def save(self) -> bool:
        """Save every section this role may change and close; on a refused value show why and keep the dialog
        open with what was typed."""
        if not self.apply():
            return False
        self.accept()
        return True

    def _field_boxes(self) -> dict[str, QWidget]:
        """The box of each field a service may refuse, by the name its ValidationError gives."""
        return {"dwell_minutes": self.dwell, "road_factor": self.road_factor, "speed_kmh": self.speed,
                "dose_radius_m": self.dose_radius, "near_repeat_metres": self.zone_metres,
                "near_repeat_days": self.zone_days, "repeat_window_days": self.repeat_days,
                "min_rest_hours": self.min_rest, "max_weekly_hours": self.max_weekly, "max_reach": self.max_reach,
                "central store connection string": self.central_dsn, **self._retention_spins()}

    def _field_label(self, field: str) -> str:
        """A refused field as the window names it: its row's label ("Headquarters connection")."""
        box = self._field_boxes().get(field)
        group = box.parent() if box is not None else None
        layout = group.layout() if isinstance(group, QWidget) else None
        label = layout.labelForField(box) if isinstance(layout, QFormLayout) and box is not None else None
        if isinstance(label, QLabel):
            return label.text().replace("&", "")
        return field.replace("_", " ")

    def _mark_field(self, box: QWidget, message: str) -> None:
        self._tips.setdefault(box, box.toolTip())  # its own tip comes back once it is edited
        mark(box, message[:1].upper() + message[1:])

    def _field_edited(self, box: QWidget) -> None:
        if box in self._tips:
            unmark(box)
            box.setToolTip(self._tips.pop(box))

    def _watch_marked_fields(self) -> None:
        self._tips: dict[QWidget, str] = {}
        for box in self._field_boxes().values():
            if isinstance(box, QLineEdit):
                box.textEdited.connect(lambda _text, b=box: self._field_edited(b))
            elif isinstance(box, QComboBox):
                box.currentIndexChanged.connect(lambda _index, b=box: self._field_edited(b))
            elif isinstance(box, QSpinBox | QDoubleSpinBox):
                box.valueChanged.connect(lambda _value, b=box: self._field_edited(b))

    def _show_refused(self, exc: ValidationError) -> None:
        """Every refused field outlined with its reason, one line each below, the first one focused."""
        boxes = self._field_boxes()
        for box in list(self._tips):
            self._field_edited(box)
        lines = []
        first: QWidget | None = None
        for problem in exc.errors:
            box = boxes.get(problem.field)
            if box is not None:
                self._mark_field(box, problem.message)
                first = first or box
            lines.append(f"{self._field_label(problem.field)}: {problem.message}")
        self.show_error("\n".join(lines))
        if first is not None:
            first.setFocus()

    def _policy_checks(self) -> list[Callable[[], PendingPolicies]]:
        """Each section this role may change, as its service's check of the values typed (nothing written)."""
        actor, services = self.services.store.actor, self.services
        checks: list[Callable[[], PendingPolicies]] = []
        # Each value goes through _typed: a box nobody changed gives back the stored value, so nothing new is
        # written or audited for it.
        if actor.can("patrol.plan"):
            plan = services.patrols.default_settings()
            dwell, factor, speed = (self._typed(self.dwell, plan.dwell_minutes),
                                    self._typed(self.road_factor, plan.road_factor),
                                    self._typed(self.speed, plan.speed_kmh))
            radius = self._typed(self.dose_radius, services.patrols.dose_radius_m())
            checks += [lambda: services.patrols.default_settings_change(dwell, factor, speed),
                       lambda: services.patrols.dose_radius_change(radius)]
        if actor.can("analysis.run"):
            zone = services.near_repeat.zone_settings()
            metres, days = self._typed(self.zone_metres, zone.metres), self._typed(self.zone_days, zone.days)
            if (metres, days) != (zone.metres, zone.days):  # else a zone from the Knox result stays so
                checks.append(lambda: services.near_repeat.zone_settings_change(metres, int(days)))
        if actor.can("premises.edit"):
            window = int(self._typed(self.repeat_days, services.premises.repeat_window()))
            checks.append(lambda: services.premises.repeat_window_change(window))
        if actor.can("roster.edit"):
            rules = services.roster.rules()
            rest, weekly = (self._typed(self.min_rest, rules.min_rest_hours),
                            self._typed(self.max_weekly, rules.max_weekly_hours))
            reach = self.max_reach.currentData()
            checks.append(lambda: services.roster.rules_change(rest, weekly, reach))
        if actor.can("geography.manage") and self.force.currentData() != services.geography.force().code:
            force = str(self.force.currentData())
            checks.append(lambda: services.geography.force_change(force))
        if actor.can("sync.trust"):
            dsn = self.central_dsn.text()
            checks.append(lambda: services.sync.central_dsn_change(dsn))
        if actor.can("data.purge"):
            kept = services.retention.settings()
            periods = {name: int(self._typed(box, getattr(kept, name)))
                       for name, box in self._retention_spins().items()}
            checks.append(lambda: services.retention.settings_change(**periods))
        return checks

    def apply(self) -> bool:
        """Save every section this role may change, keeping the dialog open (the move saves first); False, with
        the reason shown, when a value is refused.

        All or nothing: every section's values are checked by its service first, then all are written in one
        transaction with one audit entry, so a refused value in one section leaves the others unsaved as well
        (and what was typed stays in every box)."""
        try:
            save_all(self.services.store, self._policy_checks())
        except ValidationError as exc:
            self._show_refused(exc)
            return False
        except RuralWatchError as exc:
            self.show_error(str(exc))
            return False
        settings = QSettings()
        keys.LARGE_TEXT.write(self.large_text.isChecked(), settings)
        scheme = str(self.colours.currentData())
        if scheme != keys.COLOUR_SCHEME.read(settings):
            keys.COLOUR_SCHEME.write(scheme, settings)
            app = QApplication.instance()
            if isinstance(app, QApplication):
                theme.apply_scheme(app, scheme)
        keys.IDLE_MINUTES.write(self.idle_minutes.value(), settings)
        self.error.hide()
        self._saved_values = self._values()
        self.saved.emit()
        return True
