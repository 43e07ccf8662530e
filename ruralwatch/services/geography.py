"""The force this database works for, and its districts and wards: a setting every analysis, map and plan follows.

The force (its ONS code) and any imported district or ward boundaries are policies in `meta`
(services/policies.py: FORCE, IMPORTED_DISTRICTS, IMPORTED_WARDS), covered by the audit log like every setting
(`geography.` in store/audit.SETTING_PREFIXES). A database that never chose reads as Essex, the default and the
demo force. Changing them needs `geography.manage` (administrators).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruralwatch.core import geo
from ruralwatch.core.errors import FieldError, ValidationError
from ruralwatch.io.boundary_files import BoundaryFileError, read_boundaries
from ruralwatch.mapping.boundaries import Area, AreaSet, UnknownAreaError
from ruralwatch.mapping.geography import (
    DEFAULT_FORCE_CODE,
    Force,
    Geography,
    GeographyImportError,
    ImportedAreas,
    ImportKind,
    ImportReport,
    build_geography,
    check_import,
    combine_reports,
    find_force,
    force_by_code,
    forces,
    shipped_geography,
)
from ruralwatch.services import policies
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store

TOPIC = "geography"
_CACHE: OrderedDict[tuple[str, str, str], Geography] = OrderedDict()
_CACHE_SIZE = 4


@dataclass(frozen=True)
class WhereAmI:
    """A position as it is read out over the radio: the OS grid reference and the named place it is in."""

    lat: float
    lon: float
    grid_ref: str  # 10-figure, OSTN15 (ruralwatch.core.geo)
    place: str  # "Ward, District", or the nearest district when outside the force's
    inside: bool = True  # in one of the force's districts

    def spoken(self) -> str:
        return f"{self.grid_ref}, {self.place}"


@dataclass(frozen=True)
class PlaceExamples:
    """What a place box shows as its example, at the chosen force's centre: a North Yorkshire officer read
    "e.g. TL 81234 23456" and "latitude, e.g. 51.88021" (Essex, the demo's force) in every such box."""

    grid_ref: str  # 10 figures, "SE 29509 66514"
    grid_ref_8: str  # 8 figures, "SE 2950 6651"
    lat: str  # "54.09371"
    lon: str  # "-1.55032"


def _place_examples(force: Force) -> PlaceExamples:
    lat, lon = force.centre
    return PlaceExamples(geo.lat_lon_to_grid_ref(lat, lon, 10), geo.lat_lon_to_grid_ref(lat, lon, 8),
                         f"{lat:.5f}", f"{lon:.5f}")


class GeographyService:
    def __init__(self, store: Store, hub: ChangeHub | None = None) -> None:
        self.store = store
        self.hub = hub or ChangeHub()

    # --- reading ------------------------------------------------------------------------------------------

    @staticmethod
    def forces() -> tuple[Force, ...]:
        return forces()

    def force(self) -> Force:
        return force_by_code(policies.FORCE.read(self.store))

    def place_examples(self) -> PlaceExamples:
        """Examples of a grid reference and a latitude/longitude inside the chosen force, for the boxes that take
        a place (incident, premises, patrol log)."""
        return _place_examples(self.force())

    def chosen(self) -> bool:
        """Whether a force was ever chosen here (the window asks at first start when not)."""
        return policies.FORCE.chosen(self.store)

    def current(self) -> Geography:
        """The chosen force with its districts and wards (imported ones if any were imported for it)."""
        code = policies.FORCE.read(self.store)
        districts_text = self.store.meta(policies.IMPORTED_DISTRICTS.key) or ""
        wards_text = self.store.meta(policies.IMPORTED_WARDS.key) or ""
        if not districts_text.strip() and not wards_text.strip():
            return shipped_geography(code)
        key = (code, _digest(districts_text), _digest(wards_text))
        found = _CACHE.get(key)
        if found is None:
            found = build_geography(force_by_code(code), policies.IMPORTED_DISTRICTS.read(self.store),
                                    policies.IMPORTED_WARDS.read(self.store))
            _CACHE[key] = found
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        else:
            _CACHE.move_to_end(key)
        return found

    def find_area(self, text: str) -> Area:
        """The district or ward a typed name (or the unique beginning of one, any case) stands for; the one rule
        for the window's area box and `--area` on the command line. ValidationError on `area` otherwise."""
        try:
            return self.current().areas.resolve(text)
        except UnknownAreaError as exc:
            raise ValidationError.single("area", str(exc)) from None

    def find_district(self, text: str) -> Area:
        """A person's home area or a duty's area: one of the force's districts, by the rule of `find_area` (the
        name, any case, or the one district it begins). A ward is refused naming its district, since auto-fill
        matches a person's area against duties' districts; an unknown name is refused naming close districts,
        else all of them."""
        areas = self.current().areas
        districts = AreaSet(areas.districts())
        try:
            return districts.resolve(text)
        except UnknownAreaError as exc:
            suggestions = exc.suggestions
        typed = " ".join(text.split())
        several = districts.starting_with(text)
        if len(several) > 1:
            raise ValidationError.single("area", f"{len(several)} districts begin with {typed!r}: "
                                                 f"{'; '.join(several)}. Type more of the name.")
        try:
            ward = areas.resolve(text)
        except UnknownAreaError:
            ward = None
        if ward is not None and ward.kind == "ward":
            raise ValidationError.single("area", f"{ward.label} is a ward: give its district ({ward.district})")
        if suggestions:
            raise ValidationError.single("area", f"{self.force().name} has no district called {typed!r}. "
                                                 f"Did you mean: {'; '.join(suggestions)}?")
        names = "; ".join(d.name for d in areas.districts())
        raise ValidationError.single("area", f"{self.force().name} has no district called {typed!r}; "
                                             f"its districts: {names}")

    def checked_district(self, typed: str, stored: str = "") -> str:
        """The area a person or a duty is saved with: blank, or the district `typed` stands for by
        `find_district`'s rule ("uttles": Uttlesford); ValidationError on `area` otherwise. `stored` is the
        record's area before this edit: one stored before areas were checked ("Dunmow beat"), or a district of
        a force no longer chosen, stays as it is when left unchanged (spacing aside), so an old record still opens
        and saves; changing it needs a district."""
        area = " ".join((typed or "").split())
        if not area:
            return ""
        if area == " ".join((stored or "").split()):
            return stored
        return self.find_district(area).name

    def with_checked_district(self, validate: Callable[[], dict[str, Any]], typed: str,
                              stored: str = "") -> dict[str, Any]:
        """`validate()`'s values with "area" the district `typed` stands for (`checked_district`): the record's own
        check and the area's together, every bad field named at once (a person's and a duty's save)."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        try:
            values = validate()
        except ValidationError as exc:
            errors += exc.errors
        area = ""
        try:
            area = self.checked_district(typed or "", stored)
        except ValidationError as exc:
            errors += exc.errors
        if errors:
            raise ValidationError(errors)
        return {**values, "area": area}

    def district_named(self, text: str) -> str | None:
        """The district a stored area stands for under `find_district`'s rule, or None: how auto-fill reads a
        person's area typed before it was checked ("Uttles" is Uttlesford; "Saffron Walden beat" is nothing)."""
        if not text.strip():
            return None
        try:
            return AreaSet(self.current().areas.districts()).resolve(text).name
        except UnknownAreaError:
            return None

    def district_names(self) -> list[str]:
        """The force's districts, as the person form lists them."""
        return [d.name for d in self.current().areas.districts()]

    def complete_district(self, text: str) -> str | None:
        """The one district a half-typed name stands for, or None (none, or several)."""
        return AreaSet(self.current().areas.districts()).completion(text)

    def complete_area(self, text: str) -> str | None:
        """The label of the one area a half-typed name stands for, or None (none, or several)."""
        return self.current().areas.completion(text)

    def districts_starting_with(self, text: str) -> list[str]:
        """Names of the districts a half-typed name begins (the person and duty forms' Area)."""
        return AreaSet(self.current().areas.districts()).starting_with(text)

    def areas_starting_with(self, text: str) -> list[str]:
        """Labels of the areas a half-typed name begins, districts first."""
        return self.current().areas.starting_with(text)

    # --- changing -----------------------------------------------------------------------------------------

    def use_force(self, name: str) -> Force:
        """Make `name` (a force's name or code, any case) this database's force. Imported boundaries of another
        force stay stored but are not used until that force is chosen again."""
        force = find_force(name)
        # The same force again writes and audits nothing; the first choice is written even when it is the default.
        policies.write_pending(self.store, [self.force_change(force.code)])
        return force

    def force_change(self, name: str) -> policies.PendingPolicies:
        """The force chosen (by name or code) and the right to choose it checked, not yet written."""
        force = find_force(name)
        self.store.actor.require("geography.manage")
        return policies.PendingPolicies(((policies.FORCE, force.code),),
                                        lambda: self.hub.publish(Change(TOPIC, "updated", (force.code,))))

    def where(self, lat: float, lon: float) -> WhereAmI:
        """The grid reference and the ward and district of a position (offline: the force's boundaries)."""
        point = geo.check_lat_lon(lat, lon)
        areas = self.current().areas
        ward = areas.area_of_point(point.lat, point.lon, "ward")
        district = areas.area_of_point(point.lat, point.lon, "district")
        inside = ward is not None or district is not None
        if ward is not None:
            place = ward.label
        elif district is not None:
            place = district.name
        else:
            nearest = min(areas.districts(), default=None, key=lambda d: _km_to_box(point, d.bbox))
            place = (f"outside {self.force().name}" + (
                f", {_km_to_box(point, nearest.bbox):.0f} km from {nearest.name}" if nearest is not None else ""))
        return WhereAmI(point.lat, point.lon, geo.lat_lon_to_grid_ref(point.lat, point.lon), place, inside)

    def import_file(self, kind: ImportKind, path: Path | Sequence[Path],
                    name_field: str | None = None) -> ImportReport:
        """Import an ONS file of districts or wards for the chosen force: GeoJSON, GeoPackage or Shapefile (or a
        .zip of one), in any coordinate system the file states (reprojected to WGS 84). Several files (wards
        published one file per district) are imported together, as one level. Checked first; on any problem
        GeographyImportError and nothing changed. Replaces what was imported before for that level."""
        if kind not in ("districts", "wards"):
            raise ValueError(f"kind must be 'districts' or 'wards', not {kind!r}")
        self.store.actor.require("geography.manage")
        paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
        if not paths:
            raise GeographyImportError("no boundary file given")
        geography = self.current()
        reports = []
        for one in paths:
            try:
                collection, read_as = read_boundaries(one)
            except BoundaryFileError as exc:
                raise GeographyImportError(str(exc)) from None
            reports.append(dataclasses.replace(
                check_import(collection, kind, one.name, geography.force, geography.areas, name_field),
                read_as=read_as))
        report = combine_reports(reports)
        policy = policies.IMPORTED_DISTRICTS if kind == "districts" else policies.IMPORTED_WARDS
        previous = policy.read(self.store)
        with self.store.transaction():
            policy.write(self.store, report.areas)
            record_event(self.store, "settings", changes={policy.key: [
                previous.source if previous else None,
                {"file": report.areas.source, "force": report.areas.force_code, "areas": report.kept},
            ]}, covers=[("meta", policy.key)])
        self.hub.publish(Change(TOPIC, "updated", (kind,)))
        return report

    def forget_import(self, kind: ImportKind) -> None:
        """Go back to the shipped districts (or no wards) for that level."""
        self.store.actor.require("geography.manage")
        policy = policies.IMPORTED_DISTRICTS if kind == "districts" else policies.IMPORTED_WARDS
        previous = policy.read(self.store)
        if previous is None:
            return
        with self.store.transaction():
            policy.write(self.store, None)
            record_event(self.store, "settings", changes={policy.key: [previous.source, None]},
                         covers=[("meta", policy.key)])
        self.hub.publish(Change(TOPIC, "updated", (kind,)))


def _km_to_box(point: geo.LatLon, box: tuple[float, float, float, float]) -> float:
    """Kilometres from a point to the nearest edge of a (min lon, min lat, max lon, max lat) box (0 inside)."""
    lon = min(max(point.lon, box[0]), box[2])
    lat = min(max(point.lat, box[1]), box[3])
    return geo.haversine_km(point, geo.LatLon(lat, lon))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text.strip() else ""


__all__ = ["DEFAULT_FORCE_CODE", "GeographyImportError", "GeographyService", "ImportedAreas"]
