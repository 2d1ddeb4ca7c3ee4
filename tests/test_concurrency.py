"""Never oversold, under real concurrency: gunicorn workers (and, on PostgreSQL,
two gunicorn instances) answering hundreds of RSVPs sent at the same moment, with
places held for guests' unconfirmed answers, confirmations, holds that lapse and
``flask release-holds`` mixed in. "Taken" is going + guests + live holds.

Each visitor is a separate browser session with its own CSRF token (CSRF is on
under wsgi.py). The visitors connect first and are released together by a
barrier, so every POST of a wave is in flight at once. The rules are then
checked in the database through the domain functions, and in the mail that the
real SMTP test server received.

The RSVP path takes the event's lock before anything else, so the order in
which answers got the lock is the order of their ids: the first CAPACITY pending
answers hold places, and the confirmations without a hold wait, in id order.
"""

import subprocess
import threading
from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import bindparam, func, select, update

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models import Event, PendingAnswer, Rsvp, RsvpStatus
from eventsite.rsvps import going_total, held_places, waitlist, waitlist_position
from tests.conftest import PG_URL
from tests.loadtools import BIN, ROOT, Reply, Visitor, app_env, prepare, release_together, serve

pytestmark = pytest.mark.slow

CAPACITY = 10
CROWD = 200  # simultaneous RSVPs in the first wave
LAPSING = 3  # of the first ten, who hold places, these never confirm in time ...
CANCELLING = 5  # ... and people going then say they can't go ...
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
    """Reads the places taken (going, guests, live holds) again and again on its own connection."""

    def __init__(self, event_id: int) -> None:
        super().__init__(daemon=True)
        going = select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING
        )
        held = select(func.coalesce(func.sum(PendingAnswer.held_places), 0)).where(
            PendingAnswer.event_id == event_id, PendingAnswer.held_until > bindparam("now", type_=UTCDateTime)
        )
        self.query = select(going.scalar_subquery() + held.scalar_subquery())
        self.engine = db.engine
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as connection:
            while not self.done.is_set():
                self.samples.append(connection.execute(self.query, {"now": utcnow()}).scalar_one())
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


def event_pending(event_id: int) -> list[PendingAnswer]:
    db.session.rollback()
    query = select(PendingAnswer).where(PendingAnswer.event_id == event_id).order_by(PendingAnswer.id)
    return list(db.session.scalars(query))


def emails(rsvps: list[Rsvp]) -> list[str]:
    return [rsvp.person.email for rsvp in rsvps]


def rush_confirm_lapse_cancel(servers, event_id: int, page: str, mailbox, env) -> None:
    """The scenario: CROWD guests at once at a capacity-10 event (the first ten hold places);
    all but LAPSING confirm at once; then the lapsed holds, cancellations, late confirmations,
    newcomers and ``flask release-holds`` all race. Visitors alternate between ``servers``
    (one gunicorn, or several sharing the database)."""
    sampler = GoingSampler(event_id)
    sampler.start()
    try:
        crowd, holders = rush(servers, event_id, page)
        lapsing = holders[1::3][:LAPSING]
        confirm_together(servers, event_id, mailbox, crowd, holders, lapsing)
        cancel_while_others_answer(servers, event_id, page, mailbox, crowd, lapsing, env)
    finally:
        samples = sampler.stop()
    assert samples, "the sampler read nothing"
    assert max(samples) <= CAPACITY


def rush(servers, event_id: int, page: str) -> tuple[dict[str, Visitor], list[str]]:
    """CROWD answers in flight together: each waits for its link; exactly the first CAPACITY to
    take the event's lock hold a place, nobody is going yet."""
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
    assert event_rsvps(event_id) == []
    pending = event_pending(event_id)
    assert sorted(row.email for row in pending) == sorted(answer(name)["email"] for name in names)
    assert [row.held_places for row in pending] == [1] * CAPACITY + [0] * (CROWD - CAPACITY)  # in lock order
    crowd = {answer(name)["email"]: visitor for name, visitor in zip(names, visitors, strict=True)}
    return crowd, [row.email for row in pending[:CAPACITY]]


def confirm_together(servers, event_id, mailbox, crowd: dict[str, Visitor], holders, lapsing) -> None:
    """Everyone but ``lapsing`` opens their link at once: holders go into their held places,
    everyone else joins the waitlist in the order they took the lock."""
    confirming = [email for email in crowd if email not in lapsing]
    links = {email: mailbox.link_to(email, containing="/answers/") for email in crowd}
    visitors = [crowd[email] for email in confirming]
    prepare(visitors, [links[email] for email in confirming])
    replies = release_together([lambda v=crowd[e], link=links[e]: v.post(link, {}) for e in confirming], visitors)

    assert_all_redirected(replies, servers)
    rsvps = event_rsvps(event_id)
    assert sorted(emails(rsvps)) == sorted(confirming)  # every confirmation is saved
    going = [rsvp for rsvp in rsvps if rsvp.status is RsvpStatus.GOING]
    assert sorted(emails(going)) == sorted(set(holders) - set(lapsing))  # the held places, nobody else
    event = db.session.get(Event, event_id)
    assert going_total(event) + held_places(event) == CAPACITY
    assert_strict_waitlist(event, [rsvp for rsvp in rsvps if rsvp.status is RsvpStatus.WAITLISTED])
    assert {row.email for row in event_pending(event_id)} == set(lapsing)


def assert_strict_waitlist(event: Event, expected: list[Rsvp]) -> None:
    """The waitlist is ``expected`` in this order, its times strictly increase, and places are 1, 2, 3 ..."""
    queue = waitlist(event)
    assert [rsvp.id for rsvp in queue] == [rsvp.id for rsvp in expected]
    assert all(earlier.waitlisted_at < later.waitlisted_at for earlier, later in pairwise(queue))
    assert [waitlist_position(rsvp) for rsvp in queue] == list(range(1, len(queue) + 1))


def lapse_holds(event_id: int) -> None:
    """The holds' time runs out (what the clock does after ANSWER_HOLD_MINUTES)."""
    gone = utcnow() - timedelta(seconds=1)
    db.session.execute(update(PendingAnswer).where(PendingAnswer.event_id == event_id).values(held_until=gone))
    db.session.commit()


def cancel_while_others_answer(servers, event_id, page, mailbox, crowd: dict[str, Visitor], lapsing, env) -> None:
    """With LAPSING holds lapsed: some people going cancel through their emailed link while the
    lapsed confirm late, newcomers answer and ``flask release-holds`` runs. Exactly the freed
    places go to the head of the waitlist, each told once; the late join the tail."""
    lapse_holds(event_id)
    before = event_rsvps(event_id)
    going = [rsvp for rsvp in before if rsvp.status is RsvpStatus.GOING]
    cancelling = emails(going[:CANCELLING])
    freed = CANCELLING + LAPSING
    head = emails(waitlist(db.session.get(Event, event_id))[:freed])
    queue_before = [rsvp.id for rsvp in before if rsvp.status is RsvpStatus.WAITLISTED]

    manage = {email: mailbox.link_to(email, containing="/rsvps/") for email in cancelling}  # "You're going"
    late_links = {email: mailbox.link_to(email, containing="/answers/") for email in lapsing}
    newcomers = [f"late{n:02d}" for n in range(LATECOMERS)]
    late_visitors = [Visitor(servers[n % len(servers)].port) for n in range(LATECOMERS)]
    movers = [crowd[email] for email in cancelling + lapsing]
    prepare(
        movers + late_visitors, [manage[e] for e in cancelling] + [late_links[e] for e in lapsing] + [page] * LATECOMERS
    )
    mailbox.clear()
    path = f"/events/{event_id}/rsvp"
    calls = [lambda v=crowd[e], link=manage[e]: v.post(link, {"answer": "not-going"}) for e in cancelling]
    calls += [lambda v=crowd[e], link=late_links[e]: v.post(link, {}) for e in lapsing]
    calls += [lambda v=v, n=n: v.post(path, answer(n)) for v, n in zip(late_visitors, newcomers, strict=True)]
    release = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "release-holds"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    replies = release_together(calls, movers + late_visitors)
    output, _ = release.communicate(timeout=60)

    assert release.returncode == 0, output
    assert_all_redirected(replies, servers)
    assert [reply.location for reply in replies[:CANCELLING]] == [manage[email] for email in cancelling]
    after = {rsvp.person.email: rsvp for rsvp in event_rsvps(event_id)}
    assert len(after) == CROWD
    event = db.session.get(Event, event_id)
    assert going_total(event) == CAPACITY
    assert held_places(event) == 0
    now_going = {email for email, rsvp in after.items() if rsvp.status is RsvpStatus.GOING}
    assert now_going >= set(emails(going)) - set(cancelling)  # nobody else lost their place
    assert now_going - set(emails(going)) == set(head)  # as many promoted as places freed: the head
    assert {after[email].status for email in cancelling} == {RsvpStatus.NOT_GOING}
    late = sorted((after[email] for email in lapsing), key=lambda rsvp: rsvp.id)  # lapsed: the tail
    expected_queue = [db.session.get(Rsvp, rsvp_id) for rsvp_id in queue_before[freed:]] + late
    assert_strict_waitlist(event, expected_queue)
    told = Counter(m["To"] for m in mailbox.messages if m["Subject"].startswith(PROMOTED_SUBJECT))
    assert told == Counter(head)  # each promoted person told exactly once
    newcomer_rows = [row for row in event_pending(event_id) if row.email.startswith("late")]
    assert (len(newcomer_rows), {row.held_places for row in newcomer_rows}) == (LATECOMERS, {0})  # people wait


def test_200_simultaneous_rsvps_then_cancellations_never_oversell(site_env, small_event, mailbox, tmp_path):
    event_id, page = small_event
    with serve(site_env, tmp_path / "gunicorn.log", workers=4) as server:
        rush_confirm_lapse_cancel([server], event_id, page, mailbox, site_env)


@pytest.mark.parametrize("backend", POSTGRESQL_ONLY, indirect=True)
def test_two_gunicorn_instances_sharing_postgresql_never_oversell(site_env, small_event, mailbox, tmp_path):
    event_id, page = small_event
    with (
        serve(site_env, tmp_path / "gunicorn-a.log", workers=2) as first,
        serve(site_env, tmp_path / "gunicorn-b.log", workers=2) as second,
    ):
        rush_confirm_lapse_cancel([first, second], event_id, page, mailbox, site_env)
