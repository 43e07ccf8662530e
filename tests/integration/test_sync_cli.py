"""Sync commands end to end through `ruralwatch` itself: identity, trust, export, import and `central merge`
over three laptops (central merge works on --into and never opens the laptop's own database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import Cli, open_db

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store.syncable import SyncTable


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path):
    """`cli(DB, *argv)`: the real `ruralwatch --db DB ...` in-process, as a user would type it."""
    harness = Cli(capsys, db_path)

    def run(db: Path, *argv: str):
        if not db.exists():
            open_db(db).close()  # each laptop's database, encrypted, with its administrator
        return harness(*argv, db=db)

    return run


def _record(db: Path, place: str) -> str:
    store = open_db(db)
    try:
        incident = IncidentService(store).record(
            IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3, place=place)
        )
        return incident.id
    finally:
        store.close()


def _places(db: Path) -> set[str]:
    store = open_db(db)
    try:
        return {row[0] for row in store.db.execute("SELECT place FROM incidents WHERE deleted = 0")}
    finally:
        store.close()


def test_three_laptops_and_the_central_store(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    central = tmp_path / "central.db"
    laptops = [tmp_path / f"laptop{n}.db" for n in (1, 2, 3)]
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in [central, *laptops]}
    assert all(len(i["public_key"]) == 64 for i in ids.values())
    text = cli(central, "sync", "identity")
    assert ids[central]["device_id"] in text.out and ids[central]["public_key"] in text.out

    for n, laptop in enumerate(laptops, start=1):
        assert cli(laptop, "sync", "trust", "--device", ids[central]["device_id"], "--key",
                   ids[central]["public_key"], "--name", "central").code == 0
        if n < 3:  # laptop 3 is not trusted by the central store
            trusted = cli(central, "sync", "trust", "--device", ids[laptop]["device_id"], "--key",
                          ids[laptop]["public_key"], "--name", f"laptop {n}")
            assert trusted.code == 0 and "trusted device" in trusted.out
        _record(laptop, f"Farm {n}")

    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)  # owner only: no warning on stderr
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    inbox = tmp_path / "inbox"
    for n, laptop in enumerate(laptops, start=1):
        exported = cli(laptop, "sync", "export", "--out", str(inbox / f"{n}.rwsync"), "--since-last-for",
                       ids[central]["device_id"], "--json")
        assert exported.code == 0 and exported.json()["encrypted"] and exported.json()["rows"]["incidents"] == 1

    merged = cli(central, "central", "merge", str(inbox), "--into", str(central), "--json")
    assert merged.code == 2
    assert [r["status"] for r in merged.json()] == ["applied", "applied", "refused"]
    assert "unknown signer" in merged.json()[2]["message"]
    assert _places(central) == {"Farm 1", "Farm 2"}

    again = cli(central, "central", "merge", str(inbox), "--into", str(central))
    assert again.code == 2 and "2 skipped, 1 refused" in again.out

    # The central store exports back to a laptop like any device.
    back = inbox.parent / "back.rwsync"
    laptop1 = ids[laptops[0]]["device_id"]
    assert cli(central, "sync", "export", "--out", str(back), "--since-last-for", laptop1).code == 0
    imported = cli(laptops[0], "sync", "import", str(back), "--json")
    assert imported.code == 0 and imported.json()["status"] == "applied" and imported.json()["inserted"] == 1
    assert _places(laptops[0]) == {"Farm 1", "Farm 2"}

    # A wrong passphrase is one line on stderr (after the progress lines, as `published import` says them), exit
    # code 2, no traceback.
    passphrase.write_text("not it")
    refused = cli(laptops[1], "sync", "import", str(back))
    said = refused.err.splitlines()
    assert refused.code == 2 and said[-1].startswith("ruralwatch: error: wrong passphrase")
    assert all(line.startswith("  Reading package") for line in said[:-1])


def test_conflicts_listed_and_resolved_from_the_cli(cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    ida, idb = (cli(db, "sync", "identity", "--json").json() for db in (a, b))
    cli(a, "sync", "trust", "--device", idb["device_id"], "--key", idb["public_key"])
    cli(b, "sync", "trust", "--device", ida["device_id"], "--key", ida["public_key"])
    incident_id = _record(a, "Start")
    refused = cli(a, "sync", "export", "--out", str(tmp_path / "plain.rwsync"))
    assert refused.code == 2 and "encrypted" in refused.err and not (tmp_path / "plain.rwsync").exists()
    unencrypted = cli(a, "sync", "export", "--out", str(tmp_path / "plain.rwsync"), "--unencrypted")
    assert unencrypted.code == 2 and "give a passphrase" in unencrypted.err  # an encrypted database's never leave plain
    secret = tmp_path / "sync.pass"
    secret.write_text("a shared sync passphrase\n", encoding="utf-8")
    secret.chmod(0o600)
    cli(a, "sync", "export", "--out", str(tmp_path / "1.rwsync"), "--passphrase-file", str(secret))
    cli(b, "sync", "import", str(tmp_path / "1.rwsync"), "--passphrase-file", str(secret))
    for db, place in ((a, "A place"), (b, "B place")):
        store = open_db(db)
        try:
            with store.transaction():
                SyncTable(store, "incidents").update(incident_id, {"place": place})
        finally:
            store.close()
    cli(a, "sync", "export", "--out", str(tmp_path / "2.rwsync"), "--passphrase-file", str(secret))
    assert cli(b, "sync", "import", str(tmp_path / "2.rwsync"), "--passphrase-file", str(secret)).code == 0
    (conflict,) = cli(b, "sync", "conflicts", "--json").json()
    assert conflict["field"] == "place" and conflict["local_value"] == "B place"
    # Which device wrote each value: A was trusted with no name, so by its id.
    assert (conflict["local_device"], conflict["incoming_device"]) == ("this device", f"device {ida['device_id']}")
    listed = cli(b, "sync", "conflicts").out
    assert f"mine 'B place' from this device, theirs 'A place' from device {ida['device_id']}" in listed
    bogus = cli(b, "sync", "resolve", "bogus", "mine")  # argparse said "argument ID: invalid int value: 'bogus'"
    assert bogus.code == 2 and bogus.out == ""
    assert bogus.err == ("ruralwatch: error: 'bogus' is not a conflict's ID: `ruralwatch sync conflicts` lists them, "
                         "with the number to give\n")
    assert cli(b, "sync", "conflicts", "--json").json() == [conflict]  # nothing changed
    resolved = cli(b, "sync", "resolve", str(conflict["id"]), "merged", "--value", "A and B place")
    assert resolved.code == 0 and "resolved (merged)" in resolved.out
    assert cli(b, "sync", "conflicts", "--json").json() == []
    assert _places(b) == {"A and B place"}
    # None left: said, not an empty answer that read as a command that did nothing.
    assert cli(b, "sync", "conflicts").out == "no conflicts to review\n"


def test_bad_trust_key_is_one_line(cli, tmp_path: Path) -> None:
    result = cli(tmp_path / "x.db", "sync", "trust", "--device", "abcdef0123456789", "--key", "nothex")
    assert result.code == 2 and "64 hex digits" in result.err and "'n' is not a hex digit" in result.err
    # A key copied by hand one digit short says so (a walk's Trust a device… only said it must be 64 digits).
    short = cli(tmp_path / "x.db", "sync", "trust", "--device", "abcdef0123456789", "--key", "ab" * 31 + "c")
    assert short.code == 2 and "this one has 63, a digit or more lost in copying" in short.err


def test_a_special_may_not_list_sync_conflicts(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conflicts show whole field values (reporters' phone numbers): only roles that resolve them read them."""
    from fixtures.accounts import add_account

    laptop = tmp_path / "laptop.db"
    assert cli(laptop, "sync", "conflicts").code == 0  # the administrator may
    store = open_db(laptop)
    try:
        add_account(store, "sam", "special", "special constable sam")
    finally:
        store.close()
    password = tmp_path / "sam.txt"
    password.write_text("special constable sam\n")
    password.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(password))

    result = cli(laptop, "--user", "sam", "sync", "conflicts", "--json")

    assert result.code == 2 and "may not" in result.err and result.out == ""


def test_the_package_passphrase_file_alone_is_told_from_the_account_password(cli, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A walk ran `central merge INBOX --into central.db --passphrase-file F` as the guide's first line reads and
    # was told "no password given: use --passphrase-file PATH", which it had just given.
    monkeypatch.delenv("RURALWATCH_PASSPHRASE_FILE")
    phrase = tmp_path / "phrase.txt"
    phrase.write_text("agreed sync phrase\n", encoding="utf-8")
    phrase.chmod(0o600)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    central = tmp_path / "central.db"
    result = cli(central, "central", "merge", str(inbox), "--into", str(central), "--passphrase-file", str(phrase))
    assert result.code == 2
    assert "the --passphrase-file after `central merge` is the package passphrase" in result.err
    assert "ruralwatch --passphrase-file PATH central merge" in result.err


def test_demo_data_on_two_laptops_stays_on_each_and_syncs_no_conflict(cli, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the demo on two laptops and syncing them through the central store gave ~2,860 "updated" rows and
    conflicts on reported_at: demo data now never leaves the laptop that loaded it (ruralwatch.sync.demo_rows)."""
    central, laptops = tmp_path / "central.db", [tmp_path / "laptop1.db", tmp_path / "laptop2.db"]
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in [central, *laptops]}
    for n, laptop in enumerate(laptops, start=1):
        cli(laptop, "sync", "trust", "--device", ids[central]["device_id"], "--key", ids[central]["public_key"])
        cli(central, "sync", "trust", "--device", ids[laptop]["device_id"], "--key", ids[laptop]["public_key"])
        assert cli(laptop, "demo", "--incidents", "30").code == 0
        _record(laptop, f"Farm {n}")
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    inbox = tmp_path / "inbox"
    for n, laptop in enumerate(laptops, start=1):
        exported = cli(laptop, "sync", "export", "--out", str(inbox / f"{n}.rwsync"), "--since-last-for",
                       ids[central]["device_id"])
        assert exported.code == 0 and ": 1 row, " in exported.out and "demo rows stay on this laptop" in exported.out

    merged = cli(central, "central", "merge", str(inbox), "--into", str(central), "--json")
    assert merged.code == 0
    assert [(r["status"], r["inserted"], r["updated"], r["conflicts"]) for r in merged.json()] == \
        [("applied", 1, 0, 0)] * 2
    assert _places(central) == {"Farm 1", "Farm 2"}

    back = tmp_path / "back.rwsync"
    laptop1 = ids[laptops[0]]["device_id"]
    assert cli(central, "sync", "export", "--out", str(back), "--since-last-for", laptop1).code == 0
    imported = cli(laptops[0], "sync", "import", str(back), "--json").json()
    assert (imported["inserted"], imported["updated"], imported["conflicts"]) == (1, 0, 0)
    assert cli(laptops[0], "sync", "conflicts").out == "no conflicts to review\n"
    assert "Farm 2" in _places(laptops[0])

    # Removing the demo afterwards works as before; its tombstones stay on the laptop too.
    assert cli(laptops[0], "demo", "--remove").code == 0
    after = cli(laptops[0], "sync", "export", "--out", str(tmp_path / "after.rwsync"), "--since-last-for",
                ids[central]["device_id"], "--json").json()
    assert sum(after["rows"].values()) == 0 and after["demo_left_out"] > 0


def test_trusting_a_device_again_with_another_key_is_refused_unless_replace_key(cli, tmp_path: Path) -> None:
    """A walk re-trusted a device id with a different key: the key was replaced silently (audited only), though a
    new key for a known device is what an impostor would send."""
    from ruralwatch.sync.crypto import KeyPair, fingerprint

    db = tmp_path / "x.db"
    device, first, second = "abcdef0123456789", KeyPair.generate().public_hex(), KeyPair.generate().public_hex()
    assert cli(db, "sync", "trust", "--device", device, "--key", first, "--name", "RET laptop 3").code == 0
    refused = cli(db, "sync", "trust", "--device", device, "--key", second)
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert "already trusted here with another key" in refused.err and "--replace-key" in refused.err
    assert fingerprint(first) in refused.err and fingerprint(second) in refused.err
    assert [p["public_key"] for p in cli(db, "sync", "peers", "--json").json()] == [first]  # nothing changed
    # The same key again is no change of key: accepted as before.
    assert cli(db, "sync", "trust", "--device", device, "--key", first).code == 0
    replaced = cli(db, "sync", "trust", "--device", device, "--key", second, "--replace-key")
    assert replaced.code == 0, replaced.err
    assert f"key {fingerprint(first)} replaced by {fingerprint(second)}" in replaced.out
    assert [p["public_key"] for p in cli(db, "sync", "peers", "--json").json()] == [second]
    store = open_db(db)
    try:
        entries = [json.loads(row[0]) for row in store.db.execute(
            "SELECT changes FROM audit_log WHERE action = 'trust' ORDER BY seq")]
    finally:
        store.close()
    assert len(entries) == 3 and "replaced_key" not in entries[1]
    assert (entries[2]["replaced_fingerprint"], entries[2]["fingerprint"]) == (fingerprint(first), fingerprint(second))
    assert entries[2]["replaced_key"] == first


def test_identity_trust_and_peers_show_the_whole_key_in_groups_to_read_aloud(cli, tmp_path: Path) -> None:
    """The fingerprint was the first and last eight digits: two people comparing it over the phone checked a
    quarter of the key. It is every digit, in sixteen groups of four, wherever a key is named."""
    from ruralwatch.sync.crypto import KeyPair

    db, other = tmp_path / "x.db", tmp_path / "other.db"
    key = cli(other, "sync", "identity", "--json").json()["public_key"]
    groups = [key[i:i + 4] for i in range(0, 64, 4)]
    shown = cli(other, "sync", "identity").out
    assert f"fingerprint: {' '.join(groups)}\n" in shown and f"public key:  {key}\n" in shown
    trusted = cli(db, "sync", "trust", "--device", "abcdef0123456789", "--key", " ".join(groups), "--name", "HQ")
    assert trusted.code == 0 and f"fingerprint: {' '.join(groups)} (compare it" in trusted.out
    assert " ".join(groups) in cli(db, "sync", "peers").out
    refused = cli(db, "sync", "trust", "--device", "abcdef0123456789", "--key", KeyPair.generate().public_hex())
    assert refused.code == 2 and f"another key ({' '.join(groups)}; the one given is " in refused.err


def test_export_and_import_print_progress_lines_like_the_other_bulk_commands(cli, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`sync export` and `sync import` said nothing for the many seconds 100,000 rows take: they print the progress
    dialog's notes on stderr, as `published import` does; --json (scripts) stays quiet."""
    laptop, central = tmp_path / "laptop.db", tmp_path / "central.db"
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in (laptop, central)}
    assert cli(central, "sync", "trust", "--device", ids[laptop]["device_id"], "--key",
               ids[laptop]["public_key"]).code == 0
    _record(laptop, "Brook Farm")
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    out = tmp_path / "laptop.rwsync"
    exported = cli(laptop, "sync", "export", "--out", str(out))
    assert exported.code == 0, exported.err
    lines = exported.err.splitlines()
    assert lines[0] == "  Reading changes…"
    assert lines[-3:] == ["  Writing package: compressing…", "  Writing package: encrypting…",
                          "  Writing package: saving laptop.rwsync…"]  # said once, though Cancel is asked twice
    assert "  Writing package: incidents, 1 row…" in lines
    imported = cli(central, "sync", "import", str(out))
    assert imported.code == 0 and "applied package" in imported.out
    lines = imported.err.splitlines()
    assert lines[:3] == ["  Reading package…", "  Reading package: checking its checksum…",
                         "  Reading package: checking the passphrase…"]
    assert "  Merging incidents 0 of 1…" in lines and lines[-1] == "  Recording the merge…"
    quiet = cli(laptop, "sync", "export", "--out", str(tmp_path / "quiet.rwsync"), "--json")
    assert quiet.code == 0 and quiet.err == ""


def test_export_sends_once_and_resend_sends_again_what_a_lost_package_carried(cli, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A laptop that only exported sent everything since its last import in every package. Now what it sent is
    left out of the next one; `--resend` sends it again (a package lost), and only goes with --since-last-for."""
    laptop, central = tmp_path / "laptop.db", tmp_path / "central.db"
    ids = {db: cli(db, "sync", "identity", "--json").json() for db in (laptop, central)}
    assert cli(laptop, "sync", "trust", "--device", ids[central]["device_id"], "--key",
               ids[central]["public_key"]).code == 0
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(passphrase))
    _record(laptop, "Brook Farm")
    hq = ids[central]["device_id"]

    def rows(name: str, *extra: str) -> int:
        done = cli(laptop, "sync", "export", "--out", str(tmp_path / name), "--since-last-for", hq, "--json", *extra)
        assert done.code == 0, done.err
        return sum(done.json()["rows"].values())

    assert rows("lost.rwsync") == 1
    assert rows("next.rwsync") == 0
    assert rows("again.rwsync", "--resend") == 1
    alone = cli(laptop, "sync", "export", "--out", str(tmp_path / "full.rwsync"), "--resend")
    assert alone.code == 2 and "--resend goes with --since-last-for" in alone.err
    assert not (tmp_path / "full.rwsync").exists()


def test_export_without_out_names_the_file_for_the_laptop_and_the_time(cli, db_path: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`sync export` needed -o; without it the package now takes the name the Sync panel offers (laptop and UK
    local time, here BST: 23:05 UTC is 00:05 the next day), in the current folder."""
    from datetime import UTC, datetime

    from ruralwatch.core import times

    monkeypatch.setattr(times, "utc_now", lambda: datetime(2026, 7, 3, 23, 5, tzinfo=UTC))
    laptop = tmp_path / "laptop.db"
    device = cli(laptop, "sync", "identity", "--json").json()["device_id"]
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o600)
    stick = tmp_path / "stick"
    stick.mkdir()
    monkeypatch.chdir(stick)
    exported = cli(laptop, "sync", "export", "--passphrase-file", str(passphrase))
    assert exported.code == 0, exported.err
    name = f"ruralwatch-{device[:8]}-2026-07-04-0005.rwsync"
    assert [p.name for p in stick.iterdir()] == [name] and f"wrote {name}:" in exported.out
