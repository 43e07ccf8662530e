"""The window's offline basemaps: which registered ones the map can show, the Basemap and Remove basemap
menus, and adding (copied beside the database in the background, or used where it is) and removing one."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QStatusBar, QWidget

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.mapping.map_page import TileLayerSpec
from ruralwatch.services.container import Services
from ruralwatch.store.basemaps import Basemap
from ruralwatch.ui.map_view import MapView
from ruralwatch.ui.operations import Operations


class BasemapWindow(Protocol):
    """What the basemap actions need of the window (looked up at each call: tests replace
    `ask_copy_basemap` and `report_problem` on the window)."""

    services: Services
    map: MapView
    ops: Operations
    basemap_added: SignalInstance

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)

    def report_problem(self, title: str, message: str) -> None: ...

    def ask_copy_basemap(self, path: Path) -> bool | None: ...


def numbered(number: int, name: str) -> str:
    """A menu entry named by the user (a basemap): its number is its keyboard mnemonic (1-9, then 0, a, b…)."""
    key = "1234567890abcdefghijklmnopqrstuvwxyz"[number - 1] if number <= 36 else ""
    text = name.replace("&", "&&")
    return f"&{key} {text}" if key else text


class BasemapActions:
    def __init__(self, window: BasemapWindow) -> None:
        self.window = window
        self.problems: list[str] = []  # why registered basemaps were left off the map, at the last check
        self.menu: QMenu | None = None
        self.remove_menu: QMenu | None = None

    @property
    def services(self) -> Services:
        return self.window.services

    def _status(self, message: str, timeout: int) -> None:
        self.window.statusBar().showMessage(message, timeout)

    def file_of(self, basemap_id: str) -> Path | None:
        """The MBTiles file the tile scheme handler reads for a basemap id."""
        basemap = self.services.basemaps.repo.find(basemap_id)
        return Path(basemap.path) if basemap else None

    def usable(self) -> list[TileLayerSpec]:
        """Registered basemaps that can be read now; the others are reported once and left out."""
        specs = []
        problems = []
        for basemap in self.services.basemaps.list():
            problem = self.services.basemaps.check(basemap)
            if problem:
                problems.append(f"{basemap.name}: {problem}")
                continue
            specs.append(TileLayerSpec(basemap.id, basemap.name, basemap.tile_url, basemap.minzoom,
                                       basemap.maxzoom, basemap.bounds, basemap.attribution))
        self.problems = problems
        if problems:
            self._status("Basemap not shown: " + "; ".join(problems), 15000)
        return specs

    def rebuild_menus(self) -> None:
        if self.menu is None or self.remove_menu is None:
            return
        self.menu.clear()
        self.remove_menu.clear()
        map_view = self.window.map
        names = [*map_view.basemap_names, "Plain background"]
        for number, name in enumerate(names, 1):
            self.menu.addAction(numbered(number, name), lambda n=name: map_view.show_basemap(n))
        registered = self.services.basemaps.list()
        for number, basemap in enumerate(registered, 1):
            self.remove_menu.addAction(numbered(number, basemap.name), lambda b=basemap: self.remove(b.id))
        self.remove_menu.setEnabled(bool(registered))

    def reload(self) -> None:
        """The registered basemaps changed: reload the map page with those usable now, and the menus."""
        self.window.map.load_page(self.usable())
        self.rebuild_menus()

    def add(self, path: Path | None = None, name: str | None = None, copy: bool | None = None) -> bool:
        """Register an MBTiles file; with `copy` (asked when None) copy it beside the database first, in the
        background with progress and cancel (a basemap is often hundreds of MB on a USB stick).
        `basemap_added` fires once it is on the map's list. False when refused or cancelled at once."""
        window = self.window
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(window if isinstance(window, QWidget) else None,
                                                    "Add offline basemap", str(Path.home()),
                                                    "MBTiles basemaps (*.mbtiles);;All files (*)")
            if not chosen:
                return False
            path = Path(chosen)
        if copy is None:
            copy = window.ask_copy_basemap(path)
            if copy is None:
                return False
        if not copy:
            try:
                basemap = self.services.basemaps.add(path, name)
            except RuralWatchError as exc:
                window.report_problem("Basemap not added", str(exc))
                return False
            self.added(basemap)
            return True
        source = path
        window.ops.run(f"Copying {path.name}…",
                       lambda services, progress: services.basemaps.add(source, name, copy=True, progress=progress),
                       self.added,
                       on_cancelled=lambda _exc: self._status("Basemap not added: copying was cancelled", 8000),
                       failure_title="Basemap not added")
        return True

    def ask_copy(self, path: Path, parent: QWidget | None) -> bool | None:
        """Copy the file beside the database (True), use it where it is (False), or cancel (None)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Add offline basemap",
                          f"Copy {path.name} into RuralWatch's data folder?\n\nCopy it when it is on a USB stick "
                          "or a network drive: the map then works without them, and the copy moves with the data. "
                          "Use it where it is to save disk space.", parent=parent)
        copy_button = box.addButton("&Copy it", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Use it where it is", QMessageBox.ButtonRole.NoRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(copy_button)
        box.exec()
        role = box.buttonRole(box.clickedButton()) if box.clickedButton() else QMessageBox.ButtonRole.RejectRole
        if role == QMessageBox.ButtonRole.RejectRole:
            return None
        return box.clickedButton() is copy_button

    def added(self, basemap: Basemap) -> None:
        where = " (copied into the data folder)" if basemap.managed else ""
        self._status(f"Basemap added: {basemap.name}{where}", 6000)
        self.window.basemap_added.emit(basemap)

    def remove(self, basemap_id: str) -> None:
        removed = self.services.basemaps.remove(basemap_id)
        fate = "its copy in the data folder was deleted" if removed.managed else "the file itself is untouched"
        self._status(f"Basemap removed: {removed.name} ({fate})", 6000)
