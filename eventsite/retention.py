"""Data that must not outlive its purpose: purging old answers, and forgetting an address.

PURGE_ANSWERS_AFTER_DAYS after a gathering ends, its answers lose their person:
the rows stay, with their answer and guests, so "12 went" stays true, but
nothing links anyone to it any more (whether someone went to a carers' group is
health information about them). Old mail, old links and pending answers go too,
and then the people left with nothing: someone who only ever answered as a
guest. Brew and biscuits meetings go once they are older than that and outside the
cooldown (the round keeps how many met), and so do expired brew sign-ups. ``purge`` is
for cron; a second run changes nothing.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update

from eventsite.brew_rounds import meeting_outcomes
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import (
    BrewGroup,
    BrewGroupMember,
    BrewMember,
    BrewRound,
    EmailLink,
    Event,
    EventChange,
    EventHost,
    HostInvitation,
    OutboxMail,
    PendingAnswer,
    PendingBrewSignup,
    Person,
    PersonSession,
    Rsvp,
)

ADDRESS_REMOVED = "a deleted account"
# A word holding an address, in free text such as the "added co-host" detail of an event's
# history; the address is the word without the punctuation around it.
_WORD_WITH_AT = re.compile(r"\S+@\S+")
_AROUND_ADDRESS = "\"'()<>[]{},.;:!?"
_BATCH = 500  # addresses per IN (...): well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class Purged:
    """What one purge removed."""

    answers: int  # answers no longer linked to anyone
    pending: int  # unproven guest answers
    mail: int
    links: int
    people: int
    brew_meetings: int = 0  # who met whom, long past (the round's counts stay)
    brew_sign_ups: int = 0  # expired, never confirmed

    def __str__(self) -> str:
        return (
            f"Purged {self.answers} answers (who gave them; the counts stay), {self.pending} pending answers, "
            f"{self.mail} old emails, {self.links} used or expired links, {self.brew_meetings} old brew meetings, "
            f"{self.brew_sign_ups} expired brew sign-ups and {self.people} people left with nothing."
        )


def purge(now: datetime | None = None) -> Purged:
    """Remove personal data older than PURGE_ANSWERS_AFTER_DAYS (in this order: the
    people go last, once nothing recent points at them). Flushes; the caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["PURGE_ANSWERS_AFTER_DAYS"])
    return Purged(
        answers=_unlink_answers(cutoff),
        pending=_delete_pending_answers(cutoff),
        mail=_delete_old_mail(cutoff),
        links=_delete_old_links(cutoff, now),
        brew_meetings=_delete_old_brew_meetings(cutoff),
        brew_sign_ups=_delete_expired_brew_sign_ups(now),
        people=_delete_people_left_with_nothing(cutoff),
    )


def _ended_before(cutoff: datetime):
    return select(Event.id).where(Event.ends_at < cutoff)


def _unlink_answers(cutoff: datetime) -> int:
    """Keep each answer's status and guests (the counts), drop who gave it."""
    result = db.session.execute(
        update(Rsvp)
        .where(Rsvp.person_id.is_not(None), Rsvp.event_id.in_(_ended_before(cutoff)))
        # A new key revokes the emailed "change your answer" links. One random key for
        # the batch is enough: the links' HMAC also covers the RSVP id and SECRET_KEY.
        .values(person_id=None, show_name=False, manage_key=secrets.token_hex(16)),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def _delete_pending_answers(cutoff: datetime) -> int:
    """Unproven answers to ended gatherings, and any that expired long ago."""
    result = db.session.execute(
        delete(PendingAnswer).where(
            or_(PendingAnswer.event_id.in_(_ended_before(cutoff)), PendingAnswer.expires_at < cutoff)
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def _delete_old_mail(cutoff: datetime) -> int:
    """Mail queued before the cutoff, sent or given up on: each row holds an address
    and often says which gathering it was about."""
    result = db.session.execute(
        delete(OutboxMail).where(OutboxMail.created_at < cutoff), execution_options={"synchronize_session": False}
    )
    return result.rowcount


def _delete_old_links(cutoff: datetime, now: datetime) -> int:
    result = db.session.execute(
        delete(EmailLink).where(
            EmailLink.created_at < cutoff, or_(EmailLink.used_at.is_not(None), EmailLink.expires_at <= now)
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def _delete_old_brew_meetings(cutoff: datetime) -> int:
    """Meetings of rounds started before the cutoff and older than the cooldown's rounds
    (which must still keep two people apart), once closed; their round keeps the counts."""
    cooldown = select(BrewRound.id).order_by(BrewRound.id.desc()).limit(current_app.config["BREW_COOLDOWN_ROUNDS"])
    old_rounds = db.session.scalars(
        select(BrewRound).where(BrewRound.started_at < cutoff, BrewRound.id.not_in(cooldown.scalar_subquery()))
    ).all()
    removed = 0
    for brew_round in old_rounds:
        groups = select(BrewGroup.id).where(BrewGroup.round_id == brew_round.id)
        if db.session.scalar(select(exists(groups.where(BrewGroup.closed_at.is_(None))))):
            continue  # a meeting still open for answers: next time
        if brew_round.met is None:
            brew_round.met, brew_round.answered = meeting_outcomes(brew_round)
        db.session.execute(delete(BrewGroupMember).where(BrewGroupMember.group_id.in_(groups)))
        removed += db.session.execute(delete(BrewGroup).where(BrewGroup.round_id == brew_round.id)).rowcount
    db.session.flush()
    return removed


def _delete_expired_brew_sign_ups(now: datetime) -> int:
    result = db.session.execute(
        delete(PendingBrewSignup).where(PendingBrewSignup.expires_at < now),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def _left_with_nothing(cutoff: datetime):
    """People with no answer, no role, no session, no invitation, no link and no brew left
    (links older than the cutoff are gone by now, so a remaining one is recent).
    NOT EXISTS rather than NOT IN: a purged answer's NULL person would make NOT IN match nothing."""
    return select(Person.id, Person.email).where(
        Person.created_at < cutoff,
        Person.is_steward.is_(False),
        ~exists().where(Rsvp.person_id == Person.id),
        ~exists().where(EventHost.person_id == Person.id),
        ~exists().where(Event.created_by_id == Person.id),
        ~exists().where(PersonSession.person_id == Person.id),
        ~exists().where(HostInvitation.person_id == Person.id),
        ~exists().where(EmailLink.person_id == Person.id),
        ~exists().where(BrewMember.person_id == Person.id),
        ~exists().where(BrewGroupMember.person_id == Person.id),
    )


def _delete_people_left_with_nothing(cutoff: datetime) -> int:
    # Locked (PostgreSQL; SQLite already holds its write lock), so an answer or a link
    # someone makes meanwhile can never be deleted with its person: it waits, then fails.
    people = db.session.execute(_left_with_nothing(cutoff).with_for_update(of=Person)).all()
    forget_addresses([email for _, email in people])
    ids = [person_id for person_id, _ in people]
    for start in range(0, len(ids), _BATCH):
        db.session.execute(
            delete(Person).where(Person.id.in_(ids[start : start + _BATCH])),
            execution_options={"synchronize_session": False},
        )
    db.session.flush()
    return len(ids)


# -- forgetting an address --------------------------------------------------------------------------


def forget_addresses(emails: list[str]) -> None:
    """Delete every message to these addresses (sent or not) and scrub them from
    events' change history. Addresses match whatever their case."""
    lowered = sorted({email.lower() for email in emails})
    for start in range(0, len(lowered), _BATCH):
        batch = lowered[start : start + _BATCH]
        db.session.execute(
            delete(OutboxMail).where(func.lower(OutboxMail.to_address).in_(batch)),
            execution_options={"synchronize_session": False},
        )
    _scrub_history(set(lowered))
    db.session.flush()


def _scrub_history(lowered: set[str]) -> None:
    if not lowered:
        return
    # One pass over the few history entries holding an address, whatever the number of addresses.
    for change in db.session.scalars(select(EventChange).where(EventChange.detail.contains("@"))):
        scrubbed = _WORD_WITH_AT.sub(lambda match: _scrub_word(match.group(), lowered), change.detail)
        if scrubbed != change.detail:
            change.detail = scrubbed


def _scrub_word(word: str, lowered: set[str]) -> str:
    address = word.strip(_AROUND_ADDRESS)
    return word.replace(address, ADDRESS_REMOVED) if address.lower() in lowered else word
