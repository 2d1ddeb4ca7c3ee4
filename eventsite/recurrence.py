"""How a series repeats: a rule people can say in a sentence, stored as an RRULE, expanded
in local wall-clock time (19:00 stays 19:00 across daylight-saving changes) and only
then turned into UTC, one instant per session.

The shapes people ask for, and no others:

- every week, or every two weeks, on the first session's weekday;
- monthly on a date (the 14th): on the 29th, 30th or 31st, a month without that date
  has its session on its last day;
- monthly on a weekday: the first, second, third or fourth Thursday, or the last Friday
  (a "fifth Friday" is not offered: most months have none).

A series ends on a date or after a number of sessions, or runs on (then its hosts are
asked now and then whether it is still happening). Nothing here touches the database.
"""

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from eventsite.errors import InvalidInput
from eventsite.times import NonexistentLocalTime, local_to_utc

MAX_SESSIONS = 200  # sessions one rule may make: four years of a weekly series
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # iCalendar's names
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
MISSING_DATE_RULE = "In a month without that date (the 31st in April, say), the session is on the month's last day."


class Repeats(enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY_ON_DATE = "monthly-date"
    MONTHLY_ON_WEEKDAY = "monthly-weekday"


@dataclass(frozen=True)
class RepeatRule:
    """How often, from the first session's date and local time, and until when."""

    repeats: Repeats
    until: date | None = None  # the last date a session may fall on
    count: int | None = None  # or how many sessions in all
    week_of_month: int | None = None  # MONTHLY_ON_WEEKDAY: 1 to 4, or -1 for the last

    def check(self, first: date) -> None:
        """Refuse a rule that cannot be kept, each with the field to mend."""
        if self.until is not None and self.count is not None:
            raise InvalidInput("until", "Give an end date or a number of sessions, not both.")
        if self.until is not None and self.until < first:
            raise InvalidInput("until", "The series cannot end before its first session.")
        if self.count is not None and not 1 <= self.count <= MAX_SESSIONS:
            raise InvalidInput("count", f"A series can have from 1 to {MAX_SESSIONS} sessions.")
        if self.repeats is Repeats.MONTHLY_ON_WEEKDAY and self.week_of_month not in weeks_of_month(first):
            offered = " or the ".join(
                f"{ORDINALS[week]} {DAY_NAMES[first.weekday()]}" for week in weeks_of_month(first)
            )
            raise InvalidInput("week_of_month", f"The first session is on the {offered} of its month: choose that.")
        if self.until is not None and len(self._dates(first, self.until)) > MAX_SESSIONS:
            raise InvalidInput("until", f"That makes more than {MAX_SESSIONS} sessions: choose an earlier end.")

    def describe(self, first: date) -> str:
        """The rule in words: "Every week on Thursday, 10 sessions"."""
        day = DAY_NAMES[first.weekday()]
        words = {
            Repeats.WEEKLY: f"Every week on {day}",
            Repeats.FORTNIGHTLY: f"Every two weeks on {day}",
            Repeats.MONTHLY_ON_DATE: f"Every month on the {_nth(first.day)}",
            Repeats.MONTHLY_ON_WEEKDAY: f"Every month on the {ORDINALS.get(self.week_of_month, '?')} {day}",
        }[self.repeats]
        if self.count is not None:
            return f"{words}, {self.count} session{'s' if self.count != 1 else ''}"
        if self.until is not None:
            return f"{words}, until {self.until.day} {self.until:%B %Y}"
        return words

    def to_rrule(self, first: date) -> str:
        """The rule as an iCalendar RRULE value (without DTSTART), for storing."""
        parts = [f"FREQ={'WEEKLY' if self.repeats in (Repeats.WEEKLY, Repeats.FORTNIGHTLY) else 'MONTHLY'}"]
        if self.repeats is Repeats.FORTNIGHTLY:
            parts.append("INTERVAL=2")
        if self.repeats is Repeats.MONTHLY_ON_DATE:
            # The date, or the month's last day when the month is shorter.
            parts += [f"BYMONTHDAY={first.day},-1", "BYSETPOS=1"] if first.day > 28 else [f"BYMONTHDAY={first.day}"]
        if self.repeats is Repeats.MONTHLY_ON_WEEKDAY:
            parts.append(f"BYDAY={self.week_of_month}{WEEKDAYS[first.weekday()]}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, value: str) -> "RepeatRule":
        """Read back what ``to_rrule`` stored."""
        parts = dict(part.split("=", 1) for part in value.split(";"))
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date() if "UNTIL" in parts else None
        count = int(parts["COUNT"]) if "COUNT" in parts else None
        if parts["FREQ"] == "WEEKLY":
            repeats = Repeats.FORTNIGHTLY if parts.get("INTERVAL") == "2" else Repeats.WEEKLY
            return cls(repeats, until, count)
        if "BYDAY" in parts:
            return cls(Repeats.MONTHLY_ON_WEEKDAY, until, count, int(parts["BYDAY"][:-2]))
        return cls(Repeats.MONTHLY_ON_DATE, until, count)

    def dates(self, first: date, through: date) -> list[date]:
        """Every session's date from ``first`` to ``through`` (and the rule's own end)."""
        return self._dates(first, through)

    def _dates(self, first: date, through: date) -> list[date]:
        start = datetime.combine(first, time())
        rule = rrulestr(self.to_rrule(first), dtstart=start)
        assert isinstance(rule, rrule)
        end = datetime.combine(through, time.max)
        return [moment.date() for moment in rule.between(start, end, inc=True)]

    def sessions(self, first: datetime, zone: ZoneInfo, through: date) -> list[datetime]:
        """Each session's start in UTC, from the first session's local start (naive, in ``zone``)."""
        return [session_start(day, first.time(), zone) for day in self.dates(first.date(), through)]


def session_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day``. On the night the clocks go forward,
    a time they skip (01:30 in London) becomes the same clock time an hour later."""
    local = datetime.combine(day, at)
    try:
        return local_to_utc(local, zone)
    except NonexistentLocalTime:
        return local_to_utc(local + timedelta(hours=1), zone)


def weeks_of_month(day: date) -> list[int]:
    """Which "nth weekday" a date is: [2] for the second Thursday, [4, -1] for a fourth
    Thursday that is also the month's last; a fifth one is only the last."""
    nth = (day.day - 1) // 7 + 1
    last = (day + timedelta(days=7)).month != day.month
    return [week for week in (nth if nth <= 4 else None, -1 if last else None) if week is not None]


def _nth(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def first_sessions(rule: RepeatRule, first: datetime, zone: ZoneInfo, shown: int = 5) -> list[datetime]:
    """The first few sessions a rule will create (the form's preview), in UTC."""
    far = first.date() + timedelta(days=31 * shown)  # room for ``shown`` monthly sessions
    return [moment.astimezone(UTC) for moment in rule.sessions(first, zone, far)[:shown]]
