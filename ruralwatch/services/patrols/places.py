"""Places and vehicles worth a patrol's attention: harm hotspots, recent incidents, vehicles of interest."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.kinds import kind_name
from ruralwatch.core.vocab import PURPOSE_INCIDENT_KINDS
from ruralwatch.core.vrm import display_vrm
from ruralwatch.io.briefing_data import VehicleOfInterest
from ruralwatch.mapping import boundaries
from ruralwatch.patrols.plan import Candidate
from ruralwatch.services.analysis import HotspotQuery
from ruralwatch.services.patrols.base import PatrolServiceBase, metres
from ruralwatch.services.vehicles import SIGHTING_DAYS, Sighting, VehicleListService

HOTSPOT_CELL_M = 500.0
HOTSPOT_MONTHS = 12  # hotspots come from this many months of incidents before the patrol
RECENT_DAYS = 28  # incidents this recent are stops in their own right
MIN_STOP_SEPARATION_M = 1000.0  # two hotspot cells closer than this are one stop


class PatrolPlaces(PatrolServiceBase):
    def candidates(self, area_name: str, at: datetime, purpose: str = "general_rural_patrol",
                   limit: int = 50) -> list[Candidate]:
        """Places worth a visit: harm hotspots of the last year in the area, then recent incidents elsewhere.

        Hotspot cells closer than MIN_STOP_SEPARATION_M merge into the higher one. With too little data for
        hotspots, recent incidents ranked by harm (then count) are what the plan has.
        """
        area = self._area(area_name)
        kinds = PURPOSE_INCIDENT_KINDS.get(purpose, ())
        local = times.to_local(at)
        month_to = local.strftime("%Y-%m")
        first = (local.replace(day=1) - timedelta(days=31 * (HOTSPOT_MONTHS - 1))).strftime("%Y-%m")
        found: list[Candidate] = []
        for kind_filter in ([kinds, ()] if kinds else [()]):
            run = self.analysis.hotspots(HotspotQuery(
                method="kde", weight="harm", source="incidents", month_from=first, month_to=month_to,
                top_n=max(limit * 3, 30), cell_m=HOTSPOT_CELL_M, area=area.label, kinds=tuple(kind_filter),
            ))
            for spot in run.hotspots:
                if len(found) >= limit:
                    break
                if any(metres(spot.centre_lat, spot.centre_lon, c.lat, c.lon) < MIN_STOP_SEPARATION_M
                       for c in found):
                    continue
                ward = self.analysis.geography.current().areas.area_of_point(spot.centre_lat, spot.centre_lon,
                                                                             "ward")
                label = f"Hotspot {len(found) + 1}" + (f", {ward.name}" if ward else "")
                found.append(Candidate(
                    key=f"cell:{round(spot.easting / HOTSPOT_CELL_M)}:{round(spot.northing / HOTSPOT_CELL_M)}",
                    lat=spot.centre_lat, lon=spot.centre_lon, harm=round(float(spot.value), 3), label=label,
                    reason=f"harm hotspot of the last {HOTSPOT_MONTHS} months"
                    + (f" ({', '.join(kind_name(k) for k in kind_filter)})" if kind_filter else ""),
                ))
            if found:
                break
        for incident in self._recent_incidents(area, at, RECENT_DAYS):
            if len(found) >= limit:
                break
            if incident["lat"] is None or any(
                metres(incident["lat"], incident["lon"], c.lat, c.lon) < MIN_STOP_SEPARATION_M for c in found
            ):
                continue
            when = times.format_local(incident["occurred_start"])[:10]
            found.append(Candidate(
                key=f"incident:{incident['id']}", lat=incident["lat"], lon=incident["lon"],
                harm=max(incident["harm"], 0.1), label=incident["place"] or kind_name(incident["kind"]),
                reason=f"{kind_name(incident['kind'])} on {when}",
            ))
        return found

    def nothing_to_plan(self, area_name: str, at: datetime) -> str:
        """Why `candidates` found no place for a patrol in the area at `at`, and what to do. A new force's walk had
        only published crime and read 'no hotspots or recent incidents in that area to plan from' under a Hotspots
        tab full of them: plans come from our own incidents, never published crime."""
        area = self._area(area_name)
        local = times.to_local(at)
        first = (local.replace(day=1) - timedelta(days=31 * (HOTSPOT_MONTHS - 1))).strftime("%Y-%m")
        located = self.store.db.execute(
            "SELECT COUNT(*) FROM incidents WHERE deleted = 0 AND lat IS NOT NULL").fetchone()[0]
        source = (f"Plans are made from our own incidents (the harm hotspots of the {HOTSPOT_MONTHS} months before "
                  f"the patrol, {first} to {local:%Y-%m}, and the last {RECENT_DAYS} days' incidents), not from "
                  "published crime")
        if not located:
            return f"No incidents of our own are recorded yet. {source}. Add places by hand or record incidents."
        return (f"None of our incidents in {area.label} fall in that time. {source}. Add places by hand or choose "
                "another area.")

    def _recent_incidents(self, area: boundaries.Area, at: datetime, days: int) -> list[dict[str, Any]]:
        """Incidents in the area in the `days` before `at`, with their harm, most harmful first."""
        weights = self.harm.weights()
        result = []
        for row in self.repo.incidents_between(at - timedelta(days=days), at):
            if row["lat"] is None or not boundaries.contains(area, row["lat"], row["lon"]):
                continue
            row["harm"] = self.harm.for_incident(row["kind"], row["value"], weights)
            result.append(row)
        result.sort(key=lambda r: (-r["harm"], r["occurred_start"]), reverse=False)
        return result

    def vehicles_of_interest(self, at: datetime, days: int = SIGHTING_DAYS) -> list[VehicleOfInterest]:
        """Vehicles on the team's recent hare coursing, equipment theft and encampment reports, most seen first,
        then those only on the imported lists live at `at` (ruralwatch.services.vehicles); none for a role that may
        not see registrations."""
        lists = VehicleListService(self.store)
        seen: dict[str, list[Sighting]] = defaultdict(list)
        for vrm, sighting in lists.sightings(at, days):
            seen[vrm].append(sighting)
        listed: dict[str, list[str]] = defaultdict(list)
        added: dict[str, datetime] = {}
        for entry in lists.listed(at):
            listed[entry.vrm].append(f"{entry.source}: {entry.reason or 'no reason given'}"
                                     + (f" (handling: {entry.handling})" if entry.handling else ""))
            if entry.added_on:  # the day it was listed, at local midnight
                day = datetime.combine(entry.added_on, time(), tzinfo=times.LOCAL_ZONE)
                added[entry.vrm] = max(added.get(entry.vrm, day), day)
        vehicles = []
        for vrm, sightings in seen.items():
            sightings.sort(key=lambda s: s.occurred, reverse=True)
            latest = sightings[0]
            vehicles.append(VehicleOfInterest(
                vrm=display_vrm(vrm), times_seen=len(sightings), last_seen=times.from_storage(latest.occurred),
                places=tuple(dict.fromkeys(s.place for s in sightings if s.place))[:4],
                kinds=tuple(dict.fromkeys(kind_name(s.kind) for s in sightings)), description=latest.description,
                listed=tuple(listed.pop(vrm, ())),
            ))
        vehicles.sort(key=lambda v: (-v.times_seen, -v.last_seen.timestamp()))
        only_listed = [VehicleOfInterest(vrm=display_vrm(vrm), times_seen=0, last_seen=added.get(vrm, at), places=(),
                                         kinds=(), description="", listed=tuple(notes))
                       for vrm, notes in listed.items()]
        only_listed.sort(key=lambda v: (-v.last_seen.timestamp(), v.vrm))
        return vehicles + only_listed
