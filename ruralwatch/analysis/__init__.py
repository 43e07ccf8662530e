"""Crime analysis on the British National Grid: grids, hotspot surfaces, forecast accuracy, time patterns.

Pure numpy/pandas/pyproj: no Qt and no database. Callers pass arrays of eastings/northings in metres (EPSG:27700)
and get back 2D arrays indexed ``[iy, ix]`` with ``iy = 0`` the southernmost row and ``ix = 0`` the westernmost
column, so ``array[iy, ix]`` is the cell whose south-west corner is ``(x0 + ix * cell_m, y0 + iy * cell_m)``.
Flip vertically (``array[::-1]``) before showing one as an image with the origin at the top left.
"""
