"""Small OpenStreetMap files the road tests write themselves (no extract is shipped with the tests).

``write_river_town`` makes a made-up village near Saffron Walden cut in two by a river running east-west:
a tertiary road on the south bank, an unclassified lane on the north bank, one road bridge at the east end, a
footbridge at the west end (not drivable: a patrol car must use the road bridge) and a one-way loop on the south
bank. Every figure a test checks follows from these coordinates and ruralwatch.patrols.roads.ROAD_CLASSES.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

RIVER_LAT = 52.020
SOUTH_LAT = 52.015
NORTH_LAT = 52.025
WEST_LON = 0.230
STEP = 0.005
BRIDGE_LON = 0.285
FOOTBRIDGE_LON = 0.235
LOOP_LAT = 52.012

SOUTH_STOP = (52.0152, 0.235)  # beside the footbridge, south bank
NORTH_STOP = (52.0248, 0.235)  # across the river from it, north bank
LOOP_STOP = (52.0121, 0.245)  # on the one-way loop's bottom
FAR_STOP = (52.300, 0.700)  # far outside the extract: no road within the snap limit


@dataclass
class OsmWriter:
    lines: list[str]
    next_id: int = 1

    def node(self, lat: float, lon: float) -> int:
        node_id = self.next_id
        self.next_id += 1
        self.lines.append(f' <node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
        return node_id

    def way(self, refs: Sequence[int], **tags: str) -> None:
        way_id = self.next_id
        self.next_id += 1
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        self.lines.append(f' <way id="{way_id}" version="1">{body}</way>')

    def text(self) -> str:
        return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="ruralwatch-tests">',
                          *self.lines, "</osm>", ""])


def write_river_town(path: Path) -> Path:
    osm = OsmWriter([])
    count = round((0.290 - WEST_LON) / STEP) + 1
    lons = [round(WEST_LON + i * STEP, 6) for i in range(count)]
    south = [osm.node(SOUTH_LAT, lon) for lon in lons]
    north = [osm.node(NORTH_LAT, lon) for lon in lons]
    bridge = osm.node(RIVER_LAT, BRIDGE_LON)
    foot = osm.node(RIVER_LAT, FOOTBRIDGE_LON)
    loop = [osm.node(LOOP_LAT, 0.240), osm.node(LOOP_LAT, 0.245), osm.node(LOOP_LAT, 0.250)]
    river = [osm.node(RIVER_LAT, lon) for lon in lons]
    osm.way(south, highway="tertiary", name="South Street")
    osm.way(north, highway="unclassified", name="North Lane")
    osm.way([south[lons.index(BRIDGE_LON)], bridge, north[lons.index(BRIDGE_LON)]], highway="tertiary",
            bridge="yes", name="Mill Bridge")
    osm.way([south[lons.index(FOOTBRIDGE_LON)], foot, north[lons.index(FOOTBRIDGE_LON)]], highway="footway",
            bridge="yes")
    osm.way([south[lons.index(0.240)], *loop, south[lons.index(0.250)]], highway="residential", oneway="yes",
            name="Loop Close")
    osm.way(river, waterway="river", name="River Cam")
    path.write_text(osm.text(), encoding="utf-8")
    return path


def write_corrupt_pbf(path: Path) -> Path:
    """Bytes that start like nothing pyosmium knows: a download cut short, or the wrong file renamed."""
    path.write_bytes(b"\x00\x00\x00\x0dOSMHeader-broken" + bytes(range(256)) * 8)
    return path


def write_truncated_osm(path: Path) -> Path:
    text = write_river_town(path).read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return path
