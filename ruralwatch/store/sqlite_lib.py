"""sqlite-utils without pandas: import it through here (ruralwatch.store's __init__ does, first).

`sqlite_utils.db` imports pandas and numpy at its top whenever they are installed, only to add `pd.Timestamp` and
numpy's scalar types to the column types `table.create()`/`insert()` can infer. RuralWatch never lets
sqlite-utils infer a column from a pandas or numpy value (migrations declare Python types; rows are written with
plain SQL), yet that import alone was about 0.26 s of every command's start-up (issue 21). So sqlite-utils is
imported with the two hidden (an entry of None in `sys.modules` makes `import` raise ImportError, which it
handles); they are put back at once, and whoever needs pandas still imports it as usual.
"""

from __future__ import annotations

from ruralwatch.optional_imports import hidden

with hidden("pandas", "numpy"):
    import sqlite_utils.db  # noqa: F401

import sqlite_utils  # noqa: E402  (imported above, without pandas)

__all__ = ["sqlite_utils"]
