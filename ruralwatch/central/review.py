"""The central store's conflicts for the window: listed and settled through the same interface methods as
`central conflicts` and `central resolve` (CentralStore.conflicts / resolve).

Which central store: the PostgreSQL database whose connection string this database keeps (File ▸ Settings ▸
Central store, the one "Sync with the central store" uses). With none set there is none: as on the command line,
which works only on the store --from/--into (or $RURALWATCH_CENTRAL_DSN) names, never on the database it was
started on. A central store file has its own accounts and key, so it is opened as a database of its own
(`ruralwatch --db central.db`), where the Sync panel's Conflicts to review are its conflicts. Conflicts show whole
field values, contact details included, so the window asks the same permission the services ask for
`sync conflicts` / `sync resolve` (`sync.trust`) on both engines: a PostgreSQL role has no RuralWatch account to
check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ruralwatch.central.errors import CentralError
from ruralwatch.central.target import PgTarget, pg_target
from ruralwatch.core.kinds import kind_name
from ruralwatch.core.times import format_local
from ruralwatch.services.sync import Conflict, ConflictSubject
from ruralwatch.store.database import Store

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral

PERMISSION = "sync.trust"  # what `sync conflicts` and `sync resolve` require (ruralwatch.services.sync)
# Said by the greyed menu item and button, and by window_target: this database's own conflicts were shown as the
# central store's, a second copy of the Sync panel's list.
NO_CENTRAL_STORE = ("no central store is set for this laptop: put the connection string your administrator gives you "
                    "in File ▸ Settings ▸ Central store. A central store file's conflicts are listed under Conflicts "
                    "to review in the Sync panel of a window opened on it (ruralwatch --db central.db)")


@dataclass
class CentralConflicts:
    engine: str  # "sqlite" | "postgresql"
    where: str
    conflicts: list[Conflict] = field(default_factory=list)
    records: dict[int, str] = field(default_factory=dict)  # conflict id -> the record as a person knows it


def window_target(dsn: str) -> PgTarget:
    """The central store the window reviews: the stored connection string's database (none: NO_CENTRAL_STORE)."""
    if not dsn.strip():
        raise CentralError(NO_CENTRAL_STORE)
    return pg_target(dsn)


def describe(target: PgTarget) -> str:
    return f"{target.describe()} (PostgreSQL)"


@contextmanager
def opened(store: Store, target: PgTarget) -> Iterator[PgCentral]:
    """The central store, open for one use case on the calling thread (a PostgreSQL connection is one thread's)."""
    store.actor.require(PERMISSION)
    from ruralwatch.central.postgres import PgCentral

    central = PgCentral.open(target)
    try:
        yield central
    finally:
        central.close()


def record_label(conflict: Conflict, subject: ConflictSubject | None) -> str:
    """What a person recognises: kind, place and date of the incident, not its id."""
    if subject is None:
        return f"{conflict.table_name} {conflict.row_id[:8]}"
    return f"{kind_name(subject.kind)}, {subject.place or 'no place'}, {format_local(subject.occurred_start)[:10]}"


def list_conflicts(store: Store, target: PgTarget) -> CentralConflicts:
    """The open conflicts, each with the record it concerns."""
    with opened(store, target) as central:
        found = CentralConflicts(central.engine, describe(target), central.conflicts())
        subjects = _subjects(central, found.conflicts)
    found.records = {c.id: record_label(c, subjects.get(c.id)) for c in found.conflicts}
    return found


def settle(store: Store, target: PgTarget, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
    """`central resolve`: the same checks, the same audit, a new edit that reaches every laptop."""
    with opened(store, target) as central:
        return central.resolve(conflict_id, choice, merged_value)


def _subjects(central: PgCentral, conflicts: list[Conflict]) -> dict[int, ConflictSubject]:
    from ruralwatch.central.laptop_schema import laptop_schema
    from ruralwatch.central.postgres import pg_errors

    # Rows of an incident (vehicles, items, attachments, alerts) lead to it, as on a laptop (conflict_subject).
    of_incident = {s.name for s in laptop_schema().syncable if "incident_id" in s.names}
    found: dict[int, ConflictSubject] = {}
    with pg_errors(central.where):
        for c in conflicts:
            incident_id = c.row_id
            if c.table_name in of_incident:
                row = central.conn.execute(f"SELECT incident_id FROM {c.table_name} WHERE id = %s".encode(),
                                           [c.row_id]).fetchone()
                incident_id = row[0] if row else c.row_id
            elif c.table_name != "incidents":
                continue
            row = central.conn.execute(b"SELECT kind, place, occurred_start FROM incidents WHERE id = %s",
                                       [incident_id]).fetchone()
            if row is not None:
                found[c.id] = ConflictSubject(*row)
    return found
