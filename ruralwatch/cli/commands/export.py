"""Headless export command: incidents for force analysts as CSV, GeoJSON or an Excel workbook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.kinds import KINDS
from ruralwatch.io.exports import FORMATS, PENDING_NOTE, ExportOptions, resolve_format
from ruralwatch.services.exporting import ExportService
from ruralwatch.store.database import Store

DESCRIPTION = (
    "Export live incidents (deleted ones never) for analysts: one row or feature per incident with times in "
    "UTC and UK local time, OS grid reference, kind details, vehicles and stolen items. CSV is UTF-8 with a "
    "byte-order mark for Excel; GeoJSON is a FeatureCollection of points; XLSX adds Vehicles and Stolen "
    "items sheets. The file appears only when complete. " + PENDING_NOTE
)


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands of its own; the sub-parsers action already makes CliParsers
    exporting = commands.add_parser(
        "export", help="export incidents for analysts (CSV, GeoJSON or XLSX)", description=DESCRIPTION,
    )
    exporting.add_argument("--format", choices=FORMATS,
                           help="file format (default: from the --out file name's ending)")
    exporting.add_argument("--out", required=True, type=Path, metavar="PATH", help="file to write (replaced)")
    exporting.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (UK local), inclusive")
    exporting.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (UK local), inclusive")
    exporting.add_argument("--kind", action="append", default=[], metavar="KIND",
                           help=f"only this kind, repeatable; one of: {', '.join(k.key for k in KINDS)}")
    exporting.add_argument(
        "--include-personal", action="store_true",
        help="include personal data (reporter name and phone), which is left out by default; later only a role "
             "entitled to personal data may ask for it. Share such a file only with those entitled to it. "
             "Vehicle registrations are exported only for roles entitled to reporters' details",
    )


def run(args: argparse.Namespace, store: Store) -> int:
    options = ExportOptions.parse(args.date_from, args.date_to, args.kind, args.include_personal)
    fmt = resolve_format(args.format, args.out)
    print(ExportService(store).incidents(options, fmt, args.out).summary())
    return ExitCode.OK


SPEC = SignedInCommand(("export",), add_parsers, run)
