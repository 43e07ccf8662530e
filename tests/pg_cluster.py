"""A throwaway PostgreSQL + PostGIS cluster for the tests: initdb and pg_ctl in a temporary folder, listening on a
Unix socket in that folder only (no TCP port), run as `nobody` when the tests run as root (initdb refuses root).

The server binaries come from Debian's `postgresql` package (/usr/lib/postgresql/VERSION/bin, not on PATH) or from
PATH; PostGIS from `postgresql-15-postgis-3`. build/bootstrap.sh installs both. Nothing here is skipped when they
are missing: `PgCluster.start` raises ClusterError with the fix, and the fixture fails the test with it.

One cluster per test session, started by the first test that asks for it (tests/conftest.py: `pg_cluster`). A
template database `rw_template` holds the PostGIS extension; each test gets a fresh database copied from it
(`pg_dsn`), which takes a fraction of the time `CREATE EXTENSION postgis` does.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

MIN_VERSION = 15
TEMPLATE = "rw_template"
SUPERUSER = "postgres"
# Throwaway data: no fsync, so that creating a database per test is cheap. A kill -9 of a client and a fast
# shutdown of the server (both tested) do not depend on it; only a power cut would.
THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
SERVER_SETTINGS = ("max_connections=40", "shared_buffers=64MB")
RUN_AS = "nobody"


class ClusterError(Exception):
    """The cluster cannot be made or started; the message says how to fix it."""


def find_bin_dir(debian_root: Path = Path("/usr/lib/postgresql"), path: str | None = None) -> Path:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin (N >= 15), else PATH."""
    candidates: list[tuple[int, Path]] = []
    for folder in debian_root.glob("*/bin"):
        if folder.parent.name.isdigit() and (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            candidates.append((int(folder.parent.name), folder))
    if candidates:
        version, folder = max(candidates)
        if version >= MIN_VERSION:
            return folder
    found = shutil.which("initdb", path=path)
    if found and shutil.which("pg_ctl", path=path):
        return Path(found).resolve().parent
    raise ClusterError(
        "the PostgreSQL server programs (initdb, pg_ctl) are not installed: the central-store tests start their own "
        "throwaway server. Install Debian's postgresql and postgresql-15-postgis-3 (build/bootstrap.sh does)")


class PgCluster:
    """A running throwaway cluster; `dsn(name)` connects to database `name` as the superuser over the socket."""

    def __init__(self, base: Path, bin_dir: Path, run_as: list[str], durable: bool = False) -> None:
        self.base = base
        self.bin_dir = bin_dir
        self.data = base / "data"
        self.socket_dir = base
        self.log = base / "server.log"
        self._run_as = run_as
        self.settings = SERVER_SETTINGS if durable else (*THROWAWAY_SETTINGS, *SERVER_SETTINGS)
        self._names = itertools.count(1)

    @classmethod
    def start(cls, durable: bool = False, settings: tuple[str, ...] = ()) -> PgCluster:
        """`durable`: fsync on, as a real server runs (bench/central_pg_bench.py --durable); `settings`: more
        `name=value` server settings, after (so overriding) the defaults here."""
        bin_dir = find_bin_dir()
        base = Path(tempfile.mkdtemp(prefix="rw-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise ClusterError("the tests run as root and initdb refuses root, but runuser is not installed")
            account = pwd.getpwnam(RUN_AS)
            os.chown(base, account.pw_uid, account.pw_gid)
            run_as = [runuser, "-u", RUN_AS, "--"]
        cluster = cls(base, bin_dir, run_as, durable)
        cluster.settings = (*cluster.settings, *settings)
        try:
            cluster._initdb()
            cluster.start_server()
            cluster._make_template()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self._run_as, *argv], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def _initdb(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def start_server(self) -> None:
        options = " ".join(["-c listen_addresses=''", f"-k {self.socket_dir}", *(f"-c {s}" for s in self.settings)])
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")

    def stop_server(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop_server("immediate")
            except ClusterError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def dsn(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """One statement as the superuser, outside a transaction (CREATE DATABASE cannot run in one)."""
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(statement.encode())

    def _make_template(self) -> None:
        try:
            self.sql(f"CREATE DATABASE {TEMPLATE}")
            self.sql("CREATE EXTENSION postgis", TEMPLATE)
        except Exception as exc:  # psycopg's errors: said with the fix
            raise ClusterError(f"cannot make the PostGIS template database ({exc}): is postgresql-15-postgis-3 "
                               f"installed?") from exc

    def new_database(self, postgis: bool = True) -> str:
        """A fresh empty database (with PostGIS unless told not to); returns its name."""
        name = f"t{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if postgis else 'template0'}")
        return name

