"""When hosts may email the people answering: only while the gathering is public,
and at most HOST_MAILS_PER_HOUR mail-outs per gathering (a message, or an edit
of the time or place), so a taken-over host account cannot flood anyone; and what
an edit's email says changed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_datetime
from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.history import record_change
from eventsite.i18n import LazyText, current_language, lazy_gettext, locale_for, when
from eventsite.models import Event, EventChange, EventStatus, Person

MESSAGED = "messaged attendees"
EDIT_EMAILED = "edit emailed attendees"
MAIL_OUTS = (MESSAGED, EDIT_EMAILED)
WINDOW = timedelta(hours=1)


def messaging_closed(event: Event) -> str | None:
    """Why the hosts cannot write to the people answering now, or None if they can."""
    if event.status is EventStatus.HELD:
        return gettext("This gathering is waiting for a steward: you can write to people once it is live.")
    if event.status is EventStatus.HIDDEN:
        return gettext("This gathering is hidden by a steward, so it cannot email the people answering.")
    if event.is_cancelled:
        return gettext("This gathering is cancelled, and everyone answering has been told.")
    if event.status is not EventStatus.PUBLISHED:
        return gettext("This gathering is not live yet, so it cannot email anyone.")
    return None


def mail_outs_last_hour(event: Event) -> int:
    query = select(func.count()).where(
        EventChange.event_id == event.id,
        EventChange.action.in_(MAIL_OUTS),
        EventChange.created_at > utcnow() - WINDOW,
    )
    return db.session.scalar(query)


def check_host_mail_limit(event: Event, field: str) -> None:
    """Refuse, beside ``field``, one mail-out more than the hourly limit allows."""
    limit = current_app.config["HOST_MAILS_PER_HOUR"]
    if mail_outs_last_hour(event) >= limit:
        message = ngettext(
            "The people coming have had %(num)d email about this gathering in the last hour, the most we send. "
            "Please try again later.",
            "The people coming have had %(num)d emails about this gathering in the last hour, the most we send. "
            "Please try again later.",
            limit,
        )
        raise InvalidInput(field, message)


def record_mail_out(event: Event, person: Person, action: str, count: int) -> None:
    record_change(event, person, action, f"{count} {'person' if count == 1 else 'people'}")


# -- what an edit changed, old beside new -----------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """An event's title, time and place as its emails tell them, taken before an edit so
    the "Changed" email can show the old beside the new."""

    title: str
    starts: datetime  # in the event's own zone
    ends: datetime
    timezone: str
    is_online: bool
    venue: str  # the venue and the place's name ("" online)
    address: str
    address_for_attendees: bool
    online_url: str

    @classmethod
    def of(cls, event: Event) -> "Schedule":
        place = event.place.name if event.place else ""
        return cls(
            title=event.title,
            starts=event.local_start,
            ends=event.local_end,
            timezone=event.timezone,
            is_online=event.is_online,
            venue="" if event.is_online else ", ".join(part for part in (event.venue_name, place) if part),
            address="" if event.is_online else event.address,
            address_for_attendees=event.address_for_attendees,
            online_url=event.online_url,
        )


def change_lines(was: Schedule, now: Schedule, private: bool) -> list[LazyText]:
    """'When: was …, now …' for each thing that changed and the reader may see: the join
    link and an attendees-only address only if ``private`` (see ``FeedEntry``). The lines
    are lazy: each email writes them in its recipient's language."""
    lines = []
    if was.title != now.title:
        lines.append(lazy_gettext('Title: was "%(was)s", now "%(now)s"', was=was.title, now=now.title))
    zones = was.timezone != now.timezone
    if _when(was, zones) != _when(now, zones):
        lines.append(
            lazy_gettext("When: was %(was)s, now %(now)s", was=_lazy(_when, was, zones), now=_lazy(_when, now, zones))
        )
    if (was.is_online, was.venue) != (now.is_online, now.venue):
        lines.append(lazy_gettext("Where: was %(was)s, now %(now)s", was=_lazy(_where, was), now=_lazy(_where, now)))
    address_public = not (was.address_for_attendees or now.address_for_attendees)
    if was.address != now.address and (private or address_public):
        none_given = lazy_gettext("none given")
        was_address, now_address = was.address or none_given, now.address or none_given
        lines.append(lazy_gettext("Address: was %(was)s, now %(now)s", was=was_address, now=now_address))
    if was.online_url != now.online_url and private:
        no_link = lazy_gettext("no link")
        was_url, now_url = was.online_url or no_link, now.online_url or no_link
        lines.append(lazy_gettext("Join online: was %(was)s, now %(now)s", was=was_url, now=now_url))
    return lines


def _lazy(function, *args) -> LazyText:
    """``function(*args)``, worked out only when the email is written (in its recipient's language)."""
    return LazyText(function, *args)


def _where(schedule: Schedule) -> str:
    return gettext("Online") if schedule.is_online else schedule.venue


def _when(schedule: Schedule, with_zone: bool) -> str:
    """'Thu 14 March 19:00–21:00', with the end's day when it ends on another."""
    start, end = schedule.starts, schedule.ends
    until = when(end, "time") if end.date() == start.date() else f"{_day(end)} {when(end, 'time')}"
    text = f"{_day(start)} {when(start, 'time')}–{until}"
    return f"{text} ({schedule.timezone})" if with_zone else text


def _day(moment: datetime) -> str:
    """'Thu 14 March': a short weekday with the whole month, a style eventsite.i18n.PATTERNS
    does not have, written in the current language."""
    return format_datetime(moment, "EEE d MMMM", tzinfo=moment.tzinfo, locale=locale_for(current_language()))
