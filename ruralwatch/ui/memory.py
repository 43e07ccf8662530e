"""Hand memory a big, short-lived job left behind back to the system (the window's resident size is what users see).

After the map has taken 100k rows, the Python process holds freed memory glibc keeps for reuse (the rows' text,
the web channel's copies of it): `malloc_trim` returns what lies free at the top and in whole free pages. PySide6
reads the source of every module imported after it (shibokensupport.feature looks for "PySide6" in it) and
`linecache` keeps those lines, ~17 MB for the window's imports, which nothing needs once they are imported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import linecache
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # glibc only (not musl)
    except OSError:
        return None


def release_free_memory() -> None:
    linecache.clearcache()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
