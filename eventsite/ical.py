"""iCalendar output: subscribed feeds, one-event downloads and the .ics sent by email.

Follows shared/ICAL.md, the list of what calendar apps get right and wrong:
the UID never changes, SEQUENCE comes from the event, DTSTAMP from its last
change (so the same data gives the same bytes, and so the same ETag), there is
no METHOD in feeds, no attendee or email address (except the ORGANIZER that
RFC 5546 requires in REQUEST/CANCEL emails), and every TZID has an RRULE-style
VTIMEZONE, because the long RDATE lists that icalendar writes by itself are
misread by Thunderbird (ical.js reads only the first date).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from icalendar import Calendar, vDuration
from icalendar import Event as VEvent

from eventsite.cache import store
from eventsite.i18n import current_language
from eventsite.models import Event
from eventsite.text import markdown_to_text
from eventsite.vtimezones import UTC_ZONES, vtimezone

PRODID = "-//eventsite//eventsite//EN"
END_CALENDAR = b"END:VCALENDAR\r\n"
FEED_REFRESH = timedelta(hours=1)
SHORT_DESCRIPTION = 160  # characters of the host's text in the shared feed
SHORT_SOURCE = 1000  # characters of Markdown converted to give them
METHODS = frozenset({"REQUEST", "CANCEL"})
STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})
# Control characters (RFC 5545 forbids them in TEXT) and Unicode line separators,
# which some parsers take for line breaks. Tab and newline are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class FeedEntry:
    """An event as one person's feed shows it, e.g. TENTATIVE with "waitlist, place 3".

    ``private_details`` is for hosts and people going (see
    ``rsvps.sees_private_details``): it adds the link to join online and an
    address the host keeps for attendees. Off by default: feeds and downloads are public.
    """

    event: Event
    status: str | None = None
    extra_description: str = ""
    private_details: bool = False
    # The shared feed cuts the host's text (the page has all of it), so 1,000 events fit in 800 KB.
    short: bool = False


@dataclass(frozen=True)
class PrivateMeeting:
    """A meeting that is not a gathering (a brew pair's, eventsite.brew_rounds): only its own
    people's feeds and emails carry it. Its text is final: no counts, hosts or tags."""

    uid: str  # without the site's host name
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    description: str
    url: str
    sequence: int
    created_at: datetime
    updated_at: datetime

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(ZoneInfo(self.timezone))


# -- the public API ---------------------------------------------------------------


def event_uid(event: Event) -> str:
    """The UID calendars match updates by: built from the id alone, so it never changes."""
    return _uid(f"event-{event.id}")


def _uid(local_part: str) -> str:
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"{local_part}@{host}"


def event_calendar(
    event: Event,
    *,
    method: str | None = None,
    url: str,
    status: str | None = None,
    extra_description: str = "",
    private_details: bool = False,
) -> bytes:
    """One event and its VTIMEZONE: a download (no METHOD), or the REQUEST or
    CANCEL attached to an email to one person about one event (see FeedEntry)."""
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)} or None, not {method!r}")
    calendar = _calendar()
    if method:
        calendar.add("method", method)
    _add_timezones(calendar, [event])
    status = "CANCELLED" if method == "CANCEL" else status
    vevent = _vevent(FeedEntry(event, status, extra_description, private_details), url)
    if method:
        _add_organizer(vevent)
    calendar.add_component(vevent)
    return calendar.to_ical()


def calendar_bytes(
    entries: Iterable[Event | FeedEntry],
    *,
    name: str,
    description: str,
    url_for_event: Callable[[Event], str],
    meetings: Iterable[PrivateMeeting] = (),
) -> bytes:
    """A subscribed feed (a personal one may add private ``meetings``). Entries are sorted
    here so the caller's query order cannot change the bytes (and so the ETag)."""
    items = sorted(map(_as_entry, entries), key=lambda entry: (entry.event.starts_at, entry.event.id))
    meetings = sorted(meetings, key=lambda meeting: (meeting.starts_at, meeting.uid))
    calendar = _calendar()
    _add_feed_properties(calendar, name, description)
    _add_timezones(calendar, [*(entry.event for entry in items), *meetings])
    head = calendar.to_ical().removesuffix(END_CALENDAR)  # the VEVENTs go in before its last line
    vevents = [_vevent_bytes(entry, url_for_event(entry.event)) for entry in items]
    vevents += [_meeting_vevent(meeting).to_ical() for meeting in meetings]
    return b"".join([head, *vevents, END_CALENDAR])


def _vevent_bytes(entry: FeedEntry, url: str) -> bytes:
    """A VEVENT as a feed writes it, kept by what it shows (``eventsite.cache``): a feed rebuilt
    after one answer or edit writes only that event's afresh (icalendar takes ~1 ms each).
    Every change to an event moves its ``updated_at``; the place's and tags' names are in the key."""
    event = entry.event
    key = (
        event.id,
        event.updated_at,
        event.cancelled_at,
        event.place.name if event.place else None,
        tuple(sorted(tag.name for tag in event.tags)),
        entry.status,
        entry.extra_description,
        entry.short,
        entry.private_details,
        url,
        current_language(),
    )
    kept = store("vevents")
    vevent = kept.get(key)
    if vevent is None:
        vevent = _vevent(entry, url).to_ical()
        kept.put(key, vevent)
    return vevent


def meeting_calendar(meeting: PrivateMeeting, *, method: str | None = None) -> bytes:
    """One private meeting: a download, or the REQUEST attached to its agreement email."""
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)} or None, not {method!r}")
    calendar = _calendar()
    if method:
        calendar.add("method", method)
    _add_timezones(calendar, [meeting])
    vevent = _meeting_vevent(meeting)
    if method:
        _add_organizer(vevent)
    calendar.add_component(vevent)
    return calendar.to_ical()


# -- the calendar object ----------------------------------------------------------


def _calendar() -> Calendar:
    """A bare VCALENDAR. Not Calendar.new(): it adds a random UID to every build."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _add_feed_properties(calendar: Calendar, name: str, description: str) -> None:
    """Name, zone and refresh hints: apps read the X-WR ones, RFC 7986 names the others."""
    calendar.add("name", _clean(name))
    calendar.add("x-wr-calname", _clean(name))
    calendar.add("x-wr-caldesc", _clean(description))
    calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
    # VALUE=DURATION is required, and icalendar leaves it out unless given.
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    # A bare timedelta on an X- property would be written as "1:00:00".
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))


def _as_entry(item: Event | FeedEntry) -> FeedEntry:
    return item if isinstance(item, FeedEntry) else FeedEntry(item)


def _add_organizer(vevent: VEvent) -> None:
    """The site's own address: RFC 5546 wants an ORGANIZER in REQUEST and CANCEL,
    and it must never be a person's address (see ICAL.md on privacy)."""
    display_name, address = parseaddr(current_app.config["MAIL_FROM"])
    cn = _clean(display_name or current_app.config["SITE_NAME"])
    vevent.add("organizer", f"mailto:{address}", parameters={"CN": cn})


# -- one event ----------------------------------------------------------------------


def _vevent(entry: FeedEntry, url: str) -> VEvent:
    """The VEVENT: every value passes through icalendar, which escapes text."""
    event, status = entry.event, _status(entry)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", _last_change(event))
    vevent.add("created", event.created_at.astimezone(UTC))
    vevent.add("last-modified", _last_change(event))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", _event_time(event, event.starts_at))
    vevent.add("dtend", _event_time(event, event.ends_at))
    vevent.add("summary", _summary(event, status))
    vevent.add("location", _location(event, entry.private_details))
    vevent.add("description", _description(entry, status, url))
    vevent.add("url", url)
    vevent.add("status", status)
    vevent.add("categories", _categories(event))
    vevent.add("transp", "OPAQUE")
    return vevent


def _meeting_vevent(meeting: PrivateMeeting) -> VEvent:
    """A private meeting's VEVENT, by the same rules as a gathering's (stable UID, DTSTAMP from the row)."""
    vevent = VEvent()
    vevent.add("uid", _uid(meeting.uid))
    vevent.add("dtstamp", meeting.updated_at.astimezone(UTC))
    vevent.add("created", meeting.created_at.astimezone(UTC))
    vevent.add("last-modified", meeting.updated_at.astimezone(UTC))
    vevent.add("sequence", meeting.sequence)
    vevent.add("dtstart", _zoned(meeting.timezone, meeting.starts_at))
    vevent.add("dtend", _zoned(meeting.timezone, meeting.ends_at))
    vevent.add("summary", _clean(meeting.title))
    vevent.add("location", _clean(meeting.location))
    vevent.add("description", _clean(meeting.description))
    vevent.add("url", meeting.url)
    vevent.add("status", "CONFIRMED")
    vevent.add("class", "PRIVATE")
    vevent.add("transp", "OPAQUE")
    return vevent


def _status(entry: FeedEntry) -> str:
    """Cancellation wins over any override: a cancelled event is never TENTATIVE."""
    if entry.event.is_cancelled:
        return "CANCELLED"
    status = entry.status or "CONFIRMED"
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
    return status


def _last_change(event: Event) -> datetime:
    """DTSTAMP and LAST-MODIFIED come from the row, not now(), so output is deterministic."""
    changes = [event.updated_at] if event.cancelled_at is None else [event.updated_at, event.cancelled_at]
    return max(changes).astimezone(UTC)


def _event_time(event: Event, instant: datetime) -> datetime:
    return _zoned(event.timezone, instant)


def _zoned(timezone: str, instant: datetime) -> datetime:
    """Wall-clock time in the event's zone (written with its TZID); UTC zones end in Z."""
    if timezone in UTC_ZONES:
        return instant.astimezone(UTC)
    return instant.astimezone(ZoneInfo(timezone))


def _summary(event: Event, status: str) -> str:
    """Outlook ignores STATUS, so a cancelled event says so in its title."""
    title = _clean(event.title)
    return gettext("Cancelled: %(title)s", title=title) if status == "CANCELLED" else title


def _location(event: Event, private_details: bool) -> str:
    """Where to go; the join link never goes here, and the address only if the reader may see it."""
    if event.is_online:
        return gettext("Online")
    address = event.address if private_details or not event.address_for_attendees else ""
    parts = (event.venue_name, address, event.place.name if event.place else "")
    return ", ".join(dict.fromkeys(_clean(part).strip() for part in parts if part.strip()))


def _description(entry: FeedEntry, status: str, url: str) -> str:
    """Plain text: the note for this person, the cancellation, the host's text, the link back."""
    cancelled = _cancellation(entry.event) if status == "CANCELLED" else ""
    parts = (entry.extra_description, cancelled, _host_text(entry), _private_note(entry), url)
    return "\n\n".join(_clean(part).strip() for part in parts if part.strip())


def _cancellation(event: Event) -> str:
    message = event.cancel_message.strip()
    if message:
        return gettext("This gathering is cancelled. %(message)s", message=message)
    return gettext("This gathering is cancelled.")


def _host_text(entry: FeedEntry) -> str:
    """The host's Markdown as plain text (calendar apps show DESCRIPTION as it is)."""
    source = entry.event.description
    if not entry.short:
        return markdown_to_text(source)
    # Only the start is shown: convert that, not 5,000 characters for each of 1,000 events.
    text = markdown_to_text(source[:SHORT_SOURCE])
    if len(text) > SHORT_DESCRIPTION or len(source) > SHORT_SOURCE:
        return text[:SHORT_DESCRIPTION].rsplit(" ", 1)[0] + " …"
    return text


def _private_note(entry: FeedEntry) -> str:
    """The join link for those who may see it; otherwise where to find what is held back."""
    event = entry.event
    if entry.private_details:
        return gettext("Join online: %(url)s", url=event.online_url) if event.online_url else ""
    held_back = []
    if event.address_for_attendees and event.address and not event.is_online:
        held_back.append(gettext("The exact address is shown to people going, on the event page."))
    if event.online_url:
        held_back.append(gettext("The link to join is shown to people going, on the event page."))
    return "\n".join(held_back)


def _categories(event: Event) -> list[str]:
    """The kind, then the tags sorted by name (an unsorted list would change the bytes)."""
    return [event.kind.label, *sorted(_clean(tag.name) for tag in event.tags)]


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _add_timezones(calendar: Calendar, events: Iterable[Event | PrivateMeeting]) -> None:
    """One VTIMEZONE per TZID used: without it Outlook shifts events and ical.js floats them."""
    for zone_name, (first_year, last_year) in sorted(_years_by_zone(events).items()):
        calendar.add_component(vtimezone(zone_name, first_year, last_year))


def _years_by_zone(events: Iterable[Event | PrivateMeeting]) -> dict[str, tuple[int, int]]:
    """The local years each zone's events span, so each VTIMEZONE covers all of them."""
    years: dict[str, tuple[int, int]] = {}
    for event in events:
        if event.timezone in UTC_ZONES:
            continue
        first, last = event.local_start.year, event.local_end.year
        known_first, known_last = years.get(event.timezone, (first, last))
        years[event.timezone] = (min(first, known_first), max(last, known_last))
    return years
