"""Series in the domain: sessions made to the horizon (idempotently), copied from the
latest session, with standing answers applied under each session's capacity and
waitlist; renewal and pausing. SQLite and PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.events import confirm_proposal
from eventsite.extensions import db
from eventsite.lifecycle import change_status
from eventsite.models import Event, EventStatus, Rsvp, RsvpStatus, SeriesStatus, StandingAnswer
from eventsite.moderation import approve, hide, restore
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.rsvps import answer, locked_event
from eventsite.series import (
    answer_every_session,
    coming_sessions,
    extend_series,
    look_after_series,
    renew,
    start_series,
    stop_coming,
)
from tests.conftest import LONDON, future_local, new_event, new_person

WEEKLY = RepeatRule(Repeats.WEEKLY)


@pytest.fixture
def host(app):
    return new_person(email="hana@example.org", name="Hana Host")


def weekly_series(host, rule=WEEKLY, **fields):
    first = new_event(host=host, starts_local=future_local(days=3, hour=19), **fields)
    series = start_series(first, rule)
    db.session.commit()
    return series


def sessions_of(series) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)))


def status_of(session, person) -> RsvpStatus | None:
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.event_id == session.id, Rsvp.person_id == person.id))
    return rsvp.status if rsvp else None


def test_sessions_are_made_up_to_the_horizon_each_at_the_same_local_time(app, host):
    app.config["SERIES_HORIZON_DAYS"] = 120
    series = weekly_series(host, capacity=12, tags=["carers"])

    sessions = sessions_of(series)
    # Every week from the first session to 120 days from today, and no further.
    last_day = datetime.now(LONDON).date() + timedelta(days=120)
    assert len(sessions) == (last_day - sessions[0].occurs_on).days // 7 + 1
    assert sessions[-1].occurs_on <= last_day < sessions[-1].occurs_on + timedelta(days=7)
    assert {session.local_start.strftime("%A %H:%M") for session in sessions} == {
        sessions[0].local_start.strftime("%A") + " 19:00"
    }
    assert {session.capacity for session in sessions} == {12}
    assert {tuple(tag.name for tag in session.tags) for session in sessions} == {("carers",)}
    assert all(session.host_people == [host] for session in sessions)
    assert all(session.status is EventStatus.PUBLISHED for session in sessions)
    assert [s.occurs_on for s in sessions] == [s.local_start.date() for s in sessions]


def test_making_sessions_again_makes_none_twice(app, host):
    series = weekly_series(host)
    before = len(sessions_of(series))

    assert extend_series(series) == []
    assert extend_series(series, now=utcnow() + timedelta(days=7)) != []  # a week later: one more
    db.session.commit()

    assert len(sessions_of(series)) == before + 1
    counted = db.session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series.id))
    assert counted == before + 1


def test_a_skipped_or_moved_session_is_not_made_again(app, host):
    series = weekly_series(host)
    second, third = sessions_of(series)[1:3]
    change_status(second, "cancel")
    third.starts_at, third.ends_at = third.starts_at + timedelta(days=1), third.ends_at + timedelta(days=1)
    db.session.commit()

    extend_series(series, now=utcnow() + timedelta(days=1))
    db.session.commit()

    dates = [session.occurs_on for session in sessions_of(series)]
    assert len(dates) == len(set(dates))
    assert second.is_cancelled


def test_new_sessions_copy_the_latest_session_that_is_not_cancelled(app, host):
    series = weekly_series(host, capacity=10)
    *_, before_last, last = sessions_of(series)
    before_last.title, before_last.capacity = "Coffee morning (new room)", 30
    change_status(last, "cancel")
    db.session.commit()

    [new] = extend_series(series, now=utcnow() + timedelta(days=7))

    assert (new.title, new.capacity) == ("Coffee morning (new room)", 30)
    assert new.status is EventStatus.PUBLISHED


def test_a_held_series_makes_held_sessions(app, host):
    first = new_event(host=host, status=EventStatus.HELD, starts_local=future_local(days=3))
    series = start_series(first, RepeatRule(Repeats.MONTHLY_ON_DATE))
    db.session.commit()

    assert {session.status for session in sessions_of(series)} == {EventStatus.HELD}
    assert all(session.published_at is None for session in sessions_of(series)[1:])


def test_a_series_with_a_count_stops_there(app, host):
    series = weekly_series(host, RepeatRule(Repeats.WEEKLY, count=3))
    assert len(sessions_of(series)) == 3
    assert extend_series(series, now=utcnow() + timedelta(days=365)) == []


def test_a_rule_that_cannot_be_kept_makes_nothing(app, host):
    first = new_event(host=host, starts_local=future_local(days=3))
    with pytest.raises(InvalidInput, match="from 1 to 200 sessions"):
        start_series(first, RepeatRule(Repeats.WEEKLY, count=1000))


def test_local_time_holds_across_the_clocks_changing(app, host):
    app.config["SERIES_HORIZON_DAYS"] = 366
    series = weekly_series(host)
    offsets = {session.local_start.utcoffset() for session in sessions_of(series)}
    assert offsets == {timedelta(0), timedelta(hours=1)}  # winter and summer in London
    assert {session.local_start.hour for session in sessions_of(series)} == {19}
    assert {session.ends_at - session.starts_at for session in sessions_of(series)} == {timedelta(hours=2)}


# -- standing answers -------------------------------------------------------------------


def test_every_session_answers_the_coming_ones_and_those_made_later(app, host):
    series = weekly_series(host, capacity=5)
    guest = new_person(email="gita@example.org", name="Gita")

    results = answer_every_session(series, guest, RsvpStatus.GOING)
    db.session.commit()
    made = len(sessions_of(series))
    assert len(results) == made
    assert {status_of(session, guest) for session in sessions_of(series)} == {RsvpStatus.GOING}

    [later] = extend_series(series, now=utcnow() + timedelta(days=7))
    db.session.commit()
    assert status_of(later, guest) is RsvpStatus.GOING


def test_each_session_applies_its_own_capacity_and_waitlist_in_the_order_people_asked(app, host):
    series = weekly_series(host, capacity=1)
    first_person = new_person(email="one@example.org", name="One")
    second_person = new_person(email="two@example.org", name="Two")
    early = sessions_of(series)[0]
    # Someone takes the first session's only place by answering it alone.
    walk_in = new_person(email="walk@example.org", name="Walk-in")
    answer(locked_event(early.id), walk_in, RsvpStatus.GOING)
    db.session.commit()

    answer_every_session(series, first_person, RsvpStatus.GOING)
    answer_every_session(series, second_person, RsvpStatus.GOING)
    db.session.commit()

    assert status_of(early, first_person) is RsvpStatus.WAITLISTED
    later = sessions_of(series)[1]
    assert status_of(later, first_person) is RsvpStatus.GOING
    assert status_of(later, second_person) is RsvpStatus.WAITLISTED

    [new] = extend_series(series, now=utcnow() + timedelta(days=7))
    db.session.commit()
    assert (status_of(new, first_person), status_of(new, second_person)) == (
        RsvpStatus.GOING,
        RsvpStatus.WAITLISTED,
    )


def test_withdrawing_from_one_session_keeps_the_others(app, host):
    series = weekly_series(host, capacity=1)
    regular = new_person(email="reg@example.org", name="Reg")
    waiting = new_person(email="wait@example.org", name="Wait")
    answer_every_session(series, regular, RsvpStatus.GOING)
    answer_every_session(series, waiting, RsvpStatus.GOING)
    one = sessions_of(series)[2]

    result = answer(locked_event(one.id), regular, RsvpStatus.NOT_GOING)
    db.session.commit()

    assert [rsvp.person for rsvp in result.promoted] == [waiting]
    assert status_of(sessions_of(series)[3], regular) is RsvpStatus.GOING
    assert db.session.scalar(select(func.count()).select_from(StandingAnswer)) == 2


def test_stop_coming_ends_the_standing_answer_and_frees_every_coming_place(app, host):
    series = weekly_series(host, capacity=1)
    regular = new_person(email="reg@example.org", name="Reg")
    waiting = new_person(email="wait@example.org", name="Wait")
    answer_every_session(series, regular, RsvpStatus.GOING)
    answer_every_session(series, waiting, RsvpStatus.GOING)

    results = stop_coming(series, regular)
    db.session.commit()

    assert len(results) == len(coming_sessions(series))
    assert {status_of(session, regular) for session in sessions_of(series)} == {RsvpStatus.NOT_GOING}
    assert {status_of(session, waiting) for session in sessions_of(series)} == {RsvpStatus.GOING}
    [new] = extend_series(series, now=utcnow() + timedelta(days=7))
    assert status_of(new, regular) is None


def test_a_standing_answer_is_going_or_maybe(app, host):
    series = weekly_series(host)
    with pytest.raises(InvalidInput):
        answer_every_session(series, host, RsvpStatus.NOT_GOING)


def test_a_standing_answer_passes_over_cancelled_sessions(app, host):
    series = weekly_series(host)
    skipped = sessions_of(series)[1]
    change_status(skipped, "cancel")
    guest = new_person(email="gita@example.org", name="Gita")

    answer_every_session(series, guest, RsvpStatus.MAYBE)
    db.session.commit()

    assert status_of(skipped, guest) is None
    assert status_of(sessions_of(series)[2], guest) is RsvpStatus.MAYBE


# -- still happening? ---------------------------------------------------------------------


def test_a_series_with_no_end_asks_then_pauses_when_nobody_answers(app, host):
    app.config["SERIES_RENEW_DAYS"] = 180
    series = weekly_series(host)
    half_year = utcnow() + timedelta(days=181)

    done = look_after_series(now=half_year)
    assert done["ask"] == [series]
    assert series.renewal_asked_at == half_year
    assert look_after_series(now=half_year + timedelta(days=1))["ask"] == []  # asked once

    done = look_after_series(now=half_year + timedelta(days=15))
    assert done["paused"] == [series]
    assert series.status is SeriesStatus.PAUSED
    assert extend_series(series, now=half_year + timedelta(days=30)) == []


def test_a_host_restarts_a_paused_series(app, host):
    series = weekly_series(host)
    series.status = SeriesStatus.PAUSED
    db.session.commit()
    later = utcnow() + timedelta(days=60)

    made = renew(series, host, now=later)

    assert series.status is SeriesStatus.ACTIVE
    assert made
    assert made[-1].starts_at > later
    assert series.renewal_asked_at is None


def test_only_hosts_renew(app, host):
    series = weekly_series(host)
    with pytest.raises(NotAllowed):
        renew(series, new_person(email="other@example.org"))


def test_a_series_with_an_end_is_never_asked(app, host):
    weekly_series(host, RepeatRule(Repeats.WEEKLY, until=(datetime.now(LONDON) + timedelta(days=400)).date()))
    assert look_after_series(now=utcnow() + timedelta(days=200))["ask"] == []


# -- one review for the series ---------------------------------------------------------------


def test_confirming_and_approving_the_first_session_does_the_whole_series(app, host):
    app.config["MODERATION"] = "newcomers"
    newcomer = new_person(email="new@example.org", name="New Host")
    newcomer.email_confirmed_at = None
    first = new_event(host=newcomer, status=EventStatus.UNCONFIRMED, starts_local=future_local(days=3))
    series = start_series(first, RepeatRule(Repeats.WEEKLY))
    db.session.commit()
    assert {s.status for s in sessions_of(series)} == {EventStatus.UNCONFIRMED}

    confirm_proposal(first, newcomer)
    db.session.commit()
    assert {s.status for s in sessions_of(series)} == {EventStatus.HELD}

    steward = new_person(email="sam@example.org", name="Sam", steward=True)
    approve(first, steward)
    db.session.commit()
    assert {s.status for s in sessions_of(series)} == {EventStatus.PUBLISHED}
    assert all(s.published_at is not None for s in sessions_of(series))

    hide(sessions_of(series)[1], steward)
    db.session.commit()
    statuses = [s.status for s in sessions_of(series)]
    assert statuses[0] is EventStatus.PUBLISHED  # the one before the hidden session stays
    assert set(statuses[1:]) == {EventStatus.HIDDEN}

    restore(sessions_of(series)[1], steward)
    db.session.commit()
    assert {s.status for s in sessions_of(series)} == {EventStatus.PUBLISHED}


def test_a_decision_on_a_one_off_touches_nothing_else(app, host):
    series = weekly_series(host)
    one_off = new_event(host=host, status=EventStatus.HELD, starts_local=future_local(days=5))
    steward = new_person(email="sam@example.org", name="Sam", steward=True)

    approve(one_off, steward)
    db.session.commit()

    assert {s.status for s in sessions_of(series)} == {EventStatus.PUBLISHED}
    assert one_off.status is EventStatus.PUBLISHED
