"""Persistence: the one connection factory, the schema and its migrations, repositories."""

# First: sqlite-utils without pandas (see sqlite_lib), before any module of the store imports it.
import ruralwatch.store.sqlite_lib  # noqa: F401
from ruralwatch.store.database import (
    NotARuralWatchDatabaseError,
    SchemaTooNewError,
    Store,
    open_store,
)

__all__ = ["NotARuralWatchDatabaseError", "SchemaTooNewError", "Store", "open_store"]
