"""`ruralwatch import police-uk PATH...`: published crime data, kept apart from your own incidents."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json, progress_lines
from ruralwatch.cli.spec import SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    imports = commands.add_parser("import", help="import published data, kept apart from your own incidents")
    import_sources = imports.add_subparsers(dest="action", metavar="SOURCE", required=True, parser_class=parser_class)
    police_uk = import_sources.add_parser(
        "police-uk", help="data.police.uk street-level crime CSV files (a folder means its *.csv files)"
    )
    police_uk.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    police_uk.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    """All files or none: a file that is not a street-level CSV stops the import before anything is written."""
    from ruralwatch.services.published import PublishedCrimeService

    if args.action == "police-uk":
        from ruralwatch.services.analysis import AnalysisService
        from ruralwatch.services.harm import HarmService

        report = PublishedCrimeService(store).import_paths(args.paths, None if args.json else progress_lines())
        if args.json:
            print_json(report.to_dict())
        else:
            print(report.summary())
            # As the window's import box: another force's files are held but every analysis leaves them out.
            note = AnalysisService(store, HarmService(store)).other_forces_note()
            if note:
                print(f"warning: {note}")
    return ExitCode.OK


SPEC = SignedInCommand(("import",), add_parsers, run)
