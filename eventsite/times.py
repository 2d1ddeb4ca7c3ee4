"""Local wall-clock times and UTC: DST gaps are refused, overlaps resolved explicitly."""

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 01:30 on the spring-forward day)."""


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name))


def is_timezone(name: str) -> bool:
    if name not in timezone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """True for a wall-clock time that happens twice (the hour the clocks go back)."""
    earlier = local.replace(tzinfo=zone, fold=0).utcoffset()
    later = local.replace(tzinfo=zone, fold=1).utcoffset()
    return earlier != later and not _is_gap(local, zone)


def _is_gap(local: datetime, zone: ZoneInfo) -> bool:
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) != local


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Convert a naive wall-clock time in ``zone`` to aware UTC.

    A time in a DST gap raises NonexistentLocalTime. A time that happens twice
    is taken as its first occurrence (fold=0, still on summer time), the same
    choice Google Calendar makes.
    """
    if _is_gap(local, zone):
        raise NonexistentLocalTime(
            f"{local:%H:%M} does not exist on {local:%d %B %Y} in {zone.key}: "
            "the clocks go forward then. Choose a time an hour later."
        )
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(UTC)
