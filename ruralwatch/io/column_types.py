"""The value types of an export's columns, one vocabulary for every table (ruralwatch.io.exports writes them; the
incident and picture tables declare them): each writer turns each into what its format does best."""

from __future__ import annotations

TEXT, INTEGER, NUMBER, MONEY, BOOLEAN, DATE, LOCAL_TIME = (
    "text", "integer", "number", "money", "boolean", "date", "local_time",
)
