"""Reading and verifying the audit log, for the roles allowed to (the log itself is ruralwatch.store.audit)."""

from __future__ import annotations

from ruralwatch.store.audit import AuditEntry, AuditLog, VerifyResult
from ruralwatch.store.database import Store


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = AuditLog(store)

    def entries(self, actor: str | None = None, record_id: str | None = None, since: str | None = None,
                until: str | None = None, action: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        self.store.actor.require("audit.view")
        return self.log.entries(actor, record_id, since, until, action, limit)

    def verify(self) -> VerifyResult:
        self.store.actor.require("audit.view")
        return self.log.verify()
