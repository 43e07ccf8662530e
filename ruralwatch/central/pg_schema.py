"""The PostgreSQL central store's schema: versioned migrations (table `schema_version`), like the laptop's.

Each step runs in its own transaction and records its number; a database whose newest step is beyond the steps
this RuralWatch knows is refused (`SchemaTooNew`). The syncable tables are generated from the laptop schema
(ruralwatch.central.laptop_schema): same names, same columns, PostgreSQL types for SQLite's declared ones, the same
foreign keys (deferred to the end of the merge's transaction, as the laptop's merge defers them). A laptop column
added since is added by `central init` (`upgrade_laptop_columns`); `central_meta.laptop_schema` says which laptop
schema the tables hold, and packages of a newer one are refused.

Bookkeeping keeps the laptop's table names (sync_peers, sync_packages, sync_conflicts, blobs), so that status and
conflicts read alike on both engines. PostGIS geometry (computed by RuralWatch, ruralwatch.central.geometry): `geom`
(EPSG:4326) and `geom_bng` (EPSG:27700) on incidents, patrol events and published crime, each with a GiST index.

The analysts' views live in schema `analyst` (live rows only, patrol events withdrawn as logged by mistake left
out, personal columns left out, readable kind and status names); `--roles` makes `ruralwatch_merge` (writes:
merges, trust, packages) and `ruralwatch_analyst` (reads the views only; the tables stay closed to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ruralwatch.central.errors import CentralError
from ruralwatch.central.laptop_schema import LaptopSchema, TableSpec, laptop_schema
from ruralwatch.core.kinds import KINDS
from ruralwatch.core.protected_fields import PROTECTED
from ruralwatch.core.vocab import STATUSES

if TYPE_CHECKING:
    import psycopg

# Tables with a position: (lat column, lon column). Their points get `geom` and `geom_bng`.
GEOMETRY_TABLES = {"incidents": ("lat", "lon"), "patrol_events": ("lat", "lon"), "published_crimes": ("lat", "lon"),
                   "patrol_stops": ("lat", "lon"), "patrol_track_points": ("lat", "lon"), "premises": ("lat", "lon")}
GEOMETRY_COLUMNS = ("geom", "geom_bng")
# Columns the analyst role never sees: the fields sealed on laptops (personal data, vehicle registrations).
PERSONAL_COLUMNS = {table: frozenset(columns) for table, columns in PROTECTED.items()}
# Bookkeeping an analyst has no use for (and which would show which device wrote what).
HIDDEN_COLUMNS = frozenset({"device_id", "hlc", "field_hlc", "deleted"})
ANALYST_SCHEMA = "analyst"
MERGE_ROLE = "ruralwatch_merge"
ANALYST_ROLE = "ruralwatch_analyst"
META_LAPTOP_SCHEMA = "laptop_schema"
FILLFACTOR = 80
MIN_SERVER_VERSION = 150000


class SchemaTooNewError(CentralError):
    pass


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_sql(spec: TableSpec) -> list[str]:
    out = []
    for column in spec.columns:
        text = f"{quote(column.name)} {column.pg_type}"
        if column.primary_key:
            text += " PRIMARY KEY"
        elif column.not_null:
            text += " NOT NULL"
        if column.name == "deleted":
            text += " DEFAULT 0"
        out.append(text)
    return out


def _geometry_sql(table: str) -> list[str]:
    if table not in GEOMETRY_TABLES:
        return []
    return [f"ALTER TABLE {quote(table)} ADD COLUMN geom geometry(Point, 4326)",
            f"ALTER TABLE {quote(table)} ADD COLUMN geom_bng geometry(Point, 27700)",
            f"CREATE INDEX {quote(f'{table}_geom_gist')} ON {quote(table)} USING gist (geom)",
            f"CREATE INDEX {quote(f'{table}_geom_bng_gist')} ON {quote(table)} USING gist (geom_bng)"]


def _bookkeeping(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    del schema
    for statement in (
        "CREATE TABLE central_meta (key text PRIMARY KEY, value text NOT NULL)",
        # The central store's own signing identity (ruralwatch.sync.crypto): one row.
        """CREATE TABLE central_identity (
            device_id text PRIMARY KEY, public_key text NOT NULL, private_key text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())""",
        # The laptops the central store accepts, what each has sent (received_seen: all a package leaves out) and
        # been sent (sent_watermark: a record only, as a package written may be lost).
        """CREATE TABLE sync_peers (
            device_id text PRIMARY KEY, name text, public_key text NOT NULL, trusted_at text NOT NULL,
            received_seen text, sent_watermark text, last_export text)""",
        # The ledger: each package once.
        """CREATE TABLE sync_packages (
            package_id text PRIMARY KEY, source_device text NOT NULL, applied_at text NOT NULL, sha256 text,
            rows bigint)""",
        "CREATE INDEX sync_packages_source ON sync_packages (source_device, applied_at)",
        """CREATE TABLE sync_conflicts (
            id bigserial PRIMARY KEY, table_name text NOT NULL, row_id text NOT NULL, field text NOT NULL,
            local_value text, local_hlc text, incoming_value text, incoming_hlc text,
            winner text NOT NULL CHECK (winner IN ('local', 'incoming')),
            kind text NOT NULL CHECK (kind IN ('edit', 'delete_vs_edit')),
            package_id text, detected_at text NOT NULL, resolved_at text, resolution text)""",
        "CREATE INDEX sync_conflicts_open ON sync_conflicts (resolved_at, table_name, row_id)",
        "CREATE TABLE blobs (sha256 text PRIMARY KEY, size bigint, data bytea)",
        # Every merge, refusal, trust and outgoing package, with the database role that did it.
        """CREATE TABLE merge_audit (
            id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
            db_role text NOT NULL DEFAULT current_user, action text NOT NULL, package_id text, device_id text,
            file text, sha256 text, detail text)""",  # JSON text
        # The audit entries laptops send with their packages, kept as received (JSON text, as in the package: jsonb
        # would refuse a NUL character that SQLite keeps). The vectors above are JSON text for the same reason.
        """CREATE TABLE device_audit (
            device_id text NOT NULL, seq bigint NOT NULL, entry text NOT NULL, package_id text,
            PRIMARY KEY (device_id, seq))""",
        "CREATE TABLE kinds (key text PRIMARY KEY, name text NOT NULL)",
        "CREATE TABLE statuses (key text PRIMARY KEY, name text NOT NULL)",
    ):
        conn.execute(statement.encode())


def _syncable_tables(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    _create_syncable(conn, list(schema.syncable))


def create_missing_syncable(conn: psycopg.Connection, schema: LaptopSchema) -> list[str]:
    """The syncable tables a laptop migration added since this central store was made (patrol_track_points, laptop
    migration 16): made as `central init` makes them. Returns their names."""
    have = {str(r[0]) for r in conn.execute(
        b"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()}
    missing = [spec for spec in schema.syncable if spec.name not in have]
    _create_syncable(conn, missing)
    return [spec.name for spec in missing]


def _create_syncable(conn: psycopg.Connection, specs: list[TableSpec]) -> None:
    # No index on hlc (the laptop has one): with none on a column a merge changes, an update is a HOT update (no new
    # index entries) when its page has room, hence the fillfactor. Measured on 200,000 incidents, 50,000 updated:
    # the UPDATE took 1.59 s with the hlc index, 0.61 s without. Outgoing packages and `central status` read the
    # clocks with one sequential scan per table instead.
    for spec in specs:
        conn.execute(f"CREATE TABLE {quote(spec.name)} ({', '.join(_column_sql(spec))}) "
                     f"WITH (fillfactor = {FILLFACTOR})".encode())
        for key in spec.foreign_keys:
            conn.execute(f"CREATE INDEX {quote(f'{spec.name}_{key.column}')} ON {quote(spec.name)} "
                         f"({quote(key.column)})".encode())
        for statement in _geometry_sql(spec.name):
            conn.execute(statement.encode())
    for spec in specs:
        for key in spec.foreign_keys:
            conn.execute(
                f"ALTER TABLE {quote(spec.name)} ADD CONSTRAINT {quote(f'{spec.name}_{key.column}_fkey')} "
                f"FOREIGN KEY ({quote(key.column)}) REFERENCES {quote(key.table)} ({quote(key.target)}) "
                f"DEFERRABLE INITIALLY DEFERRED".encode())


def _context_tables(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    """Published crime (data.police.uk): local context on the laptops, held here for the analysts' maps."""
    for spec in schema.context:
        # The laptop's INTEGER PRIMARY KEY numbers rows itself: here an identity column does. No import_batches
        # table: `central published` records each file in merge_audit.
        columns = ['"id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY' if c.startswith('"id" ') else c
                   for c in _column_sql(spec)]
        conn.execute(f"CREATE TABLE {quote(spec.name)} ({', '.join(columns)})".encode())
        for statement in _geometry_sql(spec.name):
            conn.execute(statement.encode())
    # What makes a re-import add nothing (ruralwatch.io.police_uk dedupe_key), as on the laptop.
    conn.execute(b"CREATE UNIQUE INDEX published_crimes_dedupe_key ON published_crimes (dedupe_key)")


def _patrol_stops(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    """The planned stops of each patrol (the `plan` JSON of `patrols`, ruralwatch.core.patrol_plan), one row each
    with its point, kept by the merge for every patrol it writes: QGIS shows them and the route through them."""
    del schema
    conn.execute(b"""CREATE TABLE patrol_stops (
        patrol_id text NOT NULL, seq integer NOT NULL, stop_key text, label text, reason text, harm double precision,
        arrive text, leave text, dwell_minutes double precision, lat double precision, lon double precision,
        PRIMARY KEY (patrol_id, seq))""")
    for statement in _geometry_sql("patrol_stops"):
        conn.execute(statement.encode())


def _device_audit_chains(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    """Every laptop's audit chain checked at each merge, as the SQLite central store checks it
    (ruralwatch.services.device_audit.check_chain): the entries' hashes and package times beside the entry, each
    package's audit head (the history of every device's heads), and the alerts for a log cut, rewritten or wiped."""
    del schema
    for statement in (
        "ALTER TABLE device_audit ADD COLUMN hash text, ADD COLUMN prev_hash text, ADD COLUMN package_created_at text",
        "UPDATE device_audit SET hash = entry::json->>'hash', prev_hash = entry::json->>'prev_hash'",
        """CREATE TABLE device_audit_heads (
            device_id text NOT NULL, package_id text NOT NULL, seq bigint NOT NULL, hash text NOT NULL,
            made text, received_at text NOT NULL, PRIMARY KEY (device_id, package_id))""",
        """CREATE TABLE audit_alerts (
            id bigserial PRIMARY KEY, device_id text NOT NULL, detected_at text NOT NULL, package_id text,
            message text NOT NULL)""",
        "CREATE INDEX audit_alerts_device ON audit_alerts (device_id, detected_at)",
    ):
        conn.execute(statement.encode())


Step = Callable[["psycopg.Connection", LaptopSchema], None]


@dataclass(frozen=True)
class Migration:
    name: str
    run: Step


MIGRATIONS: tuple[Migration, ...] = (
    Migration("bookkeeping", _bookkeeping),
    Migration("syncable tables", _syncable_tables),
    Migration("published crime", _context_tables),
    Migration("patrol stops", _patrol_stops),
    Migration("device audit chains", _device_audit_chains),
)
LATEST_VERSION = len(MIGRATIONS)


def server_checks(conn: psycopg.Connection) -> None:
    """PostgreSQL 15 or newer."""
    version = conn.info.server_version
    if version < MIN_SERVER_VERSION:
        raise CentralError(f"the server runs PostgreSQL {version // 10000}: the central store needs 15 or newer")


def postgis_version(conn: psycopg.Connection) -> str | None:
    row = conn.execute(b"SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    return str(row[0]) if row else None


def current_version(conn: psycopg.Connection) -> int | None:
    """The newest migration applied, or None when the database holds no central store."""
    row = conn.execute(b"SELECT to_regclass('schema_version')").fetchone()
    if row is None or row[0] is None:
        return None
    found = conn.execute(b"SELECT max(version) FROM schema_version").fetchone()
    return int(found[0]) if found and found[0] is not None else 0


def check_version(conn: psycopg.Connection, where: str) -> None:
    """Refuse a database that is not a central store, is of a newer schema, or was not upgraded."""
    version = current_version(conn)
    if version is None:
        raise CentralError(f"{where} holds no RuralWatch central store: create it with `ruralwatch central init "
                           f"--into ...`")
    if version > LATEST_VERSION:
        raise SchemaTooNewError(f"{where} has central schema version {version}, newer than this RuralWatch "
                                f"({LATEST_VERSION}): update RuralWatch")
    laptop = laptop_schema().version
    held = conn.execute(b"SELECT value FROM central_meta WHERE key = %s", [META_LAPTOP_SCHEMA]).fetchone()
    held_version = int(held[0]) if held else 0
    if version < LATEST_VERSION or held_version < laptop:
        raise CentralError(f"{where} was made by an older RuralWatch: upgrade it with `ruralwatch central init "
                           f"--into ...` (as its owner)")
    if held_version > laptop:
        raise SchemaTooNewError(f"{where} holds laptop schema {held_version}, newer than this RuralWatch "
                                f"({laptop}): update RuralWatch")


def migrate(conn: psycopg.Connection) -> list[str]:
    """Create or upgrade the schema; each step in its own transaction. Returns the names of the steps run."""
    schema = laptop_schema()
    with conn.transaction():
        conn.execute(b"""CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())""")
    version = current_version(conn) or 0
    if version > LATEST_VERSION:
        raise SchemaTooNewError(f"the database has central schema version {version}, newer than this RuralWatch "
                                f"({LATEST_VERSION}): update RuralWatch")
    done = []
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with conn.transaction():
            # Two `central init` at once: the second waits here, then finds the step done.
            conn.execute(b"LOCK TABLE schema_version IN EXCLUSIVE MODE")
            if conn.execute(b"SELECT 1 FROM schema_version WHERE version = %s", [number]).fetchone():
                continue
            step.run(conn, schema)
            conn.execute(b"INSERT INTO schema_version (version, name) VALUES (%s, %s)", [number, step.name])
        done.append(step.name)
    with conn.transaction():
        made = create_missing_syncable(conn, schema)
        added = upgrade_laptop_columns(conn, schema)
        refresh_catalogues(conn)
        create_views(conn, schema)
        if _role_exists(conn, MERGE_ROLE):  # tables a later step made
            _grant_merge(conn)
        conn.execute(b"INSERT INTO central_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                     b"value = excluded.value", [META_LAPTOP_SCHEMA, str(schema.version)])
    if made:
        done.append(f"laptop tables: {', '.join(made)}")
    if added:
        done.append(f"laptop columns: {', '.join(added)}")
    return done


def table_columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(b"SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND "
                        b"table_name = %s ORDER BY ordinal_position", [table]).fetchall()
    return [str(r[0]) for r in rows]


def upgrade_laptop_columns(conn: psycopg.Connection, schema: LaptopSchema) -> list[str]:
    """Add the laptop columns the central tables lack (a laptop migration added them since). Returns them."""
    added = []
    for spec in (*schema.syncable, *schema.context):
        have = set(table_columns(conn, spec.name))
        for column in spec.columns:
            if column.name not in have:
                conn.execute(f"ALTER TABLE {quote(spec.name)} ADD COLUMN {quote(column.name)} "
                             f"{column.pg_type}".encode())
                added.append(f"{spec.name}.{column.name}")
    return added


def refresh_catalogues(conn: psycopg.Connection) -> None:
    """The readable names of kinds and statuses (ruralwatch.core catalogues), for the analysts' views."""
    for table, pairs in (("kinds", [(k.key, k.name) for k in KINDS]), ("statuses", list(STATUSES))):
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} (key, name) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                               f"name = excluded.name".encode(), pairs)


def view_columns(spec: TableSpec) -> list[str]:
    hidden = HIDDEN_COLUMNS | PERSONAL_COLUMNS.get(spec.name, frozenset())
    return [c.name for c in spec.columns if c.name not in hidden]


def create_views(conn: psycopg.Connection, schema: LaptopSchema) -> None:
    """One view per table in schema `analyst`: live rows, no personal columns; incidents with kind/status names.
    Dropped and made again, so they follow the columns the tables hold now."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {ANALYST_SCHEMA}".encode())
    for spec in (*schema.syncable, *schema.context):
        columns = [f"t.{quote(c)}" for c in view_columns(spec)]
        if spec.name in GEOMETRY_TABLES:
            columns += ["t.geom", "t.geom_bng"]
        joins, where = "", " WHERE t.deleted = 0" if spec.name in {s.name for s in schema.syncable} else ""
        if spec.name == "patrol_events" and "withdrawn_at" in spec.names:
            # An event withdrawn as logged by mistake counts nowhere (the laptop's dose, after-action, exports): an
            # analyst counting stop-checks or visits in QGIS must not count it either. Restored, it is back.
            where += " AND t.withdrawn_at IS NULL"
        if spec.name == "incidents":
            columns[1:1] = ["k.name AS kind_name", "s.name AS status_name"]
            joins = " LEFT JOIN kinds k ON k.key = t.kind LEFT JOIN statuses s ON s.key = t.status"
        view = f"{ANALYST_SCHEMA}.{quote(spec.name)}"
        conn.execute(f"DROP VIEW IF EXISTS {view}".encode())
        conn.execute(f"CREATE VIEW {view} AS SELECT {', '.join(columns)} FROM {quote(spec.name)} t{joins}{where}"
                     .encode())
    for view, query in PATROL_VIEWS.items():
        conn.execute(f"DROP VIEW IF EXISTS {ANALYST_SCHEMA}.{view}".encode())
        conn.execute(f"CREATE VIEW {ANALYST_SCHEMA}.{view} AS {query}".encode())
    if _role_exists(conn, ANALYST_ROLE):
        _grant_analyst(conn)


# Planned stops of live patrols, and each patrol's route as a line through them in order (the vertices are the
# points RuralWatch computed; the database only strings them together).
PATROL_VIEWS = {
    "patrol_stops": "SELECT s.patrol_id, s.seq, s.stop_key, s.label, s.reason, s.harm, s.arrive, s.leave, "
                    "s.dwell_minutes, p.title, p.starts_at, p.status, s.geom, s.geom_bng "
                    "FROM patrol_stops s JOIN patrols p ON p.id = s.patrol_id WHERE p.deleted = 0",
    "patrol_routes": "SELECT p.id, p.title, p.starts_at, p.ends_at, p.status, p.area_name, count(*) AS stops, "
                     # Typed, so QGIS and GDAL see LineStrings with their SRID (an untyped expression reads as
                     # "geometry, SRID 0" and has to be picked by hand).
                     "ST_MakeLine(s.geom ORDER BY s.seq)::geometry(LineString, 4326) AS geom, "
                     "ST_MakeLine(s.geom_bng ORDER BY s.seq)::geometry(LineString, 27700) AS geom_bng "
                     "FROM patrols p JOIN patrol_stops s ON s.patrol_id = p.id WHERE p.deleted = 0 "
                     "GROUP BY p.id HAVING count(*) > 1",
}


def may_create_roles(conn: psycopg.Connection) -> bool:
    """Whether the connected role can make the merge and analyst roles (a superuser, or CREATEROLE)."""
    row = conn.execute(b"SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute(b"SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone() is not None


def _grant_analyst(conn: psycopg.Connection) -> None:
    conn.execute(f"GRANT USAGE ON SCHEMA {ANALYST_SCHEMA} TO {ANALYST_ROLE}".encode())
    conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {ANALYST_SCHEMA} TO {ANALYST_ROLE}".encode())


def _grant_merge(conn: psycopg.Connection) -> None:
    conn.execute(f"GRANT USAGE ON SCHEMA public TO {MERGE_ROLE}".encode())
    conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {MERGE_ROLE}".encode())
    conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {MERGE_ROLE}".encode())


def create_roles(conn: psycopg.Connection) -> list[str]:
    """The merge role (read and write the central tables) and the analyst role (the views only), as group roles
    without login: an administrator grants them to people's own login roles. Returns the roles made now."""
    made = []
    with conn.transaction():
        for role in (MERGE_ROLE, ANALYST_ROLE):
            if not _role_exists(conn, role):
                conn.execute(f"CREATE ROLE {role} NOLOGIN".encode())
                made.append(role)
        database = conn.execute(b"SELECT current_database()").fetchone()
        name = quote(str(database[0])) if database else "current_database"
        for role in (MERGE_ROLE, ANALYST_ROLE):
            conn.execute(f"GRANT CONNECT ON DATABASE {name} TO {role}".encode())
        _grant_merge(conn)
        # The merge's staging tables are temporary tables.
        conn.execute(f"GRANT TEMPORARY ON DATABASE {name} TO {MERGE_ROLE}".encode())
        conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ANALYST_ROLE}".encode())
        _grant_analyst(conn)
    return made
