"""Coverage-guided fuzzing (atheris, i.e. libFuzzer) of RuralWatch's parsers and file readers.

Not part of the test suite and not a dependency: install atheris into the venv by hand first
(`.venv/bin/pip install atheris`; it ships manylinux wheels for CPython 3.11). Then run one target at a time:

    .venv/bin/python bench/fuzz_atheris.py TARGET [libFuzzer flags]
    .venv/bin/python bench/fuzz_atheris.py csv -max_total_time=180 -rss_limit_mb=4096

Targets: vrm, grid_ref, moment, people, csv, mbtiles, package, cli. Each starts from a seed corpus of valid inputs
(written to /tmp/ruralwatch-fuzz/TARGET on first use, and grown there by libFuzzer). A target accepts the module's
documented error (a RuralWatchError subclass) and lets any other exception through, which libFuzzer reports as a
crash and saves as crash-<sha1> in the current folder; re-run that file alone to reproduce it. The Hypothesis suite
in tests/fuzz/ is what CI runs; this script is for long, unattended runs (see docs/FUZZING.md).
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["ruralwatch"]):
    from ruralwatch.cli.commands import incident_options as cli
    from ruralwatch.cli.commands import roster as cli_roster
    from ruralwatch.core import geo, times
    from ruralwatch.core.errors import RuralWatchError
    from ruralwatch.core.people import parse_time_of_day, validate_weekly
    from ruralwatch.core.vrm import display_vrm, normalise_vrm, parse_vrm
    from ruralwatch.io import police_uk
    from ruralwatch.mapping.mbtiles import MBTiles
    from ruralwatch.store.database import SYNCABLE_TABLES
    from ruralwatch.sync import crypto, package

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(tempfile.gettempdir()) / "ruralwatch-fuzz"
SCRATCH = Path(tempfile.mkdtemp(prefix="ruralwatch-atheris-"))
KEYS = crypto.KeyPair.from_hex("11" * 32)
HLC = "001764052200000-000000-devicea"


def _one_line(exc: RuralWatchError) -> None:
    """The documented error is shown to the user as one line: a message with a line end is a bug too."""
    if "\n" in str(exc) or not str(exc).strip():
        raise AssertionError(f"not a one-line message: {str(exc)!r}")


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


# --- text parsers ---------------------------------------------------------------------------------------------


def fuzz_vrm(data: bytes) -> None:
    text = _text(data)
    display_vrm(text)
    try:
        vrm = parse_vrm(text)
    except RuralWatchError:
        return
    if normalise_vrm(vrm) != vrm or parse_vrm(display_vrm(vrm)) != vrm:
        raise AssertionError(f"VRM {text!r} -> {vrm!r} does not round-trip")


def fuzz_grid_ref(data: bytes) -> None:
    text = _text(data)
    try:
        point = geo.grid_ref_to_lat_lon(text)
    except RuralWatchError:
        return
    easting, northing = geo.grid_ref_to_easting_northing(text)
    back_e, back_n = geo.lat_lon_to_easting_northing(point.lat, point.lon)
    if abs(back_e - easting) >= 1 or abs(back_n - northing) >= 1:
        raise AssertionError(f"{text!r} moved {back_e - easting:.1f}, {back_n - northing:.1f} m on a round trip")


def fuzz_moment(data: bytes) -> None:
    text = _text(data)
    for parse in (lambda: times.parse_moment(text, "when"), lambda: times.parse_date(text, "date"),
                  lambda: parse_time_of_day(text, "start")):
        try:
            value = parse()
        except RuralWatchError:
            continue
        if hasattr(value, "tzinfo") and hasattr(value, "date"):
            stored = times.to_storage(value)
            if times.from_storage(stored) != value.replace(microsecond=0):
                raise AssertionError(f"{text!r} stored as {stored!r} does not read back")


def fuzz_people(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    slot = provider.ConsumeUnicodeNoSurrogates(40)
    try:
        validate_weekly([cli_roster._slot(slot, 1)])
    except RuralWatchError:
        pass
    try:
        cli_roster._needs(provider.ConsumeUnicodeNoSurrogates(40).split(","))
    except RuralWatchError:
        pass


def fuzz_cli(data: bytes) -> None:
    text = _text(data)
    for parse in (cli._parse_vehicle_option, cli._parse_item_option, cli._parse_vrm_option):
        try:
            parse(text, "--option")
        except RuralWatchError:
            pass
    cli.option_for_field(text)


# --- files ----------------------------------------------------------------------------------------------------


def fuzz_csv(data: bytes) -> None:
    try:
        parsed = police_uk.parse_bytes(data, "fuzz.csv")
    except RuralWatchError as exc:
        _one_line(exc)
        return
    if parsed.rows_read != len(parsed.records) + parsed.rejected_count:
        raise AssertionError("rows read do not add up")
    for record in parsed.records:
        if not police_uk.is_month(record[1]) or not record[9].strip():
            raise AssertionError(f"accepted a bad record {record!r}")


def fuzz_mbtiles(data: bytes) -> None:
    path = SCRATCH / "fuzz.mbtiles"
    path.write_bytes(data)
    try:
        with MBTiles(path) as tiles:
            for z, x, y in ((0, 0, 0), (1, 1, 0), (30, 5, 5)):
                try:
                    tiles.tile(z, x, y)
                except RuralWatchError as exc:
                    _one_line(exc)
    except RuralWatchError as exc:
        _one_line(exc)
    finally:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)


def _base_package() -> tuple[dict[str, object], bytes]:
    row = {"id": "r1", "hlc": HLC, "field_hlc": json.dumps({"*": HLC}), "deleted": 0, "device_id": "devicea"}
    parts = {"tables/incidents.jsonl": package._jsonl([row])}
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    payload = inner.getvalue()
    manifest = {"package_id": "p", "schema_version": 7, "source_device": "devicea", "created_at": "x", "clock": HLC,
                "counts": {"incidents": 1}, "seen": {}, "format_version": 1, "encryption": None,
                "parts": {n: package._digest(d) for n, d in parts.items()}, "payload": package._digest(payload),
                "signature": {"algorithm": "ed25519", "public_key": KEYS.public_hex(), "value": ""}}
    return manifest, payload


def _zip(manifest_text: bytes, payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(package.MANIFEST_NAME, manifest_text)
        archive.writestr(package.PAYLOAD_NAME, payload)
    return out.getvalue()


def fuzz_package(data: bytes) -> None:
    """First byte even: the input is the package file. Odd: the rest is the manifest text, re-signed when it is a
    JSON object with a signature, so the fuzzer gets past the signature check to sizes, checksums and decryption."""
    if not data:
        return
    if data[0] % 2:
        text = data[1:]
        try:
            manifest = json.loads(text)
            if isinstance(manifest, dict) and isinstance(manifest.get("signature"), dict):
                manifest["signature"]["value"] = KEYS.sign(package.canonical(manifest))
                text = json.dumps(manifest).encode()
        except (ValueError, RecursionError, TypeError):
            pass
        data = _zip(text, _base_package()[1])
    else:
        data = data[1:]
    path = SCRATCH / "fuzz.rwsync"
    path.write_bytes(data)
    try:
        reader = package.PackageReader(path)
        reader.contents("pw", SYNCABLE_TABLES)
    except RuralWatchError as exc:
        _one_line(exc)
    finally:
        path.unlink(missing_ok=True)


# --- seeds ----------------------------------------------------------------------------------------------------


def _seed_mbtiles() -> list[bytes]:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA page_size = 512")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.execute("INSERT INTO tiles VALUES (0, 0, 0, ?)", [b"\x89PNG\r\n\x1a\n" + bytes(8)])
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("bounds", "-10,49,2,61")])
    conn.commit()
    return [conn.serialize()] + [p.read_bytes() for p in (ROOT / "tests/fixtures/mbtiles").glob("one_tile.mbtiles")]


def _seed_package() -> list[bytes]:
    manifest, payload = _base_package()
    manifest["signature"]["value"] = KEYS.sign(package.canonical(manifest))  # type: ignore[index]
    text = json.dumps(manifest).encode()
    return [b"\x00" + _zip(text, payload), b"\x01" + text]


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "vrm": lambda: [b"AB12 CDE", b"A123BCD", b"ABC 123D", b"1 ABC", b"AIZ 1234"],
    "grid_ref": lambda: [b"TL 81234 23456", b"SV 00", b"HP 1 1", b"nn1666671257"],
    "moment": lambda: [b"2026-11-25 06:30", b"2026-11-25T06:30:00+01:00", b"2026-11-25", b"24:00"],
    "people": lambda: [b"Mon 18:00-23:00drone=2,first_aid"],
    "cli": lambda: [b"vrm=AB12CDE,role=suspect,make=Ford", b"category=tools,value=8,000,recovered=yes"],
    "csv": lambda: [p.read_bytes()[:20_000] for p in sorted((ROOT / "tests/fixtures/police-uk").glob("*.csv"))],
    "mbtiles": _seed_mbtiles,
    "package": _seed_package,
}
TARGETS: dict[str, Callable[[bytes], None]] = {
    "vrm": fuzz_vrm, "grid_ref": fuzz_grid_ref, "moment": fuzz_moment, "people": fuzz_people, "cli": fuzz_cli,
    "csv": fuzz_csv, "mbtiles": fuzz_mbtiles, "package": fuzz_package,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer flags]")
    target = sys.argv.pop(1)
    corpus = CORPUS / target
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for n, seed in enumerate(SEEDS[target]()):
            (corpus / f"seed-{n}").write_bytes(seed)
    flags = sys.argv[1:]
    if not any(flag.startswith("-artifact_prefix=") for flag in flags):
        flags.append(f"-artifact_prefix={CORPUS}/{target}-")  # crash files beside the corpus, not in the cwd
    if not any(not flag.startswith("-") for flag in flags):  # no input files given: fuzz from the corpus
        flags.append(str(corpus))
    atheris.Setup([sys.argv[0], *flags], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
