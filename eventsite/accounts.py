"""A person's own data: what they answered and host, a download of it all, and deletion."""

import secrets

from flask_babel import gettext
from sqlalchemy import delete, func, select, union
from sqlalchemy.orm import joinedload

from eventsite.attendees import event_link, tell_promoted
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.models import (
    DELETED_DOMAIN,
    BrewGroupMember,
    BrewMember,
    EmailLink,
    Event,
    EventHost,
    HostInvitation,
    ImportSource,
    PendingAnswer,
    PendingBrewSignup,
    PendingImport,
    Person,
    Report,
    Rsvp,
    RsvpStatus,
    SeriesHost,
    StandingAnswer,
)
from eventsite.retention import forget_addresses
from eventsite.rsvps import fill_open_seats, locked_event, waitlist_position
from eventsite.sessions import end_all_sessions


def my_rsvps(person: Person) -> list[Rsvp]:
    """Answers for events that have not ended, soonest first."""
    query = (
        select(Rsvp)
        .join(Rsvp.event)
        .where(Rsvp.person_id == person.id, Event.ends_at > utcnow(), Rsvp.status != RsvpStatus.NOT_GOING)
        .options(joinedload(Rsvp.event))
        .order_by(Event.starts_at)
    )
    return list(db.session.scalars(query))


def hosting(person: Person) -> list[Event]:
    query = (
        select(Event)
        .join(EventHost)
        .where(EventHost.person_id == person.id, Event.ends_at > utcnow())
        .order_by(Event.starts_at)
    )
    return list(db.session.scalars(query))


def export_data(person: Person) -> dict:
    """Everything eventsite holds about a person, as JSON-ready data."""
    answers = db.session.scalars(select(Rsvp).where(Rsvp.person_id == person.id).options(joinedload(Rsvp.event)))
    hosted = db.session.scalars(select(Event).join(EventHost).where(EventHost.person_id == person.id))
    reports = db.session.scalars(select(Report).where(Report.reporter_id == person.id))
    standing = db.session.scalars(select(StandingAnswer).where(StandingAnswer.person_id == person.id))
    sources = db.session.scalars(select(ImportSource).where(ImportSource.person_id == person.id))
    return {
        "person": {
            "email": person.email,
            "name": person.name,
            "steward": person.is_steward,
            "joined": person.created_at.isoformat(),
            "email_confirmed": person.email_confirmed_at.isoformat() if person.email_confirmed_at else None,
        },
        "answers": [_answer_data(rsvp) for rsvp in answers],
        "hosting": [{"event": event.title, "url": event_link(event)} for event in hosted],
        "reports": [{"event_id": report.event_id, "reason": report.reason} for report in reports],
        "every_session": [{"series": each.series.title, "answer": each.status.value} for each in standing],
        "brew": _brew_data(person),
        "imported_calendars": [
            {"name": source.name, "address": source.url, "kept_in_sync": source.keep_in_sync} for source in sources
        ],
    }


def _brew_data(person: Person) -> dict | None:
    """Their brew and biscuits sign-up (exclusions included: they are theirs) and meetings."""
    member = db.session.scalar(select(BrewMember).where(BrewMember.person_id == person.id))
    rows = db.session.scalars(select(BrewGroupMember).where(BrewGroupMember.person_id == person.id))
    meetings = [
        {"round": row.group.round_id, "accepted_slots": row.accepted, "met": row.met.value if row.met else None}
        for row in rows
    ]
    if member is None:
        return {"meetings": meetings} if meetings else None
    return {
        "sector": member.sector.value,
        "organisation": member.organisation,
        "place": member.place.name if member.place else None,
        "happy_to_travel": member.travels,
        "meet": member.mode.value,
        "about": member.about,
        "interests": member.interests,
        "how_often": member.frequency.value,
        "share_email": member.share_email,
        "rather_not_be_paired_with": member.excluded_emails,
        "snoozed_until": member.snoozed_until.isoformat() if member.snoozed_until else None,
        "paused": member.paused_at is not None,
        "meetings": meetings,
    }


def _answer_data(rsvp: Rsvp) -> dict:
    return {
        "event": rsvp.event.title,
        "url": event_link(rsvp.event),
        "starts_at": rsvp.event.starts_at.isoformat(),
        "answer": rsvp.status.value,
        "guests": rsvp.guests,
        "show_name": rsvp.show_name,
        "waitlist_place": waitlist_position(rsvp),
        "answered_at": rsvp.created_at.isoformat(),
    }


def delete_account(person: Person) -> None:
    """Remove a person's answers (freeing their places), host roles, invitations, links,
    sessions (signing them out everywhere) and the mail sent to them; scrub their address
    from events' history; anonymise what must stay (events they proposed, their part in past events)."""
    sole = [event for event in hosting(person) if not event.is_cancelled and len(event.hosts) == 1]
    if sole:
        titles = ", ".join(f"“{event.title}”" for event in sole)
        message = gettext("You are the only host of %(titles)s: hand it over or cancel it first.", titles=titles)
        raise InvalidInput("confirm", message)
    for event_id in _answered_event_ids(person):  # in id order, so two deletions never deadlock
        _delete_answers(locked_event(event_id), person)
    for table in (
        EventHost,
        EmailLink,
        HostInvitation,
        StandingAnswer,
        SeriesHost,
        BrewMember,
        ImportSource,
        PendingImport,
    ):
        db.session.execute(delete(table).where(table.person_id == person.id))
    db.session.execute(delete(PendingBrewSignup).where(PendingBrewSignup.email == person.email.lower()))
    end_all_sessions(person)
    forget_addresses([person.email])
    person.email = f"deleted-{person.id}{DELETED_DOMAIN}"
    person.name = ""
    person.is_steward = False
    person.email_confirmed_at = None
    person.feed_key = secrets.token_hex(16)  # the old feed link stops working
    person.language = None
    db.session.flush()


def _same_address(person: Person):
    return func.lower(PendingAnswer.email) == person.email.lower()


def _answered_event_ids(person: Person) -> list[int]:
    """Events this person answered, or has an unproven answer to under their address."""
    answered = select(Rsvp.event_id).where(Rsvp.person_id == person.id)
    pending = select(PendingAnswer.event_id).where(_same_address(person))
    return sorted(db.session.scalars(union(answered, pending)))


def _delete_answers(event: Event, person: Person) -> None:
    """``event`` comes from ``locked_event``: the places freed go to the waitlist at once."""
    db.session.execute(delete(Rsvp).where(Rsvp.event_id == event.id, Rsvp.person_id == person.id))
    db.session.execute(delete(PendingAnswer).where(PendingAnswer.event_id == event.id, _same_address(person)))
    event.updated_at = utcnow()  # its counts changed: feeds must notice
    tell_promoted(fill_open_seats(event))  # nobody, unless the gathering is live
