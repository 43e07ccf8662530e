"""UK vehicle registration marks (VRMs): normalisation and format recognition.

Formats recognised (DVLA and DVA Northern Ireland):
- current (since 2001): two letters, two-digit age identifier, three letters, e.g. ``AB12 CDE``
- prefix (1983-2001): letter, 1-3 digits, three letters, e.g. ``A123 BCD``
- suffix (1963-1983): three letters, 1-3 digits, letter, e.g. ``ABC 123D``
- Northern Ireland: optional letter, a two-letter code containing I or Z, 1-4 digits, e.g. ``AIZ 1234``
- dateless (before 1963): 1-3 letters then 1-4 digits, or 1-4 digits then 1-3 letters, e.g. ``1 ABC``
"""

from __future__ import annotations

import re

from ruralwatch.core.errors import ValidationError

_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("current", re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}")),
    ("prefix", re.compile(r"[A-Z][0-9]{1,3}[A-Z]{3}")),
    ("suffix", re.compile(r"[A-Z]{3}[0-9]{1,3}[A-Z]")),
    ("northern_ireland", re.compile(r"[A-Z]?(?:[A-Z][IZ]|[IZ][A-Z])[0-9]{1,4}")),
    ("dateless", re.compile(r"[A-Z]{1,3}[0-9]{1,4}|[0-9]{1,4}[A-Z]{1,3}")),
)

_SEPARATORS = re.compile(r"[\s\-.]+")


def normalise_vrm(text: str) -> str:
    """Upper case with spaces, hyphens and dots removed: the form VRMs are stored and matched in."""
    return _SEPARATORS.sub("", text).upper()


def vrm_format(text: str) -> str | None:
    """The name of the format a VRM matches, or None. Accepts any spacing or case."""
    vrm = normalise_vrm(text)
    if not 2 <= len(vrm) <= 8:
        return None
    for name, pattern in _FORMATS:
        if pattern.fullmatch(vrm):
            return name
    return None


def parse_vrm(text: str, field: str = "vrm") -> str:
    """Validate and normalise a VRM, raising ValidationError with an explanation when it is not one."""
    vrm = normalise_vrm(text)
    if not vrm:
        raise ValidationError.single(field, "registration is empty")
    if vrm_format(vrm) is None:
        raise ValidationError.single(
            field,
            f"{text.strip()!r} is not a UK registration (e.g. AB12 CDE, A123 BCD, ABC 123D, 1 ABC, AIZ 1234)",
        )
    return vrm


def display_vrm(vrm: str) -> str:
    """The conventional spaced form for display: ``AB12CDE`` -> ``AB12 CDE``."""
    vrm = normalise_vrm(vrm)
    fmt = vrm_format(vrm)
    if fmt in ("current", "prefix"):
        return f"{vrm[:-3]} {vrm[-3:]}"
    if fmt == "suffix":
        return f"{vrm[:3]} {vrm[3:]}"
    match = re.fullmatch(r"([A-Z]+)([0-9]+)|([0-9]+)([A-Z]+)", vrm)
    if match:
        parts = [p for p in match.groups() if p]
        return " ".join(parts)
    return vrm
