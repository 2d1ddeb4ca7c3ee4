"""Telling people: answer confirmations with an .ics, promotions, changes, cancellations,
"it's on", reminders and hosts' messages; and who is coming (names, CSV).

Every message is queued (eventsite.mail) in the transaction that causes it.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, gettext, ngettext, pgettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.host_mail import (
    MESSAGED,
    Schedule,
    change_lines,
    check_host_mail_limit,
    messaging_closed,
    record_mail_out,
)
from eventsite.i18n import current_language, lazy_gettext, speaking
from eventsite.ical import event_calendar
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import Event, EventStatus, OutboxMail, Person, Rsvp, RsvpStatus
from eventsite.people import address_confirmed, find_or_create_person, find_person, normalise_email
from eventsite.rsvps import (
    ATTENDING,
    Answer,
    answer,
    check_answer,
    fill_open_seats,
    hold_answer,
    manage_token,
    pending_for_token,
    release_lapsed_holds,
    take_pending,
    threshold_just_reached,
    waitlist_position,
)

AUDIENCES = {
    "going": (RsvpStatus.GOING,),
    "waitlist": (RsvpStatus.WAITLISTED,),
    "maybe": (RsvpStatus.MAYBE,),
    "everyone": ATTENDING,
}
# The answers in the CSV: data, the same words whatever language the host reads.
STATUS_LABELS = {
    RsvpStatus.GOING: "Going",
    RsvpStatus.MAYBE: "Maybe",
    RsvpStatus.NOT_GOING: "Can't go",
    RsvpStatus.WAITLISTED: "Waitlist",
}
# The same answers on the hosts' page, in their language.
ANSWER_LABELS = {
    RsvpStatus.GOING: lazy_gettext("Going"),
    RsvpStatus.MAYBE: lazy_gettext("Maybe"),
    RsvpStatus.NOT_GOING: lazy_gettext("Can't go"),
    RsvpStatus.WAITLISTED: lazy_gettext("Waitlist"),
}
REMINDER_WINDOW = timedelta(hours=24)
ANSWER_CONFIRM = "answer-confirm"  # the category of "confirm your answer" emails, limited per address
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
    """The event as this person's calendar should hold it (waitlisted and maybe are tentative),
    in their language, like the email it comes with."""
    event = rsvp.event
    language = rsvp.person.language if rsvp.person is not None else None
    with speaking(language or current_language()):
        status, note = None, ""
        if rsvp.status is RsvpStatus.WAITLISTED:
            status = "TENTATIVE"
            note = gettext("You are on the waitlist, place %(place)d.", place=waitlist_position(rsvp))
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


def _tell(rsvp: Rsvp, subject: LazyString | str, template: str, method: str | None = "REQUEST", **context) -> None:
    if rsvp.person is None:
        return  # a purged answer (eventsite.retention): nobody is left to tell
    attachment = ics_for(rsvp, method) if method else None
    queue_mail(
        rsvp.person.email,
        subject,
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


def respond(
    event: Event, person: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False, reserved: int = 0
) -> Answer:
    """Record a proven person's answer and tell everyone it concerns. ``event`` comes from
    ``locked_event``; ``reserved``: places a confirmed hold kept for them."""
    result = answer(event, person, status, guests, show_name, reserved)
    confirm_answer(result)
    if threshold_just_reached(event):
        tell_threshold_reached(event)
    return result


@dataclass(frozen=True)
class Visitor:
    """Who is answering from a browser, as far as the site knows."""

    signed_in: Person | None = None
    remembered: Rsvp | None = None  # this browser's proven answer to this event
    proven: frozenset[int] = frozenset()  # people whose emailed links this browser has used


def respond_from_form(
    event: Event, visitor: Visitor, email: str, name: str, status: RsvpStatus, guests: int = 0, show_name: bool = False
) -> Answer | None:
    """An answer from the event page. It counts at once for a signed-in person and for an
    address this browser has proven; any other address is emailed a link to confirm it
    (None), and nothing public or private changes until it is used."""
    if visitor.signed_in is not None:
        return respond(event, visitor.signed_in, status, guests, show_name)
    email = normalise_email(email or "")
    remembered = visitor.remembered.person if visitor.remembered is not None else None
    if remembered is not None and email in ("", remembered.email):
        return respond(event, remembered, status, guests, show_name)
    if not email:
        raise InvalidInput(
            "email", gettext("Enter your email address, so we can send your answer and a link to change it.")
        )
    known = find_person(email)
    if known is not None and known.id in visitor.proven:
        _name_if_none(known, name)
        return respond(event, known, status, guests, show_name)
    ask_to_confirm(event, email, name, status, guests, show_name, language=known.language if known else None)
    return None


def _name_if_none(person: Person, name: str) -> None:
    """A proven owner may give a name they lack; nobody's stored name is ever replaced."""
    if not person.name and name.strip():
        person.name = name.strip()


def ask_to_confirm(
    event: Event,
    email: str,
    name: str,
    status: RsvpStatus,
    guests: int = 0,
    show_name: bool = False,
    language: str | None = None,
) -> list[Rsvp]:
    """Hold the answer and email its owner a link to confirm it, at most
    ANSWER_MAILS_PER_ADDRESS times an hour per address (past that, silently nothing), in
    ``language`` (the address's owner's, when known) or the page's.
    Returns anyone promoted because a replaced hold freed its places."""
    check_answer(event, status, guests)
    if _answer_mails_this_hour(email) >= current_app.config["ANSWER_MAILS_PER_ADDRESS"]:
        return []
    pending, token, freed_places = hold_answer(event, email, name, status, guests, show_name)
    promoted = fill_open_seats(event) if freed_places else []
    tell_promoted(promoted)
    held_minutes = current_app.config["ANSWER_HOLD_MINUTES"] if pending.held_places else None
    queue_mail(
        email,
        lazy_gettext("Confirm your answer: %(title)s", title=event.title),
        "answer_confirm",
        category=ANSWER_CONFIRM,
        language=language or current_language(),
        event=event,
        pending=pending,
        held_minutes=held_minutes,
        link=external_url("rsvps.confirm_page", token=token),
        event_url=event_link(event),
    )
    return promoted


def _answer_mails_this_hour(email: str) -> int:
    since = utcnow() - timedelta(hours=1)
    query = select(func.count()).where(
        OutboxMail.to_address == email, OutboxMail.category == ANSWER_CONFIRM, OutboxMail.created_at > since
    )
    return db.session.scalar(query)


def confirm_pending(event: Event, token: str) -> Answer:
    """The emailed link was used: the address is proven, and the answer counts (into the
    places its hold kept, if it is still live). ``event`` comes from ``locked_event``."""
    pending = pending_for_token(token, event)
    person = find_or_create_person(pending.email, pending.name)
    _name_if_none(person, pending.name)
    address_confirmed(person)
    status, guests, show_name = pending.status, pending.guests, pending.show_name
    reserved = take_pending(pending)
    return respond(event, person, status, guests, show_name, reserved)


def release_holds(event: Event) -> list[Rsvp]:
    """Lapsed holds give their places to the waitlist's head, who are told. ``event`` is locked."""
    promoted = release_lapsed_holds(event)
    tell_promoted(promoted)
    return promoted


def after_host_change(event: Event, scheduling_changed: list[str], was: Schedule | None = None) -> int:
    """After an edit: fill places a larger capacity opened, and tell people of new times or
    places (beside the old ones, ``was``); return how many were told of the change. A gathering
    that is not live emails nobody: a steward's restore fills its places (eventsite.moderation)."""
    if "starts_at" in scheduling_changed:  # a new date deserves a new reminder
        db.session.execute(update(Rsvp).where(Rsvp.event_id == event.id).values(reminded_at=None))
    if event.status is not EventStatus.PUBLISHED:
        return 0
    tell_promoted(fill_open_seats(event))
    if threshold_just_reached(event):
        tell_threshold_reached(event)
    if any(name in TIME_AND_PLACE for name in scheduling_changed):
        return tell_of_change(event, scheduling_changed, was)
    return 0


def confirm_answer(result: Answer) -> None:
    """Email the person their answer, the .ics, and the link to change it; and anyone promoted."""
    rsvp = result.rsvp
    if rsvp.status is RsvpStatus.NOT_GOING:
        was_in_calendar = result.previous in ATTENDING
        subject = lazy_gettext("You can't go: %(title)s", title=rsvp.event.title)
        _tell(rsvp, subject, "rsvp_answer", method="CANCEL" if was_in_calendar else None)
    else:
        subject = {
            "going": lazy_gettext("You're going: %(title)s", title=rsvp.event.title),
            "maybe": lazy_gettext("You might go: %(title)s", title=rsvp.event.title),
            "waitlisted": lazy_gettext("You're on the waitlist: %(title)s", title=rsvp.event.title),
        }
        _tell(rsvp, subject[rsvp.status.value], "rsvp_answer")
    tell_promoted(result.promoted)


def tell_promoted(promoted: list[Rsvp]) -> None:
    for rsvp in promoted:
        _tell(rsvp, lazy_gettext("A place came up for you: %(title)s", title=rsvp.event.title), "rsvp_promoted")


def _people(event: Event, statuses) -> list[Rsvp]:
    """Answers with someone to tell: a purged answer (eventsite.retention) has nobody."""
    return [rsvp for rsvp in _answers(event, statuses) if rsvp.person is not None]


def _answers(event: Event, statuses) -> list[Rsvp]:
    query = (
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status.in_(statuses))
        .options(joinedload(Rsvp.person))
        .order_by(Rsvp.id)
    )
    return list(db.session.scalars(query))


def tell_of_change(event: Event, changed: list[str], was: Schedule | None = None) -> int:
    """A host changed the time or place: everyone answering gets the updated .ics and what
    changed, old beside new (within the hosts' hourly limit: over it, the edit is refused
    beside the start)."""
    rsvps = _people(event, ATTENDING)
    if rsvps:
        check_host_mail_limit(event, "starts_at")
    now = Schedule.of(event)
    for rsvp in rsvps:
        changes = change_lines(was, now, private=rsvp.status is RsvpStatus.GOING) if was else []
        subject = lazy_gettext("Changed: %(title)s", title=event.title)
        _tell(rsvp, subject, "event_changed", changed=changed, changes=changes)
    return len(rsvps)


def tell_of_cancellation(event: Event) -> int:
    rsvps = _people(event, ATTENDING)
    for rsvp in rsvps:
        _tell(rsvp, lazy_gettext("Cancelled: %(title)s", title=event.title), "event_cancelled", method="CANCEL")
    return len(rsvps)


def tell_threshold_reached(event: Event) -> None:
    """Enough people are in: hosts and everyone going hear that it's on."""
    for rsvp in _people(event, (RsvpStatus.GOING,)):
        _tell(rsvp, lazy_gettext("It's on: %(title)s", title=event.title), "threshold_reached", method=None)
    for host in event.hosts:
        queue_mail(
            host.person.email,
            lazy_gettext("It's on: %(title)s", title=event.title),
            "threshold_reached_host",
            event=event,
            event_url=event_link(event),
        )


def message_people(
    event: Event, audience: str, subject: str, body: str, sender: Person, reply_to_sender: bool = False
) -> int:
    """A host writes to everyone going (or the waitlist, ...): one email each, no addresses
    shared (unless the host lets people reply to them: then their own stored address is the
    Reply-To); only while the gathering is live, and within the hourly limit (eventsite.host_mail)."""
    closed = messaging_closed(event)
    if closed:
        raise InvalidInput("body", closed)
    rsvps = _people(event, AUDIENCES[audience])
    reply_to = sender.email if reply_to_sender else ""
    if rsvps:
        check_host_mail_limit(event, "body")
        record_mail_out(event, sender, MESSAGED, len(rsvps))
    for rsvp in rsvps:
        context = {"body": body, "sender": sender, "reply_to": reply_to, "can_reply": bool(reply_to)}
        _tell(rsvp, f"{subject}: {event.title}", "host_message", method=None, **context)  # the host's words
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
        _tell(rsvp, lazy_gettext("Tomorrow: %(title)s", title=rsvp.event.title), "reminder", method=None)
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


def attendee_list(event: Event, as_data: bool = False) -> list[dict]:
    """Everyone who answered, for hosts: waitlist in queue order, then the rest by answer.
    In the reader's language; ``as_data`` (the CSV): in the words its columns always hold."""
    labels = STATUS_LABELS if as_data else ANSWER_LABELS
    rows = []
    waiting = 0
    order = {RsvpStatus.GOING: 0, RsvpStatus.WAITLISTED: 1, RsvpStatus.MAYBE: 2, RsvpStatus.NOT_GOING: 3}
    rsvps = sorted(_answers(event, tuple(RsvpStatus)), key=lambda r: (order[r.status], r.waitlisted_at or r.created_at))
    for rsvp in rsvps:
        waiting += rsvp.status is RsvpStatus.WAITLISTED
        name, email = _who(rsvp, as_data)
        rows.append(
            {
                "name": name,
                "email": email,
                "answer": str(labels[rsvp.status]),
                "guests": rsvp.guests,
                "waitlist_place": waiting if rsvp.status is RsvpStatus.WAITLISTED else "",
                "answered_at": rsvp.created_at.isoformat(timespec="seconds"),
                "rsvp_id": rsvp.id,  # for the page's "Remove" button; not in the CSV
            }
        )
    return rows


def _who(rsvp: Rsvp, as_data: bool = False) -> tuple[str, str]:
    """Name and address for the hosts' list; a purged answer keeps only its count."""
    if rsvp.person is None:
        days = current_app.config["PURGE_ANSWERS_AFTER_DAYS"]
        if as_data:
            return f"Removed after {days} days", ""
        return ngettext("Removed after %(num)d day", "Removed after %(num)d days", days), ""
    return rsvp.person.display_name, rsvp.person.email


CSV_COLUMNS = ("name", "email", "answer", "guests", "waitlist_place", "answered_at")


def csv_headings() -> list[str]:
    """The CSV's first row, in the host's language (the rows below are data: never translated)."""
    return [
        pgettext("attendees CSV column", "name"),
        pgettext("attendees CSV column", "email"),
        pgettext("attendees CSV column", "answer"),
        pgettext("attendees CSV column", "guests"),
        pgettext("attendees CSV column", "waitlist_place"),
        pgettext("attendees CSV column", "answered_at"),
    ]


def attendees_csv(event: Event) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_headings())
    for row in attendee_list(event, as_data=True):
        writer.writerow([_csv_safe(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _csv_safe(value):
    """Spreadsheets run cells starting with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
