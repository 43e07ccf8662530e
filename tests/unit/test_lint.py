"""The whole project passes `ruff check` with the rules in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_ruff_check_passes() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.is_file():
        pytest.skip(f"ruff is not installed next to {sys.executable}")
    completed = subprocess.run(
        [str(ruff), "check", "--no-cache", str(PROJECT_ROOT)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
