"""Signed-in sessions: signing out really ends them, "sign out everywhere", cookie flags,
and a used sign-in link ends the person's other sign-in links."""

from sqlalchemy import func, select

from config import Config, ProductionConfig
from eventsite import create_app
from eventsite.extensions import db
from eventsite.models import EmailLink, LinkPurpose, PersonSession
from eventsite.sessions import find_session, session_id, start_session
from tests.conftest import Auth
from tests.test_propose_journey import proposal

EMAIL = "alex@example.org"
COOKIES = ("session", "remember_token")


def signed_in_client(app, mailbox, email=EMAIL):
    client = app.test_client()
    Auth(client, mailbox).sign_in(email)
    return client


def cookies_of(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in COOKIES}


def opens_me(app, name: str, value: str) -> bool:
    """Whether a fresh browser holding only this one cookie is let into /me."""
    replay = app.test_client()
    replay.set_cookie(name, value)
    return replay.get("/me/").status_code == 200


def session_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(PersonSession))


def test_after_sign_out_the_old_session_and_remember_cookies_open_nothing(app, mailbox):
    client = signed_in_client(app, mailbox)
    old = cookies_of(client)
    assert all(opens_me(app, name, value) for name, value in old.items())  # each works alone while signed in

    client.post("/sign-out")

    for name, value in old.items():
        assert not opens_me(app, name, value), name
    assert client.get("/me/").status_code == 302
    assert session_count() == 0


def test_sign_out_forgets_what_the_browser_remembered(app, mailbox):
    client = signed_in_client(app, mailbox)
    with client.session_transaction() as browser:
        browser["rsvps"] = {"1": "a-remembered-answer"}

    client.post("/sign-out")

    with client.session_transaction() as browser:
        assert "rsvps" not in browser


def test_signing_out_ends_only_this_browsers_session(app, mailbox):
    laptop = signed_in_client(app, mailbox)
    phone = signed_in_client(app, mailbox)

    laptop.post("/sign-out")

    assert phone.get("/me/").status_code == 200
    assert session_count() == 1


def test_sign_out_everywhere_ends_every_session_of_the_person(app, mailbox):
    laptop = signed_in_client(app, mailbox)
    phone = signed_in_client(app, mailbox)
    phone_cookies = cookies_of(phone)
    someone_else = signed_in_client(app, mailbox, "sam@example.org")
    assert "Sign out everywhere" in laptop.get("/me/").text

    response = laptop.post("/sign-out-everywhere")

    assert response.status_code == 302
    assert "You are signed out everywhere" in laptop.get("/").text
    assert laptop.get("/me/").status_code == 302
    assert phone.get("/me/").status_code == 302
    for name, value in phone_cookies.items():
        assert not opens_me(app, name, value), name
    assert someone_else.get("/me/").status_code == 200
    assert session_count() == 1


def test_sign_out_everywhere_is_a_post_only(app, mailbox):
    client = signed_in_client(app, mailbox)

    assert client.get("/sign-out-everywhere").status_code == 405
    assert client.get("/me/").status_code == 200


def test_deleting_the_account_ends_its_sessions_on_other_browsers(app, mailbox):
    laptop = signed_in_client(app, mailbox)
    phone = signed_in_client(app, mailbox)
    phone_cookies = cookies_of(phone)

    response = laptop.post("/me/delete", data={"confirm": "y"})

    assert response.status_code == 302
    assert phone.get("/me/").status_code == 302
    for name, value in phone_cookies.items():
        assert not opens_me(app, name, value), name
    assert session_count() == 0


def test_only_the_keys_hash_is_stored_and_the_key_has_over_128_bits(app, make_person):
    person = make_person()

    key = start_session(person)

    stored = db.session.scalars(select(PersonSession)).one()
    assert key not in stored.key_hash
    assert len(key) >= 22  # URL-safe base64: 22 characters carry 128 bits
    assert find_session(session_id(person, key)).person == person


def test_a_plain_or_forged_session_id_finds_nothing(app, make_person):
    person = make_person()
    key = start_session(person)
    other = make_person(email="sam@example.org")

    assert find_session(str(person.id)) is None  # the form Flask-Login stored before sessions
    assert find_session(session_id(other, key)) is None  # a real key under another person's id
    assert find_session(session_id(person, key[:-1] + "x")) is None
    for junk in ("", "-", "x-y", f"{person.id}-", "9" * 40 + "-" + key, f"{person.id}-{key}" * 3):
        assert find_session(junk) is None


def test_remember_cookie_is_secure_and_httponly_in_production(app, mailbox):
    settings = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM")}
    production = create_app(
        ProductionConfig,
        **settings,
        SECRET_KEY="a-production-key-that-is-long-and-random",
        SITE_URL="https://eventsite.test",
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
    )
    assert ProductionConfig.REMEMBER_COOKIE_SECURE
    assert ProductionConfig.SESSION_COOKIE_SECURE
    client = production.test_client()
    with production.app_context():
        try:
            client.post("/sign-in", data={"email": EMAIL}, base_url="https://eventsite.test")
            link = mailbox.link_to(EMAIL, site_url="https://eventsite.test")
            response = client.post(link, base_url="https://eventsite.test")
        finally:
            db.session.remove()
            db.engine.dispose()  # the second app's own connections

    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in COOKIES:
        assert "; Secure" in cookies[name], cookies[name]
        assert "; HttpOnly" in cookies[name], cookies[name]


def test_remember_cookie_is_httponly_in_development():
    assert Config.REMEMBER_COOKIE_HTTPONLY is True


# -- sign-in links -------------------------------------------------------------------------------


def ask_for_link(client, mailbox, email=EMAIL) -> str:
    client.post("/sign-in", data={"email": email})
    return mailbox.link_to(email)


def test_using_a_sign_in_link_ends_the_persons_other_sign_in_links(app, client, mailbox):
    older = ask_for_link(client, mailbox)
    used = ask_for_link(client, mailbox)
    newer = ask_for_link(client, mailbox)
    someone_elses = ask_for_link(client, mailbox, "sam@example.org")

    assert client.post(used).status_code == 302

    other_browser = app.test_client()
    assert other_browser.post(older).status_code == 410
    assert other_browser.post(newer).status_code == 410
    assert "already been used" in other_browser.get(newer).text
    assert other_browser.post(someone_elses).status_code == 302


def test_signing_in_leaves_a_proposals_confirmation_link_working(app, client, mailbox, make_place):
    make_place("Armley")
    client.post("/events/new", data=proposal(email=EMAIL))
    confirm = mailbox.link_to(EMAIL)
    purposes = set(db.session.scalars(select(EmailLink.purpose)))
    assert purposes == {LinkPurpose.CONFIRM_EVENT}

    assert client.post(ask_for_link(client, mailbox)).status_code == 302

    response = app.test_client().post(confirm)
    assert response.status_code == 302
    assert "/events/" in response.headers["Location"]
