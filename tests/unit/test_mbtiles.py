"""MBTiles reading: real files from public MBTiles libraries, and the bad files `basemap add` must refuse.

Every test works on a fresh copy in tmp_path, so a bug that wrote to a file could not spoil another test.
"""

from __future__ import annotations

import gzip
import math
import os
import random
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.mapping.mbtiles import MBTiles, MBTilesError, TileSetInfo, inspect_mbtiles, sniff_image_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mbtiles"
PLAIN_3 = "plain_3.mbtiles"
GEOGRAPHY = "geography-class-jpg.mbtiles"
ONE_TILE = "one_tile.mbtiles"
REAL_FILES = (PLAIN_3, GEOGRAPHY, ONE_TILE)
ESSEX = (51.8, 0.6)  # lat, lon: near Chelmsford

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50)
WEBP = b"RIFF\x40\x00\x00\x00WEBPVP8 " + bytes(50)


def copy_fixture(name: str, target_dir: Path) -> Path:
    target = target_dir / name
    shutil.copyfile(FIXTURES / name, target)
    return target


@pytest.fixture
def plain_3(tmp_path: Path) -> Path:
    return copy_fixture(PLAIN_3, tmp_path)


def xyz_for(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The standard slippy-map (XYZ, y from the north) tile containing lat/lon at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def stored_blob(path: Path, z: int, column: int, tms_row: int) -> bytes | None:
    """The image stored for a TMS cell, read straight from the old-schema tables rather than through the view."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT images.tile_data FROM map JOIN images ON images.tile_id = map.tile_id "
            "WHERE map.zoom_level = ? AND map.tile_column = ? AND map.tile_row = ?",
            (z, column, tms_row),
        ).fetchone()
    finally:
        conn.close()
    return None if row is None else row[0]


def make_mbtiles(
    path: Path,
    tiles: list[tuple[int, int, int, bytes]],
    metadata: dict[str, str] | None = None,
    journal_mode: str = "delete",
) -> Path:
    """A modern-schema MBTiles file (tiles as a table); metadata=None leaves the optional table out."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
        if metadata is not None:
            conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
            conn.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        conn.commit()
    finally:
        conn.close()
    return path


# --- the real files -----------------------------------------------------------------------------------------------


def test_plain_3_info_takes_zooms_from_the_tiles_because_its_metadata_lacks_them(plain_3: Path) -> None:
    conn = sqlite3.connect(f"{plain_3.as_uri()}?mode=ro", uri=True)
    keys = {row[0] for row in conn.execute("SELECT name FROM metadata")}
    conn.close()
    assert not keys & {"minzoom", "maxzoom", "format"}, "the fixture changed: this test relies on missing metadata"

    info = inspect_mbtiles(plain_3)

    assert info == TileSetInfo(
        path=plain_3.resolve(),
        name="plain_3",
        format="png",
        minzoom=4,
        maxzoom=8,
        bounds=(-12.480468747741963, 34.59704151068267, 42.53906249240259, 71.52490903141549),
        attribution="",
        tile_count=2621,
    )
    assert info.media_type == "image/png"


def test_geography_class_info_is_jpeg_zoom_0_to_1(tmp_path: Path) -> None:
    info = inspect_mbtiles(copy_fixture(GEOGRAPHY, tmp_path))

    assert (info.name, info.format, info.media_type) == ("Geography Class", "jpg", "image/jpeg")
    assert (info.minzoom, info.maxzoom, info.tile_count) == (0, 1, 5)
    assert info.bounds == (-180.0, -85.0511, 180.0, 85.0511)
    assert info.attribution == ""


def test_one_tile_info_has_two_png_tiles(tmp_path: Path) -> None:
    info = inspect_mbtiles(str(copy_fixture(ONE_TILE, tmp_path)))  # a str path is accepted too

    assert (info.name, info.format, info.minzoom, info.maxzoom, info.tile_count) == ("shadowplay", "png", 0, 1, 2)
    assert info.bounds == (-139.9219, 53.3309, -75.2344, 76.6798)


@pytest.mark.parametrize("z", [4, 5, 6, 7, 8])
def test_tile_over_essex_is_the_blob_stored_at_the_flipped_tms_row(plain_3: Path, z: int) -> None:
    x, y = xyz_for(*ESSEX, z)
    if z == 8:
        assert (x, y) == (128, 84)
    expected = stored_blob(plain_3, z, x, 2**z - 1 - y)
    assert expected is not None, "plain_3 covers Essex at every zoom"

    with MBTiles(plain_3) as tiles:
        got = tiles.tile(z, x, y)

    assert got == expected
    assert sniff_image_format(got) == "png"


@pytest.mark.parametrize(("name", "z", "x", "y"), [(GEOGRAPHY, 0, 0, 0), (GEOGRAPHY, 1, 0, 0), (GEOGRAPHY, 1, 0, 1),
                                                    (GEOGRAPHY, 1, 1, 0), (GEOGRAPHY, 1, 1, 1), (ONE_TILE, 0, 0, 0),
                                                    (ONE_TILE, 1, 0, 0)])
def test_every_tile_of_the_small_files_is_byte_identical(tmp_path: Path, name: str, z: int, x: int, y: int) -> None:
    path = copy_fixture(name, tmp_path)
    expected = stored_blob(path, z, x, 2**z - 1 - y)
    assert expected is not None

    with MBTiles(path) as tiles:
        assert tiles.tile(z, x, y) == expected


def test_rows_are_flipped_so_the_north_tile_is_y_0(tmp_path: Path) -> None:
    # one_tile holds a single zoom-1 tile, at TMS row 1: the north-west quarter, which Leaflet calls 1/0/0.
    with MBTiles(copy_fixture(ONE_TILE, tmp_path)) as tiles:
        assert tiles.tile(1, 0, 0) is not None
        assert tiles.tile(1, 0, 1) is None


@pytest.mark.parametrize(
    ("z", "x", "y"),
    [
        (4, 0, 0),  # the Pacific: plain_3 covers Europe only
        (8, 0, 255),
        (3, 4, 2),  # a zoom the file does not have
        (9, 256, 168),
        (-1, 0, 0),
        (8, -1, 84),
        (8, 128, -1),
        (8, 256, 84),  # x = 2**z is off the map
        (8, 128, 256),
        (31, 0, 0),
        (10**6, 0, 0),  # would overflow an SQLite integer if it reached the query
        (8, 10**30, 0),
    ],
)
def test_absent_or_out_of_range_tile_is_none(plain_3: Path, z: int, x: int, y: int) -> None:
    with MBTiles(plain_3) as tiles:
        assert tiles.tile(z, x, y) is None


# --- refusals -----------------------------------------------------------------------------------------------------


def _text(path: Path) -> Path:
    path.write_text("name,lat,lon\nbarn,51.8,0.6\n", encoding="utf-8")
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _random(path: Path) -> Path:
    path.write_bytes(random.Random(20240601).randbytes(8192))
    return path


def _sqlite_header_then_garbage(path: Path) -> Path:
    path.write_bytes(b"SQLite format 3\x00" + random.Random(7).randbytes(8192))
    return path


def _other_app(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts (name, phone) VALUES ('Farm Watch', '01245 000000')")
    conn.commit()
    conn.close()
    return path


def _tiles_missing_columns(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER)")
    conn.execute("INSERT INTO tiles VALUES (0, 0, 0)")
    conn.commit()
    conn.close()
    return path


def _broken_view(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIEW tiles AS SELECT zoom_level, tile_column, tile_row, tile_data FROM gone")
    conn.commit()
    conn.close()
    return path


def _zero_tiles(path: Path) -> Path:
    return make_mbtiles(path, [], {"name": "empty", "format": "png"})


def _truncated_plain_3(path: Path) -> Path:
    data = (FIXTURES / PLAIN_3).read_bytes()
    path.write_bytes(data[: len(data) * 60 // 100])
    return path


def _not_images(path: Path) -> Path:
    return make_mbtiles(path, [(0, 0, 0, b"<html>404 Not Found</html>")], {"format": "png"})


def _null_tile(path: Path) -> Path:
    return make_mbtiles(path, [(0, 0, 0, None)])  # type: ignore[list-item]


def _vector_tiles(path: Path) -> Path:
    return make_mbtiles(path, [(0, 0, 0, gzip.compress(b"\x1a\x00 vector tile"))])


def _pbf_format(path: Path) -> Path:
    return make_mbtiles(path, [(0, 0, 0, PNG)], {"format": "pbf"})


def _bad_zoom_level(path: Path) -> Path:
    return make_mbtiles(path, [(40, 0, 0, PNG)])


def _metadata(**values: str) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        return make_mbtiles(path, [(0, 0, 0, PNG), (1, 0, 1, PNG)], values)

    return build


REFUSALS: list[tuple[str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("text", _text, ("not an sqlite",)),
    ("empty", _empty, ("empty",)),
    ("random", _random, ("not an sqlite",)),
    ("header-then-garbage", _sqlite_header_then_garbage, ("damaged",)),
    ("other-app", _other_app, ("no tiles table", "not an mbtiles")),
    ("missing-columns", _tiles_missing_columns, ("tile_data", "column")),
    ("broken-view", _broken_view, ("cannot read", "gone")),
    ("zero-tiles", _zero_tiles, ("no tiles",)),
    ("truncated", _truncated_plain_3, ("damaged", "incomplete")),
    ("not-images", _not_images, ("not png, jpeg or webp", "3c 68 74 6d")),
    ("null-tile", _null_tile, ("empty", "not png, jpeg or webp")),
    ("vector", _vector_tiles, ("gzip", "vector")),
    ("pbf-format", _pbf_format, ("'pbf'",)),
    ("zoom-40", _bad_zoom_level, ("zoom levels",)),
    ("minzoom-text", _metadata(minzoom="low"), ("minzoom", "'low'")),
    ("minzoom-fraction", _metadata(minzoom="2.5"), ("minzoom", "whole number")),
    ("maxzoom-too-big", _metadata(maxzoom="99"), ("maxzoom", "'99'")),
    ("minzoom-above-maxzoom", _metadata(minzoom="8", maxzoom="4"), ("minzoom 8", "maxzoom 4")),
    ("bounds-three-numbers", _metadata(bounds="-1,50,2"), ("bounds", "four numbers")),
    ("bounds-text", _metadata(bounds="essex"), ("bounds", "four numbers")),
    ("bounds-nan", _metadata(bounds="nan,50,2,52"), ("bounds", "four numbers")),
    ("bounds-west-east-swapped", _metadata(bounds="2,50,-1,52"), ("bounds", "out of range")),
    ("bounds-south-north-swapped", _metadata(bounds="-1,52,2,50"), ("bounds", "out of range")),
    ("bounds-latitude-95", _metadata(bounds="-180,-95,180,90"), ("bounds", "out of range")),
    ("bounds-longitude-200", _metadata(bounds="-200,50,2,52"), ("bounds", "out of range")),
]


@pytest.mark.parametrize(("build", "keywords"), [(b, k) for _, b, k in REFUSALS], ids=[n for n, _, _ in REFUSALS])
@pytest.mark.parametrize("opener", [MBTiles, inspect_mbtiles], ids=["MBTiles", "inspect_mbtiles"])
def test_bad_file_is_refused_with_one_line_naming_file_and_reason(
    tmp_path: Path, build: Callable[[Path], Path], keywords: tuple[str, ...], opener: Callable[[Path], object]
) -> None:
    path = build(tmp_path / "suspect basemap.mbtiles")

    with pytest.raises(MBTilesError) as caught:  # any other exception type fails the test
        opener(path)

    message = str(caught.value)
    assert isinstance(caught.value, RuralWatchError)
    assert "suspect basemap.mbtiles" in message
    assert "\n" not in message
    for keyword in keywords:
        assert keyword in message.lower(), message
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__), "no chained trace"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MBTilesError, match=r"nowhere\.mbtiles.*does not exist"):
        MBTiles(tmp_path / "nowhere.mbtiles")


def test_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tiles.mbtiles"
    folder.mkdir()
    with pytest.raises(MBTilesError, match=r"tiles\.mbtiles.*folder"):
        inspect_mbtiles(folder)


def test_a_refused_file_is_not_changed_and_left_without_side_files(tmp_path: Path) -> None:
    path = _zero_tiles(tmp_path / "zero.mbtiles")
    before = path.read_bytes()

    with pytest.raises(MBTilesError):
        MBTiles(path)

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zero.mbtiles"]


# --- read-only ----------------------------------------------------------------------------------------------------


def test_reading_never_changes_the_file(plain_3: Path) -> None:
    before_bytes = plain_3.read_bytes()
    before_mtime = plain_3.stat().st_mtime_ns

    inspect_mbtiles(plain_3)
    with MBTiles(plain_3) as tiles:
        for z in range(4, 9):
            x, y = xyz_for(*ESSEX, z)
            for dx in (-1, 0, 1):
                tiles.tile(z, x + dx, y)
        tiles.tile(4, 0, 0)

    assert plain_3.read_bytes() == before_bytes
    assert plain_3.stat().st_mtime_ns == before_mtime
    assert sorted(p.name for p in plain_3.parent.iterdir()) == [PLAIN_3], "no -journal/-wal/-shm left beside it"


def test_read_only_file_can_be_opened(plain_3: Path) -> None:
    plain_3.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with MBTiles(plain_3) as tiles:
            assert tiles.info.tile_count == 2621
            assert tiles.tile(8, *xyz_for(*ESSEX, 8)) is not None
    finally:
        plain_3.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_wal_mode_file_is_read_without_creating_wal_or_shm_files(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "wal.mbtiles", [(0, 0, 0, PNG)], {"name": "wal"}, journal_mode="wal")
    assert path.read_bytes()[18:20] == b"\x02\x02", "the file should be in WAL mode"
    before = path.read_bytes()

    with MBTiles(path) as tiles:
        assert tiles.tile(0, 0, 0) == PNG

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wal.mbtiles"]


def test_writing_through_the_connection_is_impossible(plain_3: Path) -> None:
    with MBTiles(plain_3) as tiles:
        assert tiles._conn is not None
        with pytest.raises(sqlite3.OperationalError):
            tiles._conn.execute("DELETE FROM metadata")


# --- metadata and formats ---------------------------------------------------------------------------------------


def test_without_metadata_the_name_is_the_stem_and_the_rest_comes_from_the_tiles(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "Essex 2024.mbtiles", [(3, 4, 2, WEBP), (5, 16, 21, WEBP)], metadata=None)

    info = inspect_mbtiles(path)

    assert (info.name, info.format, info.media_type) == ("Essex 2024", "webp", "image/webp")
    assert (info.minzoom, info.maxzoom, info.bounds, info.attribution, info.tile_count) == (3, 5, None, "", 2)


def test_metadata_values_are_used_when_present(tmp_path: Path) -> None:
    metadata = {
        "name": "Essex rural",
        "format": "JPEG",
        "minzoom": "2",
        "maxzoom": "12",
        "bounds": " 0.0, 51.4 ,1.3,52.1 ",
        "attribution": "© OpenStreetMap contributors",
    }
    path = make_mbtiles(tmp_path / "essex.mbtiles", [(6, 32, 42, JPEG)], metadata)

    info = inspect_mbtiles(path)

    assert (info.name, info.format, info.media_type) == ("Essex rural", "jpg", "image/jpeg")
    assert (info.minzoom, info.maxzoom) == (2, 12)
    assert info.bounds == (0.0, 51.4, 1.3, 52.1)
    assert info.attribution == "© OpenStreetMap contributors"


def test_only_one_zoom_given_in_metadata_takes_the_other_from_the_tiles(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "half.mbtiles", [(3, 0, 0, PNG), (9, 0, 0, PNG)], {"maxzoom": "10"})
    info = inspect_mbtiles(path)
    assert (info.minzoom, info.maxzoom) == (3, 10)


def test_metadata_table_without_name_value_columns_is_ignored(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "odd.mbtiles", [(0, 0, 0, PNG)], metadata=None)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (key TEXT, val TEXT)")
    conn.execute("INSERT INTO metadata VALUES ('bounds', 'nonsense')")
    conn.commit()
    conn.close()

    assert inspect_mbtiles(path).name == "odd"


@pytest.mark.parametrize(("data", "expected"), [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp"), (b"GIF89a", None),
                                                (b"RIFF\x00\x00\x00\x00WAVE", None), (b"", None)])
def test_sniff_image_format(data: bytes, expected: str | None) -> None:
    assert sniff_image_format(data) == expected


# --- paths, threads, lifecycle ----------------------------------------------------------------------------------


def test_awkward_file_names_work_through_the_sqlite_uri(tmp_path: Path) -> None:
    path = tmp_path / "100% Essex #2 (copy).mbtiles"
    shutil.copyfile(FIXTURES / ONE_TILE, path)
    assert inspect_mbtiles(path).tile_count == 2


def test_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_fixture(ONE_TILE, tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert inspect_mbtiles(f"~{os.sep}{ONE_TILE}").path == (tmp_path / ONE_TILE).resolve()


def test_opened_on_one_thread_used_on_another(plain_3: Path) -> None:
    x, y = xyz_for(*ESSEX, 8)
    with MBTiles(plain_3) as tiles, ThreadPoolExecutor(max_workers=1) as pool:
        from_worker = pool.submit(tiles.tile, 8, x, y).result()
        assert from_worker is not None
        assert from_worker == tiles.tile(8, x, y)


def test_close_is_idempotent_and_a_closed_file_refuses_clearly(plain_3: Path) -> None:
    tiles = MBTiles(plain_3)
    tiles.close()
    tiles.close()
    with pytest.raises(MBTilesError, match=r"plain_3\.mbtiles.*closed"):
        tiles.tile(8, 128, 84)


def test_damage_found_while_serving_tiles_is_an_mbtiles_error(tmp_path: Path) -> None:
    path = copy_fixture(PLAIN_3, tmp_path)
    tiles = MBTiles(path)
    try:
        data = path.read_bytes()
        path.write_bytes(data[:4096] + bytes(len(data) - 4096))  # the file is overwritten under the open reader
        with pytest.raises(MBTilesError, match="damaged"):
            for z in range(4, 9):
                x, y = xyz_for(*ESSEX, z)
                tiles.tile(z, x, y)
    finally:
        tiles.close()


# --- property -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def opened_real_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, MBTiles]]:
    folder = tmp_path_factory.mktemp("mbtiles")
    opened = {name: MBTiles(copy_fixture(name, folder)) for name in REAL_FILES}
    yield opened
    for tiles in opened.values():
        tiles.close()


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_in_range_tile_is_bytes_or_none_and_never_raises(
    opened_real_files: dict[str, MBTiles], data: st.DataObject
) -> None:
    tiles = opened_real_files[data.draw(st.sampled_from(REAL_FILES), label="file")]
    z = data.draw(st.integers(tiles.info.minzoom, tiles.info.maxzoom), label="z")
    x = data.draw(st.integers(0, 2**z - 1), label="x")
    y = data.draw(st.integers(0, 2**z - 1), label="y")

    got = tiles.tile(z, x, y)

    assert got is None or sniff_image_format(got) == tiles.info.format


@settings(max_examples=200, deadline=None)
@given(z=st.integers(-(2**70), 2**70), x=st.integers(-(2**70), 2**70), y=st.integers(-(2**70), 2**70))
def test_any_integers_give_bytes_or_none(opened_real_files: dict[str, MBTiles], z: int, x: int, y: int) -> None:
    got = opened_real_files[PLAIN_3].tile(z, x, y)
    assert got is None or isinstance(got, bytes)


def test_world_bounds_written_as_90_degrees_are_clamped_to_web_mercator(tmp_path: Path) -> None:
    info = inspect_mbtiles(_metadata(bounds="-180,-90,180,90")(tmp_path / "world.mbtiles"))
    assert info.bounds == (-180.0, -85.0511, 180.0, 85.0511)


@pytest.mark.parametrize("scheme", [None, "tms", "TMS", "xyz", " XYZ "])
def test_a_file_that_says_its_rows_are_xyz_is_not_flipped(tmp_path: Path, scheme: str | None) -> None:
    """Tools that write rows in XYZ order say so with metadata `scheme` xyz: that was ignored, so every row of the
    basemap was shown at its mirror row (north Essex where the south should be)."""
    north, south = PNG + b"north", PNG + b"south"
    xyz = scheme is not None and scheme.strip().lower() == "xyz"
    rows = [(1, 0, 0, north), (1, 0, 1, south)] if xyz else [(1, 0, 1, north), (1, 0, 0, south)]
    path = make_mbtiles(tmp_path / "rows.mbtiles", rows, {"format": "png", **({"scheme": scheme} if scheme else {})})
    with MBTiles(path) as tiles:
        assert tiles.info.scheme == ("xyz" if xyz else "tms")
        assert (tiles.tile(1, 0, 0), tiles.tile(1, 0, 1)) == (north, south)  # Leaflet's y 0 is the north


def test_a_scheme_that_is_neither_tms_nor_xyz_is_refused(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "odd.mbtiles", [(0, 0, 0, PNG)], {"scheme": "wmts"})
    with pytest.raises(MBTilesError, match=r"odd.mbtiles as a basemap: its metadata scheme 'wmts' is neither tms nor"
                                           r" xyz"):
        inspect_mbtiles(path)


@pytest.mark.parametrize(("declared", "tiles", "expected"), [
    ("jpg", [PNG, PNG, PNG], ("png", "image/png")),
    ("png", [JPEG, JPEG], ("jpg", "image/jpeg")),
    ("webp", [PNG, JPEG, JPEG, JPEG], ("jpg", "image/jpeg")),  # most of the sample decides
])
def test_the_tiles_bytes_decide_the_format_not_the_metadata(tmp_path: Path, declared: str, tiles: list[bytes],
                                                            expected: tuple[str, str]) -> None:
    # Metadata copied from another tile set: PNG tiles with format=jpg were served as image/jpeg.
    rows = [(2, column, 0, data) for column, data in enumerate(tiles)]
    path = make_mbtiles(tmp_path / "relabelled.mbtiles", rows, {"name": "relabelled", "format": declared})
    info = inspect_mbtiles(path)
    assert (info.format, info.media_type) == expected
    with MBTiles(path) as opened:
        assert opened.info.media_type == expected[1]
        assert opened.tile(2, 0, 3) == tiles[0]  # TMS row 0 at zoom 2 is XYZ row 3


def test_each_tile_of_a_file_mixing_png_and_jpeg_has_its_own_media_type(tmp_path: Path) -> None:
    """Some generators write PNG where a tile has transparency and JPEG elsewhere, in one file: every tile was served
    with the file's type (image/png for most), so a JPEG tile went out as image/png."""
    rows = [(2, 0, 0, PNG), (2, 1, 0, PNG), (2, 2, 0, PNG), (2, 3, 0, JPEG), (2, 0, 1, b"not an image")]
    path = make_mbtiles(tmp_path / "mixed.mbtiles", rows, {"name": "mixed", "format": "png"})
    with MBTiles(path) as opened:
        assert opened.info.media_type == "image/png"  # most of them
        served = {(x, y): opened.tile_media_type(opened.tile(2, x, y) or b"") for x, y in ((0, 3), (3, 3), (0, 2))}
    # TMS rows 0 and 1 at zoom 2 are XYZ rows 3 and 2; bytes of no known image fall back to the file's type.
    assert served == {(0, 3): "image/png", (3, 3): "image/jpeg", (0, 2): "image/png"}


def test_a_zero_byte_tile_among_good_ones_is_no_tile_not_an_empty_image(tmp_path: Path) -> None:
    """A generator's zero-byte placeholder was handed to the tile server, which sent an empty image/png."""
    rows = [(2, 0, 0, PNG), (2, 1, 0, b""), (2, 2, 0, JPEG)]
    path = make_mbtiles(tmp_path / "holes.mbtiles", rows, {"name": "holes", "format": "png"})
    with MBTiles(path) as opened:
        assert opened.tile(2, 1, 3) is None
        assert (opened.tile(2, 0, 3), opened.tile(2, 2, 3)) == (PNG, JPEG)


def test_a_first_tile_stored_as_text_is_not_called_empty(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "texty.mbtiles", [(2, 0, 0, "<html>not a tile"), (2, 1, 0, PNG)],
                        {"name": "texty"})
    with pytest.raises(MBTilesError, match="its first tile is stored as text, not as image bytes"):
        inspect_mbtiles(path)
