"""Layering: Qt stays in ruralwatch/ui (and the composition root, lazily); headless code never needs it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ruralwatch"
UI = PACKAGE / "ui"
APP = PACKAGE / "app.py"
HEADLESS_LAYERS = ("core", "store", "services", "central")


@dataclass(frozen=True)
class ImportSite:
    module: str
    line: int
    top_level: bool  # False when inside a function body (a lazy import)


def imports(source: str) -> list[ImportSite]:
    """Every module imported anywhere in `source`, including inside functions, classes and conditionals."""
    tree = ast.parse(source)
    lazy_nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    lazy_nodes.add(id(inner))
    found: list[ImportSite] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names = [base] if node.level == 0 else [f"{'.' * node.level}{base}"]
            names += [f"{base}.{alias.name}" for alias in node.names if node.level == 0 and base]
        for name in names:
            found.append(ImportSite(name, node.lineno, id(node) not in lazy_nodes))
    return found


def is_qt(module: str) -> bool:
    return module == "PySide6" or module.startswith("PySide6.")


def is_ui(module: str) -> bool:
    return module == "ruralwatch.ui" or module.startswith("ruralwatch.ui.")


def python_files() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, f"no Python files under {PACKAGE}"
    return files


def test_the_import_finder_sees_nested_and_aliased_imports() -> None:
    source = (
        "import os\n"
        "from PySide6 import QtCore\n"
        "def later():\n"
        "    if True:\n"
        "        import PySide6.QtWidgets as widgets\n"
        "    from ruralwatch.ui.application import run_gui\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        from PySide6.QtGui import QIcon\n"
        "try:\n"
        "    import PySide6.QtWebEngineCore\n"
        "except ImportError:\n"
        "    pass\n"
    )
    found = {(site.module, site.top_level) for site in imports(source)}
    assert ("os", True) in found
    assert ("PySide6", True) in found
    assert ("PySide6.QtWidgets", False) in found
    assert ("ruralwatch.ui.application", False) in found
    assert ("PySide6.QtGui", False) in found
    assert ("PySide6.QtWebEngineCore", True) in found


def test_no_module_outside_ui_imports_qt() -> None:
    offenders = []
    for path in python_files():
        if path == APP or UI in path.parents:
            continue
        for site in imports(path.read_text(encoding="utf-8")):
            if is_qt(site.module):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{site.line} imports {site.module}")
    assert offenders == []


@pytest.mark.parametrize("layer", HEADLESS_LAYERS)
def test_headless_layers_do_not_import_the_ui(layer: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for site in imports(path.read_text(encoding="utf-8")):
            if is_ui(site.module) or is_qt(site.module):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{site.line} imports {site.module}")
    assert offenders == []


def test_app_imports_qt_and_the_ui_only_lazily() -> None:
    sites = imports(APP.read_text(encoding="utf-8"))
    eager = [
        f"app.py:{s.line} imports {s.module}" for s in sites if s.top_level and (is_qt(s.module) or is_ui(s.module))
    ]
    assert eager == []
    assert any(is_ui(s.module) and not s.top_level for s in sites), "app.py should start the window lazily"


# --- the window reaches the data only through the services ------------------------------------------------------

# What ui/ may take from the store: the Store type it hands to services, the error a damaged file raises, and the
# plain records the services return. Never the connection, SQL, the keyring, the audit log or migrations.
UI_STORE_NAMES = frozenset({
    "ruralwatch.store.Store", "ruralwatch.store.database.Store", "ruralwatch.store.database.DatabaseError",
    "ruralwatch.store.basemaps.Basemap", "ruralwatch.store.incidents.IncidentRow",
})
DRIVERS = ("sqlite3", "sqlite_utils", "sqlcipher3")
SQL_METHODS = frozenset({"execute", "executemany", "executescript", "query"})
# SQL as written in a string (upper-case keywords in SQL's order), not an English message that starts "Select…".
SQL_TEXT = re.compile(r"^\s*(SELECT\b.*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\S+\s+SET\b|DELETE\s+FROM\b|PRAGMA\s)", re.S)


def store_access(source: str) -> list[str]:
    """Lines of `source` that reach below the services: store internals, a driver, SQL or a raw connection."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in DRIVERS:
                found.append(f"{node.lineno}: from {node.module}")
            elif node.module == "ruralwatch.store" or node.module.startswith("ruralwatch.store."):
                found += [f"{node.lineno}: {node.module}.{a.name}" for a in node.names
                          if f"{node.module}.{a.name}" not in UI_STORE_NAMES]
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in DRIVERS or a.name.startswith("ruralwatch.store")]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS:
            found.append(f"{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr == "db":
            found.append(f"{node.lineno}: .db")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.match(node.value):
            found.append(f"{node.lineno}: SQL {node.value.strip()[:30]!r}")
    return found


def test_the_store_access_finder_sees_every_way_below_the_services() -> None:
    source = (
        "import sqlite3\n"
        "from ruralwatch.store.keyring import Keyring\n"
        "from ruralwatch.store import migrations\n"
        "from ruralwatch.store.audit import record_event\n"
        "from ruralwatch.store.database import Store, DatabaseError\n"
        "def f(store):\n"
        "    store.db.execute('SELECT id FROM incidents')\n"
        "    rows = store.query(sql)\n"
    )
    found = store_access(source)
    assert sorted(line.split(":")[0] for line in found) == ["1", "2", "3", "4", "7", "7", "7", "8"], found
    assert store_access("message = 'Select a duty in the calendar.'\nquery = self.query\n") == []


def test_the_ui_runs_no_sql_and_touches_no_keyring_audit_or_migrations() -> None:
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line}"
                 for path in sorted(UI.rglob("*.py"))
                 for line in store_access(path.read_text(encoding="utf-8"))]
    assert offenders == []
