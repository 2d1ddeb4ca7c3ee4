"""The list, a filtered list, the event page, a series page and the shared feed (in full
and as a 304) take a fixed number of queries, however much data there is.

Elsewhere, in the same style: the month view (test_month.py), the ideas board as ideas
and supporters grow (test_idea_pages.py), the event page as people going grow
(test_rsvps.py, test_again.py) and two series of different lengths (test_series_pages.py).
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventsite.database import utcnow
from eventsite.demo import seed_bulk
from eventsite.extensions import db
from eventsite.models import Event, EventKind, Place, RsvpStatus, Series
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.rsvps import answer, hold_answer, locked_event
from eventsite.series import extend_series, start_series
from tests.conftest import future_local, new_event, new_person, statements_for, statements_with

MAX_STATEMENTS = 10


def seed_upcoming(events: int) -> None:
    """Bulk events with tags, hosts and RSVPs, all upcoming and each at a place.

    The bulk data spreads events over the past month too, and online ones have no
    place; both would change what the page loads, not how, so even them out.
    """
    seed_bulk(events=events, people=50, rsvps=200)
    db.session.commit()
    place = db.session.scalars(select(Place).order_by(Place.id)).first()
    start = utcnow() + timedelta(days=1)
    for number, row in enumerate(db.session.scalars(select(Event).order_by(Event.id))):
        row.starts_at = start + timedelta(hours=number)
        row.ends_at = row.starts_at + timedelta(hours=2)
        if row.place is None:
            row.place, row.is_online = place, False
    db.session.commit()


def first_event_path() -> str:
    event = db.session.scalars(select(Event).order_by(Event.id)).first()
    return f"/events/{event.id}-{event.slug}"


@pytest.fixture
def counting_client(app, client):
    app.config["EVENTS_PER_PAGE"] = 50  # every seeded event on one page
    client.get("/healthz")  # warm up: the first request may load things once per process
    return client


def test_list_page_queries_do_not_grow_with_the_number_of_events(counting_client):
    seed_upcoming(3)
    few = statements_for(counting_client, "/")
    assert counting_client.get("/").text.count('class="event-card') == 3

    seed_upcoming(27)
    many = statements_for(counting_client, "/")
    assert counting_client.get("/").text.count('class="event-card') == 30

    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


def test_event_page_queries_do_not_grow_with_the_number_of_events(counting_client):
    seed_upcoming(3)
    few = statements_for(counting_client, first_event_path())

    seed_upcoming(27)
    many = statements_for(counting_client, first_event_path())

    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


def all_workshops_at_one_place() -> str:
    """Every seeded event a workshop at the first place (so a filter keeps them all); its slug."""
    place = db.session.scalars(select(Place).order_by(Place.id)).first()
    for row in db.session.scalars(select(Event)):
        row.kind, row.place, row.is_online = EventKind.WORKSHOP, place, False
    db.session.commit()
    return place.slug


@pytest.mark.parametrize("query", ["kind=workshop", "kind=workshop&place={place}&date_from={today}"])
def test_filtered_list_queries_do_not_grow_with_the_number_of_events(counting_client, query):
    seed_upcoming(3)
    path = "/?" + query.format(place=all_workshops_at_one_place(), today=utcnow().date().isoformat())
    few = statements_for(counting_client, path)
    assert counting_client.get(path).text.count('class="event-card') == 3

    seed_upcoming(27)
    all_workshops_at_one_place()
    many = statements_for(counting_client, path)
    assert counting_client.get(path).text.count('class="event-card') == 30

    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


def answer_as(event_id: int, numbers: range, status: RsvpStatus) -> None:
    """People ``numbers`` answer ``status`` through the domain (past capacity, "going" waits)."""
    for number in numbers:
        who = new_person(email=f"p{number}@example.org", name=f"P{number}")
        answer(locked_event(event_id), who, status, show_name=number % 2 == 0)
        db.session.commit()


def test_event_page_queries_do_not_grow_with_answers_of_every_kind(counting_client):
    """Going (names shown or not), maybe, can't go, the waitlist and places held for guests."""
    event_id = new_event(capacity=30, title="Crowded").id
    path = f"/events/{event_id}-crowded"

    def add_answers(numbers: range) -> None:
        for status, offset in ((RsvpStatus.GOING, 0), (RsvpStatus.MAYBE, 1000), (RsvpStatus.NOT_GOING, 2000)):
            answer_as(event_id, range(numbers.start + offset, numbers.stop + offset), status)
        hold_answer(locked_event(event_id), f"guest{numbers.start}@example.org", "Guest", RsvpStatus.GOING)
        db.session.commit()

    add_answers(range(0, 2))
    few = statements_for(counting_client, path)
    add_answers(range(2, 40))  # past the 30 places: the rest wait
    many = statements_for(counting_client, path)

    text = counting_client.get(path).text
    assert "on the waitlist" in text
    assert "1 place held for people confirming by email" in text
    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


def test_series_page_queries_do_not_grow_as_its_sessions_do(app, counting_client):
    app.config["SERIES_HORIZON_DAYS"] = 14
    first = new_event(title="Knit night", starts_local=future_local(days=1))
    series = start_series(first, RepeatRule(Repeats.WEEKLY))
    db.session.commit()
    path, series_id = f"/series/{series.id}-{series.slug}", series.id

    def sessions() -> list[Event]:
        return list(db.session.scalars(select(Event).where(Event.series_id == series_id)))

    answer_as(sessions()[0].id, range(2), RsvpStatus.GOING)
    few_sessions = len(sessions())
    few = statements_for(counting_client, path)

    app.config["SERIES_HORIZON_DAYS"] = 200
    extend_series(db.session.get(Series, series_id))
    db.session.commit()
    for number, session in enumerate(sessions()):
        answer_as(session.id, range(100 + 10 * number, 103 + 10 * number), RsvpStatus.GOING)
    assert len(sessions()) > 5 * few_sessions
    many = statements_for(counting_client, path)

    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


def test_shared_feed_queries_do_not_grow_in_full_or_as_a_304(counting_client):
    def full_then_not_modified() -> tuple[list[str], list[str]]:
        status, headers, full = statements_with(counting_client, "/calendar.ics", {})
        assert status == 200
        validators = {"If-None-Match": headers["ETag"], "If-Modified-Since": headers["Last-Modified"]}
        status, _headers, not_modified = statements_with(counting_client, "/calendar.ics", validators)
        assert status == 304
        return full, not_modified

    seed_upcoming(3)
    few_full, few_304 = full_then_not_modified()
    seed_upcoming(27)
    many_full, many_304 = full_then_not_modified()

    assert counting_client.get("/calendar.ics").text.count("BEGIN:VEVENT") == 30
    assert len(many_full) == len(few_full), "\n\n".join(many_full)
    assert len(many_full) <= MAX_STATEMENTS, "\n\n".join(many_full)
    assert len(many_304) == len(few_304), "\n\n".join(many_304)
    assert len(many_304) <= MAX_STATEMENTS, "\n\n".join(many_304)
