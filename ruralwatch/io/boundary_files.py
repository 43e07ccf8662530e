"""Boundary files as GeoJSON in WGS 84: GeoJSON as it is, GeoPackage and Shapefile read with GDAL (pyogrio, whose
wheels bundle it) and reprojected from the file's own coordinate system with pyproj. Any of the three may come in a
.zip (people are sent boundaries zipped): read from it without unpacking.

ONS publishes boundaries as GeoJSON, GeoPackage and Shapefile, the last two usually on the British National Grid
(EPSG:27700). Everything is turned into one GeoJSON FeatureCollection (longitude, latitude) so that
mapping.geography.check_import applies the same checks to every format. A file that cannot be read gives one
BoundaryFileError saying why; nothing is written anywhere.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.io.zips import zipped_again

if TYPE_CHECKING:  # numpy comes with the GIS readers, only when such a file is read (issue 21: the window's memory)
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["FORMATS", "BoundaryFileError", "read_boundaries"]

# What the file dialog and the errors offer: suffix -> format name.
FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile",
           ".zip": "zipped GeoJSON, GeoPackage or Shapefile"}
# All of England and Wales' wards in GeoJSON are a few hundred MB: a member far beyond that is not boundaries
# (or is a zip bomb), and is refused before it is unpacked into memory.
MAX_GEOJSON_BYTES = 1 << 30
# A Shapefile is several files: without .shx and .dbf GDAL cannot read it (or reads no names), without .prj the
# coordinate system is unknown and a guess could put every ward in the wrong place.
_SIDECARS = (".shx", ".dbf", ".prj")


class BoundaryFileError(RuralWatchError):
    """A boundary file that cannot be read as it is; nothing was changed."""


def read_boundaries(path: Path) -> tuple[dict[str, Any], str]:
    """The file's features as a GeoJSON FeatureCollection in WGS 84 (EPSG:4326, [lon, lat]) and a short note of
    what was read ("GeoPackage, layer wards, EPSG:27700 reprojected to WGS 84")."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise BoundaryFileError(f"{path}: no such file")
    if path.is_dir():
        raise BoundaryFileError(f"{path}: a folder, not a boundary file")
    if suffix in (".geojson", ".json"):
        collection = _read_geojson(path)
        if _named_crs(collection) not in _WGS84_NAMES:
            # GeoJSON of before RFC 7946 may name another coordinate system ("crs": EPSG:27700 as ONS published
            # them): GDAL reads that member, and the coordinates are reprojected like a GeoPackage's.
            return _read_gdal(path, str(path), "GeoJSON")
        return collection, "GeoJSON"
    if suffix == ".gpkg":
        return _read_gdal(path, str(path), "GeoPackage")
    if suffix == ".shp":
        missing = [s for s in _SIDECARS if _sidecar(path, s) is None]
        if missing:
            raise BoundaryFileError(f"{path.name}: a Shapefile needs its {', '.join(missing)} beside it (same name, "
                                    "same folder); copy them too, or import the .zip they came in")
        return _read_gdal(path, str(path), "Shapefile")
    if suffix == ".zip":
        member = _zip_member(path)
        source = f"/vsizip/{path.resolve()}/{member}"
        if member.lower().endswith((".geojson", ".json")):
            kind = f"GeoJSON {member} in the zip"
            collection = _parse_geojson(_zip_read(path, member), f"{path.name}: {member}")
            if _named_crs(collection) not in _WGS84_NAMES:
                return _read_gdal(path, source, kind)
            return collection, kind
        return _read_gdal(path, source,
                          f"{'GeoPackage' if member.lower().endswith('.gpkg') else 'Shapefile'} {member} in the zip")
    if suffix in (".kml", ".kmz", ".gpx", ".csv", ".topojson"):
        raise BoundaryFileError(f"{path.name}: RuralWatch does not read {suffix} files; save the boundaries as "
                                "GeoJSON, GeoPackage or Shapefile first (QGIS: Export > Save Features As)")
    raise BoundaryFileError(f"{path.name}: not a boundary file RuralWatch reads (GeoJSON .geojson/.json, "
                            "GeoPackage .gpkg, Shapefile .shp or a .zip of one of them)")


# How a GeoJSON file's "crs" member names WGS 84 longitude/latitude (or None: RFC 7946 has no member, WGS 84).
_WGS84_NAMES = (None, "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
                "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:4326")


def _read_geojson(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BoundaryFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return _parse_geojson(data, path.name)


def _parse_geojson(data: bytes, name: str) -> Any:
    """The JSON in a GeoJSON file's bytes; `name` is how errors refer to the file."""
    if not data.strip():
        raise BoundaryFileError(f"{name}: the file is empty")
    try:
        collection: Any = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BoundaryFileError(f"{name}: not UTF-8 text (a byte {data[exc.start]:#04x} at offset {exc.start}, "
                                "or not a text file at all); GeoJSON is UTF-8: export it again") from None
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(f"{name}: not GeoJSON: the text is not JSON from line {exc.lineno}, column "
                                f"{exc.colno} ({exc.msg}); cut short or damaged?") from None
    except RecursionError:
        raise BoundaryFileError(f"{name}: not GeoJSON (nested too deeply)") from None
    if isinstance(collection, dict) and collection.get("type") == "Topology":
        raise BoundaryFileError(f"{name}: a TopoJSON file, not GeoJSON; convert it to GeoJSON first")
    return collection  # any JSON: mapping.geography.check_import says what is wrong with it


def _named_crs(collection: Any) -> str | None:
    crs = collection.get("crs") if isinstance(collection, dict) else None
    if not isinstance(crs, dict):
        return None
    properties = crs.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _sidecar(path: Path, suffix: str) -> Path | None:
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def _zip_member(path: Path) -> str:
    """The one Shapefile (with its sidecars), GeoPackage or GeoJSON file in the zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: a member of a zip version Python's zipfile does not know.
        raise BoundaryFileError(f"{path.name}: not a readable zip file ({exc})") from None
    lowered = {n.lower(): n for n in names}
    found = [n for n in names if n.lower().endswith((".shp", ".gpkg", ".geojson"))]
    if not found:  # .json only when nothing else: beside a Shapefile it may be metadata, not boundaries
        found = [n for n in names if n.lower().endswith(".json")]
    if not found and (inner := [PurePosixPath(n).name for n in names if n.lower().endswith(".zip")]):
        raise BoundaryFileError(f"{path.name}: " + zipped_again(inner[0], "boundary file", "file"))
    if not found:
        raise BoundaryFileError(f"{path.name}: the zip holds no GeoJSON, GeoPackage or Shapefile")
    if len(found) > 1:
        listed = ", ".join(found[:4]) + (", ..." if len(found) > 4 else "")
        raise BoundaryFileError(f"{path.name}: the zip holds {len(found)} boundary files ({listed}); RuralWatch "
                                "imports one at a time: unzip it and import the one you want")
    member = found[0]
    if member.lower().endswith(".shp"):
        stem = member[:-4].lower()
        missing = [s for s in _SIDECARS if stem + s not in lowered]
        if missing:
            raise BoundaryFileError(f"{path.name}: {member} is in the zip without its {', '.join(missing)}")
    return member


def _zip_read(path: Path, member: str) -> bytes:
    """A GeoJSON member's bytes, read without unpacking the zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(member)
            if info.flag_bits & 0x1:
                raise BoundaryFileError(f"{path.name}: {member} is password-protected in the zip: unzip it first")
            if info.file_size > MAX_GEOJSON_BYTES:
                raise BoundaryFileError(f"{path.name}: {member} is {info.file_size:,} bytes unpacked: too large "
                                        "to be boundaries of a force's area")
            return archive.read(member)
    except BoundaryFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, RuntimeError, ValueError,
            NotImplementedError):
        raise BoundaryFileError(f"{path.name}: {member} cannot be read from the zip: the zip is damaged or cut "
                                "short") from None


def _read_gdal(path: Path, source: str, kind: str) -> tuple[dict[str, Any], str]:
    # Imported here: GDAL is loaded only when someone imports a GeoPackage or Shapefile.
    import numpy as np
    import pyogrio
    import pyogrio.errors
    import pyogrio.raw
    import shapely
    import shapely.geometry
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError, ProjError
    from shapely.errors import GEOSException

    unreadable = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                  pyogrio.errors.GeometryError, pyogrio.errors.CRSError, GEOSException, CRSError, ProjError,
                  OSError, ValueError)
    try:
        layers = pyogrio.list_layers(source)
        polygonal = [str(name) for name, geometry_type in layers if _polygonal(geometry_type)]
        if not polygonal:
            raise BoundaryFileError(f"{path.name}: no layer of polygons (layers: "
                                    f"{', '.join(f'{n} ({t})' for n, t in layers) or 'none'})")
        if len(polygonal) > 1:
            raise BoundaryFileError(f"{path.name}: {len(polygonal)} layers of polygons ({', '.join(polygonal[:5])}): "
                                    "save the one to import on its own (e.g. QGIS Export > Save Features As)")
        layer = polygonal[0]
        meta, _fids, wkb, field_data = pyogrio.raw.read(source, layer=layer, force_2d=True)
        crs_text = meta.get("crs")
        if not crs_text:
            raise BoundaryFileError(f"{path.name}: the file does not say its coordinate system (a Shapefile's .prj "
                                    "is missing or empty): export it again with one")
        crs = CRS.from_user_input(crs_text)
        geometries = shapely.from_wkb(wkb)
        note = f"{kind}, layer {layer}"
        if not crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
            transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

            def to_wgs84(xy: NDArray[np.float64]) -> NDArray[np.float64]:
                lon, lat = transformer.transform(xy[:, 0], xy[:, 1], errcheck=True)
                return np.column_stack([lon, lat])

            geometries = shapely.transform(geometries, to_wgs84)
            note += f", {crs.to_string()} reprojected to WGS 84"
        features = []
        names = [str(f) for f in meta["fields"]]
        for number, geometry in enumerate(geometries):
            properties = {name: _plain(values[number]) for name, values in zip(names, field_data, strict=True)}
            shape = None if geometry is None or shapely.is_empty(geometry) else shapely.geometry.mapping(geometry)
            features.append({"type": "Feature", "properties": properties, "geometry": shape})
    except BoundaryFileError:
        raise
    except unreadable as exc:
        # GDAL's first sentence says what is wrong; its advice on driver prefixes is for programmers.
        message = " ".join(str(exc).split()).split("; It might help")[0][:300] or type(exc).__name__
        if "malformed" in message or "not a database" in message:  # SQLite's words, inside GDAL's SQL
            message = "the file is damaged or incomplete; copy it again from the original"
        raise BoundaryFileError(f"{path.name}: not a readable {kind.split(' ')[0]} ({message})") from None
    return {"type": "FeatureCollection", "features": features}, note


def _polygonal(geometry_type: Any) -> bool:
    # GDAL names: "Polygon", "MultiPolygon", "3D MultiPolygon", "Polygon Z"; "Unknown" when a layer mixes types.
    text = str(geometry_type or "Unknown").replace("3D ", "").replace(" Z", "").replace(" M", "")
    return text.removeprefix("Multi") in ("Polygon", "Unknown", "Geometry")


def _plain(value: Any) -> Any:
    """A field value as JSON would hold it: numpy scalars to Python, NaN and null to None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    import numpy as np  # loaded already: the values come from pyogrio's arrays

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
