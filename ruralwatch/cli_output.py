"""Output helpers shared by the command modules (cli.py, cli_analysis.py, cli_sync.py, ...)."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(value: Any) -> None:
    """`--json` output: indented UTF-8; dates and other non-JSON values as their text."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
