"""`ruralwatch central ...`: the central store, on either engine (ruralwatch.central).

`--into` / `--from` name a RuralWatch SQLite file (signed in as for any database: --user, the password file) or a
PostgreSQL database by libpq connection string (`postgresql://user@host/db`, `service=NAME`), by default
$RURALWATCH_CENTRAL_DSN. A PostgreSQL password comes from ~/.pgpass, $PGPASSFILE or a service file, never from the
command line; a sync passphrase from --passphrase-file or $RURALWATCH_SYNC_PASSPHRASE_FILE.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.central.errors import CentralError
from ruralwatch.central.target import DSN_ENV, FileTarget, PgTarget, Target, resolve
from ruralwatch.cli.commands.sync import REPLACE_KEY_HELP, conflict_id, import_line, merged_value
from ruralwatch.cli.errors import named_by_option
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json, progress_lines
from ruralwatch.cli.signin import open_signed_in, sync_passphrase
from ruralwatch.cli.spec import FileCommand, Phase
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.words import count_of
from ruralwatch.io.export_choices import FORMATS, WHATS
from ruralwatch.sync.merge import CHOICES

if TYPE_CHECKING:
    from ruralwatch.central.interface import CentralStatus, CentralStore

STORE_HELP = f"a RuralWatch database file, or a PostgreSQL connection string (default: ${DSN_ENV})"


def _passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", type=Path, metavar="FILE",
                        help="file holding the package passphrase (default: $RURALWATCH_SYNC_PASSPHRASE_FILE)")


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    central = commands.add_parser("central", help="the central store (a database file or PostgreSQL + PostGIS)")
    actions = central.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)

    init = actions.add_parser("init", help="create or upgrade a PostgreSQL central store (schema, identity)")
    init.add_argument("--into", metavar="DSN", help=f"PostgreSQL connection string (default: ${DSN_ENV})")
    init.add_argument("--roles", action="store_true",
                      help="also make the merge role and the read-only analyst role (views without personal data)")
    init.add_argument("--json", action="store_true")

    merge = actions.add_parser("merge", help="apply every new package in a folder, each once")
    merge.add_argument("folder", type=Path)
    merge.add_argument("--into", metavar="FILE|DSN", help=STORE_HELP)
    _passphrase_option(merge)
    merge.add_argument("--json", action="store_true")

    status = actions.add_parser("status", help="rows per table, devices, pending outgoing rows, open conflicts, "
                                               "audit alerts")
    status.add_argument("--from", dest="source", metavar="FILE|DSN", help=STORE_HELP)
    status.add_argument("--json", action="store_true")

    conflicts = actions.add_parser("conflicts", help="concurrent edits a merge found: both values, the newer one "
                                                     "kept (settle one with `central resolve`)")
    conflicts.add_argument("--from", dest="source", metavar="FILE|DSN", help=STORE_HELP)
    conflicts.add_argument("--all", action="store_true", help="include settled ones")
    conflicts.add_argument("--json", action="store_true")

    resolve_conflict = actions.add_parser("resolve", help="settle a conflict (a new edit, which reaches every laptop "
                                                         "with its next package)")
    resolve_conflict.add_argument("--into", metavar="FILE|DSN", help=STORE_HELP)
    resolve_conflict.add_argument("conflict_id", metavar="ID", help="the conflict's number, as `central conflicts` "
                                                                    "lists it")
    resolve_conflict.add_argument("choice", choices=CHOICES, help="mine: the central store's value; theirs: the one "
                                                                  "that came in; merged: --value")
    resolve_conflict.add_argument("--value", help="the merged value (JSON if it parses as JSON, else text)")

    trust = actions.add_parser("trust", help="accept packages signed by a laptop")
    trust.add_argument("--into", metavar="FILE|DSN", help=STORE_HELP)
    trust.add_argument("--device", required=True, metavar="ID")
    trust.add_argument("--key", required=True, metavar="HEX", help="the laptop's public key from `sync identity`")
    trust.add_argument("--name", help="a name to know it by")
    trust.add_argument("--replace-key", action="store_true", help=REPLACE_KEY_HELP)

    package = actions.add_parser("package", help="the outgoing package for one laptop (what it has not seen)")
    package.add_argument("--from", dest="source", metavar="FILE|DSN", help=STORE_HELP)
    package.add_argument("--for", dest="device", required=True, metavar="DEVICE")
    package.add_argument("-o", "--out", "--output", dest="out", required=True, type=Path, metavar="FILE")
    _passphrase_option(package)
    package.add_argument("--unencrypted", action="store_true",
                         help="write it without a passphrase (it carries personal data: only for a transfer that "
                              "is itself protected)")
    package.add_argument("--full", action="store_true",
                         help="everything the central store holds, the laptop's own rows too: for a laptop restored "
                              "from a backup")
    package.add_argument("--json", action="store_true")

    published = actions.add_parser("published", help="load data.police.uk street-level crime CSV files (or folders)")
    published.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    published.add_argument("--into", metavar="FILE|DSN", help=STORE_HELP)
    published.add_argument("--json", action="store_true")

    export = actions.add_parser("export", help="incidents, patrols, duties or hours as CSV, GeoJSON or XLSX (no "
                                               "personal data; see `ruralwatch export --help`)")
    export.add_argument("--from", dest="source", metavar="FILE|DSN", help=STORE_HELP)
    export.add_argument("--what", choices=WHATS, default="incidents", help="what to export (default: incidents)")
    export.add_argument("--format", choices=FORMATS)
    export.add_argument("-o", "--out", "--output", dest="out", required=True, type=Path, metavar="PATH",
                        help="file to write; for --what all as CSV or GeoJSON a new or empty folder")
    export.add_argument("--first-day", metavar="YYYY-MM-DD", help="first UK local day, inclusive")
    export.add_argument("--last-day", metavar="YYYY-MM-DD", help="last UK local day, inclusive")


def _target(args: argparse.Namespace) -> Target:
    if args.action in ("status", "conflicts", "package", "export"):
        return resolve(args.source, "--from")
    return resolve(args.into, "--into")


def _open(args: argparse.Namespace, target: Target) -> CentralStore:
    if isinstance(target, FileTarget):
        from ruralwatch.central.sqlite_engine import SqliteCentral

        return SqliteCentral(open_signed_in(args, target.path))
    from ruralwatch.central.postgres import PgCentral

    return PgCentral.open(target)


def run(args: argparse.Namespace, db_path: Path) -> int:
    """Works on the store --into/--from names, never on the laptop's own database."""
    del db_path
    target = _target(args)
    if args.action == "init":
        return _init(args, target)
    central = _open(args, target)
    try:
        return _run(args, central)
    finally:
        central.close()


def _init(args: argparse.Namespace, target: Target) -> int:
    if not isinstance(target, PgTarget):
        raise CentralError("`central init` makes a PostgreSQL central store; a database file is made with "
                           "`ruralwatch --db FILE init --admin NAME`")
    from ruralwatch.central.postgres import PgCentral

    central, done = PgCentral.init(target, roles=args.roles)
    try:
        identity = {"device_id": central.device_id, "public_key": central.keys.public_hex()}
        if args.json:
            print_json({"where": central.where, "done": done, **identity})
        else:
            print(f"central store ready in {central.where}: {', '.join(done) if done else 'already up to date'}")
            from ruralwatch.sync.crypto import fingerprint

            print(f"device id:   {identity['device_id']}\npublic key:  {identity['public_key']}\n"
                  f"fingerprint: {fingerprint(identity['public_key'])}")
    finally:
        central.close()
    return ExitCode.OK


def _package_passphrase(args: argparse.Namespace) -> str | None:
    passphrase = sync_passphrase(args.passphrase_file)
    if passphrase is None and not args.unencrypted:
        raise CentralError("a package carries personal data, so it is encrypted: give --passphrase-file FILE or "
                           "$RURALWATCH_SYNC_PASSPHRASE_FILE (or --unencrypted)")
    return passphrase


def _run(args: argparse.Namespace, central: CentralStore) -> int:
    from ruralwatch.io.exports import ExportOptions

    action = args.action
    if action == "merge":
        results = central.merge_folder(args.folder, sync_passphrase(args.passphrase_file),
                                       None if args.json else progress_lines())
        if args.json:
            print_json([r.to_dict() for r in results])
        else:
            for result in results:
                print(import_line(result))
            counts = {s: sum(r.status == s for r in results) for s in ("applied", "skipped", "refused")}
            print(f"{counts['applied']} applied, {counts['skipped']} skipped, {counts['refused']} refused")
        return ExitCode.NOT_DONE if any(r.status == "refused" for r in results) else ExitCode.OK
    if action == "status":
        found = central.status()
        print_json(found.to_dict()) if args.json else print(_status_text(found))
    elif action == "conflicts":
        from ruralwatch.cli.commands.sync import conflict_lines

        listed = central.conflicts(include_resolved=args.all)
        if args.json:
            print_json([c.to_dict() for c in listed])
        else:
            print("\n".join(conflict_lines(listed, args.all)))
    elif action == "resolve":
        conflict = central.resolve(conflict_id(args.conflict_id, "central conflicts"), args.choice,
                                   merged_value(args.value))
        print(f"conflict {conflict.id} resolved ({conflict.resolution}): it reaches every laptop with its next "
              "package")
    elif action == "trust":
        from ruralwatch.sync.crypto import fingerprint

        replaced = central.trust(args.device, args.key, args.name, replace_key=args.replace_key)
        print(f"trusted device {args.device.strip()}" + (f" ({args.name})" if args.name else "")
              + (f": key {fingerprint(replaced)} replaced" if replaced else "")
              + f"\nfingerprint: {fingerprint(args.key)} (compare it with its owner's, group by group)")
    elif action == "package":
        made = central.package_for(args.device, args.out, _package_passphrase(args), full=args.full)
        if args.json:
            print_json(made.to_dict())
        else:
            encrypted = " (encrypted)" if made.encrypted else ""
            print(f"wrote {made.path}: {count_of(sum(made.rows.values()), 'row')}, {count_of(made.blobs, 'file')} for "
                  f"{args.device}"
                  f"{encrypted}")
    elif action == "published":
        report = central.import_published(args.paths)
        if args.json:
            print_json(report.to_dict())
        else:
            print(f"{report.files} files: {report.imported:,} published crimes imported, {report.duplicates:,} "
                  f"already held, {report.rejected:,} rejected")
    elif action == "export":
        try:
            options = ExportOptions.parse(args.first_day, args.last_day, what=args.what)
        except ValidationError as exc:
            raise named_by_option(exc, {"from": "--first-day", "to": "--last-day"}) from None
        print(central.export(args.format, args.out, options).summary())
    else:  # the parser offers only the actions above
        raise AssertionError(f"unhandled central action {action}")
    return ExitCode.OK


def _status_text(found: CentralStatus) -> str:
    lines = [f"central store ({found.engine}) {found.where}, schema {found.schema}",
             f"device id {found.device_id}, public key {found.public_key}",
             f"{count_of(found.packages, 'package')} merged, {count_of(found.open_conflicts, 'open conflict')}"
             + (" (`central conflicts` lists them)" if found.open_conflicts else ""), "tables:"]
    lines += [f"  {t.table:24} {t.live:>10,} live {t.deleted:>8,} deleted" for t in found.tables]
    lines.append("devices:" if found.devices else "devices: none trusted yet (`central trust`)")
    lines += [f"  {d.device_id:18} {d.name or '':16} last package {d.last_package or 'never':26} "
              f"{count_of(d.packages, 'package'):>14}, {count_of(d.pending, 'row')} pending for it"
              for d in found.devices]
    # A laptop whose audit log was cut, rewritten or wiped (said at the merge that found it, kept until looked into).
    lines.append(f"audit alerts: {len(found.audit_alerts)}" if found.audit_alerts else "audit alerts: none")
    lines += [f"  WARNING {a.detected_at[:19]} package {a.package_id or '?'}: {a.message}" for a in found.audit_alerts]
    return "\n".join(lines)


CENTRAL = FileCommand(("central",), Phase.BEFORE_SIGN_IN, add_parsers, run)
