"""Places and vehicles worth a patrol's attention: harm hotspots, recent incidents, vehicles of interest."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.crime_types import resolve_choice, type_choices, types_words
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import kind_name
from ruralwatch.core.month_split import MonthSplit, month_index
from ruralwatch.core.patrol import PatrolRecord
from ruralwatch.core.patrol_plan import PLAN_SOURCE_KEYS
from ruralwatch.core.vocab import PURPOSE_INCIDENT_KINDS
from ruralwatch.core.vrm import display_vrm
from ruralwatch.core.words import plural
from ruralwatch.io.briefing_data import VehicleOfInterest
from ruralwatch.mapping import boundaries
from ruralwatch.patrols.plan import Candidate, Plan
from ruralwatch.services.analysis import HotspotQuery
from ruralwatch.services.patrols.base import PatrolServiceBase, metres
from ruralwatch.services.vehicles import SIGHTING_DAYS, Sighting, VehicleListService

HOTSPOT_CELL_M = 500.0
# Hotspots come from 12 calendar months: our incidents' end with the patrol's month, published crime's with the
# latest month held (it comes out 1-2 months late).
HOTSPOT_MONTHS = 12
RECENT_DAYS = 28  # incidents this recent are stops in their own right
MIN_STOP_SEPARATION_M = 1000.0  # two hotspot cells closer than this are one stop
PUBLISHED_CAVEAT = ("Published locations are snapped to anonymised map points (a street or area centre), so a "
                    "hotspot is near, not at, where crimes happened; published crime comes out 1-2 months late.")


def shift_month(month: str, months: int) -> str:
    """'YYYY-MM' moved by whole calendar months (a 31-day step moved a March patrol's window back 13 months)."""
    index = month_index(month) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_span(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def saved_before_notes(used: str) -> str:
    """What a plan saved before RuralWatch kept its note says it came from: only what was saved with it (its
    source), never worked out again from today's data, which would describe another plan."""
    kept = "(saved before RuralWatch kept what a plan said; each stop's Why gives its months)"
    if used == "incidents":
        return f"Stops from our own incidents {kept}."
    if used == "published":
        return f"Stops from published crime (data.police.uk) {kept}. " + PUBLISHED_CAVEAT
    # How plans from both were made then: the two summed over overlapping months.
    return (f"Stops from our own incidents and published crime, their harm summed {kept}: a crime we recorded that "
            "was also published counted twice. " + PUBLISHED_CAVEAT)


@dataclass(frozen=True)
class PlanSource:
    """Where a plan's harm comes from (`used`: incidents, published or all) for the `chosen` source (auto too),
    over which months, and the words the plan, the window, the command line and the briefing show."""

    chosen: str
    used: str
    incident_months: tuple[str, str]  # 12 calendar months ending with the patrol's
    # Held, of the latest 12 up to the patrol's month; for "all" the first and last of split.published. None: none.
    published_months: tuple[str, str] | None
    ours: int  # our incidents with a place in the area in incident_months (for "all": in split.ours)
    note: str
    # "all": which of incident_months come from published crime and which from ours (never both); None otherwise.
    split: MonthSplit | None = None


def exclude_types_of(names: tuple[str, ...]) -> tuple[str, ...]:
    """A plan's crime types left out, resolved to keys (published types and our kinds alike), or one
    ValidationError naming the known ones; every type left out is refused."""
    return resolve_choice((), names, "all")[1]


def types_note(exclude: tuple[str, ...], used: str = "") -> str:
    """What a plan's note says of its crime types: nothing when every type counts; a source (`used`) holding none
    of the chosen types is said to be left unused, in plain words (a walk read an error for it)."""
    if not exclude:
        return ""
    note = f" Crime types: {types_words((), exclude)}."
    if used in ("published", "all") and holds_none("published", exclude):
        note += (" Published crime holds none of the chosen types, so it is not used"
                 + (": only our incidents count." if used == "all" else "."))
    if used in ("incidents", "all") and holds_none("incidents", exclude):
        note += (" Our incidents hold none of the chosen types, so they are not used"
                 + (": only published crime counts." if used == "all" else "."))
    return note


def holds_none(source: str, exclude: tuple[str, ...]) -> bool:
    """Whether every type `source` ("published" or "incidents") can count is left out."""
    return {key for key, _name in type_choices(source)} <= set(exclude)


class PatrolPlaces(PatrolServiceBase):
    def plan_source(self, area_name: str, at: datetime, chosen: str = "auto", purpose: str = "") -> PlanSource:
        """Which crimes a plan at `at` in the area weighs by harm. "auto": our incidents when any with a place
        fall in the area in the 12 months, else published crime (a force new to RuralWatch has only that)."""
        if chosen not in PLAN_SOURCE_KEYS:
            raise ValidationError.single("source", f"{chosen!r} is not one of {', '.join(PLAN_SOURCE_KEYS)}")
        area = self._area(area_name)
        month = times.to_local(at).strftime("%Y-%m")
        ours_months = (shift_month(month, 1 - HOTSPOT_MONTHS), month)
        if chosen == "all":
            return self._both_source(area, month, ours_months, purpose)
        published = self.analysis.published_months_held(month, HOTSPOT_MONTHS)
        ours = self.analysis.incidents_placed(area.label, *ours_months)
        used = chosen
        if chosen == "auto":
            used = "incidents" if ours or not published else "published"
        return PlanSource(chosen, used, ours_months, published, ours,
                          self._source_words(area, month, chosen, used, ours_months, published, ours, purpose))

    def _both_source(self, area: boundaries.Area, month: str, window: tuple[str, str], purpose: str) -> PlanSource:
        """Both sources over the 12 months, each month from one: published crime for the months the force's
        published crime holds, our incidents for the rest (the 1-2 months it has not come out yet, and any month
        not imported). Summing the two counted every crime we recorded and data.police.uk later published twice,
        and they cannot be matched one by one (published places are anonymised, its dates months)."""
        split = self.analysis.month_split(*window)  # the one rule every analysis from both follows
        published = (split.published[0], split.published[-1]) if split.published else None
        ours = self.analysis.incidents_placed(area.label, *window, months=split.ours)
        if published:
            late = month_index(month) - month_index(published[1])
            force = self.analysis.geography.current().force.name
            text = (f"Stops from both sources, each month from one ({split.text()}), so a crime we recorded that "
                    f"was later published counts once.\nPublished crime: data.police.uk, {force}'s crime harm "
                    "weights" + (f", the latest month published {late} {plural(late, 'month')} before the patrol's"
                                 if late else "")
                    + f"; ours: harm hotspots, and incidents of the last {RECENT_DAYS} days in our months. "
                    + PUBLISHED_CAVEAT
                    + (" Published crime has no rural kinds such as hare coursing: all of it counts."
                       if PURPOSE_INCIDENT_KINDS.get(purpose) else ""))
        else:
            text = (f"Stops from our own incidents only ({split.text()}): the force's published crime holds none "
                    f"of these months. Harm hotspots and the last {RECENT_DAYS} days' incidents.")
        return PlanSource("all", "all", window, published, ours, text, split)

    def _source_words(self, area: boundaries.Area, month: str, chosen: str, used: str, ours_months: tuple[str, str],
                      published: tuple[str, str] | None, ours: int, purpose: str) -> str:
        incidents = (f"our own incidents (harm hotspots of {month_span(*ours_months)} and the last {RECENT_DAYS} "
                     "days' incidents)")
        if published:
            late = month_index(month) - month_index(published[1])
            force = self.analysis.geography.current().force.name
            crime = (f"published crime (data.police.uk, {force}'s crime harm weights; hotspots of "
                     f"{month_span(*published)}, the latest month published"
                     + (f", {late} {plural(late, 'month')} before the patrol's" if late else "") + ")")
            caveat = " " + PUBLISHED_CAVEAT + (" Published crime has no rural kinds such as hare coursing: all of it "
                                               "counts." if PURPOSE_INCIDENT_KINDS.get(purpose) else "")
        else:
            crime = f"published crime (none of the force's imported up to {month})"
            caveat = ""
        if used == "incidents":
            text = f"Stops from {incidents}."
            if chosen == "auto":
                text += (f" Chosen as {ours:,} of ours fall in {area.label} in that time; with none, published crime "
                         "would be used.")
            return text
        text = f"Stops from {crime}." + caveat  # published ("all" is worded by _both_source)
        if chosen == "auto":
            text = f"None of our incidents in {area.label} fall in {month_span(*ours_months)}, so: " + text
        return text

    def candidates(self, area_name: str, at: datetime, purpose: str = "general_rural_patrol",
                   limit: int = 50, source: str = "auto", exclude_types: tuple[str, ...] = ()) -> list[Candidate]:
        """Places worth a visit: harm hotspots of the last year in the area, then recent incidents elsewhere.

        Hotspot cells closer than MIN_STOP_SEPARATION_M merge into the higher one. With too little data for
        hotspots, recent incidents ranked by harm (then count) are what the plan has. `source` as plan_source;
        `exclude_types`: crime types left out (core.crime_types, names in any case).
        """
        return self._candidates(area_name, at, purpose, limit, self.plan_source(area_name, at, source, purpose),
                                exclude_types_of(exclude_types))

    def _candidates(self, area_name: str, at: datetime, purpose: str, limit: int,
                    source: PlanSource, exclude: tuple[str, ...] = ()) -> list[Candidate]:
        area = self._area(area_name)
        if source.used == "published" and source.published_months is None:
            return []
        hotspot_source = source.used if source.published_months else "incidents"
        # Only the types the hotspots' source has: leaving out shoplifting leaves our incidents' kinds alone.
        held = {key for key, _name in type_choices(hotspot_source)}
        left_out = tuple(key for key in exclude if key in held)
        if held <= set(exclude):  # the source holds none of the chosen types: not used, as the note says
            return []
        # Published crime has no rural kinds: the purpose's kinds narrow our incidents only.
        kinds = PURPOSE_INCIDENT_KINDS.get(purpose, ()) if source.used == "incidents" else ()
        kinds = tuple(kind for kind in kinds if kind not in exclude)
        first, month_to = (source.published_months if source.used == "published" and source.published_months
                           else source.incident_months)
        what = {"incidents": f"harm hotspot of {month_span(first, month_to)}",
                "published": f"harm hotspot of published crime, {month_span(first, month_to)}",
                "all": "harm hotspot of our incidents and published crime"}[source.used]
        found: list[Candidate] = []
        for kind_filter in ([kinds, ()] if kinds else [()]):
            run = self.analysis.hotspots(HotspotQuery(
                method="kde", weight="harm",
                source=hotspot_source, exclude_kinds=left_out,
                # "all" splits month_from..month_to itself, by the rule that made source.split
                month_from=first, month_to=month_to,
                published_months=None if source.split else source.published_months,
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
                    reason=what + (f" ({', '.join(kind_name(k) for k in kind_filter)})" if kind_filter else ""),
                ))
            if found:
                break
        if source.used == "published":  # no recent incidents of ours were asked for
            return found
        for incident in self._recent_incidents(area, at, RECENT_DAYS):
            if len(found) >= limit:
                break
            if source.split and times.format_local(incident["occurred_start"])[:7] not in source.split.ours:
                continue  # a month counted from published crime: its crimes are in the hotspots already
            if incident["kind"] in exclude:
                continue
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

    def nothing_to_plan(self, area_name: str, at: datetime, chosen: str = "auto",
                        exclude_types: tuple[str, ...] = ()) -> str:
        """Why `candidates` found no place for a patrol in the area at `at`, and what to do. A new force's walk had
        only published crime and read 'no hotspots or recent incidents in that area to plan from' under a Hotspots
        tab full of them."""
        source = self.plan_source(area_name, at, chosen)
        exclude = exclude_types_of(exclude_types)
        if source.used == "published" and source.published_months and holds_none("published", exclude):
            return ("Published crime holds none of the chosen crime types (our own kinds, such as hare coursing, "
                    "are not published), so it is not used: plan from our own incidents or choose other types.")
        if source.used == "incidents" and holds_none("incidents", exclude):
            return ("Our incidents hold none of the chosen crime types, so they are not used: plan from published "
                    "crime or choose other types.")
        area = self._area(area_name)
        located = self.store.db.execute(
            "SELECT COUNT(*) FROM incidents WHERE deleted = 0 AND lat IS NOT NULL").fetchone()[0]
        ours = month_span(*source.incident_months)
        if source.used == "published":
            if source.published_months is None:
                return (f"No published crime of the force is imported up to {source.incident_months[1]}: import "
                        "data.police.uk files, plan from our own incidents, or add places by hand.")
            return (f"No published crime with a place in {area.label} in {month_span(*source.published_months)}. "
                    "Add places by hand or choose another area.")
        if source.split:  # both
            return (f"Neither source has a place in {area.label} in {ours} ({source.split.text()}). Add places by "
                    "hand or choose another area.")
        if not located and source.published_months is None:
            return ("No incidents of our own are recorded yet and no published crime is imported: record incidents, "
                    "import data.police.uk files, or add places by hand.")
        if not located:
            return ("No incidents of our own are recorded yet. Choose published crime to plan from, or add places "
                    "by hand.")
        return (f"None of our incidents in {area.label} fall in {ours} or the last {RECENT_DAYS} days. Add places "
                "by hand or choose another area" + (", or plan from published crime." if source.published_months
                                                     else "."))

    def timed(self, record: PatrolRecord) -> Plan:
        """As the base's, with what a suggested plan's stops came from in words (the window and briefing show it):
        the words saved with the plan, so new data never rewrites what a saved plan said."""
        plan = super().timed(record)
        used = record.settings.planned_from
        if used not in PLAN_SOURCE_KEYS:
            return plan
        return replace(plan, source=used, source_note=self.saved_note(record), months=record.settings.planned_months)

    @staticmethod
    def saved_note(record: PatrolRecord) -> str:
        """The note saved with the plan's last suggestion; for a plan saved before notes were kept, what its saved
        source says (never worked out again: a month published since would change it)."""
        if record.plan_note is not None:
            return record.plan_note
        return saved_before_notes(record.settings.planned_from) if record.settings.planned_from else ""

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
