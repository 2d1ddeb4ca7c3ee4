"""Property-based test of the RSVP rules: Hypothesis drives random sequences of
answers (going, maybe, can't go, with guests), guests' answers waiting for their
emailed link (held places, confirmations, holds that lapse), capacity edits and a
cancellation through the domain functions, each step a transaction of its own as
a request would make it (lock the event, change, commit), and after every step
checks the rules against fresh queries of the database:

1. never oversold: going + guests + held places <= capacity; only a host lowering
   the capacity below those can leave it over, and then it never grows until it fits;
2. if anyone is waiting the event is full, and the party at the head does not fit;
3. the waitlist is first come, first served: the database's order is the order
   people joined it, and promotions take from its head;
4. nobody is promoted twice for one freeing (one promotion email each);
5. every answer that succeeded is in the database.

Besides those rules, a plain model of the documented behaviour (``Model``)
predicts every person's status, guests and place on the waitlist, and which
steps are refused.
"""

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, update

from eventsite import attendees
from eventsite.database import immediate_writes, utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import EventDetails, cancel_event, edit_event, propose_event
from eventsite.extensions import db
from eventsite.models import Event, EventKind, EventStatus, OutboxMail, PendingAnswer, Person, Place, Rsvp, RsvpStatus
from eventsite.rsvps import (
    RsvpClosed,
    attendance,
    fill_open_seats,
    held_places,
    locked_event,
    waitlist,
    waitlist_position,
)
from tests.conftest import future_local

PEOPLE = 8
PERSON = st.integers(0, PEOPLE - 1)  # an index into the pool of people
CAPACITIES = st.sampled_from([None, *range(1, 9)])  # None: no limit
CANCEL_AFTER = 15  # steps before the host may cancel, so most of a run has answers to check
# Going is drawn twice as often as each other answer, so that events fill up and people wait.
ANSWERS = st.sampled_from([RsvpStatus.GOING, RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING])
PROMOTED_SUBJECT = "A place came up for you"
CONFIRM_LINK = re.compile(r"/answers/(\S+)")


@pytest.fixture
def app_settings() -> dict:
    return {"ANSWER_MAILS_PER_ADDRESS": 100_000}  # the limit has its own tests


class Refused(Exception):
    """The model's prediction that the app refuses a step (with this domain error)."""

    def __init__(self, error: type[Exception]) -> None:
        super().__init__(error.__name__)
        self.error = error


@dataclass
class Model:
    """The RSVP rules as documented in eventsite/rsvps.py, on plain Python values."""

    capacity: int | None
    max_guests: int
    cancelled: bool = False
    status: dict[int, RsvpStatus] = field(default_factory=dict)  # person id -> status
    guests: dict[int, int] = field(default_factory=dict)
    queue: list[int] = field(default_factory=list)  # the waitlist, in the order people joined it
    pending: dict[int, tuple[RsvpStatus, int, int]] = field(default_factory=dict)  # who -> (answer, guests, held)

    def going_total(self) -> int:
        return sum(1 + self.guests[who] for who, status in self.status.items() if status is RsvpStatus.GOING)

    def taken(self) -> int:
        """Going, their guests, and the places held for answers waiting for their link."""
        return self.going_total() + sum(held for _status, _guests, held in self.pending.values())

    def fits(self, total: int, party: int) -> bool:
        return self.capacity is None or total + party <= self.capacity

    def could_ever_fit(self, party: int) -> bool:
        return self.capacity is None or party <= self.capacity

    def check(self, status: RsvpStatus, guests: int) -> None:
        if self.cancelled:
            raise Refused(RsvpClosed)
        if not 0 <= guests <= self.max_guests:
            raise Refused(InvalidInput)
        if status is RsvpStatus.GOING and not self.could_ever_fit(1 + guests):
            raise Refused(InvalidInput)

    def answer(self, who: int, status: RsvpStatus, guests: int, reserved: int = 0) -> list[int]:
        """Apply a proven answer; return who it promoted, head first. Raises Refused."""
        self.check(status, guests)
        if status is RsvpStatus.GOING:
            self._go(who, guests, reserved)
        else:
            if who in self.queue:
                self.queue.remove(who)
            self.status[who], self.guests[who] = status, guests
        return self.promote()

    def hold(self, who: int, status: RsvpStatus, guests: int) -> list[int]:
        """A guest's answer waits for its link (replacing theirs if any); a "going" that fits,
        while nobody waits, holds its places."""
        self.check(status, guests)
        self.pending.pop(who, None)
        party = 1 + guests
        room = status is RsvpStatus.GOING and self.capacity is not None and not self.queue
        held = party if room and self.fits(self.taken(), party) else 0
        self.pending[who] = (status, guests, held)
        return self.promote()  # the replaced hold may have freed places

    def confirm(self, who: int) -> list[int]:
        """The link is used: the answer counts, into the places its hold kept."""
        if who not in self.pending:
            raise Refused(LinkInvalid)
        status, guests, held = self.pending[who]
        self.check(status, guests)
        del self.pending[who]
        return self.answer(who, status, guests, reserved=held)

    def lapse(self, who: int) -> list[int]:
        status, guests, _held = self.pending[who]
        self.pending[who] = (status, guests, 0)
        return [] if self.cancelled else self.promote()

    def _go(self, who: int, guests: int, reserved: int = 0) -> None:
        current = self.status.get(who)
        if current is RsvpStatus.GOING:
            others = self.taken() - (1 + self.guests[who])
            if guests > self.guests[who] and (self.queue or not self.fits(others, 1 + guests)):
                # More guests only into places nobody waits for; fewer always.
                raise Refused(InvalidInput)
            self.guests[who] = guests
        elif current is RsvpStatus.WAITLISTED:
            self.guests[who] = guests  # keeps its place in the queue
        elif (reserved >= 1 + guests or not self.queue) and self.fits(self.taken(), 1 + guests):
            self.status[who], self.guests[who] = RsvpStatus.GOING, guests
        else:  # nobody overtakes the waitlist: join its end
            self.status[who], self.guests[who] = RsvpStatus.WAITLISTED, guests
            self.queue.append(who)

    def set_capacity(self, capacity: int | None) -> list[int]:
        if self.cancelled:
            raise Refused(NotAllowed)
        self.capacity = capacity  # lowering bumps nobody
        return self.promote()

    def promote(self) -> list[int]:
        """Strictly first come, first served: a head that does not fit blocks everyone behind it;
        a party larger than the whole capacity (after a host lowered it) blocks nobody."""
        promoted = []
        for who in list(self.queue):
            party = 1 + self.guests[who]
            if not self.could_ever_fit(party):
                continue
            if not self.fits(self.taken(), party):
                break
            self.queue.remove(who)
            self.status[who] = RsvpStatus.GOING
            promoted.append(who)
        return promoted


class RsvpMachine(RuleBasedStateMachine):
    """One event per example; the people and the host are made once per test."""

    person_ids: tuple[int, ...] = ()
    emails: dict[int, str] = {}  # noqa: RUF012 (set per test on a subclass)
    host_id: int = 0
    place_id: int = 0

    # -- setting up ------------------------------------------------------------------------

    @initialize(capacity=CAPACITIES, max_guests=st.integers(0, 3))
    def propose(self, capacity, max_guests):
        with immediate_writes():
            details = EventDetails(
                title="Brew and biscuits",
                kind=EventKind.PUB_COFFEE,
                starts_local=future_local(),
                timezone="Europe/London",
                place=db.session.get(Place, self.place_id),
                venue_name="Café Nova",
                capacity=capacity,
                max_guests=max_guests,
            )
            event = propose_event(details, db.session.get(Person, self.host_id), email_confirmed=True)
            db.session.commit()
        assert event.status is EventStatus.PUBLISHED
        self.event_id = event.id
        self.model = Model(capacity=capacity, max_guests=max_guests)
        self.last_going = 0
        self.steps = 0
        self.answered: dict[int, RsvpStatus] = {}  # each person's last successful answer
        self.links: dict[int, str] = {}  # each person's latest "confirm your answer" token

    # -- steps, each one transaction as a request makes it ---------------------------------

    @rule(who=PERSON, status=ANSWERS, data=st.data())
    def answer(self, who, status, data):
        """A first answer or a change of answer (or, going again, of the number of guests)."""
        guests = data.draw(st.integers(0, self.model.max_guests), label="guests")
        self._answer(self.person_ids[who], status, guests)

    @rule(who=PERSON, status=ANSWERS, data=st.data())
    def answer_with_impossible_guests(self, who, status, data):
        """Fewer than none, or more than the host allows: refused, and nothing changes."""
        too_many = st.integers(self.model.max_guests + 1, self.model.max_guests + 20)
        guests = data.draw(st.one_of(st.integers(-3, -1), too_many), label="guests")
        self._answer(self.person_ids[who], status, guests)

    @rule(who=PERSON, status=ANSWERS, data=st.data())
    def answer_as_guest(self, who, status, data):
        """Someone answers with this person's address without being signed in: it waits for the link."""
        guests = data.draw(st.integers(0, self.model.max_guests), label="guests")
        who_id = self.person_ids[who]
        self._step(
            lambda model: model.hold(who_id, status, guests), lambda event: self._hold(event, who_id, status, guests)
        )

    @rule(who=PERSON)
    def confirm_by_link(self, who):
        """The person opens their latest emailed link and presses the button (or has none: refused)."""
        who_id = self.person_ids[who]
        waiting = self.model.pending.get(who_id)
        if self._step(lambda model: model.confirm(who_id), lambda event: self._confirm(event, who_id)):
            self.answered[who_id] = waiting[0]

    @precondition(lambda self: self.model.pending)
    @rule(data=st.data())
    def confirm_a_waiting_answer(self, data):
        """Someone whose answer waits opens the link: drawn from them, so holds are often taken up."""
        who = data.draw(st.sampled_from(sorted(self.model.pending)), label="confirming")
        self.confirm_by_link(self.person_ids.index(who))

    @precondition(lambda self: any(held for _s, _g, held in self.model.pending.values()))
    @rule(who=PERSON)
    def answer_going_while_places_are_held(self, who):
        """A proven person wants a place that someone's hold keeps: they wait behind the hold."""
        self._answer(self.person_ids[who], RsvpStatus.GOING, 0)

    @precondition(lambda self: any(held for _s, _g, held in self.model.pending.values()))
    @rule(data=st.data())
    def hold_lapses(self, data):
        """Time passes for one hold: its places go to the head of the waitlist."""
        holders = sorted(who for who, (_s, _g, held) in self.model.pending.items() if held)
        who_id = data.draw(st.sampled_from(holders), label="holder")
        self._step(lambda model: model.lapse(who_id), lambda event: self._lapse(event, who_id))

    @rule(capacity=CAPACITIES)
    def change_capacity(self, capacity):
        """The host raises, lowers (perhaps below those going: nobody is bumped) or removes the limit."""
        self._edit_capacity(capacity)

    @precondition(lambda self: not self.model.cancelled and self.steps >= CANCEL_AFTER)
    @rule()
    def cancel(self):
        """Once, late in a run: the steps after it check that nothing changes any more."""
        with immediate_writes():
            event = locked_event(self.event_id)
            cancel_event(event, db.session.get(Person, self.host_id), "Sorry, the café is closed.")
            db.session.commit()
        self.model.cancelled = True

    @rule()
    def fill_open_seats_again(self):
        """After every step the waitlist is settled: filling again promotes nobody."""
        with immediate_writes():
            event = locked_event(self.event_id)
            promoted = fill_open_seats(event)
            db.session.commit()
        assert promoted == [], "a second fill promoted people the step before should have"

    def _hold(self, event: Event, who: int, status: RsvpStatus, guests: int) -> list[Rsvp]:
        before = self._last_mail_id()
        promoted = attendees.ask_to_confirm(event, self.emails[who], "", status, guests)
        body = db.session.scalar(select(OutboxMail.body).where(OutboxMail.id > before, OutboxMail.category != ""))
        self.links[who] = CONFIRM_LINK.search(body).group(1)
        return promoted

    def _confirm(self, event: Event, who: int) -> list[Rsvp]:
        if who not in self.links:
            raise LinkInvalid("no link was ever sent")
        return attendees.confirm_pending(event, self.links[who]).promoted

    def _lapse(self, event: Event, who: int) -> list[Rsvp]:
        gone = utcnow() - timedelta(seconds=1)
        db.session.execute(update(PendingAnswer).where(PendingAnswer.email == self.emails[who]).values(held_until=gone))
        return attendees.release_holds(event)

    def _step(self, predict, act) -> bool:
        """One request-like step that may promote people: predicted by the model, then done.
        True if it succeeded."""
        queue_before = list(self.model.queue)
        expected, refusal = self._predict(predict)
        mail_before = self._last_mail_id()
        with immediate_writes():
            event = locked_event(self.event_id)
            try:
                promoted = [rsvp.person_id for rsvp in act(event)]
            except (RsvpClosed, InvalidInput, LinkInvalid) as error:
                db.session.rollback()
                refused = type(error)
            else:
                refused = None
                db.session.commit()
        assert refused is refusal, f"the app refused with {refused}; the rules say {refusal}"
        if refused:
            return False
        assert sorted(promoted) == sorted(expected), f"promoted {promoted}; first come, first served gives {expected}"
        self._check_taken_from_head(queue_before, expected)
        self._check_promotion_mail(mail_before, expected)
        return True

    def _answer(self, who: int, status: RsvpStatus, guests: int) -> None:
        queue_before = list(self.model.queue)
        expected, refusal = self._predict(lambda model: model.answer(who, status, guests))
        mail_before = self._last_mail_id()
        with immediate_writes():
            event = locked_event(self.event_id)
            try:
                result = attendees.respond(event, db.session.get(Person, who), status, guests)
            except (RsvpClosed, InvalidInput) as error:
                db.session.rollback()  # as the view does: nothing of the step is kept
                refused = type(error)
            else:
                refused = None
                promoted = [rsvp.person_id for rsvp in result.promoted]
                db.session.commit()
        assert refused is refusal, f"the app refused with {refused}; the rules say {refusal}"
        if refused:
            return
        self.answered[who] = status
        assert len(promoted) == len(set(promoted)), f"promoted twice in one step: {promoted}"
        assert promoted == expected, f"promoted {promoted}; first come, first served gives {expected}"
        self._check_taken_from_head([*queue_before, who], promoted)
        self._check_promotion_mail(mail_before, promoted)

    def _edit_capacity(self, capacity: int | None) -> None:
        queue_before = list(self.model.queue)
        expected, refusal = self._predict(lambda model: model.set_capacity(capacity))
        mail_before = self._last_mail_id()
        with immediate_writes():
            event = locked_event(self.event_id)
            host = db.session.get(Person, self.host_id)
            try:
                changed = edit_event(event, EventDetails.of(event, capacity=capacity), host)
            except NotAllowed:
                db.session.rollback()
                refused = NotAllowed
            else:
                refused = None
                db.session.commit()
        assert refused is refusal, f"the app refused with {refused}; the rules say {refusal}"
        if refused:
            return
        assert changed == [], "a capacity edit changed the time or place"
        self._check_taken_from_head(queue_before, expected)
        self._check_promotion_mail(mail_before, expected)

    def _predict(self, step) -> tuple[list[int], type[Exception] | None]:
        """Apply ``step`` to the model: (who it promotes, None), or ([], the error it predicts)."""
        model = copy.deepcopy(self.model)
        try:
            promoted = step(model)
        except Refused as refused:
            return [], refused.error
        self.model = model
        return promoted, None

    def _check_taken_from_head(self, order_before: list[int], promoted: list[int]) -> None:
        """Everyone promoted had joined the waitlist before everyone still on it."""
        event = db.session.get(Event, self.event_id)
        capacity = event.capacity
        # A party larger than the whole capacity waits without blocking anyone.
        still_waiting = [rsvp.person_id for rsvp in waitlist(event) if capacity is None or 1 + rsvp.guests <= capacity]
        db.session.rollback()
        for up in promoted:
            assert up in order_before, f"person {up} was promoted without waiting"
            for waiting in still_waiting:
                if waiting in order_before:
                    assert order_before.index(up) < order_before.index(waiting), f"{up} overtook {waiting}"

    def _last_mail_id(self) -> int:
        last = db.session.scalar(select(func.coalesce(func.max(OutboxMail.id), 0)))
        db.session.rollback()
        return last

    def _check_promotion_mail(self, mail_before: int, promoted: list[int]) -> None:
        """Each person promoted by the step is emailed once; nobody else is told of a place."""
        subjects = db.session.scalars(
            select(OutboxMail.to_address).where(
                OutboxMail.id > mail_before, OutboxMail.subject.startswith(PROMOTED_SUBJECT)
            )
        )
        assert Counter(subjects) == Counter(self.emails[who] for who in promoted)
        db.session.rollback()

    # -- the rules, against fresh queries after every step --------------------------------

    def _rows(self) -> dict[int, Rsvp]:
        db.session.expire_all()
        rsvps = db.session.scalars(select(Rsvp).where(Rsvp.event_id == self.event_id))
        return {rsvp.person_id: rsvp for rsvp in rsvps}

    @invariant()
    def rules_hold(self):
        try:
            rows = self._rows()
            event = db.session.get(Event, self.event_id)
            going = sum(1 + rsvp.guests for rsvp in rows.values() if rsvp.status is RsvpStatus.GOING)
            taken = going + held_places(event)
            self._check_capacity(event, taken)
            self._check_waitlist(event, rows, taken)
            self._check_answers(rows)
            self._check_model(event, rows)
            self._check_pending(event)
            self.last_going = taken
            self.steps += 1
        finally:
            db.session.rollback()  # end the read, so the next step's lock is its first statement

    def _check_capacity(self, event: Event, taken: int) -> None:
        if event.capacity is not None and taken > event.capacity:
            # Only a host lowering the capacity leaves the event over it; then nobody gets in.
            assert taken <= self.last_going, f"oversold: {taken} going or held, capacity {event.capacity}"

    def _check_waitlist(self, event: Event, rows: dict[int, Rsvp], going: int) -> None:
        """``going``: places taken, held ones included."""
        by_order = sorted(
            (rsvp for rsvp in rows.values() if rsvp.status is RsvpStatus.WAITLISTED),
            key=lambda rsvp: (rsvp.waitlisted_at, rsvp.id),
        )
        queue = [rsvp.person_id for rsvp in by_order]
        assert queue == self.model.queue, "the waitlist is not in the order people joined it"
        stamps = [rows[who].waitlisted_at for who in self.model.queue]
        assert stamps == sorted(set(stamps)), "someone who joined the waitlist later was stamped no later"
        assert [rsvp.person_id for rsvp in waitlist(event)] == queue
        assert [waitlist_position(rsvp) for rsvp in by_order] == list(range(1, len(queue) + 1))
        for rsvp in rows.values():
            assert (rsvp.waitlisted_at is not None) == (rsvp.status is RsvpStatus.WAITLISTED)
        if by_order:
            assert attendance(event).is_full, "people wait while the event is not full"
            assert event.capacity is not None, "people wait for an event without a limit"
            could_fit = [rsvp for rsvp in by_order if 1 + rsvp.guests <= event.capacity]
            # A cancelled gathering promotes nobody, even when a hold lapses after the cancellation.
            if could_fit and not event.is_cancelled:
                head = could_fit[0]
                assert going + 1 + head.guests > event.capacity, "the head of the waitlist fits but was not promoted"

    @staticmethod
    def _live(row: PendingAnswer, now) -> int:
        return row.held_places if row.held_until and row.held_until > now else 0

    def _check_pending(self, event: Event) -> None:
        """Answers waiting for their link, and the places they hold, are as the rules say."""
        now = utcnow()
        rows = db.session.scalars(select(PendingAnswer).where(PendingAnswer.event_id == event.id))
        by_email = {email: who for who, email in self.emails.items()}
        stored = {by_email[row.email]: (row.status, row.guests, self._live(row, now)) for row in rows}
        assert stored == self.model.pending

    def _check_answers(self, rows: dict[int, Rsvp]) -> None:
        for who, answered in self.answered.items():
            assert who in rows, "an accepted answer is missing from the database"
            allowed = (RsvpStatus.GOING, RsvpStatus.WAITLISTED) if answered is RsvpStatus.GOING else (answered,)
            assert rows[who].status in allowed, f"answered {answered.value}, stored {rows[who].status.value}"
            assert 0 <= rows[who].guests <= self.model.max_guests

    def _check_model(self, event: Event, rows: dict[int, Rsvp]) -> None:
        assert event.capacity == self.model.capacity
        assert event.is_cancelled == self.model.cancelled
        stored = {who: (rsvp.status, rsvp.guests) for who, rsvp in rows.items()}
        expected = {who: (status, self.model.guests[who]) for who, status in self.model.status.items()}
        assert stored == expected


def test_rsvp_rules_hold_after_every_step(app, make_person, make_place):
    host = make_person(email="hana@example.org", name="Hana Host")
    place = make_place()
    people = [make_person(email=f"person{n}@example.org", name=f"Person {n}") for n in range(PEOPLE)]

    class Machine(RsvpMachine):
        person_ids = tuple(person.id for person in people)
        emails = {person.id: person.email for person in people}  # noqa: RUF012
        host_id = host.id
        place_id = place.id

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=80,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
