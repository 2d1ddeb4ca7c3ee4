"""Running a gathering with others: co-hosts by invitation, handing over, and
removing an answer (spam, a duplicate).

Someone invited is not a host (not shown, no rights) until they accept by the
emailed link, which carries a 256-bit secret; only its SHA-256 is stored and
compared in constant time, and it expires after HOST_INVITATION_MAX_AGE.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, select

from eventsite.attendees import event_link, tell_promoted
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import can_edit, step_down
from eventsite.extensions import db
from eventsite.history import record_change, touch
from eventsite.i18n import current_language, lazy_gettext, speaking
from eventsite.ical import event_calendar
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import Event, EventHost, EventStatus, HostInvitation, Person, Rsvp
from eventsite.people import address_confirmed, find_or_create_person
from eventsite.rsvps import ATTENDING, fill_open_seats

INVALID_INVITATION = lazy_gettext("This invitation is not valid: it may have been withdrawn or answered already.")


def _require_host(person, event: Event) -> None:
    if not can_edit(person, event):
        raise NotAllowed(gettext("Only the hosts of this gathering can do that."))


def _is_host(person: Person, event: Event) -> bool:
    return any(host.person_id == person.id for host in event.hosts)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- inviting -------------------------------------------------------------------------------------


def add_cohost(event: Event, by: Person, email: str) -> HostInvitation:
    """Invite someone to host with the same rights: they become a host by accepting."""
    _require_host(by, event)
    person = find_or_create_person(email)
    if _is_host(person, event):
        raise InvalidInput("email", gettext("%(email)s is already a host.", email=person.email))
    return _invite(event, by, person, hand_over=False)


def hand_over(event: Event, by: Person, email: str) -> HostInvitation | None:
    """Pass the gathering on: ``by`` steps down once the invitee accepts (at once, and
    None is returned, if they already host it)."""
    _require_host(by, event)
    person = find_or_create_person(email)
    if person.id == by.id:
        raise InvalidInput("email", gettext("That is your own address: give someone else's."))
    if _is_host(person, event):
        step_down(event, by)
        return None
    return _invite(event, by, person, hand_over=True)


def _invite(event: Event, by: Person, person: Person, hand_over: bool) -> HostInvitation:
    """Create the invitation, or replace an earlier one to the same person (its link stops working)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    existing = select(HostInvitation).where(HostInvitation.event_id == event.id, HostInvitation.person_id == person.id)
    invitation = db.session.scalar(existing) or HostInvitation(event=event, person=person)
    invitation.invited_by, invitation.hand_over = by, hand_over
    invitation.token_hash, invitation.created_at = _hash(token), now
    invitation.expires_at = now + timedelta(seconds=current_app.config["HOST_INVITATION_MAX_AGE"])
    db.session.add(invitation)
    db.session.flush()
    record_change(event, by, "invited to take over" if hand_over else "invited a co-host", person.email)
    queue_mail(
        person.email,
        lazy_gettext("You're invited to host %(title)s", title=event.title),
        "host_invitation",
        invitation=invitation,
        event=event,
        person=person,
        by=by,
        link=external_url("hosting.invitation", token=token),
        days=current_app.config["HOST_INVITATION_MAX_AGE"] // 86400,
    )
    return invitation


def pending_invitations(event: Event) -> list[HostInvitation]:
    query = (
        select(HostInvitation)
        .where(HostInvitation.event_id == event.id, HostInvitation.expires_at > utcnow())
        .order_by(HostInvitation.created_at)
    )
    return list(db.session.scalars(query))


def withdraw_invitation(invitation: HostInvitation, by: Person) -> None:
    _require_host(by, invitation.event)
    record_change(invitation.event, by, "withdrew a host invitation", invitation.person.email)
    db.session.delete(invitation)
    db.session.flush()


# -- answering an invitation ----------------------------------------------------------------------


def find_invitation(token: str) -> HostInvitation:
    """The live invitation behind an emailed link (nothing changes)."""
    token_hash = _hash(token)
    invitation = db.session.scalar(select(HostInvitation).where(HostInvitation.token_hash == token_hash))
    if invitation is None or not hmac.compare_digest(invitation.token_hash, token_hash):
        raise LinkInvalid(str(INVALID_INVITATION))
    if invitation.expires_at <= utcnow():
        raise LinkInvalid(gettext("This invitation has expired. Ask the hosts to invite you again."))
    return invitation


def _use_up(invitation: HostInvitation) -> None:
    """Delete it, conditionally: of two requests racing with one link, only one wins."""
    used = db.session.execute(delete(HostInvitation).where(HostInvitation.id == invitation.id))
    if used.rowcount != 1:
        raise LinkInvalid(str(INVALID_INVITATION))


def accept_invitation(invitation: HostInvitation, name: str) -> Person:
    """The invitee becomes a host (giving their name if they have none yet); the emailed
    link proves their address. A hand-over's inviter steps down now, if still a host."""
    person, event, inviter = invitation.person, invitation.event, invitation.invited_by
    if not person.name:
        if not name:
            raise InvalidInput("name", gettext("Enter your name: hosts are shown on the gathering's page."))
        person.name = name
    _use_up(invitation)
    address_confirmed(person)
    if not _is_host(person, event):
        event.hosts.append(EventHost(person=person))
    touch(event, scheduling_changed=False)
    record_change(event, person, "accepted a host invitation")
    if invitation.hand_over and inviter is not None and _is_host(inviter, event):
        step_down(event, inviter)
    _tell_inviter(invitation, inviter, accepted=True)
    return person


def decline_invitation(invitation: HostInvitation) -> None:
    _use_up(invitation)
    record_change(invitation.event, invitation.person, "declined a host invitation")
    _tell_inviter(invitation, invitation.invited_by, accepted=False)


def _tell_inviter(invitation: HostInvitation, inviter: Person | None, accepted: bool) -> None:
    if inviter is None or inviter.is_deleted:
        return
    event, who = invitation.event, invitation.person.name or invitation.person.email
    if accepted:
        subject = lazy_gettext("%(who)s accepted: %(title)s", who=who, title=event.title)
    else:
        subject = lazy_gettext("%(who)s declined: %(title)s", who=who, title=event.title)
    queue_mail(
        inviter.email,
        subject,
        "host_invitation_answered",
        invitation=invitation,
        event=event,
        who=who,
        accepted=accepted,
        event_url=event_link(event),
    )


# -- answers --------------------------------------------------------------------------------------


def remove_answer(event: Event, rsvp: Rsvp, host: Person, reason: str = "") -> list[Rsvp]:
    """A host removes an answer (spam, a duplicate): the person is told, and a freed place
    goes to the head of the waitlist. ``event`` comes from ``locked_event``; returns those
    promoted. A gathering that is not live emails nobody (its places fill on restore)."""
    _require_host(host, event)
    if rsvp.event_id != event.id:
        raise NotAllowed(gettext("That answer is not for this gathering."))
    live = event.status is EventStatus.PUBLISHED
    if live and rsvp.person is not None:
        _tell_removed(event, rsvp, reason)
    db.session.delete(rsvp)
    event.updated_at = utcnow()  # its counts changed: feeds must notice
    db.session.flush()
    record_change(event, host, "removed an answer", reason)
    promoted = fill_open_seats(event)  # nobody, unless the gathering is live
    tell_promoted(promoted)
    return promoted


def _tell_removed(event: Event, rsvp: Rsvp, reason: str) -> None:
    attachment = None
    if rsvp.status in ATTENDING:  # take it out of their calendar; no private details in it
        with speaking(rsvp.person.language or current_language()):  # as the email speaks
            text = event_calendar(event, method="CANCEL", url=event_link(event))
        attachment = Attachment(f"event-{event.id}.ics", "text/calendar; method=CANCEL", text.decode())
    queue_mail(
        rsvp.person.email,
        lazy_gettext("A host removed your answer: %(title)s", title=event.title),
        "rsvp_removed",
        attachment=attachment,
        event=event,
        person=rsvp.person,
        reason=reason,
        in_calendar=attachment is not None,
        event_url=event_link(event),
    )
