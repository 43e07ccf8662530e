"""`ruralwatch basemap add|list|remove`: offline basemaps from MBTiles files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    basemap = commands.add_parser("basemap", help="offline basemaps from MBTiles files")
    basemap_actions = basemap.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    basemap_add = basemap_actions.add_parser("add", help="register an MBTiles file (PNG or JPEG tiles)")
    basemap_add.add_argument("file", type=Path)
    basemap_add.add_argument("--name", help="name shown in the map's layer list (default: the file's own)")
    basemap_add.add_argument("--copy", action="store_true",
                             help="copy the file into the basemaps folder beside the database first (for a file on "
                                  "a USB stick or network drive); the copy moves with the data folder")
    basemap_list = basemap_actions.add_parser("list", help="registered basemaps")
    basemap_list.add_argument("--json", action="store_true")
    basemap_remove = basemap_actions.add_parser(
        "remove", help="forget a basemap (a file you pointed at is left alone; a copy made with --copy is deleted)")
    basemap_remove.add_argument("name")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.basemaps import BasemapService

    service = BasemapService(store)
    if args.action == "add":
        added = service.add(args.file, args.name, copy=args.copy)
        where = f"copied to {added.path}" if added.managed else f"from {added.path}"
        print(f"added basemap {added.name!r} ({added.format}, zoom {added.minzoom}-{added.maxzoom}) {where}")
    elif args.action == "remove":
        removed = service.remove(args.name)
        fate = "its copy was deleted" if removed.managed else "is untouched"
        print(f"removed basemap {removed.name!r} (the file {removed.path} {fate})")
    elif args.action == "list":
        basemaps = service.list()
        if args.json:
            print_json([
                {"id": b.id, "name": b.name, "path": b.path, "format": b.format, "minzoom": b.minzoom,
                 "maxzoom": b.maxzoom, "bounds": b.bounds, "attribution": b.attribution, "copy": b.managed,
                 "problem": service.check(b)}
                for b in basemaps
            ])
        else:
            for b in basemaps:
                problem = service.check(b)
                state = f"  NOT USABLE: {problem}" if problem else ""
                print(f"{b.name:24} {b.format:4} z{b.minzoom}-{b.maxzoom}  {b.path}{state}")
    return ExitCode.OK


SPEC = SignedInCommand(("basemap",), add_parsers, run)
