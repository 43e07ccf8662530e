"""`ruralwatch import police-uk` and PublishedCrimeService on the real excerpts in tests/fixtures/police-uk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cli_harness import raw_connection

from ruralwatch.core.errors import ValidationError
from ruralwatch.io.police_uk import PoliceUkFormatError
from ruralwatch.services import published
from ruralwatch.services.incidents import CancelledError
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.store import Store, open_store
from ruralwatch.store.migrations import LATEST_VERSION, MIGRATIONS, published_crime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POLICE_UK = FIXTURES / "police-uk"
JAN = POLICE_UK / "2018-01-essex-street-first150.csv"
MARCH = POLICE_UK / "2018-03-essex-street-first150.csv"
APRIL = POLICE_UK / "2018-04-essex-street-no-id-or-location.csv"
MALFORMED = POLICE_UK / "street-report-fixture-malformed.csv"
ALL_FOUR = [str(JAN), str(MARCH), str(APRIL), str(MALFORMED)]

# The four fixtures together (see tests/fixtures/police-uk/README.md).
EXPECTED = {
    "files": 4, "rows_read": 391, "imported": 388, "duplicates": 2, "rejected": 1,
    "rejected_reasons": {"wrong_field_count": 1}, "no_location": 49,
}







def table_counts(db_path: Path) -> tuple[int, int]:
    conn = raw_connection(db_path)
    try:
        crimes = conn.execute("SELECT COUNT(*) FROM published_crimes").fetchone()[0]
        batches = conn.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0]
        return int(crimes), int(batches)
    finally:
        conn.close()


def picked(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report[key] for key in EXPECTED}


# --- the command line --------------------------------------------------------------------------------------


def test_import_json_numbers_on_the_fixtures(cli: Any, db_path: Path) -> None:
    result = cli("import", "police-uk", *ALL_FOUR, "--json")
    assert result.code == 0, result.err
    assert result.err == ""
    report = result.json()
    assert picked(report) == EXPECTED
    assert isinstance(report["seconds"], float) and report["seconds"] >= 0
    assert [f["file_name"] for f in report["per_file"]] == ALL_FOUR
    assert [f["header"] for f in report["per_file"]] == ["snake_case", "standard", "standard", "snake_case"]
    malformed = report["per_file"][3]
    assert (malformed["imported"], malformed["duplicates"], malformed["rejected_lines"]) == (
        1, 2, {"wrong_field_count": [3]}
    )
    assert table_counts(db_path) == (388, 4)
    conn = raw_connection(db_path)
    try:
        located = conn.execute(
            "SELECT COUNT(*) FROM published_crimes WHERE lat IS NOT NULL AND easting IS NOT NULL"
        ).fetchone()[0]
        unlocated = conn.execute(
            "SELECT COUNT(*) FROM published_crimes WHERE lat IS NULL AND lon IS NULL AND easting IS NULL"
        ).fetchone()[0]
        asb = conn.execute(
            "SELECT COUNT(*) FROM published_crimes WHERE crime_id IS NULL AND dedupe_key LIKE 'hash:%'"
        ).fetchone()[0]
        batch = conn.execute(
            "SELECT source, file_name, rows_read, imported, duplicates, rejected, rejected_reasons, file_sha256 "
            "FROM import_batches ORDER BY id DESC LIMIT 1"
        ).fetchone()
        empty_text = conn.execute(
            "SELECT COUNT(*) FROM published_crimes WHERE context = '' OR crime_id = '' OR last_outcome = ''"
        ).fetchone()[0]
    finally:
        conn.close()
    assert (located, unlocated) == (388 - 49, 49)
    assert asb == 35 + 41 + 39 + 1
    assert batch[:7] == ("police-uk", MALFORMED.name, 4, 1, 2, 1, '{"wrong_field_count": 1}')
    assert len(batch[7]) == 64
    assert empty_text == 0  # empty fields are stored as NULL


def test_summary_line_without_json(cli: Any) -> None:
    result = cli("import", "police-uk", *ALL_FOUR)
    assert result.code == 0, result.err
    # As `roads import` says how far it is: each file read, then stored, on stderr in the window's words.
    assert result.err.splitlines() == [
        f"  Reading file 1 of 4, {JAN.name}: 0 rows read so far…",
        f"  Reading file 2 of 4, {MARCH.name}: 150 rows read so far…",
        f"  Reading file 3 of 4, {APRIL.name}: 300 rows read so far…",
        f"  Reading file 4 of 4, {MALFORMED.name}: 387 rows read so far…",
        f"  Storing file 1 of 4, {JAN.name}: 0 of 390 rows…",
        f"  Storing file 2 of 4, {MARCH.name}: 150 of 390 rows…",
        f"  Storing file 3 of 4, {APRIL.name}: 300 of 390 rows…",
        f"  Storing file 4 of 4, {MALFORMED.name}: 387 of 390 rows…",
        f"  Storing file 4 of 4, {MALFORMED.name}: 390 of 390 rows…",
        "  Indexing the 390 rows and recording the import…",
    ]
    lines = result.out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "388 published crimes imported from 4 files (391 rows read): 2 already held (2 identical), ")
    assert "1 rejected (wrong_field_count 1)" in lines[0] and "49 without a location" in lines[0]


def test_reimport_adds_nothing(cli: Any, db_path: Path) -> None:
    first = cli("import", "police-uk", *ALL_FOUR, "--json")
    assert first.code == 0
    conn = raw_connection(db_path)
    try:
        before = conn.execute("SELECT * FROM published_crimes ORDER BY id").fetchall()
    finally:
        conn.close()

    again = cli("import", "police-uk", *reversed(ALL_FOUR), "--json")

    assert again.code == 0, again.err
    assert picked(again.json()) == {**EXPECTED, "imported": 0, "duplicates": 390, "no_location": 0}
    conn = raw_connection(db_path)
    try:
        after = conn.execute("SELECT * FROM published_crimes ORDER BY id").fetchall()
    finally:
        conn.close()
    assert after == before
    assert table_counts(db_path) == (388, 8)  # each import is still recorded


def test_a_folder_stands_for_its_csv_files(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for path in ALL_FOUR:
        shutil.copy(path, folder)
    (folder / "notes.txt").write_text("not a CSV, and not looked at\n")
    (folder / "old").mkdir()
    shutil.copy(JAN, folder / "old" / "nested.csv")  # folders are not searched below the top

    result = cli("import", "police-uk", str(folder), "--json")

    assert result.code == 0, result.err
    report = result.json()
    assert picked(report) == EXPECTED
    assert [Path(f["file_name"]).name for f in report["per_file"]] == sorted(Path(p).name for p in ALL_FOUR)


def test_the_fixture_folder_itself_imports_without_its_readme(cli: Any) -> None:
    result = cli("import", "police-uk", str(POLICE_UK), str(JAN), "--json")  # JAN twice: read once
    assert result.code == 0, result.err
    assert picked(result.json()) == EXPECTED


@pytest.mark.parametrize("bad", ["png", "unknown column", "truncated", "missing"])
def test_a_bad_file_exits_2_with_one_line_and_imports_nothing(
    cli: Any, db_path: Path, tmp_path: Path, bad: str
) -> None:
    path = tmp_path / f"bad-{bad.replace(' ', '-')}.csv"
    if bad == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    elif bad == "unknown column":
        path.write_bytes(MARCH.read_bytes().replace(b"Last outcome category", b"Outcome", 1))
    elif bad == "truncated":
        path.write_bytes(MARCH.read_bytes()[:-40])
    # "missing": the path does not exist
    expected = {
        "png": "binary file", "unknown column": "unknown column(s) 'Outcome'",
        "truncated": "ends mid-row: truncated?", "missing": "no such file or folder",
    }[bad]

    result = cli("import", "police-uk", str(JAN), str(MARCH), str(path), "--json")

    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"ruralwatch: error: {path}: ")
    assert expected in lines[0]
    assert table_counts(db_path) == (0, 0)


def test_usage_mistakes_exit_2(cli: Any) -> None:
    for argv in (("import",), ("import", "police-uk"), ("import", "census", str(JAN))):
        result = cli(*argv)
        assert result.code == 2
        assert result.err.startswith("ruralwatch: error: ") and len(result.err.splitlines()) == 1


# --- the service -------------------------------------------------------------------------------------------


def test_cancel_via_progress_rolls_back_everything(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(published, "CHUNK_ROWS", 50)
    monkeypatch.setattr(published, "REPORT_ROWS", 50)
    service = PublishedCrimeService(store)
    calls: list[tuple[int, int]] = []
    cache_before = store.db.execute("PRAGMA cache_size").fetchone()[0]

    def cancel_on_the_fourth_store(done: int, total: int, _note: str = "", /) -> bool:
        if total:
            calls.append((done, total))
        return len(calls) < 4

    with pytest.raises(CancelledError):
        service.import_paths([JAN, MARCH, APRIL, MALFORMED], progress=cancel_on_the_fourth_store)

    assert calls == [(0, 390), (50, 390), (100, 390), (150, 390)]  # rows were written before the cancel
    assert service.count() == 0
    assert store.db.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0] == 0
    assert store.db.execute("PRAGMA cache_size").fetchone()[0] == cache_before  # the import's cache setting is undone

    report = service.import_paths([JAN, MARCH, APRIL, MALFORMED], progress=lambda done, total, _note="": True)
    assert picked(report.to_dict()) == EXPECTED


def test_progress_names_each_file_and_the_rows_so_far(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A walk's import of a year of Essex sat ~15 s under a bar with no file name or count. Each file is named (n of
    N) as it is read, then as it is stored, with the rows so far: at each file's start and every REPORT_ROWS rows
    within it, never per row."""
    monkeypatch.setattr(published, "REPORT_ROWS", 100)
    calls: list[tuple[int, int, str]] = []
    PublishedCrimeService(store).import_paths(
        [JAN, MARCH, APRIL, MALFORMED], progress=lambda d, t, note="": calls.append((d, t, note)) is None)
    reading = [call for call in calls if call[2].startswith("Reading")]
    assert reading == [  # how many rows the files hold is not known yet: total 0, a count so far
        (0, 0, f"Reading file 1 of 4, {JAN.name}: 0 rows read so far"),
        (100, 0, f"Reading file 1 of 4, {JAN.name}: 100 rows read so far"),
        (150, 0, f"Reading file 2 of 4, {MARCH.name}: 150 rows read so far"),
        (250, 0, f"Reading file 2 of 4, {MARCH.name}: 250 rows read so far"),
        (300, 0, f"Reading file 3 of 4, {APRIL.name}: 300 rows read so far"),
        (387, 0, f"Reading file 4 of 4, {MALFORMED.name}: 387 rows read so far"),
    ]
    storing = [call for call in calls if call[2].startswith("Storing")]
    assert [note.split(":")[0] for _d, _t, note in storing] == [
        f"Storing file 1 of 4, {JAN.name}", f"Storing file 1 of 4, {JAN.name}", f"Storing file 2 of 4, {MARCH.name}",
        f"Storing file 2 of 4, {MARCH.name}", f"Storing file 3 of 4, {APRIL.name}",
        f"Storing file 4 of 4, {MALFORMED.name}", f"Storing file 4 of 4, {MALFORMED.name}"]
    assert storing[0] == (0, 390, f"Storing file 1 of 4, {JAN.name}: 0 of 390 rows")
    assert storing[-1] == (390, 390, f"Storing file 4 of 4, {MALFORMED.name}: 390 of 390 rows")
    assert [d for d, _t, _n in storing] == sorted(d for d, _t, _n in storing)
    finishing = calls[calls.index(storing[-1]) + 1:]
    # Into an empty table the indexes are built again at the end: said, with a busy bar (total 0).
    assert finishing and set(finishing) == {(0, 0, "Indexing the 390 rows and recording the import")}
    assert calls[:len(reading)] == reading and calls[len(reading):len(reading) + len(storing)] == storing


@pytest.mark.parametrize("stop_at", ["Reading file 2", "Indexing"])
def test_cancel_while_reading_or_indexing_changes_nothing(store: Store, stop_at: str) -> None:
    """Cancel is looked at while the files are read (nothing written yet) and while the indexes are made again at
    the end (all rolled back, the dropped indexes with it)."""
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'published_crimes' ORDER BY name"
    before = store.db.execute(indexes).fetchall()
    notes: list[str] = []

    def cancel_at(_done: int, _total: int, note: str = "", /) -> bool:
        notes.append(note)
        return not note.startswith(stop_at)

    service = PublishedCrimeService(store)
    with pytest.raises(CancelledError, match="nothing was imported"):
        service.import_paths([JAN, MARCH, APRIL], progress=cancel_at)
    assert notes[-1].startswith(stop_at) and sum(note.startswith(stop_at) for note in notes) == 1  # stopped at once
    assert service.count() == 0
    assert store.db.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0] == 0
    assert store.db.execute(indexes).fetchall() == before
    assert service.import_paths([JAN, MARCH, APRIL]).imported == 387


def test_a_format_error_in_the_last_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "zz.csv"
    bad.write_text("Crime ID,Month\n1,2018-01\n")
    service = PublishedCrimeService(store)
    with pytest.raises(PoliceUkFormatError, match="zz.csv"):
        service.import_paths([POLICE_UK, bad])
    assert service.count() == 0


def test_points_count_and_map_json(store: Store) -> None:
    service = PublishedCrimeService(store)
    service.import_paths([POLICE_UK])

    assert service.count() == 388
    assert service.count(located_only=True) == 339
    assert service.months() == ["2018-01", "2018-03", "2018-04"]
    assert "Anti-social behaviour" in service.crime_types()

    points = service.points(None, None)
    assert list(points.columns) == ["easting", "northing", "lat", "lon", "month", "crime_type"]
    assert len(points) == 339
    assert points[["easting", "northing", "lat", "lon"]].notna().all().all()
    assert points["easting"].between(500_000, 660_000).all()  # Essex and its neighbours, in metres
    assert points["northing"].between(150_000, 260_000).all()
    assert pd.api.types.is_float_dtype(points["easting"])

    march = service.points("2018-03", "2018-03")
    assert len(march) == 150 and set(march["month"]) == {"2018-03"}
    asb = service.points("2018-01", "2018-04", ["Anti-social behaviour"])
    assert len(asb) == 35 + 41 + 39 and set(asb["crime_type"]) == {"Anti-social behaviour"}
    assert service.count("2018-04", "2018-04") == 87 + 1
    assert len(service.points("2019-01", None)) == 0

    rows = json.loads(service.map_json(None, None))
    assert len(rows) == 339
    first = rows[0]
    assert len(first) == 5 and isinstance(first[0], int) and first[4] == "2018-01"
    assert 51 < first[1] < 53 and 0 < first[2] < 2
    assert len(json.loads(service.map_json("2018-03", "2018-03"))) == 150

    with pytest.raises(ValidationError, match="month_from: '2018-3' is not a month"):
        service.points("2018-3", None)


def test_the_migration_adds_the_tables_to_an_older_database(db_path: Path) -> None:
    assert MIGRATIONS.index(published_crime) == 2  # migration 3
    older = open_store(db_path, steps=MIGRATIONS[:2])
    assert "published_crimes" not in older.db.table_names()
    older.close()
    upgraded = open_store(db_path)
    try:
        assert upgraded.schema_version() == LATEST_VERSION
        assert {"published_crimes", "import_batches"} <= set(upgraded.db.table_names())
        indexes = {row[1] for row in upgraded.db.execute("PRAGMA index_list(published_crimes)")}
        assert {"idx_published_crimes_month", "idx_published_crimes_crime_type",
                "idx_published_crimes_crime_id", "idx_published_crimes_dedupe_key"} <= indexes
        columns = [row[1] for row in upgraded.db.execute("PRAGMA table_info(published_crimes)")]
        assert "hlc" not in columns and "deleted" not in columns  # local context data, never synced
    finally:
        upgraded.close()


def test_importing_another_forces_files_warns_they_are_left_out(cli: Any) -> None:
    """A walk imported Suffolk's files into an Essex database and was told only how many were imported."""
    suffolk = FIXTURES / "police-uk-other-forces" / "2018-10-suffolk-street-every12th.csv"
    result = cli("import", "police-uk", str(suffolk))
    assert result.code == 0, result.err
    assert ("published crimes of Suffolk Constabulary are stored, but left out of every analysis: this database works "
            "for Essex. To analyse them, an administrator sets the force to Suffolk") in result.out
    assert "`ruralwatch geography use-force Suffolk`" in result.out
    areas = cli("areas")
    assert areas.code == 0 and areas.out.startswith("warning: ") and "Suffolk Constabulary" in areas.out
    essex = cli("import", "police-uk", str(MARCH))
    assert essex.code == 0 and essex.out.count("warning") == 1  # still held, still said
    assert "warning" not in cli("areas").out  # Essex's crimes counted: the table speaks for itself


def test_a_republished_month_with_a_newer_outcome_is_counted_updated(cli: Any, tmp_path: Path) -> None:
    """`import police-uk` says a re-published month's changed outcome was updated, not "identical"."""
    import csv

    assert cli("import", "police-uk", str(MARCH), "--json").code == 0
    with MARCH.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    row = next(r for r in rows[1:] if r[0])
    row[10] = "Offender sent to prison" if row[10] != "Offender sent to prison" else "Awaiting court outcome"
    later = tmp_path / "later" / MARCH.name
    later.parent.mkdir()
    with later.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = cli("import", "police-uk", str(later))
    assert result.code == 0, result.err
    assert "1 updated (same month, newer outcome)" in result.out
    assert "1 held crime given a newer outcome" in result.out
    again = cli("import", "police-uk", str(later), "--json").json()
    assert (again["already_held"]["updated"], again["outcomes_updated"]) == (0, 0)
