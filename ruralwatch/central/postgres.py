"""The PostgreSQL + PostGIS engine of the central store (psycopg 3).

`PgCentral.open` connects and refuses, in one line each, what it cannot use: a connection that fails (wrong
string, server down, authentication), PostgreSQL older than 15, no PostGIS in the database, no central store in
it, a newer schema. `init` creates or upgrades the schema (ruralwatch.central.pg_schema) and the central store's
own signing identity. `pg_errors` turns what the server says during the work (no rights, the connection lost)
into one line too; everything else of psycopg is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.central import pg_schema
from ruralwatch.central.errors import CentralError
from ruralwatch.central.interface import CentralStatus
from ruralwatch.central.pg_merge import PgMerger
from ruralwatch.central.target import PgTarget
from ruralwatch.core import times
from ruralwatch.core.errors import ProgressCallback
from ruralwatch.io.exports import ExportOptions
from ruralwatch.io.exports import ExportResult as FileExportResult
from ruralwatch.services.published import ImportReport
from ruralwatch.services.sync import Conflict, ExportResult, ImportResult
from ruralwatch.sync import crypto
from ruralwatch.sync.errors import KeyChanged

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 10


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def connect(target: PgTarget) -> psycopg.Connection:
    """An autocommit connection (every unit of work opens its own transaction), or one clear line."""
    import psycopg

    where = target.describe()
    try:
        return psycopg.connect(target.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="ruralwatch central")
    except psycopg.ProgrammingError as exc:
        raise CentralError(f"not a usable connection string ({_first_line(exc)})") from None
    except psycopg.OperationalError as exc:
        raise CentralError(f"cannot connect to the central database {where}: {_first_line(exc)}") from None


@contextmanager
def pg_errors(where: str) -> Iterator[None]:
    """What the server refuses during the work, as one line (exit code 2)."""
    import psycopg

    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CentralError(f"the database role may not do this in {where} ({_first_line(exc)}): an administrator "
                           f"grants {pg_schema.MERGE_ROLE} for merging (see docs/CENTRAL-POSTGRES.md)") from None
    except psycopg.OperationalError as exc:
        raise CentralError(f"the connection to the central database {where} was lost ({_first_line(exc)}): "
                           f"nothing of the work in progress was kept; run the command again") from None


class PgCentral:
    """A central store in a PostgreSQL database; one connection, used from one thread."""

    engine = "postgresql"

    def __init__(self, conn: psycopg.Connection, target: PgTarget, device_id: str, keys: crypto.KeyPair) -> None:
        self.conn = conn
        self.target = target
        self.where = target.describe()
        self.device_id = device_id
        self.keys = keys

    # --- opening --------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, target: PgTarget) -> PgCentral:
        conn = connect(target)
        try:
            with pg_errors(target.describe()):
                pg_schema.server_checks(conn)
                _require_postgis(conn, target.describe())
                pg_schema.check_version(conn, target.describe())
                device_id, keys = _identity(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, target, device_id, keys)

    @classmethod
    def init(cls, target: PgTarget, roles: bool = False) -> tuple[PgCentral, list[str]]:
        """Create or upgrade the central store; returns it open, and what was done."""
        import psycopg

        conn = connect(target)
        where = target.describe()
        done: list[str] = []
        try:
            with pg_errors(where):
                pg_schema.server_checks(conn)
                if roles and not pg_schema.may_create_roles(conn):  # said before anything is made
                    raise CentralError(f"this role may not create the roles in {where}: run `central init --roles` "
                                       f"as a superuser (e.g. postgres) or as a role with CREATEROLE "
                                       f"(`createuser --createrole`); nothing was changed")
                if pg_schema.postgis_version(conn) is None:
                    try:
                        with conn.transaction():
                            conn.execute(b"CREATE EXTENSION IF NOT EXISTS postgis")
                    except psycopg.errors.InsufficientPrivilege:
                        raise CentralError(f"PostGIS is not enabled in {where} and this role may not enable it: a "
                                           f"superuser runs CREATE EXTENSION postgis in that database") from None
                    except (psycopg.errors.UndefinedFile, psycopg.errors.FeatureNotSupported) as exc:
                        raise CentralError(f"PostGIS is not installed on the server of {where} "
                                           f"({_first_line(exc)}): install postgresql-15-postgis-3 (Debian) or "
                                           f"your system's PostGIS 3 package") from None
                    done.append("PostGIS enabled")
                done += pg_schema.migrate(conn)
                if _identity_row(conn) is None:
                    keys = crypto.KeyPair.generate()
                    with conn.transaction():
                        conn.execute(b"INSERT INTO central_identity (device_id, public_key, private_key) "
                                     b"VALUES (%s, %s, %s)", [uuid.uuid4().hex[:16], keys.public_hex(),
                                                              keys.private_hex()])
                    done.append("signing identity made")
                if roles:
                    try:
                        made = pg_schema.create_roles(conn)
                    except psycopg.errors.InsufficientPrivilege as exc:
                        raise CentralError(f"this role may not create or grant the roles in {where} "
                                           f"({_first_line(exc)}): run `central init --roles` as a superuser or a "
                                           f"role with CREATEROLE that owns the database") from None
                    done.append(f"roles {pg_schema.MERGE_ROLE} and {pg_schema.ANALYST_ROLE} "
                                f"{'made' if made else 'granted again'}")
                device_id, keys = _identity(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, target, device_id, keys), done

    def close(self) -> None:
        self.conn.close()

    # --- the interface --------------------------------------------------------------------------------------

    def merge_folder(self, folder: Path, passphrase: str | None,
                     progress: ProgressCallback | None = None) -> list[ImportResult]:
        merger = PgMerger(self.conn, self.device_id, progress)
        with pg_errors(self.where):
            return merger.merge_folder(folder, passphrase)

    def trust(self, device_id: str, public_key: str, name: str | None = None, replace_key: bool = False) -> str | None:
        device_id = device_id.strip()
        if not device_id or "-" in device_id or len(device_id) > 64:
            raise CentralError(f"{device_id!r} is not a device id (the laptop's `sync identity` shows it)")
        if device_id == self.device_id:
            raise CentralError("that is the central store's own device id")
        key = crypto.check_public_key(public_key)
        now = times.to_storage(times.utc_now())
        with pg_errors(self.where), self.conn.transaction():
            held = self.conn.execute(b"SELECT name, public_key FROM sync_peers WHERE device_id = %s FOR UPDATE",
                                     [device_id]).fetchone()
            old_name, old_key = (held[0], str(held[1]).lower()) if held is not None else (None, None)
            if old_key is not None and old_key != key and not replace_key:
                raise KeyChanged(device_id, old_name, old_key, key)
            self.conn.execute(
                b"INSERT INTO sync_peers (device_id, name, public_key, trusted_at) VALUES (%s, %s, %s, %s) "
                b"ON CONFLICT (device_id) DO UPDATE SET name = COALESCE(excluded.name, sync_peers.name), "
                b"public_key = excluded.public_key, trusted_at = excluded.trusted_at",
                [device_id, name, key, now])
            detail: dict[str, Any] = {"name": name, "public_key": key, "fingerprint": crypto.fingerprint(key)}
            if old_key is not None and old_key != key:
                detail |= {"replaced_key": old_key, "replaced_fingerprint": crypto.fingerprint(old_key)}
            self.conn.execute(b"INSERT INTO merge_audit (action, device_id, detail) VALUES ('trust', %s, %s)",
                              [device_id, json.dumps(detail)])
        return old_key if old_key is not None and old_key != key else None

    def status(self) -> CentralStatus:
        from ruralwatch.central.pg_status import status

        with pg_errors(self.where):
            return status(self)

    def conflicts(self, include_resolved: bool = False) -> list[Conflict]:
        """The concurrent edits a merge kept (the newer value stands), each value named by the laptop that wrote
        it. Settled with `resolve`, or by editing the record on a laptop: the merge of that edit closes it as
        "superseded"."""
        from ruralwatch.sync.merge import device_of

        with pg_errors(self.where):
            names = {str(d): str(n or f"device {d}") for d, n in self.conn.execute(
                b"SELECT device_id, name FROM sync_peers").fetchall()}
            rows = self.conn.execute(
                b"SELECT id, table_name, row_id, field, local_value, local_hlc, incoming_value, incoming_hlc, winner, "
                b"kind, package_id, detected_at, resolved_at, resolution FROM sync_conflicts "
                + (b"" if include_resolved else b"WHERE resolved_at IS NULL ") + b"ORDER BY id").fetchall()

        def writer(clock: str | None) -> str:
            device = device_of(clock) if clock else ""
            return names.get(device, f"device {device}") if device else ""

        found = []
        for row in rows:
            values = list(row)
            for at in (4, 6):  # kept as JSON text
                values[at] = json.loads(values[at]) if values[at] is not None else None
            found.append(replace(Conflict(*values), local_device=writer(values[5]), incoming_device=writer(values[7])))
        return found

    def resolve(self, conflict_id: int, choice: str, merged_value: Any = None) -> Conflict:
        from ruralwatch.central.pg_resolve import resolve

        with pg_errors(self.where):
            return resolve(self, conflict_id, choice, merged_value)

    def package_for(self, device_id: str, out: Path, passphrase: str | None, full: bool = False) -> ExportResult:
        from ruralwatch.central.pg_package import package_for

        with pg_errors(self.where):
            return package_for(self, device_id, out, passphrase, full)

    def import_published(self, paths: Sequence[Path]) -> ImportReport:
        from ruralwatch.central.pg_published import import_published

        with pg_errors(self.where):
            return import_published(self, paths)

    def export(self, fmt: str | None, out: Path, options: ExportOptions | None = None) -> FileExportResult:
        from ruralwatch.central.pg_export import export

        with pg_errors(self.where):
            return export(self, fmt, out, options)


def _require_postgis(conn: psycopg.Connection, where: str) -> None:
    if pg_schema.postgis_version(conn) is None:
        raise CentralError(f"PostGIS is not enabled in {where}: run `ruralwatch central init --into ...` as the "
                           f"database owner (a superuser enables the extension if the owner may not)")


def _identity_row(conn: psycopg.Connection) -> tuple[str, str] | None:
    row = conn.execute(b"SELECT device_id, private_key FROM central_identity ORDER BY created_at LIMIT 1").fetchone()
    return (str(row[0]), str(row[1])) if row else None


def _identity(conn: psycopg.Connection) -> tuple[str, crypto.KeyPair]:
    row = _identity_row(conn)
    if row is None:
        raise CentralError("the central store has no signing identity: run `ruralwatch central init --into ...`")
    return row[0], crypto.KeyPair.from_hex(row[1])
