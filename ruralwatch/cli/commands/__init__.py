"""Every command group's spec, in the order `ruralwatch --help` lists their commands.

The modules are imported when needed, not here: a command imports only its own group's module (and through it
only the services it runs), so `ruralwatch incidents list` does not pay for the analysis, roster or export
libraries (issue 21; tests/integration/test_cli_imports.py). `REGISTRY` names, per spec, the module, the attribute
and the commands it owns; tests/unit/test_cli_dispatch.py checks it against the specs themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import overload

from ruralwatch.cli.spec import CommandSpec

# (module in this package, attribute, the commands its spec owns), in help order.
REGISTRY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("demo", "SPEC", ("demo",)),
    ("incidents", "SPEC", ("incidents",)),
    ("basemap", "SPEC", ("basemap",)),
    ("analysis", "SPEC", ("hotspots", "evaluate", "harm", "areas", "analysis")),
    ("geography", "SPEC", ("geography",)),
    ("export", "SPEC", ("export",)),
    ("sync", "SYNC", ("sync",)),
    ("central", "CENTRAL", ("central",)),
    ("roster", "SPEC", ("people", "duty", "roster")),
    ("patrols", "SPEC", ("patrol",)),
    ("vehicles", "SPEC", ("vehicles",)),
    ("premises", "SPEC", ("premises",)),
    ("premises", "PROPERTY_SPEC", ("property",)),
    ("alerts", "SPEC", ("alerts",)),
    ("roads", "SPEC", ("roads",)),
    ("retention", "SPEC", ("retention",)),
    ("setup", "SPEC", ("init", "encrypt")),
    ("accounts", "SPEC", ("accounts", "audit")),
    ("backup", "BACKUP", ("backup", "backups")),
    ("backup", "RESTORE", ("restore",)),
    ("data_folder", "SPEC", ("data-folder",)),
    ("published", "SPEC", ("import",)),
    ("grid_ref", "SPEC", ("grid-ref",)),
)


def _load(module: str, attribute: str) -> CommandSpec:
    spec: CommandSpec = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    return spec


class CommandSpecs(Sequence[CommandSpec]):
    """The specs of REGISTRY. Iterating imports every command module (the full parser, `--help`);
    `owning(command)` imports only the module of the spec that owns it."""

    def owning(self, command: str) -> tuple[CommandSpec, ...]:
        return tuple(_load(module, attribute) for module, attribute, names in REGISTRY if command in names)

    def __iter__(self) -> Iterator[CommandSpec]:
        return (_load(module, attribute) for module, attribute, _names in REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)

    @overload
    def __getitem__(self, index: int) -> CommandSpec: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CommandSpec]: ...

    def __getitem__(self, index: int | slice) -> CommandSpec | Sequence[CommandSpec]:
        if isinstance(index, slice):
            return tuple(_load(module, attribute) for module, attribute, _names in REGISTRY[index])
        module, attribute, _names = REGISTRY[index]
        return _load(module, attribute)


SPECS = CommandSpecs()
COMMAND_NAMES: frozenset[str] = frozenset(name for _module, _attribute, names in REGISTRY for name in names)
