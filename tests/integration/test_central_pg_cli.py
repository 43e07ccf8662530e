"""`ruralwatch central ...` on PostgreSQL end to end (init, trust, merge, status, package back to a laptop, export),
the same commands on a SQLite central file, and every way PostgreSQL cannot be used: one line, exit code 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import psycopg
import pytest
from cli_harness import Cli, open_db, raw_connection
from pg_cluster import PgCluster
from psycopg.conninfo import conninfo_to_dict

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.audit import HEAD_KEY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path):
    harness = Cli(capsys, db_path)

    def run(db: Path, *argv: str):
        if not db.exists():
            open_db(db).close()
        return harness(*argv, db=db)

    return run


def _record(db: Path, place: str) -> None:
    store = open_db(db)
    try:
        IncidentService(store).record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9,
                                                    lon=0.3, place=place, reporter_name="Ann Farmer",
                                                    reporter_phone="07700 900001"))
    finally:
        store.close()


def _places(db: Path) -> set[str]:
    store = open_db(db)
    try:
        return {row[0] for row in store.db.execute("SELECT place FROM incidents WHERE deleted = 0")}
    finally:
        store.close()


def test_laptops_and_a_postgresql_central_store(cli, tmp_path: Path, pg_dsn: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    laptops = [tmp_path / f"laptop{n}.db" for n in (1, 2, 3)]
    made = cli(laptops[0], "central", "init", "--into", pg_dsn, "--json")
    assert made.code == 0, made.err
    central = made.json()
    assert "PostGIS enabled" not in central["done"] and "syncable tables" in central["done"]
    assert cli(laptops[0], "central", "init", "--into", pg_dsn).out.count("already up to date") == 1
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in laptops}
    for n, laptop in enumerate(laptops, start=1):
        assert cli(laptop, "sync", "trust", "--device", central["device_id"], "--key", central["public_key"]).code == 0
        if n < 3:  # laptop 3 is not trusted by the central store
            trusted = cli(laptop, "central", "trust", "--into", pg_dsn, "--device", ids[laptop]["device_id"],
                          "--key", ids[laptop]["public_key"], "--name", f"laptop {n}")
            assert trusted.code == 0 and "trusted device" in trusted.out
        _record(laptop, f"Farm {n}")
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    inbox = tmp_path / "inbox"
    for n, laptop in enumerate(laptops, start=1):
        assert cli(laptop, "sync", "export", "--out", str(inbox / f"{n}.rwsync"), "--since-last-for",
                   central["device_id"]).code == 0

    monkeypatch.setenv("RURALWATCH_CENTRAL_DSN", pg_dsn)  # the default for --into and --from from here on
    merged = cli(laptops[0], "central", "merge", str(inbox), "--json")
    assert merged.code == 2
    assert [r["status"] for r in merged.json()] == ["applied", "applied", "refused"]
    assert "unknown signer" in merged.json()[2]["message"]
    again = cli(laptops[0], "central", "merge", str(inbox))
    assert again.code == 2 and "2 skipped, 1 refused" in again.out

    status = cli(laptops[0], "central", "status", "--json")
    assert status.code == 0
    found = status.json()
    assert found["engine"] == "postgresql" and found["packages"] == 2 and found["open_conflicts"] == 0
    assert {t["table"]: t["live"] for t in found["tables"]}["incidents"] == 2
    laptop1 = ids[laptops[0]]["device_id"]
    assert {d["device_id"]: d["pending"] for d in found["devices"]}[laptop1] == 1  # not its own farm back
    assert "incidents" in cli(laptops[0], "central", "status").out

    back = tmp_path / "back.rwsync"
    packaged = cli(laptops[0], "central", "package", "--for", laptop1, "--out", str(back), "--json")
    assert packaged.code == 0 and packaged.json()["encrypted"] and packaged.json()["rows"]["incidents"] == 1
    imported = cli(laptops[0], "sync", "import", str(back), "--json")
    assert imported.code == 0 and imported.json()["inserted"] == 1
    assert _places(laptops[0]) == {"Farm 1", "Farm 2"}

    out = tmp_path / "incidents.csv"
    exported = cli(laptops[0], "central", "export", "--format", "csv", "--out", str(out))
    assert exported.code == 0 and "2 incidents" in exported.out
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["place"] for r in rows} == {"Farm 1", "Farm 2"} and "reporter_phone" not in rows[0]


def test_a_laptop_whose_audit_log_was_wiped_is_a_warning_from_merge_and_an_alert_in_status(
        cli, tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    laptop = tmp_path / "laptop.db"
    central = cli(laptop, "central", "init", "--into", pg_dsn, "--json").json()
    me = cli(laptop, "sync", "identity", "--json").json()
    cli(laptop, "central", "trust", "--into", pg_dsn, "--device", me["device_id"], "--key", me["public_key"])
    assert cli(laptop, "sync", "trust", "--device", central["device_id"], "--key", central["public_key"]).code == 0
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    monkeypatch.setenv("RURALWATCH_CENTRAL_DSN", pg_dsn)
    inbox = tmp_path / "inbox"

    def send(name: str):
        assert cli(laptop, "sync", "export", "--out", str(inbox / name), "--since-last-for",
                   central["device_id"]).code == 0
        return cli(laptop, "central", "merge", str(inbox))

    _record(laptop, "Farm 1")
    first = send("1.rwsync")
    assert first.code == 0 and "WARNING" not in first.out
    assert "audit alerts: none" in cli(laptop, "central", "status").out
    conn = raw_connection(laptop)
    try:
        conn.execute("DELETE FROM audit_log")
        conn.execute("DELETE FROM meta WHERE key = ?", [HEAD_KEY])
        conn.commit()
    finally:
        conn.close()
    second = send("2.rwsync")
    assert second.code == 0, second.err  # merged all the same: the alert is for a person to look into
    # The laptop never imported a package from the central store, so it sent its (new) chain from entry 1: that
    # entry is not the one it sent before either, a line of its own.
    warnings = [line for line in second.out.splitlines() if "WARNING" in line]
    assert warnings and all(w.startswith(f"2.rwsync: WARNING: device {me['device_id']}: ") for w in warnings)
    assert any("cut or wiped" in w for w in warnings), warnings
    status = cli(laptop, "central", "status")
    assert "audit alerts: 1" in status.out and "cut or wiped" in status.out
    found = cli(laptop, "central", "status", "--json").json()["audit_alerts"]
    assert [a["device_id"] for a in found] == [me["device_id"]] and "cut or wiped" in found[0]["message"]


def test_status_trust_package_and_export_on_a_sqlite_central_file(cli, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    passphrase = tmp_path / "passphrase.txt"  # encrypted databases exchange encrypted packages only
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    central, laptop, other = tmp_path / "central.db", tmp_path / "laptop.db", tmp_path / "other.db"
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in (central, laptop, other)}
    for db in (laptop, other):
        assert cli(central, "central", "trust", "--into", str(central), "--device", ids[db]["device_id"],
                   "--key", ids[db]["public_key"]).code == 0
    cli(laptop, "sync", "trust", "--device", ids[central]["device_id"], "--key", ids[central]["public_key"])
    _record(laptop, "Farm 1")
    _record(other, "Farm 2")
    inbox = tmp_path / "inbox"
    cli(laptop, "sync", "export", "--out", str(inbox / "1.rwsync"))
    cli(other, "sync", "export", "--out", str(inbox / "2.rwsync"))
    assert cli(central, "central", "merge", str(inbox), "--into", str(central)).code == 0
    status = cli(central, "central", "status", "--from", str(central), "--json").json()
    assert status["engine"] == "sqlite" and status["packages"] == 2
    assert {t["table"]: t["live"] for t in status["tables"]}["incidents"] == 2
    assert cli(central, "central", "conflicts", "--from", str(central)).out == "no conflicts to review\n"
    packaged = cli(central, "central", "package", "--from", str(central), "--for", ids[laptop]["device_id"],
                   "--out", str(tmp_path / "back.rwsync"))
    assert packaged.code == 0 and ": 1 row, " in packaged.out  # the other laptop's incident, not its own back
    out = tmp_path / "incidents.geojson"
    assert cli(central, "central", "export", "--from", str(central), "--out", str(out)).code == 0
    assert out.exists()
    refused = cli(central, "central", "init", "--into", str(central))
    assert refused.code == 2 and "makes a PostgreSQL central store" in refused.err


def _one_line(result, needle: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert result.err.count("\n") == 1 and needle in result.err, result.err
    assert "Traceback" not in result.err


def test_what_postgresql_cannot_do_is_one_line_and_exit_2(cli, tmp_path: Path, pg_cluster: PgCluster,
                                                         pg_dsn: str) -> None:
    laptop = tmp_path / "laptop.db"
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def merge(dsn: str):
        return cli(laptop, "central", "merge", str(inbox), "--into", dsn)

    _one_line(merge(pg_cluster.dsn("no_such_database")), 'cannot connect to the central database')
    _one_line(merge(f"postgresql://postgres@/x?host={tmp_path}"), "cannot connect to the central database")
    _one_line(merge("postgresql://postgres:hunter2@localhost/x"), "password in the connection string is refused")
    _one_line(merge(pg_dsn), "holds no RuralWatch central store")
    _one_line(merge(pg_cluster.dsn(pg_cluster.new_database(postgis=False))), "PostGIS is not enabled")

    assert cli(laptop, "central", "init", "--into", pg_dsn).code == 0
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'no_rights') THEN "
                   "CREATE ROLE no_rights LOGIN; END IF; END $$")
    database = conninfo_to_dict(pg_dsn)["dbname"]
    _one_line(merge(pg_cluster.dsn(database, user="no_rights")), "the database role may not do this")
    _one_line(cli(laptop, "central", "trust", "--into", pg_cluster.dsn(database, user="no_rights"), "--device",
                  "abcdef0123456789", "--key", "00" * 32), "may not do this")

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (99, 'from the future')")
    _one_line(merge(pg_dsn), "newer than this RuralWatch")
    _one_line(cli(laptop, "central", "init", "--into", pg_dsn), "newer than this RuralWatch")


def test_sync_central_at_the_station_sends_and_receives_in_one_step(cli, tmp_path: Path, pg_dsn: str) -> None:
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    central = cli(laptops[0], "central", "init", "--into", pg_dsn, "--json").json()
    refused = cli(laptops[0], "sync", "central", "--dsn", pg_dsn)
    _one_line(refused, "does not trust the central store yet")
    for n, laptop in enumerate(laptops, start=1):
        identity = cli(laptop, "sync", "identity", "--json").json()
        cli(laptop, "sync", "trust", "--device", central["device_id"], "--key", central["public_key"], "--name", "HQ")
        if n == 1:
            _one_line(cli(laptop, "sync", "central", "--dsn", pg_dsn), "does not trust this laptop yet")
        cli(laptop, "central", "trust", "--into", pg_dsn, "--device", identity["device_id"], "--key",
            identity["public_key"])
        _record(laptop, f"Farm {n}")
    first = cli(laptops[0], "sync", "central", "--dsn", pg_dsn)
    assert first.code == 0, first.err
    # Said with the name the central store was trusted under, no temporary file names or device ids (a walk read
    # 'laptop.rwsync: applied package … from 3f9c…' and 'central.rwsync: …').
    assert first.out.splitlines()[-2:] == [
        "sent 1 row to HQ: 1 new, 0 updated, 0 unchanged, 0 conflicts",
        "received 0 rows from HQ: 0 new, 0 updated, 0 unchanged, 0 conflicts"]
    assert central["device_id"] not in first.out and ".rwsync" not in first.out
    # The second laptop remembers its central store (as the window's Settings do) and syncs without --dsn.
    assert "no central store remembered" in cli(laptops[1], "sync", "central-store").out
    _one_line(cli(laptops[1], "sync", "central"), "no central store named")
    assert cli(laptops[1], "sync", "central-store", pg_dsn).code == 0
    assert cli(laptops[1], "sync", "central-store").out.strip() == pg_dsn
    second = cli(laptops[1], "sync", "central", "--json")
    assert second.code == 0 and second.json()["received"]["inserted"] == 1
    again = cli(laptops[0], "sync", "central", "--dsn", pg_dsn, "--json")
    assert again.code == 0 and again.json()["received"]["inserted"] == 1
    assert _places(laptops[0]) == _places(laptops[1]) == {"Farm 1", "Farm 2"}
    _one_line(cli(laptops[0], "sync", "central", "--dsn", str(tmp_path / "central.db")), "PostgreSQL central store")
    # A string that would leak a password, or is no connection string, is refused and the remembered one kept.
    _one_line(cli(laptops[1], "sync", "central-store", "postgresql://hq:secret@db/rw"), "password")
    _one_line(cli(laptops[1], "sync", "central-store", str(tmp_path / "central.db")), "not a PostgreSQL connection")
    assert cli(laptops[1], "sync", "central-store").out.strip() == pg_dsn
    assert cli(laptops[1], "sync", "central-store", "--clear").code == 0
    assert "no central store remembered" in cli(laptops[1], "sync", "central-store").out


def test_a_laptop_restored_from_a_backup_gets_back_at_the_station_what_it_had_since(cli, tmp_path: Path,
                                                                                 pg_dsn: str) -> None:
    """The central store counts what a laptop sent, and what it was sent, as held by it. After a restore the laptop
    has lost both: an ordinary package never brought them back (a walk restored a laptop, ran `sync central` and
    got 1 of its 4 incidents back), so the first sync after a restore asks for everything."""
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    central = cli(laptops[0], "central", "init", "--into", pg_dsn, "--json").json()
    for laptop in laptops:
        identity = cli(laptop, "sync", "identity", "--json").json()
        cli(laptop, "sync", "trust", "--device", central["device_id"], "--key", central["public_key"])
        cli(laptop, "central", "trust", "--into", pg_dsn, "--device", identity["device_id"], "--key",
            identity["public_key"])
    made = cli(laptops[0], "backup", "--to", str(tmp_path / "usb"))
    assert made.code == 0, made.err
    backup = made.out.strip().splitlines()[-1]
    _record(laptops[0], "Written after the backup")
    _record(laptops[1], "Received after the backup")
    assert cli(laptops[1], "sync", "central", "--dsn", pg_dsn).code == 0
    assert cli(laptops[0], "sync", "central", "--dsn", pg_dsn).code == 0
    assert _places(laptops[0]) == {"Written after the backup", "Received after the backup"}
    restored = cli(laptops[0], "restore", "--from", backup, "--yes")
    assert restored.code == 0, restored.err
    assert _places(laptops[0]) == set()
    # `central package --full` is what a laptop exchanging files asks the central store for.
    full = cli(laptops[0], "central", "package", "--from", pg_dsn, "--for", cli(laptops[0], "sync", "identity",
               "--json").json()["device_id"], "--out", str(tmp_path / "full.rwsync"), "--unencrypted", "--full",
               "--json")
    assert full.code == 0 and full.json()["rows"]["incidents"] == 2, full.err
    back = cli(laptops[0], "sync", "central", "--dsn", pg_dsn)
    # What it is doing goes to stderr, as every long command's progress does (the window shows the same notes).
    assert back.code == 0 and "this laptop was restored from a backup" in back.err, back.err
    assert _places(laptops[0]) == {"Written after the backup", "Received after the backup"}
    again = cli(laptops[0], "sync", "central", "--dsn", pg_dsn)  # once: the next is an ordinary one
    assert again.code == 0 and "what the rest of the force changed" in again.err


def _edit_place(db: Path, place: str) -> None:
    store = open_db(db)
    try:
        incidents = IncidentService(store)
        (incident,) = incidents.list()
        changed = incident.to_input()
        changed.place = place
        incidents.update(incident.id, changed)
    finally:
        store.close()


def test_conflicts_found_by_a_postgresql_central_store_are_listed_and_settled_from_a_laptop(cli, tmp_path: Path,
                                                                                          pg_dsn: str) -> None:
    """A walk's two laptops edited one description at once and synced at the station: the merge said '1 conflict',
    `central status` '1 open conflicts', and nothing anywhere showed the value that lost (no laptop lists a conflict
    found at the central store)."""
    laptops = _two_laptops_in_conflict(cli, tmp_path, pg_dsn)
    assert "1 open conflict (`central conflicts` lists them)" in cli(laptops[0], "central", "status", "--from",
                                                                     pg_dsn).out
    listed = cli(laptops[0], "central", "conflicts", "--from", pg_dsn)
    assert listed.code == 0 and listed.out.count("\n") == 1, listed.err
    assert "'Farm, north gate' from RET laptop 1" in listed.out
    assert "'Farm, by the barn' from RET laptop 2" in listed.out
    # Settled by a laptop editing the record again: its merge closes the conflict as superseded.
    _edit_place(laptops[1], "Farm, north gate by the barn")
    assert cli(laptops[1], "sync", "central", "--dsn", pg_dsn).code == 0
    assert cli(laptops[0], "central", "conflicts", "--from", pg_dsn).out == "no conflicts to review\n"
    assert "(resolved: superseded)" in cli(laptops[0], "central", "conflicts", "--from", pg_dsn, "--all").out


def _two_laptops_in_conflict(cli, tmp_path: Path, pg_dsn: str) -> list[Path]:
    laptops = [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    central = cli(laptops[0], "central", "init", "--into", pg_dsn, "--json").json()
    for n, laptop in enumerate(laptops, start=1):
        identity = cli(laptop, "sync", "identity", "--json").json()
        cli(laptop, "sync", "trust", "--device", central["device_id"], "--key", central["public_key"])
        cli(laptop, "central", "trust", "--into", pg_dsn, "--device", identity["device_id"], "--key",
            identity["public_key"], "--name", f"RET laptop {n}")
    _record(laptops[0], "Farm")
    for laptop in (*laptops, laptops[0]):
        assert cli(laptop, "sync", "central", "--dsn", pg_dsn).code == 0
    _edit_place(laptops[0], "Farm, north gate")
    _edit_place(laptops[1], "Farm, by the barn")
    for laptop in laptops:
        assert cli(laptop, "sync", "central", "--dsn", pg_dsn).code == 0
    return laptops


@pytest.mark.parametrize("choice", ["mine", "theirs", "merged"])
def test_a_conflict_on_a_postgresql_central_store_is_resolved_by_command_and_reaches_every_laptop(
        cli, tmp_path: Path, pg_dsn: str, choice: str) -> None:
    """`central conflicts` listed a PostgreSQL store's conflicts but nothing settled one but a laptop's new edit.
    `central resolve ID mine|theirs|merged [--value V]` does, by `sync resolve`'s rules, audited in merge_audit; the
    decision is a new edit that reaches both laptops with their next package."""
    laptops = _two_laptops_in_conflict(cli, tmp_path, pg_dsn)
    (conflict,) = cli(laptops[0], "central", "conflicts", "--from", pg_dsn, "--json").json()
    expected = {"mine": conflict["local_value"], "theirs": conflict["incoming_value"],
                "merged": "Farm, north gate by the barn"}[choice]
    extra = ["--value", expected] if choice == "merged" else []
    done = cli(laptops[0], "central", "resolve", "--into", pg_dsn, str(conflict["id"]), choice, *extra)
    assert done.code == 0, done.err
    assert f"conflict {conflict['id']} resolved ({choice})" in done.out
    assert cli(laptops[0], "central", "conflicts", "--from", pg_dsn).out == "no conflicts to review\n"
    assert f"(resolved: {choice})" in cli(laptops[0], "central", "conflicts", "--from", pg_dsn, "--all").out
    status = cli(laptops[0], "central", "status", "--from", pg_dsn, "--json").json()
    assert status["open_conflicts"] == 0 and all(d["pending"] == 1 for d in status["devices"])
    for laptop in laptops:
        assert cli(laptop, "sync", "central", "--dsn", pg_dsn).code == 0
        assert _places(laptop) == {expected}
    # Both laptops have it now and say so with their next package (they name the central store's clock): nothing
    # more to send; and a later edit on a laptop is no conflict with it.
    for laptop in laptops:
        assert cli(laptop, "sync", "central", "--dsn", pg_dsn).code == 0
    for n, laptop in enumerate(laptops):
        device = cli(laptop, "sync", "identity", "--json").json()["device_id"]
        made = cli(laptop, "central", "package", "--from", pg_dsn, "--for", device, "--out",
                   str(tmp_path / f"again{n}.rwsync"), "--unencrypted", "--json")
        assert made.code == 0 and sum(made.json()["rows"].values()) == 0, made.out
    _edit_place(laptops[1], "Farm, gate lodge")
    for laptop in (laptops[1], laptops[0]):
        assert cli(laptop, "sync", "central", "--dsn", pg_dsn).code == 0
    assert _places(laptops[0]) == {"Farm, gate lodge"}
    assert cli(laptops[0], "central", "conflicts", "--from", pg_dsn).out == "no conflicts to review\n"
    with psycopg.connect(pg_dsn) as conn:
        (detail,) = [json.loads(row[0]) for row in conn.execute(
            "SELECT detail FROM merge_audit WHERE action = 'resolve'").fetchall()]
    assert detail["conflict"] == conflict["id"] and detail["resolution"] == choice and detail["field"] == "place"
    assert "Farm" not in json.dumps(detail)  # the audit names the choice, not the (maybe personal) values


def test_resolving_on_a_postgresql_central_store_refuses_what_sync_resolve_refuses(cli, tmp_path: Path,
                                                                                       pg_dsn: str) -> None:
    laptops = _two_laptops_in_conflict(cli, tmp_path, pg_dsn)
    (conflict,) = cli(laptops[0], "central", "conflicts", "--from", pg_dsn, "--json").json()
    _one_line(cli(laptops[0], "central", "resolve", "--into", pg_dsn, str(conflict["id"]), "merged"),
              "a merged resolution needs the merged value")
    _one_line(cli(laptops[0], "central", "resolve", "--into", pg_dsn, "x", "mine"),
              "`ruralwatch central conflicts` lists them")
    _one_line(cli(laptops[0], "central", "resolve", "--into", pg_dsn, "999", "mine"), "no sync conflict with id 999")
    assert cli(laptops[0], "central", "resolve", "--into", pg_dsn, str(conflict["id"]), "theirs").code == 0
    _one_line(cli(laptops[0], "central", "resolve", "--into", pg_dsn, str(conflict["id"]), "mine"),
              "is already resolved")
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM merge_audit WHERE action = 'resolve'").fetchone()[0] == 1


def test_published_crime_goes_into_either_engine_once_with_its_points(cli, tmp_path: Path, pg_dsn: str) -> None:
    files = [FIXTURES / "2018-01-essex-street-first150.csv", FIXTURES / "2018-04-essex-street-no-id-or-location.csv"]
    laptop = tmp_path / "central.db"
    assert cli(laptop, "central", "init", "--into", pg_dsn).code == 0
    first = cli(laptop, "central", "published", *map(str, files), "--into", pg_dsn, "--json")
    assert first.code == 0, first.err
    on_file = cli(laptop, "central", "published", *map(str, files), "--into", str(laptop), "--json")
    assert {k: first.json()[k] for k in ("rows_read", "imported", "duplicates", "rejected")} \
        == {k: on_file.json()[k] for k in ("rows_read", "imported", "duplicates", "rejected")}
    assert first.json()["imported"] > 100
    again = cli(laptop, "central", "published", *map(str, files), "--into", pg_dsn)
    assert again.code == 0 and " 0 published crimes imported" in again.out
    with psycopg.connect(pg_dsn) as conn:
        total, located, close = conn.execute(
            "SELECT count(*), count(geom), count(*) FILTER (WHERE abs(ST_X(geom_bng) - easting) < 0.01 AND "
            "abs(ST_Y(geom_bng) - northing) < 0.01) FROM analyst.published_crimes").fetchone()
    assert total == first.json()["imported"] and 0 < located < total and close == located


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_central_trust_refuses_another_key_for_a_trusted_laptop_unless_replace_key(
        cli, tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Re-trusting a laptop with a different key replaced it silently: refused (exit 2, nothing changed) unless
    --replace-key, and the central store's audit names both keys."""
    from ruralwatch.sync.crypto import KeyPair, fingerprint

    laptop = tmp_path / "laptop.db"
    if engine == "postgresql":
        into = request.getfixturevalue("pg_dsn")
        assert cli(laptop, "central", "init", "--into", into).code == 0
    else:
        into = str(tmp_path / "central.db")
        open_db(Path(into)).close()
    device, first, second = "abcdef0123456789", KeyPair.generate().public_hex(), KeyPair.generate().public_hex()

    def trust(key: str, *extra: str):
        return cli(laptop, "central", "trust", "--into", into, "--device", device, "--key", key, *extra)

    assert trust(first, "--name", "RET laptop 3").code == 0
    refused = trust(second)
    _one_line(refused, "RET laptop 3) is already trusted here with another key")
    assert fingerprint(first) in refused.err and "--replace-key" in refused.err
    devices = cli(laptop, "central", "status", "--from", into, "--json").json()["devices"]
    assert [d["public_key"] for d in devices] == [first]
    replaced = trust(second, "--replace-key")
    assert replaced.code == 0 and f"key {fingerprint(first)} replaced" in replaced.out
    devices = cli(laptop, "central", "status", "--from", into, "--json").json()["devices"]
    assert [d["public_key"] for d in devices] == [second]
    if engine == "postgresql":
        with psycopg.connect(into) as conn:
            details = [json.loads(row[0]) for row in conn.execute(
                "SELECT detail FROM merge_audit WHERE action = 'trust' ORDER BY id").fetchall()]
    else:
        db = raw_connection(Path(into))
        try:
            details = [json.loads(row[0]) for row in db.execute(
                "SELECT changes FROM audit_log WHERE action = 'trust' ORDER BY seq")]
        finally:
            db.close()
    assert len(details) == 2  # the refusal wrote nothing
    assert (details[1]["replaced_fingerprint"], details[1]["fingerprint"]) == (fingerprint(first), fingerprint(second))


def test_a_wrong_central_store_file_is_one_line_and_left_as_it_was(cli, tmp_path: Path) -> None:
    """The window reviews only the central store set in Settings; the command line only the one --from / --into
    names: a file that is not a RuralWatch database, a damaged one or one the password does not open is one line,
    exit code 2, and the file is not touched."""
    from ruralwatch.services.accounts import create_database
    from ruralwatch.store.keyring import TEST_PARAMS

    laptop = tmp_path / "laptop.db"
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    other = tmp_path / "other.db"  # a central store file with its own accounts and password
    create_database(other, "hqadmin", "another long password", TEST_PARAMS).close()
    files = (notes, damaged, other)
    before = {path: path.read_bytes() for path in files}
    for path, said in zip(files, ("cannot be used", "cannot be read as a database", "wrong password"), strict=True):
        _one_line(cli(laptop, "central", "conflicts", "--from", str(path)), said)
        _one_line(cli(laptop, "central", "resolve", "--into", str(path), "1", "mine"), said)
    assert {path: path.read_bytes() for path in files} == before
    _one_line(cli(laptop, "central", "conflicts"), "no central store named")
