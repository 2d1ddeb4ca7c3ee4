"""Calendar feeds people subscribe to: the shared feed (narrowed by kind, place, tag)
and each person's own "my gatherings" feed, plus the links that subscribe to them.

The shared feed is polled by every subscriber's calendar app, so its bytes are
cached per process (one copy per language and filter) until the site's content version
moves (``eventsite.cache``): one query of three index lookups tells, before anything else.

A shared feed speaks the language its link asks for (``?lang=``), a personal feed its
person's: calendar servers fetch feeds with no Accept-Language and no cookie.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer, selectinload
from werkzeug.wrappers import Response

from eventsite import brew_meetings
from eventsite.cache import store
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.i18n import current_language, speaking, supported
from eventsite.ical import FeedEntry, calendar_bytes
from eventsite.listing import EventFilters, apply_filters, listed_now
from eventsite.mail import external_url
from eventsite.models import Event, EventChange, EventHost, EventStatus, Person, Rsvp, RsvpStatus, Tag
from eventsite.rsvps import Attendance, attendance_by_event, waitlist_position

WINDOW_PAST = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=365)
CANCELLED_KEPT = timedelta(days=7)  # a cancelled event stays (struck through) this long after it ends
NIGHT_ENDS = time(6)  # a gathering ending by then belongs to the evening before (month view)
PUBLIC = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime | None


# -- the shared feed ------------------------------------------------------------------------


# What keys a shared feed: the content version, the latest ``public_from`` passed (a
# gathering run again joins the feed then, with no write) and, for Last-Modified, the
# newest change. Three index lookups in one statement, outside any transaction.
STATE_SQL = (
    "SELECT (SELECT number FROM content_version WHERE id = 1),"
    " (SELECT max(public_from) FROM event WHERE public_from <= {p}),"
    " (SELECT max(updated_at) FROM event)"
)


@dataclass(frozen=True)
class FeedState:
    version: int
    listed: datetime | None
    newest: datetime | None


def feed_state(now: datetime) -> FeedState:
    """Read first, before anything it keys (a feed built later can only be newer than its key)."""
    reads = current_app.extensions["eventsite.quick_reads"]
    naive = now.astimezone(UTC).replace(tzinfo=None)
    moment = naive.strftime("%Y-%m-%d %H:%M:%S.%f") if reads.placeholder == "?" else naive  # as each stores it
    version, listed, newest = reads.one(STATE_SQL, (moment,))
    return FeedState(version or 0, _utc(listed), _utc(newest))


def _utc(value: datetime | str | None) -> datetime | None:
    """SQLite gives an aggregate of a datetime column as text; both give naive UTC."""
    if value is None:
        return None
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).replace(tzinfo=UTC)


def shared_feed_key(filters: EventFilters, name: str, language: str, state: FeedState, now: datetime) -> tuple:
    config = current_app.config
    return (filters, name, language, state.version, state.listed, now.date(), config["FEED_MAX_EVENTS"],
            config["FEED_MAX_BYTES"])  # fmt: skip


def feed_filters(filters: EventFilters) -> EventFilters:
    """What narrows a shared feed, and so keys its cache: kind, place (or online) and tag.
    A feed is a moving window, so dates are dropped: ?date_from=... cannot force a rebuild."""
    return EventFilters(kind=filters.kind, place=filters.place, online=filters.online, tag=filters.tag)


def is_known_tag(name: str) -> bool:
    """A tag some gathering has used: a feed for any other is refused, not built and cached."""
    return db.session.scalar(select(Tag.id).where(Tag.name == name)) is not None


def feed_language(requested: str | None) -> str:
    """What a shared feed speaks: ``?lang=`` when it is one of LANGUAGES, else the default. Never
    Accept-Language: calendar servers fetch without it, and the cached bytes must not vary by header."""
    return supported(requested) or current_app.config["DEFAULT_LANGUAGE"]


def feed_language_args() -> dict[str, str]:
    """``lang=`` for a page's links to shared feeds, so a reader subscribes in the page's language."""
    language = current_language()
    return {} if language == current_app.config["DEFAULT_LANGUAGE"] else {"lang": language}


def shared_feed(filters: EventFilters, name: str, language: str) -> Feed:
    """The shared feed for these filters (see ``feed_filters``) in ``language`` (``name`` already in
    it), rebuilt only when the site's content changed."""
    filters = feed_filters(filters)
    now = utcnow()
    state = feed_state(now)
    key = shared_feed_key(filters, name, language, state, now)
    feeds = store("feeds")
    feed = feeds.get(key)
    if feed is None:
        with speaking(language):
            feed = _build_shared_feed(filters, name, now, state.newest)
        feeds.put(key, feed)
    return feed


def _in_window(query, now: datetime):
    """The last 30 days to a year ahead; cancelled events only until a week after they end."""
    return query.where(
        Event.status.in_(PUBLIC),
        listed_now(now),
        Event.starts_at >= now - WINDOW_PAST,
        Event.starts_at <= now + WINDOW_AHEAD,
        or_(Event.status == EventStatus.PUBLISHED, Event.ends_at > now - CANCELLED_KEPT),
    )


def shared_feed_events(filters: EventFilters, now: datetime, limit: int) -> list[Event]:
    """What is ahead (soonest first), then the recent past, up to ``limit`` events."""
    query = _in_window(apply_filters(select(Event), filters, current_app.config["ZONE"]), now)
    # The page's HTML and summary are not in a feed: not loaded for 1,000 events.
    query = query.options(selectinload(Event.place), selectinload(Event.tags), defer(Event.description_html))
    query = query.options(defer(Event.summary))
    ahead = query.where(Event.starts_at >= now).order_by(Event.starts_at, Event.id)
    events = list(db.session.scalars(ahead.limit(limit)))
    if len(events) < limit:
        past = query.where(Event.starts_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
        events += db.session.scalars(past.limit(limit - len(events)))
    return events


def _build_shared_feed(filters: EventFilters, name: str, now: datetime, newest: datetime | None) -> Feed:
    events = shared_feed_events(filters, now, current_app.config["FEED_MAX_EVENTS"])
    counts = attendance_by_event(events)
    site = current_app.config["SITE_NAME"]
    budget = current_app.config["FEED_MAX_BYTES"]
    while True:  # long descriptions can make even FEED_MAX_EVENTS too big: drop the farthest
        entries = [_shared_entry(event, counts[event.id]) for event in events]
        description = gettext("Gatherings on %(site)s", site=site)
        body = calendar_bytes(entries, name=name, description=description, url_for_event=event_url)
        if len(body) <= budget or len(events) <= 1:
            return _feed(body, newest, now)
        events = events[: min(len(events) - 1, len(events) * budget // len(body))]


def _shared_entry(event: Event, counts: Attendance) -> FeedEntry:
    """Counts in the description; below its "goes ahead if N are in" an event is TENTATIVE."""
    below_threshold = event.min_going is not None and counts.going < event.min_going
    status = "TENTATIVE" if below_threshold else None
    return FeedEntry(event, status, attendance_note(event, counts), short=True)


def attendance_note(event: Event, counts: Attendance) -> str:
    """A list of facts, each a message of its own: "3 going; 2 places left."."""
    parts = [ngettext("%(num)d going", "%(num)d going", counts.going)]
    if counts.is_full and counts.waiting:
        parts.append(ngettext("full, %(num)d on the waitlist", "full, %(num)d on the waitlist", counts.waiting))
    elif counts.is_full:
        parts.append(gettext("full"))
    elif counts.places_left is not None:
        parts.append(ngettext("%(num)d place left", "%(num)d places left", counts.places_left))
    if event.min_going is not None and counts.going < event.min_going:
        missing = event.min_going - counts.going
        # The English has always said "1 more are in" (as the tests read it).
        parts.append(ngettext("goes ahead if %(num)d more are in", "goes ahead if %(num)d more are in", missing))
    return "; ".join(parts) + "."


def _feed(body: bytes, newest: datetime | None, now: datetime) -> Feed:
    """Last-Modified is the newest change to any event the feed could show (so an event
    that left it counts too), and never before today: the window moves daily."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    last_modified = max(newest, today) if newest else today
    return Feed(body=body, etag=hashlib.sha256(body).hexdigest()[:32], last_modified=last_modified)


def feed_response(feed: Feed, filename: str, private: bool, language: str, environ: dict) -> Response:
    """text/calendar with an ETag and Last-Modified; 304 when the client has it already.
    Made the same way by the app's views and by ``eventsite.fast_feed``."""
    response = Response(feed.body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Language"] = language.replace("_", "-")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    if private:
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.headers["Cache-Control"] = "public, max-age=900"
    return response.make_conditional(environ)


def event_url(event: Event) -> str:
    return external_url("events.show", event_id=event.id, slug=event.slug)


# -- personal feeds ------------------------------------------------------------------------


def personal_feed(person: Person) -> Feed:
    """What I'm going to (CONFIRMED), maybe or waiting for (TENTATIVE, with my place), hosting,
    and my agreed brew meetings (which no other feed shows), in my own language."""
    with speaking(person.language):
        return _build_personal_feed(person)


def _build_personal_feed(person: Person) -> Feed:
    now = utcnow()
    answers = db.session.scalars(
        _in_window(select(Rsvp).join(Rsvp.event), now)
        .where(Rsvp.person_id == person.id, Rsvp.status != RsvpStatus.NOT_GOING)
        .options(selectinload(Rsvp.event).selectinload(Event.tags), selectinload(Rsvp.event).selectinload(Event.place))
    ).all()
    entries = {rsvp.event_id: _personal_entry(rsvp) for rsvp in answers}
    hosted = db.session.scalars(
        _in_window(select(Event).join(EventHost), now)
        .where(EventHost.person_id == person.id)
        .options(selectinload(Event.tags), selectinload(Event.place))
    ).all()
    for event in hosted:
        entries[event.id] = FeedEntry(event, None, gettext("You are a host."), private_details=True)
    body = calendar_bytes(
        list(entries.values()),
        name=gettext("My gatherings on %(site)s", site=current_app.config["SITE_NAME"]),
        description=gettext("What I'm going to, might go to, am waiting for, and host."),
        url_for_event=event_url,
        meetings=brew_meetings.personal_meetings(person, now - WINDOW_PAST, now + WINDOW_AHEAD),
    )
    newest = [change for change in (_newest_change_for(person), brew_meetings.newest_meeting_change(person)) if change]
    return _feed(body, max(newest, default=None), now)


def _newest_change_for(person: Person) -> datetime | None:
    """The newest change to any event this person answered (any answer) or hosts."""
    answered = select(Rsvp.event_id).where(Rsvp.person_id == person.id)
    hosted = select(EventHost.event_id).where(EventHost.person_id == person.id)
    hosted_once = select(EventChange.event_id).where(EventChange.person_id == person.id)  # e.g. stepped down
    events = or_(Event.id.in_(answered), Event.id.in_(hosted), Event.id.in_(hosted_once))
    query = select(func.max(Event.updated_at)).where(events)
    return db.session.scalar(query)


def _personal_entry(rsvp: Rsvp) -> FeedEntry:
    if rsvp.status is RsvpStatus.GOING:
        return FeedEntry(rsvp.event, "CONFIRMED", gettext("You're going."), private_details=True)
    if rsvp.status is RsvpStatus.WAITLISTED:
        note = gettext("You're on the waitlist, place %(place)d.", place=waitlist_position(rsvp))
        return FeedEntry(rsvp.event, "TENTATIVE", note)
    return FeedEntry(rsvp.event, "TENTATIVE", gettext("You said maybe."))


# -- links that subscribe or add ---------------------------------------------------------------


def subscribe_links(https_url: str) -> dict[str, str]:
    """webcal:// for Apple and Thunderbird, Google's link (which needs webcal:// inside),
    and the https:// address to copy (new Outlook strips webcal:)."""
    webcal = "webcal://" + https_url.split("://", 1)[1]
    return {
        "https": https_url,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
    }


def _utc_stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def google_add_url(event: Event) -> str:
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc_stamp(event.starts_at)}/{_utc_stamp(event.ends_at)}",
        "details": event_url(event),
        "location": _where(event),
        "ctz": event.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_add_url(event: Event) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.starts_at.isoformat(),
        "enddt": event.ends_at.isoformat(),
        "body": event_url(event),
        "location": _where(event),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def _where(event: Event) -> str:
    if event.is_online:
        return gettext("Online")
    return ", ".join(filter(None, (event.venue_name, event.place.name if event.place else "")))


# -- the month view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthEntry:
    """One event on one day of the month view: the day it starts, or a later day it runs on."""

    event: Event
    day: date

    @property
    def starts_here(self) -> bool:
        return self.day == self.event.local_start.date()

    @property
    def ends_here(self) -> bool:
        return self.day == self.event.local_end.date()


def last_local_day(event: Event) -> date:
    """The last day an event runs on, in its own zone. Ending at midnight, or in the small
    hours (a party until 02:00), it belongs to the day before: only a later start shows it."""
    end = event.local_end
    last = end.date() if end.time() > NIGHT_ENDS else end.date() - timedelta(days=1)
    return max(last, event.local_start.date())


def month_entries(events: list[Event], first_day: date, last_day: date) -> dict[date, list[MonthEntry]]:
    """Each event (in start order) under every day it runs on, in its own zone, from
    ``first_day`` to ``last_day``: so on each day, what continues comes before what starts."""
    days: dict[date, list[MonthEntry]] = {}
    for event in events:
        last = last_local_day(event)
        day = max(event.local_start.date(), first_day)
        while day <= min(last, last_day):
            days.setdefault(day, []).append(MonthEntry(event, day))
            day += timedelta(days=1)
    return days


def month_events(filters: EventFilters, first_day: date, last_day: date) -> list[Event]:
    """Published and cancelled events overlapping the days shown, soonest first."""
    zone = current_app.config["ZONE"]
    # A day either side: each event sits under its own local date, which may differ from the site's.
    widened = (first_day - timedelta(days=1), last_day + timedelta(days=1))
    month = EventFilters(filters.kind, filters.place, filters.online, filters.tag, *widened)
    query = apply_filters(select(Event).where(Event.status.in_(PUBLIC), listed_now(utcnow())), month, zone)
    query = query.options(selectinload(Event.place)).order_by(Event.starts_at, Event.id)
    return list(db.session.scalars(query.limit(current_app.config["FEED_MAX_EVENTS"])))
