"""The headless packages type-check with mypy, configured in pyproject.toml ([tool.mypy]: which packages, and why
any module is left out)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_mypy_finds_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install -e .[test])")
    monkeypatch.chdir(PROJECT_ROOT)  # the packages in the config are found from the project root
    stdout, stderr, status = api.run([
        "--config-file", str(PROJECT_ROOT / "pyproject.toml"),
        "--cache-dir", str(PROJECT_ROOT / ".mypy_cache"),  # incremental: a second run takes a second or two
        "--no-error-summary", "--show-error-codes",
    ])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, "mypy found type errors:\n" + stdout + stderr
