"""Layering: Qt stays in ruralwatch/ui (and the composition root, lazily); headless code never needs it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ruralwatch"
UI = PACKAGE / "ui"
APP = PACKAGE / "app.py"
HEADLESS_LAYERS = ("core", "store", "services")


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
