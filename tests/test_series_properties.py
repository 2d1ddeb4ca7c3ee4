"""Property-based test of standing answers: Hypothesis drives random sequences of
"every session", "stop coming", one-session answers and withdrawals, and new sessions
being made (the horizon moving on), each step a transaction of its own, and after every
step checks against fresh queries:

1. no session is ever oversold; where anyone waits, the session is full;
2. each session's waitlist is first come, first served (the database's order is the
   order people joined it) and promotions take from its head;
3. a session made after standing answers were given takes them in the order they were
   given: its first ``capacity`` "going" standing answers are going, the rest wait;
4. the standing answers in the database are exactly the ones people keep.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select

from eventsite.database import immediate_writes, utcnow
from eventsite.errors import DomainError
from eventsite.events import EventDetails, propose_event
from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventHost,
    EventKind,
    Person,
    Place,
    Rsvp,
    RsvpStatus,
    Series,
    SeriesHost,
    StandingAnswer,
)
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.rsvps import answer, locked_event, waitlist
from eventsite.series import answer_every_session, extend_series, start_series, stop_coming
from tests.conftest import future_local

PEOPLE = 6
PERSON = st.integers(0, PEOPLE - 1)
SESSION = st.integers(0, 20)  # an index into the sessions made so far (modulo their number)
STANDING = st.sampled_from([RsvpStatus.GOING, RsvpStatus.GOING, RsvpStatus.MAYBE])
ONE_ANSWER = st.sampled_from([RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING])


@pytest.fixture
def app_settings() -> dict:
    return {"SERIES_HORIZON_DAYS": 14}  # three weekly sessions to start with


class StandingMachine(RuleBasedStateMachine):
    person_ids: tuple[int, ...] = ()
    host_id: int = 0
    place_id: int = 0

    @initialize(capacity=st.integers(1, 4))
    def make_series(self, capacity):
        with immediate_writes():
            for table in (Rsvp, StandingAnswer, EventHost, SeriesHost):
                db.session.execute(delete(table))
            db.session.execute(delete(Event))
            db.session.execute(delete(Series))
            details = EventDetails(
                title="Carers' coffee morning",
                kind=EventKind.PUB_COFFEE,
                starts_local=future_local(days=2, hour=10, minute=30),
                timezone="Europe/London",
                place=db.session.get(Place, self.place_id),
                venue_name="Café Nova",
                capacity=capacity,
            )
            first = propose_event(details, db.session.get(Person, self.host_id), email_confirmed=True)
            series = start_series(first, RepeatRule(Repeats.WEEKLY))
            db.session.commit()
        self.series_id, self.capacity = series.id, capacity
        self.weeks_on = 0
        self.standing: dict[int, RsvpStatus] = {}  # who -> status, in the order first given
        self.joined: dict[int, list[int]] = {}  # session id -> who joined its waitlist, in order

    def _series(self) -> Series:
        return db.session.get(Series, self.series_id)

    def _sessions(self) -> list[Event]:
        query = select(Event).where(Event.series_id == self.series_id).order_by(Event.starts_at)
        return list(db.session.scalars(query))

    def _statuses(self, session_id: int) -> dict[int, RsvpStatus]:
        rows = db.session.execute(select(Rsvp.person_id, Rsvp.status).where(Rsvp.event_id == session_id))
        return dict(rows.all())

    def _note_waitlist_joins(self, before: dict[int, dict[int, RsvpStatus]]) -> None:
        for session in self._sessions():
            after = self._statuses(session.id)
            for who, status in after.items():
                if status is RsvpStatus.WAITLISTED and before.get(session.id, {}).get(who) is not RsvpStatus.WAITLISTED:
                    self.joined.setdefault(session.id, []).append(who)

    def _snapshot(self) -> dict[int, dict[int, RsvpStatus]]:
        return {session.id: self._statuses(session.id) for session in self._sessions()}

    # -- steps -------------------------------------------------------------------------------

    @rule(who=PERSON, status=STANDING)
    def every_session(self, who, status):
        before = self._snapshot()
        with immediate_writes():
            answer_every_session(self._series(), db.session.get(Person, self.person_ids[who]), status)
            db.session.commit()
        self.standing.setdefault(who, status)
        self.standing[who] = status
        self._note_waitlist_joins(before)

    @rule(who=PERSON)
    def stop(self, who):
        before = self._snapshot()
        with immediate_writes():
            stop_coming(self._series(), db.session.get(Person, self.person_ids[who]))
            db.session.commit()
        self.standing.pop(who, None)
        self._note_waitlist_joins(before)

    @rule(who=PERSON, index=SESSION, status=ONE_ANSWER)
    def answer_one_session(self, who, index, status):
        sessions = self._sessions()
        session = sessions[index % len(sessions)]
        before = self._snapshot()
        with immediate_writes():
            try:
                answer(locked_event(session.id), db.session.get(Person, self.person_ids[who]), status)
            except DomainError:
                db.session.rollback()
            else:
                db.session.commit()
        self._note_waitlist_joins(before)

    @rule()
    def a_week_passes(self):
        """The horizon moves on a week: one session is made, and the standing answers given to it."""
        self.weeks_on += 1
        with immediate_writes():
            [new] = extend_series(self._series(), now=utcnow() + timedelta(days=7 * self.weeks_on))
            db.session.commit()
        statuses = self._statuses(new.id)
        going_in_order = [who for who, status in self.standing.items() if status is RsvpStatus.GOING]
        ids = [self.person_ids[who] for who in going_in_order]
        assert [pid for pid in ids if statuses.get(pid) is RsvpStatus.GOING] == ids[: self.capacity]
        assert [pid for pid in ids if statuses.get(pid) is RsvpStatus.WAITLISTED] == ids[self.capacity :]
        maybes = {self.person_ids[who] for who, status in self.standing.items() if status is RsvpStatus.MAYBE}
        assert {pid for pid, status in statuses.items() if status is RsvpStatus.MAYBE} == maybes
        self.joined[new.id] = list(ids[self.capacity :])

    # -- the rules ---------------------------------------------------------------------------

    @invariant()
    def never_oversold_and_waiting_means_full(self):
        db.session.expire_all()
        for session in self._sessions():
            going = db.session.scalar(
                select(func.count()).where(Rsvp.event_id == session.id, Rsvp.status == RsvpStatus.GOING)
            )
            waiting = db.session.scalar(
                select(func.count()).where(Rsvp.event_id == session.id, Rsvp.status == RsvpStatus.WAITLISTED)
            )
            assert going <= self.capacity
            assert waiting == 0 or going == self.capacity

    @invariant()
    def waitlists_are_first_come_first_served(self):
        for session in self._sessions():
            queue = [rsvp.person_id for rsvp in waitlist(session)]
            joined = [who for who in self.joined.get(session.id, []) if who in queue]
            ordered = list(dict.fromkeys(reversed(joined)))[::-1]  # a person who rejoined: their last join
            assert queue == [who for who in ordered if who in queue]

    @invariant()
    def standing_answers_are_the_ones_kept(self):
        rows = db.session.execute(
            select(StandingAnswer.person_id, StandingAnswer.status)
            .where(StandingAnswer.series_id == self.series_id)
            .order_by(StandingAnswer.created_at, StandingAnswer.id)
        )
        expected = [(self.person_ids[who], status) for who, status in self.standing.items()]
        assert [tuple(row) for row in rows] == expected


def test_standing_answers_keep_every_session_s_rules(app, make_person, make_place):
    host = make_person(email="hana@example.org", name="Hana Host")
    place = make_place()
    people = [make_person(email=f"person{n}@example.org", name=f"Person {n}") for n in range(PEOPLE)]

    class Machine(StandingMachine):
        person_ids = tuple(person.id for person in people)
        host_id = host.id
        place_id = place.id

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
