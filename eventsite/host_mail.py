"""When hosts may email the people answering: only while the gathering is public,
and at most HOST_MAILS_PER_HOUR mail-outs per gathering (a message, or an edit
of the time or place), so a taken-over host account cannot flood anyone."""

from datetime import timedelta

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
