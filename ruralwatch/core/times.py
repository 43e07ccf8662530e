"""Times: parsing what users type, storing UTC ISO 8601 text, showing local (UK) time.

Storage is always UTC with a trailing ``Z`` so text order is time order. Times typed without a zone are
taken as UK local time, which is what an officer in Essex means.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ruralwatch.core.errors import ValidationError

LOCAL_ZONE = ZoneInfo("Europe/London")
# Laptop clocks drift; allow this much before calling a time "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


def system_clock() -> datetime:
    """The clock a service reads when none is injected: `utc_now`, looked up at each call, so a command's services
    and the command itself read one time (a CLI test pins both by patching `times.utc_now`)."""
    return utc_now()


def to_storage(moment: datetime) -> str:
    """UTC ISO 8601 text with second precision: ``2026-11-25T06:30:00Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # Formatted field by field: strftime's %Y gives "999", not "0999", which from_storage cannot read back, and
    # strftime was a tenth of a bulk write's time (three times per row).
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}Z")


def from_storage(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_ZONE)


def format_local(text: str | None) -> str:
    """Stored UTC text shown as UK local time, ``2026-11-25 06:30``."""
    if not text:
        return ""
    return to_local(from_storage(text)).strftime("%Y-%m-%d %H:%M")


def short_local(text: str | None) -> str:
    """Stored UTC text as UK local time without the year, ``25 Nov 06:30``: a narrow table's When."""
    if not text:
        return ""
    return to_local(from_storage(text)).strftime("%d %b %H:%M")


def parse_moment(value: str | datetime, field: str) -> datetime:
    """Accept ISO 8601 (``2026-11-25T06:30``, ``2026-11-25 06:30``, with or without zone) or a datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if not text:
            raise ValidationError.single(field, "time is empty")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError.single(
                field, f"{text!r} is not a date and time (use YYYY-MM-DD HH:MM, UK local time)"
            ) from None
    if moment.tzinfo is None:
        if not isinstance(value, datetime):
            _check_local_exists(moment, field)
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00, which is before the first day a datetime can hold
        raise ValidationError.single(field, f"{moment.isoformat()} is out of range") from None


def _check_local_exists(naive: datetime, field: str) -> None:
    """Refuse a typed UK time the clocks skip (the spring gap: it was silently read an hour later) or pass twice
    (the autumn hour: silently the first), naming the offset that says which; one a box or a clock gave is as
    it came."""
    try:
        first = naive.replace(tzinfo=LOCAL_ZONE, fold=0).astimezone(UTC)
        second = naive.replace(tzinfo=LOCAL_ZONE, fold=1).astimezone(UTC)
    except OverflowError:
        return  # out of range: parse_moment says so
    if first == second:
        return
    typed = naive.strftime("%Y-%m-%d %H:%M")
    if first > second:  # zoneinfo: in the gap fold=0 takes the offset before the change, so it lands later
        raise ValidationError.single(field, f"{typed} does not exist in UK time: the clocks went forward an hour "
                                            "that night; check the time")
    raise ValidationError.single(field, f"{typed} happens twice in UK time (the clocks went back an hour that "
                                        f"night): give {typed}+01:00 for the first (BST) or {typed}+00:00 for the "
                                        "second (GMT)")


def parse_date(value: str | date, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError.single(field, f"{value!r} is not a date (use YYYY-MM-DD)") from None


def check_not_future(moment: datetime, field: str, now: datetime) -> None:
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError.single(field, f"{format_local(to_storage(moment))} is in the future")
