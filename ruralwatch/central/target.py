"""What `--into` / `--from` name: a RuralWatch SQLite file, or a PostgreSQL database by libpq connection string.

A connection string is a URI (`postgresql://user@host/db`, `postgres://...`) or key=value text (`service=hq`,
`host=... dbname=...`); with neither option given, `$RURALWATCH_CENTRAL_DSN`. Passwords come only from libpq's own
places (`~/.pgpass` or `$PGPASSFILE`, a service file): one written into the string would sit in the shell history
and the process list, so it is refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ruralwatch.central.errors import CentralError

DSN_ENV = "RURALWATCH_CENTRAL_DSN"
_URI = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_KEYWORDS = re.compile(r"^\s*[a-z_]+\s*=", re.IGNORECASE)
_PASSWORD_KEY = re.compile(r"(^|\s)password\s*=", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"^postgres(ql)?://[^/@?]*:[^/@?]*@", re.IGNORECASE)
_URI_PASSWORD_PARAM = re.compile(r"[?&]password=", re.IGNORECASE)


@dataclass(frozen=True)
class FileTarget:
    path: Path

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class PgTarget:
    dsn: str

    def describe(self) -> str:
        """Where it points, for messages: never the string itself (it may name a service or options)."""
        return describe_dsn(self.dsn)


Target = FileTarget | PgTarget


def is_dsn(text: str) -> bool:
    return bool(_URI.match(text) or _KEYWORDS.match(text))


def resolve(text: str | None, option: str = "--into") -> Target:
    """The target an option names, else $RURALWATCH_CENTRAL_DSN; refuses a password written in a string."""
    if text is None or not text.strip():
        text = os.environ.get(DSN_ENV, "")
        if not text.strip():
            raise CentralError(f"no central store named: give {option} FILE|postgresql://... or set ${DSN_ENV}")
    if not is_dsn(text):
        return FileTarget(Path(text).expanduser())
    return pg_target(text)


def pg_target(text: str) -> PgTarget:
    """A PostgreSQL connection string, checked: libpq can read it and it holds no password (`sync central`'s
    --dsn and the laptop's stored central store setting take only these, never a file)."""
    text = text.strip()
    if not is_dsn(text):
        raise CentralError("not a PostgreSQL connection string: write postgresql://user@host/database or "
                           "service=NAME (a service in ~/.pg_service.conf)")
    if _PASSWORD_KEY.search(text) or _URI_PASSWORD.match(text) or _URI_PASSWORD_PARAM.search(text):
        raise CentralError("a password in the connection string is refused (it would be kept where others can read "
                           "it: the shell history, the process list, this laptop's settings): put it in ~/.pgpass or "
                           "$PGPASSFILE, or use a service file")
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(text)
    except ProgrammingError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "it does not read"
        raise CentralError(f"the connection string does not read: {detail}") from None
    return PgTarget(text)


def describe_dsn(dsn: str) -> str:
    """`user@host/db` (or the service) as libpq reads the string; the parts not given are libpq's defaults."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # psycopg.ProgrammingError on a malformed string: said by the caller
        return "the PostgreSQL database given"
    if parts.get("service") and not parts.get("dbname"):
        return f"service {parts['service']}"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "")
    return f"{user}{host}/{parts.get('dbname') or parts.get('service') or ''}"
