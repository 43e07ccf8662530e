"""The geography a force works in: its police force area, its districts and (when there are some) its wards.

Shipped for every force of England and Wales (resources/geo, built by build/make_geography.py): the 43 ONS police
force areas and the 2013 local authority districts, each district given to the force holding most of it. Essex
keeps its own finer files (districts from LSOAs, 2013 wards). A user may import current ONS district or ward
files for the chosen force (GeoJSON, GeoPackage or Shapefile, each turned into WGS 84 GeoJSON by
io/boundary_files.py): `check_import` validates them (polygons, inside the force, names unique) and returns them in
RuralWatch's own form, which services/geography.py keeps in the database.

No Qt and no I/O beyond the shipped resources; coordinates are GeoJSON order, [longitude, latitude].
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.geo import to_bng
from ruralwatch.mapping import boundaries
from ruralwatch.mapping.boundaries import Area, AreaKind, AreaSet, area_from_feature
from ruralwatch.paths import resource_path

if TYPE_CHECKING:
    import numpy as np

# numpy is imported in the functions that use it (checking imported boundaries, measuring them): every service
# reads the force setting through this module, and a command that lists incidents should not load numpy (issue 21).

FORCES_FILE = "police-force-areas.geojson"
DISTRICTS_FILE = "districts-england-wales.geojson"
ESSEX_FORCE_FILE = "essex-police-force-area.geojson"
ESSEX_CODE = "E23000028"
DEFAULT_FORCE_CODE = ESSEX_CODE  # the demo force, and what a database from before the setting reads as
SHIPPED_DISTRICTS = "ONS local authority districts (2013), shipped"
ESSEX_DISTRICTS = "ONS 2011 LSOAs by local authority (Essex), shipped"
ESSEX_WARDS = "ONS wards (2013), shipped"
# An imported area belongs to the force when at least this share of it lies inside the force area (the same rule
# as the shipped districts: the force holding most of it).
MIN_SHARE_IN_FORCE = 0.5
_SAMPLES = 24  # per side of the sampling lattice over an area's bounding box

ImportKind = Literal["districts", "wards"]


class UnknownForceError(RuralWatchError):
    """No police force of England and Wales has that name."""


class GeographyImportError(RuralWatchError):
    """A boundary file that cannot be used as it is; nothing was changed."""


def _force_key(text: str) -> str:
    """What stays of a force's name once "Police", "Constabulary" and punctuation are gone: "Devon & Cornwall
    Police", "Devon and Cornwall" and "devon-and-cornwall" all give "devonandcornwall"."""
    text = text.casefold().replace("&", " and ")
    if "," in text:  # ONS writes "London, City of"
        head, _, tail = text.partition(",")
        text = f"{tail} {head}"
    text = re.sub(r"\b(police service|constabulary|police|service|the)\b", " ", text)
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Force:
    """One police force area: ONS code and name, the name of its row in the CCHI harm table, area, centre."""

    code: str
    name: str
    cchi_force: str
    area_km2: float
    centre: tuple[float, float]  # lat, lon (ONS's population-weighted centre of the area)
    geometry: dict[str, Any] = field(repr=False, compare=False)

    @property
    def area_label(self) -> str:
        """"Essex Police force area", "Metropolitan Police force area"."""
        return f"{self.name} force area" if self.name.endswith("Police") else f"{self.name} Police force area"

    @property
    def key(self) -> str:
        return _force_key(self.cchi_force)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat)."""
        import numpy as np

        points = np.concatenate([np.asarray(ring, dtype=np.float64)[:, :2]
                                 for polygon in _polygons(self.geometry) for ring in polygon])
        return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()),
                float(points[:, 1].max()))

    def publishes_as(self, label: str | None) -> bool:
        """Whether a data.police.uk `Falls within` / `Reported by` value names this force."""
        return bool(label) and _force_key(str(label)) == self.key


@cache
def forces() -> tuple[Force, ...]:
    """The 43 police forces of England and Wales, by name."""
    collection = _read(FORCES_FILE)
    essex_geometry = _read(ESSEX_FORCE_FILE)["features"][0]["geometry"]
    found = []
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = essex_geometry if props["code"] == ESSEX_CODE else feature["geometry"]
        found.append(Force(props["code"], props["name"], props["cchi_force"], float(props["area_km2"]),
                           (float(props["centre"][0]), float(props["centre"][1])), geometry))
    return tuple(sorted(found, key=lambda f: f.name.casefold()))


def force_by_code(code: str) -> Force:
    for force in forces():
        if force.code == code:
            return force
    raise UnknownForceError(f"No police force has the code {code!r}.")


def find_force(name: str) -> Force:
    """A force by its ONS name or code, case-insensitively ("suffolk", "Devon and Cornwall", "E23000025"); the name
    data.police.uk publishes ("Suffolk Constabulary") works too. Raises UnknownForceError with close names."""
    wanted = " ".join(name.split()).casefold()
    for force in forces():
        if wanted in (force.code.casefold(), force.name.casefold(), force.cchi_force.casefold()):
            return force
    key = _force_key(name)
    for force in forces():
        if key and key == force.key:
            return force
    names = {f.name.casefold(): f.name for f in forces()}
    close = [names[n] for n in difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)]
    hint = f" Did you mean: {'; '.join(close)}?" if close else " `ruralwatch geography forces` lists them."
    raise UnknownForceError(f"No police force of England and Wales is called {name.strip()!r}.{hint}")


@cache
def shipped_districts(force_code: str) -> tuple[Area, ...]:
    """The districts shipped for a force (Essex: its own 14; others: the 2013 districts assigned to it)."""
    if force_code == ESSEX_CODE:
        return tuple(boundaries.districts())
    return tuple(area_from_feature(feature, "district") for feature in _read(DISTRICTS_FILE)["features"]
                 if feature["properties"]["force_code"] == force_code)


def shipped_wards(force_code: str) -> tuple[Area, ...]:
    return tuple(boundaries.wards()) if force_code == ESSEX_CODE else ()


@dataclass(frozen=True)
class ImportedAreas:
    """Districts or wards a user imported for one force, in RuralWatch's own feature form."""

    kind: ImportKind
    force_code: str
    source: str  # the file's name
    name_field: str
    features: tuple[dict[str, Any], ...] = field(repr=False)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "force_code": self.force_code, "source": self.source,
                           "name_field": self.name_field, "features": list(self.features)},
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportedAreas:
        data = json.loads(text)
        if data["kind"] not in ("districts", "wards"):
            raise ValueError(f"kind {data['kind']!r}")
        return cls(data["kind"], str(data["force_code"]), str(data["source"]), str(data["name_field"]),
                   tuple(data["features"]))

    def areas(self) -> tuple[Area, ...]:
        kind: AreaKind = "district" if self.kind == "districts" else "ward"
        return tuple(area_from_feature(feature, kind) for feature in self.features)


@dataclass(frozen=True)
class Geography:
    """The chosen force with the districts and wards in use (imported ones win over the shipped ones)."""

    force: Force
    areas: AreaSet
    districts_source: str
    wards_source: str | None

    def summary(self) -> dict[str, Any]:
        districts = self.areas.districts()
        wards = self.areas.wards()
        return {
            "force": self.force.name, "code": self.force.code, "area_km2": self.force.area_km2,
            "cchi_force": self.force.cchi_force, "centre": list(self.force.centre),
            "districts": [{"name": d.name, "code": d.code, "area_km2": d.area_km2} for d in districts],
            "districts_source": self.districts_source,
            "wards": [{"name": w.name, "district": w.district, "code": w.code, "area_km2": w.area_km2}
                      for w in wards],
            "wards_source": self.wards_source,
        }


def build_geography(force: Force, districts: ImportedAreas | None = None,
                    wards: ImportedAreas | None = None) -> Geography:
    """The force's geography; imported areas of another force are ignored (the force was changed since)."""
    if districts is not None and districts.force_code == force.code:
        district_areas, district_source = districts.areas(), f"imported from {districts.source}"
    else:
        district_areas = shipped_districts(force.code)
        district_source = ESSEX_DISTRICTS if force.code == ESSEX_CODE else SHIPPED_DISTRICTS
    ward_source: str | None
    if wards is not None and wards.force_code == force.code:
        ward_areas, ward_source = wards.areas(), f"imported from {wards.source}"
    else:
        ward_areas = shipped_wards(force.code)
        ward_source = ESSEX_WARDS if ward_areas else None
    return Geography(force, AreaSet(district_areas, ward_areas), district_source, ward_source)


@cache
def shipped_geography(force_code: str) -> Geography:
    return build_geography(force_by_code(force_code))


# --- import -----------------------------------------------------------------------------------------------------

_NAME_FIELD = re.compile(r"^(WD|LAD|LTLA|UTLA|CTYUA|CTY)\d{2}NM$", re.IGNORECASE)
_DISTRICT_NAME_FIELD = re.compile(r"^(LAD|LTLA)\d{2}NM$", re.IGNORECASE)


@dataclass(frozen=True)
class ImportReport:
    areas: ImportedAreas
    read: int
    kept: int
    outside: list[str]  # names of areas left out: (mostly) outside the force
    read_as: str = "GeoJSON"  # the format, layer and coordinate system read ("GeoPackage, layer wards, ...")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.areas.kind, "force": self.areas.force_code, "file": self.areas.source,
                "read_as": self.read_as, "name_field": self.areas.name_field, "read": self.read, "kept": self.kept,
                "left_out_outside_force": self.outside}

    def summary(self) -> str:
        """What was imported and what left out, in the words the command line and Settings both show (the window
        said nothing of the areas left out)."""
        left = len(self.outside)
        return (f"{self.kept} {self.areas.kind} imported from {self.areas.source} ({self.read_as}; names from "
                f"{self.areas.name_field})"
                + (f"; {left} left out, (mostly) outside the force" if left else ""))


def check_import(collection: Any, kind: ImportKind, source: str, force: Force, districts: AreaSet,
                 name_field: str | None = None) -> ImportReport:
    """Validate an ONS GeoJSON FeatureCollection of districts or wards for `force` and convert it.

    Every feature must be a valid (Multi)Polygon with a name; areas mostly outside the force (a national file
    holds every district of England) are left out and listed; those left must have unique names (wards: unique
    within their district). Wards are given the district (of `districts`) holding their representative point,
    unless the file names it (a LADxxNM field). Raises GeographyImportError: one message, nothing kept.
    """
    import numpy as np

    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise GeographyImportError(f"{source}: not a GeoJSON FeatureCollection")
    features = collection["features"]
    if not features:
        raise GeographyImportError(f"{source}: the file holds no features")
    field_name = name_field or _guess_name_field(features, source, kind)
    force_rings = [[np.asarray(ring, dtype=np.float64)[:, :2] for ring in polygon]
                   for polygon in _polygons(force.geometry)]
    fw, fs, fe, fn = force.bbox
    kept: list[dict[str, Any]] = []
    outside: list[str] = []
    for number, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        name = props.get(field_name)
        where = f"{source}: feature {number}"
        if not isinstance(name, str) or not name.strip():
            raise GeographyImportError(f"{where} has no name in the field {field_name!r} (use --name-field)")
        name = " ".join(str(name).split())
        where = f"{source}: {name!r}"
        polygons = _checked_polygons((feature or {}).get("geometry"), where)
        bbox = _bbox_of(polygons)
        if bbox[2] < fw or bbox[0] > fe or bbox[3] < fs or bbox[1] > fn:
            outside.append(name)
            continue
        if _share_inside(polygons, bbox, force_rings) < MIN_SHARE_IN_FORCE:
            outside.append(name)
            continue
        geometry = {"type": "MultiPolygon", "coordinates": [[[[round(x, 6), round(y, 6)] for x, y in ring]
                                                             for ring in polygon] for polygon in polygons]}
        code = _code_for(props, field_name) or f"{kind[:-1]}-{len(kept) + 1}"
        properties: dict[str, Any] = {"code": str(code), "name": name, "area_km2": round(_area_km2(polygons), 2)}
        if kind == "wards":
            district = _district_of(props, polygons, districts)
            properties["district"], properties["district_code"] = district
        kept.append({"type": "Feature", "properties": properties, "geometry": geometry})
    if not kept:
        raise GeographyImportError(
            f"{source}: none of its {len(features)} areas lies (mostly) inside the {force.area_label}: "
            "is it the right file, or the right force?")
    if name_field is None:  # after the areas' own checks: what is wrong with them is said first
        _check_level(features, source, kind)
    _check_unique(kept, kind, source)
    return ImportReport(ImportedAreas(kind, force.code, source, field_name, tuple(kept)), len(features), len(kept),
                        outside)


def files_label(names: Sequence[str]) -> str:
    """How several imported files are named where one file's name would be ("E07000143.json and 6 more files")."""
    if len(names) == 1:
        return names[0]
    return f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} and {len(names) - 1} more files"


def combine_reports(reports: Sequence[ImportReport]) -> ImportReport:
    """One import of areas checked file by file (`check_import` each): ward files are often published one per
    district, and a walk imported seven of them to find the first one's 36 wards kept and the rest dropped without
    a word. Names must still be unique across the files; codes the files did not give are numbered anew."""
    if len(reports) == 1:
        return reports[0]
    kind = reports[0].areas.kind
    source = files_label([r.areas.source for r in reports])
    kept = [dict(feature, properties=dict(feature["properties"])) for r in reports for feature in r.areas.features]
    generated = re.compile(rf"^{kind[:-1]}-\d+$")
    number = 0
    for feature in kept:
        if generated.match(feature["properties"]["code"]):
            number += 1
            feature["properties"]["code"] = f"{kind[:-1]}-{number}"
    _check_unique(kept, kind, source)
    fields = list(dict.fromkeys(r.areas.name_field for r in reports))
    read_as = list(dict.fromkeys(r.read_as for r in reports))
    areas = ImportedAreas(kind, reports[0].areas.force_code, source, ", ".join(fields), tuple(kept))
    return ImportReport(areas, sum(r.read for r in reports), len(kept), [n for r in reports for n in r.outside],
                        "; ".join(read_as))


def _guess_name_field(features: Sequence[Any], source: str, kind: ImportKind) -> str:
    props = (features[0] or {}).get("properties") or {}
    candidates = [k for k in props if _NAME_FIELD.match(k)]
    prefix = "WD" if kind == "wards" else "LAD"
    preferred = [k for k in candidates if k.upper().startswith(prefix)] or candidates
    if preferred:
        return preferred[0]
    for plain in ("name", "NAME", "Name"):
        if plain in props:
            return plain
    raise GeographyImportError(
        f"{source}: no name field found among {', '.join(props) or 'no properties'}: give one with --name-field")


def _check_level(features: Sequence[Any], source: str, kind: ImportKind) -> None:
    """ONS names its files' fields by level: a file whose only names are wards' (WD13NM) is a ward file, one whose
    only names are districts' (LAD13NM) a district file. Taken for the other level, its areas were imported as that."""
    props = (features[0] or {}).get("properties") or {}
    candidates = [k for k in props if _NAME_FIELD.match(k)]
    if not candidates or not all(k.upper().startswith("WD") if kind == "districts" else _DISTRICT_NAME_FIELD.match(k)
                                 for k in candidates):
        return
    other, words = ("wards", "a ward file") if kind == "districts" else ("districts", "a district file")
    raise GeographyImportError(
        f"{source}: its areas are named in {candidates[0]}, so it is {words}: import it with --{other} (or name the "
        f"field with --name-field to take it as {kind} all the same)")


def _code_for(props: dict[str, Any], name_field: str) -> str | None:
    if name_field.upper().endswith("NM"):
        code = props.get(name_field[:-2] + ("CD" if name_field[-2:].isupper() else "cd"))
        if isinstance(code, str) and code.strip():
            return code.strip()
    for key in ("code", "CODE", "Code"):
        if isinstance(props.get(key), str) and props[key].strip():
            return str(props[key]).strip()
    return None


def _district_of(props: dict[str, Any], polygons: list[list[np.ndarray]], districts: AreaSet) -> tuple[str, str]:
    for key, value in props.items():
        if _DISTRICT_NAME_FIELD.match(key) and isinstance(value, str) and value.strip():
            name = " ".join(value.split())
            try:
                found = districts.find_area(name)
                return found.name, found.code
            except boundaries.UnknownAreaError:
                code = props.get(key[:-2] + "CD")
                return name, str(code) if code else ""
    lon, lat = _representative_point(polygons)
    found_district = districts.area_of_point(lat, lon, "district")
    return (found_district.name, found_district.code) if found_district else ("", "")


def _check_unique(kept: list[dict[str, Any]], kind: ImportKind, source: str) -> None:
    seen: dict[str, int] = {}
    for feature in kept:
        props = feature["properties"]
        label = props["name"] if kind == "districts" else f"{props['name']}, {props['district']}"
        key = label.casefold()
        seen[key] = seen.get(key, 0) + 1
    repeated = sorted(k for k, n in seen.items() if n > 1)
    if repeated:
        what = "districts" if kind == "districts" else "wards of one district"
        raise GeographyImportError(f"{source}: {len(repeated)} names are used by more than one of its {what}: "
                                   + "; ".join(repeated[:5]) + ("..." if len(repeated) > 5 else ""))


# --- geometry checks --------------------------------------------------------------------------------------------


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _checked_polygons(geometry: Any, where: str) -> list[list[np.ndarray]]:
    """The geometry's polygons as closed (N, 2) rings, or GeographyImportError saying what is wrong."""
    import numpy as np

    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        raise GeographyImportError(f"{where} is a {kind or 'missing geometry'}, not a Polygon or MultiPolygon")
    polygons: list[list[np.ndarray]] = []
    try:
        for polygon in _polygons(geometry):
            rings = []
            for ring in polygon:
                array = np.asarray(ring, dtype=np.float64)
                if array.ndim != 2 or array.shape[1] < 2:
                    raise ValueError("a ring is not a list of positions")
                array = array[:, :2]
                if len(array) > 1:  # repeated positions are harmless: drop them before the checks
                    keep = np.ones(len(array), dtype=bool)
                    keep[1:] = np.any(array[1:] != array[:-1], axis=1)
                    array = array[keep]
                rings.append(array)
            polygons.append(rings)
    except (TypeError, ValueError, KeyError) as exc:
        raise GeographyImportError(f"{where}: unreadable coordinates ({exc})") from None
    if not polygons or not all(polygons):
        raise GeographyImportError(f"{where}: a polygon without rings")
    for polygon in polygons:
        for ring in polygon:
            if not np.all(np.isfinite(ring)):
                raise GeographyImportError(f"{where}: a coordinate is not a number")
            if np.any(np.abs(ring[:, 0]) > 180) or np.any(np.abs(ring[:, 1]) > 90):
                grid = bool(np.all((ring >= 0) & (ring[:, :1] <= 700_000) & (ring[:, 1:2] <= 1_300_000)))
                looks = " (they look like British National Grid metres, EPSG:27700)" if grid else ""
                raise GeographyImportError(f"{where}: coordinates are not longitude and latitude (EPSG:4326){looks} "
                                           "and the file does not name its coordinate system; export it as WGS 84 "
                                           "GeoJSON, or import the GeoPackage or Shapefile (they say theirs)")
            if len(ring) < 4 or not np.array_equal(ring[0], ring[-1]):
                raise GeographyImportError(f"{where}: a ring is not closed (at least 4 positions, last = first)")
            if abs(_signed_area(ring)) == 0:
                raise GeographyImportError(f"{where}: a ring has no area")
            crossing = _self_intersection(ring)
            if crossing is not None:
                raise GeographyImportError(f"{where}: its outline crosses itself near {crossing[1]:.5f}, "
                                           f"{crossing[0]:.5f} (lat, lon): repair the file (e.g. QGIS "
                                           "Fix geometries) and import it again")
    return polygons


def _signed_area(ring: np.ndarray) -> float:
    import numpy as np

    x = ring[:, 0] - ring[:, 0].mean()
    y = ring[:, 1] - ring[:, 1].mean()
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _self_intersection(ring: np.ndarray, chunk: int = 2_000_000) -> tuple[float, float] | None:
    """A point where two non-adjacent edges of the closed ring cross or touch, or None.

    Sweep on x: edges sorted by their west end, each compared only with the later ones whose west end lies before
    its east end, in chunks of candidate pairs, so cost follows the pairs that overlap in x, not edges squared.
    """
    import numpy as np

    a = ring[:-1]
    b = ring[1:]
    n = len(a)
    if n < 4:
        return None
    xmin = np.minimum(a[:, 0], b[:, 0])
    xmax = np.maximum(a[:, 0], b[:, 0])
    order = np.argsort(xmin, kind="stable")
    sorted_min = xmin[order]
    ends = np.searchsorted(sorted_min, xmax[order], side="right")  # candidates of order[i]: order[i+1:ends[i]]
    counts = np.maximum(ends - np.arange(n) - 1, 0)
    start = 0
    while start < n:
        stop = start
        total = 0
        while stop < n and (total + counts[stop] <= chunk or stop == start):
            total += int(counts[stop])
            stop += 1
        if total:
            rows = np.repeat(np.arange(start, stop), counts[start:stop])
            offsets = np.arange(total) - np.repeat(np.cumsum(counts[start:stop]) - counts[start:stop],
                                                   counts[start:stop])
            i = order[rows]
            j = order[rows + 1 + offsets]
            adjacent = (np.abs(i - j) == 1) | (np.abs(i - j) == n - 1)
            i, j = i[~adjacent], j[~adjacent]
            hit = _segments_cross(a[i], b[i], a[j], b[j])
            if hit.any():
                k = int(np.flatnonzero(hit)[0])
                return float(a[i[k], 0]), float(a[i[k], 1])
        start = stop
    return None


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    import numpy as np

    def orient(o: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.sign((s[:, 0] - o[:, 0]) * (t[:, 1] - o[:, 1]) - (s[:, 1] - o[:, 1]) * (t[:, 0] - o[:, 0]))

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    proper = (d1 * d2 < 0) & (d3 * d4 < 0)

    def on(o: np.ndarray, s: np.ndarray, t: np.ndarray, d: np.ndarray) -> np.ndarray:
        return (d == 0) & (np.minimum(o[:, 0], s[:, 0]) <= t[:, 0]) & (t[:, 0] <= np.maximum(o[:, 0], s[:, 0])) \
            & (np.minimum(o[:, 1], s[:, 1]) <= t[:, 1]) & (t[:, 1] <= np.maximum(o[:, 1], s[:, 1]))

    touching = on(q1, q2, p1, d1) | on(q1, q2, p2, d2) | on(p1, p2, q1, d3) | on(p1, p2, q2, d4)
    return proper | touching


def _bbox_of(polygons: Iterable[list[np.ndarray]]) -> tuple[float, float, float, float]:
    import numpy as np

    points = np.concatenate([polygon[0] for polygon in polygons])
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()),
            float(points[:, 1].max()))


def _inside(px: np.ndarray, py: np.ndarray, polygons: Iterable[list[np.ndarray]]) -> np.ndarray:
    """Even-odd point-in-polygon of many points against every ring at once (edges in chunks)."""
    import numpy as np

    parity = np.zeros(len(px), dtype=np.int64)
    for polygon in polygons:
        for ring in polygon:
            x1, y1 = ring[:-1, 0], ring[:-1, 1]
            x2, y2 = ring[1:, 0], ring[1:, 1]
            for s in range(0, len(x1), 5000):
                ex1, ey1, ex2, ey2 = x1[s:s + 5000], y1[s:s + 5000], x2[s:s + 5000], y2[s:s + 5000]
                straddle = (ey1[None, :] > py[:, None]) != (ey2[None, :] > py[:, None])
                with np.errstate(divide="ignore", invalid="ignore"):
                    cross_x = ex1[None, :] + (py[:, None] - ey1[None, :]) * (ex2 - ex1)[None, :] / (ey2 - ey1)[None, :]
                parity += np.count_nonzero(straddle & (px[:, None] < cross_x), axis=1)
    return (parity % 2).astype(bool)


def _share_inside(polygons: list[list[np.ndarray]], bbox: tuple[float, float, float, float],
                  force_rings: list[list[np.ndarray]]) -> float:
    """Share of the area inside the force: a lattice of points over its box, those in the area tested."""
    import numpy as np

    xs = np.linspace(bbox[0], bbox[2], _SAMPLES + 2)[1:-1]
    ys = np.linspace(bbox[1], bbox[3], _SAMPLES + 2)[1:-1]
    px, py = (a.ravel() for a in np.meshgrid(xs, ys))
    in_area = _inside(px, py, polygons)
    if not in_area.any():  # a sliver between lattice points: its representative point decides
        x, y = _representative_point(polygons)
        return float(_inside(np.array([x]), np.array([y]), force_rings)[0])
    return float(_inside(px[in_area], py[in_area], force_rings).mean())


def _representative_point(polygons: list[list[np.ndarray]]) -> tuple[float, float]:
    """(lon, lat) inside the largest part: the middle of the first span of its exterior on the line through the
    part's middle latitude."""
    import numpy as np

    exterior = max((polygon[0] for polygon in polygons), key=lambda ring: abs(_signed_area(ring)))
    y = float((exterior[:, 1].min() + exterior[:, 1].max()) / 2)
    x1, y1, x2, y2 = exterior[:-1, 0], exterior[:-1, 1], exterior[1:, 0], exterior[1:, 1]
    straddle = (y1 > y) != (y2 > y)
    crossings = np.sort(x1[straddle] + (y - y1[straddle]) * (x2 - x1)[straddle] / (y2 - y1)[straddle])
    if len(crossings) >= 2:
        return float((crossings[0] + crossings[1]) / 2), y
    return float(exterior[:, 0].mean()), float(exterior[:, 1].mean())


def _area_km2(polygons: list[list[np.ndarray]]) -> float:
    import numpy as np

    transformer = to_bng()
    total = 0.0
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            east, north = transformer.transform(ring[:, 0], ring[:, 1])
            area = abs(_signed_area(np.column_stack([east, north])))
            total += area if k == 0 else -area
    return max(total, 0.0) / 1e6


@cache
def _read(filename: str) -> dict[str, Any]:
    with resource_path("geo", filename).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def centre_zoom(force: Force) -> tuple[tuple[float, float], int]:
    """The map's first view of a force: the middle of its box and a zoom that shows all of it (about 9 for a
    county force)."""
    west, south, east, north = force.bbox
    span = max(east - west, (north - south) * 1.6, 1e-6)
    zoom = int(max(5, min(12, math.floor(math.log2(360 / span)) + 1)))
    return ((south + north) / 2, (west + east) / 2), zoom
