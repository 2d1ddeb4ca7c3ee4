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
from flask_babel import gettext, ngettext

from eventsite.errors import InvalidInput
from eventsite.i18n import lazy_gettext
from eventsite.times import NonexistentLocalTime, local_to_utc, written

MAX_SESSIONS = 200  # sessions one rule may make: four years of a weekly series
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # iCalendar's names
# A weekday as "Every week on …" says it, Monday first (a language may need its own
# preposition or case: Polish "w czwartek", "we wtorek").
ON_DAYS = (
    lazy_gettext("on Monday"),
    lazy_gettext("on Tuesday"),
    lazy_gettext("on Wednesday"),
    lazy_gettext("on Thursday"),
    lazy_gettext("on Friday"),
    lazy_gettext("on Saturday"),
    lazy_gettext("on Sunday"),
)
# Each week of the month with each weekday, as in "Every month on the first Thursday": whole
# phrases, as the ordinal agrees with the weekday in some languages (Polish "pierwszą środę").
NTH_DAYS = {
    1: (
        lazy_gettext("first Monday"),
        lazy_gettext("first Tuesday"),
        lazy_gettext("first Wednesday"),
        lazy_gettext("first Thursday"),
        lazy_gettext("first Friday"),
        lazy_gettext("first Saturday"),
        lazy_gettext("first Sunday"),
    ),
    2: (
        lazy_gettext("second Monday"),
        lazy_gettext("second Tuesday"),
        lazy_gettext("second Wednesday"),
        lazy_gettext("second Thursday"),
        lazy_gettext("second Friday"),
        lazy_gettext("second Saturday"),
        lazy_gettext("second Sunday"),
    ),
    3: (
        lazy_gettext("third Monday"),
        lazy_gettext("third Tuesday"),
        lazy_gettext("third Wednesday"),
        lazy_gettext("third Thursday"),
        lazy_gettext("third Friday"),
        lazy_gettext("third Saturday"),
        lazy_gettext("third Sunday"),
    ),
    4: (
        lazy_gettext("fourth Monday"),
        lazy_gettext("fourth Tuesday"),
        lazy_gettext("fourth Wednesday"),
        lazy_gettext("fourth Thursday"),
        lazy_gettext("fourth Friday"),
        lazy_gettext("fourth Saturday"),
        lazy_gettext("fourth Sunday"),
    ),
    -1: (
        lazy_gettext("last Monday"),
        lazy_gettext("last Tuesday"),
        lazy_gettext("last Wednesday"),
        lazy_gettext("last Thursday"),
        lazy_gettext("last Friday"),
        lazy_gettext("last Saturday"),
        lazy_gettext("last Sunday"),
    ),
}
# A day of the month as an ordinal, by English's suffix ("22nd"); a language may write "22.".
ORDINAL_DAYS = {
    "st": lazy_gettext("%(day)dst"),
    "nd": lazy_gettext("%(day)dnd"),
    "rd": lazy_gettext("%(day)drd"),
    "th": lazy_gettext("%(day)dth"),
}
MISSING_DATE_RULE = lazy_gettext(
    "In a month without that date (the 31st in April, say), the session is on the month's last day."
)


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
            raise InvalidInput("until", gettext("Give an end date or a number of sessions, not both."))
        if self.until is not None and self.until < first:
            raise InvalidInput("until", gettext("The series cannot end before its first session."))
        if self.count is not None and not 1 <= self.count <= MAX_SESSIONS:
            raise InvalidInput("count", gettext("A series can have from 1 to %(num)d sessions.", num=MAX_SESSIONS))
        if self.repeats is Repeats.MONTHLY_ON_WEEKDAY and self.week_of_month not in weeks_of_month(first):
            raise InvalidInput("week_of_month", _weeks_offered(first))
        if self.until is not None and len(self._dates(first, self.until)) > MAX_SESSIONS:
            message = gettext("That makes more than %(num)d sessions: choose an earlier end.", num=MAX_SESSIONS)
            raise InvalidInput("until", message)

    def describe(self, first: date) -> str:
        """The rule in words: "Every week on Thursday, 10 sessions"."""
        words = self._how_often(first)
        if self.count is not None:
            return ngettext("%(rule)s, %(num)d session", "%(rule)s, %(num)d sessions", self.count, rule=words)
        if self.until is not None:
            return gettext("%(rule)s, until %(date)s", rule=words, date=written(self.until, "date"))
        return words

    def _how_often(self, first: date) -> str:
        weekday = first.weekday()
        if self.repeats is Repeats.WEEKLY:
            return gettext("Every week %(on_day)s", on_day=ON_DAYS[weekday])
        if self.repeats is Repeats.FORTNIGHTLY:
            return gettext("Every two weeks %(on_day)s", on_day=ON_DAYS[weekday])
        if self.repeats is Repeats.MONTHLY_ON_DATE:
            return gettext("Every month on the %(nth)s", nth=_nth(first.day))
        return gettext("Every month on the %(nth_day)s", nth_day=NTH_DAYS[self.week_of_month][weekday])

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


def _weeks_offered(first: date) -> str:
    """The message for a weekday rule that does not fit the first session's date."""
    offered = [NTH_DAYS[week][first.weekday()] for week in weeks_of_month(first)]
    if len(offered) == 1:
        return gettext("The first session is on the %(nth_day)s of its month: choose that.", nth_day=offered[0])
    return gettext(
        "The first session is on the %(nth_day)s or the %(last_day)s of its month: choose that.",
        nth_day=offered[0],
        last_day=offered[1],
    )


def _nth(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return ORDINAL_DAYS[suffix] % {"day": day}


def first_sessions(rule: RepeatRule, first: datetime, zone: ZoneInfo, shown: int = 5) -> list[datetime]:
    """The first few sessions a rule will create (the form's preview), in UTC."""
    far = first.date() + timedelta(days=31 * shown)  # room for ``shown`` monthly sessions
    return [moment.astimezone(UTC) for moment in rule.sessions(first, zone, far)[:shown]]
