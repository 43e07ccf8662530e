"""The command line, run in-process through ruralwatch.app.main, plus one real launcher run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli, raw_connection

from ruralwatch import __version__
from ruralwatch.services.demo import DEMO_PREMISES_THEFTS

PROJECT_ROOT = Path(__file__).resolve().parents[2]











def add(cli: Cli, *extra: str) -> str:
    result = cli("incidents", "add", *extra)
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.strip()


def add_fly_tipping(cli: Cli, when: str = "2026-03-01 10:00", **options: str) -> str:
    extra = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return add(cli, "--kind", "fly_tipping", "--when", when, "--lat", "51.9", "--lon", "0.3", *extra)


def snapshot(db_path: Path) -> list[tuple[Any, ...]]:
    conn = raw_connection(db_path)
    try:
        rows: list[tuple[Any, ...]] = []
        for table in ("incidents", "incident_vehicles", "stolen_items", "attachments"):
            rows.extend((table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
        # Signing in is itself recorded in the audit log, so its head moves; everything else must not.
        rows.extend(("meta", *row) for row in conn.execute("SELECT * FROM meta WHERE key != 'audit.head' ORDER BY 1"))
        return rows
    finally:
        conn.close()


def live_count(db_path: Path) -> int:
    conn = raw_connection(db_path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM incidents WHERE deleted = 0").fetchone()[0])
    finally:
        conn.close()


# --- happy paths -------------------------------------------------------------------------------------------


def test_add_with_lat_lon_then_show(cli: Cli) -> None:
    incident_id = add(
        cli, "--kind", "hare_coursing", "--when", "2026-11-20 07:15", "--lat", "51.95", "--lon", "0.35",
        "--place", "Elms Farm", "--people", "4", "--dogs", "2", "--landowner-informed", "yes",
        "--vrm", "ab12 cde", "--vrm", "A123BCD:witness",
    )
    assert re.fullmatch(r"[0-9a-f-]{36}", incident_id)
    shown = cli("incidents", "show", incident_id, "--json")
    assert shown.code == 0
    data = shown.json()
    assert data["id"] == incident_id
    assert data["kind"] == "hare_coursing"
    assert data["occurred_start"] == "2026-11-20T07:15:00Z"
    assert (data["lat"], data["lon"]) == (51.95, 0.35)
    assert data["details"] == {"hc_people": 4, "hc_dogs": 2, "hc_landowner_informed": True}
    assert [(v["vrm"], v["role"]) for v in data["vehicles"]] == [("AB12CDE", "suspect"), ("A123BCD", "witness")]
    text = cli("incidents", "show", incident_id)
    assert text.code == 0 and "Elms Farm" in text.out and incident_id in text.out


def test_add_with_grid_ref(cli: Cli) -> None:
    result = cli("incidents", "add", "--kind", "fuel_theft", "--when", "2026-11-01 02:00",
                 "--grid-ref", "TL 81234 23456", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["kind"] == "fuel_theft"
    assert data["grid_ref"].startswith("TL 8123")
    assert (data["lat"], data["lon"]) == (pytest.approx(51.8802, abs=1e-3), pytest.approx(0.6317, abs=1e-3))


def test_add_equipment_theft_with_subkind(cli: Cli) -> None:
    result = cli("incidents", "add", "--kind", "equipment_theft", "--subkind", "gps_unit", "--when",
                 "2026-11-01 02:00", "--lat", "51.9", "--lon", "0.3", "--json")
    assert result.code == 0, result.err
    assert result.json()["subkind"] == "gps_unit"


def test_list_json_and_filters(cli: Cli, db_path: Path) -> None:
    assert cli("incidents", "list", "--json").json() == []
    march = add_fly_tipping(cli, "2026-03-01 10:00", place="Brook Lane")
    june = add_fly_tipping(cli, "2026-06-15 10:00", status="closed")
    hare = add(cli, "--kind", "hare_coursing", "--when", "2026-10-05 06:30", "--lat", "51.9", "--lon", "0.3",
               "--vrm", "AB12CDE")

    listing = cli("incidents", "list", "--json")
    assert listing.code == 0
    data = listing.json()
    assert isinstance(data, list) and all(isinstance(item, dict) for item in data)
    assert all({"id", "kind"} <= set(item) for item in data)
    assert [item["id"] for item in data] == [hare, june, march]  # newest first

    def listed(*args: str) -> list[str]:
        result = cli("incidents", "list", "--json", *args)
        assert result.code == 0, result.err
        return [item["id"] for item in result.json()]

    assert listed("--kind", "fly_tipping") == [june, march]
    assert listed("--kind", "fly_tipping", "--kind", "hare_coursing") == [hare, june, march]
    assert listed("--status", "closed") == [june]
    assert listed("--from", "2026-06-01") == [hare, june]
    assert listed("--from", "2026-06-01", "--to", "2026-06-30") == [june]
    assert listed("--to", "2026-03-01") == [march]
    assert listed("--text", "brook") == [march]
    assert listed("--text", "ab12 cde") == [hare]
    assert listed("--limit", "2") == [hare, june]

    plain = cli("incidents", "list")
    assert plain.code == 0
    assert [line.split()[-1] for line in plain.out.splitlines()] == [hare, june, march]


def test_update(cli: Cli) -> None:
    incident_id = add_fly_tipping(cli, place="Brook Lane")
    add_vrm = cli("incidents", "update", incident_id, "--vrm", "AB12CDE", "--vrm", "A123BCD")
    assert add_vrm.code == 0 and incident_id in add_vrm.out
    result = cli("incidents", "update", incident_id, "--status", "closed", "--description", "Cleared by council",
                 "--remove-vrm", "ab12 cde", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["status"] == "closed"
    assert data["description"] == "Cleared by council"
    assert data["place"] == "Brook Lane"  # untouched fields stay
    assert [v["vrm"] for v in data["vehicles"]] == ["A123BCD"]
    moved = cli("incidents", "update", incident_id, "--grid-ref", "TQ 30269 79640", "--json").json()
    assert moved["lat"] == pytest.approx(51.5007, abs=1e-3)


def test_update_kind_drops_details_of_the_old_kind(cli: Cli) -> None:
    incident_id = add(cli, "--kind", "hare_coursing", "--when", "2026-10-05 06:30", "--lat", "51.9", "--lon",
                      "0.3", "--dogs", "3")
    data = cli("incidents", "update", incident_id, "--kind", "poaching_wildlife", "--json").json()
    assert data["kind"] == "poaching_wildlife"
    assert data["details"] == {}


def test_delete(cli: Cli, db_path: Path) -> None:
    kept = add_fly_tipping(cli)
    gone = add_fly_tipping(cli)
    result = cli("incidents", "delete", gone)
    assert result.code == 0 and gone in result.out
    assert [item["id"] for item in cli("incidents", "list", "--json").json()] == [kept]
    shown = cli("incidents", "show", gone)
    assert shown.code == 2 and "deleted" in shown.err
    conn = raw_connection(db_path)
    try:
        assert conn.execute("SELECT deleted FROM incidents WHERE id = ?", [gone]).fetchone() == (1,)
    finally:
        conn.close()


def test_demo_command_is_idempotent(cli: Cli, db_path: Path) -> None:
    first = cli("demo", "--incidents", "30", "--seed", "5")
    # The count said is the table's: the demo premises' two thefts too (it said 30 while the table showed 32).
    assert first.code == 0 and re.search(r"\b32 incidents added \(32 in ", first.out), first.out
    # What it is doing, on stderr, in the words of the window's progress dialog.
    assert "  Adding the demo people…\n" in first.err and "  Adding the demo premises…\n" in first.err, first.err
    second = cli("demo", "--incidents", "30", "--seed", "5")
    assert second.code == 0 and "0 incidents added" in second.out
    assert live_count(db_path) == 30 + len(DEMO_PREMISES_THEFTS)  # and the demo premises' thefts


def test_version(cli: Cli) -> None:
    result = cli("--version", db=None)
    assert result.code == 0
    assert result.out.strip() == f"RuralWatch {__version__}"


def test_database_from_environment_variable(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_db = tmp_path / "from-env" / "rw.db"
    monkeypatch.setenv("RURALWATCH_DB", str(env_db))
    assert cli("init", "--admin", "admin", db=None).code == 0
    result = cli("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "51.9",
                 "--lon", "0.3", db=None)
    assert result.code == 0, result.err
    assert env_db.is_file()
    assert live_count(env_db) == 1
    assert [i["id"] for i in cli("incidents", "list", "--json", db=None).json()] == [result.out.strip()]


def test_db_option_wins_over_the_environment(
    cli: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "env.db"
    monkeypatch.setenv("RURALWATCH_DB", str(env_db))
    add_fly_tipping(cli)
    assert live_count(db_path) == 1
    assert not env_db.exists()


# --- errors ------------------------------------------------------------------------------------------------

FUTURE = "2099-01-01 10:00"
LOC = ("--lat", "51.9", "--lon", "0.3")

ERROR_CASES = {
    "bad kind": ("incidents", "add", "--kind", "alien_abduction", "--when", "2026-03-01 10:00", *LOC),
    "bad grid ref": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00",
                     "--grid-ref", "TL 812 2345"),
    "letter I grid ref": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00",
                          "--grid-ref", "IA 1234 5678"),
    "future time": ("incidents", "add", "--kind", "fly_tipping", "--when", FUTURE, *LOC),
    "bad time": ("incidents", "add", "--kind", "fly_tipping", "--when", "yesterday", *LOC),
    "outside GB": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00",
                   "--lat", "48.85", "--lon", "2.35"),
    "lat without lon": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "51.9"),
    "caravans on fly_tipping": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                                "--caravans", "3"),
    "grid ref and lat": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                         "--grid-ref", "TL 81234 23456"),
    "bad vrm": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--vrm", "XX"),
    "bad vrm role": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                     "--vrm", "AB12CDE:driver"),
    "bad dogs": ("incidents", "add", "--kind", "hare_coursing", "--when", "2026-03-01 10:00", *LOC, "--dogs", "x"),
    "unknown id show": ("incidents", "show", "00000000-0000-0000-0000-000000000000"),
    "unknown id update": ("incidents", "update", "00000000-0000-0000-0000-000000000000", "--status", "closed"),
    "unknown id delete": ("incidents", "delete", "00000000-0000-0000-0000-000000000000"),
    "future update": ("incidents", "update", "EXISTING", "--when", FUTURE),
    "caravans update": ("incidents", "update", "EXISTING", "--caravans", "3"),
    "unknown vehicle key": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                            "--vehicle", "vrm=AB12CDE,wheels=4"),
    "vehicle without vrm": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                            "--vehicle", "make=Ford,model=Ranger"),
    "vehicle not key=value": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                              "--vehicle", "AB12CDE"),
    "bad vehicle role": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                         "--vehicle", "vrm=AB12CDE,role=driver"),
    "item without category": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                              "--item", "make=Stihl"),
    "unknown item key": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                         "--item", "category=tools,colour=red"),
    "bad item category": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                          "--item", "category=boat"),
    "bad item marking": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                         "--item", "category=tools,marking=paint"),
    "bad item value": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                       "--item", "category=tools,value=lots"),
    "bad item recovered": ("incidents", "add", "--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC,
                           "--item", "category=tools,recovered=maybe"),
    "item on fly_tipping": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                            "--item", "category=tools"),
    "missing attachment": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                           "--attach", "/no/such/photo.jpg"),
    "same vrm twice": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                       "--vrm", "AB12CDE", "--vehicle", "vrm=ab12 cde,make=Ford"),
    "remove a vrm not on the incident": ("incidents", "update", "EXISTING", "--remove-vrm", "AB12CDE"),
    "attachment update": ("incidents", "update", "EXISTING", "--attach", "/no/such/photo.jpg"),
    "negative limit": ("incidents", "list", "--limit", "-5"),
    "zero limit": ("incidents", "list", "--limit", "0"),
    "negative demo size": ("demo", "--incidents", "-3"),
    "demo size not a number": ("demo", "--incidents", "lots"),
    "demo remove with a seed": ("demo", "--remove", "--seed", "3"),
}

ARGPARSE_CASES = {"bad kind"}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_one_line_exit_2_and_change_nothing(cli: Cli, db_path: Path, case: str) -> None:
    existing = add_fly_tipping(cli, place="Brook Lane")
    before = snapshot(db_path)
    argv = [existing if arg == "EXISTING" else arg for arg in ERROR_CASES[case]]

    result = cli(*argv)

    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    if case in ARGPARSE_CASES:
        assert re.match(r"ruralwatch( [a-z-]+)*: error: ", lines[0]), lines[0]
    else:
        assert lines[0].startswith("ruralwatch: error: "), lines[0]
    assert snapshot(db_path) == before
    assert live_count(db_path) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("incidents", "add", "--kind", "alien_abduction", "--when", "2026-03-01 10:00", *LOC),
        ("incidents", "list", "--from", "2026-13-01"),
    ],
)
def test_usage_errors_use_the_same_prefix_as_other_errors(cli: Cli, argv: tuple[str, ...]) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert result.err.startswith("ruralwatch: error: ")


def test_messages_name_the_problem(cli: Cli) -> None:
    assert "--grid-ref: " in cli(*ERROR_CASES["bad grid ref"]).err  # the option typed, not the field name
    assert "future" in cli(*ERROR_CASES["future time"]).err
    assert "--caravans does not apply to Fly-tipping" in cli(*ERROR_CASES["caravans on fly_tipping"]).err
    assert "not both" in cli(*ERROR_CASES["grid ref and lat"]).err
    assert "no incident with id" in cli(*ERROR_CASES["unknown id show"]).err


def test_a_file_that_is_not_a_database_is_an_error_not_a_traceback(cli: Cli, tmp_path: Path) -> None:
    not_db = tmp_path / "notes.txt"
    not_db.write_text("shopping list\n" * 20)
    result = cli("incidents", "list", db=not_db)
    assert result.code == 2
    assert result.err.startswith("ruralwatch: error: ") and len(result.err.splitlines()) == 1
    assert not_db.read_text() == "shopping list\n" * 20


# --- demo removal ----------------------------------------------------------------------------------------


def test_demo_remove_keeps_own_incidents_and_a_reload_brings_the_same_ones_back(cli: Cli, db_path: Path) -> None:
    mine = add_fly_tipping(cli, place="Brook Lane")
    assert cli("demo", "--incidents", "30", "--seed", "5").code == 0
    demo_ids = {i["id"] for i in cli("incidents", "list", "--json").json()} - {mine}
    assert len(demo_ids) == 30 + len(DEMO_PREMISES_THEFTS)  # and the demo premises' thefts

    removed = cli("demo", "--remove")
    assert removed.code == 0, removed.err
    assert "32 incidents removed" in removed.out and "6 demo premises removed" in removed.out
    assert [i["id"] for i in cli("incidents", "list", "--json").json()] == [mine]

    again = cli("demo", "--incidents", "30", "--seed", "5")
    assert again.code == 0 and re.search(r"\b32 incidents added", again.out)  # as many as were removed
    assert {i["id"] for i in cli("incidents", "list", "--json").json()} == demo_ids | {mine}
    assert re.search(r"\b32 incidents removed", cli("demo", "--remove").out)
    assert re.search(r"\b0 incidents removed", cli("demo", "--remove").out)
    assert live_count(db_path) == 1


# --- show, list and JSON -----------------------------------------------------------------------------------


def full_equipment_theft(cli: Cli, tmp_path: Path) -> str:
    photo = tmp_path / "cab.jpg"
    photo.write_bytes(b"\xff\xd8" + b"x" * 2498)
    reporter = tmp_path / "reporter.txt"
    reporter.write_text("Jo Farmer\n01632 960123\n", encoding="utf-8")
    reporter.chmod(0o600)
    return add(
        cli, "--kind", "equipment_theft", "--subkind", "gps_unit", "--when", "2026-07-20 02:15",
        "--end", "2026-07-20 05:00", "--reported", "2026-07-20 07:40", "--grid-ref", "TL 61234 32456",
        "--place", "Brook Farm", "--description", "Receiver taken from tractor cab.\nCab window smashed.",
        "--status", "under_investigation", "--crime-ref", "42/123456/26", "--reporter-file", str(reporter),
        "--vehicle", "vrm=AB12CDE,role=suspect,make=Ford,model=Ranger,colour=White", "--vrm", "A123BCD:witness",
        "--item", "category=gps_unit,make=John Deere,model=StarFire 6000,serial=PCGT6TA123456,marking=cesar,"
                  "value=8000,recovered=no",
        "--item", "category=tools,description=Chainsaw, orange,value=£1,250.50,recovered=yes",
        "--attach", str(photo),
    )


def test_show_is_a_readable_report(cli: Cli, tmp_path: Path) -> None:
    incident_id = full_equipment_theft(cli, tmp_path)
    result = cli("incidents", "show", incident_id)
    assert result.code == 0, result.err
    out = result.out
    lines = out.splitlines()
    assert lines[0] == "Equipment theft (GPS unit)"
    assert "Under investigation" in out and "under_investigation" not in out
    # UK local time (BST in July), not the stored UTC text.
    assert "2026-07-20 02:15 to 2026-07-20 05:00" in out
    assert "2026-07-20 07:40" in out
    assert "T01:15" not in out and "Z" not in out.replace("Zone", "")
    assert "TL 61234 32456" in out  # ten-figure grid reference
    assert re.search(r"Lat/lon\s+51\.\d{6}, 0\.\d{6}", out)
    assert "Brook Farm" in out and "42/123456/26" in out and "Jo Farmer, 01632 960123" in out
    assert "Receiver taken from tractor cab." in out and "Cab window smashed." in out
    assert re.search(r"AB12 CDE\s+Suspect\s+White Ford Ranger", out)
    assert re.search(r"A123 BCD\s+Witness", out)
    assert "GPS unit: John Deere StarFire 6000" in out
    assert "serial PCGT6TA123456, marking CESAR, value £8,000, recovered no" in out
    assert "Chainsaw, orange" in out and "value £1,250.50, recovered yes" in out
    assert "cab.jpg (2.5 kB)" in out
    assert "DEMO DATA" not in out
    assert re.search(r"Created\s+\d{4}-\d\d-\d\d \d\d:\d\d$", out, re.MULTILINE)
    for python_repr in ("{", "[", "None", "True", "False", "'"):
        assert python_repr not in out, python_repr


def test_show_report_of_kind_details_uses_their_labels(cli: Cli) -> None:
    hare = add(cli, "--kind", "hare_coursing", "--when", "2026-01-10 07:15", *LOC, "--people", "4", "--dogs", "2",
               "--landowner-informed", "no")
    out = cli("incidents", "show", hare).out
    assert re.search(r"People involved\s+4\n", out) and re.search(r"Dogs\s+2\n", out)
    assert re.search(r"Landowner informed\s+No\n", out)
    assert "2026-01-10 07:15" in out  # GMT in January: local equals UTC
    camp = add(cli, "--kind", "unlawful_encampment", "--when", "2026-06-10 18:00", *LOC, "--caravans", "6",
               "--land-type", "council", "--notice", "s61", "--date-left", "2026-06-14")
    out = cli("incidents", "show", camp).out
    assert re.search(r"Land type\s+Council land\n", out)
    assert re.search(r"Notice served\s+s61 CJPOA 1994\n", out)
    assert re.search(r"Date left\s+2026-06-14\n", out)


def test_show_marks_demo_data(cli: Cli) -> None:
    cli("demo", "--incidents", "3", "--seed", "5")
    incident_id = cli("incidents", "list", "--json").json()[0]["id"]
    assert "DEMO DATA: synthetic, not a real report" in cli("incidents", "show", incident_id).out


def test_list_shows_status_names(cli: Cli) -> None:
    add_fly_tipping(cli, status="under_investigation")
    add_fly_tipping(cli, status="no_further_action")
    out = cli("incidents", "list").out
    assert "Under investigation" in out and "No further action" in out
    assert "under_investigation" not in out and "no_further_action" not in out


def test_an_empty_list_says_so_on_stderr(cli: Cli) -> None:
    empty = cli("incidents", "list")
    assert (empty.code, empty.out, empty.err) == (0, "", "no incidents match\n")
    add_fly_tipping(cli)
    filtered = cli("incidents", "list", "--kind", "hare_coursing")
    assert (filtered.code, filtered.out, filtered.err) == (0, "", "no incidents match\n")
    as_json = cli("incidents", "list", "--json", "--kind", "hare_coursing")
    assert (as_json.code, as_json.json(), as_json.err) == (0, [], "")


def test_json_flags_are_booleans(cli: Cli, tmp_path: Path) -> None:
    incident_id = full_equipment_theft(cli, tmp_path)
    for data in (cli("incidents", "show", incident_id, "--json").json(), cli("incidents", "list", "--json").json()[0]):
        assert [item["recovered"] for item in data["items"]] == [False, True]
        assert data["synthetic"] is False and data["deleted"] is False


# --- vehicles, stolen items and attachments ---------------------------------------------------------------


def test_add_records_vehicles_items_and_attachments(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    incident_id = full_equipment_theft(cli, tmp_path)
    data = cli("incidents", "show", incident_id, "--json").json()
    assert [(v["vrm"], v["role"], v["make"], v["model"], v["colour"]) for v in data["vehicles"]] == [
        ("A123BCD", "witness", "", "", ""), ("AB12CDE", "suspect", "Ford", "Ranger", "White"),
    ]
    gps, saw = data["items"]
    assert (gps["category"], gps["make"], gps["model"], gps["serial_number"], gps["marking"], gps["value_pence"]) == (
        "gps_unit", "John Deere", "StarFire 6000", "PCGT6TA123456", "cesar", 800000,
    )
    assert (saw["category"], saw["description"], saw["value_pence"], saw["marking"]) == (
        "tools", "Chainsaw, orange", 125050, "none",
    )
    assert [(a["filename"], a["size"], a["media_type"]) for a in data["attachments"]] == [
        ("cab.jpg", 2500, "image/jpeg"),
    ]
    conn = raw_connection(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM blobs").fetchone() == (1,)
    finally:
        conn.close()


def test_a_rejected_incident_stores_none_of_its_files(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"photo")
    result = cli("incidents", "add", "--kind", "fly_tipping", "--when", FUTURE, *LOC, "--attach", str(photo))
    assert result.code == 2 and "--when: " in result.err
    assert snapshot(db_path) == [row for row in snapshot(db_path) if row[0] == "meta"]
    conn = raw_connection(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM blobs").fetchone() == (0,)
    finally:
        conn.close()


def test_update_adds_vehicles_items_and_attachments(cli: Cli, tmp_path: Path) -> None:
    incident_id = add(cli, "--kind", "equipment_theft", "--when", "2026-03-01 02:00", *LOC, "--vrm", "AB12CDE")
    note = tmp_path / "statement.txt"
    note.write_text("Statement")
    result = cli("incidents", "update", incident_id, "--vehicle", "vrm=A123BCD,role=victim,make=Toyota",
                 "--item", "category=quad_atv,make=Honda,model=TRX420", "--attach", str(note))
    assert result.code == 0, result.err
    assert result.out.strip() == f"updated {incident_id}"
    data = cli("incidents", "show", incident_id, "--json").json()
    assert [(v["vrm"], v["role"], v["make"]) for v in data["vehicles"]] == [
        ("AB12CDE", "suspect", ""), ("A123BCD", "victim", "Toyota"),
    ]
    assert [(i["category"], i["make"], i["model"]) for i in data["items"]] == [("quad_atv", "Honda", "TRX420")]
    assert [a["filename"] for a in data["attachments"]] == ["statement.txt"]
    # Changing a vehicle's details: take it off and give it again.
    changed = cli("incidents", "update", incident_id, "--remove-vrm", "AB12 CDE",
                  "--vehicle", "vrm=AB12CDE,make=Ford,colour=White", "--json").json()
    assert [(v["vrm"], v["make"], v["colour"]) for v in changed["vehicles"]] == [
        ("A123BCD", "Toyota", ""), ("AB12CDE", "Ford", "White"),
    ]


def test_an_update_that_changes_nothing_says_so(cli: Cli, db_path: Path) -> None:
    incident_id = add_fly_tipping(cli, place="Brook Lane", status="closed")
    before = snapshot(db_path)
    for argv in ((), ("--place", "Brook Lane"), ("--status", "closed", "--lat", "51.9", "--lon", "0.3")):
        result = cli("incidents", "update", incident_id, *argv)
        assert result.code == 0, result.err
        assert result.out.strip() == f"no change to {incident_id}"
    assert snapshot(db_path) == before
    assert cli("incidents", "update", incident_id, "--place", "Brook End").out.strip() == f"updated {incident_id}"


def test_the_same_vehicle_twice_is_refused_but_another_role_is_not(cli: Cli) -> None:
    incident_id = add_fly_tipping(cli)
    assert cli("incidents", "update", incident_id, "--vrm", "AB12CDE").code == 0
    again = cli("incidents", "update", incident_id, "--vrm", "ab12 cde")
    assert again.code == 2
    assert again.err == "ruralwatch: error: --vrm 1: AB12 CDE is listed twice\n"
    assert cli("incidents", "update", incident_id, "--vrm", "AB12CDE:victim").code == 0


# --- messages name the options -----------------------------------------------------------------------------

MESSAGE_CASES = [
    (("--kind", "fly_tipping", "--when", FUTURE, *LOC), "--when: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--end", "2026-03-01 09:00", *LOC), "--end: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--reported", "2026-02-01 09:00", *LOC),
     "--reported: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--crime-ref", "x" * 41), "--crime-ref: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "north", "--lon", "0.3"), "--lat: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "48.85", "--lon", "2.35"), "--lat/--lon: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00"), "--lat/--lon or --grid-ref: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--grid-ref", "IA 1234 5678"), "--grid-ref: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--vrm", "AB12CDE", "--vrm", "XX"), "--vrm 2: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--vehicle", "vrm=A123BCD",
      "--vehicle", "vrm=XX"), "--vehicle 2: "),
    (("--kind", "equipment_theft", "--when", "2026-03-01 10:00", *LOC, "--item", "category=tools",
      "--item", "category=tools,value=lots"), "--item 2: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--item", "category=tools"), "--item: "),
    (("--kind", "hare_coursing", "--when", "2026-03-01 10:00", *LOC, "--people", "900"), "--people: "),
    (("--kind", "hare_coursing", "--when", "2026-03-01 10:00", *LOC, "--landowner-informed", "perhaps"),
     "--landowner-informed: "),
    (("--kind", "unlawful_encampment", "--when", "2026-03-01 10:00", *LOC, "--land-type", "moon"), "--land-type: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--reporter-phone", "call me"),
     "--reporter-phone: "),
    (("--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC, "--attach", "/no/such/file.jpg"), "--attach: "),
]
INTERNAL_NAMES = ("occurred_", "reported_at", "crime_reference", "vehicles[", "items[", "hc_", "enc_", "grid_ref",
                  "reporter_phone")


@pytest.mark.parametrize(("argv", "option"), MESSAGE_CASES, ids=[option for _, option in MESSAGE_CASES])
def test_validation_messages_name_the_option_typed(cli: Cli, argv: tuple[str, ...], option: str) -> None:
    result = cli("incidents", "add", *argv)
    assert result.code == 2
    assert result.err.startswith(f"ruralwatch: error: {option}"), result.err
    for name in INTERNAL_NAMES:
        assert name not in result.err, result.err
    assert not re.search(r"(error: |; )(location|attachments|items):", result.err), result.err


def test_update_messages_name_the_option_too(cli: Cli) -> None:
    incident_id = add(cli, "--kind", "hare_coursing", "--when", "2026-03-01 10:00", *LOC, "--vrm", "AB12CDE")
    assert cli("incidents", "update", incident_id, "--dogs", "x").err.startswith("ruralwatch: error: --dogs: ")
    assert cli("incidents", "update", incident_id, "--end", "2026-02-01 10:00").err.startswith(
        "ruralwatch: error: --end: ")
    missing = cli("incidents", "update", incident_id, "--remove-vrm", "A123BCD")
    assert missing.err == (
        "ruralwatch: error: --remove-vrm: 'A123BCD' is not on this incident (its vehicles: AB12 CDE)\n"
    )


def test_key_value_mistakes_are_explained(cli: Cli) -> None:
    def error(case: str) -> str:
        return cli(*ERROR_CASES[case]).err

    assert "--vehicle 1: unknown key 'wheels' (keys: vrm, role, make, model, colour)" in error("unknown vehicle key")
    assert "--vehicle 1: vrm= is required" in error("vehicle without vrm")
    assert "--item 1: category= is required" in error("item without category")
    assert "--item 1: 'boat' is not an equipment category (one of: plant_machinery, gps_unit" in error(
        "bad item category")
    assert "--item 1: recovered= must be yes or no" in error("bad item recovered")
    assert "must be 1 or more" in error("negative limit")
    assert "must be 1 or more" in error("negative demo size")


# --- help -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["add", "update"])
def test_help_lists_the_allowed_values_from_the_catalogues(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    from ruralwatch.core.kinds import ALL_DETAIL_FIELDS, EQUIPMENT_CATEGORIES, KINDS, PROPERTY_MARKINGS, FieldType

    monkeypatch.setenv("COLUMNS", "400")
    result = cli("incidents", action, "--help", db=None)
    assert result.code == 0
    help_lines: dict[str, str] = {}  # option -> its whole entry (argparse may start the text on the next line)
    option = ""
    for line in result.out.splitlines():
        if line.startswith("  -"):
            option = line.split()[0]
            help_lines[option] = line
        elif line.startswith("   ") and option:
            help_lines[option] += " " + line.strip()
    for key, _ in (choice for kind in KINDS for choice in kind.subkinds):
        assert key in help_lines["--subkind"]
    for spec in ALL_DETAIL_FIELDS:
        line = help_lines[spec.cli_option]
        if spec.type is FieldType.CHOICE:
            assert all(f"{key} ({name})" in line for key, name in spec.choices), line
        if spec.type is FieldType.BOOLEAN:
            assert "yes or no" in line
    for key, _ in (*EQUIPMENT_CATEGORIES, *PROPERTY_MARKINGS):
        assert key in help_lines["--item"]
    assert "latitude" in help_lines["--lat"] and "longitude" in help_lines["--lon"]
    assert "--vehicle" in help_lines and "--attach" in help_lines


# --- the launcher ------------------------------------------------------------------------------------------


def test_main_py_launcher_runs_headless(tmp_path: Path) -> None:
    db = tmp_path / "launcher.db"
    password = tmp_path / "pw.txt"
    password.write_text("a launcher test password\n")
    password.chmod(0o600)  # owner only, or the sign-in warns on stderr
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "RURALWATCH_PASSPHRASE_FILE": str(password)}
    created = subprocess.run(
        [sys.executable, "main.py", "--db", str(db), "init", "--admin", "admin"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert created.returncode == 0, created.stderr
    completed = subprocess.run(
        [sys.executable, "main.py", "--db", str(db), "incidents", "list", "--json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
    assert completed.stderr == ""
    assert db.is_file()


def test_a_phone_number_on_the_command_line_works_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    """It would stay in the shell history and show in the process list: --reporter-file keeps it off."""
    typed = cli("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", *LOC,
                "--reporter-name", "Jo Farmer", "--reporter-phone", "01632 960123")
    assert typed.code == 0 and typed.err.count("\n") == 1 and "warning: --reporter-phone" in typed.err
    assert "--reporter-file" in typed.err
    shown = cli("incidents", "show", typed.out.strip(), "--json").json()
    assert (shown["reporter_name"], shown["reporter_phone"]) == ("Jo Farmer", "01632 960123")
    reporter = tmp_path / "reporter.txt"
    reporter.write_text("Ann Other\n07700 900999\n", encoding="utf-8")
    reporter.chmod(0o600)
    updated = cli("incidents", "update", typed.out.strip(), "--reporter-file", str(reporter), "--json")
    assert updated.code == 0 and updated.err == ""
    assert (updated.json()["reporter_name"], updated.json()["reporter_phone"]) == ("Ann Other", "07700 900999")
    both = cli("incidents", "update", typed.out.strip(), "--reporter-file", str(reporter), "--reporter-name", "X")
    assert both.code == 2 and "not both" in both.err
    assert "--reporter-file" in cli("incidents", "add", "--help").out


def test_grid_ref_converts_both_ways_without_a_database(tmp_path: Path) -> None:
    """`grid-ref` needs no database (none is made) and answers in the keys the issue names."""
    import json
    import subprocess
    import sys

    def grid_ref(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ruralwatch", "--db", str(tmp_path / "none.db"), "grid-ref",
                               *args], capture_output=True, text=True, timeout=120)

    there = grid_ref("--json", "TL 81234 23456")
    assert there.returncode == 0, there.stderr
    point = json.loads(there.stdout)
    assert set(point) == {"grid_ref", "easting", "northing", "lat", "lon"}
    back = json.loads(grid_ref("--json", f"{point['lat']}, {point['lon']}").stdout)
    assert back["grid_ref"] == "TL 81234 23456"
    refused = grid_ref("XX 12")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("argv", [("incidents", "add"), ("patrol", "create"), ("premises", "add"), ("grid-ref",)])
def test_grid_reference_help_gives_no_essex_square(cli, argv) -> None:
    """Help said 'e.g. TL 81234 23456' (Essex) to every force: it cannot know the force, so the wording is neutral
    and the example says it is one."""
    result = cli(*argv, "--help", db=None)
    assert result.code == 0, result.err
    text = " ".join(result.out.split())
    assert "TL " not in text
    assert "two letters" in text and "for example" in text
