"""The premises register reaches the central store on both engines: premises, their visits and registered
property, and the incident's link to its premises, merged into PostgreSQL exactly as into the SQLite central store;
the premises get their points, and the analysts' views leave the contacts out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fixtures.laptops import Laptop
from pg_helpers import merge, new_central, pg_rows

from ruralwatch.core.incident import IncidentInput, StolenItemInput
from ruralwatch.core.premises import PremisesInput, PropertyInput, VisitInput
from ruralwatch.store.database import SYNCABLE_TABLES

TABLES = ("premises", "premises_visits", "premises_property", "incidents", "stolen_items")


def _sqlite_rows(laptop: Laptop) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        cursor = laptop.store.db.execute(f"SELECT * FROM [{table}] ORDER BY id")
        names = [d[0] for d in cursor.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    return out


def test_premises_property_visits_and_links_arrive_as_on_sqlite(pg_dsn: str, tmp_path: Path) -> None:
    assert {"premises", "premises_visits", "premises_property"} <= set(SYNCABLE_TABLES)
    laptop, sqlite_central = Laptop(tmp_path / "laptop.db"), Laptop(tmp_path / "central.db")
    central = new_central(pg_dsn)
    try:
        identity = laptop.services.sync.identity()
        central.trust(identity.device_id, identity.public_key, "laptop")
        sqlite_central.services.sync.trust(identity.device_id, identity.public_key, "laptop")
        premises = laptop.services.premises
        farm = premises.add(PremisesInput("Grange Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer",
                                          contact_phone="01632 960001", schemes=["farm_watch"]))
        premises.add_property(farm.id, PropertyInput("gps_unit", "John Deere", "StarFire", "JD-001", "datatag",
                                                     photos=["photos/jd.jpg"]))
        premises.add_visit(farm.id, VisitInput("2026-10-01", "PC Smith", "Lock the cab"))
        theft = laptop.services.incidents.record(IncidentInput(
            kind="equipment_theft", occurred_start="2026-11-20 03:00", grid_ref="TL 61234 35678",
            items=[StolenItemInput("gps_unit", serial_number="JD 001")], premises_id=farm.id))
        package = tmp_path / "1.rwsync"
        laptop.services.sync.export(package)
        applied = merge(central, package)
        assert applied.status == "applied" and applied.inserted == applied.rows
        sqlite_central.services.sync.import_package(package)
        pg = pg_rows(central.conn)
        assert {t: pg[t] for t in TABLES} == _sqlite_rows(sqlite_central)
        assert [r["premises_id"] for r in pg["incidents"]] == [farm.id]
        point = central.conn.execute("SELECT round(ST_X(geom_bng)), round(ST_Y(geom_bng)) FROM premises").fetchone()
        assert point is not None and abs(point[0] - 561234) <= 2 and abs(point[1] - 235678) <= 2
        view = [r[0] for r in central.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analyst' AND "
            "table_name = 'premises'").fetchall()]
        assert "name" in view and "grid_ref" in view and not {"contact_name", "contact_phone", "contact_email"} & set(
            view)

        # An edit and the serial check on the SQLite central store see what the laptop registered.
        premises.update(farm.id, PremisesInput("Grange Farm", "farm", "TL 61234 35678", contact_name="Jo Farmer",
                                               contact_phone="01632 960001", schemes=["farm_watch", "horse_watch"]))
        package2 = tmp_path / "2.rwsync"
        laptop.services.sync.export(package2)
        assert merge(central, package2).updated >= 1
        sqlite_central.services.sync.import_package(package2)
        assert {t: pg_rows(central.conn)[t] for t in TABLES} == _sqlite_rows(sqlite_central)
        found = sqlite_central.services.premises.check_serial("jd001")
        assert {(m.source, m.incident_id or m.premises_id) for m in found.matches} == {
            ("stolen", theft.id), ("registered", farm.id)}
    finally:
        central.close()
        laptop.store.close()
        sqlite_central.store.close()
