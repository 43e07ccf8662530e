"""Shared fixtures. Every test gets a fresh database in its own temporary folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Window settings (QSettings) go to a throwaway folder, never the tester's own ~/.config.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ruralwatch-test-config-")
# The map page the window keeps built (ruralwatch.mapping.map_page) too: never the tester's own ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ruralwatch-test-cache-")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-dev-shm-usage --disable-gpu")

from pg_cluster import ClusterError, PgCluster  # noqa: E402

from ruralwatch.services.incidents import IncidentService  # noqa: E402
from ruralwatch.store import Store, open_store  # noqa: E402
from ruralwatch.ui.tiles import register_tile_scheme  # noqa: E402

# The tile scheme must be declared before pytest-qt creates the QApplication.
register_tile_scheme()

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def no_remembered_database() -> Iterator[None]:
    """The data folder chosen at a first start is remembered in the (throwaway) config folder: forget it between
    tests, so one test's choice never redirects another's database."""
    from ruralwatch.paths import forget_db_path

    forget_db_path()
    yield
    forget_db_path()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ruralwatch.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = open_store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def incident_service(store: Store) -> IncidentService:
    return IncidentService(store)


@pytest.fixture
def team_db(tmp_path: Path) -> Path:
    """An encrypted database with its first administrator and two accounts an administrator added, each past its
    first sign-in (fixtures/accounts.py: `team_database`)."""
    from fixtures.accounts import team_database

    return team_database(tmp_path / "team.db")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL + PostGIS server for the session, started by the first test that uses it (so no other
    test pays for it) and stopped at the end. Missing server programs fail the test with the fix, never skip it."""
    try:
        cluster = PgCluster.start()
    except ClusterError as exc:
        pytest.fail(f"no PostgreSQL for the central-store tests: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_dsn(pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """A connection string to a fresh database with PostGIS, as the superuser (Unix socket, no password)."""
    monkeypatch.delenv("RURALWATCH_CENTRAL_DSN", raising=False)
    return pg_cluster.dsn(pg_cluster.new_database())
