"""The list and the event page take a fixed number of queries, however many events there are."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventsite.database import utcnow
from eventsite.demo import seed_bulk
from eventsite.extensions import db
from eventsite.models import Event, Place
from tests.conftest import statements_for

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
