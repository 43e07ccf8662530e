"""Retention of personal data from the command line: settings, a preview of what is due, then anonymisation.

`retention apply` changes nothing without `--yes`: it prints the preview and exits 2, so a script that forgets
the flag fails loudly instead of quietly anonymising.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.errors import named_by_option
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.words import plural

if TYPE_CHECKING:
    from ruralwatch.services.retention import RetentionPreview, RetentionService, RetentionSettings
    from ruralwatch.store.database import Store


def _clock_text(category: str) -> str:
    """What starts a category's clock, for `retention show` (the service is imported only when a command runs)."""
    from ruralwatch.services.retention import PREMISES, REPORTER, SUSPECT_VRM, TRACKS, VICTIM_VRM, VOLUNTEER

    return {
        REPORTER: "after the incident closes",
        VOLUNTEER: "after the person leaves",
        VICTIM_VRM: "after the incident closes",
        SUSPECT_VRM: "after the incident closes",
        TRACKS: "after the patrol ends",
        PREMISES: "after the premises leaves the register",
    }[category]


class RetentionOptionError(RuralWatchError):
    """Options that do not go together; nothing was written."""


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    retention = commands.add_parser("retention", help="retention of personal data: settings, preview, anonymise")
    actions = retention.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    show = actions.add_parser("show", help="the retention periods and when retention was last applied")
    show.add_argument("--json", action="store_true")

    setting = actions.add_parser("set", help="change retention periods in months (0 = keep for ever)")
    setting.add_argument("--reporter-months", type=int, metavar="N",
                         help="reporter name and phone, months after the incident closes")
    setting.add_argument("--volunteer-months", type=int, metavar="N",
                         help="contact details of people who left, months after they leave")
    setting.add_argument("--victim-vrm-months", type=int, metavar="N",
                         help="victim and witness vehicle registrations, months after the incident closes")
    setting.add_argument("--suspect-vrm-months", type=int, metavar="N",
                         help="suspect vehicle registrations (default 0: kept as vehicles-of-interest intelligence)")
    setting.add_argument("--track-months", type=int, metavar="N",
                         help="recorded patrol tracks (where the crew went), months after the patrol ended")
    setting.add_argument("--premises-months", type=int, metavar="N",
                         help="contact details of premises, months after they leave the register")

    preview = actions.add_parser("preview", help="what would be anonymised (changes nothing)")
    preview.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to work it out for (default today)")
    preview.add_argument("--json", action="store_true")

    apply = actions.add_parser("apply", help="anonymise what is due (needs --yes)")
    apply.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to work it out for (default today)")
    apply.add_argument("--yes", action="store_true", help="really anonymise; without it only the preview is shown")
    apply.add_argument("--token", help="refuse unless what is due is still exactly what that preview showed")
    apply.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.retention import CATEGORY_SETTING, RetentionService

    service = RetentionService(store)
    if args.action == "show":
        settings = service.settings()
        last = service.last_run()
        if args.json:
            print_json({"settings": settings.to_dict(), "last_run": last})
        else:
            _print_settings(settings)
            if last:
                print(f"last applied {times.format_local(last['applied_at'])} (as of {last['as_of']}):"
                      f" {last['total']} records anonymised")
            else:
                print("never applied on this laptop")
    elif args.action == "set":
        wanted = {name: getattr(args, name) for name in CATEGORY_SETTING.values()}
        if all(value is None for value in wanted.values()):
            raise RetentionOptionError(
                "give at least one of --reporter-months, --volunteer-months, --victim-vrm-months, "
                "--suspect-vrm-months, --track-months, --premises-months"
            )
        try:
            settings = service.set_settings(**wanted)
        except ValidationError as exc:
            raise named_by_option(exc) from None
        _print_settings(settings)
    elif args.action == "preview":
        preview = service.preview(_as_of(args))
        if args.json:
            print_json(preview.to_dict())
        else:
            _print_preview(preview)
            if preview.total:
                print(f"to anonymise: ruralwatch retention apply --as-of {preview.as_of.isoformat()}"
                      f" --token {preview.token} --yes")
    elif args.action == "apply":
        return _apply(service, args)
    return ExitCode.OK


def _apply(service: RetentionService, args: argparse.Namespace) -> int:
    from ruralwatch.services.retention import CATEGORY_NAMES

    as_of = _as_of(args)
    if not args.yes:
        preview = service.preview(as_of)
        print_json(preview.to_dict()) if args.json else _print_preview(preview)
        print(f"nothing was changed: {preview.total} records are due; run again with --yes to anonymise them",
              file=sys.stderr)
        return ExitCode.NOT_DONE
    result = service.apply(as_of, args.token)
    if args.json:
        print_json(result.to_dict())
    else:
        for key, label in CATEGORY_NAMES.items():
            print(f"{result.counts[key]:6}  {label}")
        print(f"{result.total} records anonymised ({result.fields_changed} fields) as of {result.as_of.isoformat()}")
    return ExitCode.OK


def _as_of(args: argparse.Namespace) -> date | None:
    return times.parse_date(args.as_of, "as-of") if args.as_of else None


def _period(months: int) -> str:
    if not months:
        return "kept for ever"
    return f"{months} {plural(months, 'month')}"


def _print_settings(settings: RetentionSettings) -> None:
    from ruralwatch.services.retention import CATEGORY_NAMES

    for key, label in CATEGORY_NAMES.items():
        months = settings.months_for(key)
        clock = f" {_clock_text(key)}" if months else ""
        print(f"{label:64} {_period(months)}{clock}")


def _print_preview(preview: RetentionPreview) -> None:
    print(f"retention as of {preview.as_of.isoformat()}: {preview.total} records due")
    for category in preview.categories:
        print(f"\n{category.label} ({_period(category.months)}): {category.count}")
        for record in category.records:
            print(f"  due {record.due_on.isoformat()} (from {record.clock_started.isoformat()})  {record.record_id}"
                  f"  {record.description}  [{', '.join(record.fields)}]")


SPEC = SignedInCommand(("retention",), add_parsers, run)
