"""Signing in by an emailed one-time link: the link, its token, `next`, sign-out, CSRF."""

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, text

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import EmailLink, Event, LinkPurpose, OutboxMail, Person
from tests.test_propose_journey import proposal

LINK_SALT = "email-link"  # eventsite.people signs links with this salt


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_link() -> EmailLink:
    db.session.expire_all()
    return db.session.scalars(select(EmailLink)).one()


def is_signed_in(client) -> bool:
    return "Sign out" in client.get("/").text


def ask_for_link(client, mailbox, email="alex@example.org", url="/sign-in") -> str:
    """Ask for a sign-in link; return its path (/links/<token>)."""
    response = client.post(url, data={"email": email})
    assert response.status_code == 302, response.text
    return mailbox.link_to(email.lower())


def token_of(link: str) -> str:
    return link.removeprefix("/links/")


def secret_of(app, token: str) -> str:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=LINK_SALT).loads(token)


def csrf_token_in(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


# -- the journey -------------------------------------------------------------------------


def test_sign_in_page_asks_for_an_email(client):
    response = client.get("/sign-in")

    assert response.status_code == 200
    assert 'name="email"' in response.text
    assert "Email me a sign-in link" in response.text


def test_asking_for_a_link_emails_a_one_time_sign_in_link(client, mailbox):
    response = client.post("/sign-in", data={"email": "alex@example.org"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert "We have emailed a sign-in link to alex@example.org" in client.get("/sign-in").text
    assert mailbox.link_to("alex@example.org").startswith("/links/")
    link = the_link()
    assert link.purpose is LinkPurpose.SIGN_IN
    assert link.used_at is None
    assert link.person.email == "alex@example.org"
    assert not is_signed_in(client)


def test_opening_the_link_shows_a_button_and_changes_nothing(client, mailbox):
    link = ask_for_link(client, mailbox)

    response = client.get(link)

    assert response.status_code == 200
    assert '<button type="submit">Sign in</button>' in response.text
    assert "alex@example.org" in response.text
    assert the_link().used_at is None  # mail scanners fetch links: a GET must not use it up
    assert the_link().person.email_confirmed_at is None
    assert not is_signed_in(client)


def test_pressing_the_button_signs_the_person_in(client, mailbox):
    link = ask_for_link(client, mailbox)

    response = client.post(link)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert "Welcome. You are signed in." in page  # no name yet, and none made from the address
    assert ">Sign out</button>" in page
    assert the_link().used_at is not None
    assert the_link().person.email_confirmed_at is not None


def test_sign_in_returns_to_the_next_page(client, mailbox):
    link = ask_for_link(client, mailbox, url="/sign-in?next=/events/new")

    response = client.post(link)

    assert response.headers["Location"] == "/events/new"


def test_page_that_needs_sign_in_is_reached_after_signing_in(client, mailbox, make_person, make_event):
    event = make_event(host=make_person("alex@example.org"))
    response = client.get(f"/events/{event.id}/edit")
    assert response.status_code == 302
    sign_in_url = response.headers["Location"]
    assert sign_in_url.startswith("/sign-in?next=")

    link = ask_for_link(client, mailbox, url=sign_in_url)
    response = client.post(link)

    assert response.headers["Location"] == f"/events/{event.id}/edit"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_unsafe_next_is_ignored(client, mailbox, next_url):
    link = ask_for_link(client, mailbox, url=f"/sign-in?next={next_url}")

    response = client.post(link)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_url",
    [
        pytest.param("/" + "a" * 300, id="longer-than-the-column"),
        pytest.param("/a\x00b", id="nul"),
        pytest.param("/a\r\nSet-Cookie: x=1", id="crlf"),
    ],
)
def test_odd_next_never_breaks_sign_in(client, mailbox, next_url):
    """A mangled ?next= is a user's input: it must not cost them their link with a 500."""
    response = client.post("/sign-in", query_string={"next": next_url}, data={"email": "alex@example.org"})
    assert response.status_code == 302

    response = client.post(mailbox.link_to("alex@example.org"))

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "\n" not in location
    assert is_signed_in(client)


# -- links that cannot be used ------------------------------------------------------------


def assert_refused(response, message: str) -> None:
    """410, the reason in words, and a form to ask for a new link."""
    assert response.status_code == 410
    assert message in response.text
    assert 'action="/sign-in"' in response.text
    assert 'name="email"' in response.text


def test_link_works_once(client, mailbox):
    link = ask_for_link(client, mailbox)
    assert client.post(link).status_code == 302
    client.post("/sign-out")

    assert_refused(client.post(link), "This link has already been used. Ask for a new one below.")
    assert_refused(client.get(link), "This link has already been used.")
    assert not is_signed_in(client)


def test_expired_link_is_refused(client, mailbox):
    link = ask_for_link(client, mailbox)
    row = the_link()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert_refused(client.get(link), "This link has expired. Ask for a new one below.")
    assert_refused(client.post(link), "This link has expired.")
    assert the_link().used_at is None
    assert not is_signed_in(client)


def test_link_older_than_its_signed_max_age_is_refused(app, client, mailbox):
    link = ask_for_link(client, mailbox)
    app.config["EMAIL_LINK_MAX_AGE"] = -1  # the signature's timestamp is now too old

    assert_refused(client.post(link), "This link is not valid.")
    assert the_link().used_at is None
    assert not is_signed_in(client)


def test_tampered_token_is_refused(client, mailbox):
    link = ask_for_link(client, mailbox)
    middle = len(token_of(link).split(".")[0]) // 2 + len("/links/")
    tampered = link[:middle] + ("A" if link[middle] != "A" else "B") + link[middle + 1 :]

    assert_refused(client.post(tampered), "This link is not valid.")
    assert the_link().used_at is None
    assert not is_signed_in(client)


def test_token_signed_with_another_key_is_refused(app, client, mailbox):
    secret = secret_of(app, token_of(ask_for_link(client, mailbox)))
    forged = URLSafeTimedSerializer("another-secret-key", salt=LINK_SALT).dumps(secret)

    assert_refused(client.post(f"/links/{forged}"), "This link is not valid.")
    assert the_link().used_at is None
    assert not is_signed_in(client)


def test_correctly_signed_unknown_secret_is_refused(app, client):
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=LINK_SALT).dumps("not-a-secret-we-issued")

    assert_refused(client.post(f"/links/{forged}"), "This link is not valid.")


@pytest.mark.parametrize(
    "token",
    ["x", "a.b.c", "...", "ünïcode", "%00", "%2e%2e", "A" * 2000, "IjEi.awLf3g.SHEa1E7QqB2De7A4ToWsx-SNqeQ"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_garbage_token_gets_410_never_500(client, method, token):
    response = client.open(f"/links/{token}", method=method)

    assert_refused(response, "This link is not valid.")


def test_signed_token_that_is_not_a_string_gets_410(app, client):
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=LINK_SALT).dumps({"secret": 1})

    assert_refused(client.post(f"/links/{token}"), "This link is not valid.")


def test_token_carries_128_bits_and_only_its_hash_is_stored(app, client, mailbox):
    token = token_of(ask_for_link(client, mailbox))
    secret = secret_of(app, token)

    assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) * 8 >= 128
    assert the_link().token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for row in db.session.execute(text("SELECT * FROM email_link")) for value in row]
    assert not any(secret in value or token in value for value in stored)


# -- signing out ---------------------------------------------------------------------------


def test_sign_out_is_a_post_only(client, auth):
    auth.sign_in("alex@example.org")

    assert client.get("/sign-out").status_code == 405
    assert is_signed_in(client)


def test_sign_out_signs_the_person_out(client, auth):
    auth.sign_in("alex@example.org")

    response = client.post("/sign-out")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert "You are signed out." in page
    assert "Sign out" not in page
    assert client.get("/events/new").status_code == 200  # still usable anonymously


# -- email addresses ----------------------------------------------------------------------


def test_email_is_matched_case_insensitively(client, mailbox, make_person):
    make_person("alex@example.org", name="Alex")

    link = ask_for_link(client, mailbox, email="ALEX@Example.org")
    client.post(link)

    assert count(Person) == 1
    assert the_link().person.email == "alex@example.org"
    assert "Sign out (Alex)" in client.get("/").text


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Enter an email address like name@example.org."),
        ("", "Enter your email address."),
    ],
)
def test_invalid_email_is_refused_beside_the_field(client, mailbox, email, message):
    response = client.post("/sign-in", data={"email": email})

    assert response.status_code == 422
    assert f'<p class="error" id="email-error">{message}' in response.text
    assert 'aria-invalid="true"' in response.text
    assert count(Person) == count(EmailLink) == count(OutboxMail) == 0
    assert mailbox.messages == []


# -- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True


def test_sign_in_without_csrf_token_is_refused(app, csrf_on, mailbox):
    client = app.test_client()

    response = client.post("/sign-in", data={"email": "alex@example.org"})

    assert response.status_code == 400
    assert count(Person) == count(EmailLink) == count(OutboxMail) == 0
    assert mailbox.messages == []


def test_sign_in_with_the_pages_csrf_token_works(app, csrf_on, mailbox):
    client = app.test_client()
    token = csrf_token_in(client.get("/sign-in").text)

    response = client.post("/sign-in", data={"email": "alex@example.org", "csrf_token": token})

    assert response.status_code == 302
    assert mailbox.link_to("alex@example.org")


def test_redeeming_a_link_without_csrf_token_is_refused(app, client, mailbox):
    link = ask_for_link(client, mailbox)
    app.config["WTF_CSRF_ENABLED"] = True

    assert app.test_client().post(link).status_code == 400
    assert the_link().used_at is None


def test_proposing_without_csrf_token_is_refused(app, csrf_on, make_place):
    make_place("Armley")
    client = app.test_client()

    response = client.post("/events/new", data=proposal())

    assert response.status_code == 400
    assert count(Event) == count(Person) == count(OutboxMail) == 0


def test_sign_out_without_csrf_token_is_refused(app, client, auth):
    auth.sign_in("alex@example.org")
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/sign-out")

    assert response.status_code == 400
    assert is_signed_in(client)
