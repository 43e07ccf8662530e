"""The tests' own PostgreSQL: started on a Unix socket only, with PostGIS, a fresh database per test."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pg_cluster import ClusterError, PgCluster, find_bin_dir


def test_the_cluster_listens_on_its_socket_only_and_has_postgis(pg_cluster: PgCluster, pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
        assert version is not None and version[0].startswith("3.")
        assert int(conn.execute("SHOW server_version_num").fetchone()[0]) >= 150000
    assert str(pg_cluster.socket_dir) in pg_dsn


def test_each_test_gets_a_fresh_database(pg_cluster: PgCluster, pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("CREATE TABLE scratch (x int)")
    other = pg_cluster.dsn(pg_cluster.new_database())
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT to_regclass('scratch')").fetchone() == (None,)


def test_without_the_server_programs_the_cluster_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="postgresql-15-postgis-3"):
        find_bin_dir(tmp_path / "none", path=str(tmp_path))
