"""RSVPs: going, maybe, can't go; capacity, a first-come-first-served waitlist, guests.

Rules that hold whatever the concurrency:
- going + guests never exceeds capacity;
- if anyone is waiting, the event is full: a newcomer never overtakes the waitlist;
- promotion is strictly first come, first served, and happens in the same
  transaction that frees the place. A party that does not fit yet (3 people
  at the head of the list, 1 place free) keeps its place at the head and
  nobody behind it is promoted: the place waits until the party fits or
  shrinks. Parties are never split.
- Lowering capacity below those going bumps nobody; it only stops promotion.
- A guest's answer counts once their address is proven (the emailed link): until
  then it is a ``PendingAnswer``. A pending "going" that fits holds its places for
  ANSWER_HOLD_MINUTES, and held places count as taken everywhere above ("never
  oversold" is going + guests + held <= capacity). Confirming turns the hold into
  the place itself; a hold that lapses frees its places for the waitlist's head.

Every path that changes RSVPs (answering, changing, a host's capacity edit)
starts by locking the event row (``locked_event``): ``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the request already began with ``BEGIN IMMEDIATE``. Mail
goes through the queue, so no I/O happens while the lock is held.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import delete, func, select, update

from eventsite.database import utcnow
from eventsite.errors import DomainError, InvalidInput, LinkInvalid
from eventsite.extensions import db
from eventsite.models import Event, EventStatus, PendingAnswer, Person, Rsvp, RsvpStatus

ATTENDING = (RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.WAITLISTED)


class RsvpClosed(DomainError):
    """The event takes no answers (cancelled, not public, or RSVPs have closed)."""


@dataclass(frozen=True)
class Attendance:
    """How an event stands: what every page needs, from one query."""

    going: int  # people going, guests included
    maybe: int
    waiting: int  # RSVPs on the waitlist
    capacity: int | None
    held: int = 0  # places held for guests who have not yet opened their emailed link

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.going - self.held, 0)

    @property
    def is_full(self) -> bool:
        """Full when no place is left, or when anyone is waiting (nobody overtakes them)."""
        return self.waiting > 0 or self.places_left == 0


@dataclass
class Answer:
    """What answering did: the person's RSVP, and anyone it promoted from the waitlist."""

    rsvp: Rsvp
    promoted: list[Rsvp]
    previous: RsvpStatus | None


def locked_event(event_id: int) -> Event | None:
    """Load the event and lock its row until the transaction ends (PostgreSQL)."""
    query = select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def attendance(event: Event) -> Attendance:
    return attendance_by_event([event])[event.id]


def attendance_by_event(events: list[Event]) -> dict[int, Attendance]:
    """How each event stands, for a whole page of events in one query."""
    counts: dict[int, dict] = {event.id: {} for event in events}
    if events:
        rows = db.session.execute(
            select(Rsvp.event_id, Rsvp.status, func.count(), func.sum(1 + Rsvp.guests))
            .where(Rsvp.event_id.in_(list(counts)))
            .group_by(Rsvp.event_id, Rsvp.status)
        )
        for event_id, status, answers, people in rows:
            counts[event_id][status] = (answers, int(people))
    held = _held_by_event(list(counts)) if any(event.capacity for event in events) else {}
    return {event.id: _attendance(event, counts[event.id], held.get(event.id, 0)) for event in events}


def _held_by_event(event_ids: list[int]) -> dict[int, int]:
    query = (
        select(PendingAnswer.event_id, func.sum(PendingAnswer.held_places))
        .where(PendingAnswer.event_id.in_(event_ids), *_holding())
        .group_by(PendingAnswer.event_id)
    )
    return {event_id: int(places) for event_id, places in db.session.execute(query)}


def _attendance(event: Event, by_status: dict, held: int) -> Attendance:
    return Attendance(
        going=by_status.get(RsvpStatus.GOING, (0, 0))[1],
        maybe=by_status.get(RsvpStatus.MAYBE, (0, 0))[0],
        waiting=by_status.get(RsvpStatus.WAITLISTED, (0, 0))[0],
        capacity=event.capacity,
        held=held,
    )


def going_total(event: Event) -> int:
    """People going (guests included) whose answers are proven."""
    query = select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
        Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.GOING
    )
    return int(db.session.scalar(query))


def _holding(now: datetime | None = None) -> tuple:
    """The conditions of a hold that still counts."""
    return PendingAnswer.held_places > 0, PendingAnswer.held_until > (now or utcnow())


def held_places(event: Event) -> int:
    query = select(func.coalesce(func.sum(PendingAnswer.held_places), 0)).where(
        PendingAnswer.event_id == event.id, *_holding()
    )
    return int(db.session.scalar(query))


def taken_places(event: Event) -> int:
    """Places nobody else can have: people going, their guests, and live holds."""
    return going_total(event) + held_places(event)


def waitlist(event: Event) -> list[Rsvp]:
    query = (
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.waitlisted_at, Rsvp.id)
    )
    return list(db.session.scalars(query))


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the head of the waitlist; None when not waiting."""
    if rsvp.status is not RsvpStatus.WAITLISTED:
        return None
    ahead = select(func.count()).where(
        Rsvp.event_id == rsvp.event_id,
        Rsvp.status == RsvpStatus.WAITLISTED,
        (Rsvp.waitlisted_at < rsvp.waitlisted_at) | ((Rsvp.waitlisted_at == rsvp.waitlisted_at) & (Rsvp.id < rsvp.id)),
    )
    return db.session.scalar(ahead) + 1


def find_rsvp(event: Event, person: Person) -> Rsvp | None:
    return db.session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.person_id == person.id))


def rsvps_close_at(event: Event) -> datetime:
    return event.rsvp_closes_at or event.starts_at


def closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why the event takes no answers now, or None if it does."""
    if event.status is EventStatus.CANCELLED:
        return gettext("This gathering is cancelled.")
    if event.status is not EventStatus.PUBLISHED:
        return gettext("This gathering is not open for answers yet.")
    if (now or utcnow()) >= rsvps_close_at(event):
        return gettext("Answers for this gathering have closed.")
    return None


def _fits(event: Event, total: int, party: int) -> bool:
    return event.capacity is None or total + party <= event.capacity


def check_answer(event: Event, status: RsvpStatus, guests: int) -> None:
    """Refuse an answer the event cannot take, whoever gives it."""
    reason = closed_reason(event)
    if reason:
        raise RsvpClosed(reason)
    if status is RsvpStatus.WAITLISTED:
        raise InvalidInput("status", gettext("Choose going, maybe or can't go."))
    if not 0 <= guests <= event.max_guests:
        raise InvalidInput("guests", _guests_message(event))
    if status is RsvpStatus.GOING and not _could_ever_fit(event, 1 + guests):
        room = event.capacity - 1
        message = ngettext(
            "There are %(capacity)d places in all: you can bring up to %(num)d guest.",
            "There are %(capacity)d places in all: you can bring up to %(num)d guests.",
            room,
            capacity=event.capacity,
        )
        raise InvalidInput("guests", message)


def answer(
    event: Event, person: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False, reserved: int = 0
) -> Answer:
    """Record a person's answer (new or changed). ``event`` must come from ``locked_event``.
    ``reserved``: places a confirmed hold kept for this person (already released)."""
    check_answer(event, status, guests)
    rsvp = find_rsvp(event, person)
    previous = rsvp.status if rsvp else None
    rsvp = rsvp or _new_rsvp(event, person)
    rsvp.show_name = show_name
    rsvp.updated_at = utcnow()
    if status is RsvpStatus.GOING:
        _go(event, rsvp, guests, reserved)
    else:
        rsvp.status, rsvp.guests, rsvp.waitlisted_at = status, guests, None
    event.updated_at = rsvp.updated_at  # feeds show the counts: this changes them
    db.session.flush()
    promoted = fill_open_seats(event)
    return Answer(rsvp=rsvp, promoted=promoted, previous=previous)


def _guests_message(event: Event) -> str:
    if event.max_guests == 0:
        return gettext("This gathering does not take guests.")
    return ngettext("You can bring up to %(num)d guest.", "You can bring up to %(num)d guests.", event.max_guests)


def _new_rsvp(event: Event, person: Person) -> Rsvp:
    rsvp = Rsvp(event=event, person=person, status=RsvpStatus.NOT_GOING, guests=0)
    db.session.add(rsvp)
    return rsvp


def _go(event: Event, rsvp: Rsvp, guests: int, reserved: int = 0) -> None:
    """Going if the party fits and nobody waits (or its places were held for it); else the
    end of the waitlist."""
    if rsvp.status is RsvpStatus.GOING:
        if guests > rsvp.guests:
            _check_room_for_more_guests(event, rsvp, guests)
        rsvp.guests = guests
        return
    if rsvp.status is RsvpStatus.WAITLISTED:
        rsvp.guests = guests  # keeps its place in the queue
        return
    rsvp.guests = guests
    db.session.flush()
    held_for_it = reserved >= 1 + guests
    if (held_for_it or not _anyone_waiting(event)) and _fits(event, taken_places(event), 1 + guests):
        rsvp.status = RsvpStatus.GOING
    else:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.WAITLISTED, _waitlist_stamp(event)


def _waitlist_stamp(event: Event) -> datetime:
    """Later than everyone already waiting, whatever this machine's clock says: joins are
    serialised by the event lock, so the database order is the true order."""
    last = db.session.scalar(select(func.max(Rsvp.waitlisted_at)).where(Rsvp.event_id == event.id))
    now = utcnow()
    return now if last is None or now > last else last + timedelta(microseconds=1)


def _could_ever_fit(event: Event, party: int) -> bool:
    return event.capacity is None or party <= event.capacity


def _anyone_waiting(event: Event) -> bool:
    waiting = select(Rsvp.id).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
    return db.session.scalar(select(waiting.exists()))


def _check_room_for_more_guests(event: Event, rsvp: Rsvp, guests: int) -> None:
    """Someone going brings more guests: only into places nobody is waiting for."""
    if _anyone_waiting(event):
        raise InvalidInput("guests", gettext("People are waiting for places, so you can't bring more guests now."))
    others = taken_places(event) - (1 + rsvp.guests)
    if not _fits(event, others, 1 + guests):
        room = max(event.capacity - others - 1, 0)
        message = ngettext(
            "There is room for %(num)d guest with you.", "There is room for %(num)d guests with you.", room
        )
        raise InvalidInput("guests", message)


def fill_open_seats(event: Event) -> list[Rsvp]:
    """Promote from the head of the waitlist while the next party fits (held places are taken).
    A gathering that is not live (held, hidden, cancelled) promotes nobody."""
    if event.status is not EventStatus.PUBLISHED:
        return []
    total = taken_places(event)
    promoted = []
    for rsvp in waitlist(event):
        if not _could_ever_fit(event, 1 + rsvp.guests):
            continue  # larger than the whole event (after a host lowered it): it blocks nobody
        if not _fits(event, total, 1 + rsvp.guests):
            break  # strictly first come, first served: nobody overtakes the head
        rsvp.status, rsvp.waitlisted_at, rsvp.updated_at = RsvpStatus.GOING, None, utcnow()
        total += 1 + rsvp.guests
        promoted.append(rsvp)
    if promoted:
        event.updated_at = utcnow()
    db.session.flush()
    return promoted


def threshold_just_reached(event: Event) -> bool:
    """True once: the first time enough people are going for the event to go ahead."""
    if event.min_going is None or event.threshold_reached_at is not None:
        return False
    if going_total(event) < event.min_going:
        return False
    event.threshold_reached_at = utcnow()
    return True


# -- guests' answers, waiting for the emailed link -----------------------------------------------


def hold_answer(
    event: Event, email: str, name: str, status: RsvpStatus, guests: int = 0, show_name: bool = False
) -> tuple[PendingAnswer, str, bool]:
    """Keep a guest's answer until the address is proven; return it, its link's token and
    whether an earlier answer it replaced had held places (now free for the waitlist).

    The same work happens whoever the address belongs to (nobody is looked up), so
    neither the page nor the counts tell whether it was known or had answered. An
    earlier pending answer from the same address is replaced. ``event`` comes from
    ``locked_event``."""
    check_answer(event, status, guests)
    replaced = delete(PendingAnswer).where(PendingAnswer.event_id == event.id, PendingAnswer.email == email)
    freed = db.session.scalars(replaced.returning(PendingAnswer.held_places)).all()
    now = utcnow()
    secret = secrets.token_urlsafe(16)  # 128 bits
    pending = PendingAnswer(event_id=event.id, email=email, name=name.strip(), status=status, guests=guests,
                            show_name=show_name, token_hash=_hash(secret), created_at=now,
                            expires_at=now + timedelta(seconds=current_app.config["EMAIL_LINK_MAX_AGE"]))  # fmt: skip
    party = 1 + guests
    if status is RsvpStatus.GOING and event.capacity is not None and _room_for_hold(event, party):
        pending.held_places = party
        pending.held_until = now + timedelta(minutes=current_app.config["ANSWER_HOLD_MINUTES"])
    db.session.add(pending)
    if pending.held_places or any(freed):
        event.updated_at = now  # places left changed: feeds and pages must notice
    db.session.flush()
    return pending, f"{event.id}.{secret}", any(freed)


def _room_for_hold(event: Event, party: int) -> bool:
    return not _anyone_waiting(event) and _fits(event, taken_places(event), party)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pending_event_id(token: str) -> int | None:
    """The event a "confirm your answer" token is for (``<event id>.<secret>``), to lock it first."""
    event_id = token.partition(".")[0]
    return int(event_id) if event_id.isdigit() and len(event_id) <= 9 else None


def pending_for_token(token: str, event: Event | None = None) -> PendingAnswer:
    """The live pending answer behind an emailed link (``event``: its locked event)."""
    event_id, secret = pending_event_id(token), token.partition(".")[2]
    if event_id is None or not secret or len(secret) > 64:
        raise _link_gone()
    token_hash = _hash(secret)
    pending = db.session.scalar(select(PendingAnswer).where(PendingAnswer.token_hash == token_hash))
    if pending is None or not hmac.compare_digest(pending.token_hash, token_hash):
        raise _link_gone()
    if pending.event_id != event_id or (event is not None and pending.event_id != event.id):
        raise _link_gone()
    if pending.expires_at <= utcnow():
        raise _link_gone()
    return pending


def _link_gone() -> LinkInvalid:
    return LinkInvalid(gettext("This link has already been used or has expired. Answer again on the gathering's page."))


def take_pending(pending: PendingAnswer) -> int:
    """Use up a pending answer; return the places its hold still keeps for the person."""
    reserved = pending.held_places if pending.held_until and pending.held_until > utcnow() else 0
    db.session.delete(pending)
    db.session.flush()
    return reserved


def lapsed_hold_events(now: datetime | None = None) -> list[int]:
    """Events with holds that have lapsed but not yet been released, in id order."""
    query = (
        select(PendingAnswer.event_id)
        .where(PendingAnswer.held_places > 0, PendingAnswer.held_until <= (now or utcnow()))
        .distinct()
        .order_by(PendingAnswer.event_id)
    )
    return list(db.session.scalars(query))


def release_lapsed_holds(event: Event, now: datetime | None = None) -> list[Rsvp]:
    """Holds past their time give their places back: promote from the waitlist."""
    released = db.session.execute(
        update(PendingAnswer)
        .where(PendingAnswer.event_id == event.id, PendingAnswer.held_places > 0,
               PendingAnswer.held_until <= (now or utcnow()))
        .values(held_places=0, held_until=None)
    )  # fmt: skip
    if released.rowcount:
        event.updated_at = utcnow()  # places left changed: feeds must notice
    db.session.flush()
    return fill_open_seats(event)


# -- the "change your answer" link -------------------------------------------------------------


def manage_token(rsvp: Rsvp) -> str:
    """``<event id>-<rsvp id>.<HMAC>``. The HMAC covers the RSVP's own random key, so a
    new key revokes old links; the event id comes first so a change can lock it first."""
    return f"{rsvp.event_id}-{rsvp.id}.{_signature(rsvp)}"


def token_event_id(token: str) -> int | None:
    event_id = token.partition("-")[0]
    return int(event_id) if event_id.isdigit() and len(event_id) <= 9 else None


def _signature(rsvp: Rsvp) -> str:
    message = f"rsvp:{rsvp.id}:{rsvp.manage_key}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def rsvp_for_token(token: str) -> Rsvp | None:
    ids, _, signature = token.partition(".")
    event_id, _, rsvp_id = ids.partition("-")
    if not (rsvp_id.isdigit() and len(rsvp_id) <= 9 and event_id == str(token_event_id(token))):
        return None
    rsvp = db.session.get(Rsvp, int(rsvp_id))
    if rsvp is None or rsvp.event_id != int(event_id) or not hmac.compare_digest(_signature(rsvp), signature):
        return None
    return rsvp


def has_private_details(event: Event) -> bool:
    """The event has something only people going see: its online link, or the exact address
    its hosts keep for them."""
    return bool(event.online_url or (event.address and event.address_for_attendees))


def sees_private_details(is_host: bool, rsvp: Rsvp | None) -> bool:
    """The online link (and, if the host chose, the exact address) is for hosts and people going."""
    return is_host or (rsvp is not None and rsvp.status is RsvpStatus.GOING)
