"""`flask seed-demo`: a demo network that rings true, and behaves as real answers would leave it."""

from collections import Counter
from datetime import time

import pytest
from sqlalchemy import select

from eventsite.attendees import respond
from eventsite.database import utcnow
from eventsite.demo import KIND_SLOTS, SLOTS, seed_bulk, seed_network, start_suits_kind
from eventsite.extensions import db
from eventsite.models import Event, EventKind, EventStatus, OutboxMail, RsvpStatus
from eventsite.rsvps import going_total, locked_event
from eventsite.text import render_markdown
from tests.conftest import new_person


@pytest.fixture
def network(app) -> list[Event]:
    seed_network()
    db.session.commit()
    return list(db.session.scalars(select(Event).order_by(Event.id)))


def its_on_mails() -> list[str]:
    query = select(OutboxMail.subject).where(OutboxMail.subject.like("It's on%"))
    return list(db.session.scalars(query))


def test_every_event_enough_people_are_going_to_has_gone_ahead(network):
    with_threshold = [event for event in network if event.min_going is not None]
    reached = [event for event in with_threshold if going_total(event) >= event.min_going]
    assert reached, "the demo has events past their threshold"
    assert len(reached) < len(network)

    assert [event.id for event in reached if event.threshold_reached_at is None] == []
    not_yet = [event for event in with_threshold if event not in reached]
    assert [event.id for event in not_yet if event.threshold_reached_at is not None] == []


@pytest.mark.parametrize("status", [RsvpStatus.MAYBE, RsvpStatus.NOT_GOING, RsvpStatus.GOING])
def test_one_more_answer_after_seeding_emails_nobody_its_on(network, status):
    live = [event for event in network if event.status is EventStatus.PUBLISHED and event.min_going is not None]
    past_threshold = [event for event in live if going_total(event) >= event.min_going]
    event = next(event for event in past_threshold if event.capacity is None)  # room for one more going
    newcomer = new_person(email="newcomer@example.org", name="Nell Newcomer")

    respond(locked_event(event.id), newcomer, status)
    db.session.commit()

    assert its_on_mails() == []


def test_no_description_is_repeated_in_the_demo_network(network):
    """Sessions of one series may share their series' text; no two gatherings do."""
    gatherings = {(event.series_id or -event.id, event.description) for event in network}
    repeated = [text for text, times in Counter(text for _key, text in gatherings).items() if times > 1]

    assert 35 <= len({event.series_id or -event.id for event in network}) <= 45
    assert repeated == []
    assert all(event.description.strip() for event in network)


def test_a_few_descriptions_use_markdown_and_all_are_stored_rendered(network):
    assert sum("<li>" in event.description_html for event in network) >= 2
    assert sum("<strong>" in event.description_html for event in network) >= 3
    assert all(event.description_html == str(render_markdown(event.description)) for event in network)
    assert not any("An informal get-together" in event.description for event in network)


def test_every_start_time_suits_its_kind(network):
    for event in network:
        start = event.local_start.time()
        assert start_suits_kind(event.kind, start), (event.title, event.kind, start)


def test_coffee_mornings_are_mornings_and_social_evenings_evenings(network):
    """Checked by hand, not by the rule: the rule itself could be wrong."""
    coffee = [e for e in network if e.kind is EventKind.PUB_COFFEE and "coffee" in e.title.lower()]
    evenings = [e for e in network if e.title.lower().startswith(("social evening", "friday pint", "pub "))]
    cinema = [e for e in network if e.kind is EventKind.CINEMA_CLUB]
    assert coffee
    assert evenings
    assert cinema
    assert all(time(10) <= e.local_start.time() <= time(11, 30) for e in coffee)
    assert all(time(17, 30) <= e.local_start.time() <= time(20) for e in evenings)
    assert all(time(17, 30) <= e.local_start.time() <= time(20) for e in cinema)


@pytest.mark.parametrize(
    ("kind", "start", "suits"),
    [
        (EventKind.PUB_COFFEE, time(10, 30), True),
        (EventKind.PUB_COFFEE, time(18, 30), True),
        (EventKind.PUB_COFFEE, time(16, 0), False),
        (EventKind.PARTY, time(18, 30), True),
        (EventKind.PARTY, time(10, 0), False),
        (EventKind.WORKSHOP, time(19, 0), False),
        (EventKind.CINEMA_CLUB, time(14, 0), False),
        (EventKind.WALK, time(21, 0), False),
    ],
)
def test_the_start_time_rule(kind, start, suits):
    assert start_suits_kind(kind, start) is suits


def test_every_kind_has_slots_and_every_slot_is_a_window():
    assert set(KIND_SLOTS) == set(EventKind)
    assert {slot for slots in KIND_SLOTS.values() for slot in slots} <= set(SLOTS)
    assert all(earliest < latest for earliest, latest in SLOTS.values())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_bulk_data_reuses_the_networks_descriptions_rendered(app):
    seed_bulk(events=60, people=20, rsvps=100)
    db.session.commit()

    events = db.session.scalars(select(Event)).all()
    assert len(events) == 60
    assert len({event.description for event in events}) > 20  # they cycle, not one for all
    assert all(event.description_html == str(render_markdown(event.description)) for event in events)


def test_the_demo_has_a_monthly_cinema_club_a_weekly_coffee_morning_and_a_repeated_workshop(network):
    by_series = {}
    for event in network:
        if event.series_id:
            by_series.setdefault(event.series.title, []).append(event)
    cinema = by_series["TED-talk cinema club: films about care, and a chat after"]
    coffee = by_series["Carers' coffee morning"]
    workshop = by_series["How to be a change agent"]
    now = utcnow()
    assert any(s.ends_at < now for s in cinema)
    assert any(s.starts_at > now for s in cinema)
    assert len({s.local_start.weekday() for s in cinema}) == 1
    assert len({s.local_start.day for s in cinema}) > 1  # a weekday of the month, not a date
    assert len(coffee) >= 15
    assert len({s.local_start.strftime("%A %H:%M") for s in coffee}) == 1  # the same weekday and time
    assert len(workshop) == 3
    assert len({s.description for s in cinema if s.starts_at > now}) > 1  # each month its own films


def test_the_demo_has_a_dozen_ideas_with_support_one_closed_and_one_faded(network):
    from eventsite.ideas import board_query, hosts_offering, is_faded
    from eventsite.listing import EventFilters
    from eventsite.models import Idea, IdeaStatus, IdeaSupport

    ideas = list(db.session.scalars(select(Idea)))
    assert len(ideas) == 12
    for idea in ideas:
        rows = db.session.scalars(select(IdeaSupport).where(IdeaSupport.idea_id == idea.id)).all()
        assert idea.would_come_count == sum(row.would_come for row in rows)
        assert idea.could_host_count == sum(row.could_host for row in rows)
    assert [idea.status for idea in ideas].count(IdeaStatus.CLOSED) == 1
    assert sum(is_faded(idea) for idea in ideas) == 1
    on_board = list(db.session.scalars(board_query(EventFilters())))
    assert len(on_board) == 10
    assert all(idea.tags for idea in on_board)
    offers = [name for idea in ideas for name in hosts_offering(idea)]
    assert "someone" in offers
    assert any(name != "someone" for name in offers)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_bulk_data_has_weekly_series_sessions_and_ideas_with_supporters(app):
    from eventsite.demo import BULK_IDEAS, BULK_SERIES, BULK_SESSIONS
    from eventsite.ideas import board_query
    from eventsite.listing import EventFilters
    from eventsite.models import Idea, IdeaSupport, Series
    from eventsite.series import rule_of

    seed_bulk(events=10 * BULK_SERIES * BULK_SESSIONS, people=20, rsvps=100)
    db.session.commit()

    series = db.session.scalars(select(Series)).all()
    assert len(series) == BULK_SERIES
    for one in series:
        sessions = db.session.scalars(select(Event).where(Event.series_id == one.id).order_by(Event.starts_at)).all()
        assert [s.occurs_on for s in sessions] == rule_of(one).dates(one.first_date, one.made_through)
        assert len(sessions) == BULK_SESSIONS
        assert {(s.local_start.strftime("%A %H:%M"), s.title) for s in sessions} == {
            (sessions[0].local_start.strftime("%A %H:%M"), one.title)
        }
        assert [host.person_id for host in one.hosts] == [sessions[0].created_by_id]
    ideas = db.session.scalars(select(Idea)).all()
    assert len(ideas) == BULK_IDEAS
    for idea in ideas:
        rows = db.session.scalars(select(IdeaSupport).where(IdeaSupport.idea_id == idea.id)).all()
        assert idea.would_come_count == len(rows) >= 1
        assert idea.could_host_count == sum(row.could_host for row in rows)
        assert idea.tags
    assert len(db.session.scalars(board_query(EventFilters())).all()) > 0
