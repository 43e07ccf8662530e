"""Repeated Crime IDs and the API format (issue 17): a row is taken as already held only when it is the same crime
again (same Crime ID, place and type) or the very same row; every other row is kept, and the counts add up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruralwatch.io.police_uk import API_CATEGORIES
from ruralwatch.services.published import PublishedCrimeService
from ruralwatch.store import Store, open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk"
REPEATS = sorted((FIXTURES / "repeats").glob("*.csv"))
API = FIXTURES / "api" / "2019-01-suffolk-api.csv"
TABLE = "SELECT crime_id, month, lon, lat, crime_type, last_outcome FROM published_crimes ORDER BY 1, 2, 3, 4, 5"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(tmp_path / "rw.db")
    yield opened
    opened.close()


def _distinct_crimes(paths: list[Path]) -> int:
    """Counted independently of the importer: distinct (ID, longitude, latitude, type), plus every ASB row as its
    own report unless the very same line appears again in the same file."""
    import csv

    crimes, reports = set(), 0
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            seen_lines: set[tuple[str, ...]] = set()
            for row in reader:
                if row[0]:
                    crimes.add((row[0], row[4], row[5], row[9]))
                elif tuple(row) not in seen_lines:
                    seen_lines.add(tuple(row))
                    reports += 1
                else:
                    reports += 1  # identical ASB rows are separate reports (numbered), see police_uk
    return len(crimes) + reports


def test_counts_add_up_per_file_and_no_distinct_row_is_lost(store: Store) -> None:
    report = PublishedCrimeService(store).import_paths(REPEATS)
    for f in report.per_file:
        assert f.rows_read == f.imported + sum(f.already_held.values()) + f.rejected
        assert f.duplicates == sum(f.already_held.values())
    assert report.imported == store.db.execute("SELECT COUNT(*) FROM published_crimes").fetchone()[0]
    assert report.imported == _distinct_crimes(REPEATS)
    # The constructed file's 11 rows that reuse Crime IDs at other places are all kept.
    reused = next(f for f in report.per_file if "reused" in f.file_name)
    assert reused.imported == reused.rows_read == 21
    # Four real crimes republished in a later month, one listed three times in one month.
    assert report.already_held == {"same_row": 2, "republished": 4, "updated": 0}


def test_a_republished_crime_is_kept_once_with_its_first_month_and_latest_outcome(store: Store) -> None:
    PublishedCrimeService(store).import_paths(REPEATS)
    rows = store.db.execute(
        "SELECT month, last_outcome, outcome_month FROM published_crimes WHERE crime_id LIKE '1aee56e2%'").fetchall()
    assert rows == [("2018-10", "Investigation complete; no suspect identified", "2019-01")]


def test_the_order_of_the_files_does_not_change_what_is_held(tmp_path: Path) -> None:
    tables = []
    for n, order in enumerate((REPEATS, REPEATS[::-1], [REPEATS[3], REPEATS[0], REPEATS[2], REPEATS[1]])):
        store = open_store(tmp_path / f"{n}.db")
        try:
            service = PublishedCrimeService(store)
            for path in order:  # one file per import: the hardest case for order
                service.import_paths([path])
            tables.append(store.db.execute(TABLE).fetchall())
        finally:
            store.close()
    assert tables[0] == tables[1] == tables[2]


def test_importing_again_adds_nothing_and_says_why(store: Store) -> None:
    service = PublishedCrimeService(store)
    first = service.import_paths(REPEATS)
    again = service.import_paths(REPEATS)
    assert again.imported == 0
    assert again.rows_read == first.rows_read
    assert again.duplicates == again.rows_read - again.rejected


def test_crimes_held_under_the_old_keys_are_recognised(store: Store) -> None:
    """A database from before the rule keyed crimes `id:<Crime ID>`: a re-import still adds nothing."""
    service = PublishedCrimeService(store)
    service.import_paths(REPEATS[:1])
    with store.transaction():
        store.db.execute("UPDATE published_crimes SET dedupe_key = 'id:' || crime_id WHERE crime_id IS NOT NULL")
    again = service.import_paths(REPEATS[:1])
    assert again.imported == 0


def test_the_api_format_is_imported_onto_the_same_columns(store: Store, tmp_path: Path) -> None:
    report = PublishedCrimeService(store).import_paths([API])
    assert (report.per_file[0].header, report.imported, report.rejected) == ("api", 30, 0)
    rows = store.db.execute(
        "SELECT month, crime_type, falls_within, location, last_outcome, easting FROM published_crimes ORDER BY id"
    ).fetchall()
    assert {r[0] for r in rows} == {"2019-01"} and {r[2] for r in rows} == {"Suffolk"}
    assert rows[0][1] == "Burglary" and rows[0][3] == "On or near The Street"
    assert rows[0][4] == rows[1][4] == "Investigation complete; no suspect identified"  # JSON and Python dict
    assert all(r[5] is not None for r in rows)
    assert {r[1] for r in rows} <= set(API_CATEGORIES.values())  # every slug mapped to a crime type
    # A file of another name names no force: the force is left blank, not guessed.
    renamed = tmp_path / "export.csv"
    shutil.copy(API, renamed)
    other = open_store(tmp_path / "other.db")
    try:
        PublishedCrimeService(other).import_paths([renamed])
        assert other.db.execute("SELECT DISTINCT falls_within FROM published_crimes").fetchall() == [(None,)]
    finally:
        other.close()


# --- the rule as a property: any rows, split into files in any order, give one row per crime -----------------

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context")
rows_strategy = st.lists(st.tuples(
    st.sampled_from(["a1", "b2", "c3"]),  # few IDs: they repeat
    st.sampled_from(["2019-01", "2019-02", "2019-03"]),
    st.sampled_from([(0.5, 51.9), (0.6, 51.8)]),  # two places
    st.sampled_from(["Burglary", "Other theft"]),
    st.sampled_from(["", "Under investigation", "Offender given a caution"]),
), min_size=1, max_size=12)


@example(  # found by hypothesis: the same outcome again in a later month must move the outcome's month on
    rows=[("b2", "2019-02", (0.5, 51.9), "Other theft", "Offender given a caution"),
          ("b2", "2019-01", (0.5, 51.9), "Other theft", "Under investigation"),
          ("a1", "2019-01", (0.5, 51.9), "Burglary", ""),
          ("b2", "2019-02", (0.5, 51.9), "Other theft", "Under investigation")], split=2, reverse=True)
@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, split=st.integers(1, 3), reverse=st.booleans())
def test_any_rows_give_one_row_per_crime_with_first_month_and_latest_outcome(
        tmp_path_factory: pytest.TempPathFactory, rows: list, split: int, reverse: bool) -> None:
    folder = tmp_path_factory.mktemp("prop")
    files = []
    for n in range(split):
        part = rows[n::split]
        if not part:  # a file of column names only is refused (tests/integration/test_broken_inputs_cli.py)
            continue
        path = folder / f"{n}.csv"
        lines = [HEADER] + [f"{i},{m},Essex Police,Essex Police,{lon},{lat},On or near X,,,{t},{o},"
                            for i, m, (lon, lat), t, o in part]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    store = open_store(folder / "rw.db")
    try:
        service = PublishedCrimeService(store)
        for path in (files[::-1] if reverse else files):
            service.import_paths([path])
        held = {(r[0], r[2], r[3], r[4]): (r[1], r[5]) for r in store.db.execute(TABLE)}
    finally:
        store.close()
    # The rule: the earliest month; the latest month's outcome; within one month the newer import's outcome (a
    # month re-published with updated outcomes), and within one import the greatest.
    model: dict = {}
    for n in (range(split)[::-1] if reverse else range(split)):
        this_import: set = set()
        for i, m, (lon, lat), t, o in rows[n::split]:
            key = (i, lon, lat, t)
            month, outcome, outcome_month = model.get(key, (m, o, m))
            if m < month:
                month = m
            ours = key in this_import
            if o and (not outcome or m > outcome_month or (m == outcome_month and (not ours or o >= outcome))):
                outcome, outcome_month = o, m
                this_import.add(key)
            elif key not in model:
                this_import.add(key)
            model[key] = (month, outcome, outcome_month)
    assert held == {k: (v[0], v[1] or None) for k, v in model.items()}


# --- a month re-published with updated outcomes ------------------------------------------------------------------


def _republished(source: Path, folder: Path, outcomes: dict[int, str]) -> Path:
    """The real file as data.police.uk re-publishes it later: the same rows, some with a newer "Last outcome
    category" (data row n -> outcome)."""
    import csv

    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for n, outcome in outcomes.items():
        assert rows[n][0], "only rows with a Crime ID are re-published crimes"
        rows[n][10] = outcome
    folder.mkdir(exist_ok=True)
    path = folder / source.name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_month_republished_with_newer_outcomes_updates_them_and_says_so(store: Store, tmp_path: Path) -> None:
    """The newer import's outcome wins for the same crime and month, even when it sorts first, and the rows are
    counted as "updated", not "identical" (a walk was told a re-published month was identical)."""
    from ruralwatch.store.audit import AuditLog

    source = REPEATS[0]
    service = PublishedCrimeService(store)
    service.import_paths([source])
    ids = [row[0] for row in store.db.execute(
        "SELECT crime_id FROM published_crimes WHERE crime_id IS NOT NULL ORDER BY id LIMIT 2")]
    lines = {n: line.split(",")[0] for n, line in enumerate(source.read_text(encoding="utf-8-sig").splitlines())}
    changed = {n: "Awaiting court outcome" for n, crime in lines.items() if crime in ids}
    before = dict(store.db.execute(
        "SELECT crime_id, COALESCE(last_outcome, '') FROM published_crimes WHERE crime_id IN (?, ?)", ids).fetchall())
    assert all(old > "Awaiting court outcome" for old in before.values())  # the greater one used to win

    again = service.import_paths([_republished(source, tmp_path / "later", changed)])

    after = dict(store.db.execute(
        "SELECT crime_id, last_outcome FROM published_crimes WHERE crime_id IN (?, ?)", ids).fetchall())
    assert after == {crime: "Awaiting court outcome" for crime in ids}
    assert again.imported == 0
    assert again.already_held["updated"] == len(changed) == 2
    assert again.already_held["same_row"] == again.duplicates - 2
    assert again.outcomes_updated == 2
    assert "2 updated (same month, newer outcome)" in again.summary()
    assert "2 held crimes given a newer outcome" in again.summary()
    entry = AuditLog(store).entries(action="import", limit=1)[0]
    assert entry.changes["outcomes_updated"] == 2
    assert {(c["crime_id"], c["before"], c["after"]) for c in entry.changes["outcome_changes"]} == {
        (crime, before[crime], "Awaiting court outcome") for crime in ids}
    # Importing the newer file again changes nothing more: its rows are now identical.
    third = service.import_paths([tmp_path / "later" / source.name])
    assert (third.already_held["updated"], third.outcomes_updated) == (0, 0)
    assert AuditLog(store).verify().ok
