"""Where things live: the default database, caches, and bundled resources (source tree or PyInstaller)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP_NAME = "RuralWatch"
DB_ENV = "RURALWATCH_DB"


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "ruralwatch.db"


def resolve_db_path(cli_value: str | None) -> Path:
    """--db wins, then $RURALWATCH_DB, then the file in the user's data folder."""
    if cli_value:
        return Path(cli_value).expanduser()
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    return default_db_path()


def cache_dir() -> Path:
    path = Path(user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource_path(*parts: str) -> Path:
    """A file under resources/, from a source checkout or from inside a PyInstaller bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    base = Path(bundle_root) if bundle_root else Path(__file__).resolve().parent.parent
    return base.joinpath("resources", *parts)
