"""`ruralwatch sync central`: a laptop on the force network (at the station) syncs with a PostgreSQL central store
in one step: export what the central store has not had, merge it there, then import the outgoing package the
central store writes for this laptop.

The two packages never leave this machine (a private temporary folder, removed afterwards); they are still written
encrypted, under a passphrase made for this one exchange and never stored, as every package of an encrypted
database is. The connection itself is protected by the server's TLS (`sslmode` in the connection string).
Both sides must trust each other first, as for any exchange: the central store the laptop (`central trust`), the
laptop the central store's key (`sync trust`).
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ruralwatch.central.errors import CentralError, NotTrustedYet
from ruralwatch.central.postgres import PgCentral, pg_errors
from ruralwatch.central.target import PgTarget
from ruralwatch.core.errors import CancelledError, NotFoundError, ProgressCallback
from ruralwatch.services.sync import (
    EXPORT_PHASES,
    IMPORT_PHASES,
    STEP_TICKS,
    ImportResult,
    SyncService,
    within,
)

STEPS = 3  # the bar's steps (STEP_TICKS each): export, merge, fetch and import


@dataclass
class StationSync:
    sent_rows: int
    merged: ImportResult
    received: ImportResult
    demo_kept: int = 0  # demo rows the export left on this laptop (ruralwatch.sync.demo_rows)
    full: bool = False  # everything the central store holds came back, not only what changed
    central_name: str = ""  # the name this laptop trusted the central store under, else "device ID"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Steps:
    """sync_with_central's steps as progress reports (the one ProgressCallback shape) on a bar of STEP_TICKS per
    step: each step's own reports (the export's rows read and package written, the merge per batch of rows, the
    import's) fill its share, so the bar moves inside a step instead of jumping from one to the next. Cancel is seen
    at every report: the export, the merge and the import each roll back whole (ruralwatch.services.sync)."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress, self.done, self.note = progress, -1, ""

    def say(self, note: str) -> None:
        """The next step begins."""
        self.done += 1
        self.note = note
        if self.progress is not None and not self.progress(self.done * STEP_TICKS, STEPS * STEP_TICKS, note):
            raise CancelledError(CANCELLED)

    def inside(self, phases: tuple[str, ...] = ()) -> ProgressCallback | None:
        """The current step's own reports, on the station's bar under its note (`within`)."""
        return within(self.progress, self.done, STEPS, self.note, phases)


CANCELLED = "cancelled: what was already sent or received stays, and the next sync goes on from there"
# Cancel inside a step: that step is rolled back whole (the merge is one transaction, the import another).
CANCELLED_MERGE = ("cancelled: the central store's merge of this laptop's changes was rolled back, nothing of it kept "
                   "there; the next sync sends them again")
CANCELLED_IMPORT = ("cancelled: this laptop's changes are merged at the central store, but what it sent back was not "
                    "imported (nothing changed here); the next sync fetches it again")


def sync_with_central(sync: SyncService, target: PgTarget, progress: ProgressCallback | None = None,
                      full: bool = False) -> StationSync:
    """Export, merge into the central store, import what it sends back. Nothing is half done on either side: each
    step is the usual all-or-nothing export, merge or import, and a refusal stops the run with its reason.
    `progress(done, STEPS * STEP_TICKS, note)` (each step's own reports fill its share of the bar) returning False
    (the window's Cancel) stops it with CancelledError between steps or inside one (the export, the merge and the
    import each rolled back whole, and said so): what was done stays done, and the next run sends only what the
    central store has not acknowledged, so nothing is lost.

    What comes back is everything the central store holds when `full` is asked or the laptop was restored from a
    backup since it last synced (SyncService.restored_from): the central store counts what the laptop wrote or
    received after that backup as held by it, so an ordinary package would never bring it back."""
    central = PgCentral.open(target)
    try:
        own = sync.identity()
        try:
            trusted = sync.peer(central.device_id)
        except NotFoundError:
            raise NotTrustedYet(f"this laptop does not trust the central store yet: `ruralwatch sync trust --device "
                                f"{central.device_id} --key {central.keys.public_hex()} --name HQ`", "central",
                                central.device_id, central.keys.public_hex()) from None
        if trusted.public_key.lower() != central.keys.public_hex():
            raise CentralError(f"the central store's key is not the one this laptop trusts for device "
                               f"{central.device_id}: check with the administrator before trusting it again")
        with pg_errors(central.where):
            known = central.conn.execute(b"SELECT 1 FROM sync_peers WHERE device_id = %s",
                                         [own.device_id]).fetchone()
        if known is None:
            raise NotTrustedYet(f"the central store does not trust this laptop yet: the administrator runs "
                                f"`ruralwatch central trust --device {own.device_id} --key {own.public_key}`",
                                "laptop", own.device_id, own.public_key)
        with tempfile.TemporaryDirectory(prefix="ruralwatch-station-") as folder:
            outbox = Path(folder) / "out"
            outbox.mkdir()
            steps = _Steps(progress)
            steps.say("Exporting this laptop's changes")
            one_time = secrets.token_urlsafe(32)
            # resend: everything the central store has not acknowledged, sent before or not. Its package back comes
            # at once, so nothing goes twice in the usual run; and what a cancelled or refused merge, or a package
            # written for it and lost, did not bring it goes now, not a sync later.
            exported = sync.export(outbox / "laptop.rwsync", since_last_for=central.device_id, passphrase=one_time,
                                   progress=steps.inside(EXPORT_PHASES), resend=True)
            rows = sum(exported.rows.values())
            steps.say(f"Merging {rows:,} {'row' if rows == 1 else 'rows'} into the central store")
            try:
                (merged,) = central.merge_folder(outbox, one_time, steps.inside())
            except CancelledError:
                raise CancelledError(CANCELLED_MERGE) from None
            if merged.status == "refused":
                raise CentralError(f"the central store refused this laptop's package: {merged.message}")
            restored = sync.restored_from()
            everything = full or restored is not None
            steps.say("Fetching everything the central store holds (this laptop was restored from a backup)"
                      if restored else "Fetching everything the central store holds" if everything
                      else "Fetching what the rest of the force changed")
            back = Path(folder) / "central.rwsync"
            central.package_for(own.device_id, back, one_time, full=everything)
            try:
                received = sync.import_package(back, one_time, steps.inside(IMPORT_PHASES))
            except CancelledError:
                raise CancelledError(CANCELLED_IMPORT) from None
            if restored is not None:
                sync.forget_restored()
        return StationSync(rows, merged, received, exported.demo_left_out, everything,
                           trusted.name or f"device {central.device_id}")
    finally:
        central.close()
