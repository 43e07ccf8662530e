"""The central export's whole picture — patrols with their routes, stops and logs, duties and hours — in every
format, read back by independent readers: the csv module, pandas/openpyxl, and GDAL (through pyogrio) for GeoJSON.
Counts are checked against the database itself, on the demo data."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from cli_harness import Cli

from ruralwatch.core.permissions import Actor, PermissionDeniedError
from ruralwatch.io.exports import WHATS, ExportOptions
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.services.demo_roster import load_demo_roster
from ruralwatch.store import open_store
from ruralwatch.store.database import Store
from ruralwatch.sync import demo_rows

DEMO_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # the demo's fixed "now": nothing reads today's date


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(path)
    try:
        services = Services.build(store)
        load_demo(services.incidents, count=120, now=DEMO_NOW)
        load_demo_roster(services.people, services.roster, services.patrols, now=DEMO_NOW)
    finally:
        store.close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Services]:
    """A fresh copy of the demo database for each test."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_file, path)
    store = open_store(path)
    yield Services.build(store)
    store.close()


def _count(store: Store, sql: str) -> int:
    return int(store.db.execute(sql).fetchone()[0])


def expected_counts(store: Store) -> dict[str, int]:
    """What each table should hold, counted straight from the database (not through the export's code)."""
    stops = sum(len(json.loads(plan or "[]")) for (plan,) in store.db.execute(
        "SELECT plan FROM patrols WHERE deleted = 0"))
    return {
        "incidents": _count(store, "SELECT count(*) FROM incidents WHERE deleted = 0"),
        "patrols": _count(store, "SELECT count(*) FROM patrols WHERE deleted = 0"),
        "patrol-stops": stops,
        "patrol-events": _count(store, "SELECT count(*) FROM patrol_events e JOIN patrols p ON p.id = e.patrol_id "
                                       "WHERE e.deleted = 0 AND p.deleted = 0"),
        "duties": _count(store, "SELECT count(*) FROM duties WHERE deleted = 0"),
    }


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


GEOMETRIES = {"incidents": "Point", "patrols": "LineString", "patrol-stops": "Point", "patrol-events": "Point"}


@pytest.mark.parametrize("what", [w for w in WHATS if w != "all"])
def test_each_kind_in_each_format_opens_in_independent_readers_with_the_expected_rows(
        demo: Services, tmp_path: Path, what: str) -> None:
    expected = expected_counts(demo.store)
    options = ExportOptions.parse(what=what)
    counts = {}
    for fmt in ("csv", "geojson", "xlsx"):
        out = tmp_path / f"{what}.{fmt}"
        result = demo.exports.export(options, fmt, out)
        assert result.path == out and out.exists()
        if fmt == "csv":
            counts[fmt] = len(_csv_rows(out))
        elif fmt == "xlsx":
            counts[fmt] = len(pd.read_excel(out, sheet_name=0))
        else:
            info = pyogrio.read_info(out)
            counts[fmt] = info["features"]
            assert info["crs"] == "EPSG:4326"
            if what in GEOMETRIES:
                assert info["geometry_type"] == GEOMETRIES[what], info
    assert len(set(counts.values())) == 1, counts
    if what in expected:
        assert counts["csv"] == expected[what] > 0
    else:  # hours: a line per volunteer (not regular officers) per month from the first hours to the export
        assert counts["csv"] > 0


def test_patrol_routes_are_linestrings_through_the_planned_stops_in_wgs84(demo: Services, tmp_path: Path) -> None:
    out = tmp_path / "patrols.geojson"
    demo.exports.export(ExportOptions.parse(what="patrols"), "geojson", out)
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    by_id = {f["id"]: f for f in features}
    for patrol in demo.patrols.list():
        line = by_id[patrol.id]["geometry"]
        assert line["type"] == "LineString"
        points = [[s.lon, s.lat] for s in patrol.stops]
        assert line["coordinates"][-len(points):] == points  # after the start point, the stops in route order
        assert all(-8 < lon < 2 and 49 < lat < 61 for lon, lat in line["coordinates"])  # lon, lat order (RFC 7946)
    stops = _csv_rows(self_export(demo, tmp_path, "patrol-stops"))
    measured = [float(row["measured_minutes"]) for row in stops]
    assert any(m > 0 for m in measured) and all(row["grid_ref"] for row in stops)


def self_export(demo: Services, folder: Path, what: str) -> Path:
    out = folder / f"{what}.csv"
    demo.exports.export(ExportOptions.parse(what=what), "csv", out)
    return out


def test_all_as_a_workbook_has_every_sheet_and_a_readme(demo: Services, tmp_path: Path) -> None:
    out = tmp_path / "all.xlsx"
    result = demo.exports.export(ExportOptions.parse(what="all"), "xlsx", out)
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["README", "Incidents", "Vehicles", "Stolen items", "Patrols", "Patrol stops",
                            "Patrol log", "Duties", "Hours"]
    expected = expected_counts(demo.store)
    assert len(sheets["Patrols"]) == expected["patrols"] and len(sheets["Duties"]) == expected["duties"]
    assert len(sheets["Patrol log"]) == expected["patrol-events"]
    assert result.counts["Patrols"] == expected["patrols"]
    readme = sheets["README"]
    described = readme[readme["sheet"] == "Patrols"]["column"].dropna().tolist()
    assert described == list(sheets["Patrols"].columns)  # every column of every sheet is explained
    assert readme["meaning"].dropna().astype(str).str.len().min() > 0
    about = dict(zip(readme["column"], readme["meaning"], strict=False))
    assert about["Force"] == "Essex" and "left out" in about["Personal data"]


def test_all_as_csv_or_geojson_is_a_folder_of_files_written_whole(demo: Services, tmp_path: Path) -> None:
    for fmt, suffix in (("csv", ".csv"), ("geojson", ".geojson")):
        folder = tmp_path / f"all-{fmt}"
        demo.exports.export(ExportOptions.parse(what="all"), fmt, folder)
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{stem}{suffix}" for stem in ("incidents", "vehicles", "stolen-items", "patrols", "patrol-stops",
                                           "patrol-events", "duties", "hours"))
        assert not list(tmp_path.glob(".*part"))
        if fmt == "csv":  # each file holds its own table (a walk-through found the incidents overwritten)
            expected = expected_counts(demo.store)
            assert len(_csv_rows(folder / "incidents.csv")) == expected["incidents"]
            assert "vrms" in _csv_rows(folder / "incidents.csv")[0]
    # A folder with files in it is refused before anything is written, and left as it was.
    with pytest.raises(Exception, match="not empty"):
        demo.exports.export(ExportOptions.parse(what="all"), "csv", tmp_path / "all-csv")
    assert len(list((tmp_path / "all-csv").iterdir())) == 8


def test_a_role_without_personal_rights_gets_no_names_and_no_registrations(demo: Services, tmp_path: Path) -> None:
    demo.store.actor = Actor("ann", "analyst", "acc-analyst")
    with pytest.raises(PermissionDeniedError):
        demo.exports.export(ExportOptions.parse(what="hours", include_personal=True), "csv", tmp_path / "h.csv")
    assert not (tmp_path / "h.csv").exists()
    folder = tmp_path / "all"
    demo.exports.export(ExportOptions.parse(what="all"), "csv", folder)
    names = {row[0] for row in demo.store.db.execute("SELECT name FROM people WHERE deleted = 0")}
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert not any(name in text for name in names), path.name
        header = next(csv.reader([text.splitlines()[0]]))
        assert "crew_names" not in header and "name" not in header and "reporter_phone" not in header
    events = _csv_rows(folder / "patrol-events.csv")
    checks = [row for row in events if row["kind"] == "stop_check"]
    assert checks and all(row["vrm"] == "" for row in checks)


def test_an_officer_asking_for_personal_data_gets_names_and_registrations(demo: Services, tmp_path: Path) -> None:
    demo.store.actor = Actor("ola", "ret_officer", "acc-officer")
    out = tmp_path / "events.csv"
    demo.exports.export(ExportOptions.parse(what="patrol-events"), "csv", out)
    checks = [row for row in _csv_rows(out) if row["kind"] == "stop_check" and row["vrm"]]
    assert checks  # the crews' own intelligence: registrations for the roles entitled to them
    crew = tmp_path / "duties.csv"
    demo.exports.export(ExportOptions.parse(what="duties", include_personal=True), "csv", crew)
    assert any(row["crew_names"] for row in _csv_rows(crew))
    audit = [json.loads(c) for (c,) in demo.store.db.execute(
        "SELECT changes FROM audit_log WHERE action = 'export' ORDER BY seq")]
    assert [a["what"] for a in audit[-2:]] == ["patrol-events", "duties"] and audit[-1]["personal_data"]


def test_periods_pick_patrols_and_duties_by_planned_start_and_hours_by_month(demo: Services, tmp_path: Path) -> None:
    options = ExportOptions.parse("2026-11-01", "2026-11-30", what="all")
    folder = tmp_path / "november"
    demo.exports.export(options, "csv", folder)
    patrols = _csv_rows(folder / "patrols.csv")
    assert patrols and all(row["planned_start_local"].startswith("2026-11") for row in patrols)
    assert {row["month"] for row in _csv_rows(folder / "hours.csv")} == {"2026-11"}
    assert all(row["start_local"].startswith("2026-11") for row in _csv_rows(folder / "duties.csv"))


def test_the_command_line_says_what_is_exported_and_writes_it(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    help_text = cli("export", "--help").out
    assert "patrols" in help_text and "hours" in help_text and "not exported yet" not in help_text
    out = tmp_path / "duties.xlsx"
    result = cli("export", "--what", "duties", "--out", str(out))
    assert result.code == 0 and "0 duties" in result.out
    refused = cli("export", "--what", "everything", "--out", str(out))
    assert refused.code == 2


def test_the_postgresql_central_store_exports_the_same_picture_as_the_laptop(demo: Services, tmp_path: Path,
                                                                             pg_dsn: str) -> None:
    from ruralwatch.central.postgres import PgCentral
    from ruralwatch.central.target import PgTarget

    central, _ = PgCentral.init(PgTarget(pg_dsn))
    try:
        own = demo.sync.identity()
        central.trust(own.device_id, own.public_key, "demo laptop")
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        with demo.store.transaction():  # the demo's records as if typed in: demo data never leaves its laptop
            for table in demo_rows.FLAGGED:
                demo.store.db.execute(f"UPDATE [{table}] SET synthetic = 0")
        demo.sync.export(inbox / "laptop.rwsync")
        (merged,) = central.merge_folder(inbox, None)
        assert merged.status == "applied"
        options = ExportOptions.parse("2026-09-01", "2026-11-30", what="all")
        from_central = central.export("xlsx", tmp_path / "central.xlsx", options)
    finally:
        central.close()
    demo.store.actor = Actor("ann", "analyst", "acc-analyst")  # no personal data, no registrations: as the central
    from_laptop = demo.exports.export(options, "xlsx", tmp_path / "laptop.xlsx")
    assert from_central.counts == from_laptop.counts and from_central.counts["Patrols"] > 0
    central_sheets = pd.read_excel(tmp_path / "central.xlsx", sheet_name=None)
    laptop_sheets = pd.read_excel(tmp_path / "laptop.xlsx", sheet_name=None)
    for name in ("Patrols", "Patrol stops", "Patrol log", "Duties", "Hours"):
        pd.testing.assert_frame_equal(central_sheets[name], laptop_sheets[name], check_dtype=False)


def test_the_user_guide_documents_every_column_of_the_new_tables() -> None:
    from ruralwatch.io import picture_tables

    guide = (Path(__file__).resolve().parents[2] / "docs" / "user-guide.md").read_text(encoding="utf-8")
    for specs in (picture_tables.PATROL_COLUMNS, picture_tables.STOP_COLUMNS, picture_tables.EVENT_COLUMNS,
                  picture_tables.DUTY_COLUMNS, picture_tables.HOURS_COLUMNS):
        for name, _type, meaning in specs:
            assert f"| `{name}` | {meaning} |" in guide, name
