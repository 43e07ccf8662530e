"""The symbols the map and the briefing pack share, besides the incident kinds (core.kinds: coloured circles
with the kind's letter).

Each symbol differs from the others by shape and colour, not only by what is written in it: a new user took
numbered stops, ranked hotspots and cluster counts for one thing, and read "B" and "S" both as an incident kind
(farm burglary, suspicious activity) and as the patrol's base or start. So no symbol here carries a letter, and
the shapes are: a teardrop pin (stop), a house (base), a square (hotspot cell), a haloed circle (cluster), a
dashed ring drawn to scale (near-repeat risk zone: its radius in metres round the incident), a small slate square
with a white house in it (registered premises: not the base's black house, not a hotspot's numbered red square),
outlined red when the premises was victimised within the repeat window.
The page gets them through RW_CONFIG; the briefing draws the same shapes in the same colours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapSymbol:
    key: str
    name: str  # as the legends say it
    shape: str  # pin, house, square, halo-circle, line
    colour: str  # fill
    outline: str
    text: str  # what is written in it: "#" for a number (visit order, rank, count), "" for nothing


ROUTE_COLOUR = "#0d47a1"
STOP = MapSymbol("stop", "Patrol stop (visit order)", "pin", ROUTE_COLOUR, "#ffd600", "#")
BASE = MapSymbol("base", "Base (start and finish)", "house", "#000000", "#ffffff", "")
ROUTE = MapSymbol("route", "Patrol route", "line", ROUTE_COLOUR, ROUTE_COLOUR, "")
HOTSPOT = MapSymbol("hotspot", "Hotspot cell (rank)", "square", "#7f0000", "#ffffff", "#")
CLUSTER = MapSymbol("cluster", "Several incidents (zoom in)", "halo-circle", "#6ecc39", "#b5e28c", "#")
# Deep purple and dashed: no incident kind is a ring, and the hotspot squares are red.
NEAR_REPEAT = MapSymbol("near_repeat", "Near-repeat risk zone", "dashed-ring", "#6a1b9a", "#6a1b9a", "")
# The premises register (services/premises.py): one shape, a red outline for a premises victimised within the repeat
# window (at raised risk of being hit again).
PREMISES = MapSymbol("premises", "Registered premises", "house-square", "#37474f", "#ffffff", "")
PREMISES_REPEAT = MapSymbol("premises_repeat", "Premises victimised within the repeat window", "house-square-red",
                            "#37474f", "#e53935", "")
SYMBOLS: tuple[MapSymbol, ...] = (STOP, BASE, ROUTE, HOTSPOT, CLUSTER, NEAR_REPEAT, PREMISES, PREMISES_REPEAT)
