"""When hosts may email the people answering: only while the gathering is public,
and at most HOST_MAILS_PER_HOUR mail-outs per gathering (a message, or an edit
of the time or place), so a taken-over host account cannot flood anyone; and what
an edit's email says changed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.history import record_change
from eventsite.models import Event, EventChange, EventStatus, Person

MESSAGED = "messaged attendees"
EDIT_EMAILED = "edit emailed attendees"
MAIL_OUTS = (MESSAGED, EDIT_EMAILED)
WINDOW = timedelta(hours=1)


def messaging_closed(event: Event) -> str | None:
    """Why the hosts cannot write to the people answering now, or None if they can."""
    if event.status is EventStatus.HELD:
        return "This gathering is waiting for a steward: you can write to people once it is live."
    if event.status is EventStatus.HIDDEN:
        return "This gathering is hidden by a steward, so it cannot email the people answering."
    if event.is_cancelled:
        return "This gathering is cancelled, and everyone answering has been told."
    if event.status is not EventStatus.PUBLISHED:
        return "This gathering is not live yet, so it cannot email anyone."
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
        raise InvalidInput(
            field,
            f"The people coming have had {limit} emails about this gathering in the last hour, the most "
            "we send. Please try again later.",
        )


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
    where: str
    address: str
    address_for_attendees: bool
    online_url: str

    @classmethod
    def of(cls, event: Event) -> "Schedule":
        place = event.place.name if event.place else ""
        where = "Online" if event.is_online else ", ".join(part for part in (event.venue_name, place) if part)
        return cls(
            title=event.title,
            starts=event.local_start,
            ends=event.local_end,
            timezone=event.timezone,
            where=where,
            address="" if event.is_online else event.address,
            address_for_attendees=event.address_for_attendees,
            online_url=event.online_url,
        )


def change_lines(was: Schedule, now: Schedule, private: bool) -> list[str]:
    """'When: was …, now …' for each thing that changed and the reader may see: the join
    link and an attendees-only address only if ``private`` (see ``FeedEntry``)."""
    lines = []
    if was.title != now.title:
        lines.append(f'Title: was "{was.title}", now "{now.title}"')
    zones = was.timezone != now.timezone
    if _when(was, zones) != _when(now, zones):
        lines.append(f"When: was {_when(was, zones)}, now {_when(now, zones)}")
    if was.where != now.where:
        lines.append(f"Where: was {was.where}, now {now.where}")
    address_public = not (was.address_for_attendees or now.address_for_attendees)
    if was.address != now.address and (private or address_public):
        lines.append(f"Address: was {was.address or 'none given'}, now {now.address or 'none given'}")
    if was.online_url != now.online_url and private:
        lines.append(f"Join online: was {was.online_url or 'no link'}, now {now.online_url or 'no link'}")
    return lines


def _when(schedule: Schedule, with_zone: bool) -> str:
    """'Thu 14 March 19:00–21:00', with the end's day when it ends on another."""
    start, end = schedule.starts, schedule.ends
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %-d %B} {end:%H:%M}"
    text = f"{start:%a %-d %B} {start:%H:%M}–{until}"
    return f"{text} ({schedule.timezone})" if with_zone else text
