"""A refusal in the words of the person who typed the command.

The services name each bad field as the window's forms do (`train_from`, `collar_number`), so a form can outline
the widget; the command line's user typed options (`--train-from`, `--collar`). `in_user_words` gives each field
as the option the user typed for it in the command that ran, else in plain words. One table for every command:
the services' field names are one vocabulary, whichever command reaches them.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ruralwatch.core.errors import FieldError, RuralWatchError, ValidationError

# A service's field -> the options' dests that may give it, where the names differ; the first the command that
# ran has wins (`from` is `--from`, dest date_from in `duty list` and month_from in `roster hours`).
FIELD_DESTS: dict[str, tuple[str, ...]] = {
    "from": ("date_from", "month_from"),
    "to": ("date_to", "month_to"),
    "collar_number": ("collar",),
    "monthly_commitment_hours": ("commitment",),
    "independent_patrol": ("independent",),
    "driving_authorised": ("driver",),
    "required_skills": ("needs",),
    "allowed_roles": ("roles",),
    "dwell_minutes": ("dwell",),
    "speed_kmh": ("speed",),
    "released_vehicles": ("release",),
    "serial_number": ("serial",),
    "schemes": ("scheme",),
    "visited_on": ("date",),
    "closed_on": ("closed",),
    "registered_on": ("registered",),
    "repeat_window_days": ("days",),
    "bands": ("distance_bands",),
    "premises_id": ("premises",),
    "incident_id": ("incident",),
    "mapping": ("map",),
    "near_repeat_metres": ("metres",),
    "near_repeat_days": ("days",),
}

# Fields no option of the command gives, in plain words (a field of one word is left as it is: `location`).
PLAIN_WORDS: dict[str, str] = {
    "window_to": "alert window",
    "window_part": "alert window",
    "area_level": "alert area",
    "password_again": "password typed again",
    "start_point": "patrol base",
    "max_candidates": "places to visit",
    "how_to_report": "how to report",
    "min_crew": "smallest crew",
    "max_crew": "largest crew",
    "dose_radius_m": "dose radius",
    "incident_id": "incident",
    "premises_id": "premises",
    "serial_number": "serial number",
    "collar_number": "collar number",
    "monthly_commitment_hours": "monthly commitment",
    "required_skills": "skills needed",
    "allowed_roles": "roles allowed",
    "dwell_minutes": "minutes at each stop",
    "speed_kmh": "speed",
    "road_factor": "road factor",
    "released_vehicles": "vehicles released",
    "contact_phone": "contact phone",
    "contact_email": "contact email",
    "grid_ref": "grid reference",
    "visited_on": "visit date",
    "closed_on": "closing date",
    "repeat_window_days": "repeat window",
}


def chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[argparse.ArgumentParser]:
    """The parsers `args` went through, the whole grammar's first and the command's own (its action's) last."""
    path = [parser]
    while True:
        subparsers = next((a for a in path[-1]._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, subparsers.dest, None) if subparsers is not None else None
        if subparsers is None or name not in subparsers.choices:
            return path
        path.append(subparsers.choices[name])


def _shown(action: argparse.Action, argv: Sequence[str]) -> str:
    """The option as typed (`-o` or `--output`), else its long form; a positional as its usage names it."""
    if not action.option_strings:
        return str(action.metavar or action.dest)
    for token in argv:
        for option in action.option_strings:
            if token == option or token.startswith(f"{option}="):
                return option
    return next((o for o in action.option_strings if o.startswith("--")), action.option_strings[0])


def option_names(path: Sequence[argparse.ArgumentParser], argv: Sequence[str]) -> dict[str, str]:
    """dest -> the option as the user typed it, for every option of the command that ran and the global ones; the
    command's own win (its `--from` over nothing global)."""
    names: dict[str, str] = {}
    for parser in path:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction | argparse._VersionAction):
                continue
            names[action.dest] = _shown(action, argv)
    return names


def field_in_user_words(field: str, options: dict[str, str]) -> str:
    if field.startswith("-"):  # the command named the option itself
        return field
    for dest in (field, *FIELD_DESTS.get(field, ())):
        if dest in options:
            return options[dest]
    return PLAIN_WORDS.get(field, field.replace("_", " "))


def in_user_words(exc: ValidationError, options: dict[str, str]) -> ValidationError:
    """The same refusal, each field named as the option the user typed for it, or in plain words."""
    if str(exc) != "; ".join(str(e) for e in exc.errors):
        return exc  # a headline of its own, without field names (a broken rostering rule)
    return ValidationError([FieldError(field_in_user_words(e.field, options), e.message) for e in exc.errors])


NOTHING_CHANGED = "nothing was changed"


def refusal(exc: RuralWatchError) -> str:
    """The line for a refusal. One that changed nothing by its nature (a wrong password, a locked account: the
    error's `nothing_changed`) ends "; nothing was changed", as the windows' messages for it and the command line's
    other refusals do, whichever command asked for the password."""
    text = str(exc)
    if getattr(exc, "nothing_changed", False) and NOTHING_CHANGED not in text:
        text += f"; {NOTHING_CHANGED}"
    return text
