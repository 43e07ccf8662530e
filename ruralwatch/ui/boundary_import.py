"""Settings ▸ "Import boundaries…": district or ward boundaries for the chosen force from a GeoJSON, GeoPackage or
Shapefile, through GeographyService.import_file on a worker thread (the same checks and errors as
`ruralwatch geography import`). Kept apart from settings_dialog.py, which only adds the button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.io.boundary_files import FORMATS
from ruralwatch.mapping.geography import ImportKind, ImportReport
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask

_FILTER = ("Boundary files (" + " ".join(f"*{suffix}" for suffix in FORMATS) + ");;"
           + ";;".join(f"{name} (*{suffix})" for suffix, name in FORMATS.items()))
_LEVELS = {"Wards": "wards", "Districts": "districts"}


class LevelDialog(QDialog):
    """Which level to import. Not QInputDialog: its layout sets its own minimum and maximum size when shown, so a
    minimum width given beforehand was dropped and the window manager cut the title to 'Impor… daries' at
    1366x768 (200 px wide)."""

    def __init__(self, force: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import boundaries")
        self.level = QComboBox()
        self.level.addItems(list(_LEVELS))
        label = QLabel(f"Import for {force}:")
        label.setBuddy(self.level)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.level)
        layout.addWidget(buttons)
        # Room for the title (in the title bar's font, often bolder) beside the window manager's icon and buttons.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(self.windowTitle()) * 2 + 160)


class BoundaryImportButton(QPushButton):
    """Asks which level and which file, then imports it off the UI thread; `imported` carries the ImportReport.
    A refused file is reported by `ops` (one message); nothing changes."""

    imported = Signal(object)

    def __init__(self, services: Services, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__("Impor&t boundaries…", parent)
        self.services = services
        self.ops = ops
        self.task: BackgroundTask | None = None
        self.setToolTip("District or ward boundaries of the force as saved here, from an ONS GeoJSON, GeoPackage "
                        "or Shapefile (.shp with its .shx/.dbf/.prj, or the .zip); any coordinate system")
        self.clicked.connect(self.choose)

    def choose(self) -> None:
        force = self.services.geography.force().name
        level = self.ask_level(force)
        if level is None:
            return
        # Several files: wards often come one file per district (a walk chose seven and only the first was kept).
        paths, _selected = QFileDialog.getOpenFileNames(self, f"{level} of {force} (one file or several)",
                                                        str(Path.home()), _FILTER)
        if paths:
            self.start(_LEVELS[level], [Path(p) for p in paths])

    def ask_level(self, force: str) -> str | None:
        """"Wards" or "Districts", or None when cancelled (LevelDialog: wide enough for its title)."""
        dialog = LevelDialog(force, self)
        try:
            return dialog.level.currentText() if dialog.exec() else None
        finally:
            dialog.deleteLater()

    def start(self, kind: ImportKind, path: Path | list[Path], name_field: str | None = None) -> BackgroundTask:
        """Import `path` (or several files together) as `kind` for the chosen force, off the UI thread."""
        self.setEnabled(False)

        def done(report: ImportReport) -> None:
            self.setEnabled(True)
            self.imported.emit(report)

        def failed(exc: BaseException) -> None:
            self.setEnabled(True)
            self.ops.report_failure("Boundaries not imported", exc)

        self.task = self.ops.run(
            f"Importing {kind}…",
            lambda services, _progress: services.geography.import_file(kind, path, name_field),
            done, on_failed=failed, parent=self.window())
        return self.task
