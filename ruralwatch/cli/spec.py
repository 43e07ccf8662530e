"""What a command group tells the dispatcher: the commands it owns, when it runs, its parsers and its run function.

Each module in ruralwatch/cli/commands exports one spec per phase it has (most have one); ruralwatch.cli.commands
lists them, and the parser and the dispatcher only ever loop over that list.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ruralwatch.cli import signin
from ruralwatch.store.database import Store

# add_parsers(commands, parser_class): add the group's sub-parsers to the `commands` sub-parsers action; its own
# sub-sub-commands use parser_class, so that their usage errors read like every other one.
AddParsers = Callable[[Any, type[argparse.ArgumentParser]], None]
RunOnFile = Callable[[argparse.Namespace, Path], int]
RunSignedIn = Callable[[argparse.Namespace, Store], int]
OpenStore = Callable[[argparse.Namespace, Path], Store]


class Phase(Enum):
    # No sign-in to the database first: it makes the database (init, encrypt) or only says where it is or moves
    # it (data-folder, which signs in itself to move).
    SET_UP = "set-up"
    # Signs in itself, against something other than this database: restore (the backup's own keyring, as the
    # database may be damaged), central merge (the central store named by --into).
    BEFORE_SIGN_IN = "before sign-in"
    # Runs on the database opened as the signed-in account, which the dispatcher closes afterwards.
    SIGNED_IN = "signed in"


class CommandSpec(Protocol):
    # Read-only: the specs are frozen dataclasses.
    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def phase(self) -> Phase: ...

    @property
    def add_parsers(self) -> AddParsers: ...

    # False only for a command that must run when the database it would use is not there (data-folder says why).
    @property
    def needs_database(self) -> bool: ...

    def execute(self, args: argparse.Namespace, db_path: Path) -> int: ...


@dataclass(frozen=True)
class FileCommand:
    """A set-up or before-sign-in command: run(args, db_path) works on the database file itself."""

    names: tuple[str, ...]
    phase: Phase
    add_parsers: AddParsers
    run: RunOnFile
    needs_database: bool = True

    def execute(self, args: argparse.Namespace, db_path: Path) -> int:
        return self.run(args, db_path)


@dataclass(frozen=True)
class SignedInCommand:
    """A command on the signed-in database: run(args, store). open_store opens it (demo may create it first)."""

    names: tuple[str, ...]
    add_parsers: AddParsers
    run: RunSignedIn
    open_store: OpenStore = signin.open_signed_in
    phase: ClassVar[Phase] = Phase.SIGNED_IN
    needs_database: ClassVar[bool] = True

    def execute(self, args: argparse.Namespace, db_path: Path) -> int:
        store = self.open_store(args, db_path)
        try:
            return self.run(args, store)
        finally:
            store.close()
