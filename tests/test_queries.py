"""The list and the event page take a fixed number of queries, however many events there are."""

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventsite.database import utcnow
from eventsite.demo import seed_bulk
from eventsite.extensions import db
from eventsite.models import Event, Place

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


def statements_for(client, path: str) -> list[str]:
    """The SQL a GET of ``path`` sends, starting from an empty session (nothing cached)."""
    db.session.remove()
    statements = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    return statements


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
