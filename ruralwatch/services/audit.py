"""Reading and verifying the audit log, for the roles allowed to (the log itself is ruralwatch.store.audit)."""

from __future__ import annotations

from ruralwatch.core.errors import ProgressCallback, noted
from ruralwatch.store.audit import ROW_HASHES_KEY as ROW_HASHES_KEY  # an entry's sealed row hashes (merges, imports)
from ruralwatch.store.audit import AuditEntry as AuditEntry  # re-exported: the records the window shows
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.audit import Problem as Problem
from ruralwatch.store.audit import VerifyResult as VerifyResult
from ruralwatch.store.database import Store


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = AuditLog(store)

    def entries(self, actor: str | None = None, record_id: str | None = None, since: str | None = None,
                until: str | None = None, action: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """The newest entries first. `record_id` may also be an account's name: the entries about that account
        (an account's record id is a long random one that nobody types)."""
        self.store.actor.require("audit.view")
        return self.log.entries(actor, self._record_key(record_id), since, until, action, limit)

    def account_names(self) -> dict[str, str]:
        """Account record id -> account name, disabled accounts included: what the log's account entries are about."""
        self.store.actor.require("audit.view")
        return {str(row[0]): str(row[1]) for row in self.store.db.execute("SELECT id, username FROM accounts")}

    def _record_key(self, record: str | None) -> str | None:
        record = (record or "").strip() or None
        if record is None:
            return None
        row = self.store.db.execute("SELECT id FROM accounts WHERE username = ? COLLATE NOCASE", [record]).fetchone()
        return str(row[0]) if row else record

    def count(self) -> int:
        self.store.actor.require("audit.view")
        return self.log.count()

    def actors(self) -> list[str]:
        """Everyone who appears in the log (accounts, and "system"), for a filter list."""
        self.store.actor.require("audit.view")
        return [row[0] for row in self.store.db.execute(
            "SELECT DISTINCT actor FROM audit_log ORDER BY actor COLLATE NOCASE")]

    def verify(self, progress: ProgressCallback | None = None) -> VerifyResult:
        """Every problem found: entries altered or missing, rows changed, fabricated or deleted outside RuralWatch.
        `progress(done, total)` returning False cancels (CancelledError; verifying writes nothing)."""
        self.store.actor.require("audit.view")
        return self.log.verify(noted(progress, "Checking every audit entry and the rows it covers"))
