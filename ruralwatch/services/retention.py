"""Retention of personal data: configurable periods, a preview of what is due, anonymisation that keeps statistics.

Categories (months per category are settings on this laptop; 0 means never):

- reporter contacts: `incidents.reporter_name` / `reporter_phone`, N months after the incident closed
  (status `closed` or `no_further_action`) or was deleted, whichever came first.
- contacts of people who left: `people.phone`, `email`, `notes`, `collar_number` and the name (replaced by
  "Former volunteer 3F2A7C", stable per person so hours still group by person), plus the free-text notes of
  their availability exceptions; N months after they left (`left_on`, else when they were made inactive)
  or were deleted.
- victim and witness VRMs: `incident_vehicles.vrm` of non-suspect vehicles, and a stolen vehicle's own
  registration (`stolen_items.vrm`: it is the victim's), N months after the incident closed.
- suspect VRMs: the same for suspect vehicles; default never, because they feed vehicles-of-interest
  intelligence (ruralwatch.services.patrols).
- premises contacts: `premises.contact_name`, `contact_phone`, `contact_email` of premises that left the register
  (`closed_on`) or were deleted, N months after that.
- patrol tracks: where a patrol's crew went, point by point (location data about people), N months after the
  patrol ended (or was planned to end). The points are blanked and tombstoned, so the removal syncs; the patrol,
  its log and its logged dose stay.

When a status last changed is read from the row's `field_hlc` (the clock of the latest change per field, so a
change synced from another laptop counts from when it was made there), falling back to `updated_at`.

Everything else (kind, times, place, harm inputs, make/model/colour, role, station, hours) is left as it is,
so counts, maps and hours reports are the same before and after. Every change goes through SyncTable.update in
one transaction: each gets a fresh clock, so the anonymisation syncs to the other laptops (and is audited
there, since the audit sits in SyncTable). Applying twice changes nothing the second time: a record is only
due while it still holds a personal value.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.clock import Hlc
from ruralwatch.core.errors import FieldError, RuralWatchError, ValidationError
from ruralwatch.core.kinds import kind_name
from ruralwatch.core.vocab import PERSON_ROLE_NAMES, STATUS_NAMES, VEHICLE_ROLE_NAMES
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.policies import RETENTION_MONTHS, PendingPolicies, write_pending
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.patrols import PatrolRepository
from ruralwatch.store.syncable import SyncTable, field_clock

# An incident is finished with (and its retention clock starts) when its status becomes one of these.
CLOSED_STATUSES: tuple[str, ...] = ("closed", "no_further_action")
assert all(s in STATUS_NAMES for s in CLOSED_STATUSES)

REPORTER = "reporter_contacts"
VOLUNTEER = "volunteer_contacts"
VICTIM_VRM = "victim_witness_vrms"
SUSPECT_VRM = "suspect_vrms"
TRACKS = "patrol_tracks"
PREMISES = "premises_contacts"

CATEGORIES: tuple[tuple[str, str], ...] = (
    (REPORTER, "Reporter contact details of closed incidents"),
    (VOLUNTEER, "Contact details of people who left"),
    (VICTIM_VRM, "Victim and witness vehicle registrations of closed incidents"),
    (SUSPECT_VRM, "Suspect vehicle registrations of closed incidents"),
    (TRACKS, "Recorded tracks of patrols (where the crew went)"),
    (PREMISES, "Contact details of premises that left the register"),
)
CATEGORY_NAMES = dict(CATEGORIES)

# Settings are per-laptop policies in the local `meta` table (ruralwatch.services.policies, not synced): each
# laptop's administrator sets its own, while the anonymisation it applies travels to the others like any edit.
CATEGORY_SETTING: dict[str, str] = {
    REPORTER: "reporter_months",
    VOLUNTEER: "volunteer_months",
    VICTIM_VRM: "victim_vrm_months",
    SUSPECT_VRM: "suspect_vrm_months",
    TRACKS: "track_months",
    PREMISES: "premises_months",
}
META_LAST_RUN = "retention.last_run"
MAX_MONTHS = 1200  # 100 years: anything longer is a typing slip, and "keep forever" is 0

REPORTER_FIELDS = ("reporter_name", "reporter_phone")
PREMISES_FIELDS = ("contact_name", "contact_phone", "contact_email")
PERSON_FIELDS = ("name", "phone", "email", "notes", "collar_number")
EXCEPTION_NOTES = "availability_exceptions.note"
# Readers of incident_vehicles call display_vrm(v["vrm"]) without a None guard (exports, `incidents show`),
# so a removed VRM is the empty string rather than NULL. Other personal fields become NULL.
REMOVED_VRM = ""


class PreviewChangedError(RuralWatchError):
    """What is due is no longer what the preview showed; nothing was changed."""


@dataclass(frozen=True)
class RetentionSettings:
    """Months to keep each category after its clock starts; 0 = keep for ever."""

    reporter_months: int = RETENTION_MONTHS["reporter_months"].default
    volunteer_months: int = RETENTION_MONTHS["volunteer_months"].default
    victim_vrm_months: int = RETENTION_MONTHS["victim_vrm_months"].default
    suspect_vrm_months: int = RETENTION_MONTHS["suspect_vrm_months"].default
    track_months: int = RETENTION_MONTHS["track_months"].default
    premises_months: int = RETENTION_MONTHS["premises_months"].default

    def months_for(self, category: str) -> int:
        return int(getattr(self, CATEGORY_SETTING[category]))

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class DueRecord:
    """One record whose personal data is due to go. Names the fields, never their values."""

    category: str
    table: str
    record_id: str
    description: str
    clock_started: date
    due_on: date
    fields: tuple[str, ...]
    incident_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category, "table": self.table, "id": self.record_id,
            "description": self.description, "clock_started": self.clock_started.isoformat(),
            "due_on": self.due_on.isoformat(), "fields": list(self.fields), "incident_id": self.incident_id,
        }


@dataclass(frozen=True)
class CategoryPreview:
    key: str
    label: str
    months: int
    records: tuple[DueRecord, ...]

    @property
    def count(self) -> int:
        return len(self.records)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "months": self.months, "count": self.count,
                "records": [r.to_dict() for r in self.records]}


@dataclass(frozen=True)
class RetentionPreview:
    as_of: date
    settings: RetentionSettings
    categories: tuple[CategoryPreview, ...]
    token: str  # fingerprint of exactly which records and fields are due; `apply` can insist on it

    @property
    def total(self) -> int:
        return sum(c.count for c in self.categories)

    def category(self, key: str) -> CategoryPreview:
        return next(c for c in self.categories if c.key == key)

    def records(self) -> list[DueRecord]:
        return [r for c in self.categories for r in c.records]

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "settings": self.settings.to_dict(), "token": self.token,
                "total": self.total, "categories": [c.to_dict() for c in self.categories]}


@dataclass(frozen=True)
class RetentionResult:
    as_of: date
    counts: dict[str, int]  # records anonymised per category
    fields_changed: int
    token: str
    incident_ids: tuple[str, ...] = ()
    person_ids: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "counts": dict(self.counts), "total": self.total,
                "fields_changed": self.fields_changed, "token": self.token}


class RetentionService:
    def __init__(
        self, store: Store, hub: ChangeHub | None = None, clock: Callable[[], datetime] = times.system_clock
    ) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock
        # Anonymising stamps updated_at from the service's clock, read when written (tests may set _now).
        self.incidents = SyncTable(store, "incidents", lambda: self._now())
        self.vehicles = SyncTable(store, "incident_vehicles", lambda: self._now())
        self.items = SyncTable(store, "stolen_items", lambda: self._now())
        self.people = SyncTable(store, "people", lambda: self._now())
        self.exceptions = SyncTable(store, "availability_exceptions", lambda: self._now())
        self.premises = SyncTable(store, "premises", lambda: self._now())

    # --- settings -----------------------------------------------------------------------------------------

    def settings(self) -> RetentionSettings:
        return RetentionSettings(**{name: policy.read(self.store) for name, policy in RETENTION_MONTHS.items()})

    def set_settings(
        self,
        reporter_months: int | str | None = None,
        volunteer_months: int | str | None = None,
        victim_vrm_months: int | str | None = None,
        suspect_vrm_months: int | str | None = None,
        track_months: int | str | None = None,
        premises_months: int | str | None = None,
    ) -> RetentionSettings:
        """Change the given periods (None leaves one as it is). All are checked before any is written."""
        write_pending(self.store, [self.settings_change(
            reporter_months, volunteer_months, victim_vrm_months, suspect_vrm_months, track_months, premises_months)])
        return self.settings()

    def settings_change(
        self,
        reporter_months: int | str | None = None,
        volunteer_months: int | str | None = None,
        victim_vrm_months: int | str | None = None,
        suspect_vrm_months: int | str | None = None,
        track_months: int | str | None = None,
        premises_months: int | str | None = None,
    ) -> PendingPolicies:
        """The given periods checked (each refused one named), not yet written."""
        given = {
            "reporter_months": reporter_months, "volunteer_months": volunteer_months,
            "victim_vrm_months": victim_vrm_months, "suspect_vrm_months": suspect_vrm_months,
            "track_months": track_months, "premises_months": premises_months,
        }
        errors: list[FieldError] = []
        checked: dict[str, int] = {}
        for name, value in given.items():
            if value is None:
                continue
            months = _months(value)
            if months is None:
                errors.append(FieldError(name, f"{value!r} is not a whole number of months (0 = keep for ever)"))
            elif not 0 <= months <= MAX_MONTHS:
                errors.append(FieldError(name, f"months are 0 (keep for ever) to {MAX_MONTHS}, not {months}"))
            else:
                checked[name] = months
        if errors:
            raise ValidationError(errors)
        self.store.actor.require("data.purge")
        return PendingPolicies(tuple((RETENTION_MONTHS[name], months) for name, months in checked.items()))

    def last_run(self) -> dict[str, Any] | None:
        """When retention was last applied on this laptop and what it changed (counts only)."""
        stored = self.store.meta(META_LAST_RUN)
        return json.loads(stored) if stored else None

    # --- preview and apply --------------------------------------------------------------------------------

    def today(self) -> date:
        return times.to_local(self._now()).date()

    def preview(self, as_of: date | None = None) -> RetentionPreview:
        """What `apply(as_of)` would anonymise. A future date shows what will be due by then."""
        return self._compute(as_of or self.today())

    def apply(self, as_of: date | None = None, preview_token: str | None = None) -> RetentionResult:
        """Anonymise everything due at `as_of`, in one transaction.

        What is due is worked out again here with the same rules as `preview`, inside the transaction. Given
        the token of a preview, anything different from that preview (an edit or a sync in between) refuses
        the whole run, so what goes is exactly what the user saw.
        """
        self.store.actor.require("data.purge")
        as_of = as_of or self.today()
        if as_of > self.today():
            raise ValidationError.single(
                "as_of", f"{as_of.isoformat()} is in the future; preview it, but apply only up to today"
            )
        counts = dict.fromkeys(CATEGORY_NAMES, 0)
        changed_fields = 0
        incident_ids: set[str] = set()
        person_ids: set[str] = set()
        with self.store.transaction():
            preview = self._compute(as_of)
            if preview_token is not None and preview_token != preview.token:
                raise PreviewChangedError(
                    "what is due has changed since the preview (an edit or a sync in between); nothing was "
                    "changed: preview again"
                )
            for record in preview.records():
                changed = self._anonymise(record)
                if changed:
                    counts[record.category] += 1
                    changed_fields += changed
                    if record.incident_id:
                        incident_ids.add(record.incident_id)
                    if record.table == "people":
                        person_ids.add(record.record_id)
            result = RetentionResult(as_of, counts, changed_fields, preview.token,
                                     tuple(sorted(incident_ids)), tuple(sorted(person_ids)))
            if result.total:
                self.store.set_meta(META_LAST_RUN, json.dumps(
                    {"applied_at": times.to_storage(self._now()), **result.to_dict()}, sort_keys=True
                ))
                record_event(self.store, "retention", changes={"as_of": as_of.isoformat(), **counts},
                             covers=[("meta", META_LAST_RUN)])
        if incident_ids:
            self.hub.publish(Change("incidents", "updated", result.incident_ids))
        if person_ids:
            self.hub.publish(Change("people", "updated", result.person_ids))
        return result

    def _anonymise(self, record: DueRecord) -> int:
        """Clear one record's due fields through SyncTable (new clocks, so it syncs). Returns fields changed."""
        if record.table == "incidents":
            return len(self.incidents.update(record.record_id, dict.fromkeys(record.fields)))
        if record.table == "incident_vehicles":
            return len(self.vehicles.update(record.record_id, {"vrm": REMOVED_VRM}))
        if record.table == "stolen_items":
            return len(self.items.update(record.record_id, {"vrm": None}))  # readers take None as "none given"
        if record.category == TRACKS:
            return PatrolRepository(self.store, lambda: self._now()).remove_track(record.record_id)
        if record.table == "premises":
            return len(self.premises.update(record.record_id, dict.fromkeys(record.fields)))
        row = self.people.get_raw(record.record_id)
        values: dict[str, Any] = {f: None for f in record.fields if f in PERSON_FIELDS}
        if "name" in values:
            values["name"] = anonymous_name(row["id"], row["role"])
        changed = len(self.people.update(record.record_id, values))
        if EXCEPTION_NOTES in record.fields:
            for (exception_id,) in self.store.db.execute(
                "SELECT id FROM availability_exceptions WHERE person_id = ? AND COALESCE(note, '') != ''",
                [record.record_id],
            ).fetchall():
                changed += len(self.exceptions.update(exception_id, {"note": None}))
        return changed

    # --- the rules ----------------------------------------------------------------------------------------

    def _compute(self, as_of: date) -> RetentionPreview:
        settings = self.settings()
        found: dict[str, list[DueRecord]] = {key: [] for key in CATEGORY_NAMES}
        for record in (*self._reporters(settings), *self._vehicles(settings), *self._leavers(settings),
                       *self._tracks(settings), *self._premises(settings)):
            if record.due_on <= as_of:
                found[record.category].append(record)
        categories = tuple(
            CategoryPreview(key, label, settings.months_for(key),
                            tuple(sorted(found[key], key=lambda r: (r.due_on, r.record_id))))
            for key, label in CATEGORIES
        )
        return RetentionPreview(as_of, settings, categories, _token(r for c in categories for r in c.records))

    def _reporters(self, settings: RetentionSettings) -> Iterable[DueRecord]:
        months = settings.reporter_months
        if not months:
            return
        rows = self.store.db.query(
            "SELECT id, kind, occurred_start, status, deleted, field_hlc, updated_at, reporter_name, reporter_phone"
            f" FROM incidents WHERE (status IN ({_marks(CLOSED_STATUSES)}) OR deleted = 1)"
            " AND (COALESCE(reporter_name, '') != '' OR COALESCE(reporter_phone, '') != '')",
            list(CLOSED_STATUSES),
        )
        for row in rows:
            started = _incident_clock(row)
            if started is None:
                continue
            yield DueRecord(
                REPORTER, "incidents", row["id"], _incident_text(row), started, add_months(started, months),
                tuple(f for f in REPORTER_FIELDS if row[f]), incident_id=row["id"],
            )

    def _vehicles(self, settings: RetentionSettings) -> Iterable[DueRecord]:
        months = {VICTIM_VRM: settings.victim_vrm_months, SUSPECT_VRM: settings.suspect_vrm_months}
        if not any(months.values()):
            return
        rows = self.store.db.query(
            "SELECT v.id AS vehicle_id, v.role, i.id, i.kind, i.occurred_start, i.status, i.deleted, i.field_hlc,"
            " i.updated_at FROM incident_vehicles v JOIN incidents i ON i.id = v.incident_id"
            f" WHERE COALESCE(v.vrm, '') != '' AND (i.status IN ({_marks(CLOSED_STATUSES)}) OR i.deleted = 1)",
            list(CLOSED_STATUSES),
        )
        for row in rows:
            # Any role other than suspect (victim, witness, or an unknown one from a newer version) is
            # treated as a victim/witness: keeping intelligence must be a deliberate choice.
            category = SUSPECT_VRM if row["role"] == "suspect" else VICTIM_VRM
            started = _incident_clock(row)
            if not months[category] or started is None:
                continue
            role = VEHICLE_ROLE_NAMES.get(row["role"], row["role"] or "unknown role").lower()
            yield DueRecord(
                category, "incident_vehicles", row["vehicle_id"], f"{role} vehicle, {_incident_text(row)}",
                started, add_months(started, months[category]), ("vrm",), incident_id=row["id"],
            )
        if not months[VICTIM_VRM]:
            return
        stolen = self.store.db.query(
            "SELECT s.id AS item_id, i.id, i.kind, i.occurred_start, i.status, i.deleted, i.field_hlc, i.updated_at"
            " FROM stolen_items s JOIN incidents i ON i.id = s.incident_id"
            f" WHERE COALESCE(s.vrm, '') != '' AND (i.status IN ({_marks(CLOSED_STATUSES)}) OR i.deleted = 1)",
            list(CLOSED_STATUSES),
        )
        for row in stolen:
            started = _incident_clock(row)
            if started is not None:
                yield DueRecord(
                    VICTIM_VRM, "stolen_items", row["item_id"], f"stolen vehicle, {_incident_text(row)}",
                    started, add_months(started, months[VICTIM_VRM]), ("vrm",), incident_id=row["id"],
                )

    def _leavers(self, settings: RetentionSettings) -> Iterable[DueRecord]:
        months = settings.volunteer_months
        if not months:
            return
        notes = {
            person_id
            for (person_id,) in self.store.db.execute(
                "SELECT DISTINCT person_id FROM availability_exceptions WHERE COALESCE(note, '') != ''"
            ).fetchall()
        }
        rows = self.store.db.query(
            "SELECT id, role, station, active, left_on, deleted, field_hlc, updated_at, name, phone, email, notes,"
            " collar_number FROM people WHERE active = 0 OR deleted = 1"
        )
        for row in rows:
            due_fields = [f for f in PERSON_FIELDS if f != "name" and row[f]]
            if row["name"] != anonymous_name(row["id"], row["role"]):
                due_fields.insert(0, "name")
            if row["id"] in notes:
                due_fields.append(EXCEPTION_NOTES)
            started = _person_clock(row)
            if not due_fields or started is None:
                continue
            role = PERSON_ROLE_NAMES.get(row["role"], row["role"])
            station = f", {row['station']}" if row["station"] else ""
            state = "deleted" if row["active"] else "left"
            text = f"{role} {short_id(row['id'])}{station}, {state} {started.isoformat()}"
            yield DueRecord(
                VOLUNTEER, "people", row["id"], text, started, add_months(started, months), tuple(due_fields)
            )

    def _tracks(self, settings: RetentionSettings) -> Iterable[DueRecord]:
        months = settings.track_months
        if not months:
            return
        for patrol_id, _title, ended, points in PatrolRepository(self.store).ended_patrols_with_tracks():
            try:
                started = times.to_local(times.from_storage(ended)).date()
            except (TypeError, ValueError):
                continue
            yield DueRecord(TRACKS, "patrols", patrol_id, f"track of patrol {short_id(patrol_id)} ({points:,} points),"
                            f" ended {started.isoformat()}", started, add_months(started, months), ("track",))

    def _premises(self, settings: RetentionSettings) -> Iterable[DueRecord]:
        months = settings.premises_months
        if not months:
            return
        rows = self.store.db.query(
            "SELECT id, kind, closed_on, deleted, field_hlc, updated_at, contact_name, contact_phone, contact_email"
            " FROM premises WHERE (closed_on IS NOT NULL OR deleted = 1) AND (COALESCE(contact_name, '') != ''"
            " OR COALESCE(contact_phone, '') != '' OR COALESCE(contact_email, '') != '')"
        )
        for row in rows:
            closed = date.fromisoformat(row["closed_on"]) if row["closed_on"] else None
            removed = _changed_on(row, "deleted") if row["deleted"] else None
            started = min(d for d in (closed, removed) if d is not None) if (closed or removed) else None
            if started is None:
                continue
            state = "left the register" if closed and started == closed else "deleted"
            yield DueRecord(
                PREMISES, "premises", row["id"], f"premises {short_id(row['id'])} ({row['kind']}), {state} "
                f"{started.isoformat()}", started, add_months(started, months),
                tuple(f for f in PREMISES_FIELDS if row[f]),
            )


# --- helpers ------------------------------------------------------------------------------------------------


def short_id(record_id: str) -> str:
    """Six hex digits of a UUID, upper case: short enough to read, stable for the record."""
    return record_id.replace("-", "")[:6].upper()


def anonymous_name(person_id: str, role: str | None) -> str:
    """The name a person who left is given: stable per person, so reports still group and sort by it."""
    noun = "officer" if role == "officer" else "volunteer"
    return f"Former {noun} {short_id(person_id)}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(value: int | str) -> int | None:
    if isinstance(value, bool):  # bool is an int to Python, never a period to a user
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


def _changed_on(row: dict[str, Any], field_name: str) -> date | None:
    """UK local date of the latest change to a field: its clock in `field_hlc`, else the row's `updated_at`."""
    try:
        moment = datetime.fromtimestamp(Hlc.decode(field_clock(row["field_hlc"], field_name)).millis / 1000, UTC)
    except (KeyError, TypeError, ValueError):  # missing or damaged bookkeeping (ValueError covers bad JSON)
        if not row["updated_at"]:
            return None
        moment = times.from_storage(row["updated_at"])
    return times.to_local(moment).date()


def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _incident_clock(row: dict[str, Any]) -> date | None:
    """The retention clock of an incident starts when it closed or was deleted, whichever came first."""
    closed = _changed_on(row, "status") if row["status"] in CLOSED_STATUSES else None
    deleted = _changed_on(row, "deleted") if row["deleted"] else None
    return _earliest(closed, deleted)


def _person_clock(row: dict[str, Any]) -> date | None:
    """A person's clock starts on the day they left (when they were made inactive, without one) or were deleted."""
    left: date | None = None
    if not row["active"]:
        try:
            left = times.parse_date(row["left_on"], "left_on") if row["left_on"] else None
        except ValidationError:
            left = None
        left = left or _changed_on(row, "active")
    deleted = _changed_on(row, "deleted") if row["deleted"] else None
    return _earliest(left, deleted)


def _incident_text(row: dict[str, Any]) -> str:
    """Kind, date and status: enough to recognise an incident without any personal value."""
    try:
        occurred = times.to_local(times.from_storage(row["occurred_start"])).date().isoformat()
    except (TypeError, ValueError):
        occurred = "unknown date"
    status = STATUS_NAMES.get(row["status"], row["status"] or "").lower()
    deleted = ", deleted" if row["deleted"] else ""
    return f"{kind_name(row['kind'])} on {occurred} ({status}{deleted})"


def _token(records: Iterable[DueRecord]) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(f"{record.category}|{record.table}|{record.record_id}|{','.join(record.fields)}\n".encode())
    return digest.hexdigest()[:16]
