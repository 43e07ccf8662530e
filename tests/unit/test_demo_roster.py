"""The demo roster: realistic size, every row synthetic, loads once, removable and restorable."""

from __future__ import annotations

from datetime import UTC, datetime

from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.demo_roster import DemoRosterLoaded, load_demo_roster, remove_demo_roster
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _load(services: Services) -> DemoRosterLoaded:
    return load_demo_roster(services.people, services.roster, services.patrols, now=NOW)


def test_demo_roster_is_realistic_and_loads_once(store: Store) -> None:
    services = Services.build(store)
    load_demo(services.incidents, count=900, now=NOW)
    first = _load(services)
    assert first.people == 40 and first.duties > 200 and first.patrols >= 20 and first.left_out == ()
    assert _load(services) == DemoRosterLoaded(0, 0, 0)
    people = services.people.list()
    assert {p.role for p in people} == {"officer", "special", "volunteer"}
    assert all(p.synthetic for p in people)
    assert all(p.phone.startswith("07700 900") for p in people)  # Ofcom's drama range
    upcoming = services.roster.duties(NOW.date(), NOW.date().replace(day=28))
    assert upcoming and any(d.open_places for d in upcoming), "the coming duties are left for auto-fill"
    hours = services.hours.summary("2026-10", "2026-10").by_person
    assert hours["hours"].sum() > 0 and hours["below"].any()
    completed = services.patrols.list(status="completed")
    assert completed and all(services.patrols.log_of(p.id) for p in completed)
    assert any(e.flagged for p in completed for e in services.patrols.log_of(p.id))
    # Every area the demo gives a person or a duty passes the rule the forms and commands apply (the demo's force
    # is the default, Essex), so a demo duty opened and saved with its area changed back and forth stays valid.
    areas = {p.area for p in people} | {d.area for d in services.roster.duties(NOW.date().replace(day=1), NOW.date())}
    assert areas and all(services.geography.checked_district(area) == area for area in areas), areas


def test_removed_demo_roster_comes_back_as_it_was(store: Store) -> None:
    services = Services.build(store)
    load_demo(services.incidents, count=300, now=NOW)
    _load(services)
    before = (len(services.people.list()), len(services.patrols.list()))
    removed = remove_demo_roster(services.people)
    assert removed > 0 and services.people.list() == [] and services.patrols.list() == []
    restored = _load(services)
    assert restored.people == 40
    assert (len(services.people.list()), len(services.patrols.list())) == before


def test_the_demo_brings_a_vehicles_of_interest_list_and_takes_it_away(store) -> None:
    from ruralwatch.services.demo_set import DEMO_LIST_SOURCE, load_demo_set, remove_demo_set

    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    services = Services.build(store)
    loaded = load_demo_set(services, count=200, now=now)
    assert loaded.listed_vehicles == 4 and services.vehicles.sources() == {DEMO_LIST_SOURCE: 4}
    seen = services.patrols.vehicles_of_interest(now)[0]
    check = services.vehicles.check(seen.vrm, at=now)
    assert check.of_interest and any(DEMO_LIST_SOURCE in line for line in check.lines())  # list and sightings
    assert load_demo_set(services, count=200, now=now).listed_vehicles == 4  # loading again adds nothing
    remove_demo_set(services)
    assert services.vehicles.sources() == {}


def test_demo_people_on_a_real_patrol_stay_with_it_when_the_demo_is_removed(store: Store) -> None:
    """A real patrol crewed by demo people had lost them: the form listed no crew and the briefing failed (the
    person was gone). They are kept, and the removal says so; demo people on nothing real still go."""
    from ruralwatch.core.patrol import PatrolInput
    from ruralwatch.services.demo_set import load_demo_set, remove_demo_set

    services = Services.build(store, clock=lambda: NOW)
    load_demo_set(services, count=100, now=NOW)
    demo_people = sorted(services.people.list(), key=lambda p: p.name)
    crew = demo_people[:2]
    real, _ = services.patrols.create(PatrolInput(day="2026-11-20", start="20:00", end="23:00", area="Uttlesford",
                                                  purpose="general_rural_patrol", crew=[p.id for p in crew]))
    removed = remove_demo_set(services)
    assert removed.kept_people == tuple(p.name for p in crew)
    assert "kept 2 demo people still on your own patrols or duties" in removed.kept_note()
    assert [p.name for p in services.people.list()] == [p.name for p in crew]  # the rest of the demo went
    assert services.patrols.list() and all(not p.synthetic for p in services.patrols.list())
    assert [name for _, name in services.patrols.get(real.id).crew] == [p.name for p in crew]
    assert [p.name for p in services.patrols.briefing(real.id).crew] == [p.name for p in crew]
    assert remove_demo_set(services).kept_people == tuple(p.name for p in crew)  # again: still kept, nothing else


def test_each_demo_patrol_has_the_plan_suggest_plan_gives_for_its_window(store: Store) -> None:
    # The demo plans once per station and moves that plan to each patrol's day (issue 21): it must be exactly the
    # plan a search of that patrol's own window finds.
    from ruralwatch.core.patrol_plan import stops_to_json
    from ruralwatch.patrols.plan import suggest_plan
    from ruralwatch.services.demo_roster import STATIONS

    services = Services.build(store)
    load_demo(services.incidents, count=900, now=NOW)
    _load(services)
    pools = {
        district: services.patrols.candidates(district, NOW, "general_rural_patrol", 25) for _, district, _ in STATIONS
    }
    patrols = services.patrols.list(status="completed")
    assert len(patrols) == 26
    stored = dict(store.db.execute("SELECT id, plan FROM patrols WHERE synthetic = 1").fetchall())
    for patrol in patrols:
        fresh = suggest_plan(pools[patrol.area], patrol.start, patrol.end, patrol.settings, patrol.base)
        assert fresh.stops and stored[patrol.id] == stops_to_json(fresh.stops), patrol.title


def test_the_demos_own_services_load_what_the_whole_container_loads(tmp_path) -> None:
    # `ruralwatch demo` builds only the services the demo needs (demo_set.demo_services): same rows as through
    # Services.build, the window's way.
    from ruralwatch.services.demo_set import demo_services, load_demo_set
    from ruralwatch.store import open_store

    contents = []
    for name, build in (
        ("all", lambda s: Services.build(s, clock=lambda: NOW)),
        ("demo", lambda s: demo_services(s, clock=lambda: NOW)),
    ):
        opened = open_store(tmp_path / f"{name}.db")
        try:
            load_demo_set(build(opened), count=300, now=NOW)
            contents.append(
                {
                    table: opened.db.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()
                    for table, columns in (
                        ("incidents", "id, kind, lat, lon, occurred_start, status"),
                        ("people", "id, name, role, skills"),
                        ("duties", "id, title, starts_at, status"),
                        ("duty_assignments", "duty_id, person_id"),
                        ("patrols", "id, plan, status"),
                        ("patrol_events", "id, kind, at, vrm"),
                        ("premises", "id, grid_ref, easting, northing, lat, lon"),
                        ("watchlist_vehicles", "vrm, reason, expires_on"),
                    )
                }
            )
        finally:
            opened.close()
    assert contents[0] == contents[1]
    assert all(contents[0].values())


def test_demo_people_never_take_a_real_persons_collar_number_or_name(store: Store, tmp_path) -> None:
    """The demo added a second "Dev Hughes" with the collar number SC4125 a real person already had. A demo person
    whose collar number or name is a real person's is left out and named; the rest of the demo is as ever."""
    from ruralwatch.core.people import PersonInput
    from ruralwatch.store import open_store

    services = Services.build(store)
    real = services.people.add(PersonInput(name="Dev Hughes", role="special", collar_number="SC4125"))
    services.people.add(PersonInput(name="Amelia Archer", role="volunteer"))  # demo person 0's name, no collar
    loaded = _load(services)
    assert loaded.left_out == ("Amelia Archer (PC4100)", "Dev Hughes (SC4125)")
    assert loaded.people == 38
    holders = [p for p in services.people.list() if p.collar_number == "SC4125"]
    assert holders == [services.people.get(real.id)]
    assert [p.id for p in services.people.list() if p.name == "Dev Hughes"] == [real.id]
    assert services.people.find("SC4125").id == real.id

    plain = open_store(tmp_path / "plain.db")
    try:
        alone = Services.build(plain)
        _load(alone)

        def demo(people: list) -> dict[str, tuple]:
            return {p.collar_number: (p.name, p.skills, p.independent_patrol, p.driving_authorised)
                    for p in people if p.synthetic}

        expected = {k: v for k, v in demo(alone.people.list()).items() if k not in ("SC4125", "PC4100")}
        assert demo(services.people.list()) == expected  # nobody else changed
    finally:
        plain.close()
    assert _load(services) == DemoRosterLoaded(0, 0, 0, loaded.left_out)  # loading again: still left out
