"""District and ward boundaries (no Qt, no shapely): an AreaSet per force, and the shipped Essex one.

The chosen force's AreaSet comes from ruralwatch.mapping.geography (the force is a setting; services read it through
services/geography.py). The module-level functions here are the Essex set: the demo force and the default.
The Essex files under resources/geo/ are built by build/make_boundaries.py from ONS 2011 LSOAs (districts are the
union of their LSOAs) and 2013 wards: the 14 local authorities Essex Police covers, the 12 Essex districts plus
Southend-on-Sea and Thurrock. Coordinates are GeoJSON order, [longitude, latitude]; this module's functions take
(lat, lon) like the rest of RuralWatch.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Literal

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.paths import resource_path

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)

DISTRICTS_FILE = "essex-districts.geojson"
WARDS_FILE = "essex-wards.geojson"

AreaKind = Literal["district", "ward"]

# One ring: a closed list of (lon, lat) points. A polygon: its exterior ring, then its holes.
_Ring = tuple[tuple[float, float], ...]
_BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


class UnknownAreaError(RuralWatchError):
    """No district or ward has that name (or a ward name is shared by two districts and none was given)."""

    def __init__(self, name: str, suggestions: Sequence[str] = (), reason: str = "") -> None:
        self.name = name
        self.suggestions = list(suggestions)
        message = reason or f"No district or ward is called {name!r}."
        if self.suggestions:
            message += " Did you mean: " + "; ".join(self.suggestions) + "?"
        super().__init__(message)


@dataclass(frozen=True)
class _Polygon:
    bbox: _BBox
    rings: tuple[_Ring, ...]  # exterior first, then holes


@dataclass(frozen=True)
class Area:
    """A district (local authority) or a ward. For a district, `district` is its own name."""

    code: str
    name: str
    kind: AreaKind
    district: str
    area_km2: float
    geometry: dict[str, Any] = field(repr=False, compare=False)
    district_code: str = ""
    _polygons: tuple[_Polygon, ...] = field(init=False, repr=False, compare=False)
    _bbox: _BBox = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        polygons = tuple(_parse_geometry(self.geometry))
        object.__setattr__(self, "_polygons", polygons)
        object.__setattr__(self, "_bbox", _union_bbox(p.bbox for p in polygons))

    @property
    def label(self) -> str:
        """The name for a district; "Ward, District" for a ward (always accepted by find_area)."""
        return f"{self.name}, {self.district}" if self.kind == "ward" else self.name

    @property
    def bbox(self) -> _BBox:
        """(min lon, min lat, max lon, max lat)."""
        return self._bbox


class AreaSet:
    """The districts and wards of one force, with the name index find_area uses (built on first use)."""

    def __init__(self, districts: Iterable[Area], wards: Iterable[Area] = ()) -> None:
        self._districts = tuple(districts)
        self._wards = tuple(wards)

    def districts(self) -> list[Area]:
        return list(self._districts)

    def wards(self) -> list[Area]:
        return list(self._wards)

    def of_kind(self, kind: AreaKind) -> tuple[Area, ...]:
        if kind not in ("district", "ward"):
            raise ValueError(f"kind must be 'district' or 'ward', not {kind!r}")
        return self._districts if kind == "district" else self._wards

    def find_area(self, name: str) -> Area:
        """The district or ward with this name, case-insensitively; districts win over wards of the same name.

        A ward name shared by two districts (e.g. "Victoria") must be given as "Ward, District".
        Raises UnknownAreaError, with close matches as suggestions, when nothing matches.
        """
        key = _normalise(name)
        index = self._index
        district = index.districts.get(key)
        if district is not None:
            return district
        matches = index.wards.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UnknownAreaError(
                name,
                [ward.label for ward in matches],
                reason=f"{len(matches)} wards are called {name.strip()!r}; add the district.",
            )
        if "," in key:
            ward_part, _, district_part = key.rpartition(",")
            for ward in index.wards.get(ward_part.strip(), []):
                if _normalise(ward.district) == district_part.strip():
                    return ward
        raise UnknownAreaError(name, _suggestions(key, index))

    def starting_with(self, text: str) -> list[str]:
        """Labels of the areas whose name or label begins with `text` (case-insensitive), districts first: what a
        half-typed area box stands for. A label equal to the text comes alone."""
        key = _normalise(text)
        if not key:
            return []
        areas = (*self._districts, *self._wards)
        exact = next((area.label for area in areas if _normalise(area.label) == key), None)
        if exact is not None:
            return [exact]
        return [area.label for area in areas
                if _normalise(area.label).startswith(key) or _normalise(area.name).startswith(key)]

    def completion(self, text: str) -> str | None:
        """The one area a half-typed name stands for: the only one beginning with it, or the shortest when every
        other begins with that one ("braint": Braintree, not its wards "Braintree Central & ..."); else None."""
        matches = self.starting_with(text)
        if not matches:
            return None
        shortest = min(matches, key=len)
        return shortest if all(_normalise(m).startswith(_normalise(shortest)) for m in matches) else None

    def resolve(self, text: str) -> Area:
        """The area a typed name stands for, in the window's area box and on the command line alike: the name
        itself (find_area), else the one area it begins (`completion`). Several areas beginning with it, or none,
        raise UnknownAreaError naming the candidates (or close names)."""
        try:
            return self.find_area(text)
        except UnknownAreaError as not_exact:
            chosen = self.completion(text)
            if chosen is not None:
                return self.find_area(chosen)
            candidates = self.starting_with(text)
            if len(candidates) > 1:
                shown = candidates[:8]
                more = f" and {len(candidates) - len(shown)} more" if len(candidates) > len(shown) else ""
                raise UnknownAreaError(
                    text, reason=f"{len(candidates)} districts or wards begin with {text.strip()!r}: "
                                 + "; ".join(shown) + more + ". Type more of the name.") from None
            raise not_exact from None

    def area_of_point(self, lat: float, lon: float, kind: AreaKind = "district") -> Area | None:
        """The district (or ward) containing the point, or None outside every one of them."""
        for area in self.of_kind(kind):
            if contains(area, lat, lon):
                return area
        return None

    @cached_property
    def _index(self) -> _Index:
        by_district = {_normalise(area.name): area for area in self._districts}
        by_ward: dict[str, list[Area]] = {}
        for ward in self._wards:
            by_ward.setdefault(_normalise(ward.name), []).append(ward)
        candidates = {key: [area.name] for key, area in by_district.items()}
        for key, same_name in by_ward.items():
            if len(same_name) == 1 and key not in by_district:
                candidates[key] = [same_name[0].name]
            else:  # shared with another ward or a district: only "Ward, District" finds it
                candidates.setdefault(key, []).extend(ward.label for ward in same_name)
                for ward in same_name:
                    candidates[_normalise(ward.label)] = [ward.label]
        return _Index(by_district, by_ward, candidates)


@cache
def essex() -> AreaSet:
    """The shipped Essex districts and wards (the demo force, and the default)."""
    return AreaSet(_load("district"), _load("ward"))


def districts() -> list[Area]:
    """The 14 Essex local authorities, in code order."""
    return essex().districts()


def wards() -> list[Area]:
    """Every 2013 ward of those local authorities, ordered by district then ward name."""
    return essex().wards()


def find_area(name: str) -> Area:
    """An Essex district or ward by name (see AreaSet.find_area)."""
    return essex().find_area(name)


def contains(area: Area, lat: float, lon: float) -> bool:
    """Whether the point lies inside the area (holes excluded). Points exactly on an edge may go either way."""
    if not _in_bbox(area.bbox, lon, lat):
        return False
    return any(_in_bbox(polygon.bbox, lon, lat) and _in_polygon(polygon.rings, lon, lat) for polygon in area._polygons)


def area_of_point(lat: float, lon: float, kind: AreaKind = "district") -> Area | None:
    """The Essex district (or ward) containing the point, or None outside the Essex Police area."""
    return essex().area_of_point(lat, lon, kind)


# --- loading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    districts: dict[str, Area]
    wards: dict[str, list[Area]]
    candidates: dict[str, list[str]]  # normalised name -> how to write it unambiguously, for suggestions


def area_from_feature(feature: dict[str, Any], kind: AreaKind) -> Area:
    """An Area from a feature in RuralWatch's own form (properties code, name, area_km2; a ward also district
    and district_code)."""
    props = feature["properties"]
    if kind == "district":
        district, district_code = props["name"], props["code"]
    else:
        district, district_code = props["district"], props["district_code"]
    return Area(
        code=props["code"],
        name=props["name"],
        kind=kind,
        district=district,
        area_km2=float(props["area_km2"]),
        geometry=feature["geometry"],
        district_code=district_code,
    )


@cache
def _load(kind: AreaKind) -> tuple[Area, ...]:
    path = resource_path("geo", DISTRICTS_FILE if kind == "district" else WARDS_FILE)
    with path.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    return tuple(area_from_feature(feature, kind) for feature in collection["features"])


def _normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


def _suggestions(key: str, index: _Index, limit: int = 5) -> list[str]:
    queries = [key]
    if "," in key:  # "Misspelt Ward, District": the ward part alone matches better
        queries.insert(0, key.rpartition(",")[0].strip())
    found: list[str] = []
    for query in queries:
        for match in difflib.get_close_matches(query, index.candidates, n=limit, cutoff=0.6):
            found.extend(label for label in index.candidates[match] if label not in found)
    return found[:limit]


# --- geometry ------------------------------------------------------------------------------------------------


def _parse_geometry(geometry: dict[str, Any]) -> list[_Polygon]:
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"expected a Polygon or MultiPolygon, not {kind!r}")
    parsed = []
    for polygon in polygons:
        rings = tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for ring in polygon if ring)
        if not rings:
            continue
        xs = [x for x, _ in rings[0]]
        ys = [y for _, y in rings[0]]
        parsed.append(_Polygon((min(xs), min(ys), max(xs), max(ys)), rings))
    return parsed


def _union_bbox(boxes: Iterable[_BBox]) -> _BBox:
    listed = list(boxes)
    if not listed:
        return (0.0, 0.0, -1.0, -1.0)  # empty: contains nothing
    return (
        min(b[0] for b in listed),
        min(b[1] for b in listed),
        max(b[2] for b in listed),
        max(b[3] for b in listed),
    )


def _in_bbox(bbox: _BBox, x: float, y: float) -> bool:
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _in_polygon(rings: Sequence[_Ring], x: float, y: float) -> bool:
    """Even-odd ray casting over the exterior and its holes (a point in a hole crosses one more ring)."""
    inside = False
    for ring in rings:
        x1, y1 = ring[-1]
        for x2, y2 in ring:
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
            x1, y1 = x2, y2
    return inside
