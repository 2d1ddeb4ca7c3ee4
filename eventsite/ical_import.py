"""Reading a calendar someone imports: each upcoming VEVENT as what the propose form would
be given, with the rule applied stated beside it, or the reason it cannot come in.

Nothing here touches the database; eventsite.imports saves what the importer chooses,
through the same form and rules as a proposal typed by hand.

The rules, for what calendars send that a gathering here cannot be:
- a time zone: an IANA name, or a Windows one ("GMT Standard Time", as Outlook writes),
  is used as it is; a zone the site does not know keeps the moment the file's own
  VTIMEZONE gives, written in the site's zone; a time without a zone ("floating") is the
  calendar's X-WR-TIMEZONE, else the site's zone; a UTC time is written in that zone too;
- where: a LOCATION that is a link, or "Online" with a URL, is online at that link (the
  importer's chosen locality is for the others); else its first part is the venue and
  the whole of it the address;
- no DTEND: DURATION if given, else an hour;
- an all-day event, an event without a title or a UID, or one that ends before it
  starts: not imported, with the reason;
- a repeating event becomes a series when it repeats the way series here do (weekly,
  fortnightly, monthly on a date or on a weekday, to an end or not: with no end, its
  sessions are made SERIES_HORIZON_DAYS ahead, as for any series); a series that began
  in the past starts at its next session. Other repeats are not imported, with the reason;
  moved or cancelled single sessions (RECURRENCE-ID, EXDATE) are not carried over;
- past events are left out; more than MAX_EVENTS upcoming ones is refused as a whole.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask import current_app
from flask_babel import gettext, ngettext
from icalendar import Calendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from eventsite.recurrence import MAX_SESSIONS, WEEKDAYS, RepeatRule, Repeats, weeks_of_month
from eventsite.text import has_control_chars
from eventsite.times import is_timezone

MAX_EVENTS = 500
TITLE_MAX, VENUE_MAX, ADDRESS_MAX, DESCRIPTION_MAX = 120, 120, 300, 10_000
DEFAULT_LENGTH = timedelta(hours=1)
URL = re.compile(r"^https?://\S+$")


class UnreadableCalendar(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Found:
    """One upcoming event of the calendar, as the propose form would be filled in."""

    uid: str
    title: str
    starts_local: datetime | None = None  # naive, in ``timezone``
    ends_local: datetime | None = None
    timezone: str = ""
    venue_name: str = ""
    address: str = ""
    online_url: str = ""
    description: str = ""
    repeats: RepeatRule | None = None
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)  # the rules applied, for the importer to see
    problem: str = ""  # why it cannot come in; "" when it can
    rule_text: str = ""  # the source's RRULE, and its first start (before a series that
    first_local: datetime | None = None  # began in the past moves on to its next session)

    @property
    def starts(self) -> datetime | None:
        """The start, aware, in its zone (for showing)."""
        return self.starts_local.replace(tzinfo=ZoneInfo(self.timezone)) if self.starts_local else None

    @property
    def ends(self) -> datetime | None:
        return self.ends_local.replace(tzinfo=ZoneInfo(self.timezone)) if self.ends_local else None

    @property
    def repeats_in_words(self) -> str:
        return self.repeats.describe(self.starts_local.date()) if self.repeats and self.starts_local else ""

    @property
    def fingerprint(self) -> str:
        """Changes when anything that is brought in changes at the source (not the notes, and
        not as time passes: a series is known by its own first start and rule)."""
        start = self.first_local or self.starts_local
        length = self.ends_local - self.starts_local if self.starts_local and self.ends_local else None
        parts = [self.title, start, length, self.timezone, self.venue_name, self.address, self.online_url,
                 self.description, self.rule_text, self.cancelled]  # fmt: skip
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()

    @property
    def form_data(self) -> dict[str, str]:
        """What the propose form gets for it (the kind and place are the importer's choice)."""
        data = {
            "title": self.title,
            "starts_at": f"{self.starts_local:%Y-%m-%dT%H:%M}",
            "ends_at": f"{self.ends_local:%Y-%m-%dT%H:%M}",
            "timezone": self.timezone,
            "venue_name": self.venue_name,
            "address": self.address,
            "online_url": self.online_url,
            "description": self.description,
        }
        if self.repeats is not None:
            data["repeats"] = self.repeats.repeats.value
            data["week_of_month"] = str(self.repeats.week_of_month or "")
            data["repeat_until"] = f"{self.repeats.until:%Y-%m-%d}" if self.repeats.until else ""
            data["repeat_count"] = str(self.repeats.count or "")
        return data


@dataclass
class ReadCalendar:
    name: str
    items: list[Found]  # upcoming, soonest first
    past: int  # events left out because they are over


def read_calendar(body: bytes, site_zone: str, now: datetime) -> ReadCalendar:
    try:
        calendar = Calendar.from_ical(body)
    except Exception:  # icalendar raises many kinds of error for a broken file
        raise UnreadableCalendar(gettext("This is not an iCalendar (.ics) file the site can read.")) from None
    if calendar.name != "VCALENDAR":
        raise UnreadableCalendar(gettext("This is not an iCalendar (.ics) file the site can read."))
    default_zone = _known_zone(str(calendar.get("X-WR-TIMEZONE", ""))) or site_zone
    name = _clean(str(calendar.get("X-WR-CALNAME", "") or calendar.get("NAME", "")))[:200]
    items, past, seen = [], 0, set()
    for component in calendar.walk("VEVENT"):
        if component.get("RECURRENCE-ID") is not None:
            continue  # a moved or changed single session of a repeating event: not carried over
        try:
            found = _read_event(component, default_zone, now)
        except Exception:  # one broken event must not stop the others
            uid = _clean(str(component.get("UID", "")))[:255]
            found = Found(uid, _clean(str(component.get("SUMMARY", "")))[:TITLE_MAX])
            found.problem = gettext("Its dates could not be read.")
        if found is None:
            past += 1
            continue
        if found.uid and found.uid in seen:
            continue
        seen.add(found.uid)
        items.append(found)
        if len(items) > MAX_EVENTS:
            raise UnreadableCalendar(
                gettext(
                    "This calendar has more than %(num)d upcoming events: the site imports at most %(num)d at "
                    "once. Export a shorter period and import that.",
                    num=MAX_EVENTS,
                )
            )
    items.sort(key=lambda item: (item.starts_local is None, _sort_instant(item)))
    return ReadCalendar(name, items, past)


def _sort_instant(item: Found) -> datetime:
    if item.starts_local is None:
        return datetime.max.replace(tzinfo=UTC)
    return item.starts_local.replace(tzinfo=ZoneInfo(item.timezone))


def _read_event(component, default_zone: str, now: datetime) -> Found | None:
    uid = _clean(str(component.get("UID", "")))[:255]
    title = _clean(str(component.get("SUMMARY", "")))
    found = Found(uid, title[:TITLE_MAX])
    if len(title) > TITLE_MAX:
        found.notes.append(gettext("The title was cut to %(num)d characters.", num=TITLE_MAX))
    start_property = component.get("DTSTART")
    if start_property is None:
        found.problem = gettext("It has no start time.")
        return found
    start = start_property.dt
    if not isinstance(start, datetime):
        found.problem = gettext("It lasts all day: gatherings here have a start and an end time. Add it by hand.")
        return _unless_past_day(found, start, component, now)
    zone_name, start_local = _in_a_zone(start, start_property.params.get("TZID"), default_zone, found)
    end_local = _end(component, start, zone_name, start_local, found)
    found.timezone, found.starts_local, found.ends_local = zone_name, start_local, end_local
    found.cancelled = str(component.get("STATUS", "")).upper() == "CANCELLED"
    _where(component, found)
    description = _clean_text(str(component.get("DESCRIPTION", "")))
    found.description = description[:DESCRIPTION_MAX]
    if len(description) > DESCRIPTION_MAX:
        found.notes.append(gettext("The description was cut to %(num)d characters.", num=DESCRIPTION_MAX))
    zone = ZoneInfo(zone_name)
    if component.get("RRULE") is not None:
        return _repeating(component, start, found, zone, now)
    if end_local is not None and end_local.replace(tzinfo=zone) <= now:
        return None
    _check_basics(found)
    return found


def _unless_past_day(found: Found, day: date, component, now: datetime) -> Found | None:
    end = component.get("DTEND")
    last = end.dt if end is not None and isinstance(end.dt, date) else day + timedelta(days=1)
    return None if component.get("RRULE") is None and last <= now.date() else found


def _check_basics(found: Found) -> None:
    if not found.uid:
        found.problem = gettext("It has no UID, so a later import could not tell it apart: not imported.")
    elif not found.title:
        found.problem = gettext("It has no title.")
    elif found.ends_local is not None and found.ends_local <= found.starts_local:
        found.problem = gettext("It ends before it starts.")


def _known_zone(name: str) -> str:
    name = name.strip().strip('"')
    if is_timezone(name):
        return name
    olson = WINDOWS_TO_OLSON.get(name)
    return olson if olson and is_timezone(olson) else ""


def _in_a_zone(moment: datetime, tzid, default_zone: str, found: Found) -> tuple[str, datetime]:
    """The zone a gathering is written in, and its naive local start there."""
    named = _known_zone(str(tzid)) if tzid else ""
    if moment.tzinfo is None:  # floating, or a zone the file names but does not describe
        if named:
            return named, moment.replace(second=0, microsecond=0)
        if tzid:
            found.notes.append(_unknown_zone(tzid, default_zone))
        return default_zone, moment.replace(second=0, microsecond=0)
    if named:
        return named, moment.astimezone(ZoneInfo(named)).replace(tzinfo=None, second=0, microsecond=0)
    if tzid:
        found.notes.append(_unknown_zone(tzid, default_zone))
    local = moment.astimezone(ZoneInfo(default_zone)).replace(tzinfo=None, second=0, microsecond=0)
    return default_zone, local


def _unknown_zone(tzid, default_zone: str) -> str:
    return gettext(
        "Its time zone “%(zone)s” is not one the site knows: the time is kept, written in %(site)s.",
        zone=_clean(str(tzid))[:60],
        site=default_zone,
    )


def _end(component, start: datetime, zone_name: str, start_local: datetime, found: Found) -> datetime:
    end_property = component.get("DTEND")
    if end_property is not None and isinstance(end_property.dt, datetime):
        end = end_property.dt
        if end.tzinfo is None:
            return end.replace(second=0, microsecond=0)
        if start.tzinfo is None:
            return end.replace(tzinfo=None, second=0, microsecond=0)
        return end.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None, second=0, microsecond=0)
    duration = component.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta) and duration.dt > timedelta(0):
        return start_local + duration.dt
    found.notes.append(gettext("It gives no end time: it is taken to last an hour."))
    return start_local + DEFAULT_LENGTH


def _where(component, found: Found) -> None:
    location = _clean(str(component.get("LOCATION", "")))
    link = _clean(str(component.get("URL", "")))
    if URL.match(location):
        found.online_url = location[:500]
        return
    if location.casefold() in {"online", gettext("Online").casefold()} and URL.match(link):
        found.online_url = link[:500]  # as this site's own feed writes an online gathering
        return
    if location:
        venue, _, rest = location.partition(",")
        found.venue_name = venue.strip()[:VENUE_MAX]
        found.address = location[:ADDRESS_MAX] if rest.strip() else ""
    elif URL.match(link):
        found.online_url = link[:500]


def _repeating(component, start: datetime, found: Found, zone: ZoneInfo, now: datetime) -> Found | None:
    rule_text = component.get("RRULE").to_ical().decode().upper().replace("\\", "")
    found.rule_text = rule_text
    parts = dict(part.split("=", 1) for part in rule_text.split(";") if "=" in part)
    rule = _series_rule(parts, found.starts_local, zone)
    if rule is None:
        found.problem = gettext(
            "It repeats in a way a series here cannot (%(rule)s): series repeat weekly, fortnightly, or monthly "
            "on a date or a weekday.",
            rule=rule_text[:80],
        )
        return found
    # Its sessions in local wall-clock time (19:00 stays 19:00), by the source's own rule.
    first, length = found.starts_local, found.ends_local - found.starts_local
    found.first_local = first
    without_until = ";".join(f"{name}={value}" for name, value in parts.items() if name != "UNTIL")
    try:
        sessions = rrulestr(without_until, dtstart=first)
        if rule.until is not None:
            sessions = sessions.replace(until=datetime.combine(rule.until, time.max))
        upcoming = sessions.after(now.astimezone(zone).replace(tzinfo=None) - length, inc=True)
    except (ValueError, TypeError, OverflowError):
        found.problem = gettext("Its repeat rule could not be read.")
        return found
    if upcoming is None:
        return None  # every session is over
    if component.get("EXDATE") is not None:
        found.notes.append(gettext("Sessions cancelled at the source (EXDATE) are not cancelled here."))
    if upcoming.date() != first.date():
        done = 1 + sum(1 for _ in sessions.between(first, upcoming, inc=False))
        found.notes.append(gettext("It began in the past: the series starts at its next session."))
        found.starts_local, found.ends_local = upcoming, upcoming + length
        week = rule.week_of_month
        if rule.repeats is Repeats.MONTHLY_ON_WEEKDAY and week != -1:
            week = weeks_of_month(upcoming.date())[0]
        rule = RepeatRule(rule.repeats, rule.until, rule.count - done if rule.count else None, week)
    if rule.until is None and rule.count is None:
        days = current_app.config["SERIES_HORIZON_DAYS"]
        found.notes.append(
            ngettext(
                "It repeats with no end: its sessions are made %(num)d day ahead at a time.",
                "It repeats with no end: its sessions are made %(num)d days ahead at a time.",
                days,
            )
        )
    if rule.count is not None and rule.count > MAX_SESSIONS:
        rule = RepeatRule(rule.repeats, rule.until, MAX_SESSIONS, rule.week_of_month)
        found.notes.append(
            ngettext("Only its next %(num)d session is made.", "Only its next %(num)d sessions are made.", MAX_SESSIONS)
        )
    found.repeats = rule
    _check_basics(found)
    return found


def _series_rule(parts: dict[str, str], first_local: datetime, zone: ZoneInfo) -> RepeatRule | None:
    """The source's RRULE as one of the series rules here, or None."""
    first = first_local.date()
    allowed = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"}
    if set(parts) - allowed:
        return None
    interval = parts.get("INTERVAL", "1")
    count = int(parts["COUNT"]) if parts.get("COUNT", "").isdigit() else None
    until = _until(parts.get("UNTIL"), first_local, zone)
    weekday = WEEKDAYS[first.weekday()]
    days = parts.get("BYDAY", "").split(",") if parts.get("BYDAY") else []
    if parts.get("FREQ") == "WEEKLY" and interval in ("1", "2") and days in ([], [weekday]):
        if "BYMONTHDAY" in parts or "BYSETPOS" in parts:
            return None
        return RepeatRule(Repeats.FORTNIGHTLY if interval == "2" else Repeats.WEEKLY, until, count)
    if parts.get("FREQ") != "MONTHLY" or interval != "1":
        return None
    if not days and parts.get("BYMONTHDAY", str(first.day)) == str(first.day) and "BYSETPOS" not in parts:
        return RepeatRule(Repeats.MONTHLY_ON_DATE, until, count)
    if len(days) != 1 or "BYMONTHDAY" in parts:
        return None
    match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", days[0])
    position = parts.get("BYSETPOS") or (match.group(1) if match else None)
    if not match or match.group(2) != weekday or position is None:
        return None
    week = int(position)
    if week != -1 and week not in weeks_of_month(first):
        return None
    return RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, until, count, week)


def _until(value: str | None, first_local: datetime, zone: ZoneInfo) -> date | None:
    """The last date a session may fall on: UNTIL is the last moment a session may start."""
    if not value:
        return None
    try:
        if len(value) == 8:
            return datetime.strptime(value, "%Y%m%d").date()
        moment = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if value.endswith("Z"):
        moment = moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    last_start = datetime.combine(moment.date(), first_local.time())
    return moment.date() if last_start <= moment else moment.date() - timedelta(days=1)


def _clean(text: str) -> str:
    """One line: control characters and runs of spaces become one space."""
    return re.sub(r"\s+", " ", "".join(" " if has_control_chars(c) else c for c in text)).strip()


def _clean_text(text: str) -> str:
    """Paragraphs kept; other control characters dropped."""
    lines = ("".join(c for c in line if not has_control_chars(c)).rstrip() for line in text.splitlines())
    return "\n".join(lines).strip()
