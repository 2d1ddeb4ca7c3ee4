"""Never oversold, under real concurrency: gunicorn workers (and, on PostgreSQL,
two gunicorn instances) answering hundreds of RSVPs sent at the same moment.

Each visitor is a separate browser session with its own CSRF token (CSRF is on
under wsgi.py). The visitors connect first and are released together by a
barrier, so every POST of a wave is in flight at once. The rules are then
checked in the database through the domain functions, and in the mail that the
real SMTP test server received.

The RSVP path takes the event's lock before anything else, so the order in
which RSVPs got the lock is the order of their ids: the first CAPACITY ids are
going and everyone after them waits, in id order.
"""

import threading
from collections import Counter
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from eventsite.extensions import db
from eventsite.models import Event, Rsvp, RsvpStatus
from eventsite.rsvps import going_total, waitlist, waitlist_position
from tests.conftest import PG_URL
from tests.loadtools import Reply, Visitor, app_env, prepare, release_together, serve

pytestmark = pytest.mark.slow

CAPACITY = 10
CROWD = 200  # simultaneous RSVPs in the first wave
CANCELLING = 5  # people going who then say they can't go ...
LATECOMERS = 20  # ... while these people answer "going"
PROMOTED_SUBJECT = "A place came up"
LOG_ERRORS = ("database is locked", "Traceback", "WORKER TIMEOUT", "could not deliver mail")
POSTGRESQL_ONLY = [
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need TEST_DATABASE_URL"),
    )
]


@pytest.fixture
def site_env(app, smtp_server):
    """wsgi.py's settings for the test database and the test SMTP server."""
    return app_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        SITE_URL=app.config["SITE_URL"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_FROM=app.config["MAIL_FROM"],
    )


@pytest.fixture
def small_event(make_event):
    """A capacity-10 event, committed before any request comes."""
    event = make_event(capacity=CAPACITY)
    page = f"/events/{event.id}-{event.slug}"
    db.session.close()
    return event.id, page


class GoingSampler(threading.Thread):
    """Reads the number going again and again on its own connection, while the load runs."""

    def __init__(self, event_id: int) -> None:
        super().__init__(daemon=True)
        self.query = select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING
        )
        self.engine = db.engine
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as connection:
            while not self.done.is_set():
                self.samples.append(connection.execute(self.query).scalar_one())
                connection.rollback()  # a fresh snapshot next time
                self.done.wait(0.01)

    def stop(self) -> list[int]:
        self.done.set()
        self.join(timeout=10)
        return self.samples


def answer(name: str) -> dict[str, str]:
    return {"answer": "going", "name": name.title(), "email": f"{name}@example.org"}


def assert_all_redirected(replies: list[Reply], servers) -> None:
    """Zero 5xx or failed requests, every answer a redirect, and clean gunicorn logs."""
    failures = [(reply.status, reply.error or reply.body[:300]) for reply in replies if reply.status != 302]
    assert failures == []
    for server in servers:
        log = server.log()
        assert [error for error in LOG_ERRORS if error in log] == [], log[-5000:]


def event_rsvps(event_id: int) -> list[Rsvp]:
    db.session.rollback()  # read what gunicorn committed
    return list(db.session.scalars(select(Rsvp).where(Rsvp.event_id == event_id).order_by(Rsvp.id)))


def emails(rsvps: list[Rsvp]) -> list[str]:
    return [rsvp.person.email for rsvp in rsvps]


def rush_then_cancel(servers, event_id: int, page: str, mailbox) -> None:
    """The scenario: CROWD at once at a capacity-10 event, then cancellations racing newcomers.
    Visitors alternate between ``servers`` (one gunicorn, or several sharing the database)."""
    sampler = GoingSampler(event_id)
    sampler.start()
    try:
        crowd = rush(servers, event_id, page)
        cancel_while_others_answer(servers, event_id, page, mailbox, crowd)
    finally:
        samples = sampler.stop()
    assert samples, "the sampler read nothing"
    assert max(samples) <= CAPACITY


def rush(servers, event_id: int, page: str) -> dict[str, Visitor]:
    """CROWD RSVPs in flight together: exactly CAPACITY going, the rest waiting in arrival order."""
    names = [f"crowd{n:03d}" for n in range(CROWD)]
    visitors = [Visitor(servers[n % len(servers)].port) for n in range(CROWD)]
    prepare(visitors, [page] * CROWD)
    path = f"/events/{event_id}/rsvp"
    replies = release_together(
        [lambda v=visitor, n=name: v.post(path, answer(n)) for visitor, name in zip(visitors, names, strict=True)],
        visitors,
    )

    assert_all_redirected(replies, servers)
    assert {reply.location for reply in replies} == {page + "#rsvp"}
    rsvps = event_rsvps(event_id)
    assert sorted(emails(rsvps)) == sorted(answer(name)["email"] for name in names)  # every success is saved
    event = db.session.get(Event, event_id)
    assert going_total(event) == CAPACITY
    statuses = [rsvp.status for rsvp in rsvps]
    assert statuses[:CAPACITY] == [RsvpStatus.GOING] * CAPACITY  # the first to take the event's lock
    assert set(statuses[CAPACITY:]) == {RsvpStatus.WAITLISTED}
    assert_strict_waitlist(event, rsvps[CAPACITY:])
    return {answer(name)["email"]: visitor for name, visitor in zip(names, visitors, strict=True)}


def assert_strict_waitlist(event: Event, expected: list[Rsvp]) -> None:
    """The waitlist is ``expected`` in this order, its times strictly increase, and places are 1, 2, 3 ..."""
    queue = waitlist(event)
    assert [rsvp.id for rsvp in queue] == [rsvp.id for rsvp in expected]
    assert all(earlier.waitlisted_at < later.waitlisted_at for earlier, later in pairwise(queue))
    assert [waitlist_position(rsvp) for rsvp in queue] == list(range(1, len(queue) + 1))


def cancel_while_others_answer(servers, event_id: int, page: str, mailbox, crowd: dict[str, Visitor]) -> None:
    """Some people going cancel through their emailed link while newcomers answer: exactly the
    freed places go to the head of the waitlist, each told once; newcomers join the tail."""
    before = event_rsvps(event_id)
    going = [rsvp for rsvp in before if rsvp.status is RsvpStatus.GOING]
    cancelling = emails(going[::2][:CANCELLING])
    head = emails(waitlist(db.session.get(Event, event_id))[:CANCELLING])
    queue_before = [rsvp.id for rsvp in before if rsvp.status is RsvpStatus.WAITLISTED]

    links = {email: mailbox.link_to(email) for email in cancelling}  # from "You're going"
    cancellers = [crowd[email] for email in cancelling]
    newcomers = [f"late{n:02d}" for n in range(LATECOMERS)]
    late_visitors = [Visitor(servers[n % len(servers)].port) for n in range(LATECOMERS)]
    prepare(cancellers + late_visitors, [links[email] for email in cancelling] + [page] * LATECOMERS)
    mailbox.clear()
    path = f"/events/{event_id}/rsvp"
    calls = [lambda v=crowd[e], link=links[e]: v.post(link, {"answer": "not-going"}) for e in cancelling]
    calls += [lambda v=v, n=n: v.post(path, answer(n)) for v, n in zip(late_visitors, newcomers, strict=True)]
    replies = release_together(calls, cancellers + late_visitors)

    assert_all_redirected(replies, servers)
    assert [reply.location for reply in replies[:CANCELLING]] == [links[email] for email in cancelling]
    assert {reply.location for reply in replies[CANCELLING:]} == {page + "#rsvp"}
    after = {rsvp.person.email: rsvp for rsvp in event_rsvps(event_id)}
    assert len(after) == CROWD + LATECOMERS
    event = db.session.get(Event, event_id)
    assert going_total(event) == CAPACITY
    now_going = {email for email, rsvp in after.items() if rsvp.status is RsvpStatus.GOING}
    assert now_going >= set(emails(going)) - set(cancelling)  # nobody else lost their place
    assert now_going - set(emails(going)) == set(head)  # as many promoted as places freed: the head
    assert {after[email].status for email in cancelling} == {RsvpStatus.NOT_GOING}
    late = sorted((after[answer(name)["email"]] for name in newcomers), key=lambda rsvp: rsvp.id)
    expected_queue = [db.session.get(Rsvp, rsvp_id) for rsvp_id in queue_before[CANCELLING:]] + late
    assert_strict_waitlist(event, expected_queue)
    told = Counter(m["To"] for m in mailbox.messages if m["Subject"].startswith(PROMOTED_SUBJECT))
    assert told == Counter(head)  # each promoted person told exactly once


def test_200_simultaneous_rsvps_then_cancellations_never_oversell(site_env, small_event, mailbox, tmp_path):
    event_id, page = small_event
    with serve(site_env, tmp_path / "gunicorn.log", workers=4) as server:
        rush_then_cancel([server], event_id, page, mailbox)


@pytest.mark.parametrize("backend", POSTGRESQL_ONLY, indirect=True)
def test_two_gunicorn_instances_sharing_postgresql_never_oversell(site_env, small_event, mailbox, tmp_path):
    event_id, page = small_event
    with (
        serve(site_env, tmp_path / "gunicorn-a.log", workers=2) as first,
        serve(site_env, tmp_path / "gunicorn-b.log", workers=2) as second,
    ):
        rush_then_cancel([first, second], event_id, page, mailbox)
