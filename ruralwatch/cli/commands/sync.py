"""Headless sync commands: device identity and trust, export/import of change packages, conflicts (the central
store's commands are ruralwatch.cli.commands.central).

Passphrases come from --passphrase-file or $RURALWATCH_SYNC_PASSPHRASE_FILE, never from the command line.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli.errors import OptionError
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json, progress_lines
from ruralwatch.cli.signin import sync_passphrase
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.words import count_of
from ruralwatch.sync.merge import CHOICES

REPLACE_KEY_HELP = ("replace the key of a device already trusted with another one (check the new key with its owner "
                    "first: a different key is what an impostor would send)")

if TYPE_CHECKING:
    from ruralwatch.central.station import StationSync
    from ruralwatch.services.sync import Conflict, ImportResult, SyncService
    from ruralwatch.store.database import Store


def conflict_id(text: str, listed_by: str = "sync conflicts") -> int:
    try:
        return int(text)
    except ValueError:
        raise OptionError(f"{text!r} is not a conflict's ID: `ruralwatch {listed_by}` lists them, with the "
                          "number to give") from None


def _passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", type=Path, metavar="FILE",
                        help="file holding the passphrase (default: $RURALWATCH_SYNC_PASSPHRASE_FILE)")


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    sync = commands.add_parser("sync", help="exchange change packages with other laptops and the central store")
    actions = sync.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    identity = actions.add_parser("identity", help="this database's device id and public key (give them to peers)")
    identity.add_argument("--json", action="store_true")

    trust = actions.add_parser("trust", help="accept packages signed by a device")
    trust.add_argument("--device", required=True, metavar="ID")
    trust.add_argument("--key", required=True, metavar="HEX", help="the device's public key from `sync identity`")
    trust.add_argument("--name", help="a name to know it by")
    trust.add_argument("--replace-key", action="store_true", help=REPLACE_KEY_HELP)

    peers = actions.add_parser("peers", help="trusted devices")
    peers.add_argument("--json", action="store_true")

    export = actions.add_parser("export", help="write a change package")
    export.add_argument("-o", "--out", "--output", dest="out", type=Path, metavar="FILE",
                        help="where to write it (default: ruralwatch-<device id's first 8 digits>-<YYYY-MM-DD-HHMM, "
                             "UK time>.rwsync in the current folder, the name the Sync panel offers)")
    export.add_argument("--since-last-for", metavar="PEER_DEVICE",
                        help="only what that device is not known to have nor was sent since its last package "
                             "(default: everything)")
    export.add_argument("--resend", action="store_true",
                        help="with --since-last-for: send again what earlier packages for that device carried and it "
                             "has not said it holds (a package was lost)")
    _passphrase_option(export)
    export.add_argument("--unencrypted", action="store_true",
                        help="write the package without a passphrase (it carries personal data: only for a "
                             "transfer that is itself protected; refused for an encrypted database)")
    export.add_argument("--json", action="store_true")

    imports = actions.add_parser("import", help="verify and merge a change package")
    imports.add_argument("file", type=Path)
    _passphrase_option(imports)
    imports.add_argument("--json", action="store_true")

    conflicts = actions.add_parser("conflicts", help="edits that lost to a concurrent edit, for review")
    conflicts.add_argument("--all", action="store_true", help="include resolved ones")
    conflicts.add_argument("--json", action="store_true")

    resolve = actions.add_parser("resolve", help="settle a conflict (written as a new edit, which syncs)")
    # Read as text and checked in run(): argparse's own "argument ID: invalid int value: 'bogus'" was not ours.
    resolve.add_argument("conflict_id", metavar="ID", help="the conflict's number, as `sync conflicts` lists it")
    resolve.add_argument("choice", choices=CHOICES)
    resolve.add_argument("--value", help="the merged value (JSON if it parses as JSON, else text)")

    station = actions.add_parser("central", help="at the station: send, merge into and receive from the PostgreSQL "
                                                 "central store in one step")
    station.add_argument("--dsn", help="the central store's connection string (default: $RURALWATCH_CENTRAL_DSN, "
                                       "else the one remembered with `sync central-store`; its password from "
                                       "~/.pgpass or a service file)")
    station.add_argument("--full", action="store_true",
                         help="bring back everything the central store holds (done by itself after a restore)")
    station.add_argument("--json", action="store_true")

    remembered = actions.add_parser("central-store", help="show, remember or forget this laptop's central store "
                                                          "(the window's Sync panel and `sync central` use it)")
    choice = remembered.add_mutually_exclusive_group()
    choice.add_argument("dsn", nargs="?", metavar="DSN", help="postgresql://user@host/db or service=NAME")
    choice.add_argument("--clear", action="store_true", help="forget it")


def conflict_lines(found: list[Conflict], include_resolved: bool) -> list[str]:
    """One line per conflict, each value with the device that wrote it (on the central store both are laptops);
    none is said, not an empty answer that read as a command that did nothing."""
    if not found:
        return ["no conflicts" if include_resolved else "no conflicts to review"]
    lines = []
    for c in found:
        kept = c.local_device if c.winner == "local" else c.incoming_device
        state = f"resolved: {c.resolution}" if c.resolved_at else f"{kept or c.winner}'s kept"
        lines.append(f"{c.id:5}  {c.kind:14} {c.table_name}.{c.field} of {c.row_id}: mine {c.local_value!r} from "
                     f"{c.local_device or '?'}, theirs {c.incoming_value!r} from {c.incoming_device or '?'} ({state})")
    return lines


def import_line(result: ImportResult) -> str:
    name = Path(result.path).name
    if result.status == "refused":
        return f"{name}: REFUSED: {result.message}"
    if result.status == "skipped":
        return f"{name}: skipped ({result.message})"
    line = (f"{name}: applied package {result.package_id} from {result.source_device}: {count_of(result.rows, 'row')} "
            f"({result.inserted} new, {result.updated} updated, {result.unchanged} unchanged), "
            f"{count_of(result.conflicts, 'conflict')}")
    if result.demo_left_out:  # from a RuralWatch that still sent its demo data
        line += f", {result.demo_note()}"
    # The sender's audit chain was cut, rewritten or wiped since it last sent it: said on lines of their own.
    return "\n".join([line, *(f"{name}: WARNING: device {result.source_device}: {w}" for w in result.warnings)])


def _counts(result: ImportResult) -> str:
    return (f"{result.inserted:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged, "
            f"{count_of(result.conflicts, 'conflict')}")


def station_lines(done: StationSync) -> list[str]:
    """`sync central` in words: the central store by the name it was trusted under and this laptop as such; the
    two packages were temporary files, never seen, so they are not named."""
    central, merged, back = done.central_name, done.merged, done.received
    lines = [f"sent {count_of(done.sent_rows, 'row')} to {central}: {_counts(merged)}"]
    lines += [f"WARNING: this laptop: {w}" for w in merged.warnings]
    everything = " (everything it holds)" if done.full else ""
    lines.append(f"received {count_of(back.rows, 'row')} from {central}{everything}: {_counts(back)}")
    lines += [f"WARNING: {central}: {w}" for w in back.warnings]
    if done.demo_kept:
        from ruralwatch.services.sync import demo_stays_note

        kept = demo_stays_note(done.demo_kept)
        lines.append(kept[:1].upper() + kept[1:])
    return lines


def merged_value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.sync import SyncService

    service = SyncService(store)
    action = args.action
    if action == "identity":
        identity = service.identity()
        if args.json:
            print_json({"device_id": identity.device_id, "public_key": identity.public_key})
        else:
            from ruralwatch.sync.crypto import fingerprint

            # The fingerprint is the whole key in groups of four, to read out to whoever trusts this device.
            print(f"device id:   {identity.device_id}\npublic key:  {identity.public_key}\n"
                  f"fingerprint: {fingerprint(identity.public_key)}")
    elif action == "trust":
        from ruralwatch.sync.crypto import fingerprint

        replaced = {p.device_id: p.public_key for p in service.peers()}.get(args.device.strip())
        peer = service.trust(args.device, args.key, args.name, replace_key=args.replace_key)
        print(f"trusted device {peer.device_id}" + (f" ({peer.name})" if peer.name else "")
              + (f": key {fingerprint(replaced)} replaced by {fingerprint(peer.public_key)}"
                 if replaced and replaced != peer.public_key else
                 f"\nfingerprint: {fingerprint(peer.public_key)} (compare it with its owner's, group by group)"))
    elif action == "peers":
        peers = service.peers()
        if args.json:
            print_json([p.__dict__ for p in peers])
        else:
            from ruralwatch.sync.crypto import fingerprint

            for p in peers:  # the key as its fingerprint: the groups its owner reads out
                print(f"{p.device_id:18} {p.name or '':20} {fingerprint(p.public_key)}")
    elif action == "export":
        passphrase = sync_passphrase(args.passphrase_file)
        if passphrase is None and not args.unencrypted:
            raise RuralWatchError("a sync package carries personal data, so it is encrypted: give "
                                  "--passphrase-file FILE or $RURALWATCH_SYNC_PASSPHRASE_FILE (or --unencrypted)")
        # Progress on stderr in the window's words (not with --json: scripts read stdout and want it quiet).
        if args.resend and not args.since_last_for:
            raise OptionError("--resend goes with --since-last-for DEVICE (a full package sends everything anyway)")
        if args.out is None:  # the Sync panel's name, so two exports to one stick do not share one
            args.out = Path(service.package_name())
        result = service.export(args.out, args.since_last_for, passphrase, None if args.json else progress_lines(),
                                resend=args.resend)
        if args.json:
            print_json(result.to_dict())
        else:
            total = sum(result.rows.values())
            encrypted = " (encrypted)" if result.encrypted else ""
            demo = f"; {result.demo_note()}" if result.demo_left_out else ""
            print(f"wrote {args.out}: {count_of(total, 'row')}, {count_of(result.blobs, 'file')}{encrypted}{demo}")
    elif action == "import":
        imported = service.import_package(args.file, sync_passphrase(args.passphrase_file),
                                          None if args.json else progress_lines())
        print_json(imported.to_dict()) if args.json else print(import_line(imported))
    elif action == "conflicts":
        found = service.conflicts(include_resolved=args.all)
        if args.json:
            print_json([c.to_dict() for c in found])
        else:
            print("\n".join(conflict_lines(found, args.all)))
    elif action == "resolve":
        conflict = service.resolve(conflict_id(args.conflict_id), args.choice, merged_value(args.value))
        print(f"conflict {conflict.id} resolved ({conflict.resolution})")
    elif action == "central":
        _station(service, args)
    elif action == "central-store":
        _remembered_central(service, args)
    else:  # the parser offers only the actions above: another one is a bug, not the user's mistake
        raise AssertionError(f"unhandled sync action {action}")
    return ExitCode.OK


def _station(service: SyncService, args: argparse.Namespace) -> None:
    from ruralwatch.central.station import sync_with_central
    from ruralwatch.central.target import DSN_ENV, PgTarget, resolve

    given = args.dsn or os.environ.get(DSN_ENV) or service.central_dsn()
    if not given:
        raise RuralWatchError(f"no central store named: give --dsn postgresql://..., set ${DSN_ENV}, or remember "
                              f"one with `ruralwatch sync central-store DSN`")
    target = resolve(given, "--dsn")
    if not isinstance(target, PgTarget):
        raise RuralWatchError("`sync central` talks to a PostgreSQL central store: give --dsn postgresql://... (a "
                              "central database file takes packages: `sync export`, then `central merge`)")
    done = sync_with_central(service, target, None if args.json else progress_lines(), full=args.full)
    if args.json:
        print_json(done.to_dict())
    else:
        print("\n".join(station_lines(done)))


def _remembered_central(service: SyncService, args: argparse.Namespace) -> None:
    from ruralwatch.central.target import describe_dsn

    if args.clear:
        service.set_central_dsn("")
        print("central store forgotten")
    elif args.dsn is not None:
        print(f"central store: {describe_dsn(service.set_central_dsn(args.dsn))}")
    else:
        dsn = service.central_dsn()
        print(dsn if dsn else "no central store remembered (`ruralwatch sync central-store DSN`)")


SYNC = SignedInCommand(("sync",), add_parsers, run)
