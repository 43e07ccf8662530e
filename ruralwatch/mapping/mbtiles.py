"""Read raster basemap tiles from an MBTiles file, without Qt.

An MBTiles file is an SQLite database with a `tiles` table (or view) keyed by zoom, column and TMS row, and an
optional `metadata` table of name/value pairs. Basemaps come from outside (a USB stick, a download), so this
module opens them strictly read-only and checks them up front: every problem becomes one MBTilesError line that
names the file and the reason, never a traceback, so `basemap add FILE` can refuse a bad file clearly and the
tile handler serving Leaflet can trust what it opened.

Bounded, because the file is someone else's: only a regular file is opened (a FIFO would block the open, a device
never end), and every query runs under a deadline enforced by an SQLite progress handler, so a `tiles` view over
an endless recursive query is refused after CHECK_SECONDS (opening and checking) or TILE_SECONDS (one tile while
the map is shown) instead of hanging `basemap add` or the window.
"""

from __future__ import annotations

import math
import os
import sqlite3
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ruralwatch.core.errors import RuralWatchError

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_COLUMNS = ("zoom_level", "tile_column", "tile_row", "tile_data")
MAX_ZOOM = 30  # 2**30 tiles a side is far past any real basemap and keeps every row number a 32-bit integer
MAX_LATITUDE = 85.0511  # Web Mercator stops here; tools often write ±90 meaning "the whole world"
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_FORMAT_ALIASES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
# Deadlines (seconds of wall time). A real basemap checks in well under a second (COUNT(*) of a tiles table is one
# b-tree count, the zoom range two index look-ups); the margin is for big files on slow USB sticks.
CHECK_SECONDS = 10.0
TILE_SECONDS = 1.0
# SQLite virtual-machine instructions between two looks at the clock (a look costs well under a microsecond).
PROGRESS_STEPS = 10_000
# Tiles whose bytes decide the format served (whatever the metadata says): a few, so the check stays quick.
FORMAT_SAMPLE = 16
_TILE_QUERY = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
# sqlite3 raises UnicodeDecodeError, not sqlite3.Error, when SQLite's own error message holds bytes that are not
# UTF-8 (e.g. "malformed database schema" quoting a damaged CREATE statement), and MemoryError for SQLITE_NOMEM,
# which SQLite also returns for some damaged schemas of a 1 KB file.
_SQLITE_FAILURES = (sqlite3.Error, UnicodeDecodeError, MemoryError)


class MBTilesError(RuralWatchError):
    """A basemap file that cannot be used; the message is one sentence naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Cannot use {path} as a basemap: {reason}.")


@dataclass(frozen=True)
class TileSetInfo:
    """What a basemap holds, read once at opening so the map page and the CLI need not query the file."""

    path: Path
    name: str
    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    attribution: str
    tile_count: int
    # Row order: "tms" (the MBTiles specification: row 0 at the south) or "xyz" (row 0 at the north), which some
    # tools write and say so in the metadata's `scheme` (a TileJSON key).
    scheme: str = "tms"

    @property
    def media_type(self) -> str:
        """The Content-Type of most of its tiles (a tile is served with its own: `tile_media_type`)."""
        return MEDIA_TYPES[self.format]


def tile_media_type(data: bytes, fallback: str) -> str:
    """The Content-Type to serve one tile with: its own bytes' (some generators mix PNG and JPEG tiles in one
    file, and a JPEG served as image/png is not drawn), else `fallback` (the file's, `TileSetInfo.media_type`)."""
    own = sniff_image_format(data)
    return fallback if own is None else MEDIA_TYPES[own]


def sniff_image_format(data: bytes) -> str | None:
    """'png', 'jpg' or 'webp' from an image's magic bytes, else None: many files have no 'format' metadata."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class MBTiles:
    """An MBTiles file opened read-only and validated.

    The connection is opened with check_same_thread=False so that the object can be created on one thread (the
    GUI, the CLI) and used from another (a Qt URL-scheme handler). Callers are expected to use it from one thread
    at a time; a lock serialises calls anyway so an overlap cannot corrupt the connection's state.
    """

    def __init__(self, path: str | Path, check_seconds: float | None = None, tile_seconds: float | None = None
                 ) -> None:
        self._given = Path(path).expanduser()
        self.path = self._given.resolve()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.check_seconds = CHECK_SECONDS if check_seconds is None else check_seconds
        self.tile_seconds = TILE_SECONDS if tile_seconds is None else tile_seconds
        self._deadline = math.inf
        _check_file(self._given)
        self._conn = self._connect()
        try:
            self.info = self._read_info()
        except BaseException:
            self.close()
            raise

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (Leaflet) z/x/y, or None if the file has no such tile or z/x/y is out of range.

        MBTiles stores rows in TMS order (row 0 at the south), so y is flipped: tile_row = 2**z - 1 - y; a file whose
        metadata says `scheme` xyz keeps Leaflet's rows.
        """
        if not 0 <= z <= MAX_ZOOM:
            return None
        side = 1 << z
        if not (0 <= x < side and 0 <= y < side):
            return None
        with self._lock:
            if self._conn is None:
                raise MBTilesError(self._given, "it has already been closed")
            try:
                with self._bounded(self.tile_seconds):
                    row = self._conn.execute(_TILE_QUERY, (z, x, y if self.info.scheme == "xyz" else side - 1 - y)
                                             ).fetchone()
            except _SQLITE_FAILURES as exc:
                raise MBTilesError(self._given, self._reason(exc, self.tile_seconds)) from None
        if row is None or not isinstance(row[0], bytes) or not row[0]:
            return None  # a zero-byte tile (a generator's placeholder) was served as an empty image/png: as missing
        return row[0]

    def tile_media_type(self, data: bytes) -> str:
        """The Content-Type of a tile this file gave (`tile`): its own bytes', else the file's."""
        return tile_media_type(data, self.info.media_type)

    def close(self) -> None:
        """Release the file; calling it twice is harmless."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> MBTiles:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _bounded(self, seconds: float) -> Iterator[None]:
        """Queries inside run until `seconds` from now; past that SQLite interrupts them (SQLITE_INTERRUPT)."""
        self._deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self._deadline = math.inf

    def _past_deadline(self) -> bool:
        return time.monotonic() > self._deadline  # true: SQLite stops the statement

    def _reason(self, exc: sqlite3.Error | UnicodeDecodeError | MemoryError, seconds: float) -> str:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_INTERRUPT":
            return (f"reading it took longer than {seconds:g} s (a tiles view that never ends, or a damaged file), "
                    f"so it is not a usable basemap")
        return _sqlite_reason(exc)

    def _connect(self) -> sqlite3.Connection:
        """mode=ro so that nothing we do can change a user's file (no journal, no schema upgrade, no WAL reset)."""
        uri = f"{self.path.as_uri()}?mode=ro"
        if _is_wal_without_log(self.path):
            # Opened read-only, a WAL database would leave -wal/-shm files beside it (and may not open from read-only
            # media); with no -wal file the main file is complete, so it can be read as immutable.
            uri += "&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except _SQLITE_FAILURES as exc:
            raise MBTilesError(self._given, _sqlite_reason(exc)) from None
        try:
            conn.set_progress_handler(self._past_deadline, PROGRESS_STEPS)
            conn.execute("PRAGMA query_only = ON")
        except _SQLITE_FAILURES as exc:
            conn.close()
            raise MBTilesError(self._given, _sqlite_reason(exc)) from None
        return conn

    def _read_info(self) -> TileSetInfo:
        assert self._conn is not None
        try:
            with self._bounded(self.check_seconds):
                return self._validate(self._conn)
        except _SQLITE_FAILURES as exc:
            raise MBTilesError(self._given, self._reason(exc, self.check_seconds)) from None

    def _validate(self, conn: sqlite3.Connection) -> TileSetInfo:
        """Check the schema, the tiles and the metadata; sqlite3 errors are turned into MBTilesError by the caller."""
        given = self._given
        if not _has_table(conn, "tiles"):
            raise MBTilesError(given, "it is an SQLite database but has no tiles table, so it is not an MBTiles file")
        columns = _columns(conn, "tiles")
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise MBTilesError(
                given, f"its tiles table lacks the column(s) {', '.join(missing)} that every MBTiles file has"
            )
        # Three queries, not one: alone, MIN and MAX are each an index look-up and COUNT(*) a b-tree count, where
        # together they scan every row (a big file could then miss the deadline).
        count = conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
        low = conn.execute("SELECT MIN(zoom_level) FROM tiles").fetchone()[0]
        high = conn.execute("SELECT MAX(zoom_level) FROM tiles").fetchone()[0]
        if not count:
            raise MBTilesError(given, "it contains no tiles")
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= MAX_ZOOM):
            raise MBTilesError(given, f"its tiles have zoom levels {low!r} to {high!r}, outside 0 to {MAX_ZOOM}")
        metadata = _metadata(conn)
        first = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()[0]
        _check_first_tile(given, first)
        # The sample from the lowest zoom: an index look-up, and the tiles every map opened on it shows first.
        sample = [first, *(row[0] for row in conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? LIMIT ?", (low, FORMAT_SAMPLE)))]
        declared = metadata.get("format", "").strip().lower()
        if declared and declared not in _FORMAT_ALIASES:
            raise MBTilesError(
                given, f"its metadata says the tiles are '{declared}', but only PNG, JPEG or WebP raster tiles"
                " can be shown"
            )
        # The tiles' own bytes, not the metadata: a file whose `format` says jpg over PNG tiles (tools copy the
        # metadata from another set) would be served with the wrong Content-Type.
        tile_format = _sampled_format(sample)
        minzoom = _zoom(given, metadata, "minzoom", low)
        maxzoom = _zoom(given, metadata, "maxzoom", high)
        if minzoom > maxzoom:
            raise MBTilesError(given, f"its metadata minzoom {minzoom} is greater than its maxzoom {maxzoom}")
        return TileSetInfo(
            path=self.path,
            name=metadata.get("name", "").strip() or self.path.stem,
            format=tile_format,
            minzoom=minzoom,
            maxzoom=maxzoom,
            bounds=_bounds(given, metadata.get("bounds", "")),
            attribution=metadata.get("attribution", "").strip(),
            tile_count=int(count),
            scheme=_scheme(given, metadata.get("scheme", "")),
        )


def inspect_mbtiles(path: str | Path, check_seconds: float | None = None) -> TileSetInfo:
    """Open, validate and close: what `basemap add` needs to accept or refuse a file."""
    with MBTiles(path, check_seconds=check_seconds) as tiles:
        return tiles.info


_NOT_REGULAR = ((stat.S_ISDIR, "it is a folder, not an MBTiles file"),
                (stat.S_ISFIFO, "it is a pipe (FIFO), not a file"),
                (stat.S_ISSOCK, "it is a socket, not a file"),
                (stat.S_ISCHR, "it is a device, not a file"),
                (stat.S_ISBLK, "it is a device, not a file"))


def _read_start(path: Path, size: int) -> bytes:
    """The first `size` bytes of a regular file. O_NONBLOCK: if a FIFO replaced the file after the check, the
    open returns at once instead of waiting for a writer; fstat then refuses it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MBTilesError(path, "it is not a regular file")
        return os.read(fd, size)
    finally:
        os.close(fd)


def _check_file(path: Path) -> None:
    """Refuse what is plainly not an SQLite file before SQLite sees it (SQLite would treat an empty file as new),
    and anything but a regular file before anything opens it (a FIFO blocks the open, a device never ends)."""
    try:
        if not path.exists():
            raise MBTilesError(path, "the file does not exist")
        mode = path.stat().st_mode
        for test, reason in _NOT_REGULAR:
            if test(mode):
                raise MBTilesError(path, reason)
        if not stat.S_ISREG(mode):
            raise MBTilesError(path, "it is not a regular file")
        header = _read_start(path, len(SQLITE_HEADER))
    except OSError as exc:
        raise MBTilesError(path, f"the file cannot be read ({exc.strerror or exc})") from None
    if not header:
        raise MBTilesError(path, "the file is empty")
    if header != SQLITE_HEADER:
        raise MBTilesError(path, "it is not an SQLite database, so it is not an MBTiles file")


def _is_wal_without_log(path: Path) -> bool:
    """True for a WAL-mode database (header bytes 18-19 == 2) with no -wal file beside it."""
    try:
        header = _read_start(path, 20)
    except (OSError, MBTilesError):
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2 and not Path(f"{path}-wal").exists()


def _sqlite_reason(exc: sqlite3.Error | UnicodeDecodeError | MemoryError) -> str:
    """One clause for an SQLite failure, by its result code (Python 3.11+), so the user knows what to do next."""
    if isinstance(exc, UnicodeDecodeError):
        return ("the file is damaged or incomplete (SQLite reported bytes that are not text); copy it again from the "
                "original")
    if isinstance(exc, MemoryError):
        return "SQLite ran out of memory reading it: the file is probably damaged; copy it again from the original"
    code = getattr(exc, "sqlite_errorname", "") or ""
    # SQLite may quote text from a damaged file in its message, line ends included: keep the message one line.
    detail = " ".join(str(exc).split())
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another program is using the file; close it and try again"
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR")) or type(exc) is sqlite3.DatabaseError:
        return f"the file is damaged or incomplete ({detail}); copy it again from the original"
    if code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return f"SQLite cannot open it ({detail})"
    return f"SQLite cannot read it ({detail})"


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE", (name,)
    ).fetchone()
    return row is not None


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]).lower() for row in conn.execute(f"PRAGMA table_info({table})")}


def _metadata(conn: sqlite3.Connection) -> dict[str, str]:
    """The metadata table as text; it is optional, and one without name/value columns counts as absent."""
    if not _has_table(conn, "metadata") or not {"name", "value"} <= _columns(conn, "metadata"):
        return {}
    result: dict[str, str] = {}
    for name, value in conn.execute("SELECT name, value FROM metadata"):
        if isinstance(name, str) and value is not None:
            result.setdefault(name.strip().lower(), value if isinstance(value, str) else str(value))
    return result


def _check_first_tile(path: Path, data: object) -> str:
    """The first tile's format; a file whose tiles are not raster images would show a blank or broken map."""
    if isinstance(data, str):
        raise MBTilesError(path, "its first tile is stored as text, not as image bytes, so its tiles are not PNG, "
                                 "JPEG or WebP images")
    if not isinstance(data, bytes) or not data:
        raise MBTilesError(path, "its first tile is empty, so its tiles are not PNG, JPEG or WebP images")
    tile_format = sniff_image_format(data)
    if tile_format is not None:
        return tile_format
    if data.startswith(b"\x1f\x8b"):
        raise MBTilesError(
            path, "its tiles are gzip-compressed, probably vector tiles, but only PNG, JPEG or WebP raster tiles"
            " can be shown"
        )
    raise MBTilesError(
        path, f"its tiles are not PNG, JPEG or WebP images (the first tile starts with bytes {data[:8].hex(' ')})"
    )


def _sampled_format(sample: list[object]) -> str:
    """The format most of the sampled tiles are in by their magic bytes (the first is known to be an image)."""
    found = Counter(f for data in sample if isinstance(data, bytes) and (f := sniff_image_format(data)))
    return found.most_common(1)[0][0]


def _zoom(path: Path, metadata: dict[str, str], key: str, fallback: int) -> int:
    raw = metadata.get(key, "").strip()
    if not raw:
        return fallback
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not (number.is_integer() and 0 <= number <= MAX_ZOOM):
        raise MBTilesError(path, f"its metadata {key} '{raw}' is not a whole number from 0 to {MAX_ZOOM}")
    return int(number)


def _scheme(path: Path, raw: str) -> str:
    """'tms' (also when not said) or 'xyz'; anything else would put every row of tiles in the wrong place."""
    scheme = raw.strip().lower() or "tms"
    if scheme not in ("tms", "xyz"):
        raise MBTilesError(path, f"its metadata scheme '{raw.strip()}' is neither tms nor xyz, so its rows of tiles"
                                 " cannot be placed")
    return scheme


def _bounds(path: Path, raw: str) -> tuple[float, float, float, float] | None:
    """West, south, east, north from 'w,s,e,n'; bad bounds would place the basemap wrongly, so they are refused."""
    raw = raw.strip()
    if not raw:
        return None
    parts = raw.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise MBTilesError(path, f"its metadata bounds '{raw}' are not four numbers west,south,east,north")
    west, south, east, north = numbers
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise MBTilesError(
            path, f"its metadata bounds '{raw}' are out of range (west < east within -180..180 and south < north"
            " within -90..90)"
        )
    # Clamp to what a Web Mercator map can show rather than refuse a world map written as ±90.
    return west, max(south, -MAX_LATITUDE), east, min(north, MAX_LATITUDE)
