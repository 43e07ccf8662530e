"""`ruralwatch vehicles`: a force's list imported, registrations checked against it and the team's own reports,
lists replaced and withdrawn, and every import and hit in the audit log without the registration in clear."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cli_harness import Cli, open_db

from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.container import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vehicle-lists" / "anpr-hotlist-sample.csv"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # checks are made as of a fixed day, never today's


def test_a_list_is_imported_checked_replaced_and_withdrawn(cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    imported = cli("vehicles", "import", str(FIXTURE), "--source", "ANPR hotlist", "--json")
    assert imported.code == 0, imported.err
    result = imported.json()
    assert (result["rows_read"], result["added"], result["repeated"]) == (8, 4, 1)
    assert result["rejected"] == {"not a registration": 1, "no registration": 1, "expires before it was added": 1}
    assert result["mapping"]["vrm"] == "Reg No" and result["mapping"]["expires_on"] == "Review Date"

    store = open_db(encrypted_db)
    try:
        services = Services.build(store, clock=lambda: NOW)
        hit = services.vehicles.check("KX19-abc")
        assert hit.of_interest and [e.expires_on.isoformat() for e in hit.listed] == ["2027-01-15"]  # the later row
        assert "Do not stop alone" in " ".join(hit.lines())
        assert not services.vehicles.check("A123BCD").of_interest  # its marker expired in June
        # The team's own report of a vehicle counts too, with its age.
        services.incidents.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.95,
                                                lon=0.3, place="Stubble field",
                                                vehicles=[VehicleInput("LN70XYZ", role="suspect")]))
        seen = services.vehicles.check("ln70 xyz")
        assert not seen.listed and len(seen.sightings) == 1 and "4 days ago" in seen.lines()[0]
        assert {v.vrm for v in services.patrols.vehicles_of_interest(NOW)} >= {"KX19 ABC", "AB12 CDE", "LN70 XYZ"}
        audit = [row for row in store.db.execute("SELECT action, changes FROM audit_log WHERE action LIKE "
                                                  "'vehicles_%' ORDER BY seq")]
        assert [a for a, _ in audit] == ["vehicles_import", "vehicles_hit", "vehicles_hit"]
        assert not any("KX19" in changes or "LN70" in changes for _, changes in audit)
        raw = store.db.execute("SELECT vrm FROM watchlist_vehicles").fetchall()
        assert all(value.startswith("rwf1:") for (value,) in raw)  # sealed at rest, as every registration
    finally:
        store.close()

    # The source's next list replaces it: what is no longer on it is withdrawn.
    shorter = tmp_path / "next.csv"
    shorter.write_text("Reg No;Marker\nKX19ABC;Hare coursing\n", encoding="utf-8")
    again = cli("vehicles", "import", str(shorter), "--source", "ANPR hotlist", "--json").json()
    assert (again["added"], again["updated"], again["withdrawn"]) == (0, 1, 3)
    listed = cli("vehicles", "list", "--json").json()
    assert [entry["vrm"] for entry in listed] == ["KX19 ABC"]
    assert cli("vehicles", "withdraw", "--source", "ANPR hotlist").code == 0
    assert cli("vehicles", "list", "--json").json() == []


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Colour,Make\nred,Ford\n", encoding="utf-8")
    refused = cli("vehicles", "import", str(wrong), "--source", "Force")
    assert refused.code == 2 and "no column holds the registrations" in refused.err
    assert refused.err.count("\n") == 1
    mapped = cli("vehicles", "import", str(wrong), "--source", "Force", "--map", "vrm=Colour")
    assert mapped.code == 2 and "no registration could be read" in mapped.err
    assert cli("vehicles", "check", "not-a-reg").code == 2
    assert cli("vehicles", "list", "--json").json() == []
