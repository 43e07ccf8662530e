"""`central published` on PostgreSQL: data.police.uk street-level crime files into the central store, for the
analysts' maps beside the force's own incidents.

The same parser as a laptop's `published import` (ruralwatch.io.police_uk: every file is read and checked before
anything is written, a file that is not such a CSV refuses the whole import); all files in one transaction; the
published rows' `dedupe_key` makes a re-import add nothing; points computed by RuralWatch (ruralwatch.central.geometry).

Not yet the laptop importer's rule for a crime republished in another month (the same Crime ID, place and type kept
once, with its earliest month and latest outcome: ruralwatch.services.published): here such a row is held twice,
once per month it was published in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ruralwatch.central import geometry
from ruralwatch.central.pg_schema import GEOMETRY_COLUMNS, quote
from ruralwatch.io.police_uk import RECORD_COLUMNS, TEXT_COLUMNS, parse_file
from ruralwatch.services.published import ImportReport, expand_paths

if TYPE_CHECKING:
    from ruralwatch.central.postgres import PgCentral

_STAGE = "stage_published"
_TEXT = [i for i, name in enumerate(RECORD_COLUMNS) if name in TEXT_COLUMNS]
_LON, _LAT = RECORD_COLUMNS.index("lon"), RECORD_COLUMNS.index("lat")


def import_published(central: PgCentral, paths: Sequence[Path]) -> ImportReport:
    parsed = [parse_file(path) for path in expand_paths(paths)]
    report = ImportReport(files=len(parsed))
    columns = [*RECORD_COLUMNS, *GEOMETRY_COLUMNS]
    names = ", ".join(quote(c) for c in columns)
    conn = central.conn
    with conn.transaction():
        conn.execute(f"CREATE TEMP TABLE {_STAGE} ON COMMIT DROP AS SELECT {names} FROM published_crimes "
                     f"WITH NO DATA".encode())
        for file in parsed:
            wgs, bng = geometry.points([r[_LAT] for r in file.records], [r[_LON] for r in file.records])
            with conn.cursor() as cursor, cursor.copy(f"COPY {_STAGE} ({names}) FROM STDIN".encode()) as copy:
                for record, a, b in zip(file.records, wgs, bng, strict=True):
                    values = list(record)
                    for index in _TEXT:  # empty text is "not given", as the laptop's store keeps it
                        if values[index] == "":
                            values[index] = None
                    copy.write_row([*values, a, b])
            with conn.cursor() as cursor:
                cursor.execute(f"INSERT INTO published_crimes ({names}) SELECT {names} FROM {_STAGE} "
                               f"ON CONFLICT (dedupe_key) DO NOTHING".encode())
                imported = max(cursor.rowcount, 0)
            conn.execute(f"TRUNCATE {_STAGE}".encode())
            report.rows_read += file.rows_read
            report.imported += imported
            report.duplicates += len(file.records) - imported
            report.rejected += file.rejected_count
            report.rejected_reasons = {k: report.rejected_reasons.get(k, 0) + file.rejected.get(k, 0)
                                       for k in {*report.rejected_reasons, *file.rejected}}
            conn.execute(b"INSERT INTO merge_audit (action, file, sha256, detail) VALUES ('published', %s, %s, %s)",
                         [file.path.name, file.sha256, json.dumps({"imported": imported, "rows": file.rows_read})])
        conn.execute(f"DROP TABLE {_STAGE}".encode())
    return report
