"""Rostering engine for Special Constables and volunteers: availability, assignment rules and fair auto-fill.

Pure Python over frozen dataclasses (``model``): no Qt and no database. ``availability`` says whether a person is
free for an interval, ``rules`` checks one assignment against every rule, ``autofill`` fills open places fairly.
"""
