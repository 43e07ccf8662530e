"""The central store: one interface, two engines (ruralwatch.central.interface).

- `sqlite_engine`: a RuralWatch SQLite database used as the central store (the embedded default), through the
  laptop's own sync service.
- `postgres`: PostgreSQL 15+ with PostGIS 3 for a force's headquarters (psycopg 3): versioned schema
  (`pg_schema`), set-based merge of verified packages (`pg_merge`), outgoing packages (`pg_package`).
- `target`: which engine a `--into`/`--from` names (a file path or a libpq connection string).
- `laptop_schema`: the syncable tables and their columns, read from the laptop's own migrations, so the
  central schema cannot drift from what laptops send.

No Qt here; psycopg is imported only by the PostgreSQL modules, which only `central` commands load.
"""

from ruralwatch.central.errors import CentralError

__all__ = ["CentralError"]
