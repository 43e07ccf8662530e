"""Patrol planning core: route ordering, Koper-curve dwell plans fitted to a patrol window, and crew rules.

Pure Python and numpy, no Qt: the patrol screens and the CLI both call into it.
"""
