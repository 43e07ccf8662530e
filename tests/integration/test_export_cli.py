"""`ruralwatch export`, in-process through ruralwatch.app.main."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from cli_harness import Cli, open_db

from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.services.incidents import IncidentService


@pytest.fixture
def cli_run(cli: Cli) -> Cli:
    """The shared in-process `ruralwatch --db DB ...` runner (tests/integration/cli_harness.py)."""
    return cli


@pytest.fixture
def ids(db_path: Path) -> dict[str, str]:
    store = open_db(db_path)
    try:
        service = IncidentService(store)
        hare = service.record(IncidentInput(
            kind="hare_coursing", occurred_start="2026-01-10 07:15", lat=51.95, lon=0.35, place="Top Field",
            reporter_name="Jane Farmer", reporter_phone="01632 960123", details={"hc_dogs": 2},
            vehicles=[VehicleInput(vrm="AB12CDE")],
        ))
        theft = service.record(IncidentInput(
            kind="equipment_theft", subkind="quad_atv", occurred_start="2026-02-03 22:00", lat=51.8, lon=0.6,
            items=[StolenItemInput(category="quad_atv", make="Honda", value_gbp="4500", serial_number="q1")],
        ))
        gone = service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-02-04 09:00", lat=51.9,
                                            lon=0.3))
        service.delete(gone.id)
    finally:
        store.close()
    return {"hare": hare.id, "theft": theft.id, "gone": gone.id}


def test_csv_export(cli_run: Cli, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    result = cli_run("export", "--format", "csv", "--out", str(out))
    assert (result.code, result.err) == (0, "")
    assert result.out == f"exported 2 incidents to {out} (CSV)\n"
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [ids["hare"], ids["theft"]]
    assert rows[0]["occurred_start_local"] == "2026-01-10 07:15"
    assert rows[0]["vrms"] == "AB12 CDE"
    assert "reporter_name" not in rows[0]


def test_geojson_export_with_filters(cli_run: Cli, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.geojson"
    result = cli_run("export", "--out", str(out), "--from", "2026-02-01", "--to", "2026-02-28",
                     "--kind", "equipment_theft", "--kind", "fly_tipping")
    assert result.code == 0, result.err
    assert result.out == f"exported 1 incident to {out} (GeoJSON)\n"
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in collection["features"]] == [ids["theft"]]
    assert collection["features"][0]["geometry"]["coordinates"] == [0.6, 51.8]
    assert collection["filters"] == {"what": "incidents", "from": "2026-02-01", "to": "2026-02-28",
                                     "kinds": ["equipment_theft", "fly_tipping"], "personal_data": False}


def test_xlsx_export_with_personal_data(cli_run: Cli, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "incidents.xlsx"
    result = cli_run("export", "--format", "xlsx", "--out", str(out), "--include-personal")
    assert result.code == 0, result.err
    assert result.out == (
        f"exported 2 incidents, 1 vehicle, 1 stolen item to {out} (XLSX, personal data included)\n"
    )
    sheets = pd.read_excel(out, sheet_name=None)
    incidents = sheets["Incidents"].set_index("id")
    assert incidents.loc[ids["hare"], "reporter_name"] == "Jane Farmer"
    assert incidents.loc[ids["hare"], "Hare coursing: Dogs"] == 2
    assert sheets["Vehicles"]["vrm"].tolist() == ["AB12 CDE"]
    assert sheets["Stolen items"]["serial"].tolist() == ["Q1"]
    assert sheets["Stolen items"]["value_gbp"].tolist() == [4500]


def test_help_explains_personal_data_and_what_is_exported(cli_run: Cli) -> None:
    result = cli_run("export", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "--include-personal" in text and "left out by default" in text
    assert "not exported yet" not in text
    for what in ("incidents", "patrols", "patrol-stops", "patrol-events", "duties", "hours", "all"):
        assert what in text
    for fmt in ("csv", "geojson", "xlsx"):
        assert fmt in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-02-30"], "error: --from: '2026-02-30' is not a date (use YYYY-MM-DD)"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "error: --to: 2026-02-01 is before the first day, 2026-03-01"),
        (["--kind", "hare"], "error: --kind: 'hare' is not an incident kind"),
        (["--format", "pdf"], "argument --format: invalid choice"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    cli_run: Cli, ids: dict[str, str], tmp_path: Path, argv: list[str], message: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli_run("export", "--out", str(out_dir / "x.csv"), *argv)
    assert result.code == 2
    assert result.err.startswith("ruralwatch: error: ")
    assert message in result.err
    assert result.err.count("\n") == 1
    assert result.out == ""
    assert list(out_dir.iterdir()) == []


def test_unwritable_target_is_one_line(cli_run: Cli, ids: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x.csv"
    result = cli_run("export", "--out", str(missing))
    assert result.code == 2
    assert result.err == f"ruralwatch: error: cannot write {missing}: folder {missing.parent} does not exist\n"
    assert not missing.parent.exists()

    result = cli_run("export", "--out", str(tmp_path / "report.txt"))
    assert result.code == 2
    assert "cannot tell the format from 'report.txt'" in result.err
    assert not (tmp_path / "report.txt").exists()
