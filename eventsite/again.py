"""After a gathering: "Did you make it?" the day after, "I'd come if it ran again", and
running it again, with the people who went or asked invited first.

- **Follow-ups** go to each person who was going, once, between FOLLOW_UP_AFTER and
  FOLLOW_UP_UNTIL after the gathering ended (``flask send-follow-ups``, hourly: a run
  missed for a day sends nothing late). Never for a cancelled, held or hidden gathering.
- **"I went"** is recorded once: the first press counts, a second changes nothing.
- **Run it again** copies everything but the date; the new gathering is published per
  the moderation mode, its waiting people are invited (eventsite.invitations), and the
  public list, feeds and API show it only from ``public_from`` (eventsite.listing.listed_now).
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import can_edit, resolve_times
from eventsite.extensions import db
from eventsite.history import record_change
from eventsite.i18n import lazy_gettext
from eventsite.invitations import invite_waiting_people
from eventsite.mail import external_url, queue_mail
from eventsite.models import AgainRequest, Event, EventHost, EventStatus, OutboxMail, Person, Rsvp, RsvpStatus
from eventsite.moderation import publish_or_hold
from eventsite.people import address_confirmed, find_or_create_person, normalise_email

FOLLOW_UP_AFTER = timedelta(hours=18)  # "the day after": not in the small hours of the night itself
FOLLOW_UP_UNTIL = timedelta(hours=48)  # past that, a late question is noise: skip it
WENT_ANSWERS = {"yes": True, "no": False}
AGAIN_CONFIRM = "again-confirm"  # the category of "confirm: run it again" emails, limited per address
_SALT = "run-it-again"
NOT_YET = lazy_gettext("You can ask for it to run again once it has happened.")
NOT_HAPPENED = lazy_gettext("Only a gathering that happened can run again.")
INVALID_LINK = lazy_gettext("This link is not valid. Links expire after a day: ask again from the gathering's page.")


def has_ended(event: Event, now: datetime | None = None) -> bool:
    return event.ends_at <= (now or utcnow())


def _went_on(event: Event) -> bool:
    """It happened: published, not cancelled, and over."""
    return event.status is EventStatus.PUBLISHED and not event.is_cancelled and has_ended(event)


# -- "Did you make it?" -------------------------------------------------------------------------


def send_follow_ups(now: datetime | None = None) -> int:
    """Ask everyone who was going, once, the day after (see the module doc)."""
    now = now or utcnow()
    query = (
        select(Rsvp)
        .join(Rsvp.event)
        .where(
            Rsvp.status == RsvpStatus.GOING,
            Rsvp.followed_up_at.is_(None),
            Rsvp.went.is_(None),  # already said (from an earlier link, or a host's list)
            Rsvp.person_id.is_not(None),
            Event.status == EventStatus.PUBLISHED,
            Event.cancelled_at.is_(None),
            Event.ends_at <= now - FOLLOW_UP_AFTER,
            Event.ends_at > now - FOLLOW_UP_UNTIL,
        )
        .options(joinedload(Rsvp.person), joinedload(Rsvp.event))
        .with_for_update(of=Rsvp, skip_locked=True)
    )
    rsvps = list(db.session.scalars(query).unique())
    for rsvp in rsvps:
        rsvp.followed_up_at = now
        token = went_token(rsvp)
        queue_mail(
            rsvp.person.email,
            lazy_gettext("Did you make it? %(title)s", title=rsvp.event.title),
            "follow_up",
            event=rsvp.event,
            person=rsvp.person,
            links={said: external_url("again.went_page", token=token, said=said) for said in WENT_ANSWERS},
        )
    return len(rsvps)


def went_token(rsvp: Rsvp) -> str:
    """``<event id>-<rsvp id>.<HMAC>``, as rsvps.manage_token but for this question only."""
    return f"{rsvp.event_id}-{rsvp.id}.{_went_signature(rsvp)}"


def _went_signature(rsvp: Rsvp) -> str:
    message = f"went:{rsvp.id}:{rsvp.manage_key}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def rsvp_for_went_token(token: str) -> Rsvp | None:
    ids, _, signature = token.partition(".")
    event_id, _, rsvp_id = ids.partition("-")
    if not (rsvp_id.isdigit() and event_id.isdigit() and len(rsvp_id) <= 9 and len(event_id) <= 9):
        return None
    rsvp = db.session.get(Rsvp, int(rsvp_id))
    if rsvp is None or rsvp.person is None or rsvp.event_id != int(event_id):
        return None
    if not hmac.compare_digest(_went_signature(rsvp), signature) or not rsvp.event.is_public:
        return None
    return rsvp


def record_went(rsvp: Rsvp, went: bool) -> bool:
    """Record the answer to "Did you make it?"; only the first counts (False: already said)."""
    if not has_ended(rsvp.event):
        raise NotAllowed(gettext("You can say whether you went once it has happened."))
    if rsvp.went is not None:
        return False
    rsvp.went = went
    return True


def went_count(event: Event) -> int:
    """How many said "I went" (one query)."""
    query = select(func.count()).where(Rsvp.event_id == event.id, Rsvp.went.is_(True))
    return db.session.scalar(query)


# -- "I'd come if it ran again" -----------------------------------------------------------------


def again_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).where(AgainRequest.event_id == event.id))


def has_asked_again(event: Event, person) -> bool:
    if not getattr(person, "is_authenticated", False):
        return False
    query = select(AgainRequest.id).where(AgainRequest.event_id == event.id, AgainRequest.person_id == person.id)
    return db.session.scalar(query) is not None


def _check_can_ask(event: Event) -> None:
    if not _went_on(event):
        raise InvalidInput("again", str(NOT_YET if not has_ended(event) else NOT_HAPPENED))


def ask_again(event: Event, person: Person) -> bool:
    """A proven person would come if it ran again; once each (False: they had asked already)."""
    _check_can_ask(event)
    if has_asked_again(event, person):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(AgainRequest(event_id=event.id, person_id=person.id))
    except IntegrityError:  # the same person, at the same moment, from another tab
        return False
    return True


def ask_again_as_guest(event: Event, email: str) -> None:
    """Email a link that makes it count, at most ANSWER_MAILS_PER_ADDRESS times an hour per
    address (past that, silently nothing). Nobody is looked up: the same work whoever it is."""
    _check_can_ask(event)
    email = normalise_email(email)
    if _again_mails_this_hour(email) >= current_app.config["ANSWER_MAILS_PER_ADDRESS"]:
        return
    token = _serializer().dumps([event.id, email])
    queue_mail(
        email,
        lazy_gettext("Confirm: you'd come if it ran again: %(title)s", title=event.title),
        "again_confirm",
        category=AGAIN_CONFIRM,
        event=event,
        link=external_url("again.confirm_page", token=token),
        event_url=external_url("events.show", event_id=event.id, slug=event.slug),
    )


def _again_mails_this_hour(email: str) -> int:
    since = utcnow() - timedelta(hours=1)
    query = select(func.count()).where(
        OutboxMail.to_address == email, OutboxMail.category == AGAIN_CONFIRM, OutboxMail.created_at > since
    )
    return db.session.scalar(query)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def read_again_token(token: str) -> tuple[Event, str]:
    """The gathering and the address an emailed link names, if genuine and not expired."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["EMAIL_LINK_MAX_AGE"])
    except BadSignature:
        raise LinkInvalid(str(INVALID_LINK)) from None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise LinkInvalid(str(INVALID_LINK))
    event = db.session.get(Event, payload[0]) if payload[0] <= 2**31 - 1 else None
    if event is None or not event.is_public or not isinstance(payload[1], str):
        raise LinkInvalid(str(INVALID_LINK))
    return event, payload[1]


def confirm_again(token: str) -> tuple[Event, Person]:
    """The emailed link was used: the address is proven and the request counts (once)."""
    event, email = read_again_token(token)
    person = find_or_create_person(email)
    address_confirmed(person)
    ask_again(event, person)
    return event, person


# -- run it again -------------------------------------------------------------------------------

COPIED = (
    "title", "kind", "timezone", "venue_name", "address", "place_id", "is_online", "online_url", "capacity",
    "min_going", "max_guests", "address_for_attendees", "description", "description_html", "summary",
    "access_notes", "cost",
)  # fmt: skip


def run_again(
    old: Event, starts_local: datetime, ends_local: datetime | None, timezone: str, host: Person, now=None
) -> Event:
    """A host proposes a new date for a past gathering: everything else is copied (see the
    module doc); the people who went or asked are invited at once, the public later."""
    if not can_edit(host, old):
        raise NotAllowed(gettext("Only the hosts of this gathering can run it again."))
    if not has_ended(old, now):
        raise InvalidInput("starts_at", gettext("You can run it again once it has happened."))
    now = now or utcnow()
    starts_at, ends_at = resolve_times(starts_local, ends_local, timezone, now)
    new = Event(created_by=host, status=EventStatus.UNCONFIRMED, created_at=now, updated_at=now)
    for name in COPIED:
        setattr(new, name, getattr(old, name))
    new.timezone, new.starts_at, new.ends_at = timezone, starts_at, ends_at
    new.tags = list(old.tags)
    new.access_features = list(old.access_features)
    others = [entry.person for entry in old.hosts if entry.person_id != host.id]
    new.hosts = [EventHost(person=person) for person in (host, *others)]
    new.again_of_id = old.id
    new.public_from = now + timedelta(hours=current_app.config["INVITE_FIRST_HOURS"])
    db.session.add(new)
    db.session.flush()
    record_change(new, host, "proposed", f"run again from gathering {old.id}")
    publish_or_hold(new, host, current_app.config["MODERATION"])
    invite_waiting_people(new)  # again_of_id is set: the people who went or asked hear first
    return new
