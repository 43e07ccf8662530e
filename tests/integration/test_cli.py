"""The command line, run in-process through ruralwatch.app.main, plus one real launcher run."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ruralwatch import __version__
from ruralwatch.app import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the real user data folder, whatever a test forgets to pass."""
    monkeypatch.delenv("RURALWATCH_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


DEFAULT_DB = "default"


class Cli:
    """Runs `ruralwatch ...` in-process and captures its exit code and output."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
        self.capsys = capsys
        self.db_path = db_path

    def __call__(self, *argv: str, db: Path | str | None = DEFAULT_DB) -> Result:
        database = self.db_path if db == DEFAULT_DB else db
        args = [*(["--db", str(database)] if database is not None else []), *argv]
        try:
            code = main(args)
        except SystemExit as exc:  # argparse exits for usage mistakes and --version
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = self.capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path) -> Cli:
    return Cli(capsys, db_path)


def add(cli: Cli, *extra: str) -> str:
    result = cli("incidents", "add", *extra)
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.strip()


def add_fly_tipping(cli: Cli, when: str = "2026-03-01 10:00", **options: str) -> str:
    extra = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return add(cli, "--kind", "fly_tipping", "--when", when, "--lat", "51.9", "--lon", "0.3", *extra)


def snapshot(db_path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        rows: list[tuple[Any, ...]] = []
        for table in ("incidents", "incident_vehicles", "stolen_items", "attachments", "meta"):
            rows.extend((table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
        return rows
    finally:
        conn.close()


def live_count(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
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
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT deleted FROM incidents WHERE id = ?", [gone]).fetchone() == (1,)
    finally:
        conn.close()


def test_demo_command_is_idempotent(cli: Cli, db_path: Path) -> None:
    first = cli("demo", "--incidents", "30", "--seed", "5")
    assert first.code == 0 and "30 incidents added" in first.out
    second = cli("demo", "--incidents", "30", "--seed", "5")
    assert second.code == 0 and "0 incidents added" in second.out
    assert live_count(db_path) == 30


def test_version(cli: Cli) -> None:
    result = cli("--version", db=None)
    assert result.code == 0
    assert result.out.strip() == f"RuralWatch {__version__}"


def test_database_from_environment_variable(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_db = tmp_path / "from-env" / "rw.db"
    monkeypatch.setenv("RURALWATCH_DB", str(env_db))
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
    assert "grid_ref" in cli(*ERROR_CASES["bad grid ref"]).err
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


# --- the launcher ------------------------------------------------------------------------------------------


def test_main_py_launcher_runs_headless(tmp_path: Path) -> None:
    db = tmp_path / "launcher.db"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    completed = subprocess.run(
        [sys.executable, "main.py", "--db", str(db), "incidents", "list", "--json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
    assert completed.stderr == ""
    assert db.is_file()
