"""Where and when harm concentrates: hotspots, their forecast accuracy, harm by area, repeats and timing.

Reads published crime (data.police.uk, month resolution) and the officers' own incidents, weights each by
count or by crime harm (HarmService), and hands British National Grid arrays to ruralwatch.analysis.

pandas is imported where a frame is built, not here: hotspots of the officers' own incidents (what a patrol plan
and `ruralwatch demo` ask for) are read straight into arrays, and pandas costs 0.3-0.5 s to import (issue 21).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from ruralwatch.analysis import accuracy, forecast
from ruralwatch.analysis import grid as gridmod
from ruralwatch.analysis import hotspots as hs
from ruralwatch.analysis.options import DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, METHODS, SOURCES, WEIGHTS
from ruralwatch.core import times
from ruralwatch.core.crime_types import keeps, resolve_choice, types_short, types_words
from ruralwatch.core.errors import CancelledError, FieldError, ValidationError
from ruralwatch.core.errors import ProgressCallback as Progress
from ruralwatch.core.geo import to_bng
from ruralwatch.core.month_split import (
    MonthSplit,
    gaps_text,
    held_text,
    month_at,
    month_index,
    months_from_to,
    split_months,
)
from ruralwatch.mapping import boundaries
from ruralwatch.mapping.geography import Geography, UnknownForceError, find_force
from ruralwatch.services.geography import GeographyService
from ruralwatch.services.harm import HarmService
from ruralwatch.store.database import Store

if TYPE_CHECKING:
    import pandas as pd

REPORT_SOURCES = (
    "Harm weights: Cambridge Crime Harm Index days, derived by isthisben/cbl-realcrime (commit 5591939d) from the "
    "CCHI 2026 update; Sherman, Neyroud & Neyroud (2016), Policing 10(3):171-183. RuralWatch's own kinds: "
    "nearest CCHI-weighted offence (resources/harm/ruralwatch_kinds.csv).",
    "Published crime: data.police.uk. Contains public sector information licensed under the Open Government "
    "Licence v3.0.",
    "Boundaries: Office for National Statistics, Open Government Licence v3.0. Contains OS data © Crown "
    "copyright and database right.",
)
DEFAULT_RADIUS_M = 750.0
FORCE_OUTLINE = "ONS Police Force Areas, December 2020"  # the outline hotspots and accuracy count within
# Below this share of points inside the force area, a result says so (the force setting may be wrong); the study
# area stays the force's all the same.
MIN_SHARE_INSIDE = 0.5


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _month(text: str | None, field_name: str) -> str | None:
    if text is None or text == "":
        return None
    if not _MONTH.fullmatch(text):
        raise ValidationError.single(field_name, f"{text!r} is not a month (use YYYY-MM)")
    return text


def _check_choice(value: str, allowed: tuple[str, ...], field_name: str) -> None:
    if value not in allowed:
        raise ValidationError.single(field_name, f"{value!r} is not one of {', '.join(allowed)}")


def _local_month_start_utc(month: str, months_later: int = 0) -> str:
    """UTC storage text of 00:00 UK time on the first day of `month` (plus some months)."""
    year, number = int(month[:4]), int(month[5:]) + months_later
    year, number = year + (number - 1) // 12, (number - 1) % 12 + 1
    return times.to_storage(datetime(year, number, 1, tzinfo=times.LOCAL_ZONE))


@dataclass(frozen=True)
class HotspotQuery:
    method: str = "kde"
    weight: str = "harm"
    source: str = "published"
    month_from: str | None = None
    month_to: str | None = None
    top_n: int = 20
    cell_m: float = DEFAULT_CELL_M
    bandwidth_m: float = DEFAULT_BANDWIDTH_M
    radius_m: float = DEFAULT_RADIUS_M
    area: str | None = None  # a district or ward name: only its crimes
    # The crime type choice: only these incident kinds (keys) / published crime types (names), empty: all; and
    # these left out (Shoplifting and the night-time economy's violence made every Essex hotspot a town centre).
    # Names in any case are resolved by `hotspots` (core.crime_types), unknown ones are a ValidationError.
    kinds: tuple[str, ...] = ()
    exclude_kinds: tuple[str, ...] = ()
    # One hotspot per place: a cell is left out when within the bandwidth (KDE) or the next cell (grid, Gi*) of a
    # hotter one (the window's and `hotspots`' default; a walk's 20 were 3 town centres). False: every cell
    # ranked, neighbours labelled "next to N" (patrol planning keeps its own spacing of stops).
    places: bool = False
    # Source "published": its own (first, last) month when it differs from month_from..month_to (it comes out 1-2
    # months late, so a patrol plan takes its latest 12 months held). None: month_from and month_to.
    published_months: tuple[str, str] | None = None
    # Source "incidents": the only months (within month_from..month_to) counted. None: every month. Source "all"
    # takes neither: its months come from AnalysisService.month_split, the one rule.
    incident_months: tuple[str, ...] | None = None

    def published_period(self) -> tuple[str | None, str | None]:
        return self.published_months or (self.month_from, self.month_to)

    def checked(self) -> HotspotQuery:
        if self.method not in METHODS:
            raise ValidationError.single("method", f"{self.method!r} is not one of {', '.join(METHODS)}")
        if self.weight not in WEIGHTS:
            raise ValidationError.single("weight", f"{self.weight!r} is not one of {', '.join(WEIGHTS)}")
        if self.source not in SOURCES:
            raise ValidationError.single("source", f"{self.source!r} is not one of {', '.join(SOURCES)}")
        _month(self.month_from, "from")
        _month(self.month_to, "to")
        if self.month_from and self.month_to and self.month_from > self.month_to:
            raise ValidationError.single("to", "the period ends before it starts")
        if self.published_months:
            _month(self.published_months[0], "from")
            _month(self.published_months[1], "to")
        for month in self.incident_months or ():
            _month(month, "from")
        if not 1 <= self.top_n <= 1000:
            raise ValidationError.single("top", "ask for 1 to 1,000 hotspots")
        if not 50 <= self.cell_m <= 5000:
            raise ValidationError.single("cell_m", "cells are 50 m to 5 km")
        if not self.cell_m <= self.bandwidth_m <= 20_000:
            raise ValidationError.single("bandwidth_m", "the bandwidth is at least one cell and at most 20 km")
        return self


@dataclass
class HotspotRun:
    query: HotspotQuery
    hotspots: list[hs.Hotspot]
    points: int
    no_location: int
    total_weight: float
    area_km2: float
    study_area: str
    seconds: float
    areas: list[str] = field(default_factory=list)  # district (ward) of each hotspot, same order
    force: str = ""
    outside_force: int = 0  # crimes with a location outside the force area: left out
    other_forces: int = 0  # published crimes of other forces in the database: left out
    warning: str = ""
    months: MonthSplit | None = None  # source "all": the month each source was counted in (None otherwise)
    # Each hotspot's group: the rank of the hottest ranked cell it touches through other ranked cells (its own rank
    # when it heads one). Empty: each its own (a run made without it).
    groups: list[int] = field(default_factory=list)
    other_types: int = 0  # located crimes of the types not chosen: left out

    def types_words(self) -> str:
        """Which crime types counted, in words ('all', 'Burglary, Vehicle crime', 'all but Shoplifting')."""
        return types_words(self.query.kinds, self.query.exclude_kinds)

    def types_short(self) -> str:
        """`types_words`, many types counted rather than named ('all but 12 types')."""
        return types_short(self.query.kinds, self.query.exclude_kinds)

    def group_of(self) -> list[int]:
        return self.groups or [h.rank for h in self.hotspots]

    def places(self) -> int:
        """Separate places among the hotspots: neighbouring cells are one."""
        return len(set(self.group_of()))

    def labels(self) -> list[str]:
        """Each hotspot's area, with "(next to N)" when it touches hotspot N's cells: the window, report and
        command line showed 'Castle, Colchester' five times and no word that they were one place."""
        return [area if group == h.rank else f"{area} (next to {group})"
                for h, area, group in zip(self.hotspots, self.areas, self.group_of(), strict=True)]

    def places_note(self) -> str:
        """How the hotspots stand to places, in words ('' when each is its own and nothing was left out)."""
        if self.query.places and len(self.hotspots) > 1:
            apart = (f"within {self.query.bandwidth_m:,.0f} m of" if self.query.method == "kde" else "touching")
            return f"one per place (cells {apart} a hotter hotspot count as its place)"
        places = self.places()
        return (f"{places} {'place' if places == 1 else 'places'}: neighbouring cells are one place"
                if places < len(self.hotspots) else "")

    def count_words(self) -> str:
        """'20 hotspots, one per place (…)', '20 hotspots (6 places: …)' or '20 hotspots'."""
        note = self.places_note()
        if not note:
            return f"{len(self.hotspots)} hotspots"
        return f"{len(self.hotspots)} hotspots" + (f", {note}" if self.query.places else f" ({note})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": asdict(self.query),
            "force": self.force,
            "points": self.points,
            "no_location": self.no_location,
            "outside_force": self.outside_force,
            "other_forces": self.other_forces,
            "warning": self.warning,
            "counted": self.counted(),
            "types": self.types_words(),
            "other_types": self.other_types,
            "months": self.months.to_dict() if self.months else None,
            "total_weight": self.total_weight,
            "area_km2": round(self.area_km2, 1),
            "study_area": self.study_area,
            "seconds": round(self.seconds, 3),
            "hotspots": [
                {
                    "rank": h.rank, "value": h.value, "z": h.z, "p": h.p, "lat": round(h.centre_lat, 6),
                    "lon": round(h.centre_lon, 6), "easting": h.easting, "northing": h.northing,
                    "area": area, "next_to": None if group == h.rank else group,
                    "polygon": [list(p) for p in h.polygon_wgs84],
                }
                for h, area, group in zip(self.hotspots, self.areas, self.group_of(), strict=True)
            ],
        }

    def counted(self, short: bool = False) -> str:
        """What the run counted and what it left out, in words (the panel and `hotspots` print it): Hotspots read
        30,061 crimes and Areas 30,313 for the same Norfolk data, and neither said why. `short` (the panel, its
        tooltip has it in full): many crime types counted rather than named (`types_short`), no outline source."""
        scope = bool(self.query.area)
        left = [f"{self.outside_force:,} outside the force outline" if self.outside_force else "",
                f"{self.no_location:,} without a location" + (" (force-wide)" if scope else "")
                if self.no_location else "",
                f"{self.other_forces:,} of other forces" if self.other_forces else "",
                f"{self.other_types:,} of the types not chosen" if self.other_types else ""]
        left = [part for part in left if part]
        where = f"in {self.query.area}, inside the force area" if scope else f"inside the {self.study_area}"
        outline = "" if short else f" (its outline: {FORCE_OUTLINE})"
        return (f"Counted: {self.points:,} crimes {where}{outline}. "
                f"Crime types: {self.types_short() if short else self.types_words()}. "
                + (f"Not counted: {', '.join(left)}." if left else "Nothing left out."))

    def months_note(self) -> str:
        """Source "all": which months came from which source, in words (a line of its own under `counted`)."""
        return self.months.sentence() if self.months else ""

    def geojson(self) -> dict[str, Any]:
        """Hotspot cells for the map and the patrol planner."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in h.polygon_wgs84]]},
                    "properties": {"rank": h.rank, "value": h.value, "z": h.z, "area": area,
                                   "next_to": None if group == h.rank else group},
                }
                for h, area, group in zip(self.hotspots, self.areas, self.group_of(), strict=True)
            ],
        }


class AnalysisService:
    def __init__(self, store: Store, harm: HarmService, geography: GeographyService | None = None) -> None:
        self.store = store
        self.harm = harm
        self.geography = geography or GeographyService(store)

    def _geo(self) -> Geography:
        return self.geography.current()

    def find_area(self, name: str) -> boundaries.Area:
        """A district or ward of the chosen force, or ValidationError on `area` with close names."""
        try:
            return self._geo().areas.find_area(name)
        except boundaries.UnknownAreaError as exc:
            raise ValidationError.single("area", str(exc)) from None

    def area_label(self, lat: float, lon: float) -> str:
        """"Ward, District" (or the district) of the chosen force at a point; "" outside them all."""
        areas = self._geo().areas
        ward = areas.area_of_point(lat, lon, kind="ward")
        if ward is not None:
            return ward.label
        district = areas.area_of_point(lat, lon, kind="district")
        return district.name if district else ""

    # --- points -------------------------------------------------------------------------------------------

    def points(
        self, source: str = "published", month_from: str | None = None, month_to: str | None = None,
        weight: str = "count", area: str | None = None, split: MonthSplit | None = None,
    ) -> pd.DataFrame:
        """Crimes with a location as easting, northing, weight, month (and time for incidents).

        `area`: a district or ward name of the chosen force to keep only its crimes. Published crime is that of
        the chosen force (its `Falls within`, else `Reported by`); rows naming neither are kept. Source "all":
        each month from one source (`split`, else `month_split` of the period), never the two added.
        """
        _check_choice(source, SOURCES, "source")
        _check_choice(weight, WEIGHTS, "weight")
        _month(month_from, "from")
        _month(month_to, "to")
        if source == "all" and split is None:
            split = self.month_split(month_from, month_to)
        frames = []
        weights = self.harm.weights()
        if source in ("published", "all"):
            frame = self._published(month_from, month_to, weight, weights)
            frames.append(frame[frame["month"].isin(split.published)] if source == "all" and split else frame)
        if source in ("incidents", "all"):
            frame = self._incidents(month_from, month_to, weight, weights)
            frames.append(frame[frame["month"].isin(split.ours)] if source == "all" and split else frame)
        columns = ["easting", "northing", "weight", "month", "label", "when", "place"]
        frames = [f for f in frames if len(f)]
        import pandas as pd

        result = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
        if area:
            found = self.find_area(area)
            if len(result):
                shape = _geometry_bng(found.geometry)
                result = result[self._inside(shape, result)].reset_index(drop=True)
        return result

    # --- both sources, each month from one -----------------------------------------------------------------

    def month_split(self, month_from: str | None, month_to: str | None) -> MonthSplit:
        """Source "all" for the period: each month from published crime when the force's published crime holds it,
        else from our incidents (core.month_split, the one rule of every analysis, report and patrol plan from
        both). An open end is the first (last) month either source holds."""
        months = self.period_months(month_from, month_to)
        return split_months(months, self.published_months_in(months))

    def period_months(self, month_from: str | None, month_to: str | None) -> tuple[str, ...]:
        """Every month of the period; an open end is the first (last) month of the force's published crime with a
        location or of our incidents, whichever is further out."""
        _month(month_from, "from")
        _month(month_to, "to")
        if month_from and month_to:
            return months_from_to(month_from, month_to)
        force_where, force_params = self._force_where()
        firsts: list[str] = []
        lasts: list[str] = []
        published = self.store.db.execute(f"SELECT MIN(month), MAX(month) FROM published_crimes WHERE easting IS NOT "
                                          f"NULL{force_where}", force_params).fetchone()
        if published[0]:
            firsts.append(str(published[0]))
            lasts.append(str(published[1]))
        ours = self.store.db.execute("SELECT MIN(occurred_start), MAX(occurred_start) FROM incidents "
                                     "WHERE deleted = 0").fetchone()
        if ours[0]:  # UK calendar months, as `_incidents` gives each incident's
            firsts.append(times.to_local(times.from_storage(ours[0])).strftime("%Y-%m"))
            lasts.append(times.to_local(times.from_storage(ours[1])).strftime("%Y-%m"))
        if not firsts:
            return ()
        return months_from_to(month_from or min(firsts), month_to or max(lasts))

    def _force_labels(self) -> tuple[list[str], list[str]]:
        """(`Falls within` values naming the chosen force, values naming any other force) in the database."""
        force = self._geo().force
        ours: list[str] = []
        others: list[str] = []
        for (label,) in self.store.db.execute(
                "SELECT DISTINCT COALESCE(NULLIF(falls_within, ''), reported_by) FROM published_crimes "
                "WHERE COALESCE(NULLIF(falls_within, ''), reported_by) <> ''").fetchall():
            (ours if force.publishes_as(label) else others).append(label)
        return ours, others

    def _force_where(self) -> tuple[str, list[str]]:
        """SQL keeping published crime of the chosen force (and rows that name no force at all)."""
        _ours, others = self._force_labels()
        if not others:
            return "", []
        marks = ", ".join("?" * len(others))
        return (f" AND COALESCE(COALESCE(NULLIF(falls_within, ''), reported_by), '') NOT IN ({marks})",
                list(others))

    def other_forces(self, source: str, month_from: str | None, month_to: str | None) -> int:
        """Published crimes of other forces in the period, with a location or without (a Norfolk walk's warning left
        out 99 Suffolk rows without one, silently): left out of every analysis."""
        if source not in ("published", "all"):
            return 0
        _ours, others = self._force_labels()
        if not others:
            return 0
        where, params = self._month_where("month", month_from, month_to)
        marks = ", ".join("?" * len(others))
        sql = ("SELECT COUNT(*) FROM published_crimes WHERE "
               f"COALESCE(NULLIF(falls_within, ''), reported_by) IN ({marks}){where}")
        return int(self.store.db.execute(sql, [*others, *params]).fetchone()[0])

    def other_forces_note(self, count: int | None = None) -> str:
        """Says which forces' published crime is left out and where the force is chosen; '' when none is held.

        An analyst who imported another force's files while the database works for Essex got '0 hotspots from
        0 crimes' and no word why: the count of other forces was kept but never shown."""
        _ours, others = self._force_labels()
        if not others:
            return ""
        if count is None:
            count = self.other_forces("published", None, None)
        force = self._geo().force
        # A walk read "imported", then "left out", and could not tell whether they were kept: say they are stored,
        # what leaves them out, and how (and by whom) the force is changed, naming it when the files hold one.
        target = _force_named(others[0]) if len(others) == 1 else None
        use = f'"{target}"' if target and " " in target else target or "NAME"
        return (f"{count:,} published crimes of {', '.join(sorted(others))} are stored, but left out of every "
                f"analysis: this database works for {force.name}. To analyse them, an administrator sets the force"
                f"{f' to {target}' if target else ''} in File ▸ Settings ▸ Work for the force (or `ruralwatch "
                f"geography use-force {use}`).")

    def clip_to_force(self, points: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """(points inside the force area, how many lay outside it)."""
        if not len(points):
            return points, 0
        inside = gridmod.points_in_polygon(points["easting"].to_numpy(dtype=float),
                                           points["northing"].to_numpy(dtype=float),
                                           gridmod.force_area_bng(self._geo().force.code))
        return points[inside].reset_index(drop=True), int(np.count_nonzero(~inside))

    def _outside_warning(self, inside: int, outside: int) -> str:
        total = inside + outside
        if not total or outside / total <= 1 - MIN_SHARE_INSIDE:
            return ""
        force = self._geo().force
        return (f"{outside:,} of {total:,} crimes lie outside the {force.area_label} and were left out: "
                f"is {force.name} the right force (`ruralwatch geography use-force NAME`)?")

    def _inside(self, shape: gridmod.MultiPolygonBNG, points: pd.DataFrame) -> np.ndarray:
        """Which points lie in the area: its outline rasterised to 25 m cells, then a cell lookup."""
        return _inside_xy(shape, points["easting"].to_numpy(dtype=float), points["northing"].to_numpy(dtype=float))

    def _unlocated_months(self, month_from: str | None, month_to: str | None,
                          only: Sequence[str] | None = None, kinds: tuple[str, ...] = (),
                          exclude_kinds: tuple[str, ...] = ()) -> list[str]:
        """The month of each published crime of the force without a location, in the period (and `only` these
        months: source "all"'s published ones), of the chosen types."""
        where, params = self._month_where("month", month_from, month_to, only)
        force_where, force_params = self._force_where()
        type_where, type_params = _type_where(kinds, exclude_kinds)
        sql = f"SELECT month FROM published_crimes WHERE easting IS NULL{where}{force_where}{type_where}"
        return [row[0] for row in self.store.db.execute(sql, [*params, *force_params, *type_params]).fetchall()]

    def no_location(self, source: str, month_from: str | None, month_to: str | None,
                    split: MonthSplit | None = None, kinds: tuple[str, ...] = (),
                    exclude_kinds: tuple[str, ...] = ()) -> int:
        """Published crimes of the force without a location in the period (of the chosen types: `kinds` only,
        `exclude_kinds` left out); for source "all" only in the months counted from published crime (`split`, else
        worked out)."""
        if source not in ("published", "all"):
            return 0
        only = (split or self.month_split(month_from, month_to)).published if source == "all" else None
        where, params = self._month_where("month", month_from, month_to, only)
        force_where, force_params = self._force_where()
        type_where, type_params = _type_where(kinds, exclude_kinds)
        sql = f"SELECT COUNT(*) FROM published_crimes WHERE easting IS NULL{where}{force_where}{type_where}"
        return int(self.store.db.execute(sql, [*params, *force_params, *type_params]).fetchone()[0])

    @staticmethod
    def _month_where(column: str, month_from: str | None, month_to: str | None,
                     only: Sequence[str] | None = None) -> tuple[str, list[str]]:
        clauses: list[str] = []
        params: list[str] = []
        if only is not None:
            clauses.append(f"{column} IN ({', '.join('?' * len(only))})" if only else "0")
            params.extend(only)
        if month_from:
            clauses.append(f"{column} >= ?")
            params.append(month_from)
        if month_to:
            clauses.append(f"{column} <= ?")
            params.append(month_to)
        return "".join(f" AND {c}" for c in clauses), params

    def _published(self, month_from: str | None, month_to: str | None, weight: str, weights: dict) -> pd.DataFrame:
        where, params = self._month_where("month", month_from, month_to)
        force_where, force_params = self._force_where()
        frame = self.store.frame(
            "SELECT easting, northing, month, crime_type AS label, location AS place, lsoa_name "
            f"FROM published_crimes WHERE easting IS NOT NULL{where}{force_where}",
            [*params, *force_params],
        )
        if weight == "harm":
            lookup = {t: self.harm.for_crime_type(t, weights) for t in frame["label"].unique()}
            frame["weight"] = frame["label"].map(lookup).astype(float)
        else:
            frame["weight"] = 1.0
        import pandas as pd

        frame["when"] = pd.NaT
        frame["place"] = frame["place"].fillna("") + " (" + frame["lsoa_name"].fillna("") + ")"
        return frame

    @staticmethod
    def _incidents_sql(month_from: str | None, month_to: str | None) -> tuple[str, list[str]]:
        # Months are UK calendar months, as everywhere else the user picks dates; storage is UTC.
        clauses, params = [], []
        if month_from:
            clauses.append(" AND i.occurred_start >= ?")
            params.append(_local_month_start_utc(month_from))
        if month_to:
            clauses.append(" AND i.occurred_start < ?")
            params.append(_local_month_start_utc(month_to, 1))
        return ("SELECT i.lat, i.lon, i.kind AS label, i.occurred_start, i.place, "
                "(SELECT SUM(s.value_pence) FROM stolen_items s WHERE s.incident_id = i.id AND s.deleted = 0) "
                f"AS value FROM incidents i WHERE i.deleted = 0{''.join(clauses)}", params)

    def _incidents(self, month_from: str | None, month_to: str | None, weight: str, weights: dict) -> pd.DataFrame:
        import pandas as pd

        frame = self.store.frame(*self._incidents_sql(month_from, month_to))
        if frame.empty:
            return pd.DataFrame(columns=["easting", "northing", "weight", "month", "label", "when", "place"])
        easting, northing = to_bng().transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        frame["easting"], frame["northing"] = easting, northing
        frame["when"] = pd.to_datetime(frame["occurred_start"], utc=True)
        frame["month"] = frame["when"].dt.tz_convert(times.LOCAL_ZONE).dt.strftime("%Y-%m")
        if weight == "harm":
            frame["weight"] = [
                self.harm.for_incident(kind, None if pd.isna(value) else int(value), weights)
                for kind, value in zip(frame["label"], frame["value"], strict=True)
            ]
        else:
            frame["weight"] = 1.0
        return frame

    # --- study area ---------------------------------------------------------------------------------------

    def study_area(self, points: pd.DataFrame | None, cell_m: float,
                   margin_m: float) -> tuple[gridmod.Grid, np.ndarray, str]:
        """The chosen force's area: its grid (with `margin_m` round it), the cells inside it and its name.

        Never the data's extent: points outside the force are left out by clip_to_force and counted instead.
        """
        force = self._geo().force
        shape = gridmod.force_area_bng(force.code)
        grid = gridmod.Grid.covering(*gridmod.polygon_bounds(shape), cell_m, margin_m=margin_m)
        return grid, gridmod.study_area_mask(grid, shape), force.area_label

    # --- hotspots -----------------------------------------------------------------------------------------

    def surface(self, method: str, points: pd.DataFrame, grid: gridmod.Grid, mask: np.ndarray,
                bandwidth_m: float, radius_m: float) -> tuple[np.ndarray, np.ndarray | None]:
        """(surface to rank, values to report) for one method."""
        x, y, w = points["easting"].to_numpy(), points["northing"].to_numpy(), points["weight"].to_numpy()
        return _surface(method, x, y, w, grid, mask, bandwidth_m, radius_m)

    def _located(self, query: HotspotQuery, split: MonthSplit | None = None) -> _Located:
        """`points` of a (checked) query as arrays: the officers' incidents read without pandas, so a patrol
        plan and the demo need not import it; published crime through `points`, over its own months. Source
        "all": each source in its months of `split` (the query's `month_split`)."""
        parts = []
        if query.source in ("published", "all"):
            if split:  # published crime in the months it is counted in, our incidents in the rest
                frame = self.points("published", query.month_from, query.month_to, query.weight, query.area)
                frame = frame[frame["month"].isin(split.published)]
            else:
                frame = self.points("published", *query.published_period(), query.weight, query.area)
            parts.append(_Located(frame["easting"].to_numpy(dtype=float), frame["northing"].to_numpy(dtype=float),
                                  frame["weight"].to_numpy(dtype=float), frame["label"].to_numpy(dtype=object)))
        if query.source in ("incidents", "all"):
            parts.append(self._located_incidents(
                replace(query, incident_months=split.ours) if split else query))
        if len(parts) == 1:
            return parts[0]
        return _Located(*(np.concatenate([getattr(part, name) for part in parts])
                          for name in ("easting", "northing", "weight", "label")))

    def _located_incidents(self, query: HotspotQuery) -> _Located:
        weights = self.harm.weights()
        sql, params = self._incidents_sql(query.month_from, query.month_to)
        rows = self.store.db.execute(sql, params).fetchall()
        if query.incident_months is not None:
            counted = set(query.incident_months)
            rows = [row for row in rows if times.to_local(times.from_storage(row[3])).strftime("%Y-%m") in counted]
        # As `_incidents` builds its frame: no location is NaN, the harm of the stolen items' total value.
        lat = np.array([row[0] for row in rows], dtype=float)
        lon = np.array([row[1] for row in rows], dtype=float)
        easting, northing = to_bng().transform(lon, lat) if rows else (lon, lat)
        labels = np.array([row[2] for row in rows], dtype=object)
        if query.weight == "harm":
            weight = np.array([self.harm.for_incident(row[2], None if row[5] is None else int(row[5]), weights)
                               for row in rows], dtype=float)
        else:
            weight = np.ones(len(rows))
        located = _Located(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float), weight, labels)
        if query.area:
            found = self.find_area(query.area)  # first, as in `points`: an unknown area fails with no incidents too
            if len(located):
                located = located.where(_inside_xy(_geometry_bng(found.geometry), located.easting,
                                                   located.northing))
        return located

    def hotspots(self, query: HotspotQuery, progress: Progress | None = None) -> HotspotRun:
        self.store.actor.require("analysis.run")
        query = self.with_types(query.checked())
        started = time.perf_counter()
        step = _Steps(progress, 4)
        split = self.month_split(query.month_from, query.month_to) if query.source == "all" else None
        points = self._located(query, split)
        other_types = 0
        if query.kinds or query.exclude_kinds:
            chosen = np.array([keeps(label, query.kinds, query.exclude_kinds) for label in points.label], dtype=bool)
            points, other_types = points.where(chosen), int(np.count_nonzero(~chosen))
        outside = 0
        if len(points):
            inside = gridmod.points_in_polygon(points.easting, points.northing,
                                               gridmod.force_area_bng(self._geo().force.code))
            points, outside = points.where(inside), int(np.count_nonzero(~inside))
        step("Laying the grid over the study area")
        grid, mask, study = self.study_area(None, query.cell_m, max(query.bandwidth_m, query.radius_m))
        if query.area:
            # The study area is the chosen district or ward: Gi* compares cells with that area's average,
            # and the share of area is that area's.
            area = self.find_area(query.area)
            mask = mask & gridmod.study_area_mask(grid, _geometry_bng(area.geometry))
            study = area.label
        step("Working out the hotspot surface")
        surface, values = _surface(query.method, points.easting, points.northing, points.weight, grid, mask,
                                   query.bandwidth_m, query.radius_m)
        if values is not None:
            # A Gi* hotspot is a cell with crime in a hot neighbourhood: never send a patrol to an empty field.
            surface = np.where(values > 0, surface, np.nan)
        step("Ranking the hotspots")
        kinds: dict[str, hs.Method] = {"grid": "count", "kde": "kde", "gistar": "gistar"}
        kind = kinds[query.method]
        apart = math.ceil(query.bandwidth_m / query.cell_m) if query.method == "kde" else 1
        ranked = hs.rank_hotspots(surface, mask, grid, query.top_n, kind, values=values,
                                  apart=apart if query.places else 0)
        areas = [self.area_label(h.centre_lat, h.centre_lon) for h in ranked]
        step("Naming the areas and counting what was left out")
        period = (query.month_from, query.month_to) if split else query.published_period()
        other = self.other_forces(query.source, *period)
        return HotspotRun(
            query=query, hotspots=ranked, points=len(points),
            no_location=self.no_location(query.source, *period, split, query.kinds, query.exclude_kinds),
            total_weight=float(np.nansum(points.weight)) if len(points) else 0.0,  # as a frame's sum
            area_km2=gridmod.area_km2(mask, grid), study_area=study, seconds=time.perf_counter() - started,
            areas=areas, force=self._geo().force.name, outside_force=outside,
            other_forces=other,
            # Nothing of our own force but others' crime held: say why the run is empty.
            warning=self._outside_warning(len(points), outside)
            or (self.other_forces_note(other) if other and not len(points) else ""),
            months=split, groups=hs.neighbour_heads(ranked), other_types=other_types,
        )

    @staticmethod
    def with_types(query: HotspotQuery) -> HotspotQuery:
        """The query with its crime types resolved to keys (names in any case; core.crime_types), or one
        ValidationError naming the known ones. Every type left out is one too: nothing would be counted."""
        kinds, exclude = resolve_choice(query.kinds, query.exclude_kinds, query.source)
        return replace(query, kinds=kinds, exclude_kinds=exclude)

    @staticmethod
    def of_types(points: pd.DataFrame, kinds: tuple[str, ...],
                 exclude_kinds: tuple[str, ...]) -> tuple[pd.DataFrame, int]:
        """`points` of the chosen (resolved) crime types only, and how many of other types were left out."""
        if not kinds and not exclude_kinds or not len(points):
            return points, 0
        keep = ~points["label"].isin(exclude_kinds)
        if kinds:
            keep &= points["label"].isin(kinds)
        return points[keep].reset_index(drop=True), int((~keep).sum())

    # --- forecast accuracy --------------------------------------------------------------------------------

    def published_months_held(self, up_to: str, months: int) -> tuple[str, str] | None:
        """(first, last) month held of the force's published crime with a location, among the `months` calendar
        months ending with the latest held at or before `up_to`; None when none is held."""
        force_where, force_params = self._force_where()
        sql = f"SELECT {{}}(month) FROM published_crimes WHERE easting IS NOT NULL AND month {{}} ?{force_where}"
        latest = self.store.db.execute(sql.format("MAX", "<="), [up_to, *force_params]).fetchone()[0]
        if not latest:
            return None
        index = int(latest[:4]) * 12 + int(latest[5:]) - months  # the month before the first: 0-based, + 1
        first_allowed = f"{index // 12:04d}-{index % 12 + 1:02d}"
        first = self.store.db.execute(sql.format("MIN", ">="), [first_allowed, *force_params]).fetchone()[0]
        return str(first), str(latest)

    def published_months_in(self, months: Sequence[str]) -> tuple[str, ...]:
        """Those of `months` in which the force's published crime with a location is held, in their order
        (data.police.uk publishes a force's whole month at once; a month missing is not out yet or not imported).
        One indexed look-up per month that stops at its first row, not a read of the year's crimes."""
        force_where, force_params = self._force_where()
        sql = f"SELECT 1 FROM published_crimes WHERE month = ? AND easting IS NOT NULL{force_where} LIMIT 1"
        return tuple(month for month in months if self.store.db.execute(sql, [month, *force_params]).fetchone())

    def incidents_placed(self, area: str, month_from: str, month_to: str,
                         months: tuple[str, ...] | None = None) -> int:
        """Our incidents with a place in the area (a district or ward) in the months."""
        located = self._located_incidents(HotspotQuery(source="incidents", weight="count", month_from=month_from,
                                                       month_to=month_to, area=area, incident_months=months))
        return int(np.count_nonzero(np.isfinite(located.easting)))

    def _months_held(self, source: str) -> str:
        """' (published crime holds 2018-01 to 2019-02)': what a blank month could be (a new analyst had only
        'give a month' to go on)."""
        if source not in ("published", "all"):
            return ""
        held = held_text(self.published_months())
        return f" (published crime holds {held})" if held else " (no published crime is imported yet)"

    def published_months(self) -> tuple[str, ...]:
        """The months the force's published crime with a location is held for, oldest first."""
        # The month index's distinct values, then one look-up each that stops at its first row: a scan of the
        # located rows took 0.8 s for a year of Essex, too long for the Accuracy tab to offer its months.
        every = [row[0] for row in self.store.db.execute("SELECT DISTINCT month FROM published_crimes ORDER BY 1")]
        return self.published_months_in(every)

    def latest_complete_span(self, test_months: int = 3, train_months: int = 12) -> tuple[str, str, str, str] | None:
        """(train from, train to, test from, test to): the latest `test_months` months of published crime held with
        no month missing, and up to `train_months` unbroken months before them; None when fewer than two months in
        a row are held. What the Accuracy tab offers before a new analyst has typed a month."""
        held = set(self.published_months())
        run: list[str] = []
        for latest in sorted(held, reverse=True):  # the latest unbroken run of two months or more, newest first
            if run and latest in run:
                continue
            run = [latest]
            while (before := month_at(month_index(run[-1]) - 1)) in held:
                run.append(before)
            if len(run) >= 2:
                break
        if len(run) < 2:
            return None
        test = min(test_months, max(1, len(run) // 3))  # a short run keeps most of its months to learn from
        train = run[test:test + train_months]
        return train[-1], train[0], run[test - 1], run[0]

    def evaluate(
        self, train_from: str, train_to: str, test_from: str, test_to: str, cell_m: float = DEFAULT_CELL_M,
        weight: str = "count", source: str = "published", bandwidth_m: float = DEFAULT_BANDWIDTH_M,
        radius_m: float = DEFAULT_RADIUS_M, progress: Progress | None = None, kinds: tuple[str, ...] = (),
        exclude_kinds: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """PAI and PEI at 1%, 3% and 5% of the study area, each method trained on one period, tested on a later;
        of the crime types chosen (`kinds` only, `exclude_kinds` left out: names as core.crime_types takes them)."""
        self.store.actor.require("analysis.run")
        kinds, exclude_kinds = resolve_choice(kinds, exclude_kinds, source)
        # Every blank month named in words, with the months there are once: the window showed only 'give a
        # month, YYYY-MM' beside four empty month boxes.
        blank = [FieldError(name, f"give {which}, YYYY-MM")
                 for value, name, which in ((train_from, "train_from", "the first month to train on"),
                                            (train_to, "train_to", "the last month to train on"),
                                            (test_from, "test_from", "the first month to test on"),
                                            (test_to, "test_to", "the last month to test on"))
                 if _month(value, name) is None]
        if blank:
            blank[-1] = FieldError(blank[-1].field, blank[-1].message + self._months_held(source))
            raise ValidationError(blank)
        if train_from > train_to:
            raise ValidationError.single("train_to", "the training period ends before it starts")
        if test_from > test_to:
            raise ValidationError.single("test_to", "the test period ends before it starts")
        if not train_to < test_from:
            raise ValidationError.single("test_from", "the test period must come after the training period")
        splits = self._evaluation_split(source, train_from, train_to, test_from, test_to)
        missing = self._evaluation_gaps(source, splits, train_from, train_to, test_from, test_to)
        step = _Steps(progress, 6)
        # A forecast of the types chosen, scored on the same types (learnt from all, it would be scored on a part).
        train, train_types = self.of_types(self.points(source, train_from, train_to, weight,
                                                       split=splits[0] if splits else None), kinds, exclude_kinds)
        train, train_outside = self.clip_to_force(train)
        # Weighted by harm, read once: the crimes count by cell (weights left out) and their harm captured.
        test, test_types = self.of_types(self.points(source, test_from, test_to, "harm",
                                                     split=splits[1] if splits else None), kinds, exclude_kinds)
        test, test_outside = self.clip_to_force(test)
        step("Laying the grid over the force area")
        if train.empty or test.empty:
            force = self._geo().force
            note = self.other_forces_note(self.other_forces(source, train_from, test_to))
            raise ValidationError.single("train_from", "no crimes with a location inside the "
                                         f"{force.area_label} in the training or test period"
                                         + (f". {note}" if note else ""))
        margin = max(bandwidth_m, radius_m)
        grid, mask, study = self.study_area(None, cell_m, margin)
        step("Forecasting the test months with each method")
        test_counts = hs.grid_counts(test["easting"].to_numpy(), test["northing"].to_numpy(), None, grid)
        test_harm = hs.grid_counts(test["easting"].to_numpy(), test["northing"].to_numpy(), test["weight"].to_numpy(),
                                   grid)
        naive_counts = hs.grid_counts(train["easting"].to_numpy(), train["northing"].to_numpy(), None, grid)
        surfaces: dict[str, np.ndarray] = {"naive": naive_counts}
        for method in METHODS:
            surfaces[method] = self.surface(method, train, grid, mask, bandwidth_m, radius_m)[0]
            step("Learning the blend from the training months" if method == METHODS[-1] else "")
        # The blend: each training month on its own, its parameters chosen on the training months only. A month
        # without a single crime in the force is missing from the data (Essex lacks 2018-08 and 2018-09), not a
        # quiet month: left out rather than forecast or learnt from.
        month_names: list[str] = []
        monthly: list[np.ndarray] = []
        for name in months_from_to(train_from, train_to):
            part = train[train["month"] == name]
            if len(part):
                month_names.append(name)
                monthly.append(hs.grid_counts(part["easting"].to_numpy(), part["northing"].to_numpy(),
                                              part["weight"].to_numpy(), grid))
        choice = forecast.choose(monthly, month_names, mask, cell_m)
        surfaces["blend"] = forecast.blend(monthly, choice.blend, cell_m)
        results = {name: accuracy.pai_pei(surface, test_counts, mask) for name, surface in surfaces.items()}
        step()
        train_other, test_other = (self.other_forces(source, train_from, train_to),
                                   self.other_forces(source, test_from, test_to))
        # The split worked out above, not again for each count.
        train_unlocated, test_unlocated = (
            self.no_location(source, train_from, train_to, splits[0] if splits else None, kinds, exclude_kinds),
            self.no_location(source, test_from, test_to, splits[1] if splits else None, kinds, exclude_kinds))
        types = types_words(kinds, exclude_kinds)
        return {
            "methods": {name: {"pai": r["pai"], "pei": r["pei"], "hit_rate": r["hit_rate"], "cells": r["cells"],
                               "harm_captured": accuracy.captured_share(surfaces[name], test_harm, mask)}
                        for name, r in results.items()},
            "oracle": {"pai": accuracy.oracle_pai(test_counts, mask),
                       "harm_captured": accuracy.captured_share(test_harm, test_harm, mask)},
            "blend": {"chosen": choice.blend.describe(), "half_life_months": (
                          None if math.isinf(choice.blend.half_life_months) else choice.blend.half_life_months),
                      "bandwidth_m": choice.blend.bandwidth_m, "prior_months": choice.blend.prior_months,
                      "near_repeat": choice.blend.near_repeat, "is_naive": choice.blend.is_naive,
                      "chosen_on": list(choice.folds),
                      "how": "walk-forward: each of these training months forecast from the months before it; the "
                             "candidate capturing most crime in 1% of the area wins (the test period is never "
                             "seen); candidates in ruralwatch/analysis/forecast.py"},
            "cell_m": cell_m, "area_km2": round(gridmod.area_km2(mask, grid), 1), "study_area": study,
            "study_area_source": "force area (ONS Police Force Areas, December 2020), cells whose centre is inside",
            "force": self._geo().force.name, "force_area_km2": self._geo().force.area_km2,
            "bandwidth_m": bandwidth_m, "radius_m": radius_m, "weight": weight, "source": source,
            # The crime types counted, in words and as keys: a briefing of a filtered forecast says so.
            "types": types, "kinds": list(kinds), "exclude_kinds": list(exclude_kinds),
            "train": {"from": train_from, "to": train_to, "crimes": len(train), "outside_force": train_outside,
                      "other_forces": train_other, "no_location": train_unlocated, "other_types": train_types},
            "test": {"from": test_from, "to": test_to, "crimes": len(test), "outside_force": test_outside,
                     "other_forces": test_other, "no_location": test_unlocated, "other_types": test_types},
            "warning": " ".join(part for part in (
                self._outside_warning(len(train) + len(test), train_outside + test_outside),
                _gaps_warning(missing, train_from, train_to, test_from, test_to)) if part),
            "missing_months": missing,
            "months": MonthSplit(splits[0].published + splits[1].published,
                                 splits[0].ours + splits[1].ours).to_dict() if splits else None,
            "months_note": self._evaluation_months_note(splits) if splits else "",
            # What was counted and left out, as Hotspots and Areas say it (Accuracy never said 318 lay outside).
            "counted": evaluation_counted(self._geo().force.area_label, len(train), len(test),
                                          train_outside + test_outside, train_unlocated + test_unlocated,
                                          train_other + test_other, types, train_types + test_types),
        }

    def _evaluation_split(self, source: str, train_from: str, train_to: str, test_from: str,
                          test_to: str) -> tuple[MonthSplit, MonthSplit] | None:
        """Source "all": the training and test months by the one rule (`month_split`), provided they all come from
        one source; None for another source. Mixed, the figures would not measure a forecast: a surface learnt from
        published crime (the whole force's crime at anonymised points, thousands a month) scored on our incidents
        (rural kinds at exact places, tens a month), or a training month of ours among published ones (which the
        blend reads as a quiet month), measures the gap between the sources. So it is refused, saying which months
        come from which source, rather than a PAI that looks like a forecast's."""
        if source != "all":
            return None
        train, test = self.month_split(train_from, train_to), self.month_split(test_from, test_to)
        if train.published + test.published and train.ours + test.ours:
            raise ValidationError.single(
                "source", "with both sources each month comes from one, and these months mix them: training "
                f"({train.text() or 'none'}), test ({test.text() or 'none'}). Forecast accuracy needs every month "
                "from the same source (learnt from one and scored on the other, or learnt from a mix, it measures "
                "the sources, not the forecast): choose published crime or our incidents, or months all from one "
                "source")
        return train, test

    def _evaluation_gaps(self, source: str, splits: tuple[MonthSplit, MonthSplit] | None, train_from: str,
                         train_to: str, test_from: str, test_to: str) -> dict[str, list[str]]:
        """The training and test months published crime has no data for ({"train": [...], "test": [...]}).

        A month missing from published data (Essex's files lack 2018-08 and 2018-09) is not a quiet month: a test
        period of 7 months with 2 missing ran as if complete. Some months missing, the run goes ahead and says which
        (the figures are then over the months held, still a fair comparison of the methods); a training or test
        period with no month held at all is refused, naming them, as there is nothing to learn from or score."""
        if source == "incidents" or (splits is not None and not (splits[0].published or splits[1].published)):
            return {"train": [], "test": []}  # our own incidents: a month without any may be a quiet month
        if not self.published_months():
            return {"train": [], "test": []}  # none of the force's: the run's own refusal says why (other forces)
        train = months_from_to(train_from, train_to)
        test = months_from_to(test_from, test_to)
        held = set(self.published_months_in(train + test))
        missing = {"train": [m for m in train if m not in held], "test": [m for m in test if m not in held]}
        for name, months, field_name in (("training", train, "train_from"), ("test", test, "test_from")):
            if months and all(m not in held for m in months):
                raise ValidationError.single(
                    field_name, f"published crime has no data for any {name} month ({gaps_text(months)}); it holds "
                    f"{held_text(self.published_months())}")
        return missing

    @staticmethod
    def _evaluation_months_note(splits: tuple[MonthSplit, MonthSplit]) -> str:
        train, test = splits
        which = "published crime" if train.published or test.published else "our incidents"
        return (f"Both sources: every training and test month is {which}'s: training ({train.text() or 'none'}), "
                f"test ({test.text() or 'none'}). Forecast accuracy needs every month from one source (learnt from "
                "one and scored on the other, it would measure the sources, not the forecast).")

    # --- harm by area, concentration, repeats -------------------------------------------------------------

    def by_area(self, level: str = "district", source: str = "published", month_from: str | None = None,
                month_to: str | None = None, kinds: tuple[str, ...] = (),
                exclude_kinds: tuple[str, ...] = ()) -> pd.DataFrame:
        """Count, total harm and harm per km2 for each district or ward, highest harm first."""
        return self.by_area_counted(level, source, month_from, month_to, kinds=kinds, exclude_kinds=exclude_kinds)[0]

    def by_area_counted(self, level: str = "district", source: str = "published", month_from: str | None = None,
                        month_to: str | None = None, split: MonthSplit | None = None,
                        points: pd.DataFrame | None = None, kinds: tuple[str, ...] = (),
                        exclude_kinds: tuple[str, ...] = ()) -> tuple[pd.DataFrame, str]:
        """`by_area` and, in words, what it counted and left out: areas count every crime of the force with a
        location in the districts (or wards) held, hotspots only those inside the force outline, and a walk read
        30,313 against 30,061 for the same data with no word why. Source "all": each month from one source
        (`split`, else `month_split` of the period: a caller that also shows the concentration passes one)."""
        self.store.actor.require("analysis.run")
        _check_choice(level, ("district", "ward"), "level")
        _check_choice(source, SOURCES, "source")
        kinds, exclude_kinds = resolve_choice(kinds, exclude_kinds, source)
        geography = self._geo()
        areas = geography.areas.districts() if level == "district" else geography.areas.wards()
        if not areas:
            raise ValidationError.single("level", f"no {level}s for {geography.force.name}: import them with "
                                         f"`ruralwatch geography import --{level}s FILE`")
        if source == "all" and split is None:
            split = self.month_split(month_from, month_to)
        split = split if source == "all" else None
        if points is None:  # given: the harm-weighted `points` of the same period (the report reads them once)
            points = self.points(source, month_from, month_to, "harm", split=split)
        points, other_types = self.of_types(points, kinds, exclude_kinds)
        east, north = points["easting"].to_numpy(dtype=float), points["northing"].to_numpy(dtype=float)
        placed = np.zeros(len(points), dtype=bool)
        rows = []
        for area in areas:
            # The same 25 m test as --area, after a bounding-box cut: snap points on ward-edge roads land right.
            shape = _geometry_bng(area.geometry)  # projected once, used for the box cut and the point test
            west, south, east_edge, north_edge = gridmod.polygon_bounds(shape)
            near = np.flatnonzero((east >= west) & (east <= east_edge) & (north >= south) & (north <= north_edge)
                                  & ~placed)
            inside = near[self._inside(shape, points.iloc[near])] if len(near) else near
            placed[inside] = True
            harm = float(points["weight"].to_numpy()[inside].sum())
            rows.append({"area": area.label, "count": int(len(inside)), "harm": round(harm, 1),
                         "area_km2": area.area_km2,
                         "harm_per_km2": round(harm / area.area_km2, 2) if area.area_km2 else None})
        import pandas as pd

        frame = pd.DataFrame(rows).sort_values("harm", ascending=False, ignore_index=True)
        outside = ~placed
        if outside.any():
            # Crimes published for the force but placed outside every district (neighbouring forces' edges, sea).
            frame.loc[len(frame)] = {"area": f"(outside every {level})", "count": int(outside.sum()),
                                     "harm": round(float(points["weight"].to_numpy()[outside].sum()), 1),
                                     "area_km2": None, "harm_per_km2": None}
        beyond = int(np.count_nonzero(~gridmod.points_in_polygon(east, north, gridmod.force_area_bng(
            geography.force.code)))) if len(points) else 0
        held = geography.districts_source if level == "district" else geography.wards_source
        counted = (f"Counted: {len(points):,} crimes with a location in the {level}s held ({held})"
                   + (f", {int(outside.sum()):,} of them outside every {level} (the last row)" if outside.any() else "")
                   + (f"; {beyond:,} of them lie outside the force outline ({FORCE_OUTLINE}), which Hotspots counts "
                      "within" if beyond else "") + f". Crime types: {types_words(kinds, exclude_kinds)}.")
        left = [f"{self.no_location(source, month_from, month_to, split, kinds, exclude_kinds):,} without a location",
                f"{self.other_forces(source, month_from, month_to):,} of other forces",
                f"{other_types:,} of the types not chosen"]
        left = [part for part in left if not part.startswith("0 ")]
        return frame, (counted + (f" Not counted: {', '.join(left)}." if left else "")
                       + (f" {split.sentence()}" if split else ""))

    def concentration(self, source: str = "published", month_from: str | None = None,
                      month_to: str | None = None, cell_m: float = DEFAULT_CELL_M,
                      split: MonthSplit | None = None, points: pd.DataFrame | None = None,
                      kinds: tuple[str, ...] = (), exclude_kinds: tuple[str, ...] = ()) -> dict[str, Any]:
        """Share of all harm in the top 1% and 5% of the study area's cells, and prevalence versus repeats; source
        "all" over `split` (else `month_split` of the period); of the crime types chosen."""
        self.store.actor.require("analysis.run")
        _check_choice(source, SOURCES, "source")
        kinds, exclude_kinds = resolve_choice(kinds, exclude_kinds, source)
        if source == "all" and split is None:
            split = self.month_split(month_from, month_to)
        split = split if source == "all" else None
        if points is None:
            points = self.points(source, month_from, month_to, "harm", split=split)
        points, _other_types = self.of_types(points, kinds, exclude_kinds)
        points, _outside = self.clip_to_force(points)
        grid, mask, study = self.study_area(points, cell_m, 0.0)
        harm = hs.grid_counts(points["easting"].to_numpy(), points["northing"].to_numpy(),
                              points["weight"].to_numpy(), grid)[mask]
        total = float(harm.sum())
        ordered = np.sort(harm)[::-1]
        shares = {}
        for fraction in (0.01, 0.05):
            cells = max(1, math.ceil(fraction * ordered.size))
            shares[f"{fraction:g}"] = round(float(ordered[:cells].sum()) / total, 4) if total else None
        places = points.groupby(["place", points["easting"].round(0), points["northing"].round(0)]).size()
        repeat_places = places[places > 1]
        return {
            "study_area": study, "cell_m": cell_m, "total_harm": round(total, 1), "harm_share_top_cells": shares,
            "crimes": int(len(points)), "places": int(len(places)), "repeat_places": int(len(repeat_places)),
            "crimes_at_repeat_places": int(repeat_places.sum()),
            "share_at_repeat_places": round(float(repeat_places.sum()) / len(points), 4) if len(points) else None,
            "months": split.to_dict() if split else None,
            "types": types_words(kinds, exclude_kinds),
        }

    # --- time ---------------------------------------------------------------------------------------------

    def timing(self, source: str = "published", kinds: tuple[str, ...] = (), month_from: str | None = None,
               month_to: str | None = None, area: str | None = None,
               exclude_kinds: tuple[str, ...] = ()) -> dict[str, Any]:
        """Monthly trend (with the same months a year before) for `source`; hour by weekday and the hare
        coursing season from the officers' incidents, which carry times (published crime has months only).
        Of the crime types chosen: published types and our kinds alike (the hour table is always ours, so the
        choice is of both lists whatever the source).

        `incidents_total` counts every incident of our own (any period, area or kind) and `incidents_timed` those
        in the hour table, so an empty table can say whether nothing is recorded or the choice left it all out."""
        self.store.actor.require("analysis.run")
        _check_choice(source, SOURCES, "source")
        kinds, exclude_kinds = resolve_choice(kinds, exclude_kinds, "all")
        from ruralwatch.analysis import temporal  # imports pandas

        incidents = self._incidents(month_from, month_to, "count", self.harm.weights())
        if area and len(incidents):
            incidents = incidents[self._inside(_geometry_bng(self.find_area(area).geometry), incidents)]
        incidents, _other = self.of_types(incidents, kinds, exclude_kinds)
        split = self.month_split(month_from, month_to) if source == "all" else None
        months = self.of_types(self.points(source, month_from, month_to, "count", area, split), kinds,
                               exclude_kinds)[0]["month"]
        if not area and source in ("published", "all"):
            # Crimes published without a location still happened that month: for the whole force they count
            # (a Norfolk walk's chart read 6,463 for 2018-10 against the 6,624 rows of the month's file).
            import pandas as pd

            unlocated = self._unlocated_months(month_from, month_to, split.published if split else None, kinds,
                                               exclude_kinds)
            months = pd.concat([months, pd.Series(unlocated, dtype=object)], ignore_index=True)
        hare = incidents[incidents["label"] == "hare_coursing"] if len(incidents) else incidents
        trend = temporal.monthly_trend(months) if len(months) else None
        if trend is not None and source == "published":
            # A month with no published file is missing data, not a month without crime.
            published = set(self.store.db.execute("SELECT DISTINCT month FROM published_crimes").fetchall())
            known = {row[0] for row in published}
            trend["count"] = trend["count"].astype("Float64").where(trend["month"].isin(known))
            trend["count_year_before"] = trend["count_year_before"].astype("Float64")
        total = self.store.db.execute("SELECT COUNT(*) FROM incidents WHERE deleted = 0").fetchone()[0]
        return {
            "monthly_trend": trend,
            "hour_by_weekday": temporal.hour_by_weekday(incidents["when"]) if len(incidents) else None,
            "season": temporal.season_view(hare["when"]) if len(hare) else None,
            "incidents_total": int(total),
            "incidents_timed": len(incidents),
            "source": source,
            "months": split,  # source "all": the month split of the trend (MonthSplit), else None
            "area": area,
            "month_from": month_from,
            "month_to": month_to,
            "types": types_words(kinds, exclude_kinds),
        }


def _type_where(kinds: tuple[str, ...], exclude_kinds: tuple[str, ...]) -> tuple[str, list[str]]:
    """The SQL of a crime type choice over published crime (our kinds' keys match no published type)."""
    where = ""
    if kinds:
        where += f" AND crime_type IN ({', '.join('?' * len(kinds))})"
    if exclude_kinds:
        where += f" AND crime_type NOT IN ({', '.join('?' * len(exclude_kinds))})"
    return where, [*kinds, *exclude_kinds]


def _gaps_warning(missing: dict[str, list[str]], train_from: str, train_to: str, test_from: str,
                  test_to: str) -> str:
    """Which training and test months have no published data, and what the figures then cover; '' for none."""
    parts = []
    for key, name, first, last in (("train", "training", train_from, train_to), ("test", "test", test_from, test_to)):
        gaps = missing.get(key) or []
        if gaps:
            total = len(months_from_to(first, last))
            parts.append(f"{name} {gaps_text(gaps)} ({total - len(gaps)} of {total} months held)")
    if not parts:
        return ""
    return (f"Published crime has no data for {'; '.join(parts)}: the figures cover only the months held, not the "
            "whole period asked for.")


def evaluation_counted(area_label: str, train: int, test: int, outside: int, no_location: int,
                       other_forces: int, types: str = "all", other_types: int = 0) -> str:
    """An accuracy run's crimes counted and left out, in words (the panel and `evaluate` print it)."""
    left = [f"{outside:,} outside the force outline" if outside else "",
            f"{no_location:,} without a location" if no_location else "",
            f"{other_forces:,} of other forces" if other_forces else "",
            f"{other_types:,} of the types not chosen" if other_types else ""]
    left = [part for part in left if part]
    return (f"Counted: {train:,} training and {test:,} test crimes inside the {area_label} (its outline: "
            f"{FORCE_OUTLINE}). Crime types: {types}. "
            + (f"Not counted: {', '.join(left)}." if left else "Nothing left out."))


def _force_named(label: str) -> str | None:
    """The force a data.police.uk `Falls within` value names ("Norfolk Constabulary" -> "Norfolk"), if any."""
    try:
        return find_force(label).name
    except UnknownForceError:
        return None


def _geometry_bng(geometry: dict[str, Any]) -> gridmod.MultiPolygonBNG:
    return gridmod.geometry_bng(geometry)


@dataclass(frozen=True)
class _Located:
    """Crimes with a location as arrays, in the order `points` lists them: what a hotspot run reads."""

    easting: np.ndarray
    northing: np.ndarray
    weight: np.ndarray
    label: np.ndarray  # of str (a published crime type may be None)

    def __len__(self) -> int:
        return len(self.easting)

    def where(self, keep: np.ndarray) -> _Located:
        return _Located(self.easting[keep], self.northing[keep], self.weight[keep], self.label[keep])


def _inside_xy(shape: gridmod.MultiPolygonBNG, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """Which points lie in the area: its outline rasterised to 25 m cells, then a cell lookup."""
    grid = gridmod.Grid.covering(*gridmod.polygon_bounds(shape), 25.0, margin_m=50.0)
    mask = gridmod.study_area_mask(grid, shape)
    index = grid.cell_index(easting, northing)
    inside = np.zeros(len(easting), dtype=bool)
    valid = index >= 0
    inside[valid] = mask.ravel()[index[valid]]
    return inside


def _surface(method: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: gridmod.Grid, mask: np.ndarray,
             bandwidth_m: float, radius_m: float) -> tuple[np.ndarray, np.ndarray | None]:
    """(surface to rank, values to report) for one method."""
    counts = hs.grid_counts(x, y, w, grid)
    if method == "grid":
        return counts, None
    if method == "kde":
        return hs.smooth_quartic(counts, grid, bandwidth_m), None
    result = hs.gi_star(counts, mask, radius_m, grid)
    return result.z, counts


class _Steps:
    """Report coarse progress between the stages of a computation and stop if the user cancelled."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def __call__(self, next_note: str = "") -> None:
        """One stage done; `next_note` says what the next one does."""
        self.done += 1
        if self.progress and not self.progress(self.done, self.total, next_note):
            raise CancelledError("cancelled")
