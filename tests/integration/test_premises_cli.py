"""`ruralwatch premises` and `ruralwatch property`: a farm registered with its contact (sealed at rest), schemes,
a prevention visit and registered property; incidents linked to it, the second one flagged as a repeat; a serial
checked in any spelling against stolen items and registered property, and audited; bad input is one line and
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Cli, Result, open_db, raw_connection

from ruralwatch.services.container import Services


def _add_farm(cli: Cli) -> str:
    added = cli("premises", "add", "--name", "Grange Farm", "--kind", "farm", "--grid-ref", "TL 61234 35678",
                "--contact-name", "Jo Farmer", "--contact-phone", "01632 960001", "--scheme", "Farm Watch",
                "--scheme", "horse_watch", "--registered", "2025-03-01", "--json")
    assert added.code == 0, added.err
    return str(added.json()["id"])


def test_premises_property_visits_links_and_serial_checks(cli: Cli, encrypted_db: Path) -> None:
    farm = _add_farm(cli)
    shown = cli("premises", "show", "grange farm", "--json").json()
    assert shown["grid_ref"] == "TL 61234 35678" and 561234 < shown["easting"] < 561235
    assert 51.9 < shown["lat"] < 52.1 and shown["schemes"] == ["farm_watch", "horse_watch"]
    assert shown["contact_phone"] == "01632 960001"  # the administrator may see personal data

    assert cli("premises", "visit", "Grange Farm", "--date", "2026-10-01", "--officer", "PC Smith",
               "--advice", "Lock the GPS units away").code == 0
    item = cli("property", "add", "Grange Farm", "--kind", "gps_unit", "--make", "John Deere", "--model",
               "StarFire 6000", "--serial", "jd-sf 000123", "--marking", "datatag", "--marking-ref", "DT-99",
               "--photo", "photos/starfire.jpg", "--json")
    assert item.code == 0, item.err
    assert item.json()["serial_number"] == "JDSF000123" and item.json()["photos"] == ["photos/starfire.jpg"]

    first = cli("incidents", "add", "--kind", "equipment_theft", "--when", "2026-05-02 03:00", "--grid-ref",
                "TL 61234 35678", "--item", "category=gps_unit,make=John Deere,serial=JD-SF 000123",
                "--premises", "Grange Farm")
    assert first.code == 0, first.err
    assert "victimised before" not in first.err
    second = cli("incidents", "add", "--kind", "equipment_theft", "--when", "2026-11-20 02:00", "--grid-ref",
                 "TL 61234 35678", "--premises", farm[:8], "--json")
    assert second.code == 0, second.err
    assert "warning: victimised before: Grange Farm had 1 incident in the 365 days before" in second.err
    repeat = second.json()["repeat"]
    assert repeat["victimised_before"] and repeat["earlier"][0]["id"] == first.out.strip()
    assert second.json()["premises_id"] == farm

    # An incident recorded before linking: linked afterwards, and unlinked.
    third = cli("incidents", "add", "--kind", "fuel_theft", "--when", "2026-11-25 01:00", "--grid-ref",
                "TL 61234 35678").out.strip()
    linked = cli("premises", "link", third, "--premises", "Grange Farm", "--json").json()
    assert len(linked["repeat"]["earlier"]) == 2
    assert cli("premises", "link", third, "--none").code == 0
    assert [i["id"] for i in cli("premises", "show", farm, "--json").json()["incidents"]] == [
        second.json()["id"], first.out.strip()]

    checked = cli("property", "check", "jdsf-000 123", "--json")
    assert checked.code == 0, checked.err
    found = checked.json()
    assert found["stolen"] and {m["source"] for m in found["matches"]} == {"stolen", "registered"}
    stolen = next(m for m in found["matches"] if m["source"] == "stolen")
    assert stolen["incident_id"] == first.out.strip() and "Grange Farm" in stolen["where"]
    assert stolen["when"].startswith("2026-05-02")
    text = cli("property", "check", "JDSF000123")
    assert "STOLEN" in text.out and "REGISTERED since 2025-03-01" in text.out
    assert "no match" in cli("property", "check", "XYZ-999").out

    listed = cli("property", "list", "--premises", "Grange Farm", "--json").json()
    assert [i["make"] for i in listed] == ["John Deere"]
    assert [p["name"] for p in cli("premises", "list", "--scheme", "horse_watch", "--json").json()] == [
        "Grange Farm"]
    assert cli("premises", "list", "--text", "TL6123", "--json").json()[0]["id"] == farm

    assert "within 365 days" in cli("premises", "window").out
    assert "within 180 days" in cli("premises", "window", "--days", "180").out
    bad_window = cli("premises", "window", "--days", "0")
    assert bad_window.code == 2 and "--days" in bad_window.err
    linked_again = cli("premises", "link", third, "--premises", "Grange Farm", "--json").json()
    assert [i["id"] for i in linked_again["repeat"]["earlier"]] == [second.json()["id"]]  # May is out of 180 days
    assert cli("premises", "link", third, "--none").code == 0

    edited = cli("premises", "edit", "Grange Farm", "--no-schemes", "--address", "Grange Lane", "--json").json()
    assert edited["schemes"] == [] and edited["address"] == "Grange Lane"
    assert edited["contact_name"] == "Jo Farmer"  # options not given keep their value

    store = open_db(encrypted_db)
    try:
        actions = [row[0] for row in store.db.execute(
            "SELECT action FROM audit_log WHERE action = 'property_check' OR target_table LIKE 'premises%'")]
        assert actions.count("property_check") == 3
        assert {"create", "update"} <= set(actions)
        verified = Services.build(store).audit.verify()
        assert verified.ok, verified.summary()
    finally:
        store.close()
    conn = raw_connection(encrypted_db)
    try:
        name, phone = conn.execute("SELECT contact_name, contact_phone FROM premises").fetchone()
        assert name.startswith("rwf1:") and phone.startswith("rwf1:")  # sealed at rest, like reporters'
    finally:
        conn.close()


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, encrypted_db: Path) -> None:
    wrong = cli("premises", "add", "--name", "Moat Farm", "--grid-ref", "TI 123 456")
    assert wrong.code == 2 and wrong.err.count("\n") == 1 and "--grid-ref" in wrong.err
    odd = cli("premises", "add", "--name", "Moat Farm", "--grid-ref", "TL 1234 567")
    assert odd.code == 2 and "same number of digits" in odd.err
    assert cli("premises", "add", "--name", "Moat Farm", "--grid-ref", "TL 12 34", "--scheme", "Pony Club").code == 2
    assert cli("premises", "list", "--json").json() == []
    _add_farm(cli)
    edit = cli("premises", "edit", "Grange Farm", "--grid-ref", "nowhere")
    assert edit.code == 2 and "--grid-ref" in edit.err
    assert cli("premises", "show", "Grange Farm", "--json").json()["grid_ref"] == "TL 61234 35678"
    assert cli("property", "add", "Grange Farm", "--kind", "spaceship", "--serial", "X1").code == 2
    assert cli("property", "add", "Nowhere Farm", "--kind", "tools", "--serial", "X123").code == 2
    assert cli("property", "list", "--json").json() == []
    assert cli("property", "check", "--").code == 2
    short = cli("property", "check", "a-1")
    assert short.code == 2 and "SERIAL" in short.err
    assert cli("premises", "visit", "Grange Farm", "--date", "yesterday", "--officer", "PC Smith").code == 2
    assert cli("premises", "link", "no-such-incident", "--premises", "Grange Farm").code == 2
    store = open_db(encrypted_db)
    try:
        assert store.db.execute("SELECT count(*) FROM premises_visits").fetchone()[0] == 0
    finally:
        store.close()


def test_premises_sync_between_encrypted_laptops_and_into_the_central_store(
        capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = Cli(capsys, db_path)

    def cli(db: Path, *argv: str) -> Result:
        if not db.exists():
            open_db(db).close()  # each laptop's database, encrypted, with its administrator
        return harness(*argv, db=db)

    first, second, central = (tmp_path / f"{name}.db" for name in ("first", "second", "central"))
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in (first, second, central)}
    for receiver in (second, central):
        assert cli(receiver, "sync", "trust", "--device", ids[first]["device_id"], "--key",
                   ids[first]["public_key"], "--name", "first").code == 0
    farm = cli(first, "premises", "add", "--name", "Grange Farm", "--grid-ref", "TL 61234 35678", "--contact-name",
               "Jo Farmer", "--contact-email", "jo@example.org", "--scheme", "farm_watch", "--json").json()["id"]
    assert cli(first, "property", "add", "Grange Farm", "--kind", "quad_atv", "--make", "Honda", "--serial",
               "HON-420-77", "--marking", "cesar").code == 0
    assert cli(first, "premises", "visit", farm, "--date", "2026-10-01", "--officer", "PC Smith").code == 0
    theft = cli(first, "incidents", "add", "--kind", "equipment_theft", "--when", "2026-11-20 02:00", "--grid-ref",
                "TL 61234 35678", "--premises", farm).out.strip()

    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    package = tmp_path / "inbox" / "first.rwsync"
    exported = cli(first, "sync", "export", "--out", str(package), "--json").json()
    assert (exported["rows"]["premises"], exported["rows"]["premises_property"], exported["rows"]["premises_visits"]
            ) == (1, 1, 1)
    assert cli(second, "sync", "import", str(package)).code == 0
    shown = cli(second, "premises", "show", "Grange Farm", "--json").json()
    assert (shown["contact_name"], shown["contact_email"], shown["schemes"]) == (
        "Jo Farmer", "jo@example.org", ["farm_watch"])
    assert [v["officer"] for v in shown["visits"]] == ["PC Smith"] and [i["id"] for i in shown["incidents"]] == [theft]
    assert cli(second, "property", "check", "hon42077", "--json").json()["matches"][0]["premises_id"] == farm
    conn = raw_connection(second)
    try:
        (name,) = conn.execute("SELECT contact_name FROM premises").fetchone()
        assert name.startswith("rwf1:")  # re-sealed by the receiver
    finally:
        conn.close()

    merged = cli(central, "central", "merge", str(package.parent), "--into", str(central), "--json")
    assert merged.code == 0 and [r["status"] for r in merged.json()] == ["applied"]
    assert cli(central, "premises", "show", farm, "--json").json()["incidents"][0]["id"] == theft


def test_premises_to_visit_after_a_theft_nearby(cli: Cli, encrypted_db: Path) -> None:
    farm = _add_farm(cli)
    assert cli("premises", "add", "--name", "Far Farm", "--grid-ref", "TL 63234 35678").code == 0
    assert cli("premises", "visit", "Grange Farm", "--date", "2026-09-01", "--officer", "PC Olive").code == 0
    assert cli("analysis", "zone-settings", "--metres", "400", "--days", "14").code == 0
    theft = cli("incidents", "add", "--kind", "equipment_theft", "--when", "2026-11-20 03:00", "--grid-ref",
                "TL 61234 35878", "--place", "Hall Farm", "--json")
    assert theft.code == 0, theft.err
    earlier = cli("incidents", "add", "--kind", "fuel_theft", "--when", "2026-08-01 03:00", "--grid-ref",
                  "TL 61234 35678", "--json")
    assert cli("premises", "link", str(earlier.json()["id"]), "--premises", "Grange Farm").code == 0

    found = cli("premises", "to-visit", "--at", "2026-11-24", "--json")
    assert found.code == 0, found.err
    rows = found.json()
    assert [(r["premises_id"], r["incident_id"]) for r in rows] == [(farm, theft.json()["id"])]
    assert rows[0]["last_visit"] == "2026-09-01" and rows[0]["repeat"] is True
    assert 199 < rows[0]["distance_m"] < 202 and "contact_phone" not in rows[0]
    text = cli("premises", "to-visit", "--at", "2026-11-24T12:00")
    assert text.code == 0 and "1 premises to visit" in text.out and "Grange Farm" in text.out
    assert "REPEAT VICTIM" in text.out and "Jo Farmer" not in text.out
    assert "0 premises to visit" in cli("premises", "to-visit", "--at", "2026-12-20").out
    bad = cli("premises", "to-visit", "--at", "someday")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "--at" in bad.err
