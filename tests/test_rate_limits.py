"""Forms that send email or create rows are rate limited per client address."""

import pytest


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
