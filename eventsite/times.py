"""Local wall-clock times and UTC: DST gaps are refused, overlaps resolved explicitly."""

from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime
from flask import has_app_context
from flask_babel import gettext
from wtforms import SelectChoice

from eventsite.i18n import PATTERNS, when

REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 01:30 on the spring-forward day).
    Its message is for the person who typed the time."""

    def __init__(self, local: datetime, zone: ZoneInfo) -> None:
        super().__init__(
            gettext(
                "%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward then. "
                "Choose a time an hour later.",
                time=written(local, "time"),
                date=written(local.date(), "date"),
                zone=zone.key,
            )
        )


def written(moment: datetime | date, style: str) -> str:
    """``moment`` as eventsite.i18n.when writes it; in English when no app is running
    (the rules are checked, and the tests of them run, without one)."""
    if has_app_context():
        return when(moment, style)
    if isinstance(moment, datetime):
        return format_datetime(moment, PATTERNS[style], tzinfo=moment.tzinfo, locale="en")
    return format_date(moment, PATTERNS[style], locale="en")


@cache
def timezone_names() -> tuple[str, ...]:
    """Every zone an event may have: region/city names (legacy ones too, so older
    events stay valid) and UTC; not the bare aliases such as "GB" or "Zulu"."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


@cache
def offered_zones() -> tuple[str, ...]:
    """The zones people pick from: IANA's zone.tab (the zones in use, one line per country
    and zone, without legacy aliases such as Asia/Calcutta or US/Pacific) in the regions."""
    try:
        table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
        in_use = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    except (ModuleNotFoundError, OSError, IndexError):
        in_use = set(available_timezones())  # no tzdata package: the regions' names alone
    names = set(timezone_names())
    return tuple(sorted(name for name in in_use & names if name.split("/", 1)[0] in REGIONS))


def timezone_choices(site_zone: str, current: str | None = None) -> list[SelectChoice]:
    """The site's zone first, then UTC, then each region's zones in an optgroup. An
    event's ``current`` zone stays selectable when it is a legacy name (US/Pacific)."""
    legacy = [current] if current in timezone_names() and current not in offered_zones() else []
    top = list(dict.fromkeys([site_zone, *legacy, "UTC"]))  # each once, in this order
    grouped = [
        SelectChoice(name, name.split("/", 1)[1].replace("_", " "), optgroup=name.split("/", 1)[0])
        for name in offered_zones()
        if name not in top
    ]
    return [SelectChoice(name, name.replace("_", " ")) for name in top] + grouped


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
        raise NonexistentLocalTime(local, zone)
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(UTC)
