"""Forms that send email or create rows are rate limited per client address."""

import os
import uuid

import pytest
import redis

from config import Config
from eventsite import create_app


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
def test_proposals_beyond_the_limit_get_429_with_a_friendly_page(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        client.post("/events/new", data={"title": ""})
    response = client.post("/events/new", data={"title": ""})
    assert response.status_code == 429
    assert "Too many requests" in response.text
    assert response.headers["Retry-After"]


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
