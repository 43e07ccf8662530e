"""Settings ▸ "Import boundaries…": district or ward boundaries for the chosen force from a GeoJSON, GeoPackage or
Shapefile, through GeographyService.import_file on a worker thread (the same checks and errors as
`ruralwatch geography import`). Kept apart from settings_dialog.py, which only adds the button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QPushButton, QWidget

from ruralwatch.io.boundary_files import FORMATS
from ruralwatch.mapping.geography import ImportKind, ImportReport
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.tasks import BackgroundTask

_FILTER = ("Boundary files (" + " ".join(f"*{suffix}" for suffix in FORMATS) + ");;"
           + ";;".join(f"{name} (*{suffix})" for suffix, name in FORMATS.items()))
_LEVELS = {"Wards": "wards", "Districts": "districts"}


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
        """"Wards" or "Districts", or None when cancelled. Wide enough for its title: QInputDialog.getItem's own
        box was so narrow the window manager cut the title to 'Impor… daries' at 1366x768."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Import boundaries")
        dialog.setLabelText(f"Import for {force}:")
        dialog.setComboBoxItems(list(_LEVELS))
        dialog.setComboBoxEditable(False)
        dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance("Import boundaries") * 2 + 160)
        try:
            return dialog.textValue() if dialog.exec() else None
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
