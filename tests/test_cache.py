"""The cache's one rule (eventsite.cache): what moves the content version, who gets a cached
page, and that a cached page still carries each visitor's own CSRF token.

tests/test_cache_invalidation.py shows, through two real servers, that every change is
seen on the next request; these tests pin down the rule itself."""

import re
from datetime import timedelta

from sqlalchemy import update

from eventsite import cache
from eventsite.cache import Store, content_version
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.mail import queue_mail
from eventsite.models import Event, OutboxMail, Place
from tests.conftest import answer_as_guest, new_event

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_path(event: Event) -> str:
    return f"/events/{event.id}-{event.slug}"


# -- the version ------------------------------------------------------------------------------


def test_a_change_anyone_could_see_moves_the_version_once_per_transaction(app):
    event = new_event(title="Soup")
    before = content_version()

    event.title = "Soup and bread"
    db.session.flush()
    event.capacity = 12
    db.session.commit()

    assert content_version() == before + 1


def test_a_bulk_statement_moves_it_too(app):
    new_event(title="Soup")
    before = content_version()

    db.session.execute(update(Event).values(capacity=30))
    db.session.commit()

    assert content_version() == before + 1


def test_a_new_place_moves_it(app):
    before = content_version()
    db.session.add(Place(name="Bramley", slug="bramley"))
    db.session.commit()
    assert content_version() == before + 1


def test_plumbing_alone_does_not_move_it(app):
    before = content_version()

    queue_mail("someone@example.org", "Hello", "sign_in", link="http://eventsite.test/links/x")
    db.session.commit()
    db.session.execute(update(OutboxMail).values(attempts=1))
    db.session.commit()

    assert content_version() == before


def test_a_rolled_back_change_does_not_move_it(app):
    event = new_event(title="Soup")
    before = content_version()

    event.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()

    assert content_version() == before


# -- who gets a cached page -------------------------------------------------------------------


def builds(app) -> int:
    return len(app.extensions["eventsite.cache"]["pages"]._entries)


def test_a_visitors_second_view_is_the_cached_page_with_their_own_token(app, client, make_event):
    event = make_event(title="Soup")
    app.config["WTF_CSRF_ENABLED"] = True
    first = client.get(page_path(event))
    other = app.test_client()
    second = other.get(page_path(event))

    assert builds(app) == 1  # one page kept, served twice
    assert CSRF.sub("", first.text) == CSRF.sub("", second.text)
    tokens = {CSRF.findall(first.text)[0], CSRF.findall(second.text)[0]}
    assert len(tokens) == 2, "each session gets its own token"
    assert cache.CSRF_PLACEHOLDER not in second.text


def test_the_cached_pages_token_is_accepted_by_the_form_it_is_in(app, client, make_event, mailbox):
    event = make_event(title="Soup", capacity=5)
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client().get(page_path(event))  # someone else made the cached copy
    token = CSRF.findall(client.get(page_path(event)).text)[0]

    data = {"csrf_token": token, "answer": "going", "email": "guest@example.org", "name": "Guest"}
    response = client.post(f"/events/{event.id}/rsvp", data=data)

    assert response.status_code == 302
    assert mailbox.to("guest@example.org")


def test_a_signed_in_person_never_gets_the_visitors_copy(app, client, auth, make_event):
    event = make_event(title="Soup")
    app.test_client().get(page_path(event))
    auth.sign_in("alex@example.org")

    page = client.get(page_path(event)).text

    assert "Sign out" in page
    assert builds(app) == 1  # theirs was built for them, not kept


def test_a_guest_with_an_answer_in_their_session_sees_it_not_the_cached_copy(app, client, mailbox, make_event):
    event = make_event(title="Soup", capacity=5)
    app.test_client().get(page_path(event))
    answer_as_guest(client, mailbox, event.id, {"answer": "going", "email": "guest@example.org", "name": "Guest"})

    page = client.get(page_path(event)).text

    assert "You're going" in page
    assert "You're going" not in app.test_client().get(page_path(event)).text


def test_a_flashed_message_is_shown_to_its_visitor_only(app, client, make_event):
    event = make_event(title="Soup")
    app.test_client().get(page_path(event))
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]

    assert "Only for you" in client.get(page_path(event)).text
    assert "Only for you" not in app.test_client().get(page_path(event)).text


def test_a_new_minute_builds_the_list_afresh_without_any_write(app, client, make_event, monkeypatch):
    """What is upcoming moves with the clock: a cached list lives within its minute."""
    make_event(title="Soup")
    client.get("/")
    client.get("/")
    assert builds(app) == 1

    later = utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(cache, "utcnow", lambda: later)
    client.get("/")

    assert builds(app) == 2


# -- the store --------------------------------------------------------------------------------


def test_the_store_keeps_the_most_recently_used_within_its_bytes():
    store = Store(limit=10)
    store.put(("a",), b"1234")
    store.put(("b",), b"1234")
    assert store.get(("a",)) == b"1234"  # now the most recent
    store.put(("c",), b"1234")

    assert store.get(("b",)) is None
    assert store.get(("a",)) == b"1234"
    assert store.get(("c",)) == b"1234"
    assert store.size == 8


def test_the_store_never_keeps_what_is_bigger_than_all_of_it():
    store = Store(limit=10)
    store.put(("big",), b"x" * 11)
    assert store.get(("big",)) is None
    assert store.size == 0
