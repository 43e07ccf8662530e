"""Record, edit, delete and find incidents; attach files. Every write is one transaction."""

from __future__ import annotations

import builtins  # below the service's own `def list`, `list[...]` in its signatures would name that method
import hashlib
import mimetypes
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ruralwatch.core import geo, times
from ruralwatch.core.errors import CancelledError, NotFoundError, ProgressCallback, ValidationError
from ruralwatch.core.incident import (
    AttachmentInfo,
    Incident,
    IncidentFilter,
    IncidentInput,
    validate_incident,
)
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import audit_batch
from ruralwatch.store.database import Store
from ruralwatch.store.incidents import IncidentRepository, IncidentRow, MapPoint

if TYPE_CHECKING:  # the geography (boundaries, numpy) is loaded only when a location is looked up
    from ruralwatch.services.geography import WhereAmI

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


class IncidentService:
    def __init__(
        self,
        store: Store,
        hub: ChangeHub | None = None,
        clock: Callable[[], datetime] = times.system_clock,
    ) -> None:
        self.store = store
        self._now = clock
        self.repo = IncidentRepository(store, lambda: self._now())  # read when stamping: tests may set _now
        self.hub = hub or ChangeHub()

    # --- reads -------------------------------------------------------------------------------------------

    def where(self, lat: float, lon: float) -> WhereAmI:
        """The ward and district of a location, or how far outside the force's area it is (a letter pair typed
        wrong puts an incident a county away, and nothing else would say so)."""
        from ruralwatch.services.geography import GeographyService

        return GeographyService(self.store).where(lat, lon)

    def get(self, incident_id: str) -> Incident:
        return self._visible(self.repo.get(incident_id))

    def _visible(self, incident: Incident) -> Incident:
        """Reporters' contact details and registrations only for roles entitled to them
        (ruralwatch.core.permissions); with field keys, the store has already left out what this account cannot
        open, so this is for plain databases and says the rule in one place."""
        actor = self.store.actor
        if not actor.can("personal.reporters") and (incident.reporter_name or incident.reporter_phone):
            incident = replace(incident, reporter_name="", reporter_phone="")
        if not actor.can("vehicles.view") and any(v.get("vrm") for v in incident.vehicles):
            incident = replace(incident, vehicles=[{**v, "vrm": ""} for v in incident.vehicles])
        if not actor.can("vehicles.view") and any(i.get("vrm") for i in incident.items):
            incident = replace(incident, items=[{**i, "vrm": ""} for i in incident.items])
        return incident

    def _filter(self, flt: IncidentFilter | None) -> IncidentFilter:
        """Text search finds registrations only for roles that may see them (else a match would reveal one)."""
        flt = flt or IncidentFilter()
        return flt if self.store.actor.can("vehicles.view") else replace(flt, match_vrms=False)

    def count(self, flt: IncidentFilter | None = None) -> int:
        return self.repo.count(self._filter(flt))

    def has_synthetic(self) -> bool:
        return self.repo.has_synthetic()

    def rows(
        self, flt: IncidentFilter, sort: str = "occurred_start", descending: bool = True,
        offset: int = 0, limit: int = 500,
    ) -> list[IncidentRow]:
        rows = self.repo.rows(self._filter(flt), sort, descending, offset, limit)
        if self.store.actor.can("vehicles.view"):
            return rows
        return [replace(row, vrms="") if row.vrms else row for row in rows]

    def list(self, flt: IncidentFilter | None = None) -> list[Incident]:
        ids = [row.id for row in self.repo.rows(self._filter(flt), limit=-1)]
        return [self._visible(self.repo.get(i, include_deleted=True)) for i in ids]

    def map_points(self, flt: IncidentFilter | None = None) -> builtins.list[MapPoint]:
        return self.repo.map_points(self._filter(flt))

    def map_json(self, flt: IncidentFilter | None = None) -> str:
        return self.repo.map_json(self._filter(flt))

    def map_json_parts(self, flt: IncidentFilter | None = None) -> builtins.list[str]:
        """`map_json`'s rows as several shorter JSON arrays (IncidentRepository.map_json_parts), for the window."""
        return self.repo.map_json_parts(self._filter(flt))

    def map_handle(self, incident_id: str) -> int | None:
        """The number the map page knows an incident by (see IncidentRepository.map_json)."""
        return self.repo.rowid_of(incident_id)

    def id_for_map_handle(self, handle: int) -> str | None:
        return self.repo.id_for_rowid(handle)

    def attachment_data(self, sha256: str) -> bytes:
        return self.repo.blob(sha256)

    # --- writes ------------------------------------------------------------------------------------------

    def record(self, inp: IncidentInput, attach: Sequence[Path] = ()) -> Incident:
        """Validate and store a new incident with its files, all in one transaction."""
        self.store.actor.require("incident.record")
        valid = validate_incident(inp, self._now())
        files = [_read_attachment(path) for path in attach]
        with self.store.transaction():
            self.repo.check_premises(valid)
            incident_id = self.repo.insert(valid)
            for file in files:
                self.repo.add_attachment(incident_id, *file)
        self.hub.publish(Change("incidents", "created", (incident_id,)))
        return self.get(incident_id)

    def record_many(
        self,
        inputs: Iterable[tuple[str, IncidentInput]],
        synthetic: bool = False,
        progress: ProgressCallback | None = None,
        total: int = 0,
    ) -> int:
        """Insert (id, input) pairs in one transaction, skipping ids already stored. Returns how many were added.

        Cancelling through `progress` rolls everything back: a half-loaded set is worse than none.
        """
        self.store.actor.require("incident.record")
        return self._load(inputs, synthetic, restore_removed=False, progress=progress, total=total)

    def load_synthetic(
        self,
        inputs: Iterable[tuple[str, IncidentInput]],
        progress: ProgressCallback | None = None,
        total: int = 0,
    ) -> int:
        """Like `record_many(synthetic=True)`, but a synthetic incident that was deleted comes back.

        Demo ids are fixed (derived from the seed), so after `delete_synthetic` the same ids are still stored
        as tombstones. Those are restored as they were when removed (the tombstone is lifted, which syncs like
        any other change); live ids and ids of real (non-synthetic) incidents are left alone. Returns how many
        incidents were added or restored. One transaction; cancelling through `progress` rolls everything back.
        """
        self.store.actor.require("data.purge")
        return self._load(inputs, True, restore_removed=True, progress=progress, total=total)

    def _load(
        self,
        inputs: Iterable[tuple[str, IncidentInput]],
        synthetic: bool,
        restore_removed: bool,
        progress: ProgressCallback | None,
        total: int,
    ) -> int:
        added = 0
        now = self._now()
        # One audit entry for the whole load, a line per row written (see store.audit.audit_batch).
        with audit_batch(self.store, "load_synthetic" if synthetic else "record_many", "incidents"):
            done: set[str] = set()  # ids this load wrote already (an id given twice is written once)
            for chunk in _chunks(enumerate(inputs, start=1), _LOOKUP_CHUNK):
                # Which of these ids are stored already: one query per chunk instead of one per incident.
                ids = [incident_id for _index, (incident_id, _inp) in chunk]
                stored = {row[0]: (row[1], row[2]) for row in self.store.db.execute(
                    f"SELECT id, deleted, synthetic FROM incidents WHERE id IN ({', '.join('?' * len(ids))})", ids)}
                for index, (incident_id, inp) in chunk:
                    existing = stored.get(incident_id)
                    if incident_id in done:
                        pass
                    elif existing is None:
                        valid = validate_incident(inp, now)
                        self.repo.check_premises(valid)
                        self.repo.insert(valid, synthetic=synthetic, incident_id=incident_id)
                        added += 1
                    elif restore_removed and existing[0] and existing[1]:
                        self._undelete(incident_id)
                        added += 1
                    done.add(incident_id)
                    if (progress and index % 200 == 0
                            and not progress(index, total, _loading_note(synthetic, index, total))):
                        raise CancelledError("cancelled: nothing was loaded")
        if added:
            self.hub.publish(Change("incidents", "bulk"))
        return added

    def delete_synthetic(self) -> int:
        """Tombstone every live synthetic (demo) incident in one transaction; returns how many.

        Real incidents are never touched. Publishes one "bulk" change when anything was removed.
        """
        self.store.actor.require("data.purge")
        with audit_batch(self.store, "delete_synthetic", "incidents"):
            ids = [
                row[0]
                for row in self.store.db.execute(
                    "SELECT id FROM incidents WHERE synthetic = 1 AND deleted = 0 ORDER BY rowid"
                ).fetchall()
            ]
            for incident_id in ids:
                self.repo.tombstone(incident_id)
        if ids:
            self.hub.publish(Change("incidents", "bulk"))
        return len(ids)

    def _undelete(self, incident_id: str) -> None:
        """Lift an incident's tombstone with a fresh clock, so the restore syncs. Call inside a transaction."""
        self.repo.incidents.restore(incident_id)

    def update(
        self, incident_id: str, inp: IncidentInput, attach: Sequence[Path] = (), detach: Sequence[str] = ()
    ) -> Incident:
        """Store the changed fields, add files and remove attachments, all in one transaction."""
        self.store.actor.require("incident.record")
        stored = self.repo.get(incident_id)  # refuse deleted or unknown ids before validating
        if not self.store.actor.can("personal.reporters"):
            # The form showed this role no contact details: what it sends back blank must not erase them.
            inp = replace(inp, reporter_name=stored.reporter_name, reporter_phone=stored.reporter_phone)
        if inp.reported_at is None or not str(inp.reported_at).strip():
            # An edit that does not say when it was reported keeps the recorded time: validation's default (now) is
            # for a new report, and an edit a second later moved the report's time (CI caught it in an audit test).
            inp = replace(inp, reported_at=stored.reported_at)
        inp = _keep_unmoved_place(inp, stored)
        valid = validate_incident(inp, self._now())
        files = [_read_attachment(path) for path in attach]
        with self.store.transaction():
            if valid.values.get("premises_id") != stored.premises_id:
                self.repo.check_premises(valid)
            changes = self.repo.update(incident_id, valid)
            for file in files:
                self.repo.add_attachment(incident_id, *file)
            for attachment_id in detach:
                if self.repo.attachment_incident(attachment_id) != incident_id:
                    raise ValidationError.single("attachments", "attachment belongs to another incident")
                self.repo.attachments.tombstone(attachment_id)
        if changes or files or detach:
            self.hub.publish(Change("incidents", "updated", (incident_id,)))
        return self.get(incident_id)

    def delete(self, incident_id: str) -> None:
        """Tombstone the incident: it disappears from lists but the delete can still sync."""
        self.store.actor.require("incident.delete")
        self.repo.get(incident_id)
        with self.store.transaction():
            self.repo.tombstone(incident_id)
        self.hub.publish(Change("incidents", "deleted", (incident_id,)))

    def add_attachment(self, incident_id: str, path: Path, caption: str = "") -> AttachmentInfo:
        self.store.actor.require("incident.record")
        self.repo.get(incident_id)
        filename, media_type, data, sha256 = _read_attachment(path)
        with self.store.transaction():
            attachment_id = self.repo.add_attachment(incident_id, filename, media_type, data, sha256, caption)
        self.hub.publish(Change("incidents", "updated", (incident_id,)))
        return AttachmentInfo(attachment_id, sha256, filename, media_type, len(data), caption)

    def remove_attachment(self, attachment_id: str) -> None:
        self.store.actor.require("incident.record")
        try:
            incident_id = self.repo.attachment_incident(attachment_id)
        except NotFoundError:
            raise NotFoundError(f"no attachment with id {attachment_id}") from None
        with self.store.transaction():
            self.repo.attachments.tombstone(attachment_id)
        self.hub.publish(Change("incidents", "updated", (incident_id,)))


def _keep_unmoved_place(inp: IncidentInput, stored: Incident) -> IncidentInput:
    """An edit that gives the place as the stored point's own grid reference keeps the stored lat/lon exactly.
    Read back from the reference, a point stored to the metre would move to the centre of its 1 m square (a walk
    saw an untouched place move 0.4 m on a save)."""
    if str(inp.lat or "").strip() or str(inp.lon or "").strip() or not str(inp.grid_ref or "").strip():
        return inp
    try:
        same = geo.normalise_grid_ref(str(inp.grid_ref).strip()) == stored.grid_ref
    except ValidationError:
        return inp  # not letters and figures (an easting and northing, a bad reference): read as typed
    return replace(inp, lat=stored.lat, lon=stored.lon, grid_ref=None) if same else inp


_LOOKUP_CHUNK = 500  # ids per existence query (SQLite allows 32,766 parameters)
_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[builtins.list[_T]]:
    chunk: builtins.list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read_attachment(path: Path) -> tuple[str, str, bytes, str]:
    """Read and check a file before any transaction starts: (filename, media type, data, SHA-256)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError.single("attachments", f"{path} is not a file")
    size = path.stat().st_size
    if not size:  # a photo whose copy from the phone failed: nothing to keep, and the user would not know
        raise ValidationError.single("attachments", f"{path.name} is empty (0 bytes): nothing to attach; copy it "
                                                    "again")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError.single(
            "attachments",
            f"{path.name} is {size / 1e6:.0f} MB; attachments can be at most {MAX_ATTACHMENT_BYTES / 1e6:.0f} MB",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError.single("attachments", f"{path.name} cannot be read ({exc.strerror or exc})") from None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, media_type, data, hashlib.sha256(data).hexdigest()




def _loading_note(synthetic: bool, done: int, total: int) -> str:
    """A load's progress note, in the words the window's progress dialog and the command line show."""
    what = "demo incidents" if synthetic else "incidents"
    return f"Adding {what}: {done:,} of {total:,}" if total else f"Adding {what}: {done:,} so far"
