"""Alerts to the community: composed from an incident or a hotspot, approved by a supervisor, issued as text, HTML
or PDF, and the watch-scheme members of the area listed for the coordinator who sends them.

Rules (the roles are in ruralwatch.core.permissions):
- `alerts.compose` drafts and edits; an approved alert that is edited goes back to draft; an issued one is final.
- `alerts.approve` approves a draft, never one the same account composed (administrators excepted), and never while
  a warning stands on its texts (a registration not released, a grid reference, a phone number, an email).
- `alerts.issue` exports approved (or already issued) alerts; the first export marks the alert issued.
- What an export says is only `ruralwatch.core.alert.PublicAlert`: the area is a ward or a district, never finer.
Every compose, edit and approval is a syncable-row write (audited by SyncTable); every export is an audit event.
"""

from __future__ import annotations

import builtins  # below the service's own `def list`
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ruralwatch.core import geo, times
from ruralwatch.core.alert import (
    ALERT_STATUS_NAMES,
    AlertInput,
    AlertVehicle,
    AlertWarning,
    PublicAlert,
    TimeWindow,
    alert_warnings,
    area_label,
    area_text,
    default_advice,
    default_summary,
    public_alert,
    validate_alert,
    window_for,
)
from ruralwatch.core.errors import NotFoundError, RuralWatchError, ValidationError
from ruralwatch.core.kinds import is_kind
from ruralwatch.core.premises import WATCH_SCHEME_NAMES
from ruralwatch.mapping.boundaries import Area, contains
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.premises import PremisesService
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store
from ruralwatch.store.syncable import SyncTable, resolve_id

TOPIC = "alerts"
TABLE = "community_alerts"
HOTSPOT_DAYS = 14  # an alert from a hotspot speaks of the last fortnight unless told otherwise


class AlertStateError(RuralWatchError):
    """The alert is not in a state that allows this (e.g. exporting a draft). Nothing was changed."""


@dataclass(frozen=True)
class Alert:
    """One stored alert."""

    id: str
    incident_id: str | None
    kind: str
    summary: str
    advice: str
    how_to_report: str
    area_level: str
    ward: str | None
    district: str
    window: TimeWindow
    released_vehicles: frozenset[str]
    status: str
    composed_by: str
    approved_by: str
    approved_at: str | None
    issued_by: str
    issued_at: str | None
    created_at: str
    updated_at: str

    @property
    def reference(self) -> str:
        return self.id[:8]

    @property
    def area(self) -> str:
        return area_label(self.area_level, self.ward, self.district)

    def input(self) -> AlertInput:
        return AlertInput(kind=self.kind, summary=self.summary, area_level=self.area_level, ward=self.ward,
                          district=self.district, window=self.window, advice=self.advice,
                          how_to_report=self.how_to_report, released_vehicles=self.released_vehicles,
                          incident_id=self.incident_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "reference": self.reference, "incident_id": self.incident_id, "kind": self.kind,
            "status": self.status, "status_name": ALERT_STATUS_NAMES.get(self.status, self.status),
            "area_level": self.area_level, "area": self.area, "ward": self.ward, "district": self.district,
            "window": {"from": self.window.first.isoformat(), "to": self.window.last.isoformat(),
                       "part": self.window.part, "text": self.window.text()},
            "summary": self.summary, "advice": self.advice, "how_to_report": self.how_to_report,
            "released_vehicles": sorted(self.released_vehicles), "composed_by": self.composed_by,
            "approved_by": self.approved_by or None, "approved_at": self.approved_at,
            "issued_by": self.issued_by or None, "issued_at": self.issued_at,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Recipient:
    """A watch-scheme member to send an alert to (premises register: issue 20)."""

    premises: str
    scheme: str
    contact: str


def scheme_members_in_area(premises: PremisesService, area: Area | None) -> list[Recipient]:
    """The premises in the register that are members of a watch scheme (Farm Watch, Country Watch...) and lie
    inside `area`, one line per scheme, for the coordinator who sends the alert. The contact comes as the premises
    service gives it: blank for a role that may not see premises contacts. None when the boundary is not known."""
    if area is None:
        return []
    found: list[Recipient] = []
    for place in premises.list(include_closed=False):
        if not place.schemes or place.lat is None or place.lon is None or not contains(area, place.lat, place.lon):
            continue
        contact = ", ".join(part for part in (place.contact_name, place.contact_phone, place.contact_email) if part)
        found.extend(Recipient(place.name, WATCH_SCHEME_NAMES.get(scheme, scheme), contact)
                     for scheme in place.schemes)
    return sorted(found, key=lambda r: (r.scheme, r.premises))


class AlertService:
    def __init__(self, store: Store, hub: ChangeHub | None = None, geography: GeographyService | None = None,
                 incidents: IncidentService | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self.geography = geography or GeographyService(store, self.hub)
        self.incidents = incidents or IncidentService(store, self.hub, clock=clock)
        self._now = clock
        self.table = SyncTable(store, TABLE, lambda: self._now())  # created_at/updated_at: the service's clock

    # --- drafting (nothing stored) ------------------------------------------------------------------------

    def areas_at(self, lat: float, lon: float) -> tuple[str | None, str]:
        """(ward name or None, district name) containing a point: the district nearest when it is in none."""
        point = geo.check_lat_lon(lat, lon)
        areas = self.geography.current().areas
        ward = areas.area_of_point(point.lat, point.lon, "ward")
        if ward is not None:
            return ward.name, ward.district
        district = areas.area_of_point(point.lat, point.lon, "district")
        if district is None:
            district = min(areas.districts(), default=None, key=lambda d: _box_distance(point, d.bbox))
        return None, district.name if district is not None else self.geography.force().name

    def draft_for_incident(self, incident_id: str, area_level: str = "ward") -> AlertInput:
        """A draft prefilled from an incident: its kind, the ward (or district) containing it, the rounded window,
        the kind's advice and the standard wording of how to report. No vehicle released."""
        incident = self.incidents.get(incident_id)
        ward, district = self.areas_at(incident.lat, incident.lon)
        level = area_level if area_level == "district" or ward else "district"
        window = window_for(times.from_storage(incident.occurred_start),
                            times.from_storage(incident.occurred_end) if incident.occurred_end else None)
        suspects = sum(1 for v in incident.vehicles if v.get("role") == "suspect")
        summary = default_summary(incident.kind, area_text(level, ward, district), window,
                                  [str(item.get("category") or "") for item in incident.items], suspects)
        return AlertInput(kind=incident.kind, summary=summary, area_level=level, ward=ward, district=district,
                          window=window, advice=default_advice(incident.kind), incident_id=incident.id)

    def draft_for_point(self, lat: float, lon: float, kind: str, start: datetime | None = None,
                        end: datetime | None = None, area_level: str = "ward") -> AlertInput:
        """A draft for a hotspot: the area containing its centre; the window of the crimes in it (by default the
        last HOTSPOT_DAYS days, whole days: a hotspot is a pattern, not one event)."""
        if not is_kind(kind):
            raise ValidationError.single("kind", f"{kind!r} is not an incident kind")
        ward, district = self.areas_at(lat, lon)
        level = area_level if area_level == "district" or ward else "district"
        end = end or self._now()
        start = start or end - timedelta(days=HOTSPOT_DAYS)
        window = window_for(start, end)
        if window.part and window.first != window.last and window.part != "overnight":
            window = TimeWindow(window.first, window.last, "")
        summary = default_summary(kind, area_text(level, ward, district), window)
        return AlertInput(kind=kind, summary=summary, area_level=level, ward=ward, district=district,
                          window=window, advice=default_advice(kind))

    def vehicles_of(self, incident_id: str | None) -> builtins.list[AlertVehicle]:
        """The incident's vehicles as the compose form offers them (registrations only for entitled roles)."""
        if not incident_id:
            return []
        try:
            vehicles = self.incidents.get(incident_id).vehicles
        except NotFoundError:
            # The incident was deleted since (or the demo removed): its alert stays readable and exportable.
            if self.store.db.execute("SELECT 1 FROM incidents WHERE id = ?", [incident_id]).fetchone() is None:
                raise
            vehicles = self.incidents.repo.get(incident_id, include_deleted=True).vehicles
            if not self.store.actor.can("vehicles.view"):
                vehicles = [{**v, "vrm": ""} for v in vehicles]
        return [AlertVehicle(str(v["id"]), str(v.get("vrm") or ""), str(v.get("role") or ""),
                             str(v.get("make") or ""), str(v.get("model") or ""), str(v.get("colour") or ""))
                for v in vehicles]

    def warnings(self, inp: AlertInput) -> builtins.list[AlertWarning]:
        return alert_warnings(inp, self.vehicles_of(inp.incident_id))

    def preview(self, inp: AlertInput, reference: str = "draft") -> PublicAlert:
        """What the export would say (nothing stored, nothing audited)."""
        return public_alert(inp, self.vehicles_of(inp.incident_id), self._issuer(),
                            times.to_local(self._now()).date(), reference, demo=self._about_demo(inp.incident_id))

    def _issuer(self) -> str:
        name = self.geography.force().name
        return name if name.endswith(("Police", "Constabulary", "Service")) else f"{name} Police"

    # --- reads --------------------------------------------------------------------------------------------

    def resolve(self, text: str) -> str:
        return resolve_id(self.store, TABLE, text, "alert")

    def get(self, alert_id: str) -> Alert:
        cursor = self.store.db.execute(f"SELECT * FROM {TABLE} WHERE id = ? AND deleted = 0", [alert_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFoundError(f"no alert with id {alert_id}")
        return _alert(dict(zip([d[0] for d in cursor.description], row, strict=True)))

    def list(self, status: str | None = None) -> builtins.list[Alert]:
        where, params = ("deleted = 0 AND status = ?", [status]) if status else ("deleted = 0", [])
        cursor = self.store.db.execute(f"SELECT * FROM {TABLE} WHERE {where} ORDER BY created_at DESC, id", params)
        names = [d[0] for d in cursor.description]
        return [_alert(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def public(self, alert_id: str) -> PublicAlert:
        alert = self.get(alert_id)
        issued = times.from_storage(alert.issued_at) if alert.issued_at else self._now()
        return public_alert(alert.input(), self.vehicles_of(alert.incident_id), self._issuer(),
                            times.to_local(issued).date(), alert.reference, demo=self._about_demo(alert.incident_id))

    def _about_demo(self, incident_id: str | None) -> bool:
        """Whether an alert is about a demo (synthetic) incident."""
        if not incident_id:
            return False
        row = self.store.db.execute("SELECT synthetic FROM incidents WHERE id = ?", [incident_id]).fetchone()
        return bool(row and row[0])

    def remove_demo(self) -> int:
        """Tombstone every alert about a demo incident, issued ones too (they are practice); how many."""
        self.store.actor.require("data.purge")
        ids = [row[0] for row in self.store.db.execute(
            "SELECT a.id FROM community_alerts a JOIN incidents i ON i.id = a.incident_id"
            " WHERE a.deleted = 0 AND i.synthetic = 1")]
        with self.store.transaction():
            for alert_id in ids:
                self.table.tombstone(alert_id)
        if ids:
            self.hub.publish(Change(TOPIC, "bulk", tuple(ids)))
        return len(ids)

    # --- writes -------------------------------------------------------------------------------------------

    def _checked(self, inp: AlertInput) -> dict[str, Any]:
        problems = validate_alert(inp)
        if problems:
            raise ValidationError(problems)
        if inp.incident_id:
            known = {v.id for v in self.vehicles_of(inp.incident_id)}  # also refuses an unknown incident
            unknown = inp.released_vehicles - known
            if unknown:
                raise ValidationError.single("released_vehicles", "only the incident's own vehicles can be released")
        elif inp.released_vehicles:
            raise ValidationError.single("released_vehicles", "an alert from a hotspot has no vehicles to release")
        return {
            "incident_id": inp.incident_id, "kind": inp.kind, "summary": inp.summary.strip(),
            "advice": inp.advice.strip(), "how_to_report": inp.how_to_report.strip(),
            "area_level": inp.area_level, "ward": inp.ward, "district": inp.district,
            "window_from": inp.window.first.isoformat(), "window_to": inp.window.last.isoformat(),
            "window_part": inp.window.part, "released_vehicles": json.dumps(sorted(inp.released_vehicles)),
        }

    def compose(self, inp: AlertInput) -> Alert:
        """Store a new draft (one transaction, audited)."""
        self.store.actor.require("alerts.compose")
        values = self._checked(inp)
        with self.store.transaction():
            alert_id = self.table.insert({**values, "status": "draft", "composed_by": self.store.actor.username})
        self.hub.publish(Change(TOPIC, "created", (alert_id,)))
        return self.get(alert_id)

    def update(self, alert_id: str, inp: AlertInput) -> Alert:
        """Change a draft or an approved alert (which goes back to draft: it must be approved again)."""
        self.store.actor.require("alerts.compose")
        current = self.get(alert_id)
        if current.status == "issued":
            raise AlertStateError(f"alert {current.reference} has been issued and cannot be changed: compose a new "
                                  "one")
        if inp.incident_id != current.incident_id:
            raise ValidationError.single("incident_id", "an alert stays with the incident it was composed from")
        values = self._checked(inp)
        if current.status == "approved":
            values.update(status="draft", approved_by=None, approved_at=None)
        with self.store.transaction():
            self.table.update(alert_id, values)
        self.hub.publish(Change(TOPIC, "updated", (alert_id,)))
        return self.get(alert_id)

    def approve(self, alert_id: str) -> Alert:
        """A supervisor's check: the alert may leave. Refused for one's own alert (administrators excepted) and
        while a warning stands."""
        actor = self.store.actor
        actor.require("alerts.approve")
        alert = self.get(alert_id)
        if alert.status != "draft":
            raise AlertStateError(f"alert {alert.reference} is {ALERT_STATUS_NAMES[alert.status].lower()}: only a "
                                  "draft is approved")
        if alert.composed_by == actor.username and actor.role != "administrator" and not actor.is_system:
            raise AlertStateError(f"alert {alert.reference} is your own: another officer approves it")
        found = self.warnings(alert.input())
        if found:
            raise AlertStateError(f"alert {alert.reference} cannot be approved while it has warnings: "
                                  + "; ".join(str(w) for w in found))
        with self.store.transaction():
            self.table.update(alert_id, {"status": "approved", "approved_by": actor.username,
                                         "approved_at": times.to_storage(self._now())})
        self.hub.publish(Change(TOPIC, "updated", (alert_id,)))
        return self.get(alert_id)

    def export(self, alert_id: str, fmt: str, path: Path | str) -> Path:
        """Write an approved alert as text, HTML or PDF; the first export marks it issued. One transaction: the
        status, the audit entry and the file together (a file that cannot be written changes nothing)."""
        # reportlab (the PDF) only when an alert is exported: the demo and every other user of the services
        # container start without it (issue 21).
        from ruralwatch.io.alert_export import SUFFIXES, write_alert

        self.store.actor.require("alerts.issue")
        if fmt not in SUFFIXES:
            raise ValidationError.single("format", f"{fmt!r} is not an alert format: text, html or pdf")
        alert = self.get(alert_id)
        if alert.status not in ("approved", "issued"):
            raise AlertStateError(f"alert {alert.reference} is a draft: a supervisor approves it before it is "
                                  "exported")
        now = self._now()
        with self.store.transaction():
            if alert.status == "approved":
                self.table.update(alert_id, {"status": "issued", "issued_by": self.store.actor.username,
                                             "issued_at": times.to_storage(now)})
            public = self.public(alert_id)
            target = write_alert(public, fmt, path, now)
            record_event(self.store, "alert_export", TABLE, alert_id, {
                "format": fmt, "file": target.name, "sha256": hashlib.sha256(target.read_bytes()).hexdigest()})
        self.hub.publish(Change(TOPIC, "updated", (alert_id,)))
        return target

    def delete(self, alert_id: str) -> None:
        """Withdraw a draft or approved alert (a tombstone, so it syncs). Issued alerts stay on record."""
        self.store.actor.require("alerts.compose")
        alert = self.get(alert_id)
        if alert.status == "issued":
            raise AlertStateError(f"alert {alert.reference} has been issued: it stays on record")
        with self.store.transaction():
            self.table.tombstone(alert_id)
        self.hub.publish(Change(TOPIC, "deleted", (alert_id,)))

    # --- sending ------------------------------------------------------------------------------------------

    def recipients(self, alert_id: str) -> builtins.list[Recipient]:
        """The watch-scheme members of the premises register in the alert's area, for the coordinator."""
        self.store.actor.require("alerts.issue")
        alert = self.get(alert_id)
        areas = self.geography.current().areas
        covered = next((area for area in areas.of_kind("ward" if alert.area_level == "ward" else "district")
                        if area.name == (alert.ward if alert.area_level == "ward" else alert.district)
                        and (alert.area_level == "district" or area.district == alert.district)), None)
        return scheme_members_in_area(PremisesService(self.store, self.hub, clock=self._now), covered)


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"], incident_id=row["incident_id"], kind=row["kind"], summary=row["summary"] or "",
        advice=row["advice"] or "", how_to_report=row["how_to_report"] or "", area_level=row["area_level"],
        ward=row["ward"], district=row["district"] or "",
        window=TimeWindow(date.fromisoformat(row["window_from"]), date.fromisoformat(row["window_to"]),
                          row["window_part"] or ""),
        released_vehicles=frozenset(json.loads(row["released_vehicles"] or "[]")), status=row["status"],
        composed_by=row["composed_by"] or "", approved_by=row["approved_by"] or "", approved_at=row["approved_at"],
        issued_by=row["issued_by"] or "", issued_at=row["issued_at"], created_at=row["created_at"],
        updated_at=row["updated_at"])


def _box_distance(point: geo.LatLon, box: tuple[float, float, float, float]) -> float:
    lon = min(max(point.lon, box[0]), box[2])
    lat = min(max(point.lat, box[1]), box[3])
    return geo.haversine_km(point, geo.LatLon(lat, lon))
