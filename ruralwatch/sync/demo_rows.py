"""Demo rows stay on the laptop that loaded them: the one rule export and every receiver follow.

The demo data (`ruralwatch demo`, File ▸ Load demo data) is training material made from a seed. Two laptops that load
it hold the same ids with their own clocks, and values that follow the day each loaded it (its dates end "today"):
sent on, it reached the central store as thousands of "updated" rows and conflicts on `reported_at`, and mixed
practice incidents into the force's picture. So demo rows never travel, live or removed:

- a row flagged `synthetic` (FLAGGED: incidents, people, duties, patrols, premises) is a demo row;
- so is a row that belongs by foreign key to a demo row (PARENTS: an incident's vehicles, items, files and alerts; a
  person's availability; a duty's or patrol's crew, log and track; a premises' visits and property);
- so is an entry of the demo's vehicles-of-interest list (LISTED).

A real row that only names a demo row, with no foreign key (an incident at a demo premises, a patrol log event about
a demo incident, a real duty's patrol), is real and travels as it is: readers join only the rows they hold.

A sync export leaves demo rows out and counts them; every receiver (a laptop, the SQLite or PostgreSQL central
store) leaves out the demo rows of a package written before this rule, counted in its report. Loading and removing
the demo stay what they were: local writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not imported at run time: `ruralwatch demo` takes DEMO_LIST_SOURCE from here, and nothing more
    from ruralwatch.sync.package import Contents

FLAGGED: tuple[str, ...] = ("incidents", "people", "duties", "patrols", "premises")
# child table -> its (column, parent table) foreign keys to FLAGGED tables (tests/unit/test_demo_sync.py checks them
# against the schema, so a new child table cannot be forgotten).
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "incident_vehicles": (("incident_id", "incidents"),),
    "stolen_items": (("incident_id", "incidents"),),
    "attachments": (("incident_id", "incidents"),),
    "community_alerts": (("incident_id", "incidents"),),
    "availability": (("person_id", "people"),),
    "availability_exceptions": (("person_id", "people"),),
    "duty_assignments": (("duty_id", "duties"), ("person_id", "people")),
    "patrol_crew": (("patrol_id", "patrols"), ("person_id", "people")),
    "patrol_events": (("patrol_id", "patrols"),),
    "patrol_track_points": (("patrol_id", "patrols"),),
    "premises_visits": (("premises_id", "premises"),),
    "premises_property": (("premises_id", "premises"),),
}
DEMO_LIST_SOURCE = "ANPR hotlist (demo)"  # the source the demo's vehicles-of-interest list is imported under
# table -> (column, value) marking the demo's rows of a table without a `synthetic` flag
LISTED: dict[str, tuple[str, str]] = {"watchlist_vehicles": ("source", DEMO_LIST_SOURCE)}

# (parent table, ids) -> the ids held here as demo rows: how a receiver knows a child's parent it does not receive.
HeldDemo = Callable[[str, list[str]], set[str]]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def condition(table: str, alias: str) -> str | None:
    """SQL (SQLite's and PostgreSQL's alike) true for a demo row of `table` read as `alias`; None: it has none."""
    if table in FLAGGED:
        return f"COALESCE({alias}.synthetic, 0) <> 0"
    if table in PARENTS:
        return " OR ".join(f'EXISTS (SELECT 1 FROM "{parent}" AS d WHERE d.id = {alias}.{column} '
                           f"AND COALESCE(d.synthetic, 0) <> 0)" for column, parent in PARENTS[table])
    if table in LISTED:
        column, value = LISTED[table]
        return f"COALESCE({alias}.{column}, '') = {_literal(value)}"
    return None


def real_rows(table: str, alias: str) -> str:
    """A WHERE clause's part keeping only real rows of `table` ("1 = 1" where it has no demo rows)."""
    found = condition(table, alias)
    return f"NOT ({found})" if found else "1 = 1"


def _flagged(row: dict[str, Any]) -> bool:
    return bool(row.get("synthetic"))


def leave_out(contents: Contents, held_demo: HeldDemo) -> int:
    """Take a package's demo rows out of `contents` (with their parsed clocks, and the files only they use), before
    anything is merged; returns how many rows were taken out."""
    demo_ids: dict[str, set[str]] = {}
    settled: dict[str, set[str]] = {}  # parents the package carries itself: its rows say whether they are demo
    for table in FLAGGED:
        rows = contents.tables.get(table, [])
        demo_ids[table] = {row["id"] for row in rows if _flagged(row)}
        settled[table] = {row["id"] for row in rows}
    named: dict[str, set[str]] = {table: set() for table in FLAGGED}  # the other parents children name
    for table, links in PARENTS.items():
        for column, parent in links:
            named[parent].update(str(row[column]) for row in contents.tables.get(table, [])
                                 if row.get(column) is not None)
    for parent, ids in named.items():
        asked = sorted(ids - settled[parent])
        if asked:
            demo_ids[parent] |= held_demo(parent, asked)
    left_out = 0
    dropped_files: set[str] = set()
    for table, rows in list(contents.tables.items()):
        if not _may_hold_demo(table, demo_ids):  # the usual package: a look at each row is a merge's 0.15 s
            continue
        keep = [not _is_demo(table, row, demo_ids) for row in rows]
        if all(keep):
            continue
        contents.tables[table] = [row for row, kept in zip(rows, keep, strict=True) if kept]
        if table in contents.clocks:
            contents.clocks[table] = [c for c, kept in zip(contents.clocks[table], keep, strict=True) if kept]
        if table == "attachments":
            dropped_files = {str(row["sha256"]) for row, kept in zip(rows, keep, strict=True)
                             if not kept and row.get("sha256") is not None}
        left_out += keep.count(False)
    if dropped_files:
        still_used = {row.get("sha256") for row in contents.tables.get("attachments", [])}
        for sha in dropped_files - still_used:
            contents.blobs.pop(sha, None)
    return left_out


def _may_hold_demo(table: str, demo_ids: dict[str, set[str]]) -> bool:
    """Whether any row of `table` can be a demo row, given the demo ids found: none flagged, no demo parent."""
    if table in FLAGGED:
        return bool(demo_ids[table])
    if table in PARENTS:
        return any(demo_ids[parent] for _column, parent in PARENTS[table])
    return table in LISTED


def _is_demo(table: str, row: dict[str, Any], demo_ids: dict[str, set[str]]) -> bool:
    if table in FLAGGED:
        return _flagged(row)
    if table in PARENTS:
        return any(row.get(column) in demo_ids[parent] for column, parent in PARENTS[table])
    if table in LISTED:
        column, value = LISTED[table]
        return row.get(column) == value
    return False


def chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
