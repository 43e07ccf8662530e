"""`ruralwatch demo`: load the synthetic demo dataset (idempotent for a seed), or remove it.

On a new (or empty) database file it first creates the database and its administrator, as `init` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralwatch.cli import signin
from ruralwatch.cli.commands.incident_options import _positive_int
from ruralwatch.cli.errors import OptionError
from ruralwatch.cli.exit_codes import ExitCode
from ruralwatch.cli.output import progress_lines
from ruralwatch.cli.spec import SignedInCommand

if TYPE_CHECKING:
    from ruralwatch.store.database import Store


def add_parsers(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    from ruralwatch.services.demo import DEFAULT_SEED

    del parser_class  # no sub-commands of its own
    demo = commands.add_parser("demo", help="load the synthetic demo dataset (idempotent for a seed), or remove it")
    demo.add_argument("--seed", type=int, default=None, help=f"which demo set (default {DEFAULT_SEED})")
    demo.add_argument("--incidents", type=_positive_int, default=None,
                      help="how many incidents (default about 1,800)")
    demo.add_argument("--remove", action="store_true",
                      help="remove every demo (synthetic) incident instead; your own incidents are kept. "
                           "Loading the demo again afterwards brings the same incidents back")
    demo.add_argument("--admin", metavar="NAME",
                      help="on a new database file: the administrator account to create (default: --user or admin)")


def open_or_create(args: argparse.Namespace, db_path: Path) -> Store:
    """Signed in to the database; a new file is created first like `init` does, with an administrator."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return signin.create_new(args, db_path, args.admin or args.user or "admin")
    return signin.open_signed_in(args, db_path)


def run(args: argparse.Namespace, store: Store) -> int:
    from ruralwatch.services.demo import DEFAULT_SEED, DEMO_PREMISES_THEFTS
    from ruralwatch.services.demo_set import demo_services, load_demo_set, remove_demo_set

    if args.remove:
        if args.seed is not None or args.incidents is not None:
            raise OptionError("demo --remove removes every demo incident; it takes no --seed or --incidents")
        from ruralwatch.services.container import Services  # removing also withdraws the demo's alerts

        everything = Services.build(store)
        removed = remove_demo_set(everything)
        print(f"demo data: {removed.incidents} incidents removed ({everything.incidents.count()} left in"
              f" {store.path}); {removed.roster} demo people, duties and patrols removed; {removed.premises} demo"
              f" premises removed{removed.kept_note()}")
        return ExitCode.OK
    seed = DEFAULT_SEED if args.seed is None else args.seed
    # Only the services loading needs, not the whole container (issue 21: `ruralwatch demo` under 2 s).
    services = demo_services(store)
    # What it is doing, on stderr, in the window's words (a first load takes seconds on a slow laptop).
    loaded = load_demo_set(services, seed=seed, count=args.incidents, progress=progress_lines())
    print(f"demo data: {loaded.incidents} incidents added ({services.incidents.count()} in {store.path});"
          f" {loaded.people} people, {loaded.duties} duties and {loaded.patrols} completed patrols added;"
          f" {loaded.premises} premises added (with {len(DEMO_PREMISES_THEFTS)} thefts at one of them); a"
          f" vehicles-of-interest list of {loaded.listed_vehicles}{loaded.left_out_note()}")
    return ExitCode.OK


SPEC = SignedInCommand(("demo",), add_parsers, run, open_store=open_or_create)
