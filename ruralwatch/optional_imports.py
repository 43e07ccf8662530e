"""Import a library without the optional heavy libraries it would pull in for features RuralWatch never uses.

sqlite-utils and folium each import pandas (and sqlite-utils numpy) at their top whenever it is installed, only to
accept a DataFrame or a numpy scalar that RuralWatch never gives them. Importing them with those names hidden (an
entry of None in `sys.modules` makes `import` raise ImportError, which both handle) keeps pandas out of every
command's start-up (0.26 s, issue 21) and out of the window's memory (the map page is built with folium). The
names are put back at once, so whoever needs pandas still imports it as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """While inside, `import NAME` of any of `names` raises ImportError (a module already imported stays hidden
    too: the library then sees the optional dependency as absent, as it would be on a smaller install)."""
    saved = {name: sys.modules.get(name) for name in names}
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
