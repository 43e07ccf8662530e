"""Read an OpenStreetMap extract (.osm.pbf or .osm XML) into a road network, and keep it in a file beside the
database.

The reader is pyosmium (the OSM project's own libosmium): it reads both formats, keeps node locations for the
ways in an index of its own, and refuses a damaged file with a RuntimeError naming the problem.

The network file is a NumPy ``.npz`` (a zip of plain arrays, written uncompressed and read with
``allow_pickle=False``, so opening it can never run code). Why not SQLite: the router needs the whole network as
arrays in memory, and ``np.load`` gives exactly those in tens of milliseconds for a county, with no schema to
migrate; the network is derived data (imported again from the extract at any time), is never synced, and holds
nothing about people. Its description (source file, when, counts) is a JSON text array inside the same file, so
the two can never disagree.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError
from ruralwatch.patrols.roads import (
    ATTRIBUTION,
    RoadNetwork,
    build_network,
    network_from_arrays,
    way_direction,
    way_speed_kmh,
)

FORMAT = 1  # bumped when the arrays change meaning; an older file is refused with "import it again"
SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
PROGRESS_EVERY = 20_000  # ways between progress reports (and cancel checks): several a second on a county


__all__ = ["ATTRIBUTION", "NetworkInfo", "RoadNetworkError", "load_network", "read_info", "read_osm", "save_network"]


class RoadNetworkError(RuralWatchError):
    pass


@dataclass(frozen=True)
class NetworkInfo:
    source: str  # the extract's file name
    imported_at: str  # storage time text (UTC)
    nodes: int  # graph nodes (junctions and ends)
    edges: int  # directed edges between them
    points: int  # every road point, shape points included
    ways: int  # drivable OSM ways read
    extent: tuple[float, float, float, float]  # south, west, north, east

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "imported_at": self.imported_at, "nodes": self.nodes, "edges": self.edges,
                "points": self.points, "ways": self.ways, "extent": list(self.extent)}


def read_osm(path: Path, progress: ProgressCallback | None = None) -> tuple[RoadNetwork, int]:
    """The drivable roads of an OSM file as a network, with the number of ways read. RoadNetworkError for a file
    that is missing, of another kind, damaged or without a drivable road; CancelledError when progress says so."""
    import osmium

    path = Path(path)
    if not path.name.lower().endswith(SUFFIXES):
        raise RoadNetworkError(f"{path.name} is not an OpenStreetMap extract (expected .osm.pbf or .osm)")
    if not path.is_file():
        raise RoadNetworkError(f"{path} is not there (or is not a file)")
    index: dict[int, int] = {}
    lats: list[float] = []
    lons: list[float] = []
    seg_from: list[int] = []
    seg_to: list[int] = []
    seg_kmh: list[float] = []
    ways = 0
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {tag.k: tag.v for tag in obj.tags}
            speed = way_speed_kmh(tags)
            if speed is None:
                continue
            refs: list[int] = []
            for node in obj.nodes:
                location = node.location
                if not location.valid():
                    continue  # a node cut off by the extract's edge: the way goes on without it
                known = index.get(node.ref)
                if known is None:
                    known = index[node.ref] = len(lats)
                    lats.append(location.lat)
                    lons.append(location.lon)
                refs.append(known)
            if len(refs) < 2:
                continue
            direction = way_direction(tags)
            starts, ends = refs[:-1], refs[1:]
            if direction >= 0:
                seg_from += starts
                seg_to += ends
            if direction <= 0:
                seg_from += ends
                seg_to += starts
            seg_kmh += [speed] * (len(starts) * (1 if direction else 2))
            ways += 1
            if (progress is not None and ways % PROGRESS_EVERY == 0
                    and not progress(ways, 0, f"Reading {path.name}: {ways:,} roads read so far")):
                raise CancelledError("cancelled: the road network was not changed")
    except RuntimeError as exc:  # pyosmium's word for a damaged or unreadable file
        raise RoadNetworkError(f"{path.name} could not be read as OpenStreetMap data ({exc}); the road network "
                               "was not changed") from None
    if not seg_from:
        raise RoadNetworkError(f"{path.name} holds no drivable roads; the road network was not changed")
    network = build_network(np.asarray(lats), np.asarray(lons), np.asarray(seg_from), np.asarray(seg_to),
                            np.asarray(seg_kmh))
    if network.edge_count == 0:
        raise RoadNetworkError(f"{path.name} holds no connected drivable roads; the road network was not changed")
    return network, ways


def save_network(network: RoadNetwork, info: NetworkInfo, target: Path) -> None:
    """Write the network file whole to a temporary file beside ``target``, then rename it into place: a failure
    or a pulled plug leaves the previous network as it was."""
    target = Path(target)
    temporary = ""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            arrays: dict[str, Any] = {**network.arrays(),
                                      "meta": np.asarray(json.dumps({**info.to_dict(), "format": FORMAT}))}
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as exc:  # the disk beside the database full, or the folder read-only: said in words
        raise RoadNetworkError(f"the road network could not be written to {target.parent}: {exc.strerror or exc}; "
                               "the road network was not changed") from None
    finally:
        if temporary:
            Path(temporary).unlink(missing_ok=True)


def load_network(path: Path) -> tuple[RoadNetwork, NetworkInfo]:
    """The network and its description from ``path``; RoadNetworkError when the file is damaged or too old."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            info = _info(json.loads(str(data["meta"])))
            network = network_from_arrays({name: data[name] for name in data.files if name != "meta"})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise RoadNetworkError(f"the road network file {Path(path).name} is damaged ({exc}); import the extract "
                               "again") from None
    return network, info


def read_info(path: Path) -> NetworkInfo:
    """Only the description (reads one small array of the file)."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return _info(json.loads(str(data["meta"])))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise RoadNetworkError(f"the road network file {Path(path).name} is damaged ({exc}); import the extract "
                               "again") from None


def _info(meta: dict[str, Any]) -> NetworkInfo:
    if meta.get("format") != FORMAT:
        raise ValueError(f"format {meta.get('format')}, this version reads {FORMAT}")
    south, west, north, east = (float(v) for v in meta["extent"])
    return NetworkInfo(str(meta["source"]), str(meta["imported_at"]), int(meta["nodes"]), int(meta["edges"]),
                       int(meta["points"]), int(meta["ways"]), (south, west, north, east))
