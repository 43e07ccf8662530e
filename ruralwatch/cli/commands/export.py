"""Headless export command for force analysts: incidents, patrols (routes, stops, logs), duties and hours as CSV,
GeoJSON or an Excel workbook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.errors import named_by_option
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.kinds import KINDS
from ruralwatch.io.export_choices import FORMATS, WHAT_NAMES, WHATS

if TYPE_CHECKING:
    from ruralwatch.store.database import Store

DESCRIPTION = (
    "Export for analysts what --what names: "
    + "; ".join(f"{what}: {WHAT_NAMES[what]}" for what in WHATS)
    + ". Deleted records never. Times in UTC and UK local time, places as latitude/longitude and OS grid "
    "reference. CSV is UTF-8 with a byte-order mark for Excel; GeoJSON is a FeatureCollection in WGS 84 (incidents, "
    "stops and log entries as points, a patrol as its planned route, duties and hours without geometry); XLSX holds "
    "one sheet per table (incidents add Vehicles and Stolen items; `all` adds a README sheet saying what every "
    "column means). `--what all` as CSV or GeoJSON writes a folder of files, one per table (--out a new or empty "
    "folder). Crew are named by collar number and role. The file appears only when complete, and every export is "
    "in the audit log."
)


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of its own; the sub-parsers action already makes CliParsers
    exporting = commands.add_parser(
        "export", help="export incidents, patrols, duties or hours for analysts (CSV, GeoJSON or XLSX)",
        description=DESCRIPTION,
    )
    exporting.add_argument("--what", choices=WHATS, default="incidents",
                           help="what to export (default: incidents)")
    exporting.add_argument("--format", choices=FORMATS,
                           help="file format (default: from the --out file name's ending)")
    exporting.add_argument("-o", "--out", "--output", dest="out", required=True, type=Path, metavar="PATH",
                           help="file to write (replaced); for --what all as CSV or GeoJSON a new or empty folder")
    exporting.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                           help="first day (UK local), inclusive: incidents by when they happened, patrols and duties "
                                "by their planned start, hours by month")
    exporting.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (UK local), inclusive")
    exporting.add_argument("--kind", action="append", default=[], metavar="KIND",
                           help=f"only incidents of this kind, repeatable; one of: {', '.join(k.key for k in KINDS)}")
    exporting.add_argument(
        "--include-personal", action="store_true",
        help="include personal data, left out by default: reporters' names and phone numbers with incidents (roles "
             "entitled to reporters' details), people's names with patrols, duties and hours (roles entitled to "
             "volunteers' details). Share such a file only with those entitled to it. Vehicle registrations are "
             "exported only for roles entitled to reporters' details",
    )


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.io.exports import ExportOptions
    from ruralwatch.services.exporting import ExportService

    try:
        options = ExportOptions.parse(args.date_from, args.date_to, args.kind, args.include_personal, args.what)
    except ValidationError as exc:
        raise named_by_option(exc) from None
    print(ExportService(store).export(options, args.format, args.out).summary())
    return ExitCode.OK


SPEC = SignedInCommand(("export",), add_parsers, run)
