"""One-click invitations: when a gathering made from an idea, or run again, goes live, the
people waiting for it (who said "I'd come", who went last time or asked for it again) get
one email each with "I'm going", "Maybe" and "Can't go" links. The link was sent to their
address, so it proves it: pressing a button on its page answers at once.

The token is ``<event id>-<person id>.<HMAC-SHA256>``, keyed by SECRET_KEY and the person's
own feed key, so deleting the account (which changes that key) ends every invitation.
"""

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.i18n import lazy_gettext
from eventsite.mail import external_url, queue_mail
from eventsite.models import AgainRequest, Event, EventStatus, IdeaSupport, Person, Rsvp
from eventsite.rsvps import find_rsvp

ANSWERS = ("going", "maybe", "not-going")


def invitation_token(event: Event, person: Person) -> str:
    return f"{event.id}-{person.id}.{_signature(event.id, person)}"


def _signature(event_id: int, person: Person) -> str:
    message = f"invitation:{event_id}:{person.id}:{person.feed_key}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def token_ids(token: str) -> tuple[int, int] | None:
    """The event and person ids a well-formed token names (not yet checked)."""
    ids, _, _signature_part = token.partition(".")
    event_id, _, person_id = ids.partition("-")
    if not (event_id.isdigit() and person_id.isdigit() and len(event_id) <= 9 and len(person_id) <= 9):
        return None
    return int(event_id), int(person_id)


def invited_person(token: str) -> Person | None:
    """The person the invitation was sent to, if the token is genuine."""
    ids = token_ids(token)
    person = db.session.get(Person, ids[1]) if ids else None
    if person is None or person.is_deleted:
        return None
    if not hmac.compare_digest(_signature(ids[0], person), token.partition(".")[2]):
        return None
    return person


def waiting_for(event: Event) -> tuple[list[Person], str]:
    """Who is waiting for this gathering, and why (for the email: "idea", someone said they
    would come if the idea happened; "again", they went last time or asked for it again)."""
    people: dict[int, Person] = {}
    reason = ""
    if event.idea_id is not None:
        query = select(IdeaSupport).where(IdeaSupport.idea_id == event.idea_id, IdeaSupport.would_come)
        for support in db.session.scalars(query.order_by(IdeaSupport.created_at)):
            people.setdefault(support.person_id, support.person)
        reason = "idea"
    if event.again_of_id is not None:
        went = select(Rsvp).where(Rsvp.event_id == event.again_of_id, Rsvp.went.is_(True))
        for rsvp in db.session.scalars(went.order_by(Rsvp.created_at)):
            if rsvp.person is not None:
                people.setdefault(rsvp.person_id, rsvp.person)
        asked = select(AgainRequest).where(AgainRequest.event_id == event.again_of_id)
        for request in db.session.scalars(asked.order_by(AgainRequest.created_at)):
            people.setdefault(request.person_id, request.person)
        reason = reason or "again"
    hosts = {host.person_id for host in event.hosts}
    return [person for person in people.values() if person.id not in hosts and not person.is_deleted], reason


def invite_waiting_people(event: Event) -> int:
    """Once, when the gathering is live: email each person waiting for it (see module doc)."""
    if event.status is not EventStatus.PUBLISHED or event.invited_at is not None:
        return 0
    if event.idea_id is None and event.again_of_id is None:
        return 0
    event.invited_at = utcnow()
    people, reason = waiting_for(event)
    invited = [person for person in people if find_rsvp(event, person) is None]
    for person in invited:
        token = invitation_token(event, person)
        queue_mail(
            person.email,
            lazy_gettext("You're invited: %(title)s", title=event.title),
            "invitation",
            person=person,
            event=event,
            reason=reason,
            event_url=external_url("events.show", event_id=event.id, slug=event.slug),
            links={answer: external_url("invitations.answer_page", token=token, answer=answer) for answer in ANSWERS},
        )
    return len(invited)
