"""The shared feed's fast path (eventsite.fast_feed): what it answers, it answers exactly as
the app would; what it cannot, it leaves to the app."""

import pytest

from eventsite import fast_feed
from eventsite.extensions import db

IGNORED = {"Date", "Vary"}  # the app's answer says Vary: Cookie (it looked at the session)


def headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in IGNORED}


@pytest.fixture
def served(app, monkeypatch):
    """Count the answers the fast path gave itself."""
    given = []
    original = fast_feed.FastSharedFeed._cached

    def counting(self, environ):
        response = original(self, environ)
        given.append(response is not None)
        return response

    monkeypatch.setattr(fast_feed.FastSharedFeed, "_cached", counting)
    return given


def test_the_first_request_is_the_apps_and_the_next_the_fast_paths_with_the_same_answer(client, make_event, served):
    make_event(title="Soup night")
    built = client.get("/calendar.ics")
    fast = client.get("/calendar.ics")

    assert served == [False, True]
    assert fast.data == built.data
    assert headers(fast) == headers(built)
    assert fast.headers["Content-Security-Policy"]
    assert fast.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_it_answers_304_to_the_etag_and_to_the_date_the_app_gave(client, make_event, served):
    make_event(title="Soup night")
    first = client.get("/calendar.ics")

    by_etag = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert (by_etag.status_code, by_etag.data) == (304, b"")
    assert (by_date.status_code, by_date.data) == (304, b"")
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    assert served == [False, True, True]


def test_a_change_is_seen_on_the_next_request(client, make_event, served):
    event = make_event(title="Soup night")
    first = client.get("/calendar.ics")
    client.get("/calendar.ics")

    event.title = "Soup and bread night"
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})

    assert changed.status_code == 200
    assert b"Soup and bread night" in changed.data
    assert served == [False, True, False]  # the new version was not cached yet: the app built it


def test_each_language_is_its_own_and_head_has_no_body(client, make_event, served):
    make_event(title="Soup night")
    english, polish = client.get("/calendar.ics"), client.get("/calendar.ics?lang=pl")
    again_polish = client.get("/calendar.ics?lang=pl")
    head = client.head("/calendar.ics")

    assert polish.headers["Content-Language"] == again_polish.headers["Content-Language"] == "pl"
    assert english.data != polish.data
    assert again_polish.data == polish.data
    assert head.status_code == 200
    assert head.data == b""
    assert served == [False, False, True, True]


@pytest.mark.parametrize("query", ["kind=workshop", "tag=soup", "utm_source=x", "lang=pl&kind=workshop"])
def test_filters_and_anything_else_go_to_the_app(client, make_event, served, query):
    make_event(title="Soup night", tags=["soup"])
    client.get("/calendar.ics")
    client.get(f"/calendar.ics?{query}")
    assert served == [False, False]


def test_a_host_outside_trusted_hosts_gets_the_apps_400(app, client, make_event, served):
    make_event(title="Soup night")
    app.config["TRUSTED_HOSTS"] = ["eventsite.test"]
    client.get("/calendar.ics", base_url="http://eventsite.test")

    wrong = client.get("/calendar.ics", base_url="http://evil.example")

    assert wrong.status_code == 400
    assert served == [False, False]


def test_a_database_error_is_left_to_the_app(app, client, make_event, served, monkeypatch):
    make_event(title="Soup night")
    client.get("/calendar.ics")

    def broken(*_args):
        raise RuntimeError("database gone")

    monkeypatch.setattr(fast_feed, "feed_state", broken)
    answer = client.get("/calendar.ics")

    assert answer.status_code == 200
    assert served == [False, False]
