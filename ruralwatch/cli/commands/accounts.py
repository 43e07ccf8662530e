"""`ruralwatch accounts ...` (local accounts and their roles) and `audit ...` (the tamper-evident audit log)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli import signin
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import print_json
from ruralwatch.cli.spec import SignedInCommand
from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.permissions import ACCOUNT_ROLE_NAMES

if TYPE_CHECKING:
    from ruralwatch.services.accounts import AccountService
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    accounts = commands.add_parser("accounts", help="local accounts and their roles (administrators)")
    actions = accounts.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    listing = actions.add_parser("list", help="every account with its role")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="add an account; its password is read from --password-file or a prompt")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=list(ACCOUNT_ROLE_NAMES))
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--person", default=None, help="the volunteer or officer record (id) it belongs to")
    add.add_argument("--password-file", type=Path, metavar="PATH", help="the new account's password")
    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=list(ACCOUNT_ROLE_NAMES))
    for name, text in (("disable", "stop an account signing in"), ("enable", "let it sign in again (reset its "
                       "password next)"), ("unlock", "lift a lock-out after failed sign-ins")):
        action = actions.add_parser(name, help=text)
        action.add_argument("username")
    link = actions.add_parser("person", help="link an account to the person (roster record) it belongs to")
    link.add_argument("username")
    link.add_argument("person", nargs="?", metavar="PERSON_ID", help="the person's id (`people list --json`)")
    link.add_argument("--none", action="store_true", help="unlink: the account belongs to no one in the roster")
    reset = actions.add_parser("reset-password", help="set a new password for an account")
    reset.add_argument("username")
    reset.add_argument("--password-file", type=Path, metavar="PATH")
    actions.add_parser("rotate-key", help="re-key the database (after a disabling whose key change could not finish)")
    passwd = actions.add_parser("passwd", help="change your own password")
    passwd.add_argument("--password-file", type=Path, metavar="PATH", help="the new password")

    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=parser_class)
    actions.add_parser("verify", help="check the hash chain and every row against its last entry")
    listing = actions.add_parser("list", help="entries, newest first")
    listing.add_argument("--by", dest="actor", help="only this account's entries")
    listing.add_argument("--record", help="only entries about this record id (or this account name)")
    listing.add_argument("--action", dest="entry_action")
    listing.add_argument("--since", metavar="'YYYY-MM-DD HH:MM'")
    listing.add_argument("--until", metavar="'YYYY-MM-DD HH:MM'")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.accounts import AccountService

    if args.command == "accounts":
        return _accounts(AccountService(store), args)
    return _audit(store, args)


def _accounts(service: AccountService, args: argparse.Namespace) -> int:
    action = args.action
    if action == "list":
        service.store.actor.require("accounts.manage")
        accounts = service.list()
        statuses = service.statuses() if service.store.encrypted else {}
        if args.json:
            print_json([{**a.__dict__, **({"state": statuses[a.username].state, "failures": statuses[a.username]
                                           .failures} if a.username in statuses else {})} for a in accounts])
        else:
            for a in accounts:
                status = statuses.get(a.username)
                shown = status.describe() if status else ("Active" if a.active else "Disabled")
                state = "" if shown == "Active" else f"  ({shown[:1].lower() + shown[1:]})"
                print(f"{a.username:<20} {a.role_name:<22} {a.display_name}{state}")
    elif action == "rotate-key":
        service.rotate_key()
        print("database re-keyed: older copies of the keyring open nothing new")
    elif action == "add":
        # The name (and --person) first: typed wrong, it was reported only after the password (or as no password).
        service.check_addable(args.username, args.person)
        password = signin.new_password(args.password_file, f"Password for the new account {args.username}: ")
        account = service.add(args.username, args.role, password, args.name, args.person)
        print(f"added {account.username} ({account.role_name}); the password works once: they choose their own "
              f"at their first sign-in (or with `ruralwatch --user {account.username} accounts passwd`)")
    elif action == "role":
        account = service.set_role(args.username, args.role)
        print(f"{account.username} is now {account.role_name}")
    elif action in ("disable", "enable"):
        account = service.set_active(args.username, action == "enable")
        print(f"{account.username} {'enabled: set a password with reset-password' if account.active else 'disabled'}")
    elif action == "person":
        if bool(args.person) == bool(args.none):
            raise RuralWatchError("give either a PERSON_ID or --none")
        account = service.set_person(args.username, None if args.none else args.person)
        linked = dict(service.person_choices()).get(account.person_id or "", "no one in the roster")
        print(f"{account.username} belongs to {linked}")
    elif action == "unlock":
        service.unlock(args.username)
        print(f"{args.username} unlocked")
    elif action == "reset-password":
        password = signin.new_password(args.password_file, f"New password for {args.username}: ")
        service.reset_password(args.username, password)
        print(f"new password set for {args.username}")
    elif action == "passwd" and getattr(args, "password_chosen", False):
        print("password changed: the one-time password an administrator set no longer works")
    elif action == "passwd":
        old = signin.account_password(args, "Current password: ")
        new = signin.new_password(args.password_file, "New password: ")
        service.change_own_password(old, new)
        print("password changed")
    return ExitCode.OK


def _audit(store: Store, args: argparse.Namespace) -> int:
    from ruralwatch.services.audit import AuditService

    audit = AuditService(store)
    if args.action == "verify":
        result = audit.verify()
        print(result.summary())
        return ExitCode.OK if result.ok else ExitCode.NOT_DONE
    since = times.to_storage(times.parse_moment(args.since, "since")) if args.since else None
    until = times.to_storage(times.parse_moment(args.until, "until")) if args.until else None
    entries = audit.entries(args.actor, args.record, since, until, args.entry_action, args.limit)
    if args.json:
        print_json([e.__dict__ for e in entries])
    else:
        names = audit.account_names()
        if not entries:
            print("no audit entries match", file=sys.stderr)
        for e in entries:
            record = names.get(e.record_id or "", e.record_id) if e.table == "accounts" else e.record_id
            what = " ".join(part for part in (e.table or "", record or "") if part)
            fields = ", ".join(sorted(e.changes)) if isinstance(e.changes, dict) else ""
            print(f"{e.seq:>6}  {times.format_local(e.at)}  {e.actor:<16} {e.action:<14} {what}  {fields}")
    return ExitCode.OK


SPEC = SignedInCommand(("accounts", "audit"), add_parsers, run)
