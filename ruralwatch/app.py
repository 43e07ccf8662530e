"""Composition root: parse the command line, then run a headless command or start the window.

Only this module and ruralwatch/ui import Qt, and they do so lazily, so headless commands start fast
and work on machines without a display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ruralwatch import __version__
from ruralwatch.paths import location_is_choosable, resolve_db_path


def prepare_qt_environment(dri_folder: Path = Path("/dev/dri")) -> None:
    """Settings QtWebEngine needs before Qt starts (see docs/DEVELOPING.md)."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    wanted = ["--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wanted.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    if sys.platform.startswith("linux") and "gpu" not in flags and not any(dri_folder.glob("renderD*")):
        # No graphics device to render with (a virtual machine, a remote desktop): OpenGL would be Mesa's software
        # emulation, slower than Chromium's own software compositing and about 40-60 MB more per window (issue 21).
        wanted.append("--disable-gpu")
    missing = [flag for flag in wanted if flag not in flags]
    if missing:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *missing]).strip()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(argv if argv is not None else sys.argv[1:])
    if arguments == ["--version"]:  # answered before the command line's imports (pandas, pyproj): instant
        print(f"RuralWatch {__version__}")
        return 0
    from ruralwatch import cli  # the services and their libraries: ~1 s of imports

    args = cli.parse(arguments)
    if args.command == cli.SELF_TEST:
        prepare_qt_environment()
        from ruralwatch.ui.selftest import run_self_test

        return run_self_test()
    db_path = resolve_db_path(args.db)
    if args.command is None:
        prepare_qt_environment()
        from ruralwatch.ui.application import run_gui

        return run_gui(db_path, load_demo=args.demo, choose_folder=location_is_choosable(args.db))
    return cli.main_cli(args, db_path, arguments)


if __name__ == "__main__":
    raise SystemExit(main())
