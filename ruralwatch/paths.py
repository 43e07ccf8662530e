"""Where things live: the default and the chosen database, and bundled resources (source tree or PyInstaller)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "RuralWatch"
DB_ENV = "RURALWATCH_DB"
DB_FILE_NAME = "ruralwatch.db"
# One line: the database chosen at first start or by moving the data folder. A plain file (not QSettings) so the
# command line finds the same database as the window.
LOCATION_FILE_NAME = "database-location"


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILE_NAME


def location_file() -> Path:
    return Path(user_config_dir(APP_NAME, appauthor=False)) / LOCATION_FILE_NAME


def remembered_db_path() -> Path | None:
    """The database the user chose (first start or Settings), if any; a missing or empty record is no choice."""
    try:
        text = location_file().read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return Path(text).expanduser() if text else None


def remember_db_path(path: Path) -> None:
    """Record the chosen database for later starts (written whole, then renamed into place)."""
    target = location_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(f"{Path(path).expanduser().resolve()}\n")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def forget_db_path() -> None:
    location_file().unlink(missing_ok=True)


def location_is_choosable(cli_value: str | None) -> bool:
    """Whether the user picks the database's folder: not when --db or $RURALWATCH_DB names the file."""
    return not cli_value and not os.environ.get(DB_ENV)


def missing_remembered_db(cli_value: str | None) -> Path | None:
    """The remembered database when it is the one to use but is not there (a drive not connected?), else None.
    Never treated as a first start: creating a new database there would leave the real one behind."""
    if not location_is_choosable(cli_value):
        return None
    remembered = remembered_db_path()
    return remembered if remembered is not None and not remembered.exists() else None


def resolve_db_path(cli_value: str | None) -> Path:
    """--db wins, then $RURALWATCH_DB, then the folder chosen at first start, then the user's data folder."""
    if cli_value:
        return Path(cli_value).expanduser()
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    return remembered_db_path() or default_db_path()


def docs_path(*parts: str) -> Path:
    """A file of the documentation shipped with the app (the user guide and its screenshots): docs/ of a source
    checkout, or the copy inside a PyInstaller bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    base = Path(bundle_root) if bundle_root else Path(__file__).resolve().parent.parent
    return base.joinpath("docs", *parts)


def resource_path(*parts: str) -> Path:
    """A file under resources/, from a source checkout or from inside a PyInstaller bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    base = Path(bundle_root) if bundle_root else Path(__file__).resolve().parent.parent
    return base.joinpath("resources", *parts)
