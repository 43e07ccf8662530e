"""A deterministic, clearly synthetic demo dataset: about two years of rural crime across rural Essex.

Patterns follow what RET officers describe: hare coursing after harvest (September-March) at dawn and dusk
and at weekends, with the same suspect vehicles seen again and again; GPS units taken in spring and
autumn before drilling; quad bikes all year; encampments in summer. A full-size demo (500 incidents or more) ends
with three near-repeat series of GPS thefts (four farms within 200 m in eight days; the latest a day before `now`),
so the Knox test finds the pattern and the map shows live near-repeat zones. Every row is flagged `synthetic`.
Ids are derived from the seed, so loading the same seed twice adds nothing; loading it after
`ruralwatch demo --remove` restores the removed incidents.

Nothing here identifies a real person or vehicle: reporters are "Demo reporter N" with Ofcom's drama
numbers (01632 960xxx), and VRMs use the age identifier 00, which DVLA has never issued.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from ruralwatch.core import times
from ruralwatch.core.errors import ProgressCallback
from ruralwatch.core.incident import IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.core.premises import PremisesInput, PropertyInput, VisitInput
from ruralwatch.services.changes import Change
from ruralwatch.services.incidents import IncidentService
from ruralwatch.services.premises import PremisesService

DEFAULT_SEED = 2026
DEFAULT_COUNT = 1800
DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-4b7d-4c55-9a51-52a7e0d1c0de")


@dataclass(frozen=True)
class Village:
    name: str
    district: str
    lat: float
    lon: float


# Approximate village centres in the rural districts of Essex.
VILLAGES: tuple[Village, ...] = (
    Village("Thaxted", "Uttlesford", 51.954, 0.344), Village("Great Dunmow", "Uttlesford", 51.873, 0.364),
    Village("Saffron Walden", "Uttlesford", 52.022, 0.239), Village("Newport", "Uttlesford", 51.984, 0.214),
    Village("Henham", "Uttlesford", 51.934, 0.247), Village("Hatfield Broad Oak", "Uttlesford", 51.826, 0.240),
    Village("Great Chesterford", "Uttlesford", 52.063, 0.195), Village("Radwinter", "Uttlesford", 52.006, 0.340),
    Village("Ashdon", "Uttlesford", 52.051, 0.310), Village("Felsted", "Uttlesford", 51.858, 0.437),
    Village("Clavering", "Uttlesford", 51.965, 0.139), Village("Finchingfield", "Braintree", 51.968, 0.451),
    Village("Wethersfield", "Braintree", 51.952, 0.490), Village("Steeple Bumpstead", "Braintree", 52.045, 0.447),
    Village("Castle Hedingham", "Braintree", 51.990, 0.601), Village("Coggeshall", "Braintree", 51.872, 0.690),
    Village("Earls Colne", "Braintree", 51.928, 0.701), Village("Great Bardfield", "Braintree", 51.948, 0.437),
    Village("Gosfield", "Braintree", 51.935, 0.587), Village("Tollesbury", "Maldon", 51.758, 0.833),
    Village("Tillingham", "Maldon", 51.696, 0.878), Village("Bradwell-on-Sea", "Maldon", 51.727, 0.894),
    Village("Southminster", "Maldon", 51.662, 0.826), Village("Purleigh", "Maldon", 51.686, 0.665),
    Village("Goldhanger", "Maldon", 51.746, 0.755), Village("Latchingdon", "Maldon", 51.671, 0.727),
    Village("St Osyth", "Tendring", 51.800, 1.075), Village("Great Bentley", "Tendring", 51.853, 1.064),
    Village("Thorpe-le-Soken", "Tendring", 51.850, 1.162), Village("Great Oakley", "Tendring", 51.902, 1.183),
    Village("Ardleigh", "Tendring", 51.925, 0.987), Village("Good Easter", "Chelmsford", 51.778, 0.354),
    Village("Pleshey", "Chelmsford", 51.802, 0.412), Village("Danbury", "Chelmsford", 51.717, 0.578),
    Village("East Hanningfield", "Chelmsford", 51.680, 0.561), Village("Matching", "Epping Forest", 51.784, 0.216),
    Village("Fyfield", "Epping Forest", 51.740, 0.270), Village("High Ongar", "Epping Forest", 51.710, 0.262),
    Village("Canewdon", "Rochford", 51.616, 0.745), Village("Paglesham", "Rochford", 51.600, 0.783),
    Village("Dedham", "Colchester", 51.957, 0.993), Village("Layer de la Haye", "Colchester", 51.849, 0.857),
    Village("Wormingford", "Colchester", 51.948, 0.810),
)

FARM_FIRST = ("Brook", "Manor", "Grange", "Lodge", "Mill", "Elms", "Oak", "Willow", "Church", "Moat", "Park",
              "Bridge", "Priory", "Rookery", "Hill", "Valley", "Marsh", "Red House", "White House", "Fen")
FARM_SECOND = ("Farm", "Hall Farm", "Barns", "Estate", "Meadows", "Fields")

# (kind, relative frequency)
KIND_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("hare_coursing", 30), ("equipment_theft", 16), ("unlawful_encampment", 6), ("fly_tipping", 18),
    ("livestock_worrying", 4), ("fuel_theft", 5), ("poaching_wildlife", 5), ("heritage_crime", 2),
    ("farm_burglary", 6), ("suspicious_activity", 6), ("other_rural", 2),
)

EQUIPMENT = {
    "gps_unit": (("John Deere", "StarFire 6000"), ("Trimble", "CFX-750"), ("John Deere", "GreenStar 3 2630"),
                 ("Topcon", "X35")),
    "quad_atv": (("Honda", "TRX420"), ("Yamaha", "Grizzly 700"), ("Polaris", "Sportsman 570"),
                 ("Can-Am", "Outlander 450")),
    "plant_machinery": (("JCB", "3CX"), ("Kubota", "KX057"), ("JCB", "Telehandler 531-70"), ("Manitou", "MLT 635")),
    "tools": (("Stihl", "MS 261 chainsaw"), ("Makita", "DHR242 drill"), ("Husqvarna", "545 chainsaw"),
              ("Hilti", "TE 30 breaker")),
    "vehicle": (("Ifor Williams", "LM126 trailer"), ("Land Rover", "Defender 110"), ("Toyota", "Hilux")),
}
EQUIPMENT_VALUE_GBP = {"gps_unit": (4000, 12000), "quad_atv": (3000, 9000), "plant_machinery": (15000, 60000),
                       "tools": (200, 1500), "vehicle": (4000, 35000)}
EQUIPMENT_SEASON = {"gps_unit": (3, 4, 5, 9, 10)}

DESCRIPTIONS = {
    "hare_coursing": ("Group with lurchers seen coursing hares across stubble.",
                      "Vehicles parked at field gate, dogs running hares; left towards main road.",
                      "Farmer reports coursers on drilled land, damage to crop."),
    "equipment_theft": ("Items taken overnight from unlocked building.", "Taken from tractor cab in yard.",
                        "Stolen from field, tracks lead to road."),
    "unlawful_encampment": ("Caravans pulled onto field via forced gate.", "Encampment on lay-by and verge.",
                            "Vehicles and caravans arrived overnight on recreation ground."),
    "fly_tipping": ("Builders' waste dumped in field entrance.", "Van load of household waste in lane.",
                    "Tyres and asbestos sheeting dumped in gateway."),
    "livestock_worrying": ("Dog off lead chased ewes; two injured.", "Sheep worried by loose dogs overnight."),
    "fuel_theft": ("Red diesel siphoned from bowser.", "Fuel tank of tractor drained overnight."),
    "poaching_wildlife": ("Lamping seen from vehicle after dark.", "Deer carcass found, suspected poaching."),
    "heritage_crime": ("Lead stripped from church roof.", "Nighthawking reported on scheduled monument."),
    "farm_burglary": ("Workshop broken into, tools taken.", "Barn padlock cut, nothing known taken yet."),
    "suspicious_activity": ("Vehicle driving slowly past farms with lights off.",
                            "Men photographing machinery from the road."),
    "other_rural": ("Criminal damage to field gate.", "Theft of heating oil reported."),
}


def _vrm_pool(rng: random.Random, size: int = 30) -> list[tuple[str, str, str, str]]:
    """Suspect vehicles that recur. Age identifier 00 was never issued, so none is a real vehicle."""
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    makes = (("Mitsubishi", "L200", "Silver"), ("Subaru", "Forester", "Blue"), ("Land Rover", "Discovery", "Green"),
             ("Ford", "Ranger", "White"), ("Toyota", "Hilux", "Grey"), ("Volkswagen", "Transit", "White"),
             ("Isuzu", "D-Max", "Black"))
    pool = []
    for _ in range(size):
        vrm = "".join(rng.choice(letters) for _ in range(2)) + "00" + "".join(rng.choice(letters) for _ in range(3))
        make, model, colour = rng.choice(makes)
        pool.append((vrm, make, model, colour))
    return pool


def _month_weight(kind: str, month: int) -> float:
    if kind == "hare_coursing":
        return 1.0 if month in (9, 10, 11, 12, 1, 2, 3) else 0.12
    if kind == "unlawful_encampment":
        return 1.0 if month in (5, 6, 7, 8, 9) else 0.15
    if kind == "livestock_worrying":
        return 1.0 if month in (2, 3, 4, 5) else 0.4
    return 1.0


def _sun_hours_utc(day: date) -> tuple[float, float]:
    """Approximate sunrise and sunset (UTC hours) in Essex: near enough for dawn/dusk patterns."""
    angle = 2 * math.pi * (day.timetuple().tm_yday + 10) / 365.25
    return 5.9 + 2.2 * math.cos(angle), 18.1 - 2.25 * math.cos(angle)


def _occurred(rng: random.Random, kind: str, day: date) -> datetime:
    sunrise, sunset = _sun_hours_utc(day)
    if kind == "hare_coursing":
        centre = sunrise + 0.5 if rng.random() < 0.6 else sunset - 0.5
        hour = centre + rng.gauss(0, 0.9)
    elif kind in ("equipment_theft", "fuel_theft", "farm_burglary", "heritage_crime"):
        hour = (23 + rng.random() * 6) % 24  # overnight, found in the morning
    elif kind == "poaching_wildlife":
        hour = (sunset + 1 + rng.random() * 5) % 24
    else:
        hour = 7 + rng.random() * 12
    hour = min(max(hour, 0.0), 23.98)
    minute = int((hour % 1) * 60)
    return datetime(day.year, day.month, day.day, int(hour), minute, tzinfo=UTC)


def _pick_day(rng: random.Random, kind: str, start: date, days: int) -> date:
    while True:
        day = start + timedelta(days=rng.randrange(days))
        weight = _month_weight(kind, day.month)
        if kind == "hare_coursing" and day.weekday() >= 5:
            weight *= 1.8
        if rng.random() < weight / 1.8:
            return day


def _status(rng: random.Random, age_days: int) -> str:
    if age_days < 21:
        return rng.choice(("open", "open", "under_investigation"))
    if age_days < 90:
        return rng.choice(("open", "under_investigation", "closed", "no_further_action"))
    return rng.choice(("closed", "closed", "no_further_action", "no_further_action", "under_investigation"))


def demo_incidents(
    seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT, now: datetime | None = None
) -> Iterator[tuple[str, IncidentInput]]:
    """Yield (stable id, input) pairs ending at `now`. Same seed, count and `now`: the same data."""
    now = now or times.utc_now()
    end = now.date()
    days = 730
    start = end - timedelta(days=days - 1)
    rng = random.Random(seed)
    pool = _vrm_pool(rng)
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    series = count >= NEAR_REPEAT_FROM
    for index in range(count - NEAR_REPEAT_COUNT if series else count):
        kind = rng.choices(kinds, weights)[0]
        day = _pick_day(rng, kind, start, days)
        occurred = _occurred(rng, kind, day)
        if occurred > now - timedelta(hours=1):
            occurred -= timedelta(days=1)
        village = rng.choice(VILLAGES)
        lat = village.lat + rng.gauss(0, 0.012)
        lon = village.lon + rng.gauss(0, 0.018)
        farm = f"{rng.choice(FARM_FIRST)} {rng.choice(FARM_SECOND)}"
        reported = min(occurred + timedelta(minutes=rng.randint(5, 600)), now)
        reporter_number = rng.randint(0, 999)
        inp = IncidentInput(
            kind=kind,
            occurred_start=occurred,
            reported_at=reported,
            lat=round(lat, 6),
            lon=round(lon, 6),
            place=f"{farm}, near {village.name}",
            description=rng.choice(DESCRIPTIONS[kind]),
            status=_status(rng, (end - occurred.date()).days),
            reporter_name=f"Demo reporter {reporter_number}",
            reporter_phone=f"01632 960{reporter_number:03d}",
        )
        if rng.random() < 0.35:
            inp.crime_reference = f"42/{rng.randint(100000, 999999)}/{occurred.year % 100:02d}"
        _add_kind_details(rng, inp, kind, occurred, end, pool)
        yield str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{index}")), inp
    if series:
        yield from _near_repeat_series(seed, now)


# A demo of at least this many incidents ends with the near-repeat series (they are part of the count, so smaller
# demos, which the tests use by the dozen, are exactly as they were).
NEAR_REPEAT_FROM = 500
# (village, days before `now` of each theft); the farms lie within 200 m of each other (metres east, north).
NEAR_REPEAT_SERIES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Radwinter", (8, 6, 3, 1)), ("Felsted", (157, 155, 152, 150)), ("Steeple Bumpstead", (337, 334, 332, 330)),
)
NEAR_REPEAT_OFFSETS_M = ((0.0, 0.0), (90.0, 40.0), (-60.0, 80.0), (40.0, -90.0))
NEAR_REPEAT_COUNT = sum(len(days) for _village, days in NEAR_REPEAT_SERIES)


def _near_repeat_series(seed: int, now: datetime) -> Iterator[tuple[str, IncidentInput]]:
    """GPS units taken from neighbouring farms days apart: the near repeats of the issue's demo."""
    rng = random.Random(f"{seed}:near-repeat")
    villages = {v.name: v for v in VILLAGES}
    number = 0
    for name, days_before in NEAR_REPEAT_SERIES:
        village = villages[name]
        lat0 = village.lat + rng.uniform(-0.01, 0.01)
        lon0 = village.lon + rng.uniform(-0.015, 0.015)
        for days, (east_m, north_m) in zip(days_before, NEAR_REPEAT_OFFSETS_M, strict=True):
            occurred = (now - timedelta(days=days)).replace(hour=rng.randint(0, 4), minute=rng.choice((0, 15, 30, 45)),
                                                          second=0, microsecond=0)
            make, model = rng.choice(EQUIPMENT["gps_unit"])
            reporter_number = rng.randint(0, 999)
            inp = IncidentInput(
                kind="equipment_theft", subkind="gps_unit", occurred_start=occurred,
                reported_at=min(occurred + timedelta(hours=rng.randint(3, 8)), now),
                lat=round(lat0 + north_m / 111_320, 6),
                lon=round(lon0 + east_m / (111_320 * math.cos(math.radians(lat0))), 6),
                place=f"{rng.choice(FARM_FIRST)} {rng.choice(FARM_SECOND)}, near {village.name}",
                description="GPS unit taken from tractor cab in yard; neighbouring farms hit days before.",
                status=_status(rng, days), reporter_name=f"Demo reporter {reporter_number}",
                reporter_phone=f"01632 960{reporter_number:03d}",
            )
            low, high = EQUIPMENT_VALUE_GBP["gps_unit"]
            inp.items.append(StolenItemInput(
                category="gps_unit", description=f"{make} {model}", make=make, model=model,
                serial_number=f"DEMO{rng.randint(10000, 99999)}", marking=rng.choice(("none", "cesar", "datatag")),
                value_gbp=Decimal(rng.randrange(low, high, 50)),
            ))
            yield str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:near-repeat:{number}")), inp
            number += 1


def _add_kind_details(
    rng: random.Random,
    inp: IncidentInput,
    kind: str,
    occurred: datetime,
    end: date,
    pool: list[tuple[str, str, str, str]],
) -> None:
    if kind == "hare_coursing":
        inp.details = {"hc_people": rng.randint(2, 8), "hc_dogs": rng.randint(1, 6),
                       "hc_landowner_informed": rng.random() < 0.7}
        # A few vehicles turn up again and again: the pattern a briefing should surface.
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            vrm, make, model, colour = pool[min(int(rng.expovariate(0.25)), len(pool) - 1)]
            if any(v.vrm == vrm for v in inp.vehicles):
                continue  # the same suspect vehicle twice on one incident would not validate
            inp.vehicles.append(VehicleInput(vrm=vrm, role="suspect", make=make, model=model, colour=colour))
    elif kind == "equipment_theft":
        categories = list(EQUIPMENT)
        weights = [3 if occurred.month in EQUIPMENT_SEASON.get(c, ()) else 1 for c in categories]
        weights[categories.index("quad_atv")] += 1
        category = rng.choices(categories, weights)[0]
        inp.subkind = category
        make, model = rng.choice(EQUIPMENT[category])
        low, high = EQUIPMENT_VALUE_GBP[category]
        inp.items.append(StolenItemInput(
            category=category, description=f"{make} {model}", make=make, model=model,
            serial_number=f"DEMO{rng.randint(10000, 99999)}", marking=rng.choice(("none", "cesar", "datatag")),
            value_gbp=Decimal(rng.randrange(low, high, 50)), recovered=rng.random() < 0.12,
        ))
        if rng.random() < 0.2:
            vrm, make_v, model_v, colour = rng.choice(pool)
            inp.vehicles.append(VehicleInput(vrm=vrm, role="suspect", make=make_v, model=model_v, colour=colour))
    elif kind == "unlawful_encampment":
        caravans = rng.randint(2, 15)
        left = occurred.date() + timedelta(days=rng.randint(1, 10))
        inp.details = {
            "enc_caravans": caravans, "enc_vehicles": caravans + rng.randint(0, 6),
            "enc_people": caravans * rng.randint(2, 4),
            "enc_land_type": rng.choice(("private", "council", "agricultural")),
            "enc_notice": rng.choice(("none", "s61", "s62", "s60c")),
        }
        if left <= end:
            inp.details["enc_date_left"] = left.isoformat()


def load_demo(
    service: IncidentService,
    seed: int = DEFAULT_SEED,
    count: int | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """Load the demo set in one transaction; returns how many incidents were new or restored.

    Loading again adds nothing (the ids come from the seed). A demo set removed with
    `IncidentService.delete_synthetic` (`ruralwatch demo --remove`) is still stored as tombstones for sync;
    loading it again un-deletes those incidents, as they were when removed, instead of skipping them.
    """
    total = count or DEFAULT_COUNT
    added = service.load_synthetic(demo_incidents(seed, total, now), progress=progress, total=total)
    service.store.set_meta("demo_seed", str(seed))
    return added


# --- the premises register ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPremises:
    key: str
    name: str
    kind: str
    village: str
    schemes: tuple[str, ...]
    # (kind, make, model, serial, marking)
    items: tuple[tuple[str, str, str, str, str], ...] = ()


DEMO_PREMISES: tuple[DemoPremises, ...] = (
    DemoPremises("grange", "Grange Farm (demo)", "farm", "Thaxted", ("farm_watch",), (
        ("gps_unit", "John Deere", "StarFire 6000", "DEMO-GF-0001", "datatag"),
        ("quad_atv", "Honda", "TRX420", "DEMO-GF-0002", "cesar"),
        ("gps_unit", "John Deere", "StarFire 6000", "DEMO-GF-0003", "datatag"))),
    DemoPremises("moat", "Moat Hall Estate (demo)", "estate", "Finchingfield", ("farm_watch", "country_watch"), (
        ("plant_machinery", "JCB", "3CX", "DEMO-MH-0100", "cesar"),
        ("tools", "Stihl", "MS 261 chainsaw", "DEMO-MH-0101", "none"))),
    DemoPremises("church", "St Mary's Church, Radwinter (demo)", "church", "Radwinter",
                 ("church_watch", "heritage_watch")),
    DemoPremises("stables", "Oak Lodge Stables (demo)", "stables", "Henham", ("horse_watch",), (
        ("vehicle", "Ifor Williams", "HB511 horsebox trailer", "DEMO-OL-0200", "datatag"),)),
    DemoPremises("yard", "Mill Lane Yard (demo)", "yard", "Great Dunmow", ()),
    # Beside the near-repeat series of GPS thefts near Radwinter (BROOK_OFFSET_M from its first farm): inside the
    # zones of the latest thefts, so "premises to visit" has one on first start.
    DemoPremises("brook", "Brook Farm (demo)", "farm", "Radwinter", ("farm_watch",)),
)
# Metres east and north of the first farm of the Radwinter series: within 200 m of each of its four thefts.
BROOK_OFFSET_M = (100.0, 60.0)


# Grange Farm's two GPS thefts (days before `now`, the stolen unit's serial): incidents on top of the demo set's.
DEMO_PREMISES_THEFTS: tuple[tuple[int, str], ...] = ((200, "DEMO-GF-0001"), (25, "DEMO-GF-0003"))


def _demo_id(seed: int, text: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:premises:{text}"))


class DemoPremisesAdded(NamedTuple):
    premises: int  # premises added or restored
    thefts: int  # Grange Farm's theft incidents added or restored: incidents on top of the demo set's count


def load_demo_premises(premises: PremisesService, incidents: IncidentService, seed: int = DEFAULT_SEED,
                       now: datetime | None = None) -> DemoPremisesAdded:
    """Demo premises around the demo villages with contacts (drama numbers), watch schemes, registered property, a
    prevention visit, and Grange Farm's two GPS thefts (a repeat victim; the stolen serials are registered there,
    so `property check DEMO-GF-0001` finds both). One transaction; loading again adds nothing and brings back what
    `remove_demo_premises` removed. Returns how many premises and theft incidents were added or restored."""
    premises.store.actor.require("data.purge")
    now = now or times.utc_now()
    villages = {v.name: v for v in VILLAGES}
    added = 0
    table = premises.table
    with premises.store.transaction():
        for number, spec in enumerate(DEMO_PREMISES):
            premises_id = _demo_id(seed, spec.key)
            held = premises.store.db.execute("SELECT deleted FROM premises WHERE id = ?", [premises_id]).fetchone()
            if held is not None:
                if held[0]:
                    table.restore(premises_id)
                    added += 1
                continue
            village = villages[spec.village]
            lat, lon = village.lat + 0.004 * (number % 3 - 1), village.lon + 0.006 * (number % 2)
            if spec.key == "brook":
                first = next(_near_repeat_series(seed, now))[1]  # where the series starts (the seed's, any `now`)
                lat = float(first.lat or 0) + BROOK_OFFSET_M[1] / 111_320
                lon = float(first.lon or 0) + BROOK_OFFSET_M[0] / (111_320 * math.cos(math.radians(lat)))
            premises.add(PremisesInput(
                name=spec.name, kind=spec.kind, lat=round(lat, 6),
                lon=round(lon, 6), address=f"Demo address near {village.name}",
                contact_name=f"Demo contact {number + 1}", contact_phone=f"01632 960{900 + number:03d}",
                schemes=list(spec.schemes), registered_on=(now.date() - timedelta(days=500)).isoformat()),
                synthetic=True, premises_id=premises_id)
            added += 1
            for kind, make, model, serial, marking in spec.items:
                premises.add_property(premises_id, PropertyInput(
                    kind=kind, make=make, model=model, serial_number=serial, marking=marking,
                    marking_ref=f"{marking.upper()}-{serial[-4:]}" if marking != "none" else ""))
            if spec.key in ("grange", "moat"):
                premises.add_visit(premises_id, VisitInput(
                    (now.date() - timedelta(days=60 if spec.key == "grange" else 200)).isoformat(), "PC Demo Officer",
                    "Keep GPS units out of cabs overnight; CESAR-mark the quad; light the yard; join Farm Watch "
                    "alerts."))
        grange = villages["Thaxted"]
        thefts = []
        for index, (days, serial) in enumerate(DEMO_PREMISES_THEFTS):
            thefts.append((_demo_id(seed, f"theft:{index}"), IncidentInput(
                kind="equipment_theft", subkind="gps_unit",
                occurred_start=(now - timedelta(days=days)).replace(hour=2, minute=30, second=0, microsecond=0),
                lat=round(grange.lat - 0.004, 6), lon=round(grange.lon, 6), place="Grange Farm (demo), Thaxted",
                description="GPS unit taken from a tractor cab in the yard overnight.",
                status="open" if days < 60 else "closed", reporter_name="Demo contact 1",
                reporter_phone="01632 960900", premises_id=_demo_id(seed, "grange"),
                items=[StolenItemInput(category="gps_unit", description="John Deere StarFire 6000", make="John Deere",
                                       model="StarFire 6000", serial_number=serial, marking="datatag",
                                       value_gbp=Decimal(7500))])))
        stolen = incidents.load_synthetic(thefts)
    if added:
        premises.hub.publish(Change("premises", "bulk"))
    return DemoPremisesAdded(added, stolen)


def remove_demo_premises(premises: PremisesService) -> int:
    """Tombstone every live demo premises (its property and visits go out of sight with it); how many."""
    premises.store.actor.require("data.purge")
    with premises.store.transaction():
        ids = [row[0] for row in premises.store.db.execute(
            "SELECT id FROM premises WHERE synthetic = 1 AND deleted = 0 ORDER BY id").fetchall()]
        for premises_id in ids:
            premises.table.tombstone(premises_id)
    if ids:
        premises.hub.publish(Change("premises", "bulk"))
    return len(ids)
