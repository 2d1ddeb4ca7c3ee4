"""Forms that send email or create rows are rate limited per client address."""

import os
import uuid

import pytest
import redis

from config import Config
from eventsite import create_app
from eventsite.views.errors import wait_in_words
from tests.test_propose_journey import proposal
from tests.test_validation import event_count


@pytest.fixture
def app_settings():
    return {"RATELIMIT_ENABLED": True, "EMAIL_RATE_LIMIT": "3 per minute", "PROPOSE_RATE_LIMIT": "2 per hour"}


@pytest.fixture
def limited_app(app):
    limiter = next(iter(app.extensions["limiter"]))
    limiter.reset()
    return app


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_in_requests_beyond_the_limit_get_429(limited_app, mailbox):
    client = limited_app.test_client()
    statuses = [client.post("/sign-in", data={"email": "a@example.org"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mailbox.to("a@example.org")) == 3
    assert client.get("/sign-in").status_code == 200  # reading the page is never limited


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_proposals_beyond_the_limit_get_429_with_a_page_that_says_when(limited_app, mailbox, make_place):
    make_place("Armley")
    client = limited_app.test_client()
    statuses = [client.post("/events/new", data=proposal(title=f"Brew {n}")).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    response = client.post("/events/new", data=proposal())
    assert response.status_code == 429
    assert "Too many requests from here. Please try again in about an hour." in response.text
    assert 3500 <= int(response.headers["Retry-After"]) <= 3600
    assert event_count() == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_invalid_proposals_do_not_use_up_the_limit(limited_app, mailbox, make_place):
    make_place("Armley")
    client = limited_app.test_client()
    refused = [client.post("/events/new", data=proposal(venue_name="", email="")).status_code for _ in range(5)]
    assert refused == [422] * 5
    statuses = [client.post("/events/new", data=proposal(title=f"Brew {n}")).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert event_count() == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_in_with_a_bad_address_does_not_count_and_the_429_says_a_minute(limited_app, mailbox):
    client = limited_app.test_client()
    assert [client.post("/sign-in", data={"email": "not-an-email"}).status_code for _ in range(4)] == [422] * 4
    statuses = [client.post("/sign-in", data={"email": "a@example.org"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    response = client.post("/sign-in", data={"email": "a@example.org"})
    assert "Please try again in about a minute." in response.text
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_settings", [{"RATELIMIT_ENABLED": True, "RSVP_RATE_LIMIT": "2 per minute"}])
def test_answers_refused_with_a_message_do_not_use_up_the_limit(limited_app, mailbox, make_event):
    event = make_event()
    client = limited_app.test_client()
    url = f"/events/{event.id}/rsvp"
    assert [client.post(url, data={"answer": "going", "name": "Ann"}).status_code for _ in range(3)] == [422] * 3
    answer = {"answer": "going", "name": "Ann", "email": "ann@example.org"}
    assert [client.post(url, data=answer).status_code for _ in range(3)] == [302, 302, 429]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "in about a minute"),
        (75, "in about a minute"),
        (100, "in about 2 minutes"),
        (50 * 60, "in about 50 minutes"),
        (3599, "in about an hour"),
        (80 * 60, "in about an hour"),
        (2 * 3600 - 30, "in about 2 hours"),
        (23 * 3600, "in about 23 hours"),
        (3 * 86400, "in about 3 days"),
    ],
)
def test_the_wait_is_said_in_words(seconds, words):
    assert wait_in_words(seconds) == words


def _redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_app_instances_share_one_count_in_redis(app, tmp_path):
    url = _redis_url()
    if url is None:
        pytest.skip("Redis is not reachable at TEST_REDIS_URL (default redis://127.0.0.1:6379/15)")
    settings = {
        **{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT", "SITE_URL")},
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4()}",
        "EMAIL_RATE_LIMIT": "3 per minute",
        "WTF_CSRF_ENABLED": False,
    }
    first, second = create_app(Config, **settings), create_app(Config, **settings)
    statuses = [
        instance.test_client().post("/sign-in", data={"email": "b@example.org"}).status_code
        for instance in (first, second, first, second)
    ]
    assert statuses == [302, 302, 302, 429]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_looking_at_a_series_first_dates_does_not_use_up_the_limit(limited_app, mailbox, make_place):
    make_place("Armley")
    client = limited_app.test_client()
    series = proposal(repeats="weekly", repeat_count="3")
    previews = [client.post("/events/new", data=series).status_code for _ in range(4)]
    assert previews == [200] * 4  # "Check the dates", nothing made
    statuses = [client.post("/events/new", data=proposal(title=f"Brew {n}")).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
