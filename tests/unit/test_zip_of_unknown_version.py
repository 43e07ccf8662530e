"""A zip whose member says it needs a zip version Python's zipfile does not know (fuzzing found one): the published
crime import and the boundary import each refuse it with their one message, never a NotImplementedError."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ruralwatch.io.boundary_files import BoundaryFileError, read_boundaries
from ruralwatch.io.police_uk import PoliceUkFormatError, zip_members


def _zip_needing_version(path: Path, member: str, version: int = 114) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, "Crime ID,Month\n")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = version.to_bytes(2, "little")  # "version needed to extract": 11.4
    path.write_bytes(bytes(data))
    with pytest.raises(NotImplementedError):  # what zipfile itself does with it
        zipfile.ZipFile(path)
    return path


def test_published_crime_zip_of_an_unknown_version_is_one_message(tmp_path: Path) -> None:
    path = _zip_needing_version(tmp_path / "download.zip", "2018-10/2018-10-suffolk-street.csv")
    with pytest.raises(PoliceUkFormatError, match="not a readable zip file"):
        zip_members(path)


def test_boundary_zip_of_an_unknown_version_is_one_message(tmp_path: Path) -> None:
    path = _zip_needing_version(tmp_path / "wards.zip", "wards.shp")
    with pytest.raises(BoundaryFileError, match="wards.zip: not a readable zip file"):
        read_boundaries(path)
