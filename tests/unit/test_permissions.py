"""Every cell of the roles x actions table (ruralwatch.core.permissions.ACTIONS), tried through the services.

One test per (role, action): the prepared database (built once per session as the system, copied for each
test) is opened, the role is put on the store as the actor, and the action's probe runs. Allowed: every call
succeeds. Not allowed: every call raises PermissionDeniedError and nothing in the database changed. The
cases are generated from ACTIONS itself, so a new action without a probe fails here.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ruralwatch.cli.commands import accounts as cli_auth
from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.patrol import PatrolEventInput, PatrolInput
from ruralwatch.core.patrol_plan import PlanStop
from ruralwatch.core.people import DutyInput, PersonInput, WeeklySlotInput
from ruralwatch.core.permissions import ACCOUNT_ROLES, ACTIONS, SYSTEM, Actor, PermissionDeniedError, markdown_table
from ruralwatch.core.premises import PremisesInput, PropertyInput, VisitInput
from ruralwatch.io.exports import ExportOptions
from ruralwatch.patrols.plan import Candidate, Plan
from ruralwatch.services.accounts import AccountService, create_database
from ruralwatch.services.analysis import HotspotQuery
from ruralwatch.services.backups import backup_now, list_with_status, maybe_backup
from ruralwatch.services.container import Services
from ruralwatch.services.demo_roster import remove_demo_roster
from ruralwatch.services.exporting import ExportService
from ruralwatch.services.near_repeat import KnoxQuery
from ruralwatch.services.patrols import EventCorrection, PatrolTimesCorrection
from ruralwatch.services.retention import RetentionService
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import PERSONAL_MARK
from ruralwatch.store.database import SYNCABLE_TABLES
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path
from ruralwatch.sync.crypto import KeyPair
from ruralwatch.sync.package import PackageReader

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
ROLES = [key for key, _ in ACCOUNT_ROLES]
CELLS = [(action, role) for action in ACTIONS for role in ROLES]

REPORTER_NAME, REPORTER_PHONE = "Mary Reporter", "07700 900456"
PREMISES_CONTACT = "Fred Farmer"
VOLUNTEER_PHONE, VOLUNTEER_EMAIL, VOLUNTEER_NOTES = "07700 900123", "val@example.org", "Prefers dawn shifts"
PASSWORD = "correct horse battery"

# A fixed clock for every service (never today's date: a patrol started "now" at 22:00 ran into the next morning's
# planned patrol and made the matrix fail at that hour).
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
TODAY = times.to_local(NOW).date()
YESTERDAY = TODAY - timedelta(days=1)


# --- the prepared database -----------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Ids of what the prepared database holds."""

    officer: str
    special: str
    volunteer: str
    spare_person: str
    demo_person: str
    volunteer_exception: str
    duty: str
    spare_duty: str
    incident: str
    attachment: str
    planned_patrol: str
    live_patrol: str
    live_event: str
    basemap: str
    conflict: int
    peer_package: Path
    premises: str = ""
    premises_property: str = ""


def _incident(**overrides: Any) -> IncidentInput:
    fields: dict[str, Any] = {
        "kind": "fly_tipping", "occurred_start": f"{YESTERDAY.isoformat()} 09:30", "lat": 51.95, "lon": 0.28,
        "place": "Brook Farm", "description": "Rubble in the gateway",
    }
    fields.update(overrides)
    return IncidentInput(**fields)


def _person(name: str, role: str, **extra: Any) -> PersonInput:
    return PersonInput(name=name, role=role, station="Saffron Walden", **extra)


def _volunteer_input(**overrides: Any) -> PersonInput:
    fields: dict[str, Any] = {"phone": VOLUNTEER_PHONE, "email": VOLUNTEER_EMAIL, "notes": VOLUNTEER_NOTES}
    fields.update(overrides)
    return _person("Val Volunteer", "volunteer", **fields)


def _duty_input(day: date, title: str = "Evening patrol") -> DutyInput:
    return DutyInput(title=title, kind="joint_patrol", start=f"{day.isoformat()} 18:00",
                     end=f"{day.isoformat()} 22:00", station="Saffron Walden", area="Uttlesford", max_crew=3)


def _patrol_input(day: date, crew: list[str], title: str = "Dawn patrol", start: str = "06:00",
                  end: str = "10:00") -> PatrolInput:
    return PatrolInput(day=day, start=start, end=end, area="Uttlesford", purpose="general_rural_patrol",
                       title=title, crew=crew, call_sign="RURAL11", vehicle="Ford Ranger")


def _build_peer_package(folder: Path) -> tuple[str, str, Path]:
    """Another device's signed package (it adds one person): (device id, public key, package path)."""
    peer = open_store(folder / "peer.db")
    try:
        services = Services.build(peer, clock=lambda: NOW)
        services.people.add(_person("Pat Peer", "special"))
        identity = services.sync.identity()
        package = folder / "peer" / "peer.rwsync"
        package.parent.mkdir()
        services.sync.export(package)
    finally:
        peer.close()
    return identity.device_id, identity.public_key, package


def _build_template(folder: Path) -> tuple[Path, World]:
    path = folder / "template.db"
    store = open_store(path)
    try:
        services = Services.build(store, clock=lambda: NOW)
        people, roster, patrols, incidents = services.people, services.roster, services.patrols, services.incidents
        officer = people.add(_person("Olive Officer", "officer", collar_number="PC101", phone="07700 900001")).id
        special = people.add(_person("Sam Special", "special", independent_patrol=True, phone="07700 900002",
                                     email="sam@example.org")).id
        volunteer = people.add(_volunteer_input()).id
        spare = people.add(_person("Rita Spare", "volunteer")).id
        demo = people.add(_person("Demo Dan", "volunteer"), synthetic=True).id
        evenings = [WeeklySlotInput(d, "17:00", "23:30") for d in range(7)]
        people.set_weekly(special, evenings)
        people.set_weekly(volunteer, evenings)
        exception = people.add_exception(volunteer, (TODAY + timedelta(days=20)).isoformat(), "away",
                                         note="Holiday")
        duty = roster.add_duty(_duty_input(TODAY + timedelta(days=7))).id
        roster.assign(duty, special)
        spare_duty = roster.add_duty(_duty_input(TODAY + timedelta(days=8), "Spare duty")).id

        attachment_file = folder / "photo.txt"
        attachment_file.write_text("a photo, as text", encoding="utf-8")
        incident = incidents.record(_incident(reporter_name=REPORTER_NAME, reporter_phone=REPORTER_PHONE),
                                    attach=[attachment_file])
        incidents.record_many([("00000000-0000-4000-8000-000000000001", _incident(place="Demo Farm"))],
                              synthetic=True)

        planned, _ = patrols.create(_patrol_input(TODAY + timedelta(days=1), [officer]))
        live, _ = patrols.create(_patrol_input(YESTERDAY, [officer], "Night patrol", "20:00", "04:00"))
        patrols.start(live.id)
        event = patrols.log(live.id, PatrolEventInput(kind="new_incident", grid_ref="TL 5400 3000",
                                                      detail="Fly-tipping found"))

        farm = services.premises.add(PremisesInput(
            "Brook Farm", "farm", "TL 54000 30000", contact_name=PREMISES_CONTACT, contact_phone=REPORTER_PHONE,
            schemes=["farm_watch"]))
        farm_item = services.premises.add_property(farm.id, PropertyInput("quad_atv", "Honda", "TRX420",
                                                                          "HON-420-77"))
        services.premises.add_visit(farm.id, VisitInput(YESTERDAY, "PC Olive", "Mark the quad"))

        services.harm.set_weight("kind:fly_tipping", 3.0, "Local priority")
        services.published.import_paths([FIXTURES / "police-uk" / "2018-01-essex-street-first150.csv",
                                         FIXTURES / "police-uk" / "2018-03-essex-street-first150.csv"])
        basemap = services.basemaps.add(FIXTURES / "mbtiles" / "one_tile.mbtiles", name="Shadowplay").id

        peer_device, peer_key, package = _build_peer_package(folder)
        services.sync.trust(peer_device, peer_key, name="peer laptop")
        with store.transaction():
            conflict = store.db.execute(
                "INSERT INTO sync_conflicts(table_name, row_id, field, local_value, local_hlc, incoming_value,"
                " incoming_hlc, winner, kind, package_id, detected_at) VALUES ('incidents', ?, 'place', ?, '', ?,"
                " '', 'local', 'edit', NULL, ?)",
                [incident.id, json.dumps("Brook Farm"), json.dumps("Brook Farm gate"),
                 times.to_storage(NOW)],
            ).lastrowid
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    world = World(
        officer=officer, special=special, volunteer=volunteer, spare_person=spare, demo_person=demo,
        volunteer_exception=exception, duty=duty, spare_duty=spare_duty, incident=incident.id,
        attachment=incident.attachments[0].id, planned_patrol=planned.id, live_patrol=live.id,
        live_event=event.id, basemap=basemap, conflict=int(conflict or 0), peer_package=package,
        premises=farm.id, premises_property=farm_item.id,
    )
    return path, world


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return _build_template(tmp_path_factory.mktemp("permissions"))


@dataclass
class Ctx:
    store: Store
    services: Services
    world: World
    tmp: Path

    @property
    def actor(self) -> Actor:
        return self.store.actor

    def act_as(self, role: str, person_id: str | None = None) -> None:
        self.store.actor = Actor(f"{role}-user", role, f"account-{role}", person_id)

    @contextmanager
    def as_system(self) -> Iterator[None]:
        """Look at the stored values, unredacted, then put the role back."""
        saved, self.store.actor = self.store.actor, SYSTEM
        try:
            yield
        finally:
            self.store.actor = saved


@pytest.fixture
def ctx(template: tuple[Path, World], tmp_path: Path) -> Iterator[Ctx]:
    path, world = template
    copy = tmp_path / "ruralwatch.db"
    shutil.copy(path, copy)
    store = open_store(copy)
    try:
        yield Ctx(store, Services.build(store, clock=lambda: NOW), world, tmp_path)
    finally:
        store.close()


# --- checking --------------------------------------------------------------------------------------------


def snapshot(store: Store) -> dict[str, list[str]]:
    """Every row of every table, order-independent: a refused call must leave all of it as it was."""
    tables = [row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: sorted(repr(row) for row in store.db.execute(f"SELECT * FROM [{t}]").fetchall()) for t in tables}


Ops = dict[str, Callable[[], object]]


def check(ctx: Ctx, allowed: bool, ops: Ops, files: tuple[Path, ...] = (), store: Store | None = None) -> None:
    """Allowed: each call succeeds (and writes its files). Not: each is refused and nothing changed."""
    store = store or ctx.store
    if allowed:
        for op in ops.values():
            op()
        for file in files:
            assert file.is_file(), f"{file.name} was not written"
        return
    before = snapshot(store)
    for name, op in ops.items():
        try:
            op()
        except PermissionDeniedError:
            continue
        pytest.fail(f"{store.actor.role}: {name} should have been refused")
    assert snapshot(store) == before, f"{store.actor.role}: a refused call changed the database"
    for file in files:
        assert not file.exists(), f"{store.actor.role}: {file.name} was written although refused"


# --- probes: one per action --------------------------------------------------------------------------------


def probe_incident_view(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "incidents.get": lambda: s.incidents.get(w.incident),
        "incidents.list": lambda: s.incidents.list(),
        "incidents.map_json": lambda: s.incidents.map_json(),
        "near_repeat.zone_for": lambda: s.near_repeat.zone_for(w.incident),
        "near_repeat.active_zones": lambda: s.near_repeat.active_zones(),
    })
    if allowed:
        assert w.incident in {i.id for i in s.incidents.list()}
        assert s.incidents.get(w.incident).place == "Brook Farm"


def probe_incident_record(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    photo = ctx.tmp / "more.txt"
    photo.write_text("another photo", encoding="utf-8")
    check(ctx, allowed, {
        "incidents.record": lambda: s.incidents.record(_incident(place="Mill Lane")),
        "incidents.record_many": lambda: s.incidents.record_many([("00000000-0000-4000-8000-0000000000aa",
                                                                  _incident(place="Church Road"))]),
        "incidents.update": lambda: s.incidents.update(w.incident, _incident(description="Rubble and tyres")),
        "incidents.add_attachment": lambda: s.incidents.add_attachment(w.incident, photo),
        "incidents.remove_attachment": lambda: s.incidents.remove_attachment(w.attachment),
    })
    if allowed:
        assert s.incidents.get(w.incident).description == "Rubble and tyres"
        assert {"Mill Lane", "Church Road"} <= {i.place for i in s.incidents.list()}


def probe_incident_delete(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {"incidents.delete": lambda: s.incidents.delete(w.incident)})
    if allowed:
        assert w.incident not in {i.id for i in s.incidents.list()}


def probe_personal_reporters(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    shown = (REPORTER_NAME, REPORTER_PHONE) if allowed else ("", "")
    incident = s.incidents.get(w.incident)
    assert (incident.reporter_name, incident.reporter_phone) == shown
    listed = next(i for i in s.incidents.list() if i.id == w.incident)
    assert (listed.reporter_name, listed.reporter_phone) == shown
    out = ctx.tmp / "with-personal.csv"
    check(ctx, allowed, {
        "export incidents with personal data": lambda: ExportService(ctx.store).export(
            ExportOptions(include_personal=True), "csv", out),
    }, files=(out,))
    if allowed:
        assert REPORTER_PHONE in out.read_text(encoding="utf-8")
    elif ctx.actor.can("export.data"):
        plain = ctx.tmp / "without-personal.csv"
        ExportService(ctx.store).export(ExportOptions(), "csv", plain)
        assert REPORTER_PHONE not in plain.read_text(encoding="utf-8")
    if not allowed and ctx.actor.can("incident.record"):
        # The form showed this role blank contact details and sends them back blank: that is not an erase.
        updated = s.incidents.update(w.incident, _incident(description="Rubble, seen again"))
        assert (updated.reporter_name, updated.reporter_phone) == ("", "")
        with ctx.as_system():
            stored = s.incidents.get(w.incident)
        assert (stored.description, stored.reporter_name, stored.reporter_phone) == (
            "Rubble, seen again", REPORTER_NAME, REPORTER_PHONE)
    probe_personal_reporters_premises(ctx, allowed)


def probe_personal_reporters_premises(ctx: Ctx, allowed: bool) -> None:
    """Premises contacts are personal data like reporters': shown, listed and kept from a form's blanks alike."""
    s, w = ctx.services, ctx.world
    shown = (PREMISES_CONTACT, REPORTER_PHONE) if allowed else ("", "")
    for farm in (s.premises.get(w.premises), next(p for p in s.premises.list() if p.id == w.premises)):
        assert (farm.contact_name, farm.contact_phone) == shown
    if not allowed and ctx.actor.can("premises.edit"):
        farm = s.premises.get(w.premises)
        updated = s.premises.update(w.premises, replace(farm.to_input(), notes="Dogs loose at night"))
        assert (updated.contact_name, updated.notes) == ("", "Dogs loose at night")
        with ctx.as_system():
            stored = s.premises.get(w.premises)
        assert (stored.contact_name, stored.contact_phone) == (PREMISES_CONTACT, REPORTER_PHONE)


def probe_personal_volunteers(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    shown = (VOLUNTEER_PHONE, VOLUNTEER_EMAIL, VOLUNTEER_NOTES) if allowed else ("", "", "")
    for person in (s.people.get(w.volunteer), s.people.find("Val Volunteer"),
                   next(p for p in s.people.list() if p.id == w.volunteer)):
        assert (person.phone, person.email, person.notes) == shown
    if not allowed:
        # ... but everyone sees their own.
        ctx.act_as(ctx.actor.role, person_id=w.volunteer)
        own = s.people.get(w.volunteer)
        assert (own.phone, own.email, own.notes) == (VOLUNTEER_PHONE, VOLUNTEER_EMAIL, VOLUNTEER_NOTES)
        ctx.act_as(ctx.actor.role)
    if not allowed and ctx.actor.can("roster.edit"):
        updated = s.people.update(w.volunteer, _volunteer_input(phone="", email="", notes="", area="Uttlesford"))
        assert (updated.phone, updated.area) == ("", "Uttlesford")
        with ctx.as_system():
            stored = s.people.get(w.volunteer)
        assert (stored.phone, stored.email, stored.notes) == (VOLUNTEER_PHONE, VOLUNTEER_EMAIL, VOLUNTEER_NOTES)


def probe_vehicles_view(ctx: Ctx, allowed: bool) -> None:
    """Registrations on incidents, in the incidents list and its search, on stop-checks and in the vehicles of
    interest a briefing lists: shown only to roles that may see them, and a search cannot find one either."""
    from ruralwatch.core.incident import IncidentFilter, VehicleInput

    s, w = ctx.services, ctx.world
    with ctx.as_system():
        coursing = s.incidents.record(_incident(kind="hare_coursing", place="Stubble field",
                                                vehicles=[VehicleInput("KX19ABC", role="suspect")])).id
        checked = s.patrols.log(w.live_patrol, PatrolEventInput(kind="stop_check", vrm="KX19 ABC")).id
    shown = "KX19 ABC" if allowed else ""
    assert [v["vrm"] for v in s.incidents.get(coursing).vehicles] == ["KX19ABC" if allowed else ""]
    row = next(r for r in s.incidents.rows(IncidentFilter(), limit=-1) if r.id == coursing)
    assert bool(row.vrms) is allowed
    assert [r.id for r in s.incidents.rows(IncidentFilter(text="KX19"), limit=-1)] == ([coursing] if allowed else [])
    assert bool(s.patrols.event(checked).vrm) is allowed
    assert [v.vrm for v in s.patrols.vehicles_of_interest(NOW)] == ([shown] if allowed else [])


def probe_vehicles_manage(ctx: Ctx, allowed: bool) -> None:
    """Importing and withdrawing lists of vehicles of interest; a list a role may not see stays unseen."""
    hotlist = FIXTURES / "vehicle-lists" / "anpr-hotlist-sample.csv"
    s = ctx.services
    check(ctx, allowed, {
        "vehicles.import": lambda: s.vehicles.import_list(hotlist, "ANPR hotlist"),
        "vehicles.withdraw": lambda: s.vehicles.withdraw("ANPR hotlist"),
    })
    if not allowed:
        with ctx.as_system():
            s.vehicles.import_list(hotlist, "ANPR hotlist")
    listed = s.vehicles.listed(include_expired=True)
    assert bool(listed) is (ctx.actor.can("vehicles.view") and not allowed)
    if ctx.actor.can("vehicles.view"):
        assert s.vehicles.check("AB12CDE").of_interest is (not allowed)  # withdrawn when allowed
    else:
        with pytest.raises(PermissionDeniedError):
            s.vehicles.check("AB12CDE")


def probe_premises_view(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "premises.list": lambda: s.premises.list(),
        "premises.get": lambda: s.premises.get(w.premises),
        "premises.property": lambda: s.premises.property(w.premises),
        "premises.visits": lambda: s.premises.visits(w.premises),
        "premises.incidents_at": lambda: s.premises.incidents_at(w.premises),
        "premises.check_serial": lambda: s.premises.check_serial("hon 42077"),
    })
    if allowed:
        assert [p.name for p in s.premises.list()] == ["Brook Farm"]
        assert [m.source for m in s.premises.check_serial("HON42077").matches] == ["registered"]
        assert [v.officer for v in s.premises.visits(w.premises)] == ["PC Olive"]


def probe_premises_edit(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "premises.add": lambda: s.premises.add(PremisesInput("St Mary's Church", "church", "TL 55000 31000",
                                                             schemes=["church_watch"])),
        "premises.update": lambda: s.premises.update(w.premises, PremisesInput(
            "Brook Farm", "farm", "TL 54000 30000", schemes=["farm_watch", "horse_watch"])),
        "premises.add_visit": lambda: s.premises.add_visit(w.premises, VisitInput(TODAY, "PC Olive", "Gate locks")),
        "premises.add_property": lambda: s.premises.add_property(w.premises, PropertyInput("tools", "Stihl",
                                                                                           "MS 261", "ST-1")),
        "premises.update_property": lambda: s.premises.update_property(w.premises_property, PropertyInput(
            "quad_atv", "Honda", "TRX420", "HON-420-77", marking="cesar")),
        "premises.set_repeat_window": lambda: s.premises.set_repeat_window(180),
    })
    if allowed:
        assert {p.name for p in s.premises.list()} == {"Brook Farm", "St Mary's Church"}
        assert s.premises.get(w.premises).schemes == ("farm_watch", "horse_watch")
        assert s.premises.repeat_window() == 180
    check(ctx, allowed, {"premises.remove_property": lambda: s.premises.remove_property(w.premises_property),
                         "premises.delete": lambda: s.premises.delete(w.premises)})
    if allowed:
        assert [p.name for p in s.premises.list()] == ["St Mary's Church"]


def probe_patrol_view(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "patrols.list": lambda: s.patrols.list(),
        "patrols.get": lambda: s.patrols.get(w.planned_patrol),
        "patrols.log_of": lambda: s.patrols.log_of(w.live_patrol),
        "patrols.dose": lambda: s.patrols.dose(w.live_patrol),
        "patrols.after_action": lambda: s.patrols.after_action(w.live_patrol),
    })
    if allowed:
        assert {w.planned_patrol, w.live_patrol} <= {p.id for p in s.patrols.list()}
        assert [e.kind for e in s.patrols.log_of(w.live_patrol)] == ["patrol_started", "new_incident"]


def probe_patrol_plan(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    day = TODAY + timedelta(days=3)
    stop = Candidate("incident:x", 51.95, 0.28, 2.0, "Brook Farm", "fly-tipping yesterday")
    brief = ctx.tmp / "brief.pdf"
    created: list[str] = []
    check(ctx, allowed, {
        "patrols.create": lambda: created.append(s.patrols.create(_patrol_input(day, [w.officer]))[0].id),
        "patrols.update": lambda: s.patrols.update(
            w.planned_patrol, _patrol_input(TODAY + timedelta(days=1), [w.officer], "Dawn patrol, Thaxted")),
        "patrols.edit_plan": lambda: s.patrols.edit_plan(w.planned_patrol, [stop]),
        "patrols.brief": lambda: s.patrols.brief(w.planned_patrol, brief),
        "patrols.cancel": lambda: s.patrols.cancel(w.planned_patrol),
        "patrols.delete": lambda: s.patrols.delete(created[0] if created else w.planned_patrol),
        # A duty the account is not on (it is linked to no person): a planner's to make into its patrol.
        "patrols.plan_from_duty": lambda: s.patrols.plan_from_duty(w.duty),
    }, files=(brief,))
    if allowed:
        assert s.patrols.get(w.planned_patrol).status == "cancelled"
        assert created[0] not in {p.id for p in s.patrols.list()}
        assert s.roster.duty(w.duty).patrol_id


def probe_patrol_from_own_duty(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    ctx.act_as(ctx.actor.role, person_id=w.special)  # the account of Sam Special, who is on the duty
    check(ctx, allowed, {"patrols.plan_from_duty": lambda: s.patrols.plan_from_duty(w.duty)})
    if allowed:
        patrol = s.patrols.get(str(s.roster.duty(w.duty).patrol_id))
        assert [name for _, name in patrol.crew] == ["Sam Special"]


def probe_patrol_preview(ctx: Ctx, allowed: bool) -> None:
    s = ctx.services
    day = TODAY + timedelta(days=3)
    pack = ctx.tmp / "plan-pack.pdf"
    stop = PlanStop(seq=1, key="incident:x", lat=51.95, lon=0.28, label="Brook Farm", reason="fly-tipping yesterday",
                    harm=2.0, arrive=datetime(2026, 11, 27, 19, 0, tzinfo=UTC),
                    leave=datetime(2026, 11, 27, 19, 15, tzinfo=UTC), dwell_minutes=15.0, travel_minutes=20.0)
    plan = Plan(start=datetime(2026, 11, 27, 18, 0, tzinfo=UTC), end=datetime(2026, 11, 27, 22, 0, tzinfo=UTC),
                stops=(stop,), dropped=(), travel_minutes=20.0, dwell_minutes=15.0, window_minutes=240.0,
                start_point=None)
    patrols_before = len(s.patrols.list())
    check(ctx, allowed, {
        "patrols.plan_for_window": lambda: s.patrols.plan_for_window("Uttlesford", day, "18:00", "22:00"),
        "patrols.write_plan_pack": lambda: s.patrols.write_plan_pack("Uttlesford", plan, pack),
    }, files=(pack,))
    assert len(s.patrols.list()) == patrols_before  # a preview records no patrol


def probe_patrol_log(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "patrols.log": lambda: s.patrols.log(w.live_patrol, PatrolEventInput(kind="note", detail="Quiet")),
        "patrols.link_incident": lambda: s.patrols.link_incident(w.live_event, w.incident),
        "patrols.end": lambda: s.patrols.end(w.live_patrol),
        "patrols.start": lambda: s.patrols.start(w.planned_patrol),
    })
    if allowed:
        assert s.patrols.get(w.live_patrol).status == "completed"
        assert s.patrols.get(w.planned_patrol).status == "in_progress"
        assert s.patrols.event(w.live_event).incident_id == w.incident


def past_permission(op: Callable[[], object]) -> None:
    """Run an operation whose rules come after the permission: refused by those rules (not permission) passes."""
    with pytest.raises(ValidationError, match="only a finished patrol's start and end are corrected"):
        op()


def probe_patrol_correct_log(ctx: Ctx, allowed: bool) -> None:
    # An event the account did not log (the system did), on a patrol it is not on: a supervisor's to put right.
    s, w = ctx.services, ctx.world
    check(ctx, allowed, {
        "patrols.correct_event": lambda: s.patrols.correct_event(
            w.live_event, EventCorrection(note="Fly-tipping found at the gate")),
        "patrols.withdraw_event": lambda: s.patrols.withdraw_event(w.live_event, "logged twice"),
        "patrols.restore_event": lambda: s.patrols.restore_event(w.live_event, "it was not twice"),
        "patrols.correct_times": lambda: past_permission(lambda: s.patrols.correct_times(
            w.live_patrol, PatrolTimesCorrection(ended=NOW, reason="End pressed late"))),
    })
    if allowed:
        event = s.patrols.event(w.live_event)
        assert (event.detail, event.withdrawn, event.correction_reason) == (
            "Fly-tipping found at the gate", False, "restored: it was not twice")


def probe_roster_view(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    week = (TODAY, TODAY + timedelta(days=14))
    check(ctx, allowed, {
        "people.list": lambda: s.people.list(),
        "people.weekly_pattern": lambda: s.people.weekly_pattern(w.volunteer),
        "roster.duties": lambda: s.roster.duties(*week),
        "roster.calendar": lambda: s.roster.calendar(*week),
        "roster.autofill preview": lambda: s.roster.autofill(*week, apply=False),
        "hours.summary": lambda: s.hours.summary(YESTERDAY.strftime("%Y-%m"), TODAY.strftime("%Y-%m")),
    })
    if allowed:
        assert [name for _, name in s.roster.duty(w.duty).crew] == ["Sam Special"]
        assert "Val Volunteer" in {p.name for p in s.people.list()}


def probe_roster_all_hours(ctx: Ctx, allowed: bool) -> None:
    """Everyone's hours, or (not allowed) only the account's own person's: none until it is linked to one."""
    s, w = ctx.services, ctx.world
    months = (YESTERDAY.strftime("%Y-%m"), TODAY.strftime("%Y-%m"))

    def names() -> set[str]:
        return set(s.hours.summary(*months).by_person["name"])

    ctx.act_as(ctx.actor.role, person_id=w.special)
    seen = names()
    assert "Sam Special" in seen
    assert ("Val Volunteer" in seen) is allowed
    assert set(s.hours.entries(*months)["person_id"]) <= ({w.special} | ({w.volunteer} if allowed else set()))
    ctx.act_as(ctx.actor.role)  # not linked to anyone
    assert bool(names()) is allowed


def probe_roster_edit(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    week = (TODAY, TODAY + timedelta(days=14))
    check(ctx, allowed, {
        "people.add": lambda: s.people.add(_person("Nina New", "special")),
        "people.update": lambda: s.people.update(w.volunteer, _volunteer_input(area="Uttlesford")),
        "people.set_weekly (someone else's)": lambda: s.people.set_weekly(w.volunteer, [
            WeeklySlotInput(5, "06:00", "12:00")]),
        "people.add_exception (someone else's)": lambda: s.people.add_exception(
            w.volunteer, (TODAY + timedelta(days=30)).isoformat(), "away"),
        "roster.add_duty": lambda: s.roster.add_duty(_duty_input(TODAY + timedelta(days=9), "Extra duty")),
        "roster.update_duty": lambda: s.roster.update_duty(w.duty, _duty_input(TODAY + timedelta(days=7),
                                                                               "Evening patrol, Thaxted")),
        "roster.assign": lambda: s.roster.assign(w.duty, w.volunteer, override_reason="Covering a gap"),
        "roster.unassign": lambda: s.roster.unassign(w.duty, w.special),
        "roster.set_status": lambda: s.roster.set_status(w.spare_duty, "cancelled"),
        "roster.delete_duty": lambda: s.roster.delete_duty(w.spare_duty),
        "roster.set_rules": lambda: s.roster.set_rules(12, 40),
        "roster.autofill": lambda: s.roster.autofill(*week, apply=True),
        "people.mark_left": lambda: s.people.mark_left(w.officer, TODAY),
        "people.remove": lambda: s.people.remove(w.spare_person),
    })
    if allowed:
        assert "Nina New" in {p.name for p in s.people.list()}
        assert s.roster.duty(w.duty).title == "Evening patrol, Thaxted"
        assert s.roster.rules().max_weekly_hours == 40


def probe_roster_own_availability(ctx: Ctx, allowed: bool) -> None:
    s, w = ctx.services, ctx.world
    ctx.act_as(ctx.actor.role, person_id=w.special)  # the account belongs to Sam Special
    # Someone else's availability is roster editing, whatever the own-availability cell says.
    check(ctx, ctx.actor.can("roster.edit"), {
        "set_weekly (someone else's)": lambda: s.people.set_weekly(w.volunteer, [WeeklySlotInput(5, "06:00",
                                                                                                 "12:00")]),
        "add_exception (someone else's)": lambda: s.people.add_exception(
            w.volunteer, (TODAY + timedelta(days=30)).isoformat(), "away"),
        "remove_exception (someone else's)": lambda: s.people.remove_exception(w.volunteer_exception),
    })
    added: list[str] = []
    check(ctx, allowed, {
        "set_weekly (own)": lambda: s.people.set_weekly(w.special, [WeeklySlotInput(5, "06:00", "12:00")]),
        "add_exception (own)": lambda: added.append(s.people.add_exception(
            w.special, (TODAY + timedelta(days=30)).isoformat(), "away")),
        "remove_exception (own)": lambda: s.people.remove_exception(added[0]),
    })
    if allowed:
        assert [(slot.weekday, slot.start.hour) for slot in s.people.weekly_pattern(w.special)] == [(5, 6)]
        assert s.people.exceptions_of(w.special) == []


def probe_analysis_run(ctx: Ctx, allowed: bool) -> None:
    a = ctx.services.analysis
    check(ctx, allowed, {
        "analysis.hotspots": lambda: a.hotspots(HotspotQuery(method="grid", weight="count", top_n=5)),
        "analysis.evaluate": lambda: a.evaluate("2018-01", "2018-01", "2018-03", "2018-03", cell_m=1000),
        "analysis.by_area": lambda: a.by_area(),
        "analysis.concentration": lambda: a.concentration(cell_m=1000),
        "analysis.timing": lambda: a.timing(),
        "near_repeat.knox": lambda: ctx.services.near_repeat.knox(KnoxQuery(iterations=5)),
        "near_repeat.set_zone_settings": lambda: ctx.services.near_repeat.set_zone_settings(300, 10),
    })


def probe_harm_edit(ctx: Ctx, allowed: bool) -> None:
    harm = ctx.services.harm
    check(ctx, allowed, {
        "harm.set_weight": lambda: harm.set_weight("police_uk:Burglary", 400.0, "Rural burglary priority"),
        "harm.reset_weight": lambda: harm.reset_weight("kind:fly_tipping"),
    })
    if allowed:
        weights = harm.weights()
        assert weights["police_uk:Burglary"].days == 400.0 and not weights["kind:fly_tipping"].overridden


def probe_geography_manage(ctx: Ctx, allowed: bool) -> None:
    g = ctx.services.geography
    wards = ctx.tmp / "wards.geojson"
    wards.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"WD13NM": "Thaxted", "WD13CD": "E05004471"},
         "geometry": {"type": "Polygon", "coordinates": [[[0.30, 51.93], [0.38, 51.93], [0.38, 51.98], [0.30, 51.98],
                                                          [0.30, 51.93]]]}}]}), encoding="utf-8")
    check(ctx, allowed, {
        "geography.import_file": lambda: g.import_file("wards", wards),
        "geography.forget_import": lambda: g.forget_import("wards"),
        "geography.use_force": lambda: g.use_force("Suffolk"),
    })
    if allowed:
        assert g.force().name == "Suffolk"
        g.use_force("Essex")  # the other probes work in Essex


def probe_import_published(ctx: Ctx, allowed: bool) -> None:
    published = ctx.services.published
    check(ctx, allowed, {
        "published.import_paths": lambda: published.import_paths(
            [FIXTURES / "police-uk" / "2018-04-essex-street-no-id-or-location.csv"]),
    })
    if allowed:
        assert "2018-04" in published.months()


def probe_export_data(ctx: Ctx, allowed: bool) -> None:
    s = ctx.services
    incidents, hours, duties = ctx.tmp / "incidents.csv", ctx.tmp / "hours.csv", ctx.tmp / "duties.csv"
    summary = s.hours.summary(YESTERDAY.strftime("%Y-%m"), TODAY.strftime("%Y-%m"))
    check(ctx, allowed, {
        "export incidents": lambda: ExportService(ctx.store).export(ExportOptions(), "csv", incidents),
        "hours.export": lambda: s.hours.export(summary, hours),
        "roster.export_duties": lambda: s.roster.export_duties(TODAY, TODAY + timedelta(days=14), duties),
    }, files=(incidents, hours, duties))
    if allowed:
        assert REPORTER_PHONE not in incidents.read_text(encoding="utf-8")
        assert VOLUNTEER_PHONE not in hours.read_text(encoding="utf-8") + duties.read_text(encoding="utf-8")


def probe_sync_exchange(ctx: Ctx, allowed: bool) -> None:
    sync, w = ctx.services.sync, ctx.world
    out = ctx.tmp / "out.rwsync"
    check(ctx, allowed, {
        "sync.export": lambda: sync.export(out),
        "sync.import_package": lambda: sync.import_package(w.peer_package),
        "sync.merge_folder": lambda: sync.merge_folder(w.peer_package.parent),
    }, files=(out,))
    if allowed:
        assert "Pat Peer" in {p.name for p in ctx.services.people.list()}


def probe_sync_trust(ctx: Ctx, allowed: bool) -> None:
    sync, w = ctx.services.sync, ctx.world
    other = KeyPair.generate().public_hex()
    check(ctx, allowed, {
        "sync.trust": lambda: sync.trust("f00dfeed", other, name="van laptop"),
        # Conflicts show whole field values of any syncable table, reporters' phone numbers included.
        "sync.conflicts": lambda: sync.conflicts(include_resolved=True),
        "sync.conflict": lambda: sync.conflict(w.conflict),
        "sync.resolve": lambda: sync.resolve(w.conflict, "theirs"),
    })
    if allowed:
        assert "f00dfeed" in {p.device_id for p in sync.peers()}
        with ctx.as_system():
            assert ctx.services.incidents.get(w.incident).place == "Brook Farm gate"


def probe_basemap_manage(ctx: Ctx, allowed: bool) -> None:
    basemaps, w = ctx.services.basemaps, ctx.world
    check(ctx, allowed, {
        "basemaps.add": lambda: basemaps.add(FIXTURES / "mbtiles" / "geography-class-jpg.mbtiles"),
        "basemaps.remove": lambda: basemaps.remove(w.basemap),
    })
    if allowed:
        assert [b.name for b in basemaps.list()] == ["Geography Class"]


def probe_accounts_manage(ctx: Ctx, allowed: bool) -> None:
    """Accounts live in encrypted databases only: a small one of its own, made by its administrator."""
    role = ctx.actor.role
    path = ctx.tmp / "accounts.db"
    store = create_database(path, "root", PASSWORD, TEST_PARAMS)
    try:
        accounts = AccountService(store)
        accounts.add("olive", "ret_officer", PASSWORD, params=TEST_PARAMS)
        accounts.add("sam", "special", PASSWORD, params=TEST_PARAMS)
        store.actor = Actor(f"{role}-user", role, f"account-{role}")
        keys_before = keyring_path(path).read_bytes()
        check(ctx, allowed, {
            "accounts.add": lambda: accounts.add("nina", "analyst", PASSWORD, params=TEST_PARAMS),
            "accounts.set_role": lambda: accounts.set_role("sam", "coordinator"),
            "accounts.reset_password": lambda: accounts.reset_password("sam", PASSWORD + "!", TEST_PARAMS),
            "accounts.unlock": lambda: accounts.unlock("sam"),
            "accounts.set_active": lambda: accounts.set_active("olive", False),
        }, store=store)
        if allowed:
            assert {(a.username, a.role, a.active) for a in accounts.list()} == {
                ("root", "administrator", True), ("olive", "ret_officer", False), ("sam", "coordinator", True),
                ("nina", "analyst", True)}
        else:
            assert keyring_path(path).read_bytes() == keys_before
    finally:
        store.close()


def probe_audit_view(ctx: Ctx, allowed: bool) -> None:
    """Enforced by the CLI command (ruralwatch.cli.commands.accounts): there is no audit service to call."""
    check(ctx, allowed, {
        "audit verify": lambda: cli_auth.run(argparse.Namespace(command="audit", action="verify"), ctx.store),
        "audit list": lambda: cli_auth.run(argparse.Namespace(
            command="audit", action="list", actor=None, record=None, since=None, until=None, entry_action=None,
            limit=5, json=True), ctx.store),
    })


def probe_data_backup(ctx: Ctx, allowed: bool) -> None:
    """Backups need an encrypted database: a small one of its own. The automatic backup is every role's."""
    role = ctx.actor.role
    path, elsewhere = ctx.tmp / "backed-up.db", ctx.tmp / "usb-stick"
    store = create_database(path, "root", PASSWORD, TEST_PARAMS)
    try:
        store.actor = Actor(f"{role}-user", role, f"account-{role}")
        check(ctx, allowed, {
            "backup_now": lambda: backup_now(store),
            "backup_now --to": lambda: backup_now(store, elsewhere),
            "backups (list)": lambda: list_with_status(store),
        }, store=store)
        assert elsewhere.is_dir() is allowed
        assert maybe_backup(store, "start") is not None  # the system's maintenance, whoever is signed in
        if allowed:
            assert len(list_with_status(store)) == 2
    finally:
        store.close()


def probe_data_purge(ctx: Ctx, allowed: bool) -> None:
    s = ctx.services
    retention = RetentionService(ctx.store, s.hub)
    check(ctx, allowed, {
        "retention.set_settings": lambda: retention.set_settings(reporter_months=24),
        "retention.apply": lambda: retention.apply(),
        "incidents.delete_synthetic": lambda: s.incidents.delete_synthetic(),
        "incidents.load_synthetic": lambda: s.incidents.load_synthetic([(
            "00000000-0000-4000-8000-0000000000bb", _incident(place="Demo Green"))]),
    })
    if allowed:
        assert retention.settings().reporter_months == 24
        assert {i.place for i in s.incidents.list() if i.synthetic} == {"Demo Green"}


def _system_alert(ctx: Ctx, approved: bool = False) -> str:
    """A draft (or approved) alert on the prepared incident, made as the system."""
    s, w = ctx.services, ctx.world
    with ctx.as_system():
        alert = s.alerts.compose(s.alerts.draft_for_incident(w.incident))
        if approved:
            s.alerts.approve(alert.id)
    return alert.id


def probe_alerts_compose(ctx: Ctx, allowed: bool) -> None:
    """Drafting, editing and withdrawing an alert to the community; reading the list is for everyone."""
    from dataclasses import replace

    s, w = ctx.services, ctx.world
    existing, spare = _system_alert(ctx), _system_alert(ctx)
    draft = s.alerts.draft_for_incident(w.incident)  # a draft in a form stores nothing: any role may look
    check(ctx, allowed, {
        "alerts.compose": lambda: s.alerts.compose(draft),
        "alerts.update": lambda: s.alerts.update(existing, replace(draft, summary="Waste dumped in a gateway.")),
        "alerts.delete": lambda: s.alerts.delete(spare),
    })
    assert existing in {a.id for a in s.alerts.list()}
    if allowed:
        assert s.alerts.get(existing).summary == "Waste dumped in a gateway."
        assert len(s.alerts.list()) == 2 and spare not in {a.id for a in s.alerts.list()}


def probe_alerts_approve(ctx: Ctx, allowed: bool) -> None:
    """A supervisor approves another's draft; their own only as an administrator."""
    from ruralwatch.services.alerts import AlertStateError

    s = ctx.services
    draft = _system_alert(ctx)
    check(ctx, allowed, {"alerts.approve": lambda: s.alerts.approve(draft)})
    if allowed:
        assert s.alerts.get(draft).status == "approved"
        own = s.alerts.compose(s.alerts.draft_for_incident(ctx.world.incident))
        if ctx.actor.role == "administrator":
            assert s.alerts.approve(own.id).approved_by == ctx.actor.username
        else:
            with pytest.raises(AlertStateError, match="your own"):
                s.alerts.approve(own.id)
    else:
        assert s.alerts.get(draft).status == "draft"


def probe_alerts_issue(ctx: Ctx, allowed: bool) -> None:
    """Exporting an approved alert (which issues it) and the scheme members to send it to."""
    s = ctx.services
    approved = _system_alert(ctx, approved=True)
    out = ctx.tmp / "alert.txt"
    check(ctx, allowed, {
        "alerts.export": lambda: s.alerts.export(approved, "text", out),
        "alerts.recipients": lambda: s.alerts.recipients(approved),
    }, files=(out,))
    assert s.alerts.get(approved).status == ("issued" if allowed else "approved")
    if allowed:
        text = out.read_text(encoding="utf-8")
        assert "Brook Farm" not in text and REPORTER_PHONE not in text


PROBES: dict[str, Callable[[Ctx, bool], None]] = {
    "incident.view": probe_incident_view,
    "incident.record": probe_incident_record,
    "incident.delete": probe_incident_delete,
    "personal.reporters": probe_personal_reporters,
    "personal.volunteers": probe_personal_volunteers,
    "vehicles.view": probe_vehicles_view,
    "vehicles.manage": probe_vehicles_manage,
    "premises.view": probe_premises_view,
    "premises.edit": probe_premises_edit,
    "alerts.compose": probe_alerts_compose,
    "alerts.approve": probe_alerts_approve,
    "alerts.issue": probe_alerts_issue,
    "patrol.view": probe_patrol_view,
    "patrol.plan": probe_patrol_plan,
    "patrol.preview": probe_patrol_preview,
    "patrol.log": probe_patrol_log,
    "patrol.correct_log": probe_patrol_correct_log,
    "patrol.from_own_duty": probe_patrol_from_own_duty,
    "roster.view": probe_roster_view,
    "roster.edit": probe_roster_edit,
    "roster.own_availability": probe_roster_own_availability,
    "roster.all_hours": probe_roster_all_hours,
    "analysis.run": probe_analysis_run,
    "harm.edit": probe_harm_edit,
    "geography.manage": probe_geography_manage,
    "import.published": probe_import_published,
    "export.data": probe_export_data,
    "sync.exchange": probe_sync_exchange,
    "sync.trust": probe_sync_trust,
    "basemap.manage": probe_basemap_manage,
    "accounts.manage": probe_accounts_manage,
    "audit.view": probe_audit_view,
    "data.backup": probe_data_backup,
    "data.purge": probe_data_purge,
}


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_action_has_a_probe() -> None:
    assert set(PROBES) == set(ACTIONS), "write a probe for each new action (and drop those of removed ones)"


def test_every_role_is_in_the_table() -> None:
    assert all(roles <= set(ROLES) for _, roles in ACTIONS.values())


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{action}-{role}" for action, role in CELLS])
def test_cell(ctx: Ctx, action: str, role: str) -> None:
    if action not in PROBES:
        pytest.fail(f"no probe for {action}")
    allowed = role in ACTIONS[action][1]
    ctx.act_as(role)
    assert ctx.actor.can(action) is allowed
    PROBES[action](ctx, allowed)


def test_the_audit_records_personal_values_only_as_a_mark(ctx: Ctx) -> None:
    text = " ".join(row[0] or "" for row in ctx.store.db.execute("SELECT changes FROM audit_log"))
    assert PERSONAL_MARK in text
    for value in (REPORTER_NAME, REPORTER_PHONE, VOLUNTEER_PHONE, VOLUNTEER_EMAIL, VOLUNTEER_NOTES, "Val Volunteer"):
        assert value not in text


def test_docs_hold_the_table_exactly() -> None:
    text = (ROOT / "docs" / "PERMISSIONS.md").read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table == markdown_table().splitlines(), "paste `python -m ruralwatch.core.permissions` into the doc"


# --- paths outside the table's probes that must obey it too ------------------------------------------------


def test_only_a_purging_role_removes_the_demo_roster(ctx: Ctx) -> None:
    ctx.act_as("special")
    with pytest.raises(PermissionDeniedError):
        remove_demo_roster(ctx.services.people)
    assert ctx.services.people.get(ctx.world.demo_person).synthetic


def test_only_auditing_roles_read_the_audit_log(ctx: Ctx) -> None:
    ctx.act_as("special")
    with pytest.raises(PermissionDeniedError):
        ctx.services.audit.entries()
    with pytest.raises(PermissionDeniedError):
        ctx.services.audit.verify()


def test_a_special_cannot_take_reporters_phone_numbers_away_in_a_sync_package(ctx: Ctx) -> None:
    ctx.act_as("special")
    out = ctx.tmp / "special.rwsync"
    try:
        ctx.services.sync.export(out)
    except PermissionDeniedError:
        return
    rows = PackageReader(out).contents(None, SYNCABLE_TABLES).tables
    carried = json.dumps(rows, default=str)
    assert REPORTER_PHONE not in carried and VOLUNTEER_PHONE not in carried


def test_a_refused_call_names_the_account_role_and_action(ctx: Ctx) -> None:
    ctx.act_as("special")
    with pytest.raises(PermissionDeniedError, match=r"special-user \(Special Constable\) may not: delete incidents"):
        ctx.services.incidents.delete(ctx.world.incident)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "xlsx"])
def test_registrations_are_exported_only_to_roles_entitled_to_personal_data(ctx: Ctx, fmt: str) -> None:
    """PERMISSIONS.md: analysts see no personal data. VRMs go blank for them, as contact details do."""
    import openpyxl

    from ruralwatch.core.incident import VehicleInput

    ctx.services.incidents.record(_incident(place="Lay-by", vehicles=[VehicleInput("AB12CDE", make="Ford")]))
    for role in ("analyst", "coordinator", "ret_officer"):
        ctx.act_as(role)
        out = ctx.tmp / f"{role}.{fmt}"
        ExportService(ctx.store).export(ExportOptions(), fmt, out)
        if fmt == "xlsx":
            book = openpyxl.load_workbook(out)
            text = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                            for c in row)
        else:
            text = out.read_text(encoding="utf-8")
        assert ("AB12 CDE" in text) is ctx.actor.can("personal.reporters"), role
        assert "Lay-by" in text and ("Ford" in text or fmt != "xlsx")
