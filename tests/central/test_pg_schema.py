"""`central init` on PostgreSQL: the schema follows the laptop's, versioned; PostGIS points with spatial indexes;
the analyst role sees views without personal data; what cannot be used is refused in one line."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pg_cluster import PgCluster
from psycopg.conninfo import conninfo_to_dict

from ruralwatch.central import pg_schema
from ruralwatch.central.errors import CentralError
from ruralwatch.central.laptop_schema import CONTEXT_TABLES
from ruralwatch.central.pg_schema import SchemaTooNewError
from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import DSN_ENV, FileTarget, PgTarget, resolve
from ruralwatch.store import Store
from ruralwatch.store.database import SYNCABLE_TABLES


def _init(dsn: str, roles: bool = False) -> list[str]:
    central, done = PgCentral.init(PgTarget(dsn), roles=roles)
    central.close()
    return done


def _columns(conn: psycopg.Connection, table: str, schema: str = "public") -> list[str]:
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
                        "table_name = %s ORDER BY ordinal_position", [schema, table]).fetchall()
    return [r[0] for r in rows]


def test_every_laptop_table_is_there_with_the_laptops_columns(pg_dsn: str, store: Store) -> None:
    done = _init(pg_dsn)
    assert done[:3] == ["bookkeeping", "syncable tables", "published crime"]
    with psycopg.connect(pg_dsn) as conn:
        for table in (*SYNCABLE_TABLES, *CONTEXT_TABLES):
            laptop = [row[1] for row in store.db.execute(f"PRAGMA table_info([{table}])")]
            central = [c for c in _columns(conn, table) if c not in pg_schema.GEOMETRY_COLUMNS]
            assert central == laptop, table
        versions = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert [v for v, _ in versions] == list(range(1, pg_schema.LATEST_VERSION + 1))
        for table in pg_schema.GEOMETRY_TABLES:
            types = dict(conn.execute("SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_name = %s",
                                      [table]).fetchall())
            assert types == {"geom": 4326, "geom_bng": 27700}
            gist = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%gist%%'",
                                [table]).fetchone()
            assert gist == (2,)
        # Child rows point at their parents, checked at the end of a merge's transaction as on the laptop.
        deferred = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND condeferred").fetchone()
        assert deferred is not None and deferred[0] >= 10


def test_init_again_changes_nothing_and_adds_a_column_a_laptop_migration_added(pg_dsn: str) -> None:
    _init(pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        # As a central store made before a laptop migration added the column.
        conn.execute("DROP VIEW analyst.incidents")
        conn.execute("ALTER TABLE incidents DROP COLUMN enc_date_left")
        conn.execute("UPDATE central_meta SET value = '12' WHERE key = 'laptop_schema'")
    with pytest.raises(CentralError, match="made by an older RuralWatch: upgrade it with `ruralwatch central init"):
        PgCentral.open(PgTarget(pg_dsn))
    assert _init(pg_dsn) == ["laptop columns: incidents.enc_date_left"]
    assert _init(pg_dsn) == []
    PgCentral.open(PgTarget(pg_dsn)).close()


def test_a_newer_schema_is_refused(pg_dsn: str) -> None:
    _init(pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (99, 'from the future')")
    with pytest.raises(SchemaTooNewError, match="central schema version 99, newer than this RuralWatch"):
        PgCentral.open(PgTarget(pg_dsn))
    with pytest.raises(SchemaTooNewError, match="update RuralWatch"):
        _init(pg_dsn)


def test_a_database_without_the_central_store_or_postgis_is_refused(pg_cluster: PgCluster, pg_dsn: str) -> None:
    with pytest.raises(CentralError, match="holds no RuralWatch central store: create it with `ruralwatch central "
                                           "init"):
        PgCentral.open(PgTarget(pg_dsn))
    bare = pg_cluster.dsn(pg_cluster.new_database(postgis=False))
    with pytest.raises(CentralError, match="PostGIS is not enabled in"):
        PgCentral.open(PgTarget(bare))
    # The database owner who is no superuser may not enable PostGIS (an untrusted extension): said with the fix.
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'owner_only') THEN "
                   "CREATE ROLE owner_only LOGIN; END IF; END $$")
    name = conninfo_to_dict(bare)["dbname"]
    pg_cluster.sql(f"ALTER DATABASE {name} OWNER TO owner_only")
    with pytest.raises(CentralError, match="a superuser runs CREATE EXTENSION postgis"):
        _init(pg_cluster.dsn(name, user="owner_only"))


def test_the_analyst_role_reads_views_without_personal_data_and_no_table(pg_cluster: PgCluster, pg_dsn: str) -> None:
    done = _init(pg_dsn, roles=True)
    assert any("ruralwatch_analyst" in step for step in done)
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ann') THEN "
                   "CREATE ROLE ann LOGIN IN ROLE ruralwatch_analyst; END IF; END $$")
    database = conninfo_to_dict(pg_dsn)["dbname"]
    with psycopg.connect(pg_cluster.dsn(database, user="ann")) as conn:
        columns = _columns(conn, "incidents", "analyst")
        assert {"kind_name", "status_name", "geom", "geom_bng", "place"} <= set(columns)
        assert not {"reporter_name", "reporter_phone", "field_hlc", "device_id"} & set(columns)
        assert not {"phone", "email", "notes"} & set(_columns(conn, "people", "analyst"))
        assert "vrm" not in _columns(conn, "incident_vehicles", "analyst")
        assert "vrm" not in _columns(conn, "patrol_events", "analyst")
        assert conn.execute("SELECT count(*) FROM analyst.incidents WHERE geom && "
                            "ST_MakeEnvelope(0, 51, 1, 52, 4326)").fetchone() == (0,)
        for table in ("incidents", "people", "central_identity", "sync_conflicts"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM public.{table}")
            conn.rollback()


def test_where_a_central_store_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DSN_ENV, raising=False)
    assert resolve(str(tmp_path / "central.db")) == FileTarget(tmp_path / "central.db")
    assert resolve("postgresql://merge@hq.example/force") == PgTarget("postgresql://merge@hq.example/force")
    assert resolve("service=hq") == PgTarget("service=hq")
    with pytest.raises(CentralError, match=f"give --into FILE|postgresql://... or set \\${DSN_ENV}"):
        resolve(None)
    monkeypatch.setenv(DSN_ENV, "postgresql:///force")
    assert resolve(None, "--from") == PgTarget("postgresql:///force")
    for secret in ("postgresql://merge:hunter2@hq/force", "host=hq password=hunter2",
                   "postgresql://merge@hq/force?password=hunter2"):
        with pytest.raises(CentralError, match="password in the connection string is refused"):
            resolve(secret)
    assert PgTarget("postgresql://merge@hq.example/force").describe() == "merge@hq.example/force"


def test_the_merge_role_merges_and_keeps_its_rights_on_tables_a_later_step_adds(
        pg_cluster: PgCluster, pg_dsn: str, tmp_path: Path) -> None:
    from fixtures.laptops import Laptop

    _init(pg_dsn, roles=True)
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'station') THEN "
                   "CREATE ROLE station LOGIN IN ROLE ruralwatch_merge; END IF; END $$")
    database = conninfo_to_dict(pg_dsn)["dbname"]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # as if a newer step had added the table since --roles
        conn.execute("REVOKE ALL ON patrol_stops FROM ruralwatch_merge")
    _init(pg_dsn)  # the upgrade grants it again
    laptop = Laptop(tmp_path / "laptop.db")
    central = PgCentral.open(PgTarget(pg_cluster.dsn(database, user="station")))
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key)
        laptop.record("Brook Farm")
        laptop.services.sync.export(tmp_path / "inbox" / "1.rwsync")
        (result,) = central.merge_folder(tmp_path / "inbox", None)
        assert result.status == "applied" and result.inserted == 1
        privileges = central.conn.execute(
            "SELECT bool_and(has_table_privilege('ruralwatch_merge', table_name::text, 'SELECT,INSERT,UPDATE,DELETE')) "
            "FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND table_name <> 'spatial_ref_sys'").fetchone()
        assert privileges == (True,)
    finally:
        central.close()
        laptop.store.close()



def test_init_roles_by_an_owner_without_createrole_is_refused_before_anything_is_made(
        pg_cluster: PgCluster, pg_dsn: str) -> None:
    """The administrator's guide once made the owner without CREATEROLE: `init --roles` then made the schema and
    the signing identity and only failed at the roles, so the next `init` said "already up to date"."""
    database = conninfo_to_dict(pg_dsn)["dbname"]
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rw_plain_owner') THEN "
                   "CREATE ROLE rw_plain_owner LOGIN; END IF; END $$")
    pg_cluster.sql(f'ALTER DATABASE "{database}" OWNER TO rw_plain_owner')
    pg_cluster.sql("GRANT CREATE ON SCHEMA public TO rw_plain_owner", database)
    with pytest.raises(CentralError, match="CREATEROLE.*nothing was changed"):
        PgCentral.init(PgTarget(pg_cluster.dsn(database, user="rw_plain_owner")), roles=True)
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT to_regclass('public.schema_version')").fetchone() == (None,)


def test_the_route_view_is_typed_so_gis_tools_see_linestrings_with_their_srid(pg_dsn: str) -> None:
    _init(pg_dsn)
    with psycopg.connect(pg_dsn) as conn:
        found = conn.execute("SELECT f_geometry_column, type, srid FROM geometry_columns WHERE f_table_schema = "
                             "'analyst' AND f_table_name = 'patrol_routes' ORDER BY 1").fetchall()
    assert found == [("geom", "LINESTRING", 4326), ("geom_bng", "LINESTRING", 27700)]
