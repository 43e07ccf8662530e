"""Persistence: the one connection factory, the schema and its migrations, repositories."""

from ruralwatch.store.database import (
    NotARuralWatchDatabaseError,
    SchemaTooNewError,
    Store,
    open_store,
)

__all__ = ["NotARuralWatchDatabaseError", "SchemaTooNewError", "Store", "open_store"]
