"""The one catalogue of incident kinds, their sub-kinds and their kind-specific detail fields.

Keys are stable snake_case strings stored in the database and exchanged through sync; display names
may change freely. Every layer (store, services, UI, CLI, map, exports) reads kinds from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    DATE = "date"


@dataclass(frozen=True)
class DetailField:
    """A kind-specific field, stored as a column of `incidents` so sync merges it per field."""

    key: str
    label: str
    type: FieldType
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int = 0
    maximum: int = 10_000
    # The incident form's label when `label` has no letter free for Alt (the form's own fields take most of the
    # alphabet); exports, reports and messages keep `label`.
    form_label: str = ""

    @property
    def on_form(self) -> str:
        return self.form_label or self.label

    @property
    def cli_option(self) -> str:
        return "--" + self.key.split("_", 1)[1].replace("_", "-")


@dataclass(frozen=True)
class IncidentKind:
    key: str
    name: str
    colour: str  # map marker colour, chosen to stay distinct for colour-blind users where possible
    icon: str  # short glyph shown in the marker and legend
    subkinds: tuple[tuple[str, str], ...] = ()
    details: tuple[DetailField, ...] = field(default=())
    # Words an officer types for this kind that its name does not hold ("stolen", "travellers"): the kind box finds
    # a kind by any word of its name or of these.
    synonyms: tuple[str, ...] = ()
    # The name in a narrow incident table (a panel docked beside it): "Poaching" for "Poaching / wildlife crime".
    short: str = ""

    @property
    def short_name(self) -> str:
        return self.short or self.name


ENCAMPMENT_LAND_TYPES: tuple[tuple[str, str], ...] = (
    ("private", "Private land"),
    ("council", "Council land"),
    ("agricultural", "Agricultural land"),
)

ENCAMPMENT_NOTICES: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("s61", "s61 CJPOA 1994"),
    ("s62", "s62A CJPOA 1994"),
    ("s60c", "s60C CJPOA 1994"),
)

EQUIPMENT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("plant_machinery", "Plant / machinery"),
    ("gps_unit", "GPS unit"),
    ("quad_atv", "Quad bike / ATV"),
    ("tools", "Tools"),
    ("vehicle", "Vehicle / trailer"),
)

# Words for each equipment category its name does not hold (see IncidentKind.synonyms).
EQUIPMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "plant_machinery": ("tractor", "digger", "excavator", "telehandler", "dumper", "mower"),
    "gps_unit": ("satnav", "sat nav", "receiver", "display", "starfire", "trimble"),
    "quad_atv": ("quad", "atv", "buggy", "side by side", "utv", "gator"),
    "tools": ("power tools", "chainsaw", "strimmer", "generator", "welder"),
    "vehicle": ("car", "van", "pickup", "land rover", "horsebox", "trailer"),
}

PROPERTY_MARKINGS: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("cesar", "CESAR"),
    ("datatag", "Datatag"),
    ("other", "Other"),
)

HARE_COURSING_DETAILS = (
    DetailField("hc_people", "People involved", FieldType.INTEGER, maximum=200),
    DetailField("hc_dogs", "Dogs", FieldType.INTEGER, maximum=200, form_label="Number of dogs"),
    DetailField("hc_landowner_informed", "Landowner informed", FieldType.BOOLEAN),
)

ENCAMPMENT_DETAILS = (
    DetailField("enc_caravans", "Caravans", FieldType.INTEGER, maximum=1000, form_label="Number of caravans"),
    DetailField("enc_vehicles", "Vehicles", FieldType.INTEGER, maximum=1000),
    DetailField("enc_people", "People", FieldType.INTEGER, maximum=5000),
    DetailField("enc_land_type", "Land type", FieldType.CHOICE, choices=ENCAMPMENT_LAND_TYPES),
    DetailField("enc_notice", "Notice served", FieldType.CHOICE, choices=ENCAMPMENT_NOTICES,
                form_label="Notice served (power)"),
    DetailField("enc_date_left", "Date left", FieldType.DATE),
)

KINDS: tuple[IncidentKind, ...] = (
    IncidentKind("hare_coursing", "Hare coursing", "#d62728", "H", details=HARE_COURSING_DETAILS,
                 synonyms=("coursing", "lurchers", "dogs", "hares")),
    IncidentKind("equipment_theft", "Equipment theft", "#1f77b4", "E", subkinds=EQUIPMENT_CATEGORIES,
                 short="Equip. theft", synonyms=("stolen", "theft", "plant", "machinery", "tools", "quad", "atv",
                                                 "gps", "tractor", "trailer")),
    IncidentKind("unlawful_encampment", "Unlawful encampment", "#ff7f0e", "U", details=ENCAMPMENT_DETAILS,
                 short="Encampment", synonyms=("traveller", "travellers", "caravans", "camp", "trespass")),
    IncidentKind("fly_tipping", "Fly-tipping", "#8c564b", "F", synonyms=("dumping", "dumped", "waste", "rubbish")),
    IncidentKind("livestock_worrying", "Livestock worrying", "#e377c2", "L", short="Livestock",
                 synonyms=("sheep", "dog attack", "cattle", "stock")),
    IncidentKind("fuel_theft", "Fuel theft", "#17becf", "D", synonyms=("stolen", "diesel", "red diesel", "oil")),
    IncidentKind("poaching_wildlife", "Poaching / wildlife crime", "#2ca02c", "P", short="Poaching",
                 synonyms=("poacher", "deer", "lamping", "badger", "birds of prey", "fish")),
    IncidentKind("heritage_crime", "Heritage crime", "#9467bd", "R",
                 synonyms=("nighthawking", "metal detecting", "lead", "church", "monument")),
    IncidentKind("farm_burglary", "Farm burglary", "#393b79", "B",
                 synonyms=("break-in", "break in", "outbuilding", "barn", "shed", "stolen", "theft")),
    IncidentKind("suspicious_activity", "Suspicious activity", "#7f7f7f", "S", short="Suspicious",
                 synonyms=("suspicious vehicle", "sighting", "intelligence")),
    IncidentKind("other_rural", "Other rural crime", "#bcbd22", "O", short="Other rural"),
)

_BY_KEY = {kind.key: kind for kind in KINDS}

ALL_DETAIL_FIELDS: tuple[DetailField, ...] = tuple(f for kind in KINDS for f in kind.details)


def kind_by_key(key: str) -> IncidentKind:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise KeyError(f"unknown incident kind {key!r} (known: {known})") from None


def is_kind(key: str) -> bool:
    return key in _BY_KEY


def kind_name(key: str) -> str:
    kind = _BY_KEY.get(key)
    return kind.name if kind else key


@dataclass(frozen=True)
class KindChoice:
    """An entry of the kind box's list: a kind, or a kind with one of its sub-kinds ("Equipment theft (GPS unit)")."""

    kind: str
    subkind: str | None
    label: str


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.casefold()).split() if w]


def _matches(query: list[str], names: tuple[str, ...]) -> bool:
    """Every word typed starts a word of one of `names` ("quad" finds "Quad bike / ATV", "enc" "encampment")."""
    words = [w for name in names for w in _words(name)]
    return all(any(w.startswith(q) for w in words) for q in query)


def kind_choices() -> list[KindChoice]:
    """Every kind, then each kind with each of its sub-kinds, in catalogue order."""
    found = []
    for kind in KINDS:
        found.append(KindChoice(kind.key, None, kind.name))
        found.extend(KindChoice(kind.key, key, f"{kind.name} ({name})") for key, name in kind.subkinds)
    return found


def _ranked(query: list[str]) -> list[tuple[int, int, KindChoice]]:
    """(rank, catalogue order, choice) of each choice `query` names: 0 a kind by its own name, 1 a kind with a
    sub-kind the query names, 2 a kind by a synonym."""
    ranked: list[tuple[int, int, KindChoice]] = []
    for order, choice in enumerate(kind_choices()):
        kind = _BY_KEY[choice.kind]
        if choice.subkind is None:
            if _matches(query, (kind.name,)):
                ranked.append((0, order, choice))
            elif _matches(query, (kind.name, *kind.synonyms)):
                ranked.append((2, order, choice))
            continue
        own = (dict(kind.subkinds)[choice.subkind], *EQUIPMENT_SYNONYMS.get(choice.subkind, ()))
        # Only when some word typed is the sub-kind's own ("theft" alone lists the kind, not its five sub-kinds).
        if _matches(query, (kind.name, *kind.synonyms, *own)) and any(_matches([q], own) for q in query):
            ranked.append((1, order, choice))
    return ranked


def find_kinds(text: str) -> list[KindChoice]:
    """The kinds (and kinds with a sub-kind) that `text` names by any word of their names or synonyms, best first.
    "Theft" found nothing when only a name's start was matched (the kind is "Equipment theft"). A kind named by its
    own name comes first, then a kind with a sub-kind the text names ("quad": Equipment theft (Quad bike / ATV)),
    then a kind found by a synonym. Empty text: every kind, without sub-kinds."""
    query = _words(text)
    if not query:
        return [KindChoice(k.key, None, k.name) for k in KINDS]
    return [choice for _rank, _order, choice in sorted(_ranked(query), key=lambda r: (r[0], r[1]))]


@dataclass(frozen=True)
class KindSearch:
    """What a search text names among the kinds: whole kinds, and (kind, sub-kind) pairs."""

    kinds: tuple[str, ...] = ()
    subkinds: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds or self.subkinds)


def search_kinds(text: str) -> KindSearch:
    """The incidents' kinds a search text names, by the kind box's rule (`find_kinds`): the incident search finds
    incidents of these as well as those whose place, description, items ... hold the text. A kind named by its own
    name is searched whole; a kind found by a synonym only through the sub-kinds the text names, when it names any
    ("quad" finds quad bike thefts, not every equipment theft; "stolen" every theft). Empty text names none."""
    query = _words(text)
    if not query:
        return KindSearch()
    ranked = _ranked(query)
    with_subkind = {choice.kind for _rank, _order, choice in ranked if choice.subkind is not None}
    kinds = tuple(choice.kind for rank, _order, choice in ranked
                  if rank == 0 or (rank == 2 and choice.kind not in with_subkind))
    subkinds = tuple((choice.kind, choice.subkind) for _rank, _order, choice in ranked
                     if choice.subkind is not None and choice.kind not in kinds)
    return KindSearch(kinds, subkinds)
