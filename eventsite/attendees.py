"""Telling people: answer confirmations with an .ics, promotions, changes, cancellations,
"it's on", reminders and hosts' messages; and who is coming (names, CSV).

Every message is queued (eventsite.mail) in the transaction that causes it.
"""

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feeds import feed_token
from eventsite.ical import event_calendar
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import Event, EventStatus, Person, Rsvp, RsvpStatus
from eventsite.people import find_or_create_person, find_person
from eventsite.rsvps import (
    ATTENDING,
    Answer,
    answer,
    fill_open_seats,
    find_rsvp,
    manage_token,
    threshold_just_reached,
    waitlist_position,
)

AUDIENCES = {
    "going": (RsvpStatus.GOING,),
    "waitlist": (RsvpStatus.WAITLISTED,),
    "maybe": (RsvpStatus.MAYBE,),
    "everyone": ATTENDING,
}
STATUS_LABELS = {
    RsvpStatus.GOING: "Going",
    RsvpStatus.MAYBE: "Maybe",
    RsvpStatus.NOT_GOING: "Can't go",
    RsvpStatus.WAITLISTED: "Waitlist",
}
REMINDER_WINDOW = timedelta(hours=24)
# Changes that attendees are emailed about (with an updated .ics).
TIME_AND_PLACE = ("starts_at", "ends_at", "timezone", "venue_name", "address", "place_id", "is_online", "online_url")


def event_link(event: Event) -> str:
    return external_url("events.show", event_id=event.id, slug=event.slug)


def manage_link(rsvp: Rsvp) -> str:
    return external_url("rsvps.manage", token=manage_token(rsvp))


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def ics_for(rsvp: Rsvp, method: str) -> Attachment:
    """The event as this person's calendar should hold it (waitlisted and maybe are tentative)."""
    event = rsvp.event
    status, note = None, ""
    if rsvp.status is RsvpStatus.WAITLISTED:
        status, note = "TENTATIVE", f"You are on the waitlist, place {waitlist_position(rsvp)}."
    elif rsvp.status is RsvpStatus.MAYBE:
        status = "TENTATIVE"
    text = event_calendar(
        event,
        method=method,
        url=event_link(event),
        status=status,
        extra_description=note,
        private_details=rsvp.status is RsvpStatus.GOING,
    )
    return Attachment(f"event-{event.id}.ics", f"text/calendar; method={method}", text.decode())


def _tell(rsvp: Rsvp, subject: str, template: str, method: str | None = "REQUEST", **context) -> None:
    attachment = ics_for(rsvp, method) if method else None
    queue_mail(
        rsvp.person.email,
        f"{subject}: {rsvp.event.title}",
        template,
        attachment=attachment,
        rsvp=rsvp,
        event=rsvp.event,
        person=rsvp.person,
        event_url=event_link(rsvp.event),
        manage_url=manage_link(rsvp),
        feed_url=external_url("feeds.personal", token=feed_token(rsvp.person)),
        position=waitlist_position(rsvp),
        ordinal=ordinal,
        **context,
    )


def respond(event: Event, person: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False) -> Answer:
    """Record an answer and tell everyone it concerns. ``event`` comes from ``locked_event``."""
    result = answer(event, person, status, guests, show_name)
    confirm_answer(result)
    if threshold_just_reached(event):
        tell_threshold_reached(event)
    return result


def respond_as_guest(
    event: Event, email: str, name: str, status: RsvpStatus, guests: int = 0, show_name: bool = False
) -> Answer | None:
    """Someone not signed in answers. An address that has already answered is not
    changed from here (anyone could type it): its owner is emailed their own link."""
    if not email:
        raise InvalidInput("email", "Enter your email address, so we can send your answer and a link to change it.")
    known = find_person(email)
    existing = find_rsvp(event, known) if known is not None else None
    if existing is not None:
        remind_of_answer(existing)
        return None
    return respond(event, find_or_create_person(email, name), status, guests, show_name)


def after_host_change(event: Event, scheduling_changed: list[str]) -> None:
    """After an edit: fill places a larger capacity opened, and tell people of new times or places."""
    tell_promoted(fill_open_seats(event))
    if threshold_just_reached(event):
        tell_threshold_reached(event)
    if "starts_at" in scheduling_changed:  # a new date deserves a new reminder
        db.session.execute(update(Rsvp).where(Rsvp.event_id == event.id).values(reminded_at=None))
    if any(name in TIME_AND_PLACE for name in scheduling_changed):
        tell_of_change(event, scheduling_changed)


def confirm_answer(result: Answer) -> None:
    """Email the person their answer, the .ics, and the link to change it; and anyone promoted."""
    rsvp = result.rsvp
    if rsvp.status is RsvpStatus.NOT_GOING:
        was_in_calendar = result.previous in ATTENDING
        _tell(rsvp, "You can't go", "rsvp_answer", method="CANCEL" if was_in_calendar else None)
    else:
        subject = {"going": "You're going", "maybe": "You might go", "waitlisted": "You're on the waitlist"}
        _tell(rsvp, subject[rsvp.status.value], "rsvp_answer")
    tell_promoted(result.promoted)


def tell_promoted(promoted: list[Rsvp]) -> None:
    for rsvp in promoted:
        _tell(rsvp, "A place came up for you", "rsvp_promoted")


def remind_of_answer(rsvp: Rsvp) -> None:
    """Someone answered with an address that already has an answer: send its link, change nothing."""
    _tell(rsvp, "Your answer", "rsvp_exists", method=None)


def _people(event: Event, statuses) -> list[Rsvp]:
    query = (
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status.in_(statuses))
        .options(joinedload(Rsvp.person))
        .order_by(Rsvp.id)
    )
    return list(db.session.scalars(query))


def tell_of_change(event: Event, changed: list[str]) -> int:
    """A host changed the time or place: everyone answering gets the updated .ics."""
    rsvps = _people(event, ATTENDING)
    for rsvp in rsvps:
        _tell(rsvp, "Changed", "event_changed", changed=changed)
    return len(rsvps)


def tell_of_cancellation(event: Event) -> int:
    rsvps = _people(event, ATTENDING)
    for rsvp in rsvps:
        _tell(rsvp, "Cancelled", "event_cancelled", method="CANCEL")
    return len(rsvps)


def tell_threshold_reached(event: Event) -> None:
    """Enough people are in: hosts and everyone going hear that it's on."""
    for rsvp in _people(event, (RsvpStatus.GOING,)):
        _tell(rsvp, "It's on", "threshold_reached", method=None)
    for host in event.hosts:
        queue_mail(
            host.person.email,
            f"It's on: {event.title}",
            "threshold_reached_host",
            event=event,
            event_url=event_link(event),
        )


def message_people(event: Event, audience: str, subject: str, body: str, sender: Person) -> int:
    """A host writes to everyone going (or the waitlist, ...): one email each, no addresses shared."""
    rsvps = _people(event, AUDIENCES[audience])
    for rsvp in rsvps:
        _tell(rsvp, subject, "host_message", method=None, body=body, sender=sender)
    return len(rsvps)


def send_reminders(now: datetime | None = None) -> int:
    """Remind everyone going to events that start within a day; each person once per event."""
    now = now or utcnow()
    query = (
        select(Rsvp)
        .join(Rsvp.event)
        .where(
            Rsvp.status == RsvpStatus.GOING,
            Rsvp.reminded_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + REMINDER_WINDOW,
        )
        .options(joinedload(Rsvp.person), joinedload(Rsvp.event))
        .with_for_update(of=Rsvp, skip_locked=True)
    )
    rsvps = list(db.session.scalars(query).unique())
    for rsvp in rsvps:
        rsvp.reminded_at = now
        _tell(rsvp, "Tomorrow", "reminder", method=None)
    return len(rsvps)


# -- who is coming --------------------------------------------------------------------------------


def public_names(event: Event) -> list[str]:
    """Names of people going who chose to show them (off by default)."""
    query = (
        select(Person.name)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.GOING, Rsvp.show_name)
        .order_by(Rsvp.created_at)
    )
    return [name for name in db.session.scalars(query) if name]


def attendee_list(event: Event) -> list[dict]:
    """Everyone who answered, for hosts: waitlist in queue order, then the rest by answer."""
    rows = []
    waiting = 0
    order = {RsvpStatus.GOING: 0, RsvpStatus.WAITLISTED: 1, RsvpStatus.MAYBE: 2, RsvpStatus.NOT_GOING: 3}
    rsvps = sorted(_people(event, tuple(RsvpStatus)), key=lambda r: (order[r.status], r.waitlisted_at or r.created_at))
    for rsvp in rsvps:
        waiting += rsvp.status is RsvpStatus.WAITLISTED
        rows.append(
            {
                "name": rsvp.person.display_name,
                "email": rsvp.person.email,
                "answer": STATUS_LABELS[rsvp.status],
                "guests": rsvp.guests,
                "waitlist_place": waiting if rsvp.status is RsvpStatus.WAITLISTED else "",
                "answered_at": rsvp.created_at.isoformat(timespec="seconds"),
            }
        )
    return rows


def attendees_csv(event: Event) -> str:
    rows = attendee_list(event)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["name", "email", "answer", "guests", "waitlist_place", "answered_at"])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_safe(value) for key, value in row.items()})
    return out.getvalue()


def _csv_safe(value):
    """Spreadsheets run cells starting with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
