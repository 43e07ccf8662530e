"""The one catalogue of published crime types (data.police.uk) and the crime type choice of hotspots.

The street-level files name each crime's type in words ("Vehicle crime"); the API names it by a slug. Our own
incidents have kinds instead (core.kinds): a hotspot run's choice of types holds both, published types by their
name and our kinds by their key. No I/O and nothing heavy here: the window builds its list from it.
"""

from __future__ import annotations

import difflib

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import KINDS, is_kind, kind_name

# data.police.uk API crime category slugs -> the crime types of the street-level files.
API_CATEGORIES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour", "bicycle-theft": "Bicycle theft", "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson", "drugs": "Drugs", "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons", "public-order": "Public order", "robbery": "Robbery",
    "shoplifting": "Shoplifting", "theft-from-the-person": "Theft from the person", "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences", "other-crime": "Other crime",
    "public-disorder-weapons": "Public disorder and weapons",  # before 2013
}
PUBLISHED_CRIME_TYPES: tuple[str, ...] = tuple(sorted(API_CATEGORIES.values()))
TypeChoice = tuple[tuple[str, ...], tuple[str, ...]]  # (only these, leave out these): keys; both empty: all


def type_choices(source: str) -> list[tuple[str, str]]:
    """(key, name) of every type a hotspot run of `source` can count: published crime types (key = name), our
    incident kinds (key = the kind's key), or both for source "all"."""
    published = [(name, name) for name in PUBLISHED_CRIME_TYPES]
    ours = [(kind.key, kind.name) for kind in KINDS]
    return {"published": published, "incidents": ours}.get(source, published + ours)


def type_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Both lists under their headings, as one choice over both shows them (the Analysis panel, the planner)."""
    return [("Published crime (data.police.uk)", type_choices("published")),
            ("Our incidents", type_choices("incidents"))]


def type_name(key: str) -> str:
    """A chosen type in words: a kind's name, a published type as it is."""
    return kind_name(key) if is_kind(key) else key


def split_names(values: list[str] | None, field_name: str) -> tuple[str, ...]:
    """Type names as an option gives them, separate words or with commas between ("Burglary,Vehicle crime"). An
    option given with no name at all (`--types ""`) is refused: it silently meant every type."""
    if not values:
        return ()
    names = tuple(name.strip() for value in values for name in value.split(",") if name.strip())
    if not names:
        raise ValidationError.single(field_name, "no crime type named: give at least one, or leave the option out")
    return names


def resolve_types(names: tuple[str, ...], source: str, field_name: str) -> tuple[str, ...]:
    """The keys of the types named (by name or key, any case), in the order given, each once. An unknown name is one
    ValidationError on `field_name` naming the close ones and every known one: an analyst typing 'Burglery' or
    'vehicle' must learn what the data calls it."""
    choices = type_choices(source)
    by_word: dict[str, str] = {}
    for key, name in choices:
        by_word[key.casefold()] = key
        by_word[name.casefold()] = key
    keys: list[str] = []
    unknown: list[str] = []
    for raw in names:
        found = by_word.get(raw.strip().casefold())
        if found is None:
            unknown.append(raw.strip())
        elif found not in keys:
            keys.append(found)
    if unknown:
        names_known = [name for _key, name in choices]
        close = [m for u in unknown for m in difflib.get_close_matches(u, names_known, n=2, cutoff=0.6)]
        what = {"published": "the published crime types", "incidents": "our incident kinds"}.get(
            source, "the published crime types and our incident kinds")
        raise ValidationError.single(
            field_name,
            f"{', '.join(repr(u) for u in unknown)} {'is not a type' if len(unknown) == 1 else 'are not types'} of "
            f"this data" + (f" (did you mean {' or '.join(dict.fromkeys(close))}?)" if close else "")
            + f"; {what} are: {', '.join(names_known)}")
    return tuple(keys)


# Why nothing would be counted, per data: an analyst who ticked only Hare coursing (one of our kinds) and ran
# Accuracy on published crime read "every crime type is left out" and saw Hare coursing ticked.
NONE_CHOSEN = {
    "published": ("the crime types chosen are not in published crime (our own kinds, such as hare coursing, are "
                  "not published types): choose our incidents as the data, or tick a published crime type"),
    "incidents": ("the crime types chosen are not among our incidents (they are published crime types): choose "
                  "published crime as the data, or tick one of our kinds"),
    "all": "every crime type is left out: choose at least one",
}


def resolve_choice(kinds: tuple[str, ...], exclude_kinds: tuple[str, ...], source: str,
                   field_names: tuple[str, str] = ("types", "exclude_types")) -> TypeChoice:
    """(only these, leave out these) resolved to keys (`resolve_types`), or one ValidationError: every type left
    out is refused too, as nothing would be counted. The one check of every analysis and plan that takes a choice;
    `field_names`: the two fields a refusal names (the Knox test's are kinds)."""
    include = resolve_types(kinds, source, field_names[0])
    exclude = resolve_types(exclude_kinds, source, field_names[1])
    if exclude and not include and set(exclude) >= {key for key, _name in type_choices(source)}:
        raise ValidationError.single(field_names[1], NONE_CHOSEN.get(source, NONE_CHOSEN["all"]))
    if include and not set(include) - set(exclude):
        raise ValidationError.single(field_names[1], "every type chosen is also left out: choose at least one")
    return include, exclude


def keeps(label: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether a crime of this type (a published type's name or a kind's key) is counted by the choice."""
    return (not include or label in include) and label not in exclude


def types_words(include: tuple[str, ...], exclude: tuple[str, ...]) -> str:
    """Which types a run counted, in words: 'all', 'Burglary, Vehicle crime' or 'all but Shoplifting, …'."""
    if include:
        return ", ".join(type_name(k) for k in include if k not in exclude)
    if exclude:
        return "all but " + ", ".join(type_name(k) for k in exclude)
    return "all"


def types_short(include: tuple[str, ...], exclude: tuple[str, ...], names: int = 3) -> str:
    """`types_words` for a status line: up to `names` types by name, more counted ('5 types', 'all but 6 types').
    A long choice named every type and took six lines of a docked panel; the full list goes in its tooltip and the
    report."""
    if include:
        chosen = [k for k in include if k not in exclude]
        return types_words(include, exclude) if len(chosen) <= names else f"{len(chosen)} types"
    if len(exclude) > names:
        return f"all but {len(exclude)} types"
    return types_words(include, exclude)
