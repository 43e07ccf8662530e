"""Worker for test_pg_crash.py: `central merge` of a folder into PostgreSQL that says on stdout how far it got, so the
test can SIGKILL it, or stop the server under it, at a chosen moment. Plain Python, no pytest.

    python pg_merge_worker.py DSN FOLDER PAUSE_AT

Each step of the merge (ruralwatch.central.pg_merge: read, locked, table NAME, commit, committed) is one line,
flushed at once. At the PAUSE_AT-th line (1-based; 0: never) it waits for a line on stdin before going on. A
CentralError (the server went away) is one line on stderr and exit code 2, as the command line reports it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruralwatch.central.errors import CentralError
from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import PgTarget


def main(dsn: str, folder: str, pause_at: int) -> int:
    lines = 0

    def progress(_done: int, _total: int, note: str = "", /) -> bool:
        nonlocal lines
        lines += 1
        print(note, flush=True)
        if lines == pause_at:
            sys.stdin.readline()
        return True

    try:
        central = PgCentral.open(PgTarget(dsn))
        try:
            results = central.merge_folder(Path(folder), None, progress)
        finally:
            central.close()
    except CentralError as exc:
        print(f"ruralwatch: error: {exc}", file=sys.stderr)
        return 2
    print("done " + " ".join(r.status for r in results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
