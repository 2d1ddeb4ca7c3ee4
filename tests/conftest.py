"""Fixtures: an app on a fresh database (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), a real SMTP server, and factories for people and events.

With EVENTSITE_NO_SKIP=1 (set by .ci/run) any skipped test fails the run.
"""

import os
import re
import socket
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import event, text

from config import Config, database_url
from eventsite import create_app
from eventsite.database import utcnow
from eventsite.events import EventDetails, propose_event
from eventsite.extensions import db
from eventsite.forms import EventForm
from eventsite.models import EventKind, EventStatus, Person, Place

LONDON = ZoneInfo("Europe/London")
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need TEST_DATABASE_URL"),
    ),
]


# -- the SMTP test server ---------------------------------------------------------------


class Inbox:
    """Messages received by the test SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str):
        received = self.to(address)
        assert received, f"no mail to {address}; got mail to {[m['To'] for m in self.messages]}"
        return received[-1]

    @staticmethod
    def text(message) -> str:
        """The plain-text body, whether or not the message has attachments."""
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def attachments(message) -> list:
        return list(message.iter_attachments())

    @classmethod
    def links(cls, message) -> list[str]:
        return re.findall(r"https?://\S+", cls.text(message))

    def link_to(self, address: str, site_url: str = "http://eventsite.test", containing: str = "") -> str:
        """The path of the last link mailed to ``address`` (that has ``containing``), for the test client."""
        links = [link for link in self.links(self.last_to(address)) if containing in link]
        assert links, f"the message has no link with {containing!r}"
        return links[-1].removeprefix(site_url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.handler.clear()
    return smtp_server.handler


# -- the app on a fresh database ----------------------------------------------------------


@pytest.fixture(scope="session")
def pg_schema_ready():
    """Create the PostgreSQL schema once; each test then empties the tables."""
    return {"done": False}


def _empty_postgresql() -> None:
    # The content version's one row stays (its number only moves on); every other table empties.
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables if table.name != "content_version")
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app_settings() -> dict:
    """Override in a test module to create the app with other settings."""
    return {}


class ServerLikeClient(FlaskClient):
    """Closes each response once it is read, as a WSGI server does after sending it, so
    what runs after the response (mail delivery, ``call_on_close``) runs before the test goes on."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = ServerLikeClient  # every app a test makes


@pytest.fixture
def app(backend, tmp_path, smtp_server, pg_schema_ready, app_settings):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SITE_URL": "http://eventsite.test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_FROM": "eventsite <noreply@eventsite.test>",
        "MODERATION": "open",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,  # tests/test_rate_limits.py turns it on
        "SQLALCHEMY_DATABASE_URI": (
            f"sqlite:///{tmp_path / 'test.sqlite'}" if backend == "sqlite" else database_url(PG_URL)
        ),
    }
    app = create_app(Config, **{**settings, **app_settings})

    @app.before_request
    def _forget_signed_in_person():
        # The test holds one app context open, so requests share ``g``; clear
        # Flask-Login's cache so each request (and each client) loads its own person,
        # Flask-Babel's, so each request chooses its own language, and Flask-WTF's, so each
        # session gets its own CSRF token.
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        g.pop("csrf_token", None)

    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        elif not pg_schema_ready["done"]:
            db.drop_all()
            db.create_all()
            pg_schema_ready["done"] = True
        else:
            _empty_postgresql()
        yield app
        app.extensions["eventsite.quick_reads"].close()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory):
    """The pseudo-locales (tests/pseudo.py), built once from the source."""
    from tests.pseudo import build

    return build(tmp_path_factory.mktemp("pseudo-locales"))


@pytest.fixture
def pseudo_settings(pseudo_translations) -> dict:
    """App settings offering the pseudo-locales beside the real languages: a module's
    ``app_settings`` fixture returns these."""
    from tests.pseudo import PSEUDO_LOCALES

    return {
        "LANGUAGES": [*Config.LANGUAGES, *PSEUDO_LOCALES],
        # The pseudo-locales' directory first: Flask-Babel merges a language's catalogues in this
        # order and keeps the last one's plural rule, and a directory without the language gives
        # English's ("n != 1"), which would break Polish's three forms were it last.
        "BABEL_TRANSLATION_DIRECTORIES": f"{pseudo_translations};translations",
    }


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- factories -----------------------------------------------------------------------------


def new_person(email="alex@example.org", name="Alex", steward=False) -> Person:
    """Someone who has confirmed their address before."""
    person = Person(email=email, name=name, is_steward=steward, email_confirmed_at=utcnow())
    db.session.add(person)
    db.session.commit()
    return person


def new_place(name="Armley", slug=None) -> Place:
    place = Place(name=name, slug=slug or name.lower().replace(" ", "-"))
    db.session.add(place)
    db.session.commit()
    return place


def future_local(days=7, hour=18, minute=0) -> datetime:
    """A naive wall-clock time in London, ``days`` from now."""
    day = datetime.now(LONDON).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute)


def new_event(host=None, status=EventStatus.PUBLISHED, **fields):
    """Propose an event through the domain and publish it (unless told otherwise)."""
    host = host or new_person(email=f"host{utcnow().timestamp()}@example.org", name="Hana Host")
    fields.setdefault("title", "Brew and biscuits")
    fields.setdefault("kind", EventKind.PUB_COFFEE)
    fields.setdefault("starts_local", future_local())
    fields.setdefault("timezone", "Europe/London")
    if not fields.get("is_online"):
        fields.setdefault("venue_name", "Café Nova")
        if "place" not in fields:
            fields["place"] = db.session.query(Place).first() or new_place()
    event = propose_event(EventDetails(**fields), host, email_confirmed=True)
    event.status = status
    db.session.commit()
    return event


HOST_EMAIL = "hana@example.org"  # the ``host`` fixture's address (a test module may define its own ``host``)
STEWARD_EMAIL = "sam@example.org"


@pytest.fixture
def host(app, make_person):
    return make_person(email=HOST_EMAIL, name="Hana Host")


@pytest.fixture
def steward(app, make_person):
    return make_person(email=STEWARD_EMAIL, name="Sam Steward", steward=True)


@pytest.fixture
def make_person():
    return new_person


@pytest.fixture
def make_place():
    return new_place


@pytest.fixture
def make_event():
    return new_event


class Auth:
    """Sign a person in as the site does: by following the emailed link."""

    def __init__(self, client, mailbox) -> None:
        self.client = client
        self.mailbox = mailbox

    def sign_in(self, email: str) -> None:
        response = self.client.post("/sign-in", data={"email": email})
        assert response.status_code == 302, response.text
        link = self.mailbox.link_to(email)
        response = self.client.post(link)
        assert response.status_code == 302, response.text

    def sign_out(self) -> None:
        self.client.post("/sign-out")


@pytest.fixture
def auth(client, mailbox):
    return Auth(client, mailbox)


def answer_as_guest(client, mailbox, event_id: int, data: dict, site_url: str = "http://eventsite.test"):
    """A guest answers from the event page, then opens the emailed link and confirms, as the
    site asks; the answer counts from then. Returns the confirmation's response."""
    response = client.post(f"/events/{event_id}/rsvp", data=data)
    assert response.status_code == 302, response.text
    link = mailbox.link_to(data["email"].strip().lower(), site_url, containing="/answers/")
    assert client.get(link).status_code == 200
    return client.post(link)


# -- forms as a browser posts them ---------------------------------------------------------


def edit_form(event, **overrides) -> dict:
    """The edit form posted back unchanged (what ``EventForm.data_for`` shows), with ``overrides``."""
    data = {}
    for name, value in EventForm.data_for(event).items():
        if value is None or value is False:
            continue  # an empty field, or an unticked box, is not sent
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M")
        data[name] = "y" if value is True else value if isinstance(value, list) else str(value)
    return {**data, **overrides}


def without_csrf_tokens(page: str) -> str:
    """A page without its CSRF tokens: each request signs its own (with the time), so two
    answers that must read the same differ there, and only there."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


# -- SQL counting ------------------------------------------------------------------------


def statements_for(client, path: str) -> list[str]:
    """The SQL a GET of ``path`` sends, starting from an empty session (nothing cached);
    it must answer 200. (The quick version reads of ``database.QuickReads`` bypass the
    engine, so they are not listed: one per request at most.)"""
    status, _headers, statements = statements_with(client, path, {})
    assert status == 200, path
    return statements


def statements_with(client, path: str, headers: dict) -> tuple[int, dict, list[str]]:
    """Like ``statements_for``, for any answer: its status, headers and the SQL it sent."""
    db.session.remove()
    statements = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response.status_code, response.headers, statements


# -- CI: nothing may be skipped -----------------------------------------------------------


def _skipped(config) -> list:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return reporter.stats.get("skipped", []) if reporter else []


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("EVENTSITE_NO_SKIP") == "1" and _skipped(session.config) and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if os.environ.get("EVENTSITE_NO_SKIP") == "1" and _skipped(config):
        terminalreporter.write_line("EVENTSITE_NO_SKIP=1: skipped tests fail this run (CI runs everything).", red=True)
