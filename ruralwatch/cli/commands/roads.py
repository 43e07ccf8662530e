"""`ruralwatch roads import|show`: the road network that plans are timed on (an OpenStreetMap extract)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json, progress_lines
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    roads = commands.add_parser("roads", help="the road network patrol plans are timed on (OpenStreetMap)")
    actions = roads.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    imp = actions.add_parser("import", help="read an OpenStreetMap extract (.osm.pbf or .osm) into the road "
                                           "network beside the database, replacing the one before")
    imp.add_argument("file", type=Path)
    show = actions.add_parser("show", help="the imported road network: its size, extent, file and when")
    show.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.roads import ATTRIBUTION, RoadService

    service = RoadService(store)
    if args.action == "import":
        imported = service.import_file(args.file, progress_lines())  # in the window's words, on stderr
        print(f"imported {imported.ways:,} roads from {imported.source}: {imported.nodes:,} junctions, "
              f"{imported.edges:,} road links, into {service.path}")
        print(ATTRIBUTION)
    elif args.action == "show":
        info = service.info()
        if args.json:
            print_json(None if info is None else {**info.to_dict(), "file": str(service.path),
                                                  "attribution": ATTRIBUTION})
        elif info is None:
            print("no road network: plans are timed on the straight line × the road factor "
                  "(`ruralwatch roads import FILE.osm.pbf` adds one)")
        else:
            south, west, north, east = info.extent
            print(f"file      {service.path}")
            print(f"from      {info.source}, imported {times.format_local(info.imported_at)}")
            print(f"size      {info.ways:,} roads, {info.nodes:,} junctions, {info.edges:,} road links, "
                  f"{info.points:,} points")
            print(f"extent    {south:.4f}, {west:.4f} to {north:.4f}, {east:.4f} (lat, lon)")
            print(ATTRIBUTION)
    return ExitCode.OK


SPEC = SignedInCommand(("roads",), add_parsers, run)
