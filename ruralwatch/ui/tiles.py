"""Serve basemap tiles from MBTiles files to the map page through a custom URL scheme.

`rwtiles://<basemap-id>/<z>/<x>/<y>` is answered from the file, in process: no HTTP port is opened. The
scheme must be registered before the QApplication exists (`register_tile_scheme`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from ruralwatch.mapping.mbtiles import MBTiles, MBTilesError

SCHEME = b"rwtiles"
# The rows the map page takes (ui.map_view.RowsSchemeHandler): declared with the tiles' scheme, at the same moment.
ROWS_SCHEME = b"rwrows"
_TILE_PATH = re.compile(r"^/(\d{1,2})/(\d{1,8})/(\d{1,8})(?:\.\w+)?$")


def register_tile_scheme() -> None:
    """Declare the schemes (tiles, and the map's rows) to Chromium. Call once, before QApplication is created."""
    for name in (SCHEME, ROWS_SCHEME):
        if QWebEngineUrlScheme.schemeByName(name).name() != name:
            _register(name)


def _register(name: bytes) -> None:
    scheme = QWebEngineUrlScheme(name)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Without Secure/Local flags a file:// page never calls the handler (measured, see docs/DEVELOPING.md).
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.LocalScheme
        | QWebEngineUrlScheme.Flag.LocalAccessAllowed
        | QWebEngineUrlScheme.Flag.CorsEnabled
        # fetch() too, not only <img>: lets page scripts (and the tests) read tiles byte for byte.
        | QWebEngineUrlScheme.Flag.FetchApiAllowed
    )
    QWebEngineUrlScheme.registerScheme(scheme)


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers tile requests; `resolve` maps a basemap id to its file (None when unknown)."""

    def __init__(self, resolve: Callable[[str], Path | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.resolve = resolve
        self._open: dict[str, MBTiles] = {}
        # Refused until forget(): a hostile file costs one bounded check (mbtiles.CHECK_SECONDS), not one per tile.
        self._refused: set[str] = set()
        self.served = 0
        self.failed: list[str] = []

    def reader(self, basemap_id: str) -> MBTiles | None:
        if basemap_id in self._refused:
            return None
        if basemap_id not in self._open:
            path = self.resolve(basemap_id)
            if path is None:
                return None
            try:
                self._open[basemap_id] = MBTiles(path)
            except MBTilesError as exc:
                self.failed.append(str(exc))
                self._refused.add(basemap_id)
                return None
        return self._open[basemap_id]

    def forget(self) -> None:
        """Close every file, e.g. after basemaps were added or removed."""
        for reader in self._open.values():
            reader.close()
        self._open.clear()
        self._refused.clear()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        match = _TILE_PATH.match(url.path())
        reader = self.reader(url.host()) if match else None
        if reader is None or match is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        z, x, y = (int(part) for part in match.groups())
        try:
            data = reader.tile(z, x, y)
        except MBTilesError as exc:
            self.failed.append(str(exc))
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            return
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        reply_bytes(job, reader.tile_media_type(data).encode(), data)  # each tile its own: files may mix them
        self.served += 1


def reply_bytes(job: QWebEngineUrlRequestJob, media_type: bytes, data: bytes) -> None:
    """Answer a request of one of the app's schemes with `data` (the buffer lives as long as the job)."""
    buffer = QBuffer(job)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    job.reply(media_type, buffer)


_handler: TileSchemeHandler | None = None


def install_tile_handler(resolve: Callable[[str], Path | None]) -> TileSchemeHandler:
    """Install (or re-point) the one handler on the default profile the map pages use."""
    global _handler
    profile = QWebEngineProfile.defaultProfile()
    if _handler is None:
        _handler = TileSchemeHandler(resolve, profile)
        profile.installUrlSchemeHandler(SCHEME, _handler)
    else:
        _handler.forget()
        _handler.resolve = resolve
    return _handler
