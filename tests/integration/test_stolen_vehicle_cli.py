"""A stolen quad bike's own registration: given with `incidents add --item ... vrm=`, sealed at rest like every
registration, found by `incidents list --text` and by a stop-check (`vehicles check`) as "reported stolen". A walk put
it under Vehicles as "Victim", where it read as the victim's own car."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cli_harness import Cli, open_db

from ruralwatch.services.container import Services

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the check is made as of a fixed day, never today's
QUAD = ("incidents", "add", "--kind", "equipment_theft", "--subkind", "quad_atv", "--when", "2026-11-20 07:00",
        "--grid-ref", "TL 61234 32456", "--place", "Brook Farm")


def test_a_stolen_quad_bikes_registration_is_stored_sealed_and_matched(cli: Cli, encrypted_db: Path) -> None:
    added = cli(*QUAD, "--item", "category=quad_atv,make=Honda,model=TRX450,serial=1HFTE40A123456,vrm=ab12 cde",
                "--json")
    assert added.code == 0, added.err
    item = added.json()["items"][0]
    assert (item["vrm"], item["serial_number"]) == ("AB12CDE", "1HFTE40A123456")
    shown = cli("incidents", "show", added.json()["id"])
    assert "registration AB12 CDE" in shown.out
    found = cli("incidents", "list", "--text", "AB12 CDE", "--json")
    assert found.code == 0 and [i["id"] for i in found.json()] == [added.json()["id"]]

    store = open_db(encrypted_db)
    try:
        raw = store.db.execute("SELECT vrm FROM stolen_items").fetchall()
        assert all(value.startswith("rwf1:") for (value,) in raw)  # sealed at rest, as every registration
        services = Services.build(store, clock=lambda: NOW)
        hit = services.vehicles.check("AB12CDE")
        assert hit.of_interest and "reported stolen on a equipment theft report 4 days ago" in hit.lines()[0]
        assert "Quad bike / ATV Honda TRX450" in hit.lines()[0]
        assert "AB12 CDE" in {v.vrm for v in services.patrols.vehicles_of_interest(NOW)}
    finally:
        store.close()


def test_a_bad_registration_on_an_item_is_refused_naming_the_item_and_nothing_is_stored(cli: Cli) -> None:
    refused = cli(*QUAD, "--item", "category=quad_atv,serial=X1,vrm=NOT A PLATE 999")
    assert refused.code == 2 and "--item 1" in refused.err and "is not a UK registration" in refused.err
    assert cli("incidents", "list", "--json").json() == []
