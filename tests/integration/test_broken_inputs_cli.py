"""Every file the command line reads, fed what people really have: other data.police.uk files (the outcomes and
stop and search files of the same download), the download's zip, spreadsheet re-saves, other GIS formats and
coordinate systems, broken, empty and binary files, folders, paths with spaces and accents.

A variant RuralWatch can read imports the same as the plain file. Any other gives one line naming the file and
what is wrong, exit code 2, and leaves every row of the database as it was (the sign-in's own audit entry aside).
The variants and their provenance: tests/fixtures/broken_inputs.py.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli, raw_connection
from fixtures import broken_inputs as bi

from ruralwatch.io.police_uk import PoliceUkFormatError, ZipMember, parse_file
from ruralwatch.services.published import expand_paths


def database_rows(db: Path) -> dict[str, Any]:
    """Every row of every table, but the sign-in's audit entries and the audit head that moves with them."""
    conn = raw_connection(db)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {table: conn.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}  # noqa: S608
        rows["audit_log"] = conn.execute("SELECT action, target_table, record_id, changes FROM audit_log "
                                         "WHERE action != 'login' ORDER BY seq").fetchall()
        rows["meta"] = conn.execute("SELECT * FROM meta WHERE key != 'audit.head' ORDER BY key").fetchall()
        return rows
    finally:
        conn.close()


def assert_refused(cli: Cli, argv: list[str], shown: str, words: str, trace: str = "") -> None:
    """Exit 2, one line naming `shown` with `words`, and no row changed (but one audit entry `trace`, if given:
    a refused sync package is recorded on purpose)."""
    before = database_rows(cli.db_path)
    result = cli(*argv)
    assert result.code == 2, (result.out, result.err)
    # One line of error, after the progress lines a long import writes ("  Reading file 1 of 1, ...").
    said = [line for line in result.err.splitlines() if not line.startswith("  ")]
    assert len(said) == 1 and said[0].startswith("ruralwatch: error: "), result.err
    message = said[0]
    assert words in message and shown in message, message
    assert "Traceback" not in message
    after = database_rows(cli.db_path)
    if trace:
        added = after["audit_log"][len(before["audit_log"]):]
        assert [entry[0] for entry in added] == [trace]
        after["audit_log"] = after["audit_log"][:len(before["audit_log"])]
    assert after == before


def published_crimes(cli: Cli) -> list[tuple]:
    conn = raw_connection(cli.db_path)
    try:
        return conn.execute("SELECT crime_id, month, lon, lat, crime_type, location FROM published_crimes "
                            "ORDER BY crime_id, lon, lat").fetchall()
    finally:
        conn.close()


# --- data.police.uk ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plain_crimes(tmp_path_factory: pytest.TempPathFactory) -> list[list[Any]]:
    """The plain file's records, parsed once: what every accepted variant must give."""
    path = bi.POLICE_ACCEPTED["plain"](tmp_path_factory.mktemp("plain"))
    return [r[:14] for r in parse_file(path).records]


@pytest.mark.parametrize("variant", list(bi.POLICE_ACCEPTED))
def test_police_uk_variants_import_the_same_crimes(cli: Cli, tmp_path: Path, variant: str) -> None:
    path = bi.POLICE_ACCEPTED[variant](tmp_path)
    imported = cli("import", "police-uk", str(path), "--json")
    assert imported.code == 0, imported.err
    report = imported.json()
    assert (report["rows_read"], report["imported"], report["rejected"]) == (bi.ROWS, bi.ROWS, 0)
    crimes = published_crimes(cli)
    assert len(crimes) == bi.ROWS and all(c[1] == "2018-10" for c in crimes)
    assert all(c[2] is not None and 0.3 < c[2] < 1.8 and 51.9 < c[3] < 52.6 for c in crimes), crimes[:3]
    if variant in ("download-zip", "unzipped-download-folder"):
        assert report["skipped"] == ["2018-10-suffolk-outcomes.csv", "2018-10-suffolk-stop-and-search.csv"]
        assert "2 outcomes or stop and search files left out" in cli("import", "police-uk", str(path)).out
    else:
        assert report["skipped"] == []


@pytest.mark.parametrize("variant", list(bi.POLICE_ACCEPTED))
def test_police_uk_variants_parse_to_the_plain_records(plain_crimes: list, tmp_path: Path, variant: str) -> None:
    """Not only the same count: the same values (months, coordinates, text) as the file data.police.uk wrote."""
    sources = expand_paths([bi.POLICE_ACCEPTED[variant](tmp_path)])
    assert len(sources) == 1
    parsed = parse_file(sources[0])
    assert [r[:14] for r in parsed.records] == plain_crimes
    assert parsed.path.name.endswith((".csv", ".txt"))
    if variant == "download-zip":
        assert isinstance(sources[0], ZipMember) and str(parsed.path).endswith("2018-10/2018-10-suffolk-street.csv")


@pytest.mark.parametrize("variant", list(bi.POLICE_REFUSED))
def test_police_uk_broken_inputs_are_refused_and_change_nothing(cli: Cli, tmp_path: Path, variant: str) -> None:
    assert cli("import", "police-uk", str(bi.POLICE_ACCEPTED["plain"](tmp_path))).code == 0  # something to keep
    make, words = bi.POLICE_REFUSED[variant]
    path = make(tmp_path)
    assert_refused(cli, ["import", "police-uk", str(path)], path.name, words)


def test_a_crime_id_a_spreadsheet_made_a_number_is_rejected_and_counted(cli: Cli, tmp_path: Path) -> None:
    """One re-saved row among good ones: rejected with its reason in the import report, the rest imported."""
    rows = bi.street_rows()
    mangled = next(n for n, row in enumerate(rows) if n and row[0])
    rows[mangled][0] = "1.23457E+63"
    path = tmp_path / "one-mangled.csv"
    path.write_text(bi._written(rows), encoding="utf-8")
    result = cli("import", "police-uk", str(path), "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["imported"] == 29 and report["rejected_reasons"] == {"mangled_crime_id": 1}
    assert all(crime_id != "1.23457E+63" for crime_id, *_ in published_crimes(cli))


def test_one_broken_file_among_good_ones_imports_none(cli: Cli, tmp_path: Path) -> None:
    good = bi.POLICE_ACCEPTED["download-zip"](tmp_path)
    bad = bi.POLICE_REFUSED["header-only"][0](tmp_path)
    assert_refused(cli, ["import", "police-uk", str(good), str(bad)], "header.csv", "no rows of crime")
    assert published_crimes(cli) == []


def test_a_zip_member_that_cannot_be_unpacked_is_named(tmp_path: Path) -> None:
    """A zip whose directory is whole but whose data is damaged (a download cut short and "repaired")."""
    path = bi.download_zip(tmp_path / "download.zip")
    data = bytearray(path.read_bytes())
    start = data.index(b"2018-10/2018-10-suffolk-street.csv") + len("2018-10/2018-10-suffolk-street.csv")
    data[start:start + 200] = bytes(200)  # the compressed stream of the street file
    path.write_bytes(bytes(data))
    sources = expand_paths([path])
    with pytest.raises(PoliceUkFormatError, match=r"download\.zip: 2018-10/2018-10-suffolk-street\.csv: cannot be "
                                                  r"read from the zip"):
        parse_file(sources[0])


def test_a_password_protected_zip_says_so(tmp_path: Path) -> None:
    path = bi.download_zip(tmp_path / "locked.zip")
    data = bytearray(path.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag of every entry
        at = data.find(header)
        while at != -1:
            flags = at + (6 if header == b"PK\x03\x04" else 8)
            data[flags] |= 1
            at = data.find(header, at + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert all(i.flag_bits & 1 for i in archive.infolist())
    with pytest.raises(PoliceUkFormatError, match="password-protected in the zip: unzip it first"):
        expand_paths([path])


def test_a_file_that_cannot_be_opened_is_one_message(cli: Cli, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """No read permission (tests run as root, who reads everything: the refusal is the system's own error)."""
    path = bi.POLICE_ACCEPTED["plain"](tmp_path)
    real_read, real_open = Path.read_bytes, Path.open

    def check(file: Path) -> None:
        if file == path:
            raise PermissionError(13, "Permission denied", str(file))

    def read_bytes(self: Path) -> bytes:
        check(self)
        return real_read(self)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        check(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "open", open_)
    assert_refused(cli, ["import", "police-uk", str(path)], path.name, "cannot be read (Permission denied)")


# --- boundaries -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", list(bi.BOUNDARY_ACCEPTED))
def test_boundary_variants_import_the_16_wards(cli: Cli, tmp_path: Path, variant: str) -> None:
    assert cli("geography", "use-force", "Suffolk").code == 0
    imported = cli("geography", "import", "--wards", str(bi.BOUNDARY_ACCEPTED[variant](tmp_path)), "--json")
    assert imported.code == 0, imported.err
    assert (imported.json()["read"], imported.json()["kept"]) == (16, 16)
    wards = {w["name"] for w in cli("geography", "show", "--json").json()["wards"]}
    assert {"Alexandra", "Whitehouse", "Gipping"} <= wards


@pytest.mark.parametrize("variant", list(bi.BOUNDARY_REFUSED))
def test_boundary_broken_inputs_are_refused_and_change_nothing(cli: Cli, tmp_path: Path, variant: str) -> None:
    assert cli("geography", "use-force", "Suffolk").code == 0
    make, words = bi.BOUNDARY_REFUSED[variant]
    path = make(tmp_path)
    assert_refused(cli, ["geography", "import", "--wards", str(path)], path.name, words)


# --- MBTiles ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", list(bi.MBTILES_ACCEPTED))
def test_mbtiles_variants_are_added(cli: Cli, tmp_path: Path, variant: str) -> None:
    added = cli("basemap", "add", "--name", "offline", str(bi.MBTILES_ACCEPTED[variant](tmp_path)))
    assert added.code == 0, added.err
    assert [b["name"] for b in cli("basemap", "list", "--json").json()] == ["offline"]


@pytest.mark.parametrize("variant", list(bi.MBTILES_REFUSED))
def test_mbtiles_broken_inputs_are_refused_and_change_nothing(cli: Cli, tmp_path: Path, variant: str) -> None:
    make, words = bi.MBTILES_REFUSED[variant]
    path = make(tmp_path)
    assert_refused(cli, ["basemap", "add", str(path)], path.name, words)


# --- lists of vehicles, road networks, attachments, sync packages ------------------------------------------

INCIDENT = ["incidents", "add", "--kind", "hare_coursing", "--when", "2024-11-20 07:00", "--grid-ref", "TL 5 3"]
OTHER_REFUSED: dict[str, tuple[list[str], str, bytes | None, str]] = {
    # name: (command before the file, file name, contents (None: a folder), words)
    "vehicles-huge-line": (["vehicles", "import", "--source", "ANPR"], "list.csv", b"VRM\r\n" + b"x" * 300_000,
                           "a field is longer than 128 KiB"),
    "vehicles-binary": (["vehicles", "import", "--source", "ANPR"], "list.csv", bytes(range(256)) * 4,
                        "is a binary file"),
    "vehicles-empty": (["vehicles", "import", "--source", "ANPR"], "list.csv", b"", "is empty"),
    "vehicles-zip": (["vehicles", "import", "--source", "ANPR"], "list.zip", b"PK\x03\x04", "a .csv or .xlsx file"),
    "roads-empty": (["roads", "import"], "area.osm", b"", "could not be read as OpenStreetMap data"),
    "roads-truncated-xml": (["roads", "import"], "area.osm",
                            b'<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="52" lon="1"/>',
                            "could not be read as OpenStreetMap data"),
    "roads-junk-pbf": (["roads", "import"], "area.osm.pbf", bytes(range(256)) * 4,
                       "could not be read as OpenStreetMap data"),
    "roads-geojson": (["roads", "import"], "roads.geojson", b"{}", "is not an OpenStreetMap extract"),
    "attachment-empty": ([*INCIDENT, "--attach"], "IMG_0042.jpg", b"", "is empty (0 bytes): nothing to attach"),
    "attachment-folder": ([*INCIDENT, "--attach"], "IMG_0042.jpg", None, "is not a file"),
    "sync-empty": (["sync", "import"], "changes.rwsync", b"", "is not a RuralWatch sync package"),
    "sync-junk": (["sync", "import"], "changes.rwsync", bytes(range(256)) * 4, "is not a RuralWatch sync package"),
    "sync-folder": (["sync", "import"], "changes.rwsync", None, "no package file at"),
}


@pytest.mark.parametrize("variant", list(OTHER_REFUSED))
def test_other_readers_refuse_broken_inputs_and_change_nothing(cli: Cli, tmp_path: Path, variant: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    command, name, contents, words = OTHER_REFUSED[variant]
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(tmp_path / "sync-passphrase"))
    (tmp_path / "sync-passphrase").write_text("a sync passphrase of some length\n", encoding="utf-8")
    (tmp_path / "sync-passphrase").chmod(0o600)
    path = tmp_path / "Clé USB" / name
    path.parent.mkdir()
    if contents is None:
        path.mkdir()
    else:
        path.write_bytes(contents)
    assert_refused(cli, [*command, str(path)], name, words, "sync_refused" if command[0] == "sync" else "")


# --- files written: a folder or a device given as the file, a full disk -------------------------------------

@pytest.mark.parametrize("target", ["folder", "device", "full-disk"])
def test_a_sync_package_that_cannot_be_written_is_one_message_and_leaves_nothing(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """It was a traceback (IsADirectoryError, OSError ENOSPC) and exit 1; a device was replaced by the package."""
    monkeypatch.setenv("RURALWATCH_SYNC_PASSPHRASE_FILE", str(tmp_path / "sync-passphrase"))
    (tmp_path / "sync-passphrase").write_text("a sync passphrase of some length\n", encoding="utf-8")
    (tmp_path / "sync-passphrase").chmod(0o600)
    stick = tmp_path / "Clé USB"
    stick.mkdir()
    out, words = {"folder": (stick, "it is a folder"),
                  "device": (Path("/dev/null"), "it is not a regular file"),
                  "full-disk": (stick / "changes.rwsync", "No space left on device")}[target]
    assert cli("sync", "identity").code == 0  # the laptop's signing key, made on first use, made now
    if target == "full-disk":
        monkeypatch.setattr("ruralwatch.sync.package.os", bi.FullDiskOs())
    assert_refused(cli, ["sync", "export", "-o", str(out)], str(out), f"cannot write {out}: {words}")
    assert list(stick.iterdir()) == []
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("command", [["export", "--format", "csv"], ["roster", "ics"]])
def test_an_export_over_a_pipe_or_device_is_refused_and_leaves_it_alone(cli: Cli, tmp_path: Path,
                                                                         command: list[str]) -> None:
    """The finished file was renamed over it: a FIFO (or, as root, /dev/full) became a regular file."""
    import os
    import stat

    pipe = tmp_path / "Clé USB incidents.csv"
    os.mkfifo(pipe)
    assert_refused(cli, [*command, "-o", str(pipe)], str(pipe), "it is not a regular file")
    assert stat.S_ISFIFO(pipe.stat().st_mode)
